"""Feed: one vertical clip at a time, playing muted and looping; previous / next, like, follow,
comment, remix and report. For You ranks by popularity and recency; Following shows people you
follow; search finds published clips by words in their caption, prompt or author."""
import streamlit as st

from pages.common import attempt, require_actor, result_or_stop, show_error
from workbench import WorkbenchError
from workbench.generation.moods import mood, mood_names
from workbench.safety.reports import REPORT_REASONS
from workbench.social.feed import FeedItem

TABS = {"for_you": "For You", "following": "Following"}
LABELS = {"ai_generated": "AI-generated: not real footage", "satire": "Satire"}

wb, actor = require_actor()


def reset_position() -> None:
    st.session_state["feed_position"] = 0


st.title("Feed")
tab = st.segmented_control("Tab", list(TABS), format_func=TABS.get, default="for_you", key="feed_tab",
                           on_change=reset_position, label_visibility="collapsed") or "for_you"
mood_filter = st.pills("Mood", mood_names(), format_func=lambda m: mood(m)["label"], key="feed_mood",
                       on_change=reset_position)

query = st.text_input("Search", placeholder="Search clips: words from a caption, or @creator", key="feed_search",
                      on_change=reset_position, label_visibility="collapsed").strip()
if query:
    items = [FeedItem(video, f"Matches “{query}”", 0.0)
             for video in result_or_stop(wb.videos.search, actor.handle, query, limit=50)]
else:
    items = wb.feed.page(actor.handle, tab, mood=mood_filter, limit=50)
if not items:
    st.info(f"No published clip matches “{query}”." if query else "Nothing here yet."
            + (" Follow people from For You to fill this tab." if tab == "following" else ""))
    st.stop()

position = min(st.session_state.get("feed_position", 0), len(items) - 1)
item = items[position]
clip = item.video

left, right = st.columns([3, 2], vertical_alignment="top")
with left:
    st.video(str(clip.media_file), autoplay=True, muted=True, loop=True, width=300)
with right:
    st.caption(f"{position + 1} of {len(items)} · {item.reason}")
    st.markdown(f"**@{clip.author}**")
    if clip.label:
        st.badge(LABELS[clip.label], icon=":material/label:", color="orange")
    if clip.age_restricted:
        st.badge("18+", icon=":material/no_adult_content:", color="red")
    st.write(clip.caption)
    st.caption(" · ".join(mood(m)["label"] for m in clip.moods) + f" · {clip.duration_s:.0f} s · clip #{clip.id}")

    previous_col, next_col = st.columns(2)
    if previous_col.button("Previous", icon=":material/arrow_upward:", disabled=position == 0, width="stretch"):
        st.session_state["feed_position"] = position - 1
        st.rerun()
    if next_col.button("Next", icon=":material/arrow_downward:", disabled=position >= len(items) - 1, width="stretch"):
        st.session_state["feed_position"] = position + 1
        st.rerun()

    liked = wb.videos.liked(actor.handle, clip.id)
    if st.button(f"{'Liked' if liked else 'Like'} · {clip.like_count}", icon=":material/favorite:" if liked else ":material/favorite_border:",
                 key=f"like_{clip.id}", width="stretch"):
        attempt(wb.videos.unlike if liked else wb.videos.like, actor.handle, clip.id)

    if clip.author != actor.handle:
        follows = clip.author in wb.users.following(actor.handle)
        if st.button(f"{'Unfollow' if follows else 'Follow'} @{clip.author}", key=f"follow_{clip.id}", width="stretch"):
            (wb.users.unfollow if follows else wb.users.follow)(actor.handle, clip.author)
            st.rerun()

    with st.popover("Remix", icon=":material/repeat:", width="stretch", disabled=not clip.allow_remix,
                    help=None if clip.allow_remix else f"@{clip.author} turned remixing off for this clip"):
        with st.form(f"remix_{clip.id}", clear_on_submit=True):
            twist = st.text_area("Your twist", placeholder="…but it is raining cats", max_chars=2000)
            publish_now = st.checkbox("Publish right away")
            if st.form_submit_button("Make remix"):
                try:
                    with st.spinner("Rendering the remix…"):
                        remix = wb.clips.remix(actor.handle, clip.id, twist, duration_s=clip.duration_s,
                                               publish=publish_now)
                except WorkbenchError as error:
                    show_error(error)
                else:
                    st.success(f"Remix #{remix.id} is {'published' if publish_now else 'saved as a draft (see Create)'}.")

    if clip.author != actor.handle:
        with st.popover("Report", icon=":material/flag:", width="stretch"):
            with st.form(f"report_{clip.id}", clear_on_submit=True):
                reason = st.selectbox("What is wrong?", list(REPORT_REASONS), format_func=lambda r: REPORT_REASONS[r][0])
                details = st.text_area("Details (optional)", max_chars=1000)
                if st.form_submit_button("Send report"):
                    try:
                        wb.reports.report(actor.handle, clip.id, reason, details)
                    except WorkbenchError as error:
                        show_error(error)
                    else:
                        st.success("Thanks: a reviewer will look at it. You will hear the outcome in your Inbox.")

with st.expander(f"Comments ({clip.comment_count})"):
    for comment in wb.videos.comments(actor.handle, clip.id):
        st.markdown(f"**@{comment.author}** {comment.body}")
    with st.form(f"comment_{clip.id}", clear_on_submit=True):
        body = st.text_input("Add a comment", max_chars=500)
        if st.form_submit_button("Post"):
            attempt(wb.videos.comment, actor.handle, clip.id, body)
