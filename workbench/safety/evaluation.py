"""Scoring the prompt policy on a labelled prompt set (data/policy_prompts/*.jsonl).

A case is a prompt, the decision expected for its profile (teen, region), the cameos it uses and
the public figures who granted the requester. Recall on blocks is the share of expected blocks
that were blocked; the false-block rate is the share of expected allows that were blocked
(standard definitions, e.g. scikit-learn's recall_score on the "block" label).
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from workbench.files import packaged_data
from workbench.safety.policy import BLOCK, CameoTerms, IpEntry, Profile, PromptPolicy

PROMPT_SET_DIR = packaged_data("policy_prompts")


@dataclass(frozen=True)
class Case:
    id: str
    prompt: str
    expected: str
    category: str
    evasion: str
    profile: Profile
    cameos: tuple[CameoTerms, ...]
    granted_figures: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    case: Case
    decision: str
    codes: tuple[str, ...]
    seconds: float


def load_cases(name: str) -> list[Case]:
    """The cases of data/policy_prompts/<name>.jsonl."""
    cases = []
    for line in (PROMPT_SET_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(Case(raw["id"], raw["prompt"], raw["expected"], raw["category"], raw.get("evasion", "none"),
                              Profile(teen=bool(raw.get("teen")), region=raw.get("region", "US")),
                              tuple(CameoTerms(c["handle"], c.get("restrictions", "")) for c in raw.get("cameos", ())),
                              tuple(raw.get("granted_figures", ()))))
    return cases


def load_registry() -> list[IpEntry]:
    """The IP registry the prompt sets are labelled against."""
    raw = json.loads((PROMPT_SET_DIR / "registry.json").read_text())["entries"]
    return [IpEntry(i + 1, e["name"], tuple(e.get("aliases", ())), e.get("description", ""), e["scope"],
                    e.get("rules", "")) for i, e in enumerate(raw)]


def run_cases(policy: PromptPolicy, cases: list[Case]) -> list[Outcome]:
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        decision = policy.check(case.prompt, profile=case.profile, cameos=case.cameos,
                                granted_figures=case.granted_figures)
        outcomes.append(Outcome(case, decision.decision, tuple(r.code for r in decision.reasons),
                                time.perf_counter() - started))
    return outcomes


def block_recall(outcomes: list[Outcome]) -> float:
    """Blocked among the cases expected to be blocked."""
    expected = [o for o in outcomes if o.case.expected == BLOCK]
    return sum(o.decision == BLOCK for o in expected) / len(expected) if expected else float("nan")


def false_block_rate(outcomes: list[Outcome]) -> float:
    """Blocked among the cases expected to be allowed."""
    expected = [o for o in outcomes if o.case.expected == "allow"]
    return sum(o.decision == BLOCK for o in expected) / len(expected) if expected else float("nan")


def block_precision(outcomes: list[Outcome]) -> float:
    """Expected blocks among the cases blocked."""
    blocked = [o for o in outcomes if o.decision == BLOCK]
    return sum(o.case.expected == BLOCK for o in blocked) / len(blocked) if blocked else float("nan")


def exact_accuracy(outcomes: list[Outcome]) -> float:
    """Share of cases whose decision (allow, review or block) is the one expected."""
    return sum(o.decision == o.case.expected for o in outcomes) / len(outcomes) if outcomes else float("nan")


def by_category(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per labelled category: cases, block precision and recall, false-block rate, exact accuracy."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.case.category].append(outcome)
    return {category: {"cases": len(group), "block_precision": block_precision(group),
                       "block_recall": block_recall(group), "false_block_rate": false_block_rate(group),
                       "exact_accuracy": exact_accuracy(group)}
            for category, group in sorted(groups.items())}


def latency_ms(outcomes: list[Outcome]) -> dict[str, float]:
    seconds = np.array([o.seconds for o in outcomes]) * 1000
    return {"p50": float(np.percentile(seconds, 50)), "p99": float(np.percentile(seconds, 99))}
