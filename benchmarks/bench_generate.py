"""How long one procedural clip takes: render, encode, both together, end to end as the app
stores it ("stored": render, watermark, encode, sign, content-addressed write), and the output scan
the app then runs on the stored file ("scan": faces in six frames against cameos and the
public-figure gallery, PDQ hashes every 0.1 s against removed clips, the C2PA report).

Run: .venv/bin/python benchmarks/bench_generate.py [--runs 5] [--seconds 4] [--width 360] [--height 640]
Prints a table (median and min per stage) and, last, one JSON line for scripts to collect.
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
from workbench.media.provenance import ensure_credentials, store_ai_clip  # noqa: E402
from workbench.core import open_workbench  # noqa: E402

#: storyboards of every kind: subjects and counts, scenes, weather particles, styles, camera moves, shots
PROMPTS = ("a cat chasing a laser in space", "two red foxes running through a snowy forest at dusk, aerial shot",
           "steaming ramen on a rainy night in tokyo, vhs", "a golden retriever surfing a wave | the dog shaking off "
           "water on the beach, slow motion", "three ducks dancing in a kitchen, silent movie, zoom in",
           "fireworks over the city at night, a crowd cheering, handheld", "an otter floating in a lake as a tiny toy "
           "diorama, watercolor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=640)
    args = parser.parse_args()

    backend = ProceduralBackend()
    times: dict[str, list[float]] = {"render": [], "encode": [], "total": [], "stored": [], "scan": []}
    with tempfile.TemporaryDirectory() as workdir:
        credentials = ensure_credentials(Path(workdir) / "keys")
        wb = open_workbench(data_dir=Path(workdir) / "wb")
        wb.models.public_figures  # load the face engine and the gallery's embeddings before timing
        # font, glyph and import costs, and the sentence model the storyboard asks for nouns it does not know
        backend.generate(GenerationRequest(prompt="a warm-up with an axolotl", seed=0, duration_s=0.5))
        for run in range(args.runs):
            request = GenerationRequest(prompt=PROMPTS[run % len(PROMPTS)], seed=run, duration_s=args.seconds,
                                        width=args.width, height=args.height)
            start = time.perf_counter()
            clip = backend.generate(request)
            rendered = time.perf_counter()
            encode_mp4(clip, Path(workdir) / f"run{run}.mp4")
            done = time.perf_counter()
            times["render"].append(rendered - start)
            times["encode"].append(done - rendered)
            times["total"].append(done - start)
            # what the app does for every clip: render, moving watermark, encode, C2PA signature, store
            start = time.perf_counter()
            stored = store_ai_clip(backend.generate(request), Path(workdir) / "media", author="bench",
                                   credentials=credentials)
            times["stored"].append(time.perf_counter() - start)
            start = time.perf_counter()
            wb.scanner.scan(stored.path)
            times["scan"].append(time.perf_counter() - start)

    print(f"{args.seconds:g} s {args.width}x{args.height} clip, {args.runs} runs")
    print(f"{'stage':<8}{'median s':>10}{'min s':>10}")
    summary = {}
    for stage, values in times.items():
        summary[stage] = {"median_s": round(statistics.median(values), 4), "min_s": round(min(values), 4)}
        print(f"{stage:<8}{summary[stage]['median_s']:>10.3f}{summary[stage]['min_s']:>10.3f}")
    print(json.dumps({"benchmark": "generate", "runs": args.runs, "seconds": args.seconds,
                      "width": args.width, "height": args.height, **summary}))


if __name__ == "__main__":
    main()
