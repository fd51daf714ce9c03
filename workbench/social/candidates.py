"""For You's candidates: the pools a viewer's page is ranked from (ranking.candidate_pool), each read
newest first from its own index and capped in SQL, and each candidate's ranking record.

A published clip's ranking facts other than its counters never change: its author and their handle,
when it was published, its moods and cameos (written when the clip is inserted) and the author of the
clip it remixes (workbench.states.videos publishes a clip once; nothing deletes one). So they are
kept in a bounded cache shared by every session and thread of the process, and a call reads from the
database only what can change: which candidates the viewer may see now, and their counters.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from workbench.social.ranking import CONNECTED_POOL, RECENT_POOL, Candidate, candidate_pool
from workbench.social.videos import moods_of
from workbench.store.id_lists import in_ids
from workbench.store.models import Cameo, Follow, User, Video, VideoCameo, VideoStatus, as_utc

#: (author id, author's handle, published at, moods, cameo owners, remixed clip's author, remix depth):
#: a plain tuple of atomic values, which the garbage collector stops tracking
Facts = tuple[int, str, datetime, tuple[str, ...], tuple[tuple[int, str], ...], tuple[int, str] | None, int]


#: the pools as ranking.candidate_pool takes them
POOLS = ("recent", "follows", "cameos", "remixes")


def pooled_ids(session: Session, base, params: dict, personal: bool) -> list[int]:
    """The ids of the viewer's candidate pools, read in one statement (``base``: the clips this viewer
    may find, run with ``params``, feed.feed_clips). Not ``personal``: the newest clips only. The
    connected pools (clips by people followed, clips featuring their cameos, remixes of their clips)
    each take their newest CONNECTED_POOL published clips in id order (ids grow with creation); the
    viewer's filters apply to the union, as ranking.candidate_pool defines it."""
    statement = _pools_statement(base, personal)
    if not personal:
        return candidate_pool(session.scalars(statement, params).all()).tolist()
    read: dict[str, list[int]] = {name: [] for name in POOLS}
    for name, video_id in session.execute(statement, params).all():  # fetched at once, not row by row
        read[name].append(video_id)
    return candidate_pool(*read.values()).tolist()


@functools.cache
def _pools_statement(base, personal: bool):
    """Built once for each kind of viewer (building it took a millisecond and more a call); the viewer
    is bound when it runs."""
    recent = base.with_only_columns(Video.id).order_by(Video.published_at.desc(), Video.id.desc()).limit(RECENT_POOL)
    if not personal:
        return recent
    followed = select(Follow.followee_id).where(Follow.follower_id == bindparam("viewer_id")).scalar_subquery()
    published = Video.status == VideoStatus.PUBLISHED
    parent = aliased(Video)

    def newest(name: str, query):
        # each pool is read whole from its index first (MATERIALIZED), then its newest are taken: told
        # "newest 200" at once, PostgreSQL walked the whole clips table backwards by id instead (28 ms
        # and more at 100,000 clips, growing with the table; BENCHMARKS.md)
        pool = query.cte(name).prefix_with("MATERIALIZED")
        return select(pool.c.id).order_by(pool.c.id.desc()).limit(CONNECTED_POOL)

    pools = {
        "recent": recent,
        "follows": newest("by_follows", select(Video.id).where(Video.author_id.in_(followed), published)),
        "cameos": newest("by_cameos", select(Video.id).distinct().join(VideoCameo, VideoCameo.video_id == Video.id)
                         .join(Cameo, Cameo.id == VideoCameo.cameo_id).where(Cameo.owner_id.in_(followed), published)),
        "remixes": newest("by_remixes", select(Video.id).join(parent, parent.id == Video.remix_parent_id)
                          .where(Video.remix_parent_author_id.in_(followed), parent.status == VideoStatus.PUBLISHED,
                                 published)),
    }
    # SQLite takes ORDER BY and LIMIT in a compound statement's members only inside a subquery
    return union_all(*(select(literal(name).label("pool"), pools[name].subquery().c.id) for name in POOLS))


@functools.cache
def _live_statement(base):
    """The pooled clips (bound as "ids") the viewer may see now, with their counters; built once."""
    return base.with_only_columns(Video.id, Video.like_count, Video.view_count,
                                  Video.completed_view_count).where(in_ids(Video.id, "ids"))


class ClipFacts:
    """The ranking facts of published clips, read once per process (at most `capacity` kept; the
    oldest read go first). Safe across threads: one lock guards the dictionary, never a query."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._capacity = capacity
        self._facts: OrderedDict[int, Facts] = OrderedDict()
        self._lock = threading.Lock()

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

    def candidates(self, session: Session, base, params: dict, ids: list[int]) -> list[Candidate]:
        """The pooled clips the viewer may see now (``base`` run with ``params``), as ranking records
        with their counters."""
        if not ids:
            return []
        live = session.execute(_live_statement(base), {**params, "ids": ids}).all()
        facts = self.of(session, [row.id for row in live])
        candidates = []
        for row in live:
            author_id, handle, published_at, moods, cameo_owners, parent_author, depth = facts[row.id]
            candidates.append(Candidate(row.id, author_id, handle, published_at, moods, row.like_count, row.view_count,
                                        row.completed_view_count, cameo_owners, parent_author, depth))
        return candidates


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
    handles = dict(session.execute(select(User.id, User.handle).where(in_ids(User.id, named))).all()) if named else {}
    facts = {}
    for row in rows:
        parent = parent_authors.get(row.remix_parent_id)
        facts[row.id] = (row.author_id, handles[row.author_id], as_utc(row.published_at), moods.get(row.id, ()),
                         tuple((owner, handles[owner]) for owner in cameo_owners.get(row.id, ())),
                         (parent, handles[parent]) if parent is not None else None, row.remix_depth)
    return facts
