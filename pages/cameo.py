"""Cameo: your verified likeness (or your character's), who may use it, and every clip it is in."""
import streamlit as st

from pages.common import require_actor

wb, actor = require_actor()

PERMISSIONS = {"only_me": "Only me", "approved": "People I approve", "mutuals": "Mutuals", "everyone": "Everyone"}

st.title("Cameo")
st.write("A cameo lets a verified, consenting person appear in other people's clips. You decide who may use "
         "it, you see every draft that uses it, and you can take any of them down.")

cameos = wb.cameos.mine(actor.handle)
if not cameos:
    st.info(f"@{actor.handle} has no cameo yet. Enrollment records a short clip answering a random "
            "challenge (turn your head, blink, read digits aloud) and checks liveness before verifying.")
for cameo in cameos:
    with st.container(border=True):
        st.markdown(f"**@{cameo.handle}** · {cameo.display_name} · {cameo.kind}")
        if cameo.reference_image:
            st.image(str(cameo.reference_image), width=120, caption="Reference image clips are drawn from")
        status, permission, approved = st.columns(3)
        status.metric("Status", cameo.status)
        permission.metric("Who may use it", PERMISSIONS[cameo.permission])
        approved.metric("Approved people", len(cameo.approved))
        if cameo.approved:
            st.caption("Approved: " + ", ".join(f"@{h}" for h in cameo.approved))
        if cameo.restrictions:
            st.caption(f"Restrictions: {cameo.restrictions}")

st.subheader("Appearances")
appearances = wb.cameos.appearances(actor.handle)
if not appearances:
    st.caption("No clip uses your cameo yet.")
for clip in appearances:
    st.markdown(f"**#{clip.id}** by @{clip.author} · `{clip.status}` · {clip.caption}")
