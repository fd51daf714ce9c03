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
    make_detector,
)
from workbench.safety.deepfake.evaluation import Labelled, assigned_split
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
                    **about) -> dict[str, DeepfakeDetector]:
    """Each detector fitted on the train split (every method), saved as out_dir/NAME.json if given."""
    train = [i for i, v in enumerate(data.videos) if assigned_split(v) == "train"]
    fitted = {}
    for name in names:
        detector = make_detector(name).fit([data.tracks[i] for i in train], [data.videos[i].label for i in train])
        if out_dir is not None:
            detector.save(Path(out_dir) / f"{name}.json", videos=len(train), **about)
        fitted[name] = detector
    return fitted


def load_detectors(folder: Path = SHIPPED_DETECTORS) -> dict[str, DeepfakeDetector]:
    """Every saved detector in folder, by name (none if the folder holds none)."""
    return {path.stem: load_detector(path) for path in sorted(Path(folder).glob("*.json"))}
