"""The review queue under load: many reviewer processes working one queue at once.

Run: .venv/bin/python benchmarks/bench_moderation.py [--database-url URL] [--cases 2000] [--reviewers 4]
(default: a fresh SQLite file in a temporary folder). It seeds one author, `--reviewers` reviewer
accounts, `--cases` published clips (rows sharing one real rendered file and its fingerprint) each
with an open report case of a seeded random severity, then starts one OS process per reviewer.
Each process opens its own Workbench on the same database and loops claim -> look (`--think-ms`)
-> decide until nothing is left to claim; the decision depends on the case id (keep, remove, label as AI, age-restrict).
The processes start together (each says when it is ready; all then begin at one signal).

Prints one JSON line: how many cases were decided, by whom, how many were decided twice or never
(both must be 0), errors, wall time and throughput, and claim/decide latency percentiles.
tests/db/test_moderation_load.py runs this with 8 reviewers on PostgreSQL and 4 on SQLite and
checks the database itself.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench import OPERATOR, Conflict, open_workbench  # noqa: E402
from workbench.config import Settings  # noqa: E402
from workbench.safety.evidence import Evidence, ReportEntry

DECISIONS = ("keep", "remove", "label_ai", "age_restrict")


def seed(url: str, data_dir: Path, cases: int, reviewers: int, rng_seed: int = 7) -> list[int]:
    """Reviewers rev0..revN-1, an author, and `cases` open report cases, one per published clip."""
    from sqlalchemy import insert, select

    from workbench.store.models import (
        CaseSource,
        ModerationCase,
        Video,
        VideoFingerprint,
        VideoStatus,
        utcnow,
    )

    wb = open_workbench(url, data_dir=data_dir, settings=Settings(data_dir=data_dir, queue_url="immediate"))
    try:
        for i in range(reviewers):
            wb.users.create(OPERATOR, f"rev{i}", role="reviewer")
        wb.users.create(OPERATOR, "author")
        template = wb.clips.create("author", "a cat juggling oranges", seed=1, duration_s=1.0, publish=True)
        rng = random.Random(rng_seed)
        with wb.transaction() as session:
            row = session.get(Video, template.id)
            fingerprint = session.get(VideoFingerprint, template.id).frame_hashes
            columns = {c.key: getattr(row, c.key) for c in Video.__table__.columns if c.key not in ("id", "remix_root_id")}
            now = utcnow()
            session.execute(insert(Video), [{**columns, "caption": f"clip {i}", "status": VideoStatus.PUBLISHED,
                                             "published_at": now} for i in range(cases)])
            ids = list(session.scalars(select(Video.id).where(Video.id != template.id).order_by(Video.id)))
            session.execute(insert(VideoFingerprint), [{"video_id": i, "frame_hashes": fingerprint} for i in ids])
            session.execute(insert(ModerationCase), [
                {"video_id": i, "source": CaseSource.REPORT, "severity": round(rng.random(), 3),
                 "signals": Evidence(reports=(ReportEntry("spam", "author"),)).to_json(),
                 "opened_at": now} for i in ids])
            return list(session.scalars(select(ModerationCase.id).order_by(ModerationCase.id)))
    finally:
        wb.close()


def work(url: str, data_dir: Path, handle: str, go: Path, think_ms: float) -> dict:
    """One reviewer: claim, look at the case for `think_ms`, decide, repeat until nothing is left."""
    # the queue itself under load: no decision is sampled for a second, blind review
    wb = open_workbench(url, data_dir=data_dir, settings=Settings(data_dir=data_dir, queue_url="immediate",
                                                                  review_qa_share=0.0))
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    decided, conflicts, claim_s, decide_s = [], 0, [], []
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        case = wb.moderation.claim(handle)
        t1 = time.perf_counter()
        claim_s.append(t1 - t0)
        if case is None:
            break
        time.sleep(think_ms / 1000)
        t1 = time.perf_counter()
        try:
            wb.moderation.decide(handle, case.id, DECISIONS[case.id % len(DECISIONS)], "load test")
        except Conflict:
            conflicts += 1  # would mean someone else held or decided the case this reviewer claimed
            continue
        decide_s.append(time.perf_counter() - t1)
        decided.append(case.id)
    wb.close()
    return {"reviewer": handle, "decided": decided, "conflicts": conflicts, "seconds": time.perf_counter() - started,
            "claim_s": claim_s, "decide_s": decide_s}


def run(url: str, data_dir: Path, cases: int, reviewers: int, think_ms: float = 1.0) -> dict:
    case_ids = seed(url, data_dir, cases, reviewers)
    go = data_dir / "go"
    processes = [subprocess.Popen([sys.executable, __file__, "--worker", f"rev{i}", "--database-url", url,
                                   "--data-dir", str(data_dir), "--go", str(go), "--think-ms", str(think_ms)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(reviewers)]
    for process in processes:  # every reviewer has opened the database before any starts
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a reviewer process failed to start: {process.communicate()[1][-2000:]}")
    started = time.perf_counter()
    go.touch()
    results, errors = [], []
    for process in processes:
        out, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            errors.append(err[-2000:])
        else:
            results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - started
    decided = [case_id for result in results for case_id in result["decided"]]
    claims = sorted(s for result in results for s in result["claim_s"])
    decides = sorted(s for result in results for s in result["decide_s"])

    def ms(values, q):
        return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 1) if values else None

    return {
        "cases": len(case_ids), "reviewers": reviewers, "decided": len(decided),
        "decided_twice": len(decided) - len(set(decided)), "never_decided": len(set(case_ids) - set(decided)),
        "conflicts": sum(r["conflicts"] for r in results), "errors": errors,
        "per_reviewer": {r["reviewer"]: len(r["decided"]) for r in results},
        "decided_ids": sorted(decided), "wall_s": round(wall, 2),
        "cases_per_s": round(len(decided) / wall, 1) if wall else None,
        "claim_ms_p50": ms(claims, 0.5), "claim_ms_p99": ms(claims, 0.99),
        "decide_ms_p50": ms(decides, 0.5), "decide_ms_p99": ms(decides, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=4)
    parser.add_argument("--think-ms", type=float, default=1.0, help="time each reviewer spends on a case")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--go", help=argparse.SUPPRESS)
    parser.add_argument("--ids", action="store_true", help="include every decided case id in the output")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(work(args.database_url, Path(args.data_dir), args.worker, Path(args.go), args.think_ms)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(args.data_dir or scratch)
        url = args.database_url or f"sqlite:///{data_dir / 'workbench.db'}"
        result = run(url, data_dir, args.cases, args.reviewers, args.think_ms)
    if not args.ids:
        del result["decided_ids"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
