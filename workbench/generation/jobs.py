"""The job queue. huey carries job ids between processes; the database holds each job's state,
progress and heartbeat, so the app can show progress and a lost job can be found and retried.

Storage: a SQLite file by default (one machine), Redis when the URL says so (workers on other
machines, e.g. GPU boxes, take the same jobs), or "immediate" (each job runs inside the call that
submits it; tests and notebooks without a worker).
"""
from __future__ import annotations

from pathlib import Path

#: how often the worker looks for lost jobs (huey's periodic tasks run at most once a minute)
RECOVERY_CRONTAB = {"minute": "*"}


class JobQueue:
    """Queues render jobs for the clip service; `run_worker` is the consumer side."""

    def __init__(self, clips, url: str, data_dir: Path, stale_after_s: float) -> None:
        """`clips`: the ClipService whose run_job renders a job and whose recover_stale_jobs finds lost ones."""
        from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

        if url.startswith("redis://"):
            self.huey = RedisHuey("workbench", url=url)
        elif url == "immediate":
            self.huey = MemoryHuey("workbench", immediate=True)
        elif url:
            raise ValueError(f"unknown queue URL {url!r}: use a redis:// URL, 'immediate', or nothing for SQLite")
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey("workbench", filename=str(data_dir / "queue.db"))
        self.url = url
        self._render = self.huey.task(name="render_job")(clips.run_job)

        def recover() -> dict:
            return clips.recover_stale_jobs(stale_after_s)

        self.huey.periodic_task(crontab(**RECOVERY_CRONTAB), name="recover_stale_jobs")(recover)
        self.huey.on_startup(name="recover_on_start")(recover)

    def enqueue(self, job_id: int) -> None:
        self._render(job_id)

    def run_worker(self, workers: int = 1) -> None:
        """Take jobs until interrupted (SIGINT or SIGTERM)."""
        from huey.consumer import Consumer

        Consumer(self.huey, workers=workers, worker_type="thread").run()
