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

from workbench.media.backend import GenerationRequest, ProgressCallback, RenderedClip
from workbench.media.moods import classify_prompt, mood

SAMPLE_RATE = 48_000
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MIN_SIDE, MAX_SIDE = 64, 1920
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
    """Renders a clip from a request with numpy and PIL; no model, no GPU, no network.

    Each shot is its own scene (mood palette and motion, shapes, objects named in its words, its
    caption) with a hard cut and a change of tone between shots. A remix keeps its parent's frames
    as the scene and lays the new prompt's look, objects and caption over them. A cameo's enrolled
    face is composited large and upright so that a face detector finds that person in the clip.
    """

    name = "procedural"

    def generate(self, request: GenerationRequest, progress: ProgressCallback | None = None) -> RenderedClip:
        report = progress or (lambda fraction, message: None)
        validate_request(request)
        width, height, fps = request.width, request.height, request.fps
        frame_count = max(1, round(request.duration_s * fps))
        scenes = request.scenes
        bounds = [round(frame_count * i / len(scenes)) for i in range(len(scenes) + 1)]
        render_seed = derive_seed(request.prompt, request.seed)
        rng = np.random.default_rng(render_seed)
        parent_frames = _fit_parent(request.parent, frame_count, width, height) if request.parent else None
        faces = [_face_sprite(c.face, width, len(request.cameos)) for c in request.cameos if c.face is not None]
        frames = np.empty((frame_count, height, width, 3), dtype=np.uint8)
        audio_parts, scene_moods, objects_shown = [], [], []
        report(0.0, f"composing {len(scenes)} shot{'s' if len(scenes) > 1 else ''}")

        for number, scene in enumerate(scenes):
            first, last = bounds[number], bounds[number + 1]
            moods = request.moods if request.moods and len(scenes) == 1 else classify_prompt(scene)
            spec = mood(moods[0])
            scene_moods.append(moods[0])
            palette = [_hex_to_rgb(color) for color in spec["palette"]]
            motion = spec["motion"]
            pan_margin = width // 2 if motion == "pan" and parent_frames is None else 0
            background = _background(width + pan_margin, height, palette, rng)
            shapes = _shapes(scene, palette, width, rng)
            objects = [(kind, _object_sprite(kind, palette, width), _object_path(rng))
                       for kind in objects_in(scene)]
            objects_shown.extend(kind for kind, _, _ in objects)
            caption = scene if len(scenes) > 1 else (request.caption if request.caption is not None else request.prompt)
            caption_layer = _caption_layer(caption, width, height)
            ticker = _ticker_strip(caption, width, height, palette) if motion == "ticker" else None
            tint = palette[0] * 0.35

            for index in range(first, last):
                t = (index - first) / fps
                frame = frames[index]
                if parent_frames is not None:  # the parent's scene, tinted towards the new mood
                    frame[...] = (parent_frames[index] * 0.65 + tint + 0.5).astype(np.uint8)
                else:
                    offset = round(pan_margin * 0.5 * (1 - math.cos(2 * math.pi * t / 8.0)))  # ping-pong pan
                    frame[...] = background[:, offset:offset + width]
                for shape in shapes:
                    _draw_shape(frame, shape, *_place(motion, shape, t, width, height))
                for _, sprite, path in objects:
                    _blend_sprite(frame, sprite, *_sprite_position(path, t, width, height))
                for slot, face in enumerate(faces):
                    _blend_sprite(frame, face, *_face_position(slot, len(faces), t, width, height))
                if ticker is not None:
                    _paste_ticker(frame, ticker, t)
                if caption_layer is not None:
                    _blend_layer(frame, caption_layer)
            report(0.05 + 0.8 * last / frame_count, f"rendered shot {number + 1} of {len(scenes)}")
            audio_parts.append(_tone(spec["tone_hz"], (last - first) / fps, rng))

        report(0.9, "mixing audio")
        audio = np.concatenate(audio_parts)
        if request.parent is not None and request.parent.audio.size:
            audio = _mix_parent_audio(audio, request.parent.audio, request.parent.sample_rate)
        report(1.0, "done")
        metadata = {"backend": self.name, "moods": scene_moods, "shots": len(scenes), "cuts": bounds[1:-1],
                    "objects": objects_shown, "cameos": [c.handle for c in request.cameos if c.face is not None],
                    "remix_mode": "parent_scene" if request.parent is not None else None,
                    "seed": request.seed, "render_seed": render_seed}
        return RenderedClip(frames=frames, fps=fps, audio=audio, sample_rate=SAMPLE_RATE, metadata=metadata)


def validate_request(request: GenerationRequest) -> None:
    """Reject requests the renderer or an H.264 encoder cannot honour, before any work is done."""
    for side, value in (("width", request.width), ("height", request.height)):
        if not (MIN_SIDE <= value <= MAX_SIDE) or value % 2:
            raise ValueError(f"{side} must be an even number of pixels from {MIN_SIDE} to {MAX_SIDE}, got {value}")
    if not (1 <= request.fps <= 60):
        raise ValueError(f"fps must be from 1 to 60, got {request.fps}")
    if not request.duration_s * request.fps >= 1:  # how long a clip may be is the workbench's setting
        raise ValueError(f"a clip needs at least one frame, got {request.duration_s:g} s at {request.fps} fps")
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
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at the given size, or Pillow's built-in font where DejaVu is not installed."""
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size)


def _wrap(text: str, typeface: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: float) -> list[str]:
    """Greedy word wrap to max_width pixels; words too long for a line are cut; overflow ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if typeface.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while typeface.getlength(word) > max_width:
            cut = len(word) - 1
            while cut > 1 and typeface.getlength(word[:cut]) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > MAX_CAPTION_LINES:
        last = lines[MAX_CAPTION_LINES - 1]
        while last and typeface.getlength(last + "…") > max_width:
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
    typeface = font(font_size)
    lines = _wrap(caption, typeface, width * 0.86)
    if not lines:
        return None
    line_height = round(font_size * 1.3)
    padding = round(font_size * 0.6)
    band_height = len(lines) * line_height + 2 * padding
    top = min(round(height * 0.68), height - band_height)
    image = Image.new("RGBA", (width, band_height), (0, 0, 0, 150))
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((width / 2, padding + row * line_height + line_height / 2), line, font=typeface, anchor="mm",
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
    typeface = font(font_size)
    unit = f"BREAKING · {' '.join(text.split()).upper() or 'LIVE'} · "
    unit_width = math.ceil(typeface.getlength(unit))
    repeats = math.ceil(width / unit_width) + 1
    band = Image.new("RGB", (unit_width * repeats, min(height, round(font_size * 1.8))),
                     tuple(int(c) for c in palette[2]))
    draw = ImageDraw.Draw(band)
    for i in range(repeats):
        draw.text((i * unit_width, band.height / 2), unit, font=typeface, anchor="lm",
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


# --- objects named in the prompt -------------------------------------------------------------------------

#: prompt words that put a drawn object in the scene (singular and plural where it matters)
OBJECT_WORDS = {
    "sun": "sun", "sunset": "sun", "sunrise": "sun", "sunny": "sun", "dawn": "sun",
    "moon": "moon", "night": "moon",
    "star": "star", "stars": "star", "space": "star", "galaxy": "star", "astronaut": "star",
    "heart": "heart", "love": "heart", "birthday": "heart",
    "tree": "tree", "trees": "tree", "forest": "tree", "garden": "tree", "leaves": "tree",
    "ocean": "wave", "sea": "wave", "waves": "wave", "wave": "wave", "surf": "wave", "surfing": "wave",
    "lake": "wave", "water": "wave", "underwater": "wave",
    "music": "note", "song": "note", "piano": "note", "guitar": "note", "jazz": "note", "dj": "note",
    "band": "note", "concert": "note",
    "ball": "ball", "football": "ball", "soccer": "ball", "basketball": "ball", "tennis": "ball",
    "city": "building", "tokyo": "building", "street": "building", "house": "building", "market": "building",
    "cloud": "cloud", "clouds": "cloud", "rain": "cloud", "raining": "cloud", "weather": "cloud", "snow": "cloud",
    "cat": "cat", "cats": "cat", "kitten": "cat",
    "rocket": "rocket", "spaceship": "rocket", "mars": "rocket",
}
MAX_OBJECTS = 3


def objects_in(prompt: str) -> list[str]:
    """The drawn objects a prompt names, in the order its words name them (at most MAX_OBJECTS)."""
    words = re.findall(r"[a-z]+", prompt.lower())
    return list(dict.fromkeys(OBJECT_WORDS[w] for w in words if w in OBJECT_WORDS))[:MAX_OBJECTS]


@dataclass(frozen=True)
class _Sprite:
    """A small pre-rendered RGBA image, stored ready for a two-operation blend anywhere in the frame."""

    keep: np.ndarray  # (h, w, 1) float32: 1 - alpha
    add: np.ndarray  # (h, w, 3) float32: colour * alpha


def _sprite_from(image: Image.Image) -> _Sprite:
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
    alpha = rgba[..., 3:] / 255.0
    return _Sprite(keep=1.0 - alpha, add=rgba[..., :3] * alpha)


def _object_sprite(kind: str, palette: list[np.ndarray], width: int) -> _Sprite:
    """Draw one object as a simple flat icon about a quarter of the frame wide, in the scene's light colour."""
    size = max(24, round(width * 0.26))
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    light = tuple(int(c) for c in palette[2]) + (235,)
    accent = tuple(int(c) for c in palette[1]) + (235,)
    dark = tuple(int(c * 0.4) for c in palette[0]) + (255,)
    s = size
    if kind == "sun":
        for k in range(12):
            angle = 2 * math.pi * k / 12
            draw.line([(s / 2 + s * 0.3 * math.cos(angle), s / 2 + s * 0.3 * math.sin(angle)),
                       (s / 2 + s * 0.48 * math.cos(angle), s / 2 + s * 0.48 * math.sin(angle))],
                      fill=light, width=max(2, s // 24))
        draw.ellipse([s * 0.25, s * 0.25, s * 0.75, s * 0.75], fill=light)
    elif kind == "moon":
        draw.ellipse([s * 0.15, s * 0.15, s * 0.85, s * 0.85], fill=light)
        draw.ellipse([s * 0.35, s * 0.05, s * 1.05, s * 0.75], fill=(0, 0, 0, 0))
    elif kind == "star":
        points = [(s / 2 + s * (0.48 if k % 2 == 0 else 0.2) * math.cos(math.pi * k / 5 - math.pi / 2),
                   s / 2 + s * (0.48 if k % 2 == 0 else 0.2) * math.sin(math.pi * k / 5 - math.pi / 2)) for k in range(10)]
        draw.polygon(points, fill=light)
    elif kind == "heart":
        draw.ellipse([s * 0.08, s * 0.15, s * 0.52, s * 0.58], fill=accent)
        draw.ellipse([s * 0.48, s * 0.15, s * 0.92, s * 0.58], fill=accent)
        draw.polygon([(s * 0.1, s * 0.45), (s * 0.9, s * 0.45), (s * 0.5, s * 0.92)], fill=accent)
    elif kind == "tree":
        draw.rectangle([s * 0.44, s * 0.6, s * 0.56, s * 0.95], fill=dark)
        draw.polygon([(s * 0.5, s * 0.05), (s * 0.12, s * 0.68), (s * 0.88, s * 0.68)], fill=accent)
    elif kind == "wave":
        for row in range(3):
            y = s * (0.3 + 0.2 * row)
            points = [(x, y + s * 0.08 * math.sin(2 * math.pi * x / (s * 0.5))) for x in range(0, s + 1, 2)]
            draw.line(points, fill=light, width=max(2, s // 16))
    elif kind == "note":
        draw.ellipse([s * 0.15, s * 0.62, s * 0.45, s * 0.88], fill=light)
        draw.ellipse([s * 0.55, s * 0.52, s * 0.85, s * 0.78], fill=light)
        draw.rectangle([s * 0.39, s * 0.12, s * 0.45, s * 0.76], fill=light)
        draw.rectangle([s * 0.79, s * 0.05, s * 0.85, s * 0.66], fill=light)
        draw.polygon([(s * 0.39, s * 0.12), (s * 0.85, s * 0.05), (s * 0.85, s * 0.2), (s * 0.39, s * 0.27)], fill=light)
    elif kind == "ball":
        draw.ellipse([s * 0.1, s * 0.1, s * 0.9, s * 0.9], fill=light, outline=dark, width=max(2, s // 20))
        draw.line([(s * 0.1, s * 0.5), (s * 0.9, s * 0.5)], fill=dark, width=max(2, s // 24))
        draw.arc([s * 0.3, s * 0.1, s * 0.7, s * 0.9], 0, 360, fill=dark, width=max(2, s // 24))
    elif kind == "building":
        draw.rectangle([s * 0.2, s * 0.15, s * 0.8, s * 0.95], fill=accent)
        for row in range(4):
            for col in range(3):
                x0, y0 = s * (0.27 + 0.18 * col), s * (0.22 + 0.17 * row)
                draw.rectangle([x0, y0, x0 + s * 0.1, y0 + s * 0.09], fill=light)
    elif kind == "cloud":
        for box in ([0.1, 0.4, 0.5, 0.8], [0.3, 0.2, 0.75, 0.7], [0.5, 0.4, 0.9, 0.8]):
            draw.ellipse([v * s for v in box], fill=light)
    elif kind == "cat":
        draw.polygon([(s * 0.18, s * 0.42), (s * 0.25, s * 0.08), (s * 0.45, s * 0.3)], fill=accent)
        draw.polygon([(s * 0.82, s * 0.42), (s * 0.75, s * 0.08), (s * 0.55, s * 0.3)], fill=accent)
        draw.ellipse([s * 0.15, s * 0.22, s * 0.85, s * 0.88], fill=accent)
        for x in (0.36, 0.64):
            draw.ellipse([s * (x - 0.06), s * 0.45, s * (x + 0.06), s * 0.58], fill=dark)
        draw.polygon([(s * 0.45, s * 0.64), (s * 0.55, s * 0.64), (s * 0.5, s * 0.7)], fill=dark)
    elif kind == "rocket":
        draw.polygon([(s * 0.5, s * 0.03), (s * 0.68, s * 0.3), (s * 0.68, s * 0.75), (s * 0.32, s * 0.75),
                      (s * 0.32, s * 0.3)], fill=light)
        draw.polygon([(s * 0.32, s * 0.55), (s * 0.15, s * 0.85), (s * 0.32, s * 0.75)], fill=accent)
        draw.polygon([(s * 0.68, s * 0.55), (s * 0.85, s * 0.85), (s * 0.68, s * 0.75)], fill=accent)
        draw.ellipse([s * 0.42, s * 0.3, s * 0.58, s * 0.46], fill=dark)
        draw.polygon([(s * 0.4, s * 0.75), (s * 0.6, s * 0.75), (s * 0.5, s * 0.97)], fill=(255, 160, 40, 230))
    else:
        raise ValueError(f"no drawing for object {kind!r}")
    return _sprite_from(image)


def _object_path(rng: np.random.Generator) -> tuple[float, ...]:
    """Seeded parameters of an object's slow float: anchor (fractions of the frame), sway, speed, phase."""
    return (float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.12, 0.45)), float(rng.uniform(0.04, 0.1)),
            float(rng.uniform(0.1, 0.3)), float(rng.uniform(0, 2 * math.pi)))


def _sprite_position(path: tuple[float, ...], t: float, width: int, height: int) -> tuple[int, int]:
    anchor_x, anchor_y, sway, speed, phase = path
    wave = 2 * math.pi * speed * t + phase
    return round((anchor_x + sway * math.sin(wave)) * width), round((anchor_y + sway * 0.5 * math.cos(wave)) * height)


def _blend_sprite(frame: np.ndarray, sprite: _Sprite, cx: int, cy: int) -> None:
    """Blend a sprite centred at (cx, cy), clipped to the frame."""
    height, width = frame.shape[:2]
    h, w = sprite.keep.shape[:2]
    x0, y0 = cx - w // 2, cy - h // 2
    fx0, fy0, fx1, fy1 = max(0, x0), max(0, y0), min(width, x0 + w), min(height, y0 + h)
    if fx0 >= fx1 or fy0 >= fy1:
        return
    keep = sprite.keep[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0]
    add = sprite.add[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0]
    region = frame[fy0:fy1, fx0:fx1]
    region[...] = (region * keep + add + 0.5).astype(np.uint8)


# --- remixes and cameos ------------------------------------------------------------------------------------

def _fit_parent(parent: RenderedClip, frame_count: int, width: int, height: int) -> np.ndarray:
    """The parent's frames stretched in time to the remix's length and resized to its frame size."""
    picks = np.minimum((np.arange(frame_count) * parent.frames.shape[0]) // frame_count, parent.frames.shape[0] - 1)
    frames = parent.frames[picks]
    if frames.shape[1:3] != (height, width):
        frames = np.stack([np.asarray(Image.fromarray(f).resize((width, height), Image.BILINEAR)) for f in frames])
    return frames.astype(np.float32)


def _mix_parent_audio(audio: np.ndarray, parent_audio: np.ndarray, parent_rate: int) -> np.ndarray:
    """Keep the parent's sound under the new tone (resampled by nearest sample to the new length)."""
    picks = np.minimum((np.arange(audio.size) * parent_audio.size) // max(1, audio.size), parent_audio.size - 1)
    mixed = 0.55 * audio + 0.45 * parent_audio[picks]
    return (mixed / max(1.0, float(np.max(np.abs(mixed))))).astype(np.float32)


def _face_sprite(face: np.ndarray, width: int, cameo_count: int) -> _Sprite:
    """An enrolled face, upright, about 40% of the frame wide (less when several share the frame),
    in a soft-edged oval so it sits in the scene without a hard box around it."""
    side = max(48, round(width * (0.42 if cameo_count == 1 else 0.8 / cameo_count)))
    image = Image.fromarray(np.ascontiguousarray(face[..., :3])).convert("RGB")
    image = image.resize((side, round(side * image.height / image.width)), Image.LANCZOS)
    yy, xx = np.mgrid[0:image.height, 0:image.width].astype(np.float32)
    distance = ((xx - image.width / 2) / (image.width * 0.5)) ** 2 + ((yy - image.height / 2) / (image.height * 0.5)) ** 2
    alpha = np.clip((1.0 - distance) / 0.12, 0.0, 1.0)[..., None]
    pixels = np.asarray(image, dtype=np.float32)
    return _Sprite(keep=1.0 - alpha, add=pixels * alpha)


def _face_position(slot: int, count: int, t: float, width: int, height: int) -> tuple[int, int]:
    """Faces stand side by side in the upper middle of the frame and bob gently."""
    x = width * (slot + 1) / (count + 1)
    y = height * 0.36 + height * 0.015 * math.sin(2 * math.pi * 0.4 * t + slot)
    return round(x), round(y)
