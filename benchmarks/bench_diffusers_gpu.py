"""Seconds per denoising step and peak GPU memory of Wan 2.1 T2V 1.3B at full size, random weights.

Run: .venv/bin/python benchmarks/bench_diffusers_gpu.py [--width 480] [--height 832] [--frames 33] [--steps 8]
     .venv/bin/python benchmarks/bench_diffusers_gpu.py --tiny [--runs 3]

The GPU run builds WanPipeline with the released model's architecture (the transformer config of
Wan-AI/Wan2.1-T2V-1.3B-Diffusers, the default Wan 2.1 VAE) and random weights, in bfloat16 with
the VAE in float32 as the model card does, so nothing is downloaded and the timings are those of
the real model: compute does not depend on the weights' values. The UMT5-XXL text encoder (about
11 GB) is left out: the transformer gets random text embeddings of its real shape (512 tokens of
width 4096) through prompt_embeds, so the figures cover denoising and decoding, not prompt encoding.
Without a CUDA GPU it says so and exits 0.

--tiny times the random-weight test pipelines (workbench.media.tiny_pipelines) through
DiffusersBackend on CPU: the plumbing's overhead, not a model's speed.
Prints a table and, last, one JSON line for scripts to collect.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import torch  # noqa: E402

from workbench.media.backend import GenerationRequest  # noqa: E402
from workbench.media.diffusers_backend import DiffusersBackend  # noqa: E402
from workbench.media.tiny_pipelines import build_tiny_ltx2, build_tiny_wan  # noqa: E402

#: transformer/config.json of Wan-AI/Wan2.1-T2V-1.3B-Diffusers (as in diffusers' convert_wan_to_diffusers.py)
WAN_T2V_1_3B = {
    "patch_size": (1, 2, 2), "num_attention_heads": 12, "attention_head_dim": 128, "in_channels": 16,
    "out_channels": 16, "text_dim": 4096, "freq_dim": 256, "ffn_dim": 8960, "num_layers": 30,
    "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "eps": 1e-06,
}
TEXT_TOKENS = 512  # WanPipeline pads every prompt's embedding to max_sequence_length=512
GUIDANCE_SCALE = 5.0  # the model card's value: classifier-free guidance runs the transformer twice a step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=480)
    parser.add_argument("--height", type=int, default=832)
    parser.add_argument("--frames", type=int, default=33, help="4k+1; the model card uses 81 (5 s at 16 fps)")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--tiny", action="store_true", help="time the tiny random pipelines on CPU instead")
    parser.add_argument("--runs", type=int, default=3, help="--tiny: clips per pipeline")
    args = parser.parse_args()
    if args.tiny:
        bench_tiny(args.runs)
    elif not torch.cuda.is_available():
        print("no CUDA GPU here: skipped")
        print(json.dumps({"benchmark": "diffusers_gpu", "skipped": "no CUDA GPU"}))
    else:
        bench_wan_gpu(args.width, args.height, args.frames, args.steps)


def bench_wan_gpu(width: int, height: int, frames: int, steps: int) -> None:
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel

    torch.manual_seed(0)
    with torch.device("cuda"):  # initialise on the GPU: random init of 1.3B parameters on CPU is slow
        # all bf16: the released checkpoint keeps a few norms and embeddings (0.1% of the weights) in float32
        transformer = WanTransformer3DModel(**WAN_T2V_1_3B).to(torch.bfloat16)
        vae = AutoencoderKLWan()  # the default config is Wan 2.1's VAE
    pipe = WanPipeline(tokenizer=None, text_encoder=None, vae=vae, transformer=transformer,
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0))
    pipe.set_progress_bar_config(disable=True)
    prompt_embeds = torch.randn(1, TEXT_TOKENS, WAN_T2V_1_3B["text_dim"], device="cuda", dtype=torch.bfloat16)
    negative_prompt_embeds = torch.randn_like(prompt_embeds)
    parameters = sum(parameter.numel() for parameter in transformer.parameters())

    def run(run_frames: int, run_steps: int) -> tuple[list[float], float]:
        """Seconds of each denoising step and of the whole call (decoding included)."""
        marks = [time.perf_counter()]

        def on_step_end(pipeline, step, timestep, callback_kwargs):
            torch.cuda.synchronize()
            marks.append(time.perf_counter())
            return callback_kwargs

        pipe(prompt_embeds=prompt_embeds, negative_prompt_embeds=negative_prompt_embeds, height=height,
             width=width, num_frames=run_frames, num_inference_steps=run_steps, guidance_scale=GUIDANCE_SCALE,
             generator=torch.Generator("cuda").manual_seed(0), output_type="np", callback_on_step_end=on_step_end)
        torch.cuda.synchronize()
        return [later - earlier for earlier, later in zip(marks, marks[1:])], time.perf_counter() - marks[0]

    run(5, 1)  # warm-up: CUDA context, kernel selection
    torch.cuda.reset_peak_memory_stats()
    step_seconds, total_seconds = run(frames, steps)
    peak_gib = torch.cuda.max_memory_allocated() / 2**30

    per_step = statistics.median(step_seconds)
    print(f"Wan 2.1 T2V 1.3B ({parameters / 1e9:.2f}B transformer parameters, random bf16 weights) "
          f"on {torch.cuda.get_device_name()}")
    print(f"{width}x{height}, {frames} frames, {steps} steps, guidance {GUIDANCE_SCALE:g}")
    print(f"{'s per step (median)':<24}{per_step:>10.3f}")
    print(f"{'total s (with decode)':<24}{total_seconds:>10.3f}")
    print(f"{'decode and rest s':<24}{total_seconds - sum(step_seconds):>10.3f}")
    print(f"{'peak GPU memory GiB':<24}{peak_gib:>10.2f}")
    print(json.dumps({
        "benchmark": "diffusers_gpu", "model": "Wan2.1-T2V-1.3B (random weights)",
        "device": torch.cuda.get_device_name(),
        "width": width, "height": height, "frames": frames, "steps": steps, "guidance_scale": GUIDANCE_SCALE,
        "s_per_step": round(per_step, 4), "step_s": [round(value, 4) for value in step_seconds],
        "total_s": round(total_seconds, 3), "peak_gib": round(peak_gib, 2),
    }))


def bench_tiny(runs: int) -> None:
    request = GenerationRequest(prompt="a robot dancing on the street", seed=0, duration_s=2.0, width=128,
                                height=128, fps=8)  # 16 frames: the pipelines make 17 and the last is cut
    summary = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name, build in (("tiny_wan", build_tiny_wan), ("tiny_ltx2", build_tiny_ltx2)):
            started = time.perf_counter()
            folder = build(Path(workdir) / name)
            build_s = time.perf_counter() - started
            backend = DiffusersBackend(model=folder, device="cpu", num_inference_steps=4, local_files_only=True)
            first = backend.generate(request)  # loads the pipeline; its first call also warms torch up
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                backend.generate(request)
                times.append(time.perf_counter() - started)
            summary[name] = {"build_s": round(build_s, 3), "load_s": first.metadata["timings"]["load_s"],
                             "first_generate_s": first.metadata["timings"]["generate_s"],
                             "median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4)}

    print(f"tiny random pipelines on CPU ({torch.get_num_threads()} threads): 128x128, 16 frames, 4 steps, "
          f"{runs} runs")
    print(f"{'pipeline':<12}{'build s':>10}{'load s':>10}{'first s':>10}{'median s':>10}{'min s':>10}")
    for name, row in summary.items():
        print(f"{name:<12}{row['build_s']:>10.3f}{row['load_s']:>10.3f}{row['first_generate_s']:>10.3f}"
              f"{row['median_s']:>10.3f}{row['min_s']:>10.3f}")
    print(json.dumps({"benchmark": "diffusers_tiny", "runs": runs, "width": 128, "height": 128, "frames": 16,
                      "steps": 4, **summary}))


if __name__ == "__main__":
    main()
