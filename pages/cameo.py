"""Cameo: your verified likeness (or your characters), who may use it, and every clip it is in.
You co-own those clips: you see every draft and can take any of them down."""
import streamlit as st

from pages.common import attempt, confirm_first, record_clip, require_actor, show_error
from workbench import CameoKind, CameoStatus, WorkbenchError

PERSON_LEVELS = {"only_me": "Only me", "approved": "People I approve", "mutuals": "Mutuals", "everyone": "Everyone"}
CHARACTER_LEVELS = {"only_me": "Private", "followers": "Followers", "everyone": "Everyone"}

wb, actor = require_actor()


st.title("Cameo")
st.write("A cameo lets a verified, consenting person (or a character: a pet, a mascot) appear in other "
         "people's clips. You decide who may use it, you see every draft that uses it, and you can take "
         "any of them down. Revoking stops new uses at once.")

cameos = wb.cameos.mine(actor.handle)
if not any(c.kind == CameoKind.PERSON and c.status in (CameoStatus.VERIFIED, CameoStatus.HELD) for c in cameos):
    with st.container(border=True):
        st.subheader("Enroll your cameo")
        st.write("Record a short selfie clip (with sound) that follows a random challenge, then upload it. "
                 "Liveness checks decide: the challenge followed in order, one person throughout, not a photo "
                 "or a replay, the digits heard, the lips moving with the voice. A face that matches a public "
                 "figure is held for a reviewer.")
        if st.button("Get a challenge", type="primary"):
            try:
                st.session_state["challenge"] = wb.cameos.start_enrollment(actor.handle)
            except WorkbenchError as error:
                show_error(error)
        challenge = st.session_state.get("challenge")
        if challenge is not None:
            st.markdown(f"**Your challenge:** {challenge.instructions()}")
            st.caption(f"Valid until {challenge.expires_at:%H:%M:%S} UTC; one clip per challenge.")
            recorded = record_clip("enrollment_recording")
            uploaded = st.file_uploader("…or upload a clip", type=["mp4", "mov", "webm", "m4v"], key="enrollment_clip")
            clip = recorded or (uploaded.getvalue() if uploaded is not None else None)
            if clip is not None and st.button("Check my clip"):
                try:
                    with st.spinner("Checking liveness…"):
                        result = wb.cameos.complete_enrollment(actor.handle, clip)
                except WorkbenchError as error:
                    show_error(error)
                else:
                    st.session_state.pop("challenge", None)
                    verdicts = {"verified": st.success, "held": st.warning, "failed": st.error, "expired": st.error}
                    verdicts[result.status](f"Enrollment {result.status}"
                                            + (f": failed {', '.join(result.failed)}" if result.failed else ""))
                    st.dataframe(result.report(), hide_index=True, width="stretch")

for cameo in cameos:
    levels = PERSON_LEVELS if cameo.kind == "person" else CHARACTER_LEVELS
    with st.container(border=True):
        picture, facts = st.columns([1, 3])
        if cameo.reference_image:
            picture.image(str(cameo.reference_image), width=120)
        facts.markdown(f"**@{cameo.handle}** · {cameo.display_name} · {cameo.kind} · `{cameo.status}`")
        facts.caption(f"Who may use it: {levels.get(cameo.permission, cameo.permission)}"
                      + (f" · approved: {', '.join('@' + h for h in cameo.approved)}" if cameo.approved else ""))
        if cameo.status == "held":
            because = cameo.held_because or "a public figure's face, or a human face in a character's picture"
            facts.warning(f"Held for a reviewer: nobody can use it until they decide ({because}). "
                          "You will hear of the decision in your inbox.")
        if cameo.status != "verified":
            continue
        with st.expander("Settings"):
            level = st.selectbox("Who may use it", list(levels), index=list(levels).index(cameo.permission),
                                 format_func=levels.get, key=f"level_{cameo.id}")
            if level != cameo.permission:
                attempt(wb.cameos.set_permission, actor.handle, cameo.handle, level,
                        done=f"Who may use @{cameo.handle}: saved")
            if cameo.kind == "person":
                approve, unapprove = st.columns(2)
                with approve.form(f"approve_{cameo.id}", clear_on_submit=True):
                    person = st.text_input("Approve a person (handle)")
                    if st.form_submit_button("Approve"):
                        attempt(wb.cameos.approve, actor.handle, cameo.handle, person,
                                done=f"@{person.strip().lstrip('@')} may now use @{cameo.handle}")
                for handle in cameo.approved:
                    if unapprove.button(f"Remove @{handle}", key=f"unapprove_{cameo.id}_{handle}"):
                        attempt(wb.cameos.unapprove, actor.handle, cameo.handle, handle,
                                done=f"@{handle} may no longer use @{cameo.handle}")
            with st.form(f"restrictions_{cameo.id}"):
                words = st.text_area("Never show my cameo…", value=cameo.restrictions,  # the service says if too long
                                     placeholder="drinking, in political ads, in swimwear")
                if st.form_submit_button("Save restrictions"):
                    attempt(wb.cameos.set_restrictions, actor.handle, cameo.handle, words,
                            done=f"Restrictions of @{cameo.handle} saved")
            photo = st.file_uploader("Reference photo (exactly one face for a person)", type=["jpg", "jpeg", "png"],
                                     key=f"photo_{cameo.id}")
            if st.toggle("Use the camera instead", key=f"camera_on_{cameo.id}"):
                photo = st.camera_input("Reference photo (a still is a reference, never a verification)",
                                        key=f"camera_{cameo.id}") or photo
            if photo is not None and st.button("Use this photo", key=f"use_photo_{cameo.id}"):
                attempt(wb.cameos.set_reference_image, actor.handle, cameo.handle, photo.getvalue())
            published = st.radio("If you revoke it, published clips that use it", ["keep", "remove"], horizontal=True,
                                 format_func={"keep": "Keep them up", "remove": "Take them down"}.get,
                                 key=f"revoke_published_{cameo.id}")
            confirm_first("Revoke this cameo", f"Revoke @{cameo.handle}", wb.cameos.revoke, actor.handle, cameo.handle,
                          published=published, key=f"revoke_{cameo.id}", done=f"@{cameo.handle} revoked",
                          message="Nobody can use it in a new clip, and no draft with it can be published. "
                                  + ("Published clips with it stay up." if published == "keep"
                                     else "Published clips with it are taken down."))

with st.expander("Create a character cameo"):
    with st.form("character", clear_on_submit=True):
        handle = st.text_input("Handle", placeholder="pip_the_otter")
        name = st.text_input("Name", placeholder="Pip the Otter")
        visibility = st.radio("Who may use it", ["private", "followers", "everyone"], horizontal=True)
        picture = st.file_uploader("Picture (optional)", type=["jpg", "jpeg", "png"])
        if st.form_submit_button("Create"):
            attempt(wb.cameos.create_character, actor.handle, handle, name, visibility=visibility,
                    image=picture.getvalue() if picture else None,
                    done=f"Character @{handle.strip().lstrip('@')} created")

st.subheader("Appearances")
appearances = wb.cameos.appearances(actor.handle)
if not appearances:
    st.caption("No clip uses your cameos yet.")
for clip in appearances:
    picture, text, action = st.columns([1, 3, 1], vertical_alignment="center")
    picture.image(str(wb.videos.thumbnail(clip)), width=90)
    text.markdown(f"**#{clip.id}** by @{clip.author} · `{clip.state}` · {clip.caption}")
    if clip.status != "removed":
        confirm_first("Take down", f"Take down clip #{clip.id}", wb.cameos.remove_appearance, actor.handle, clip.id,
                      key=f"takedown_{clip.id}", where=action,
                      message=f"It leaves every feed at once, and @{clip.author} is told that you took it down.",
                      done=f"Clip #{clip.id} taken down; @{clip.author} was told")
