"""Watch metrics over view events with columns video_id, watched_s, clip_duration_s, loops, completed.

Definitions (the usual short-video ones, as creator dashboards report them):
- completion rate: completed views / all views, where a view completes when playback reaches the
  clip's end at least once;
- rewatch rate: views with at least one loop (the clip restarted after its end) / all views.
An empty table has no rate: the functions return NaN rather than pretend 0.
"""
from __future__ import annotations

import math

import pandas as pd


def completion_rate(events: pd.DataFrame) -> float:
    if len(events) == 0:
        return math.nan
    return float(events["completed"].astype(bool).mean())


def rewatch_rate(events: pd.DataFrame) -> float:
    if len(events) == 0:
        return math.nan
    return float((events["loops"] > 0).mean())


def completion_by_clip(events: pd.DataFrame) -> pd.DataFrame:
    """One row per clip: views, completed views, completion rate, rewatch rate, mean seconds watched."""
    columns = ["video_id", "views", "completed_views", "completion_rate", "rewatch_rate", "mean_watched_s"]
    if len(events) == 0:
        return pd.DataFrame(columns=columns)
    grouped = events.assign(completed=events["completed"].astype(bool), rewatched=events["loops"] > 0).groupby(
        "video_id", sort=True)
    table = grouped.agg(views=("completed", "size"), completed_views=("completed", "sum"),
                        rewatch_rate=("rewatched", "mean"), mean_watched_s=("watched_s", "mean")).reset_index()
    table["completion_rate"] = table["completed_views"] / table["views"]
    return table[columns]
