"""The demo world: deterministic, remix chains at least three deep, idempotent, never half-written."""
import numpy as np
import pytest
from sqlalchemy import select, text

from tests.helpers import ENGINES, media_files, row_counts, schema_url
from workbench import Conflict, open_workbench
from workbench.config import Settings
from workbench.demo import seed_demo
from workbench.media.codec import read_frames
from workbench.media.provenance import verify
from workbench.store.models import User, WatchEvent

# one worker builds the module's worlds once (each engine's, the twin) and every test reads them
pytestmark = [pytest.mark.db, pytest.mark.xdist_group("demo")]
SMALL = 10


def clip_rows(wb) -> list[tuple]:
    with wb.transaction() as session:
        return [tuple(row) for row in session.execute(text(
            "SELECT id, author_id, prompt, caption, seed, duration_s, status, remix_parent_id, remix_depth "
            "FROM videos ORDER BY id"))]


def media_paths(wb) -> list:
    with wb.transaction() as session:
        return [wb.media_dir / path for path in session.scalars(text("SELECT media_path FROM videos ORDER BY id"))]


def media_shas(wb) -> list[str]:
    with wb.transaction() as session:
        return list(session.scalars(text("SELECT media_sha256 FROM videos ORDER BY id")))


@pytest.fixture(scope="module")
def seeded(request, tmp_path_factory):
    """One demo world per engine for the tests that only read it: (workbench, the counts seeding printed).
    Seeded with two render threads; test_same_seed_same_world seeds its twin with one."""
    data_dir = tmp_path_factory.mktemp("demo")
    settings = Settings(data_dir=data_dir / "data", queue_url="immediate")
    wb = open_workbench(request.getfixturevalue(f"{request.param}_demo_url"), media_dir=data_dir / "media",
                        settings=settings)
    counts = seed_demo(wb, clips=SMALL, workers=2)
    yield wb, counts
    wb.close()


@pytest.fixture(scope="module")
def sqlite_demo_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('demo-sqlite') / 'workbench.db'}"


@pytest.fixture(scope="module")
def postgresql_demo_url(postgres_database) -> str:
    return schema_url(postgres_database)


def pytest_generate_tests(metafunc):
    if "seeded" in metafunc.fixturenames:
        metafunc.parametrize("seeded", ENGINES, indirect=True, scope="module")


def test_demo_world_has_every_part(seeded):
    wb, counts = seeded
    assert counts["created"] is True
    assert counts["users"] == 30 and counts["clips"] == SMALL
    assert counts["max_remix_depth"] >= 3 and counts["remixes"] >= 3
    assert counts["watch_events"] > 0 and counts["follows"] > 0 and counts["reports"] > 0
    roles = {u.role for u in wb.users.list()}
    assert {"user", "reviewer", "rights_holder", "admin"} <= roles
    assert wb.moderation.queue("rosa_reviews")
    clips = {p for p in media_files(wb.media_dir) if p.suffix == ".mp4"}
    assert len(clips) == len(set(media_shas(wb)))
    faces = {cameo.reference_image for owner in ("ana", "ben", "dev", "gia", "jamal") for cameo in wb.cameos.mine(owner)}
    assert len(faces) == 5 and all(path.exists() for path in faces)  # five different synthetic people


def test_every_demo_file_is_signed_as_ai_generated_by_its_author(seeded):
    wb, _ = seeded
    with wb.transaction() as session:
        rows = session.execute(text("SELECT v.media_path, u.handle FROM videos v JOIN users u ON u.id = v.author_id"))
        for media_path, handle in rows.all():
            report = verify(wb.media_dir / media_path, trust_anchors=wb.credentials.root_cert)
            assert (report["state"], report["ai_generated"], report["author"]) == ("Trusted", True, f"@{handle}")


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """The same world seeded again (SQLite, one render thread), once for both engines' worlds."""
    folder = tmp_path_factory.mktemp("twin")
    twin = open_workbench(f"sqlite:///{folder / 'twin.db'}", data_dir=folder)
    seed_demo(twin, clips=SMALL, workers=1)
    yield twin
    twin.close()


def test_same_seed_same_world(seeded, twin):
    wb, _ = seeded
    assert clip_rows(twin) == clip_rows(wb)
    assert row_counts(twin) == row_counts(wb)
    # The same bitstream in every file (the signatures differ: each world has its own signing key and
    # ECDSA signatures are randomised), rendered by 1 and by 2 threads
    for ours, theirs in zip(media_paths(wb), media_paths(twin), strict=True):
        assert np.array_equal(read_frames(ours), read_frames(theirs))


def test_second_run_changes_nothing(seeded):
    wb, first = seeded
    before = row_counts(wb)
    again = seed_demo(wb, clips=SMALL, workers=1)
    assert again["created"] is False
    assert {k: v for k, v in again.items() if k != "created"} == {k: v for k, v in first.items() if k != "created"}
    assert row_counts(wb) == before


def test_refuses_a_database_with_other_data(wb):
    wb.users.create(None, "someone")
    before = row_counts(wb)
    with pytest.raises(Conflict, match="empty database"):
        seed_demo(wb, clips=SMALL, workers=1)
    assert row_counts(wb) == before and media_files(wb.media_dir) == set()


def test_a_failure_midway_leaves_nothing(wb, monkeypatch):
    import workbench.demo as demo

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "open_or_merge_case", broken)  # fails late, after users and clips were added
    before = row_counts(wb)
    with pytest.raises(RuntimeError, match="disk full"):
        seed_demo(wb, clips=4, workers=1)  # four clips are as many files to take back as ten
    assert row_counts(wb) == before
    assert media_files(wb.media_dir) == set()


def test_the_demo_feed_puts_connections_first_follows_moods_and_gives_teens_the_same_feed(seeded):
    wb, _ = seeded
    items = wb.feed.page("ana", "for_you", limit=50)
    connected = [("follow" in item.reason or "cameo" in item.reason or "Remixes" in item.reason) for item in items]
    assert any(connected) and not all(connected)
    # clips ana has not watched first; within each group every connected clip before every other one
    with wb.transaction() as session:
        watched = set(session.scalars(select(WatchEvent.video_id).join(User, User.id == WatchEvent.viewer_id)
                                      .where(User.handle == "ana")))
    seen = [item.video.id in watched for item in items]
    assert any(seen) and seen == sorted(seen)
    for group in (False, True):
        ties = [c for c, s in zip(connected, seen) if s == group]
        assert ties == sorted(ties, reverse=True)
    assert all(item.reason for item in items) and len({i.video.id for i in items}) == len(items)
    by_mood = wb.feed.page("ana", "for_you", mood="animals", limit=50)
    assert by_mood and all("animals" in item.video.moods for item in by_mood)
    assert [i.video.id for i in by_mood] != [i.video.id for i in items][:len(by_mood)]
    teen = wb.feed.page("uma", "for_you", limit=50)
    assert {i.policy for i in teen} == {"non_personalised"} and not any("follow" in i.reason for i in teen)
