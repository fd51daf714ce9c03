"""What a shot's subjects stand in: the backdrop of its scene at its time of day, its weather, the
grade of its style, and its ambient sound. Pure functions of a shot and a seeded generator.

A backdrop is two layers drawn once a shot: the far layer (sky, sun or moon, horizon silhouettes)
and the near layer (ground and props), each wider than the frame, so that a camera pan slides them
at different speeds (parallax) and a frame costs two copies. Weather is particles drawn per frame
with OpenCV; a style is a colour grade (a lookup table), grain, blur or pixelation per frame, chosen
to cost well under a millisecond at 360x640.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from workbench.media.glyph_art import glyph_sprite
from workbench.media.storyboard import vocabulary

#: where the ground meets the sky, as a fraction of the frame's height (subjects stand below it)
HORIZON = 0.44
#: sky colours (top, horizon) and the light on the ground (a gain per channel) by time of day
SKIES = {
    "day": ("#5fb4ee", "#d4efff", (1.0, 1.0, 1.0)),
    "sunrise": ("#7d8fd8", "#ffc99a", (1.0, 0.88, 0.8)),
    "sunset": ("#34306e", "#ff8a4c", (0.95, 0.72, 0.62)),
    "night": ("#0b1232", "#1f2e62", (0.42, 0.48, 0.72)),
    "neon": ("#0c0221", "#40105e", (0.62, 0.42, 0.85)),
}


def rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], np.float32)


@dataclass
class Backdrop:
    """A shot's two scenery layers, each (height, wider than the frame, 3) uint8, and the row the near
    layer starts at (the horizon, or the frame's top for a scene that fills it)."""
    far: np.ndarray
    near: np.ndarray
    near_top: int
    #: where subjects stand (a row) and whether the scene is water they swim in
    ground_row: int
    water: bool

    def graded(self, grade: "Grade") -> "Backdrop":
        """The layers with the style's still part applied once (not per frame)."""
        self.far = grade.prepare(self.far, 0)
        self.near = grade.prepare(self.near, self.near_top)
        return self

    def paint(self, frame: np.ndarray, pan: float) -> None:
        """Copy the layers into the frame for a camera pan in [0, 1] of their extra width; the far
        layer moves at a third of the near one's speed."""
        width = frame.shape[1]
        far_offset = round((self.far.shape[1] - width) * (0.5 + (pan - 0.5) / 3))
        near_offset = round((self.near.shape[1] - width) * pan)
        frame[:self.near_top] = self.far[:self.near_top, far_offset:far_offset + width]
        frame[self.near_top:] = self.near[:, near_offset:near_offset + width]


def backdrop(scene: str | None, time_of_day: str, width: int, height: int, rng: np.random.Generator,
             pan_room: float) -> Backdrop:
    """Draw a scene's layers: `pan_room` is how much wider than the frame they are (0.6: 60%)."""
    spec = vocabulary()["scenes"].get(scene or "", {"layout": "outdoor", "far": "hills", "ground": "#7fb24a",
                                                     "props": ["🌳", "🌼"]})
    top, bottom, light = SKIES.get(time_of_day, SKIES["day"])
    light = np.array(light, np.float32) * rng.uniform(0.9, 1.08, 3).astype(np.float32)
    wide = round(width * (1 + pan_room))
    horizon = round(height * HORIZON * rng.uniform(0.85, 1.12))  # each seed its own view of the place
    layout = spec["layout"]
    far = _gradient(rgb(top), rgb(bottom), horizon if layout in ("outdoor", "stadium") else height, wide)
    if far.shape[0] < height:
        far = np.concatenate([far, np.repeat(far[-1:], height - far.shape[0], axis=0)])
    if layout in ("indoor", "stage"):
        far[:] = _wall(spec, wide, height, light, rng, stage=layout == "stage")
    elif layout == "underwater":
        far[:] = _gradient(rgb("#2a9ad0") * light, rgb("#07305a") * light, height, wide)
        _light_rays(far, rng)
    elif layout == "space":
        far[:] = _gradient(rgb("#120e34"), rgb("#2c1658"), height, wide)
    _sky_lights(far, time_of_day, layout, horizon, rng)
    _silhouette(far, spec["far"], horizon, light, rng, time_of_day)

    ground_row = round(height * 0.655)
    if layout in ("space", "sky"):
        near_top = height
        near = np.zeros((0, wide, 3), np.uint8)
        ground_row = round(height * 0.5)
    elif layout == "underwater":
        near_top = round(height * 0.7)
        near = _ground(spec["ground"], height - near_top, wide, light, rng)
    else:
        near_top = horizon if layout in ("outdoor", "stadium") else round(height * 0.58)
        near = _ground(spec["ground"], height - near_top, wide, light, rng, stripes=layout == "stadium")
    layers = Backdrop(far=far, near=near, near_top=near_top, ground_row=ground_row,
                      water=layout == "underwater" or spec["far"] == "sea" and scene == "ocean")
    _props(layers, spec["props"], width, height, light, rng)
    return layers


def _gradient(top: np.ndarray, bottom: np.ndarray, rows: int, width: int) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, max(1, rows), dtype=np.float32)[:, None, None]
    column = top * (1 - ramp) + bottom * ramp
    return np.repeat(np.clip(column + 0.5, 0, 255).astype(np.uint8), width, axis=1)


def _sky_lights(far: np.ndarray, time_of_day: str, layout: str, horizon: int, rng: np.random.Generator) -> None:
    """Sun, moon and stars, drawn into the far layer (outdoors, in space and in the sky)."""
    if layout not in ("outdoor", "space", "sky", "stadium"):
        return
    height, width = far.shape[:2]
    if time_of_day in ("night", "neon") or layout == "space":
        count = width * height // 900
        xs, ys = rng.integers(0, width, count), rng.integers(0, max(2, horizon if layout != "space" else height), count)
        far[ys, xs] = np.clip(rng.uniform(150, 255, (count, 1)), 0, 255).astype(np.uint8)
    unit = far.shape[0] / 10 if layout == "space" else horizon / 4.4
    if time_of_day == "night":
        cv2.circle(far, (int(width * 0.72), int(unit * 1.2)), int(unit * 0.55), (236, 236, 214), -1, cv2.LINE_AA)
    elif time_of_day in ("sunset", "sunrise"):
        cv2.circle(far, (int(width * 0.62), int(horizon * 0.86)), int(unit * 1.1), (255, 196, 112), -1, cv2.LINE_AA)
    elif time_of_day == "day" and layout != "space":
        glow = far.copy()
        cv2.circle(glow, (int(width * 0.78), int(unit * 0.9)), int(unit * 0.75), (255, 246, 190), -1, cv2.LINE_AA)
        cv2.addWeighted(glow, 0.9, far, 0.1, 0, far)
    elif time_of_day == "neon":
        for k, color in enumerate(((255, 60, 200), (60, 230, 255))):
            y = int(horizon * (0.55 + 0.2 * k))
            cv2.line(far, (0, y), (width, y), color, 2, cv2.LINE_AA)


def _silhouette(far: np.ndarray, kind: str, horizon: int, light: np.ndarray, rng: np.random.Generator,
                time_of_day: str) -> None:
    """The horizon's far shapes: mountains, pine or round treelines, dunes, hills, a skyline with lit
    windows, the sea, a lake, stadium stands."""
    height, width = far.shape[:2]
    xs = np.arange(width, dtype=np.float32)

    def fill(profile: np.ndarray, color: str, gain: float = 1.0) -> None:
        top = np.clip(profile, 0, horizon).astype(int)
        shade = np.clip(rgb(color) * light * gain, 0, 255).astype(np.uint8)
        rows = np.arange(horizon)[:, None]
        mask = rows >= top[None, :]
        far[:horizon][mask] = shade

    phase = rng.uniform(0, 2 * math.pi, 4)
    if kind == "mountains":
        ridge = horizon * (0.55 + 0.18 * np.abs(np.sin(xs / width * 7 + phase[0])) - 0.1 * np.sin(xs / width * 17 + phase[1]))
        fill(ridge, "#6d7fa0")
        fill(ridge + horizon * 0.2 + 8 * np.sin(xs / 23), "#4d6a5c")
    elif kind == "pines":
        profile = np.full(width, horizon * 0.85)
        for x in rng.uniform(0, width, width // 14):
            tall = rng.uniform(0.25, 0.45) * horizon
            profile = np.minimum(profile, horizon - tall + np.abs(xs - x) * 2.6)
        fill(profile, "#2f5a3c" if time_of_day != "night" else "#1c2c30")
    elif kind in ("hills", "trees", "lake"):
        fill(horizon * (0.78 + 0.08 * np.sin(xs / width * 5 + phase[0])), "#6f9a58")
        if kind in ("trees", "lake"):
            profile = np.full(width, float(horizon))
            for x in rng.uniform(0, width, width // 22):
                radius = rng.uniform(0.07, 0.12) * horizon
                span = np.clip(radius ** 2 - (xs - x) ** 2, 0, None)
                profile = np.minimum(profile, horizon * 0.86 - np.sqrt(span))
            fill(profile, "#3f7044")
        if kind == "lake":
            far[int(horizon * 0.9):horizon] = np.clip(rgb("#4d8fc4") * light, 0, 255).astype(np.uint8)
    elif kind == "dunes":
        fill(horizon * (0.8 + 0.07 * np.sin(xs / width * 6 + phase[0])), "#c99a5a")
    elif kind == "skyline":
        profile = np.full(width, float(horizon))
        x = 0
        lit = time_of_day in ("night", "neon", "sunset")
        while x < width:
            span, tall = int(rng.integers(18, 46)), rng.uniform(0.25, 0.75) * horizon
            profile[x:x + span] = horizon - tall
            x += span + int(rng.integers(0, 6))
        fill(profile, "#3c4660", 1.0)
        if lit:
            count = width * horizon // 160
            wx, wy = rng.integers(0, width, count), rng.integers(0, horizon, count)
            keep = wy > profile[wx] + 3
            colors = (255, 220, 120) if time_of_day != "neon" else (255, 90, 220)
            for x0, y0 in zip(wx[keep], wy[keep]):
                far[y0:y0 + 3, x0:x0 + 2] = colors
    elif kind == "sea":
        far[int(horizon * 0.8):horizon] = np.clip(rgb("#2f86c0") * light, 0, 255).astype(np.uint8)
    elif kind == "stands":
        band = far[int(horizon * 0.5):horizon]
        band[:] = np.clip(rgb("#3a3f52") * light, 0, 255).astype(np.uint8)
        count = band.shape[0] * width // 12
        ys, xs_ = rng.integers(0, band.shape[0], count), rng.integers(0, width, count)
        band[ys, xs_] = rng.integers(90, 255, (count, 3)).astype(np.uint8)
    elif kind == "craters":
        fill(horizon * (0.88 + 0.03 * np.sin(xs / width * 9 + phase[0])), "#7c7c86")
    elif kind == "clouds":
        for _ in range(6):
            cx, cy = rng.uniform(0, width), rng.uniform(0.1, 0.8) * height
            for k in range(4):
                cv2.circle(far, (int(cx + k * 22), int(cy + (k % 2) * 8)), int(rng.uniform(16, 30)),
                           tuple(int(c) for c in np.clip(rgb("#ffffff") * light, 0, 255)), -1, cv2.LINE_AA)


def _wall(spec: dict, width: int, height: int, light: np.ndarray, rng: np.random.Generator, stage: bool) -> np.ndarray:
    """An inside wall: tiles for a kitchen, a plain wall with a window, or a stage's curtain."""
    light = np.maximum(light, 0.75)  # rooms are lit at night
    if stage:
        xs = np.arange(width, dtype=np.float32)
        folds = 0.7 + 0.3 * np.abs(np.sin(xs / 14.0))
        wall = (rgb("#8a1230")[None, None, :] * folds[None, :, None]).repeat(height, axis=0)
        for x in (0.3, 0.7):
            cone = np.zeros((height, width), np.float32)
            cv2.fillConvexPoly(cone, np.array([[int(width * x) - 8, 0], [int(width * x) + 8, 0],
                                               [int(width * (x + 0.12)), height], [int(width * (x - 0.12)), height]]), 0.35)
            wall += cone[..., None] * 255
        return np.clip(wall, 0, 255).astype(np.uint8)
    tiles = spec["far"] == "tiles"
    wall = np.empty((height, width, 3), np.uint8)
    wall[:] = np.clip(rgb("#e9e2d0" if tiles else "#d8c8b0") * light, 0, 255).astype(np.uint8)
    if tiles:
        step = max(12, width // 24)
        wall[::step] = wall[::step] * 0.8
        wall[:, ::step] = wall[:, ::step] * 0.8
    for x in range(int(width * 0.15), width, int(width * 0.7)):  # windows every frame width or so
        cv2.rectangle(wall, (x, int(height * 0.14)), (x + int(width * 0.2), int(height * 0.34)),
                      tuple(int(c) for c in np.clip(rgb("#9fd3f5") * light, 0, 255)), -1)
        cv2.rectangle(wall, (x, int(height * 0.14)), (x + int(width * 0.2), int(height * 0.34)), (250, 250, 250), 3)
    return wall


def _light_rays(far: np.ndarray, rng: np.random.Generator) -> None:
    height, width = far.shape[:2]
    rays = np.zeros((height, width), np.float32)
    for x in rng.uniform(0, width, max(3, width // 90)):
        cv2.fillConvexPoly(rays, np.array([[int(x), 0], [int(x) + 14, 0], [int(x) + 60, height], [int(x) + 20, height]]), 0.12)
    far[:] = np.clip(far + rays[..., None] * 255, 0, 255).astype(np.uint8)


def _ground(color: str, rows: int, width: int, light: np.ndarray, rng: np.random.Generator,
            stripes: bool = False) -> np.ndarray:
    """The near ground: its colour darkening towards the viewer, with a seeded speckle texture."""
    base = rgb(color) * light
    ramp = np.linspace(1.05, 0.78, max(1, rows), dtype=np.float32)[:, None, None]
    ground = np.repeat(base[None, None, :] * ramp, width, axis=1)
    if stripes:
        ground[:, (np.arange(width) // max(8, width // 16)) % 2 == 0] *= 0.88
    noise = cv2.resize(rng.normal(0, 5, (max(1, rows // 4), max(1, width // 4), 1)).astype(np.float32), (width, rows),
                       interpolation=cv2.INTER_LINEAR)[..., None]  # a soft texture: fine noise costs the encoder
    return np.clip(ground + noise, 0, 255).astype(np.uint8)


def _props(layers: Backdrop, props: list[str], width: int, height: int, light: np.ndarray,
           rng: np.random.Generator) -> None:
    """The scene's props (palms on a beach, a planet in space) drawn into the layers at the horizon,
    smaller and dimmer with distance, so that the scene reads at a glance."""
    wide = layers.far.shape[1]
    size = round(width * 0.2)
    for k, x in enumerate(np.linspace(0.06, 0.94, 2 + wide // width * 2) * wide):
        glyph = props[k % len(props)]
        scale = rng.uniform(0.7, 1.1)
        sprite = glyph_sprite(glyph, max(8, round(size * scale)))
        if layers.near.shape[0]:
            y = layers.near_top - sprite.shape[0] * 0.75 + rng.uniform(-4, 10)
            _stamp(layers.far, sprite, x + rng.uniform(-20, 20), y, light)
        else:
            _stamp(layers.far, sprite, x, rng.uniform(0.08, 0.4) * height, light)


def _stamp(layer: np.ndarray, sprite: np.ndarray, x: float, y: float, light: np.ndarray) -> None:
    h, w = sprite.shape[:2]
    x0, y0 = int(x - w / 2), int(y)
    fx0, fy0, fx1, fy1 = max(0, x0), max(0, y0), min(layer.shape[1], x0 + w), min(layer.shape[0], y0 + h)
    if fx0 >= fx1 or fy0 >= fy1:
        return
    part = sprite[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0].astype(np.float32)
    alpha = part[..., 3:] / 255.0
    region = layer[fy0:fy1, fx0:fx1]
    region[:] = np.clip(region * (1 - alpha) + part[..., :3] * light * alpha, 0, 255).astype(np.uint8)


# --- weather -----------------------------------------------------------------------------------------------

@dataclass
class Weather:
    """Seeded particles of one kind: positions as fractions of the frame, speeds per second."""
    kind: str
    x: np.ndarray
    y: np.ndarray
    speed: np.ndarray
    size: np.ndarray
    color: np.ndarray

    def draw(self, frame: np.ndarray, t: float) -> None:
        height, width = frame.shape[:2]
        kind = self.kind
        if kind == "fog":
            veil = np.full_like(frame, 214)
            cv2.addWeighted(frame, 0.62, veil, 0.38, 0, frame)
            return
        if kind == "lightning":
            if any(abs(t - flash) < 0.06 for flash in self.speed[:2]):
                cv2.add(frame, np.full_like(frame, 90), frame)
                xs = (self.x[:8] * width).astype(int)
                points = np.stack([xs, np.linspace(0, height * 0.5, 8).astype(int)], axis=1)
                cv2.polylines(frame, [points], False, (255, 255, 230), 2, cv2.LINE_AA)
            return
        if kind == "fireworks":
            for burst in range(len(self.x) // 20):
                start = self.speed[burst] % 2.0
                age = (t - start) % 2.0
                if age > 1.2:
                    continue
                cx, cy = self.x[burst] * width, (0.1 + 0.25 * self.y[burst]) * height
                color = tuple(int(c) for c in self.color[burst] * (1.2 - age) / 1.2)
                for k in range(20):
                    angle = 2 * math.pi * k / 20
                    r = age * width * 0.22
                    cv2.circle(frame, (int(cx + r * math.cos(angle)), int(cy + r * math.sin(angle) + 30 * age * age)),
                               2, color, -1, cv2.LINE_AA)
            return
        rising = kind in ("bubbles", "sparkles")
        ys = ((self.y + (-1 if rising else 1) * self.speed * t) % 1.1 - 0.05) * height
        sway = np.sin(t * 2.0 + self.x * 40) * (0.02 if kind in ("snow", "petals", "bubbles", "wind") else 0.0)
        xs = ((self.x + sway + (0.15 * t if kind == "wind" else 0.0)) % 1.0) * width
        for x, y, size, color in zip(xs.astype(int), ys.astype(int), self.size, self.color):
            c = tuple(int(v) for v in color)
            if kind == "rain":
                cv2.line(frame, (x, y), (x - 3, y + int(size)), c, 1, cv2.LINE_AA)
            elif kind == "snow":
                cv2.circle(frame, (x, y), int(size), c, -1, cv2.LINE_AA)
            elif kind == "bubbles":
                cv2.circle(frame, (x, y), int(size), c, 1, cv2.LINE_AA)
            elif kind in ("confetti", "wind"):
                w = max(1, int(size * abs(math.sin(t * 6 + x))))
                cv2.rectangle(frame, (x, y), (x + w, y + int(size)), c, -1)
            elif kind == "petals":
                cv2.ellipse(frame, (x, y), (int(size), max(1, int(size / 2))), (t * 90 + x) % 180, 0, 360, c, -1,
                            cv2.LINE_AA)
            elif kind == "sparkles":
                r = int(size * (0.5 + 0.5 * abs(math.sin(t * 5 + x))))
                cv2.line(frame, (x - r, y), (x + r, y), c, 1, cv2.LINE_AA)
                cv2.line(frame, (x, y - r), (x, y + r), c, 1, cv2.LINE_AA)


WEATHER_PARTICLES = {  # count per 360x640 frame, speed (frames' heights a second), size (pixels), colours
    "rain": (150, (1.6, 2.4), (10, 18), ((190, 200, 220),)),
    "snow": (110, (0.08, 0.2), (1, 3.5), ((250, 250, 255),)),
    "bubbles": (28, (0.08, 0.18), (3, 9), ((220, 245, 255),)),
    "confetti": (80, (0.15, 0.3), (4, 8), ((255, 80, 90), (255, 210, 60), (80, 200, 255), (120, 230, 120), (230, 120, 255))),
    "wind": (22, (0.1, 0.2), (5, 9), ((210, 120, 40), (230, 170, 60), (170, 90, 40))),
    "petals": (40, (0.06, 0.14), (3, 6), ((255, 190, 215), (255, 220, 235))),
    "sparkles": (36, (0.02, 0.06), (3, 7), ((255, 250, 200), (255, 255, 255))),
    "fireworks": (80, (0.0, 2.0), (2, 2), ((255, 90, 90), (255, 220, 90), (110, 220, 255), (200, 120, 255))),
    "fog": (1, (0, 0), (0, 0), ((214, 214, 214),)),
    "lightning": (8, (0.4, 3.5), (1, 1), ((255, 255, 230),)),
}


def weather(kind: str, width: int, height: int, rng: np.random.Generator) -> Weather:
    count, speed, size, colors = WEATHER_PARTICLES[kind]
    count = max(1, round(count * width * height / (360 * 640)))
    palette = np.array(colors, np.float32)
    return Weather(kind=kind, x=rng.uniform(0, 1, count), y=rng.uniform(0, 1, count),
                   speed=rng.uniform(*speed, count), size=rng.uniform(*size, count),
                   color=palette[rng.integers(0, len(palette), count)])


# --- style ------------------------------------------------------------------------------------------------

class Grade:
    """A style's look. What does not change from frame to frame (colour tables, saturation, sepia,
    the soft wash of watercolour, the blurred edges of a tilt-shift) is applied once to the scenery
    layers and the subjects' sprites by `prepare`; `apply` adds per frame only what moves (grain,
    flicker and vignette of a silent film, scan lines, pixels, letterbox bars), so a style costs a
    frame well under a millisecond."""

    def __init__(self, style: str | None, width: int, height: int, rng: np.random.Generator) -> None:
        self.style, self.height, self.rng = style, height, rng
        levels = np.arange(256, dtype=np.float32)
        table = np.stack([levels] * 3, axis=1)
        if style == "vaporwave":
            table = np.stack([levels * 0.9 + 40, levels * 0.75 + 10, levels * 0.85 + 60], 1)
        elif style == "cinematic":
            table = np.stack([levels * 1.08 + 4, levels, levels * 0.9 + 18], 1)
        elif style == "anime":
            table = np.round(np.clip((table - 128) * 1.15 + 136, 0, 255) / 36) * 36
        elif style == "pixel art":
            table = np.round(table / 48) * 48
        elif style == "silent movie":
            table = levels[:, None] * np.array([1.07, 0.95, 0.78], np.float32)
        self.table = np.clip(table, 0, 255).astype(np.uint8)[:, None, :]
        self.saturation = {"anime": 1.35, "toy diorama": 1.6, "vaporwave": 1.2, "watercolor": 0.8}.get(style, 1.0)
        if style == "silent movie":
            ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
            falloff = np.clip(1.0 - 1.1 * ((xs / width - 0.5) ** 2 + (ys / height - 0.5) ** 2), 0.35, 1.0)
            self.vignette = np.repeat((falloff * 255)[..., None], 3, axis=2).astype(np.uint8)
            # coarse grain (drawn at half size): per-pixel noise in every frame costs the encoder more than
            # the rest of the clip
            self.grain = [cv2.resize(np.clip(rng.normal(16, 4, (height // 2, width // 2)), 0, 32).astype(np.uint8),
                                     (width, height), interpolation=cv2.INTER_LINEAR)[..., None].repeat(3, axis=2)
                          for _ in range(2)]
        if style == "watercolor":
            paper = 1.0 - np.abs(rng.normal(0, 0.05, (height, width, 1)))
            self.paper = np.repeat(paper * 255, 3, axis=2).astype(np.uint8)

    def prepare(self, image: np.ndarray, top: int | None = None) -> np.ndarray:
        """The style's still part applied to an RGB layer whose first row is frame row `top` (None for a
        sprite, which has no place in the frame yet)."""
        style = self.style
        if style is None or image.size == 0:
            return image
        if style == "silent movie":
            image = np.repeat(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
        elif self.saturation != 1.0:
            gray = np.repeat(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
            image = cv2.addWeighted(image, self.saturation, gray, 1 - self.saturation, 8 if style == "toy diorama" else 0)
        image = cv2.LUT(np.ascontiguousarray(image), self.table)
        if style == "watercolor":
            image = cv2.addWeighted(cv2.GaussianBlur(image, (0, 0), 1.6), 0.82, np.full_like(image, 250), 0.18, 0)
        if style == "toy diorama" and top is not None:  # tilt-shift: sharp in the middle band only
            rows = top + np.arange(image.shape[0], dtype=np.float32)
            sharp = np.clip(1.0 - np.maximum(self.height * 0.3 - rows, rows - self.height * 0.72) / (self.height * 0.08), 0, 1)
            blurred = cv2.GaussianBlur(image, (0, 0), 4)
            image = (image * sharp[:, None, None] + blurred * (1 - sharp[:, None, None])).astype(np.uint8)
        return image

    def prepare_sprite(self, sprite: np.ndarray) -> np.ndarray:
        """prepare() for an RGBA sprite (its colour only)."""
        if self.style is None:
            return sprite
        return np.dstack([self.prepare(np.ascontiguousarray(sprite[..., :3])), sprite[..., 3]])

    def apply(self, frame: np.ndarray, index: int) -> None:
        """The style's moving part, on a finished frame."""
        style = self.style
        if style == "silent movie":
            flicker = 1.0 + 0.06 * math.sin(index * 2.1)
            cv2.multiply(frame, self.vignette, frame, scale=flicker / 255)
            cv2.addWeighted(frame, 1.0, self.grain[index % 2], 1.0, -16, frame)
            if index % 7 == 3:
                x = int(self.rng.uniform(0, frame.shape[1]))
                frame[:, x:x + 1] = 200
        elif style == "watercolor":
            cv2.multiply(frame, self.paper, frame, scale=1 / 255)
        elif style == "pixel art":
            height, width = frame.shape[:2]
            small = cv2.resize(frame, (max(1, width // 6), max(1, height // 6)), interpolation=cv2.INTER_AREA)
            cv2.resize(small, (width, height), frame, interpolation=cv2.INTER_NEAREST)
        elif style == "vhs":
            frame[:, 3:, 0] = frame[:, :-3, 0].copy()
            frame[1::3] = frame[1::3] // 5 * 4
            row = (index * 9) % frame.shape[0]
            cv2.add(frame[row:row + 6], 40, frame[row:row + 6])
        elif style == "cinematic":
            bar = round(frame.shape[0] * 0.1)
            frame[:bar] = 0
            frame[-bar:] = 0
        elif style == "vaporwave":
            frame[::4] = frame[::4] // 8 * 7


# --- sound ------------------------------------------------------------------------------------------------

AMBIENCE = {"beach": "waves", "ocean": "waves", "lake": "stream", "underwater": "underwater", "city": "city",
            "stadium": "crowd", "stage": "crowd", "kitchen": "sizzle", "forest": "birds", "park": "birds",
            "meadow": "birds", "jungle": "birds", "snowy forest": "wind", "snowfield": "wind", "mountain": "wind",
            "desert": "wind", "space": "drone", "moon": "drone", "sky": "wind", "room": "room"}


def ambience(scene: str | None, weathers: tuple[str, ...], seconds: float, sample_rate: int,
             rng: np.random.Generator) -> np.ndarray:
    """The scene's ambient sound (and rain's, over it), as float32 mono in [-1, 1] at a quiet level,
    made from seeded noise: waves swell, rain hisses, a crowd murmurs, birds chirp, a kitchen sizzles."""
    from scipy.signal import lfilter

    count = max(1, round(seconds * sample_rate))
    t = np.arange(count, dtype=np.float32) / sample_rate
    noise = rng.normal(0, 1, count).astype(np.float32)

    def low(signal: np.ndarray, hz: float) -> np.ndarray:
        a = math.exp(-2 * math.pi * hz / sample_rate)
        return lfilter([1 - a], [1, -a], signal).astype(np.float32)

    kind = AMBIENCE.get(scene or "", "room")
    if kind == "waves":
        sound = low(noise, 600) * (0.35 + 0.65 * (0.5 + 0.5 * np.sin(2 * math.pi * t / 3.2 + rng.uniform(0, 6)))) * 3
    elif kind in ("wind", "stream"):
        sound = low(noise, 400 if kind == "wind" else 1500) * (0.6 + 0.4 * np.sin(2 * math.pi * t / 2.3)) * 2.5
    elif kind == "crowd":
        sound = (low(noise, 900) - low(noise, 200)) * (0.7 + 0.3 * np.sin(2 * math.pi * t * 1.7)) * 4
    elif kind == "city":
        sound = low(noise, 180) * 4 + 0.05 * np.sin(2 * math.pi * 55 * t)
    elif kind == "sizzle":
        crackle = noise * (rng.uniform(0, 1, count) > 0.97)
        sound = (noise - low(noise, 3000)) * 0.3 + crackle * 0.6
    elif kind == "underwater":
        sound = low(noise, 250) * 3 + 0.2 * np.sin(2 * math.pi * 90 * t) * (rng.uniform(0, 1, count) > 0.5)
    elif kind == "drone":
        sound = 0.3 * np.sin(2 * math.pi * 48 * t) + 0.2 * np.sin(2 * math.pi * 72.3 * t) + low(noise, 100)
    elif kind == "birds":
        sound = low(noise, 500) * 0.8
        for start in rng.uniform(0, max(0.1, seconds - 0.3), max(1, int(seconds * 2))):
            chirp = (t >= start) & (t < start + 0.12)
            local = t[chirp] - start
            sound[chirp] += 0.5 * np.sin(2 * math.pi * (2600 + 9000 * local) * local) * np.sin(math.pi * local / 0.12)
    else:
        sound = low(noise, 300) * 1.2
    if "rain" in weathers:
        sound = sound + (noise - low(noise, 2500)) * 0.5
    peak = float(np.max(np.abs(sound))) or 1.0
    return (0.35 * sound / peak).astype(np.float32)


def glyph_correlation(frame: np.ndarray, placement: dict, style: str | None) -> float:
    """How well a subject's glyph matches a frame where a storyboard placement says it was drawn: the
    glyph rendered at the placement's size and pose in the shot's style, against the frame there, as
    the normalised cross-correlation of luminance over the glyph's own pixels (1: the same picture,
    about 0: unrelated). A placement mostly outside the frame scores 0."""
    x0, y0, size = placement["x"], placement["y"], placement["size"]
    sprite = glyph_sprite(placement["glyph"], size)
    if style is not None:
        sprite = Grade(style, frame.shape[1], frame.shape[0], np.random.default_rng(0)).prepare_sprite(sprite)
    if placement["mirrored"]:
        sprite = sprite[:, ::-1]
    if placement["angle"]:
        sprite = cv2.warpAffine(np.ascontiguousarray(sprite), cv2.getRotationMatrix2D((size / 2, size / 2),
                                placement["angle"], 1.0), (size, size), borderValue=(0, 0, 0, 0))
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(frame.shape[1], x0 + size), min(frame.shape[0], y0 + size)
    if fx1 - fx0 < size * 0.4 or fy1 - fy0 < size * 0.4:
        return 0.0
    part = sprite[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0]
    mask = part[..., 3] > 200
    if mask.sum() < 50:
        return 0.0
    seen = cv2.cvtColor(np.ascontiguousarray(frame[fy0:fy1, fx0:fx1]), cv2.COLOR_RGB2GRAY)[mask].astype(np.float64)
    drawn = cv2.cvtColor(np.ascontiguousarray(part[..., :3]), cv2.COLOR_RGB2GRAY)[mask].astype(np.float64)
    seen, drawn = seen - seen.mean(), drawn - drawn.mean()
    denominator = math.sqrt((seen ** 2).sum() * (drawn ** 2).sum())
    return float((seen * drawn).sum() / denominator) if denominator > 0 else 0.0
