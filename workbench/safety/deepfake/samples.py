"""What a deepfake benchmark or data set is made of: labelled videos, described the same way whether
they come from the shipped benchmark (benchmark.py) or from a FaceForensics++, Celeb-DF or DFDC folder
(datasets.py).

Labels follow DeepfakeBench (Yan et al., NeurIPS 2023 Datasets and Benchmarks): 1 is fake
(manipulated or generated), 0 is real.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REAL = 0
FAKE = 1
#: the `method` of a real video
REAL_METHOD = "real"
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class LabelledVideo:
    path: Path
    #: FAKE (1) or REAL (0)
    label: int
    #: "real", or the manipulation that made it ("face_swap", "Deepfakes", "Celeb-synthesis", ...)
    method: str
    #: the person shown (a fake's target: whose scene and body it is), when the source says
    identity: str | None = None
    #: a swap's source: whose face was put in, when the source says
    source_identity: str | None = None
    #: "train", "val" or "test", when the source assigns one
    split: str | None = None
    #: which benchmark or data set it came from ("shipped", "FaceForensics++", "Celeb-DF", "DFDC")
    dataset: str = ""
