"""Every metric of this package over one run's tables, as one JSON-ready dict (rounded to 6 places,
so that the same run always prints the same bytes)."""
from __future__ import annotations

import math

import pandas as pd

from workbench.metrics.exposure import cameo_exposure, slop_exposure
from workbench.metrics.remix import remix_trees
from workbench.metrics.watch import (
    completion_by_duration,
    completion_rate,
    rewatch_rate,
    share_of_views_over,
)


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def summary(views: pd.DataFrame, clips: pd.DataFrame, follows: pd.DataFrame) -> dict:
    """`views`: watch events (video_id, viewer_id, watched_s, clip_duration_s, loops, completed);
    `clips`: video_id, author_id, remix_parent_id and optionally cameo_owner_id; `follows`:
    follower_id, followee_id."""
    trees = remix_trees(clips.rename(columns={"video_id": "id"})[["id", "remix_parent_id"]])
    spread = trees[trees["size"] > 1]
    cameo_pairs = (clips[["video_id", "cameo_owner_id"]].dropna().rename(columns={"cameo_owner_id": "owner_id"})
                   if "cameo_owner_id" in clips else pd.DataFrame(columns=["video_id", "owner_id"]))
    per_person = cameo_exposure(views, cameo_pairs)
    by_length = completion_by_duration(views)
    return {
        "views": int(len(views)), "clips": int(len(clips)), "viewers": int(views["viewer_id"].nunique()),
        "completion_rate": _number(completion_rate(views)),
        "completion_by_duration": {row.duration: _number(row.completion_rate) for row in by_length.itertuples()},
        "rewatch_rate": _number(rewatch_rate(views)),
        "share_of_views_over_5s": _number(share_of_views_over(views, 5.0)),
        "slop_exposure": _number(slop_exposure(views, clips, follows)),
        "remix_trees": {
            "trees": int(len(trees)), "with_remixes": int(len(spread)),
            "max_depth": int(trees["depth"].max()) if len(trees) else 0,
            "mean_depth_with_remixes": _number(spread["depth"].mean()) if len(spread) else None,
            "max_breadth": int(trees["breadth"].max()) if len(trees) else 0,
            "forks": int(trees["forks"].sum()) if len(trees) else 0,
            "mean_structural_virality_with_remixes": _number(spread["structural_virality"].mean()) if len(spread) else None,
            "max_structural_virality": _number(trees["structural_virality"].max()) if len(trees) else None,
        },
        "cameo_exposure": {"people": int(len(per_person)), "views": int(per_person.sum()),
                           "max_per_person": int(per_person.max()) if len(per_person) else 0},
    }
