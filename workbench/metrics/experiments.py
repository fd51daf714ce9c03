"""Comparing two arms of an experiment: the difference of a per-unit statistic with a percentile
bootstrap confidence interval (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13),
resampling units (viewers) with replacement within each arm."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Difference:
    #: mean of arm B minus mean of arm A
    estimate: float
    low: float
    high: float
    confidence: float
    #: the bootstrap replicates of the difference (for plotting)
    replicates: np.ndarray

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.low > 0 or self.high < 0


def bootstrap_difference(a, b, *, resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Difference:
    """Mean(b) - mean(a) with a percentile bootstrap interval; NaNs are dropped; the seed fixes it."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both arms need at least one unit with a value")
    rng = np.random.default_rng(seed)
    replicates = (b[rng.integers(0, len(b), (resamples, len(b)))].mean(axis=1)
                  - a[rng.integers(0, len(a), (resamples, len(a)))].mean(axis=1))
    tail = (1 - confidence) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail])
    return Difference(float(b.mean() - a.mean()), float(low), float(high), confidence, replicates)
