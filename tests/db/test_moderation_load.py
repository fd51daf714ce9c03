"""The acceptance load test: reviewer processes working one queue of 2,000 cases at once (8 on
PostgreSQL, 4 on SQLite). Every case is decided exactly once, none is lost, and no reviewer ever
finds a case they claimed held or decided by someone else. The work is done by
benchmarks/bench_moderation.py (the same harness that measures throughput); this test checks its
report and then the database itself."""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from workbench import open_workbench
from workbench.store.models import AuditEntry, CaseStatus, ModerationCase, Notification, Video, VideoStatus

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("load")]

HARNESS = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_moderation.py"
CASES = 2000
REVIEWERS = {"sqlite": 4, "postgresql": 8}


def test_concurrent_reviewers_decide_every_case_exactly_once(database_url, tmp_path):
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    run = subprocess.run([sys.executable, str(HARNESS), "--database-url", database_url, "--data-dir", str(tmp_path),
                          "--cases", str(CASES), "--reviewers", str(REVIEWERS[engine]), "--ids"],
                         capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and report["conflicts"] == 0
    assert (report["decided"], report["decided_twice"], report["never_decided"]) == (CASES, 0, 0)
    assert len(report["per_reviewer"]) == REVIEWERS[engine]
    assert sum(1 for count in report["per_reviewer"].values() if count > 0) >= 2  # the work was really shared

    wb = open_workbench(database_url, data_dir=tmp_path)
    try:
        with wb.transaction() as session:
            statuses = Counter(session.scalars(select(ModerationCase.status)))
            assert statuses == {CaseStatus.DECIDED: CASES}
            decided_ids = set(session.scalars(select(ModerationCase.id)))
            assert set(report["decided_ids"]) == decided_ids
            decisions = Counter(session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "case.decide")))
            assert set(decisions) == decided_ids and set(decisions.values()) == {1}
            claims = Counter(session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "case.claim")))
            assert set(claims.values()) == {1}  # no case was claimed twice (no lease ran out here)
            # each decision had its effect once: a quarter removed (case id % 4 == 1), one notice each
            removed = session.scalar(select(func.count()).select_from(Video).where(Video.status == VideoStatus.REMOVED))
            assert removed == sum(1 for case_id in decided_ids if case_id % 4 == 1)
            assert session.scalar(select(func.count()).select_from(Notification)) == CASES
    finally:
        wb.close()
