"""Robustness: a corpus of bad inputs thrown at the three ways a person hands the workbench a file.

Run: .venv/bin/python benchmarks/bench_robustness.py [--quick] [--verbose] [--seed 7]
The corpus is made by code at each run (seeded; nothing is checked in): video files of every container
and codec PyAV writes here that makes sense for video (with and without sound; a writer that fails is
listed as skipped), truncated and damaged files, empty, random and mislabelled files, polyglots, extreme
sizes, frame rates and durations, odd sound, and caption texts (invalid UTF-8, NUL, 100,000 characters,
right-to-left, emoji). Each input goes through:

upload API        wb.uploads.upload(user, bytes, caption=...) in this process (a file over 50 MB as its path)
CLI upload        python -m workbench.cli upload FILE --as ana --caption TEXT --json, in a child process
CLI policy check  python -m workbench.cli policy check --as ana --json TEXT (caption texts only)
enrollment        wb.cameos.start_enrollment, then complete_enrollment(user, bytes) (video files only)

Outcomes: a clear refusal (a WorkbenchError; for the CLI exit status 1 with exactly one JSON line
{"error", "kind"} on stdout; for enrollment also a result with status "failed"), accepted, or a crash
(anything else: another exception, a traceback on stderr, another exit status, a child past its time
limit). After every input each path's data folder is checked for damage: partial rows (a videos row
whose file is missing, a cameo whose reference image is missing, or any table's row count changed by a
refusal; audit_log and policy_hits are expected to grow) and orphan files (files under the media folder
that no videos.media_path or cameos.reference_image_path names, evidence/ excepted; temporary files
start with ".part-"). Peak memory is the CLI child's VmHWM (/proc/self/status, written by a wrapper
around runpy; ru_maxrss would count the forked parent's pages).

Prints markdown for BENCHMARKS.md and, last, one JSON line. Exits with status 1 on any crash, partial
row or orphan file, or when an accepted CLI upload peaked at PEAK_LIMIT_MB or more. The in-process paths
and the CLI run side by side (two lanes, each with its own data folder), so a run takes about as long as
the slower lane.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from anywhere without installing

from sqlalchemy import func, select  # noqa: E402

from workbench import OPERATOR, open_workbench  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.store.models import Base, Cameo, Video  # noqa: E402

#: an accepted upload whose CLI process peaks at this or more fails the benchmark
PEAK_LIMIT_MB = 600
#: tables a refusal may add rows to: the audit trail and the prompt policy's record of what it refused
GROWS_ON_REFUSAL = ("audit_log", "policy_hits")
#: above this an input goes to the upload API as its path (not read whole into this process)
API_BYTES_LIMIT = 50 * 1024 * 1024
#: the CLI child: the workbench's CLI, then its peak resident set written to stderr whatever happened
CLI_WRAPPER = """\
import runpy, sys
try:
    runpy.run_module('workbench.cli', run_name='__main__')
finally:
    with open('/proc/self/status') as status:
        sys.stderr.write(''.join('\\n' + line for line in status if line.startswith('VmHWM')))
"""
PATHS = ("upload API", "CLI upload", "CLI policy check", "enrollment")


# -- the corpus ------------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    group: str
    path: Path | None = None  # the file uploaded (for a caption text: the base clip)
    caption: str = ""
    quick: bool = False  # in the --quick subset
    cli_caption_skip: str = ""  # why this caption cannot go through argv

    @property
    def is_text(self) -> bool:
        return self.group == "caption"


def pictures(width: int, height: int, count: int, seed: int, noise: bool = False):
    """Flat frames whose colour drifts, with a small square moving across (tiny files, some motion);
    `noise` adds seeded noise (files with bytes spread through them)."""
    rng = np.random.default_rng(seed)
    side = max(2, min(width, height) // 6)
    for index in range(count):
        pixels = np.empty((height, width, 3), np.uint8)
        pixels[:] = ((40 + 3 * index) % 200, 90, (160 + 5 * index) % 255)
        x = (index * 4) % max(1, width - side)
        y = (index * 2) % max(1, height - side)
        pixels[y:y + side, x:x + side] = (240, 240, 40)
        if noise:
            pixels = np.clip(pixels.astype(np.int16) + rng.integers(-40, 40, pixels.shape), 0, 255).astype(np.uint8)
        yield pixels


def tone(rate: int, channels: int, seconds: float, special: str = "") -> np.ndarray:
    """(channels, samples) float32: a quiet chord, or NaN and infinity where `special` says so."""
    t = np.arange(int(round(rate * seconds)), dtype=np.float64) / rate
    samples = np.stack([0.2 * np.sin(2 * np.pi * (220 + 110 * c) * t) for c in range(channels)]).astype(np.float32)
    if special == "nan":
        samples[:, ::7] = np.nan
        samples[:, 3::11] = np.inf
        samples[:, 5::13] = -np.inf
    return samples


@dataclass
class Sound:
    codec: str
    rate: int = 44100
    layout: str = "stereo"
    seconds: float | None = None  # None: as long as the video
    special: str = ""


def _audio_frames(sound: Sound, channels: int, seconds: float):
    """(time, AudioFrame) of the tone as packed float, 1024 samples each (the encoder converts them)."""
    samples = tone(sound.rate, channels, seconds, sound.special)
    for start in range(0, samples.shape[1], 1024):
        chunk = samples[:, start:start + 1024]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk.T.reshape(1, -1)), format="flt",
                                           layout=sound.layout)
        frame.sample_rate = sound.rate
        frame.pts = start
        frame.time_base = Fraction(1, sound.rate)
        yield start / sound.rate, frame


def write_photo_clip(path: Path, size=(1920, 1080), seconds: float = 2.0, fps: int = 30) -> Path:
    """An H.264 + AAC clip panning across insightface's group photo (six real faces, from the
    registry package): an upload whose scan finds faces and scores them for deepfakes."""
    import insightface
    from PIL import Image

    photo = Image.open(Path(insightface.__file__).parent / "data" / "images" / "t1.jpg").convert("RGB")
    pixels = np.asarray(photo.resize(size))
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps, options=X264)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        for index in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.roll(pixels, index * 4, axis=1), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    return path


def write_clip(path: Path, fmt: str, codec: str, *, size=(128, 96), fps: float | Fraction = 24, seconds: float = 2.0,
               pix_fmt: str = "yuv420p", sound: Sound | None = None, options: dict | None = None,
               container_options: dict | None = None, frames: int | None = None, noise: bool = False,
               vfr: bool = False, start_s: float = 0.0, seed: int = 0, second_video: bool = False) -> Path:
    """Encode a small synthetic clip with PyAV, sound interleaved by time."""
    rate = Fraction(fps).limit_denominator(1001)
    count = frames if frames is not None else max(1, round(seconds * float(rate)))
    width, height = size
    with av.open(str(path), "w", format=fmt, options=container_options or {}) as container:
        video = container.add_stream(codec, rate=rate, options=options or {})
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if vfr:
            video.codec_context.time_base = Fraction(1, 1000)
        streams = [video]
        if second_video:
            extra = container.add_stream(codec, rate=rate, options=options or {})
            extra.width, extra.height, extra.pix_fmt = height, width, pix_fmt
            streams.append(extra)
        audio_frames = iter(())
        if sound is not None:
            audio = container.add_stream(sound.codec, rate=sound.rate, layout=sound.layout)
            if sound.codec in ("vorbis", "opus"):
                audio.codec_context.options = {"strict": "experimental"}
            if sound.codec == "wmav2":
                audio.bit_rate = 128_000
            audio_frames = iter(_audio_frames(sound, audio.codec_context.layout.nb_channels,
                                              sound.seconds if sound.seconds is not None else count / float(rate)))
        pending = next(audio_frames, None)
        vfr_time = 0
        for index, pixels in enumerate(pictures(width, height, count, seed, noise)):
            for stream in streams:
                frame = av.VideoFrame.from_ndarray(pixels if stream is video else np.ascontiguousarray(
                    np.swapaxes(pixels, 0, 1)), format="rgb24")
                if vfr:  # 10 ms to 120 ms between frames
                    frame.pts = vfr_time
                    frame.time_base = Fraction(1, 1000)
                else:
                    frame.pts = index + round(start_s * float(rate))
                container.mux(stream.encode(frame))
            if vfr:
                vfr_time += 10 + (index * 37) % 110
            now = index / float(rate)
            while pending is not None and pending[0] <= now:
                container.mux(audio.encode(pending[1]))
                pending = next(audio_frames, None)
        for stream in streams:
            container.mux(stream.encode(None))
        while pending is not None:
            container.mux(audio.encode(pending[1]))
            pending = next(audio_frames, None)
        if sound is not None:
            container.mux(audio.encode(None))
    return path


def write_sound_only(path: Path, fmt: str, sound: Sound, seconds: float = 2.0) -> Path:
    with av.open(str(path), "w", format=fmt) as container:
        audio = container.add_stream(sound.codec, rate=sound.rate, layout=sound.layout)
        for _, frame in _audio_frames(sound, audio.codec_context.layout.nb_channels, seconds):
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    return path


def png_bytes(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(next(pictures(96, 96, 1, seed))).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(next(pictures(96, 96, 1, seed))).save(buffer, format="JPEG")
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


#: (name, container, extension, video codec, pixel format, sound codec or None (no sound possible), options,
#: whether it is also written without sound); the common ones with and without sound, the rest once
CODECS = [
    ("mp4 h264", "mp4", "mp4", "libx264", "yuv420p", "aac", {}, True),
    ("mov h264", "mov", "mov", "libx264", "yuv420p", "aac", {}, True),
    ("mkv h264", "matroska", "mkv", "libx264", "yuv420p", "libopus", {}, True),
    ("webm vp8", "webm", "webm", "libvpx", "yuv420p", "libopus", {"deadline": "realtime", "cpu-used": "8"}, True),
    ("webm vp9", "webm", "webm", "libvpx-vp9", "yuv420p", "libopus", {"deadline": "realtime", "cpu-used": "8"}, True),
    ("avi mpeg4", "avi", "avi", "mpeg4", "yuv420p", "libmp3lame", {}, True),
    ("mpegts mpeg2video", "mpegts", "ts", "mpeg2video", "yuv420p", "mp2", {}, True),
    ("gif", "gif", "gif", "gif", "rgb8", None, {}, True),
    ("raw h264", "h264", "h264", "libx264", "yuv420p", None, {}, True),
    ("ogg theora", "ogg", "ogv", "libtheora", "yuv420p", "vorbis", {}, True),
    ("ogg vp8", "ogg", "ogv", "libvpx", "yuv420p", "vorbis", {"deadline": "realtime", "cpu-used": "8"}, True),
    ("flv flv1", "flv", "flv", "flv", "yuv420p", "libmp3lame", {}, True),
    ("flv h264", "flv", "flv", "libx264", "yuv420p", "aac", {}, False),
    ("mpegts h264", "mpegts", "ts", "libx264", "yuv420p", "aac", {}, False),
    ("mp4 hevc", "mp4", "mp4", "libx265", "yuv420p", "aac", {"x265-params": "log-level=none"}, False),
    ("mp4 mpeg4", "mp4", "mp4", "mpeg4", "yuv420p", "aac", {}, False),
    ("mkv av1", "matroska", "mkv", "libsvtav1", "yuv420p", "libopus", {"preset": "12"}, False),
    ("mkv ffv1", "matroska", "mkv", "ffv1", "yuv420p", "flac", {}, False),
    ("avi mjpeg", "avi", "avi", "mjpeg", "yuvj420p", "pcm_s16le", {}, False),
    ("mov prores", "mov", "mov", "prores_ks", "yuv422p10le", "pcm_s16le", {}, False),
    ("mpeg-ps mpeg1video", "mpeg", "mpg", "mpeg1video", "yuv420p", "mp2", {}, False),
    ("3gp h263", "3gp", "3gp", "h263", "yuv420p", "aac", {}, False),
    ("asf wmv2", "asf", "wmv", "wmv2", "yuv420p", "wmav2", {}, False),
    ("nut mpeg4", "nut", "nut", "mpeg4", "yuv420p", "pcm_s16le", {}, False),
    ("avi rawvideo", "avi", "avi", "rawvideo", "bgr24", "pcm_s16le", {}, False),
    ("mov png", "mov", "mov", "png", "rgb24", "aac", {}, False),
    ("ivf vp9", "ivf", "ivf", "libvpx-vp9", "yuv420p", None, {"deadline": "realtime", "cpu-used": "8"}, False),
]
QUICK_CODECS = {"mp4 h264 + aac", "webm vp9, no sound", "gif, no sound"}

X264 = {"preset": "ultrafast", "threads": "1"}


def build_corpus(folder: Path, seed: int, quick: bool) -> tuple[list[Case], list[str]]:
    """Write every input under folder; returns the cases and the writers that failed (skipped)."""
    cases: list[Case] = []
    skipped: list[str] = []
    rng = np.random.default_rng(seed)

    def add(name: str, group: str, make: Callable[[Path], Path | bytes], ext: str, *, is_quick: bool = False,
            filename: str | None = None) -> Path | None:
        if quick and not is_quick:
            return None
        path = folder / (filename or re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") + "." + ext)
        try:
            made = make(path)
            if isinstance(made, bytes):
                path.write_bytes(made)
        except Exception as error:  # noqa: BLE001 - a writer PyAV lacks here is skipped, and listed
            path.unlink(missing_ok=True)
            skipped.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
            return None
        cases.append(Case(name, group, path, quick=is_quick))
        return path

    # every container and codec, with and without sound
    for name, fmt, ext, codec, pix_fmt, sound_codec, options, silent_too in CODECS:
        opts = {**X264, **options} if codec == "libx264" else options
        if silent_too or sound_codec is None:
            add(f"{name}, no sound", "codec", lambda p, f=fmt, c=codec, x=pix_fmt, o=opts:
                write_clip(p, f, c, pix_fmt=x, options=o, seed=1), ext,
                is_quick=f"{name}, no sound" in QUICK_CODECS)
        if sound_codec is not None:
            rate = 48000 if "opus" in sound_codec else 44100
            add(f"{name} + {sound_codec}", "codec", lambda p, f=fmt, c=codec, x=pix_fmt, o=opts, s=sound_codec, r=rate:
                write_clip(p, f, c, pix_fmt=x, options=o, sound=Sound(s, rate=r), seed=2), ext,
                is_quick=f"{name} + {sound_codec}" in QUICK_CODECS)

    base = folder / "base.mp4"  # the valid clip captions are uploaded with, and that polyglots start from
    write_clip(base, "mp4", "libx264", options=X264, sound=Sound("aac"), seed=3)
    mp4 = base.read_bytes()

    # truncations: index (moov) at the end, so every cut loses it; and at the front ("faststart")
    whole_end = write_clip(folder / "whole-moov-end.mp4", "mp4", "libx264", options=X264, seconds=3,
                           sound=Sound("aac"), noise=True, seed=4).read_bytes()
    whole_front = write_clip(folder / "whole-moov-front.mp4", "mp4", "libx264", options=X264, seconds=3,
                             sound=Sound("aac"), noise=True, seed=4,
                             container_options={"movflags": "+faststart"}).read_bytes()
    for label, data in (("moov at end", whole_end), ("faststart", whole_front)):
        for percent in (1, 10, 50, 90):
            add(f"mp4 ({label}) cut at {percent}%", "truncated", lambda p, d=data, c=percent: d[:len(d) * c // 100],
                "mp4", is_quick=(label, percent) in (("moov at end", 10), ("faststart", 90)))
    for name, fmt, ext, codec in (("mkv", "matroska", "mkv", "libx264"), ("mpegts", "mpegts", "ts", "libx264"),
                                  ("webm", "webm", "webm", "libvpx-vp9")):
        options = X264 if codec == "libx264" else {"deadline": "realtime", "cpu-used": "8"}
        whole = write_clip(folder / f"whole.{ext}", fmt, codec, options=options, seconds=3, noise=True, seed=5,
                           sound=Sound("libopus" if fmt != "mpegts" else "aac",
                                       rate=48000 if fmt != "mpegts" else 44100)).read_bytes()
        add(f"{name} cut at 50%", "truncated", lambda p, d=whole: d[:len(d) // 2], ext)

    # damage inside a whole file
    def flipped(path: Path) -> bytes:
        data = bytearray(whole_front)
        spots = rng.integers(len(data) // 10, len(data), len(data) // 100)
        for spot in spots:
            data[spot] ^= 1 << int(rng.integers(0, 8))
        return bytes(data)
    add("mp4 (faststart) with 1% of bytes bit-flipped", "damaged", flipped, "mp4", is_quick=True)
    add("mp4 (faststart) with its middle 10% zeroed", "damaged", lambda p: whole_front[:len(whole_front) * 45 // 100]
        + bytes(len(whole_front) // 10) + whole_front[len(whole_front) * 55 // 100:], "mp4")
    add("mp4 with 1 KB of random bytes before it", "damaged", lambda p: rng.bytes(1024) + mp4, "mp4")

    # empty, random and mislabelled files
    add("zero bytes", "garbage", lambda p: b"", "mp4", is_quick=True)
    add("1 random byte", "garbage", lambda p: rng.bytes(1), "mp4")
    add("4 KB of random bytes", "garbage", lambda p: rng.bytes(4096), "mp4", is_quick=True)
    add("1 MB of random bytes", "garbage", lambda p: rng.bytes(1 << 20), "mov")
    add("mp4 ftyp box, then random bytes", "garbage",
        lambda p: b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + rng.bytes(8192), "mp4")
    add("mkv EBML header, then random bytes", "garbage", lambda p: b"\x1a\x45\xdf\xa3" + rng.bytes(8192), "mkv")

    def sparse(path: Path) -> Path:  # over the 200 MB upload limit, without taking the disk
        with open(path, "wb") as file:
            file.write(mp4)
            file.truncate(201_000_000)
        return path
    add("201 MB file (a clip, then a hole of zeros)", "garbage", sparse, "mp4", is_quick=True)
    add("PNG named .mp4", "mislabelled", lambda p: png_bytes(seed), "mp4", is_quick=True)
    add("text file named .mp4", "mislabelled", lambda p: b"this is not a video\n" * 50, "mp4", is_quick=True)
    add("JPEG named .mov", "mislabelled", lambda p: jpeg_bytes(seed), "mov")
    add("WAV sound only named .mp4", "mislabelled",
        lambda p: write_sound_only(folder / "sound.wav", "wav", Sound("pcm_s16le")).read_bytes(), "mp4")
    add("m4a sound only (AAC in mp4)", "mislabelled", lambda p: write_sound_only(p, "mp4", Sound("aac")), "m4a")
    add("webm named .mp4", "mislabelled", lambda p: write_clip(folder / "real.webm", "webm", "libvpx",
                                                               options={"deadline": "realtime"}, seed=6).read_bytes(),
        "mp4")
    add("mp4 named .txt", "mislabelled", lambda p: mp4, "txt")
    add("mp4 with no extension", "mislabelled", lambda p: mp4, "", filename="clip-without-extension")
    add("mp4 with spaces and unicode in its name", "mislabelled", lambda p: mp4, "mp4",
        filename="my clip ünïcødé 🎬 (1).MP4")

    # polyglots
    archive = zip_bytes({"readme.txt": b"hello\n" * 20, "clip.mp4": mp4})
    add("mp4 with a zip appended", "polyglot", lambda p: mp4 + archive, "mp4", is_quick=True)
    add("zip with an mp4 appended", "polyglot", lambda p: archive + mp4, "mp4")
    add("GIF with an mp4 appended", "polyglot", lambda p: write_clip(folder / "poly.gif", "gif", "gif", pix_fmt="rgb8",
                                                                    seed=7).read_bytes() + mp4, "mp4")
    add("PDF header, then an mp4", "polyglot", lambda p: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + mp4, "mp4")

    # sizes (H.264 4:4:4 where a side is odd)
    for width, height, seconds, is_quick in ((63, 64, 2, True), (64, 64, 2, False), (32, 32, 2, False),
                                             (1920, 1080, 1, True), (1080, 1920, 1, False), (1920, 1920, 1, False),
                                             (2000, 100, 2, False), (101, 201, 2, False), (64, 1920, 1, False)):
        odd = width % 2 or height % 2
        made = add(f"{width}x{height}, {seconds} s", "size", lambda p, w=width, h=height, s=seconds, o=odd:
                   write_clip(p, "mp4", "libx264", size=(w, h), seconds=s, pix_fmt="yuv444p" if o else "yuv420p",
                              options=X264, sound=Sound("aac"), seed=8), "mp4", is_quick=is_quick)
        if made is not None and (width, height) == (1920, 1080):  # the largest frames and the text model at once
            cases.append(Case(f"{width}x{height}, {seconds} s, with a caption", "size", made,
                              caption="my dog surfing a huge wave at sunset", quick=True))
    # and every model at once: faces found (the deepfake track's landmark model), a caption
    faces = add("1920x1080, 2 s, six faces", "size", lambda p: write_photo_clip(p), "mp4", is_quick=True)
    if faces is not None:
        cases.append(Case("1920x1080, 2 s, six faces, with a caption", "size", faces,
                          caption="friends laughing at a picnic", quick=True))

    # frame rates and durations
    for fps, seconds, is_quick in ((Fraction(1, 2), 6, True), (1, 3, False), (Fraction(30000, 1001), 2, False),
                                   (60, 2, False), (120, 1, True), (1000, 1, False)):
        add(f"{float(fps):g} fps, {seconds} s", "rate", lambda p, f=fps, s=seconds:
            write_clip(p, "mp4", "libx264", size=(64, 64), fps=f, seconds=s, options=X264, seed=9), "mp4",
            is_quick=is_quick)
    add("variable frame rate (10-120 ms apart)", "rate", lambda p: write_clip(
        p, "mp4", "libx264", size=(64, 64), frames=40, options=X264, vfr=True, seed=10), "mp4")
    for seconds, fps, is_quick in ((0.2, 24, True), (1, 24, False), (61, 8, False)):
        add(f"{seconds:g} s at {fps} fps", "duration", lambda p, s=seconds, f=fps:
            write_clip(p, "mp4", "libx264", size=(64, 64), fps=f, seconds=s, options=X264, sound=Sound("aac"),
                       seed=11), "mp4", is_quick=is_quick)
    add("1 frame", "duration", lambda p: write_clip(p, "mp4", "libx264", frames=1, options=X264, seed=12), "mp4")
    add("a video track with no frames", "duration",
        lambda p: write_clip(p, "mp4", "libx264", frames=0, options=X264, sound=Sound("aac", seconds=2.0)), "mp4")
    add("raw h264 stream of 62 s (no duration in any header)", "duration", lambda p: write_clip(
        p, "h264", "libx264", size=(64, 64), fps=25, seconds=62, options=X264, seed=13), "h264", is_quick=True)
    add("video starting at 30 s", "duration", lambda p: write_clip(
        p, "mp4", "libx264", size=(64, 64), seconds=2, start_s=30, options=X264, sound=Sound("aac"), seed=14), "mp4")

    def size_change(path: Path) -> bytes:
        first = write_clip(folder / "part1.h264", "h264", "libx264", size=(128, 96), options=X264, seed=15)
        second = write_clip(folder / "part2.h264", "h264", "libx264", size=(96, 128), options=X264, seed=16)
        return first.read_bytes() + second.read_bytes()
    add("raw h264 changing size midstream", "stream", size_change, "h264", is_quick=True)
    add("mkv with two video tracks", "stream", lambda p: write_clip(
        p, "matroska", "libx264", options=X264, second_video=True, seed=17), "mkv")
    add("h264 10-bit (yuv420p10le)", "stream", lambda p: write_clip(
        p, "mp4", "libx264", pix_fmt="yuv420p10le", options=X264, seed=18), "mp4")
    add("h264 4:4:4", "stream", lambda p: write_clip(p, "mp4", "libx264", pix_fmt="yuv444p", options=X264, seed=19),
        "mp4")

    # odd sound
    for name, sound, is_quick in (
            ("8 kHz mono AAC", Sound("aac", 8000, "mono"), False),
            ("96 kHz 6-channel AAC", Sound("aac", 96000, "5.1"), True),
            ("48 kHz 8-channel (7.1) AAC", Sound("aac", 48000, "7.1"), False),
            ("120 s of sound under 2 s of video", Sound("aac", 8000, "mono", seconds=120), False),
            ("sound 0.3 s long under 2 s of video", Sound("aac", seconds=0.3), False)):
        add(name, "sound", lambda p, s=sound: write_clip(p, "mp4", "libx264", options=X264, sound=s, seed=20), "mp4",
            is_quick=is_quick)
    add("192 kHz 8-channel PCM in mov", "sound", lambda p: write_clip(
        p, "mov", "libx264", options=X264, sound=Sound("pcm_s16le", 192000, "7.1"), seed=21), "mov")
    add("float PCM full of NaN and infinity", "sound", lambda p: write_clip(
        p, "mov", "libx264", options=X264, sound=Sound("pcm_f32le", 44100, "stereo", special="nan"), seed=22),
        "mov", is_quick=True)

    # caption texts (uploaded with the base clip; through argv where argv can carry them)
    texts = [
        ("caption: invalid UTF-8 (surrogateescape)", b"caf\xe9 \xff\xfe clip \xc3(".decode("utf-8", "surrogateescape"),
         "", True),
        ("caption: NUL byte", "a cat\x00 surfing at sunset", "argv cannot carry a NUL byte", True),
        ("caption: a lone surrogate (not from bytes)", "a cat \ud800 surfing",
         "argv cannot carry a lone surrogate that no byte decodes to", False),
        ("caption: 100,000 characters", ("a cat surfing at sunset " * 4200)[:100_000], "", False),
        ("caption: right-to-left", "\u202eقطة تركب الأمواج عند الغروب\u202c חתול גולש בשקיעה", "", False),
        ("caption: emoji", "🐈‍⬛🏄‍♀️🌅 cat surfing 👩🏽‍🚀🇯🇵🏳️‍🌈 " + "\U0001F600" * 30, "", True),
    ]
    for name, text, why_not, is_quick in texts:
        if quick and not is_quick:
            continue
        cases.append(Case(name, "caption", base, caption=text, quick=is_quick, cli_caption_skip=why_not))
    return cases, skipped


# -- checking a data folder ---------------------------------------------------------------------------------

class Inspector:
    """Row counts and damage of one data folder; each finding is reported once, against the input that
    first showed it."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.known: set[str] = set()

    def counts(self) -> dict[str, int]:
        with self.wb.transaction() as session:
            return {table.name: session.scalar(select(func.count()).select_from(table))
                    for table in Base.metadata.sorted_tables if table.name not in GROWS_ON_REFUSAL}

    def damage(self, before: dict[str, int], refused: bool) -> tuple[list[str], list[str]]:
        """(partial rows, orphan files) not reported before."""
        media = self.wb.media_dir
        with self.wb.transaction() as session:
            videos = session.execute(select(Video.id, Video.media_path)).all()
            cameos = session.execute(select(Cameo.id, Cameo.reference_image_path)
                                     .where(Cameo.reference_image_path.is_not(None))).all()
        partial = [f"videos #{id_} names {path}, which does not exist" for id_, path in videos
                   if not (media / path).is_file()]
        partial += [f"cameos #{id_} names {path}, which does not exist" for id_, path in cameos
                    if not (media / path).is_file()]
        if refused:
            after = self.counts()
            changed = {name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)}
            if changed:
                partial.append("rows changed by a refusal: " + ", ".join(f"{n} {d:+d}" for n, d in changed.items()))
        named = {path for _, path in videos} | {path for _, path in cameos}
        files = {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()} if media.exists() else set()
        orphans = [(f"{path} (temporary)" if Path(path).name.startswith(".part-") else path)
                   for path in sorted(files - named) if not path.startswith("evidence/")]
        fresh_partial = [p for p in partial if p.startswith("rows changed") or p not in self.known]
        fresh_orphans = [o for o in orphans if o not in self.known]
        self.known.update(partial, orphans)
        return fresh_partial, fresh_orphans


# -- the three paths ----------------------------------------------------------------------------------------

@dataclass
class Outcome:
    result: str  # refused, accepted, crash, skipped
    message: str
    seconds: float = 0.0
    peak_kb: int | None = None
    partial: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"[:300]


def run_api(wb, inspector: Inspector, case: Case) -> Outcome:
    before = inspector.counts()
    start = time.perf_counter()
    data = case.path if case.path.stat().st_size > API_BYTES_LIMIT else case.path.read_bytes()
    try:
        view = wb.uploads.upload("ana", data, caption=case.caption)
        outcome = Outcome("accepted", f"{view.status} {view.width}x{view.height} {view.duration_s:.2f} s"
                          + (f", held: {view.held_reason}" if view.held_reason else ""))
    except WorkbenchError as error:
        outcome = Outcome("refused", first_line(error))
    except Exception as error:  # noqa: BLE001 - anything else is what this benchmark looks for
        outcome = Outcome("crash", first_line(error) + " at " + _where(error))
    outcome.seconds = time.perf_counter() - start
    outcome.partial, outcome.orphans = inspector.damage(before, outcome.result != "accepted")
    return outcome


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/workbench/" in f.filename] or frames
    return f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"


class Enroller:
    """complete_enrollment for one person; a new person when the last one's cameo left pending."""

    def __init__(self, wb) -> None:
        self.wb, self.number = wb, 0
        self.handle = self._new()

    def _new(self) -> str:
        self.number += 1
        handle = f"eve{self.number}"
        self.wb.users.create(OPERATOR, handle)
        return handle

    def run(self, inspector: Inspector, case: Case) -> Outcome:
        start = time.perf_counter()
        try:
            self.wb.cameos.start_enrollment(self.handle)
        except WorkbenchError:  # verified or held by an earlier input: enroll someone new
            self.handle = self._new()
            self.wb.cameos.start_enrollment(self.handle)
        before = inspector.counts()
        try:
            result = self.wb.cameos.complete_enrollment(self.handle, case.path.read_bytes())
            if result.status in ("failed", "expired"):
                failed = [c for c in result.checks if not c.passed]
                reason = failed[0].evidence.get("reason") if failed else None
                said = reason if reason and all(c.evidence.get("reason") == reason for c in failed) else \
                    "failed checks " + ", ".join(c.name for c in failed)
                outcome = Outcome("refused", f"{result.status}: {said}"[:300])
            else:
                outcome = Outcome("accepted", f"cameo {result.status}")
        except WorkbenchError as error:
            outcome = Outcome("refused", first_line(error))
        except Exception as error:  # noqa: BLE001
            outcome = Outcome("crash", first_line(error) + " at " + _where(error))
        outcome.seconds = time.perf_counter() - start
        outcome.partial, outcome.orphans = inspector.damage(before, outcome.result != "accepted")
        return outcome


def cli_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WORKBENCH_DATABASE_URL", None)
    env.pop("WORKBENCH_MEDIA_DIR", None)
    env["WORKBENCH_DATA_DIR"] = str(folder)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(args: list, env: dict[str, str], inspector: Inspector, timeout_s: float, expect: str) -> Outcome:
    """One CLI child; `expect` names the success payload's key (e.g. video_id, decision)."""
    before = inspector.counts()
    start = time.perf_counter()
    try:
        command = [sys.executable, "-c", CLI_WRAPPER] + [os.fsencode(a) if isinstance(a, str) else a for a in args]
    except (UnicodeEncodeError, ValueError) as error:
        return Outcome("skipped", f"not passable through argv ({type(error).__name__})")
    try:
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        outcome = Outcome("crash", f"no answer within {timeout_s:g} s (killed)")
    else:
        stdout = done.stdout.decode("utf-8", "replace")
        stderr = done.stderr.decode("utf-8", "replace")
        peaks = re.findall(r"^VmHWM:\s+(\d+) kB", stderr, re.M)
        lines = stdout.strip().splitlines()
        payload = None
        if len(lines) == 1:
            try:
                payload = json.loads(lines[0])
            except ValueError:
                payload = None
        if "Traceback (most recent call last)" in stderr:
            last = [line for line in stderr.splitlines() if re.match(r"^\s*[\w.]+(Error|Exception|Exit)\b", line)]
            outcome = Outcome("crash", f"exit {done.returncode}, traceback: {(last or ['?'])[-1].strip()[:250]}")
        elif done.returncode == 1 and isinstance(payload, dict) and set(payload) == {"error", "kind"}:
            outcome = Outcome("refused", f"{payload['kind']}: {payload['error']}"[:300])
        elif done.returncode == 0 and isinstance(payload, dict) and expect in payload:
            outcome = Outcome("accepted", _summary(payload))
        else:
            said = (stdout.strip() or stderr.strip().replace("VmHWM", "").strip() or "nothing").splitlines()
            outcome = Outcome("crash", f"exit {done.returncode} without the JSON answer: {said[0][:200]}")
        outcome.peak_kb = int(peaks[-1]) if peaks else None
    outcome.seconds = time.perf_counter() - start
    outcome.partial, outcome.orphans = inspector.damage(before, outcome.result != "accepted")
    return outcome


def _summary(payload: dict) -> str:
    if "decision" in payload:
        return f"decision {payload['decision']}" + (f" ({payload['reasons'][0].get('code')})"
                                                   if payload.get("reasons") else "")
    held = f", held: {payload['held']}" if payload.get("held") else ""
    return f"{payload.get('status')} {payload.get('width')}x{payload.get('height')} {payload.get('duration_s')} s{held}"


# -- the run --------------------------------------------------------------------------------------------------

def run_in_process(cases: list[Case], api_wb, enroll_wb, results: dict, log) -> None:
    """The upload API and enrollment, each over its own data folder."""
    api, enroll, enroller = Inspector(api_wb), Inspector(enroll_wb), Enroller(enroll_wb)
    for number, case in enumerate(cases, 1):
        results[case.name]["upload API"] = run_api(api_wb, api, case)
        if not case.is_text:
            results[case.name]["enrollment"] = enroller.run(enroll, case)
        log(f"[api {number}/{len(cases)}] {case.name}: " + ", ".join(
            f"{p} {results[case.name][p].result}" for p in ("upload API", "enrollment") if p in results[case.name]))


def run_cli_lane(cases: list[Case], wb, results: dict, log, timeout_s: float) -> None:
    """The CLI's children over their own data folder, which `wb` (opened, never used for uploads) inspects."""
    inspector, env = Inspector(wb), cli_env(wb.settings.data_dir)
    for number, case in enumerate(cases, 1):
        if case.is_text and case.cli_caption_skip:
            results[case.name]["CLI upload"] = Outcome("skipped", case.cli_caption_skip)
            results[case.name]["CLI policy check"] = Outcome("skipped", case.cli_caption_skip)
        else:
            upload = ["upload", str(case.path), "--as", "ana", "--json"]
            if case.caption:
                upload[4:4] = ["--caption", case.caption]
            results[case.name]["CLI upload"] = run_cli(upload, env, inspector, timeout_s, "video_id")
            if case.is_text:
                results[case.name]["CLI policy check"] = run_cli(
                    ["policy", "check", "--as", "ana", "--json", case.caption], env, inspector, timeout_s, "decision")
        log(f"[cli {number}/{len(cases)}] {case.name}: " + ", ".join(
            f"{p} {results[case.name][p].result}" for p in ("CLI upload", "CLI policy check") if p in results[case.name]))


def mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset of about 20 inputs (smoke test)")
    parser.add_argument("--verbose", action="store_true", help="also list every input's outcome per path")
    parser.add_argument("--seed", type=int, default=7, help="seed of the random bytes, noise and bit flips")
    parser.add_argument("--cli-timeout", type=float, default=300.0, help="seconds one CLI child may take")
    parser.add_argument("--keep", type=Path, default=None, help="write the corpus and data folders here (kept)")
    args = parser.parse_args()

    os.environ.setdefault("SVT_LOG", "1")  # the AV1 encoder's banner: errors only
    started = time.perf_counter()
    lock = threading.Lock()

    def log(message: str) -> None:
        with lock:
            print(f"{time.perf_counter() - started:6.0f} s {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-robustness-") as workdir:
        folder = args.keep or Path(workdir)
        (folder / "corpus").mkdir(parents=True, exist_ok=True)
        cases, skipped = build_corpus(folder / "corpus", args.seed, args.quick)
        built = time.perf_counter() - started
        log(f"corpus: {len(cases)} inputs in {built:.0f} s; {len(skipped)} writers skipped")
        results: dict[str, dict[str, Outcome]] = {case.name: {} for case in cases}
        errors: list[BaseException] = []

        def lane(function, *lane_args) -> None:
            try:
                function(*lane_args)
            except BaseException as error:  # noqa: BLE001 - reported after the other lane ends
                errors.append(error)
                traceback.print_exc()

        # opened here, one after another: migrating a database is not safe from two threads at once
        workbenches = {name: open_workbench(data_dir=(folder / name).resolve()) for name in ("api", "enrollment", "cli")}
        workbenches["api"].users.create(OPERATOR, "ana")
        workbenches["cli"].users.create(OPERATOR, "ana")
        cli = threading.Thread(target=lane, args=(run_cli_lane, cases, workbenches["cli"], results, log,
                                                  args.cli_timeout))
        cli.start()
        lane(run_in_process, cases, workbenches["api"], workbenches["enrollment"], results, log)
        cli.join()
        for wb in workbenches.values():
            wb.close()
        if errors:
            raise SystemExit(f"a lane stopped: {first_line(errors[0])}")
    elapsed = time.perf_counter() - started

    # -- report
    videos = sum(not c.is_text for c in cases)
    print("## Robustness: bad inputs through the upload API, the CLI and enrollment\n")
    print(f"{len(cases)} inputs ({videos} files, {len(cases) - videos} caption texts), seed {args.seed}"
          f"{', --quick' if args.quick else ''}; corpus built in {built:.0f} s, run in {elapsed:.0f} s "
          f"({os.cpu_count()} CPUs).\n")
    print("| path | tried | clear refusals | accepted | crashes | partial rows | orphan files | skipped | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for path in PATHS:
        outcomes = [(case, results[case.name][path]) for case in cases if path in results[case.name]]
        tried = [o for _, o in outcomes if o.result != "skipped"]
        counts = {kind: sum(o.result == kind for o in tried) for kind in ("refused", "accepted", "crash")}
        partial = sum(len(o.partial) for _, o in outcomes)
        orphans = sum(len(o.orphans) for _, o in outcomes)
        peaks = [o.peak_kb for o in tried if o.peak_kb is not None and (path != "CLI upload" or o.result == "accepted")]
        peak = max(peaks) if peaks else None
        summary[path] = {"tried": len(tried), **counts, "partial_rows": partial, "orphan_files": orphans,
                         "skipped": len(outcomes) - len(tried), "peak_mb": None if peak is None else round(peak / 1024)}
        print(f"| {path} | {len(tried)} | {counts['refused']} | {counts['accepted']} | {counts['crash']} | {partial} "
              f"| {orphans} | {len(outcomes) - len(tried)} | {mb(peak)} |")
    print("\npeak MB: the CLI child's VmHWM; for CLI upload the largest over accepted uploads, for the policy "
          "check over every run; the in-process paths share this process and are not measured.\n")

    cli_runs = [(case, path, results[case.name][path]) for case in cases for path in ("CLI upload", "CLI policy check")
                if path in results[case.name] and results[case.name][path].peak_kb is not None]
    accepted_uploads = [(c, o) for c, p, o in cli_runs if p == "CLI upload" and o.result == "accepted"]
    top_accepted = max(accepted_uploads, key=lambda item: item[1].peak_kb, default=None)
    top_any = max(cli_runs, key=lambda item: item[2].peak_kb, default=None)
    captionless = [(c, o) for c, o in accepted_uploads if not c.caption]
    top_captionless = max(captionless, key=lambda item: item[1].peak_kb, default=None)
    if top_accepted:
        print(f"- largest accepted CLI upload: {mb(top_accepted[1].peak_kb)} MB ({top_accepted[0].name}); "
              f"limit {PEAK_LIMIT_MB} MB")
    if top_captionless:
        print(f"- largest accepted CLI upload without a caption: {mb(top_captionless[1].peak_kb)} MB "
              f"({top_captionless[0].name})")
    if top_any:
        print(f"- largest CLI run of any input: {mb(top_any[2].peak_kb)} MB ({top_any[1]}, {top_any[0].name}, "
              f"{top_any[2].result})")
    slowest = max(((c, p, o) for c in cases for p, o in results[c.name].items()), key=lambda item: item[2].seconds)
    print(f"- slowest single call: {slowest[2].seconds:.1f} s ({slowest[1]}, {slowest[0].name}, {slowest[2].result})")

    crashes = [(case, path, o) for case in cases for path, o in results[case.name].items() if o.result == "crash"]
    print(f"\n### Crashes ({len(crashes)})\n")
    for case, path, o in crashes:
        print(f"- {path} · {case.name}: {cell(o.message)}")
    if not crashes:
        print("none")
    damage = [(case, path, o) for case in cases for path, o in results[case.name].items() if o.partial or o.orphans]
    print(f"\n### Damage ({len(damage)} inputs)\n")
    for case, path, o in damage:
        for finding in o.partial:
            print(f"- {path} · {case.name} ({o.result}): partial row: {cell(finding)}")
        for finding in o.orphans:
            print(f"- {path} · {case.name} ({o.result}): orphan file: {cell(finding)}")
    if not damage:
        print("none")
    not_passed = [(case, path, o) for case in cases for path, o in results[case.name].items() if o.result == "skipped"]
    print(f"\n### Skipped ({len(skipped)} writers, {len(not_passed)} calls)\n")
    for line in skipped:
        print(f"- writer: {cell(line)}")
    for case, path, o in not_passed:
        print(f"- {path} · {case.name}: {cell(o.message)}")

    if args.verbose:
        print("\n### Every input\n")
        print("| input | group | path | outcome | s | peak MB | message |")
        print("|---|---|---|---|---:|---:|---|")
        for case in cases:
            for path in PATHS:
                if path in results[case.name]:
                    o = results[case.name][path]
                    print(f"| {cell(case.name)} | {case.group} | {path} | {o.result} | {o.seconds:.1f} | "
                          f"{mb(o.peak_kb)} | {cell(o.message)} |")

    over = top_accepted is not None and top_accepted[1].peak_kb / 1024 >= PEAK_LIMIT_MB
    failed = bool(crashes or damage or over)
    print()
    print(json.dumps({"benchmark": "robustness", "inputs": len(cases), "quick": args.quick, "seed": args.seed,
                      "seconds": round(elapsed), "paths": summary, "crashes": len(crashes),
                      "damaged_inputs": len(damage), "skipped_writers": len(skipped),
                      "peak_accepted_upload_mb": None if top_accepted is None else round(top_accepted[1].peak_kb / 1024),
                      "ok": not failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
