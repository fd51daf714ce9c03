"""Telemetry as tables for analytics pages and notebooks (pandas is imported only when asked), and
the creator report: per creator and per clip, the metrics of workbench.metrics."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from workbench.actors import OPERATOR, ActorRef, load_actor, load_user
from workbench.errors import Forbidden, InvalidInput, NotFound
from workbench.social.feed import experiment_arm
from workbench.store.db import Store
from workbench.store.models import (
    Cameo,
    CaseStatus,
    FeedExperiment,
    Follow,
    ModerationCase,
    Report,
    Role,
    User,
    Video,
    VideoCameo,
    VideoStatus,
    WatchEvent,
)

#: "share of views over N seconds" uses this N
LONG_VIEW_S = 5.0


@dataclass(frozen=True)
class CreatorReport:
    creator: str
    clips: int
    views: int
    completion_rate: float
    rewatch_rate: float
    share_over_5s: float
    #: direct remixes of the creator's clips (by anyone) per view of them
    remix_rate: float
    #: clips by other people that feature one of the creator's cameos
    cameo_appearances: int
    #: completion per clip-length bucket (workbench.metrics.completion_by_duration)
    by_duration: object
    #: one row per clip: views, completion, rewatch, long views, remixes, remix rate, its tree
    per_clip: object
    #: one row per remix tree rooted at one of the creator's originals (size, depth, breadth, forks)
    trees: object

@dataclass(frozen=True)
class PlatformReport:
    """The platform as an admin watches it (pandas DataFrames)."""
    #: per UTC day: clips published, views, completion and rewatch rates, clips with cameos published,
    #: reports, decisions
    daily: object
    #: remix depth -> published clips at that depth (0: originals)
    remix_depth: object
    #: mean over viewers of the share of their views from people they do not follow (metrics.slop_exposure)
    slop_exposure: float
    #: per feed ranking policy (experiment arm): views, viewers, completion and rewatch rates
    by_feed_policy: object


WATCH_COLUMNS = ["event_id", "video_id", "viewer_id", "author", "watched_s", "clip_duration_s", "loops",
                 "completed", "source", "created_at"]
EXPERIMENT_COLUMNS = ["event_id", "video_id", "viewer_id", "watched_s", "clip_duration_s", "loops", "completed",
                      "feed_policy", "created_at"]
LOGGED_PAGE_COLUMNS = ["page_key", "slot", "video_id", "viewer_id", "watched_s", "clip_duration_s", "loops",
                       "completed", "feed_policy", "propensity", "target_propensities"]


class AnalyticsService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def watch_events(self, actor):
        """Watch events as a DataFrame: all of them for the OPERATOR (notebooks) and admins,
        otherwise those on the actor's own clips (creator analytics)."""
        import pandas as pd

        with self._store.transaction() as session:
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

    def experiment_views(self, actor: ActorRef, name: str):
        """A ranking experiment's watch events (EXPERIMENT_COLUMNS) as a DataFrame: views shown by one
        of its arms while it ran, to people it assigned that arm (not teens, nor people who chose
        their own policy: workbench.social.feed.experiment_arm). Admins (and the OPERATOR)."""
        import pandas as pd

        with self._store.transaction() as session:
            if actor is not OPERATOR:
                viewer = load_actor(session, actor)
                if viewer.role is not Role.ADMIN:
                    raise Forbidden("only admins read experiments' telemetry")
            experiment = session.get(FeedExperiment, name)
            if experiment is None:
                raise NotFound(f"no experiment named {name!r}")
            query = (select(WatchEvent.id, WatchEvent.video_id, WatchEvent.viewer_id, WatchEvent.watched_s,
                            WatchEvent.clip_duration_s, WatchEvent.loops, WatchEvent.completed, WatchEvent.feed_policy,
                            WatchEvent.created_at)
                     .join(User, User.id == WatchEvent.viewer_id)
                     .where(WatchEvent.feed_policy.in_(experiment.arms), WatchEvent.created_at >= experiment.started_at,
                            User.is_teen.is_(False), User.feed_policy.is_(None))
                     .order_by(WatchEvent.id))
            if experiment.stopped_at is not None:
                query = query.where(WatchEvent.created_at <= experiment.stopped_at)
            views = pd.DataFrame(session.execute(query).all(), columns=EXPERIMENT_COLUMNS)
            arms = list(experiment.arms)
        assigned = [experiment_arm(name, arms, int(viewer)) == policy
                    for viewer, policy in zip(views["viewer_id"], views["feed_policy"])]
        return views[pd.Series(assigned, index=views.index, dtype=bool)].reset_index(drop=True)

    def logged_pages(self, actor: ActorRef):
        """For You views logged with their page, slot and propensities (the feed explored: Settings.
        feed_exploration), as a DataFrame (LOGGED_PAGE_COLUMNS): what off-policy evaluation reads.
        Admins (and the OPERATOR)."""
        import pandas as pd

        with self._store.transaction() as session:
            if actor is not OPERATOR and load_actor(session, actor).role is not Role.ADMIN:
                raise Forbidden("only admins read the feed's logged pages")
            rows = session.execute(
                select(WatchEvent.page_key, WatchEvent.slot, WatchEvent.video_id, WatchEvent.viewer_id,
                       WatchEvent.watched_s, WatchEvent.clip_duration_s, WatchEvent.loops, WatchEvent.completed,
                       WatchEvent.feed_policy, WatchEvent.propensity, WatchEvent.target_propensities)
                .where(WatchEvent.page_key.is_not(None), WatchEvent.propensity.is_not(None))
                .order_by(WatchEvent.id)).all()
        return pd.DataFrame(rows, columns=LOGGED_PAGE_COLUMNS)

    def creator_report(self, actor: ActorRef, creator: ActorRef | None = None) -> CreatorReport:
        """A creator's report: yours, or anyone's for an admin (and for the OPERATOR in notebooks)."""
        # pandas and the metrics (pandas functions) are kept off the app's start-up
        import pandas as pd

        from workbench import metrics


        with self._store.transaction() as session:
            viewer = None if actor is OPERATOR else load_actor(session, actor)
            if viewer is None and creator is None:
                raise InvalidInput("name the creator to report on")
            who = load_user(session, creator if creator is not None else viewer.id)
            if viewer is not None and viewer.id != who.id and viewer.role is not Role.ADMIN:
                raise Forbidden("only admins can read another creator's analytics")
            clips = pd.DataFrame(session.execute(
                select(Video.id, Video.caption, Video.duration_s, Video.status, Video.remix_parent_id,
                       Video.remix_root_id).where(Video.author_id == who.id, Video.status != VideoStatus.REMOVED)
                .order_by(Video.id)).all(), columns=["video_id", "caption", "duration_s", "status",
                                                     "remix_parent_id", "remix_root_id"])
            ids = [int(i) for i in clips["video_id"]]
            remixes = dict(session.execute(select(Video.remix_parent_id, func.count()).where(
                Video.remix_parent_id.in_(ids), Video.status != VideoStatus.REMOVED)
                .group_by(Video.remix_parent_id)).all()) if ids else {}
            roots = [i for i, parent in zip(ids, clips["remix_parent_id"]) if pd.isna(parent)]
            tree_rows = pd.DataFrame(session.execute(select(Video.id, Video.remix_parent_id).where(
                or_(Video.id.in_(roots), Video.remix_root_id.in_(roots)), Video.status != VideoStatus.REMOVED)).all(),
                columns=["id", "remix_parent_id"]) if roots else pd.DataFrame(columns=["id", "remix_parent_id"])
            appearances = session.scalar(
                select(func.count(func.distinct(VideoCameo.video_id))).join(Cameo, Cameo.id == VideoCameo.cameo_id)
                .join(Video, Video.id == VideoCameo.video_id)
                .where(Cameo.owner_id == who.id, Video.author_id != who.id, Video.status != VideoStatus.REMOVED))
        events = self.watch_events(OPERATOR if viewer is None or viewer.role is Role.ADMIN else actor)
        events = events[events["video_id"].isin(ids)]
        trees = metrics.remix_trees(tree_rows)
        trees = trees[trees["root_id"].isin(roots)].reset_index(drop=True)
        per_clip = clips[["video_id", "caption", "duration_s", "status"]].copy()
        per_clip = per_clip.merge(metrics.completion_by_clip(events)[["video_id", "views", "completion_rate", "rewatch_rate"]],
                                  on="video_id", how="left")
        per_clip["views"] = per_clip["views"].fillna(0).astype(int)
        long_views = events.assign(long=events["watched_s"] >= LONG_VIEW_S).groupby("video_id")["long"].mean()
        per_clip["share_over_5s"] = per_clip["video_id"].map(long_views)
        per_clip["remixes"] = per_clip["video_id"].map(lambda i: remixes.get(i, 0)).astype(int)
        per_clip["remix_rate"] = [metrics.remix_rate(r, v) for r, v in zip(per_clip["remixes"], per_clip["views"])]
        per_clip = per_clip.merge(trees.rename(columns={"root_id": "video_id", "size": "tree_size",
                                                        "depth": "tree_depth", "breadth": "tree_breadth"}),
                                  on="video_id", how="left")
        return CreatorReport(
            creator=who.handle, clips=len(per_clip), views=len(events),
            completion_rate=metrics.completion_rate(events), rewatch_rate=metrics.rewatch_rate(events),
            share_over_5s=metrics.share_of_views_over(events, LONG_VIEW_S),
            remix_rate=metrics.remix_rate(int(per_clip["remixes"].sum()), len(events)),
            cameo_appearances=int(appearances or 0), by_duration=metrics.completion_by_duration(events),
            per_clip=per_clip, trees=trees)

    def platform_report(self, actor: ActorRef) -> PlatformReport:
        """Clips, views, completion, rewatches, remix depth, slop exposure, cameo uses, reports and
        decisions over time, and each feed policy's figures. Admins. (Time to decision and appeal
        outcomes are the transparency report's: ModerationService.transparency.)"""
        import pandas as pd

        from workbench import metrics

        with self._store.transaction() as session:
            viewer = None if actor is OPERATOR else load_actor(session, actor)
            if viewer is not None and viewer.role is not Role.ADMIN:
                raise Forbidden("only admins see the whole platform")
            clips = pd.DataFrame(session.execute(select(
                Video.id, Video.author_id, Video.published_at, Video.remix_depth,
                select(func.count()).where(VideoCameo.video_id == Video.id).scalar_subquery())
                .where(Video.status == VideoStatus.PUBLISHED)).all(),
                columns=["video_id", "author_id", "published_at", "remix_depth", "cameos"])
            views = pd.DataFrame(session.execute(select(
                WatchEvent.viewer_id, WatchEvent.video_id, WatchEvent.completed, WatchEvent.loops,
                WatchEvent.feed_policy, WatchEvent.created_at)).all(),
                columns=["viewer_id", "video_id", "completed", "loops", "feed_policy", "created_at"])
            follows = pd.DataFrame(session.execute(select(Follow.follower_id, Follow.followee_id)).all(),
                                   columns=["follower_id", "followee_id"])
            reports = pd.DataFrame(session.execute(select(Report.created_at)).all(), columns=["created_at"])
            cases = pd.DataFrame(session.execute(select(ModerationCase.decided_at).where(
                ModerationCase.status == CaseStatus.DECIDED, ModerationCase.qa_of_id.is_(None))).all(),
                columns=["decided_at"])

        def per_day(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
            stamps = pd.to_datetime(frame[column], utc=True).dropna()
            return stamps.dt.floor("D").value_counts().rename(name)

        daily = pd.concat([per_day(clips, "published_at", "clips"), per_day(views, "created_at", "views"),
                           per_day(clips[clips["cameos"] > 0], "published_at", "cameo_clips"),
                           per_day(reports, "created_at", "reports"), per_day(cases, "decided_at", "decisions")],
                          axis=1, sort=True).fillna(0).astype(int)
        if len(views):
            day = pd.to_datetime(views["created_at"], utc=True).dt.floor("D")
            rates = views.assign(day=day, rewatched=views["loops"] > 0).groupby("day")[["completed", "rewatched"]].mean()
            daily = daily.join(rates.rename(columns={"completed": "completion_rate", "rewatched": "rewatch_rate"}))
        daily.index.name = "day"
        by_policy = (views.assign(policy=views["feed_policy"].fillna("not from a feed"), rewatched=views["loops"] > 0)
                     .groupby("policy").agg(views=("video_id", "size"), viewers=("viewer_id", "nunique"),
                                            completion_rate=("completed", "mean"), rewatch_rate=("rewatched", "mean"))
                     .reset_index())
        return PlatformReport(
            daily=daily.reset_index(),
            remix_depth=clips["remix_depth"].value_counts().sort_index().rename_axis("depth").reset_index(name="clips"),
            slop_exposure=metrics.slop_exposure(views, clips, follows),
            by_feed_policy=by_policy)
