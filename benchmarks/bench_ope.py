"""Off-policy evaluation against the truth: logs of connection-first exploring (epsilon 0.3), each
estimator's estimate of popularity's completion rate with its 95 % interval, and popularity's own
run on the same people and seed, over 10 seeds, for a one-day and a longer horizon.

Run: .venv/bin/python benchmarks/bench_ope.py [--users 4000] [--days 1 3] [--seeds 10]
Prints a markdown table and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench.simulation import SimulationConfig, simulate  # noqa: E402
from workbench.simulation.off_policy import evaluate  # noqa: E402

ESTIMATORS = ("ips", "snips", "dr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=4000)
    parser.add_argument("--days", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--exploration", type=float, default=0.3)
    args = parser.parse_args()
    rows = []
    for days in args.days:
        for seed in range(args.seeds):
            with tempfile.TemporaryDirectory() as logs:
                simulate(SimulationConfig(users=args.users, days=days, seed=seed, exploration=args.exploration,
                                          target_policies=("popularity",)), out=logs)
                truth = float(simulate(SimulationConfig(users=args.users, days=days, seed=seed, policy="popularity"))
                              .views["completed"].mean())
                for estimator in ESTIMATORS:
                    e = evaluate(logs, "popularity", estimator=estimator, seed=seed)
                    rows.append({"days": days, "seed": seed, "estimator": estimator, "estimate": e.estimate,
                                 "low": e.low, "high": e.high, "truth": truth, "covered": e.low <= truth <= e.high})
    print("| days | estimator | covered (of seeds) | mean width | mean error (estimate - truth) |\n|---|---|---|---|---|")
    for days in args.days:
        for estimator in ESTIMATORS:
            mine = [r for r in rows if r["days"] == days and r["estimator"] == estimator]
            print(f"| {days} | {estimator} | {sum(r['covered'] for r in mine)} of {len(mine)} | "
                  f"{sum(r['high'] - r['low'] for r in mine) / len(mine):.3f} | "
                  f"{sum(r['estimate'] - r['truth'] for r in mine) / len(mine):+.3f} |")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
