"""A CPU-only clip generator: a mood-coloured gradient, a few moving shapes, a caption and a tone.

It stands in for a real video model so the rest of the app (feed, remixes, storage) can be built and
tested on a laptop. Two things matter: the same request always gives byte-identical output (seeds
and remixes mean something), and different prompts look and sound visibly different (the feed is
not a wall of identical clips). It is also fast: the static layers (background, caption, ticker)
are drawn once and only the small shape patches are redrawn per frame.
"""
from __future__ import annotations

import hashlib
import math
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from workbench.generation.backend import Clip, GenerationRequest, ProgressCallback
from workbench.generation.moods import classify_prompt, mood

SAMPLE_RATE = 48_000
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MIN_SIDE, MAX_SIDE = 64, 1920
MIN_DURATION_S, MAX_DURATION_S = 0.5, 60.0
MAX_CAPTION_LINES = 4
SHAPE_KINDS = ("circle", "rectangle", "triangle")


@dataclass(frozen=True)
class _Shape:
    """One moving shape: what it is and the seeded parameters of its path (fractions of the frame)."""

    kind: str
    color: np.ndarray  # (3,) float32 RGB
    size: float  # radius in pixels
    opacity: float
    anchor_x: float
    anchor_y: float
    amplitude: float
    frequency: float  # Hz
    phase: float  # radians
    spin: float  # radians per second


class ProceduralBackend:
    """Renders a clip from a request with numpy and PIL; no model, no GPU, no network."""

    name = "procedural"

    def generate(self, request: GenerationRequest, progress: ProgressCallback | None = None) -> Clip:
        report = progress or (lambda fraction, message: None)
        validate_request(request)
        moods = request.moods or classify_prompt(request.prompt)
        spec = mood(moods[0])
        render_seed = derive_seed(request.prompt, request.seed)
        rng = np.random.default_rng(render_seed)
        width, height, fps = request.width, request.height, request.fps
        frame_count = max(1, round(request.duration_s * fps))
        duration_s = frame_count / fps
        report(0.0, f"composing a {spec['label'].lower()} clip")

        palette = [_hex_to_rgb(color) for color in spec["palette"]]
        motion = spec["motion"]
        pan_margin = width // 2 if motion == "pan" else 0
        background = _background(width + pan_margin, height, palette, rng)
        shapes = _shapes(request.prompt, palette, width, rng)
        caption = request.caption if request.caption is not None else request.prompt
        caption_layer = _caption_layer(caption, width, height)
        ticker = _ticker_strip(caption, width, height, palette) if motion == "ticker" else None
        report(0.1, "rendering frames")

        frames = np.empty((frame_count, height, width, 3), dtype=np.uint8)
        for index in range(frame_count):
            t = index / fps
            offset = round(pan_margin * 0.5 * (1 - math.cos(2 * math.pi * t / 8.0)))  # ping-pong pan
            frame = frames[index]
            frame[...] = background[:, offset:offset + width]
            for shape in shapes:
                _draw_shape(frame, shape, *_place(motion, shape, t, width, height))
            if ticker is not None:
                _paste_ticker(frame, ticker, t)
            if caption_layer is not None:
                _blend_layer(frame, caption_layer)
            if (index + 1) % max(1, frame_count // 4) == 0:
                report(0.1 + 0.75 * (index + 1) / frame_count, f"rendered {index + 1}/{frame_count} frames")

        report(0.9, "synthesizing audio")
        audio = _tone(spec["tone_hz"], duration_s, rng)
        report(1.0, "done")
        metadata = {"backend": self.name, "moods": list(moods), "motion": motion,
                    "seed": request.seed, "render_seed": render_seed}
        return Clip(frames=frames, fps=fps, audio=audio, sample_rate=SAMPLE_RATE, metadata=metadata)


def validate_request(request: GenerationRequest) -> None:
    """Reject requests the renderer or an H.264 encoder cannot honour, before any work is done."""
    for side, value in (("width", request.width), ("height", request.height)):
        if not (MIN_SIDE <= value <= MAX_SIDE) or value % 2:
            raise ValueError(f"{side} must be an even number of pixels from {MIN_SIDE} to {MAX_SIDE}, got {value}")
    if not (1 <= request.fps <= 60):
        raise ValueError(f"fps must be from 1 to 60, got {request.fps}")
    if not (MIN_DURATION_S <= request.duration_s <= MAX_DURATION_S):
        raise ValueError(f"duration must be {MIN_DURATION_S:g}-{MAX_DURATION_S:g} seconds, got {request.duration_s:g}")
    for name in request.moods:
        mood(name)  # raises ValueError naming the known moods


def derive_seed(prompt: str, seed: int) -> int:
    """A render seed from prompt and seed; sha256 (not hash()) so it is stable across processes.

    63 bits, so it fits a signed 64-bit database column when stored with the clip's metadata.
    """
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _hex_to_rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)


def _background(width: int, height: int, palette: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A diagonal gradient from the mood's base colour towards its second colour, with a vignette.

    The gradient angle is seeded so two prompts of the same mood still differ at a glance; the
    vignette darkens the edges so the lighter shapes stand out.
    """
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs, ys = xs / width - 0.5, ys / height - 0.5
    along = xs * math.cos(angle) + ys * math.sin(angle)
    ramp = ((along - along.min()) / (along.max() - along.min() + 1e-6))[..., None]
    far = palette[0] * 0.45 + palette[1] * 0.55
    image = palette[0] * (1 - ramp) + far * ramp
    vignette = 1.0 - 0.55 * (xs ** 2 + ys ** 2)[..., None]
    return np.clip(image * vignette + 0.5, 0, 255).astype(np.uint8)


def _shapes(prompt: str, palette: list[np.ndarray], width: int, rng: np.random.Generator) -> list[_Shape]:
    """Three to six shapes; each distinct prompt word picks its shape's kind, the seed the rest."""
    words = list(dict.fromkeys(re.findall(r"[a-z0-9]+", prompt.lower())))[:6]
    count = max(3, len(words))
    shapes = []
    for index in range(count):
        if index < len(words):
            kind = SHAPE_KINDS[zlib.crc32(words[index].encode()) % len(SHAPE_KINDS)]
        else:
            kind = SHAPE_KINDS[int(rng.integers(len(SHAPE_KINDS)))]
        base = palette[1 + index % 2]
        color = np.clip(base + rng.uniform(-30, 30, size=3), 0, 255).astype(np.float32)
        shapes.append(_Shape(
            kind=kind, color=color, size=float(rng.uniform(0.05, 0.14) * width),
            opacity=float(rng.uniform(0.75, 0.95)),
            anchor_x=float(rng.uniform(0.15, 0.85)), anchor_y=float(rng.uniform(0.15, 0.62)),
            amplitude=float(rng.uniform(0.05, 0.12)), frequency=float(rng.uniform(0.15, 0.35)),
            phase=float(rng.uniform(0, 2 * math.pi)), spin=float(rng.choice([-1, 1]) * rng.uniform(0.3, 1.2)),
        ))
    return shapes


def _place(motion: str, shape: _Shape, t: float, width: int, height: int) -> tuple[float, float, float, float, float]:
    """Where a shape is at time t: (centre x, centre y, radius, rotation, opacity) for the mood's motion style."""
    wave = 2 * math.pi * shape.frequency * t + shape.phase
    x, y = shape.anchor_x * width, shape.anchor_y * height
    size, angle, opacity = shape.size, shape.phase + shape.spin * t * 0.3, shape.opacity
    if motion == "drift":
        x += shape.amplitude * width * math.sin(wave)
        y += shape.amplitude * height * 0.5 * math.cos(0.7 * wave)
    elif motion == "bounce":
        x += shape.amplitude * width * 0.5 * math.sin(wave)
        y += height * 0.15 - height * 0.3 * abs(math.sin(math.pi * (0.8 + shape.frequency * 3) * t + shape.phase))
    elif motion in ("pan", "ticker"):
        direction = -1 if motion == "ticker" else 1
        span = width + 4 * size
        x = (x + direction * width * (0.25 + shape.amplitude) * t) % span - 2 * size
        y += shape.amplitude * height * 0.3 * math.sin(wave)
    elif motion == "zoom":
        cycle = (t / 3.0 + shape.phase / (2 * math.pi)) % 1.0  # each shape flies outward, then restarts
        scale = 0.4 + 1.4 * cycle
        x = width / 2 + (x - width / 2) * scale
        y = height * 0.4 + (y - height * 0.4) * scale
        size *= scale
        opacity *= math.sin(math.pi * cycle)  # fade in and out so the restart does not pop
    elif motion == "pulse":
        beat = math.exp(-6.0 * ((t * 2.0 + shape.phase / (2 * math.pi)) % 1.0))  # 120 bpm
        x += shape.amplitude * width * 0.4 * math.sin(wave)
        size *= 1.0 + 0.35 * beat
        opacity *= 0.7 + 0.3 * beat
    elif motion == "spin":
        orbit = shape.amplitude * 2.2 * width
        turn = shape.phase + shape.spin * t
        x = width / 2 + orbit * math.cos(turn)
        y = height * 0.4 + orbit * math.sin(turn)
        angle = shape.phase + 3 * shape.spin * t
    else:
        raise ValueError(f"unknown motion style {motion!r}")
    return x, y, size, angle, opacity


def _draw_shape(frame: np.ndarray, shape: _Shape, cx: float, cy: float, size: float, angle: float,
                opacity: float) -> None:
    """Blend one anti-aliased shape into the frame, touching only its bounding box.

    Coverage comes from a signed distance (positive inside) clipped to a one-pixel ramp, which gives
    smooth edges and sub-pixel motion without supersampling.
    """
    height, width = frame.shape[:2]
    x0, x1 = max(0, math.floor(cx - size - 1)), min(width, math.ceil(cx + size + 1))
    y0, y1 = max(0, math.floor(cy - size - 1)), min(height, math.ceil(cy + size + 1))
    if x0 >= x1 or y0 >= y1 or opacity <= 0:
        return
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - cx
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - cy
    if shape.kind == "circle":
        inside = size - np.sqrt(xs * xs + ys * ys)
    else:
        # distance to each edge (centre-to-edge distances: equilateral triangle, 3:5 rectangle), rotated by angle
        apothems = [size * 0.5] * 3 if shape.kind == "triangle" else [size * 0.75, size * 0.45] * 2
        inside = None
        for k, apothem in enumerate(apothems):
            normal = angle + 2 * math.pi * k / len(apothems)
            edge = apothem - (xs * math.cos(normal) + ys * math.sin(normal))
            inside = edge if inside is None else np.minimum(inside, edge)
    alpha = (np.clip(inside + 0.5, 0.0, 1.0) * opacity)[..., None]
    region = frame[y0:y1, x0:x1]
    region[...] = (region * (1 - alpha) + shape.color * alpha + 0.5).astype(np.uint8)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at the given size, or Pillow's built-in font where DejaVu is not installed."""
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: float) -> list[str]:
    """Greedy word wrap to max_width pixels; words too long for a line are cut; overflow ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while font.getlength(word) > max_width:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > MAX_CAPTION_LINES:
        last = lines[MAX_CAPTION_LINES - 1]
        while last and font.getlength(last + "…") > max_width:
            last = last[:-1]
        lines = lines[:MAX_CAPTION_LINES - 1] + [last.rstrip() + "…"]
    return lines


@dataclass(frozen=True)
class _Layer:
    """A pre-rendered RGBA overlay for rows top..top+h, stored ready for a two-operation blend."""

    top: int
    keep: np.ndarray  # (h, w, 1) float32: 1 - alpha
    add: np.ndarray  # (h, w, 3) float32: colour * alpha


def _caption_layer(caption: str, width: int, height: int) -> _Layer | None:
    """The caption in the lower third on a dark translucent band, rendered once for every frame."""
    font_size = max(12, round(width / 16))
    font = _font(font_size)
    lines = _wrap(caption, font, width * 0.86)
    if not lines:
        return None
    line_height = round(font_size * 1.3)
    padding = round(font_size * 0.6)
    band_height = len(lines) * line_height + 2 * padding
    top = min(round(height * 0.68), height - band_height)
    image = Image.new("RGBA", (width, band_height), (0, 0, 0, 150))
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((width / 2, padding + row * line_height + line_height / 2), line, font=font, anchor="mm",
                  fill=(255, 255, 255, 255), stroke_width=1, stroke_fill=(0, 0, 0, 255))
    rgba = np.asarray(image, dtype=np.float32)[max(0, -top):]  # a band taller than the frame keeps its end
    alpha = rgba[..., 3:] / 255.0
    return _Layer(top=max(0, top), keep=1.0 - alpha, add=rgba[..., :3] * alpha)


def _blend_layer(frame: np.ndarray, layer: _Layer) -> None:
    region = frame[layer.top:layer.top + layer.keep.shape[0]]
    region[...] = (region * layer.keep + layer.add + 0.5).astype(np.uint8)


def _ticker_strip(text: str, width: int, height: int, palette: list[np.ndarray]) -> np.ndarray:
    """A news-crawl band: the text repeated on an accent colour, one repeat plus one frame width wide.

    Scrolling is then a slice at offset (t * speed) mod repeat, which wraps without a visible seam.
    """
    font_size = max(10, round(width / 22))
    font = _font(font_size)
    unit = f"BREAKING · {' '.join(text.split()).upper() or 'LIVE'} · "
    unit_width = math.ceil(font.getlength(unit))
    repeats = math.ceil(width / unit_width) + 1
    band = Image.new("RGB", (unit_width * repeats, min(height, round(font_size * 1.8))),
                     tuple(int(c) for c in palette[2]))
    draw = ImageDraw.Draw(band)
    for i in range(repeats):
        draw.text((i * unit_width, band.height / 2), unit, font=font, anchor="lm",
                  fill=tuple(int(c) for c in palette[0]))
    return np.asarray(band)[:, :unit_width + width]


def _paste_ticker(frame: np.ndarray, strip: np.ndarray, t: float) -> None:
    """Copy the window of the crawl for time t into the top of the frame (scrolling right to left)."""
    height, width = frame.shape[:2]
    unit_width = strip.shape[1] - width
    offset = round(t * width * 0.35) % unit_width
    top = min(round(height * 0.07), height - strip.shape[0])
    frame[top:top + strip.shape[0]] = strip[:, offset:offset + width]


def _tone(tone_hz: float, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    """The mood's note with its fifth and octave, slightly detuned and tremoloed per seed, faded in and out."""
    count = round(duration_s * SAMPLE_RATE)
    t = np.arange(count, dtype=np.float64) / SAMPLE_RATE
    root = tone_hz * (1 + rng.uniform(-0.01, 0.01))
    voices = [(1.0, 0.55), (1.5, 0.25), (2.0, rng.uniform(0.08, 0.18))]
    signal = sum(gain * np.sin(2 * np.pi * root * ratio * t + rng.uniform(0, 2 * np.pi)) for ratio, gain in voices)
    tremolo = 1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t)
    fade = min(0.3, duration_s / 4)
    envelope = np.minimum(1.0, np.minimum(t, duration_s - t) / fade)
    envelope = 0.5 - 0.5 * np.cos(np.pi * np.clip(envelope, 0, 1))  # raised cosine: no clicks
    audio = signal * tremolo * envelope
    return (0.6 * audio / max(1e-9, float(np.max(np.abs(audio))))).astype(np.float32)
