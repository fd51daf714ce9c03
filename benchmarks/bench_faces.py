"""How well the face engine tells people apart on the real photos that ship in registry packages, and
what detection and embedding cost.

Run: .venv/bin/python benchmarks/bench_faces.py [--model-root DIR --pack NAME] [--runs 20]
Without --model-root the default pack is built in a temporary folder. Identities: the six people of
insightface's group photo (t1.jpg), scikit-image's astronaut and insightface's Tom Hanks crop. Each
is photographed once, so the same-person pairs are a face against edited copies of its own photo
(flip, brightness, rotation, JPEG, half size): robustness to edits, not to a new photo. scikit-image's
LFW subset is 25 x 25 pixels without names, so it gives no pairs. Prints the distributions and, last,
one JSON line for scripts to collect.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from workbench.faces.engine import FaceEngine, build_default_model_pack  # noqa: E402
from workbench.faces.alignment import sample_group_photo  # noqa: E402


def identities(engine: FaceEngine) -> dict[str, np.ndarray]:
    """One photo per person, each cropped to a single face with room around it."""
    import insightface
    import skimage.data
    from PIL import Image

    photo = sample_group_photo()
    people = sorted(engine.detect(photo), key=lambda face: face.bbox[0])
    found = {f"t1 person {i + 1}": around(photo, face.bbox) for i, face in enumerate(people)}
    found["astronaut"] = around(skimage.data.astronaut(), engine.detect(skimage.data.astronaut())[0].bbox)
    hanks = Path(insightface.__file__).parent / "data" / "images" / "Tom_Hanks_54745.png"
    # a tight 112 x 112 aligned crop: dlib's chip reaches past its edges, so give it a border
    found["Tom Hanks"] = cv2.copyMakeBorder(np.asarray(Image.open(hanks).convert("RGB")), 56, 56, 56, 56,
                                            cv2.BORDER_REPLICATE)
    return found


def around(image: np.ndarray, bbox: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = bbox
    w, h = x2 - x1, y2 - y1
    return image[max(0, int(y1 - h)):int(y2 + h), max(0, int(x1 - w)):int(x2 + w)].copy()


def edits(image: np.ndarray) -> list[np.ndarray]:
    """The same photo after what happens between two uploads."""
    h, w = image.shape[:2]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), 8, 1.0)
    _, jpeg = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 40])
    return [image[:, ::-1].copy(), np.clip(image * 1.1, 0, 255).astype(np.uint8), (image * 0.9).astype(np.uint8),
            cv2.warpAffine(image, rotation, (w, h), borderMode=cv2.BORDER_REFLECT),
            np.ascontiguousarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]),
            cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)]


def roc_auc(same: list[float], different: list[float]) -> float:
    """The chance that a random different-person pair is further apart than a random same-person pair."""
    d, s = np.asarray(different)[:, None], np.asarray(same)[None, :]
    return float(np.mean((d > s) + 0.5 * (d == s)))


def equal_error_rate(same: list[float], different: list[float]) -> float:
    """Where false rejections (same pairs above t) meet false accepts (different pairs at or below t)."""
    best = (2.0, 1.0)
    for t in sorted(same + different):
        rejected = float(np.mean(np.asarray(same) > t))
        accepted = float(np.mean(np.asarray(different) <= t))
        best = min(best, (abs(rejected - accepted), (rejected + accepted) / 2))
    return best[1]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "min": round(min(values), 4), "median": round(statistics.median(values), 4),
            "max": round(max(values), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-root", type=Path, help="folder holding models/PACK (default: build one)")
    parser.add_argument("--pack", default="workbench_default")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = args.model_root or Path(scratch)
        if args.model_root is None:
            build_default_model_pack(root, args.pack)
        engine = FaceEngine(root, args.pack)

        embeddings: dict[str, list[np.ndarray]] = {}
        faces_found: list[int] = []
        for name, image in identities(engine).items():
            embeddings[name] = []
            for picture in [image, *edits(image)]:
                found = engine.detect(picture)
                faces_found.append(len(found))
                embeddings[name].append(engine.embed(picture, found[0]))
        same = [engine.distance(a, b) for vectors in embeddings.values() for a, b in combinations(vectors, 2)]
        different = [engine.distance(a, b) for (_, first), (_, second) in combinations(embeddings.items(), 2)
                     for a in first for b in second]

        photo = sample_group_photo()
        frame = np.zeros((480, 640, 3), np.uint8)
        frame[:443] = cv2.resize(photo, (640, 443), interpolation=cv2.INTER_AREA)
        engine.detect(frame)  # warm-up: ONNX Runtime plans the graph on its first run
        detect_ms = []
        for _ in range(args.runs):
            start = time.perf_counter()
            faces = engine.detect(frame)
            detect_ms.append((time.perf_counter() - start) * 1000)
        engine.embed(frame, faces[0])  # warm-up: loads the recognizer
        embed_ms = []
        for _ in range(max(1, args.runs // len(faces))):
            for face in faces:
                face.embedding = None  # an ArcFace pack would otherwise reuse detect's embedding
                start = time.perf_counter()
                engine.embed(frame, face)
                embed_ms.append((time.perf_counter() - start) * 1000)

    result = {
        "pack": args.pack, "embedding": engine.embedding_kind, "threshold": round(engine.threshold, 4),
        "identities": len(embeddings), "images": len(faces_found),
        "images_with_one_face": sum(count == 1 for count in faces_found),
        "same_person": summary(same), "different_person": summary(different),
        "gap": round(min(different) - max(same), 4),
        "false_rejects_at_threshold": sum(d > engine.threshold for d in same),
        "false_accepts_at_threshold": sum(d <= engine.threshold for d in different),
        "roc_auc": round(roc_auc(same, different), 4), "eer": round(equal_error_rate(same, different), 4),
        "detect_ms_640x480": round(statistics.median(detect_ms), 1), "faces_in_frame": len(faces),
        "embed_ms_per_face": round(statistics.median(embed_ms), 1),
    }
    print(f"pack {args.pack} ({engine.embedding_kind} embedding), threshold {engine.threshold:.3f}")
    print(f"{len(embeddings)} identities, {len(faces_found)} images "
          f"({result['images_with_one_face']} with exactly one face)")
    for label, values in (("same person", same), ("different people", different)):
        s = summary(values)
        print(f"  {label:17s} n={s['n']:5d}  min {s['min']:.3f}  median {s['median']:.3f}  max {s['max']:.3f}")
    word = "gap" if result["gap"] > 0 else "overlap"
    print(f"  {word} {abs(result['gap']):.3f}   ROC AUC {result['roc_auc']:.4f}   EER {result['eer']:.4f}   "
          f"at the threshold: {result['false_rejects_at_threshold']} false rejects, "
          f"{result['false_accepts_at_threshold']} false accepts")
    print(f"detection {result['detect_ms_640x480']:.1f} ms per 640x480 frame ({len(faces)} faces), "
          f"embedding {result['embed_ms_per_face']:.1f} ms per face (median)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
