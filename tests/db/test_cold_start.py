"""Four fresh processes remixing at the same moment on one SQLite file: each loads its models (the
sentence model, the face engine, the detectors) cold, and none of that happens under the database's
write lock, so every remix succeeds (a model loaded inside a transaction held the lock for ~9 s
and one of four failed with `database is locked`)."""
import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from workbench import OPERATOR, open_workbench
from workbench.config import Settings
from workbench.store.models import Video

pytestmark = pytest.mark.xdist_group("jobs")

REMIXER = """
import json, os, sys, time
from workbench import OPERATOR, open_workbench
wb = open_workbench()
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.01)
started = time.monotonic()
clip = wb.clips.remix(sys.argv[2], int(sys.argv[3]), "the same scene as a watercolor painting at night",
                      seed=int(sys.argv[4]), duration_s=1.0)
print(json.dumps({"id": clip.id, "seconds": round(time.monotonic() - started, 1)}))
"""


def test_four_cold_processes_remix_at_once_on_sqlite(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", queue_url="immediate")
    wb = open_workbench(settings=settings)
    handles = ["ana", "ben", "cy", "dee"]
    for handle in handles:
        wb.users.create(None, handle)
    # a registry entry with a description: every prompt check compares it with the sentence model
    wb.users.create(OPERATOR, "holly", role="rights_holder")
    wb.rights.add_opt_out("holly", "Pikachu", description="a small yellow electric mouse with red cheeks")
    parent = wb.clips.create("ana", "a red kite over a beach", seed=1, duration_s=1.0)
    wb.videos.publish("ana", parent.id)
    wb.close()

    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_")}
    # a writer waits at most 10 s for the lock: a model loaded under it (~9 s on its own, more beside
    # three other cold processes) makes the others fail; transactions that hold it for milliseconds do not
    env.update(WORKBENCH_DATA_DIR=str(settings.data_dir), WORKBENCH_QUEUE_URL="immediate",
               WORKBENCH_SQLITE_BUSY_TIMEOUT_S="10")
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", REMIXER, str(go), handle, str(parent.id), str(seed)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed, handle in enumerate(handles)]
    time.sleep(2.0)  # each has imported and opened the workbench; none has loaded a model
    go.touch()
    outcomes = [process.communicate(timeout=600) for process in processes]

    failures = [err[-2000:] for (out, err), process in zip(outcomes, processes) if process.returncode != 0]
    assert failures == []
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outcomes]
    print("remix seconds, cold:", [report["seconds"] for report in reports])
    made = [report["id"] for report in reports]
    assert len(set(made)) == 4
    wb = open_workbench(settings=settings)
    with wb.transaction() as session:
        assert set(session.scalars(select(Video.id).where(Video.remix_parent_id == parent.id))) == set(made)
    wb.close()
