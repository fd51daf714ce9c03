"""The one owner of a stored clip's state: its status, when and by whom it was removed, and its
hold for review. Each change is a named transition made as one conditional UPDATE on the row's
current state, its row count checked, so that of two people acting at once exactly one wins and
the other is told: a publish read the clip, a take-down committed, and the publish's plain UPDATE
then left the clip published with `removed_at` set (PostgreSQL, 32 of 45 races; issue 16).

    draft (not held) --publish--> published
    draft | published --remove(author | cameo_owner | review)--> removed
    removed by an author or a cameo owner --remove(review)--> removed by review
    removed by review --restore (an appeal)--> published, or draft if never published
    held draft --release--> draft

    draft | published --recaption--> the same, with a new caption (never once removed)
    new draft --hold--> held draft (when it is created: the output scan or the prompt policy flagged it)

A new clip's row is inserted as a draft (`generation.service.insert_video`); every change after that is here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, or_, update
from sqlalchemy.orm import Session

from workbench.errors import Conflict
from workbench.store.models import Removal, Video, VideoStatus, utcnow


def _change(session: Session, video: Video, expected, **values) -> bool:
    """Apply `values` to the clip's row if it is still in the `expected` state; reload the clip."""
    changed = session.execute(update(Video).where(Video.id == video.id, expected).values(**values)
                              .execution_options(synchronize_session=False)).rowcount == 1
    session.refresh(video)
    return changed


def hold(session: Session, video: Video, reason: str) -> None:
    """Keep a new clip back for review (the output scan or the prompt policy flagged it): only a draft
    that was never published can be held."""
    if not _change(session, video, (Video.status == VideoStatus.DRAFT) & Video.published_at.is_(None),
                   held_reason=reason[:200]):
        raise Conflict(f"clip #{video.id} is {video.status.value}; only a new draft is held for review")


def publish(session: Session, video: Video, at: datetime | None = None) -> bool:
    """Publish a draft that is not held (at `at`, by default now): True if this call published it,
    False if it already was; Conflict if meanwhile it was removed or held."""
    if _change(session, video, (Video.status == VideoStatus.DRAFT) & Video.held_reason.is_(None),
               status=VideoStatus.PUBLISHED, published_at=at or utcnow()):
        return True
    if video.status is VideoStatus.PUBLISHED:
        return False
    raise Conflict(f"clip #{video.id} was {'removed' if video.status is VideoStatus.REMOVED else 'held for review'}"
                   " while it was being published")


def remove(session: Session, video: Video, by: Removal) -> bool:
    """Take the clip down (it leaves every feed at once): True if this call did. A review removal
    also takes over one by the author or a cameo owner, so the clip joins the re-upload list."""
    expected = Video.status != VideoStatus.REMOVED
    if by is Removal.REVIEW:
        expected = or_(expected, Video.removal != Removal.REVIEW)
    return _change(session, video, expected, status=VideoStatus.REMOVED, removal=by,
                   removed_at=func.coalesce(Video.removed_at, utcnow()))


def restore(session: Session, video: Video) -> bool:
    """Undo a review removal (an appeal won): back to published, or to draft if it never was."""
    return _change(session, video, (Video.status == VideoStatus.REMOVED) & (Video.removal == Removal.REVIEW),
                   status=case((Video.published_at.is_(None), VideoStatus.DRAFT.value), else_=VideoStatus.PUBLISHED.value),
                   removal=None, removed_at=None)


def release(session: Session, video: Video) -> bool:
    """End a clip's hold for review (a reviewer decided its case)."""
    return _change(session, video, Video.held_reason.is_not(None), held_reason=None)


def label(session: Session, video: Video, value: str | None) -> bool:
    """Set (or, with None, clear) the label viewers see on the clip ("ai_generated", "satire")."""
    return _change(session, video, Video.label.is_distinct_from(value), label=value)


def age_restrict(session: Session, video: Video, restricted: bool) -> bool:
    """Hide the clip from teens and signed-out viewers (or show it to them again)."""
    return _change(session, video, Video.age_restricted.is_not(restricted), age_restricted=restricted)


def recaption(session: Session, video: Video, caption: str) -> bool:
    """Give a clip that is not removed a new caption (its author edited it)."""
    return _change(session, video, Video.status != VideoStatus.REMOVED, caption=caption)
