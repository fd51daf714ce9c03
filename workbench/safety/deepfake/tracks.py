"""Face tracks: what every detector reads from a video, computed once.

DeepfakeBench's protocol (Yan et al., 2023) preprocesses each video the same way for every detector: a
fixed number of frames spread evenly over the video, the largest face in each, its landmarks, and the
face cropped and aligned. A FaceTrack holds exactly that for one video, plus each face's identity
embedding (the temporal detector's identity drift). Frames without a face are left out; a video with
no face at all gives an empty track, which detectors cannot score (the evaluation counts them).
"""
from __future__ import annotations

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from workbench.faces.alignment import ARCFACE_TEMPLATE, landmarks68
from workbench.faces.engine import shared_engine
from workbench.filelock import exclusive
from workbench.files import file_sha256, write_atomically
from workbench.safety.hashing import sample_frames

#: bump when a change here changes what a track holds (cached tracks of other versions are ignored)
TRACK_VERSION = 1
#: DeepfakeBench tests on 32 frames a video; 8 keeps a CPU run short (an option everywhere)
DEFAULT_FRAMES = 8
#: identity embeddings are taken from at most this many of a track's frames, spread over it (dlib's
#: ResNet costs ~0.15 s a face here, more than everything else in a track together)
EMBEDDED_FRAMES = 3
#: side of the aligned face crop
CROP = 224
#: ArcFace's five points placed in the crop so the face fills about half of it: the rest is the
#: context a blending boundary lies in
CROP_TEMPLATE = (ARCFACE_TEMPLATE - 56.0) * (CROP / 112 * 0.7) + CROP / 2


@dataclass(frozen=True, eq=False)
class FaceTrack:
    #: (n, CROP, CROP, 3) uint8 aligned face crops
    crops: np.ndarray
    #: (n, 68, 2) landmarks in the crop
    points: np.ndarray
    #: (n, 68, 2) landmarks in the frame
    frame_points: np.ndarray
    #: (m, d) L2-normalised identity embeddings of m <= EMBEDDED_FRAMES of the frames, spread over them
    embeddings: np.ndarray
    #: (n,) where each frame lies in the video, 0 to 1
    positions: np.ndarray
    #: how many frames were looked at (n of them had a face)
    sampled: int

    def __len__(self) -> int:
        return len(self.crops)


def track_from_frames(frames: Sequence[np.ndarray], engine) -> FaceTrack:
    """The largest face of each frame, aligned, with its landmarks (and in EMBEDDED_FRAMES of them its
    identity embedding)."""
    found = []
    for index, frame in enumerate(frames):
        faces = engine.detect(frame)
        if faces:
            found.append((index, frame, largest(faces)))
    picks = set(np.linspace(0, len(found) - 1, min(EMBEDDED_FRAMES, len(found))).round().astype(int).tolist())
    return track_from_faces([(index, frame, face, engine.embed(frame, face) if number in picks else None)
                             for number, (index, frame, face) in enumerate(found)], len(frames))


def largest(faces: Sequence):
    """The face with the largest box (DeepfakeBench keeps the largest face of a frame)."""
    return max(faces, key=lambda f: float((f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1])))


def track_from_faces(found: Sequence[tuple[int, np.ndarray, object, np.ndarray | None]], sampled: int) -> FaceTrack:
    """A track from faces already found: (frame number, frame, face, its embedding or None) for the frames
    of `sampled` that had one (the output scan has detected and embedded them already)."""
    crops, points, frame_points, embeddings, positions = [], [], [], [], []
    for index, frame, face, embedding in found:
        landmarks = landmarks68(frame, face.bbox)
        matrix, _ = cv2.estimateAffinePartial2D(np.asarray(face.kps, np.float32), CROP_TEMPLATE)
        crops.append(cv2.warpAffine(np.ascontiguousarray(frame[..., :3]), matrix, (CROP, CROP),
                                    flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
        points.append(landmarks @ matrix[:, :2].T + matrix[:, 2])
        frame_points.append(landmarks)
        positions.append((index + 0.5) / sampled)
        if embedding is not None:
            embeddings.append(embedding)
    if not crops:
        return FaceTrack(np.zeros((0, CROP, CROP, 3), np.uint8), np.zeros((0, 68, 2), np.float32),
                         np.zeros((0, 68, 2), np.float32), np.zeros((0, 0), np.float32), np.zeros(0), sampled)
    return FaceTrack(np.stack(crops), np.asarray(points, np.float32), np.asarray(frame_points, np.float32),
                     np.asarray(embeddings, np.float32), np.asarray(positions), sampled)


def extract_track(path: Path, engine, frames: int = DEFAULT_FRAMES, cache_dir: Path | None = None) -> FaceTrack:
    """The face track of a video file from `frames` frames spread evenly over it (the middles of equal
    intervals), cached under cache_dir by the file's content when one is given."""
    cached = None
    if cache_dir is not None:
        digest = file_sha256(Path(path))[:20]
        cached = Path(cache_dir) / f"{digest}-{frames}-{engine.pack}-{engine.embedding_kind}-v{TRACK_VERSION}.npz"
        if cached.exists():
            with np.load(cached) as data:
                return FaceTrack(data["crops"], data["points"], data["frame_points"], data["embeddings"],
                                 data["positions"], int(data["sampled"]))
    track = track_from_frames(sample_frames(Path(path), every_s=1e-3, max_frames=frames), engine)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, crops=track.crops, points=track.points, frame_points=track.frame_points,
                 embeddings=track.embeddings, positions=track.positions, sampled=track.sampled)
        write_atomically(cached, buffer.getvalue(), 0o644)
    return track


def extract_tracks(paths: Sequence[Path], engine, frames: int = DEFAULT_FRAMES, cache_dir: Path | None = None,
                   progress: Callable[[int, int], None] | None = None, workers: int = 1) -> list[FaceTrack]:
    """Tracks of many videos, in order. With workers > 1 they are computed in that many processes, each
    with its own face engine like `engine` (dlib holds the GIL, so threads would not help)."""
    paths = [Path(path) for path in paths]
    if cache_dir is not None:  # another process filling the same cache: wait for it, then read its tracks
        with exclusive(Path(cache_dir) / ".lock"):
            return _extract(paths, engine, frames, cache_dir, progress, workers)
    return _extract(paths, engine, frames, cache_dir, progress, workers)


def _extract(paths: list[Path], engine, frames: int, cache_dir: Path | None,
             progress: Callable[[int, int], None] | None, workers: int) -> list[FaceTrack]:
    if workers <= 1 or len(paths) < 2 * workers:
        jobs = (extract_track(path, engine, frames, cache_dir) for path in paths)
        return _collect(jobs, len(paths), progress)
    recipe = (str(engine.model_root), engine.pack, tuple(engine.det_size))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = pool.map(_extract_in_worker, [(recipe, path, frames, cache_dir) for path in paths], chunksize=4)
        return _collect(jobs, len(paths), progress)


def _collect(jobs, total: int, progress: Callable[[int, int], None] | None) -> list[FaceTrack]:
    tracks = []
    for track in jobs:
        tracks.append(track)
        if progress:
            progress(len(tracks), total)
    return tracks


def _extract_in_worker(job) -> FaceTrack:

    (model_root, pack, det_size), path, frames, cache_dir = job
    return extract_track(path, shared_engine(Path(model_root), pack, det_size), frames, cache_dir)
