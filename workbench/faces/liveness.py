"""Liveness of an enrollment clip: did a live person answer this challenge, on camera, in one take?

check_liveness(video, challenge, engine) decodes the clip (PyAV), samples frames at about 12 fps and
runs eight checks, each a Check with the numbers it was decided on:

one_face            every sampled frame has exactly one face (face engine)
challenge_followed  yaw per frame, from the face detector's five keypoints (steadier than dlib's
                    nose on turned faces): the nose tip's offset from the eyes' midpoint along the
                    eye line over the inter-ocular distance (> 0: nose towards image right, i.e. the
                    person's left in an unmirrored camera). The turn events (|yaw| >= TURN_YAW for
                    >= 2 samples; a dip under it that does not reach the front does not end one)
                    must be exactly the challenge's turns, in order, with a return to near frontal
                    (|yaw| <= FRONTAL_YAW) between them
blink               eye aspect ratio (Soukupova & Cech) drops below BLINK_RATIO x its frontal median
                    and recovers, after the last turn
one_identity        embeddings of up to 6 frontal frames spread over the clip are all the engine's
                    same_person with the first, and within IDENTITY_CONTINUITY x its threshold (one
                    continuous take of one person drifts far less than two people differ)
not_still           non-rigid landmark motion: the 68 points, similarity-aligned to their median
                    shape, must deform (90th percentile residual / inter-ocular) above a floor. A
                    photo, even a shaken one, only moves rigidly
not_replayed        no loop: a run of >= LOOP_RUN sampled frames with real motion in it that recurs
                    later with frame fingerprints far closer than the motion inside the run
digits_heard        pocketsphinx (en-us model, JSGF grammar of 4-6 digits) on the 16 kHz mono track;
                    the heard digits must be within DIGIT_EDITS edits of the challenge's
lips_in_sync        mouth opening (inner lips / mouth width) correlates with the audio's RMS envelope
                    at the frame times (best lag within +-0.2 s), around the speech

Expiry is the caller's concern (Challenge.expired). A file that cannot be decoded, or has no audio,
gives failed checks with the reason in the evidence; only a missing file raises.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from workbench.faces.alignment import landmarks68, similarity_align
from workbench.faces.challenge import Challenge, Check, LivenessResult
from workbench.faces.engine import FaceEngine

CHECKS = ("one_face", "challenge_followed", "blink", "one_identity", "not_still", "not_replayed",
          "digits_heard", "lips_in_sync")
SAMPLE_FPS = 12.0
MAX_SECONDS = 30.0
ASR_RATE = 16_000
#: a turn is |yaw| at least this (about 20 degrees on a real face, nose depth ~0.4 inter-ocular)
TURN_YAW = 0.15
#: near frontal: |yaw| at most this (about 8 degrees)
FRONTAL_YAW = 0.07
#: a blink: EAR below this fraction of the frontal median, then back above RECOVER_RATIO of it
BLINK_RATIO = 0.6
RECOVER_RATIO = 0.85
#: within one clip, frontal frames must stay within this fraction of the same-person threshold
IDENTITY_CONTINUITY = 0.75
#: non-rigid landmark motion floor (90th percentile residual over inter-ocular distance)
MOTION_FLOOR = 0.04
#: a loop: a run of this many sampled frames recurring at least LOOP_MIN_GAP_S later, its frames
#: matching with mean fingerprint distance below LOOP_MATCH_RATIO x the motion inside the run
LOOP_RUN = 6
LOOP_MIN_GAP_S = 1.0
LOOP_MATCH_RATIO = 0.25
#: tolerated edit distance between heard and asked digits (the recogniser misses ~1 digit in 2 clips
#: on synthetic speech; random other digits were >= 3 edits away in every trial)
DIGIT_EDITS = 1
#: the lips_in_sync correlation must reach this; the voice must be this loud (RMS) to count at all
SYNC_CORRELATION = 0.5
VOICE_RMS = 0.01
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass
class _Sample:
    time_s: float
    frame: np.ndarray
    faces: int = 0
    face: object = None
    points: np.ndarray | None = None
    features: dict = field(default_factory=dict)


def check_liveness(video_path: Path, challenge: Challenge, engine: FaceEngine) -> LivenessResult:
    """Run every liveness check on the clip (see the module docstring); never raises for a bad clip."""
    video_path = Path(video_path)
    if not video_path.exists():
        raise FileNotFoundError(video_path)
    started = time.perf_counter()
    try:
        samples, audio, rate = _decode(video_path)
    except Exception as error:  # noqa: BLE001 - any decoding failure is a failed enrollment
        reason = (f"could not decode the clip: {error}" if type(error) is ValueError
                  else f"could not decode the clip: it is not a video this app can read ({type(error).__name__})")
        return LivenessResult(tuple(Check(name, False, {"reason": reason}) for name in CHECKS), None, None)
    if len(samples) < 4:
        reason = f"the clip has {len(samples)} decodable frames"
        return LivenessResult(tuple(Check(name, False, {"reason": reason}) for name in CHECKS), None, None)

    for sample in samples:
        _landmarks(sample, engine)
    with_face = [s for s in samples if s.points is not None]
    if with_face:  # yaw relative to the clip's median pose: the camera is rarely dead ahead
        offset = float(np.median([s.features["yaw"] for s in with_face]))
        for s in with_face:
            s.features["raw_yaw"] = s.features["yaw"]
            s.features["yaw"] -= offset
    checks = [_one_face(samples)]
    checks.append(_challenge_followed(with_face, challenge))
    checks.append(_blink(with_face, checks[-1].evidence.get("last_turn_end_s")))
    identity, reference = _one_identity(with_face, engine)
    checks.append(identity)
    checks.append(_not_still(with_face))
    checks.append(_not_replayed(samples))
    checks.append(_digits_heard(audio, rate, challenge.digits))
    checks.append(_lips_in_sync(with_face, audio, rate))
    elapsed = time.perf_counter() - started
    checks = [Check(c.name, c.passed, {**c.evidence, "ms_per_frame": round(1000 * elapsed / len(samples), 1)})
              if c.name == "one_face" else c for c in checks]
    frame, embedding = reference if reference else (None, None)
    return LivenessResult(tuple(checks), frame, embedding)


def _decode(path: Path) -> tuple[list[_Sample], np.ndarray | None, int]:
    """Frames at about SAMPLE_FPS (by timestamp) and the audio as mono float32 at ASR_RATE (None: no audio)."""
    import av

    samples: list[_Sample] = []
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError("the file has no video track")
        stream = container.streams.video[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
        next_time = 0.0
        for frame in container.decode(stream):  # times from the clip's first frame, wherever it starts
            t = float(frame.time) - start if frame.time is not None else len(samples) / SAMPLE_FPS
            if t > MAX_SECONDS:
                break
            if t + 1e-3 >= next_time:
                samples.append(_Sample(t, frame.to_ndarray(format="rgb24")))
                next_time = t + 1.0 / SAMPLE_FPS - 0.25 / SAMPLE_FPS
    audio = None
    try:
        with av.open(str(path)) as container:
            if container.streams.audio:
                resampler = av.AudioResampler(format="flt", layout="mono", rate=ASR_RATE)
                chunks = [r.to_ndarray().reshape(-1) for f in container.decode(container.streams.audio[0])
                          for r in resampler.resample(f)]
                chunks += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
                audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    except Exception:  # noqa: BLE001 - a broken audio track is judged as no audio
        audio = None
    return samples, audio, ASR_RATE


def _landmarks(sample: _Sample, engine: FaceEngine) -> None:
    """Faces (engine), and for a single face its 68 points and the per-frame features."""
    faces = engine.detect(sample.frame)
    sample.faces = len(faces)
    if len(faces) != 1:
        return
    sample.face = faces[0]
    p = landmarks68(sample.frame, faces[0].bbox)
    sample.points = p
    left, right = p[36:42].mean(0), p[42:48].mean(0)
    axis = right - left
    iod = float(np.linalg.norm(axis))
    if iod < 1:
        sample.points = None
        return
    kps = np.asarray(faces[0].kps, np.float32)
    k_axis = kps[1] - kps[0]
    k_iod = max(float(np.linalg.norm(k_axis)), 1.0)
    sample.features = {
        "iod": iod,
        # the detector's five points: steadier than dlib's nose on turned faces
        "yaw": float(np.dot(kps[2] - (kps[0] + kps[1]) / 2, k_axis / k_iod) / k_iod),
        "eye_contrast": _eye_contrast(sample.frame, p),
        "ear": float((_ear(p[36:42]) + _ear(p[42:48])) / 2),
        "mouth": float(np.mean(np.linalg.norm(p[[61, 62, 63]] - p[[67, 66, 65]], axis=1))
                       / max(np.linalg.norm(p[54] - p[48]), 1.0)),
    }


def _eye_contrast(frame: np.ndarray, p: np.ndarray) -> float:
    """Luminance spread inside both eyes' boxes over that of the whole face: an open eye shows dark
    iris against white sclera, a closed one is lid skin."""
    gray = frame[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    spreads = []
    for eye in (p[36:42], p[42:48]):
        x1, y1 = np.floor(eye.min(0)).astype(int)
        x2, y2 = np.ceil(eye.max(0)).astype(int)
        box = gray[max(0, y1 - 1):max(0, y2 + 2), max(0, x1):max(0, x2 + 1)]
        spreads.append(float(box.std()) if box.size else 0.0)
    x1, y1 = np.floor(p.min(0)).astype(int)
    x2, y2 = np.ceil(p.max(0)).astype(int)
    face = gray[max(0, y1):max(0, y2), max(0, x1):max(0, x2)]
    return float(np.mean(spreads) / max(float(face.std()) if face.size else 1.0, 1.0))


def _ear(eye: np.ndarray) -> float:
    return float((np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4]))
                 / (2 * max(np.linalg.norm(eye[0] - eye[3]), 1.0)))


def _one_face(samples: list[_Sample]) -> Check:
    none = sum(s.faces == 0 for s in samples)
    many = sum(s.faces > 1 for s in samples)
    return Check("one_face", none == 0 and many == 0,
                 {"sampled_frames": len(samples), "frames_without_face": none, "frames_with_several": many})


def _challenge_followed(samples: list[_Sample], challenge: Challenge) -> Check:
    asked = [move for move in challenge.moves if move in ("turn_left", "turn_right")]
    if len(samples) < 4:
        return Check("challenge_followed", False, {"reason": "too few frames with one face", "asked": asked})
    yaw = np.array([s.features["yaw"] for s in samples])
    times = np.array([s.time_s for s in samples])
    events, frontal_between, start = [], [], None
    state = np.where(yaw >= TURN_YAW, 1, np.where(yaw <= -TURN_YAW, -1, 0))
    for i in range(len(state) + 1):
        current = state[i] if i < len(state) else 0
        if start is not None and current != state[start]:
            if i - start >= 2:
                events.append({"move": "turn_left" if state[start] > 0 else "turn_right",
                               "start_s": round(float(times[start]), 2), "end_s": round(float(times[i - 1]), 2),
                               "peak_yaw": round(float(yaw[start:i][np.argmax(np.abs(yaw[start:i]))]), 3),
                               "_start": start, "_end": i - 1})
            start = None
        if start is None and i < len(state) and current != 0:
            start = i
    events = _merge_unbroken_turns(events, yaw)
    for a, b in zip(events, events[1:]):
        frontal_between.append(bool(np.any(np.abs(yaw[a["_end"] + 1:b["_start"]]) <= FRONTAL_YAW)))
    done = [e["move"] for e in events]
    passed = done == asked and all(frontal_between)
    evidence = {"asked": asked, "detected": done, "frontal_between_turns": frontal_between,
                "events": [{k: v for k, v in e.items() if not k.startswith("_")} for e in events],
                "yaw_min": round(float(yaw.min()), 3), "yaw_max": round(float(yaw.max()), 3),
                "yaw_median": round(float(np.median(yaw)), 3), "turn_threshold": TURN_YAW,
                "frontal_threshold": FRONTAL_YAW,
                "last_turn_end_s": events[-1]["end_s"] if events else None}
    return Check("challenge_followed", passed, evidence)


def _merge_unbroken_turns(events: list[dict], yaw: np.ndarray) -> list[dict]:
    """One turn whose yaw dips under the threshold for a moment without the face coming back to the
    front is one turn, not two (a left turn read as left, left failed a live person 1 time in 2)."""
    merged: list[dict] = []
    for event in events:
        last = merged[-1] if merged else None
        if last and last["move"] == event["move"] and not np.any(np.abs(yaw[last["_end"] + 1:event["_start"]]) <= FRONTAL_YAW):
            span = yaw[last["_start"]:event["_end"] + 1]
            last.update(end_s=event["end_s"], _end=event["_end"], peak_yaw=round(float(span[np.argmax(np.abs(span))]), 3))
        else:
            merged.append(event)
    return merged


def _blink(samples: list[_Sample], after_s: float | None) -> Check:
    """Eyes shut then open again after the turns. Decided on the eyes' luminance contrast (see
    _eye_contrast); dlib's eye aspect ratio is reported alongside (on synthetic lids it barely moves)."""
    frontal = [s for s in samples if abs(s.features["yaw"]) <= 2 * FRONTAL_YAW]
    if len(frontal) < 4:
        return Check("blink", False, {"reason": "too few frontal frames"})
    baseline = float(np.median([s.features["eye_contrast"] for s in frontal]))
    ear_baseline = float(np.median([s.features["ear"] for s in frontal]))
    evidence = {"baseline_eye_contrast": round(baseline, 3), "threshold": round(BLINK_RATIO * baseline, 3),
                "baseline_ear": round(ear_baseline, 3), "after_s": after_s}
    if after_s is None:
        return Check("blink", False, {**evidence, "reason": "no head turn was seen, so no blink after the turns"})
    later = [s for s in frontal if s.time_s > after_s]
    if not later:
        return Check("blink", False, {**evidence, "reason": "no frontal frames after the turns"})
    values = np.array([s.features["eye_contrast"] for s in later])
    low = int(np.argmin(values))
    closed = values[low] < BLINK_RATIO * baseline
    opened_before = bool(np.any(values[:low] >= RECOVER_RATIO * baseline))
    recovered = bool(np.any(values[low + 1:] >= RECOVER_RATIO * baseline))
    evidence.update({"min_eye_contrast": round(float(values[low]), 3), "min_at_s": round(later[low].time_s, 2),
                     "min_ear": round(float(min(s.features["ear"] for s in later)), 3),
                     "open_before": opened_before, "recovered": recovered})
    return Check("blink", bool(closed and opened_before and recovered), evidence)


def _one_identity(samples: list[_Sample], engine: FaceEngine):
    frontal = [s for s in samples if abs(s.features["yaw"]) <= FRONTAL_YAW]
    if not frontal:
        return Check("one_identity", False, {"reason": "no frontal frame"}), None
    picks = [frontal[round(i)] for i in np.linspace(0, len(frontal) - 1, min(6, len(frontal)))]
    picks = list({id(s): s for s in picks}.values())
    vectors = [engine.embed(s.frame, s.face) for s in picks]
    distances = [engine.distance(vectors[0], v) for v in vectors[1:]]
    limit = IDENTITY_CONTINUITY * engine.threshold
    passed = all(engine.same_person(vectors[0], v) for v in vectors[1:]) and all(d <= limit for d in distances)
    best = min(range(len(picks)), key=lambda i: abs(picks[i].features["yaw"]))
    evidence = {"frames_compared": len(picks), "times_s": [round(s.time_s, 2) for s in picks],
                "distances": [round(d, 3) for d in distances], "max_distance": round(max(distances, default=0.0), 3),
                "same_person_threshold": round(engine.threshold, 3), "continuity_limit": round(limit, 3)}
    return Check("one_identity", passed, evidence), (picks[best].frame, vectors[best])


def _not_still(samples: list[_Sample]) -> Check:
    if len(samples) < 4:
        return Check("not_still", False, {"reason": "too few frames with one face"})
    shapes = np.stack([s.points for s in samples]).astype(np.float64)
    reference = np.median(shapes, axis=0)
    residuals = []
    for shape, s in zip(shapes, samples):
        aligned = similarity_align(shape, reference)
        residuals.append(float(np.mean(np.linalg.norm(aligned - reference, axis=1))) / s.features["iod"])
    p90 = float(np.percentile(residuals, 90))
    return Check("not_still", p90 > MOTION_FLOOR,
                 {"nonrigid_motion_p90": round(p90, 4), "nonrigid_motion_median": round(float(np.median(residuals)), 4),
                  "floor": MOTION_FLOOR})


def _fingerprint(frame: np.ndarray) -> np.ndarray:
    import cv2

    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    return (small - small.mean()) / (small.std() + 1e-6)


def _not_replayed(samples: list[_Sample]) -> Check:
    prints = np.stack([_fingerprint(s.frame) for s in samples]).reshape(len(samples), -1)
    times = np.array([s.time_s for s in samples])
    n = len(samples)
    distance = np.abs(prints[:, None, :] - prints[None, :, :]).mean(-1)
    step = np.array([distance[i, i + 1] for i in range(n - 1)])
    worst = {"ratio": None}
    for i in range(n - LOOP_RUN):
        motion = step[i:i + LOOP_RUN - 1].mean()
        if motion < 1e-3:
            continue
        for j in range(i + 1, n - LOOP_RUN + 1):
            if times[j] - times[i] < LOOP_MIN_GAP_S:
                continue
            match = float(np.mean([distance[i + k, j + k] for k in range(LOOP_RUN)]))
            ratio = match / motion
            if worst["ratio"] is None or ratio < worst["ratio"]:
                worst = {"ratio": ratio, "run_start_s": round(float(times[i]), 2),
                         "repeat_start_s": round(float(times[j]), 2), "match": match, "motion": float(motion)}
    looped = worst["ratio"] is not None and worst["ratio"] < LOOP_MATCH_RATIO
    evidence = {"run_frames": LOOP_RUN, "match_ratio_threshold": LOOP_MATCH_RATIO,
                "closest_repeat": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in worst.items()}}
    return Check("not_replayed", not looped, evidence)


def _new_decoder():
    """A decoder for one utterance. Each call gets its own (0.1 s and about 27 MB, against 0.3-1.2 s to
    decode a clip), so two enrollments at once (Streamlit serves every session from one process)
    decode side by side without sharing start_utt ... hyp state."""
    from pocketsphinx import Config, Decoder

    grammar = ("#JSGF V1.0;\ngrammar digits;\n<digit> = " + " | ".join(DIGIT_WORDS) + ";\n"
               "public <digits> = <digit> <digit> <digit> <digit> [<digit>] [<digit>];\n")
    decoder = Decoder(Config(samprate=ASR_RATE, logfn="/dev/null", lm=None))
    decoder.add_jsgf_string("digits", grammar)
    decoder.activate_search("digits")
    return decoder


def _digits_heard(audio: np.ndarray | None, rate: int, digits: str) -> Check:
    if audio is None or audio.size < rate // 2:
        return Check("digits_heard", False, {"reason": "the clip has no audio", "asked": digits})
    rms = float(np.sqrt(np.mean(audio ** 2)))
    loud = _envelope(audio, rate, np.arange(0, len(audio) / rate, 0.02)).max(initial=0.0)
    if loud < VOICE_RMS:
        return Check("digits_heard", False, {"reason": "no voice in the audio", "asked": digits, "heard": "",
                                             "peak_rms": round(float(loud), 4)})
    # a little dither: digital silence upsets the recogniser's noise estimate
    signal = audio * (0.5 / max(float(np.abs(audio).max()), 1e-6))
    signal = signal + 1e-3 * np.random.default_rng(0).standard_normal(len(signal)).astype(np.float32)
    pcm = (np.clip(signal, -1, 1) * 32767).astype(np.int16).tobytes()
    started = time.perf_counter()
    decoder = _new_decoder()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    words = hypothesis.hypstr.split() if hypothesis else []
    heard = "".join(str(DIGIT_WORDS.index(w)) for w in words if w in DIGIT_WORDS)
    edits = Levenshtein.distance(heard, digits)
    return Check("digits_heard", bool(heard) and edits <= DIGIT_EDITS,
                 {"asked": digits, "heard": heard, "edits": edits, "max_edits": DIGIT_EDITS,
                  "rms": round(rms, 4), "decode_ms": round(1000 * (time.perf_counter() - started), 1)})


def _envelope(audio: np.ndarray, rate: int, times: np.ndarray, window_s: float = 0.06) -> np.ndarray:
    half = int(window_s / 2 * rate)
    out = np.zeros(len(times))
    for k, t in enumerate(times):
        chunk = audio[max(0, int(t * rate) - half):int(t * rate) + half]
        out[k] = np.sqrt(np.mean(chunk ** 2)) if chunk.size else 0.0
    return out


def _lips_in_sync(samples: list[_Sample], audio: np.ndarray | None, rate: int) -> Check:
    if audio is None or audio.size < rate // 2:
        return Check("lips_in_sync", False, {"reason": "the clip has no audio"})
    if len(samples) < 6:
        return Check("lips_in_sync", False, {"reason": "too few frames with one face"})
    times = np.array([s.time_s for s in samples])
    mouth = np.array([s.features["mouth"] for s in samples])
    envelope = _envelope(audio, rate, times, 1.0 / SAMPLE_FPS)
    peak = float(envelope.max())
    if peak < VOICE_RMS:
        return Check("lips_in_sync", False, {"reason": "no voice in the audio", "peak_rms": round(peak, 4)})
    voiced = envelope > 0.2 * peak
    span = (times >= times[voiced].min() - 0.5) & (times <= times[voiced].max() + 0.5)
    best, best_lag = -1.0, 0
    lags = range(-int(0.2 * SAMPLE_FPS), int(0.2 * SAMPLE_FPS) + 1)
    for lag in lags:
        idx = np.nonzero(span)[0]
        idx = idx[(idx + lag >= 0) & (idx + lag < len(mouth))]
        a, b = mouth[idx + lag], envelope[idx]
        if len(idx) < 5 or a.std() < 1e-6 or b.std() < 1e-9:
            continue
        r = float(np.corrcoef(a, b)[0, 1])
        if r > best:
            best, best_lag = r, lag
    evidence = {"correlation": round(best, 3), "lag_s": round(best_lag / SAMPLE_FPS, 3),
                "threshold": SYNC_CORRELATION, "frames_in_speech": int(span.sum()),
                "mouth_opening_range": [round(float(mouth[span].min()), 3), round(float(mouth[span].max()), 3)]}
    return Check("lips_in_sync", best >= SYNC_CORRELATION, evidence)
