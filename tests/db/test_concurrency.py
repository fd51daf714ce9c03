"""Concurrent clicks: many threads at once, each with its own connection, on both engines."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from workbench import OPERATOR

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
