"""True-accept and false-accept rates of the liveness checks on synthetic enrollment clips, and what
the analysis costs per sampled frame.

Run: .venv/bin/python benchmarks/bench_liveness.py [--n 4] [--det-size 320]
Fixtures only: synthetic people (faces.synthetic_person), head turns by warping, blinks painted, digits
spoken by espeak-ng in several voices (synthetic_enrollment). N live enrollments (different people,
random challenges, voices) and N of each attack. Prints per-check failure counts, the rates, and, last,
one JSON line for scripts to collect.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench.faces.challenge import new_challenge  # noqa: E402
from workbench.faces.engine import FaceEngine, build_default_model_pack  # noqa: E402
from workbench.faces.liveness import check_liveness  # noqa: E402
from workbench.faces.synthetic_enrollment import ATTACKS, VOICES, enrollment_clip  # noqa: E402

PEOPLE = (0, 5, 4, 10, 7, 8, 9, 2, 14)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--det-size", type=int, default=320)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        build_default_model_pack(root)
        engine = FaceEngine(root, det_size=(args.det_size, args.det_size))
        stats: dict = {}
        frames = seconds = 0
        for attack in ATTACKS:
            label = attack or "live"
            passed, failures = 0, Counter()
            for i in range(args.n):
                challenge = new_challenge()
                person = PEOPLE[i % len(PEOPLE)]
                path = enrollment_clip(root / f"{label}-{i}.mp4", challenge, person, attack=attack, seed=i,
                                       voice=VOICES[i % len(VOICES)])
                started = time.perf_counter()
                result = check_liveness(path, challenge, engine)
                seconds += time.perf_counter() - started
                frames += next(c.evidence.get("sampled_frames", 0) for c in result.checks if c.name == "one_face")
                passed += result.passed
                failures.update(result.failed)
                heard = next(c.evidence for c in result.checks if c.name == "digits_heard")
                print(f"{label:22s} person {person:2d} voice {VOICES[i % len(VOICES)]:12s} "
                      f"digits {challenge.digits}/{heard.get('heard', '-'):7s} passed={result.passed} "
                      f"failed={result.failed}", flush=True)
            stats[label] = {"n": args.n, "passed": passed, "rate": round(passed / args.n, 3),
                            "failed_checks": dict(failures)}
        attacks = [label for label in stats if label != "live"]
        summary = {
            "n": args.n, "det_size": args.det_size,
            "true_accept_rate": stats["live"]["rate"],
            "false_accept_rate": {label: stats[label]["rate"] for label in attacks},
            "false_accept_rate_overall": round(sum(stats[a]["passed"] for a in attacks) / (args.n * len(attacks)), 3),
            "ms_per_frame": round(1000 * seconds / max(frames, 1), 1),
            "failed_checks": {label: stats[label]["failed_checks"] for label in stats},
        }
        print(f"true-accept rate (live passing): {summary['true_accept_rate']:.0%} of {args.n}")
        for label in attacks:
            print(f"false-accept rate {label:22s}: {stats[label]['rate']:.0%}  (failed: {stats[label]['failed_checks']})")
        print(f"false-accept rate overall: {summary['false_accept_rate_overall']:.0%}; "
              f"analysis {summary['ms_per_frame']} ms per sampled frame (12 fps sampling, det_size {args.det_size})")
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
