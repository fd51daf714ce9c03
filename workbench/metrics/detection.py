"""Metrics for binary detectors (deepfake detectors: label 1 = fake, score = probability of fake).

Definitions implemented:
- ROC curve: false and true positive rates when every score at or above a threshold is called
  fake, at every distinct score as the threshold (tied scores are one threshold, so one step that
  may move both rates), starting at (0, 0) with threshold +inf (Fawcett, "An introduction to ROC
  analysis", Pattern Recognition Letters 27, 2006);
- ROC AUC: the Mann-Whitney U statistic over n_fake x n_real, i.e. the probability that a random
  fake scores above a random real, ties counting half; computed from average ranks (Hanley &
  McNeil, "The meaning and use of the area under a ROC curve", Radiology 143, 1982). It equals
  the trapezoidal area under the curve above and sklearn.metrics.roc_auc_score;
- equal error rate: the rate at which the false positive rate equals the false negative rate
  (1 - tpr), linearly interpolated between the two neighbouring ROC points where fpr - fnr changes
  sign, the usual definition in biometrics. DeepfakeBench (training/metrics/utils.py) instead
  reports fpr at the ROC point nearest the crossing, which differs from this by at most the fpr
  step between those two points;
- average precision: sum over thresholds of (recall_n - recall_n-1) x precision_n, a step-wise
  area under the precision-recall curve without interpolation (Zhu, "Recall, precision and
  average precision", 2004; the formula of sklearn.metrics.average_precision_score, whose
  values it reproduces, ties included).
Inputs are validated rather than coerced: a metric over one class, or over NaN scores, is
undefined, and a silent NaN in an evaluation table is worse than an error.
"""
from __future__ import annotations

import numpy as np


def _validated(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = np.asarray(labels), np.asarray(scores)
    if labels.ndim != 1 or scores.ndim != 1:
        raise ValueError(f"labels and scores must be 1-D, got shapes {labels.shape} and {scores.shape}")
    if len(labels) != len(scores):
        raise ValueError(f"labels and scores differ in length: {len(labels)} != {len(scores)}")
    if labels.dtype.kind not in "biuf" or not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (real) or 1 (fake)")
    if scores.dtype.kind not in "biuf" or not np.isfinite(scores).all():
        raise ValueError("scores must be finite numbers")
    n_fake = int(labels.sum())
    if n_fake == 0 or n_fake == len(labels):
        raise ValueError("labels must contain both classes (0 = real and 1 = fake)")
    return labels.astype(np.int64), scores.astype(np.float64)


def _counts_at_thresholds(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives at each distinct score, highest first, calling score >= it fake."""
    order = np.argsort(scores, kind="stable")[::-1]
    ranked_scores, ranked_labels = scores[order], labels[order]
    last_of_tie = np.append(np.flatnonzero(np.diff(ranked_scores)), len(ranked_scores) - 1)
    true_positives = np.cumsum(ranked_labels)[last_of_tie]
    false_positives = last_of_tie + 1 - true_positives
    return true_positives, false_positives, ranked_scores[last_of_tie]


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) from (0, 0) at threshold +inf to (1, 1) at the lowest score."""
    labels, scores = _validated(labels, scores)
    true_positives, false_positives, thresholds = _counts_at_thresholds(labels, scores)
    n_fake = true_positives[-1]
    fpr = np.concatenate(([0.0], false_positives / (len(labels) - n_fake)))
    tpr = np.concatenate(([0.0], true_positives / n_fake))
    return fpr, tpr, np.concatenate(([np.inf], thresholds))


def roc_auc(labels, scores) -> float:
    """Probability that a random fake outscores a random real (ties half): Mann-Whitney U / n1 n0."""
    labels, scores = _validated(labels, scores)
    _, tie_group, tie_sizes = np.unique(scores, return_inverse=True, return_counts=True)
    ranks_before = np.cumsum(tie_sizes) - tie_sizes
    average_rank = (ranks_before + (tie_sizes + 1) / 2.0)[tie_group]
    n_fake = int(labels.sum())
    n_real = len(labels) - n_fake
    u_statistic = average_rank[labels == 1].sum() - n_fake * (n_fake + 1) / 2.0
    return float(u_statistic / (n_fake * n_real))


def equal_error_rate(labels, scores) -> float:
    """The rate where false positives and false negatives are equally frequent (0 = separable)."""
    fpr, tpr, _ = roc_curve(labels, scores)
    fnr = 1.0 - tpr
    gap = fpr - fnr  # -1 at (0, 0), +1 at (1, 1), strictly increasing: every step adds a sample
    after = int(np.argmax(gap >= 0))
    if gap[after] == 0:
        return float(fpr[after])
    before = after - 1
    weight = -gap[before] / (gap[after] - gap[before])
    return float(fpr[before] + weight * (fpr[after] - fpr[before]))


def average_precision(labels, scores) -> float:
    """Precision averaged over the recall gained at each threshold (no interpolation)."""
    labels, scores = _validated(labels, scores)
    true_positives, false_positives, _ = _counts_at_thresholds(labels, scores)
    precision = true_positives / (true_positives + false_positives)
    recall_gain = np.diff(true_positives, prepend=0) / true_positives[-1]
    return float(np.sum(recall_gain * precision))


def detection_report(labels, scores) -> dict:
    """What an evaluation prints: AUC, EER and AP to 4 decimals, and the counts behind them."""
    labels, scores = _validated(labels, scores)
    n_fake = int(labels.sum())
    return {"auc": round(roc_auc(labels, scores), 4), "eer": round(equal_error_rate(labels, scores), 4),
            "ap": round(average_precision(labels, scores), 4), "n": len(labels), "n_fake": n_fake,
            "n_real": len(labels) - n_fake}
