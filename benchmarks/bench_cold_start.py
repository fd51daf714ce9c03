"""Cold start: fresh processes remixing one clip at the same moment on one SQLite file.

Run: .venv/bin/python benchmarks/bench_cold_start.py [--processes 4] [--busy-timeout 10] [--data-dir DIR]
It seeds a database (a creator's published clip, and a rights-registry entry with a description, so
that every prompt check compares the prompt with the sentence model), then starts `--processes` OS
processes. Each opens the workbench, waits for one signal, and remixes the clip: its first prompt
check loads the sentence model, its output scan the face engine, the gallery and the detectors.
`--busy-timeout` is how long a writer waits for SQLite's lock (WORKBENCH_SQLITE_BUSY_TIMEOUT_S).

Prints one JSON line: each process's remix seconds (or its error's last line) and how many failed.
tests/db/test_cold_start.py runs this and requires that none fails.

`--first-create` instead times, in fresh processes on one seeded database, the first and the second
`create` of a process: once right after opening the workbench, once after its background warm-up
(what the app and workers start) has finished.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench import OPERATOR, open_workbench  # noqa: E402
from workbench.config import Settings  # noqa: E402

REMIXER = """
import json, os, sys, time
from workbench import open_workbench
wb = open_workbench()
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.01)
started = time.monotonic()
clip = wb.clips.remix(sys.argv[2], int(sys.argv[3]), "the same scene as a watercolor painting at night",
                      seed=int(sys.argv[4]), duration_s=1.0)
print(json.dumps({"id": clip.id, "seconds": round(time.monotonic() - started, 1)}))
"""


def seed(settings: Settings, handles: list[str]) -> int:
    """The creators, a rights holder's described entry, and the published clip to remix; its id."""
    wb = open_workbench(settings=settings)
    try:
        for handle in handles:
            wb.users.create(None, handle)
        wb.users.create(OPERATOR, "holly", role="rights_holder")
        wb.rights.add_opt_out("holly", "Pikachu", description="a small yellow electric mouse with red cheeks")
        parent = wb.clips.create(handles[0], "a red kite over a beach", seed=1, duration_s=1.0)
        wb.videos.publish(handles[0], parent.id)
        return parent.id
    finally:
        wb.close()


def remix_at_once(data_dir: Path, processes: int, busy_timeout_s: float) -> dict:
    settings = Settings(data_dir=data_dir, queue_url="immediate")
    handles = [f"creator{i}" for i in range(processes)]
    parent_id = seed(settings, handles)
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_")}
    env.update(WORKBENCH_DATA_DIR=str(data_dir), WORKBENCH_QUEUE_URL="immediate",
               WORKBENCH_SQLITE_BUSY_TIMEOUT_S=str(busy_timeout_s),
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))  # the remixers run this checkout's code
    go = data_dir / "go"
    started = [subprocess.Popen([sys.executable, "-c", REMIXER, str(go), handle, str(parent_id), str(number)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for number, handle in enumerate(handles)]
    time.sleep(2.0)  # each has imported and opened the workbench; none has loaded a model
    go.touch()
    outcomes = []
    for process in started:
        out, err = process.communicate(timeout=900)
        if process.returncode == 0:
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
        else:
            lines = [line for line in err.strip().splitlines() if line and not line.startswith("(Background")]
            outcomes.append({"error": (lines or ["(no output)"])[-1][-300:]})
    return {"processes": processes, "busy_timeout_s": busy_timeout_s, "parent_id": parent_id,
            "failed": sum("error" in outcome for outcome in outcomes), "outcomes": outcomes}


FIRST_CREATES = """
import json, sys, time
from workbench import open_workbench
wb = open_workbench()
if sys.argv[1] == "warm":
    wb.warm_up_in_background().join()
times = []
for seed in (11, 12):
    started = time.monotonic()
    wb.clips.create(sys.argv[2], "a red kite over a sunny beach at dawn", seed=seed, duration_s=4.0)
    times.append(round(time.monotonic() - started, 2))
print(json.dumps({"mode": sys.argv[1], "first_s": times[0], "second_s": times[1]}))
"""


def first_creates(data_dir: Path, rounds: int = 2) -> list[dict]:
    settings = Settings(data_dir=data_dir, queue_url="immediate")
    seed(settings, ["creator0"])
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_")}
    env.update(WORKBENCH_DATA_DIR=str(data_dir), WORKBENCH_QUEUE_URL="immediate",
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    runs = []
    for _ in range(rounds):
        for mode in ("cold", "warm"):
            done = subprocess.run([sys.executable, "-c", FIRST_CREATES, mode, "creator0"], env=env,
                                  capture_output=True, text=True, timeout=900, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--busy-timeout", type=float, default=10.0)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--first-create", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir or Path(folder)
        if args.first_create:
            print(json.dumps(first_creates(data_dir)))
        else:
            print(json.dumps(remix_at_once(data_dir, args.processes, args.busy_timeout)))


if __name__ == "__main__":
    main()
