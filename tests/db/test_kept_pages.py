"""The page a person scrolls holds: likes and views (theirs and anyone's) do not reshuffle it, while a
follow, an unfollow or "Not interested" (made through another process's workbench) does, and a clip
removed meanwhile leaves it. On both engines, with the rankings kept in the process and in Redis.
And a grown SQLite file gets the planner statistics the feed's queries need."""
import os
import sqlite3
import time
import uuid

import pytest
from sqlalchemy import event, func, select, update

from benchmarks.bench_feed import build_world
from workbench import open_workbench
from workbench.social.candidates import ClipFacts
from workbench.social.kept_pages import KeptRanking, RedisRankings
from workbench.social.ranking import Ranked
from workbench.store.db import refresh_sqlite_statistics
from workbench.store.models import User, Video, utcnow

pytestmark = pytest.mark.db

REDIS_URL = os.environ.get("WORKBENCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def ids(items):
    return [item.video.id for item in items]


def another_process(wb, database_url, **settings):
    """A second workbench on the same database: what another app process sees."""
    return open_workbench(database_url, media_dir=wb.media_dir,
                          settings=wb.settings.model_copy(update=settings))


@pytest.fixture
def scrolling(people):
    """ana follows five people of a 200-person, 600-clip world."""
    wb = people
    build_world(wb, users=200, clips=600, follows=10, seed=7)
    for n in range(5):
        wb.users.follow("ana", f"u{n:05d}")
    return wb


def check_the_page_holds_and_follows_change_it(wb, other, *, shared: bool):
    """`shared`: the processes keep rankings in one place (Redis), so `other` serves the rest of the page."""
    scrolled = wb.feed.page("ana", limit=40)
    # engagement that reorders a fresh ranking: 60 people like the 40th clip, ana likes and watches two
    last = scrolled[-1].video.id
    for n in range(100, 160):
        wb.videos.like(f"u{n:05d}", last)
    wb.videos.like("ana", scrolled[30].video.id)
    wb.videos.watch("ana", scrolled[0].video.id, 0.5)
    assert ids(wb.feed.page("ana", limit=40, now=utcnow())) != ids(scrolled)  # ranked afresh, it moves
    assert ids(wb.feed.page("ana", limit=20)) == ids(scrolled[:20])
    assert ids((other if shared else wb).feed.page("ana", limit=20, offset=20)) == ids(scrolled[20:])

    # a follow made in the other process: the next page is ranked again, the newcomer's clips as followed
    stranger = next(item for item in scrolled if "follow" not in item.reason)
    newcomer = stranger.video.author
    assert other.users.follow("ana", newcomer)
    after = wb.feed.page("ana", limit=100)
    assert ids(after)[:40] != ids(scrolled)
    assert {item.reason for item in after if item.video.author == newcomer} == {f"From @{newcomer}, whom you follow"}
    held = wb.feed.page("ana", limit=100)
    assert ids(held) == ids(after)

    # "Not interested" in the other process: that clip is gone from the next page at once
    other.feed.not_interested("ana", after[0].video.id)
    assert after[0].video.id not in ids(wb.feed.page("ana", limit=100))

    # a clip removed while the page is kept leaves it, and the rest keeps its order
    kept = ids(wb.feed.page("ana", limit=30))
    other.videos.remove(wb.videos.get("ana", kept[1]).author, kept[1])
    assert ids(wb.feed.page("ana", limit=29)) == [kept[0]] + kept[2:30]


def test_a_scrolled_page_holds_under_likes_and_changes_after_a_follow(scrolling, database_url):
    other = another_process(scrolling, database_url)
    try:
        check_the_page_holds_and_follows_change_it(scrolling, other, shared=False)
    finally:
        other.close()


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1" or os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is required for this run but not reachable: {error}", pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {error}")
    return REDIS_URL


def test_two_processes_share_rankings_kept_in_redis(scrolling, database_url, redis_url):
    """With the rankings in Redis, a page the first process ranked is the one the second serves (its
    own in-process rankings would have ranked afresh, after the likes)."""
    wb = another_process(scrolling, database_url, feed_cache_url=redis_url)
    other = another_process(scrolling, database_url, feed_cache_url=redis_url)
    try:
        check_the_page_holds_and_follows_change_it(wb, other, shared=True)
    finally:
        wb.close()
        other.close()


def test_redis_rankings_round_trip_expire_and_keep_platforms_apart(redis_url):
    ranking = KeptRanking.of([Ranked(7, 1.5, "From @ana, whom you follow"), Ranked(3, 0.25, "New from @ben")],
                             {"popularity": (3, 7)})
    key = f"feed:1:0:{uuid.uuid4().hex}"
    one, two = RedisRankings(redis_url, 60, "one"), RedisRankings(redis_url, 60, "two")
    one.put(key, ranking)
    assert one.get(key) == ranking and two.get(key) is None
    assert one.get(key).at([1, 0]) == [Ranked(3, 0.25, "New from @ben"), Ranked(7, 1.5, "From @ana, whom you follow")]
    short = RedisRankings(redis_url, 0.05, "one")
    short.put(key + "x", ranking)
    time.sleep(0.2)
    assert short.get(key + "x") is None
    unreachable = RedisRankings("redis://127.0.0.1:1/0", 60, "one")
    assert unreachable.get(key) is None  # logged; the feed ranks afresh
    unreachable.put(key, ranking)


def test_a_feed_version_from_another_writer_is_never_served_a_kept_page(scrolling):
    """The version is read with the person's row in the page's own transaction: raising it by hand
    (as a change's transaction does) makes the next call rank afresh."""
    wb = scrolling
    first = wb.feed.page("ana", limit=40)
    for n in range(100, 160):
        wb.videos.like(f"u{n:05d}", first[-1].video.id)
    assert ids(wb.feed.page("ana", limit=40)) == ids(first)
    with wb.transaction() as session:
        session.execute(update(User).where(User.handle == "ana").values(feed_version=User.feed_version + 1))
    assert ids(wb.feed.page("ana", limit=40)) == ids(wb.feed.page("ana", limit=40, now=utcnow())) != ids(first)


def test_a_grown_sqlite_file_gets_planner_statistics_when_it_opens(tmp_path):
    """Without them SQLite read every published clip through the status index for a page of 30."""
    url = f"sqlite:///{tmp_path / 'grown.db'}"
    wb = open_workbench(url, data_dir=tmp_path)
    build_world(wb, users=50, clips=1500, follows=5, seed=3)
    wb.close()
    with sqlite3.connect(tmp_path / "grown.db") as connection:
        assert not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
    reopened = open_workbench(url, data_dir=tmp_path)
    try:
        with sqlite3.connect(tmp_path / "grown.db") as connection:
            assert connection.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'videos'").fetchone()[0] > 0
            plan = " ".join(row[3] for row in connection.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM videos WHERE status = 'published' AND id IN (1, 2, 3)"))
        assert "PRIMARY KEY" in plan, plan
        assert not refresh_sqlite_statistics(reopened.engine)  # fresh statistics are left alone
    finally:
        reopened.close()


def test_the_newest_clips_facts_read_at_start_serve_first_pages_alike(scrolling, database_url):
    """FeedService.warm_up (run by the app at start) reads the newest clips' ranking facts: a person's
    first page then reads none of them, and is the page a process that read nothing serves."""
    warmed, cold = another_process(scrolling, database_url), another_process(scrolling, database_url)
    with scrolling.transaction() as session:
        published = session.scalar(select(func.count()).where(Video.published_at.is_not(None)))
    assert published > 600 and warmed.feed.warm_up() == published
    statements = {}
    for name, wb in (("warmed", warmed), ("cold", cold)):
        run = statements[name] = []
        listen = lambda *args, run=run: run.append(args[2])  # noqa: E731 - before_cursor_execute's statement
        event.listen(wb.engine, "before_cursor_execute", listen)
        now = utcnow()
        assert ids(wb.feed.page("ana", limit=40, now=now)) == ids(scrolling.feed.page("ana", limit=40, now=now))
        event.remove(wb.engine, "before_cursor_execute", listen)
    facts_read = "videos.published_at IS NOT NULL"  # how the facts of clips not yet read are read
    assert not [s for s in statements["warmed"] if facts_read in s]
    assert [s for s in statements["cold"] if facts_read in s]
    small = ClipFacts(capacity=100)
    assert small.preload(warmed.store.reading) == 50 and len(small) == 50
    with warmed.transaction() as session:
        small.of(session, list(range(1, published + 1)))
    assert len(small) == 100  # bounded: the oldest read went first
    warmed.close()
    cold.close()
