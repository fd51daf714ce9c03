"""Cohen's kappa against scikit-learn's, on decisions of the review queue's vocabulary."""
import random

import pytest
from sklearn.metrics import cohen_kappa_score

from workbench.metrics import agreement, cohen_kappa

LABELS = ["keep", "remove", "label_ai", "age_restrict", "suspend"]


@pytest.mark.parametrize("seed", range(20))
def test_cohen_kappa_equals_scikit_learns(seed):
    rng = random.Random(seed)
    first = [rng.choice(LABELS) for _ in range(rng.randint(2, 60))]
    second = [label if rng.random() < 0.6 else rng.choice(LABELS) for label in first]
    if len(set(first + second)) == 1:
        second[0] = "keep" if first[0] != "keep" else "remove"
    assert cohen_kappa(first, second) == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)


def test_agreement_counts_and_the_cases_kappa_is_undefined():
    found = agreement(["keep", "remove", "keep"], ["keep", "keep", "keep"])
    assert (found.items, found.agreed, round(found.raw, 4)) == (3, 2, 0.6667)
    assert found.kappa == pytest.approx(cohen_kappa_score(["keep", "remove", "keep"], ["keep", "keep", "keep"]))
    assert cohen_kappa([], []) is None and cohen_kappa(["keep"], ["keep"]) is None
    with pytest.raises(ValueError):
        cohen_kappa(["keep"], [])
