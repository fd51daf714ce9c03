"""The one interface every clip generator implements (procedural on CPU now, diffusers on GPU later).

A backend turns a :class:`GenerationRequest` into a :class:`Clip` (raw frames plus audio); encoding,
storage and database rows are somebody else's job, so a backend stays a pure function of the
request: the same request (seed included) gives the same clip.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

#: progress(fraction_done in [0, 1], message)
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    seed: int
    duration_s: float = 4.0
    width: int = 360
    height: int = 640
    fps: int = 24
    #: mood tags from data/moods.json; the first one sets the look. Empty: the backend classifies the prompt.
    moods: tuple[str, ...] = ()
    #: text burned into the clip (the prompt by default)
    caption: str | None = None


@dataclass
class Clip:
    #: (frame_count, height, width, 3) uint8 RGB
    frames: np.ndarray
    fps: int
    #: (sample_count,) float32 mono in [-1, 1]
    audio: np.ndarray
    sample_rate: int
    metadata: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.frames.shape[0] / self.fps

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])


class GenerationBackend(Protocol):
    name: str

    def generate(self, request: GenerationRequest, progress: ProgressCallback | None = None) -> Clip: ...
