"""The evaluation harness end to end, as the CLI and the notebook run it: build (or find) the
shipped benchmark or read a data set folder, extract face tracks (cached), train and evaluate, and
train the detectors the output scan uses (data/detectors/)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from workbench.config import Settings
from workbench.faces.engine import shared_engine
from workbench.files import packaged_data
from workbench.safety.deepfake.benchmark import BenchmarkConfig, build_benchmark
from workbench.safety.deepfake.datasets import load_dataset
from workbench.safety.deepfake.detectors import (
    DETECTORS,
    DeepfakeDetector,
    load_detector,
    saved_unseen_auc,
)
from workbench.safety.deepfake.evaluation import Labelled, assigned_split, evaluate
from workbench.safety.deepfake.perturbations import PERTURBATIONS, perturbed_videos
from workbench.safety.deepfake.samples import LabelledVideo
from workbench.safety.deepfake.tracks import DEFAULT_FRAMES, extract_tracks

#: the detectors the output scan loads, trained on the default shipped benchmark's train split
SHIPPED_DETECTORS = packaged_data("detectors")
#: the face engine's detector input for tracks: benchmark frames are 256 px, faces large
TRACK_DET_SIZE = (320, 320)

Progress = Callable[[int, int], None]


def detection_engine(settings: Settings | None = None, det_size: tuple[int, int] = TRACK_DET_SIZE):
    """A face engine over the configured pack (the default one is built if missing)."""

    settings = settings or Settings()
    return shared_engine(settings.resolved_face_model_root(), settings.face_pack, det_size=det_size)


def with_tracks(videos: Sequence[LabelledVideo], *, settings: Settings | None = None, engine=None,
                frames: int = DEFAULT_FRAMES, workers: int = 1, progress: Progress | None = None) -> Labelled:
    """The videos with their face tracks (cached under the data folder by file content)."""
    settings = settings or Settings()
    engine = engine or detection_engine(settings)
    tracks = extract_tracks([v.path for v in videos], engine, frames, settings.resolved_deepfake_dir() / "tracks",
                            progress=progress, workers=workers)
    return Labelled(tuple(videos), tuple(tracks))


def shipped_benchmark(config: BenchmarkConfig = BenchmarkConfig(), *, settings: Settings | None = None,
                      workers: int = 1, progress: Progress | None = None) -> list[LabelledVideo]:
    """The shipped benchmark for `config`, built under the data folder on first use."""
    settings = settings or Settings()
    folder = settings.resolved_deepfake_dir() / f"benchmark-{config.key()}"
    return build_benchmark(folder, config, progress=progress, workers=workers)


def dataset_videos(root: Path) -> list[LabelledVideo]:
    """A FaceForensics++, Celeb-DF or DFDC folder's videos (the layout is recognised)."""
    return load_dataset(Path(root))


def train_detectors(data: Labelled, names: Sequence[str] = tuple(DETECTORS), out_dir: Path | None = None,
                    calibration: str = "platt", **about) -> tuple[dict[str, DeepfakeDetector], dict]:
    """Each detector as the evaluation fits it on the train split (every method; the self-blended one on
    its real videos), calibrated on one half of the held-out split, with the evaluation's report; saved
    as out_dir/NAME.json if given, its measured figures (cross-method AUC, calibration error) along."""
    fitted: dict[str, DeepfakeDetector] = {}
    report = evaluate(data, names, calibration=calibration, fitted=fitted)
    if out_dir is not None:
        save_detectors(fitted, report, Path(out_dir), **about)
    return fitted, report


def save_detectors(fitted: dict[str, DeepfakeDetector], report: dict, out_dir: Path, **about) -> None:
    """The detectors an evaluation fitted (`evaluate(..., fitted=)`), saved as out_dir/NAME.json with
    the figures it measured: cross-method AUC and calibration error."""
    for name, detector in fitted.items():
        figures = {**report["summary"].get(name, {}), "ece": report["calibration"].get(name, {}).get("ece")}
        detector.save(Path(out_dir) / f"{name}.json", figures=figures, **about)


def scan_choice(measured: dict[str, float | None], choice: str = "best") -> list[str]:
    """The detectors (by name, each with its measured cross-method AUC or None) the output scan runs:
    "best" (the one with the highest measured cross-method AUC), "all", or names separated by commas."""
    if choice == "all" or not measured:
        return list(measured)
    if choice == "best":
        return [max(measured, key=lambda name: measured[name] or 0.0)]
    names = [name.strip() for name in choice.split(",") if name.strip()]
    unknown = sorted(set(names) - set(measured))
    if unknown:
        raise ValueError(f"no saved detector {', '.join(unknown)}; saved: {', '.join(measured)}")
    return names


def load_detectors(folder: Path = SHIPPED_DETECTORS, choice: str = "all") -> dict[str, DeepfakeDetector]:
    """The saved detectors in folder that scan_choice picks, by name (none if the folder holds none):
    the choice is made on their saved figures, so a detector not chosen is never loaded (the
    self-blended one's loading imports torch)."""
    paths = {path.stem: path for path in sorted(Path(folder).glob("*.json"))}
    chosen = scan_choice({name: saved_unseen_auc(path) for name, path in paths.items()}, choice)
    return {name: load_detector(paths[name]) for name in chosen}


def perturbed_tests(data: Labelled, names: Sequence[str] = tuple(PERTURBATIONS), *, settings: Settings | None = None,
                    workers: int = 1, progress: Progress | None = None) -> dict[str, Labelled]:
    """The test split's videos under each perturbation, with their face tracks (copies and tracks are
    made once, under the data folder)."""
    settings = settings or Settings()
    test = [v for v in data.videos if assigned_split(v) == "test"]
    folder = settings.resolved_deepfake_dir() / "perturbed"
    out = {}
    for name in names:
        copies = perturbed_videos(test, PERTURBATIONS[name], folder, workers=workers)
        out[name] = with_tracks(copies, settings=settings, workers=workers, progress=progress)
    return out
