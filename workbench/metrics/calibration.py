"""Calibration of a detector's scores: maps from a score to a probability, and how far a
probability is from the frequency it claims.

- Platt scaling (Platt, "Probabilistic outputs for support vector machines", 1999): P = sigmoid(a x +
  b), x the score's logit, a and b fitted by maximum likelihood (Newton's method on the log loss, with
  Platt's smoothed targets (n+ + 1) / (n+ + 2) and 1 / (n- + 2), which keep a separable set from
  sending a to infinity);
- isotonic regression (Zadrozny & Elkan, KDD 2002): the non-decreasing step function closest to the
  labels in squared error, by the pool-adjacent-violators algorithm (Ayer et al., 1955), interpolated
  linearly between its steps as scikit-learn's IsotonicRegression predicts;
- expected calibration error (Naeini et al., AAAI 2015; Guo et al., ICML 2017): the probabilities cut
  into equal-width bins, the mean over bins of |share of fakes - mean probability| weighted by the
  bin's share of samples; the reliability diagram is the same bins, one row each.

Pure numpy; labels are 0 (real) or 1 (fake), scores and probabilities finite.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("platt", "isotonic")
#: scores are clipped this far from 0 and 1 before their logit is taken
EPSILON = 1e-6


def _checked(labels, values) -> tuple[np.ndarray, np.ndarray]:
    labels, values = np.asarray(labels), np.asarray(values, np.float64)
    if labels.ndim != 1 or values.shape != labels.shape:
        raise ValueError(f"labels and scores must be 1-D and equally long, got {labels.shape} and {values.shape}")
    if len(labels) == 0 or not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (real) or 1 (fake), at least one")
    if not np.isfinite(values).all():
        raise ValueError("scores must be finite numbers")
    return labels.astype(np.int64), values


def _logit(scores: np.ndarray) -> np.ndarray:
    clipped = np.clip(scores, EPSILON, 1 - EPSILON)
    return np.log(clipped / (1 - clipped))


@dataclass(frozen=True)
class Calibration:
    """A fitted map from a detector's score in [0, 1] to a probability of fake."""
    method: str
    #: platt: (a, b); isotonic: the step function's scores then its probabilities
    params: tuple[float, ...]

    def __call__(self, scores) -> np.ndarray:
        scores = np.asarray(scores, np.float64)
        if self.method == "platt":
            a, b = self.params
            return 1.0 / (1.0 + np.exp(-(a * _logit(scores) + b)))
        half = len(self.params) // 2
        return np.interp(scores, self.params[:half], self.params[half:])

    def to_dict(self) -> dict:
        return {"method": self.method, "params": [float(p) for p in self.params]}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        if data.get("method") not in METHODS:
            raise ValueError(f"unknown calibration {data.get('method')!r}; known: {', '.join(METHODS)}")
        return cls(data["method"], tuple(float(p) for p in data["params"]))


def fit_calibration(labels, scores, method: str = "platt") -> Calibration:
    """The calibration map fitted on held-out labelled scores."""
    labels, scores = _checked(labels, scores)
    if len(set(labels.tolist())) < 2:
        raise ValueError("calibration needs real (0) and fake (1) samples")
    if method == "platt":
        return Calibration("platt", platt(labels, scores))
    if method == "isotonic":
        return Calibration("isotonic", isotonic(labels, scores))
    raise ValueError(f"unknown calibration {method!r}; known: {', '.join(METHODS)}")


def platt(labels, scores, iterations: int = 100) -> tuple[float, float]:
    """(a, b) of P = sigmoid(a logit(score) + b), by Newton's method on Platt's smoothed targets."""
    labels, scores = _checked(labels, scores)
    x = _logit(scores)
    positives = labels.sum()
    negatives = len(labels) - positives
    target = np.where(labels == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    a, b = 1.0, 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        gradient = np.array([np.sum((p - target) * x), np.sum(p - target)])
        w = np.maximum(p * (1 - p), 1e-12)
        hessian = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def isotonic(labels, scores) -> tuple[float, ...]:
    """The pool-adjacent-violators fit: its step scores then its probabilities, one pair per block."""
    labels, scores = _checked(labels, scores)
    order = np.argsort(scores, kind="stable")
    xs, ys = scores[order], labels[order].astype(np.float64)
    # tied scores are one point, their mean label weighted by their count
    unique, start = np.unique(xs, return_index=True)
    counts = np.diff(np.append(start, len(xs)))
    means = np.add.reduceat(ys, start) / counts
    blocks: list[list[float]] = []  # [mean, weight, lowest score, highest score]
    for x, mean, weight in zip(unique, means, counts):
        blocks.append([mean, float(weight), x, x])
        while len(blocks) > 1 and blocks[-2][0] >= blocks[-1][0]:
            right = blocks.pop()
            left = blocks[-1]
            total = left[1] + right[1]
            left[0], left[1], left[3] = (left[0] * left[1] + right[0] * right[1]) / total, total, right[3]
    points = [(x, block[0]) for block in blocks for x in dict.fromkeys((block[2], block[3]))]
    return tuple([float(p[0]) for p in points] + [float(p[1]) for p in points])


def reliability(labels, probabilities, bins: int = 10) -> list[dict]:
    """The reliability diagram's rows: each non-empty equal-width bin of probability, its count, mean
    probability and share of fakes."""
    labels, probabilities = _checked(labels, probabilities)
    if ((probabilities < 0) | (probabilities > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    rows = []
    for index in range(bins):
        inside = which == index
        if inside.any():
            rows.append({"low": index / bins, "high": (index + 1) / bins, "n": int(inside.sum()),
                         "mean_probability": float(probabilities[inside].mean()),
                         "share_fake": float(labels[inside].mean())})
    return rows


def expected_calibration_error(labels, probabilities, bins: int = 10) -> float:
    """Sum over bins of (bin's share of samples) x |share of fakes - mean probability|."""
    rows = reliability(labels, probabilities, bins)
    total = sum(row["n"] for row in rows)
    return float(sum(row["n"] / total * abs(row["share_fake"] - row["mean_probability"]) for row in rows))
