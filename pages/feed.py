"""Feed: one vertical clip at a time, playing muted and looping, with the actions beside it as in
the apps people know (like, comment, remix, share, more). Up / down keys, a swipe on the clip or
Previous / Next move between clips. For You is ranked by the viewer's policy (connection-first by
default) and can be steered in words; Following shows people you follow; search finds published
clips. `?clip=ID` opens a shared clip first. The browser reports each view (seconds played, loops)
as it goes; the remix tree and a side-by-side with the original are one click away."""
import uuid

import streamlit as st

from pages.common import (
    attempt,
    confirm_first,
    copy_link,
    require_actor,
    result_or_stop,
    show_error,
    swipe_to_move,
    watch_telemetry,
)
from workbench import WorkbenchError
from workbench.media.moods import mood, mood_names
from workbench.safety.evidence import REPORT_REASONS
from workbench.social.feed import FeedItem
from workbench.social.lineage import lineage_figure
from workbench.social.ranking import POLICIES
from workbench.words import counted

TABS = {"for_you": "For You", "following": "Following"}
LABELS = {"ai_generated": "AI-generated: not real footage", "satire": "Satire"}

wb, actor = require_actor()
# as in the apps: no title, one row of controls, and the clip as large as the screen allows (its
# height within the window's); on a phone it fills the width and its actions float over its right edge
st.html("""<style>
.block-container {padding-top: 3.5rem}
.st-key-feed_clip > [data-testid=stElementContainer]:has(video) {flex: 1 1 auto; max-width: calc(80vh * 9 / 16)}
.st-key-feed_clip video {max-height: 80vh; width: 100%; object-fit: contain}
.st-key-feed_rail button {padding: 0.3rem 0.1rem; min-height: 3.4rem}
.st-key-feed_rail button span[data-has-shortcut] {display: flex; flex-direction: column; align-items: center; gap: 0.1rem}
.st-key-feed_rail button div[aria-hidden=true], .st-key-feed_bar button div[aria-hidden=true] {display: none}
.st-key-feed_rail button p {font-size: 0.8rem}
@media (max-width: 640px) {
  .st-key-feed_clip {position: relative}
  .st-key-feed_clip > [data-testid=stLayoutWrapper]:has(.st-key-feed_rail) {position: absolute; right: 0.4rem;
    top: 16%; width: 4.4rem; z-index: 2}
  .st-key-feed_rail button {background: rgba(0, 0, 0, 0.55); color: white; border-color: transparent}
}
</style>""")


def reset_position() -> None:
    st.session_state["feed_position"] = 0


def move(step: int) -> None:
    st.session_state["feed_position"] = st.session_state.get("feed_position", 0) + step
    st.session_state.pop("feed_view", None)


def choose_policy() -> None:
    wb.feed.set_policy(actor.handle, st.session_state["feed_policy"])
    reset_position()


def clear_search() -> None:
    st.session_state["feed_search"] = ""
    reset_position()


def not_interested(clip_id: int) -> None:
    """Dismiss the clip and show the next one: the page is fetched again without it."""
    try:
        wb.feed.not_interested(actor.handle, clip_id)
    except WorkbenchError as error:
        st.toast(str(error), icon=":material/error:")
        return
    st.session_state.pop("feed_page", None)
    st.session_state.pop("feed_view", None)
    st.session_state["done"] = "Not interested: that clip is gone, and clips like it come later"


def view_key(clip_id: int) -> str:
    """One key per time a clip is shown: the browser's reports for this showing update one view. A
    showing ends when another clip is shown (Previous / Next, another page), nothing else."""
    current = st.session_state.get("feed_view")
    if current is None or current[0] != clip_id:
        current = st.session_state["feed_view"] = (clip_id, uuid.uuid4().hex)
    return current[1]


# a link to a clip (?clip=ID) that is not the one on screen opens it first; the address then follows
# the clip on screen, so it can be copied or reloaded at any time
linked = st.query_params.get("clip", "")
if linked.isdigit() and int(linked) != st.session_state.get("feed_shown"):
    st.session_state["feed_link"] = int(linked)
    reset_position()

with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False, key="feed_bar"):
    tab = st.segmented_control("Tab", list(TABS), format_func=TABS.get, default="for_you", key="feed_tab",
                               on_change=reset_position, label_visibility="collapsed") or "for_you"
    with st.popover("", icon=":material/search:", help="Search, moods and steering"):
        query = st.text_input("Search", placeholder="words from a caption, or @creator", key="feed_search",
                              on_change=reset_position).strip()
        mood_filter = st.pills("Mood", mood_names(), format_func=lambda m: mood(m)["label"], key="feed_mood",
                               on_change=reset_position)
        steer = st.text_input("Steer For You", placeholder="more animals, less news", key="feed_steer",
                              on_change=reset_position, disabled=tab != "for_you").strip()
    with st.popover("Ranking", icon=":material/tune:"):
        policy = wb.feed.policy_of(actor.handle)
        if actor.is_teen:
            st.caption("Teen accounts get the same non-personalised For You as everyone their age.")
        else:
            names = list(POLICIES)
            st.radio("For You is ranked by", names, index=names.index(policy), key="feed_policy",
                     format_func=lambda n: n.replace("_", " ").capitalize(), on_change=choose_policy)

if query:  # the search box is folded away: say what the page is showing, and how to go back
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"Search: “{query}”")
        st.button("Clear", icon=":material/close:", key="feed_clear_search", on_click=clear_search, type="tertiary")

# the page's order is kept while you scroll it (a like must not reshuffle it); it is fetched again
# when the tab, mood, steering, search, ranking, a link or the persona changes
link = st.session_state.get("feed_link")
page_key = (actor.handle, tab, mood_filter, steer, query, policy, link)
if st.session_state.get("feed_page", (None,))[0] != page_key:
    if query:
        fetched = [FeedItem(video, f"Matches “{query}”", 0.0)
                   for video in result_or_stop(wb.videos.search, actor.handle, query, limit=50)]
    else:
        fetched = result_or_stop(wb.feed.page, actor.handle, tab, mood=mood_filter, steer=steer or None, limit=50)
    if link is not None:
        try:
            shared = wb.videos.get(actor.handle, link)
        except WorkbenchError as error:  # said once: the link is dropped (another persona may not see it)
            st.session_state.pop("feed_link", None)
            st.toast(f"The shared link: {error}", icon=":material/link_off:")
        else:
            fetched = [FeedItem(shared, "Shared with you", 0.0)] + [i for i in fetched if i.video.id != link]
    st.session_state["feed_page"] = (page_key, fetched)
items = st.session_state["feed_page"][1]
if not items:
    st.info(f"No published clip matches “{query}”." if query else "Nothing here yet."
            + (" Follow people from For You to fill this tab." if tab == "following" else ""))
    st.stop()

position = max(0, min(st.session_state.get("feed_position", 0), len(items) - 1))
item = items[position]
try:
    clip = wb.videos.get(actor.handle, item.video.id)  # fresh counts; gone if it was removed meanwhile
except WorkbenchError:
    st.session_state.pop("feed_page", None)
    st.rerun()
st.session_state["feed_shown"] = clip.id
st.query_params["clip"] = str(clip.id)
own = clip.author == actor.handle
removed = clip.status == "removed"
if removed:  # reached from the Inbox or a link: a record now, not a post
    st.warning(f"Clip #{clip.id} was {clip.state}: it is in no feed, and takes no likes, remixes or views.",
               icon=":material/block:")

with st.container(horizontal=True, gap="small", wrap=False, key="feed_clip"):
    st.video(str(clip.media_file), autoplay=True, muted=True, loop=True)
    if not removed:
        with st.container(width=76, gap="small", key="feed_rail"):
            liked = wb.videos.liked(actor.handle, clip.id)
            if st.button(str(clip.like_count), icon="❤️" if liked else "🤍", key=f"like_{clip.id}", width="stretch"):
                attempt(wb.videos.unlike if liked else wb.videos.like, actor.handle, clip.id)
            with st.popover("Remix", icon=":material/repeat:", width="stretch"):
                if not clip.allow_remix:  # said on a tap: a disabled button's tooltip never shows on a phone
                    st.info(f"@{clip.author} turned remixing off for this clip.")
                else:
                    with st.form(f"remix_{clip.id}", clear_on_submit=True):
                        twist = st.text_area("Your twist", placeholder="…as a tiny toy diorama")
                        cameos = st.multiselect("Cameos", [c.handle for c in wb.cameos.usable(actor.handle)],
                                                format_func=lambda h: f"@{h}", max_selections=3)
                        publish_now = st.checkbox("Publish right away")
                        if st.form_submit_button("Make remix"):
                            try:
                                with st.spinner("Rendering the remix…"):
                                    remix = wb.clips.remix(actor.handle, clip.id, twist, duration_s=clip.duration_s,
                                                           publish=publish_now, cameos=tuple(cameos))
                            except WorkbenchError as error:
                                show_error(error)
                            else:
                                st.success(f"Remix #{remix.id} is "
                                           f"{'held for review' if remix.held_reason else 'published' if publish_now else 'saved as a draft (see Create)'}.")
            with st.popover("Share", icon=":material/share:", width="stretch"):
                copy_link(f"{(st.context.url or '').split('?')[0].rstrip('/')}/?clip={clip.id}")
            with st.popover("More", icon=":material/more_horiz:", width="stretch"):
                if own:
                    confirm_first("Delete", f"Delete clip #{clip.id}", wb.videos.remove, actor.handle, clip.id,
                                  "deleted by its author", key=f"delete_{clip.id}", done=f"Clip #{clip.id} deleted")
                else:
                    st.button("Not interested", icon=":material/visibility_off:", key=f"dismiss_{clip.id}",
                              on_click=not_interested, args=(clip.id,))
                    with st.form(f"report_{clip.id}", clear_on_submit=True):
                        reason = st.selectbox("Report: what is wrong?", list(REPORT_REASONS), index=None,
                                              placeholder="Choose a reason", format_func=lambda r: REPORT_REASONS[r][0])
                        details = st.text_area("Details (optional)", max_chars=1000)
                        if st.form_submit_button("Send report"):
                            if reason is None:
                                st.error("Choose what is wrong first.")
                            else:
                                attempt(wb.reports.report, actor.handle, clip.id, reason, details,
                                        done="Report sent: a reviewer will look at it, and your Inbox will tell "
                                             "you the outcome")
showing = view_key(clip.id)
try:
    ticket = wb.videos.view_ticket(actor.handle, clip.id, showing, feed_policy=item.policy or None,
                                   page=item.showing())
except WorkbenchError:  # removed since the page was listed: shown this once, not counted
    ticket = None
if ticket:
    watch_telemetry(ticket, clip.duration_s, showing)
swipe_to_move("feed_clip", previous="feed_previous", next="feed_next")

with st.container(horizontal=True, vertical_alignment="center", gap="small"):
    st.page_link("pages/creator.py", label=f"@{clip.author}", icon=":material/account_circle:",
                 query_params={"handle": clip.author})
    if not own:
        follows = clip.author in wb.users.following(actor.handle)
        if st.button("Following" if follows else "Follow", key=f"follow_{clip.id}", type="secondary" if follows else "primary"):
            attempt(wb.users.unfollow if follows else wb.users.follow, actor.handle, clip.author)
    if clip.label:
        st.badge(LABELS[clip.label], icon=":material/label:", color="orange")
    if clip.age_restricted:
        st.badge("18+", icon=":material/no_adult_content:", color="red")
st.write(clip.caption)
st.caption(f"{position + 1} of {len(items)} · {item.reason} · "
           + " · ".join(mood(m)["label"] for m in clip.moods) + f" · {clip.duration_s:.0f} s · {counted(clip.view_count, 'view')} · clip #{clip.id}")

with st.container(horizontal=True, gap="small"):
    st.button("Previous", icon=":material/arrow_upward:", key="feed_previous", disabled=position == 0,
              on_click=move, args=(-1,), shortcut="Up")
    st.button("Next", icon=":material/arrow_downward:", key="feed_next", disabled=position >= len(items) - 1,
              on_click=move, args=(1,), shortcut="Down")

with st.expander(f"Comments ({clip.comment_count})", key=f"comments_{clip.id}"):
    for comment in wb.videos.comments(actor.handle, clip.id):
        st.markdown(f"**@{comment.author}** {comment.body}")
    with st.form(f"comment_{clip.id}", clear_on_submit=True):
        body = st.text_input("Add a comment", max_chars=500)
        if st.form_submit_button("Post"):
            attempt(wb.videos.comment, actor.handle, clip.id, body)

tree = wb.videos.remix_tree(actor.handle, clip.id)
if len(tree) > 1:
    with st.expander(f"Remix tree ({len(tree)} clips, {max(v.remix_depth for v in tree)} deep)"):
        st.plotly_chart(lineage_figure(tree, clip.id), key=f"tree_{clip.id}", config={"displayModeBar": False})
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
