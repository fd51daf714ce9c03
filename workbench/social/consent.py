"""Who may put a cameo in a clip: the owner's permission level, approvals and the follow graph.

Checked when a job is submitted and again when it renders, so a revocation in between wins. (Owners'
restrictions are enforced by the prompt policy, workbench.safety.policy.)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.errors import Forbidden, NotFound
from workbench.media.backend import CameoIdentity
from workbench.store.models import (
    Cameo,
    CameoApproval,
    CameoPermission,
    CameoStatus,
    Follow,
    User,
    Video,
    VideoCameo,
)


def load_cameo(session: Session, handle: str) -> Cameo:
    cameo = session.scalar(select(Cameo).where(Cameo.handle == (handle or "").strip().lstrip("@").lower()))
    if cameo is None:
        raise NotFound(f"no cameo @{(handle or '').strip().lstrip('@')}")
    return cameo


def refusal(session: Session, user: User, cameo: Cameo) -> str | None:
    """Why the user may not use this cameo now, or None if they may."""
    if cameo.status is not CameoStatus.VERIFIED:
        return f"the cameo @{cameo.handle} is {cameo.status.value}, not verified"
    if user.id == cameo.owner_id:
        return None
    if cameo.permission is CameoPermission.EVERYONE:
        return None
    if cameo.permission is CameoPermission.ONLY_ME:
        return f"only its owner may use the cameo @{cameo.handle}"
    if cameo.permission is CameoPermission.APPROVED:
        if session.get(CameoApproval, (cameo.id, user.id)) is None:
            return f"the owner of @{cameo.handle} has not approved you for their cameo"
        return None
    follows_owner = session.get(Follow, (user.id, cameo.owner_id)) is not None
    if cameo.permission is CameoPermission.FOLLOWERS:
        return None if follows_owner else f"the cameo @{cameo.handle} is for followers of its owner only"
    followed_back = session.get(Follow, (cameo.owner_id, user.id)) is not None
    if not (follows_owner and followed_back):
        return f"the cameo @{cameo.handle} is for mutual followers of its owner only"
    return None


def lapsed_grants(session: Session, video: Video) -> list[str]:
    """The cameos in a clip whose grant to its author no longer holds (and whose owner did not choose
    to keep the clip up): while there is one, the clip is shown only to its author and cameo owners."""
    author = session.get(User, video.author_id)
    rows = session.execute(select(Cameo, VideoCameo.kept_by_owner).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                           .where(VideoCameo.video_id == video.id))
    return [cameo.handle for cameo, kept in rows if not kept and refusal(session, author, cameo) is not None]


def require_use(session: Session, user: User, handles: tuple[str, ...] | list[str]) -> list[Cameo]:
    """The cameos named, if the user may use every one of them; else Forbidden naming the first refusal."""
    cameos = [load_cameo(session, handle) for handle in dict.fromkeys(handles)]
    require_grants(session, user, cameos)
    return cameos


def require_grants(session: Session, user: User, cameos) -> None:
    """Forbidden, naming the first refusal, unless the user may use every one of these cameos now."""
    for cameo in cameos:
        reason = refusal(session, user, cameo)
        if reason:
            raise Forbidden(reason)


def identities(cameos: list[Cameo], media_dir: Path) -> tuple[CameoIdentity, ...]:
    """What a backend needs to draw each cameo: its handle and its reference image, where stored."""
    from PIL import Image

    return tuple(CameoIdentity(cameo.handle, np.asarray(Image.open(media_dir / cameo.reference_image_path).convert("RGB"))
                               if cameo.reference_image_path else None, kind=cameo.kind.value) for cameo in cameos)


def without_lapsed_grants(session: Session, videos: list[Video]) -> list[Video]:
    """The clips of a feed page that may be shown publicly: one query finds which have cameos at all,
    and only those are checked."""
    with_cameos = set(session.scalars(select(VideoCameo.video_id).where(
        VideoCameo.video_id.in_([video.id for video in videos]))))
    return [video for video in videos if video.id not in with_cameos or not lapsed_grants(session, video)]
