"""The simulator's engine: a world of numpy arrays (workbench.simulation.world), stepped a day at a
time; each active person's page is the app's own For You page (workbench.simulation.pages), and
each shown clip is watched by the watch model (workbench.simulation.behaviour).

Randomness is split into independent streams keyed by (seed, day, phase, chunk), and viewers are
processed in fixed-size chunks that all read the same start-of-day snapshot, so a day's chunks can
run in any order, or on other processes, and still give the same result. Each day's views go to a
Parquet file as soon as the day ends, so memory does not grow with the days.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import weakref
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.media.moods import mood_names
from workbench.simulation.behaviour import Behaviour
from workbench.simulation.pages import DayIndex, rank_pages, split_teens
from workbench.simulation.world import (
    DAY_US,
    HOUR_US,
    START,
    World,
    barabasi_albert_edges,
    clip_keys,
    merge_sorted,
    pair_keys,
)
from workbench.social.ranking import explored_propensity, policy_named

_PHASES = {"population": 0, "create": 1, "watch": 2}
#: what a day's views change in the world (counters, follows, histories, interests)
_OUTCOMES = ("viewer", "video", "completed", "liked", "followed", "dismissed")
VIEW_COLUMNS = ["event_id", "video_id", "viewer_id", "watched_s", "clip_duration_s", "loops", "completed", "source",
                "feed_policy", "day", "created_at", "page_id", "slot", "propensity", "liked", "dismissed"]


@dataclass(frozen=True)
class SimulationConfig:
    users: int = 1000
    days: int = 7
    policy: str = "connection_first"
    seed: int = 0
    #: Barabasi-Albert attachment: each newcomer links to this many people
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
    #: share of people who are teens (they always get the teen policy), and of age-restricted clips
    teen_share: float = 0.05
    age_restricted_share: float = 0.02
    page_size: int = 10
    #: epsilon-greedy serving: the chance that a page is page_size clips drawn uniformly from the
    #: viewer's candidates instead of the policy's top; each view logs its chance of being shown
    exploration: float = 0.0
    #: policies whose pages for the same viewers and candidates are logged beside (off-policy evaluation)
    target_policies: tuple[str, ...] = ()
    #: viewers per chunk: part of the config (each chunk has its own random stream), so a run gives
    #: the same result however its chunks are spread over processes or Ray workers
    chunk_size: int = 2048
    behaviour: Behaviour = field(default_factory=Behaviour)
    moods: tuple[str, ...] = field(default_factory=mood_names)

    def check(self) -> None:
        for name in (self.policy, *self.target_policies):
            policy_named(name)  # an unknown policy fails before any work
        if not 0.0 <= self.exploration <= 1.0:
            raise ValueError("exploration is a probability in [0, 1]")
        if self.users < 2 or self.days < 1 or self.page_size < 1 or self.chunk_size < 1:
            raise ValueError("a simulation needs 2 or more people, 1 or more days, and pages of 1 or more clips")

    @classmethod
    def from_dict(cls, values: dict) -> SimulationConfig:
        values = dict(values)
        values["behaviour"] = Behaviour(**values.get("behaviour", {}))
        values["moods"] = tuple(values.get("moods", mood_names()))
        values["target_policies"] = tuple(values.get("target_policies", ()))
        return cls(**values)


class SimulationRun:
    """A finished run: its logs in a folder (views/ one Parquet file per day, clips, follows, people,
    targets/ when target policies were asked for), read back on first use with DuckDB."""

    def __init__(self, config: SimulationConfig, folder: Path, *, temporary: bool = False) -> None:
        self.config, self.folder = config, folder
        if temporary:
            weakref.finalize(self, shutil.rmtree, folder, True)

    @cached_property
    def views(self) -> pd.DataFrame:
        return read_logs(self.folder, ("views",))["views"]

    @cached_property
    def clips(self) -> pd.DataFrame:
        return read_logs(self.folder, ("clips",))["clips"]

    @cached_property
    def follows(self) -> pd.DataFrame:
        return read_logs(self.folder, ("follows",))["follows"]

    @cached_property
    def people(self) -> pd.DataFrame:
        return read_logs(self.folder, ("people",))["people"]

    @cached_property
    def targets(self) -> pd.DataFrame:
        return read_logs(self.folder, ("targets",))["targets"]

    def count(self, table: str = "views") -> int:
        """Rows of a table, counted by DuckDB without loading them."""
        import duckdb

        with duckdb.connect() as connection:
            return connection.execute("SELECT count(*) FROM read_parquet(?)", [_pattern(self.folder, table)]).fetchone()[0]

    def write_parquet(self, folder: str | Path) -> Path:
        """The run's logs copied into `folder` (views/, clips, follows, config.json)."""
        folder = Path(folder)
        if folder.resolve() != self.folder.resolve():
            shutil.copytree(self.folder, folder, dirs_exist_ok=True)
        return folder


def _pattern(folder: Path, table: str) -> str:
    return str(folder / table / "*.parquet") if table in ("views", "targets") else str(folder / f"{table}.parquet")


def read_logs(folder: str | Path, tables=("views", "clips", "follows")) -> dict[str, pd.DataFrame]:
    """A run's event logs read from its Parquet files with DuckDB, which reads the same files from a
    folder or object store at any size."""
    import duckdb

    folder = Path(folder)
    order = {"views": " ORDER BY event_id", "targets": " ORDER BY page_id, policy, slot"}
    with duckdb.connect() as connection:
        return {table: connection.execute(f"SELECT * FROM read_parquet(?){order.get(table, '')}",
                                          [_pattern(folder, table)]).df() for table in tables}


def _rng(config: SimulationConfig, day: int, phase: str, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([config.seed, day + 1, _PHASES[phase], chunk])


def populate(config: SimulationConfig) -> World:
    """People (interests over the moods, activity, cameo, teen) and follows, from the seed."""
    n, rng = config.users, _rng(config, -1, "population")
    moods = len(config.moods)
    interests = rng.dirichlet(np.full(moods, 0.5), size=n)
    activity = np.clip(rng.beta(2.0, 2.0, n) * 2 * config.active_share, 0.02, 1.0)
    enrolled = rng.random(n) < config.cameo_share
    teen = rng.random(n) < config.teen_share
    edges = barabasi_albert_edges(n, config.links_per_user, rng)
    mutual = rng.random(len(edges)) < config.mutual_share
    flip = rng.random(len(edges)) < 0.5
    one_way = np.where(flip[:, None], edges[:, ::-1], edges)
    pairs = np.concatenate([edges[mutual], edges[mutual][:, ::-1], one_way[~mutual]])
    return World.empty(interests, activity, enrolled, teen, np.unique(pair_keys(pairs[:, 0], pairs[:, 1], n)))


def _create(world: World, config: SimulationConfig, day: int, active: np.ndarray) -> None:
    rng = _rng(config, day, "create")
    clip, moods = world.clip, len(config.moods)
    counts = rng.poisson(config.clips_per_active_day, config.users) * active
    authors = np.repeat(np.arange(config.users), counts)
    k = len(authors)
    if k == 0:
        return
    u = rng.random(k)
    mood = (np.cumsum(world.interests[authors], axis=1) < u[:, None]).sum(axis=1).clip(max=moods - 1)
    parents = np.full(k, -1, np.int64)
    recent = np.flatnonzero(clip["published_us"] >= (day - 3) * DAY_US)
    if len(recent):
        remixing = rng.random(k) < config.remix_share
        weights = clip["views"][recent] + 1.0
        parents[remixing] = rng.choice(recent, size=int(remixing.sum()), p=weights / weights.sum())
    is_remix = parents >= 0
    mood[is_remix] = clip["mood"][parents[is_remix]]
    parent_author, depth = np.full(k, -1, np.int64), np.zeros(k, np.int64)
    parent_author[is_remix] = clip["author"][parents[is_remix]]
    depth[is_remix] = clip["depth"][parents[is_remix]] + 1
    cameo_owner = np.full(k, -1, np.int64)
    uses = np.flatnonzero(rng.random(k) < config.cameo_use)
    picks = rng.random(len(uses))
    for index, pick in zip(uses, picks):  # few per day: people followed by the author who enrolled
        known = world.followees(int(authors[index]))
        known = known[world.enrolled[known]]
        if len(known):
            cameo_owner[index] = known[int(pick * len(known))]
    first = world.clips
    behaviour = config.behaviour
    world.add_clips({
        "video_id": np.arange(first + 1, first + k + 1), "author": authors, "mood": mood,
        "duration": np.round(rng.uniform(behaviour.shortest_s, behaviour.longest_s, k), 2),
        "quality": rng.beta(2.0, 2.0, k), "parent": parents,
        "parent_author": parent_author, "depth": depth,
        "published_us": np.full(k, day * DAY_US), "age_restricted": rng.random(k) < config.age_restricted_share,
        "likes": np.zeros(k), "views": np.zeros(k), "completed": np.zeros(k)}, cameo_owner)


def _watch_chunk(index: DayIndex, config: SimulationConfig, day: int, chunk: int, viewers: np.ndarray) -> dict:
    """The pages of a chunk of viewers, ranked by the app's rules, and how each shown clip is watched."""
    world, rng = index.world, _rng(config, day, "watch", chunk)
    now_us = day * DAY_US + 12 * HOUR_US  # everyone opens the app at noon of the day
    parts, targets = [], []
    for group, policy in split_teens(world, viewers, config.policy):
        pages = rank_pages(index, group, policy, now_us, config.page_size)
        greedy = pages.page
        eligible = pages.eligible
        available = eligible.sum(axis=1)
        shown_cols = greedy
        propensity = np.ones(greedy.shape)
        if config.exploration > 0:
            explore = rng.random(len(group)) < config.exploration
            draws = np.where(eligible, rng.random(eligible.shape), np.inf)
            random_page = np.argsort(draws, axis=1)[:, :config.page_size]
            random_page = np.where(np.isfinite(np.take_along_axis(draws, random_page, axis=1)), random_page, -1)
            shown_cols = np.where(explore[:, None], random_page, greedy)
            in_greedy = (shown_cols[:, :, None] == greedy[:, None, :]).any(axis=2)
            propensity = explored_propensity(in_greedy, config.page_size, available[:, None], config.exploration)
        row, slot = np.nonzero(shown_cols >= 0)
        col = shown_cols[row, slot]
        part = {"viewer": group[row], "video": pages.clip[row, col], "slot": slot, "propensity": propensity[row, slot],
                "policy": np.full(len(row), policy, object)}
        for target in config.target_policies:
            target_page = pages.order_by(target if policy == config.policy else policy, config.page_size)
            part[f"target_{target}"] = (col[:, None] == target_page[row]).any(axis=1).astype(float)
            trow, tslot = np.nonzero(target_page >= 0)
            targets.append({"viewer": group[trow], "policy": np.full(len(trow), target, object), "slot": tslot,
                            "video": pages.clip[trow, target_page[trow, tslot]]})
        parts.append(part)
    result = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]} if parts else {}
    if not result:
        return {}
    interest = world.interests[result["viewer"], world.clip["mood"][result["video"]]] * len(config.moods)
    video = result["video"]
    result.update(config.behaviour.watch(interest, world.clip["quality"][video], world.clip["duration"][video], rng))
    result["second"] = rng.integers(0, 86_400, len(video))
    result["targets"] = {name: np.concatenate([t[name] for t in targets]) for name in targets[0]} if targets else None
    return result


def simulate(config: SimulationConfig, *, progress=None, backend: str = "local", out: str | Path | None = None) -> SimulationRun:
    """Run the simulation; `progress(fraction, message)` is called after each day. The logs go to
    `out` (a folder; a temporary one removed with the run when not given). ``backend="ray"`` runs
    each day's viewer chunks as Ray tasks (on a running Ray cluster, or a local one started on first
    use); the result is the same as the local run's for the same config."""
    config.check()
    if backend not in ("local", "ray"):
        raise ValueError(f"unknown backend {backend!r}; choose local or ray")
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="workbench-sim-"))
    for table in ("views", "targets"):
        shutil.rmtree(folder / table, ignore_errors=True)
        (folder / table).mkdir(parents=True)
    watch_chunks = _ray_chunks if backend == "ray" else _local_chunks
    world = populate(config)
    # day -1: a first clip from about a third of the people, so that the first feeds have content
    _create(world, config, -1, _rng(config, -1, "create").random(config.users) < 0.3)
    events = 0
    for day in range(config.days):
        active = _rng(config, day, "population").random(config.users) < world.activity
        _create(world, config, day, active)
        viewers = np.flatnonzero(active)
        chunks = [viewers[start:start + config.chunk_size] for start in range(0, len(viewers), config.chunk_size)]
        outcomes = []  # what the world needs after the day; the rest goes to the day's files chunk by chunk
        with _DayLog(folder, world, config, day, events) as log:
            for result in watch_chunks(DayIndex(world), config, day, chunks):
                if result:
                    log.write(result)
                    outcomes.append({name: result[name] for name in _OUTCOMES})
            events = log.events
        _after_day(world, config, outcomes)
        if progress:
            progress((day + 1) / config.days, f"day {day + 1} of {config.days}")
    if events == 0:  # nobody watched anything: the views table still has its columns
        pd.DataFrame({name: [] for name in VIEW_COLUMNS}).to_parquet(folder / "views" / "none.parquet", index=False)
    _write_world(folder, world, config)
    return SimulationRun(config, folder, temporary=out is None)


def _local_chunks(index: DayIndex, config: SimulationConfig, day: int, chunks: list[np.ndarray]):
    """The day's chunks one after the other, each handed on as soon as it is done."""
    for number, viewers in enumerate(chunks):
        yield _watch_chunk(index, config, day, number, viewers)


def _ray_chunks(index: DayIndex, config: SimulationConfig, day: int, chunks: list[np.ndarray]) -> list[dict]:
    """The day's chunks as Ray tasks over one shared snapshot of the world, gathered in chunk order."""
    import ray

    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_watch_chunk)
    snapshot = ray.put(index)
    return ray.get([remote.remote(snapshot, config, day, number, viewers) for number, viewers in enumerate(chunks)])


def _after_day(world: World, config: SimulationConfig, results: list[dict]) -> None:
    """Counters, follows, what people saw and dismissed, and their interests move after the whole
    day, in chunk order."""
    if not results:
        return
    day = {name: np.concatenate([r[name] for r in results]) for name in _OUTCOMES}
    viewer, video, clip = day["viewer"], day["video"], world.clip
    np.add.at(clip["views"], video, 1)
    np.add.at(clip["completed"], video, day["completed"].astype(np.int64))
    np.add.at(clip["likes"], video, day["liked"].astype(np.int64))
    author = clip["author"][video]
    follow = day["followed"] & (author != viewer)
    world.follow_keys = merge_sorted(world.follow_keys, pair_keys(viewer[follow], author[follow], config.users))
    world.seen_keys = merge_sorted(world.seen_keys, clip_keys(viewer, video))
    gone = day["dismissed"]
    world.dismissed_keys = merge_sorted(world.dismissed_keys, clip_keys(viewer[gone], video[gone]))
    world.dismissed_author_keys = merge_sorted(world.dismissed_author_keys, pair_keys(viewer[gone], author[gone], config.users))
    np.bitwise_or.at(world.dismissed_moods, viewer[gone], np.left_shift(1, clip["mood"][video[gone]]))
    done = day["completed"]
    if done.any():
        moved = np.unique(viewer[done])
        np.add.at(world.interests, (viewer[done], clip["mood"][video[done]]), config.behaviour.drift)
        world.interests[moved] /= world.interests[moved].sum(axis=1, keepdims=True)


class _DayLog:
    """A day's views (and target pages), one Parquet file each, written a chunk at a time."""

    def __init__(self, folder: Path, world: World, config: SimulationConfig, day: int, events: int) -> None:
        self.folder, self.world, self.config, self.day, self.events = folder, world, config, day, events
        self._writers: dict[str, object] = {}

    def __enter__(self) -> _DayLog:
        return self

    def __exit__(self, *exc) -> None:
        for writer in self._writers.values():
            writer.close()

    def _append(self, table: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = pa.Table.from_pandas(frame, preserve_index=False)
        if table not in self._writers:
            self._writers[table] = pq.ParquetWriter(self.folder / table / f"day-{self.day:04d}.parquet", rows.schema)
        self._writers[table].write_table(rows.cast(self._writers[table].schema))

    def write(self, r: dict) -> None:
        clip, day, users = self.world.clip, self.day, self.config.users
        video = r["video"]
        views = pd.DataFrame({
            "event_id": np.arange(self.events + 1, self.events + len(video) + 1), "video_id": clip["video_id"][video],
            "viewer_id": r["viewer"] + 1, "watched_s": r["watched"], "clip_duration_s": np.round(clip["duration"][video], 2),
            "loops": r["loops"], "completed": r["completed"], "source": "simulation", "feed_policy": r["policy"],
            "day": day, "created_at": pd.Timestamp(START) + pd.to_timedelta(day * 86_400 + r["second"], unit="s"),
            "page_id": day * users + r["viewer"], "slot": r["slot"], "propensity": r["propensity"],
            "liked": r["liked"], "dismissed": r["dismissed"]})
        for target in self.config.target_policies:
            views[f"target_{target}"] = r[f"target_{target}"]
        self._append("views", views)
        self.events += len(video)
        t = r["targets"]
        if t is not None:
            self._append("targets", pd.DataFrame({
                "page_id": day * users + t["viewer"], "policy": t["policy"], "slot": t["slot"],
                "video_id": clip["video_id"][t["video"]], "clip_duration_s": np.round(clip["duration"][t["video"]], 2)}))


def _write_world(folder: Path, world: World, config: SimulationConfig) -> None:
    clip, n = world.clip, config.users
    cameo = np.full(world.clips, -1, np.int64)
    cameo[world.cameo_clip] = world.cameo_owner
    clips = pd.DataFrame({
        "video_id": clip["video_id"], "author_id": clip["author"] + 1,
        "mood": np.asarray(config.moods)[clip["mood"]], "duration_s": np.round(clip["duration"], 2),
        "quality": np.round(clip["quality"], 4),
        "remix_parent_id": pd.array(np.where(clip["parent"] >= 0, clip["parent"] + 1, 0), dtype="Int64"),
        "remix_depth": clip["depth"], "day": clip["published_us"] // DAY_US,
        "cameo_owner_id": pd.array(np.where(cameo >= 0, cameo + 1, 0), dtype="Int64"),
        "age_restricted": clip["age_restricted"],
        "likes": clip["likes"], "views": clip["views"], "completed_views": clip["completed"]})
    for column in ("remix_parent_id", "cameo_owner_id"):
        clips.loc[clips[column] == 0, column] = pd.NA
    clips.to_parquet(folder / "clips.parquet", index=False)
    pd.DataFrame({"user_id": np.arange(1, n + 1), "teen": world.teen, "enrolled_cameo": world.enrolled,
                  "activity": np.round(world.activity, 4)}).to_parquet(folder / "people.parquet", index=False)
    pd.DataFrame({"follower_id": world.follow_keys // n + 1, "followee_id": world.follow_keys % n + 1}
                 ).to_parquet(folder / "follows.parquet", index=False)
    (folder / "config.json").write_text(json.dumps(asdict(config), indent=2, sort_keys=True))
