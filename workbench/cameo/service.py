"""What an owner sees and sets of their cameos: settings, approvals, the reference image, and every
clip that uses them; and which cameos another person may use."""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor
from workbench.cameo.consent import load_cameo, refusal
from workbench.cameo.faces import ALIGNED_SIZE, align_face, detect_faces
from workbench.errors import Forbidden, InvalidInput
from workbench.social.videos import VideoView, video_views
from workbench.store.models import Cameo, CameoApproval, CameoKind, CameoStatus, User, Video, VideoCameo


@dataclass(frozen=True)
class CameoView:
    id: int
    handle: str
    display_name: str
    kind: str
    status: str
    permission: str
    restrictions: str
    approved: tuple[str, ...]
    owner: str
    reference_image: Path | None


class CameoService:
    def __init__(self, workbench) -> None:
        self._wb = workbench

    def mine(self, actor: ActorRef) -> list[CameoView]:
        with self._wb.transaction() as session:
            owner = load_actor(session, actor)
            cameos = session.scalars(select(Cameo).where(Cameo.owner_id == owner.id).order_by(Cameo.id))
            return [_view(session, cameo, self._wb.media_dir) for cameo in cameos]

    def usable(self, actor: ActorRef) -> list[CameoView]:
        """Every verified cameo the actor may put in a clip right now (their own included)."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            cameos = session.scalars(select(Cameo).where(Cameo.status == CameoStatus.VERIFIED).order_by(Cameo.handle))
            return [_view(session, cameo, self._wb.media_dir) for cameo in cameos if refusal(session, user, cameo) is None]

    def set_reference_image(self, actor: ActorRef, cameo_handle: str, image: bytes | np.ndarray) -> CameoView:
        """Store the image clips draw the cameo from. A person's photo must show exactly one face,
        which is aligned; a character's picture (a pet, a mascot) is stored as it is, squared."""
        pixels = _decode_image(image)
        with self._wb.transaction() as session:
            owner = load_actor(session, actor)
            cameo = load_cameo(session, cameo_handle)
            if cameo.owner_id != owner.id:
                raise Forbidden(f"only the owner of @{cameo.handle} can set its reference image")
        if cameo.kind is CameoKind.PERSON:
            faces = detect_faces(pixels)
            if not faces:
                raise InvalidInput("no face was found in the photo: use a clear, front-facing photo of yourself")
            if len(faces) > 1:
                raise InvalidInput(f"{len(faces)} faces were found: a reference photo must show only you")
            reference = align_face(pixels, faces[0])
        else:
            reference = _square(pixels, ALIGNED_SIZE)
        stored, _ = store_reference_image(reference, self._wb.media_dir)
        with self._wb.transaction() as session:
            cameo = load_cameo(session, cameo_handle)
            cameo.reference_image_path = stored
            audit(session, load_actor(session, actor), "cameo.reference_image", "cameo", cameo.id)
            return _view(session, cameo, self._wb.media_dir)

    def appearances(self, actor: ActorRef) -> list[VideoView]:
        """Every clip, draft or published, by anyone, that uses one of the actor's cameos; the owner
        co-owns them, so drafts are included."""
        with self._wb.transaction() as session:
            owner = load_actor(session, actor)
            videos = session.scalars(select(Video).join(VideoCameo, VideoCameo.video_id == Video.id)
                                     .join(Cameo, Cameo.id == VideoCameo.cameo_id)
                                     .where(Cameo.owner_id == owner.id).order_by(Video.id.desc()).distinct())
            return video_views(session, list(videos), self._wb.media_dir)


#: uploads larger than this are refused before decoding
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_SIDE = 4096


def _view(session: Session, cameo: Cameo, media_dir: Path) -> CameoView:
    approved = session.scalars(select(User.handle).join(CameoApproval, CameoApproval.user_id == User.id)
                               .where(CameoApproval.cameo_id == cameo.id).order_by(User.handle))
    reference = media_dir / cameo.reference_image_path if cameo.reference_image_path else None
    return CameoView(cameo.id, cameo.handle, cameo.display_name, cameo.kind.value, cameo.status.value,
                     cameo.permission.value, cameo.restrictions, tuple(approved), cameo.owner.handle, reference)


def _decode_image(image: bytes | np.ndarray) -> np.ndarray:
    """An upload as RGB pixels, or InvalidInput saying what is wrong with it."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(image, np.ndarray):
        pixels = image
    else:
        if len(image) > MAX_IMAGE_BYTES:
            raise InvalidInput(f"the image is {len(image) / 2**20:.1f} MB; the limit is {MAX_IMAGE_BYTES // 2**20} MB")
        try:
            with Image.open(io.BytesIO(image)) as opened:
                if max(opened.size) > MAX_IMAGE_SIDE:
                    raise InvalidInput(f"the image is {opened.size[0]}x{opened.size[1]}; at most {MAX_IMAGE_SIDE} pixels a side")
                pixels = np.asarray(opened.convert("RGB"))
        except (UnidentifiedImageError, OSError) as error:
            raise InvalidInput(f"that file is not a readable image ({error.__class__.__name__})") from None
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] < 3 or min(pixels.shape[:2]) < 64:
        raise InvalidInput("an image must be RGB, at least 64 pixels a side")
    return np.ascontiguousarray(pixels[..., :3])


def _square(pixels: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    side = min(pixels.shape[:2])
    top, left = (pixels.shape[0] - side) // 2, (pixels.shape[1] - side) // 2
    return np.asarray(Image.fromarray(pixels[top:top + side, left:left + side]).resize((size, size), Image.LANCZOS))


def store_reference_image(pixels: np.ndarray, media_dir: Path) -> tuple[str, bool]:
    """Write a PNG under media_dir/faces named by its sha256, atomically (temporary file, then
    rename). Returns its path relative to media_dir and whether this call created it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    data = buffer.getvalue()
    folder = Path(media_dir) / "faces"
    final = folder / f"{hashlib.sha256(data).hexdigest()}.png"
    created = not final.exists()
    if created:
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".{final.name}.part"
        temp.write_bytes(data)
        os.replace(temp, final)
    return final.relative_to(media_dir).as_posix(), created
