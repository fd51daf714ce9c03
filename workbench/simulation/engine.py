"""The simulator's engine: numpy arrays for people, clips and follows; one step per day.

Randomness is split into independent streams keyed by (seed, day, phase, chunk), and viewers are
processed in fixed-size chunks that all read the same start-of-day snapshot, so a day's chunks can
run in any order, or on other processes, and still give the same result.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.media.moods import mood_names
from workbench.social.ranking import Features, policy_named, tie_levels

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
_PHASES = {"population": 0, "create": 1, "watch": 2}


@dataclass(frozen=True)
class SimulationConfig:
    users: int = 1000
    days: int = 7
    policy: str = "connection_first"
    seed: int = 0
    #: Barabasi-Albert attachment: each newcomer links to this many people (networkx generator)
    links_per_user: int = 5
    #: share of links that are mutual follows (the rest point one way)
    mutual_share: float = 0.5
    #: mean chance that a person opens the app on a day (activity varies per person)
    active_share: float = 0.6
    clips_per_active_day: float = 0.15
    remix_share: float = 0.25
    #: share of people with an enrolled cameo, and the chance a new clip features a followed one's
    cameo_share: float = 0.1
    cameo_use: float = 0.15
    page_size: int = 10
    #: the newest clips ranked each day
    candidate_pool: int = 300
    #: viewers per chunk: part of the config (each chunk has its own random stream), so a run gives
    #: the same result however its chunks are spread over processes or Ray workers
    chunk_size: int = 2048
    moods: tuple[str, ...] = field(default_factory=mood_names)


@dataclass
class SimulationRun:
    config: SimulationConfig
    #: one row per view, with the app's watch-event columns (plus the day)
    views: pd.DataFrame
    clips: pd.DataFrame
    follows: pd.DataFrame

    def write_parquet(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("views", "clips", "follows"):
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "config.json").write_text(json.dumps(asdict(self.config), indent=2, sort_keys=True))
        return folder


def read_logs(folder: str | Path) -> dict[str, pd.DataFrame]:
    """A run's event logs (views, clips, follows) read from its Parquet files with DuckDB, which reads
    the same files from a folder or object store at any size."""
    import duckdb

    with duckdb.connect() as connection:
        return {name: connection.execute("SELECT * FROM read_parquet(?)", [str(Path(folder) / f"{name}.parquet")]).df()
                for name in ("views", "clips", "follows")}


def _rng(config: SimulationConfig, day: int, phase: str, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([config.seed, day + 1, _PHASES[phase], chunk])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class _World:
    """People, follows (as sorted int64 keys follower * N + followee) and clips (growing arrays)."""

    def __init__(self, config: SimulationConfig) -> None:
        import networkx as nx

        self.config = config
        n, rng = config.users, _rng(config, -1, "population")
        self.moods = len(config.moods)
        self.interests = rng.dirichlet(np.full(self.moods, 0.5), size=n)
        self.cumulative = np.cumsum(self.interests, axis=1)
        self.activity = np.clip(rng.beta(2.0, 2.0, n) * 2 * config.active_share, 0.02, 1.0)
        self.enrolled = rng.random(n) < config.cameo_share
        graph = nx.barabasi_albert_graph(n, min(config.links_per_user, max(1, n - 1)), seed=config.seed)
        edges = np.array(sorted(graph.edges()), dtype=np.int64).reshape(-1, 2)
        mutual = rng.random(len(edges)) < config.mutual_share
        flip = rng.random(len(edges)) < 0.5
        one_way = np.where(flip[:, None], edges[:, ::-1], edges)
        pairs = np.concatenate([edges[mutual], edges[mutual][:, ::-1], one_way[~mutual]])
        self.follow_keys = np.unique(pairs[:, 0] * n + pairs[:, 1])
        self.clip = {name: np.zeros(0, dtype) for name, dtype in (
            ("author", np.int64), ("mood", np.int64), ("duration", float), ("quality", float),
            ("parent", np.int64), ("depth", np.int64), ("day", np.int64), ("cameo_owner", np.int64),
            ("likes", np.int64), ("views", np.int64), ("completed", np.int64))}

    def follows(self, follower: np.ndarray, followee: np.ndarray) -> np.ndarray:
        """Whether each follower follows each followee (broadcasting; -1 never matches)."""
        keys = np.asarray(follower, np.int64) * self.config.users + np.asarray(followee, np.int64)
        at = np.minimum(np.searchsorted(self.follow_keys, keys), len(self.follow_keys) - 1)
        return (self.follow_keys[at] == keys) & (np.asarray(followee) >= 0) if len(self.follow_keys) else np.zeros(keys.shape, bool)

    def followees(self, person: int) -> np.ndarray:
        n = self.config.users
        lo, hi = np.searchsorted(self.follow_keys, [person * n, (person + 1) * n])
        return self.follow_keys[lo:hi] - person * n


def _create(world: _World, day: int, active: np.ndarray) -> None:
    config, rng = world.config, _rng(world.config, day, "create")
    counts = rng.poisson(config.clips_per_active_day, config.users) * active
    authors = np.repeat(np.arange(config.users), counts)
    k = len(authors)
    if k == 0:
        return
    u = rng.random(k)
    moods = (world.cumulative[authors] < u[:, None]).sum(axis=1).clip(max=world.moods - 1)
    parents = np.full(k, -1, np.int64)
    existing = len(world.clip["author"])
    if existing:
        recent = np.flatnonzero(world.clip["day"] >= day - 3)
        if len(recent):
            remixing = rng.random(k) < config.remix_share
            weights = world.clip["views"][recent] + 1.0
            parents[remixing] = rng.choice(recent, size=int(remixing.sum()), p=weights / weights.sum())
    is_remix = parents >= 0
    moods[is_remix] = world.clip["mood"][parents[is_remix]]
    depth = np.where(is_remix, world.clip["depth"][np.maximum(parents, 0)] + 1 if existing else 0, 0)
    cameo_owner = np.full(k, -1, np.int64)
    uses = np.flatnonzero(rng.random(k) < config.cameo_use)
    picks = rng.random(len(uses))
    for index, pick in zip(uses, picks):  # few per day: people followed by the author who enrolled
        known = world.followees(int(authors[index]))
        known = known[world.enrolled[known]]
        if len(known):
            cameo_owner[index] = known[int(pick * len(known))]
    new = {"author": authors, "mood": moods, "duration": np.round(rng.uniform(2.0, 15.0, k), 2), "quality": rng.beta(2.0, 2.0, k),
           "parent": parents, "depth": depth, "day": np.full(k, day), "cameo_owner": cameo_owner,
           "likes": np.zeros(k, np.int64), "views": np.zeros(k, np.int64), "completed": np.zeros(k, np.int64)}
    for name, values in new.items():
        world.clip[name] = np.concatenate([world.clip[name], values.astype(world.clip[name].dtype)])


def _watch_chunk(world: _World, day: int, chunk: int, viewers: np.ndarray, pool: np.ndarray) -> dict:
    """Rank the pool for a chunk of viewers with the policy's own scores and watch the pages."""
    config, clip, rng = world.config, world.clip, _rng(world.config, day, "watch", chunk)
    policy = policy_named(config.policy)
    v = viewers[:, None]
    author = clip["author"][pool][None, :]
    parent_author = np.where(clip["parent"][pool] >= 0, clip["author"][np.maximum(clip["parent"][pool], 0)], -1)[None, :]
    followed = world.follows(v, author)
    tie = tie_levels(followed, world.follows(author, v), world.follows(v, clip["cameo_owner"][pool][None, :]),
                     world.follows(v, parent_author))  # the app's own rule
    features = Features(likes=clip["likes"][pool][None, :].astype(float), views=clip["views"][pool][None, :].astype(float),
                        completed=clip["completed"][pool][None, :].astype(float),
                        age_hours=((day - clip["day"][pool]) * 24.0 + 12.0)[None, :], tie=tie)
    scores = np.broadcast_to(policy.scores(features), tie.shape).copy()
    scores[author == v] = -np.inf  # never your own clips
    page = min(config.page_size, len(pool))
    # highest score first, newer clip first among equals (as the app orders them)
    order = np.lexsort((-np.broadcast_to(pool[None, :], scores.shape), -scores), axis=1)[:, :page]
    shown = pool[order]
    keep = np.isfinite(np.take_along_axis(scores, order, axis=1))
    viewer = np.broadcast_to(v, shown.shape)[keep]
    video = shown[keep]
    match = world.interests[viewer, clip["mood"][video]] * world.moods  # 1 = an average interest
    duration, quality = clip["duration"][video], clip["quality"][video]
    completes = rng.random(len(video)) < _sigmoid(0.6 + 1.2 * (match - 1.0) + 2.0 * (quality - 0.5) - 0.2 * (duration - 6.0))
    loops = np.where(completes, rng.binomial(2, np.clip(0.12 * match, 0.0, 0.6)), 0)
    watched = np.where(completes, duration * (1 + loops), duration * rng.uniform(0.05, 0.95, len(video)))
    likes = completes & (rng.random(len(video)) < np.clip(0.12 * match, 0.0, 0.6))
    follows = likes & (rng.random(len(video)) < 0.08) & ~world.follows(viewer, clip["author"][video])
    return {"viewer": viewer, "video": video, "watched": np.round(watched, 2), "loops": loops, "completed": completes,
            "liked": likes, "new_follows": np.stack([viewer[follows], clip["author"][video][follows]], axis=1),
            "second": rng.integers(0, 86_400, len(video))}


def simulate(config: SimulationConfig, *, progress=None, backend: str = "local") -> SimulationRun:
    """Run the simulation; `progress(fraction, message)` is called after each day. ``backend="ray"``
    runs each day's viewer chunks as Ray tasks (on a running Ray cluster, or a local one started on
    first use); the result is the same as the local run's for the same config."""
    policy_named(config.policy)  # an unknown policy fails before any work
    if backend not in ("local", "ray"):
        raise ValueError(f"unknown backend {backend!r}; choose local or ray")
    watch_chunks = _ray_chunks if backend == "ray" else _local_chunks
    world = _World(config)
    # day -1: a first clip from about a third of the people, so that the first feeds have content
    _create(world, -1, _rng(config, -1, "create").random(config.users) < 0.3)
    parts = []
    for day in range(config.days):
        active = _rng(config, day, "population").random(config.users) < world.activity
        _create(world, day, active)
        pool = np.arange(len(world.clip["author"]))[-config.candidate_pool:]
        viewers = np.flatnonzero(active)
        results = watch_chunks(world, day, [viewers[start:start + config.chunk_size]
                                                  for start in range(0, len(viewers), config.chunk_size)], pool)
        for result in results:  # counters and follows move after the whole day, in chunk order
            np.add.at(world.clip["views"], result["video"], 1)
            np.add.at(world.clip["completed"], result["video"], result["completed"].astype(np.int64))
            np.add.at(world.clip["likes"], result["video"], result["liked"].astype(np.int64))
            new = result["new_follows"]
            if len(new):
                world.follow_keys = np.union1d(world.follow_keys, new[:, 0] * config.users + new[:, 1])
            parts.append((day, result))
        if progress:
            progress((day + 1) / config.days, f"day {day + 1} of {config.days}")
    return _tables(world, parts)


def _local_chunks(world: _World, day: int, chunks: list[np.ndarray], pool: np.ndarray) -> list[dict]:
    return [_watch_chunk(world, day, index, viewers, pool) for index, viewers in enumerate(chunks)]


def _ray_chunks(world: _World, day: int, chunks: list[np.ndarray], pool: np.ndarray) -> list[dict]:
    """The day's chunks as Ray tasks over one shared snapshot of the world, gathered in chunk order."""
    import ray

    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_watch_chunk)
    snapshot = ray.put(world)
    return ray.get([remote.remote(snapshot, day, index, viewers, pool) for index, viewers in enumerate(chunks)])


def _tables(world: _World, parts: list) -> SimulationRun:
    config, clip = world.config, world.clip
    frames = []
    for day, r in parts:
        frames.append(pd.DataFrame({
            "video_id": r["video"] + 1, "viewer_id": r["viewer"] + 1, "watched_s": r["watched"],
            "clip_duration_s": np.round(clip["duration"][r["video"]], 2), "loops": r["loops"],
            "completed": r["completed"], "source": "simulation", "feed_policy": config.policy, "day": day,
            "created_at": pd.Timestamp(START) + pd.to_timedelta(day * 86_400 + r["second"], unit="s")}))
    views = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["video_id", "viewer_id", "watched_s", "clip_duration_s", "loops", "completed", "source",
                 "feed_policy", "day", "created_at"])
    views.insert(0, "event_id", np.arange(1, len(views) + 1))
    clips = pd.DataFrame({
        "video_id": np.arange(1, len(clip["author"]) + 1), "author_id": clip["author"] + 1,
        "mood": np.asarray(config.moods)[clip["mood"]], "duration_s": np.round(clip["duration"], 2),
        "quality": np.round(clip["quality"], 4),
        "remix_parent_id": pd.array(np.where(clip["parent"] >= 0, clip["parent"] + 1, 0), dtype="Int64"),
        "remix_depth": clip["depth"], "day": clip["day"],
        "cameo_owner_id": pd.array(np.where(clip["cameo_owner"] >= 0, clip["cameo_owner"] + 1, 0), dtype="Int64"),
        "likes": clip["likes"], "views": clip["views"], "completed_views": clip["completed"]})
    for column in ("remix_parent_id", "cameo_owner_id"):
        clips.loc[clips[column] == 0, column] = pd.NA
    n = config.users
    follows = pd.DataFrame({"follower_id": world.follow_keys // n + 1, "followee_id": world.follow_keys % n + 1})
    return SimulationRun(config, views, clips, follows)
