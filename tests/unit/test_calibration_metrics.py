"""Calibration of detector scores (workbench.metrics.calibration): Platt scaling and isotonic regression
against scikit-learn's, expected calibration error by its definition, and the maps' JSON round trip."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.metrics.calibration import (
    Calibration,
    expected_calibration_error,
    fit_calibration,
    isotonic,
    platt,
    reliability,
)


def overconfident(seed: int, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose true probability of fake is sigmoid(logit(score) / 3): far too sure of themselves."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.001, 0.999, n)
    truth = 1 / (1 + np.exp(-np.log(scores / (1 - scores)) / 3))
    return (rng.random(n) < truth).astype(int), scores


def test_the_ece_is_the_weighted_gap_between_claimed_and_seen():
    labels = np.array([0, 0, 1, 1, 1])
    probabilities = np.array([0.05, 0.15, 0.85, 0.95, 0.9])
    # bins [0, .1): 1 sample, mean .05, share 0; [.1, .2): .15 vs 0; [.8, .9): .85 vs 1; [.9, 1]: .925 vs 1
    expected = (0.05 + 0.15 + 0.15 + 2 * 0.075) / 5
    assert expected_calibration_error(labels, probabilities) == pytest.approx(expected)
    rows = reliability(labels, probabilities)
    assert [row["n"] for row in rows] == [1, 1, 1, 2] and rows[-1]["high"] == 1.0
    assert expected_calibration_error([1, 0], [1.0, 0.0]) == 0.0


def test_platt_scaling_finds_the_true_temperature_and_cuts_the_error():
    labels, scores = overconfident(0)
    a, b = platt(labels, scores)
    assert a == pytest.approx(1 / 3, abs=0.06) and abs(b) < 0.15
    calibration = fit_calibration(labels, scores, "platt")
    held_labels, held_scores = overconfident(1)
    assert expected_calibration_error(held_labels, held_scores) > 0.1
    assert expected_calibration_error(held_labels, calibration(held_scores)) < 0.04


def test_platt_matches_a_logistic_regression_on_the_logit():
    from sklearn.linear_model import LogisticRegression

    labels, scores = overconfident(2, 500)
    x = np.log(scores / (1 - scores))[:, None]
    positives, negatives = labels.sum(), len(labels) - labels.sum()
    targets = np.where(labels == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    # Platt's smoothed targets as sample weights over both classes: the same likelihood
    model = LogisticRegression(C=1e10, tol=1e-10, max_iter=10_000).fit(
        np.r_[x, x], np.r_[np.ones(len(x)), np.zeros(len(x))], sample_weight=np.r_[targets, 1 - targets])
    assert platt(labels, scores) == pytest.approx((model.coef_[0, 0], model.intercept_[0]), abs=1e-4)


def test_isotonic_matches_scikit_learn_and_is_monotone():
    from sklearn.isotonic import IsotonicRegression

    labels, scores = overconfident(3, 400)
    scores = np.round(scores, 2)  # ties
    ours = fit_calibration(labels, scores, "isotonic")
    theirs = IsotonicRegression(out_of_bounds="clip").fit(scores, labels)
    grid = np.linspace(0, 1, 501)
    assert np.allclose(ours(grid), theirs.predict(grid), atol=1e-9)
    assert (np.diff(ours(grid)) >= 0).all()
    assert isotonic([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]) == (0.1, 0.2, 0.3, 0.4, 0.0, 0.5, 0.5, 1.0)


def test_a_calibration_survives_json_and_bad_input_is_refused():
    labels, scores = overconfident(4, 300)
    for method in ("platt", "isotonic"):
        calibration = fit_calibration(labels, scores, method)
        again = Calibration.from_dict(calibration.to_dict())
        assert np.allclose(again(scores), calibration(scores))
    with pytest.raises(ValueError, match="unknown calibration"):
        fit_calibration(labels, scores, "temperature")
    with pytest.raises(ValueError, match="real .0. and fake"):
        fit_calibration([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="finite"):
        expected_calibration_error([0, 1], [0.2, np.nan])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability([0, 1], [0.2, 1.5])
