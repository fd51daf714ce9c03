"""Perturbed copies of test videos: how a detector holds up when a clip is re-encoded, shrunk or
noisy, as DeepfakeBench's robustness tables report (Yan et al., 2023) and as every clip that is
downloaded and re-uploaded is.

Each perturbation decodes the whole video, changes every frame and encodes it again as H.264:
- crf35, crf45: re-compression at x264 rate factors 35 and 45 (the benchmark's clips are 18 to 30);
- downscale: half the width and height (encoded at rate factor 18, close to lossless);
- noise: Gaussian noise of standard deviation 10 (of 255) on every pixel (rate factor 18).
A copy is kept under its perturbation's folder by the source file's content, so an evaluation
makes it once; the face tracks of the copies are extracted and cached like any video's.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from workbench.files import file_sha256
from workbench.media.backend import RenderedClip
from workbench.media.codec import encode_mp4, probe, read_frames
from workbench.safety.deepfake.samples import LabelledVideo

#: the rate factor of copies whose perturbation is not the compression itself
NEAR_LOSSLESS = 18


@dataclass(frozen=True)
class Perturbation:
    name: str
    crf: int = NEAR_LOSSLESS
    scale: float = 1.0
    noise: float = 0.0

    def apply(self, frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = frames
        if self.scale != 1.0:
            height, width = frames.shape[1:3]
            size = (max(16, round(width * self.scale / 2) * 2), max(16, round(height * self.scale / 2) * 2))
            out = np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in out])
        if self.noise:
            out = np.clip(out + rng.normal(0, self.noise, out.shape), 0, 255).round().astype(np.uint8)
        return out


PERTURBATIONS: dict[str, Perturbation] = {p.name: p for p in (
    Perturbation("crf35", crf=35), Perturbation("crf45", crf=45), Perturbation("downscale", scale=0.5),
    Perturbation("noise", noise=10.0))}


def perturbed_copy(source: Path, perturbation: Perturbation, folder: Path) -> Path:
    """The perturbed copy of source (made once, named by the source's content)."""
    digest = file_sha256(Path(source))
    target = Path(folder) / perturbation.name / f"{digest[:24]}.mp4"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    frames = perturbation.apply(read_frames(Path(source)), np.random.default_rng(int(digest[:8], 16)))
    fps = round(probe(Path(source))["fps"]) or 15
    silence = np.zeros(int(len(frames) / fps * 16_000), np.float32)
    encode_mp4(RenderedClip(frames=frames, fps=fps, audio=silence, sample_rate=16_000), target, crf=perturbation.crf)
    return target


def perturbed_videos(videos: Sequence[LabelledVideo], perturbation: Perturbation, folder: Path,
                     workers: int = 1) -> list[LabelledVideo]:
    """The videos' perturbed copies, labelled as their sources are (made on `workers` threads: PyAV
    decodes and encodes without holding the GIL)."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        paths = list(pool.map(lambda video: perturbed_copy(video.path, perturbation, folder), videos))
    return [LabelledVideo(path, v.label, v.method, v.identity, v.source_identity, v.split, v.dataset)
            for path, v in zip(paths, videos)]
