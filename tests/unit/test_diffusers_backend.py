"""The diffusers backend on tiny random-weight Wan and LTX-2 pipelines: CPU only, offline, a few seconds.

The pipelines are real diffusers classes saved to disk and loaded back through
``DiffusionPipeline.from_pretrained``, so the loading, seeding, sizing, audio, remix and encoding
paths are the ones a GPU run takes; only the weights (and therefore the pictures) are meaningless.
"""
from __future__ import annotations

import hashlib
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import huggingface_hub.constants  # noqa: E402
import torch  # noqa: E402  (the test extra installs it: a missing torch must fail, not skip)

from workbench.media.backend import CameoIdentity, RenderedClip, GenerationRequest  # noqa: E402
from workbench.media.diffusers_backend import (  # noqa: E402
    SAMPLE_RATE, DiffusersBackend, video_to_video_pipeline_for)
from workbench.media.codec import encode_mp4, probe  # noqa: E402
from workbench.media.tiny_pipelines import build_tiny_ltx2, build_tiny_wan  # noqa: E402

pytestmark = pytest.mark.xdist_group("diffusers")

STEPS = 4


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The suite runs on two workers of a two-core machine: one thread each, no oversubscription."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_wan(tmp_path_factory) -> Path:
    return build_tiny_wan(tmp_path_factory.mktemp("tiny-wan"))


@pytest.fixture(scope="session")
def tiny_ltx2(tmp_path_factory) -> Path:
    return build_tiny_ltx2(tmp_path_factory.mktemp("tiny-ltx2"))


@pytest.fixture(scope="module")
def wan(tiny_wan) -> DiffusersBackend:
    return DiffusersBackend(model=tiny_wan, device="cpu", num_inference_steps=STEPS, local_files_only=True)


@pytest.fixture(scope="module")
def ltx2(tiny_ltx2) -> DiffusersBackend:
    return DiffusersBackend(model=tiny_ltx2, device="cpu", num_inference_steps=STEPS, local_files_only=True)


def request(prompt: str = "a robot dancing on the street", **fields) -> GenerationRequest:
    """88x72 is a multiple of neither 16 (Wan) nor 32 (LTX-2): every clip exercises the round-and-crop path."""
    defaults = {"seed": 7, "duration_s": 1.0, "width": 72, "height": 88, "fps": 12}
    return GenerationRequest(prompt=prompt, **{**defaults, **fields})


def test_importing_the_backend_does_not_import_torch() -> None:
    code = ("import sys, workbench.media.diffusers_backend; "
            "print(sorted({'torch', 'diffusers', 'transformers'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_wan_clip_has_the_requested_shape_and_a_silent_track(wan: DiffusersBackend, tiny_wan: Path) -> None:
    clip = wan.generate(request())

    assert clip.frames.shape == (12, 88, 72, 3) and clip.frames.dtype == np.uint8
    assert clip.fps == 12 and clip.duration_s == pytest.approx(1.0)
    assert clip.frames.std() > 0  # decoded pixels, not a placeholder fill
    assert clip.sample_rate == SAMPLE_RATE and clip.audio.dtype == np.float32
    assert clip.audio.shape == (SAMPLE_RATE,) and not clip.audio.any()
    meta = clip.metadata
    assert meta["audio"] == "silent"
    assert (meta["backend"], meta["model"], meta["pipeline"]) == ("diffusers", str(tiny_wan), "WanPipeline")
    assert (meta["device"], meta["dtype"], meta["steps"], meta["seed"]) == ("cpu", "float32", STEPS, 7)
    assert meta["remix_mode"] is None and meta["cameo_mode"] == "none"
    assert set(meta["timings"]) == {"load_s", "generate_s"}


def test_the_same_seed_gives_the_same_clip_and_another_seed_another(wan: DiffusersBackend) -> None:
    first, again, other = (wan.generate(request(seed=seed)) for seed in (11, 11, 12))

    np.testing.assert_array_equal(first.frames, again.frames)
    assert not np.array_equal(first.frames, other.frames)


def test_progress_rises_step_by_step_to_one(wan: DiffusersBackend) -> None:
    reports: list[tuple[float, str]] = []
    wan.generate(request(shots=("a cat", "a dog")), lambda fraction, message: reports.append((fraction, message)))

    fractions = [fraction for fraction, _ in reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(earlier < later for earlier, later in zip(fractions, fractions[1:]))
    assert sum("step" in message for _, message in reports) == 2 * STEPS


def test_each_shot_is_its_own_segment_joined_by_a_hard_cut(wan: DiffusersBackend) -> None:
    """Shot n is what its prompt gives alone with seed + n, for its share of the duration."""
    both = wan.generate(request(shots=("a cat in space", "a dog on the ocean"), seed=5))
    first = wan.generate(request("a cat in space", seed=5, duration_s=0.5))
    second = wan.generate(request("a dog on the ocean", seed=6, duration_s=0.5))

    assert both.frames.shape[0] == 12 and both.metadata["shots"] == 2
    np.testing.assert_array_equal(both.frames, np.concatenate([first.frames, second.frames]))


def test_a_hub_cache_snapshot_loads_by_id_offline(tiny_wan: Path, tmp_path: Path, monkeypatch) -> None:
    """The layout huggingface_hub writes (models--org--name/snapshots/<commit>, refs/main) resolves by id.

    huggingface_hub reads HF_HUB_CACHE and HF_HUB_OFFLINE once, at import, so its constants are patched
    too; the backend itself reads HF_HUB_OFFLINE when it loads (local_files_only left at None).
    """
    hub = tmp_path / "hub"
    commit = hashlib.sha1(b"tiny-wan").hexdigest()
    repo = hub / "models--tiny-org--tiny-wan"
    shutil.copytree(tiny_wan, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)

    clip = DiffusersBackend(model="tiny-org/tiny-wan", device="cpu", num_inference_steps=2).generate(
        request(duration_s=0.5))

    assert clip.frames.shape == (6, 88, 72, 3) and clip.metadata["model"] == "tiny-org/tiny-wan"
    with pytest.raises(OSError):  # an id that is not in the cache is not fetched from anywhere else
        DiffusersBackend(model="tiny-org/not-cached", device="cpu").pipeline()


def test_ltx2_soundtrack_comes_from_the_pipeline(ltx2: DiffusersBackend) -> None:
    clip = ltx2.generate(request(duration_s=1.5))

    assert clip.frames.shape == (18, 88, 72, 3) and clip.frames.dtype == np.uint8
    assert clip.metadata["audio"] == "pipeline" and clip.metadata["pipeline"] == "LTX2Pipeline"
    assert clip.sample_rate == SAMPLE_RATE and clip.audio.shape == (round(1.5 * SAMPLE_RATE),)
    assert clip.audio.dtype == np.float32 and np.abs(clip.audio).max() <= 1.0
    tenth = len(clip.audio) // 10
    assert clip.audio[:tenth].any() and clip.audio[-tenth:].any()  # sound for the whole clip, not padding


def test_wan_remix_denoises_the_parent_video(wan: DiffusersBackend) -> None:
    parent = wan.generate(request("a cat in space", seed=1))
    remix = wan.generate(request(seed=2, parent=parent))
    plain = wan.generate(request(seed=2))

    remixer = video_to_video_pipeline_for(wan.pipeline())
    assert remixer is not None and "video" in inspect.signature(remixer.__call__).parameters
    assert remix.metadata["remix_mode"] == "video_to_video" and remix.metadata["remix_strength"] > 0
    assert remix.frames.shape == plain.frames.shape
    assert not np.array_equal(remix.frames, plain.frames)  # the parent changed the result


def test_ltx2_remix_falls_back_to_prompt_and_seed(ltx2: DiffusersBackend) -> None:
    parent = RenderedClip(frames=np.full((12, 88, 72, 3), 200, np.uint8), fps=12, audio=np.zeros(SAMPLE_RATE, np.float32),
                  sample_rate=SAMPLE_RATE)
    remix = ltx2.generate(request(seed=2, parent=parent))
    plain = ltx2.generate(request(seed=2))

    assert video_to_video_pipeline_for(ltx2.pipeline()) is None
    assert "video" not in inspect.signature(ltx2.pipeline().__call__).parameters
    assert remix.metadata["remix_mode"] == "prompt_seed_inheritance"
    np.testing.assert_array_equal(remix.frames, plain.frames)


def test_cameos_are_reported_as_unsupported_not_faked(wan: DiffusersBackend) -> None:
    face = np.zeros((32, 32, 3), np.uint8)
    clip = wan.generate(request(cameos=(CameoIdentity(handle="ava", face=face),), duration_s=0.5))

    assert clip.metadata["cameo_mode"] == "not_supported_by_pipeline"
    np.testing.assert_array_equal(clip.frames, wan.generate(request(duration_s=0.5)).frames)


def test_a_generated_clip_encodes_to_h264_and_aac(ltx2: DiffusersBackend, tmp_path: Path) -> None:
    clip = ltx2.generate(request(duration_s=1.0))
    path = tmp_path / "clip.mp4"
    encode_mp4(clip, path)

    info = probe(path)
    assert (info["video_codec"], info["audio_codec"]) == ("h264", "aac")
    assert (info["width"], info["height"], info["frame_count"]) == (72, 88, 12)
    assert info["fps"] == pytest.approx(12) and info["audio_sample_rate"] == SAMPLE_RATE


def test_the_create_flow_runs_a_diffusers_model_end_to_end(tiny_wan, tmp_path):
    """The GPU path through the app's own job flow: the clip is stored watermarked and signed."""
    from workbench import open_workbench
    from workbench.media.provenance import verify

    wb = open_workbench(f"sqlite:///{tmp_path / 'wb.db'}", data_dir=tmp_path)
    wb.users.create(None, "ana")
    clip = wb.clips.create("ana", "a tiny grey world", backend="diffusers", model=str(tiny_wan), seed=1,
                           duration_s=1.0, size=(72, 128))
    assert (clip.backend, clip.status, clip.width, clip.height) == ("diffusers", "draft", 72, 128)
    report = verify(clip.media_file, trust_anchors=wb.credentials.root_cert)
    assert (report["state"], report["ai_generated"], report["author"]) == ("Trusted", True, "@ana")
    assert probe(clip.media_file)["video_codec"] == "h264"
    wb.close()
