"""Whose face is this: a face is assigned to the single enrolled identity it is nearest to, never to
every identity within the same-person threshold.

Two enrolled people can both lie within the threshold of one face (the threshold bounds one person's
spread, not the gap between people), so matching each identity on its own flags a creator's own cameo
as several other people. Assignment is the nearest-neighbour rule of open-set identification (a face
nearer than the threshold to no one is nobody enrolled: the watch-list task of FRVT 2002, Phillips
et al. 2003); the
margin settles near ties in favour of consent: a face counts as a person who did not grant it only
when it is nearer to them than to every identity that did, by at least the margin.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: how much nearer to an ungranted identity than to every granted one a face must be to count as theirs
ASSIGNMENT_MARGIN = 0.05


@dataclass(frozen=True)
class Identity:
    """An enrolled face: a cameo (key is its handle) or a public figure (key is the name)."""
    kind: str
    key: str
    embedding: np.ndarray
    #: the clip may show this identity (a cameo granted for it)
    granted: bool = False


@dataclass(frozen=True)
class Assignment:
    identity: Identity
    distance: float
    #: distance to the next nearest identity (None when only one is enrolled)
    runner_up: float | None

    @property
    def margin(self) -> float | None:
        return None if self.runner_up is None else self.runner_up - self.distance


def assign(embedding: np.ndarray, identities: list[Identity] | tuple[Identity, ...], *, threshold: float,
           margin: float = ASSIGNMENT_MARGIN) -> Assignment | None:
    """The one identity this face is, or None when it is within `threshold` of no one. The nearest
    identity wins, except that a granted identity within `margin` of a nearer ungranted one wins."""
    if not identities:
        return None
    distances = np.linalg.norm(np.stack([i.embedding for i in identities]) - np.asarray(embedding, np.float32), axis=1)
    order = np.argsort(distances, kind="stable")
    nearest = int(order[0])
    if distances[nearest] > threshold:
        return None
    chosen = nearest
    if not identities[nearest].granted:
        granted = [int(i) for i in order if identities[int(i)].granted]
        if granted and distances[granted[0]] < distances[nearest] + margin and distances[granted[0]] <= threshold:
            chosen = granted[0]
    others = np.delete(distances, chosen)
    return Assignment(identities[chosen], float(distances[chosen]), float(others.min()) if others.size else None)
