"""Turning a RenderedClip into a file a browser plays, and reading such files back.

Files are H.264 (yuv420p) + AAC in MP4 with the index (moov) at the front, which is what Chromium
needs to start playing before the whole file has arrived. Every write is atomic: a temporary file
in the destination directory, renamed into place only when complete, removed on any failure, so
readers never see a half-written clip. Stored clips are named by the sha256 of their bytes, so
identical clips share one file.
"""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np

from workbench.files import StoredFile, place_by_content, replacing, temp_file
from workbench.media.backend import RenderedClip

#: Identical clips must give identical bytes, or content addressing stores duplicates. x264's macroblock
#: tree (mbtree) made runs differ now and then (its SIMD path, worse with frame threads), so it is off, and
#: one thread is used; at 360x640 that costs no time on a 2-core machine, only somewhat larger files.
#: The superfast preset: a storyboard clip's falling snow, rain and film grain change every pixel, and
#: veryfast took 0.49 s to encode the benchmark's seven (superfast 0.34 s, files about a third larger).
VIDEO_OPTIONS = {"preset": "superfast", "crf": "23", "profile": "high", "threads": "1", "x264-params": "mbtree=0"}
AUDIO_BITRATE = 128_000
#: frames larger than 720p (uploads) are encoded without B-frames and rate-control lookahead, so x264
#: holds no frames ahead: a 1080p upload's encoding took 161 MB, this way 100 MB (files a little larger)
LARGE_FRAME_PIXELS = 1280 * 720
LARGE_FRAME_PARAMS = ":rc-lookahead=0:bframes=0"


def encode_mp4(clip: RenderedClip | StreamedClip, path: Path, *, crf: int = 23) -> None:
    """Encode the clip to path, atomically: the file is either complete or not there at all. `crf` is
    x264's constant rate factor (lower: better quality, bigger file)."""
    with replacing(Path(path)) as temp:
        _encode(clip, temp, crf=crf)


def write_content_addressed(clip: RenderedClip | StreamedClip, media_dir: Path,
                            sign: Callable[[Path, Path], None] | None = None) -> StoredFile:
    """Store the clip as media_dir/ab/abcdef….mp4 named by its sha256; an identical file is reused.

    ``sign(encoded, signed)``, when given, writes a signed copy of the encoded file; the name is then
    the hash of the signed bytes, the file that is actually served.
    """
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    temps = [temp_file(media_dir, ".mp4")]
    try:
        _encode(clip, temps[0])
        if sign is not None:
            temps.append(temp_file(media_dir, ".mp4"))
            sign(temps[0], temps[1])
        return place_by_content(temps[-1], lambda sha256: media_dir / sha256[:2] / f"{sha256}.mp4")
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class StreamedClip:
    """A video file's clip, decoded a frame at a time each time `frames` is iterated, scaled to
    width x height and cut at frame_count frames (what the file's own rate was is forgotten: frame i
    plays at i / fps). What an upload is re-encoded from, so that it is never in memory whole (a 4 s
    1080p clip is 750 MB of frames). `filters` mark each frame in place as it is decoded (the
    watermark). The audio is decoded beforehand, at most as long as the frames."""
    path: Path
    fps: int
    width: int
    height: int
    frame_count: int
    audio: np.ndarray
    sample_rate: int
    filters: tuple[Callable[[np.ndarray, int], object], ...] = ()
    metadata: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps

    @property
    def frames(self) -> Iterator[np.ndarray]:
        with av.open(str(self.path)) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index >= self.frame_count:
                    return
                pixels = frame.to_ndarray(format="rgb24", width=self.width, height=self.height)
                for mark in self.filters:
                    mark(pixels, index)
                yield pixels

    def filtered(self, mark: Callable[[np.ndarray, int], object], metadata: dict) -> "StreamedClip":
        return dataclasses.replace(self, filters=(*self.filters, mark), metadata=metadata)


#: the sample rates AAC (MPEG-4 Audio) can carry; sound at any other rate is resampled to 48 kHz
AAC_RATES = frozenset((7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000))


def read_audio(path: Path, max_seconds: float) -> tuple[np.ndarray, int]:
    """A file's first audio track as mono float32 at its rate, or at 48 kHz where AAC cannot carry
    that rate (192 kHz PCM), decoded up to max_seconds (nothing longer is ever held); (empty,
    48 kHz) without one."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return np.zeros(0, np.float32), 48_000
        stream = container.streams.audio[0]
        rate = stream.sample_rate if stream.sample_rate in AAC_RATES else 48_000
        limit = int(max_seconds * rate)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks, kept = [], 0
        for frame in container.decode(stream):
            for resampled in resampler.resample(frame):
                chunk = resampled.to_ndarray().reshape(-1)[:limit - kept]
                chunks.append(chunk)
                kept += chunk.size
            if kept >= limit:
                break
        return (np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)), rate


def probe(path: Path) -> dict:
    """The facts about a stored file that tests and the UI check: codecs, size, rate, length."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        return {
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name if audio else None,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "fps": float(video.average_rate),
            "duration_s": float(video.duration * video.time_base),
            "frame_count": video.frames,
            "pix_fmt": video.codec_context.pix_fmt,
            "audio_sample_rate": audio.sample_rate if audio else None,
        }


def read_frames(path: Path) -> np.ndarray:
    """Decode every video frame as (T, H, W, 3) uint8 RGB, for tests and analysis."""
    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def decodes_as_video(data: bytes) -> bool:
    """Whether the bytes hold a video whose first frame decodes (read from memory: no file is left)."""
    try:
        with av.open(io.BytesIO(data)) as container:
            return bool(container.streams.video) and next(container.decode(video=0), None) is not None
    except (av.error.FFmpegError, ValueError):
        return False


def poster(path: Path, destination: Path, *, width: int = 180, at_s: float = 1.0) -> Path:
    """A JPEG still of the clip (the frame at `at_s`, or its last if it is shorter), `width` pixels
    wide: the thumbnail of grids and lists. Written once and atomically; later calls reuse it."""
    if destination.exists():
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    still = None
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            still = frame
            if frame.time is not None and frame.time >= at_s:
                break
    if still is None:
        raise ValueError(f"{path.name} has no video frames")
    height = round(still.height * width / still.width / 2) * 2
    with replacing(destination) as temp:
        still.to_image().resize((width, height)).save(temp, format="JPEG", quality=82)
    return destination


def jpeg(rgb: np.ndarray, *, max_side: int = 240, blur: float = 0.0) -> bytes:
    """An RGB frame as JPEG bytes, scaled down to `max_side` on its longer side (greyscale and blurred
    by `blur` pixels when given: a reviewer's preview before they choose to look)."""
    from PIL import Image, ImageFilter

    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    image.thumbnail((max_side, max_side))
    if blur:
        image = image.convert("L").filter(ImageFilter.GaussianBlur(blur))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def read_clip(path: Path, *, size: tuple[int, int] | None = None, frame_count: int | None = None,
              fps: int | None = None) -> RenderedClip:
    """Decode a stored file back into a RenderedClip (frames and mono audio): what a remix builds on.
    With `frame_count` (and `size`, width x height, and the `fps` they play at), only that many frames,
    picked evenly over the whole clip, are kept, each scaled while it is decoded: a remix of a minute-long
    1080p upload never holds the upload's frames (22 GB at 60 fps)."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        total = video.frames or 0
        keep = None
        if frame_count is not None and total:
            keep = set(np.minimum((np.arange(frame_count) * total) // frame_count, total - 1).tolist())
        width, height = size or (None, None)
        frames = np.stack([frame.to_ndarray(format="rgb24", width=width, height=height)
                           for index, frame in enumerate(container.decode(video=0)) if keep is None or index in keep])
        rate = fps or round(float(video.average_rate))
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return RenderedClip(frames=frames, fps=rate, audio=np.zeros(0, np.float32), sample_rate=48_000)
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.sample_rate)
        chunks = [resampled.to_ndarray().reshape(-1) for frame in container.decode(stream)
                  for resampled in resampler.resample(frame)]
        audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        return RenderedClip(frames=frames, fps=rate, audio=audio, sample_rate=stream.sample_rate)


def _encode(clip: RenderedClip | StreamedClip, path: Path, crf: int = 23) -> None:
    if clip.width % 2 or clip.height % 2:
        raise ValueError(f"H.264 (yuv420p) needs even dimensions, got {clip.width}x{clip.height}")
    if isinstance(clip, RenderedClip) and (
            clip.frames.dtype != np.uint8 or clip.frames.ndim != 4 or clip.frames.shape[3] != 3):
        raise ValueError(f"frames must be (T, H, W, 3) uint8, got {clip.frames.shape} {clip.frames.dtype}")
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        options = {**VIDEO_OPTIONS, "crf": str(crf)}
        if clip.width * clip.height > LARGE_FRAME_PIXELS:
            options["x264-params"] += LARGE_FRAME_PARAMS
        video = container.add_stream("libx264", rate=clip.fps, options=options)
        video.width, video.height, video.pix_fmt = clip.width, clip.height, "yuv420p"
        audio = container.add_stream("aac", rate=clip.sample_rate, layout="mono")
        audio.bit_rate = AUDIO_BITRATE

        for index, pixels in enumerate(clip.frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))

        samples = np.ascontiguousarray(np.clip(clip.audio, -1.0, 1.0), dtype=np.float32)[None, :]
        sound = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
        sound.sample_rate, sound.pts = clip.sample_rate, 0
        container.mux(audio.encode(sound))
        container.mux(audio.encode(None))
