"""One feed, two callers: the simulator's page for a person, computed from the same world read out of
the database, equals the app's `wb.feed.page` for that person, for every policy, on both engines
and on the demo world: the same pools, ties, teen and visibility rules, seen clips last, "Not
interested" honoured."""
import random
from datetime import timedelta

import pytest

from benchmarks.bench_feed import build_world
from workbench.media.moods import mood_names
from workbench.simulation.pages import feed_page
from workbench.simulation.world import World, microseconds
from workbench.social.ranking import POLICIES
from workbench.store.models import User, utcnow

pytestmark = pytest.mark.db


def app_and_simulator_pages(wb, handles, *, limit=20):
    """(handle, policy, app page ids, simulator page ids) for each handle and policy, at one moment."""
    now = utcnow() + timedelta(minutes=5)
    world, person, _ = World.from_store(wb, mood_names())
    with wb.transaction() as session:
        ids = {handle: session.query(User.id).filter(User.handle == handle).scalar() for handle in handles}
    for handle in handles:
        for policy in POLICIES:
            app = [item.video.id for item in wb.feed.page(handle, policy=policy, limit=limit, now=now)]
            yield handle, policy, app, feed_page(world, person[ids[handle]], policy, microseconds(now), limit)


@pytest.fixture
def busy_world(people):
    """The `people` personas in a world of 300 people and 900 clips (more than the newest-clips pool
    holds), following some of them, having watched and dismissed some clips."""
    wb = people
    build_world(wb, users=300, clips=900, follows=15, seed=5)
    rng = random.Random(5)
    strangers = [f"u{i:05d}" for i in range(300)]
    feed = [item.video.id for item in wb.feed.page("ana", limit=60)]
    watched = {}
    for handle in ("ana", "ben", "tess", "rita"):
        for followee in rng.sample(strangers, 25):
            wb.users.follow(handle, followee)
        watched[handle] = rng.sample(feed[3:], 12)
        for video_id in watched[handle]:
            wb.videos.watch(handle, video_id, 0.5)
    wb.users.follow("ana", "ben")
    wb.users.follow("ben", "ana")
    for video_id in feed[:3]:
        wb.feed.not_interested("ana", video_id)
    wb.watched, wb.dismissed = watched, feed[:3]
    return wb


def test_the_simulators_page_is_the_apps_page_for_every_persona_and_policy(busy_world):
    compared = 0
    for handle, policy, app, simulated in app_and_simulator_pages(busy_world, ["ana", "ben", "tess", "rita", "u00007"]):
        assert len(app) == 20
        assert simulated == app, (handle, policy)
        compared += 1
    assert compared == 5 * len(POLICIES)


def test_seen_clips_come_last_and_dismissed_ones_are_gone_in_both(busy_world):
    wb = busy_world
    for _, policy, app, simulated in app_and_simulator_pages(wb, ["ana"], limit=100):
        assert simulated == app, policy
        # ana's watched clips were on her first 60 before; now the 100 unseen ones ahead of them fill the page
        assert len(app) == 100 and not set(app) & set(wb.watched["ana"]), policy
        assert not set(app) & set(wb.dismissed)


def test_the_demo_world_pages_are_the_same_for_every_persona(demo_world, tmp_path):
    from workbench import open_workbench

    wb = open_workbench(data_dir=demo_world(tmp_path / "world"))
    try:
        with wb.transaction() as session:
            handles = [h for (h,) in session.query(User.handle).order_by(User.id)]
        pairs = list(app_and_simulator_pages(wb, handles))
        assert len(pairs) == len(handles) * len(POLICIES)
        for handle, policy, app, simulated in pairs:
            assert simulated == app, (handle, policy)
        assert any(app for *_, app, _ in pairs)
    finally:
        wb.close()
