"""Subjects' pictures: colour emoji from Noto Color Emoji (Debian's fonts-noto-color-emoji, OFL,
installed by scripts/setup.sh) rendered by Pillow, or, where the font is missing, a drawn badge.

Sprites are RGBA numpy arrays, cached by glyph and size. FreeType faces are not safe to draw from
two threads at once, and Streamlit renders every session's clips from one process: drawing takes a
lock (a few hundred microseconds a glyph, once per size).
"""
from __future__ import annotations

import threading
import zlib
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
#: the only size Noto Color Emoji's bitmaps come in
EMOJI_PIXELS = 109
CAPTION_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
_drawing = threading.Lock()


def emoji_font_installed() -> bool:
    return EMOJI_FONT.exists()


@lru_cache(maxsize=1)
def _emoji_font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(EMOJI_FONT), EMOJI_PIXELS)


@lru_cache(maxsize=2048)
def glyph_sprite(glyph: str, size: int, name: str = "") -> np.ndarray:
    """The glyph as a size x size RGBA image (uint8), trimmed to its drawn pixels and centred; a
    badge with the name's initial where the emoji font is not installed or lacks the glyph."""
    picture = _emoji_picture(glyph) if emoji_font_installed() else None
    if picture is None:
        picture = _badge(name or glyph)
    sprite = _in_square(picture, size)
    sprite.setflags(write=False)
    return sprite


@lru_cache(maxsize=1024)
def _emoji_picture(glyph: str) -> np.ndarray | None:
    """The font's bitmap of the glyph (RGBA, trimmed), or None when the font draws nothing or a
    sequence as several glyphs (an unknown ZWJ sequence comes out twice as wide)."""
    canvas = Image.new("RGBA", (EMOJI_PIXELS * 3, EMOJI_PIXELS * 2), (0, 0, 0, 0))
    with _drawing:
        ImageDraw.Draw(canvas).text((8, 8), glyph, font=_emoji_font(), embedded_color=True)
    box = canvas.getbbox()
    if box is None or box[2] - box[0] > EMOJI_PIXELS * 1.4:
        return None
    return np.asarray(canvas.crop(box))


def _badge(name: str) -> np.ndarray:
    """A round badge in a colour of the name's own, with its initial: a subject stays visible, and
    tellable from another, on a machine without the emoji font."""
    hue = zlib.crc32(name.encode()) % 180
    color = cv2.cvtColor(np.uint8([[[hue, 170, 230]]]), cv2.COLOR_HSV2RGB)[0, 0]
    image = Image.new("RGBA", (EMOJI_PIXELS, EMOJI_PIXELS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([2, 2, EMOJI_PIXELS - 3, EMOJI_PIXELS - 3], fill=(*map(int, color), 255), outline=(255, 255, 255, 255),
                 width=4)
    typeface = ImageFont.truetype(str(CAPTION_FONT), 56) if CAPTION_FONT.exists() else ImageFont.load_default(56)
    draw.text((EMOJI_PIXELS / 2, EMOJI_PIXELS / 2), (name.strip() or "?")[0].upper(), font=typeface, anchor="mm",
              fill=(255, 255, 255, 255))
    return np.asarray(image)


def picture_sprite(picture: np.ndarray, size: int) -> np.ndarray:
    """A cameo's picture (RGB or RGBA) cut out from its background as a size x size RGBA sprite.

    A picture with transparency keeps it; otherwise the background is the colour of its border
    (median), and pixels far from it are the subject, their mask softened at the edge."""
    if picture.ndim == 3 and picture.shape[2] == 4 and picture[..., 3].min() < 250:
        rgba = picture
    else:
        rgb = np.ascontiguousarray(picture[..., :3])
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
        distance = np.linalg.norm(rgb.astype(np.float32) - np.median(border, axis=0), axis=2)
        alpha = np.clip((distance - 30.0) * 4.0, 0, 255).astype(np.uint8)
        alpha = cv2.GaussianBlur(cv2.morphologyEx(alpha, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)), (5, 5), 0)
        if (alpha > 128).mean() > 0.85:  # a photograph with no plain background: a soft oval of it
            alpha = (soft_oval(*alpha.shape, feather=0.15) * 255).astype(np.uint8)
        rgba = np.dstack([rgb, alpha])
    ys, xs = np.nonzero(rgba[..., 3] > 20)
    if len(xs):
        rgba = rgba[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return _in_square(rgba, size)


def soft_oval(height: int, width: int, feather: float) -> np.ndarray:
    """An oval mask filling a height x width box (float32, 1 inside), fading to 0 over its outer
    `feather` (in squared normalised radius), so a picture cut to it has no hard edge."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = ((xs - width / 2) / (width / 2)) ** 2 + ((ys - height / 2) / (height / 2)) ** 2
    return np.clip((1.0 - distance) / feather, 0.0, 1.0)


def _in_square(rgba: np.ndarray, size: int) -> np.ndarray:
    """An RGBA picture scaled to fit a size x size square, centred on a transparent one."""
    height, width = rgba.shape[:2]
    scale = size / max(height, width)
    resized = cv2.resize(np.ascontiguousarray(rgba), (max(1, round(width * scale)), max(1, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    sprite = np.zeros((size, size, 4), np.uint8)
    top, left = (size - resized.shape[0]) // 2, (size - resized.shape[1]) // 2
    sprite[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return sprite
