"""Off-policy value of a ranked feed: what a target ranking policy would have earned per shown item,
estimated from pages that a logging policy showed, with a percentile bootstrap interval over pages.

Setting. One page is one viewer on one occasion; each logged row is one item shown on it, with its
reward r (say 1 if the view completed), the logging policy's probability pi_log(i in page) > 0 of
including that item on that page (its propensity), and the target policy's probability
pi_t(i in page) in [0, 1] (0 or 1 for a deterministic target). The value estimated is

    V = E[sum of r over the target's page] / page_size,

the target's mean reward per shown item. The number of possible pages grows combinatorially, so
whole-page importance weights are hopeless; instead the reward of a page is taken to be the sum of
its items' rewards, and an item's reward not to depend on its neighbours or its slot (the
"independent item" or inclusion-propensity model). Then sum_i r_i pi_t(i)/pi_log(i) over the logged
items of a page is unbiased for the target page's total, since an item enters the logged sum with
probability pi_log(i) (Li, Abbasi-Yadkori, Kveton, Muthukrishnan, Vinay & Wen, "Offline evaluation
of ranking policies with click models", KDD 2018, weigh items this way under click models whose
click probabilities depend on the item; Swaminathan, Krishnamurthy, Agarwal, Dudik, Langford,
Jose & Zitouni, "Off-policy evaluation for slate recommendation", NeurIPS 2017, use marginal
item-slot probabilities under an additive reward). When the reward does depend on the slot or the
rest of the page, these estimators are biased.

Estimators, with w = pi_t / pi_log for each logged row and K = page_size:
- "ips": per page sum(r w) / K, averaged over pages (inverse propensity scoring, Horvitz &
  Thompson 1952). Unbiased where every item the target may show has pi_log > 0 on that page;
  items the logging policy never shows there are silently missing from the estimate.
- "snips": sum(r w) / sum(w) over all rows, the self-normalised estimator (Swaminathan & Joachims,
  "The self-normalized estimator for counterfactual learning", NeurIPS 2015). sum(w) over a page
  estimates the number of items the target would show there (K for a target that fills its page),
  so the ratio is the reward per target-shown item: it does not use page_size, is biased by
  O(1/pages) but consistent, and usually has a much smaller variance than ips, because the noise of
  the weights cancels between numerator and denominator.
- "dr": per page (target_direct + sum(w (r - q_hat))) / K, averaged over pages (doubly robust,
  Dudik, Langford & Li, "Doubly robust policy evaluation and learning", ICML 2011): a reward model
  q_hat's prediction for the target's page, corrected by the importance-weighted residuals of the
  logged items. Unbiased when the propensities are right, whatever q_hat; its variance is small
  when q_hat is good.

Intervals: percentile bootstrap (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993,
ch. 13) resampling pages, not rows, with replacement: the rows of a page share a viewer and an
occasion, so they are not independent, and the page is the unit (resampling clusters, Davison &
Hinkley, "Bootstrap Methods and their Application", 1997, section 3.8). For snips each replicate is
the ratio of its resampled numerator and denominator sums. Inputs are validated rather than coerced,
as in the detection metrics: a NaN reward or a zero propensity is a bug upstream, not a value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the estimators off_policy_value knows
ESTIMATORS = ("ips", "snips", "dr")

#: at most this many page indices are drawn at once by the bootstrap (bounds its memory to ~50 MB)
_DRAWS_PER_CHUNK = 1 << 22


@dataclass(frozen=True)
class Estimate:
    #: the estimated target value, reward per shown item
    estimate: float
    low: float
    high: float
    #: which estimator ("ips", "snips" or "dr")
    estimator: str
    #: the number of pages (the bootstrap's units)
    n: int

    def as_dict(self) -> dict:
        """Plain floats, int and str, e.g. for JSON."""
        return {"estimate": float(self.estimate), "low": float(self.low), "high": float(self.high),
                "estimator": str(self.estimator), "n": int(self.n)}


def _finite(name: str, values, length: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if len(array) != length:
        raise ValueError(f"{name} has {len(array)} values but page has {length} rows")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numbers, got dtype {array.dtype}")
    array = array.astype(float)
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains infinite values")
    return array


def _target_direct(target_direct, pages: int) -> np.ndarray:
    array = np.asarray(target_direct)
    if array.ndim != 1 or len(array) != pages:
        raise ValueError(f"target_direct must hold one value per page, aligned with the sorted unique page "
                         f"ids ({pages} pages), got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"target_direct must be numbers, got dtype {array.dtype}")
    array = array.astype(float)
    if not np.isfinite(array).all():
        raise ValueError("target_direct contains NaN or infinite values")
    return array


def _bootstrap(numerator: np.ndarray, denominator: np.ndarray | None, *, resamples: int,
               seed: int) -> np.ndarray:
    """Replicates of sum(numerator)/sum(denominator) (of the mean of numerator when denominator is
    None) over pages drawn with replacement, in chunks of at most _DRAWS_PER_CHUNK draws."""
    pages = len(numerator)
    rng = np.random.default_rng(seed)
    replicates = np.empty(resamples)
    chunk = max(1, _DRAWS_PER_CHUNK // pages)
    index_type = np.int32 if pages < 2**31 else np.int64
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        drawn = rng.integers(0, pages, (stop - start, pages), dtype=index_type)
        top = numerator[drawn].sum(axis=1)
        if denominator is None:
            replicates[start:stop] = top / pages
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                replicates[start:stop] = top / denominator[drawn].sum(axis=1)
    return replicates


def off_policy_value(page, reward, logging_propensity, target_propensity, *, page_size: int,
                     estimator: str = "snips", reward_model=None, target_direct=None,
                     resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> Estimate:
    """The target policy's mean reward per shown item, estimated from logged pages (see the module's
    docstring for the model and the estimators), with a percentile bootstrap interval over pages.

    page: the page id of each logged row (integers; one row per shown item);
    reward, logging_propensity (in (0, 1]), target_propensity (in [0, 1]): one value per row;
    page_size: K, the number of items on the target's page (ips and dr divide by it; snips, which
        normalises by the summed weights instead, only checks it);
    reward_model: q_hat for each logged row (dr only; ignored by the others, so one call's keyword
        arguments can be reused across ESTIMATORS);
    target_direct: dr only, one value per page, aligned with the SORTED unique page ids
        (np.unique(page), the order of pandas' groupby): sum over the items i of the target's page
        of pi_t(i) * q_hat(i), the reward model's prediction of the target page's total reward.
        It covers the target's whole page, including items the logging policy did not show;
    resamples, confidence, seed: the bootstrap's replicates, the interval's coverage and its seed
        (the same seed and inputs give the same interval).

    For snips, a bootstrap replicate whose pages carry no target weight at all (sum of w = 0) has
    no value and is left out of the interval.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {ESTIMATORS}")
    if isinstance(page_size, bool) or not isinstance(page_size, (int, np.integer)) or page_size < 1:
        raise ValueError(f"page_size must be a positive integer, got {page_size!r}")
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) or resamples < 1:
        raise ValueError(f"resamples must be a positive integer, got {resamples!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    page = np.asarray(page)
    if page.ndim != 1:
        raise ValueError(f"page must be 1-D, got shape {page.shape}")
    if len(page) == 0:
        raise ValueError("no logged rows: nothing to estimate from")
    if page.dtype.kind not in "iu":
        raise ValueError(f"page must hold integer page ids, got dtype {page.dtype}")
    rows = len(page)
    reward = _finite("reward", reward, rows)
    logging = _finite("logging_propensity", logging_propensity, rows)
    target = _finite("target_propensity", target_propensity, rows)
    if (logging <= 0).any() or (logging > 1).any():
        raise ValueError("logging_propensity must lie in (0, 1]: an item shown with probability 0 cannot be "
                         "reweighted, and a probability cannot exceed 1")
    if (target < 0).any() or (target > 1).any():
        raise ValueError("target_propensity must lie in [0, 1]")
    if estimator == "dr":
        if reward_model is None or target_direct is None:
            raise ValueError("the dr estimator needs reward_model (q_hat per row) and target_direct (per page)")
        q_hat = _finite("reward_model", reward_model, rows)

    _, unit = np.unique(page, return_inverse=True)
    pages = int(unit.max()) + 1
    weight = target / logging

    if estimator == "snips":
        numerator = np.bincount(unit, weights=reward * weight, minlength=pages)
        denominator = np.bincount(unit, weights=weight, minlength=pages)
        total_weight = denominator.sum()
        if total_weight <= 0:
            raise ValueError("no logged row has a positive target propensity: the self-normalised estimate "
                             "is undefined (the target shows nothing the logging policy showed)")
        value = float(numerator.sum() / total_weight)
    else:
        if estimator == "ips":
            numerator = np.bincount(unit, weights=reward * weight, minlength=pages) / page_size
        else:
            direct = _target_direct(target_direct, pages)
            corrected = np.bincount(unit, weights=weight * (reward - q_hat), minlength=pages)
            numerator = (direct + corrected) / page_size
        denominator = None
        value = float(numerator.mean())

    replicates = _bootstrap(numerator, denominator, resamples=int(resamples), seed=seed)
    replicates = replicates[np.isfinite(replicates)]
    tail = (1 - confidence) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail]) if len(replicates) else (np.nan, np.nan)
    return Estimate(value, float(low), float(high), estimator, pages)
