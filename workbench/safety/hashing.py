"""Perceptual hashes of clips, so that a removed clip cannot come back re-encoded, resized or noised.

Each sampled frame gets a PDQ hash (Meta's 256-bit perceptual image hash, via ``pdqhash``); two
frames are the same picture when their hashes differ in at most 31 of 256 bits (PDQ's standard
threshold). A clip is a set of such hashes, and an upload repeats a library clip when at least
``min_fraction`` of its sampled frames have a near twin among that clip's frames
(:func:`match_clip`). Frames are matched as a set, not in lock-step, so a trimmed or re-timed
upload still lines up; for that the library (the removed clips, hashed once) is sampled densely,
every :data:`LIBRARY_EVERY_S` seconds, and uploads sparsely, every 0.5 s. Usage::

    library = {video_id: clip_hashes(path, every_s=LIBRARY_EVERY_S, max_frames=LIBRARY_MAX_FRAMES)}
    found = match_clip(clip_hashes(upload, dihedral=True, letterbox=True), library)

What survives, measured by ``benchmarks/bench_reupload.py`` (six procedural 360x640 clips of 4 s;
median / max distance of a query frame to its nearest original frame, of 256 bits):

- survives, plain hashes: identical (0 / 0), re-encode at CRF 40 and 15 fps (6 / 30), resize to half
  (16 / 24), resize up 1.5x (5 / 12), gaussian noise sigma 8 (2 / 8), first 0.3 s cut off (4 / 34;
  with the library sampled every 0.5 s like the upload, only 2 of 6 matched: moving content drifts
  past the threshold within a few frames). Small frames are closer to the limit: resizing a 180x320
  clip to half gives 16-30.
- survives with the query's variants only: horizontal flip and 90-degree rotation (plain ~110, as far
  as an unrelated clip; with ``dihedral=True`` 2 / 6) and letterbox or pillarbox bars (plain ~106;
  with ``letterbox=True`` 14 / 22, the bars cut off by :func:`trim_borders`).
- does not survive: crops. 2.5% off each side: 36 / 54, 2 of 6 matched; 5% off each side: 64 / 94;
  10%: 100 / 120. PDQ hashes the low frequencies of the whole picture, and a crop rescales all of them.
- unrelated clips (other prompts, or the same prompt with another seed): never closer than 82, none
  matched, with or without variants.

Frames whose PDQ quality is below :data:`QUALITY_FLOOR` (50, the value PDQ's reference code uses)
are skipped: flat or nearly flat frames (black fades, solid title cards) give hashes that are mostly
noise and that unrelated clips share. Cost at 360x640: 1.5 ms for a plain frame hash, ~17 ms for the
eight exact dihedral variants, twice that where letterbox bars are cut too. ``pdqhash`` and PyAV
are imported inside the functions, so ``import workbench`` stays fast.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: bytes in one packed PDQ hash (256 bits)
HASH_BYTES = 32
#: frames whose PDQ quality (0-100) is below this are not hashed; PDQ's reference implementation uses 50
QUALITY_FLOOR = 50
#: PDQ's standard match threshold: two frames at most this many bits apart (of 256) are the same picture
MATCH_DISTANCE = 31
#: the eight dihedral variants (the order of ``pdqhash.compute_dihedral``), each named by the change *to the
#: upload* that it undoes: the "flip_horizontal" variant of a left-right mirrored frame is the original's hash
DIHEDRAL_TRANSFORMS = ("none", "rotate_90_cw", "rotate_180", "rotate_90_ccw",
                       "flip_vertical", "flip_horizontal", "transpose", "anti_transpose")
_UNDO = (
    lambda f: f,
    lambda f: np.rot90(f, 1),  # a clockwise turn is undone by a counter-clockwise one
    lambda f: np.rot90(f, 2),
    lambda f: np.rot90(f, -1),
    lambda f: f[::-1],
    lambda f: f[:, ::-1],
    lambda f: f.transpose(1, 0, 2),
    lambda f: np.rot90(f, 2).transpose(1, 0, 2),
)
#: how densely to hash the clips of the library (removed clips, hashed once when removed): one frame every
#: 0.1 s, so that a trimmed or re-timed upload's frames, sampled every 0.5 s, always have a library frame
#: within 0.05 s (moving content drifts past the threshold within a few frames); 600 covers 60 s clips
LIBRARY_EVERY_S = 0.1
LIBRARY_MAX_FRAMES = 600
#: a border row or column is letterbox/pillarbox when its luma is within this of the bar's level, on average
BORDER_FLATNESS = 4.0
#: never trim more than this fraction of a side (a mostly flat frame is not a letterboxed one)
MAX_BORDER_FRACTION = 0.4


@dataclass(frozen=True)
class ReuploadMatch:
    """The library clip an upload repeats, and how closely."""

    #: the library item's id
    id: int
    #: fraction of the query's sampled frames with a library frame within ``max_distance``
    fraction: float
    #: median, over the query's frames, of each frame's smallest distance to the library clip (of 256)
    median_distance: float
    #: the change to the upload that was undone to match it ("none", "flip_horizontal", ...)
    transform: str = "none"


def frame_hash(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """PDQ hash of one (H, W, 3) uint8 RGB frame: (32 uint8 bytes holding the 256 bits, quality 0-100)."""
    import pdqhash

    bits, quality = pdqhash.compute(_as_rgb(rgb))
    return np.packbits(bits.astype(np.uint8)), int(quality)


def frame_hash_dihedral(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """The eight dihedral variants of one frame, (8, 32) uint8 in :data:`DIHEDRAL_TRANSFORMS` order,
    and the quality: variant k is the hash of the frame with transform k undone.

    Each variant hashes the rotated or flipped pixels. ``pdqhash.compute_dihedral`` gives the
    eight for the price of one, but its flips are not exact: PDQ's downsampling is not symmetric,
    and at some frame sizes (180 or 256 px wide, for instance) its flipped hash is up to 30 bits
    from the hash of the flipped frame, nearly the whole match threshold. This costs eight hashes.
    """
    import pdqhash

    rgb = _as_rgb(rgb)
    hashes, qualities = [], []
    for undo in _UNDO:
        bits, quality = pdqhash.compute(np.ascontiguousarray(undo(rgb)))
        hashes.append(bits)
        qualities.append(quality)
    return np.packbits(np.asarray(hashes, dtype=np.uint8), axis=-1), int(qualities[0])


def clip_hashes(source, *, every_s: float = 0.5, max_frames: int = 32, fps: float | None = None,
                dihedral: bool = False, letterbox: bool = False) -> np.ndarray:
    """PDQ hashes of frames sampled evenly in time from a clip: (n, 32) uint8, or (n, V, 32) with variants.

    ``source`` is a video file (path), a :class:`~workbench.media.backend.RenderedClip`, or a
    (T, H, W, 3) uint8 array of frames together with its ``fps``. One frame is taken from the
    middle of each of equal intervals at most ``every_s`` long that cover the clip (the middles
    skip fades at the very start and end); a clip longer than ``every_s * max_frames`` gets
    ``max_frames`` frames spread over its whole length. Files are decoded as a stream and only the
    sampled frames are kept, so a long or large upload never sits in memory whole.

    Frames whose PDQ quality is below :data:`QUALITY_FLOOR` are skipped (flat frames give hashes
    that are unreliable and shared by unrelated clips), so ``n`` can be smaller than the number of
    samples, and 0 for a clip that is flat throughout.

    Library clips are hashed plainly. For an upload being checked, ask for variants, which
    :func:`match_clip` tries one at a time for the whole clip: ``dihedral=True`` gives the eight
    rotations and flips of each frame (:data:`DIHEDRAL_TRANSFORMS`), ``letterbox=True`` adds the
    same hashes of the frame with flat bars cut off (:func:`trim_borders`; identical to the
    untrimmed ones when there are none). V is 8 with ``dihedral``, 2 with ``letterbox``, 16 with
    both (:func:`variant_names` names them).
    """
    if every_s <= 0 or max_frames < 1:
        raise ValueError(f"every_s must be positive and max_frames at least 1, got {every_s}, {max_frames}")
    hasher = frame_hash_dihedral if dihedral else frame_hash
    names = variant_names(dihedral=dihedral, letterbox=letterbox)
    hashes = []
    for rgb in sampled_frames(source, every_s=every_s, max_frames=max_frames, fps=fps):
        packed, quality = hasher(rgb)
        variants = [packed.reshape(-1, HASH_BYTES)]
        if letterbox:
            inner = trim_borders(rgb)
            if inner is not rgb:
                trimmed, inner_quality = hasher(inner)
                variants.append(trimmed.reshape(-1, HASH_BYTES))
                quality = max(quality, inner_quality)
            else:
                variants.append(variants[0])
        if quality >= QUALITY_FLOOR:
            hashes.append(np.concatenate(variants))
    if not hashes:
        return np.zeros((0, HASH_BYTES) if len(names) == 1 else (0, len(names), HASH_BYTES), dtype=np.uint8)
    stacked = np.stack(hashes)
    return stacked[:, 0] if len(names) == 1 else stacked


def library_hashes(path) -> np.ndarray:
    """A stored clip's fingerprint: its frames hashed densely, as the re-upload library keeps them."""
    return clip_hashes(path, every_s=LIBRARY_EVERY_S, max_frames=LIBRARY_MAX_FRAMES)


def variant_names(*, dihedral: bool = False, letterbox: bool = False) -> tuple[str, ...]:
    """What each variant of ``clip_hashes(..., dihedral=, letterbox=)`` undoes, in order."""
    names = DIHEDRAL_TRANSFORMS if dihedral else DIHEDRAL_TRANSFORMS[:1]
    if letterbox:
        names = names + tuple("letterbox" if name == "none" else f"letterbox+{name}" for name in names)
    return names


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise Hamming distances (bits that differ, 0-256) between packed hashes.

    ``a`` (n, 32) and ``b`` (m, 32) give (n, m); generally ``a[..., 32]`` and ``b[..., 32]`` give
    ``a.shape[:-1] + b.shape[:-1]``, e.g. (n, 8, m) for dihedral query hashes against a clip.
    """
    a, b = np.asarray(a, dtype=np.uint8), np.asarray(b, dtype=np.uint8)
    if a.shape[-1:] != (HASH_BYTES,) or b.shape[-1:] != (HASH_BYTES,):
        raise ValueError(f"packed PDQ hashes end in {HASH_BYTES} bytes, got shapes {a.shape} and {b.shape}")
    # XOR four 64-bit words per pair, then popcount (np.bitwise_count; 3x a byte lookup table)
    words_a = np.ascontiguousarray(a.reshape(-1, HASH_BYTES)).view(np.uint64)
    words_b = np.ascontiguousarray(b.reshape(-1, HASH_BYTES)).view(np.uint64)
    distances = np.bitwise_count(words_a[:, None, :] ^ words_b[None, :, :]).sum(axis=-1, dtype=np.int32)
    return distances.reshape(a.shape[:-1] + b.shape[:-1])


def match_clip(query: np.ndarray, library: Mapping[int, np.ndarray] | Iterable[tuple[int, np.ndarray]], *,
               max_distance: int = MATCH_DISTANCE, min_fraction: float = 0.5) -> ReuploadMatch | None:
    """The library clip that the query clip repeats, or None.

    ``query`` is :func:`clip_hashes` of the upload: (n, 32), or (n, V, 32) with variants
    (``dihedral=True`` catches mirrored and rotated uploads, ``letterbox=True`` letterboxed ones).
    ``library`` maps an id (or is a list of (id, hashes) pairs) to that clip's plain (m, 32)
    hashes, best taken densely (``every_s=LIBRARY_EVERY_S, max_frames=LIBRARY_MAX_FRAMES``).

    For each library clip and each variant (one variant for the whole clip, since an upload is
    flipped or letterboxed as a whole), the score is the fraction of query frames that have a
    library frame within ``max_distance`` bits; the best clip wins (ties: smaller median distance)
    if its fraction is at least ``min_fraction``. A query with no hashable frames matches nothing.
    Every library clip is compared in turn: fine for the clips a moderator removed; a very large
    library would want a Hamming index (e.g. multi-index hashing) in front of it.
    """
    query = np.asarray(query, dtype=np.uint8)
    if query.ndim == 2:
        query = query[:, None, :]
    layouts = {len(names): names for names in (variant_names(dihedral=d, letterbox=b)
                                                for d in (False, True) for b in (False, True))}
    if query.ndim != 3 or query.shape[-1] != HASH_BYTES or query.shape[1] not in layouts:
        raise ValueError(f"query hashes must be (n, 32) or (n, V, 32) from clip_hashes, got {query.shape}")
    names = layouts[query.shape[1]]
    if query.shape[0] == 0:
        return None
    items = library.items() if isinstance(library, Mapping) else library
    best: tuple[float, float] | None = None
    found: ReuploadMatch | None = None
    for item_id, hashes in items:
        hashes = np.asarray(hashes, dtype=np.uint8)
        if hashes.ndim != 2 or hashes.shape[1] != HASH_BYTES:
            raise ValueError(f"library clip {item_id}: hashes must be (m, 32), got {hashes.shape}")
        if hashes.shape[0] == 0:
            continue
        nearest = hamming(query, hashes).min(axis=-1)  # (n, variants): each frame's best distance
        fractions = (nearest <= max_distance).mean(axis=0)
        medians = np.median(nearest, axis=0)
        variant = min(range(nearest.shape[1]), key=lambda v: (-fractions[v], medians[v], v))
        score = (-float(fractions[variant]), float(medians[variant]))
        if best is None or score < best:
            best = score
            found = ReuploadMatch(id=item_id, fraction=float(fractions[variant]),
                                  median_distance=float(medians[variant]), transform=names[variant])
    if found is None or found.fraction < min_fraction:
        return None
    return found


@dataclass(frozen=True)
class FramePair:
    """The two frames of two clips whose hashes are nearest: what a reviewer looks at to check a match."""
    #: indexes into the two frame lists
    first: int
    second: int
    #: Hamming distance of their PDQ hashes (of 256 bits), after undoing `transform` on the first
    distance: int
    transform: str


def closest_frames(first: list[np.ndarray], second: list[np.ndarray]) -> FramePair | None:
    """The pair of frames, one from each list, with the nearest PDQ hashes, trying every rotation and
    flip of the first's frames (an upload may be mirrored); None when either list is empty."""
    if not first or not second:
        return None
    query = np.stack([frame_hash_dihedral(frame)[0] for frame in first])  # (n, 8, 32)
    library = np.stack([frame_hash(frame)[0] for frame in second])  # (m, 32)
    distances = hamming(query, library)  # (n, 8, m)
    i, variant, j = np.unravel_index(int(np.argmin(distances)), distances.shape)
    return FramePair(int(i), int(j), int(distances[i, variant, j]), DIHEDRAL_TRANSFORMS[variant])


def trim_borders(rgb: np.ndarray, *, flatness: float = BORDER_FLATNESS,
                 max_fraction: float = MAX_BORDER_FRACTION) -> np.ndarray:
    """The frame without flat bars along its edges (letterbox, pillarbox, a solid padding colour).

    A bar is a run of edge rows (or columns) whose luma differs from the outermost row's median
    by at most ``flatness`` on average (so a little compression ringing does not break it); at
    most ``max_fraction`` of each side is cut. A frame without bars comes back unchanged (the same
    array). Content whose own edge is flat (a dark vignette, a clear sky) loses that edge too,
    which is harmless where it is used: :func:`clip_hashes` keeps the untrimmed hash beside it.
    """
    luma = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    height, width = luma.shape
    top = _flat_run(luma, flatness, int(height * max_fraction))
    bottom = _flat_run(luma[::-1], flatness, int(height * max_fraction))
    left = _flat_run(luma.T, flatness, int(width * max_fraction))
    right = _flat_run(luma.T[::-1], flatness, int(width * max_fraction))
    if top == bottom == left == right == 0:
        return rgb
    return rgb[top:height - bottom, left:width - right]


def _flat_run(luma: np.ndarray, flatness: float, limit: int) -> int:
    """How many leading rows of luma stay within flatness (mean absolute difference) of the first
    row's level, at most limit."""
    if limit <= 0:
        return 0
    rows = luma[:limit]
    flat = np.abs(rows - np.median(rows[0])).mean(axis=1) <= flatness
    if not flat[0]:
        return 0
    return int(limit if flat.all() else np.argmin(flat))


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"a frame must be (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    return np.ascontiguousarray(rgb)


def _sample_times(duration_s: float, every_s: float, max_frames: int) -> np.ndarray:
    """Middles of equal intervals covering the whole clip, each at most every_s long (unless max_frames caps them)."""
    count = max(1, min(max_frames, math.ceil(duration_s / every_s - 1e-9)))
    return (np.arange(count) + 0.5) * (duration_s / count)


def sample_frames(source, *, every_s: float, max_frames: int, fps: float | None = None,
                  max_side: int | None = None) -> list[np.ndarray]:
    """Frames from the middles of equal intervals at most `every_s` long covering the clip (at most
    `max_frames`, spread over its whole length), as a list. `source` as for :func:`clip_hashes`; a
    file's frames are scaled down to `max_side` pixels on their longer side when given."""
    return list(sampled_frames(source, every_s=every_s, max_frames=max_frames, fps=fps, max_side=max_side))


def sampled_frames(source, *, every_s: float, max_frames: int, fps: float | None = None,
                   max_side: int | None = None) -> Iterator[np.ndarray]:
    """The frames of :func:`sample_frames` one at a time: a file is decoded as a stream and each frame
    is handed on as it is reached, so at most one is held (600 1080p frames would be 3.7 GB)."""
    if isinstance(source, (str, Path)):
        yield from _decode_sampled(Path(source), every_s, max_frames, max_side)
        return
    frames = getattr(source, "frames", None)
    if frames is not None:  # a RenderedClip
        fps = source.fps
    else:
        frames = np.asarray(source)
        if fps is None:
            raise ValueError("clip_hashes needs fps= when given an array of frames")
    if frames.ndim != 4 or frames.shape[0] == 0:
        raise ValueError(f"frames must be (T, H, W, 3) with T >= 1, got {frames.shape}")
    times = _sample_times(frames.shape[0] / fps, every_s, max_frames)
    indices = np.clip(np.ceil(times * fps - 0.5), 0, frames.shape[0] - 1).astype(int)  # as a file is sampled
    yield from (frames[index] for index in dict.fromkeys(indices.tolist()))


def _decode_sampled(path: Path, every_s: float, max_frames: int, max_side: int | None = None) -> Iterator[np.ndarray]:
    """Decode a file as a stream and keep only the frames at the sampled times."""
    import av

    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError(f"{path.name} has no video stream")
        # PyAV's default slice threading: frame threading ("AUTO") keeps a frame per decoder thread,
        # each in its thread's own heap, which raised a 1080p upload's peak by 60 MB for no speed
        # (hashing, not decoding, is the time: 22.3 s against 21.2 s for 10 s of 1080p)
        stream = container.streams.video[0]
        rate = float(stream.average_rate or stream.guessed_rate or 24)
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration_s = container.duration / av.time_base
        else:
            duration_s = (stream.frames or 1) / rate
        start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        times = list(_sample_times(max(duration_s, 1 / rate), every_s, max_frames))
        last = None
        for index, frame in enumerate(container.decode(stream)):
            t = (frame.time - start) if frame.time is not None else index / rate
            while times and t + 0.5 / rate >= times[0]:
                times.pop(0)
                if last is not frame:  # one frame can cover several sample times in a low-rate clip
                    last = frame
                    scale = min(1.0, max_side / max(frame.width, frame.height)) if max_side else 1.0
                    yield frame.to_ndarray(format="rgb24", width=max(2, round(frame.width * scale)),
                                           height=max(2, round(frame.height * scale)))
            if not times:
                break
