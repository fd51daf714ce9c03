"""The output scan: what a finished clip (generated here or uploaded) shows, checked before anyone
else can see it.

- Each face in sampled frames is assigned to the one enrolled identity it is nearest to, among every
  verified person cameo and the public-figure gallery (workbench.faces.identities): a face that is a
  cameo not granted for this clip, or a public figure, holds it (a remix drawn over someone's face, an
  upload of a person who never consented). A creator's own granted cameo is never also "four others".
- PDQ hashes of sampled frames are matched against the clips that were removed: a re-encoded,
  resized, noised, letterboxed or mirrored copy is caught (workbench.safety.hashing). An upload is
  also matched against every published clip: a copy of someone else's clip is theirs, not a new
  original (workbench.generation.uploads credits it as a remix, or refuses it).
- The file's Content Credentials are read and kept with the evidence.
- The deepfake detectors (workbench.safety.deepfake, trained on the shipped benchmark) score the
  largest face in the sampled frames; the scores join the evidence of any case the clip opens. They
  open no case alone: every clip here is generated, so "generated" is no finding; the cases come from
  whose face it is.

A hit holds the clip (it stays a draft only its author, cameo owners and reviewers see) and opens a
moderation case with the evidence; an upload that repeats a removed clip is refused outright.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.faces.identities import Assignment, Identity, assign
from workbench.files import write_atomically
from workbench.media.codec import jpeg
from workbench.media.provenance import verify
from workbench.safety.cases import evidence_of, record_evidence, undecided_case
from workbench.safety.deepfake.tracks import largest, track_from_faces
from workbench.safety.evidence import DeepfakeScores, ScanHit
from workbench.safety.hashing import (
    HASH_BYTES,
    clip_hashes,
    library_hashes,
    match_clip,
    sample_frames,
)
from workbench.store.db import Store
from workbench.store.models import (
    Cameo,
    CameoKind,
    CameoStatus,
    CaseSource,
    Removal,
    Video,
    VideoFingerprint,
    VideoStatus,
)

#: faces are looked for in this many frames spread over the clip
FACE_FRAMES = 6
#: a face kept as evidence is this many pixels on its longer side
FACE_CROP_SIDE = 200
#: frames larger than this on their longer side are scaled down to it for the face checks (the detector
#: works at 640; six 1920x1920 frames held for the deepfake track were 66 MB)
FACE_FRAME_SIDE = 1280
@dataclass(frozen=True)
class ScanResult:
    hits: tuple[ScanHit, ...]
    #: PDQ hashes of the clip's frames sampled densely, (n, 32) uint8: stored as its fingerprint
    fingerprint: np.ndarray
    provenance: dict
    #: P(fake) by deepfake detector for the clip's largest face, and the frames scored; None without a
    #: face (or without trained detectors)
    deepfake: DeepfakeScores | None = None

    def hit(self, kind: str) -> ScanHit | None:
        return next((h for h in self.hits if h.kind == kind), None)


def fingerprint_bytes(hashes: np.ndarray) -> bytes:
    return np.ascontiguousarray(hashes, dtype=np.uint8).tobytes()


def fingerprint_array(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, HASH_BYTES)


class OutputScanner:
    def __init__(self, store: Store, models) -> None:
        """`models`: the process's shared models (workbench.core.Models), loaded on first use."""
        self._store, self._models = store, models

    def scan(self, path: Path, *, granted_cameo_ids: set[int] | frozenset[int] = frozenset(),
             upload: bool = False, trust_anchors: Path | None = None) -> ScanResult:
        """Scan a stored or uploaded file. `granted_cameo_ids` are the cameos this clip may show. An
        `upload` is also matched against every published clip (it may be someone else's), trying flips,
        rotations and letterbox trims. `trust_anchors` (a root certificate) decides whether the
        file's Content Credentials are trusted."""
        # FACE_FRAMES frames spread over the whole clip, decoded as a stream (a long upload is never
        # held in memory whole): an interval this short always leaves the cap to decide
        picks = sample_frames(path, every_s=1e-3, max_frames=FACE_FRAMES, max_side=FACE_FRAME_SIDE)
        hits: list[ScanHit] = []
        engine = self._models.faces
        found_faces = [engine.detect(frame) for frame in picks]
        # the identity models (the embedding network, the gallery, every cameo's reference) are loaded
        # only for a clip with a face to identify, and before the transaction, never in it
        any_face = any(found_faces)
        if any_face:
            self._models.public_figures
        with self._store.transaction() as session:
            enrolled = (enrolled_faces(session, self._models, self._store.media_dir, granted=granted_cameo_ids)
                        if any_face else [])
            removed = {video_id: fingerprint_array(data) for video_id, data in session.execute(
                select(VideoFingerprint.video_id, VideoFingerprint.frame_hashes)
                .join(Video, Video.id == VideoFingerprint.video_id).where(Video.status == VideoStatus.REMOVED, Video.removal == Removal.REVIEW))}
            published = {video_id: fingerprint_array(data) for video_id, data in session.execute(
                select(VideoFingerprint.video_id, VideoFingerprint.frame_hashes)
                .join(Video, Video.id == VideoFingerprint.video_id).where(Video.status == VideoStatus.PUBLISHED))} if upload else {}
        seen: dict[tuple[str, str], tuple[Assignment, np.ndarray, object]] = {}
        largest_faces = []
        for number, (frame, faces) in enumerate(zip(picks, found_faces)):
            biggest = largest(faces) if faces else None
            for face in faces:
                embedding = engine.embed(frame, face)
                if face is biggest:
                    largest_faces.append((number, frame, face, embedding))
                found = assign(embedding, enrolled, threshold=engine.threshold)
                if found is None or found.identity.granted:
                    continue
                key = (found.identity.kind, found.identity.key)
                if key not in seen or found.distance < seen[key][0].distance:
                    seen[key] = (found, frame, face)
        for (kind, key), (found, frame, face) in seen.items():
            measured = dict(distance=round(found.distance, 3), threshold=round(engine.threshold, 3),
                            margin=None if found.margin is None else round(found.margin, 3),
                            face_file=self._keep_face(frame, face))
            if kind == "cameo":
                hits.append(ScanHit("face_without_consent", f"shows the face of @{key} without their grant",
                                    cameo=key, **measured))
            else:
                hits.append(ScanHit("public_figure_face", f"shows a face matching the public figure {key}",
                                    figure=key, **measured))
        fingerprint = library_hashes(path)
        query = clip_hashes(path, dihedral=upload, letterbox=upload)
        repeat = match_clip(query, removed) if removed else None
        copy = match_clip(query, published) if published and repeat is None else None
        if copy is not None:
            hits.append(ScanHit("copy_of_published", f"repeats published clip #{copy.id}", video_id=copy.id,
                                fraction=round(copy.fraction, 3), median_distance=copy.median_distance,
                                transform=copy.transform))
        if repeat is not None:
            hits.append(ScanHit("reupload_of_removed", f"repeats clip #{repeat.id}, which was removed",
                                video_id=repeat.id, fraction=round(repeat.fraction, 3),
                                median_distance=repeat.median_distance, transform=repeat.transform))
        scores = deepfake_scores(self._models.deepfake_detectors, largest_faces, len(picks)) if largest_faces else None
        return ScanResult(tuple(hits), fingerprint, verify(path, trust_anchors), scores)

    def _keep_face(self, frame: np.ndarray, face) -> str:
        """The face as the clip shows it (its box with a margin), kept under media/evidence/faces by its
        content for the reviewer to compare with the enrolled face; the path relative to the media folder."""
        crop = face_crop(frame, face.bbox)
        data = jpeg(crop, max_side=FACE_CROP_SIDE)
        relative = f"evidence/faces/{hashlib.sha256(data).hexdigest()}.jpg"
        destination = self._store.media_dir / relative
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(destination, data)
        return relative


def face_crop(frame: np.ndarray, bbox, *, margin: float = 0.3) -> np.ndarray:
    """The face's box, widened by `margin` of its size on every side and kept inside the frame."""
    x1, y1, x2, y2 = (float(v) for v in bbox)
    pad_x, pad_y = (x2 - x1) * margin, (y2 - y1) * margin
    height, width = frame.shape[:2]
    left, top = max(0, int(x1 - pad_x)), max(0, int(y1 - pad_y))
    right, bottom = min(width, int(x2 + pad_x) + 1), min(height, int(y2 + pad_y) + 1)
    return frame[top:bottom, left:right]


def enrolled_faces(session: Session, models, media_dir: Path, *,
                   granted: set[int] | frozenset[int] = frozenset()) -> list[Identity]:
    """Every identity a face may be: each verified person cameo (`granted` the ids a clip may show),
    from its reference embedding for the engine in use (computed from its reference image, and stored,
    the first time it is needed), and each face of the public-figure gallery."""
    engine = models.faces
    out = []
    for cameo in session.scalars(select(Cameo).where(Cameo.kind == CameoKind.PERSON,
                                                     Cameo.status == CameoStatus.VERIFIED,
                                                     Cameo.reference_image_path.is_not(None))):
        stored = cameo.face_embedding or {}
        if stored.get("kind") != engine.embedding_kind:
            vector = reference_embedding(engine, media_dir / cameo.reference_image_path)
            if vector is None:
                continue
            stored = cameo.face_embedding = {"kind": engine.embedding_kind, "vector": vector.tolist()}
        out.append(Identity("cameo", cameo.handle, np.asarray(stored["vector"], np.float32), granted=cameo.id in granted))
    return out + [Identity("figure", figure.name, reference) for figure, reference in models.public_figures.references]


def deepfake_scores(detectors: dict, faces: list, sampled: int) -> DeepfakeScores | None:
    """Each detector's P(fake) for the track of the faces found (frame number, frame, face, embedding)
    in `sampled` frames, rounded, with the number of frames it read."""
    if not detectors:
        return None
    track = track_from_faces(faces, sampled)
    scores = {name: round(float(detector.predict_proba([track])[0, 1]), 3) for name, detector in detectors.items()}
    measured = {name: detector.unseen_auc() for name, detector in detectors.items()}
    return DeepfakeScores(scores, len(track), {name: auc for name, auc in measured.items() if auc is not None})


def reference_embedding(engine, image_path: Path) -> np.ndarray | None:
    """The embedding of the face in a stored reference image (a tight, aligned crop: padded first,
    since detectors want some context around a face)."""
    from PIL import Image

    pixels = np.asarray(Image.open(image_path).convert("RGB"))
    border = pixels.shape[0] // 2
    padded = np.pad(pixels, ((border, border), (border, border), (0, 0)), mode="edge")
    faces = engine.detect(padded)
    return engine.embed(padded, faces[0]) if faces else None


def open_scan_case(session: Session, video_id: int, hits: list[ScanHit] | tuple[ScanHit, ...], *,
                   uploader: str | None = None, provenance: dict | None = None,
                   deepfake: DeepfakeScores | None = None):
    """Attach scan hits (with who uploaded the clip, what its Content Credentials said, and the deepfake
    detectors' scores) to the clip's undecided case, or open one."""
    case = undecided_case(session, video_id, CaseSource.SCAN)
    entries = [replace(hit, uploader=uploader or hit.uploader, provenance=provenance) for hit in hits]
    record_evidence(case, evidence_of(case).with_scan(entries, deepfake))
    session.flush()
    return case
