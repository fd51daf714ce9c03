"""The simulator at scale: people x days, wall time, views per second and peak memory.

Run: .venv/bin/python benchmarks/bench_simulation.py [--users 100000] [--days 30] [--policy connection_first]
Prints one line per run and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench.simulation import SimulationConfig, simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--policy", default="connection_first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    run = simulate(SimulationConfig(users=args.users, days=args.days, policy=args.policy, seed=args.seed))
    seconds = time.perf_counter() - started
    result = {"users": args.users, "days": args.days, "policy": args.policy, "seconds": round(seconds, 1),
              "views": len(run.views), "clips": len(run.clips), "follows": len(run.follows),
              "views_per_s": round(len(run.views) / seconds), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    print(f"{args.users} users x {args.days} days ({args.policy}): {seconds:.0f} s, {len(run.views):,} views, "
          f"{len(run.clips):,} clips, {result['views_per_s']:,} views/s, peak {result['peak_rss_mb']} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
