"""Notifications: what the platform tells a person about their clips, their likeness and their
reports (moderation decisions, with the reviewer's stated reason, so they can appeal)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, load_user
from workbench.store.db import Store
from workbench.store.models import Notification, as_utc, utcnow

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
