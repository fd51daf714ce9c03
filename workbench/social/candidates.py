"""For You's candidates: the pools a viewer's page is ranked from (ranking.candidate_pool), each read
newest first from its own index and capped in SQL, in one statement with the viewer's ties (whom they
follow, who follows back, what they dismissed); and each candidate's ranking record.

A published clip's ranking facts other than its counters never change: its author and their handle,
when it was published, its moods and cameos (written when the clip is inserted) and the author of the
clip it remixes (workbench.states.videos publishes a clip once; nothing deletes one). So they are
kept in a bounded cache shared by every session and thread of the process, and a call reads from the
database only what can change: which candidates the viewer may see now, their counters and whether
the viewer watched them. The app fills the cache with the newest clips at start (ClipFacts.preload).
"""
from __future__ import annotations

import functools
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from workbench.social.ranking import CONNECTED_POOL, RECENT_POOL, Candidate, candidate_pool
from workbench.social.videos import moods_of
from workbench.store.id_lists import in_ids
from workbench.store.models import (
    Cameo,
    Dismissal,
    Follow,
    User,
    Video,
    VideoCameo,
    VideoStatus,
    WatchEvent,
    as_utc,
)

#: (author id, author's handle, published at, moods, cameo owners, remixed clip's author, remix depth):
#: a plain tuple of atomic values, which the garbage collector stops tracking
Facts = tuple[int, str, datetime, tuple[str, ...], tuple[tuple[int, str], ...], tuple[int, str] | None, int]


#: the pools as ranking.candidate_pool takes them
POOLS = ("recent", "follows", "cameos", "remixes")


class Pooled(NamedTuple):
    """What ranking needs to know about a viewer's For You, read in two statements (and the facts of
    clips the process has not read before)."""
    candidates: list[Candidate]
    #: which candidates the viewer has watched
    seen: frozenset[int]
    follows: frozenset[int]
    #: the people who follow the viewer and whom the viewer follows back
    mutuals: frozenset[int]
    #: the clips the viewer marked "Not interested" (only what ranking uses: author, moods)
    dismissed: tuple[Candidate, ...]


def pooled(session: Session, facts: ClipFacts, base, params: dict, personal: bool) -> Pooled:
    """The viewer's candidates (``base``: the clips this viewer may find, run with ``params``,
    feed.feed_clips) and ties. Not ``personal``: the newest clips only, and no follows. The connected
    pools (clips by people followed, clips featuring their cameos, remixes of their clips) each take
    their newest CONNECTED_POOL published clips in id order (ids grow with creation); the viewer's
    filters apply to the union, as ranking.candidate_pool defines it."""
    read: dict[str, list[int]] = {name: [] for name in (*POOLS, *_TIES)}
    for name, row_id in session.execute(_pools_statement(base, personal), params).all():
        read[name].append(row_id)
    ids = candidate_pool(*(read[name] for name in POOLS)).tolist()
    live = session.execute(_live_statement(base), {**params, "ids": ids}).all() if ids else []
    known = facts.of(session, [row[0] for row in live] + read["dismissed"])
    candidates, seen = [], []
    for video_id, likes, views, completed, watched in live:  # rows unpacked: reading them by name costs more
        author_id, handle, published_at, moods, cameo_owners, parent_author, depth = known[video_id]
        candidates.append(Candidate(video_id, author_id, handle, published_at, moods, likes, views, completed,
                                    cameo_owners, parent_author, depth))
        if watched:
            seen.append(video_id)
    dismissed = tuple(Candidate(i, *known[i][:4]) for i in read["dismissed"] if i in known)
    unpublished = [i for i in read["dismissed"] if i not in known]
    if unpublished:  # dismissed before "Not interested" took published clips only: never published, no facts
        dismissed += tuple(_unpublished_records(session, unpublished))
    return Pooled(candidates, frozenset(seen), frozenset(read["followee"]), frozenset(read["mutual"]), dismissed)


#: what the pools' statement also reads about the viewer
_TIES = ("followee", "mutual", "dismissed")


@functools.cache
def _pools_statement(base, personal: bool):
    """Built once for each kind of viewer (building it took a millisecond and more a call); the viewer
    is bound when it runs."""
    viewer = bindparam("viewer_id")
    recent = base.with_only_columns(Video.id).order_by(Video.published_at.desc(), Video.id.desc()).limit(RECENT_POOL)
    parts = {"recent": recent, "dismissed": select(Dismissal.video_id).where(Dismissal.user_id == viewer)}
    if personal:
        following = select(Follow.followee_id).where(Follow.follower_id == viewer)
        followed = following.scalar_subquery()
        published = Video.status == VideoStatus.PUBLISHED
        parent, back = aliased(Video), aliased(Follow)

        def newest(name: str, query):
            # each pool is read whole from its index first (MATERIALIZED), then its newest are taken: told
            # "newest 200" at once, PostgreSQL walked the whole clips table backwards by id instead (28 ms
            # and more at 100,000 clips, growing with the table; BENCHMARKS.md)
            pool = query.cte(name).prefix_with("MATERIALIZED")
            return select(pool.c.id).order_by(pool.c.id.desc()).limit(CONNECTED_POOL)

        parts |= {
            "follows": newest("by_follows", select(Video.id).where(Video.author_id.in_(followed), published)),
            "cameos": newest("by_cameos", select(Video.id).distinct().join(VideoCameo, VideoCameo.video_id == Video.id)
                             .join(Cameo, Cameo.id == VideoCameo.cameo_id).where(Cameo.owner_id.in_(followed), published)),
            "remixes": newest("by_remixes", select(Video.id).join(parent, parent.id == Video.remix_parent_id)
                              .where(Video.remix_parent_author_id.in_(followed), parent.status == VideoStatus.PUBLISHED,
                                     published)),
            "followee": following,
            # the people followed who follow back, one primary-key probe each: joining the viewer's
            # followers instead reads all of them, thousands for a popular account
            "mutual": select(Follow.followee_id).where(Follow.follower_id == viewer, select(back.follower_id).where(
                back.follower_id == Follow.followee_id, back.followee_id == viewer).scalar_subquery().is_not(None)),
        }
    # SQLite takes ORDER BY and LIMIT in a compound statement's members only inside a subquery
    return union_all(*(select(literal(name).label("part"), query.subquery().c[0]) for name, query in parts.items()))


@functools.cache
def _live_statement(base):
    """The pooled clips (bound as "ids") the viewer may see now, with their counters and whether the
    viewer has watched them; built once."""
    watched = select(WatchEvent.video_id).where(WatchEvent.viewer_id == bindparam("viewer_id"))
    return base.with_only_columns(Video.id, Video.like_count, Video.view_count, Video.completed_view_count,
                                  Video.id.in_(watched).label("seen")).where(in_ids(Video.id, "ids"))


class ClipFacts:
    """The ranking facts of published clips, read once per process (at most `capacity` kept; the
    oldest read go first). Safe across threads: one lock guards the dictionary, never a query."""

    #: how many clips' facts preload reads in one go; after each it pauses twice as long as the batch
    #: took: the app preloads beside the requests it serves, which so keep two thirds of the
    #: interpreter (a preload of 100,000 clips without pauses made feed pages served meanwhile
    #: 100-400 ms slower; it now takes about three times as long, 7 s)
    BATCH, PAUSE = 500, 2.0

    def __init__(self, capacity: int = 200_000) -> None:
        self._capacity = capacity
        self._facts: OrderedDict[int, Facts] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._facts)

    def preload(self, reading: Callable[[], AbstractContextManager[Session]], limit: int | None = None) -> int:
        """Read the facts of the newest `limit` published clips (half the capacity by default: room
        is left for older clips people's pools reach), oldest first, so that the newest are the
        last to go; each batch in its own read-only transaction from `reading` (Store.reading), so
        that none stays open through the pauses. Returns how many were read."""
        with reading() as session:
            newest = session.scalars(select(Video.id).where(Video.published_at.is_not(None)).order_by(Video.id.desc())
                                     .limit(self._capacity // 2 if limit is None else limit)).all()
        newest.reverse()
        for start in range(0, len(newest), self.BATCH):
            began = time.perf_counter()
            with reading() as session:
                self.of(session, newest[start:start + self.BATCH])
            time.sleep(self.PAUSE * (time.perf_counter() - began))
        return len(newest)

    def of(self, session: Session, video_ids: list[int]) -> dict[int, Facts]:
        """The facts of these published clips (the ones read now, in this session's snapshot)."""
        with self._lock:
            found = {i: self._facts[i] for i in video_ids if i in self._facts}
        missing = [i for i in video_ids if i not in found]
        if missing:
            read = _read_facts(session, missing)
            found.update(read)
            with self._lock:
                self._facts.update(read)
                while len(self._facts) > self._capacity:
                    self._facts.popitem(last=False)
        return found


def _unpublished_records(session: Session, video_ids: list[int]) -> list[Candidate]:
    """Clips that were never published, as far as ranking uses them (author, moods), read as they are."""
    moods = moods_of(session, video_ids)
    return [Candidate(row.id, row.author_id, "", as_utc(row.published_at), moods.get(row.id, ()))
            for row in session.execute(select(Video.id, Video.author_id, Video.published_at)
                                       .where(in_ids(Video.id, video_ids))).all()]


def _read_facts(session: Session, video_ids: list[int]) -> dict[int, Facts]:
    """Each query reads by primary key or by its own index: the handles come last, for every person
    named, so no query joins the whole users table."""
    rows = session.execute(select(Video.id, Video.author_id, Video.published_at, Video.remix_parent_id,
                                  Video.remix_depth).where(in_ids(Video.id, video_ids), Video.published_at.is_not(None))).all()
    moods = moods_of(session, video_ids)
    cameo_owners: dict[int, list[int]] = {}
    for video_id, owner_id in session.execute(select(VideoCameo.video_id, Cameo.owner_id)
                                              .join(Cameo, Cameo.id == VideoCameo.cameo_id)
                                              .where(in_ids(VideoCameo.video_id, video_ids)).order_by(VideoCameo.cameo_id)).all():
        cameo_owners.setdefault(video_id, []).append(owner_id)
    parent_ids = {row.remix_parent_id for row in rows if row.remix_parent_id}
    parent_authors = dict(session.execute(select(Video.id, Video.author_id).where(in_ids(Video.id, parent_ids))).all()
                          ) if parent_ids else {}
    named = {row.author_id for row in rows} | set(parent_authors.values()) | {o for owners in cameo_owners.values()
                                                                             for o in owners}
    # the same few handles and mood names recur across clips: one string each, however many clips
    handles = {user_id: sys.intern(handle) for user_id, handle in session.execute(
        select(User.id, User.handle).where(in_ids(User.id, named))).all()} if named else {}
    facts = {}
    for row in rows:
        parent = parent_authors.get(row.remix_parent_id)
        facts[row.id] = (row.author_id, handles[row.author_id], as_utc(row.published_at),
                         tuple(map(sys.intern, moods.get(row.id, ()))),
                         tuple((owner, handles[owner]) for owner in cameo_owners.get(row.id, ())),
                         (parent, handles[parent]) if parent is not None else None, row.remix_depth)
    return facts
