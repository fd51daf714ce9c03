"""Inbox: likes, comments and remixes of your clips, uses of your cameo, take-downs, what reviewers
decided about your clips, your likeness and your reports, and your appeals. A suspended persona
still reaches this page: the decision that suspended them can be appealed here."""
import streamlit as st

from pages.common import attempt, require_actor, result_or_stop

ICONS = {"like": ":material/favorite:", "comment": ":material/chat:", "remix": ":material/repeat:",
         "cameo_use": ":material/face:", "take_down": ":material/block:", "decision": ":material/gavel:",
         "appeal_decided": ":material/gavel:", "cameo_decision": ":material/gavel:",
         "report_outcome": ":material/flag:"}

wb, actor = require_actor(allow_suspended=True)

st.title("Inbox")
if actor.suspended:
    st.warning(f"@{actor.handle} is suspended. You can read your messages and appeal the decision here.",
               icon=":material/block:")
notices = result_or_stop(wb.notifications.list, actor.handle)
unread = sum(not n.read for n in notices)
if not notices:
    st.info("No messages yet.")
    st.stop()
if unread and st.button(f"Mark {unread} as read", icon=":material/done_all:"):
    attempt(wb.notifications.mark_read, actor.handle)

for notice in notices:
    with st.container(border=True):
        st.markdown(("**New** · " if not notice.read else "") + f"{notice.created_at:%Y-%m-%d %H:%M} UTC")
        st.markdown(f"{ICONS.get(notice.kind, ':material/notifications:')} {notice.body}")
        if notice.video_id is not None:
            st.page_link("pages/feed.py", label=f"Open clip #{notice.video_id}", icon=":material/play_circle:",
                         query_params={"clip": str(notice.video_id)})
        if notice.kind == "decision" and "appeal" in notice.body:
            with st.form(f"appeal_{notice.id}", clear_on_submit=True):
                statement = st.text_area("Why was this decision wrong?", max_chars=1000)
                if st.form_submit_button("Appeal (once)"):
                    attempt(wb.moderation.appeal, actor.handle, notice.case_id, statement,
                            done="Appeal sent: a reviewer will look at it, and you will hear the outcome here")
