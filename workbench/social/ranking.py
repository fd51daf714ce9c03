"""Ranking policies: pure functions from a viewer's context and candidate clips to an ordered page,
each item with the one-line reason the viewer sees.

Nothing here touches the database. FeedService gathers candidates from it; the simulator builds the
same Candidate and FeedContext records from its own world, and ranks with the same policies. Every
policy has a ``name`` and ``rank(context, candidates) -> list[Ranked]``:

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

#: Hacker-News-style gravity: how fast a clip's score decays with age in hours
GRAVITY = 1.5
#: a mood weight at or below this drops the clip ("no news")
EXCLUDE_AT = -0.9


@dataclass(frozen=True)
class Candidate:
    """What ranking may know about a published clip."""
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


@dataclass(frozen=True)
class Ranked:
    video_id: int
    score: float
    reason: str


def popularity_score(likes: int, views: int, age_hours: float) -> float:
    """Engagement over age, decayed like Hacker News ranking: (1 + 2 likes + views) / (age + 2)^g."""
    return (1.0 + 2.0 * likes + views) / (max(age_hours, 0.0) + 2.0) ** GRAVITY


def _age_hours(context: FeedContext, candidate: Candidate) -> float:
    return (context.now - candidate.published_at).total_seconds() / 3600


def _popularity(context: FeedContext, candidate: Candidate) -> float:
    return popularity_score(candidate.like_count, candidate.view_count, _age_hours(context, candidate))


def _popular_reason(candidate: Candidate) -> str:
    if candidate.like_count or candidate.view_count:
        return f"Popular lately: {candidate.like_count} likes, {candidate.view_count} views"
    return f"New from @{candidate.author}"


def _ordered(scored: list[Ranked]) -> list[Ranked]:
    """Highest score first; newer clip (higher id) first among equals, so pages are stable."""
    return sorted(scored, key=lambda item: (-item.score, -item.video_id))


class Popularity:
    name = "popularity"

    def rank(self, context: FeedContext, candidates: list[Candidate]) -> list[Ranked]:
        return _ordered([Ranked(c.video_id, _popularity(context, c), _popular_reason(c)) for c in candidates])


class NonPersonalised:
    """The same page for every viewer of the same moment: popularity times a completion prior
    (completed views + 1) / (views + 2), so clips people actually watch rise; nothing about the
    viewer is used."""
    name = "non_personalised"

    def rank(self, context: FeedContext, candidates: list[Candidate]) -> list[Ranked]:
        ranked = []
        for c in candidates:
            completion = (c.completed_view_count + 1) / (c.view_count + 2)
            reason = (f"Watched through by {completion:.0%} of viewers" if c.view_count >= 3
                      else f"New from @{c.author}")
            ranked.append(Ranked(c.video_id, _popularity(context, c) * completion, reason))
        return _ordered(ranked)


class ConnectionFirst:
    """Connected clips first, strongest tie first, engagement and recency within a tie; then the rest
    by popularity."""
    name = "connection_first"
    #: tie strength: a mutual's clip, a followed person's clip, a clip with their cameo, a remix of theirs
    TIERS = {"mutual": 4.0, "following": 3.0, "cameo": 2.0, "remix": 1.0}

    def rank(self, context: FeedContext, candidates: list[Candidate]) -> list[Ranked]:
        mutuals = context.follows & context.followers
        ranked = []
        for c in candidates:
            tier, reason = self._tie(c, context.follows, mutuals)
            # within a tier, popularity squashed into [0, 1) so that it never lifts a clip across tiers
            pop = _popularity(context, c)
            ranked.append(Ranked(c.video_id, tier + pop / (1.0 + pop), reason or _popular_reason(c)))
        return _ordered(ranked)

    def _tie(self, c: Candidate, follows: frozenset[int], mutuals: frozenset[int]) -> tuple[float, str]:
        if c.author_id in mutuals:
            return self.TIERS["mutual"], f"From @{c.author}: you follow each other"
        if c.author_id in follows:
            return self.TIERS["following"], f"From @{c.author}, whom you follow"
        known = [handle for owner, handle in c.cameo_owners if owner in follows]
        if known:
            return self.TIERS["cameo"], f"Features @{known[0]}'s cameo: you follow them"
        if c.remix_parent_author is not None and c.remix_parent_author[0] in follows:
            return self.TIERS["remix"], f"Remixes a clip by @{c.remix_parent_author[1]}, whom you follow"
        return 0.0, ""


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
