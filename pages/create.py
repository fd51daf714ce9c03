"""Create: prompt to clip. The clip renders in a job worker; this page never blocks while it does,
and shows each job's progress until it is done. Then publish your drafts."""
from datetime import datetime, timezone

import streamlit as st

from pages.common import attempt, confirm_first, require_actor, show_error
from workbench import JobStatus, VideoStatus, WorkbenchError
from workbench.generation.service import without_credits
from workbench.media.moods import mood, mood_names
from workbench.words import counted

#: a job still queued after this long suggests no worker is running
QUEUED_HINT_S = 10

wb, actor = require_actor()

st.title("Create")
st.write("Describe a clip; separate shots with `|` for a multi-shot clip. It renders as a vertical 9:16 "
         "H.264 + AAC mp4 with a moving AI watermark and a signed C2PA manifest, and is saved as a draft "
         "that only you (and anyone whose cameo is in it) can see until you publish it.")

with st.form("create"):
    # no max_chars: the browser would cut a long paste short without a word; the service says why
    prompt = st.text_area("Prompt", placeholder="an otter juggling shells at sunset | the otter takes a bow")
    duration = st.slider("Duration (seconds)", int(wb.settings.clip_min_s), int(wb.settings.clip_max_generated_s), 4)
    moods = st.multiselect("Moods (optional; otherwise read from the prompt)", mood_names(),
                           format_func=lambda m: mood(m)["label"], max_selections=3)
    usable = wb.cameos.usable(actor.handle)
    cameos = st.multiselect("Cameos (people and characters who let you use theirs)", [c.handle for c in usable],
                            format_func=lambda h: f"@{h}", max_selections=3)
    seed_text = st.text_input("Seed (optional; the same seed and prompt give the same clip)")
    allow_remix = st.checkbox("Others may remix this clip", value=True)
    submitted = st.form_submit_button("Generate", type="primary")

if submitted:
    try:
        seed = int(seed_text) if seed_text.strip() else None
        job = wb.clips.submit(actor.handle, prompt, duration_s=float(duration), moods=tuple(moods) or None,
                              seed=seed, allow_remix=allow_remix, cameos=tuple(cameos))
    except ValueError:
        st.error("The seed must be a whole number.")
    except WorkbenchError as error:
        show_error(error)
    else:
        st.toast(f"Job #{job.id} queued")


@st.fragment(run_every="1s")
def job_progress() -> None:
    """Recent jobs with live progress; reruns on its own every second, not the whole page."""
    jobs = wb.clips.jobs(actor.handle, limit=5)
    if not jobs:
        return
    finished = {job.id for job in jobs if job.done}
    if not finished <= st.session_state.setdefault("jobs_seen_finished", finished):
        st.session_state["jobs_seen_finished"] = finished
        st.rerun()  # the whole page, so the new draft shows under "Your clips"
    st.subheader("Jobs")
    for job in jobs:
        made = wb.videos.get(actor.handle, job.video_id) if job.status == JobStatus.SUCCEEDED else None
        if made is not None and made.status == VideoStatus.REMOVED:
            st.info(f"Job #{job.id}: clip #{made.id} was {made.state}", icon=":material/delete:")
        elif made is not None and made.held_reason:
            st.warning(f"Job #{job.id}: draft #{made.id} is held for review: {made.held_reason}",
                       icon=":material/pending:")
        elif made is not None:
            st.success(f"Job #{job.id}: {'draft' if made.status == VideoStatus.DRAFT else 'clip'} #{made.id} is ready",
                       icon=":material/check_circle:")
        elif job.status == JobStatus.FAILED:
            st.error(f"Job #{job.id} failed: {job.error}", icon=":material/error:")
        else:
            st.progress(job.progress, text=f"Job #{job.id}: {job.message or job.status}")
            waited = (datetime.now(timezone.utc) - job.created_at).total_seconds()
            if job.status == JobStatus.QUEUED and waited > QUEUED_HINT_S:
                st.caption(f"Still waiting for a worker after {waited:.0f} s: is `workbench worker` running?")


job_progress()

with st.expander("Upload a clip made elsewhere"):
    st.caption("It goes through the same checks as a generated clip: the caption through the prompt policy, "
               "the frames through the output scan (faces without consent, public figures, copies of removed "
               "clips; a copy of someone else's clip becomes a credited remix of it, or is refused). It is "
               "stored watermarked and signed, with your file as its ingredient.")
    with st.form("upload", clear_on_submit=True):
        upload_file = st.file_uploader("Video file", type=["mp4", "mov", "webm", "m4v"])
        upload_caption = st.text_input("Caption")  # the service says when it is too long
        submitted = st.form_submit_button("Upload")
        if submitted and upload_file is None:
            st.error("Choose a video file first (or wait until it has finished uploading).")
        elif submitted:
            try:
                uploaded = wb.uploads.upload(actor.handle, upload_file.getvalue(), caption=upload_caption)
            except WorkbenchError as error:
                show_error(error)
            else:
                if uploaded.held_reason:
                    st.warning(f"Clip #{uploaded.id} is held for review: {uploaded.held_reason}")
                elif uploaded.remix_parent_id:
                    st.info(f"Clip #{uploaded.id} repeats clip #{uploaded.remix_parent_id}, which is not yours: it "
                            f"was uploaded as a draft remix of it, credited in its caption and its Content "
                            f"Credentials ({uploaded.caption}).")
                else:
                    st.success(f"Clip #{uploaded.id} uploaded as a draft.")

st.subheader("Your clips")
everything = wb.videos.by_author(actor.handle, actor.handle)
mine = [clip for clip in everything if clip.status != VideoStatus.REMOVED]
gone = [clip for clip in everything if clip.status == VideoStatus.REMOVED]
if not mine:
    st.caption("Nothing yet.")
for clip in mine:
    held = clip.status == VideoStatus.DRAFT and clip.held_reason
    with st.container(border=True):
        picture, text, actions = st.columns([1, 3, 1], vertical_alignment="center")
        picture.image(str(wb.videos.thumbnail(clip)), width=90)
        lineage = f" · remix of #{clip.remix_parent_id}" if clip.remix_parent_id else ""
        text.markdown(f"**#{clip.id}** {clip.caption}  \n`{'held for review' if held else clip.state}` · "
                      f"{clip.duration_s:.0f} s · {counted(clip.like_count, 'like')} · "
                      f"{counted(clip.view_count, 'view')}{lineage}")
        if clip.held_reason:
            text.warning(f"Held for review: {clip.held_reason}")
        if clip.status == VideoStatus.DRAFT and not held and actions.button("Publish", key=f"publish_{clip.id}"):
            attempt(wb.videos.publish, actor.handle, clip.id, done=f"Clip #{clip.id} published: it is in the feeds now")
        if clip.status == VideoStatus.DRAFT:
            actions.popover("Watch").video(str(clip.media_file), muted=True, width=240)
        else:
            actions.page_link("pages/feed.py", label="Open", icon=":material/play_arrow:",
                              query_params={"clip": str(clip.id)})
        with actions.popover("Edit caption"), st.form(f"caption_{clip.id}"):
            # the credits (remix of, featuring) are added back by the service, so they are not offered for editing
            caption = st.text_input("Caption", value=without_credits(clip.caption),
                                    key=f"caption_text_{clip.id}")
            if st.form_submit_button("Save caption"):
                attempt(wb.clips.edit_caption, actor.handle, clip.id, caption, done=f"Caption of clip #{clip.id} saved")
        confirm_first("Delete", f"Delete clip #{clip.id}", wb.videos.remove, actor.handle, clip.id,
                      "deleted by its author", key=f"delete_{clip.id}", done=f"Clip #{clip.id} deleted", where=actions)
if gone:
    with st.expander(f"Removed ({len(gone)})"):
        for clip in gone:
            st.markdown(f"**#{clip.id}** {clip.caption} · {clip.state}")
