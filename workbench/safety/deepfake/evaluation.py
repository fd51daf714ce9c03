"""The evaluation protocol, after DeepfakeBench (Yan et al., NeurIPS 2023 Datasets and Benchmarks).

Every video is read the same way for every detector: a fixed number of frames spread over it, the
largest face in each (tracks.py). A detector is trained on the train split and tested on the test
split, and scored at two levels: frame level (every test frame a sample, labelled with its video's
label) and video level (a video's score is the mean of its frames'). Each level reports ROC AUC, EER
and AP (workbench.metrics.detection).

Protocols, for each detector:
- in_method: train on real videos and one method's fakes, test on the same method (as FaceForensics++
  reports each manipulation on its own);
- cross_method: train on real videos and every other method's fakes, test on the method held out:
  how well a detector meets a manipulation it never saw;
- all_methods: train and test on every method together;
- cross_dataset (when a reference set is given): train on the reference set (all methods), test on
  this one, as DeepfakeBench trains on FaceForensics++ and tests on Celeb-DF.

A detector that learns from real videos only (the self-blended one) is fitted once on the real
training videos and reported as cross_method on every method (it saw none) and all_methods.

Each detector trained on every method is also calibrated (workbench.metrics.calibration): the map
is fitted on the validation split if the data has one, else on one half of the test split (by a hash
of each file's name), and its expected calibration error and reliability rows are reported on the
other. Given perturbed copies of the test videos (perturbations.py), it reports the video AUC on
each, beside the clean one.

Splits come from the videos (the shipped benchmark splits by identity; FaceForensics++ by its
official pairs); a video without one is assigned by a hash of its identity (or its name), 70 % train,
so that one person never lands on both sides. Videos in "val" only fit calibrations: nothing is tuned.
Videos where no face was found cannot be scored; they are counted, not guessed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from workbench.metrics.calibration import expected_calibration_error, reliability
from workbench.metrics.detection import detection_report
from workbench.safety.deepfake.detectors import DETECTORS, FeatureSet, make_detector
from workbench.safety.deepfake.samples import REAL_METHOD, LabelledVideo
from workbench.safety.deepfake.tracks import FaceTrack

PROTOCOLS = ("in_method", "cross_method", "all_methods", "cross_dataset")


@dataclass(frozen=True)
class Labelled:
    """Videos with their face tracks, as one evaluation reads them."""
    videos: tuple[LabelledVideo, ...]
    tracks: tuple[FaceTrack, ...]

    def __post_init__(self) -> None:
        if len(self.videos) != len(self.tracks):
            raise ValueError(f"{len(self.videos)} videos but {len(self.tracks)} tracks")


def assigned_split(video: LabelledVideo, train_share: float = 0.7) -> str:
    """The video's own split, else one drawn from a hash of its identity (or file name)."""
    if video.split is not None:
        return video.split
    key = video.identity or video.path.stem
    fraction = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 16 ** 8
    return "train" if fraction < train_share else "test"


def evaluate(data: Labelled, detectors: Sequence[str] = tuple(DETECTORS), *, reference: Labelled | None = None,
             perturbed: dict[str, Labelled] | None = None, calibration: str = "platt", dataset: str = "",
             params: dict[str, dict] | None = None, fitted: dict | None = None,
             progress: Callable[[str], None] | None = None) -> dict:
    """Every protocol that the data allows, for every detector, with each detector's calibration
    (fitted on a held-out split) and its AUC on `perturbed` copies of the test videos: a JSON-ready
    report. `params` are detectors' parameters by name (say, fewer training steps for the
    self-blended one); `fitted`, if given, receives each detector trained on every method (the self-blended one
    on real videos), calibrated: what `workbench detect train` saves for the scan."""
    say = progress or (lambda message: None)
    params = params or {}
    labels = np.array([v.label for v in data.videos])
    methods = np.array([v.method for v in data.videos])
    splits = np.array([assigned_split(v) for v in data.videos])
    fakes = sorted(set(methods.tolist()) - {REAL_METHOD})
    train, test = splits == "train", splits == "test"
    real = methods == REAL_METHOD
    fitting, checking = calibration_halves(data.videos, splits)

    def real_and(method: str) -> np.ndarray:
        return real | (methods == method)

    experiments: list[tuple[str, list[str], str, np.ndarray, np.ndarray]] = []
    for method in fakes:
        experiments.append(("in_method", [method], method, train & real_and(method), test & real_and(method)))
    if len(fakes) > 1:
        for method in fakes:
            others = [m for m in fakes if m != method]
            experiments.append(("cross_method", others, method, train & (methods != method), test & real_and(method)))
        experiments.append(("all_methods", fakes, "all", train, test))
    if reference is not None:
        reference_labels = np.array([v.label for v in reference.videos])
        reference_train = np.array([assigned_split(v) == "train" for v in reference.videos])
        reference_trained_on = [f"reference: {', '.join(sorted({v.method for v in reference.videos} - {REAL_METHOD}))}"]
        targets = [(m, test & real_and(m)) for m in fakes] + ([("all", test)] if len(fakes) > 1 else [])

    results, calibrations, robustness = [], {}, []
    for name in detectors:
        say(f"{name}: features")
        detector = make_detector(name, **params.get(name, {}))
        features = detector.featurize(data.tracks)
        if detector.needs_fakes:
            runs = experiments
        else:  # one fit on the real training videos; every method is one it never saw
            say(f"{name}: trained on real videos only")
            fitted_once = _fit(detector, features, labels, train & real)
            runs = [("cross_method", [], m, train & real, test & real_and(m)) for m in fakes]
            runs += [("all_methods", [], "all", train & real, test)] if len(fakes) > 1 else []
        final = None if detector.needs_fakes else fitted_once
        for protocol, trained_on, tested_on, train_mask, test_mask in runs:
            say(f"{name}: {protocol} {tested_on}")
            model = _fit(detector, features, labels, train_mask) if detector.needs_fakes else fitted_once
            results.append(_result(name, protocol, trained_on, tested_on, model, features, labels, test_mask))
            if tested_on == "all" or len(fakes) == 1:
                final = model
        if final is not None and fitting.any() and checking.any():
            fit_on = np.flatnonzero(fitting)
            final.calibrate(features.subset(fit_on), labels[fit_on], calibration)
            calibrations[name] = _calibration(final, features, labels, checking)
        if final is not None and fitted is not None:
            fitted[name] = final
        if final is not None and perturbed:
            robustness += _robustness(name, final, features, labels, test, perturbed)
        if reference is not None:
            model = _fit(detector, detector.featurize(reference.tracks), reference_labels, reference_train)
            for tested_on, test_mask in targets:
                results.append(_result(name, "cross_dataset", reference_trained_on, tested_on, model, features,
                                       labels, test_mask))

    return {
        "dataset": dataset,
        "frames_per_video": max((t.sampled for t in data.tracks), default=0),
        "videos": {"total": len(data.videos), "train": int(train.sum()), "test": int(test.sum()),
                   "by_method": {m: int((methods == m).sum()) for m in sorted(set(methods.tolist()))},
                   "without_face": sum(1 for t in data.tracks if len(t) == 0)},
        "results": results,
        "summary": summarise(results),
        "calibration": calibrations,
        "robustness": robustness,
    }


def calibration_halves(videos: Sequence[LabelledVideo], splits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a detector's calibration is fitted, and where it is checked: the validation split and the
    test split when the data has one, else the test split cut in two by a hash of each file's name."""
    if (splits == "val").any():
        return splits == "val", splits == "test"
    halves = np.array([int(hashlib.sha256(v.path.stem.encode()).hexdigest()[:8], 16) % 2 for v in videos])
    return (splits == "test") & (halves == 0), (splits == "test") & (halves == 1)


def _fit(detector, features: FeatureSet, labels: np.ndarray, mask: np.ndarray):
    """A fresh detector with `detector`'s parameters, fitted on the videos in mask."""
    indices = np.flatnonzero(mask)
    return make_detector(detector.name, **detector.get_params()).fit(features.subset(indices), labels[indices])


def _calibration(detector, features: FeatureSet, labels: np.ndarray, checking: np.ndarray) -> dict:
    """How well the calibrated detector's probabilities hold on the held-out half it was not calibrated
    on: expected calibration error before and after, and the reliability diagram after."""
    check_on = np.flatnonzero(checking)
    raw = detector.video_scores(features.subset(check_on))
    known = ~np.isnan(raw)
    truth, calibrated = labels[check_on][known], detector.calibration_(raw[known])
    return {"method": detector.calibration_.method, "fitted_on": detector.calibrated_on_, "checked_on": int(known.sum()),
            "ece_uncalibrated": round(expected_calibration_error(truth, raw[known]), 4),
            "ece": round(expected_calibration_error(truth, calibrated), 4),
            "reliability": reliability(truth, calibrated), "map": detector.calibration_.to_dict()}


def _robustness(name: str, detector, features: FeatureSet, labels: np.ndarray, test: np.ndarray,
                perturbed: dict[str, Labelled]) -> list[dict]:
    """Video AUC of the detector (trained on every method, on clean videos) on the clean test videos
    and on each perturbed copy of them."""
    indices = np.flatnonzero(test)
    rows = [{"detector": name, "perturbation": "none", **_auc_row(detector, features.subset(indices), labels[indices])}]
    for perturbation, copies in perturbed.items():
        copy_labels = np.array([v.label for v in copies.videos])
        rows.append({"detector": name, "perturbation": perturbation,
                     **_auc_row(detector, detector.featurize(copies.tracks), copy_labels)})
    return rows


def _auc_row(detector, features: FeatureSet, labels: np.ndarray) -> dict:
    scores = detector.video_scores(features)
    known = ~np.isnan(scores)
    report = _report(labels[known], scores[known])
    return {"video_auc": report.get("auc"), "videos": int(known.sum()), "without_face": int((~known).sum())}


def _result(name: str, protocol: str, trained_on: list[str], tested_on: str, detector, features: FeatureSet,
            labels: np.ndarray, mask: np.ndarray) -> dict:
    indices = np.flatnonzero(mask)
    frame_scores = detector.predict_frame_proba(features.subset(indices))
    scored = [i for i, scores in zip(indices, frame_scores) if len(scores)]
    frame_labels = np.concatenate([np.full(len(s), labels[i]) for i, s in zip(indices, frame_scores) if len(s)])
    video_scores = np.array([s.mean() for s in frame_scores if len(s)])
    return {"detector": name, "protocol": protocol, "trained_on": trained_on, "tested_on": tested_on,
            "frame": _report(frame_labels, np.concatenate([s for s in frame_scores if len(s)])),
            "video": _report(labels[scored], video_scores)}


def _report(labels: np.ndarray, scores: np.ndarray) -> dict:
    """The metrics, or why there are none (a test set with one class only)."""
    if len(set(labels.tolist())) < 2:
        return {"n": int(len(labels)), "error": "the test set needs real and fake videos"}
    return detection_report(labels, scores)


def summarise(results: list[dict]) -> dict:
    """Per detector and protocol, the mean video-level AUC over the methods tested (the headline
    figures: in-method against cross-method shows how much a detector loses on what it never saw)."""
    out: dict = {}
    for row in results:
        if row["tested_on"] == "all" or "auc" not in row["video"]:
            continue
        out.setdefault(row["detector"], {}).setdefault(row["protocol"], []).append(row["video"]["auc"])
    return {detector: {f"{protocol}_video_auc": round(float(np.mean(aucs)), 4) for protocol, aucs in protocols.items()}
            for detector, protocols in out.items()}
