"""Create: prompt to clip, with visible progress; then publish your drafts."""
import streamlit as st

from pages.common import require_actor, show_error
from workbench import WorkbenchError
from workbench.generation.moods import mood, mood_names

wb, actor = require_actor()

st.title("Create")
st.write("Describe a clip. It renders on this machine as a vertical 9:16 H.264 + AAC mp4, saved as a draft "
         "that only you (and anyone whose cameo is in it) can see until you publish it.")

with st.form("create"):
    prompt = st.text_area("Prompt", placeholder="an otter juggling shells at sunset", max_chars=2000)
    duration = st.slider("Duration (seconds)", 2, 12, 4)
    moods = st.multiselect("Moods (optional; otherwise read from the prompt)", mood_names(),
                           format_func=lambda m: mood(m)["label"], max_selections=3)
    seed_text = st.text_input("Seed (optional; the same seed and prompt give the same clip)")
    allow_remix = st.checkbox("Others may remix this clip", value=True)
    submitted = st.form_submit_button("Generate", type="primary")

if submitted:
    bar = st.progress(0.0, text="Queued")
    try:
        seed = int(seed_text) if seed_text.strip() else None
    except ValueError:
        st.error("The seed must be a whole number.")
        st.stop()
    try:
        clip = wb.clips.create(actor.handle, prompt, duration_s=float(duration), moods=tuple(moods) or None,
                               seed=seed, allow_remix=allow_remix,
                               progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message))
    except WorkbenchError as error:
        bar.empty()
        show_error(error)
    else:
        bar.progress(1.0, text=f"Draft #{clip.id} ready (seed {clip.seed})")
        st.video(str(clip.media_file), autoplay=True, muted=True, loop=True, width=300)

st.subheader("Your clips")
mine = wb.videos.by_author(actor.handle, actor.handle)
if not mine:
    st.caption("Nothing yet.")
for clip in mine:
    with st.container(border=True):
        text, action = st.columns([4, 1], vertical_alignment="center")
        lineage = f" · remix of #{clip.remix_parent_id}" if clip.remix_parent_id else ""
        text.markdown(f"**#{clip.id}** {clip.caption}  \n`{clip.status}` · {clip.duration_s:.0f} s · "
                      f"{clip.like_count} likes · {clip.view_count} views{lineage}")
        if clip.status == "draft" and action.button("Publish", key=f"publish_{clip.id}"):
            try:
                wb.videos.publish(actor.handle, clip.id)
            except WorkbenchError as error:
                show_error(error)
            else:
                st.rerun()
