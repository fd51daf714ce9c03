"""Agreement between two raters of the same items: how often two reviewers decide a case alike, and
Cohen's kappa, the agreement beyond what chance would give (J. Cohen, "A coefficient of agreement for
nominal scales", Educational and Psychological Measurement 20(1), 1960). scikit-learn's
cohen_kappa_score computes the same figure (tests/unit/test_agreement.py)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Agreement:
    #: items both raters decided
    items: int
    #: items they decided alike
    agreed: int
    #: agreed / items
    raw: float
    #: Cohen's kappa; None when chance alone agrees always (both raters gave one and the same label)
    kappa: float | None


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """(p_o - p_e) / (1 - p_e): p_o the share of items labelled alike, p_e the share chance would give
    with each rater's own label frequencies. None for no items or when p_e is 1."""
    if len(first) != len(second):
        raise ValueError(f"two raters of the same items: {len(first)} and {len(second)} labels")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second)) / n
    counts_first, counts_second = Counter(first), Counter(second)
    expected = sum(counts_first[label] * counts_second[label] for label in counts_first) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def agreement(first: Sequence[str], second: Sequence[str]) -> Agreement:
    agreed = sum(a == b for a, b in zip(first, second))
    kappa = cohen_kappa(first, second)
    return Agreement(len(first), agreed, agreed / len(first) if first else float("nan"),
                     None if kappa is None else round(kappa, 4))
