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
    return _refusal(_StoredTies(session), user.id, cameo)


def _refusal(ties, user_id: int, cameo: Cameo) -> str | None:
    """The rule, with the approvals and follows it hangs on answered by `ties` (_StoredTies for a
    few cameos, _ReadTies for a page of clips)."""
    if cameo.status is not CameoStatus.VERIFIED:
        return f"the cameo @{cameo.handle} is {cameo.status.value}, not verified"
    if user_id == cameo.owner_id:
        return None
    if cameo.permission is CameoPermission.EVERYONE:
        return None
    if cameo.permission is CameoPermission.ONLY_ME:
        return f"only its owner may use the cameo @{cameo.handle}"
    if cameo.permission is CameoPermission.APPROVED:
        if not ties.approved(cameo.id, user_id):
            return f"the owner of @{cameo.handle} has not approved you for their cameo"
        return None
    follows_owner = ties.follows(user_id, cameo.owner_id)
    if cameo.permission is CameoPermission.FOLLOWERS:
        return None if follows_owner else f"the cameo @{cameo.handle} is for followers of its owner only"
    if not (follows_owner and ties.follows(cameo.owner_id, user_id)):
        return f"the cameo @{cameo.handle} is for mutual followers of its owner only"
    return None


class _StoredTies:
    """Approvals and follows looked up one at a time, as the rule asks for them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def approved(self, cameo_id: int, user_id: int) -> bool:
        return self._session.get(CameoApproval, (cameo_id, user_id)) is not None

    def follows(self, follower_id: int, followee_id: int) -> bool:
        return self._session.get(Follow, (follower_id, followee_id)) is not None


class _ReadTies:
    """Every approval and follow among these people and cameos, each kind read in one statement the
    first time the rule asks for it (a cameo open to everyone asks for neither), so that a feed page's
    clips are checked at once rather than with a few lookups for each cameo. (Not cached_property:
    on Python 3.11 it holds one lock for every instance while it computes, so every session's read
    would wait for every other's.)"""

    def __init__(self, session: Session, people: set[int], cameo_ids: set[int]) -> None:
        self._session, self._people, self._cameo_ids = session, people, cameo_ids
        self._approvals: set[tuple[int, int]] | None = None
        self._follows: set[tuple[int, int]] | None = None

    def approved(self, cameo_id: int, user_id: int) -> bool:
        if self._approvals is None:
            self._approvals = set(map(tuple, self._session.execute(
                select(CameoApproval.cameo_id, CameoApproval.user_id).where(
                    CameoApproval.cameo_id.in_(self._cameo_ids), CameoApproval.user_id.in_(self._people)))))
        return (cameo_id, user_id) in self._approvals

    def follows(self, follower_id: int, followee_id: int) -> bool:
        if self._follows is None:
            self._follows = set(map(tuple, self._session.execute(select(Follow.follower_id, Follow.followee_id).where(
                Follow.follower_id.in_(self._people), Follow.followee_id.in_(self._people)))))
        return (follower_id, followee_id) in self._follows


def lapsed_grants(session: Session, video: Video) -> list[str]:
    """The cameos in a clip whose grant to its author no longer holds (and whose owner did not choose
    to keep the clip up): while there is one, the clip is shown only to its author and cameo owners."""
    return _lapsed(session, [video]).get(video.id, [])


def without_lapsed_grants(session: Session, videos: list[Video]) -> list[Video]:
    """The clips of a feed page that may be shown publicly (lapsed_grants, for all of them at once)."""
    lapsed = _lapsed(session, videos)
    return [video for video in videos if video.id not in lapsed]


def _lapsed(session: Session, videos: list[Video]) -> dict[int, list[str]]:
    """Each clip's lapsed cameos (handles), for the clips that have any: one statement reads the
    clips' cameos and, where some are held up by a grant that depends on them, one or two more the
    approvals and follows the grants hang on."""
    rows = session.execute(select(VideoCameo.video_id, Cameo, VideoCameo.kept_by_owner)
                           .join(Cameo, Cameo.id == VideoCameo.cameo_id)
                           .where(VideoCameo.video_id.in_([video.id for video in videos]))
                           .order_by(VideoCameo.video_id, VideoCameo.cameo_id)).all()
    authors = {video.id: video.author_id for video in videos}
    held = [(video_id, cameo) for video_id, cameo, kept in rows if not kept]
    if not held:
        return {}
    ties = _ReadTies(session, {authors[video_id] for video_id, _ in held} | {cameo.owner_id for _, cameo in held},
                     {cameo.id for _, cameo in held})
    lapsed: dict[int, list[str]] = {}
    for video_id, cameo in held:
        if _refusal(ties, authors[video_id], cameo) is not None:
            lapsed.setdefault(video_id, []).append(cameo.handle)
    return lapsed


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
