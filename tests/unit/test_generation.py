"""The procedural backend, the mood classifier and MP4 storage: determinism, variety, browser-ready files."""
from __future__ import annotations

import dataclasses
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from workbench.media.backend import CameoIdentity, RenderedClip, GenerationRequest, split_shots
from workbench.media.codec import encode_mp4, probe, read_frames, write_content_addressed
from workbench.media.moods import classify_prompt, default_mood, mood, mood_names
from workbench.media.procedural import SAMPLE_RATE, ProceduralBackend

BACKEND = ProceduralBackend()


def generate(prompt: str = "a cat chasing a laser in space", **fields) -> RenderedClip:
    return BACKEND.generate(GenerationRequest(prompt=prompt, seed=fields.pop("seed", 7), **fields))


@pytest.fixture(scope="module")
def clip() -> RenderedClip:
    return generate()


def top_level_boxes(path: Path) -> list[str]:
    """MP4 box types in file order, reading only the 8- or 16-byte box headers."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        offset += size if size else len(data)
    return boxes


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute pixel difference, in int16 so uint8 subtraction cannot wrap around."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def files_under(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


# --- moods -------------------------------------------------------------------------------------------------

def test_classify_prompt_finds_every_matching_mood_most_hits_first() -> None:
    moods = classify_prompt("a cat chasing a laser in space")
    assert set(moods) == {"animals", "scifi"}
    assert moods[0] == "scifi"  # two hits (laser, space) beat one (cat)


def test_classify_prompt_matches_whole_words_and_phrases_case_insensitively() -> None:
    assert classify_prompt("A ROAD  TRIP through the desert") == ("travel",)
    assert classify_prompt("category theory for catalogue writers") == (default_mood(),)  # no "cat" inside words
    assert classify_prompt("my dog's birthday") == ("animals",)


def test_classify_prompt_falls_back_to_the_default_mood() -> None:
    assert classify_prompt("") == (default_mood(),)
    assert classify_prompt("quarterly spreadsheet reconciliation") == (default_mood(),)
    assert default_mood() in mood_names()


def test_mood_lookup_returns_a_copy_and_rejects_unknown_names() -> None:
    mood("news")["palette"].clear()
    assert len(mood("news")["palette"]) == 3
    with pytest.raises(ValueError, match="unknown mood"):
        mood("grumpy")


# --- procedural backend ------------------------------------------------------------------------------------

def test_same_request_gives_identical_frames_and_audio(clip: RenderedClip) -> None:
    again = generate()
    assert np.array_equal(clip.frames, again.frames)
    assert np.array_equal(clip.audio, again.audio)
    assert clip.metadata == again.metadata


def test_seed_changes_the_clip(clip: RenderedClip) -> None:
    other = generate(seed=8)
    assert mean_abs_diff(clip.frames[::8], other.frames[::8]) > 5


def test_different_prompts_of_the_same_mood_look_clearly_different() -> None:
    a = generate("a calm lake at dawn", moods=("relaxing",))
    b = generate("gentle rain on a cozy window", moods=("relaxing",))
    assert mean_abs_diff(a.frames[::8], b.frames[::8]) > 10


def test_time_of_day_lights_the_scene() -> None:
    """Night is dark and blue, a sunset warm, the day bright: the sky's mean colour over its top fifth."""
    sky = {time: generate(f"a meadow at {time}", duration_s=0.5).frames[0][:128].reshape(-1, 3).mean(0)
           for time in ("noon", "sunset", "night")}
    assert sky["noon"].mean() > sky["sunset"].mean() > sky["night"].mean() + 20
    red, _, blue = sky["night"]
    assert blue > red + 15
    red, _, blue = sky["noon"]
    assert blue > red + 40


def test_frames_have_the_requested_shape_dtype_and_count(clip: RenderedClip) -> None:
    assert clip.frames.shape == (96, 640, 360, 3) and clip.frames.dtype == np.uint8
    small = generate(duration_s=2.5, fps=12, width=128, height=256)
    assert small.frames.shape == (30, 256, 128, 3)
    assert small.duration_s == pytest.approx(2.5)


def test_frames_move(clip: RenderedClip) -> None:
    assert mean_abs_diff(clip.frames[0], clip.frames[48]) > 1


def test_audio_matches_duration_is_audible_and_sounds_the_mood_tone(clip: RenderedClip) -> None:
    audio = clip.audio
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert clip.sample_rate == SAMPLE_RATE == 48_000
    assert len(audio) == round(clip.duration_s * SAMPLE_RATE)
    assert np.abs(audio).max() <= 1.0
    assert np.sqrt(np.mean(audio ** 2)) > 0.05
    spectrum = np.abs(np.fft.rfft(audio))
    peak_hz = np.fft.rfftfreq(len(audio), 1 / SAMPLE_RATE)[spectrum.argmax()]
    assert peak_hz == pytest.approx(mood(clip.metadata["moods"][0])["tone_hz"], rel=0.02)


def test_metadata_and_progress_are_reported() -> None:
    updates: list[tuple[float, str]] = []
    request = GenerationRequest(prompt="jazz piano night", seed=3, duration_s=1.0)
    result = BACKEND.generate(request, lambda fraction, message: updates.append((fraction, message)))
    assert result.metadata["backend"] == "procedural"
    assert result.metadata["moods"] == ["music"] and result.metadata["seed"] == 3
    fractions = [fraction for fraction, _ in updates]
    assert len(fractions) >= 3 and fractions == sorted(fractions) and fractions[-1] == 1.0


# a backend refuses what it cannot render (no frame at all); how long a clip may be is a setting, checked
# by the services (tests/db/test_services.py)
@pytest.mark.parametrize("change", [
    {"width": 361}, {"height": 32}, {"fps": 0}, {"fps": 61}, {"duration_s": 0.02}, {"duration_s": -1.0},
    {"moods": ("grumpy",)}, {"moods": ("relaxing", "grumpy")},
])
def test_invalid_requests_are_rejected(change: dict) -> None:
    with pytest.raises(ValueError):
        generate(**change)


# --- media -------------------------------------------------------------------------------------------------

def test_encode_mp4_writes_a_browser_ready_file(clip: RenderedClip, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    encode_mp4(clip, path)
    info = probe(path)
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (360, 640)
    assert info["fps"] == 24 and info["frame_count"] == 96
    assert info["duration_s"] == pytest.approx(4.0, abs=0.05)
    assert info["audio_sample_rate"] == 48_000
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart: the index comes first
    decoded = read_frames(path)
    assert decoded.shape == clip.frames.shape
    assert mean_abs_diff(decoded[::8], clip.frames[::8]) < 6  # colours survive (no RGB/BGR mixup)
    assert files_under(tmp_path) == [path]


def test_write_content_addressed_is_idempotent(clip: RenderedClip, tmp_path: Path) -> None:
    first = write_content_addressed(clip, tmp_path / "media")
    second = write_content_addressed(clip, tmp_path / "media")
    path, sha256, is_new = first
    assert second.path == path and second.sha256 == sha256
    assert (is_new, second.is_new) == (True, False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    assert path == tmp_path / "media" / sha256[:2] / f"{sha256}.mp4"
    assert files_under(tmp_path) == [path]  # one file, no temporary leftovers


def test_failing_encode_leaves_no_files(clip: RenderedClip, tmp_path: Path) -> None:
    odd = dataclasses.replace(clip, frames=np.zeros((4, 640, 361, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="even"):
        encode_mp4(odd, tmp_path / "odd.mp4")
    with pytest.raises(ValueError, match="even"):
        write_content_addressed(odd, tmp_path / "media")
    assert files_under(tmp_path) == []


def test_failure_after_video_was_written_keeps_the_old_file_and_no_temp(clip: RenderedClip, tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"previous version")
    broken_audio = dataclasses.replace(clip, audio=np.zeros((2, 2, 2), dtype=np.float32))
    with pytest.raises(ValueError):
        encode_mp4(broken_audio, target)
    assert target.read_bytes() == b"previous version"
    assert files_under(tmp_path) == [target]


# --- shots, objects, remixes, cameos --------------------------------------------------------------------------

def test_each_shot_is_its_own_scene_with_a_cut_and_a_new_tone() -> None:
    prompt = "a calm ocean at sunset | a DJ set with neon lights"
    clip = generate(prompt, shots=split_shots(prompt), duration_s=2.0)
    cut = clip.metadata["cuts"][0]
    assert clip.metadata["shots"] == 2 and cut == clip.frames.shape[0] // 2
    within = mean_abs_diff(clip.frames[cut - 2], clip.frames[cut - 1])
    across = mean_abs_diff(clip.frames[cut - 1], clip.frames[cut])
    assert across > 5 * within + 10
    assert clip.metadata["moods"] == ["relaxing", "music"]

    def dominant_hz(samples: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(samples))
        return float(np.fft.rfftfreq(samples.size, 1 / SAMPLE_RATE)[spectrum.argmax()])

    half = clip.audio.size // 2
    first, second = clip.audio[half // 4: half - half // 4], clip.audio[half + half // 4: -half // 4]
    assert abs(dominant_hz(first) - mood("relaxing")["tone_hz"]) < 5
    assert abs(dominant_hz(second) - mood("music")["tone_hz"]) < 8


def test_the_prompts_subjects_are_drawn() -> None:
    with_cat = generate("a quiet evening with a cat", duration_s=1.0)
    with_rocket = generate("a quiet evening with a rocket", duration_s=1.0)
    drawn = [[s["glyph"] for s in clip.metadata["storyboard"]["shots"][0]["subjects"]] for clip in (with_cat, with_rocket)]
    assert drawn == [["🐈"], ["🚀"]]
    assert mean_abs_diff(with_cat.frames[0], with_rocket.frames[0]) > 2


def test_a_remix_keeps_its_parents_scene_and_a_new_subject_takes_the_old_ones_place() -> None:
    parent = generate("a fox napping in autumn leaves under the moon", duration_s=1.0)
    unrelated = generate("a jazz band on a rooftop at night", duration_s=1.0)
    restyled = generate("as a tiny toy diorama", duration_s=1.0, parent=parent)
    assert restyled.metadata["remix_mode"] == "parent_scene"

    def correlation(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a.astype(np.float32).ravel(), b.astype(np.float32).ravel())[0, 1])

    assert correlation(restyled.frames[10], parent.frames[10]) > 0.6
    assert correlation(restyled.frames[10], parent.frames[10]) > correlation(restyled.frames[10], unrelated.frames[10]) + 0.2

    recast = generate("but it is raining cats", duration_s=1.0, parent=parent)
    assert recast.metadata["remix_mode"] == "new_subject"
    shot, parent_shot = recast.metadata["storyboard"]["shots"][0], parent.metadata["storyboard"]["shots"][0]
    names = [s["name"] for s in shot["subjects"]]
    assert names[0] == "cat" and "fox" not in names and "fallen leaves" in names  # the cat in the fox's place
    assert (shot["scene"], shot["time_of_day"]) == (parent_shot["scene"], parent_shot["time_of_day"])
    assert "rain" in shot["weather"]


def test_a_cameo_face_is_composited_large_and_upright() -> None:
    face = np.zeros((120, 100, 3), np.uint8)
    face[:, :50] = (200, 30, 30)   # a two-tone test card: its left half red, its right half blue
    face[:, 50:] = (30, 30, 200)
    clip = generate("a walk in the park", duration_s=1.0, cameos=(CameoIdentity("ana", face),))
    assert clip.metadata["cameos"] == ["ana"]
    frame = clip.frames[0].astype(np.int16)
    centre_y, centre_x = round(640 * 0.36), 180
    left, right = frame[centre_y, centre_x - 30], frame[centre_y, centre_x + 30]
    assert left[0] > left[2] + 100 and right[2] > right[0] + 100
    faceless = generate("a walk in the park", duration_s=1.0, cameos=(CameoIdentity("ben", None),))
    assert faceless.metadata["cameos"] == []
