"""A creator's page (a tap on a handle opens it: `?handle=ana`): who they are, follow them, their
clips as a grid of thumbnails (each opens in the feed) and the remix trees their clips are part of."""
import streamlit as st

from pages.common import attempt, require_actor, result_or_stop
from workbench.social.lineage import lineage_figure
from workbench.words import counted

wb, actor = require_actor()

# the handle in the address, else the creator shown last (the browser's Back can come without it)
handle = st.session_state["creator"] = (st.query_params.get("handle") or st.session_state.get("creator")
                                        or actor.handle).lstrip("@")
creator = result_or_stop(wb.users.get, handle)
clips = result_or_stop(wb.videos.by_author, actor.handle, creator.handle)
followers = wb.users.followers(creator.handle)

st.title(f"@{creator.handle}")
st.caption(f"{creator.display_name} · {counted(len(followers), 'follower')} · "
           f"{len(wb.users.following(creator.handle))} following · {counted(len(clips), 'clip')}")
if creator.handle != actor.handle:
    follows = actor.handle in followers
    if st.button("Following" if follows else "Follow", type="secondary" if follows else "primary", key="creator_follow"):
        attempt(wb.users.unfollow if follows else wb.users.follow, actor.handle, creator.handle,
                done=f"{'Unfollowed' if follows else 'Following'} @{creator.handle}")

if not clips:
    st.info("No clips to show yet.")
    st.stop()

with st.grid(3, min_column_width=100, gap="small"):
    for clip in clips:
        with st.container(gap=None):
            st.image(str(wb.videos.thumbnail(clip)), width="stretch")
            st.page_link("pages/feed.py", label=f"#{clip.id} · ♥ {clip.like_count}", icon=":material/play_arrow:",
                         query_params={"clip": str(clip.id)}, help=clip.caption)
            if clip.status != "published":
                st.caption(clip.state)

roots = {}
for clip in clips:
    roots.setdefault(clip.remix_root_id or clip.id, clip.id)
trees = [tree for tree in (wb.videos.remix_tree(actor.handle, clip_id) for clip_id in roots.values()) if len(tree) > 1]
if trees:
    st.subheader("Remix trees")
    for tree in trees:
        root = tree[0]
        with st.expander(f"#{root.id} by @{root.author}: {counted(len(tree) - 1, 'remix', 'remixes')}, "
                         f"{max(v.remix_depth for v in tree)} deep"):
            st.plotly_chart(lineage_figure(tree, root.id), key=f"creator_tree_{root.id}", config={"displayModeBar": False})
