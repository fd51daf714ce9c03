"""What testing a rule set before it acts costs: a screened prompt's latency with no rule set in shadow
beside the same prompts with one (each is then decided twice, and both decisions logged), measured in
one run, alternating, so the machine's drift falls on both; and a backtest's time over the logged
prompts and the dev set.

    .venv/bin/python benchmarks/bench_rule_sets.py [--prompts 600]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from sqlalchemy import update

from workbench import OPERATOR, Forbidden, open_workbench
from workbench.safety.evaluation import load_cases
from workbench.store.models import PolicyRuleSet, RuleSetStatus

RULES = {"themes": {"gambling": "block", "fireworks": "review"},
         "theme_words": {"fireworks": ["firework", "fireworks", "sparkler", "firecracker"]},
         "thresholds": {"ip_threshold": 0.7}}


def screen_ms(wb, handle: str, prompts: list[str]) -> list[float]:
    out = []
    for prompt in prompts:
        start = time.perf_counter()
        try:
            wb.prompt_policy.screen(handle, prompt)
        except Forbidden:
            pass
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=600)
    args = parser.parse_args()
    prompts = [case.prompt for name in ("dev", "held_out", "test", "unseen") for case in load_cases(name)]
    prompts = (prompts * (1 + args.prompts // len(prompts)))[:args.prompts]
    with tempfile.TemporaryDirectory() as folder:
        wb = open_workbench(data_dir=folder)
        for handle, role in (("ana", "user"), ("ada", "admin")):
            wb.users.create(OPERATOR, handle, role=role)
        wb.prompt_policy.check(None, "warming up")
        draft = wb.rule_sets.draft("ada", RULES, note="benchmark")
        wb.rule_sets.backtest("ada", draft.id, labelled=())
        without, with_shadow = [], []
        half = len(prompts) // 2
        for number, start in enumerate(range(0, half, 50)):
            # blocks of 50 prompts screened twice, with no rule set in shadow and with one, the order
            # swapped every block (a prompt's second screening finds warmer caches)
            block = prompts[start:start + 50]
            for shadowed in ((False, True) if number % 2 == 0 else (True, False)):
                with wb.transaction() as session:  # set directly: a test of cost, not of the flow
                    session.execute(update(PolicyRuleSet).where(PolicyRuleSet.id == draft.id).values(
                        status=RuleSetStatus.SHADOW if shadowed else RuleSetStatus.DRAFT))
                (with_shadow if shadowed else without).extend(screen_ms(wb, "ana", block))
        for name, values in (("no rule set in shadow", without), ("one rule set in shadow", with_shadow)):
            ordered = sorted(values)
            print(f"screen(), {name}: {len(values)} prompts, p50 {statistics.median(values):.1f} ms, "
                  f"p95 {ordered[int(0.95 * len(ordered))]:.1f} ms")
        screen_ms(wb, "ana", prompts[half:])  # the rest of the log
        start = time.perf_counter()
        logged = wb.rule_sets.backtest("ada", draft.id, labelled=())["logged"]
        logged_s = time.perf_counter() - start
        start = time.perf_counter()
        dev = wb.rule_sets.backtest("ada", draft.id, labelled=("dev",))["labelled"]["dev"]
        dev_s = time.perf_counter() - start - logged_s
        print(f"backtest over {logged['checked']} distinct logged prompts: {logged_s:.1f} s "
              f"({1000 * logged_s / max(1, logged['checked']):.1f} ms a prompt, both rule sets); "
              f"{logged['changed']} would change: {logged['by_transition']}")
        print(f"backtest of the dev set ({dev['checked']} prompts) on top: about {dev_s:.1f} s; "
              f"{dev['changed']} would change: {dev['by_transition']}")
        wb.close()


if __name__ == "__main__":
    main()
