"""Creator analytics: how your clips are watched (completion by clip length, rewatches, views over
5 s), how far they travel as remixes (remix rate, the depth and breadth of their remix trees) and
how often your cameo appears in other people's clips. Admins can read any creator's report."""
import math

import plotly.express as px
import streamlit as st

from pages.common import require_actor, result_or_stop
from workbench import Role

wb, actor = require_actor()

st.title("Analytics")
creator = actor.handle
if actor.role == Role.ADMIN:
    # a handle typed, not a list of every account: a platform has tens of thousands
    creator = st.text_input("Creator", value=actor.handle, key="analytics_creator",
                            help="Any creator's handle").strip().lstrip("@") or actor.handle
report = result_or_stop(wb.analytics.creator_report, actor.handle, creator)
st.write(f"@{report.creator}'s clips. A view completes when playback reaches the clip's end; a rewatch is a view "
         "that looped at least once; a remix tree is an original and every remix under it, at any depth.")


def percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0%}"


row = st.columns(4)
row[0].metric("Views", report.views)
row[1].metric("Completion rate", percent(report.completion_rate))
row[2].metric("Rewatch rate", percent(report.rewatch_rate))
row[3].metric("Views over 5 s", percent(report.share_over_5s))
row = st.columns(4)
row[0].metric("Clips", report.clips)
row[1].metric("Remixes per 100 views", "—" if math.isnan(report.remix_rate) else f"{100 * report.remix_rate:.1f}")
row[2].metric("Deepest remix tree", int(report.trees["depth"].max()) if len(report.trees) else 0)
row[3].metric("Cameo appearances", report.cameo_appearances)

if report.views:
    st.plotly_chart(px.bar(report.by_duration, x="duration", y="completion_rate", hover_data=["views"],
                           labels={"duration": "clip length", "completion_rate": "completion rate"},
                           title="Completion rate by clip length"), width="stretch")
    per_clip = report.per_clip[report.per_clip["views"] > 0]
    figure = px.bar(per_clip.sort_values("completion_rate"), x="video_id", y="completion_rate",
                    hover_data=["views", "rewatch_rate", "share_over_5s", "remixes"],
                    labels={"video_id": "clip", "completion_rate": "completion rate"}, title="Completion rate per clip")
    figure.update_xaxes(type="category")
    st.plotly_chart(figure, width="stretch")
else:
    st.info("No views yet. Publish a clip and watch it from another persona.")
if len(report.trees) and report.trees["size"].max() > 1:
    trees = report.trees[report.trees["size"] > 1]
    st.plotly_chart(px.scatter(trees, x="depth", y="breadth", size="size", hover_data=["root_id", "forks"],
                               title="Your remix trees: depth and breadth (marker size: clips in the tree)"),
                    width="stretch")

st.dataframe(report.per_clip, hide_index=True, width="stretch")
st.download_button("Download per-clip table (CSV)", report.per_clip.to_csv(index=False),
                   f"{report.creator}_clips.csv", "text/csv")
st.download_button("Download remix trees (CSV)", report.trees.to_csv(index=False), f"{report.creator}_remix_trees.csv",
                   "text/csv")
