"""Liveness checks on synthetic enrollment clips (synthetic people only, see synthetic_enrollment):
a live answer passes every check, each attack fails the check meant to catch it, and a bad file gives a
failed result rather than an exception. espeak-ng is required (the project's setup installs it)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from workbench.faces.challenge import Challenge
from workbench.faces.engine import FaceEngine, shared_engine
from workbench.faces.liveness import CHECKS, check_liveness
from workbench.faces.synthetic_enrollment import ATTACKS, espeak_available

pytestmark = pytest.mark.xdist_group("liveness")

#: fixed digits and voice, so the recogniser's result is reproducible (its accuracy varies by voice)
NOW = datetime.now(timezone.utc)
CHALLENGE = Challenge(("turn_right", "turn_left", "blink"), "40917", NOW, NOW + timedelta(minutes=5))
#: the check(s) each attack must fail
CAUGHT_BY = {"still_photo": {"not_still", "challenge_followed"}, "looped": {"not_replayed"},
             "other_person_halfway": {"one_identity"}, "wrong_digits": {"digits_heard"},
             "silence": {"digits_heard", "lips_in_sync"}}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> FaceEngine:
    return shared_engine(tmp_path_factory.mktemp("face_models"), det_size=(320, 320))


@pytest.fixture(scope="module")
def results(engine: FaceEngine, tmp_path_factory: pytest.TempPathFactory, enrollment_clips) -> dict:
    if not espeak_available():
        pytest.fail("espeak-ng is not installed (apt-get install -y espeak-ng); the liveness tests need it "
                    "to speak the challenge digits", pytrace=False)
    folder = tmp_path_factory.mktemp("enrollment")
    out = {}
    for attack in ATTACKS:
        path = enrollment_clips(folder / f"{attack or 'live'}.mp4", CHALLENGE, person=0, attack=attack,
                                voice="en-us+f5")
        out[attack] = check_liveness(path, CHALLENGE, engine)
    return out


def test_a_live_enrollment_passes_every_check(results: dict) -> None:
    result = results[None]
    assert [check.name for check in result.checks] == list(CHECKS)
    assert result.passed, {check.name: check.evidence for check in result.checks if not check.passed}
    assert result.reference_frame is not None and result.reference_frame.ndim == 3
    assert result.embedding is not None and result.embedding.shape == (128,)
    evidence = {check.name: check.evidence for check in result.checks}
    assert evidence["challenge_followed"]["detected"] == ["turn_right", "turn_left"]
    assert evidence["lips_in_sync"]["correlation"] >= 0.5
    assert evidence["digits_heard"]["heard"]


@pytest.mark.parametrize("attack", sorted(CAUGHT_BY))
def test_each_attack_fails_the_check_that_catches_it(results: dict, attack: str) -> None:
    result = results[attack]
    assert not result.passed
    assert CAUGHT_BY[attack] <= set(result.failed) if attack == "silence" else CAUGHT_BY[attack] & set(result.failed), \
        (attack, result.failed)


def test_still_photo_fails_on_motion(results: dict) -> None:
    assert "not_still" in results["still_photo"].failed


def test_expiry_is_the_callers_concern(engine: FaceEngine, tmp_path: Path, enrollment_clips) -> None:
    """An expired challenge is judged on the clip alone; the caller checks Challenge.expired."""
    expired = Challenge(CHALLENGE.moves, CHALLENGE.digits, NOW - timedelta(hours=1), NOW - timedelta(minutes=55))
    assert expired.expired()
    path = enrollment_clips(tmp_path / "live.mp4", expired, person=0, attack=None, voice="en-us+f5")
    assert check_liveness(path, expired, engine).passed


def test_a_corrupt_file_gives_a_failed_result(engine: FaceEngine, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    result = check_liveness(broken, CHALLENGE, engine)
    assert not result.passed and set(result.failed) == set(CHECKS)
    assert all("reason" in check.evidence for check in result.checks)
    assert result.reference_frame is None and result.embedding is None


def test_a_file_without_pictures_says_so(engine: FaceEngine, tmp_path: Path) -> None:
    """It said "IndexError: tuple index out of range"."""
    import av
    import numpy as np

    sound = tmp_path / "voice.m4a"
    with av.open(str(sound), mode="w", format="mp4") as output:
        stream = output.add_stream("aac", rate=48_000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 48_000), np.float32), format="flt", layout="mono")
        frame.sample_rate, frame.pts = 48_000, 0
        output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    result = check_liveness(sound, CHALLENGE, engine)
    assert {check.evidence["reason"] for check in result.checks} == {"could not decode the clip: the file has no video track"}


def test_a_clip_whose_timestamps_start_late_is_read_from_its_first_frame(
        results: dict, engine: FaceEngine, tmp_path: Path, enrollment_clips) -> None:
    """A recording whose first frame is stamped 30 s was read as one frame (everything past 30 s is cut)."""
    import av

    live = enrollment_clips(tmp_path / "live.mp4", CHALLENGE, person=0, attack=None, voice="en-us+f5")
    late = tmp_path / "late.mp4"
    with av.open(str(live)) as source, av.open(str(late), mode="w", format="mp4") as output:
        streams = {stream.index: output.add_stream_from_template(stream) for stream in source.streams}
        for packet in source.demux():
            if packet.dts is None:
                continue
            shift = round(30 / packet.time_base)
            packet.pts, packet.dts = packet.pts + shift, packet.dts + shift
            packet.stream = streams[packet.stream.index]
            output.mux(packet)
    with av.open(str(late)) as container:
        assert container.streams.video[0].start_time * container.streams.video[0].time_base >= 29
    assert check_liveness(late, CHALLENGE, engine).passed == results[None].passed


def test_a_missing_file_raises(engine: FaceEngine, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        check_liveness(tmp_path / "nothing.mp4", CHALLENGE, engine)


def test_digits_heard_in_threads_at_once_match_one_at_a_time() -> None:
    """Streamlit serves every session from one process (each check makes its own speech decoder): two
    enrollments checked at once must hear what each would hear alone."""
    from concurrent.futures import ThreadPoolExecutor

    from workbench.faces.liveness import _digits_heard
    from workbench.faces.synthetic_enrollment import SAMPLE_RATE, speak

    asked = ["40917", "28365", "71520", "93048"]
    spoken = [speak(digits, voice="en-us+f5") for digits in asked]
    alone = [_digits_heard(audio, SAMPLE_RATE, digits).evidence["heard"] for audio, digits in zip(spoken, asked)]
    with ThreadPoolExecutor(max_workers=len(asked)) as pool:
        for _ in range(3):
            together = list(pool.map(lambda pair: _digits_heard(*pair).evidence["heard"],
                                     [(audio, SAMPLE_RATE, digits) for audio, digits in zip(spoken, asked)]))
            assert together == alone


def test_a_turn_that_dips_under_the_threshold_without_facing_front_is_one_turn() -> None:
    """Person 0's left turn read as two left turns (a one-sample dip to 0.13 yaw), so a live person
    failed 1 time in 2: a turn only ends when the face comes back to the front."""
    from workbench.faces.liveness import _challenge_followed, _Sample

    def followed(yaws: list[float]) -> dict:
        samples = [_Sample(time_s=i / 6, frame=None, features={"yaw": yaw}) for i, yaw in enumerate(yaws)]
        check = _challenge_followed(samples, Challenge(("turn_left", "turn_right", "blink"), "1234", NOW, NOW))
        return {"passed": check.passed, "detected": check.evidence["detected"]}

    assert followed([0, 0, .2, .22, .13, .24, .2, 0, 0, -.3, -.3, 0, 0]) == {
        "passed": True, "detected": ["turn_left", "turn_right"]}
    assert followed([0, 0, .2, .22, 0, .24, .2, 0, 0, -.3, -.3, 0, 0]) == {  # two turns, the face front between
        "passed": False, "detected": ["turn_left", "turn_left", "turn_right"]}
