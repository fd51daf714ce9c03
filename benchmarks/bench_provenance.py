"""What marking a clip as AI-generated costs: burn the watermark, encode, sign (C2PA), verify.

Run: .venv/bin/python benchmarks/bench_provenance.py [--runs 5] [--seconds 4] [--width 360] [--height 640]
Prints a table (median and min per stage) and, last, one JSON line for scripts to collect. Encoding is
timed too because it sits between the two marking steps, so the overhead can be read against it.
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

from workbench.media.backend import GenerationRequest  # noqa: E402
from workbench.media.codec import encode_mp4  # noqa: E402
from workbench.media.procedural import ProceduralBackend  # noqa: E402
from workbench.media.provenance import burn_watermark, ensure_credentials, sign_mp4, verify  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=640)
    args = parser.parse_args()

    clip = ProceduralBackend().generate(GenerationRequest(prompt="a cat chasing a laser in space", seed=1,
                                                          duration_s=args.seconds, width=args.width,
                                                          height=args.height))
    times: dict[str, list[float]] = {"watermark": [], "encode": [], "sign": [], "verify": []}
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        start = time.perf_counter()
        credentials = ensure_credentials(folder / "signing")
        keygen_s = time.perf_counter() - start
        burn_watermark(clip, "warmup")  # font loading and imports are not per-clip costs
        for run in range(args.runs):
            raw, signed = folder / f"raw{run}.mp4", folder / f"signed{run}.mp4"
            start = time.perf_counter()
            marked = burn_watermark(clip, f"user{run}")
            watermarked = time.perf_counter()
            encode_mp4(marked, raw)
            encoded = time.perf_counter()
            sign_mp4(raw, signed, author=f"user{run}", credentials=credentials)
            signed_at = time.perf_counter()
            report = verify(signed, trust_anchors=credentials.root_cert)
            verified = time.perf_counter()
            if report["state"] != "Trusted" or not report["ai_generated"]:
                raise SystemExit(f"verification failed: {report}")
            times["watermark"].append(watermarked - start)
            times["encode"].append(encoded - watermarked)
            times["sign"].append(signed_at - encoded)
            times["verify"].append(verified - signed_at)
        size_bytes = signed.stat().st_size - raw.stat().st_size

    print(f"{args.seconds:g} s {args.width}x{args.height} clip ({len(clip.frames)} frames), {args.runs} runs; "
          f"key generation {keygen_s:.3f} s once; manifest adds {size_bytes} bytes")
    print(f"{'stage':<10}{'median s':>10}{'min s':>10}")
    summary = {}
    for stage, values in times.items():
        summary[stage] = {"median_s": round(statistics.median(values), 4), "min_s": round(min(values), 4)}
        print(f"{stage:<10}{summary[stage]['median_s']:>10.4f}{summary[stage]['min_s']:>10.4f}")
    print(json.dumps({"benchmark": "provenance", "runs": args.runs, "seconds": args.seconds, "width": args.width,
                      "height": args.height, "frames": len(clip.frames), "keygen_s": round(keygen_s, 4),
                      "manifest_bytes": size_bytes, **summary}))


if __name__ == "__main__":
    main()
