"""Time building the demo world and serving its feed.

Prints the seconds to seed the default 100-clip world into an empty SQLite database, then p50 and
p99 of a 20-item For You and Following page for every persona. Usage:

    .venv/bin/python benchmarks/bench_demo.py [--clips 100] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from workbench import open_workbench
from workbench.demo import seed_demo


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="render threads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        wb = open_workbench(f"sqlite:///{Path(folder) / 'bench.db'}", data_dir=folder)
        started = time.perf_counter()
        counts = seed_demo(wb, clips=args.clips, workers=args.workers)
        seed_s = time.perf_counter() - started

        result = {"benchmark": "demo", "clips": counts["clips"], "workers": args.workers, "seed_s": round(seed_s, 2)}
        handles = [u.handle for u in wb.users.list()]
        for tab in ("for_you", "following"):
            timings = []
            for _ in range(5):
                for handle in handles:
                    started = time.perf_counter()
                    wb.feed.page(handle, tab, limit=20)
                    timings.append((time.perf_counter() - started) * 1000)
            result[f"{tab}_p50_ms"] = round(statistics.median(timings), 2)
            result[f"{tab}_p99_ms"] = round(percentile(timings, 0.99), 2)
        wb.close()

    print(f"seeded {result['clips']} clips with {args.workers} render threads in {result['seed_s']} s")
    for tab in ("for_you", "following"):
        print(f"{tab:10s} page of 20: p50 {result[f'{tab}_p50_ms']} ms, p99 {result[f'{tab}_p99_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
