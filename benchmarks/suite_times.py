"""Where the test suite's time goes: seconds per test module (setup, call and teardown summed) from
the JUnit XML that pytest writes, slowest first.

Run: bash scripts/test.sh --junitxml=/tmp/suite.xml
     .venv/bin/python benchmarks/suite_times.py /tmp/suite.xml [--before /tmp/old.xml] [--markdown]

With --before, both runs side by side (compare runs made on the same machine close together: its
speed drifts). The sums are CPU-side test time; with N xdist workers the wall time is roughly the
largest worker's share, which pytest's own summary line reports.
"""
from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from collections import Counter


def module_seconds(path: str) -> tuple[Counter, Counter]:
    """(seconds, tests) per module of a JUnit XML report."""
    seconds, tests = Counter(), Counter()
    for case in ET.parse(path).iter("testcase"):
        module = "/".join(case.get("classname", "").split(".")[:3]) + ".py"
        seconds[module] += float(case.get("time", 0))
        tests[module] += 1
    return seconds, tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--before", help="an earlier run's JUnit XML, shown beside it")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    now, tests = module_seconds(args.report)
    before, before_tests = module_seconds(args.before) if args.before else (Counter(), Counter())
    rows = [(module, before.get(module), before_tests.get(module), seconds, tests[module])
            for module, seconds in (now + Counter({m: 0 for m in before})).most_common()]
    rows.append(("**all**", sum(before.values()) if before else None, sum(before_tests.values()) or None,
                 sum(now.values()), sum(tests.values())))
    if args.markdown:
        print("| module | before s (tests) | now s (tests) |\n|---|---|---|" if before else "| module | s | tests |\n|---|---|---|")
    for module, old, old_tests, seconds, count in rows:
        old_text = f"{old:.0f} ({old_tests})" if old is not None else "-"
        if args.markdown:
            print(f"| {module} | {old_text} | {seconds:.0f} ({count}) |" if before else f"| {module} | {seconds:.0f} | {count} |")
        else:
            print(f"{module:45s} {old_text:>12s} {seconds:8.0f} s {count:5d}" if before else f"{module:45s} {seconds:8.0f} s {count:5d}")


if __name__ == "__main__":
    main()
