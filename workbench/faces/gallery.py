"""The public-figure gallery: people whose likeness is not anyone else's to use.

Names and aliases come from data/public_figures.json; reference faces come from photos inside
installed registry packages (nothing is downloaded). A face that matches a figure's reference face
by the face engine's same-person threshold is held for a reviewer instead of being verified.
"""
from __future__ import annotations

import importlib.util
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from workbench.files import packaged_data

GALLERY_FILE = packaged_data("public_figures.json")


@dataclass(frozen=True)
class PublicFigure:
    name: str
    aliases: tuple[str, ...]
    category: str
    face_package: str | None
    face_path: str | None
    face_border: int


@dataclass(frozen=True)
class FaceMatch:
    figure: PublicFigure
    distance: float


@lru_cache(maxsize=1)
def load_gallery() -> tuple[PublicFigure, ...]:
    entries = json.loads(GALLERY_FILE.read_text())["figures"]
    return tuple(PublicFigure(e["name"], tuple(e.get("aliases", ())), e.get("category", ""),
                              e.get("face", {}).get("package"), e.get("face", {}).get("path"),
                              e.get("face", {}).get("border", 0)) for e in entries)


def reference_photo(figure: PublicFigure) -> np.ndarray | None:
    """The figure's reference photo as RGB, from the package that ships it (None if it has none)."""
    from PIL import Image

    if figure.face_package is None:
        return None
    spec = importlib.util.find_spec(figure.face_package)
    if spec is None or spec.origin is None:
        return None
    pixels = np.asarray(Image.open(Path(spec.origin).parent / figure.face_path).convert("RGB"))
    border = figure.face_border
    return np.pad(pixels, ((border, border), (border, border), (0, 0)), mode="edge") if border else pixels


class FaceGallery:
    """Reference embeddings of the gallery's faces, computed once with the given face engine (immutable:
    one gallery is shared by every Workbench of a process)."""

    def __init__(self, engine, references: tuple[tuple[PublicFigure, np.ndarray], ...] | None = None) -> None:
        self.engine = engine
        if references is None:
            found = []
            for figure in load_gallery():
                photo = reference_photo(figure)
                faces = self.engine.detect(photo) if photo is not None else []
                if faces:
                    found.append((figure, self.engine.embed(photo, faces[0])))
            references = tuple(found)
        self.references = references

    def with_reference(self, figure: PublicFigure, embedding: np.ndarray) -> "FaceGallery":
        """This gallery and one more face (a gallery of one's own, e.g. to try a figure not shipped)."""
        return FaceGallery(self.engine, (*self.references, (figure, embedding)))

    def match(self, embedding: np.ndarray) -> FaceMatch | None:
        """The closest figure, if it is within the face engine's same-person threshold."""
        candidates = [(self.engine.distance(embedding, reference), figure, reference)
                      for figure, reference in self.references]
        if not candidates:
            return None
        distance, figure, reference = min(candidates, key=lambda candidate: candidate[0])
        return FaceMatch(figure, distance) if self.engine.same_person(embedding, reference) else None


_galleries: dict[object, FaceGallery] = {}  # by engine (kept alive here, as lru_cache kept it)
_galleries_lock = threading.Lock()


def gallery_for(engine) -> FaceGallery:
    """The gallery embedded with this engine, once per process (engines are shared: faces.engine.shared_engine);
    a second thread asking while it is embedded waits for it."""
    with _galleries_lock:
        if engine not in _galleries:
            _galleries[engine] = FaceGallery(engine)
        return _galleries[engine]
