"""Where a For You call spends its time: per SQL statement, in Python, and in the garbage collector.

Run: .venv/bin/python benchmarks/profile_feed.py [--database-url URL] [--users 10000] [--clips 100000]
     [--follows 100] [--samples 200]
(default: a fresh SQLite file in a temporary folder; for PostgreSQL pass an empty database's URL).

Builds bench_feed.py's world, then calls `wb.feed.page(user, "for_you", limit=20)` for `--samples`
random users and reports:
- each statement of a call (in order, by the SQL's first words): its median and p99 time over the
  calls, from SQLAlchemy's cursor events, and its share of the call;
- the garbage collector's pauses (gc.callbacks): how many calls a collection fell in, and how much of
  their time it took; the calls above the p95, with and without a collection in them;
- a cProfile of the five slowest calls, replayed (the top functions by cumulative time);
- on PostgreSQL, `EXPLAIN (ANALYZE, BUFFERS)` of every statement of one call (the slowest user's).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_feed import built_world, percentile, world_handles, world_options  # noqa: E402
from sqlalchemy import event  # noqa: E402

from workbench.store.models import utcnow  # noqa: E402


class StatementClock:
    """Times each statement the engine runs while `calls` is being recorded."""

    def __init__(self, engine) -> None:
        self.current: list[tuple[str, float, str, object]] | None = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.current is not None:
            elapsed = (time.perf_counter() - conn.info.pop("started")) * 1000
            self.current.append((label(statement), elapsed, statement, parameters))


def label(statement: str) -> str:
    """A statement's short name: its verb and first table."""
    words = " ".join(statement.split()).split(" ")
    verb = words[0].upper()
    table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO", "UPDATE")), "")
    return f"{verb} {table}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    world_options(parser, samples=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wb, url, _ = built_world(args, Path(scratch))
        adults = world_handles(wb, teens=False)
        sample = random.Random(3).sample(adults, k=min(args.samples, len(adults)))
        clock = StatementClock(wb.engine)
        pauses: list[float] = []
        gc_started = [0.0]

        def on_gc(phase: str, info: dict) -> None:
            if phase == "start":
                gc_started[0] = time.perf_counter()
            else:
                pauses.append((time.perf_counter() - gc_started[0]) * 1000)

        wb.feed.page(sample.pop(), "for_you", limit=20)  # warm-up (that person's ranking is now kept)
        gc.callbacks.append(on_gc)
        calls = []
        for handle in sample:
            clock.current, before = [], len(pauses)
            started = time.perf_counter()
            wb.feed.page(handle, "for_you", limit=20)
            total = (time.perf_counter() - started) * 1000
            calls.append({"handle": handle, "ms": total, "statements": clock.current, "gc_ms": sum(pauses[before:])})
        gc.callbacks.remove(on_gc)
        clock.current = None
        engine = url.split(":", 1)[0]
        totals = [c["ms"] for c in calls]
        print(f"# For You on {engine}: {args.users} users, {args.clips} clips, {len(calls)} calls\n")
        print(f"call: p50 {statistics.median(totals):.1f} ms, p95 {percentile(totals, 0.95):.1f}, "
              f"p99 {percentile(totals, 0.99):.1f}, max {max(totals):.1f}")
        sql = [sum(s[1] for s in c["statements"]) for c in calls]
        print(f"SQL per call: p50 {statistics.median(sql):.1f} ms; statements per call: "
              f"{statistics.median(len(c['statements']) for c in calls):.0f}\n")
        print("| # | statement | p50 ms | p99 ms | share of call (p50) |\n|---|---|---|---|---|")
        width = min(len(c["statements"]) for c in calls)
        for index in range(width):
            times = [c["statements"][index][1] for c in calls]
            print(f"| {index + 1} | {calls[0]['statements'][index][0]} | {statistics.median(times):.2f} | "
                  f"{percentile(times, 0.99):.2f} | {statistics.median(times) / statistics.median(totals):.0%} |")
        slow_at = percentile(totals, 0.95)
        slow = [c for c in calls if c["ms"] >= slow_at]
        with_gc = [c for c in calls if c["gc_ms"] > 0]
        print(f"\ngarbage collector: {len(pauses)} collections, {sum(pauses):.0f} ms in all, longest "
              f"{max(pauses, default=0):.1f} ms; in {len(with_gc)} of {len(calls)} calls")
        print(f"calls at or above p95 ({slow_at:.1f} ms): {len(slow)}; with a collection in them: "
              f"{sum(1 for c in slow if c['gc_ms'] > 0)}; their collections' time: "
              + ", ".join(f"{c['gc_ms']:.0f}/{c['ms']:.0f} ms" for c in slow))
        for c in slow:
            worst = max(c["statements"], key=lambda s: s[1])
            print(f"  {c['handle']}: {c['ms']:.0f} ms, SQL {sum(s[1] for s in c['statements']):.0f} ms, "
                  f"slowest statement {worst[0]} {worst[1]:.0f} ms")
        profiler = cProfile.Profile()
        for c in sorted(calls, key=lambda c: -c["ms"])[:5]:
            profiler.enable()
            wb.feed.page(c["handle"], "for_you", limit=20, now=utcnow())  # a fixed moment: ranked afresh, not kept
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print("\n## cProfile of the five slowest calls, replayed\n")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
        if engine.startswith("postgresql"):
            worst = max(calls, key=lambda c: c["ms"])
            print(f"\n## EXPLAIN (ANALYZE, BUFFERS) of each statement of {worst['handle']}'s call\n")
            with wb.engine.connect() as connection:
                cursor_conn = connection.connection.driver_connection
                for name, _, statement, parameters in worst["statements"]:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    with cursor_conn.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                        plan = [row[0] for row in cursor.fetchall()]
                    print(f"### {name}\n" + "\n".join(plan[:25]) + "\n")
        wb.close()


if __name__ == "__main__":
    main()
