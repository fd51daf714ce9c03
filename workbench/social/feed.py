"""The feed: Following (newest from people you follow) and For You (popularity with recency decay).

Every item says why it is there. Richer, steerable policies arrive behind the same FeedItem shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from workbench.actors import ActorRef, load_actor
from workbench.cameo.consent import without_lapsed_grants
from workbench.errors import InvalidInput
from workbench.generation.moods import mood_names
from workbench.social.users import follows_of
from workbench.social.videos import VideoView, listed_for, video_views
from workbench.store.models import Video, VideoMood

#: For You ranks at most this many of the newest published clips
CANDIDATE_POOL = 2000
MAX_PAGE = 100
#: Hacker-News-style gravity: how fast a clip's score decays with age in hours
GRAVITY = 1.5


@dataclass(frozen=True)
class FeedItem:
    video: VideoView
    reason: str
    score: float


def popularity_score(likes: int, views: int, age_hours: float) -> float:
    """Engagement over age, decayed like Hacker News ranking: (1 + 2 likes + views) / (age + 2)^g."""
    return (1.0 + 2.0 * likes + views) / (max(age_hours, 0.0) + 2.0) ** GRAVITY


class FeedService:
    TABS = ("for_you", "following")

    def __init__(self, workbench) -> None:
        self._wb = workbench

    def page(self, actor: ActorRef, tab: str = "for_you", *, mood: str | None = None, limit: int = 20,
             offset: int = 0) -> list[FeedItem]:
        if tab not in self.TABS:
            raise InvalidInput(f"unknown feed tab {tab!r}; choose one of {', '.join(self.TABS)}")
        if mood is not None and mood not in mood_names():
            raise InvalidInput(f"unknown mood {mood!r}; choose one of {', '.join(mood_names())}")
        if not (1 <= limit <= MAX_PAGE) or offset < 0:
            raise InvalidInput(f"a feed page holds 1-{MAX_PAGE} items from an offset >= 0")
        with self._wb.transaction() as session:
            me = load_actor(session, actor)
            query = (listed_for(select(Video), me).where(Video.author_id != me.id)
                     .order_by(Video.published_at.desc(), Video.id.desc()))
            if mood is not None:
                query = query.join(VideoMood, VideoMood.video_id == Video.id).where(VideoMood.mood == mood)
            if tab == "following":
                followed = follows_of(session, me.id)
                rows = session.scalars(query.where(Video.author_id.in_(followed)).offset(offset).limit(limit)).all()
                return [FeedItem(v, f"From @{v.author}, whom you follow", 0.0)
                        for v in video_views(session, without_lapsed_grants(session, list(rows)), self._wb.media_dir)]
            rows = without_lapsed_grants(session, list(session.scalars(query.limit(CANDIDATE_POOL))))
            now = datetime.now(timezone.utc)
            scored = []
            for view in video_views(session, rows, self._wb.media_dir):
                age_hours = (now - view.published_at).total_seconds() / 3600
                scored.append((popularity_score(view.like_count, view.view_count, age_hours), view))
            scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
            return [FeedItem(view, _for_you_reason(view), round(score, 6))
                    for score, view in scored[offset:offset + limit]]


def _for_you_reason(view: VideoView) -> str:
    if view.like_count or view.view_count:
        return f"Popular lately: {view.like_count} likes, {view.view_count} views"
    return f"New from @{view.author}"
