"""Remix-tree metrics over a clips table with columns id, remix_parent_id (NaN or None for an original).

Definitions follow the cascade literature (Goel, Anderson, Hofman & Watts, "The structural virality
of online diffusion", Management Science 2016), a remix tree being a cascade rooted at an original:
- size: clips in the tree, the original included;
- depth: the longest chain of remixes below the original (0 for a clip nobody remixed);
- breadth: the largest number of clips at any one depth below the original (0 when none);
- forks: direct remixes of the original.
Remix rate of a clip: its direct remixes per view (NaN without views).
"""
from __future__ import annotations

import math

import pandas as pd

TREE_COLUMNS = ["root_id", "size", "depth", "breadth", "forks"]


def remix_trees(clips: pd.DataFrame) -> pd.DataFrame:
    """One row per original (a clip without a parent in the table): size, depth, breadth, forks.
    A remix whose parent is missing from the table roots its own tree."""
    if len(clips) == 0:
        return pd.DataFrame(columns=TREE_COLUMNS)
    ids = set(clips["id"])
    parent_of = {int(row.id): (int(row.remix_parent_id) if pd.notna(row.remix_parent_id)
                               and int(row.remix_parent_id) in ids else None) for row in clips.itertuples()}
    children: dict[int, list[int]] = {}
    for child, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    rows = []
    for root in sorted(clip for clip, parent in parent_of.items() if parent is None):
        level, per_depth = [root], []
        while level:
            level = [kid for node in level for kid in children.get(node, [])]
            if level:
                per_depth.append(len(level))
        rows.append({"root_id": root, "size": 1 + sum(per_depth), "depth": len(per_depth),
                     "breadth": max(per_depth, default=0), "forks": len(children.get(root, []))})
    return pd.DataFrame(rows, columns=TREE_COLUMNS)


def remix_rate(remixes: int, views: int) -> float:
    return remixes / views if views else math.nan
