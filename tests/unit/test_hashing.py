"""Re-upload matching: PDQ frame hashes survive re-encodes, resizes, noise, trims, flips and letterboxing,
and a different clip does not match."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import encode_like_a_reuploader, resize_frames
from workbench.media.backend import GenerationRequest
from workbench.media.codec import encode_mp4, read_frames
from workbench.media.procedural import ProceduralBackend
from workbench.safety.hashing import (
    DIHEDRAL_TRANSFORMS, LIBRARY_EVERY_S, LIBRARY_MAX_FRAMES, MATCH_DISTANCE, QUALITY_FLOOR, ReuploadMatch,
    clip_hashes, frame_hash, frame_hash_dihedral, hamming, match_clip, trim_borders, variant_names,
)

WIDTH, HEIGHT, SECONDS, FPS = 180, 320, 2.0, 24
ORIGINAL_ID = 7


def generate(prompt: str, seed: int):
    return ProceduralBackend().generate(GenerationRequest(prompt=prompt, seed=seed, duration_s=SECONDS,
                                                          width=WIDTH, height=HEIGHT, fps=FPS))






@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reupload")


@pytest.fixture(scope="module")
def published(folder) -> Path:
    """The clip as it was published (and later removed)."""
    path = folder / "original.mp4"
    encode_mp4(generate("a cat chasing a laser in space", 1), path)
    return path


@pytest.fixture(scope="module")
def frames(published) -> np.ndarray:
    """What a re-uploader downloads and edits: the published file's decoded frames."""
    return read_frames(published)


@pytest.fixture(scope="module")
def library(published) -> dict[int, np.ndarray]:
    return {ORIGINAL_ID: clip_hashes(published, every_s=LIBRARY_EVERY_S, max_frames=LIBRARY_MAX_FRAMES)}


def query(path: Path) -> np.ndarray:
    return clip_hashes(path, dihedral=True, letterbox=True)


# --- hamming ------------------------------------------------------------------------------------------

def test_hamming_identical_is_zero_and_complement_is_256():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 256, size=(3, 32), dtype=np.uint8)
    distances = hamming(hashes, hashes)
    assert distances.shape == (3, 3)
    assert np.all(np.diag(distances) == 0)
    assert np.all(hamming(hashes, ~hashes).diagonal() == 256)


def test_hamming_counts_bits_like_a_naive_count():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(4, 32), dtype=np.uint8)
    b = rng.integers(0, 256, size=(5, 32), dtype=np.uint8)
    naive = np.array([[int(np.unpackbits(x ^ y).sum()) for y in b] for x in a])
    assert np.array_equal(hamming(a, b), naive)
    one_bit = a[0].copy()
    one_bit[17] ^= 0b0001_0000
    assert hamming(a[:1], one_bit[None]).tolist() == [[1]]
    assert hamming(rng.integers(0, 256, size=(2, 8, 32), dtype=np.uint8), b).shape == (2, 8, 5)
    with pytest.raises(ValueError):
        hamming(a[:, :16], b)


# --- frame hashes -------------------------------------------------------------------------------------

def test_frame_hash_is_packed_256_bits_with_quality(frames):
    packed, quality = frame_hash(frames[10])
    assert packed.shape == (32,) and packed.dtype == np.uint8
    assert quality >= QUALITY_FLOOR
    assert np.array_equal(frame_hash(frames[10].copy())[0], packed)  # deterministic
    variants, dihedral_quality = frame_hash_dihedral(frames[10])
    assert variants.shape == (8, 32) and dihedral_quality == quality
    assert np.array_equal(variants[0], packed)
    assert np.unique(variants, axis=0).shape[0] == 8  # a rotated or flipped frame hashes differently


@pytest.mark.parametrize(("transform", "apply"), [
    ("rotate_90_cw", lambda f: np.rot90(f, -1)), ("rotate_180", lambda f: np.rot90(f, 2)),
    ("rotate_90_ccw", lambda f: np.rot90(f, 1)), ("flip_vertical", lambda f: f[::-1]),
    ("flip_horizontal", lambda f: f[:, ::-1]), ("transpose", lambda f: f.transpose(1, 0, 2)),
    ("anti_transpose", lambda f: np.rot90(f, 2).transpose(1, 0, 2)),
])
def test_each_dihedral_variant_exactly_undoes_its_transform(transform, apply, frames):
    """Exact even at 180 px wide, where pdqhash.compute_dihedral's own flips are ~30 bits off."""
    original = frame_hash(frames[10])[0]
    variants, _ = frame_hash_dihedral(apply(frames[10]))
    assert hamming(variants[DIHEDRAL_TRANSFORMS.index(transform)], original).item() == 0
    assert hamming(variants[0], original).item() > 3 * MATCH_DISTANCE


def test_flat_frame_has_low_quality_and_bad_input_is_rejected():
    assert frame_hash(np.full((64, 64, 3), 40, np.uint8))[1] < QUALITY_FLOOR
    with pytest.raises(ValueError):
        frame_hash(np.zeros((64, 64), np.uint8))
    with pytest.raises(ValueError):
        frame_hash(np.zeros((64, 64, 3), np.float32))


def test_clip_hashes_shapes_and_sampling(published, frames):
    plain = clip_hashes(published)
    assert plain.shape == (4, 32) and plain.dtype == np.uint8  # 2 s, one frame every 0.5 s
    assert clip_hashes(published, dihedral=True).shape == (4, 8, 32)
    assert clip_hashes(published, letterbox=True).shape == (4, 2, 32)
    assert clip_hashes(published, dihedral=True, letterbox=True).shape == (4, 16, 32)
    assert len(variant_names(dihedral=True, letterbox=True)) == 16
    assert clip_hashes(published, every_s=0.1, max_frames=6).shape == (6, 32)
    # an array of frames with its fps samples the same frames as the file
    assert np.array_equal(clip_hashes(frames, fps=FPS), plain)
    with pytest.raises(ValueError):
        clip_hashes(frames)  # fps missing


def test_clip_hashes_of_a_clip_object_match_its_encoded_file(published):
    raw = clip_hashes(generate("a cat chasing a laser in space", 1))
    assert raw.shape == (4, 32)
    assert hamming(raw, clip_hashes(published)).diagonal().max() <= 12  # only CRF 23 in between


def test_flat_frames_are_skipped():
    flat = np.full((10, 64, 64, 3), 90, np.uint8)
    assert clip_hashes(flat, fps=10).shape == (0, 32)
    assert clip_hashes(flat, fps=10, dihedral=True).shape == (0, 8, 32)
    assert match_clip(clip_hashes(flat, fps=10), {1: np.zeros((3, 32), np.uint8)}) is None


def test_trim_borders_cuts_letterbox_bars_and_leaves_plain_frames_alone(frames):
    textured = np.random.default_rng(2).integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
    assert trim_borders(textured) is textured
    for content in (textured, frames[5]):
        boxed = np.zeros((HEIGHT + 80, WIDTH + 40, 3), np.uint8)
        boxed[40:40 + HEIGHT, 20:20 + WIDTH] = content
        assert np.array_equal(trim_borders(boxed), content)  # the bars go, and nothing else


# --- re-uploads ---------------------------------------------------------------------------------------

def _reencode_low_quality(frames, path):
    return encode_like_a_reuploader(frames[np.arange(0, len(frames), 24 / 15).astype(int)], 15, path, crf=40)


def _resize_half(frames, path):
    return encode_like_a_reuploader(resize_frames(frames, WIDTH // 2, HEIGHT // 2), FPS, path)


def _resize_up(frames, path):
    return encode_like_a_reuploader(resize_frames(frames, WIDTH * 2, HEIGHT * 2), FPS, path)


def _noise(frames, path):
    noisy = frames + np.random.default_rng(3).normal(0, 8, frames.shape)
    return encode_like_a_reuploader(np.clip(noisy, 0, 255).astype(np.uint8), FPS, path)


def _start_cut(frames, path):
    return encode_like_a_reuploader(frames[7:], FPS, path)  # 0.29 s trimmed off: the samples fall between the original's


def _mirror(frames, path):
    return encode_like_a_reuploader(frames[:, :, ::-1], FPS, path)


def _letterbox(frames, path):
    """Portrait clip pillarboxed into a square frame, black bars left and right (70 px each)."""
    canvas = np.zeros((len(frames), HEIGHT, HEIGHT, 3), np.uint8)
    canvas[:, :, 70:70 + WIDTH] = frames
    return encode_like_a_reuploader(canvas, FPS, path)


@pytest.mark.parametrize(("edit", "transform"), [
    (_reencode_low_quality, "none"), (_resize_half, "none"), (_resize_up, "none"), (_noise, "none"),
    (_start_cut, "none"), (_mirror, "flip_horizontal"), (_letterbox, "letterbox"),
])
def test_edited_reupload_matches_the_original(edit, transform, frames, folder, library):
    path = edit(frames, folder / f"{edit.__name__}.mp4")
    found = match_clip(query(path), library)
    assert isinstance(found, ReuploadMatch)
    assert found.id == ORIGINAL_ID and found.transform == transform
    assert found.fraction >= 0.5 and found.median_distance <= MATCH_DISTANCE


@pytest.mark.parametrize("edit", [_mirror, _letterbox])
def test_mirrored_or_letterboxed_upload_needs_the_variants(edit, frames, folder, library):
    path = edit(frames, folder / f"{edit.__name__}-plain.mp4")
    assert match_clip(clip_hashes(path), library) is None


def test_identical_upload_matches_at_distance_zero(published, library):
    found = match_clip(query(published), library)
    assert found == ReuploadMatch(id=ORIGINAL_ID, fraction=1.0, median_distance=0.0, transform="none")


@pytest.mark.parametrize(("prompt", "seed"), [
    ("a cat chasing a laser in space", 2),  # same prompt, another seed
    ("a calm sunset over the ocean with boats", 1),
    ("breaking news: robots win the election", 1),
])
def test_a_different_clip_does_not_match(prompt, seed, folder, library):
    path = folder / f"other-{seed}-{len(prompt)}.mp4"
    encode_mp4(generate(prompt, seed), path)
    hashes = query(path)
    assert hashes.shape[0] == 4
    assert match_clip(hashes, library) is None
    assert hamming(hashes, library[ORIGINAL_ID]).min() > MATCH_DISTANCE  # not a single frame, in any variant


# --- match_clip ---------------------------------------------------------------------------------------

def test_match_clip_picks_the_closest_library_clip_and_respects_min_fraction(published, library):
    other = clip_hashes(generate("a spooky haunted house at midnight", 4), every_s=LIBRARY_EVERY_S)
    upload = clip_hashes(published)
    as_pairs = [(1, other), (ORIGINAL_ID, library[ORIGINAL_ID])]
    assert match_clip(upload, as_pairs).id == ORIGINAL_ID
    assert match_clip(upload, {1: other}) is None
    # half the upload's frames from the original, half from elsewhere
    mixed = np.concatenate([upload[:2], clip_hashes(generate("a spooky haunted house at midnight", 9))[:2]])
    assert match_clip(mixed, library).fraction == 0.5
    assert match_clip(mixed, library, min_fraction=0.75) is None
    assert match_clip(upload[:0], library) is None
    assert match_clip(upload, {}) is None


def test_match_clip_rejects_malformed_hashes(library):
    with pytest.raises(ValueError):
        match_clip(np.zeros((3, 5, 32), np.uint8), library)
    with pytest.raises(ValueError):
        match_clip(np.zeros((3, 32), np.uint8), {1: np.zeros((3, 8, 32), np.uint8)})


def test_transform_names_follow_pdq_dihedral_order():
    assert variant_names() == ("none",)
    assert variant_names(dihedral=True) == DIHEDRAL_TRANSFORMS
    assert variant_names(letterbox=True) == ("none", "letterbox")
    assert variant_names(dihedral=True, letterbox=True)[8 + 5] == "letterbox+flip_horizontal"


def test_importing_the_module_does_not_load_pdqhash():
    import subprocess
    import sys

    code = "import sys, workbench.safety.hashing; assert 'pdqhash' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
