"""Shared fixtures: a Workbench on every database engine, each test in its own database space.

PostgreSQL: each test run creates its own database (dropped at the end) and each test its own
schema in it, so concurrent runs and tests never collide. When PostgreSQL is required
(WORKBENCH_REQUIRE_POSTGRES=1, or CI is set) and cannot be reached, the db tests fail; otherwise
they are skipped with the reason.

Each xdist worker (and each process a test starts) computes on one thread: the suite already runs as
many workers as there are cores, and torch's or OpenMP's extra threads would only spin against the
other worker's (measured: the labelled prompt sets took twice as long with them).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbench import OPERATOR, Workbench, open_workbench
from workbench.config import Settings
from workbench.demo import seed_demo
from workbench.filelock import exclusive

from tests.helpers import ENGINES, schema_url

POSTGRES_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
POSTGRES_REQUIRED = os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1" or bool(os.environ.get("CI"))
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before any test imports torch (the workbench imports it lazily)


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
    return schema_url(request.getfixturevalue("postgres_database"))


@pytest.fixture(scope="session")
def migrated_sqlite(run_shared_dir) -> Path:
    """An empty SQLite database at the migrations' head, made once a run by the migrations themselves;
    the `wb` fixture starts from a copy (tests of the migrations use `database_url`, which is empty)."""
    template = run_shared_dir / "migrated.db"
    with exclusive(run_shared_dir / "migrated.lock"):
        if not template.exists():
            building = run_shared_dir / "migrating.db"
            building.unlink(missing_ok=True)
            open_workbench(f"sqlite:///{building}", data_dir=run_shared_dir / "migrating").close()
            building.rename(template)
    return template


@pytest.fixture
def wb(database_url, tmp_path, migrated_sqlite) -> Workbench:
    """A workbench whose queue runs each job at once in this process (tests of the real worker
    start one explicitly)."""
    if database_url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite, database_url.removeprefix("sqlite:///"))
    # no decision is sampled for quality review unless a test asks (tests/db/test_review_quality.py)
    settings = Settings(data_dir=tmp_path / "data", queue_url="immediate", review_qa_share=0.0)
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


_GROUP_NOT_HONOURED = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under `--dist loadgroup` each xdist worker tags the tests of an xdist_group in their node ids,
    and the scheduler keeps a tagged group on one worker. A pytest / xdist pair that loses the tag
    (pytest 9.2 with xdist 3.8) splits every group silently: module fixtures built on both workers,
    browser tests side by side. Such tests fail at setup, saying why, rather than run that way."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and not item.nodeid.endswith("@" + "_".join(groups)):
            item.stash[_GROUP_NOT_HONOURED] = (
                f"xdist_group({', '.join(groups)}) is not honoured by this pytest / pytest-xdist pair (the node id "
                "lacks its group tag): install the versions pinned in pyproject.toml")


def pytest_runtest_setup(item):
    if _GROUP_NOT_HONOURED in item.stash:
        pytest.fail(item.stash[_GROUP_NOT_HONOURED], pytrace=False)


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
def run_shared_dir(tmp_path_factory, worker_id) -> Path:
    """A folder every xdist worker of this test run shares (for deterministic artefacts that are slow
    to make, such as the small deepfake benchmark: concurrent builders write identical files atomically)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base if worker_id == "master" else base.parent) / "shared"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def demo_world(run_shared_dir):
    """copy(folder, clips=8): a seeded demo world's data folder (SQLite file, media, signing keys)
    copied into folder. Each world is seeded once a run, by whichever worker asks first, for the tests
    that need a world but are not about making one (tests/db/test_demo.py and the CLI's seed tests
    seed for real)."""
    def copy(folder: Path, clips: int = 8) -> Path:
        template = run_shared_dir / f"demo-world-{clips}"
        with exclusive(run_shared_dir / f"demo-world-{clips}.lock"):
            if not template.exists():
                building = run_shared_dir / f".demo-world-{clips}.building"
                shutil.rmtree(building, ignore_errors=True)
                world = open_workbench(data_dir=building)
                seed_demo(world, clips=clips, workers=1)
                world.close()
                building.rename(template)
        shutil.copytree(template, folder, dirs_exist_ok=True)
        return folder

    return copy


@pytest.fixture(scope="session")
def enrollment_clips(run_shared_dir):
    """make(path, challenge, **options): enrollment_clip's file at path, rendered once a run for each
    script (the challenge's moves and digits and the options; the clip does not depend on the rest)."""
    from workbench.faces.synthetic_enrollment import enrollment_clip

    folder = run_shared_dir / "enrollment-clips"
    folder.mkdir(exist_ok=True)

    def make(path: Path, challenge, **options) -> Path:
        script = json.dumps([challenge.moves, challenge.digits, sorted(options.items())], default=str)
        cached = folder / f"{hashlib.sha256(script.encode()).hexdigest()[:24]}.mp4"
        with exclusive(folder / ".lock"):
            if not cached.exists():
                enrollment_clip(folder / "rendering.mp4", challenge, **options).replace(cached)
        shutil.copyfile(cached, path)
        return Path(path)

    return make
