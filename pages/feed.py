"""Feed: one vertical clip at a time, playing muted and looping; previous / next, like, follow,
comment, remix and report. For You is ranked by the viewer's policy (connection-first by default)
and can be steered in words; Following shows people you follow; search finds published clips.
The browser reports each view (seconds played, loops) as it goes; the remix tree and a side-by-side
with the original are one click away."""
import uuid

import streamlit as st

from pages.common import (
    attempt,
    require_actor,
    result_or_stop,
    show_error,
    watch_telemetry,
)
from workbench import WorkbenchError
from workbench.media.moods import mood, mood_names
from workbench.safety.evidence import REPORT_REASONS
from workbench.social.feed import FeedItem
from workbench.social.lineage import lineage_figure
from workbench.social.ranking import POLICIES

TABS = {"for_you": "For You", "following": "Following"}
LABELS = {"ai_generated": "AI-generated: not real footage", "satire": "Satire"}

wb, actor = require_actor()


def reset_position() -> None:
    st.session_state["feed_position"] = 0


def view_key(clip_id: int) -> str:
    """One key per time a clip is shown: the browser's reports for this showing update one view. A
    showing ends when another clip is shown (Previous / Next, another page), nothing else."""
    current = st.session_state.get("feed_view")
    if current is None or current[0] != clip_id:
        current = st.session_state["feed_view"] = (clip_id, uuid.uuid4().hex)
    return current[1]


st.title("Feed")
tab = st.segmented_control("Tab", list(TABS), format_func=TABS.get, default="for_you", key="feed_tab",
                           on_change=reset_position, label_visibility="collapsed") or "for_you"
mood_filter = st.pills("Mood", mood_names(), format_func=lambda m: mood(m)["label"], key="feed_mood",
                       on_change=reset_position)

search_col, steer_col, policy_col = st.columns([5, 5, 2], vertical_alignment="bottom")
query = search_col.text_input("Search", placeholder="Search: words from a caption, or @creator", key="feed_search",
                              on_change=reset_position, label_visibility="collapsed").strip()
steer = steer_col.text_input("Steer", placeholder="Steer For You: more animals, less news", key="feed_steer",
                             on_change=reset_position, label_visibility="collapsed",
                             disabled=tab != "for_you").strip()
with policy_col.popover("Ranking", icon=":material/tune:", width="stretch"):
    current = wb.feed.policy_of(actor.handle)
    if actor.is_teen:
        st.caption("Teen accounts get the same non-personalised For You as everyone their age.")
    else:
        names = list(POLICIES)
        chosen = st.radio("For You is ranked by", names, index=names.index(current), key="feed_policy",
                          format_func=lambda n: n.replace("_", " ").capitalize())
        if chosen != current:
            attempt(wb.feed.set_policy, actor.handle, chosen)

# the page's order is kept while you scroll it (a like must not reshuffle it); it is fetched again
# when the tab, mood, steering, search or persona changes
page_key = (actor.handle, tab, mood_filter, steer, query)
if st.session_state.get("feed_page", (None,))[0] != page_key:
    if query:
        fetched = [FeedItem(video, f"Matches “{query}”", 0.0)
                   for video in result_or_stop(wb.videos.search, actor.handle, query, limit=50)]
    else:
        fetched = result_or_stop(wb.feed.page, actor.handle, tab, mood=mood_filter, steer=steer or None, limit=50)
    st.session_state["feed_page"] = (page_key, fetched)
items = st.session_state["feed_page"][1]
if not items:
    st.info(f"No published clip matches “{query}”." if query else "Nothing here yet."
            + (" Follow people from For You to fill this tab." if tab == "following" else ""))
    st.stop()

position = min(st.session_state.get("feed_position", 0), len(items) - 1)
item = items[position]
try:
    clip = wb.videos.get(actor.handle, item.video.id)  # fresh counts; gone if it was removed meanwhile
except WorkbenchError:
    st.session_state.pop("feed_page", None)
    st.rerun()


left, right = st.columns([3, 2], vertical_alignment="top")
with left:
    st.video(str(clip.media_file), autoplay=True, muted=True, loop=True, width=300)
    showing = view_key(clip.id)
    try:
        ticket = wb.videos.view_ticket(actor.handle, clip.id, showing, feed_policy=item.policy or None)
    except WorkbenchError:  # removed since the page was listed: shown this once, not counted
        ticket = None
    if ticket:
        watch_telemetry(ticket, clip.duration_s, showing)
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
        st.session_state.pop("feed_view", None)
        st.rerun()
    if next_col.button("Next", icon=":material/arrow_downward:", disabled=position >= len(items) - 1, width="stretch"):
        st.session_state["feed_position"] = position + 1
        st.session_state.pop("feed_view", None)
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

tree = wb.videos.remix_tree(actor.handle, clip.id)
if len(tree) > 1:
    with st.expander(f"Remix tree ({len(tree)} clips, {max(v.remix_depth for v in tree)} deep)"):
        figure = lineage_figure(tree, clip.id)
        st.plotly_chart(figure, key=f"tree_{clip.id}")
if clip.remix_parent_id is not None:
    with st.expander("Side by side with the clip it remixes"):
        try:
            parent = wb.videos.get(actor.handle, clip.remix_parent_id)
        except WorkbenchError:
            st.caption("The original is no longer available.")
        else:
            original_col, remix_col = st.columns(2)
            original_col.caption(f"Original #{parent.id} by @{parent.author}: {parent.caption}")
            original_col.video(str(parent.media_file), muted=True, loop=True)
            remix_col.caption(f"Remix #{clip.id} by @{clip.author}: {clip.caption}")
            remix_col.video(str(clip.media_file), muted=True, loop=True)

with st.expander(f"Comments ({clip.comment_count})"):
    for comment in wb.videos.comments(actor.handle, clip.id):
        st.markdown(f"**@{comment.author}** {comment.body}")
    with st.form(f"comment_{clip.id}", clear_on_submit=True):
        body = st.text_input("Add a comment", max_chars=500)
        if st.form_submit_button("Post"):
            attempt(wb.videos.comment, actor.handle, clip.id, body)
