"""The simulator at scale: people x days, wall time, views per second and peak memory.

Run: .venv/bin/python benchmarks/bench_simulation.py [--users 100000] [--days 30] [--policy connection_first]
     .venv/bin/python benchmarks/bench_simulation.py --scale   (10k, 30k, 100k, 300k people x 30 days
                                                                and 1M x 7, each in its own process)
A run writes its logs to a temporary folder (one Parquet file of views per day) and counts the views
with DuckDB, as a notebook would read them. Prints one line per run and, last, one JSON line (with
--scale, a markdown table before it).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

SCALE = [(10_000, 30), (30_000, 30), (100_000, 30), (300_000, 30), (1_000_000, 7)]


def one_run(users: int, days: int, policy: str, seed: int) -> dict:
    from workbench.simulation import SimulationConfig, simulate

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run = simulate(SimulationConfig(users=users, days=days, policy=policy, seed=seed), out=folder)
        seconds = time.perf_counter() - started
        views, clips, follows = run.count("views"), run.count("clips"), run.count("follows")
    return {"users": users, "days": days, "policy": policy, "seconds": round(seconds, 1), "views": views,
            "clips": clips, "follows": follows, "views_per_s": round(views / seconds),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--policy", default="connection_first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", action="store_true", help="the scaling table, one process per size")
    args = parser.parse_args()
    if not args.scale:
        result = one_run(args.users, args.days, args.policy, args.seed)
        print(f"{args.users} users x {args.days} days ({args.policy}): {result['seconds']:.0f} s, {result['views']:,} views, "
              f"{result['clips']:,} clips, {result['views_per_s']:,} views/s, peak {result['peak_rss_mb']} MB")
        print(json.dumps(result))
        return
    rows = []
    for users, days in SCALE:
        output = subprocess.run([sys.executable, __file__, "--users", str(users), "--days", str(days),
                                 "--policy", args.policy, "--seed", str(args.seed)],
                                capture_output=True, text=True, check=True).stdout.splitlines()
        print(output[0], flush=True)
        rows.append(json.loads(output[-1]))
    print("| people | days | seconds | views | views/s | peak memory (MB) |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['users']:,} | {r['days']} | {r['seconds']} | {r['views']:,} | {r['views_per_s']:,} | {r['peak_rss_mb']:,} |")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
