"""The data set loaders on small fake trees of FaceForensics++, Celeb-DF and DFDC (empty .mp4 files: the
loaders read only names and list files), so a user's downloaded copy is labelled and split as the data
set's own files say, and a wrong or partial folder fails loudly instead of loading as something else."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.safety.deepfake.datasets import load_celeb_df, load_dataset, load_dfdc, load_faceforensics
from workbench.safety.deepfake.samples import FAKE, REAL, REAL_METHOD, LabelledVideo


def touch(root: Path, *relatives: str) -> None:
    for relative in relatives:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0")


def by_name(videos: list[LabelledVideo]) -> dict[str, LabelledVideo]:
    return {video.path.name: video for video in videos}


@pytest.fixture
def faceforensics(tmp_path: Path) -> Path:
    touch(tmp_path,
          "original_sequences/youtube/c23/videos/071.mp4",
          "original_sequences/youtube/c23/videos/054.mp4",
          "original_sequences/youtube/c23/videos/900.mp4",
          "original_sequences/youtube/c40/videos/071.mp4",
          "original_sequences/youtube/c23/videos/notes.mp4",
          "original_sequences/actors/c23/videos/01__walking.mp4",
          "manipulated_sequences/Deepfakes/c23/videos/054_071.mp4",
          "manipulated_sequences/FaceShifter/c23/videos/071_054.mp4",
          "manipulated_sequences/NeuralTextures/c23/videos/900_901.mp4",
          "manipulated_sequences/UnknownMethod/c23/videos/071_054.mp4",
          "manipulated_sequences/DeepFakeDetection/c23/videos/01_02__meeting_serious__YVGY8LOK.mp4")
    (tmp_path / "splits").mkdir()
    for split, pairs in {"train": [["071", "054"]], "val": [["900", "901"]], "test": [["123", "456"]]}.items():
        (tmp_path / "splits" / f"{split}.json").write_text(json.dumps(pairs))
    return tmp_path


def described(videos, root: Path, dataset: str) -> dict:
    """Each video as (label, method, identity, source, split) by its path under root; checks the order
    and the data set's name on the way."""
    assert [video.path for video in videos] == sorted(video.path for video in videos)
    assert all(video.dataset == dataset for video in videos)
    return {video.path.relative_to(root).as_posix(): (video.label, video.method, video.identity,
                                                      video.source_identity, video.split) for video in videos}


def test_faceforensics_labels_methods_identities_and_official_splits(faceforensics: Path) -> None:
    rows = described(load_faceforensics(faceforensics), faceforensics, "FaceForensics++")
    # c40, names not of the layout and methods FaceForensics++ does not have are left out
    assert rows == {
        "original_sequences/youtube/c23/videos/071.mp4": (REAL, REAL_METHOD, "071", None, "train"),
        "original_sequences/youtube/c23/videos/054.mp4": (REAL, REAL_METHOD, "054", None, "train"),
        "original_sequences/youtube/c23/videos/900.mp4": (REAL, REAL_METHOD, "900", None, "val"),
        "original_sequences/actors/c23/videos/01__walking.mp4": (REAL, REAL_METHOD, "01", None, None),
        "manipulated_sequences/Deepfakes/c23/videos/054_071.mp4": (FAKE, "Deepfakes", "054", "071", "train"),
        "manipulated_sequences/FaceShifter/c23/videos/071_054.mp4": (FAKE, "FaceShifter", "071", "054", "train"),
        "manipulated_sequences/NeuralTextures/c23/videos/900_901.mp4": (FAKE, "NeuralTextures", "900", "901",
                                                                         "val"),
        "manipulated_sequences/DeepFakeDetection/c23/videos/01_02__meeting_serious__YVGY8LOK.mp4":
            (FAKE, "DeepFakeDetection", "01", "02", None),
    }


def test_faceforensics_compression_and_splits_dir(faceforensics: Path, tmp_path_factory: pytest.TempPathFactory
                                                  ) -> None:
    assert [video.path.relative_to(faceforensics).as_posix() for video in
            load_faceforensics(faceforensics, compression="c40")] == ["original_sequences/youtube/c40/videos/071.mp4"]
    other = tmp_path_factory.mktemp("other_splits")
    for split, pairs in {"train": [], "val": [], "test": [["054", "071"]]}.items():
        (other / f"{split}.json").write_text(json.dumps(pairs))
    assert by_name(load_faceforensics(faceforensics, splits_dir=other))["054_071.mp4"].split == "test"
    with pytest.raises(ValueError, match="compression must be one of"):
        load_faceforensics(faceforensics, compression="c0")


def test_faceforensics_without_split_files_has_no_splits(faceforensics: Path) -> None:
    for path in (faceforensics / "splits").iterdir():
        path.unlink()
    (faceforensics / "splits").rmdir()
    assert {video.split for video in load_faceforensics(faceforensics)} == {None}
    with pytest.raises(FileNotFoundError, match="val.json"):
        load_faceforensics(faceforensics, splits_dir=faceforensics)


@pytest.fixture
def celeb_df(tmp_path: Path) -> Path:
    touch(tmp_path, "Celeb-real/id0_0000.mp4", "Celeb-real/id1_0003.mp4", "YouTube-real/00170.mp4",
          "YouTube-real/00171.mp4", "Celeb-synthesis/id0_id16_0003.mp4", "Celeb-synthesis/id1_id0_0000.mp4",
          "Celeb-synthesis/readme.mp4")
    (tmp_path / "List_of_testing_videos.txt").write_text(
        "1 YouTube-real/00170.mp4\n0 Celeb-synthesis/id0_id16_0003.mp4\n1 Celeb-real/id1_0003.mp4\n")
    return tmp_path


def test_celeb_df_reads_its_inverted_test_labels(celeb_df: Path) -> None:
    rows = described(load_celeb_df(celeb_df), celeb_df, "Celeb-DF")
    assert rows == {
        "Celeb-real/id0_0000.mp4": (REAL, REAL_METHOD, "id0", None, "train"),
        "Celeb-real/id1_0003.mp4": (REAL, REAL_METHOD, "id1", None, "test"),
        "YouTube-real/00170.mp4": (REAL, REAL_METHOD, None, None, "test"),
        "YouTube-real/00171.mp4": (REAL, REAL_METHOD, None, None, "train"),
        "Celeb-synthesis/id0_id16_0003.mp4": (FAKE, "Celeb-synthesis", "id0", "id16", "test"),
        "Celeb-synthesis/id1_id0_0000.mp4": (FAKE, "Celeb-synthesis", "id1", "id0", "train"),
    }


def test_celeb_df_v1_and_no_test_list(celeb_df: Path) -> None:
    for path in (celeb_df / "YouTube-real").iterdir():
        path.unlink()
    (celeb_df / "YouTube-real").rmdir()
    (celeb_df / "List_of_testing_videos.txt").unlink()
    videos = load_celeb_df(celeb_df)
    assert len(videos) == 4 and {video.split for video in videos} == {None}


@pytest.mark.parametrize("line", ["0 YouTube-real/00170.mp4", "1 Celeb-synthesis/id1_id0_0000.mp4"])
def test_celeb_df_label_contradicting_the_folder_is_an_error(celeb_df: Path, line: str) -> None:
    (celeb_df / "List_of_testing_videos.txt").write_text(line + "\n")
    with pytest.raises(ValueError, match=line.split()[1]):
        load_celeb_df(celeb_df)


def test_dfdc_metadata_and_labels_csv_with_missing_videos_warned(tmp_path: Path) -> None:
    part = tmp_path / "train" / "dfdc_train_part_0"
    touch(part, "aaqaifqrwn.mp4", "xyz.mp4", "valclip.mp4", "unlisted.mp4")
    (part / "metadata.json").write_text(json.dumps({
        "aaqaifqrwn.mp4": {"label": "FAKE", "split": "train", "original": "xyz.mp4"},
        "xyz.mp4": {"label": "REAL", "split": "weird"},
        "valclip.mp4": {"label": "REAL", "split": "val"},
        "gone.mp4": {"label": "FAKE", "split": "train", "original": "xyz.mp4"}}))
    touch(tmp_path, "test/videos/beside_folder.mp4", "test/beside_csv.mp4")
    (tmp_path / "test" / "labels.csv").write_text(
        "filename,label\nbeside_folder.mp4,1\nbeside_csv.mp4,0\nalso_gone.mp4,1\n")
    with pytest.warns(UserWarning, match="^2 videos listed"):
        videos = load_dfdc(tmp_path)
    assert [video.path for video in videos] == sorted(video.path for video in videos)
    rows = {video.path.relative_to(tmp_path).as_posix(): (video.label, video.method, video.identity,
                                                          video.source_identity, video.split, video.dataset)
            for video in videos}
    assert rows == {
        "train/dfdc_train_part_0/aaqaifqrwn.mp4": (FAKE, "DFDC", None, None, "train", "DFDC"),
        "train/dfdc_train_part_0/xyz.mp4": (REAL, REAL_METHOD, None, None, "train", "DFDC"),
        "train/dfdc_train_part_0/valclip.mp4": (REAL, REAL_METHOD, None, None, "val", "DFDC"),
        "test/videos/beside_folder.mp4": (FAKE, "DFDC", None, None, "test", "DFDC"),
        "test/beside_csv.mp4": (REAL, REAL_METHOD, None, None, "test", "DFDC"),
    }


@pytest.mark.parametrize(("name", "text"), [
    ("List_of_testing_videos.txt", "2 YouTube-real/00170.mp4\n"),
    ("part/metadata.json", json.dumps({"a.mp4": {"label": "fake"}})),
    ("part/labels.csv", "filename,label\na.mp4,FAKE\n"),
])
def test_a_label_outside_the_data_sets_vocabulary_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    touch(tmp_path, "YouTube-real/00170.mp4", "part/a.mp4")
    (tmp_path / name).write_text(text)
    load = load_celeb_df if name.endswith(".txt") else load_dfdc
    with pytest.raises(ValueError, match="label must be"):
        load(tmp_path)


def test_load_dataset_recognises_each_layout(faceforensics: Path, tmp_path_factory: pytest.TempPathFactory
                                             ) -> None:
    assert {video.dataset for video in load_dataset(faceforensics)} == {"FaceForensics++"}
    celeb = tmp_path_factory.mktemp("celeb")
    touch(celeb, "Celeb-synthesis/id0_id16_0000.mp4")
    assert {video.dataset for video in load_dataset(celeb)} == {"Celeb-DF"}
    dfdc = tmp_path_factory.mktemp("dfdc")
    touch(dfdc, "part/a.mp4")
    (dfdc / "part" / "metadata.json").write_text(json.dumps({"a.mp4": {"label": "FAKE"}}))
    assert {video.dataset for video in load_dataset(dfdc)} == {"DFDC"}


def test_unknown_missing_and_empty_folders_are_errors(tmp_path: Path) -> None:
    touch(tmp_path, "clips/a.mp4")
    with pytest.raises(ValueError, match=r"FaceForensics\+\+.*Celeb-DF.*DFDC"):
        load_dataset(tmp_path)
    for load in (load_dataset, load_faceforensics, load_celeb_df, load_dfdc):
        with pytest.raises(FileNotFoundError):
            load(tmp_path / "absent")
    (tmp_path / "manipulated_sequences" / "Deepfakes" / "c23" / "videos").mkdir(parents=True)
    with pytest.raises(ValueError, match="found no FaceForensics"):
        load_dataset(tmp_path)
    with pytest.raises(ValueError, match="found no Celeb-DF"):
        load_celeb_df(tmp_path)
    with pytest.raises(ValueError, match="found no DFDC"):
        load_dfdc(tmp_path)
