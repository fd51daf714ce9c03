"""Engines, sessions and migrations. SQLite is the embedded default; PostgreSQL runs the same code."""
from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from workbench.errors import refuse_unstorable_text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


#: the execution option of Store.reading's engine
READ_ONLY = "workbench_read_only"


def make_engine(url: str, *, busy_timeout_s: float = 30.0, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout (how long a writer waits for the lock before
    "database is locked") and enforced foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", busy_timeout_s)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):
            # Take the write lock up front: a deferred transaction that reads and then writes fails
            # with "database is locked" when another writer got in between; this one waits instead.
            # A read-only transaction (Store.reading) reads one snapshot (WAL) without the lock, so
            # it neither waits for writers nor holds up anyone.
            connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def upgrade_to_head(engine: Engine) -> None:
    """Apply every Alembic migration that this database has not seen yet."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def refresh_sqlite_statistics(engine: Engine) -> bool:
    """ANALYZE a SQLite file (sampled: analysis_limit) when it opens, once its clips table holds at
    least 1,000 rows and twice what its planner statistics record: without them SQLite takes an index
    on a column of one common value (videos.status) for a selective one, and For You at 100,000 clips
    took 100 ms instead of 20 (BENCHMARKS.md). True if it ran. PostgreSQL's autovacuum does this."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        clips = connection.exec_driver_sql("SELECT max(rowid) FROM videos").scalar() or 0
        if clips < 1000:
            return False
        kept = connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar()
        stat = connection.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'videos' LIMIT 1").scalar() if kept else None
        if stat and clips < 2 * int(stat.split()[0]):
            return False
        connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
        return True


def insert_once(session: Session, row) -> bool:
    """Insert a row whose key may already exist (a double click, two tabs at once): True if this
    call inserted it, False if it was there already. A savepoint keeps the outer transaction alive."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


class Store:
    """The database and the media folder: what every service reads and writes through (each service
    is handed this at construction, in workbench.core)."""

    def __init__(self, engine: Engine, media_dir: Path) -> None:
        self.engine = engine
        self.media_dir = media_dir
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        read_only = {READ_ONLY: True} | ({"postgresql_readonly": True} if engine.dialect.name == "postgresql" else {})
        self._reads = sessionmaker(engine.execution_options(**read_only), expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _refuse_unstorable_values)

    def transaction(self) -> AbstractContextManager[Session]:
        return transaction(self._sessions)

    def reading(self) -> AbstractContextManager[Session]:
        """A transaction that only reads: on SQLite it takes no write lock (every other transaction
        takes it at BEGIN, so reads queued behind each other and behind writers), on PostgreSQL it is
        READ ONLY (a write in it fails)."""
        return transaction(self._reads)


def _refuse_unstorable_values(session: Session, _context, _instances) -> None:
    """Every text a row is about to store, JSON included, passes refuse_unstorable_text: the person who
    typed a NUL or invalid UTF-8 gets InvalidInput naming the field, on every engine, and the
    transaction rolls back whole (PostgreSQL would raise DataError, SQLite would store it)."""
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        for column in state.mapper.column_attrs:
            for value in state.attrs[column.key].history.added:  # what this flush writes (all of a new row)
                _check_value(value, column.key.replace("_", " "))


def _check_value(value, what: str) -> None:
    if isinstance(value, str):
        refuse_unstorable_text(value, what)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, what)
            _check_value(item, what)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_value(item, what)



@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
