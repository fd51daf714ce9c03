"""Detector metrics against sklearn (an independent implementation), hand cases and a closed form."""
import numpy as np
import pytest
from scipy.stats import norm
from sklearn import metrics as sk

from workbench.metrics import average_precision, detection_report, equal_error_rate, roc_auc, roc_curve


def random_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels with a random share of fakes (down to a single one), scores from a weak detector,
    rounded to 1 decimal for one seed in three so that ties are heavy and cross the classes."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    labels = (rng.random(n) < rng.uniform(0.02, 0.98)).astype(int)
    labels[rng.choice(n, 2, replace=False)] = [0, 1]
    scores = rng.random(n) + rng.uniform(0, 0.5) * labels
    if seed % 3 == 0:
        scores = np.round(scores, 1)
    return labels, scores


SEEDS = range(120)


@pytest.mark.parametrize("seed", SEEDS)
def test_auc_and_ap_equal_sklearn(seed):
    labels, scores = random_case(seed)
    assert roc_auc(labels, scores) == pytest.approx(sk.roc_auc_score(labels, scores), abs=1e-12)
    assert average_precision(labels, scores) == pytest.approx(sk.average_precision_score(labels, scores), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_curve_equals_sklearn_and_its_trapezoids_are_the_auc(seed):
    labels, scores = random_case(seed)
    fpr, tpr, thresholds = roc_curve(labels, scores)
    sk_fpr, sk_tpr, sk_thresholds = sk.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr, atol=1e-12)
    np.testing.assert_allclose(tpr, sk_tpr, atol=1e-12)
    np.testing.assert_array_equal(thresholds[1:], sk_thresholds[1:])
    assert thresholds[0] == np.inf and (fpr[0], tpr[0]) == (0, 0) and (fpr[-1], tpr[-1]) == (1, 1)
    assert len(thresholds) == len(np.unique(scores)) + 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc(labels, scores), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_eer_is_where_the_rates_cross_on_sklearns_curve(seed):
    labels, scores = random_case(seed)
    fpr, tpr, _ = sk.roc_curve(labels, scores)  # intermediate points dropped: same polyline
    fnr = 1 - tpr
    eer = equal_error_rate(labels, scores)
    assert eer == pytest.approx(np.interp(0.0, fpr - fnr, fpr), abs=1e-12)
    assert eer == pytest.approx(np.interp(0.0, fpr - fnr, fnr), abs=1e-12)


def test_perfect_separation():
    labels, scores = [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.9]
    assert roc_auc(labels, scores) == 1.0
    assert equal_error_rate(labels, scores) == 0.0
    assert average_precision(labels, scores) == 1.0


def test_reversed_scores():
    labels, scores = [0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]
    assert roc_auc(labels, scores) == 0.0
    assert equal_error_rate(labels, scores) == 1.0
    assert average_precision(labels, scores) == pytest.approx(1 / 2 * 1 / 3 + 1 / 2 * 2 / 4)


def test_all_equal_scores_are_chance():
    labels, scores = [0, 1, 1, 0, 1], [0.5] * 5
    assert roc_auc(labels, scores) == 0.5
    assert equal_error_rate(labels, scores) == 0.5
    assert average_precision(labels, scores) == pytest.approx(3 / 5)  # the share of fakes
    fpr, tpr, thresholds = roc_curve(labels, scores)
    assert fpr.tolist() == [0, 1] and tpr.tolist() == [0, 1] and thresholds.tolist() == [np.inf, 0.5]


def test_ties_count_half():
    # fakes 0.9 and 0.5; reals 0.5 and 0.1: of 4 pairs, 3 ordered right and 1 tied
    assert roc_auc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]) == pytest.approx(3.5 / 4)


def test_eer_interpolates_along_a_tied_step():
    # one real and a fake tied at 0.5: the curve jumps from (0, 1/3) to (1, 2/3) in one step, and
    # the rates cross half-way along it; the nearest ROC point would give 0 or 1
    assert equal_error_rate([0, 1, 1, 1], [0.5, 0.5, 0.9, 0.1]) == pytest.approx(0.5)


@pytest.mark.parametrize("d", [0.5, 1.0, 2.0])
def test_eer_of_two_gaussians_matches_closed_form(d):
    # reals N(0, 1), fakes N(d, 1): the threshold d/2 gives fpr = fnr = Phi(-d/2)
    rng = np.random.default_rng(7)
    n = 50_000
    scores = np.concatenate([rng.normal(0, 1, n), rng.normal(d, 1, n)])
    labels = np.repeat([0, 1], n)
    assert equal_error_rate(labels, scores) == pytest.approx(norm.cdf(-d / 2), abs=0.01)


def test_random_scores_are_near_chance():
    rng = np.random.default_rng(3)
    labels, scores = rng.integers(0, 2, 20_000), rng.random(20_000)
    assert roc_auc(labels, scores) == pytest.approx(0.5, abs=0.02)
    assert equal_error_rate(labels, scores) == pytest.approx(0.5, abs=0.02)


def test_report():
    labels, scores = random_case(1)
    report = detection_report(labels, scores)
    assert report == {"auc": round(sk.roc_auc_score(labels, scores), 4), "eer": round(equal_error_rate(labels, scores), 4),
                      "ap": round(sk.average_precision_score(labels, scores), 4), "n": len(labels),
                      "n_fake": int(labels.sum()), "n_real": int((labels == 0).sum())}
    assert all(type(report[key]) is float for key in ("auc", "eer", "ap"))
    assert all(type(report[key]) is int for key in ("n", "n_fake", "n_real"))


def test_accepts_lists_bools_and_integer_scores():
    assert roc_auc([False, True, True], [0, 2, 1]) == 1.0
    assert detection_report([0, 1], [1, 0])["auc"] == 0.0


FUNCTIONS = [roc_curve, roc_auc, equal_error_rate, average_precision, detection_report]
BAD_INPUTS = {
    "lengths differ": ([0, 1, 1], [0.1, 0.2]),
    "2-D labels": ([[0], [1]], [0.1, 0.2]),
    "2-D scores": ([0, 1], [[0.1], [0.2]]),
    "NaN score": ([0, 1], [0.1, np.nan]),
    "infinite score": ([0, 1], [0.1, np.inf]),
    "text scores": ([0, 1], ["0.1", "0.2"]),
    "label 2": ([0, 2], [0.1, 0.2]),
    "label -1": ([-1, 1], [0.1, 0.2]),
    "label 0.5": ([0, 0.5, 1], [0.1, 0.2, 0.3]),
    "NaN label": ([0, np.nan, 1], [0.1, 0.2, 0.3]),
    "text labels": (["real", "fake"], [0.1, 0.2]),
    "only reals": ([0, 0], [0.1, 0.2]),
    "only fakes": ([1, 1], [0.1, 0.2]),
    "empty": ([], []),
}


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("labels, scores", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_invalid_inputs_raise(function, labels, scores):
    with pytest.raises(ValueError):
        function(labels, scores)
