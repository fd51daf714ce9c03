"""Remix-tree metrics over a clips table with columns id, remix_parent_id (NaN or None for an original).

Definitions follow the cascade literature (Goel, Anderson, Hofman & Watts, "The structural virality
of online diffusion", Management Science 2016), a remix tree being a cascade rooted at an original:
- size: clips in the tree, the original included;
- depth: the longest chain of remixes below the original (0 for a clip nobody remixed);
- breadth: the largest number of clips at any one depth below the original (0 when none);
- forks: direct remixes of the original;
- structural virality: the mean shortest-path distance between all pairs of clips in the tree
  taken as undirected (Goel et al.'s nu; a Wiener index over n(n-1)/2 pairs), 0 for one clip.
  Computed in linear time: each edge lies on size_below x (n - size_below) of the paths.
Remix rate of a clip: its direct remixes per view (NaN without views).
"""
from __future__ import annotations

import math

import pandas as pd

TREE_COLUMNS = ["root_id", "size", "depth", "breadth", "forks", "structural_virality"]


def structural_virality(parents: dict) -> float:
    """Goel et al.'s structural virality of one tree given as {node: parent or None} (one root)."""
    n = len(parents)
    if n < 2:
        return 0.0
    children: dict = {}
    for node, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    root = next(node for node, parent in parents.items() if parent is None)
    order, stack = [], [root]
    while stack:  # depth-first order without recursion (remix chains can be long)
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, []))
    below = {}
    wiener = 0
    for node in reversed(order):
        below[node] = 1 + sum(below[kid] for kid in children.get(node, []))
        if parents[node] is not None:
            wiener += below[node] * (n - below[node])
    return 2.0 * wiener / (n * (n - 1))


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
        level, per_depth, members = [root], [], {root: None}
        while level:
            members.update({kid: node for node in level for kid in children.get(node, [])})
            level = [kid for node in level for kid in children.get(node, [])]
            if level:
                per_depth.append(len(level))
        rows.append({"root_id": root, "size": 1 + sum(per_depth), "depth": len(per_depth),
                     "breadth": max(per_depth, default=0), "forks": len(children.get(root, [])),
                     "structural_virality": structural_virality(members)})
    return pd.DataFrame(rows, columns=TREE_COLUMNS)


def remix_rate(remixes: int, views: int) -> float:
    return remixes / views if views else math.nan
