"""Deepfake detection: the shipped benchmark, face tracks, the detectors and the evaluation protocol,
on a small benchmark built once per test run (two camera takes per person)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from workbench.config import Settings
from workbench.media.codec import probe
from workbench.safety.deepfake import features
from workbench.safety.deepfake.benchmark import (
    FETCHED_PHOTOS, METHODS, PACKAGED_PEOPLE, TEST_PEOPLE, TRAIN_PEOPLE, BenchmarkConfig, _jobs, build_benchmark, camera_take,
    fetched_photo, frame_points, hull_mask, real_people, render_take,
)
from workbench.safety.deepfake.detectors import DETECTORS, load_detector, make_detector
from workbench.safety.deepfake.evaluation import Labelled, evaluate
from workbench.safety.deepfake.harness import detection_engine, shipped_benchmark, with_tracks
from workbench.safety.deepfake.tracks import extract_track, track_from_frames

pytestmark = pytest.mark.xdist_group("deepfake")
#: the tests film the seven packaged people (every fetched photo is checked by its own test); the
#: notebooks' test builds the same set
SMALL = BenchmarkConfig(clips_per_person=2, people=PACKAGED_PEOPLE)
#: the detectors that learn from fakes (fitted in seconds); the self-blended one has its own tests
LEARN_FROM_FAKES = tuple(name for name, kind in DETECTORS.items() if kind.needs_fakes)


@pytest.fixture(scope="module")
def settings(run_shared_dir):
    return Settings(data_dir=run_shared_dir / "data", deepfake_dir=run_shared_dir / "deepfake")


@pytest.fixture(scope="module")
def small(settings) -> Labelled:
    return with_tracks(shipped_benchmark(SMALL, settings=settings), settings=settings)


def test_the_benchmark_splits_by_identity_and_pairs_every_manipulation_with_a_real_take(small):
    videos = small.videos
    by_method = {m: [v for v in videos if v.method == m] for m in ("real", *METHODS)}
    people = len(PACKAGED_PEOPLE)
    assert {m: len(v) for m, v in by_method.items()} == {m: people * 2 for m in ("real", *METHODS)}
    assert all(v.label == (0 if v.method == "real" else 1) for v in videos)
    for video in videos:  # nobody appears on both sides: not the person filmed, not the face put in
        side = TRAIN_PEOPLE if video.split == "train" else TEST_PEOPLE
        if video.method != "generated":
            assert video.identity in side and (video.source_identity is None or video.source_identity in side)
    assert {v.source_identity is None for v in by_method["face_swap"]} == {False}
    assert {v.source_identity for v in by_method["reenactment"]} == {None}
    generated_people = {v.identity: v.split for v in by_method["generated"]}
    assert len(set(generated_people.values())) == 2
    real_names = {v.path.stem for v in by_method["real"]}
    for method in ("face_swap", "neural_swap", "reenactment"):  # NAME_TAKE[_DONOR]: the real take it came from
        assert all(v.path.stem[:len(v.identity) + 3] in real_names for v in by_method[method])


def test_every_real_person_is_found_in_a_checked_photo_and_a_person_lies_in_one_split():
    people = real_people()
    assert [p.identity for p in people] == list(TRAIN_PEOPLE + TEST_PEOPLE)
    assert len({p.identity for p in people}) == len(people) >= 16
    sides = {}
    for person in people:  # a whole face, wide enough to film at the benchmark's scale
        assert np.linalg.norm(person.points[16] - person.points[0]) > 70
        sides.setdefault(person.who or person.identity, set()).add(person.split)
    assert all(len(split) == 1 for split in sides.values()) and len(sides["Jesper"]) == 1
    assert real_people()[4].same_person(real_people()[5]) and not real_people()[4].same_person(real_people()[8])
    file, sha256, _ = FETCHED_PHOTOS["grace_hopper"]
    with pytest.raises(ValueError, match="sha256"):
        fetched_photo(file, "0" * 64)
    with pytest.raises(FileNotFoundError, match="setup.sh"):
        fetched_photo("kphotoalbum/nobody.jpg", sha256)


def test_a_swap_never_takes_its_donor_from_the_same_person():
    with pytest.raises(ValueError, match="two different people"):
        BenchmarkConfig(people=("jesper", "jesper_2", "t1_face_4", "t1_face_5"))
    jobs = _jobs(BenchmarkConfig(clips_per_person=3))
    who = {p.identity: p.who or p.identity for p in real_people()}
    swaps = [job for job in jobs if job.source_identity]
    assert swaps and all(who[job.source_identity] != who[job.identity] for job in swaps)
    assert {job.identity for job in jobs if job.method == "real"} == set(TRAIN_PEOPLE + TEST_PEOPLE)


def test_benchmark_clips_are_browser_playable_mp4(small):
    facts = probe(small.videos[0].path)
    assert facts["video_codec"] == "h264" and facts["pix_fmt"] == "yuv420p" and facts["audio_codec"] == "aac"
    assert (facts["width"], facts["height"]) == (SMALL.size, SMALL.size) and facts["frame_count"] == SMALL.frames


def test_a_manipulation_changes_the_face_and_leaves_the_rest_of_the_take_alone():
    person = real_people()[1]
    real, _ = render_take(person, None, None, [0, 1, 0], SMALL)
    take = camera_take(person, SMALL, np.random.default_rng([0, 1, 0]))
    donor = real_people()[0]
    for method, donor_or_none in (("face_swap", donor), ("neural_swap", donor), ("reenactment", None)):
        fake, _ = render_take(person, method, donor_or_none, [0, 1, 0], SMALL)
        difference = np.abs(np.asarray(fake, np.float32) - np.asarray(real, np.float32)).mean(axis=3)
        face = np.stack([cv2.dilate(hull_mask((SMALL.size, SMALL.size), frame_points(person, matrix)),
                                    np.ones((9, 9), np.uint8)) > 0 for matrix in take.paths])
        assert difference[face].mean() > 4 * difference[~face].mean() + 1, method
        assert difference[~face].mean() < 1.0, method  # the feathered edge of a blend


def test_a_take_is_the_same_for_the_same_seed_and_differs_for_another():
    person = real_people()[0]
    first, crf = render_take(person, "face_swap", real_people()[1], [3, 0, 1], SMALL)
    again, crf_again = render_take(person, "face_swap", real_people()[1], [3, 0, 1], SMALL)
    other, _ = render_take(person, "face_swap", real_people()[1], [4, 0, 1], SMALL)
    assert crf == crf_again and all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_a_built_benchmark_is_read_back_not_rebuilt(small, settings):
    folder = small.videos[0].path.parents[1]
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    assert build_benchmark(folder, SMALL) == list(small.videos)
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp
    with pytest.raises(ValueError, match="unknown methods"):
        BenchmarkConfig(methods=("face_swap", "morphing"))


def test_tracks_hold_the_fixed_frames_and_come_back_from_the_cache(small, settings, tmp_path):
    track = small.tracks[0]
    assert len(track) == track.sampled == 8 and track.crops.shape == (8, 224, 224, 3)
    assert track.points.shape == track.frame_points.shape == (8, 68, 2) and track.embeddings.shape == (3, 128)
    assert np.allclose(np.linalg.norm(track.embeddings, axis=1), 1.0, atol=1e-4)
    engine = detection_engine(settings)
    fresh = extract_track(small.videos[0].path, engine, cache_dir=tmp_path)
    cached = extract_track(small.videos[0].path, engine, cache_dir=tmp_path)
    assert np.array_equal(fresh.crops, track.crops) and np.array_equal(cached.points, fresh.points)
    four = extract_track(small.videos[0].path, engine, frames=4, cache_dir=tmp_path)
    assert len(four) == 4  # the frame count is part of the cache key


def test_a_video_without_a_face_cannot_be_scored(small, settings):
    blank = track_from_frames([np.full((128, 128, 3), 90, np.uint8)] * 3, detection_engine(settings))
    assert len(blank) == 0 and blank.sampled == 3
    detector = make_detector("blending").fit(small.tracks, [v.label for v in small.videos])
    assert np.isnan(detector.predict_proba([blank])[0, 1]) and detector.predict([blank])[0] == -1
    assert detector.predict_proba([small.tracks[0], blank]).shape == (2, 2)


def test_detectors_learn_on_people_they_never_see_and_not_from_shuffled_labels(small):
    report = evaluate(small, LEARN_FROM_FAKES, dataset="shipped")
    rows = report["results"]
    for name in LEARN_FROM_FAKES:
        protocols = {(r["protocol"], r["tested_on"]) for r in rows if r["detector"] == name}
        assert protocols == ({("in_method", m) for m in METHODS} | {("cross_method", m) for m in METHODS}
                             | {("all_methods", "all")})
    test_videos = sum(1 for v in small.videos if v.split == "test")
    everything = [r for r in rows if r["protocol"] == "all_methods"]
    assert all(r["video"]["n"] == test_videos and r["frame"]["n"] == 8 * test_videos for r in everything)
    mean_auc = np.mean([r["video"]["auc"] for r in everything])
    assert mean_auc > 0.7, everything
    assert set(report["summary"]) == set(LEARN_FROM_FAKES)
    # the same protocol with the labels shuffled inside the train split learns nothing
    rng = np.random.default_rng(0)
    train = [i for i, v in enumerate(small.videos) if v.split == "train"]
    shuffled = list(small.videos)
    for i, j in zip(train, rng.permutation(train)):
        shuffled[i] = small.videos[i].__class__(**{**small.videos[i].__dict__, "label": small.videos[j].label,
                                                  "method": small.videos[j].method})
    control = evaluate(Labelled(tuple(shuffled), small.tracks), LEARN_FROM_FAKES, dataset="shuffled")
    control_auc = np.mean([r["video"]["auc"] for r in control["results"] if r["protocol"] == "all_methods"])
    assert control_auc < 0.65 < 0.7 < mean_auc, (control_auc, mean_auc)


def test_a_saved_detector_loads_as_json_and_scores_the_same(small, tmp_path):
    labels = [v.label for v in small.videos]
    for name in LEARN_FROM_FAKES:
        detector = make_detector(name, C=0.5).fit(small.tracks, labels)
        path = detector.save(tmp_path / f"{name}.json", note="test")
        loaded = load_detector(path)
        assert loaded.C == 0.5 and loaded.about_ == {"note": "test"}
        assert np.allclose(loaded.predict_proba(small.tracks[:6]), detector.predict_proba(small.tracks[:6]))
        assert json.loads(path.read_text())["detector"] == name
    with pytest.raises(ValueError, match="not fitted"):
        make_detector("frequency").predict_proba(small.tracks[:1])
    with pytest.raises(ValueError, match="made by the frequency detector"):
        make_detector("temporal").fit(make_detector("frequency").featurize(small.tracks[:4]), labels[:4])
    with pytest.raises(ValueError, match="real \\(0\\) and fake \\(1\\)"):
        make_detector("frequency").fit(small.tracks[:2], [1, 1])
    with pytest.raises(ValueError, match="unknown detector"):
        make_detector("xception")
    (tmp_path / "other.json").write_text('{"format": 99}')
    with pytest.raises(ValueError, match="not a saved detector"):
        load_detector(tmp_path / "other.json")


def test_the_shipped_detectors_load_and_score_the_benchmark(small):
    from workbench.safety.deepfake.harness import load_detectors

    shipped = load_detectors()
    assert set(LEARN_FROM_FAKES) <= set(shipped) <= set(DETECTORS)
    test = [i for i, v in enumerate(small.videos) if v.split == "test"]
    for detector in shipped.values():
        auc = detector.score([small.tracks[i] for i in test], [small.videos[i].label for i in test])
        assert auc > 0.6, (detector.name, auc)


def test_the_spectrum_sees_what_upsampling_removes():
    rng = np.random.default_rng(0)
    sharp = rng.normal(128, 40, (128, 128))
    upsampled = np.kron(sharp[::2, ::2], np.ones((2, 2)))
    a, b = features.azimuthal_spectrum(sharp), features.azimuthal_spectrum(upsampled)
    assert a.shape == (features.SPECTRUM_BINS,) and a.min() == 0.0 and a.max() == 1.0
    # white noise is flat; upsampled, it falls off towards the Nyquist frequency
    assert abs(a[:8].mean() - a[-8:].mean()) < 0.15
    assert b[:8].mean() - b[-8:].mean() > 0.3 and b[-1] == 0.0


def test_the_temporal_measures_see_jitter_and_drift_but_not_smooth_motion():
    line = np.linspace(0, 1, 8)[:, None] * np.ones((8, 6))
    assert np.allclose(features._off_path(line), 0.0)
    jittered = line + np.random.default_rng(1).normal(0, 0.05, line.shape)
    assert features._off_path(jittered).mean() > 0.02
    same = np.tile(np.eye(4)[0], (3, 1))
    assert features._identity_drift(same) == [0.0, 0.0]
    assert features._identity_drift(np.eye(4)[:3])[0] == pytest.approx(np.sqrt(2))


def test_detect_eval_reads_a_faceforensics_tree_and_reports_cross_dataset(small, settings, tmp_path):
    """`workbench detect eval --dataset` on a folder laid out as FaceForensics++ (the small benchmark's
    files linked into original_sequences/ and manipulated_sequences/)."""
    root = tmp_path / "FaceForensics++"
    people = {p: f"{i:03d}" for i, p in enumerate(TRAIN_PEOPLE + TEST_PEOPLE)}
    numbered = {}
    for video in small.videos:
        if video.method == "generated":
            continue
        take = video.path.stem[len(video.identity) + 1:][:2]
        target = f"{int(people[video.identity]) * 10 + int(take):03d}"
        if video.method == "real":
            folder, name = root / "original_sequences/youtube/c23/videos", target
        else:
            source = f"{int(people[video.source_identity or video.identity]) * 10 + int(take) + 1:03d}"
            folder = root / "manipulated_sequences" / {"face_swap": "FaceSwap", "neural_swap": "Deepfakes",
                                                        "reenactment": "Face2Face"}[video.method] / "c23/videos"
            name = f"{target}_{source}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.mp4").symlink_to(video.path)
        numbered[name] = video
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_DEEPFAKE_DIR": str(settings.deepfake_dir)}
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "detect", "eval", "--dataset", str(root), "--clips", "2",
                          "--workers", "1", "--people", ",".join(PACKAGED_PEOPLE), "--detector", "blending", "--no-robustness", "--save", str(tmp_path / "saved"), "--json"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    # --save keeps the detector this run fitted on every method, with the figures it printed
    saved = load_detector(tmp_path / "saved" / "blending.json")
    assert saved.about_["dataset"] == str(root) and saved.calibration_ is not None
    assert saved.about_["figures"]["cross_method_video_auc"] == report["summary"]["blending"]["cross_method_video_auc"]
    assert report["dataset"] == "FaceForensics++" and report["videos"]["total"] == len(numbered)
    protocols = {(r["protocol"], r["tested_on"]) for r in report["results"]}
    assert {("in_method", "Deepfakes"), ("cross_method", "FaceSwap"), ("cross_dataset", "Face2Face"),
            ("cross_dataset", "all")} <= protocols
    assert all(r["detector"] == "blending" for r in report["results"])
    missing = subprocess.run([sys.executable, "-m", "workbench.cli", "detect", "eval", "--dataset", str(tmp_path / "nope"),
                              "--clips", "2", "--workers", "1", "--json"], env=env, capture_output=True, text=True,
                             timeout=600)
    assert missing.returncode == 1 and "nope" in json.loads(missing.stdout)["error"]
    unknown = subprocess.run([sys.executable, "-m", "workbench.cli", "detect", "eval", "--detector", "xception", "--json"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 1 and "unknown detector xception" in json.loads(unknown.stdout)["error"]


def test_a_fitted_detector_scores_as_scikit_learns_pipeline_does():
    """The fitted numbers score frames as the scaler and logistic regression they came from."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from workbench.safety.deepfake.detectors import FeatureSet

    rng = np.random.default_rng(3)
    frames = tuple(rng.normal(label, 1.0 + label, (5, 4)) * [1, 10, 0.1, 100] for label in (0, 1) * 6)
    labels = [0, 1] * 6
    detector = make_detector("frequency", C=0.3).fit(FeatureSet("frequency", frames), labels)
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, class_weight="balanced", max_iter=5000))
    reference.fit(np.concatenate(frames), np.repeat(labels, 5))
    ours = detector.predict_frame_proba(FeatureSet("frequency", frames))
    assert np.allclose(np.concatenate(ours), reference.predict_proba(np.concatenate(frames))[:, 1], atol=1e-9)


def test_scoring_with_the_shipped_detectors_does_not_import_scikit_learn():
    """The output scan scores every clip with a face; scikit-learn (about 140 MB) is for training. The
    scan's choice is made on the saved figures: a detector not chosen (the self-blended one, whose
    loading imports torch) is never loaded."""
    code = ("import sys, numpy as np\n"
            "from workbench.safety.deepfake.harness import load_detectors\n"
            "from workbench.safety.deepfake.detectors import FeatureSet\n"
            f"chosen = load_detectors(choice='{','.join(LEARN_FROM_FAKES)}')\n"
            "for name, detector in chosen.items():\n"
            "    size = detector.model_.coef.size\n"
            "    assert detector.predict_proba(FeatureSet(name, (np.zeros((3, size)),))).shape == (1, 2)\n"
            "print(sorted(chosen))\n"
            "print(sorted(load_detectors(choice='best')))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'torch')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=120)
    assert done.returncode == 0, done.stderr
    chosen, best, imported = done.stdout.strip().splitlines()
    from workbench.safety.deepfake.detectors import saved_unseen_auc
    from workbench.safety.deepfake.harness import SHIPPED_DETECTORS

    highest = max(SHIPPED_DETECTORS.glob("*.json"), key=saved_unseen_auc).stem
    assert chosen == str(sorted(LEARN_FROM_FAKES)) and best == str([highest]) and highest in LEARN_FROM_FAKES
    assert imported == "[]"


# --- the self-blended detector, calibration and robustness ------------------------------------------

#: a short training: enough to learn blending boundaries on the small benchmark's 96 real faces
QUICK = {"steps": 240, "batch": 16, "width": 8}


def test_a_self_blend_mask_follows_the_face():
    from workbench.safety.deepfake.self_blended import (
        INPUT,
        blend_mask,
        network_inputs,
        self_blend,
    )

    person = real_people()[0]
    frames, _ = render_take(person, None, None, [0, 0, 0], SMALL)
    track = track_from_frames(frames[:2], detection_engine(Settings()))
    images, points = network_inputs(track.crops, track.points)
    assert images.shape == (2, INPUT, INPUT, 3) and points.shape == (2, 68, 2)
    rng = np.random.default_rng(0)
    mask = blend_mask(images.shape[1:3], points[0], rng)
    assert mask.max() == pytest.approx(1.0) and 0.0 < mask.mean() < 0.7
    hull = hull_mask(images.shape[1:3], points[0]) > 0
    assert mask[hull].mean() > 5 * mask[~hull].mean()
    # inside the face the pixels come from the shifted, jittered copy (the frame around it may be either)
    changed = np.abs(self_blend(images[0], points[0], rng).astype(int) - images[0]).sum(axis=2) > 0
    assert changed[hull].mean() > 0.5


def test_the_self_blended_detector_never_sees_a_fake_and_beats_a_shuffled_control(small, tmp_path):
    """Trained on the small benchmark's real training clips only (the fakes are handed over and never
    read), it ranks the test split's fakes of every method above its real clips; the same training with
    the real / self-blended labels shuffled learns nothing."""
    from workbench.safety.deepfake.detectors import FeatureSet

    train = [i for i, v in enumerate(small.videos) if v.split == "train"]
    test = [i for i, v in enumerate(small.videos) if v.split == "test"]
    features = make_detector("self_blended").featurize(small.tracks)

    class Unreadable:
        def __len__(self):
            raise AssertionError("a fake was read")

    handed = FeatureSet("self_blended", tuple(features.frames[i] if small.videos[i].label == 0 else Unreadable()
                                              for i in train))
    detector = make_detector("self_blended", **QUICK).fit(handed, [small.videos[i].label for i in train])
    control = make_detector("self_blended", **QUICK, shuffled_labels=True).fit(handed, [small.videos[i].label for i in train])
    labels = [small.videos[i].label for i in test]
    auc = detector.score(features.subset(test), labels)
    control_auc = control.score(features.subset(test), labels)
    assert auc > control_auc + 0.15 and auc > 0.7, (auc, control_auc)
    assert detector.training_.steps == QUICK["steps"]

    path = detector.save(tmp_path / "self_blended.json", note="test")
    payload = json.loads(path.read_text())
    assert payload["weights"] == "self_blended.safetensors" and (tmp_path / "self_blended.safetensors").exists()
    loaded = load_detector(path)
    assert np.allclose(loaded.video_scores(features.subset(test)), detector.video_scores(features.subset(test)), atol=1e-6)
    assert loaded.about_ == {"note": "test"}
    weights = tmp_path / "self_blended.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + bytes(8))
    with pytest.raises(ValueError, match="not the weights"):
        load_detector(path)
    with pytest.raises(ValueError, match="real \\(0\\) videos"):
        make_detector("self_blended", **QUICK).fit(features.subset(train[:3]), [1, 1, 1])


def test_calibrated_scores_are_probabilities_fitted_on_held_out_videos(small, tmp_path):
    """evaluate() fits each detector's calibration on one held-out half and reports its error on the
    other; the saved detector keeps the map, and the scan's choice of detector follows the figures."""
    from workbench.safety.deepfake.harness import load_detectors, train_detectors

    fitted, report = train_detectors(small, ("blending", "temporal"), out_dir=tmp_path, benchmark="small")
    for name in ("blending", "temporal"):
        row = report["calibration"][name]
        assert row["method"] == "platt" and row["fitted_on"] > 5 and row["checked_on"] > 5
        assert 0.0 <= row["ece"] <= 1.0 and sum(bin_["n"] for bin_ in row["reliability"]) == row["checked_on"]
        detector = fitted[name]
        raw = detector.video_scores(small.tracks)
        calibrated = detector.predict_proba(small.tracks)[:, 1]
        assert not np.allclose(raw, calibrated)
        assert (np.diff(calibrated[np.argsort(raw)]) >= -1e-12).all()  # the same ranking
        saved = load_detector(tmp_path / f"{name}.json")
        assert np.allclose(saved.predict_proba(small.tracks), detector.predict_proba(small.tracks))
        assert saved.about_["figures"]["cross_method_video_auc"] == report["summary"][name]["cross_method_video_auc"]
        assert saved.about_["figures"]["ece"] == row["ece"]
    best = max(("blending", "temporal"), key=lambda name: report["summary"][name]["cross_method_video_auc"])
    assert list(load_detectors(tmp_path, "best")) == [best]
    assert set(load_detectors(tmp_path, "all")) == {"blending", "temporal"}
    assert list(load_detectors(tmp_path, "temporal")) == ["temporal"]
    with pytest.raises(ValueError, match="no saved detector xception"):
        load_detectors(tmp_path, "xception")


def test_robustness_rows_come_from_perturbed_copies_of_the_test_videos(small, settings):
    from workbench.media.codec import probe as facts_of
    from workbench.safety.deepfake.harness import perturbed_tests
    from workbench.safety.deepfake.perturbations import PERTURBATIONS, perturbed_copy

    source = small.videos[0].path
    small_copy = perturbed_copy(source, PERTURBATIONS["downscale"], settings.resolved_deepfake_dir() / "perturbed")
    assert facts_of(small_copy)["width"] == SMALL.size // 2 and facts_of(small_copy)["video_codec"] == "h264"
    assert perturbed_copy(source, PERTURBATIONS["downscale"], settings.resolved_deepfake_dir() / "perturbed") == small_copy
    compressed = perturbed_copy(source, PERTURBATIONS["crf45"], settings.resolved_deepfake_dir() / "perturbed")
    assert compressed.stat().st_size < source.stat().st_size

    # a dozen of the test videos (six real, six fake) and a train video: copies are made of the test ones only
    test = [i for i, v in enumerate(small.videos) if v.split == "test"]
    few = [i for i in test if small.videos[i].label == 0][:6] + [i for i in test if small.videos[i].label == 1][:6]
    few.append(next(i for i, v in enumerate(small.videos) if v.split == "train"))
    perturbed = perturbed_tests(Labelled(tuple(small.videos[i] for i in few), tuple(small.tracks[i] for i in few)),
                                ("crf45",), settings=settings)
    assert [v.label for v in perturbed["crf45"].videos] == [small.videos[i].label for i in few[:-1]]
    report = evaluate(small, ("blending",), perturbed=perturbed, dataset="shipped")
    rows = {row["perturbation"]: row for row in report["robustness"]}
    assert set(rows) == {"none", "crf45"} and rows["none"]["videos"] == len(test)
    assert rows["crf45"]["videos"] == 12
    assert 0.0 <= rows["crf45"]["video_auc"] <= 1.0 and rows["crf45"]["video_auc"] != rows["none"]["video_auc"]
