"""Four fresh processes remixing at the same moment on one SQLite file: each loads its models (the
sentence model, the face engine, the detectors) cold, and none of that happens under the database's
write lock, so every remix succeeds. A writer waits at most 10 s for the lock here: a model loaded
inside a transaction (~9 s alone, more beside three other cold processes) made the others fail with
`database is locked`; transactions that hold the lock for milliseconds do not. The work is done by
benchmarks/bench_cold_start.py; this test checks its report and the database."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from workbench import open_workbench
from workbench.config import Settings
from workbench.store.models import Video

pytestmark = pytest.mark.xdist_group("jobs")

HARNESS = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_cold_start.py"


def test_four_cold_processes_remix_at_once_on_sqlite(tmp_path):
    run = subprocess.run([sys.executable, str(HARNESS), "--processes", "4", "--busy-timeout", "10",
                          "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["failed"] == 0, report["outcomes"]
    made = {outcome["id"] for outcome in report["outcomes"]}
    wb = open_workbench(settings=Settings(data_dir=tmp_path, queue_url="immediate"))
    with wb.transaction() as session:
        assert set(session.scalars(select(Video.id).where(Video.remix_parent_id == report["parent_id"]))) == made
    wb.close()
    assert len(made) == 4
