"""Clips once they exist: who may see them, publishing, likes, comments and watch telemetry."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor, load_user
from workbench.cameo.consent import lapsed_grants, require_grants, without_lapsed_grants
from workbench.errors import Forbidden, InvalidInput, NotFound
from workbench.store.db import insert_once
from workbench.store.models import (
    Cameo, Comment, Like, Role, User, Video, VideoCameo, VideoStatus, WatchEvent, as_utc, utcnow,
)

MAX_COMMENT_CHARS = 500
MAX_SEARCH_WORDS = 8
MAX_SEARCH_WORD_CHARS = 64
MAX_SEARCH_RESULTS = 100
#: a view counts as complete when playback got this close to the clip's end (seconds)
COMPLETION_TOLERANCE_S = 0.25


@dataclass(frozen=True)
class VideoView:
    id: int
    author: str
    status: str
    prompt: str
    caption: str
    moods: tuple[str, ...]
    duration_s: float
    width: int
    height: int
    media_file: Path
    media_sha256: str
    backend: str
    seed: int
    remix_parent_id: int | None
    remix_root_id: int | None
    remix_depth: int
    allow_remix: bool
    created_at: datetime
    published_at: datetime | None
    #: why the output scan or the prompt policy held it back for review (None when it was not)
    held_reason: str | None = None
    #: a reviewer's label shown with the clip ("ai_generated", "satire") and age restriction
    label: str | None = None
    age_restricted: bool = False
    like_count: int = 0
    view_count: int = 0
    comment_count: int = 0


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    created_at: datetime


def cameo_owner_ids(session: Session, video_id: int) -> set[int]:
    return set(session.scalars(select(Cameo.owner_id).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                               .where(VideoCameo.video_id == video_id)))


def listed_for(query, viewer: User):
    """Narrow a query of clips to those a viewer may find in feeds and search: published, not by a
    suspended creator, and not age-restricted when the viewer is a teen (the SQL form of the public
    part of can_view; cameo grants are checked on the rows, by without_lapsed_grants)."""
    query = query.where(Video.status == VideoStatus.PUBLISHED,
                        Video.author_id.not_in(select(User.id).where(User.suspended.is_(True))))
    return query.where(Video.age_restricted.is_(False)) if viewer.is_teen else query


def can_view(session: Session, user: User | None, video: Video) -> bool:
    """Published clips are public while every cameo in them is still granted to their author (or
    kept up by its owner) and their creator is not suspended; an age-restricted one is not shown to
    teens or to anyone signed out. Otherwise, and for drafts, a clip is seen by its author and by
    every person whose cameo is in it (they co-own it). Reviewers also see removed and withheld
    clips, and drafts the output scan held for review (a held clip is never published)."""
    if (video.status is VideoStatus.PUBLISHED and not video.author.suspended
            and not (video.age_restricted and (user is None or user.is_teen)) and not lapsed_grants(session, video)):
        return True
    if user is None:
        return False
    if user.id == video.author_id or user.role is Role.ADMIN:
        return True
    if user.id in cameo_owner_ids(session, video.id):
        return True
    return (video.status is not VideoStatus.DRAFT or video.held_reason is not None) and user.role is Role.REVIEWER


def load_visible_video(session: Session, user: User | None, video_id: int) -> Video:
    """The clip, or NotFound; a clip the user may not see is reported as not found, not forbidden,
    so that its existence does not leak."""
    video = session.get(Video, video_id) if isinstance(video_id, int) and not isinstance(video_id, bool) else None
    if video is None or not can_view(session, user, video):
        raise NotFound(f"no clip #{video_id}")
    return video


def video_views(session: Session, videos: list[Video], media_dir: Path) -> list[VideoView]:
    """Turn rows into views, with like, view and comment counts fetched in three grouped queries."""
    ids = [v.id for v in videos]
    if not ids:
        return []

    def counts(column) -> dict[int, int]:
        rows = session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column))
        return dict(rows.all())

    likes, views, comments = counts(Like.video_id), counts(WatchEvent.video_id), counts(Comment.video_id)
    authors = dict(session.execute(select(User.id, User.handle).where(User.id.in_({v.author_id for v in videos}))).all())
    return [
        VideoView(
            id=v.id, author=authors[v.author_id], status=v.status.value, prompt=v.prompt, caption=v.caption,
            moods=tuple(m.mood for m in v.moods), duration_s=v.duration_s, width=v.width, height=v.height,
            media_file=media_dir / v.media_path, media_sha256=v.media_sha256, backend=v.backend, seed=v.seed,
            remix_parent_id=v.remix_parent_id, remix_root_id=v.remix_root_id, remix_depth=v.remix_depth,
            allow_remix=v.allow_remix, created_at=as_utc(v.created_at), published_at=as_utc(v.published_at),
            held_reason=v.held_reason, label=v.label, age_restricted=v.age_restricted, like_count=likes.get(v.id, 0), view_count=views.get(v.id, 0), comment_count=comments.get(v.id, 0),
        )
        for v in videos
    ]


class VideoService:
    def __init__(self, workbench) -> None:
        self._wb = workbench

    def _view(self, session: Session, video: Video) -> VideoView:
        return video_views(session, [video], self._wb.media_dir)[0]

    def get(self, actor: ActorRef | None, video_id: int) -> VideoView:
        with self._wb.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            return self._view(session, load_visible_video(session, user, video_id))

    def by_author(self, actor: ActorRef | None, author: ActorRef) -> list[VideoView]:
        """An author's clips that the actor may see, newest first."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            owner = load_user(session, author)
            rows = session.scalars(select(Video).where(Video.author_id == owner.id).order_by(Video.id.desc()))
            return video_views(session, [v for v in rows if can_view(session, user, v)], self._wb.media_dir)

    def search(self, actor: ActorRef, text: str, *, limit: int = 20) -> list[VideoView]:
        """Published clips the actor may see whose caption, prompt or author's handle contains every
        word of `text` (case-insensitive), newest first. Removed clips never match."""
        words = (text or "").lower().split()
        if not words or len(words) > MAX_SEARCH_WORDS or any(len(w) > MAX_SEARCH_WORD_CHARS for w in words):
            raise InvalidInput(f"search for 1-{MAX_SEARCH_WORDS} words of at most {MAX_SEARCH_WORD_CHARS} characters")
        limit = max(1, min(int(limit), MAX_SEARCH_RESULTS))
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            query = listed_for(select(Video).join(User, User.id == Video.author_id), user)
            for word in words:
                query = query.where(or_(Video.caption.icontains(word, autoescape=True),
                                        Video.prompt.icontains(word, autoescape=True),
                                        User.handle.icontains(word.lstrip("@"), autoescape=True)))
            rows = session.scalars(query.order_by(Video.published_at.desc(), Video.id.desc()).limit(limit * 2))
            return video_views(session, without_lapsed_grants(session, list(rows))[:limit], self._wb.media_dir)

    def publish(self, actor: ActorRef, video_id: int) -> VideoView:
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if video.author_id != user.id:
                raise Forbidden("only the author can publish a clip")
            if video.status is VideoStatus.REMOVED:
                raise Forbidden(f"clip #{video.id} was removed and cannot be published")
            if video.held_reason:
                raise Forbidden(f"clip #{video.id} is held for review ({video.held_reason}) and cannot be published yet")
            if video.status is VideoStatus.DRAFT:
                cameos = session.scalars(select(Cameo).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                                         .where(VideoCameo.video_id == video.id))
                try:
                    require_grants(session, user, cameos)
                except Forbidden as refused:
                    raise Forbidden(f"clip #{video.id} cannot be published: {refused}") from None
                video.status = VideoStatus.PUBLISHED
                video.published_at = utcnow()
                audit(session, user, "video.publish", "video", video.id)
            return self._view(session, video)

    def remove(self, actor: ActorRef, video_id: int, reason: str = "") -> VideoView:
        """Take a clip down: it leaves every feed at once. Its author or an admin may do this."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if video.author_id != user.id and user.role is not Role.ADMIN:
                raise Forbidden("only the author or an admin can remove this clip")
            if video.status is not VideoStatus.REMOVED:
                video.status, video.removed_at = VideoStatus.REMOVED, utcnow()
                audit(session, user, "video.remove", "video", video.id, reason=reason)
            return self._view(session, video)

    def set_remix_allowed(self, actor: ActorRef, video_id: int, allowed: bool) -> VideoView:
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if video.author_id != user.id:
                raise Forbidden("only the author can change who may remix a clip")
            video.allow_remix = bool(allowed)
            audit(session, user, "video.remix_setting", "video", video.id, allowed=bool(allowed))
            return self._view(session, video)

    def lineage(self, actor: ActorRef | None, video_id: int) -> list[VideoView]:
        """The clip's ancestors from the root down to the clip itself (those the actor may see)."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            chain = [load_visible_video(session, user, video_id)]
            while chain[0].remix_parent_id is not None:
                chain.insert(0, session.get(Video, chain[0].remix_parent_id))
            return video_views(session, [v for v in chain if can_view(session, user, v)], self._wb.media_dir)

    def like(self, actor: ActorRef, video_id: int) -> bool:
        """Like a clip; liking twice is harmless. Returns True if a new like was recorded."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            return insert_once(session, Like(user_id=user.id, video_id=video.id))

    def unlike(self, actor: ActorRef, video_id: int) -> bool:
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            like = session.get(Like, (user.id, load_visible_video(session, user, video_id).id))
            if like is None:
                return False
            session.delete(like)
            return True

    def liked(self, actor: ActorRef, video_id: int) -> bool:
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            return session.get(Like, (user.id, video_id)) is not None

    def comment(self, actor: ActorRef, video_id: int, body: str) -> CommentView:
        body = (body or "").strip()
        if not body:
            raise InvalidInput("a comment cannot be empty")
        if len(body) > MAX_COMMENT_CHARS:
            raise InvalidInput(f"a comment is at most {MAX_COMMENT_CHARS} characters (this one has {len(body)})")
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            comment = Comment(video_id=video.id, author_id=user.id, body=body)
            session.add(comment)
            session.flush()
            return CommentView(comment.id, user.handle, comment.body, as_utc(comment.created_at))

    def comments(self, actor: ActorRef | None, video_id: int) -> list[CommentView]:
        with self._wb.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            video = load_visible_video(session, user, video_id)
            rows = session.execute(select(Comment, User.handle).join(User, User.id == Comment.author_id)
                                   .where(Comment.video_id == video.id).order_by(Comment.id))
            return [CommentView(c.id, handle, c.body, as_utc(c.created_at)) for c, handle in rows]

    def watch(self, actor: ActorRef, video_id: int, watched_s: float, *, loops: int = 0,
              completed: bool | None = None, source: str = "app") -> int:
        """Record one view. ``watched_s`` counts every second played, loops included; ``completed``
        defaults to whether playback reached the end. Returns the event id."""
        if not (isinstance(watched_s, (int, float)) and watched_s >= 0):
            raise InvalidInput("watched seconds must be a number >= 0")
        if not (isinstance(loops, int) and loops >= 0):
            raise InvalidInput("loops must be a whole number >= 0")
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            longest_possible = video.duration_s * (loops + 1) + COMPLETION_TOLERANCE_S
            if watched_s > longest_possible:
                raise InvalidInput(f"{watched_s:.1f} s watched is more than {loops + 1} play(s) of a "
                                   f"{video.duration_s:.1f} s clip")
            if completed is None:
                completed = loops > 0 or watched_s >= video.duration_s - COMPLETION_TOLERANCE_S
            event = WatchEvent(video_id=video.id, viewer_id=user.id, watched_s=float(watched_s),
                               clip_duration_s=video.duration_s, loops=loops, completed=bool(completed), source=source)
            session.add(event)
            session.flush()
            return event.id
