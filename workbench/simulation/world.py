"""The simulated world as numpy arrays: people, who follows whom, clips, and what each person has
seen and dismissed. Built from a seed (the simulator) or read from a workbench database (so that the
simulator's page for a person can be checked against the app's own, `World.from_store`).

People and clips are positions (0..n-1); clips also keep their video id, which breaks ties in page
order exactly as in the app. Follows are sorted int64 keys ``follower * people + followee``; seen
and dismissed clips are sorted keys ``person << 32 | clip``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import aliased

from workbench.store.models import (
    Cameo,
    Dismissal,
    Follow,
    User,
    Video,
    VideoCameo,
    VideoMood,
    VideoStatus,
    WatchEvent,
    as_utc,
)

#: the simulated calendar starts here; times are microseconds since START
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
_SHIFT = np.int64(32)

CLIP_COLUMNS = {
    "video_id": np.int64, "author": np.int64, "mood": np.int64, "duration": float, "quality": float,
    "parent": np.int64, "parent_author": np.int64, "depth": np.int64, "published_us": np.int64,
    "age_restricted": bool, "likes": np.int64, "views": np.int64, "completed": np.int64,
}


def pair_keys(person, other, people: int) -> np.ndarray:
    return np.asarray(person, np.int64) * people + np.asarray(other, np.int64)


def clip_keys(person, clip) -> np.ndarray:
    return (np.asarray(person, np.int64) << _SHIFT) | np.asarray(clip, np.int64)


def merge_sorted(keys: np.ndarray, new) -> np.ndarray:
    """The union of a sorted key array and new keys, sorted: a merge of two runs (Timsort), linear
    in their length, not a fresh sort."""
    new = np.unique(np.asarray(new, np.int64))
    if not len(new):
        return keys
    merged = np.sort(np.concatenate([keys, new]), kind="stable")
    return merged[np.concatenate([[True], merged[1:] != merged[:-1]])]


def contains(sorted_keys: np.ndarray, keys) -> np.ndarray:
    """Whether each key is in a sorted key array (any shape)."""
    keys = np.asarray(keys, np.int64)
    if not len(sorted_keys):
        return np.zeros(keys.shape, bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def csr_ranges(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand half-open ranges into (which range, index) pairs, in order."""
    lengths = np.maximum(stops - starts, 0)
    which = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return which, np.repeat(starts, lengths) + offsets


def barabasi_albert_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Undirected preferential-attachment edges (Barabasi & Albert, Science 1999): each newcomer
    links to m distinct earlier people chosen with probability proportional to their degree, drawn
    from the list of every edge end so far (as networkx's generator does). Kept in numpy arrays, so a
    million people take a few hundred MB where a networkx graph would take several GB."""
    m = max(1, min(m, n - 1))
    if n <= m:
        return np.zeros((0, 2), np.int64)
    ends = np.empty(2 * m * n, np.int64)
    edges = np.empty((m * (n - m), 2), np.int64)
    targets = np.arange(m)
    filled, count = 0, 0
    draws = rng.random(4 * m * n)
    drawn = 0
    for newcomer in range(m, n):
        edges[count:count + m, 0] = newcomer
        edges[count:count + m, 1] = targets
        count += m
        ends[filled:filled + m] = targets
        ends[filled + m:filled + 2 * m] = newcomer
        filled += 2 * m
        chosen: set[int] = set()
        while len(chosen) < m:
            if drawn == len(draws):
                draws, drawn = rng.random(4 * m * n), 0
            chosen.add(int(ends[int(draws[drawn] * filled)]))
            drawn += 1
        targets = np.fromiter(chosen, np.int64, m)
    return edges


@dataclass
class World:
    """Everything a day of the simulation, or one page of the feed, reads."""
    #: interest in each mood (rows sum to 1), the chance to open the app on a day, enrolled cameo, teen
    interests: np.ndarray
    activity: np.ndarray
    enrolled: np.ndarray
    teen: np.ndarray
    follow_keys: np.ndarray
    #: per clip: CLIP_COLUMNS (parent -1: not a remix; parent_author -1 when none or unpublished)
    clip: dict[str, np.ndarray]
    #: (clip, cameo owner) pairs, sorted by clip
    cameo_clip: np.ndarray
    cameo_owner: np.ndarray
    seen_keys: np.ndarray
    dismissed_keys: np.ndarray
    #: follower-style keys person * people + author whose clip the person dismissed
    dismissed_author_keys: np.ndarray
    #: per person, a bit per mood index they dismissed a clip of (its first mood)
    dismissed_moods: np.ndarray

    @property
    def people(self) -> int:
        return len(self.activity)

    @property
    def clips(self) -> int:
        return len(self.clip["author"])

    def follows(self, follower, followee) -> np.ndarray:
        """Whether each follower follows each followee (broadcasting; -1 never matches)."""
        followee = np.asarray(followee, np.int64)
        return contains(self.follow_keys, pair_keys(follower, followee, self.people)) & (followee >= 0)

    def followees(self, person: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.follow_keys, [person * self.people, (person + 1) * self.people])
        return self.follow_keys[lo:hi] - person * self.people

    def add_clips(self, columns: dict[str, np.ndarray], cameo_owner: np.ndarray) -> None:
        """Append clips (one array per CLIP_COLUMNS name) and their cameo owner (-1: none)."""
        first = self.clips
        for name, dtype in CLIP_COLUMNS.items():
            self.clip[name] = np.concatenate([self.clip[name], np.asarray(columns[name], dtype)])
        featured = np.flatnonzero(cameo_owner >= 0)
        self.cameo_clip = np.concatenate([self.cameo_clip, first + featured])
        self.cameo_owner = np.concatenate([self.cameo_owner, cameo_owner[featured]])

    @classmethod
    def empty(cls, interests, activity, enrolled, teen, follow_keys) -> World:
        n = len(activity)
        return cls(interests, activity, enrolled, teen, follow_keys,
                   {name: np.zeros(0, dtype) for name, dtype in CLIP_COLUMNS.items()},
                   np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.zeros(0, np.int64), np.zeros(n, np.int64))

    @classmethod
    def from_store(cls, store, moods: tuple[str, ...]) -> tuple[World, dict[int, int], np.ndarray]:
        """The clips the feed may rank (published, creator not suspended) and everyone's follows,
        views and dismissals, read from a workbench database. Returns the world, user id -> person,
        and each person's user id. Interests and activity are not known there: uniform."""
        with store.transaction() as session:
            users = session.execute(select(User.id, User.is_teen).order_by(User.id)).all()
            person = {user_id: index for index, (user_id, _) in enumerate(users)}
            n = len(users)
            follows = np.array([(person[a], person[b]) for a, b in session.execute(
                select(Follow.follower_id, Follow.followee_id))], np.int64).reshape(-1, 2)
            parent = aliased(Video)
            rows = session.execute(
                select(Video.id, Video.author_id, Video.duration_s, Video.remix_parent_id, Video.remix_depth,
                       Video.published_at, Video.age_restricted, Video.like_count, Video.view_count,
                       Video.completed_view_count, parent.author_id.label("parent_author"),
                       (parent.status == VideoStatus.PUBLISHED).label("parent_published"))
                .join(User, User.id == Video.author_id)
                .outerjoin(parent, parent.id == Video.remix_parent_id)
                .where(Video.status == VideoStatus.PUBLISHED, User.suspended.is_(False))
                .order_by(Video.id)).all()
            first_mood = {}
            for video_id, mood in session.execute(select(VideoMood.video_id, VideoMood.mood).order_by(
                    VideoMood.video_id, VideoMood.rank)):
                first_mood.setdefault(video_id, mood)
            index = {row.id: i for i, row in enumerate(rows)}
            mood_index = {name: i for i, name in enumerate(moods)}
            cameos = sorted((index[v], person[o]) for v, o in session.execute(
                select(VideoCameo.video_id, Cameo.owner_id).join(Cameo, Cameo.id == VideoCameo.cameo_id)) if v in index)
            seen = [(person[viewer], index[video]) for viewer, video in session.execute(
                select(WatchEvent.viewer_id, WatchEvent.video_id).distinct()) if video in index]
            dismissed = session.execute(select(Dismissal.user_id, Dismissal.video_id, Video.author_id)
                                        .join(Video, Video.id == Dismissal.video_id)).all()
            dismissed_first = {}
            for video_id, mood in session.execute(select(VideoMood.video_id, VideoMood.mood).where(
                    VideoMood.video_id.in_([d.video_id for d in dismissed])).order_by(VideoMood.video_id, VideoMood.rank)):
                dismissed_first.setdefault(video_id, mood)
        world = cls.empty(np.full((n, len(moods)), 1.0 / len(moods)), np.ones(n), np.zeros(n, bool),
                          np.array([teen for _, teen in users], bool), np.unique(pair_keys(follows[:, 0], follows[:, 1], n)))
        world.add_clips({
            "video_id": [r.id for r in rows], "author": [person[r.author_id] for r in rows],
            "mood": [mood_index.get(first_mood.get(r.id), -1) for r in rows],
            "duration": [r.duration_s for r in rows], "quality": np.full(len(rows), 0.5),
            "parent": [index.get(r.remix_parent_id, -1) for r in rows],
            "parent_author": [person[r.parent_author] if r.parent_author is not None and r.parent_published else -1
                              for r in rows],
            "depth": [r.remix_depth for r in rows],
            "published_us": [microseconds(as_utc(r.published_at)) for r in rows],
            "age_restricted": [r.age_restricted for r in rows], "likes": [r.like_count for r in rows],
            "views": [r.view_count for r in rows], "completed": [r.completed_view_count for r in rows]},
            np.full(len(rows), -1, np.int64))
        world.cameo_clip = np.array([c for c, _ in cameos], np.int64)
        world.cameo_owner = np.array([o for _, o in cameos], np.int64)
        world.seen_keys = np.unique(clip_keys(*np.array(seen, np.int64).reshape(-1, 2).T))
        world.dismissed_keys = np.unique(clip_keys([person[d.user_id] for d in dismissed if d.video_id in index],
                                                   [index[d.video_id] for d in dismissed if d.video_id in index]))
        world.dismissed_author_keys = np.unique(pair_keys([person[d.user_id] for d in dismissed],
                                                          [person[d.author_id] for d in dismissed], n))
        for d in dismissed:
            if dismissed_first.get(d.video_id) in mood_index:
                world.dismissed_moods[person[d.user_id]] |= 1 << mood_index[dismissed_first[d.video_id]]
        return world, person, np.array([user_id for user_id, _ in users], np.int64)


def microseconds(moment: datetime) -> int:
    """A moment as microseconds since START (exact integers, as the app's datetimes are)."""
    delta = moment - START
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
