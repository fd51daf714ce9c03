"""Loaders for the folder layouts of three public deepfake data sets, for users who have downloaded
them. Each returns the videos as `LabelledVideo`s (samples.py) sorted by path, and `load_dataset` tells
the layouts apart. Only file names and the data sets' own list files are read, never the videos; a path
that does not fit its layout is ignored rather than guessed at.

FaceForensics++ (Rössler et al., ICCV 2019), as its download script lays it out
(dataset/README.md of the FaceForensics repository). A user needs the videos of one compression
(raw, c23 or c40) and, for splits, the official train.json, val.json and test.json
(dataset/splits/ in that repository) in ROOT/splits/::

    ROOT/original_sequences/youtube/<compression>/videos/000.mp4          real, identity 000
    ROOT/original_sequences/actors/<compression>/videos/01__walking.mp4   real (DeepFakeDetection), identity 01
    ROOT/manipulated_sequences/<Method>/<compression>/videos/000_003.mp4  fake: target 000, source 003
    ROOT/manipulated_sequences/DeepFakeDetection/<compression>/videos/01_02__meeting_serious__YVGY8LOK.mp4
                                                                          fake: target 01, source 02

Celeb-DF v2 (Li et al., CVPR 2020), as its README (the celeb-deepfakeforensics repository)
describes; v1 has the same layout without YouTube-real. A user needs the video folders and, for
splits, List_of_testing_videos.txt, in which 1 means REAL and 0 FAKE (the opposite of samples.py)::

    ROOT/Celeb-real/id0_0000.mp4            real, identity id0
    ROOT/YouTube-real/00000.mp4             real, identity not given
    ROOT/Celeb-synthesis/id0_id16_0000.mp4  fake: target id0, source id16
    ROOT/List_of_testing_videos.txt         lines like "1 YouTube-real/00170.mp4": the test split

DFDC (Dolhansky et al., 2020, arXiv:2006.07397). A user needs the unzipped parts of the Kaggle full
training set, each a folder with its metadata.json beside its videos, and/or the public test set, a
labels.csv ("filename,label", 1 = fake) beside its videos or beside a "videos" folder holding them;
any depth under ROOT::

    ROOT/dfdc_train_part_0/metadata.json    {"aaqaifqrwn.mp4": {"label": "FAKE", "split": "train", "original": ...}}
    ROOT/dfdc_train_part_0/aaqaifqrwn.mp4
    ROOT/test/labels.csv
    ROOT/test/videos/aalscayrfi.mp4
"""
from __future__ import annotations

import csv
import json
import re
import warnings
from dataclasses import replace
from pathlib import Path

from workbench.safety.deepfake.samples import (
    FAKE,
    REAL,
    REAL_METHOD,
    SPLITS,
    LabelledVideo,
)

FACEFORENSICS = "FaceForensics++"
CELEB_DF = "Celeb-DF"
DFDC = "DFDC"

FF_COMPRESSIONS = ("raw", "c23", "c40")
#: FaceForensics++'s face manipulations, named as its folders are; fakes of target_source.mp4
FF_METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")
#: Google's DeepFakeDetection, distributed with FaceForensics++ and named target_source__scene__id.mp4
FF_DFD_METHOD = "DeepFakeDetection"

CELEB_DF_METHOD = "Celeb-synthesis"
CELEB_DF_REAL_FOLDERS = ("Celeb-real", "YouTube-real")
CELEB_DF_TEST_LIST = "List_of_testing_videos.txt"
#: List_of_testing_videos.txt's labels: 1 is real there
CELEB_DF_TEST_LABELS = {"1": REAL, "0": FAKE}

DFDC_METHOD = "DFDC"
DFDC_LABELS = {"FAKE": FAKE, "REAL": REAL}


def load_faceforensics(root: str | Path, compression: str = "c23",
                       splits_dir: str | Path | None = None) -> list[LabelledVideo]:
    """FaceForensics++'s videos of one compression. Splits come from the official train/val/test.json
    in `splits_dir` (ROOT/splits/ when that exists); the actors and DeepFakeDetection have none."""
    root = _folder(root)
    if compression not in FF_COMPRESSIONS:
        raise ValueError(f"compression must be one of {FF_COMPRESSIONS}, not {compression!r}")
    if splits_dir is None and (root / "splits").is_dir():
        splits_dir = root / "splits"
    id_splits, pair_splits = _ff_splits(Path(splits_dir)) if splits_dir is not None else ({}, {})

    def videos(*folders: str) -> list[Path]:
        return list(root.joinpath(*folders, compression, "videos").glob("*.mp4"))

    found = []
    for path in videos("original_sequences", "youtube"):
        if re.fullmatch(r"\d{3}", path.stem):
            found.append(LabelledVideo(path, REAL, REAL_METHOD, path.stem, split=id_splits.get(path.stem),
                                       dataset=FACEFORENSICS))
    for path in videos("original_sequences", "actors"):
        if match := re.fullmatch(r"(\d+)__.+", path.stem):
            found.append(LabelledVideo(path, REAL, REAL_METHOD, match[1], dataset=FACEFORENSICS))
    for method in FF_METHODS:
        for path in videos("manipulated_sequences", method):
            if match := re.fullmatch(r"(\d{3})_(\d{3})", path.stem):
                found.append(LabelledVideo(path, FAKE, method, match[1], match[2],
                                           pair_splits.get(frozenset(match.groups())), FACEFORENSICS))
    for path in videos("manipulated_sequences", FF_DFD_METHOD):
        if match := re.fullmatch(r"(\d+)_(\d+)__.+", path.stem):
            found.append(LabelledVideo(path, FAKE, FF_DFD_METHOD, match[1], match[2], dataset=FACEFORENSICS))
    return _non_empty(found, f"FaceForensics++ videos (*.mp4) in {root}/original_sequences/{{youtube,actors}}/"
                             f"{compression}/videos or {root}/manipulated_sequences/<method>/{compression}/videos")


def _ff_splits(folder: Path) -> tuple[dict[str, str], dict[frozenset[str], str]]:
    """Each video id's split, and each target/source pair's (either order), from the official files."""
    id_splits, pair_splits = {}, {}
    for split in SPLITS:
        path = folder / f"{split}.json"
        if not path.is_file():
            raise FileNotFoundError(f"no FaceForensics++ split file {path} (the official train.json, "
                                    f"val.json and test.json belong in one folder)")
        for pair in json.loads(path.read_text()):
            pair_splits[frozenset(pair)] = split
            id_splits.update(dict.fromkeys(pair, split))
    return id_splits, pair_splits


def load_celeb_df(root: str | Path) -> list[LabelledVideo]:
    """Celeb-DF (v2, or v1 without YouTube-real). Videos in List_of_testing_videos.txt are "test", the
    rest "train"; without that file, split is None. A label there that contradicts the video's folder
    raises ValueError, as it means the file or the folders are not Celeb-DF's."""
    root = _folder(root)
    test_list = root / CELEB_DF_TEST_LIST
    test_labels = _celeb_df_test_labels(test_list) if test_list.is_file() else None

    found = []
    for path in root.glob("Celeb-real/*.mp4"):
        if match := re.fullmatch(r"(id\d+)_\d+", path.stem):
            found.append(LabelledVideo(path, REAL, REAL_METHOD, match[1], dataset=CELEB_DF))
    for path in root.glob("YouTube-real/*.mp4"):
        if re.fullmatch(r"\d+", path.stem):
            found.append(LabelledVideo(path, REAL, REAL_METHOD, dataset=CELEB_DF))
    for path in root.glob(f"{CELEB_DF_METHOD}/*.mp4"):
        if match := re.fullmatch(r"(id\d+)_(id\d+)_\d+", path.stem):
            found.append(LabelledVideo(path, FAKE, CELEB_DF_METHOD, match[1], match[2], dataset=CELEB_DF))
    found = _non_empty(found, f"Celeb-DF videos (*.mp4) in {root}/Celeb-real, {root}/YouTube-real "
                              f"or {root}/{CELEB_DF_METHOD}")
    if test_labels is None:
        return found
    out = []
    for video in found:
        listed = test_labels.get(video.path.relative_to(root).as_posix())
        if listed is not None and listed != video.label:
            raise ValueError(f"{test_list} calls {video.path.relative_to(root)} "
                             f"{'real' if listed == REAL else 'fake'}, but its folder says otherwise")
        out.append(replace(video, split="train" if listed is None else "test"))
    return out


def _celeb_df_test_labels(path: Path) -> dict[str, int]:
    """List_of_testing_videos.txt as {relative path: label in samples.py's convention}."""
    labels = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        flag, relative = line.split()
        if flag not in CELEB_DF_TEST_LABELS:
            raise ValueError(f"{path}:{number}: label must be 1 (real) or 0 (fake), not {flag!r}")
        labels[relative] = CELEB_DF_TEST_LABELS[flag]
    return labels


def load_dfdc(root: str | Path) -> list[LabelledVideo]:
    """DFDC's training parts (metadata.json) and public test set (labels.csv), at any depth under root.
    Listed videos missing on disk are skipped, with one warning giving their count, so a partly
    downloaded set still loads but not silently."""
    root = _folder(root)
    found, missing = [], 0
    for metadata in sorted(root.rglob("metadata.json")):
        for name, entry in json.loads(metadata.read_text()).items():
            path = metadata.parent / name
            if not path.is_file():
                missing += 1
                continue
            if entry["label"] not in DFDC_LABELS:
                raise ValueError(f"{metadata}: {name}'s label must be FAKE or REAL, not {entry['label']!r}")
            label = DFDC_LABELS[entry["label"]]
            split = entry.get("split")
            found.append(LabelledVideo(path, label, DFDC_METHOD if label == FAKE else REAL_METHOD,
                                       split=split if split in SPLITS else "train", dataset=DFDC))
    for labels in sorted(root.rglob("labels.csv")):
        with labels.open(newline="") as file:
            for row in csv.DictReader(file):
                beside = (labels.parent / row["filename"], labels.parent / "videos" / row["filename"])
                path = next((candidate for candidate in beside if candidate.is_file()), None)
                if path is None:
                    missing += 1
                    continue
                if row["label"] not in ("0", "1"):
                    raise ValueError(f"{labels}: {row['filename']}'s label must be 1 (fake) or 0 (real), "
                                     f"not {row['label']!r}")
                label = FAKE if row["label"] == "1" else REAL
                found.append(LabelledVideo(path, label, DFDC_METHOD if label == FAKE else REAL_METHOD,
                                           split="test", dataset=DFDC))
    if missing:
        warnings.warn(f"{missing} videos listed in the metadata.json / labels.csv files under {root} "
                      f"are not on disk; skipped them")
    return _non_empty(found, f"DFDC videos listed in a metadata.json or labels.csv under {root}")


def load_dataset(root: str | Path) -> list[LabelledVideo]:
    """Whichever of the three layouts root has (FaceForensics++ at its default compression, c23)."""
    root = _folder(root)
    if (root / "original_sequences").is_dir() or (root / "manipulated_sequences").is_dir():
        return load_faceforensics(root)
    if any((root / folder).is_dir() for folder in (*CELEB_DF_REAL_FOLDERS, CELEB_DF_METHOD)):
        return load_celeb_df(root)
    if next(root.rglob("metadata.json"), None) or next(root.rglob("labels.csv"), None):
        return load_dfdc(root)
    raise ValueError(f"{root} has none of the layouts known here: FaceForensics++ (original_sequences/ or "
                     f"manipulated_sequences/), Celeb-DF (Celeb-real/, YouTube-real/ or {CELEB_DF_METHOD}/) "
                     f"or DFDC (a metadata.json or labels.csv at any depth)")


def _folder(root: str | Path) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no data set folder at {root}")
    return root


def _non_empty(videos: list[LabelledVideo], looked_for: str) -> list[LabelledVideo]:
    """videos sorted by path, or ValueError naming what was looked for, so an empty or mistyped folder
    is not evaluated as zero videos."""
    if not videos:
        raise ValueError(f"found no {looked_for}")
    return sorted(videos, key=lambda video: video.path)
