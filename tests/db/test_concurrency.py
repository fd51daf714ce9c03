"""Concurrent clicks: many threads at once, each with its own connection, on both engines."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from workbench import OPERATOR
from workbench.store.models import User

pytestmark = pytest.mark.db
THREADS = 8


def run_at_once(calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def test_a_burst_of_like_clicks_records_one_like(people):
    clip = people.clips.create("ana", "a cat", seed=1, duration_s=1.0, publish=True)
    results = run_at_once([lambda: people.videos.like("ben", clip.id)] * THREADS)
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    assert people.videos.get("ben", clip.id).like_count == 1


def test_simultaneous_reports_merge_into_one_case(people):
    clip = people.clips.create("ana", "a cat", seed=1, duration_s=1.0, publish=True)
    reporters = [f"reporter{i}" for i in range(THREADS)]
    for handle in reporters:
        people.users.create(OPERATOR, handle)
    cases = run_at_once([lambda h=h: people.reports.report(h, clip.id, "spam") for h in reporters])
    assert len({case.id for case in cases}) == 1
    queue = people.moderation.queue("rita")
    assert len(queue) == 1 and len(queue[0].evidence.reports) == THREADS


def test_simultaneous_follows_of_one_person(people):
    results = run_at_once([lambda: people.users.follow("ben", "ana")] * THREADS)
    assert results.count(True) == 1
    assert people.users.followers("ana") == ["ben"]


def test_a_feed_page_neither_waits_for_a_writer_nor_holds_one_up(people):
    """Store.reading: on SQLite every other transaction takes the write lock at BEGIN, so a page read
    that did too queued behind any write (and a 3-second read held every write up)."""
    clip = people.clips.create("ana", "a cat", seed=1, duration_s=1.0, publish=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        with people.transaction() as writing:  # a write in progress, its transaction open
            writing.execute(update(User).where(User.handle == "ana").values(bio="writing"))
            page = pool.submit(lambda: people.feed.page("ben", "for_you")).result(timeout=10)
            assert clip.id in [item.video.id for item in page]
        with people.store.reading() as reading:  # a long read in progress
            reading.execute(select(User.id)).all()
            assert pool.submit(lambda: people.videos.like("ben", clip.id)).result(timeout=10)
    if people.engine.dialect.name == "postgresql":  # and it only reads
        with pytest.raises(DBAPIError, match="read-only"), people.store.reading() as reading:
            reading.execute(update(User).where(User.handle == "ana").values(bio="sneaky"))
