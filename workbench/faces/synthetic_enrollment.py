"""Test and benchmark fixtures: synthetic enrollment clips for the liveness checks (liveness.py).

SYNTHETIC PEOPLE ONLY. Every face here is faces.synthetic_person(index), a blend of four of the
sample photo's six faces: no real person is shown performing a challenge.

enrollment_clip(path, challenge, person) writes an H.264 + AAC mp4 (encode_mp4) of the person on a
plain background answering the challenge:

* head turns by warping the frontal image: a cylinder rotation of the face (x -> R sin(asin(x/R) +
  theta) about the face's centre) plus a bump that moves the nose further, as its depth does in a real
  turn; "turn_left" is the person's left, which in an unmirrored camera image is image right;
* a blink by pulling the upper-lid skin down over each eye polygon of dlib's 68 landmarks;
* the digits spoken by espeak-ng (subprocess, `espeak-ng -w`), resampled to 16 kHz, with the lower
  lip and jaw pulled down following the speech's RMS envelope;
* a little natural motion (sub-pixel sway, slow yaw drift, sensor noise), so that no two frames of a
  live clip are identical.

attack in ATTACKS makes the clip an attack: "still_photo" (the frontal photo, held by a slightly
shaking hand, with the right digits spoken over it), "looped" (the first 2 s of the live clip played
over and over), "other_person_halfway" (a second synthetic person takes over halfway), "wrong_digits"
(other digits spoken, lips in sync with them), "silence" (no speech, mouth closed).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from workbench.faces.alignment import landmarks68, synthetic_person
from workbench.faces.challenge import Challenge
from workbench.media.backend import RenderedClip
from workbench.media.codec import encode_mp4

ATTACKS = (None, "still_photo", "looped", "other_person_halfway", "wrong_digits", "silence")
WIDTH, HEIGHT = 320, 400
FPS = 24
SAMPLE_RATE = 16_000
#: where the 256 x 256 aligned face goes on the canvas
FACE_X, FACE_Y = 32, 60
BACKGROUND = (196, 202, 208)
#: peak head turn (radians, about 35 degrees)
TURN = 0.61
#: the person whose face takes over in "other_person_halfway": a synthetic person that the default
#: engine (dlib) tells apart from the enrolled one (pairwise distances of the blends are 0.24-0.48)
OTHER_PERSON = {0: 14, 14: 0, 5: 10, 10: 5, 4: 10, 7: 10, 8: 10, 9: 10, 2: 10}
VOICES = ("en-us+f5", "en-us+klatt", "en-us+m1", "en-us+f2", "en-us+m6", "en-us+f4")


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def other_person(person: int) -> int:
    return OTHER_PERSON.get(person % 15, 10 if person % 15 != 10 else 5)


def speak(digits: str, voice: str = VOICES[0], rate: int = SAMPLE_RATE) -> np.ndarray:
    """The digits read by espeak-ng (one word each), float32 mono at rate."""
    from scipy.signal import resample_poly

    if not espeak_available():
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng): it speaks the digits")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-g", "5", "-w", str(out), " ".join(digits)],
                       check=True, capture_output=True)
        with wave.open(str(out)) as wav:
            source_rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float32) / 32768
    audio = resample_poly(samples, rate, source_rate).astype(np.float32)
    return audio * (0.5 / max(float(np.abs(audio).max()), 1e-6))


@lru_cache(maxsize=16)
def _base(person: int) -> tuple[np.ndarray, np.ndarray]:
    """The person's frontal face on the plain background (float32 canvas) and its 68 landmarks."""
    import dlib

    face = synthetic_person(person).astype(np.float32)
    canvas = np.empty((HEIGHT, WIDTH, 3), np.float32)
    canvas[:] = BACKGROUND
    mask = np.zeros((HEIGHT, WIDTH), np.float32)
    cv2.ellipse(mask, (FACE_X + 128, FACE_Y + 130), (100, 128), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 8)[..., None]
    placed = canvas.copy()
    placed[FACE_Y:FACE_Y + 256, FACE_X:FACE_X + 256] = face
    canvas = canvas * (1 - mask) + placed * mask
    image = np.ascontiguousarray(canvas.round().astype(np.uint8))
    rect = dlib.rectangle(FACE_X + 48, FACE_Y + 70, FACE_X + 208, FACE_Y + 230)
    found = dlib.get_frontal_face_detector()(image, 1)
    if found:
        rect = max(found, key=lambda r: r.area())
    points = landmarks68(image, (rect.left(), rect.top(), rect.right(), rect.bottom()))
    return canvas, points


def _grid() -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(WIDTH, dtype=np.float32), np.arange(HEIGHT, dtype=np.float32))


def _blink(image: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """Close both eyes by amount in [0, 1]: the skin above each eye slides down over it."""
    if amount <= 0.01:
        return image
    xs, ys = _grid()
    out = image
    for eye in (points[36:42], points[42:48]):
        height = float(np.mean([eye[5, 1] - eye[1, 1], eye[4, 1] - eye[2, 1]]))
        lower = float(max(eye[4, 1], eye[5, 1]))
        mask = np.zeros((HEIGHT, WIDTH), np.float32)
        cv2.fillConvexPoly(mask, cv2.convexHull(eye.round().astype(np.int32)), 1.0)
        mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))
        mask[ys > lower + 1.5] = 0
        mask = cv2.GaussianBlur(mask, (0, 0), 1.5) * amount
        band = (ys < float(min(eye[1, 1], eye[2, 1])) - 1) & (ys > float(min(eye[1, 1], eye[2, 1])) - 1 - height)
        band &= (xs > float(eye[0, 0])) & (xs < float(eye[3, 0]))
        skin = np.median(out[band], axis=0) if band.any() else out[mask > 0.5].mean(0)
        out = out * (1 - mask[..., None]) + skin * mask[..., None]
    return out


def _mouth(image: np.ndarray, points: np.ndarray, opening: float) -> np.ndarray:
    """Open the mouth by `opening` pixels: lower lip and jaw pulled down, the inside dark."""
    if opening <= 0.3:
        return image
    xs, ys = _grid()
    inner = points[60:68]
    cx, cy = float(inner[:, 0].mean()), float(inner[:, 1].mean())
    width = float(points[54, 0] - points[48, 0])
    wx = np.clip(1.6 - np.abs(xs - cx) / (0.5 * width), 0, 1)
    wy = np.clip((ys - cy) / 3.0, 0, 1) * np.clip(1.0 - (ys - cy - 45) / 30, 0, 1)
    weight = wx * wy
    out = cv2.remap(image, xs, (ys - opening * weight).astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    hole = np.zeros((HEIGHT, WIDTH), np.float32)
    cv2.ellipse(hole, (round(cx), round(cy + opening / 2)), (max(1, round(0.36 * width)), max(1, round(opening / 2))),
                0, 0, 360, 1.0, -1, cv2.LINE_AA)
    hole = cv2.GaussianBlur(hole, (0, 0), 1.0)[..., None]
    return out * (1 - hole) + np.array([70, 25, 30], np.float32) * hole


def _turn(image: np.ndarray, points: np.ndarray, theta: float, dx: float, dy: float) -> np.ndarray:
    """Turn the head by theta (radians; > 0 moves the nose to image right) and shift by (dx, dy)."""
    xs, ys = _grid()
    cx = float(points[27:31, 0].mean())
    cy = float(points[27:31, 1].mean())
    radius = 0.55 * float(points[16, 0] - points[0, 0])
    u = xs - cx
    s = np.clip(u / radius, -0.999, 0.999)
    displacement = radius * np.sin(np.arcsin(s) - theta) - u
    edge = np.clip(1.0 - (np.abs(u) - radius) / (0.3 * radius), 0, 1)
    vertical = np.clip(1.0 - (np.abs(ys - cy) - 1.1 * radius) / (0.5 * radius), 0, 1)
    displacement *= edge * vertical
    nose = points[30]
    depth = 0.45 * radius
    bump = np.exp(-(((xs - nose[0]) / 16) ** 2 + ((ys - nose[1] + 12) / 30) ** 2))
    displacement -= depth * np.sin(theta) * bump
    return cv2.remap(image, (xs + displacement - dx).astype(np.float32), (ys - dy).astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _envelope(audio: np.ndarray, rate: int, times: np.ndarray) -> np.ndarray:
    """RMS of the audio in a 60 ms window around each time, normalised to peak 1."""
    half = int(0.03 * rate)
    values = np.array([np.sqrt(np.mean(audio[max(0, int(t * rate) - half):int(t * rate) + half] ** 2))
                       if int(t * rate) - half < len(audio) else 0.0 for t in times])
    peak = values.max() if values.size else 0.0
    return values / peak if peak > 1e-4 else np.zeros_like(values)


def _ramp(t: float, start: float, rise: float, hold: float) -> float:
    """0 before start, up over rise, 1 for hold, down over rise, 0 after (smooth steps)."""
    x = t - start
    if x <= 0 or x >= 2 * rise + hold:
        return 0.0
    if x < rise:
        f = x / rise
    elif x < rise + hold:
        return 1.0
    else:
        f = (2 * rise + hold - x) / rise
    return f * f * (3 - 2 * f)


def enrollment_clip(path: Path, challenge: Challenge, person: int = 0, *, attack: str | None = None,
                    seed: int = 0, voice: str | None = None) -> Path:
    """Write a synthetic enrollment clip (see the module's docstring) to path and return path."""
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; one of {ATTACKS}")
    rng = np.random.default_rng(seed)
    voice = voice or VOICES[seed % len(VOICES)]
    # the script: turns in the challenge's order, a blink, then the digits
    turns = [move for move in challenge.moves if move != "blink"]
    schedule, t = [], 0.5
    for move in turns:
        schedule.append((t, 1.0 if move == "turn_left" else -1.0))
        t += 1.2 + 0.4
    blink_at = t + 0.1
    speech_at = blink_at + 0.7
    if attack == "silence":
        speech = np.zeros(int(2.5 * SAMPLE_RATE), np.float32)
    else:
        digits = challenge.digits
        if attack == "wrong_digits":
            digits = "".join(str((int(d) + 1 + rng.integers(0, 9)) % 10) for d in digits)
        speech = speak(digits, voice)
    duration = speech_at + len(speech) / SAMPLE_RATE + 0.5
    count = int(duration * FPS)
    audio = np.zeros(int(count / FPS * SAMPLE_RATE) + SAMPLE_RATE, np.float32)
    start = int(speech_at * SAMPLE_RATE)
    audio[start:start + len(speech)] = speech
    audio = audio[:int(count / FPS * SAMPLE_RATE)]
    audio += 0.002 * rng.standard_normal(len(audio)).astype(np.float32)  # room noise
    times = np.arange(count) / FPS
    mouth = _envelope(audio if attack != "silence" else np.zeros_like(audio), SAMPLE_RATE, times)
    phase = rng.uniform(0, 2 * np.pi, 4)
    second = other_person(person)

    def render(index: int, who: int, still: bool = False) -> np.ndarray:
        canvas, points = _base(who)
        tt = times[index]
        dx = 1.2 * np.sin(0.9 * tt + phase[0]) + 0.3 * np.sin(3.1 * tt + phase[1])
        dy = 0.8 * np.sin(0.7 * tt + phase[2])
        if still:  # a photo held in a hand: it shakes a little, nothing in it moves
            image = _turn(canvas, points, 0.0, dx, dy)
        else:
            theta = sum(sign * TURN * _ramp(tt, at, 0.4, 0.4) for at, sign in schedule)
            theta += 0.03 * np.sin(1.3 * tt + phase[3])
            image = _blink(canvas, points, _ramp(tt, blink_at, 0.08, 0.18))
            width = float(points[54, 0] - points[48, 0])
            image = _mouth(image, points, 0.32 * width * min(1.0, 1.3 * float(mouth[index])) ** 0.7)
            image = _turn(image, points, theta, dx, dy)
        image = image + rng.normal(0, 2.0, image.shape).astype(np.float32)
        return np.clip(image, 0, 255).round().astype(np.uint8)

    if attack == "looped":
        loop = int(2.0 * FPS)
        first = [render(i, person) for i in range(loop)]
        frames = [first[i % loop] for i in range(count)]
    else:
        frames = [render(i, second if attack == "other_person_halfway" and i >= count // 2 else person,
                         still=attack == "still_photo") for i in range(count)]
    encode_mp4(RenderedClip(frames=np.stack(frames), fps=FPS, audio=audio, sample_rate=SAMPLE_RATE), Path(path))
    return Path(path)
