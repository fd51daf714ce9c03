"""The job queue with a real worker process (huey on a SQLite file): jobs complete, progress lands
in the database, and a worker killed mid-job leaves the job retried or failed, never stuck."""
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import update

from tests.helpers import media_files
from workbench import open_workbench
from workbench.config import Settings
from workbench.generation.service import MAX_ATTEMPTS
from workbench.store.models import GenerationJob

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("jobs")]


@pytest.fixture
def queued(database_url, tmp_path):
    """A workbench whose queue is a huey SQLite file, and a way to start workers on it."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, media_dir=tmp_path / "media")
    wb = open_workbench(settings=settings)
    wb.users.create(None, "ana")
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_DATABASE_URL": database_url,
           "WORKBENCH_MEDIA_DIR": str(settings.media_dir)}
    env.pop("WORKBENCH_QUEUE_URL", None)
    workers = []

    def start_worker(**settings_env):
        process = subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker"], env={**env, **settings_env},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(process)
        return process

    yield wb, start_worker
    for process in workers:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
    wb.close()


def wait_for(condition, timeout=60.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(interval)
    return value


def test_a_worker_renders_queued_jobs(queued):
    wb, start_worker = queued
    job = wb.clips.submit("ana", "an otter juggling shells", seed=1, duration_s=2.0)
    assert job.status == "queued" and not job.done
    start_worker()
    done = wait_for(lambda: (j := wb.clips.job("ana", job.id)).done and j)
    assert done.status == "succeeded" and done.progress == 1.0 and done.attempts == 1
    clip = wb.videos.get("ana", done.video_id)
    assert clip.media_file.exists() and clip.status == "draft"


def test_a_killed_worker_leaves_the_job_retried_and_then_done(queued):
    wb, start_worker = queued
    job = wb.clips.submit("ana", "a long slow sunset over the sea", seed=2, duration_s=20.0)
    worker = start_worker()
    wait_for(lambda: wb.clips.job("ana", job.id).status == "running")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    stuck = wb.clips.job("ana", job.id)
    assert stuck.status == "running" and stuck.video_id is None

    recovered = wb.clips.recover_stale_jobs(stale_after_s=0, files_after_s=0)  # what workers do once it is stale
    assert recovered["retried"] == [job.id]
    assert not [p for p in media_files(wb.media_dir) if p.name.startswith(".")], "temporary files were left"
    assert wb.clips.job("ana", job.id).status == "queued"

    start_worker()
    done = wait_for(lambda: (j := wb.clips.job("ana", job.id)).done and j)
    assert done.status == "succeeded" and done.attempts == 2
    assert len(wb.videos.by_author("ana", "ana")) == 1


def test_a_job_that_keeps_losing_its_worker_fails_with_a_reason(queued):
    wb, _ = queued
    job = wb.clips.submit("ana", "never finishes", seed=3, duration_s=2.0)
    with wb.transaction() as session:  # as if MAX_ATTEMPTS workers had died on it
        session.execute(update(GenerationJob).where(GenerationJob.id == job.id)
                        .values(status="running", attempts=MAX_ATTEMPTS))
    assert wb.clips.recover_stale_jobs(stale_after_s=0)["failed"] == [job.id]
    failed = wb.clips.job("ana", job.id)
    assert failed.status == "failed" and "stopped responding" in failed.error
    assert wb.videos.by_author("ana", "ana") == [] and not media_files(wb.media_dir)


def test_only_the_requester_sees_a_job(queued):
    wb, _ = queued
    wb.users.create(None, "ben")
    job = wb.clips.submit("ana", "mine", seed=4, duration_s=2.0)
    with pytest.raises(Exception, match="no generation job"):
        wb.clips.job("ben", job.id)


def test_a_new_worker_recovers_a_dead_workers_job_by_itself(queued):
    wb, start_worker = queued
    job = wb.clips.submit("ana", "a long slow sunrise over the hills", seed=5, duration_s=20.0)
    worker = start_worker()
    wait_for(lambda: wb.clips.job("ana", job.id).status == "running")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(2.5)
    start_worker(WORKBENCH_JOB_STALE_AFTER_S="2")  # its start-up recovery finds the stale heartbeat
    done = wait_for(lambda: (j := wb.clips.job("ana", job.id)).done and j, timeout=90)
    assert done.status == "succeeded" and done.attempts == 2
    assert len(wb.videos.by_author("ana", "ana")) == 1


def test_a_superseded_attempt_drops_its_result(queued):
    """If recovery hands a job to another worker while the first is still rendering (a long pause,
    not a death), the first one's result is dropped: one job, one clip."""
    wb, _ = queued
    procedural = wb.clips.backends["procedural"]

    class SlowToReport:
        name = "slow"

        def generate(self, request, progress=None):
            clip = procedural.generate(request)
            wb.clips.recover_stale_jobs(stale_after_s=0)  # meanwhile, the job is judged lost and queued again
            return clip

    wb.clips.backends["slow"] = SlowToReport()
    job = wb.clips.submit("ana", "a pause", seed=6, duration_s=1.0, backend="slow")
    assert wb.clips.run_job(job.id) is None
    assert wb.clips.job("ana", job.id).status == "queued"
    assert not [p for p in media_files(wb.media_dir) if p.suffix == ".mp4"]
    wb.clips.backends["slow"] = procedural
    assert wb.clips.run_job(job.id).id and wb.clips.job("ana", job.id).status == "succeeded"
    assert len(wb.videos.by_author("ana", "ana")) == 1


#: runs the CLI in this process, killing it (SIGKILL, by its own PID: no cleanup runs) when the job reaches
#: a stage: on entering the function named, or on leaving it when the name ends in ":after"
KILLED_AT = """
import os, signal, sys, runpy, importlib
module_name, _, rest = sys.argv.pop(1).partition(":")
name, _, when = rest.partition(":")
owner, attribute = importlib.import_module(module_name), name
for part in name.split(".")[:-1]:
    owner, attribute = getattr(owner, part), name.split(".")[-1]
original = getattr(owner, attribute)
def killing(*args, **kwargs):
    if when == "after":
        original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
setattr(owner, attribute, killing)
runpy.run_module("workbench.cli", run_name="__main__")
"""
#: a job's stages, as the functions it is in: render, encode (the file written), sign (the signed copy
#: written, not yet named by its hash), scan (the clip stored, no row yet), store (its row written, not
#: yet committed)
STAGES = {
    "render": "workbench.media.procedural:ProceduralBackend.generate",
    "encode": "workbench.media.codec:_encode:after",
    "sign": "workbench.media.provenance:_sign:after",
    "scan": "workbench.safety.scan:OutputScanner.scan",
    "store": "workbench.generation.service:insert_video:after",
}


def files_and_rows_agree(wb) -> None:
    """Every clip row has its file, and every file in the media folder is a row's (issue 17, item 8)."""
    from sqlalchemy import select

    from workbench.store.models import Video

    with wb.transaction() as session:
        named = {wb.media_dir / path for path in session.scalars(select(Video.media_path))}
    assert all(path.exists() for path in named)
    assert media_files(wb.media_dir) == named, media_files(wb.media_dir) - named


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_worker_killed_at_any_stage_leaves_no_stuck_job_and_no_orphan(queued, stage):
    """A worker killed while signing left a temporary file; killed during the scan, a signed clip file no
    row named (issue 17, item 8)."""
    wb, _ = queued
    job = wb.clips.submit("ana", "a kite over a windy beach", seed=7, duration_s=1.0)
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(wb.settings.data_dir), "WORKBENCH_MEDIA_DIR": str(wb.media_dir),
           "WORKBENCH_DATABASE_URL": wb.settings.database_url}
    env.pop("WORKBENCH_QUEUE_URL", None)
    doomed = subprocess.run([sys.executable, "-c", KILLED_AT, STAGES[stage], "worker"], env=env, timeout=120,
                            capture_output=True)
    assert doomed.returncode == -signal.SIGKILL, doomed.stderr[-2000:]
    assert wb.clips.job("ana", job.id).status == "running"

    recovered = wb.clips.recover_stale_jobs(stale_after_s=0, files_after_s=0)
    assert recovered["retried"] == [job.id] and wb.videos.by_author("ana", "ana") == []
    files_and_rows_agree(wb)
    # the retried job runs to the end (here, as the next worker would: a real worker taking a recovered
    # job is test_a_new_worker_recovers_a_dead_workers_job_by_itself's)
    assert wb.clips.run_job(job.id) is not None
    done = wb.clips.job("ana", job.id)
    assert done.status == "succeeded" and done.attempts == 2 and len(wb.videos.by_author("ana", "ana")) == 1
    files_and_rows_agree(wb)


def test_an_inline_generate_killed_midway_is_failed_by_the_next_one(queued, tmp_path):
    """`workbench generate` (no worker) killed mid-job left its job running until a worker happened to
    start; the next inline run recovers it: failed with a reason, its files gone."""
    wb, _ = queued
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(wb.settings.data_dir), "WORKBENCH_MEDIA_DIR": str(wb.media_dir),
           "WORKBENCH_DATABASE_URL": wb.settings.database_url, "WORKBENCH_JOB_STALE_AFTER_S": "1"}
    env.pop("WORKBENCH_QUEUE_URL", None)
    killed = subprocess.run([sys.executable, "-c", KILLED_AT, STAGES["scan"], "generate", "--prompt", "a kite over the sea",
                             "--as", "ana", "--duration", "1"], env=env, timeout=120, capture_output=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    (stuck,) = wb.clips.jobs("ana")
    assert stuck.status == "running"
    time.sleep(1.5)
    again = subprocess.run([sys.executable, "-m", "workbench.cli", "generate", "--prompt", "a kite over the sea", "--as", "ana",
                            "--duration", "1", "--json"], env=env, timeout=120, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    failed = wb.clips.job("ana", stuck.id)
    assert failed.status == "failed" and "inline" in failed.error
    assert len(wb.videos.by_author("ana", "ana")) == 1
