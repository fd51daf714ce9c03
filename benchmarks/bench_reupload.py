"""Re-upload matching: which edits of a removed clip still match it (PDQ frame hashes), and what hashing costs.

Run: .venv/bin/python benchmarks/bench_reupload.py [--seconds 4] [--width 360] [--height 640]
For a handful of procedural clips (different prompts and seeds) each clip is encoded, then edited the
way a re-uploader would (re-encoded worse and at another frame rate, resized, noised, cropped,
letterboxed, mirrored, rotated, trimmed) and encoded again. Each edited file is hashed as a query
(every 0.5 s, with the dihedral and letterbox variants) and matched against a library of all the
original clips (hashed every 0.1 s; the "library every 0.5 s" column hashes them like queries).

Distances are, per query frame, the distance to the nearest frame of its own original (bits of 256;
31 is PDQ's match threshold), pooled over all clips. "plain" uses the hashes of the frames as
uploaded; "variants" those of the variant (rotation or flip undone, letterbox bars cut) that
match_clip picked for the whole clip. The unrelated row compares every clip with every other one;
there "matched" counts false matches. Prints markdown tables and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from itertools import permutations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from tests.helpers import encode_like_a_reuploader, resize_frames  # noqa: E402
from workbench.media.backend import GenerationRequest  # noqa: E402
from workbench.media.codec import encode_mp4, read_clip  # noqa: E402
from workbench.media.procedural import ProceduralBackend  # noqa: E402
from workbench.safety.hashing import (  # noqa: E402
    LIBRARY_EVERY_S, LIBRARY_MAX_FRAMES, MATCH_DISTANCE, clip_hashes, frame_hash, frame_hash_dihedral, hamming,
    match_clip, trim_borders, variant_names,
)

CLIPS = [
    ("a cat chasing a laser in space", 1),
    ("a cat chasing a laser in space", 2),  # same prompt, another seed
    ("a calm sunset over the ocean with boats", 1),
    ("a spooky haunted house at midnight", 7),
    ("breaking news: robots win the election", 3),
    ("a cheerful birthday party with balloons", 5),
]






def crop(frames: np.ndarray, fraction: float) -> np.ndarray:
    """Cut `fraction` of the width and of the height away (half on each side), scaled back to size."""
    height, width = frames.shape[1:3]
    dy, dx = round(height * fraction / 2), round(width * fraction / 2)
    return resize_frames(frames[:, dy:height - dy, dx:width - dx], width, height)


def letterbox(frames: np.ndarray) -> np.ndarray:
    """The clip fitted, aspect kept, into a frame of the swapped orientation, with black bars."""
    height, width = frames.shape[1:3]
    scale = min(height / width, width / height)
    small = resize_frames(frames, round(width * scale), round(height * scale))
    canvas = np.zeros((len(frames), width, height, 3), np.uint8)
    top, left = (width - small.shape[1]) // 2, (height - small.shape[2]) // 2
    canvas[:, top:top + small.shape[1], left:left + small.shape[2]] = small
    return canvas


def edits(frames: np.ndarray, fps: int, folder: Path, seed: int) -> dict[str, Path]:
    """Every edited upload of one clip, encoded to a file."""
    height, width = frames.shape[1:3]
    rng = np.random.default_rng(seed)
    noisy = np.clip(frames + rng.normal(0, 8, frames.shape), 0, 255).astype(np.uint8)
    fewer = frames[np.arange(0, len(frames), fps / 15).astype(int)]  # re-timed to 15 fps
    return {
        "re-encode CRF 40 at 15 fps": encode_like_a_reuploader(fewer, 15, folder / "crf40.mp4", crf=40),
        "resize to half": encode_like_a_reuploader(resize_frames(frames, width // 2, height // 2), fps, folder / "half.mp4"),
        "resize up 1.5x": encode_like_a_reuploader(resize_frames(frames, width * 3 // 2, height * 3 // 2), fps, folder / "up.mp4"),
        "gaussian noise (sigma 8)": encode_like_a_reuploader(noisy, fps, folder / "noise.mp4"),
        "crop 5% (2.5% off each side)": encode_like_a_reuploader(crop(frames, 0.05), fps, folder / "crop5.mp4"),
        "crop 10% (5% off each side)": encode_like_a_reuploader(crop(frames, 0.10), fps, folder / "crop10.mp4"),
        "crop 20% (10% off each side)": encode_like_a_reuploader(crop(frames, 0.20), fps, folder / "crop20.mp4"),
        "letterbox (into swapped orientation)": encode_like_a_reuploader(letterbox(frames), fps, folder / "letterbox.mp4"),
        "first 0.3 s cut off": encode_like_a_reuploader(frames[round(0.3 * fps):], fps, folder / "cut.mp4"),
        "horizontal flip": encode_like_a_reuploader(frames[:, :, ::-1], fps, folder / "flip.mp4"),
        "rotate 90° counter-clockwise": encode_like_a_reuploader(np.rot90(frames, 1, axes=(1, 2)), fps, folder / "rot90.mp4"),
    }


def row(name: str, plain: list[int], best: list[int], plain_hits: int, hits: int, total: int,
        transforms: set[str]) -> dict:
    return {"case": name, "plain_median": statistics.median(plain), "plain_max": max(plain),
            "variants_median": statistics.median(best), "variants_max": max(best),
            "plain_matched": f"{plain_hits}/{total}", "variants_matched": f"{hits}/{total}",
            "transform": ", ".join(sorted(transforms)) or "-"}


def timing(width: int, height: int, seconds: float) -> dict:
    clip = ProceduralBackend().generate(GenerationRequest(prompt="a cat chasing a laser in space", seed=1,
                                                          duration_s=seconds, width=width, height=height))
    frames = clip.frames[:24]
    results = {}
    for name, function in (("frame_hash", frame_hash), ("frame_hash_dihedral", frame_hash_dihedral),
                           ("trim_borders", trim_borders)):
        function(frames[0])
        start = time.perf_counter()
        for frame in frames:
            function(frame)
        results[name] = (time.perf_counter() - start) / len(frames) * 1000
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "clip.mp4"
        encode_mp4(clip, path)
        for label, options in (("query, plain", {}),
                               ("query, dihedral+letterbox", {"dihedral": True, "letterbox": True}),
                               ("library, every 0.1 s", {"every_s": LIBRARY_EVERY_S,
                                                         "max_frames": LIBRARY_MAX_FRAMES})):
            start = time.perf_counter()
            hashes = clip_hashes(path, **options)
            results[f"clip_hashes file, {label} ({len(hashes)} frames)"] = (time.perf_counter() - start) * 1000
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=640)
    parser.add_argument("--library-every", type=float, default=LIBRARY_EVERY_S,
                        help="seconds between hashed frames of library clips (queries: every 0.5 s)")
    args = parser.parse_args()

    backend = ProceduralBackend()
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        library: dict[int, np.ndarray] = {}
        sparse: dict[int, np.ndarray] = {}  # library clips hashed like queries, every 0.5 s
        queries: dict[str, dict[int, np.ndarray]] = {}
        for clip_id, (prompt, seed) in enumerate(CLIPS):
            clip = backend.generate(GenerationRequest(prompt=prompt, seed=seed, duration_s=args.seconds,
                                                      width=args.width, height=args.height))
            original = folder / f"clip{clip_id}.mp4"
            encode_mp4(clip, original)
            library[clip_id] = clip_hashes(original, every_s=args.library_every, max_frames=LIBRARY_MAX_FRAMES)
            sparse[clip_id] = clip_hashes(original)
            decoded = read_clip(original)  # edits start from the published file, as a re-uploader's would
            work = folder / f"edits{clip_id}"
            work.mkdir()
            queries.setdefault("identical", {})[clip_id] = clip_hashes(original, dihedral=True, letterbox=True)
            for name, path in edits(decoded.frames, decoded.fps, work, seed=clip_id).items():
                queries.setdefault(name, {})[clip_id] = clip_hashes(path, dihedral=True, letterbox=True)

    names = variant_names(dihedral=True, letterbox=True)
    rows = []
    for name, by_clip in queries.items():
        plain, best, transforms = [], [], set()
        plain_hits = hits = sparse_hits = 0
        for clip_id, query in by_clip.items():
            nearest = hamming(query, library[clip_id]).min(axis=-1)  # (frames, variants)
            plain += nearest[:, 0].tolist()
            own = match_clip(query, {clip_id: library[clip_id]}, min_fraction=0.0)  # the variant it would pick
            best += nearest[:, names.index(own.transform)].tolist()
            found = match_clip(query, library)
            hits += found is not None and found.id == clip_id
            sparse_found = match_clip(query, sparse)
            sparse_hits += sparse_found is not None and sparse_found.id == clip_id
            plain_found = match_clip(query[:, 0], library)
            plain_hits += plain_found is not None and plain_found.id == clip_id
            if found is not None and found.id == clip_id:
                transforms.add(found.transform)
        rows.append(row(name, plain, best, plain_hits, hits, len(by_clip), transforms))
        rows[-1]["sparse_matched"] = f"{sparse_hits}/{len(by_clip)}"

    # unrelated: every ordered pair of different clips, the identical upload of one against the other alone
    plain, best, plain_hits, hits, sparse_hits, pairs = [], [], 0, 0, 0, 0
    for a, b in permutations(library, 2):
        query = queries["identical"][a]
        nearest = hamming(query, library[b]).min(axis=-1)
        plain += nearest[:, 0].tolist()
        best += nearest.min(axis=1).tolist()
        plain_hits += match_clip(query[:, 0], {b: library[b]}) is not None
        hits += match_clip(query, {b: library[b]}) is not None
        sparse_hits += match_clip(query, {b: sparse[b]}) is not None
        pairs += 1
    unrelated = row("unrelated clips (all pairs)", plain, best, plain_hits, hits, pairs, set())
    unrelated["plain_min"], unrelated["variants_min"] = min(plain), min(best)
    unrelated["sparse_matched"] = f"{sparse_hits}/{pairs}"
    rows.append(unrelated)

    print(f"{len(CLIPS)} procedural clips, {args.seconds:g} s at {args.width}x{args.height}; library clips hashed "
          f"every {args.library_every:g} s ({len(library[0])} frames), queries every 0.5 s ({len(sparse[0])} frames); "
          f"match = distance <= {MATCH_DISTANCE} on >= 50% of query frames")
    print()
    print("| case | median dist (plain) | max dist (plain) | median dist (variants) | max dist (variants) "
          "| matched, plain query | matched, with variants | same, library every 0.5 s | transform reported |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['case']} | {r['plain_median']:g} | {r['plain_max']} | {r['variants_median']:g} | "
              f"{r['variants_max']} | {r['plain_matched']} | {r['variants_matched']} | {r['sparse_matched']} "
              f"| {r['transform']} |")
    print(f"\nunrelated pairs: smallest frame distance {unrelated['plain_min']} (plain), "
          f"{unrelated['variants_min']} (best of 16 variants); for unrelated rows 'matched' counts false matches")

    times = timing(args.width, args.height, args.seconds)
    print(f"\n| hashing at {args.width}x{args.height} | ms |")
    print("|---|---:|")
    for name, value in times.items():
        label = f"{name} of a {args.seconds:g} s file, decoding included" if name.startswith("clip_hashes") \
            else f"{name}, per frame"
        print(f"| {label} | {value:.1f} |")
    print(json.dumps({"benchmark": "reupload", "seconds": args.seconds, "width": args.width, "height": args.height,
                      "library_every_s": args.library_every, "clips": len(CLIPS), "rows": rows,
                      "timing_ms": {k: round(v, 3) for k, v in times.items()}}))


if __name__ == "__main__":
    main()
