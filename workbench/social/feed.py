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

import functools
import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor, require_role
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.media.moods import mood_names
from workbench.social.candidates import ClipFacts, pooled
from workbench.social.consent import without_lapsed_grants
from workbench.social.kept_pages import KeptRanking, ranking_key
from workbench.social.ranking import (
    DEFAULT_POLICY,
    POLICIES,
    TEEN_POLICY,
    FeedContext,
    MoodSteered,
    explored_propensity,
    policy_named,
    round_score,
)
from workbench.social.steering import parse_steering
from workbench.social.users import follows_of
from workbench.social.videos import (
    FeedShowing,
    VideoView,
    load_visible_video,
    video_views,
    visible_condition,
)
from workbench.states.users import feed_changed
from workbench.store.db import Store, insert_once
from workbench.store.models import (
    Dismissal,
    FeedExperiment,
    Role,
    User,
    Video,
    VideoMood,
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

    def __init__(self, store: Store, models, *, rankings, exploration: float = 0.0) -> None:
        """`models`: the process's shared models (workbench.core.Models), loaded on first use;
        `exploration`: the chance that a For You page is drawn uniformly from the candidates instead
        of the policy's top (epsilon-greedy), so that logs support off-policy evaluation;
        `rankings`: where rankings are kept between pages (workbench.social.kept_pages)."""
        self._store, self._models, self._exploration = store, models, exploration
        self._rankings = rankings
        self._facts = ClipFacts()

    def warm_up(self) -> int:
        """Read the newest published clips' ranking facts (ClipFacts.preload), so that people's first
        pages after a start read none: the app calls it once, in the background. Returns how many."""
        return self._facts.preload(self._store.reading)

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
        with self._store.reading() as session:
            me = load_actor(session, actor)
            base, params = feed_clips(me, mood)
            if tab == "following":
                rows = session.scalars(base.where(Video.author_id.in_(follows_of(session, me.id)))
                                       .order_by(Video.published_at.desc(), Video.id.desc())
                                       .offset(offset).limit(limit), params).all()
                return [FeedItem(v, f"From @{v.author}, whom you follow", 0.0)
                        for v in video_views(session, without_lapsed_grants(session, list(rows)), self._store.media_dir)]
            name = _policy_name(session, me, policy)
            ranker = _ranker(name, steering)
            exploring = self._exploration > 0
            # a kept ranking is served while it is fresh and the person's feed version is the same: likes
            # and views do not reshuffle the page they scroll; a fixed `now` always ranks afresh
            key = ranking_key(me.id, me.feed_version, ranker.name, mood, steer)
            ranking = self._rankings.get(key) if now is None else None
            if ranking is None:
                ranking = self._rank(session, me, base, params, name, ranker, steering, now, exploring)
                if now is None:
                    self._rankings.put(key, ranking)
            greedy = ranking.at(range(offset, min(len(ranking), offset + limit + 10)))
            # what may be shown is checked on what is about to be shown, a few extra in case some went:
            # still visible to this viewer (not removed, its author not suspended) and its cameo grants held
            wanted = (ranking.at(_DRAW.sample(range(len(ranking)), min(len(ranking), limit + 10)))
                      if exploring and _DRAW.random() < self._exploration else greedy)
            rows = {v.id: v for v in session.scalars(base.where(Video.id.in_([r.video_id for r in wanted])), params)}
            shown = {v.id for v in without_lapsed_grants(session, [rows[r.video_id] for r in wanted if r.video_id in rows])}
            kept = [r for r in wanted if r.video_id in shown][:limit]
            facts = self._facts.of(session, [r.video_id for r in kept])
            views = {v.id: v for v in video_views(session, [rows[r.video_id] for r in kept], self._store.media_dir,
                                                  known={i: (f[1], f[3]) for i, f in facts.items()})}
            tops = {name: {r.video_id for r in greedy[:limit]}}
            if exploring:  # what every other policy would have put on this page (a teen gets the teen policy's)
                for other in POLICIES:
                    order = ranking.others.get(other)
                    tops.setdefault(other, tops[name] if order is None else set(order[offset:offset + limit]))
            page_key = str(uuid.uuid4())
            return [FeedItem(views[r.video_id], r.reason, round_score(r.score), ranker.name, page_key, slot,
                             float(explored_propensity(r.video_id in tops[name], limit, len(ranking), self._exploration)),
                             {name: float(r.video_id in top) for name, top in tops.items()} if exploring else None)
                    for slot, r in enumerate(kept)]

    def _rank(self, session: Session, me: User, base, params: dict, name: str, ranker, steering,
              now: datetime | None, exploring: bool) -> KeptRanking:
        """The viewer's ranking by `ranker` over their candidates; when the feed explores, each other
        policy's order too (a teen's page is the teen policy's whatever the policy)."""
        personal = name != TEEN_POLICY
        read = pooled(session, self._facts, base, params, personal)
        candidates = read.candidates
        context = FeedContext(
            viewer_id=me.id, now=now or datetime.now(timezone.utc), seen=read.seen, dismissed=read.dismissed,
            # only followers the viewer follows back matter (mutuals): a popular viewer has thousands
            follows=read.follows, followers=read.mutuals,
            mood_weights=steering.weights if steering else {}, steer_note=steering.note if steering else "")
        others = {}
        if exploring and personal:
            for other in POLICIES:
                if other != name:
                    others[other] = tuple(r.video_id for r in _ranker(other, steering).rank(context, candidates))
        return KeptRanking.of(ranker.rank(context, candidates), others)

    def not_interested(self, actor: ActorRef, video_id: int) -> bool:
        """"Not interested" in a clip: it leaves the person's For You, and clips by its author or of
        its first mood come after the rest. Returns False if it was already dismissed."""
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            video = load_visible_video(session, me, video_id)
            if video.published_at is None:
                raise Conflict(f"clip #{video.id} was never published: it is in nobody's feed")
            added = insert_once(session, Dismissal(user_id=me.id, video_id=video.id))
            if added:
                feed_changed(session, me.id)
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
        """Choose your For You policy (None: back to the experiment's arm or the default): the next page
        is ranked afresh by it."""
        if policy is not None and policy not in POLICIES:
            raise InvalidInput(f"unknown ranking policy {policy!r}; choose one of {', '.join(POLICIES)}")
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            me.feed_policy = policy
            feed_changed(session, me.id)
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


def _ranker(name: str, steering):
    """The policy named, steered by the viewer's words when there are any."""
    return MoodSteered(policy_named(name)) if steering else policy_named(name)


def feed_clips(viewer: User, mood: str | None):
    """The clips a viewer may find in a feed (visible to them, not their own, of the mood asked for),
    as a statement built once for each kind of viewer, and the parameters it runs with."""
    return _feed_clips(viewer.is_teen, mood is not None), {"viewer_id": viewer.id, "mood": mood}


@functools.cache
def _feed_clips(restricted: bool, with_mood: bool):
    query = select(Video).where(visible_condition(restricted), Video.author_id != bindparam("viewer_id"))
    if with_mood:
        # a probe of (video_id, mood) per clip read: as a join, PostgreSQL read every clip of the mood
        # (22,000 rows at 100,000 clips) to keep the ~700 candidates of that mood
        query = query.where(select(VideoMood.video_id).where(
            VideoMood.video_id == Video.id, VideoMood.mood == bindparam("mood")).scalar_subquery().is_not(None))
    return query


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
