"""Watch metrics over view events with columns video_id, watched_s, clip_duration_s, loops, completed.

Definitions (the usual short-video ones, as creator dashboards report them):
- completion rate: completed views / all views, where a view completes when playback reaches the
  clip's end at least once;
- rewatch rate: views with at least one loop (the clip restarted after its end) / all views;
- share of views over N seconds: views with at least N seconds played (loops included) / all
  views (the "3-second / 5-second view" counts of short-video dashboards).
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


def share_of_views_over(events: pd.DataFrame, seconds: float = 5.0) -> float:
    if len(events) == 0:
        return math.nan
    return float((events["watched_s"] >= seconds).mean())


#: clip-length buckets (seconds, right-open) for completion by duration
DURATION_BUCKETS = (0.0, 3.0, 6.0, 10.0, math.inf)


def completion_by_duration(events: pd.DataFrame, buckets: tuple[float, ...] = DURATION_BUCKETS) -> pd.DataFrame:
    """One row per clip-length bucket ("0-3 s", "3-6 s", ...): views and completion rate; buckets
    without views are listed with 0 views and a NaN rate, so charts keep their axis."""
    labels = [f"{lo:g}-{hi:g} s" if math.isfinite(hi) else f"{lo:g} s+" for lo, hi in zip(buckets, buckets[1:])]
    bucket = pd.cut(events["clip_duration_s"], bins=list(buckets), right=False, labels=labels)
    grouped = events.assign(bucket=bucket, completed=events["completed"].astype(bool)).groupby(
        "bucket", observed=False)["completed"]
    table = pd.DataFrame({"views": grouped.size(), "completion_rate": grouped.mean()}).reindex(labels)
    table["views"] = table["views"].fillna(0).astype(int)
    return table.rename_axis("duration").reset_index()


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
