"""The prompt policy on the labelled prompt sets: block recall, false blocks, per-category figures
and check latency once the models are loaded.

    .venv/bin/python benchmarks/bench_policy.py                 # dev and held-out sets
    .venv/bin/python benchmarks/bench_policy.py --errors        # also list every miss
    .venv/bin/python benchmarks/bench_policy.py --sweep         # how the thresholds were chosen (dev set)
    .venv/bin/python benchmarks/bench_policy.py --sweep-described  # the described-figure threshold (described_dev)
    .venv/bin/python benchmarks/bench_policy.py --sweep-evidence   # a subject's evidence (the described sets tuned on)
"""
from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

from workbench.embeddings import SentenceEmbedder
from workbench.safety.evaluation import (
    block_recall, by_category, exact_accuracy, false_block_rate, latency_ms, load_cases, load_registry, run_cases,
)
from workbench.safety.policy import PromptPolicy


#: the description sets the described-figure rules were chosen on (described_seventh was not)
DESCRIBED_TUNED = ("described_dev", "described_unseen", "described_fresh", "described_final", "described_last",
                   "described_sixth")


def fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


def report(name: str, outcomes, errors: bool) -> None:
    lat = latency_ms(outcomes)
    print(f"\n## {name}: {len(outcomes)} prompts\n")
    print(f"block recall **{fmt(block_recall(outcomes))}**, false-block rate on allows "
          f"**{fmt(false_block_rate(outcomes))}**, exact decision accuracy {fmt(exact_accuracy(outcomes))}, "
          f"check latency p50 **{lat['p50']:.2f} ms**, p99 {lat['p99']:.2f} ms\n")
    print("| category | cases | block precision | block recall | false-block rate | exact accuracy |")
    print("|---|---|---|---|---|---|")
    for category, row in by_category(outcomes).items():
        print(f"| {category} | {row['cases']} | {fmt(row['block_precision'])} | {fmt(row['block_recall'])} | "
              f"{fmt(row['false_block_rate'])} | {fmt(row['exact_accuracy'])} |")
    if errors:
        print()
        for o in outcomes:
            if o.decision != o.case.expected:
                print(f"- {o.case.id} [{o.case.category}/{o.case.profile.name}] expected {o.case.expected}, "
                      f"got {o.decision} {list(o.codes)}: {o.case.prompt!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["dev", "held_out"])
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--sweep-described", action="store_true")
    parser.add_argument("--sweep-evidence", action="store_true")
    args = parser.parse_args()
    embedder = SentenceEmbedder()
    registry = load_registry()
    if args.sweep:
        cases = load_cases("dev")
        print("| IP description threshold | restriction threshold | block recall | false-block rate |")
        print("|---|---|---|---|")
        for ip in (0.55, 0.6, 0.63, 0.66, 0.69, 0.72):
            for restriction in (0.35, 0.45, 0.55):
                policy = PromptPolicy(registry, embedder=embedder, ip_threshold=ip, restriction_threshold=restriction)
                outcomes = run_cases(policy, cases)
                print(f"| {ip} | {restriction} | {fmt(block_recall(outcomes))} | {fmt(false_block_rate(outcomes))} |")
        return
    if args.sweep_described:
        cases = load_cases("described_dev")
        cache = Path(tempfile.mkdtemp())  # the descriptions are embedded once for every setting
        print("| with a shared name | without | distinctive: names of at most | block recall | false-block rate |")
        print("|---|---|---|---|---|")
        for threshold in (0.4, 0.45, 0.5, 0.55):
            for paraphrase in (0.65, 0.7, 0.75):
                for distinctive in (3, 5, 8):
                    policy = PromptPolicy(registry, figure_threshold=threshold, figure_paraphrase_threshold=paraphrase,
                                          distinctive_figures=distinctive).with_embedder(embedder, cache_dir=cache)
                    outcomes = run_cases(policy, cases)
                    print(f"| {threshold} | {paraphrase} | {distinctive} figures | {fmt(block_recall(outcomes))} | "
                          f"{fmt(false_block_rate(outcomes))} |")
        return
    if args.sweep_evidence:
        cases = [case for name in DESCRIBED_TUNED for case in load_cases(name)]
        cache = Path(tempfile.mkdtemp())
        print("| evidence | lead over the next person | block recall | false-block rate |")
        print("|---|---|---|---|")
        for weight in (15.0, 20.0, 25.0):
            for lead in (6.0, 8.0, 10.0, 12.0):
                policy = PromptPolicy(registry, figure_evidence=(weight, lead)).with_embedder(embedder, cache_dir=cache)
                outcomes = run_cases(policy, cases)
                print(f"| {weight:g} | {lead:g} | {fmt(block_recall(outcomes))} | {fmt(false_block_rate(outcomes))} |")
        return
    policy = PromptPolicy(registry, embedder=embedder)
    for name in args.sets:
        cases = load_cases(name)
        run_cases(policy, cases[:20])  # load the model and embed the registry's descriptions
        report(name, run_cases(policy, cases), args.errors)


if __name__ == "__main__":
    main()
