"""Off-policy estimators against a synthetic ranked feed whose true value is known, hand-computed
values, and the input checks."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.metrics import ESTIMATORS, Estimate, off_policy_value, ope

K, CANDIDATES, EPS = 10, 50, 0.3


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask of the k highest scores of each row."""
    mask = np.zeros(score.shape, bool)
    np.put_along_axis(mask, np.argpartition(-score, k - 1, axis=1)[:, :k], True, axis=1)
    return mask


def ranked_log(seed: int, pages: int = 5000) -> dict:
    """An epsilon-greedy logging policy over 50 candidates a page, and a different deterministic top-10.

    Each candidate has a true completion probability p. The logger shows its top 10 by a noisy score
    with probability 1 - EPS, else 10 of the 50 uniformly at random, so an item's inclusion
    probability is exactly (1 - EPS) [in the greedy top 10] + EPS * 10 / 50. The target shows its top
    10 by a better score; its true value is the mean over pages of its page's p, divided by 10.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 5, (pages, CANDIDATES))
    greedy = top_k(p + rng.normal(0, 0.3, p.shape), K)
    target = top_k(p + rng.normal(0, 0.05, p.shape), K)
    explore = rng.random(pages) < EPS
    shown = np.where(explore[:, None], top_k(rng.random(p.shape), K), greedy)
    g, i = np.nonzero(shown)
    return {
        "page": g,
        "reward": (rng.random(len(g)) < p[g, i]).astype(float),
        "logging_propensity": (1 - EPS) * greedy[g, i] + EPS * K / CANDIDATES,
        "target_propensity": target[g, i].astype(float),
        "p": p[g, i],
        "target_p": (p * target).sum(axis=1),
        "truth": (p * target).sum(axis=1).mean() / K,
    }


def args(log: dict) -> tuple:
    return log["page"], log["reward"], log["logging_propensity"], log["target_propensity"]


def per_page(log: dict, values: np.ndarray) -> np.ndarray:
    return np.bincount(log["page"], weights=values, minlength=log["page"].max() + 1)


@pytest.fixture(scope="module")
def log() -> dict:
    return ranked_log(seed=7)


def test_each_estimator_recovers_the_truth_that_the_naive_mean_misses(log):
    w = log["target_propensity"] / log["logging_propensity"]
    r, pages = log["reward"], log["page"].max() + 1
    # standard errors from the textbook formulas (the delta method for the ratio), not from the code
    ips_units = per_page(log, r * w) / K
    numerator, denominator = per_page(log, r * w), per_page(log, w)
    snips = numerator.sum() / denominator.sum()
    snips_units = (numerator - snips * denominator) / denominator.mean()
    crude = np.full(len(r), 0.2)  # a wrong reward model: DR must still be unbiased
    dr_units = (0.2 * K + per_page(log, w * (r - crude))) / K
    se = {name: units.std(ddof=1) / np.sqrt(pages)
          for name, units in (("ips", ips_units), ("snips", snips_units), ("dr", dr_units))}

    truth = log["truth"]
    for name in ESTIMATORS:
        found = off_policy_value(*args(log), page_size=K, estimator=name, reward_model=crude,
                                 target_direct=np.full(pages, 0.2 * K), resamples=300)
        assert abs(found.estimate - truth) < 4 * se[name], (name, found.estimate, truth, se[name])
        assert found.n == pages and found.estimator == name
    # the problem has teeth: the logged mean reward and the crude model alone are far off
    assert abs(r.mean() - truth) > 10 * max(se.values())
    assert abs(0.2 - truth) > 10 * max(se.values())


def test_intervals_cover_the_truth_and_are_not_too_wide():
    covered = {name: 0 for name in ESTIMATORS}
    estimates, half_widths = [], []
    seeds = range(40)
    for seed in seeds:
        log = ranked_log(seed, pages=800)
        for name in ESTIMATORS:
            found = off_policy_value(*args(log), page_size=K, estimator=name, reward_model=log["p"] * 0.8,
                                     target_direct=log["target_p"] * 0.8, resamples=300, seed=seed)
            covered[name] += found.low <= log["truth"] <= found.high
            if name == "ips":
                estimates.append(found.estimate - log["truth"])
                half_widths.append((found.high - found.low) / 2)
    assert all(count >= 33 for count in covered.values()), covered
    # an interval ten times too wide would cover too: its width must match the spread across seeds
    ratio = np.mean(half_widths) / 1.96 / np.std(estimates, ddof=1)
    assert 0.6 < ratio < 1.6, ratio


def test_ips_snips_and_dr_by_hand():
    # two pages of two items; w = [2, 1] and [4, 0]
    page = [5, 5, 9, 9]
    reward = [1.0, 0.0, 1.0, 1.0]
    logging = [0.5, 1.0, 0.25, 1.0]
    target = [1.0, 1.0, 1.0, 0.0]
    ips = off_policy_value(page, reward, logging, target, page_size=2, estimator="ips", resamples=50)
    assert ips.estimate == pytest.approx(((2 + 0) / 2 + (4 + 0) / 2) / 2)  # 1.5
    snips = off_policy_value(page, reward, logging, target, page_size=2, estimator="snips", resamples=50)
    assert snips.estimate == pytest.approx(6 / 7)
    # q_hat = 0.5 everywhere; the model's target pages total 1.0 and 0.5
    dr = off_policy_value(page, reward, logging, target, page_size=2, estimator="dr", resamples=50,
                          reward_model=[0.5] * 4, target_direct=[1.0, 0.5])
    assert dr.estimate == pytest.approx(((1 + 2 * 0.5 - 0.5) / 2 + (0.5 + 4 * 0.5) / 2) / 2)  # 1.0
    assert ips.n == snips.n == dr.n == 2
    # the two pages' values are 1 and 2: every bootstrap replicate lies between them
    assert 1 <= ips.low <= ips.estimate <= ips.high <= 2


def test_on_policy_snips_and_ips_are_the_plain_mean(log):
    """With the target equal to the logger every weight is 1, and ten items are shown a page."""
    same = (log["page"], log["reward"], log["logging_propensity"], log["logging_propensity"])
    for name in ("snips", "ips"):
        assert off_policy_value(*same, page_size=K, estimator=name, resamples=20).estimate == pytest.approx(
            log["reward"].mean())


def test_a_perfect_reward_model_narrows_the_interval(log):
    ips = off_policy_value(*args(log), page_size=K, estimator="ips", resamples=300)
    dr = off_policy_value(*args(log), page_size=K, estimator="dr", reward_model=log["p"],
                          target_direct=log["target_p"], resamples=300)
    assert dr.high - dr.low < 0.8 * (ips.high - ips.low)  # 0.64 at this seed
    assert dr.low <= log["truth"] <= dr.high


def test_seeded_reproducible_and_chunking_does_not_change_the_interval(log, monkeypatch):
    first = off_policy_value(*args(log), page_size=K, resamples=200, seed=3)
    assert first == off_policy_value(*args(log), page_size=K, resamples=200, seed=3)
    assert first != off_policy_value(*args(log), page_size=K, resamples=200, seed=4)
    assert first.low < first.estimate < first.high
    monkeypatch.setattr(ope, "_DRAWS_PER_CHUNK", 7 * 5000)  # 7 replicates a chunk, not all at once
    assert off_policy_value(*args(log), page_size=K, resamples=200, seed=3) == first
    as_dict = first.as_dict()
    assert list(as_dict) == ["estimate", "low", "high", "estimator", "n"]
    assert [type(value) for value in as_dict.values()] == [float, float, float, str, int]
    assert isinstance(first, Estimate)


GOOD = {"page": [0, 0, 1], "reward": [1.0, 0.0, 1.0], "logging_propensity": [0.5, 0.5, 1.0],
        "target_propensity": [1.0, 0.0, 1.0]}


@pytest.mark.parametrize(("change", "extra", "message"), [
    ({"reward": [1.0, 0.0]}, {}, "reward has 2 values but page has 3 rows"),
    ({"target_propensity": [1.0, 0.0, 1.0, 1.0]}, {}, "target_propensity has 4 values"),
    ({"logging_propensity": [0.5, 0.0, 1.0]}, {}, r"logging_propensity must lie in \(0, 1\]"),
    ({"logging_propensity": [0.5, -0.1, 1.0]}, {}, r"logging_propensity must lie in \(0, 1\]"),
    ({"logging_propensity": [0.5, 1.5, 1.0]}, {}, r"logging_propensity must lie in \(0, 1\]"),
    ({"target_propensity": [1.0, 1.2, 1.0]}, {}, r"target_propensity must lie in \[0, 1\]"),
    ({"target_propensity": [1.0, -0.2, 1.0]}, {}, r"target_propensity must lie in \[0, 1\]"),
    ({"reward": [1.0, np.nan, 1.0]}, {}, "reward contains NaN"),
    ({"logging_propensity": [0.5, np.nan, 1.0]}, {}, "logging_propensity contains NaN"),
    ({"page": [0.0, np.nan, 1.0]}, {}, "page must hold integer page ids"),
    ({"page": [], "reward": [], "logging_propensity": [], "target_propensity": []}, {}, "no logged rows"),
    ({}, {"estimator": "doubly"}, "unknown estimator 'doubly'"),
    ({}, {"estimator": "dr"}, "the dr estimator needs reward_model"),
    ({}, {"estimator": "dr", "reward_model": [0.5] * 3}, "the dr estimator needs reward_model"),
    ({}, {"estimator": "dr", "reward_model": [0.5] * 2, "target_direct": [1, 1]}, "reward_model has 2 values"),
    ({}, {"estimator": "dr", "reward_model": [0.5] * 3, "target_direct": [1, 1, 1]}, "one value per page"),
    ({}, {"estimator": "dr", "reward_model": [0.5] * 3, "target_direct": [1, np.nan]}, "target_direct contains"),
    ({"target_propensity": [0.0, 0.0, 0.0]}, {"estimator": "snips"}, "no logged row has a positive target"),
    ({}, {"page_size": 0}, "page_size must be a positive integer"),
    ({}, {"confidence": 1.0}, "confidence must lie strictly between 0 and 1"),
    ({}, {"resamples": 0}, "resamples must be a positive integer"),
])
def test_bad_inputs_are_refused_with_a_reason(change, extra, message):
    inputs = {**GOOD, **change}
    with pytest.raises(ValueError, match=message):
        off_policy_value(inputs["page"], inputs["reward"], inputs["logging_propensity"],
                         inputs["target_propensity"], **{"page_size": 2, **extra})
