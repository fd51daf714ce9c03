"""Alembic environment: runs on the connection handed over by workbench.store.db.upgrade_to_head,
or on WORKBENCH_DATABASE_URL when the alembic command line is used directly."""
from alembic import context

from workbench.store.models import Base

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from workbench.config import Settings
        from workbench.store.db import make_engine

        engine = make_engine(Settings().resolved_database_url())
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
