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
