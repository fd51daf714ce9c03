"""Deepfake detectors with scikit-learn's estimator API.

Each detector turns a face track (tracks.py) into one feature vector per frame (features.py) and
fits a standardised logistic regression on frames labelled with their video's label, as DeepfakeBench
trains frame-level detectors (Yan et al., 2023). A video's score is the mean of its frames' scores.
scikit-learn fits; a fitted detector is its numbers (LinearScores), so scoring a clip needs numpy
only (importing scikit-learn costs every process that scans a clip about 140 MB).

    detector = FrequencyDetector().fit(tracks, labels)
    detector.predict_proba(tracks)[:, 1]     # P(fake) per video; NaN for a video with no face
    detector.predict_frame_proba(tracks)     # P(fake) per frame, one array per video
    detector.score(tracks, labels)           # video-level ROC AUC (the field's headline figure)
    detector.save("frequency.json"); load_detector("frequency.json")

X is a list of FaceTracks, or the FeatureSet that `featurize` made of them (an evaluation featurizes
once and fits many times). Saved detectors are plain JSON (the scaler and the weights), not pickles:
reviewable, and safe to load from anywhere.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from workbench.files import write_atomically
from workbench.metrics.detection import roc_auc
from workbench.safety.deepfake import features
from workbench.safety.deepfake.tracks import FaceTrack

SAVE_FORMAT = 1


@dataclass(frozen=True)
class FeatureSet:
    """One detector's per-frame features of a list of videos."""
    detector: str
    frames: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.frames)

    def subset(self, indices: Sequence[int]) -> FeatureSet:
        return FeatureSet(self.detector, tuple(self.frames[i] for i in indices))


@dataclass(frozen=True)
class LinearScores:
    """A fitted standardised logistic regression as its numbers: P(fake) of a feature row x is
    sigmoid(((x - mean) / scale) . coef + intercept), what scikit-learn's StandardScaler and
    LogisticRegression.predict_proba compute."""
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def fake_probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(((rows - self.mean) / self.scale) @ self.coef + self.intercept)))


class DeepfakeDetector:
    """The shared estimator (scikit-learn's API: fit, predict_proba, predict, score, get_params);
    subclasses say what a frame's features are."""

    name = ""
    classes_ = np.array([0, 1])

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def get_params(self, deep: bool = True) -> dict:
        return {"C": self.C}

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        raise NotImplementedError

    def featurize(self, tracks: Sequence[FaceTrack]) -> FeatureSet:
        return FeatureSet(self.name, tuple(self.frame_features(track) for track in tracks))

    def fit(self, X, y) -> DeepfakeDetector:
        frames = self._frames(X)
        y = np.asarray(y, int)
        if len(y) != len(frames):
            raise ValueError(f"{len(frames)} videos but {len(y)} labels")
        rows = [f for f in frames if len(f)]
        if not rows:
            raise ValueError("no video has a face to learn from")
        labels = np.concatenate([np.full(len(f), label) for f, label in zip(frames, y) if len(f)])
        if len(set(labels.tolist())) < 2:
            raise ValueError("training needs real (0) and fake (1) videos with faces")
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000))
        model.fit(np.concatenate(rows), labels)
        scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
        self.model_ = LinearScores(scaler.mean_, scaler.scale_, regression.coef_[0], float(regression.intercept_[0]))
        return self

    def predict_frame_proba(self, X) -> list[np.ndarray]:
        """P(fake) of every frame with a face, one array per video (empty for a video without one)."""
        model = self._fitted()
        return [model.fake_probability(f) if len(f) else np.zeros(0) for f in self._frames(X)]

    def predict_proba(self, X) -> np.ndarray:
        """(videos, 2): P(real), P(fake) per video, the mean over its frames; NaN without a face."""
        fake = np.array([p.mean() if len(p) else np.nan for p in self.predict_frame_proba(X)])
        return np.c_[1 - fake, fake]

    def predict(self, X) -> np.ndarray:
        """1 (fake) where P(fake) >= 0.5, else 0; -1 for a video without a face (it cannot be judged)."""
        fake = self.predict_proba(X)[:, 1]
        return np.where(np.isnan(fake), -1, (fake >= 0.5).astype(int))

    def score(self, X, y, sample_weight=None) -> float:
        """Video-level ROC AUC over the videos that have a face (accuracy would depend on a threshold)."""
        fake = self.predict_proba(X)[:, 1]
        known = ~np.isnan(fake)
        return roc_auc(np.asarray(y)[known], fake[known])

    def save(self, path: Path, **about) -> Path:
        """Write the fitted detector as JSON; `about` (what it was trained on, its figures) goes along."""
        model = self._fitted()
        payload = {"format": SAVE_FORMAT, "detector": self.name, "params": self.get_params(),
                   "scaler": {"mean": model.mean.tolist(), "scale": model.scale.tolist()},
                   "coef": model.coef.tolist(), "intercept": model.intercept, "about": about}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(payload, indent=1).encode(), 0o644)
        return path

    def _frames(self, X) -> tuple[np.ndarray, ...]:
        if isinstance(X, FeatureSet):
            if X.detector != self.name:
                raise ValueError(f"these features were made by the {X.detector} detector, not {self.name}")
            return X.frames
        return self.featurize(X).frames

    def _fitted(self) -> LinearScores:
        if not hasattr(self, "model_"):
            raise ValueError(f"the {self.name} detector is not fitted: fit it or load a saved one")
        return self.model_


class FrequencyDetector(DeepfakeDetector):
    """Durall et al. (CVPR 2020): the azimuthally averaged power spectrum of the face crop."""

    name = "frequency"

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        return features.frequency_features(track.crops)


class BlendingBoundaryDetector(DeepfakeDetector):
    """Noise, sharpness and colour across the face's outline (the blending boundary; Li et al., CVPR
    2020) and between the lower and upper face."""

    name = "blending"

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        rows = [features.blending_features(crop, points) for crop, points in zip(track.crops, track.points)]
        return np.asarray(rows, np.float32).reshape(len(track), features.BLENDING_SIZE)


class TemporalDetector(DeepfakeDetector):
    """Landmark jitter, colour and sharpness flicker, identity drift across the track's frames."""

    name = "temporal"

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        return features.temporal_features(track.points, track.frame_points, track.crops, track.embeddings)


DETECTORS: dict[str, type[DeepfakeDetector]] = {
    cls.name: cls for cls in (FrequencyDetector, BlendingBoundaryDetector, TemporalDetector)}


def make_detector(name: str, **params) -> DeepfakeDetector:
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
    return DETECTORS[name](**params)


def load_detector(path: Path) -> DeepfakeDetector:
    """A detector saved by DeepfakeDetector.save, ready to predict."""
    payload = json.loads(Path(path).read_text())
    if payload.get("format") != SAVE_FORMAT:
        raise ValueError(f"{path} is not a saved detector of format {SAVE_FORMAT}")
    detector = make_detector(payload["detector"], **payload["params"])
    detector.model_ = LinearScores(np.asarray(payload["scaler"]["mean"]), np.asarray(payload["scaler"]["scale"]),
                                   np.asarray(payload["coef"]), float(payload["intercept"]))
    detector.about_ = payload.get("about", {})
    return detector
