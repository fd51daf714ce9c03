"""Shared fixtures: a Workbench on every database engine, each test in its own database space.

PostgreSQL: each test run creates its own database (dropped at the end) and each test its own
schema in it, so concurrent runs and tests never collide. When PostgreSQL is required
(WORKBENCH_REQUIRE_POSTGRES=1, or CI is set) and cannot be reached, the db tests fail; otherwise
they are skipped with the reason.
"""
from __future__ import annotations

import os
import re
import uuid
from collections import Counter
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbench import OPERATOR, Workbench, open_workbench
from workbench.config import Settings

POSTGRES_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
POSTGRES_REQUIRED = os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1" or bool(os.environ.get("CI"))
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh database for this test run (per xdist worker), dropped afterwards."""
    if not POSTGRES_URL:
        _unavailable("WORKBENCH_TEST_POSTGRES_URL is empty")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means "not reachable"
        admin.dispose()
        _unavailable(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")
    url = make_url(POSTGRES_URL).set(database=name)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _unavailable(reason: str):
    if POSTGRES_REQUIRED:
        pytest.fail(f"PostgreSQL is required for this run but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """A URL naming an empty database space on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workbench.db'}"
    base = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def wb(database_url, tmp_path) -> Workbench:
    """A workbench whose queue runs each job at once in this process (tests of the real worker
    start one explicitly)."""
    settings = Settings(data_dir=tmp_path / "data", queue_url="immediate")
    workbench = open_workbench(database_url, media_dir=tmp_path / "media", settings=settings)
    yield workbench
    workbench.close()


@pytest.fixture
def people(wb):
    """A few users of every role: ana and ben (users), tess (teen), rita (reviewer), holly (rights holder), ada (admin)."""
    for handle, role, teen in (("ana", "user", False), ("ben", "user", False), ("tess", "user", True),
                               ("rita", "reviewer", False), ("holly", "rights_holder", False), ("ada", "admin", False)):
        wb.users.create(OPERATOR, handle, role=role, is_teen=teen)
    return wb


_passed_per_engine: Counter = Counter()
_ENGINE_IN_ID = re.compile(r"\[(?:.*-)?(" + "|".join(ENGINES) + r")(?:-.*)?\]$")


def pytest_runtest_logreport(report):
    """Count passed tests per database engine (xdist forwards every worker's reports here)."""
    match = _ENGINE_IN_ID.search(report.nodeid)
    if match and report.when == "call" and report.passed:
        _passed_per_engine[match.group(1)] += 1


def pytest_terminal_summary(terminalreporter):
    if _passed_per_engine:
        counts = ", ".join(f"{engine} {_passed_per_engine[engine]}" for engine in ENGINES)
        terminalreporter.write_line(f"database tests passed per engine: {counts}")


@pytest.fixture(scope="session")
def run_shared_dir(tmp_path_factory, worker_id) -> "Path":
    """A folder every xdist worker of this test run shares (for deterministic artefacts that are slow
    to make, such as the small deepfake benchmark: concurrent builders write identical files atomically)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base if worker_id == "master" else base.parent) / "shared"
    folder.mkdir(exist_ok=True)
    return folder
