"""Feed experiments compared arm by arm: a simulated A/B (the same population run once per ranking
policy) and the live experiments' arms read from telemetry, each metric a mean over viewers with the
difference to the control arm and its bootstrap interval (workbench.metrics.bootstrap_difference).

Usage::

    from workbench.simulation.experiments import simulated_ab
    result = simulated_ab(2000, 7, ["connection_first", "popularity"], seed=1)
    for difference in result.differences:
        print(difference.sentence())   # "Popularity vs connection-first: completion -2.1 points (95 % ...)"

A viewer is the unit: each viewer's completion rate, watch ratio, rewatch rate and slop exposure
(the share of their views from people they do not follow) count once, however much they watched, and
the bootstrap resamples viewers within each arm. Every run of one seed has the same people, interests
and starting graph (the simulator draws them from the seed alone), so the arms differ by the policy.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench import metrics
from workbench.errors import InvalidInput
from workbench.metrics.experiments import Difference
from workbench.simulation import SimulationConfig, simulate
from workbench.social.ranking import POLICIES

#: what the browser may ask for: a run of the largest takes about a minute per policy
MIN_USERS, MAX_USERS = 50, 20_000
MIN_DAYS, MAX_DAYS = 1, 30
#: bootstrap resamples per difference (1,000 suffice for a 95 % percentile interval)
RESAMPLES = 1000
CONFIDENCE = 0.95

#: the per-viewer metrics compared, in the order shown, and their names in words; each is a share
#: (0..1), so a difference reads in percentage points
METRICS = {
    "completion": "completion",
    "watch_ratio": "watch ratio",
    "rewatch": "rewatch rate",
    "slop_exposure": "slop exposure",
}
#: what each metric means, for a product person
METRIC_HELP = {
    "completion": "share of a viewer's views that reached the clip's end",
    "watch_ratio": "share of the clip a viewer watched, seconds played over its length, capped at the whole clip",
    "rewatch": "share of a viewer's views that looped at least once",
    "slop_exposure": "share of a viewer's views from people they do not follow (lower is better)",
}
#: metrics where lower is the better direction
LOWER_IS_BETTER = frozenset({"slop_exposure"})

Progress = Callable[[float, str], None]


def policy_words(policy: str) -> str:
    """A ranking policy's name as people read it: "connection-first", "non-personalised"."""
    return policy.replace("_", "-")


@dataclass(frozen=True)
class ArmSummary:
    """One arm's headline numbers."""
    policy: str
    viewers: int
    views: int
    #: per metric (METRICS' keys present): the mean over viewers
    means: dict[str, float]
    #: clips made during the run (NaN for a live experiment)
    clips: float = math.nan
    #: likes per 100 views (the run counts likes per clip, not per viewer: no interval)
    likes_per_100_views: float = math.nan
    #: follows at the end of the run (the same starting graph in every arm)
    follows: float = math.nan


@dataclass(frozen=True)
class ArmDifference(Difference):
    """An arm minus the control arm on one per-viewer metric, with its bootstrap interval
    (workbench.metrics.Difference: estimate, low, high, confidence, replicates, significant)."""
    control: str = ""
    arm: str = ""
    metric: str = ""

    @property
    def better(self) -> bool | None:
        """Whether the arm does better than the control on this metric (None: no real difference)."""
        if not self.significant:
            return None
        return (self.estimate < 0) == (self.metric in LOWER_IS_BETTER)

    @property
    def arms_words(self) -> str:
        """"Popularity vs connection-first"."""
        return f"{policy_words(self.arm).capitalize()} vs {policy_words(self.control)}"

    def phrase(self) -> str:
        """"completion −2.1 points (95 % interval −3.0 to −1.2), a real difference"."""
        verdict = "a real difference" if self.significant else "could be no difference"
        return (f"{METRICS[self.metric]} {_points(self.estimate)} points "
                f"({100 * self.confidence:.0f} % interval {_points(self.low)} to {_points(self.high)}), {verdict}")

    def sentence(self) -> str:
        """"Popularity vs connection-first: completion −2.1 points (95 % interval −3.0 to −1.2), a
        real difference"."""
        return f"{self.arms_words}: {self.phrase()}"


@dataclass(frozen=True)
class Comparison:
    """Arms compared with the first (the control)."""
    arms: tuple[ArmSummary, ...]
    #: each other arm against the control, metric by metric (arms without viewers are left out)
    differences: tuple[ArmDifference, ...]

    @property
    def control(self) -> str:
        return self.arms[0].policy

    def table(self) -> pd.DataFrame:
        """One row per arm: viewers, views and the mean of each metric (shares)."""
        return pd.DataFrame([{"policy": policy_words(a.policy), "viewers": a.viewers, "views": a.views,
                              **{METRICS[k]: v for k, v in a.means.items()}} for a in self.arms])

    def differences_table(self) -> pd.DataFrame:
        """One row per arm and metric: the difference to the control in points, its interval and
        whether it is real (the interval excludes 0)."""
        return pd.DataFrame([{"arm": policy_words(d.arm), "control": policy_words(d.control),
                              "metric": METRICS[d.metric], "difference_points": 100 * d.estimate,
                              "low_points": 100 * d.low, "high_points": 100 * d.high,
                              "real_difference": d.significant} for d in self.differences],
                            columns=["arm", "control", "metric", "difference_points", "low_points", "high_points",
                                     "real_difference"])


@dataclass(frozen=True)
class ABResult(Comparison):
    """A simulated A/B: every policy run on the same population (users, days, seed)."""
    users: int = 0
    days: int = 0
    seed: int = 0
    #: one row per policy and day (1-based): views, completion_rate, watch_ratio (pooled over the day's views)
    daily: pd.DataFrame | None = None

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(a.policy for a in self.arms)


def simulated_ab(users: int, days: int, policies: Sequence[str], seed: int = 0,
                 progress: Progress | None = None) -> ABResult:
    """Run the simulator once per policy on the same population (same seed) and compare each policy
    with the first (the control). ``progress(fraction, message)`` follows all the runs together,
    from 0 to 1."""
    users, days, seed = _whole(users, "The population"), _whole(days, "The number of days"), _whole(seed, "The seed")
    if not MIN_USERS <= users <= MAX_USERS:
        raise InvalidInput(f"The population must be between {MIN_USERS:,} and {MAX_USERS:,} people; got {users:,}.")
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidInput(f"A simulated A/B runs {MIN_DAYS} to {MAX_DAYS} days; got {days}.")
    if seed < 0:
        raise InvalidInput(f"The seed must be 0 or more; got {seed}.")
    policies = _policies(policies)
    per_viewer, arms, daily = {}, [], []
    share = 1.0 / len(policies)
    for index, policy in enumerate(policies):
        label = f"{policy_words(policy)} ({index + 1} of {len(policies)})"

        def simulated(fraction: float, message: str, index=index, label=label) -> None:
            if progress:  # the run is 90 % of an arm's share; its metrics the rest
                progress(share * (index + 0.9 * fraction), f"Simulating {label}: {message}")

        if progress:
            progress(share * index, f"Simulating {label}: building the population")
        run = simulate(SimulationConfig(users=users, days=days, policy=policy, seed=seed), progress=simulated)
        if progress:
            progress(share * (index + 0.9), f"Measuring {label}")
        views = run.views
        per_viewer[policy] = viewer_metrics(views, run.clips, run.follows)
        likes = run.clips["likes"].sum() if "likes" in run.clips else math.nan
        arms.append(_summary(policy, views, per_viewer[policy], clips=len(run.clips), follows=len(run.follows),
                             likes_per_100_views=100 * likes / len(views) if len(views) else math.nan))
        daily.append(_daily(policy, views))
        del run, views  # the next arm's run is made without this one's tables in memory
    differences = _differences(policies, per_viewer, seed)
    if progress:
        progress(1.0, "Done")
    return ABResult(tuple(arms), differences, users=users, days=days, seed=seed,
                    daily=pd.concat(daily, ignore_index=True))


def live_comparison(views: pd.DataFrame, arms: Sequence[str], *, seed: int = 0) -> Comparison:
    """A live experiment's arms from its watch events (AnalyticsService.experiment_views: columns
    viewer_id, watched_s, clip_duration_s, loops, completed, feed_policy), the first arm the control.
    Slop exposure needs the graph and is left out; an arm without views has no difference."""
    per_viewer = {arm: viewer_metrics(views[views["feed_policy"] == arm]) for arm in arms}
    summaries = tuple(_summary(arm, views[views["feed_policy"] == arm], per_viewer[arm]) for arm in arms)
    return Comparison(summaries, _differences(list(arms), per_viewer, seed))


def viewer_metrics(views: pd.DataFrame, clips: pd.DataFrame | None = None,
                   follows: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per viewer (indexed by viewer_id): completion, watch_ratio and rewatch (shares of their
    views) and, given clips (video_id, author_id) and follows, slop_exposure."""
    columns = ["completion", "watch_ratio", "rewatch"] + (["slop_exposure"] if clips is not None else [])
    if len(views) == 0:
        return pd.DataFrame(columns=columns, dtype=float).rename_axis("viewer_id")
    table = pd.DataFrame({
        "viewer_id": views["viewer_id"].to_numpy(),
        "completion": views["completed"].astype(bool).to_numpy(float),
        "watch_ratio": watch_ratio(views).to_numpy(),
        "rewatch": (views["loops"] > 0).to_numpy(float),
    }).groupby("viewer_id").mean()
    if clips is not None:
        table["slop_exposure"] = metrics.slop_exposure_by_viewer(views, clips, follows)
    return table[columns]


def watch_ratio(views: pd.DataFrame) -> pd.Series:
    """Per view: seconds played over the clip's length, capped at 1 (a looped view watched the whole
    clip; loops are the rewatch rate's); a clip of no length counts as watched when completed."""
    duration = views["clip_duration_s"].astype(float)
    ratio = views["watched_s"].astype(float) / duration.where(duration > 0)
    return ratio.fillna(views["completed"].astype(float)).clip(0.0, 1.0)


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float)) or value != int(value):
        raise InvalidInput(f"{what} must be a whole number; got {value!r}.")
    return int(value)


def _policies(policies: Sequence[str]) -> list[str]:
    if isinstance(policies, str):
        policies = [policies]
    policies = list(policies or [])
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise InvalidInput(f"Unknown ranking policy {unknown[0]!r}; choose from "
                           f"{', '.join(policy_words(p) for p in POLICIES)}.")
    if len(set(policies)) != len(policies):
        raise InvalidInput("Name each policy once.")
    if len(policies) < 2:
        raise InvalidInput("An A/B compares two or more policies: pick a control and at least one other.")
    return policies


def _summary(policy: str, views: pd.DataFrame, per_viewer: pd.DataFrame, **extra) -> ArmSummary:
    means = {k: float(per_viewer[k].mean()) if len(per_viewer) else math.nan for k in per_viewer.columns}
    return ArmSummary(policy, len(per_viewer), len(views), means, **extra)


def _daily(policy: str, views: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"day": views["day"].to_numpy() + 1, "completed": views["completed"].astype(bool).to_numpy(float),
                          "watch_ratio": watch_ratio(views).to_numpy()})
    daily = frame.groupby("day").agg(views=("completed", "size"), completion_rate=("completed", "mean"),
                                     watch_ratio=("watch_ratio", "mean")).reset_index()
    daily.insert(0, "policy", policy)
    return daily


def _differences(policies: list[str], per_viewer: dict[str, pd.DataFrame], seed: int) -> tuple[ArmDifference, ...]:
    control, found = policies[0], []
    for arm in policies[1:]:
        for metric in METRICS:
            if metric not in per_viewer[control] or metric not in per_viewer[arm]:
                continue
            a, b = per_viewer[control][metric].dropna(), per_viewer[arm][metric].dropna()
            if len(a) == 0 or len(b) == 0:
                continue
            d = metrics.bootstrap_difference(a, b, resamples=RESAMPLES, confidence=CONFIDENCE, seed=seed)
            found.append(ArmDifference(d.estimate, d.low, d.high, d.confidence, d.replicates, control, arm, metric))
    return tuple(found)


def _points(share: float) -> str:
    """A difference of shares in percentage points, signed, with a true minus sign: "−2.1", "+0.4"."""
    value = round(100 * share, 1)
    return f"{value:+.1f}".replace("-", "\u2212") if value else "0.0"
