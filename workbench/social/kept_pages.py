"""Kept For You rankings: a person's ranking is computed once and then served, page after page, for a
few minutes, so that likes and views (theirs or anyone's) never reshuffle the page they are
scrolling, and a scroll costs no ranking.

A kept ranking is filed under the person's feed version (users.feed_version, raised in the same
transaction as a follow, an unfollow, a "Not interested" or a ranking choice:
workbench.states.users.feed_changed), so after such a change the next call ranks afresh, in every
process at once. Clips published, restored or reinstated since join a person's ranking when it is
next made (at most `ttl_s` later). What may be shown is checked on every call (feed.py), so a clip
removed since leaves the page all the same.

Two stores: in this process (the default; Streamlit serves every browser session from one process),
or Redis, shared by several app processes (Settings.feed_cache_url, e.g. redis://127.0.0.1:6379/0).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from workbench.social.ranking import Ranked

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class KeptRanking:
    """A ranking in a form that costs little to keep: two arrays and a tuple of strings (about 50 KB
    for 700 candidates), which the garbage collector does not walk; a tuple of 700 Ranked records
    was 700 tracked objects, and a few hundred people's made every full collection take 20-45 ms."""
    video_ids: np.ndarray
    scores: np.ndarray
    reasons: tuple[str, ...]
    #: when the feed explores: each other policy's order (clip ids), for the propensities of a page
    others: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, ranked: list[Ranked], others: dict[str, tuple[int, ...]] | None = None) -> KeptRanking:
        return cls(np.fromiter((r.video_id for r in ranked), np.int64, len(ranked)),
                   np.fromiter((r.score for r in ranked), float, len(ranked)),
                   tuple(r.reason for r in ranked), others or {})

    def __len__(self) -> int:
        return len(self.reasons)

    def at(self, positions) -> list[Ranked]:
        """The ranking's items at these positions, in the order given."""
        return [Ranked(int(self.video_ids[i]), float(self.scores[i]), self.reasons[i]) for i in positions]

    def __eq__(self, other) -> bool:
        return (isinstance(other, KeptRanking) and np.array_equal(self.video_ids, other.video_ids)
                and np.array_equal(self.scores, other.scores) and self.reasons == other.reasons
                and self.others == other.others)

    def to_json(self) -> str:
        return json.dumps({"video_ids": self.video_ids.tolist(), "scores": self.scores.tolist(),
                           "reasons": list(self.reasons),
                           "others": {name: list(order) for name, order in self.others.items()}})

    @classmethod
    def from_json(cls, text: str | bytes) -> KeptRanking:
        data = json.loads(text)
        return cls(np.asarray(data["video_ids"], np.int64), np.asarray(data["scores"], float),
                   tuple(data["reasons"]), {name: tuple(order) for name, order in data["others"].items()})


def ranking_key(viewer_id: int, feed_version: int, policy: str, mood: str | None, steer: str | None) -> str:
    """Where a ranking is kept: the person, their feed version, and everything the call asked for."""
    asked = hashlib.sha256(json.dumps([policy, mood, (steer or "").strip().lower()]).encode()).hexdigest()[:16]
    return f"feed:{viewer_id}:{feed_version}:{asked}"


class MemoryRankings:
    """Kept rankings in this process: at most `capacity` (the oldest kept go first; about 100 MB at
    2,000), each for `ttl_s` seconds. One lock guards the dictionary."""

    def __init__(self, ttl_s: float, capacity: int = 2_000) -> None:
        self._ttl_s, self._capacity = ttl_s, capacity
        self._kept: OrderedDict[str, tuple[float, KeptRanking]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> KeptRanking | None:
        with self._lock:
            entry = self._kept.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            return entry[1]

    def put(self, key: str, ranking: KeptRanking) -> None:
        with self._lock:
            self._kept[key] = (time.monotonic() + self._ttl_s, ranking)
            self._kept.move_to_end(key)
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)


class RedisRankings:
    """Kept rankings in Redis, shared by every app process, each expiring after `ttl_s` seconds. Redis
    out of reach is logged, and the feed ranks afresh: the page is served either way."""

    def __init__(self, url: str, ttl_s: float, namespace: str) -> None:
        """`namespace` names the database served: two platforms (or test runs) may share one Redis."""
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._namespace = f"workbench:{namespace}"
        self._errors = (redis.RedisError, OSError)
        self._ttl_ms = max(1, int(ttl_s * 1000))

    def get(self, key: str) -> KeptRanking | None:
        try:
            kept = self._client.get(f"{self._namespace}:{key}")
        except self._errors as error:
            log.warning("kept rankings: Redis is out of reach (%s); ranking afresh", error)
            return None
        return KeptRanking.from_json(kept) if kept is not None else None

    def put(self, key: str, ranking: KeptRanking) -> None:
        try:
            self._client.set(f"{self._namespace}:{key}", ranking.to_json(), px=self._ttl_ms)
        except self._errors as error:
            log.warning("kept rankings: Redis is out of reach (%s); this ranking is not kept", error)


def kept_rankings(url: str, ttl_s: float, database: str) -> MemoryRankings | RedisRankings:
    """The store Settings name: "" for this process, a redis:// URL for Redis (its keys named after
    the `database` served, its URL without the password)."""
    if not url:
        return MemoryRankings(ttl_s)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisRankings(url, ttl_s, hashlib.sha256(database.encode()).hexdigest()[:12])
    raise ValueError(f"feed cache URL {url!r}: use a redis:// URL, or leave it empty for this process")
