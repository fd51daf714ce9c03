"""What another ranking policy would have earned, estimated from logged pages: a simulator run's
folder (views with their propensity and each target policy's inclusion; the target pages) or the
app's own logs when its feed explored (Settings.feed_exploration: each For You view keeps its page,
slot and propensities; AnalyticsService.logged_pages). The estimators are workbench.metrics.ope's.

The estimate is the target's value on the logged occasions: the same viewers, candidates and
moments. A policy served for days also changes what there is to rank (its own counters, follows
and interests); logs cannot show that feedback, so over a long horizon a policy's own run may
differ from the estimate (BENCHMARKS.md measures by how much).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.metrics.ope import ESTIMATORS, Estimate, off_policy_value
from workbench.metrics.watch import DURATION_BUCKETS
from workbench.social.ranking import POLICIES

#: rewards per logged view
METRICS = {
    "completion": lambda views: views["completed"].astype(float).to_numpy(),
    "watch_ratio": lambda views: np.minimum(views["watched_s"] / views["clip_duration_s"].clip(lower=1e-9), 1.0).to_numpy(),
}


def evaluate(source: str | Path | pd.DataFrame, target: str, *, metric: str = "completion", estimator: str = "snips",
             resamples: int = 1000, seed: int = 0) -> Estimate:
    """The target policy's mean `metric` per shown clip, estimated from logged pages, with a 95 %
    bootstrap interval over pages. `source`: a simulator run's folder, or the app's logged pages
    (`wb.analytics.logged_pages(actor)`)."""
    if target not in POLICIES:
        raise ValueError(f"unknown ranking policy {target!r}; choose one of {', '.join(POLICIES)}")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    if isinstance(source, pd.DataFrame):
        views, target_pages, page_size = _from_app(source, target)
    elif Path(source).is_dir():
        views, target_pages, page_size = _from_run(Path(source), target)
    else:
        raise ValueError(f"{source} is not a simulator run's folder")
    if not len(views):
        raise ValueError("no logged feed views to learn from")
    page = pd.factorize(views["page"])[0]
    reward = METRICS[metric](views)
    options = {}
    if estimator == "dr":
        if target_pages is None:
            raise ValueError("the doubly robust estimate needs the target policy's whole pages, which the "
                             "simulator logs and the app does not: use ips or snips here")
        model = _reward_by_length(views, reward)
        direct = target_pages.assign(q=model(target_pages["clip_duration_s"])).groupby("page")["q"].sum()
        pages = pd.Index(pd.unique(views["page"]))
        options = {"reward_model": model(views["clip_duration_s"]),
                   "target_direct": direct.reindex(pages, fill_value=0.0).to_numpy()}
    return off_policy_value(page, reward, views["propensity"].to_numpy(float), views["target"].to_numpy(float),
                            page_size=page_size, estimator=estimator, resamples=resamples, seed=seed, **options)


def _reward_by_length(views: pd.DataFrame, reward: np.ndarray):
    """A reward model for the doubly robust estimate: the mean logged reward per clip-length bucket."""
    bins = list(DURATION_BUCKETS)
    buckets = pd.cut(views["clip_duration_s"], bins=bins, right=False, labels=False)
    means = pd.Series(reward).groupby(buckets.to_numpy()).mean()
    overall = float(reward.mean())

    def predict(durations: pd.Series) -> np.ndarray:
        at = pd.cut(durations, bins=bins, right=False, labels=False)
        return at.map(means).fillna(overall).to_numpy(float)

    return predict


def _from_run(folder: Path, target: str):
    import duckdb

    config_file = folder / "config.json"
    if not config_file.exists():
        raise ValueError(f"{folder} is not a simulator run's folder (no config.json)")
    config = json.loads(config_file.read_text())
    if target not in config.get("target_policies", []):
        raise ValueError(f"this run did not log {target}'s pages: simulate with --target-policy {target} "
                         "(and --exploration above 0, so that every clip has a chance to be shown)")
    with duckdb.connect() as connection:
        views = connection.execute(
            f'SELECT page_id AS page, completed, watched_s, clip_duration_s, propensity, "target_{target}" AS target '
            "FROM read_parquet(?) ORDER BY event_id", [str(folder / "views" / "*.parquet")]).df()
        target_pages = connection.execute(
            "SELECT page_id AS page, clip_duration_s FROM read_parquet(?) WHERE policy = ?",
            [str(folder / "targets" / "*.parquet"), target]).df()
    return views, target_pages, int(config["page_size"])


def _from_app(logged: pd.DataFrame, target: str):
    """The app's logged pages (AnalyticsService.logged_pages) as rows to estimate from."""
    known = logged["target_propensities"].map(lambda chances: isinstance(chances, dict) and target in chances)
    if not known.any():
        raise ValueError("no For You views were logged with exploration: set WORKBENCH_FEED_EXPLORATION "
                         "(e.g. 0.1) and let people watch first")
    logged = logged[known]
    views = pd.DataFrame({"page": logged["page_key"], "completed": logged["completed"], "watched_s": logged["watched_s"],
                          "clip_duration_s": logged["clip_duration_s"], "propensity": logged["propensity"],
                          "target": logged["target_propensities"].map(lambda chances: float(chances[target]))})
    return views.reset_index(drop=True), None, int(logged["slot"].max()) + 1
