"""Clips once they exist: who may see them, publishing, likes, comments and watch telemetry."""
from __future__ import annotations

import functools
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from workbench.actors import ActorRef, audit, load_actor, load_user
from workbench.errors import Conflict, Forbidden, InvalidInput, NotFound
from workbench.media.codec import poster
from workbench.social.consent import (
    lapsed_grants,
    require_grants,
    without_lapsed_grants,
)
from workbench.social.notifications import (
    tell_commented,
    tell_liked,
    tell_published,
    tell_taken_down,
)
from workbench.social.view_tickets import ViewTicket, read_ticket, sign_ticket
from workbench.states import videos as video_states
from workbench.store.db import Store, insert_once
from workbench.store.id_lists import in_ids
from workbench.store.models import (
    Cameo,
    Comment,
    Like,
    Removal,
    Role,
    User,
    Video,
    VideoCameo,
    VideoMood,
    VideoStatus,
    WatchEvent,
    as_utc,
)
from workbench.words import word_forms

MAX_COMMENT_CHARS = 500
VIEW_KEY = re.compile(r"[A-Za-z0-9-]{8,36}")
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
    #: who took a removed clip down: "author", "cameo_owner" or "review" (None while it is up)
    removal: str | None = None

    @property
    def state(self) -> str:
        """The status in words; a removed clip says who removed it."""
        return {"author": "deleted by its author", "cameo_owner": "taken down by a cameo owner",
                "review": "removed by review"}.get(self.removal, self.status)


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    created_at: datetime


def cameo_owner_ids(session: Session, video_id: int) -> set[int]:
    return set(session.scalars(select(Cameo.owner_id).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                               .where(VideoCameo.video_id == video_id)))


def publicly_visible(viewer: User | None) -> ColumnElement[bool]:
    """The SQL form of "anyone may see this clip", for this viewer: published, its creator not
    suspended, and not age-restricted when the viewer is a teen or signed out. Cameo grants are checked
    on the rows (lapsed_grants), where feeds and search filter them with without_lapsed_grants."""
    return visible_condition(viewer is None or viewer.is_teen)


@functools.cache
def visible_condition(restricted: bool) -> ColumnElement[bool]:
    """publicly_visible's condition, built once for each kind of viewer: `restricted` (a teen, or
    signed out) also hides age-restricted clips."""
    author = aliased(User)
    suspended_author = select(author.id).where(author.id == Video.author_id, author.suspended.is_(True)).exists()
    condition = (Video.status == VideoStatus.PUBLISHED) & ~suspended_author
    if restricted:
        condition = condition & Video.age_restricted.is_(False)
    return condition


def listed_for(query, viewer: User | None):
    """Narrow a query of clips to those a viewer may find in feeds and search."""
    return query.where(publicly_visible(viewer))


def can_view(session: Session, user: User | None, video: Video) -> bool:
    """Published clips are public while every cameo in them is still granted to their author (or
    kept up by its owner) and their creator is not suspended; an age-restricted one is not shown to
    teens or to anyone signed out. Otherwise, and for drafts, a clip is seen by its author and by
    every person whose cameo is in it (they co-own it). Reviewers also see removed and withheld
    clips, and drafts the output scan held for review (a held clip is never published)."""
    public = session.scalar(select(Video.id).where(Video.id == video.id, publicly_visible(user))) is not None
    if public and not lapsed_grants(session, video):
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


def load_engageable_video(session: Session, user: User, video_id: int) -> Video:
    """The clip, if the user may like, comment on, watch or report it: one they can see that is not
    removed. A removed clip stays visible to its author, reviewers and admins as a record; it takes no
    more engagement (Conflict), and a report on it would only open a case about a closed matter."""
    video = load_visible_video(session, user, video_id)
    if video.status is VideoStatus.REMOVED:
        raise Conflict(f"clip #{video.id} was removed: it takes no likes, comments, views or reports")
    return video


def ancestry(session: Session, video: Video) -> list[Video]:
    """The clip's remix ancestors from the root down, ending with the clip itself."""
    chain = [video]
    while chain[0].remix_parent_id is not None:
        chain.insert(0, session.get(Video, chain[0].remix_parent_id))
    return chain


def moods_of(session: Session, video_ids) -> dict[int, tuple[str, ...]]:
    """The clips' moods in rank order, in one query."""
    moods: dict[int, list[str]] = {}
    for video_id, name in session.execute(select(VideoMood.video_id, VideoMood.mood)
                                          .where(in_ids(VideoMood.video_id, video_ids)).order_by(VideoMood.rank)).all():
        moods.setdefault(video_id, []).append(name)
    return {video_id: tuple(names) for video_id, names in moods.items()}


def video_views(session: Session, videos: list[Video], media_dir: Path, *,
                known: Mapping[int, tuple[str, tuple[str, ...]]] | None = None) -> list[VideoView]:
    """Turn rows into views (likes and views from the clips' counters, comments in one grouped query).
    `known`: each clip's author handle and moods where the caller has them already (For You's clip
    facts), so they are not read again."""
    ids = [v.id for v in videos]
    if not ids:
        return []
    comments = dict(session.execute(select(Comment.video_id, func.count()).where(Comment.video_id.in_(ids))
                                    .group_by(Comment.video_id)).all())
    if known is None:
        moods = moods_of(session, ids)
        authors = dict(session.execute(select(User.id, User.handle).where(User.id.in_({v.author_id for v in videos}))).all())
    else:
        moods = {video_id: clip_moods for video_id, (_, clip_moods) in known.items()}
        authors = {v.author_id: known[v.id][0] for v in videos}
    return [
        VideoView(
            id=v.id, author=authors[v.author_id], status=v.status.value, prompt=v.prompt, caption=v.caption,
            moods=tuple(moods.get(v.id, ())), duration_s=v.duration_s, width=v.width, height=v.height,
            media_file=media_dir / v.media_path, media_sha256=v.media_sha256, backend=v.backend, seed=v.seed,
            remix_parent_id=v.remix_parent_id, remix_root_id=v.remix_root_id, remix_depth=v.remix_depth,
            allow_remix=v.allow_remix, created_at=as_utc(v.created_at), published_at=as_utc(v.published_at),
            held_reason=v.held_reason, label=v.label, age_restricted=v.age_restricted, like_count=v.like_count, view_count=v.view_count, comment_count=comments.get(v.id, 0),
            removal=v.removal.value if v.removal else None,
        )
        for v in videos
    ]


class VideoService:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._ticket_key = secrets.token_bytes(32)  # signs this process's view tickets (view_tickets.py)

    def _view(self, session: Session, video: Video) -> VideoView:
        return video_views(session, [video], self._store.media_dir)[0]

    def get(self, actor: ActorRef | None, video_id: int) -> VideoView:
        with self._store.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            return self._view(session, load_visible_video(session, user, video_id))

    def thumbnail(self, clip: VideoView) -> Path:
        """A still of the clip for grids and lists (made on first use, kept beside the clips)."""
        return poster(clip.media_file, self._store.media_dir / "thumbnails" / f"{clip.media_file.stem}.jpg")

    def by_author(self, actor: ActorRef | None, author: ActorRef) -> list[VideoView]:
        """An author's clips that the actor may see, newest first."""
        with self._store.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            owner = load_user(session, author)
            rows = session.scalars(select(Video).where(Video.author_id == owner.id).order_by(Video.id.desc()))
            return video_views(session, [v for v in rows if can_view(session, user, v)], self._store.media_dir)

    def search(self, actor: ActorRef, text: str, *, limit: int = 20) -> list[VideoView]:
        """Published clips the actor may see whose caption, prompt or author's handle contains every
        word of `text` (case-insensitive, a plural as its singular), newest first. Removed clips never match."""
        words = (text or "").lower().split()
        if not words or len(words) > MAX_SEARCH_WORDS or any(len(w) > MAX_SEARCH_WORD_CHARS for w in words):
            raise InvalidInput(f"search for 1-{MAX_SEARCH_WORDS} words of at most {MAX_SEARCH_WORD_CHARS} characters")
        limit = max(1, min(int(limit), MAX_SEARCH_RESULTS))
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            query = listed_for(select(Video).join(User, User.id == Video.author_id), user)
            for word in words:  # "otters" finds "otter" too, "puppy" finds "puppies"
                query = query.where(or_(*(condition for form in word_forms(word) for condition in (
                    Video.caption.icontains(form, autoescape=True), Video.prompt.icontains(form, autoescape=True),
                    User.handle.icontains(form.lstrip("@"), autoescape=True)))))
            rows = session.scalars(query.order_by(Video.published_at.desc(), Video.id.desc()).limit(limit * 2))
            return video_views(session, without_lapsed_grants(session, list(rows))[:limit], self._store.media_dir)

    def publish(self, actor: ActorRef, video_id: int) -> VideoView:
        with self._store.transaction() as session:
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
                if video_states.publish(session, video):
                    audit(session, user, "video.publish", "video", video.id)
                    tell_published(session, video)
            return self._view(session, video)

    def remove(self, actor: ActorRef, video_id: int, reason: str = "") -> VideoView:
        """Take a clip down: it leaves every feed at once. Its author may delete it; an admin's
        removal is the platform's (it joins the re-upload list)."""
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if video.author_id == user.id:
                by = Removal.AUTHOR
            elif user.role is Role.ADMIN:
                by = Removal.REVIEW
            else:
                raise Forbidden("only the author or an admin can remove this clip")
            if video_states.remove(session, video, by):
                audit(session, user, "video.remove", "video", video.id, reason=reason)
                tell_taken_down(session, video, user, reason)
            return self._view(session, video)

    def set_remix_allowed(self, actor: ActorRef, video_id: int, allowed: bool) -> VideoView:
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if video.author_id != user.id:
                raise Forbidden("only the author can change who may remix a clip")
            video.allow_remix = bool(allowed)
            audit(session, user, "video.remix_setting", "video", video.id, allowed=bool(allowed))
            return self._view(session, video)

    def lineage(self, actor: ActorRef | None, video_id: int) -> list[VideoView]:
        """The clip's ancestors from the root down to the clip itself (those the actor may see)."""
        with self._store.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            chain = ancestry(session, load_visible_video(session, user, video_id))
            return video_views(session, [v for v in chain if can_view(session, user, v)], self._store.media_dir)

    def remix_tree(self, actor: ActorRef | None, video_id: int) -> list[VideoView]:
        """The whole remix tree the clip belongs to (its root and every remix under it, at any depth)
        as far as the actor may see it, root first, then by id."""
        with self._store.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            clip = load_visible_video(session, user, video_id)
            root = clip.remix_root_id or clip.id
            rows = session.scalars(select(Video).where(or_(Video.id == root, Video.remix_root_id == root))
                                   .order_by(Video.remix_depth, Video.id))
            return video_views(session, [v for v in rows if can_view(session, user, v)], self._store.media_dir)

    def like(self, actor: ActorRef, video_id: int) -> bool:
        """Like a clip; liking twice is harmless. Returns True if a new like was recorded."""
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_engageable_video(session, user, video_id)
            added = insert_once(session, Like(user_id=user.id, video_id=video.id))
            if added:
                _count(session, video.id, like_count=1)
                tell_liked(session, video, user)
            return added

    def unlike(self, actor: ActorRef, video_id: int) -> bool:
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            removed = session.execute(delete(Like).where(Like.user_id == user.id, Like.video_id == video.id)).rowcount
            if removed:
                _count(session, video.id, like_count=-1)
            return bool(removed)

    def liked(self, actor: ActorRef, video_id: int) -> bool:
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            return session.get(Like, (user.id, video_id)) is not None

    def comment(self, actor: ActorRef, video_id: int, body: str) -> CommentView:
        body = (body or "").strip()
        if not body:
            raise InvalidInput("a comment cannot be empty")
        if len(body) > MAX_COMMENT_CHARS:
            raise InvalidInput(f"a comment is at most {MAX_COMMENT_CHARS} characters (this one has {len(body)})")
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_engageable_video(session, user, video_id)
            comment = Comment(video_id=video.id, author_id=user.id, body=body)
            session.add(comment)
            session.flush()
            tell_commented(session, video, user, body)
            return CommentView(comment.id, user.handle, comment.body, as_utc(comment.created_at))

    def comments(self, actor: ActorRef | None, video_id: int) -> list[CommentView]:
        with self._store.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            video = load_visible_video(session, user, video_id)
            rows = session.execute(select(Comment, User.handle).join(User, User.id == Comment.author_id)
                                   .where(Comment.video_id == video.id).order_by(Comment.id))
            return [CommentView(c.id, handle, c.body, as_utc(c.created_at)) for c, handle in rows]

    def watch(self, actor: ActorRef, video_id: int, watched_s: float, *, loops: int = 0,
              completed: bool | None = None, source: str = "app", view_key: str | None = None,
              feed_policy: str | None = None, page: FeedShowing | None = None) -> int:
        """Record one view. ``watched_s`` counts every second played, loops included (``loops``: how
        often playback wrapped from the end to the start); ``completed`` defaults to whether playback
        reached the end. A player reporting as playback goes on passes the same ``view_key`` each
        time: the view's row is updated (never decreased) instead of counting another view.
        ``feed_policy`` names the ranking policy that showed the clip, ``page`` where and with which
        propensities (For You). Returns the event id."""
        if not (isinstance(watched_s, (int, float)) and math.isfinite(watched_s) and watched_s >= 0):
            raise InvalidInput("watched seconds must be a number >= 0")
        if not (isinstance(loops, int) and not isinstance(loops, bool) and loops >= 0):
            raise InvalidInput("loops must be a whole number >= 0")
        if view_key is not None and not VIEW_KEY.fullmatch(str(view_key)):
            raise InvalidInput("a view key is 8-36 letters, digits or dashes")
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_engageable_video(session, user, video_id)
            longest_possible = video.duration_s * (loops + 1) + COMPLETION_TOLERANCE_S
            if watched_s > longest_possible:
                raise InvalidInput(f"{watched_s:.1f} s watched is more than {loops + 1} play(s) of a "
                                   f"{video.duration_s:.1f} s clip")
            if completed is None:
                completed = loops > 0 or watched_s >= video.duration_s - COMPLETION_TOLERANCE_S
            event = WatchEvent(video_id=video.id, viewer_id=user.id, watched_s=float(watched_s),
                               clip_duration_s=video.duration_s, loops=loops, completed=bool(completed), source=source,
                               view_key=view_key, feed_policy=feed_policy, **_showing_columns(page))
            if insert_once(session, event):
                _count(session, video.id, view_count=1, completed_view_count=int(bool(completed)))
                return event.id
            earlier = session.scalar(select(WatchEvent).where(WatchEvent.view_key == view_key).with_for_update())
            if (earlier.viewer_id, earlier.video_id) != (user.id, video.id):
                raise Conflict("that view key belongs to another view")
            newly_completed = bool(completed) and not earlier.completed
            earlier.watched_s = max(earlier.watched_s, float(watched_s))
            earlier.loops = max(earlier.loops, loops)
            earlier.completed = earlier.completed or bool(completed)
            if newly_completed:
                _count(session, video.id, completed_view_count=1)
            return earlier.id

    def view_ticket(self, actor: ActorRef, video_id: int, view_key: str, *, feed_policy: str | None = None,
                    page: FeedShowing | None = None) -> str:
        """A signed ticket for one showing of a clip, for the browser to send its watch reports with
        (``report_view``); checked now as far as it can be, and again at each report."""
        if not VIEW_KEY.fullmatch(str(view_key)):
            raise InvalidInput("a view key is 8-36 letters, digits or dashes")
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            load_engageable_video(session, user, video_id)
            return sign_ticket(self._ticket_key, ViewTicket(user.handle, video_id, view_key, feed_policy,
                                                            **_showing_columns(page, ticket=True)))

    def report_view(self, ticket: str, watched_s: float, loops: int) -> int:
        """The browser's report of a showing, under the ticket the page gave it: recorded as
        ``watch`` records it, in the ticket's viewer's name. Forbidden for a ticket this process did
        not sign."""
        view = read_ticket(self._ticket_key, ticket)
        page = FeedShowing(view.page_key, view.slot, view.propensity, view.targets) if view.page_key else None
        return self.watch(view.viewer, view.video_id, watched_s, loops=loops, view_key=view.view_key,
                          source="browser", feed_policy=view.feed_policy, page=page)


@dataclass(frozen=True)
class FeedShowing:
    """Where a For You view was shown: the page's key, the slot, the serving policy's propensity and
    every policy's (FeedItem's page_key, slot, propensity, targets)."""
    page_key: str
    slot: int
    propensity: float
    targets: dict[str, float] | None = None


def _showing_columns(page: FeedShowing | None, *, ticket: bool = False) -> dict:
    if page is None:
        return {}
    if not (0.0 < page.propensity <= 1.0) or page.slot < 0:
        raise InvalidInput("a feed showing has a slot >= 0 and a propensity in (0, 1]")
    return {"page_key": page.page_key, "slot": page.slot, "propensity": page.propensity,
            ("targets" if ticket else "target_propensities"): page.targets}


def _count(session: Session, video_id: int, **deltas: int) -> None:
    """Move a clip's engagement counters in one UPDATE (safe under concurrent likes and views)."""
    session.execute(update(Video).where(Video.id == video_id)
                    .values({name: getattr(Video, name) + delta for name, delta in deltas.items()}))


def recount_engagement(session: Session) -> None:
    """Recompute every clip's counters from the likes and views (after rows were written in bulk)."""
    likes = select(func.count()).where(Like.video_id == Video.id).scalar_subquery()
    views = select(func.count()).where(WatchEvent.video_id == Video.id).scalar_subquery()
    completed = select(func.count()).where(WatchEvent.video_id == Video.id, WatchEvent.completed).scalar_subquery()
    session.execute(update(Video).values(like_count=likes, view_count=views, completed_view_count=completed))
