"""Notifications: what the platform tells a person about their clips, their likeness and their
reports: likes, comments and remixes of their clips, uses of their cameo, take-downs, and moderation
decisions (with the reviewer's stated reason, so they can appeal). Each is queued in the transaction
of the change it reports, so a message never tells of a change that did not commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, load_user
from workbench.store.db import Store
from workbench.store.models import (
    Cameo,
    Notification,
    Removal,
    User,
    Video,
    VideoCameo,
    as_utc,
    utcnow,
)

MAX_LISTED = 200


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    body: str
    video_id: int | None
    case_id: int | None
    created_at: datetime
    read: bool


def notify(session: Session, user_ids, kind: str, body: str, *, video_id: int | None = None,
           case_id: int | None = None) -> None:
    """Queue one message for each user, in the caller's transaction."""
    for user_id in sorted(set(user_ids)):
        session.add(Notification(user_id=user_id, kind=kind, body=body, video_id=video_id, case_id=case_id))


def _cameos_in(session: Session, video: Video) -> list[Cameo]:
    return list(session.scalars(select(Cameo).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                                .where(VideoCameo.video_id == video.id)))


def tell_liked(session: Session, video: Video, liker: User) -> None:
    if liker.id != video.author_id:
        notify(session, [video.author_id], "like", f"@{liker.handle} liked your clip #{video.id}.", video_id=video.id)


def tell_commented(session: Session, video: Video, commenter: User, body: str) -> None:
    if commenter.id != video.author_id:
        quoted = body if len(body) <= 80 else body[:79] + "…"
        notify(session, [video.author_id], "comment", f"@{commenter.handle} commented on your clip #{video.id}: "
               f"“{quoted}”", video_id=video.id)


def tell_cameo_used(session: Session, video: Video) -> None:
    """A new clip (still a draft) uses someone's cameo: its owner co-owns it and may take it down now."""
    author = session.get(User, video.author_id)
    for cameo in _cameos_in(session, video):
        if cameo.owner_id != author.id:
            notify(session, [cameo.owner_id], "cameo_use", f"@{author.handle} made clip #{video.id} with your cameo "
                   f"@{cameo.handle}. You can watch it, and take it down, under Cameo → Appearances.",
                   video_id=video.id)


def tell_published(session: Session, video: Video) -> None:
    """A clip went public: the author of the clip it remixes hears of the remix."""
    if video.remix_parent_id is None:
        return
    parent = session.get(Video, video.remix_parent_id)
    author = session.get(User, video.author_id)
    if parent.author_id != author.id:
        notify(session, [parent.author_id], "remix", f"@{author.handle} remixed your clip #{parent.id}: "
               f"clip #{video.id}.", video_id=video.id)


def tell_taken_down(session: Session, video: Video, by: User, reason: str = "") -> None:
    """Someone other than the author took the clip down: the author hears who and why."""
    if by.id == video.author_id:
        return
    who = f"@{by.handle}, whose cameo is in it" if video.removal is Removal.CAMEO_OWNER else "an admin"
    why = f" Reason: {reason}." if reason else ""
    notify(session, [video.author_id], "take_down", f"Your clip #{video.id} was taken down by {who}.{why}",
           video_id=video.id)


class NotificationService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(self, actor: ActorRef, *, unread_only: bool = False, limit: int = 50) -> list[NotificationView]:
        """The actor's messages, newest first. Suspended people still read theirs: the decision
        that suspended them, and how to appeal it, arrives here."""
        limit = max(1, min(int(limit), MAX_LISTED))
        with self._store.transaction() as session:
            user = load_user(session, actor)
            query = select(Notification).where(Notification.user_id == user.id)
            if unread_only:
                query = query.where(Notification.read_at.is_(None))
            rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit))
            return [NotificationView(n.id, n.kind, n.body, n.video_id, n.case_id, as_utc(n.created_at),
                                     n.read_at is not None) for n in rows]

    def unread_count(self, actor: ActorRef) -> int:
        with self._store.transaction() as session:
            user = load_user(session, actor)
            return session.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.user_id == user.id, Notification.read_at.is_(None)))

    def mark_read(self, actor: ActorRef) -> int:
        """Mark every unread message of the actor read; returns how many there were."""
        with self._store.transaction() as session:
            user = load_user(session, actor)
            result = session.execute(update(Notification)
                                     .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                     .values(read_at=utcnow()))
            return result.rowcount
