"""The feed: Following (newest from people you follow) and For You (a ranking policy over candidate
pools), each item with the reason it is there and the policy that placed it.

For You gathers candidates in a few indexed queries (clips by people you follow, clips featuring
their cameos, remixes of their clips, and the newest clips, each pool capped), hands them to the
viewer's policy (workbench.social.ranking: pure, shared with the simulator) and checks cameo grants
only on what it is about to show. Which policy: teens always get the non-personalised one; else
the one asked for in the call (notebooks, the CLI), the one the person chose, the arm of the
running experiment, or connection-first.
"""
from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor, require_role
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.media.moods import mood_names
from workbench.social.consent import without_lapsed_grants
from workbench.social.ranking import (
    CONNECTED_POOL,
    DEFAULT_POLICY,
    POLICIES,
    RECENT_POOL,
    TEEN_POLICY,
    Candidate,
    FeedContext,
    MoodSteered,
    candidate_pool,
    explored_propensity,
    policy_named,
    round_score,
)
from workbench.social.steering import parse_steering
from workbench.social.users import follows_of
from workbench.social.videos import (
    FeedShowing,
    VideoView,
    listed_for,
    load_visible_video,
    moods_of,
    video_views,
)
from workbench.store.db import Store, insert_once
from workbench.store.models import (
    Cameo,
    Dismissal,
    FeedExperiment,
    Follow,
    Role,
    User,
    Video,
    VideoCameo,
    VideoMood,
    VideoStatus,
    WatchEvent,
    as_utc,
    utcnow,
)

MAX_PAGE = 100
#: exploration's draws: from the operating system, so that no viewer can predict or steer them
_DRAW = random.SystemRandom()


@dataclass(frozen=True)
class FeedItem:
    video: VideoView
    reason: str
    score: float
    #: the ranking policy that placed it ("" for Following and search)
    policy: str = ""
    #: For You only: the showing of the page (one key per call), the clip's slot on it, the chance
    #: the serving policy put it there, and the chance each policy would have (when exploring)
    page_key: str = ""
    slot: int = 0
    propensity: float = 1.0
    targets: dict[str, float] | None = None

    def showing(self) -> FeedShowing | None:
        """Where and with which propensities this item was shown, for its view (For You only)."""
        return FeedShowing(self.page_key, self.slot, self.propensity, self.targets) if self.page_key else None


@dataclass(frozen=True)
class ExperimentView:
    name: str
    arms: tuple[str, ...]
    started_at: datetime
    stopped_at: datetime | None


def experiment_arm(name: str, arms: list[str] | tuple[str, ...], user_id: int) -> str:
    """A person's arm: fixed for the experiment's life, spread evenly (sha256 of name and id)."""
    digest = hashlib.sha256(f"{name}:{user_id}".encode()).digest()
    return arms[int.from_bytes(digest[:8], "big") % len(arms)]


class FeedService:
    TABS = ("for_you", "following")

    def __init__(self, store: Store, models, *, exploration: float = 0.0) -> None:
        """`models`: the process's shared models (workbench.core.Models), loaded on first use;
        `exploration`: the chance that a For You page is drawn uniformly from the candidates instead
        of the policy's top (epsilon-greedy), so that logs support off-policy evaluation."""
        self._store, self._models, self._exploration = store, models, exploration

    def page(self, actor: ActorRef, tab: str = "for_you", *, mood: str | None = None, steer: str | None = None,
             policy: str | None = None, limit: int = 20, offset: int = 0, now: datetime | None = None) -> list[FeedItem]:
        """One page of a tab. ``mood`` keeps only clips of that mood; ``steer`` is free text such as
        "more animals, less news" (For You only); ``policy`` overrides the viewer's policy (not for teens);
        ``now`` fixes the moment clip ages are counted from (reproducible pages: notebooks, the simulator's
        equality check), the present by default."""
        if tab not in self.TABS:
            raise InvalidInput(f"unknown feed tab {tab!r}; choose one of {', '.join(self.TABS)}")
        if mood is not None and mood not in mood_names():
            raise InvalidInput(f"unknown mood {mood!r}; choose one of {', '.join(mood_names())}")
        if not (1 <= limit <= MAX_PAGE) or offset < 0:
            raise InvalidInput(f"a feed page holds 1-{MAX_PAGE} items from an offset >= 0")
        if policy is not None and policy not in POLICIES:
            raise InvalidInput(f"unknown ranking policy {policy!r}; choose one of {', '.join(POLICIES)}")
        steering = self._steering(steer) if steer and steer.strip() else None
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            base = listed_for(select(Video), me).where(Video.author_id != me.id)
            if mood is not None:
                base = base.join(VideoMood, VideoMood.video_id == Video.id).where(VideoMood.mood == mood)
            follows = follows_of(session, me.id)
            if tab == "following":
                rows = session.scalars(base.where(Video.author_id.in_(follows))
                                       .order_by(Video.published_at.desc(), Video.id.desc())
                                       .offset(offset).limit(limit)).all()
                return [FeedItem(v, f"From @{v.author}, whom you follow", 0.0)
                        for v in video_views(session, without_lapsed_grants(session, list(rows)), self._store.media_dir)]
            name = _policy_name(session, me, policy)
            personal = name != TEEN_POLICY
            candidates = _candidates(session, base, follows if personal else set())
            context = FeedContext(
                viewer_id=me.id, now=now or datetime.now(timezone.utc),
                seen=frozenset(session.scalars(select(WatchEvent.video_id).where(
                    WatchEvent.viewer_id == me.id, WatchEvent.video_id.in_([c.video_id for c in candidates])))),
                dismissed=tuple(_dismissed(session, me.id)),
                follows=frozenset(follows) if personal else frozenset(),
                # only followers the viewer follows back matter (mutuals): a popular viewer has thousands
                followers=frozenset(session.scalars(select(Follow.follower_id).where(
                    Follow.followee_id == me.id, Follow.follower_id.in_(follows)))) if personal and follows else frozenset(),
                mood_weights=steering.weights if steering else {}, steer_note=steering.note if steering else "")
            ranker = MoodSteered(policy_named(name)) if steering else policy_named(name)
            ranked = ranker.rank(context, candidates)
            greedy = ranked[offset:offset + limit + 10]
            exploring = self._exploration > 0
            # grants are checked on what is about to be shown, a few extra in case some lapsed
            wanted = _DRAW.sample(ranked, min(len(ranked), limit + 10)) if exploring and _DRAW.random() < self._exploration else greedy
            rows = {v.id: v for v in session.scalars(select(Video).where(Video.id.in_([r.video_id for r in wanted])))}
            shown = {v.id for v in without_lapsed_grants(session, [rows[r.video_id] for r in wanted])}
            kept = [r for r in wanted if r.video_id in shown][:limit]
            views = {v.id: v for v in video_views(session, [rows[r.video_id] for r in kept], self._store.media_dir)}
            tops = {name: {r.video_id for r in greedy[:limit]}}
            if exploring:  # what every other policy would have put on this page (a teen gets the teen policy's)
                for other in POLICIES:
                    other_ranker = MoodSteered(policy_named(other)) if steering else policy_named(other)
                    tops.setdefault(other, tops[name] if not personal else
                                    {r.video_id for r in other_ranker.rank(context, candidates)[offset:offset + limit]})
            page_key = str(uuid.uuid4())
            return [FeedItem(views[r.video_id], r.reason, round_score(r.score), ranker.name, page_key, slot,
                             float(explored_propensity(r.video_id in tops[name], limit, len(ranked), self._exploration)),
                             {name: float(r.video_id in top) for name, top in tops.items()} if exploring else None)
                    for slot, r in enumerate(kept)]

    def not_interested(self, actor: ActorRef, video_id: int) -> bool:
        """"Not interested" in a clip: it leaves the person's For You, and clips by its author or of
        its first mood come after the rest. Returns False if it was already dismissed."""
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            video = load_visible_video(session, me, video_id)
            added = insert_once(session, Dismissal(user_id=me.id, video_id=video.id))
            if added:
                audit(session, me, "feed.not_interested", "video", video.id)
            return added

    def _steering(self, text: str):
        try:
            return parse_steering(text, self._models.text_embedder)
        except ValueError as error:
            raise InvalidInput(str(error)) from None

    def steering(self, text: str) -> dict:
        """How steering text reads: mood weights, and the clauses that matched no mood."""
        steering = self._steering(text)
        return {"weights": steering.weights, "note": steering.note, "unmatched": list(steering.unmatched)}

    # -- which policy -----------------------------------------------------------------------------

    def policy_of(self, actor: ActorRef) -> str:
        """The For You policy this person gets now (see the module's docstring for the order)."""
        with self._store.transaction() as session:
            return _policy_name(session, load_actor(session, actor), None)

    def set_policy(self, actor: ActorRef, policy: str | None) -> str:
        """Choose your For You policy (None: back to the experiment's arm or the default)."""
        if policy is not None and policy not in POLICIES:
            raise InvalidInput(f"unknown ranking policy {policy!r}; choose one of {', '.join(POLICIES)}")
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            me.feed_policy = policy
            audit(session, me, "feed.policy", "user", me.id, policy=policy)
            return _policy_name(session, me, None)

    def start_experiment(self, actor: ActorRef, name: str, arms: list[str]) -> ExperimentView:
        """Run a ranking experiment: people who did not choose a policy get one of `arms`. Admins only;
        one experiment runs at a time."""
        name = (name or "").strip()
        arms = list(dict.fromkeys(arms or []))
        if not name or len(name) > 48:
            raise InvalidInput("an experiment needs a name of at most 48 characters")
        if len(arms) < 2 or any(arm not in POLICIES for arm in arms):
            raise InvalidInput(f"an experiment compares two or more of: {', '.join(POLICIES)}")
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            require_role(me, Role.ADMIN)
            running = _running_experiment(session)
            if running is not None:
                raise Conflict(f"experiment {running.name!r} is running; stop it first")
            if session.get(FeedExperiment, name) is not None:
                raise Conflict(f"an experiment named {name!r} already ran; pick another name")
            experiment = FeedExperiment(name=name, arms=arms)
            session.add(experiment)
            session.flush()
            audit(session, me, "feed.experiment_start", "experiment", None, name=name, arms=arms)
            return _experiment_view(experiment)

    def stop_experiment(self, actor: ActorRef, name: str) -> ExperimentView:
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            require_role(me, Role.ADMIN)
            experiment = session.get(FeedExperiment, name)
            if experiment is None:
                raise NotFound(f"no experiment named {name!r}")
            if experiment.stopped_at is None:
                experiment.stopped_at = utcnow()
                audit(session, me, "feed.experiment_stop", "experiment", None, name=name)
            return _experiment_view(experiment)

    def experiments(self) -> list[ExperimentView]:
        with self._store.transaction() as session:
            return [_experiment_view(e) for e in session.scalars(select(FeedExperiment).order_by(FeedExperiment.started_at))]


def _running_experiment(session: Session) -> FeedExperiment | None:
    return session.scalar(select(FeedExperiment).where(FeedExperiment.stopped_at.is_(None))
                          .order_by(FeedExperiment.started_at).limit(1))


def _policy_name(session: Session, user: User, asked: str | None) -> str:
    if user.is_teen:
        return TEEN_POLICY
    if asked is not None:
        return asked
    if user.feed_policy in POLICIES:
        return user.feed_policy
    running = _running_experiment(session)
    return experiment_arm(running.name, running.arms, user.id) if running else DEFAULT_POLICY


def _experiment_view(experiment: FeedExperiment) -> ExperimentView:
    return ExperimentView(experiment.name, tuple(experiment.arms), as_utc(experiment.started_at),
                          as_utc(experiment.stopped_at))


def _dismissed(session: Session, viewer_id: int) -> list[Candidate]:
    """The clips the viewer marked "Not interested", as far as ranking needs them (author, moods)."""
    rows = session.execute(select(Video.id, Video.author_id, Video.published_at).join(
        Dismissal, Dismissal.video_id == Video.id).where(Dismissal.user_id == viewer_id)).all()
    moods = moods_of(session, [row.id for row in rows]) if rows else {}
    return [Candidate(row.id, row.author_id, "", as_utc(row.published_at), moods.get(row.id, ())) for row in rows]


def _candidates(session: Session, base, follows: set[int]) -> list[Candidate]:
    """The candidate pools as ranking records: the newest clips, and (for a personalised feed) clips
    by people followed, clips with their cameos and remixes of their clips. Each pool is read from
    its own index (author, cameo owner, remix parent) without sorting the clips table; the viewer's
    filters (`base`: visibility, mood, not their own) are applied once, to the union."""
    recent = session.scalars(base.with_only_columns(Video.id)
                             .order_by(Video.published_at.desc(), Video.id.desc()).limit(RECENT_POOL)).all()
    by_follows, by_cameos, by_remixes = [], [], []
    if follows:
        published = Video.status == VideoStatus.PUBLISHED
        # newest by id (ids grow with creation): sorting integers here beats sorting the table there
        by_follows = sorted(session.scalars(select(Video.id).where(Video.author_id.in_(follows), published)), reverse=True)
        known_cameos = select(Cameo.id).where(Cameo.owner_id.in_(follows))
        by_cameos = session.scalars(select(VideoCameo.video_id).distinct().join(Video, Video.id == VideoCameo.video_id)
                                    .where(VideoCameo.cameo_id.in_(known_cameos), published)
                                    .order_by(VideoCameo.video_id.desc()).limit(CONNECTED_POOL)).all()
        by_remixes = sorted(session.scalars(select(Video.id).where(Video.remix_parent_id.in_(by_follows), published)),
                            reverse=True) if by_follows else []
    ids = candidate_pool(recent, by_follows, by_cameos, by_remixes).tolist()
    if not ids:
        return []
    rows = session.execute(base.with_only_columns(
        Video.id, Video.author_id, User.handle, Video.published_at, Video.like_count, Video.view_count,
        Video.completed_view_count, Video.remix_parent_id, Video.remix_depth)
        .join(User, User.id == Video.author_id).where(Video.id.in_(ids))).all()
    ids = [row.id for row in rows]
    moods = moods_of(session, ids)
    cameo_owners: dict[int, list[tuple[int, str]]] = {}
    for video_id, owner_id, handle in session.execute(
            select(VideoCameo.video_id, Cameo.owner_id, User.handle).join(Cameo, Cameo.id == VideoCameo.cameo_id)
            .join(User, User.id == Cameo.owner_id).where(VideoCameo.video_id.in_(ids))):
        cameo_owners.setdefault(video_id, []).append((owner_id, handle))
    parent_ids = {row.remix_parent_id for row in rows if row.remix_parent_id}
    parents = {video_id: (author_id, handle) for video_id, author_id, handle in session.execute(
        select(Video.id, Video.author_id, User.handle).join(User, User.id == Video.author_id)
        .where(Video.id.in_(parent_ids)))} if parent_ids else {}
    return [Candidate(row.id, row.author_id, row.handle, as_utc(row.published_at), moods.get(row.id, ()),
                      row.like_count, row.view_count, row.completed_view_count, tuple(cameo_owners.get(row.id, ())),
                      parents.get(row.remix_parent_id), row.remix_depth) for row in rows]
