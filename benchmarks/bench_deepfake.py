"""Deepfake detection on the shipped benchmark: how long each stage takes, and the headline figures.

    .venv/bin/python benchmarks/bench_deepfake.py [--clips 10] [--workers 2] [--frames 8] [--fresh]

Builds the shipped benchmark (or finds it under the data folder), extracts face tracks, runs the
evaluation protocol, and prints the time of each stage and a table of video-level AUC per detector,
protocol and method. --fresh builds everything in a new temporary folder, so the times include the
rendering and the tracks (otherwise cached ones are reused). The full report is what
`workbench detect eval --json` prints.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from workbench.config import Settings
from workbench.safety.deepfake.benchmark import BenchmarkConfig
from workbench.safety.deepfake.evaluation import evaluate
from workbench.safety.deepfake.harness import shipped_benchmark, with_tracks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="build in a new temporary folder")
    args = parser.parse_args()
    settings = Settings()
    if args.fresh:
        folder = Path(tempfile.mkdtemp(prefix="bench-deepfake-"))
        settings = Settings(data_dir=folder, face_model_root=settings.resolved_face_model_root())
    config = BenchmarkConfig(clips_per_person=args.clips, seed=args.seed)

    start = time.perf_counter()
    videos = shipped_benchmark(config, settings=settings, workers=args.workers)
    built = time.perf_counter()
    data = with_tracks(videos, settings=settings, frames=args.frames, workers=args.workers)
    tracked = time.perf_counter()
    report = evaluate(data, dataset="shipped")
    evaluated = time.perf_counter()

    print(f"videos: {len(videos)} ({report['videos']['by_method']}), train {report['videos']['train']}, "
          f"test {report['videos']['test']}, without a face {report['videos']['without_face']}")
    print(f"build: {built - start:.1f} s ({(built - start) / len(videos):.2f} s a clip, {args.workers} workers)")
    print(f"tracks: {tracked - built:.1f} s ({(tracked - built) / len(videos):.2f} s a video, {args.frames} frames, "
          f"{args.workers} workers)")
    print(f"evaluation (features, {len(report['results'])} fits and tests): {evaluated - tracked:.1f} s")
    print()
    methods = sorted({r["tested_on"] for r in report["results"]} - {"all"})
    print(f"{'detector':<10} {'protocol':<13} " + " ".join(f"{m:>12}" for m in methods) + f" {'all':>8}"
          + "   (video AUC; frame AUC in brackets for all)")
    for detector in sorted({r["detector"] for r in report["results"]}):
        for protocol in ("in_method", "cross_method", "all_methods"):
            rows = {r["tested_on"]: r for r in report["results"] if r["detector"] == detector and r["protocol"] == protocol}
            if not rows:
                continue
            cells = " ".join(f"{rows[m]['video']['auc']:>12.3f}" if m in rows else f"{'':>12}" for m in methods)
            every = rows.get("all")
            tail = f" {every['video']['auc']:>8.3f} ({every['frame']['auc']:.3f})" if every else ""
            print(f"{detector:<10} {protocol:<13} {cells}{tail}")
    print()
    for detector, figures in report["summary"].items():
        print(f"{detector}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
