"""The one interface every clip generator implements (procedural on CPU now, diffusers on GPU later).

A backend turns a :class:`GenerationRequest` into a :class:`RenderedClip` (raw frames plus audio); encoding,
storage and database rows are somebody else's job, so a backend stays a pure function of the
request: the same request (seed included) gives the same clip.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

#: progress(fraction_done in [0, 1], message)
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class CameoIdentity:
    """A person (or character) to put in the clip, as the cameo owner enrolled them."""
    handle: str
    #: a person: an aligned RGB face crop (H, W, 3) uint8; a character: its picture; None where no
    #: reference image is stored
    face: np.ndarray | None = None
    #: "person" (drawn as a figure with the face) or "character" (its picture cut out, or, without one,
    #: a glyph its name suggests)
    kind: str = "person"


@dataclass(frozen=True, eq=False)
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
    #: the scenes of a multi-shot clip, cut in order (see split_shots); empty: the prompt is one shot
    shots: tuple[str, ...] = ()
    #: cameos to put in the clip
    cameos: tuple[CameoIdentity, ...] = ()
    #: the clip being remixed, decoded; a backend builds on its scene (or says in metadata that it could not)
    parent: RenderedClip | None = None

    @property
    def scenes(self) -> tuple[str, ...]:
        return self.shots or (self.prompt,)


def split_shots(prompt: str) -> tuple[str, ...]:
    """Shots of a multi-shot prompt: separated by '|' or by new lines, with an optional 'Shot 2:' label."""
    parts = [re.sub(r"^\s*shot\s*\d+\s*[:.)-]\s*", "", part, flags=re.IGNORECASE).strip()
             for part in re.split(r"[|\n]", prompt)]
    return tuple(part for part in parts if part)


def caption_of(prompt: str) -> str:
    """The caption a clip is shown with: its shots in order, without the '|' that separates them."""
    return " → ".join(split_shots(prompt)) or prompt.strip()


@dataclass
class RenderedClip:
    """What a backend makes: the frames and the sound of a clip, before it is encoded and stored (a
    stored clip, with its author and state, is a Video)."""
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

    def generate(self, request: GenerationRequest, progress: ProgressCallback | None = None) -> RenderedClip: ...
