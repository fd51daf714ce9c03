"""Clips from a diffusers text-to-video pipeline: Wan 2.1 by default, LTX-2 for a synchronized soundtrack.

The backend is a thin, explicit driver around ``DiffusionPipeline.from_pretrained``: it loads the
pipeline once, asks it for frames at the nearest size and length the model accepts, and cuts the
result back to exactly what the request asked for, so the rest of the app sees the same kind of
RenderedClip the procedural backend makes. torch and diffusers are imported only when a pipeline is loaded,
so importing this module costs nothing on a machine without them.

What each request feature becomes (also written into ``clip.metadata``):

- shots: one pipeline call per shot, same model, seeds ``seed, seed + 1, ...``, joined with hard cuts.
- audio: LTX-2 returns a soundtrack, resampled here to 48 kHz mono (``audio="pipeline"``); every other
  pipeline gets a silent track of the clip's length (``audio="silent"``).
- remix (``request.parent``): a pipeline whose ``__call__`` takes ``video`` (or Wan's text-to-video
  pipeline, through a ``WanVideoToVideoPipeline`` sharing its weights) re-noises the parent's frames and
  denoises them towards the new prompt (``remix_mode="video_to_video"``). Other pipelines, LTX-2
  included, generate from the prompt and seed alone (``remix_mode="prompt_seed_inheritance"``).
- cameos: not supported. ConsisID (``DEFAULT_IDENTITY_MODEL``) keeps a face's identity, but its
  ``id_vit_hidden``/``id_cond`` inputs come from insightface, facexlib and EVA-CLIP face models that
  this backend does not load; the clip is made from the prompt and says
  ``cameo_mode="not_supported_by_pipeline"`` rather than pretending.

Random-weight pipelines for tests and CPU benchmarks live in ``workbench.media.tiny_pipelines``.
"""
from __future__ import annotations

import inspect
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from PIL import Image

from workbench.media.backend import GenerationRequest, ProgressCallback, RenderedClip
from workbench.media.procedural import validate_request

if TYPE_CHECKING:
    import torch
    from diffusers import DiffusionPipeline

SAMPLE_RATE = 48_000
#: Wan 2.1 text-to-video, 1.3B parameters: about 8 GB of GPU memory at 480p with model offload
DEFAULT_VIDEO_MODEL = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
#: LTX-2 (video with synchronized audio) in diffusers layout: about 28 GB in bf16
DEFAULT_AUDIO_MODEL = "Lightricks/LTX-2"
#: ConsisID, identity-preserving CogVideoX-5B: loadable, but not driven by this backend (see module docstring)
DEFAULT_IDENTITY_MODEL = "BestWishYsh/ConsisID-preview"
DEFAULT_STEPS = 30
#: how far a video-to-video remix may move from its parent: 0 returns the parent, 1 ignores it
REMIX_STRENGTH = 0.7
#: share of the progress bar given to denoising; the rest is decoding and cutting the clip to size
DENOISE_SHARE = 0.95
#: text-to-video pipelines whose video-to-video sibling runs on the same components (video_to_video_pipeline_for)
VIDEO_TO_VIDEO_CLASSES = {"WanPipeline": "WanVideoToVideoPipeline"}


class DiffusersBackend:
    """Generates clips with a diffusers pipeline loaded from a hub id or a local folder."""

    name = "diffusers"

    def __init__(self, model: str | Path = DEFAULT_VIDEO_MODEL, *, device: str | None = None,
                 dtype: torch.dtype | None = None, cpu_offload: bool = False, vae_tiling: bool = False,
                 num_inference_steps: int = DEFAULT_STEPS, guidance_scale: float | None = None,
                 local_files_only: bool | None = None) -> None:
        """Nothing is loaded here; the first ``generate`` (or ``pipeline()``) loads the model.

        device None: CUDA when available, else CPU. dtype None: bfloat16 on CUDA, float32 on CPU.
        cpu_offload keeps only the running component on the GPU (slower, far less memory);
        vae_tiling decodes in tiles (needed for ConsisID-sized VAEs on small GPUs).
        guidance_scale None keeps the pipeline's own default. local_files_only None follows
        HF_HUB_OFFLINE, read when the model loads.
        """
        self.model = str(model)
        self.device = device
        self.dtype = dtype
        self.cpu_offload = cpu_offload
        self.vae_tiling = vae_tiling
        self.num_inference_steps = num_inference_steps
        self.guidance_scale = guidance_scale
        self.local_files_only = local_files_only
        self._pipeline: DiffusionPipeline | None = None
        self._remix_pipeline: DiffusionPipeline | None = None
        self._load_s = 0.0

    def pipeline(self) -> DiffusionPipeline:
        """The loaded pipeline, loading it on first use (once per backend instance)."""
        if self._pipeline is None:
            self._pipeline = self._load()
        return self._pipeline

    def generate(self, request: GenerationRequest, progress: ProgressCallback | None = None) -> RenderedClip:
        report = progress or (lambda fraction, message: None)
        validate_request(request)
        report(0.0, f"loading {self.model}" if self._pipeline is None else "starting")
        pipe = self.pipeline()
        remix_pipe = self._video_to_video_pipeline() if request.parent is not None else None
        started = time.perf_counter()

        frame_count = max(1, round(request.duration_s * request.fps))
        scenes = request.scenes
        if len(scenes) > frame_count:
            raise ValueError(f"{len(scenes)} shots do not fit in {frame_count} frames")
        bounds = [round(frame_count * index / len(scenes)) for index in range(len(scenes) + 1)]
        parent_frames = (_resample_frames(request.parent.frames, frame_count)
                         if remix_pipe is not None else None)
        runner = remix_pipe if remix_pipe is not None else pipe

        frames, audio, audio_source = [], [], "silent"
        for index, scene in enumerate(scenes):
            start, end = bounds[index], bounds[index + 1]
            source = parent_frames[start:end] if parent_frames is not None else None
            segment_frames, segment_audio, sample_rate = self._segment(
                runner, scene, request.seed + index, end - start, request, source,
                _step_reporter(report, index, len(scenes)))
            frames.append(segment_frames)
            samples = round(end * SAMPLE_RATE / request.fps) - round(start * SAMPLE_RATE / request.fps)
            if segment_audio is None:
                audio.append(np.zeros(samples, np.float32))
            else:
                audio.append(_to_48k_mono(segment_audio, sample_rate, samples))
                audio_source = "pipeline"

        report(1.0, "done")
        metadata = {
            "backend": self.name, "model": self.model, "pipeline": type(pipe).__name__,
            "device": self.device, "dtype": str(self.dtype).removeprefix("torch."),
            "steps": self.num_inference_steps, "guidance_scale": self.guidance_scale, "seed": request.seed,
            "shots": len(scenes),
            "remix_mode": None if request.parent is None else
            ("video_to_video" if remix_pipe is not None else "prompt_seed_inheritance"),
            "remix_strength": REMIX_STRENGTH if remix_pipe is not None else None,
            "audio": audio_source,
            "cameo_mode": "not_supported_by_pipeline" if request.cameos else "none",
            "timings": {"load_s": round(self._load_s, 3), "generate_s": round(time.perf_counter() - started, 3)},
        }
        return RenderedClip(frames=np.concatenate(frames), fps=request.fps, audio=np.concatenate(audio),
                    sample_rate=SAMPLE_RATE, metadata=metadata)

    def _load(self) -> DiffusionPipeline:
        import torch
        from diffusers import DiffusionPipeline

        started = time.perf_counter()
        self.device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.dtype = self.dtype or (torch.bfloat16 if self.device.startswith("cuda") else torch.float32)
        local_files_only = self.local_files_only
        if local_files_only is None:
            local_files_only = os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}
        pipe = DiffusionPipeline.from_pretrained(self.model, dtype=self.dtype, local_files_only=local_files_only)
        required = [name for name, parameter in inspect.signature(pipe.__call__).parameters.items()
                    if parameter.default is inspect.Parameter.empty
                    and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)]
        if required:  # ConsisID and image-to-video pipelines need an image on every call
            raise ValueError(f"{type(pipe).__name__} needs {', '.join(required)} on every call; "
                             "DiffusersBackend drives text-to-video pipelines")
        if self.cpu_offload:
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.to(self.device)
        if self.vae_tiling and hasattr(pipe.vae, "enable_tiling"):
            pipe.vae.enable_tiling()
        pipe.set_progress_bar_config(disable=True)
        self._load_s = time.perf_counter() - started
        return pipe

    def _video_to_video_pipeline(self) -> DiffusionPipeline | None:
        """The pipeline that remixes a parent clip, sharing the loaded weights; None when there is none."""
        if self._remix_pipeline is None:
            self._remix_pipeline = video_to_video_pipeline_for(self.pipeline())
        return self._remix_pipeline

    def _segment(self, pipe: DiffusionPipeline, prompt: str, seed: int, frame_count: int,
                 request: GenerationRequest, source: np.ndarray | None,
                 on_step_end: Callable[..., dict]) -> tuple[np.ndarray, np.ndarray | None, int]:
        """One pipeline call: (frames (frame_count, H, W, 3) uint8, raw audio or None, its sample rate).

        The pipeline is asked for the next size and length it accepts at or above the request
        (sides in multiples of its latent patch, step*k+1 frames), then the frames are cropped to
        the centre and the extra tail frames (at most one latent step) dropped: cutting, rather
        than resampling, keeps the motion speed and the pitch of the soundtrack.
        """
        import torch

        spatial, temporal = pipeline_grid(pipe)
        height = spatial * math.ceil(request.height / spatial)
        width = spatial * math.ceil(request.width / spatial)
        num_frames = temporal * math.ceil((frame_count - 1) / temporal) + 1
        parameters = inspect.signature(pipe.__call__).parameters
        kwargs: dict[str, Any] = {
            "prompt": prompt, "height": height, "width": width, "num_inference_steps": self.num_inference_steps,
            "generator": torch.Generator(device=self.device).manual_seed(seed), "output_type": "np",
            "callback_on_step_end": on_step_end,
        }
        if self.guidance_scale is not None:
            kwargs["guidance_scale"] = self.guidance_scale
        if "frame_rate" in parameters:  # LTX-2: the soundtrack's length and the motion follow it
            kwargs["frame_rate"] = float(request.fps)
        if source is None:
            kwargs["num_frames"] = num_frames
        else:  # video-to-video pipelines take their length from the video; the parent is scaled to fit
            kwargs["video"] = [Image.fromarray(frame).resize((width, height), Image.Resampling.BICUBIC)
                               for frame in _resample_frames(source, num_frames)]
            kwargs["strength"] = REMIX_STRENGTH
        output = pipe(**kwargs)

        video = np.asarray(output.frames[0])
        if len(video) < frame_count:
            raise RuntimeError(f"{type(pipe).__name__} returned {len(video)} frames, asked for {num_frames}")
        top, left = (height - request.height) // 2, (width - request.width) // 2
        video = video[:frame_count, top:top + request.height, left:left + request.width]
        frames = (np.clip(video, 0.0, 1.0) * 255).round().astype(np.uint8)
        audio = getattr(output, "audio", None)
        if audio is None:
            return frames, None, 0
        # LTX-2: a (batch, channels, samples) tensor covering num_frames; keep the share of the kept frames.
        audio = audio[0].float().cpu().numpy()
        kept = round(audio.shape[-1] * frame_count / num_frames)
        return frames, audio[..., :kept], int(pipe.vocoder.config.output_sampling_rate)


def video_to_video_pipeline_for(pipeline: DiffusionPipeline) -> DiffusionPipeline | None:
    """The pipeline that turns a parent video into a remix, sharing ``pipeline``'s components; None if none.

    The pipeline itself when its ``__call__`` takes ``video``. For a text-to-video class listed in
    VIDEO_TO_VIDEO_CLASSES (Wan), its video-to-video sibling built on the same modules, no second
    copy of the weights: what ``from_pipe`` does, minus its closing ``.to(dtype)`` (float32 unless
    told otherwise), which would recast the shared weights, the modules Wan keeps in float32
    included. diffusers 0.42 has no video-to-video LTX-2 pipeline (LTX2ConditionPipeline pins
    frames at given positions, a different operation), so LTX-2 gets None.
    """
    if "video" in inspect.signature(pipeline.__call__).parameters:
        return pipeline
    sibling = VIDEO_TO_VIDEO_CLASSES.get(type(pipeline).__name__)
    if sibling is None:
        return None
    import diffusers

    sibling_class = getattr(diffusers, sibling)
    wanted = inspect.signature(sibling_class.__init__).parameters
    remix = sibling_class(**{name: module for name, module in pipeline.components.items() if name in wanted})
    # diffusers 0.42.1's WanVideoToVideoPipeline cleans prompts with ftfy without checking that it is
    # installed (WanPipeline checks). Both encode with the same text encoder, so the text-to-video
    # pipeline's encode_prompt stands in; with ftfy installed the result is the same.
    remix.encode_prompt = pipeline.encode_prompt
    remix.set_progress_bar_config(disable=True)
    return remix


def pipeline_grid(pipe: DiffusionPipeline) -> tuple[int, int]:
    """(pixel multiple for height and width, frame step): the pipeline makes step*k+1 frames.

    Wan, CogVideoX and ConsisID: the VAE's spatial factor times the transformer's patch (16).
    LTX and LTX-2 check for multiples of 32, their released VAE's compression, whatever the VAE.
    """
    if hasattr(pipe, "vae_spatial_compression_ratio"):  # LTX, LTX-2
        return 32, pipe.vae_temporal_compression_ratio
    patch = pipe.transformer.config.patch_size
    patch = patch[-1] if isinstance(patch, (list, tuple)) else patch
    return pipe.vae_scale_factor_spatial * patch, pipe.vae_scale_factor_temporal


def _step_reporter(report: ProgressCallback, shot: int, shots: int) -> Callable[..., dict]:
    """A diffusers ``callback_on_step_end`` that reports denoising steps as a share of the whole clip."""
    def on_step_end(pipe: DiffusionPipeline, step: int, timestep: Any, callback_kwargs: dict) -> dict:
        done = (shot + (step + 1) / pipe.num_timesteps) / shots
        report(DENOISE_SHARE * done, f"shot {shot + 1}/{shots}: step {step + 1}/{pipe.num_timesteps}")
        return callback_kwargs
    return on_step_end


def _resample_frames(frames: np.ndarray, count: int) -> np.ndarray:
    """count frames picked evenly (nearest frame) from frames: a parent clip fitted to a new length."""
    return frames[np.linspace(0, len(frames) - 1, count).round().astype(int)]


def _to_48k_mono(audio: np.ndarray, sample_rate: int, samples: int) -> np.ndarray:
    """(channels, n) audio averaged to mono, linearly resampled to 48 kHz, trimmed or zero-padded to samples."""
    mono = audio.mean(axis=0)
    target = max(1, round(len(mono) * SAMPLE_RATE / sample_rate))
    resampled = np.interp(np.linspace(0, len(mono) - 1, target), np.arange(len(mono)), mono)
    fitted = np.zeros(samples, np.float32)
    fitted[:min(samples, target)] = resampled[:samples]
    return np.clip(fitted, -1.0, 1.0)
