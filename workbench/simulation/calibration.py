"""Calibrating the watch model (workbench.simulation.behaviour.Behaviour) to aggregate figures.

The procedure, step by step:

1. FIGURES names the aggregate figures the model is fitted to. Each is a function of a table of
   views with the app's watch-event columns (watched_s, clip_duration_s, loops, completed: the
   watch_events table, workbench.social.analytics.WATCH_COLUMNS, and the simulator's views), and
   reuses workbench.metrics where the metric exists there: the completion rate, the completion
   rate in each clip-length bucket of metrics.completion_by_duration, the rewatch rate (share of
   views that loop), and the watch ratio (watched_s / clip_duration_s, loops included, as KuaiRec
   defines it) summarised by its mean, quartile and median, and the mean share of the clip seen
   (the watch ratio capped at 1). Likes are not among them: watch_events do not record likes, so
   telemetry cannot be fitted on them.
2. The targets are such figures: PUBLISHED (from published short-video data, each cited below), or
   a database's own (`targets_from_database`).
3. `fit` draws a fixed reference sample of exposures the way the simulator draws them (a viewer's
   interests Dirichlet(0.5) over the moods, the clip of a uniformly drawn mood, so interest =
   share x number of moods; quality Beta(2, 2); length uniform between shortest_s and longest_s),
   seeded, so that every evaluation of the objective sees the same exposures (common random
   numbers). On that sample it computes the model's figures with the view-level coin flips of
   Behaviour.watch (completes or not, how many loops, where a skip stops) replaced by their
   probabilities: the figure is then the exact expectation over the sample, a smooth function of
   the parameters (common random numbers taken to the limit), where simulated coin flips would
   make it a step function. `simulated_views` runs Behaviour.watch itself on the same sample, and
   the tests check both agree.
4. scipy.optimize.least_squares moves a few free parameters of Behaviour (FREE_PARAMETERS, within
   BOUNDS) to minimise the weighted squared error between the model's figures and the targets,
   plus a faint pull (PRIOR_WEIGHT) towards `base` that pins parameters the targets say nothing
   about (with only the published watch-ratio figures, the length effect and the loop rate).
5. `Calibration` holds the fitted Behaviour and, per figure, target, fitted value, error, and the
   value in one simulated log of `sample` views; `report()` gives them as rows.

Caveat: the reference exposures are random clips, as in KuaiRec's fully observed small matrix
(videos were inserted into the feed so that every user saw every video); a ranked feed shows
clips of more interest than random ones, so a simulation run under a ranking policy completes
more views than the fitted figures say.

Usage::

    from workbench.simulation.calibration import PUBLISHED, calibrate_from, fit
    calibration = fit(PUBLISHED)
    calibration.behaviour            # the fitted Behaviour
    for row in calibration.report():
        print(row)
    calibrate_from("sqlite:///runtime/data/workbench.db")   # fitted to a database's own views
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.special import betaincinv
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from workbench.actors import OPERATOR
from workbench.media.moods import mood_names
from workbench.metrics.watch import (
    DURATION_BUCKETS,
    completion_by_duration,
    completion_rate,
    rewatch_rate,
)
from workbench.simulation.behaviour import Behaviour
from workbench.social.analytics import AnalyticsService
from workbench.store.db import Store, make_engine

#: a database needs this many views (after the source filter) for its figures to be fitted to
MIN_VIEWS = 200
#: a clip-length bucket's completion rate is a target only with this many views in the bucket
MIN_BUCKET_VIEWS = 30
#: watch ratios above this are left out of the watch-ratio figures (KuaiRec's statistics cut at 5)
WATCH_RATIO_CUT = 5.0

# ---------------------------------------------------------------------------------------------
# 1. The figures, as functions of a table of views
# ---------------------------------------------------------------------------------------------

#: the clip-length buckets' labels, as metrics.completion_by_duration names them ("0-3 s", ...)
BUCKET_LABELS: tuple[str, ...] = tuple(completion_by_duration(pd.DataFrame(
    {"clip_duration_s": pd.Series([], dtype=float), "completed": pd.Series([], dtype=bool)}))["duration"])


def watch_ratios(views: pd.DataFrame) -> pd.Series:
    """watched_s / clip_duration_s per view (loops included, so a looped view is above 1), for views
    of clips with a length, up to WATCH_RATIO_CUT."""
    duration = views["clip_duration_s"].astype(float)
    ratio = views["watched_s"].astype(float)[duration > 0] / duration[duration > 0]
    return ratio[ratio <= WATCH_RATIO_CUT]


def mean_watch_ratio(views: pd.DataFrame) -> float:
    ratio = watch_ratios(views)
    return float(ratio.mean()) if len(ratio) else math.nan


def mean_watch_share(views: pd.DataFrame) -> float:
    """The mean share of the clip seen in one pass: the watch ratio capped at 1."""
    ratio = watch_ratios(views)
    return float(ratio.clip(upper=1.0).mean()) if len(ratio) else math.nan


def watch_ratio_quantile(level: float) -> Callable[[pd.DataFrame], float]:
    def figure(views: pd.DataFrame) -> float:
        ratio = watch_ratios(views)
        return float(ratio.quantile(level)) if len(ratio) else math.nan
    figure.__doc__ = f"The {level:g} quantile of the watch ratio."
    return figure


def bucket_completion_rate(label: str, min_views: int = 0) -> Callable[[pd.DataFrame], float]:
    """The completion rate of views of clips in one length bucket (metrics.completion_by_duration);
    NaN when the bucket has fewer than min_views views."""
    def figure(views: pd.DataFrame) -> float:
        row = completion_by_duration(views).set_index("duration").loc[label]
        return float(row["completion_rate"]) if row["views"] >= max(min_views, 1) else math.nan
    figure.__doc__ = f"The completion rate of views of {label} clips."
    return figure


def bucket_figure(label: str) -> str:
    return f"completion_rate[{label}]"


#: figure name -> its function of a views table (NaN when the table cannot say)
FIGURES: dict[str, Callable[[pd.DataFrame], float]] = {
    "completion_rate": completion_rate,
    **{bucket_figure(label): bucket_completion_rate(label) for label in BUCKET_LABELS},
    "rewatch_rate": rewatch_rate,
    "mean_watch_ratio": mean_watch_ratio,
    "mean_watch_share": mean_watch_share,
    "watch_ratio_p25": watch_ratio_quantile(0.25),
    "watch_ratio_median": watch_ratio_quantile(0.5),
}
_QUANTILES = {"watch_ratio_p25": 0.25, "watch_ratio_median": 0.5}


def figures_of(views: pd.DataFrame, *, min_bucket_views: int = 0) -> dict[str, float]:
    """Every figure of a views table (NaN where it has none); a bucket's completion rate only from
    min_bucket_views views on."""
    values = {name: figure(views) for name, figure in FIGURES.items()}
    for label in BUCKET_LABELS:
        values[bucket_figure(label)] = bucket_completion_rate(label, min_bucket_views)(views)
    return values


# ---------------------------------------------------------------------------------------------
# 2. Published targets
# ---------------------------------------------------------------------------------------------

#: Target figures from published short-video data. Only numbers stated in a citable source are
#: here; see the notes below for the figures no source was found for.
PUBLISHED: dict[str, float] = {
    # Gao et al., "KuaiRec: A Fully-observed Dataset and Insights for Evaluating Recommender
    # Systems", CIKM 2022 (arXiv:2202.10842). The paper (section 3.1, Table 1) describes the small
    # matrix: 1,411 users x 3,327 videos, 4,676,570 interactions, density 99.6%, unwatched videos
    # inserted into users' feeds so that every user was exposed to every video; its watch_ratio is
    # play_duration / video_duration (replays included: the dataset's README, "The video watching
    # ratio (=play_duration/video_duration)"). The numbers are the authors' published statistics
    # of the release (KuaiRec 2.0), notebook Statistics_KuaiRec.ipynb of github.com/chongminggao/
    # KuaiRec (commit 9b6dad3, 2022-05-27; rendered at chongminggao.github.io/KuaiRec), section
    # "Distribution of watch_ratio in small matrix": small_matrix.watch_ratio[watch_ratio <= 5]
    # .describe() -> count 4.653780e+06, mean 8.553870e-01, std 5.952060e-01, 25% 4.657859e-01,
    # 50% 7.662410e-01, 75% 1.114060e+00. (Big matrix, same cut: mean 0.851, 25% 0.311, median
    # 0.716, 75% 1.162.)
    "mean_watch_ratio": 0.855,      # mean watch ratio, small matrix, ratios <= 5 (8.553870e-01)
    "watch_ratio_p25": 0.466,       # its 25% quantile (4.657859e-01)
    "watch_ratio_median": 0.766,    # its median (7.662410e-01)
    # Not used: the same table's 75% quantile, 1.114. In this model a view that plays past the end
    # loops whole (watch ratio 2 or 3), where real viewers also leave part way through a replay, so
    # the model has no ratios between 1 and 2 to put a quantile at; the number says only that at
    # least a quarter of views play past the end.
    #
    # No published value was found (searched: the KuaiRec and KuaiRand papers and statistics, the
    # duration-bias papers Zhan et al. KDD 2022 "Deconfounding Duration Bias in Watch-time
    # Prediction for Video Recommendation" and Zheng et al. 2022 "DVR: Micro-video Recommendation
    # Optimizing Watch-Time-Gain under Duration Bias", which report watch time against duration in
    # figures but no completion rates in the text, and industry completion-rate reports, which
    # state no method or source) for: the overall completion rate, the completion rate per
    # clip-length bucket, the rewatch rate and the capped watch share. They are not invented here.
}


# ---------------------------------------------------------------------------------------------
# 3. The model's figures on a reference sample of exposures
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exposures:
    """A fixed sample of (viewer's interest in the clip's mood, clip quality, clip length)."""
    interest: np.ndarray
    quality: np.ndarray
    duration: np.ndarray
    #: index of each length's bucket in DURATION_BUCKETS (-1: outside them)
    bucket: np.ndarray


def reference_exposures(behaviour: Behaviour = Behaviour(), *, seed: int = 0, sample: int = 200_000,
                        moods: int | None = None) -> Exposures:
    """Exposures drawn as the simulator draws people and clips (workbench.simulation.engine): each
    viewer's interests Dirichlet(0.5) over the moods, a clip of a uniformly drawn mood (interest =
    the viewer's share of it x the number of moods, 1 on average), quality Beta(2, 2), length
    uniform between behaviour.shortest_s and longest_s (rounded to 1/100 s)."""
    if sample < 1:
        raise ValueError("the reference sample needs at least one exposure")
    moods = moods or len(mood_names())
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(moods, 0.5), size=sample)
    mood = rng.integers(0, moods, sample)
    interest = shares[np.arange(sample), mood] * moods
    quality = rng.beta(2.0, 2.0, sample)
    duration = np.round(rng.uniform(behaviour.shortest_s, behaviour.longest_s, sample), 2)
    edges = np.asarray(DURATION_BUCKETS)
    bucket = np.searchsorted(edges, duration, side="right") - 1  # right-open, as pd.cut(right=False)
    bucket[(bucket < 0) | (bucket >= len(BUCKET_LABELS))] = -1
    return Exposures(interest, quality, duration, bucket)


def model_figures(behaviour: Behaviour, exposures: Exposures) -> dict[str, float]:
    """The expected figures of Behaviour.watch over the exposures: its coin flips replaced by their
    chances (completes: completion_chance; each of two loops: loop_rate x interest, capped at 0.6;
    a skip stops at a Beta(skip_a, skip_b) share of the clip)."""
    p = behaviour.completion_chance(exposures.interest, exposures.quality, exposures.duration)
    q = np.clip(behaviour.loop_rate * exposures.interest, 0.0, 0.6)
    completed = float(p.mean())
    skipped = 1.0 - completed
    skip_share = behaviour.skip_a / (behaviour.skip_a + behaviour.skip_b)
    # where the watch ratio's mass lies: skips spread over [0, 1), then atoms at 1, 2 and 3 plays
    atoms = [float((p * (1 - q) ** 2).mean()), float((p * 2 * q * (1 - q)).mean()), float((p * q ** 2).mean())]
    values = {
        "completion_rate": completed,
        "rewatch_rate": float((p * (1 - (1 - q) ** 2)).mean()),
        "mean_watch_ratio": float((p * (1 + 2 * q)).mean()) + skipped * skip_share,
        "mean_watch_share": completed + skipped * skip_share,
    }
    for name, level in _QUANTILES.items():
        values[name] = _ratio_quantile(level, skipped, atoms, behaviour.skip_a, behaviour.skip_b)
    views = np.bincount(exposures.bucket[exposures.bucket >= 0], minlength=len(BUCKET_LABELS))
    completions = np.bincount(exposures.bucket[exposures.bucket >= 0], weights=p[exposures.bucket >= 0],
                              minlength=len(BUCKET_LABELS))
    for index, label in enumerate(BUCKET_LABELS):
        values[bucket_figure(label)] = float(completions[index] / views[index]) if views[index] else math.nan
    return values


def _ratio_quantile(level: float, skipped: float, atoms: list[float], a: float, b: float) -> float:
    if level < skipped:
        return float(betaincinv(a, b, level / skipped))
    cumulative = skipped
    for plays, mass in enumerate(atoms, start=1):
        cumulative += mass
        if level < cumulative:
            return float(plays)
    return float(len(atoms))


def simulated_views(behaviour: Behaviour, *, seed: int = 0, sample: int = 200_000,
                    exposures: Exposures | None = None) -> pd.DataFrame:
    """What the simulator logs for the reference exposures: Behaviour.watch itself, as a views table
    (watched_s, clip_duration_s, loops, completed)."""
    exposures = exposures if exposures is not None else reference_exposures(behaviour, seed=seed, sample=sample)
    watched = behaviour.watch(exposures.interest, exposures.quality, exposures.duration,
                              np.random.default_rng([seed, 1]))
    return pd.DataFrame({"watched_s": watched["watched"], "clip_duration_s": exposures.duration,
                         "loops": watched["loops"], "completed": watched["completed"]})


# ---------------------------------------------------------------------------------------------
# 4. The fit
# ---------------------------------------------------------------------------------------------

#: the parameters `fit` moves unless told otherwise
FREE_PARAMETERS: tuple[str, ...] = ("completion_base", "completion_per_second", "loop_rate", "skip_a", "skip_b")
#: where each parameter that can be fitted may go
BOUNDS: dict[str, tuple[float, float]] = {
    "completion_base": (-8.0, 8.0),
    "completion_interest": (0.0, 5.0),
    "completion_quality": (-5.0, 10.0),
    "completion_per_second": (-1.0, 2.0),
    "loop_rate": (0.0, 2.0),
    "skip_a": (0.05, 50.0),
    "skip_b": (0.05, 50.0),
}
#: the size of a parameter's step that counts as one unit of the pull towards `base`
SCALES: dict[str, float] = {"completion_base": 1.0, "completion_interest": 1.0, "completion_quality": 1.0,
                            "completion_per_second": 0.1, "loop_rate": 0.1, "skip_a": 1.0, "skip_b": 1.0}
#: weight of the pull towards `base` (per scaled unit squared), next to a weight of 1 per figure:
#: small enough to move a fitted figure by well under 0.01, large enough to make the fit unique
PRIOR_WEIGHT = 1e-5


@dataclass(frozen=True)
class FigureFit:
    figure: str
    target: float
    #: the fitted model's figure (its expectation over the reference exposures)
    fitted: float
    #: fitted - target
    error: float
    #: the figure of one simulated log of the reference exposures (Behaviour.watch), as a check
    simulated: float


@dataclass(frozen=True)
class Calibration:
    behaviour: Behaviour
    #: one per target figure, in FIGURES order
    figures: tuple[FigureFit, ...]
    #: the free parameters: fitted values
    parameters: dict[str, float]
    #: the parameters before the fit (base)
    start: dict[str, float]
    seed: int
    sample: int
    converged: bool
    message: str

    def report(self) -> list[dict[str, float | str]]:
        """One row per target figure: figure, target, fitted, error, simulated."""
        return [{"figure": f.figure, "target": f.target, "fitted": f.fitted, "error": f.error,
                 "simulated": f.simulated} for f in self.figures]

    def parameter_report(self) -> list[dict[str, float | str]]:
        """One row per free parameter: parameter, start (base), fitted."""
        return [{"parameter": name, "start": self.start[name], "fitted": value}
                for name, value in self.parameters.items()]

    @property
    def max_error(self) -> float:
        return max(abs(f.error) for f in self.figures)


def fit(targets: Mapping[str, float], *, base: Behaviour = Behaviour(), seed: int = 0, sample: int = 200_000,
        params: Iterable[str] = FREE_PARAMETERS, weights: Mapping[str, float] | None = None) -> Calibration:
    """Fit `params` of `base` so that the model's figures on the reference exposures (seeded by
    `seed`, `sample` of them) match `targets` (figure name -> value; NaN values are skipped) in
    weighted least squares (weights: figure -> weight, 1 when not given). Deterministic for a seed."""
    targets = _check_targets(targets)
    params = tuple(params)
    unknown = [name for name in params if name not in BOUNDS]
    if not params or unknown:
        raise ValueError(f"cannot fit {', '.join(unknown) or 'no parameters'}: the parameters that can be "
                         f"fitted are {', '.join(BOUNDS)}")
    weights = dict(weights or {})
    if any(name not in FIGURES for name in weights) or any(w < 0 for w in weights.values()):
        raise ValueError("weights name figures of FIGURES and are >= 0")
    exposures = reference_exposures(base, seed=seed, sample=sample)
    names = list(targets)
    start_values = model_figures(base, exposures)
    empty = [name for name in names if not math.isfinite(start_values[name])]
    if empty:
        raise ValueError(f"the reference clips ({base.shortest_s:g}-{base.longest_s:g} s) have no lengths for "
                         f"{', '.join(empty)}")
    target = np.array([targets[name] for name in names])
    root_weight = np.sqrt([weights.get(name, 1.0) for name in names])
    low = np.array([BOUNDS[name][0] for name in params])
    high = np.array([BOUNDS[name][1] for name in params])
    scale = np.array([SCALES[name] for name in params])
    x0 = np.array([float(getattr(base, name)) for name in params])
    start = np.clip(x0, low, high)

    def behaviour_at(x: np.ndarray) -> Behaviour:
        return replace(base, **{name: float(value) for name, value in zip(params, x)})

    def residuals(x: np.ndarray) -> np.ndarray:
        values = model_figures(behaviour_at(x), exposures)
        misfit = root_weight * (np.array([values[name] for name in names]) - target)
        return np.concatenate([misfit, math.sqrt(PRIOR_WEIGHT) * (x - x0) / scale])

    result = least_squares(residuals, start, bounds=(low, high), x_scale=scale, method="trf",
                           ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=2000)
    fitted = behaviour_at(result.x)
    values = model_figures(fitted, exposures)
    simulated = figures_of(simulated_views(fitted, seed=seed, exposures=exposures))
    figures = tuple(FigureFit(name, targets[name], values[name], values[name] - targets[name], simulated[name])
                    for name in names)
    return Calibration(behaviour=fitted, figures=figures,
                       parameters={name: float(getattr(fitted, name)) for name in params},
                       start={name: float(getattr(base, name)) for name in params},
                       seed=seed, sample=sample, converged=bool(result.success), message=str(result.message))


def _check_targets(targets: Mapping[str, float]) -> dict[str, float]:
    unknown = [name for name in targets if name not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figures {', '.join(map(repr, unknown))}: the figures are {', '.join(FIGURES)}")
    kept = {name: float(targets[name]) for name in FIGURES if name in targets and not math.isnan(float(targets[name]))}
    if not kept:
        raise ValueError("no target figures to fit to")
    if any(math.isinf(value) for value in kept.values()):
        raise ValueError("target figures must be finite")
    return kept


# ---------------------------------------------------------------------------------------------
# 5. A database's own figures
# ---------------------------------------------------------------------------------------------

def targets_from_views(views: pd.DataFrame, *, min_views: int = MIN_VIEWS) -> dict[str, float]:
    """The figures of a views table as targets: every figure it has (a clip-length bucket's only
    from MIN_BUCKET_VIEWS views on). ValueError with fewer than min_views views."""
    if len(views) < min_views:
        raise ValueError(f"{len(views)} views are too few to calibrate the watch model: it needs at least {min_views}")
    values = figures_of(views, min_bucket_views=MIN_BUCKET_VIEWS)
    return {name: value for name, value in values.items() if not math.isnan(value)}


def views_from_database(database, *, sources: Iterable[str] | None = None) -> pd.DataFrame:
    """A workbench database's watch events (WATCH_COLUMNS), read through the app's own query
    (AnalyticsService.watch_events) on a read-only connection. `database` is a URL, a path to a
    SQLite file, a workbench.store.db.Store or a Workbench (read as they are). `sources` keeps only
    views of those sources ("app", "browser", "seed", "simulation"); all of them when None.
    ValueError (a message for people, no traceback needed) when it cannot be read or is not a
    workbench database."""
    store, where, owned = _open_read_only(database)
    try:
        tables = set(inspect(store.engine).get_table_names())
        missing = sorted({"watch_events", "videos", "users"} - tables)
        if missing:
            raise ValueError(f"{where} has no {', '.join(missing)} table: it is not a workbench database "
                             "(or was never migrated)")
        views = AnalyticsService(store).watch_events(OPERATOR)
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise ValueError(f"cannot read {where}: {str(reason).strip().splitlines()[0]}") from None
    finally:
        if owned:
            store.engine.dispose()
    if sources is not None:
        views = views[views["source"].isin(list(sources))].reset_index(drop=True)
    return views


def targets_from_database(database, *, sources: Iterable[str] | None = None,
                          min_views: int = MIN_VIEWS) -> dict[str, float]:
    """The figures of a workbench database's own watch events (views_from_database), as targets for
    `fit`. ValueError when it has fewer than min_views views or no watch_events table."""
    views = views_from_database(database, sources=sources)
    try:
        return targets_from_views(views, min_views=min_views)
    except ValueError as error:
        raise ValueError(f"{_describe(database)}: {error}") from None


def calibrate_from(database, *, base: Behaviour | None = None, seed: int = 0, sample: int = 200_000,
                   sources: Iterable[str] | None = None, fit_lengths: bool = True) -> Calibration:
    """Fit the watch model to a workbench database's own telemetry. With fit_lengths, the simulated
    clip lengths are first set to the range of the database's (shortest_s, longest_s = the
    shortest and longest clip viewed), so that the overall figures mix lengths as it does."""
    views = views_from_database(database, sources=sources)
    try:
        targets = targets_from_views(views)
    except ValueError as error:
        raise ValueError(f"{_describe(database)}: {error}") from None
    base = base or Behaviour()
    if fit_lengths:
        lengths = views["clip_duration_s"].astype(float)
        lengths = lengths[lengths > 0]
        if len(lengths):
            base = replace(base, shortest_s=float(lengths.min()), longest_s=float(lengths.max()))
    return fit(targets, base=base, seed=seed, sample=sample)


def _describe(database) -> str:
    if isinstance(database, str) and "://" in database:
        try:
            return make_url(database).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - only for a message
            return "the database"
    if isinstance(database, str) or hasattr(database, "__fspath__"):
        return str(database)
    return "the database"


def _open_read_only(database):
    """(store, description, whether this call opened it): a URL or a SQLite path opened read-only
    (SQLite: mode=ro; PostgreSQL: read-only transactions); a Store or a Workbench used as it is."""
    if isinstance(database, Store):
        return database, "the database", False
    if isinstance(getattr(database, "store", None), Store):
        return database.store, "the database", False
    if not isinstance(database, str) and not hasattr(database, "__fspath__"):
        raise ValueError(f"cannot calibrate from {database!r}: give a database URL, a SQLite file or a Store")
    text = str(database)
    try:
        url = make_url(text) if "://" in text else URL.create("sqlite", database=str(Path(text).resolve()))
        backend = url.get_backend_name()
    except ArgumentError as error:
        raise ValueError(f"{database!r} is not a database URL: {error}") from None
    where = url.render_as_string(hide_password=True)
    if backend == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise ValueError(f"{where} names no SQLite file to read")
        path = Path(url.database).resolve()
        if not path.is_file():
            raise ValueError(f"no database file at {path}")
        where = str(path)
        # read-only: opened with mode=ro (no write can reach the file), without the app's write lock
        engine = create_engine(url.set(database=f"file:{quote(path.as_posix(), safe='/')}",
                                       query={**url.query, "mode": "ro", "uri": "true"}))
    else:
        try:
            engine = make_engine(url, execution_options={"postgresql_readonly": True}
                                 if backend == "postgresql" else {})
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise ValueError(f"cannot open {where}: {error}") from None
    return Store(engine, Path(".")), where, True
