"""Ranking policies: pure functions from a viewer's context and candidate clips to an ordered page,
each item with the one-line reason the viewer sees.

Nothing here touches the database. FeedService gathers candidates from it and calls ``rank``; each
scoring policy's formula is ``scores(Features)`` over numpy arrays, which the simulator calls on
whole batches (viewers x clips), so both rank with the same code. Every policy has a ``name`` and
``rank(context, candidates) -> list[Ranked]``:

- ``connection_first`` (the default): clips from mutuals, then from people you follow, clips that
  feature the cameo of someone you follow, remixes of their clips; then everything else by
  popularity. Connected clips always come before unconnected ones.
- ``popularity``: engagement over age (Hacker News gravity), for everyone alike.
- ``non_personalised`` (teens, whatever they choose): popularity weighted by how often views
  complete, with no use of the viewer's follows or history.
- ``MoodSteered(base)``: any policy, steered by mood weights from free text ("more animals, less
  news"): clips of a mood you asked for come first, those of a mood you asked for less of last,
  those of a mood you ruled out not at all; the base order holds within each group.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np

from workbench.words import counted

#: Hacker-News-style gravity: how fast a clip's score decays with age in hours
GRAVITY = 1.5
#: a mood weight at or below this drops the clip ("no news")
EXCLUDE_AT = -0.9
#: candidate pools: the newest clips, and each pool of clips tied to people the viewer follows
RECENT_POOL = 400
CONNECTED_POOL = 200


class Candidate(NamedTuple):
    """What ranking may know about a published clip (a named tuple: For You builds ~750 a call, and
    a frozen dataclass took four times as long to make)."""
    video_id: int
    author_id: int
    author: str
    published_at: datetime
    moods: tuple[str, ...] = ()
    like_count: int = 0
    view_count: int = 0
    completed_view_count: int = 0
    #: owners of the cameos that appear in it (user ids), with their handles
    cameo_owners: tuple[tuple[int, str], ...] = ()
    #: the author of the clip it remixes, if it is a remix
    remix_parent_author: tuple[int, str] | None = None
    remix_depth: int = 0


@dataclass(frozen=True)
class FeedContext:
    viewer_id: int
    now: datetime
    follows: frozenset[int] = frozenset()
    #: people who follow the viewer (at least those the viewer follows back: mutuals are what counts)
    followers: frozenset[int] = frozenset()
    #: mood -> weight in [-1, 1] from the viewer's steering text (empty: no steering)
    mood_weights: dict[str, float] = field(default_factory=dict)
    #: how the steering was phrased, for the reasons ("more animals")
    steer_note: str = ""
    #: clips the viewer has already watched: they come after every clip not yet seen
    seen: frozenset[int] = frozenset()
    #: clips the viewer marked "Not interested" (author id and first mood): they are dropped, and
    #: clips by the same author or of the same first mood come after the others
    dismissed: tuple[Candidate, ...] = ()


class Ranked(NamedTuple):
    video_id: int
    score: float
    reason: str


#: the viewer's tie to a clip, weakest to strongest
TIE_NONE, TIE_REMIX, TIE_CAMEO, TIE_FOLLOWING, TIE_MUTUAL = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Features:
    """Candidate features as numpy arrays of one shape: one viewer's candidates here, viewers x clips
    in the simulator. Policies score these, so the app and the simulator share one formula."""
    likes: np.ndarray
    views: np.ndarray
    completed: np.ndarray
    age_hours: np.ndarray
    #: TIE_NONE .. TIE_MUTUAL
    tie: np.ndarray


def popularity_score(likes, views, age_hours):
    """Engagement over age, decayed like Hacker News ranking: (1 + 2 likes + views) / (age + 2)^g
    (numbers or numpy arrays)."""
    return (1.0 + 2.0 * likes + views) / (np.maximum(age_hours, 0.0) + 2.0) ** GRAVITY


def tie_levels(follows_author, followed_back, follows_cameo_owner, follows_parent_author) -> np.ndarray:
    """The viewer's tie to each clip, the strongest that holds: mutual follow, following its author,
    following a person whose cameo is in it, following the author of the clip it remixes (boolean
    arrays of one shape: one viewer's candidates here, viewers x clips in the simulator)."""
    return np.select([follows_author & followed_back, follows_author, follows_cameo_owner, follows_parent_author],
                     [TIE_MUTUAL, TIE_FOLLOWING, TIE_CAMEO, TIE_REMIX], TIE_NONE)


def candidate_pool(recent, by_follows=(), by_cameos=(), by_remixes=()) -> np.ndarray:
    """The clips a viewer's page is ranked from: the newest RECENT_POOL clips the viewer may see, and
    the newest CONNECTED_POOL of each connected pool (clips by people followed, clips featuring their
    cameos, remixes of their clips). Each argument lists clip ids newest first; the app reads them
    from its indexes, the simulator from its arrays."""
    parts = [np.asarray(recent, np.int64)[:RECENT_POOL]] + [np.asarray(pool, np.int64)[:CONNECTED_POOL]
                                                           for pool in (by_follows, by_cameos, by_remixes)]
    return np.unique(np.concatenate(parts))


def page_order(scores, video_ids, seen, alike) -> np.ndarray:
    """The order of a page (indices along the last axis; one viewer's candidates, or viewers x clips):
    clips not yet seen before seen ones, clips unlike what the viewer dismissed before those like it,
    then the highest score, then the newer clip (the higher id). A clip that may not be shown scores
    -inf and comes last."""
    return np.lexsort((-np.asarray(video_ids), -np.asarray(scores), np.asarray(alike), np.asarray(seen)), axis=-1)


def explored_propensity(in_greedy, size: int, candidates, exploration: float):
    """The chance a clip is on a page served epsilon-greedily: with chance 1 - exploration the
    policy's top `size`, else `size` clips drawn uniformly from the `candidates` (Sutton & Barto,
    "Reinforcement Learning", 2nd ed., 2018, section 2.2); the propensity off-policy estimators divide by."""
    candidates = np.asarray(candidates)
    uniform = np.minimum(size, candidates) / np.maximum(candidates, 1)
    return (1.0 - exploration) * np.asarray(in_greedy, float) + exploration * uniform


def features_of(context: FeedContext, candidates: list[Candidate]) -> tuple[Features, list[str]]:
    """One viewer's candidates as Features, with the reason each tie gives ("" for none)."""
    follows, followers, now = context.follows, context.followers, context.now
    # one pass over the records (For You ranks ~750 a call); the numbers read as one table
    table = np.array([(c.like_count, c.view_count, c.completed_view_count, (now - c.published_at).total_seconds() / 3600,
                       c.author_id in follows, c.author_id in followers,
                       bool(c.cameo_owners) and any(owner in follows for owner, _ in c.cameo_owners),
                       c.remix_parent_author is not None and c.remix_parent_author[0] in follows) for c in candidates],
                     float).reshape(len(candidates), 8)
    ties = table[:, 4:].astype(bool)
    tie = tie_levels(ties[:, 0], ties[:, 1], ties[:, 2], ties[:, 3])
    return Features(likes=table[:, 0], views=table[:, 1], completed=table[:, 2], age_hours=table[:, 3],
                    tie=tie.astype(int)), [_tie_reason(c, level, follows) if level else ""
                                           for c, level in zip(candidates, tie.tolist())]


def _tie_reason(c: Candidate, level: int, follows: frozenset[int]) -> str:
    if level == TIE_MUTUAL:
        return f"From @{c.author}: you follow each other"
    if level == TIE_FOLLOWING:
        return f"From @{c.author}, whom you follow"
    if level == TIE_CAMEO:
        return f"Features @{next(handle for owner, handle in c.cameo_owners if owner in follows)}'s cameo: you follow them"
    if level == TIE_REMIX:
        return f"Remixes a clip by @{c.remix_parent_author[1]}, whom you follow"
    return ""


def _popular_reason(candidate: Candidate) -> str:
    if candidate.like_count or candidate.view_count:
        return f"Popular lately: {counted(candidate.like_count, 'like')}, {counted(candidate.view_count, 'view')}"
    return f"New from @{candidate.author}"


class ScoringPolicy:
    """A policy is a score over Features (vectorised, shared with the simulator) and the reason
    shown for a clip; ranking is the scores, highest first, newer clip first among equals."""
    name = ""

    def scores(self, features: Features) -> np.ndarray:
        raise NotImplementedError

    def reason(self, candidate: Candidate, tie_reason: str) -> str:
        return _popular_reason(candidate)

    def rank(self, context: FeedContext, candidates: list[Candidate]) -> list[Ranked]:
        """The candidates in page order (page_order), less the clips the viewer dismissed."""
        gone = {c.video_id for c in context.dismissed}
        candidates = [c for c in candidates if c.video_id not in gone]
        if not candidates:
            return []
        features, tie_reasons = features_of(context, candidates)
        scores = np.broadcast_to(self.scores(features), (len(candidates),))
        ids = np.fromiter((c.video_id for c in candidates), np.int64, len(candidates))
        seen = np.fromiter((c.video_id in context.seen for c in candidates), bool, len(candidates))
        order = page_order(scores, ids, seen, _alike(context.dismissed, candidates))
        listed = scores.tolist()  # Python floats: indexing the array makes a numpy scalar each time
        return [Ranked(candidates[i].video_id, listed[i], self.reason(candidates[i], tie_reasons[i]))
                for i in order.tolist()]


class Popularity(ScoringPolicy):
    name = "popularity"

    def scores(self, features: Features) -> np.ndarray:
        return popularity_score(features.likes, features.views, features.age_hours)


class NonPersonalised(ScoringPolicy):
    """The same page for every viewer of the same moment: popularity times a completion prior
    (completed views + 1) / (views + 2), so clips people actually watch rise; nothing about the
    viewer (the tie) is used."""
    name = "non_personalised"

    def scores(self, features: Features) -> np.ndarray:
        completion = (features.completed + 1.0) / (features.views + 2.0)
        return popularity_score(features.likes, features.views, features.age_hours) * completion

    def reason(self, candidate: Candidate, tie_reason: str) -> str:
        if candidate.view_count >= 3:
            completion = (candidate.completed_view_count + 1) / (candidate.view_count + 2)
            return f"Watched through by {completion:.0%} of viewers"
        return f"New from @{candidate.author}"


class ConnectionFirst(ScoringPolicy):
    """Connected clips first, strongest tie first (mutual, followed, their cameo, a remix of theirs),
    engagement and recency within a tie; then the rest by popularity. Popularity is squashed into
    [0, 1) so that it never lifts a clip across ties."""
    name = "connection_first"

    def scores(self, features: Features) -> np.ndarray:
        popularity = popularity_score(features.likes, features.views, features.age_hours)
        return features.tie + popularity / (1.0 + popularity)

    def reason(self, candidate: Candidate, tie_reason: str) -> str:
        return tie_reason or _popular_reason(candidate)


class MoodSteered:
    """A base policy steered by the viewer's words: clips of a mood asked for come first, then the
    rest, then clips of a mood asked for less of; each group keeps the base policy's order (so
    connected clips still lead within it). A mood ruled out (weight <= EXCLUDE_AT) drops its clips.
    Without weights it is the base policy unchanged."""

    def __init__(self, base) -> None:
        self.base = base
        self.name = f"{base.name}+steered"

    def rank(self, context: FeedContext, candidates: list[Candidate]) -> list[Ranked]:
        weights = context.mood_weights
        if not weights:
            return self.base.rank(context, candidates)
        kept = [c for c in candidates if min((weights.get(m, 0.0) for m in c.moods), default=0.0) > EXCLUDE_AT]
        pull = {c.video_id: sum(weights.get(m, 0.0) for m in c.moods) for c in kept}
        groups: dict[int, list[Ranked]] = {0: [], 1: [], 2: []}
        for item in self.base.rank(context, kept):
            if pull[item.video_id] > 0:
                note = f" · you asked for {context.steer_note}" if context.steer_note else ""
                groups[0].append(Ranked(item.video_id, item.score, item.reason + note))
            else:
                groups[1 if pull[item.video_id] == 0 else 2].append(item)
        return groups[0] + groups[1] + groups[2]


def _alike(dismissed, candidates: list[Candidate]) -> np.ndarray:
    """Whether each candidate is like a dismissed clip: the same author, or the same first mood."""
    authors = {c.author_id for c in dismissed}
    moods = {c.moods[0] for c in dismissed if c.moods}
    return np.fromiter((c.author_id in authors or bool(c.moods and c.moods[0] in moods) for c in candidates),
                       bool, len(candidates))


POLICIES = {policy.name: policy for policy in (ConnectionFirst(), Popularity(), NonPersonalised())}
DEFAULT_POLICY = "connection_first"
TEEN_POLICY = "non_personalised"


def policy_named(name: str):
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown ranking policy {name!r}; choose one of {', '.join(POLICIES)}") from None


def round_score(score: float) -> float:
    return round(score, 6) if math.isfinite(score) else 0.0
