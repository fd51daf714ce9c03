"""A CPU-only clip generator: the prompt's storyboard drawn as glyphs moving over a scene, with
weather, a style, a camera move, a caption, a tone and the scene's ambient sound.

It stands in for a real video model so the rest of the app (feed, remixes, storage) can be built and
tested on a laptop. Two things matter: the same request always gives byte-identical output (seeds
and remixes mean something), and a clip shows what its prompt says. It is also fast: scenery
layers, sprites and the caption are made once a shot, and a frame is copies and small blends.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from workbench.embeddings import SentenceEmbedder
from workbench.media.backend import GenerationRequest, ProgressCallback, RenderedClip
from workbench.media.glyph_art import (
    emoji_font_installed,
    glyph_sprite,
    picture_sprite,
    soft_oval,
)
from workbench.media.moods import classify_prompt, mood
from workbench.media.scenery import Backdrop, Grade, ambience, backdrop, rgb, weather
from workbench.media.storyboard import (
    MAX_SUBJECTS,
    Shot,
    Storyboard,
    StoryboardReader,
    Subject,
)

SAMPLE_RATE = 48_000
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MIN_SIDE, MAX_SIDE = 64, 1920
MAX_CAPTION_LINES = 4
#: where the burned-in caption's band starts, as a fraction of the frame's height
CAPTION_TOP = 0.68
#: subjects whose placements are recorded in the metadata per shot (the benchmark checks them)
MAX_PLACEMENTS = 4


class ProceduralBackend:
    """Renders a clip from a request with numpy, OpenCV and Pillow; no model, no GPU, no network.

    Each shot is read into a storyboard (workbench.media.storyboard): its subjects are drawn as colour
    glyphs moving the way their action says (a run crosses the frame with a bounce, a dance sways),
    over the backdrop of its scene at its time of day, with its weather's particles, its camera's
    move and its style's grade; a cut starts the next shot. The scene's ambient sound plays under the
    mood's tone. A remix keeps its parent's frames as the scene and lays the new prompt's subjects,
    style and caption over them. A cameo's enrolled face is composited large and upright on a drawn
    figure, so that a face detector finds that person in the clip.
    """

    name = "procedural"

    def __init__(self, reader: StoryboardReader | None = None) -> None:
        self.reader = reader or shared_reader()

    def generate(self, request: GenerationRequest, progress: ProgressCallback | None = None) -> RenderedClip:
        report = progress or (lambda fraction, message: None)
        validate_request(request)
        width, height, fps = request.width, request.height, request.fps
        frame_count = max(1, round(request.duration_s * fps))
        scenes = request.scenes
        bounds = [round(frame_count * i / len(scenes)) for i in range(len(scenes) + 1)]
        render_seed = derive_seed(request.prompt, request.seed)
        rng = np.random.default_rng(render_seed)
        board = self.reader.read(scenes)
        parent_frames = _fit_parent(request.parent, frame_count, width, height) if request.parent else None
        parent_board = request.parent.metadata.get("storyboard", {}) if request.parent else {}
        parent_subjects = Storyboard.subjects_of(parent_board)
        parent_shot = (parent_board.get("shots") or [{}])[0]
        remix_modes, drawn_shots = [], []
        people = [c for c in request.cameos if c.kind == "person" and c.face is not None]
        characters = [c for c in request.cameos if c.kind == "character"]
        faces = [_face_sprite(c.face, width, len(people)) for c in people]
        board = self.reader.with_characters(board, [c.handle for c in characters])
        frames = np.empty((frame_count, height, width, 3), dtype=np.uint8)
        audio_parts, scene_moods, placements = [], [], []
        report(0.0, f"composing {len(scenes)} shot{'s' if len(scenes) > 1 else ''}")

        for number, (scene, shot) in enumerate(zip(scenes, board.shots)):
            first, last = bounds[number], bounds[number + 1]
            moods = request.moods if request.moods and len(scenes) == 1 else classify_prompt(scene)
            spec = mood(moods[0])
            scene_moods.append(moods[0])
            seconds = max(1, last - first) / fps
            camera = _Camera(shot.camera, seconds, rng)
            redrawn = parent_frames is not None and bool(parent_subjects) and (shot.place_named or bool(shot.subjects))
            if redrawn and shot.place_named:  # a remix that names a new place: the parent's subjects, redrawn there
                shot = replace(shot, subjects=tuple([*parent_subjects, *shot.subjects][:MAX_SUBJECTS]))
            elif redrawn:  # a new subject in the parent's place takes the place of the parent's of its kind
                shot = _recast(shot, parent_subjects, parent_shot)
            remix_modes.append(("new_scene" if shot.place_named else "new_subject") if redrawn
                               else "parent_scene" if parent_frames is not None else None)
            drawn_shots.append(shot)
            grade = Grade(shot.style, width, height, rng)
            layers = backdrop(shot.scene, shot.time_of_day, width, height, rng, pan_room=camera.pan_room).graded(grade)
            actors = _cast(shot, layers, grade, width, height, rng,
                           pictures={c.handle: c.face for c in characters if c.face is not None})
            particles = [weather(kind, width, height, rng) for kind in shot.weather]
            caption = scene if len(scenes) > 1 else (request.caption if request.caption is not None else request.prompt)
            caption_layer = _caption_layer(caption, width, height)
            tint = rgb(spec["palette"][0]) * 0.35
            pace = camera.pace

            for index in range(first, last):
                t = (index - first) / fps
                frame = frames[index]
                if parent_frames is not None and not redrawn:  # the parent's frames in the remix's style and mood
                    frame[...] = grade.prepare((parent_frames[index] * 0.65 + tint + 0.5).astype(np.uint8), 0)
                else:
                    layers.paint(frame, camera.pan(t))
                for actor in actors:
                    actor.draw(frame, t * pace, seconds * pace)
                for slot, face in enumerate(faces):
                    _draw_figure(frame, face, slot, len(faces), t, width, height)
                for particle in particles:
                    particle.draw(frame, t)
                camera.move(frame, t)
                grade.apply(frame, index)
                if caption_layer is not None:
                    _blend_layer(frame, caption_layer)
            for actor in actors[:MAX_PLACEMENTS]:
                placements.extend(actor.placements(number, first, last, fps, camera))
            report(0.05 + 0.8 * last / frame_count, f"rendered shot {number + 1} of {len(scenes)}")
            tone = _tone(spec["tone_hz"], (last - first) / fps, rng)
            audio_parts.append(0.7 * tone + 0.3 * ambience(shot.scene, shot.weather, (last - first) / fps, SAMPLE_RATE, rng)[:tone.size])

        report(0.9, "mixing audio")
        audio = np.concatenate(audio_parts)
        if request.parent is not None and request.parent.audio.size:
            audio = _mix_parent_audio(audio, request.parent.audio, request.parent.sample_rate)
        report(1.0, "done")
        metadata = {"backend": self.name, "moods": scene_moods, "shots": len(scenes), "cuts": bounds[1:-1],
                    "storyboard": Storyboard(tuple(drawn_shots)).as_dict(), "placements": placements,
                    "glyphs": "noto-color-emoji" if emoji_font_installed() else "drawn badges",
                    "cameos": [c.handle for c in people + characters],
                    "remix_mode": remix_modes[0] if request.parent is not None else None,
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
    top = min(round(height * CAPTION_TOP), height - band_height)
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


@dataclass(frozen=True)
class _Sprite:
    """A small pre-rendered RGBA image, stored ready for a two-operation blend anywhere in the frame."""

    keep: np.ndarray  # (h, w, 1) float32: 1 - alpha
    add: np.ndarray  # (h, w, 3) float32: colour * alpha


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

def _recast(shot: Shot, parent_subjects: list, parent_shot: dict) -> Shot:
    """A remix shot that names subjects but no place ("now it's a cat"), redrawn in its parent's
    place, weather and time: each new subject replaces the parent's subjects of its kind (a cat for
    the puppy), and the parent's other subjects stay (the ball)."""
    kinds = {subject.kind for subject in shot.subjects}
    kept = [subject for subject in parent_subjects if subject.kind not in kinds]
    return replace(shot, subjects=tuple([*shot.subjects, *kept][:MAX_SUBJECTS]),
                   scene=parent_shot.get("scene", shot.scene),
                   weather=tuple(dict.fromkeys([*parent_shot.get("weather", ()), *shot.weather])),
                   time_of_day=shot.time_of_day if shot.time_of_day != "day" else parent_shot.get("time_of_day", "day"))


def _fit_parent(parent: RenderedClip, frame_count: int, width: int, height: int) -> np.ndarray:
    """The parent's frames stretched in time to the remix's length and resized to its frame size."""
    picks = np.minimum((np.arange(frame_count) * parent.frames.shape[0]) // frame_count, parent.frames.shape[0] - 1)
    frames = parent.frames[picks]
    if frames.shape[1:3] != (height, width):
        frames = np.stack([np.asarray(Image.fromarray(f).resize((width, height), Image.BILINEAR)) for f in frames])
    else:
        frames = frames.copy()
    top, bottom = round(height * CAPTION_TOP), min(height, round(height * CAPTION_TOP + width / 16 * 1.3 * 5.5))
    for frame in frames:  # the parent's burned-in caption, blurred out so that it does not ghost under the new one
        frame[top:bottom] = cv2.blur(frame[top:bottom], (41, 41))
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
    alpha = soft_oval(image.height, image.width, feather=0.12)[..., None]
    pixels = np.asarray(image, dtype=np.float32)
    return _Sprite(keep=1.0 - alpha, add=pixels * alpha)


def _draw_figure(frame: np.ndarray, face: _Sprite, slot: int, count: int, t: float, width: int, height: int) -> None:
    """A cameo as a simple figure: a body and arms that swing, the enrolled face on top, nodding and
    turning a little (upright enough for a face detector to find it in every frame)."""
    cx, cy = _face_position(slot, count, t, width, height)
    face_height = face.keep.shape[0]
    shoulders = cy + face_height // 2
    body_width = max(8, face.keep.shape[1] // 2)
    color = (70 + 50 * slot, 110, 200 - 40 * slot)
    bottom = min(height - 1, shoulders + face_height)
    cv2.rectangle(frame, (cx - body_width // 2, shoulders), (cx + body_width // 2, bottom), color, -1)
    swing = math.sin(2 * math.pi * 0.9 * t + slot)
    for side in (-1, 1):
        hand = (int(cx + side * body_width * (1.1 + 0.2 * swing * side)), int(shoulders + face_height * (0.55 - 0.3 * swing * side)))
        cv2.line(frame, (cx + side * body_width // 2, shoulders + 6), hand, color, max(3, body_width // 5), cv2.LINE_AA)
    nod = round(face_height * 0.03 * math.sin(2 * math.pi * 0.7 * t))
    turn = round(face.keep.shape[1] * 0.06 * math.sin(2 * math.pi * 0.35 * t + slot))
    _blend_sprite(frame, face, cx + turn, cy + nod)


def _face_position(slot: int, count: int, t: float, width: int, height: int) -> tuple[int, int]:
    """Faces stand side by side in the upper middle of the frame and bob gently."""
    x = width * (slot + 1) / (count + 1)
    y = height * 0.36 + height * 0.015 * math.sin(2 * math.pi * 0.4 * t + slot)
    return round(x), round(y)


# --- subjects in motion -----------------------------------------------------------------------------------

_readers: dict[str, StoryboardReader] = {}


def shared_reader() -> StoryboardReader:
    """One storyboard reader per process, with the offline sentence model for nouns no keyword knows
    (loaded on the first such noun, not at import)."""
    if "default" not in _readers:
        _readers.setdefault("default", StoryboardReader(SentenceEmbedder()))
    return _readers["default"]


class _Camera:
    """A shot's camera move: how far the scenery pans, and the zoom, shake or pace of each frame."""

    def __init__(self, kind: str, seconds: float, rng: np.random.Generator) -> None:
        self.kind, self.seconds = kind, seconds
        self.pan_room = {"pan": 0.8, "orbit": 0.5, "aerial": 0.4, "dolly": 0.3}.get(kind, 0.25)
        self.pace = {"slow motion": 0.4, "timelapse": 2.5}.get(kind, 1.0)
        self.shake = rng.uniform(0, 2 * math.pi, 4)

    def pan(self, t: float) -> float:
        progress = t / self.seconds
        if self.kind in ("pan", "aerial", "timelapse"):
            return progress
        if self.kind == "orbit":
            return 0.5 - 0.5 * math.cos(2 * math.pi * progress)
        if self.kind == "dolly":
            return 0.5 + 0.4 * progress
        return 0.5

    def matrix(self, t: float, width: int, height: int) -> np.ndarray | None:
        """The zoom and shake at time t as a 2x3 affine matrix of the frame (a scale about a point
        above the middle and a shift; None: the frame stays)."""
        progress = t / self.seconds
        scale, dx, dy = 1.0, 0.0, 0.0
        if self.kind == "zoom":
            scale = 1.0 + 0.35 * progress
        elif self.kind == "dolly":
            scale = 1.0 + 0.2 * progress
        elif self.kind == "aerial":
            scale = 1.25 - 0.2 * progress
        elif self.kind == "shake":
            scale = 1.06
            dx = 7 * math.sin(t * 13 + self.shake[0]) + 4 * math.sin(t * 29 + self.shake[1])
            dy = 6 * math.sin(t * 17 + self.shake[2]) + 3 * math.sin(t * 31 + self.shake[3])
        if scale == 1.0:
            return None
        centre_x, centre_y = width / 2, height * 0.45
        return np.array([[scale, 0.0, centre_x * (1 - scale) + dx], [0.0, scale, centre_y * (1 - scale) + dy]])

    def move(self, frame: np.ndarray, t: float) -> None:
        """Zoom and shake: the part of the finished frame the camera sees, scaled back up to the frame
        (a crop and a resize, a third of the cost of a general warp; pans move the layers instead)."""
        height, width = frame.shape[:2]
        matrix = self.matrix(t, width, height)
        if matrix is None:
            return
        scale = matrix[0, 0]
        left, top = -matrix[0, 2] / scale, -matrix[1, 2] / scale
        crop_width, crop_height = width / scale, height / scale
        left = min(max(0.0, left), width - crop_width)
        top = min(max(0.0, top), height - crop_height)
        x0, y0 = int(left), int(top)
        x1, y1 = min(width, math.ceil(left + crop_width)), min(height, math.ceil(top + crop_height))
        frame[...] = cv2.resize(frame[y0:y1, x0:x1], (width, height), interpolation=cv2.INTER_LINEAR)


_FLYING = frozenset({"fly"})


class _Actor:
    """One subject's copies, each with a seeded lane and phase, drawn where their action puts them."""

    def __init__(self, subject: Subject, size: int, lanes: list[float], depth: float, layers: Backdrop, grade: Grade,
                 width: int, height: int, rng: np.random.Generator, picture: np.ndarray | None = None) -> None:
        self.subject, self.size, self.width, self.height = subject, size, width, height
        self.lanes = lanes
        self.phases = rng.uniform(0, 2 * math.pi, len(lanes))
        self.direction = 1 if rng.uniform() < 0.5 else -1
        ground = layers.ground_row - size * 0.5 - depth * height * 0.05
        water = layers.water or subject.action == "swim" and subject.kind == "animal" and layers.near.shape[0] == 0
        self.floor = height * 0.5 if water else ground
        self.sprite = grade.prepare_sprite(picture if picture is not None else glyph_sprite(subject.glyph, size, subject.name))
        self._variants: dict[tuple[int, bool], _Sprite] = {}
        self.extras = [grade.prepare_sprite(glyph_sprite(g, max(8, size // 3))) for g in _ACTION_EXTRAS.get(subject.action, ())]

    def pose(self, copy: int, t: float, seconds: float) -> tuple[float, float, float, bool]:
        """(centre x, centre y, rotation in degrees, mirrored) of one copy at time t."""
        w, h = self.width, self.height
        lane, phase, direction = self.lanes[copy], self.phases[copy], self.direction * (1 if copy % 2 == 0 else -1)
        action = self.subject.action
        x, y, angle = lane * w, self.floor, 0.0
        progress = t / max(seconds, 1e-6) - 0.5
        if action in ("run", "drive"):  # across the frame at a steady pace, coming back in on the other side
            x = ((lane + 0.15 + direction * (0.3 if action == "run" else 0.4) * t) % 1.3 - 0.15) * w
            if action == "run":
                y -= abs(math.sin(2 * math.pi * 1.2 * t + phase)) * h * 0.035
                angle = -6 * direction
            else:
                y -= 1.5 * math.sin(t * 40 + phase)
        elif action == "walk":
            x += direction * 0.35 * w * progress
            y -= abs(math.sin(2 * math.pi * 1.6 * t + phase)) * h * 0.015
        elif action == "jump":
            x += 0.03 * w * math.sin(t + phase)
            y -= max(0.0, math.sin(2 * math.pi * t / 0.9 + phase)) * h * 0.16
        elif action == "dance":
            x += 0.06 * w * math.sin(2 * math.pi * 0.8 * t + phase)
            y -= abs(math.sin(2 * math.pi * 2 * t + phase)) * h * 0.03
            angle = 14 * math.sin(2 * math.pi * 1.6 * t + phase)
        elif action == "fly":
            x += direction * 0.6 * w * progress
            y = h * (0.22 + 0.07 * (copy % 3)) + h * 0.05 * math.sin(2 * math.pi * 0.7 * t + phase)
            angle = -8 * direction * math.cos(2 * math.pi * 0.7 * t + phase)
        elif action == "swim":
            x += direction * 0.5 * w * progress
            y += h * 0.03 * math.sin(2 * math.pi * 1.2 * t + phase)
            angle = 10 * math.cos(2 * math.pi * 1.2 * t + phase)
        elif action == "spin":
            angle = direction * 360 * t / 1.3
        elif action == "wave":
            angle = 12 * math.sin(2 * math.pi * 1.4 * t + phase)
        elif action == "fall":
            cycle = (t / 1.6 + phase / (2 * math.pi)) % 1.0
            drop = min(1.0, (cycle / 0.7) ** 2)
            y = h * 0.08 + (self.floor - h * 0.08) * drop
            angle = direction * 220 * min(cycle, 0.7)
        elif action == "fight":
            x += 0.03 * w * math.sin(2 * math.pi * 5 * t + phase)
            angle = 10 * math.sin(2 * math.pi * 2.5 * t + phase)
        elif action == "shake":
            x += 0.015 * w * math.sin(2 * math.pi * 9 * t + phase)
        elif action == "climb":
            cycle = (t / 2.5 + phase / (2 * math.pi)) % 1.0
            y = self.floor - cycle * h * 0.3
        elif action == "play":
            x += 0.08 * w * math.sin(2 * math.pi * 0.6 * t + phase)
            y -= abs(math.sin(2 * math.pi * 1.5 * t + phase)) * h * 0.06
        elif action == "eat":
            y -= h * 0.01 * abs(math.sin(2 * math.pi * 3 * t + phase))
        else:  # cook, sing, sleep, float: in place, bobbing
            y -= h * 0.015 * math.sin(2 * math.pi * 0.6 * t + phase)
            x += w * 0.02 * math.sin(2 * math.pi * 0.25 * t + phase)
        moving_right = direction > 0 and action in ("run", "drive", "walk", "fly", "swim")
        moving_left = direction < 0 and action in ("run", "drive", "walk", "fly", "swim")
        mirrored = (self.subject.facing == "left" and moving_right) or (self.subject.facing == "right" and moving_left)
        return x, y, angle, mirrored

    def draw(self, frame: np.ndarray, t: float, seconds: float) -> None:
        for copy in range(len(self.lanes)):
            x, y, angle, mirrored = self.pose(copy, t, seconds)
            _blend_sprite(frame, self._variant(angle, mirrored), round(x), round(y))
            for k, extra in enumerate(self.extras):  # notes rise from a singer, z's from a sleeper
                rise = ((t * 0.6 + k * 0.5 + copy * 0.3) % 1.0)
                _blend_sprite(frame, self._extra(extra), round(x + self.size * (0.35 + 0.1 * k)),
                              round(y - self.size * (0.4 + 0.6 * rise)))

    def _variant(self, angle: float, mirrored: bool) -> _Sprite:
        """The sprite turned (to 5 degrees) and mirrored, made once per pose and kept for the shot."""
        key = (round(angle / 5) * 5 % 360, mirrored)
        if key not in self._variants:
            image = self.sprite[:, ::-1] if mirrored else self.sprite
            if key[0]:
                centre = (image.shape[1] / 2, image.shape[0] / 2)
                image = cv2.warpAffine(np.ascontiguousarray(image), cv2.getRotationMatrix2D(centre, key[0], 1.0),
                                       image.shape[1::-1], flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
            self._variants[key] = _sprite_from_rgba(image)
        return self._variants[key]

    def _extra(self, image: np.ndarray) -> _Sprite:
        key = (id(image), False)
        if key not in self._variants:
            self._variants[key] = _sprite_from_rgba(image)
        return self._variants[key]

    def placements(self, shot: int, first: int, last: int, fps: int, camera: _Camera) -> list[dict]:
        """Where the first copy is at three moments of the shot (a quarter, half and three quarters
        through, or others where it is off the edge then), as the camera shows it: the frame, the
        glyph's box and its pose, so that a check can find its pixels in the stored clip."""
        found = []
        seconds = max(1, last - first) / fps
        for fraction in (0.25, 0.5, 0.75, 0.1, 0.4, 0.6, 0.9, 0.0):
            if len(found) == 3:
                break
            index = min(last - 1, first + round((last - first) * fraction))
            t = (index - first) / fps
            x, y, angle, mirrored = self.pose(0, t * camera.pace, seconds * camera.pace)
            size = self.size
            matrix = camera.matrix(t, self.width, self.height)
            if matrix is not None:
                x, y = matrix @ (x, y, 1.0)
                scale = math.hypot(matrix[0, 0], matrix[0, 1])
                size = round(size * scale)
                angle += math.degrees(math.atan2(matrix[0, 1], matrix[0, 0]))
            left, top = round(x) - size // 2, round(y) - size // 2
            inside = (min(self.width, left + size) - max(0, left)) * (min(self.height, top + size) - max(0, top))
            if inside < 0.6 * size * size and (found or fraction != 0.0):
                continue  # a runner off the edge at that moment: another moment of the shot
            # the box as named numbers: C2PA's CBOR writes a list of small integers as bytes
            found.append({"shot": shot, "glyph": self.subject.glyph, "name": self.subject.name, "frame": index,
                          "x": round(x) - size // 2, "y": round(y) - size // 2, "size": size,
                          "angle": round(angle / 5) * 5 % 360, "mirrored": mirrored})
        return found


#: small glyphs an action gives off
_ACTION_EXTRAS = {"sing": ("🎵", "🎶"), "sleep": ("💤",), "cook": ("💨",), "fight": ("💥",), "eat": ("✨",)}


def _cast(shot: Shot, layers: Backdrop, grade: Grade, width: int, height: int, rng: np.random.Generator,
          pictures: dict[str, np.ndarray]) -> list[_Actor]:
    """The shot's subjects as actors: sizes shrink as copies add up, lanes spread them across the frame,
    and a later subject stands a little further back. A character cameo with a picture is drawn from
    its picture, cut out of its background."""
    copies = [max(1, min(s.count, 5)) for s in shot.subjects]
    total = sum(copies) or 1
    # the seed moves and sizes the subjects, so that two seeds of one prompt are two different clips
    size = round(width * min(0.46, max(0.15, 0.5 / math.sqrt(total))) * rng.uniform(0.8, 1.05))
    slots = np.linspace(0.5 / total, 1 - 0.5 / total, total) + rng.uniform(-0.2, 0.2) / total
    order = rng.permutation(total) if total > 2 else np.arange(total)
    actors, used = [], 0
    for depth, (subject, count) in enumerate(zip(shot.subjects, copies)):
        lanes = [float(slots[order[used + k]]) for k in range(count)]
        used += count
        scale = 0.75 if subject.action in _FLYING else 1.0
        side = max(12, round(size * scale * (1 - 0.08 * depth)))
        picture = picture_sprite(pictures[subject.cameo], side) if subject.cameo in pictures else None
        actors.append(_Actor(subject, side, lanes, depth, layers, grade, width, height, rng, picture))
    return actors


def _sprite_from_rgba(image: np.ndarray) -> _Sprite:
    rgba = image.astype(np.float32)
    alpha = rgba[..., 3:] / 255.0
    return _Sprite(keep=1.0 - alpha, add=rgba[..., :3] * alpha)
