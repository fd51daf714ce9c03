"""Deepfake detectors with scikit-learn's estimator API.

Two kinds. The feature detectors turn a face track (tracks.py) into one feature vector per frame
(features.py) and fit a standardised logistic regression on frames labelled with their video's
label, as DeepfakeBench trains frame-level detectors (Yan et al., 2023); scikit-learn fits, and a
fitted one is its numbers (LinearScores), so scoring a clip needs numpy only (importing scikit-learn
costs every process that scans a clip about 140 MB). The self-blended detector (self_blended.py)
trains a small network on real faces only, against pseudo-fakes it makes from them. Either way a
video's score is the mean of its frames' scores.

    detector = FrequencyDetector().fit(tracks, labels)
    detector.calibrate(held_out_tracks, held_out_labels)   # scores become probabilities
    detector.predict_proba(tracks)[:, 1]     # P(fake) per video (calibrated once calibrated); NaN without a face
    detector.video_scores(tracks)            # the uncalibrated score per video
    detector.predict_frame_proba(tracks)     # the score of each frame, one array per video
    detector.score(tracks, labels)           # video-level ROC AUC (the field's headline figure)
    detector.save("frequency.json"); load_detector("frequency.json")

X is a list of FaceTracks, or the FeatureSet that `featurize` made of them (an evaluation featurizes
once and fits many times). Saved detectors are JSON (the scaler and the weights; the self-blended
network's weights in a safetensors file beside it), never pickles: reviewable, and safe to load from
anywhere.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from workbench.files import write_atomically
from workbench.metrics.calibration import Calibration, fit_calibration
from workbench.metrics.detection import roc_auc
from workbench.safety.deepfake import features
from workbench.safety.deepfake.tracks import FaceTrack

SAVE_FORMAT = 2
#: files of format 1 (before calibration and the self-blended detector) load the same way
READABLE_FORMATS = (1, 2)


@dataclass(frozen=True)
class FeatureSet:
    """One detector's per-frame features of a list of videos (anything with a length per video)."""
    detector: str
    frames: tuple

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
    """The shared estimator (scikit-learn's API: fit, predict_proba, predict, score, get_params) and
    its calibration; subclasses say what a frame's features are, how they fit and how they are saved."""

    name = ""
    classes_ = np.array([0, 1])
    #: False for a detector that learns from real videos only (it is tested on every method as unseen)
    needs_fakes = True

    def get_params(self, deep: bool = True) -> dict:
        raise NotImplementedError

    def frame_features(self, track: FaceTrack):
        raise NotImplementedError

    def featurize(self, tracks: Sequence[FaceTrack]) -> FeatureSet:
        return FeatureSet(self.name, tuple(self.frame_features(track) for track in tracks))

    def fit(self, X, y) -> DeepfakeDetector:
        raise NotImplementedError

    def predict_frame_proba(self, X) -> list[np.ndarray]:
        """The uncalibrated score of every frame with a face, one array per video (empty without one)."""
        raise NotImplementedError

    def video_scores(self, X) -> np.ndarray:
        """Each video's uncalibrated score, the mean over its frames; NaN for a video without a face."""
        return np.array([p.mean() if len(p) else np.nan for p in self.predict_frame_proba(X)])

    def calibrate(self, X, y, method: str = "platt") -> DeepfakeDetector:
        """Fit the map from video score to P(fake) on held-out videos (never the training ones)."""
        scores = self.video_scores(X)
        known = ~np.isnan(scores)
        self.calibration_ = fit_calibration(np.asarray(y)[known], scores[known], method)
        self.calibrated_on_ = int(known.sum())
        return self

    def unseen_auc(self) -> float | None:
        """The video AUC measured when it was saved on manipulations it was not trained on (None if
        it was saved without figures)."""
        return unseen_auc_of(getattr(self, "about_", {}))

    def predict_proba(self, X) -> np.ndarray:
        """(videos, 2): P(real), P(fake) per video, calibrated if the detector is; NaN without a face."""
        fake = self.video_scores(X)
        calibration = getattr(self, "calibration_", None)
        if calibration is not None:
            known = ~np.isnan(fake)
            fake[known] = calibration(fake[known])
        return np.c_[1 - fake, fake]

    def predict(self, X) -> np.ndarray:
        """1 (fake) where P(fake) >= 0.5, else 0; -1 for a video without a face (it cannot be judged)."""
        fake = self.predict_proba(X)[:, 1]
        return np.where(np.isnan(fake), -1, (fake >= 0.5).astype(int))

    def score(self, X, y, sample_weight=None) -> float:
        """Video-level ROC AUC over the videos that have a face (accuracy would depend on a threshold)."""
        fake = self.video_scores(X)
        known = ~np.isnan(fake)
        return roc_auc(np.asarray(y)[known], fake[known])

    def save(self, path: Path, **about) -> Path:
        """Write the fitted detector as JSON; `about` (what it was trained on, its figures) goes along."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        calibration = getattr(self, "calibration_", None)
        payload = {"format": SAVE_FORMAT, "detector": self.name, "params": self.get_params(),
                   **self._saved_model(path), "calibration": calibration.to_dict() if calibration else None,
                   "about": about}
        write_atomically(path, json.dumps(payload, indent=1).encode(), 0o644)
        return path

    def _saved_model(self, path: Path) -> dict:
        raise NotImplementedError

    def _load_model(self, payload: dict, path: Path) -> None:
        raise NotImplementedError

    def _frames(self, X) -> tuple:
        if isinstance(X, FeatureSet):
            if X.detector != self.name:
                raise ValueError(f"these features were made by the {X.detector} detector, not {self.name}")
            return X.frames
        return self.featurize(X).frames

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise ValueError(f"the {self.name} detector is not fitted: fit it or load a saved one")
        return self.model_


class FeatureDetector(DeepfakeDetector):
    """A standardised, class-balanced logistic regression over one feature vector per frame."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def get_params(self, deep: bool = True) -> dict:
        return {"C": self.C}

    def fit(self, X, y) -> FeatureDetector:
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
        model = self._fitted()
        return [model.fake_probability(f) if len(f) else np.zeros(0) for f in self._frames(X)]

    def _saved_model(self, path: Path) -> dict:
        model = self._fitted()
        return {"scaler": {"mean": model.mean.tolist(), "scale": model.scale.tolist()},
                "coef": model.coef.tolist(), "intercept": model.intercept}

    def _load_model(self, payload: dict, path: Path) -> None:
        self.model_ = LinearScores(np.asarray(payload["scaler"]["mean"]), np.asarray(payload["scaler"]["scale"]),
                                   np.asarray(payload["coef"]), float(payload["intercept"]))


class FrequencyDetector(FeatureDetector):
    """Durall et al. (CVPR 2020): the azimuthally averaged power spectrum of the face crop."""

    name = "frequency"

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        return features.frequency_features(track.crops)


class BlendingBoundaryDetector(FeatureDetector):
    """Noise, sharpness and colour across the face's outline (the blending boundary; Li et al., CVPR
    2020) and between the lower and upper face."""

    name = "blending"

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        rows = [features.blending_features(crop, points) for crop, points in zip(track.crops, track.points)]
        return np.asarray(rows, np.float32).reshape(len(track), features.BLENDING_SIZE)


class TemporalDetector(FeatureDetector):
    """Landmark jitter, colour and sharpness flicker, identity drift across the track's frames."""

    name = "temporal"

    def frame_features(self, track: FaceTrack) -> np.ndarray:
        return features.temporal_features(track.points, track.frame_points, track.crops, track.embeddings)


@dataclass(frozen=True)
class FaceInputs:
    """A track's frames as the self-blended network reads them, with their landmarks."""
    images: np.ndarray
    points: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


class SelfBlendedDetector(DeepfakeDetector):
    """Shiohara & Yamasaki (CVPR 2022): a small network trained to tell real faces from self-blended
    copies of themselves (self_blended.py). It learns from real videos only: fit reads the videos
    labelled 0 and never opens the others. shuffled_labels=True is the control that cannot learn."""

    name = "self_blended"
    needs_fakes = False

    def __init__(self, steps: int = 1000, batch: int = 32, width: int = 16, learning_rate: float = 2e-3,
                 seed: int = 0, shuffled_labels: bool = False, time_limit_s: float | None = None) -> None:
        self.steps, self.batch, self.width, self.learning_rate = steps, batch, width, learning_rate
        self.seed, self.shuffled_labels, self.time_limit_s = seed, shuffled_labels, time_limit_s

    def get_params(self, deep: bool = True) -> dict:
        return {"steps": self.steps, "batch": self.batch, "width": self.width, "learning_rate": self.learning_rate,
                "seed": self.seed, "shuffled_labels": self.shuffled_labels, "time_limit_s": self.time_limit_s}

    def frame_features(self, track: FaceTrack) -> FaceInputs:
        from workbench.safety.deepfake.self_blended import network_inputs

        return FaceInputs(*network_inputs(track.crops, track.points))

    def fit(self, X, y=None) -> SelfBlendedDetector:
        """Train on the real videos of X (all of X when y is None; else those labelled 0)."""
        from workbench.safety.deepfake.self_blended import train

        frames = self._frames(X)
        real = [f for f, label in zip(frames, np.zeros(len(frames), int) if y is None else np.asarray(y, int))
                if label == 0 and len(f)]
        if not real:
            raise ValueError("training needs real (0) videos with faces")
        self.model_, self.training_ = train(
            np.concatenate([f.images for f in real]), np.concatenate([f.points for f in real]), width=self.width,
            steps=self.steps, batch=self.batch, learning_rate=self.learning_rate, seed=self.seed,
            shuffled_labels=self.shuffled_labels, time_limit_s=self.time_limit_s)
        return self

    def predict_frame_proba(self, X) -> list[np.ndarray]:
        from workbench.safety.deepfake.self_blended import fake_probability

        network = self._fitted()
        return [fake_probability(network, f.images) if len(f) else np.zeros(0) for f in self._frames(X)]

    def _saved_model(self, path: Path) -> dict:
        from safetensors.torch import save

        weights = save(self._fitted().state_dict())
        write_atomically(path.with_suffix(".safetensors"), weights, 0o644)
        return {"weights": path.with_suffix(".safetensors").name, "weights_sha256": hashlib.sha256(weights).hexdigest()}

    def _load_model(self, payload: dict, path: Path) -> None:
        from safetensors.torch import load

        from workbench.safety.deepfake.self_blended import BlendNet

        weights = (path.parent / payload["weights"]).read_bytes()
        if hashlib.sha256(weights).hexdigest() != payload["weights_sha256"]:
            raise ValueError(f"{payload['weights']} is not the weights {path.name} was saved with")
        network = BlendNet(self.width)
        network.load_state_dict(load(weights))
        self.model_ = network.eval()


DETECTORS: dict[str, type[DeepfakeDetector]] = {
    cls.name: cls for cls in (FrequencyDetector, BlendingBoundaryDetector, TemporalDetector, SelfBlendedDetector)}


def make_detector(name: str, **params) -> DeepfakeDetector:
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
    return DETECTORS[name](**params)


def unseen_auc_of(about: dict) -> float | None:
    """The cross-method video AUC among a saved detector's figures (`about`), if it was saved with them."""
    return about.get("figures", {}).get("cross_method_video_auc")


def saved_unseen_auc(path: Path) -> float | None:
    """A saved detector's measured cross-method AUC, read without loading its model (nor torch)."""
    return unseen_auc_of(json.loads(Path(path).read_text()).get("about", {}))


def load_detector(path: Path) -> DeepfakeDetector:
    """A detector saved by DeepfakeDetector.save, ready to predict (calibrated if it was saved so)."""
    path = Path(path)
    payload = json.loads(path.read_text())
    if payload.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{path} is not a saved detector of format {SAVE_FORMAT}")
    detector = make_detector(payload["detector"], **payload["params"])
    detector._load_model(payload, path)
    if payload.get("calibration"):
        detector.calibration_ = Calibration.from_dict(payload["calibration"])
    detector.about_ = payload.get("about", {})
    return detector
