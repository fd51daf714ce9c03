"""The Alembic migrations build exactly the ORM schema, and the database enforces its rules."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from workbench.store.models import Base, Follow


def test_migrations_match_models(wb):
    with wb.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() is not None


def test_every_table_exists(wb):
    tables = set(inspect(wb.engine).get_table_names())
    expected = {"users", "follows", "videos", "video_moods", "cameos", "cameo_approvals", "video_cameos",
                "generation_jobs", "watch_events", "likes", "comments", "reports", "moderation_cases",
                "ip_opt_outs", "public_figures", "audit_log", "meta", "alembic_version"}
    assert expected <= tables


def test_database_rejects_self_follow(people):
    ana = people.users.get("ana")
    with pytest.raises(IntegrityError):
        with people.transaction() as session:
            session.add(Follow(follower_id=ana.id, followee_id=ana.id))


def test_database_rejects_unknown_role(wb):
    """The CHECK constraint holds even for SQL that bypasses the ORM."""
    with pytest.raises(IntegrityError):
        with wb.engine.begin() as connection:
            connection.execute(text("INSERT INTO users (handle, display_name, role, is_teen, region, bio, suspended, "
                                    "created_at) VALUES ('x', 'x', 'overlord', false, 'US', '', false, CURRENT_TIMESTAMP)"))


def test_reopening_is_a_no_op(database_url, tmp_path):
    from workbench import open_workbench

    first = open_workbench(database_url, data_dir=tmp_path)
    first.users.create(None, "keeper")
    first.close()
    second = open_workbench(database_url, data_dir=tmp_path)
    assert [u.handle for u in second.users.list()] == ["keeper"]
    second.close()


def test_clips_removed_before_removal_kinds_are_told_apart_by_their_audit(database_url):
    """Migration 0007: a clip removed before `videos.removal` existed gets its kind from the audit
    log (its author's `video.remove`, a cameo owner's `cameo.remove_appearance`, else review)."""
    from alembic import command
    from alembic.config import Config

    from workbench.store.db import MIGRATIONS_DIR, make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with engine.begin() as connection:
        for user_id, handle in ((1, "ana"), (2, "ben")):
            connection.execute(text("INSERT INTO users (id, handle, display_name, role, is_teen, region, bio, suspended,"
                                    " created_at) VALUES (:id, :h, :h, 'user', false, 'US', '', false, CURRENT_TIMESTAMP)"),
                               {"id": user_id, "h": handle})
        for video_id, status in ((1, "removed"), (2, "removed"), (3, "removed"), (4, "removed"), (5, "published")):
            connection.execute(text("INSERT INTO videos (id, author_id, status, prompt, caption, duration_s, width, height,"
                                    " fps, media_path, media_sha256, backend, seed, remix_depth, allow_remix, created_at)"
                                    " VALUES (:id, 1, :s, 'p', 'c', 1.0, 64, 112, 12, 'x.mp4', 'x', 'procedural', 1, 0,"
                                    " true, CURRENT_TIMESTAMP)"), {"id": video_id, "s": status})
        for actor_id, action, video_id in ((1, "video.remove", 1), (2, "cameo.remove_appearance", 2),
                                           (2, "video.remove", 3), (1, "video.publish", 5)):
            connection.execute(text("INSERT INTO audit_log (actor_id, action, target_type, target_id, details, created_at)"
                                    " VALUES (:a, :action, 'video', :v, '{}', CURRENT_TIMESTAMP)"),
                               {"a": actor_id, "action": action, "v": video_id})
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        kinds = dict(connection.execute(text("SELECT id, removal FROM videos ORDER BY id")).all())
    engine.dispose()
    # 3: removed by someone who is not the author with `video.remove` (an admin): the platform's
    assert kinds == {1: "author", 2: "cameo_owner", 3: "review", 4: "review", 5: None}
