"""Telemetry as tables for analytics pages and notebooks (pandas is imported only when asked)."""
from __future__ import annotations

from sqlalchemy import select

from workbench.actors import OPERATOR, load_actor
from workbench.store.models import Role, User, Video, WatchEvent

WATCH_COLUMNS = ["event_id", "video_id", "viewer_id", "author", "watched_s", "clip_duration_s", "loops",
                 "completed", "source", "created_at"]


class AnalyticsService:
    def __init__(self, workbench) -> None:
        self._wb = workbench

    def watch_events(self, actor):
        """Watch events as a DataFrame: all of them for the OPERATOR (notebooks) and admins,
        otherwise those on the actor's own clips (creator analytics)."""
        import pandas as pd

        with self._wb.transaction() as session:
            query = (select(WatchEvent.id, WatchEvent.video_id, WatchEvent.viewer_id, User.handle,
                            WatchEvent.watched_s, WatchEvent.clip_duration_s, WatchEvent.loops,
                            WatchEvent.completed, WatchEvent.source, WatchEvent.created_at)
                     .join(Video, Video.id == WatchEvent.video_id).join(User, User.id == Video.author_id)
                     .order_by(WatchEvent.id))
            if actor is not OPERATOR:
                user = load_actor(session, actor)
                if user.role is not Role.ADMIN:
                    query = query.where(Video.author_id == user.id)
            return pd.DataFrame(session.execute(query).all(), columns=WATCH_COLUMNS)
