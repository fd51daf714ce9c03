"""Do the clips show what their prompts say? Subject recall of the storyboard renderer on a labelled
prompt set (workbench/data/subject_prompts/: each prompt with the subjects a viewer must see and the
emoji that would fairly show each), measured on stored clips.

Each prompt is rendered, watermarked, encoded and signed as the app stores a clip; the benchmark then
reads the storyboard signed into the file (its Content Credentials) and decodes the file's frames. An
expected subject counts as seen when the storyboard has a subject drawn with one of its emoji AND that
glyph's pixels are in the decoded frames where the storyboard says it was drawn: the glyph, rendered
at the recorded size, pose and style, correlates with the frame there (normalised cross-correlation
of luminance over the glyph's own pixels >= 0.5 in at least one of the three recorded frames).
As a control, the same check with a glyph that is not there (the alphabet's next expected subject
from another prompt) must fail: its pass rate is printed beside recall.

Run: .venv/bin/python benchmarks/bench_storyboard.py --sets dev [unseen] [--limit N] [--misses]
Prints recall per set and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench.files import packaged_data  # noqa: E402
from workbench.media.backend import GenerationRequest, split_shots  # noqa: E402
from workbench.media.codec import read_frames  # noqa: E402
from workbench.media.procedural import ProceduralBackend  # noqa: E402
from workbench.media.provenance import ensure_credentials, read_storyboard, store_ai_clip  # noqa: E402
from workbench.media.scenery import glyph_correlation  # noqa: E402

SETS = packaged_data("subject_prompts")
MIN_CORRELATION = 0.5


def plain(glyph: str) -> str:
    """An emoji without its variation selectors, so that "☁️" and "☁" compare equal."""
    return glyph.replace("\ufe0f", "").replace("\ufe0e", "")


def drawn_here(frames: np.ndarray, placement: dict, glyph: str, style: str | None) -> bool:
    """Whether the glyph is in the decoded frame where the placement says a subject was drawn."""
    return glyph_correlation(frames[placement["frame"]], {**placement, "glyph": glyph}, style) >= MIN_CORRELATION


def seen(frames: np.ndarray, signed: dict, emoji: list[str]) -> tuple[bool, bool]:
    """(in the storyboard, and drawn in the frames) for one expected subject."""
    wanted = {plain(e) for e in emoji}
    shots = signed["storyboard"]["shots"]
    listed = any(plain(s["glyph"]) in wanted for shot in shots for s in shot["subjects"])
    drawn = any(plain(p["glyph"]) in wanted and drawn_here(frames, p, p["glyph"], shots[p["shot"]]["style"])
                for p in signed["placements"])
    return listed, drawn


def control(frames: np.ndarray, signed: dict, other: str) -> bool:
    """The same pixel check with a glyph that was not drawn, at each recorded placement."""
    shots = signed["storyboard"]["shots"]
    return any(plain(p["glyph"]) != plain(other) and drawn_here(frames, p, other, shots[p["shot"]]["style"])
               for p in signed["placements"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev"])
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--misses", action="store_true", help="print each subject not seen")
    args = parser.parse_args()

    backend = ProceduralBackend()
    summary = {}
    with tempfile.TemporaryDirectory() as workdir:
        credentials = ensure_credentials(Path(workdir) / "keys")
        for name in args.sets:
            cases = [json.loads(line) for line in (SETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
            cases = cases[:args.limit] if args.limit else cases
            expected = listed = drawn = controls = control_hits = extra = 0
            for number, case in enumerate(cases):
                shots = split_shots(case["prompt"])
                clip = backend.generate(GenerationRequest(prompt=case["prompt"], seed=number,
                                                          shots=shots if len(shots) > 1 else ()))
                stored = store_ai_clip(clip, Path(workdir) / "media", author="bench", credentials=credentials)
                signed = read_storyboard(stored.path)
                frames = read_frames(stored.path)
                for subject in case["subjects"]:
                    expected += 1
                    in_board, in_frames = seen(frames, signed, subject["emoji"])
                    listed += in_board
                    drawn += in_board and in_frames
                    if args.misses and not (in_board and in_frames):
                        got = [s["name"] + s["glyph"] for shot in signed["storyboard"]["shots"] for s in shot["subjects"]]
                        print(f"  miss {case['id']}: {subject['name']} {''.join(subject['emoji'])} "
                              f"({'not drawn' if in_board else 'not in storyboard'}) in {case['prompt']!r} -> {got}")
                wanted = {plain(e) for s in case["subjects"] for e in s["emoji"]}
                extra += sum(plain(s["glyph"]) not in wanted for shot in signed["storyboard"]["shots"]
                             for s in shot["subjects"])
                other = cases[(number + 7) % len(cases)]["subjects"][0]["emoji"][0]
                if not any(plain(other) in {plain(e) for e in s["emoji"]} for s in case["subjects"]):
                    controls += 1
                    control_hits += control(frames, signed, other)
                stored.path.unlink()
            summary[name] = {"prompts": len(cases), "subjects": expected, "in_storyboard": round(listed / expected, 3),
                             "recall": round(drawn / expected, 3),
                             "control_pass_rate": round(control_hits / max(1, controls), 3),
                             "unexpected_subjects_per_prompt": round(extra / len(cases), 3)}
            print(f"{name}: {len(cases)} prompts, {expected} subjects: in the storyboard {listed / expected:.3f}, "
                  f"drawn (recall) {drawn / expected:.3f}; a glyph not drawn passes {control_hits}/{controls}; "
                  f"{extra / len(cases):.2f} subjects a prompt drawn that its labels do not name")
    print(json.dumps({"benchmark": "storyboard", **summary}))


if __name__ == "__main__":
    main()
