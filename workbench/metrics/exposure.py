"""Exposure metrics over a view log (one row per view: viewer_id, video_id).

- Slop exposure: the share of a person's views that showed a clip from someone they are not
  connected to (neither themselves nor someone they follow), i.e. content that reached them only
  through ranking. Reported per viewer and as the mean over viewers (each viewer counts once, so
  heavy watchers do not dominate).
- Cameo exposure per person: how many views showed a clip featuring that person's cameo.
"""
from __future__ import annotations

import math

import pandas as pd


def slop_exposure_by_viewer(views: pd.DataFrame, clips: pd.DataFrame, follows: pd.DataFrame) -> pd.Series:
    """Per viewer: unconnected views / views. `clips` has video_id and author_id; `follows` has
    follower_id and followee_id."""
    if len(views) == 0:
        return pd.Series(dtype=float, name="slop_exposure")
    shown = views[["viewer_id", "video_id"]].merge(clips[["video_id", "author_id"]], on="video_id", how="left")
    edges = set(zip(follows["follower_id"], follows["followee_id"]))
    connected = [viewer == author or (viewer, author) in edges
                 for viewer, author in zip(shown["viewer_id"], shown["author_id"])]
    unconnected = pd.Series([not c for c in connected], index=shown.index, dtype=float)
    return unconnected.groupby(shown["viewer_id"]).mean().rename("slop_exposure")


def slop_exposure(views: pd.DataFrame, clips: pd.DataFrame, follows: pd.DataFrame) -> float:
    """The mean over viewers of their slop exposure; NaN without views."""
    per_viewer = slop_exposure_by_viewer(views, clips, follows)
    return float(per_viewer.mean()) if len(per_viewer) else math.nan


def cameo_exposure(views: pd.DataFrame, clip_cameos: pd.DataFrame) -> pd.Series:
    """Per cameo owner: views of clips featuring their cameo. `clip_cameos` has video_id and owner_id
    (one row per cameo in a clip; a clip with two of one person's cameos counts once per view)."""
    pairs = clip_cameos[["video_id", "owner_id"]].drop_duplicates()
    joined = views[["video_id"]].merge(pairs, on="video_id", how="inner")
    return joined.groupby("owner_id").size().rename("cameo_views")
