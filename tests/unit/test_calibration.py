"""Calibrating the watch model: the figures, the fit (recovery, published targets, determinism) and a
database's own telemetry read from a real database (workbench.simulation.calibration)."""
import json
import math
import sqlite3

import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench import OPERATOR
from workbench.cli import app
from workbench.simulation.behaviour import Behaviour
from workbench.simulation.calibration import (
    FIGURES,
    MIN_VIEWS,
    PUBLISHED,
    calibrate_from,
    figures_of,
    fit,
    model_figures,
    reference_exposures,
    simulated_views,
    targets_from_database,
    targets_from_views,
)

#: the most a fitted figure may miss a published target by (figures are shares and ratios near 1)
PUBLISHED_TOLERANCE = 0.005


def _views(rows):
    return pd.DataFrame(rows, columns=["watched_s", "clip_duration_s", "loops", "completed"])


def test_the_figures_of_a_views_table():
    views = _views([(1.0, 4.0, 0, False), (2.0, 4.0, 0, False), (4.0, 4.0, 0, True), (8.0, 4.0, 1, True),
                    (1.0, 2.0, 0, False), (2.0, 2.0, 0, True), (30.0, 2.0, 14, True)])  # the last: ratio 15, past the cut
    values = figures_of(views)
    assert set(values) == set(FIGURES)
    assert values["completion_rate"] == pytest.approx(4 / 7)                       # metrics.completion_rate
    assert values["rewatch_rate"] == pytest.approx(2 / 7)
    assert values["completion_rate[0-3 s]"] == pytest.approx(2 / 3)
    assert values["completion_rate[3-6 s]"] == pytest.approx(2 / 4)
    assert math.isnan(values["completion_rate[10 s+]"])                            # no views of such clips
    ratios = [0.25, 0.5, 1.0, 2.0, 0.5, 1.0]                                       # ratio 15 left out (> 5)
    assert values["mean_watch_ratio"] == pytest.approx(sum(ratios) / 6)
    assert values["mean_watch_share"] == pytest.approx(sum(min(r, 1.0) for r in ratios) / 6)
    assert values["watch_ratio_median"] == pytest.approx(pd.Series(ratios).median())
    assert values["watch_ratio_p25"] == pytest.approx(pd.Series(ratios).quantile(0.25))


def test_the_model_figures_are_what_behaviour_watch_logs():
    """The fit's smooth expectations agree with a simulated log of the same exposures (Behaviour.watch
    itself): the calibration fits the simulator's watch model, not another one."""
    behaviour = Behaviour(completion_base=0.3, loop_rate=0.2, skip_a=0.8, skip_b=1.7)
    exposures = reference_exposures(behaviour, seed=3)
    expected = model_figures(behaviour, exposures)
    logged = figures_of(simulated_views(behaviour, seed=3, exposures=exposures))
    for name in FIGURES:
        assert logged[name] == pytest.approx(expected[name], abs=0.01), name


def test_the_fit_recovers_a_known_behaviour():
    truth = Behaviour(completion_base=0.5, completion_per_second=0.1, loop_rate=0.25, skip_a=0.7, skip_b=1.8)
    targets = figures_of(simulated_views(truth, seed=11))          # a simulated log, not the fit's own sample
    calibration = fit(targets)                                     # from the default Behaviour
    assert calibration.converged
    assert {row["figure"] for row in calibration.report()} == set(FIGURES)
    for row in calibration.report():
        assert abs(row["error"]) < 0.01, row
        assert row["simulated"] == pytest.approx(row["target"], abs=0.015), row
    fitted = calibration.parameters
    assert fitted["completion_base"] == pytest.approx(truth.completion_base, abs=0.15)
    assert fitted["completion_per_second"] == pytest.approx(truth.completion_per_second, abs=0.02)
    assert fitted["loop_rate"] == pytest.approx(truth.loop_rate, abs=0.03)
    assert fitted["skip_a"] == pytest.approx(truth.skip_a, rel=0.2)
    assert fitted["skip_b"] == pytest.approx(truth.skip_b, rel=0.2)
    assert calibration.behaviour.like_rate == Behaviour().like_rate         # only the free parameters move


def test_the_fit_to_published_figures_is_within_tolerance():
    calibration = fit(PUBLISHED)
    assert calibration.converged
    assert [row["figure"] for row in calibration.report()] == list(PUBLISHED)
    for row in calibration.report():
        assert abs(row["error"]) < PUBLISHED_TOLERANCE, row
        assert row["simulated"] == pytest.approx(row["target"], abs=0.01), row


def test_the_default_behaviour_is_fitted_to_the_published_figures():
    """behaviour.py's defaults are those of fit(PUBLISHED) (rounded): the model as shipped matches them."""
    values = model_figures(Behaviour(), reference_exposures(Behaviour()))
    for name, target in PUBLISHED.items():
        assert abs(values[name] - target) < PUBLISHED_TOLERANCE, name


def test_the_fit_is_deterministic_for_a_seed():
    targets = {"completion_rate": 0.45, "rewatch_rate": 0.1, "mean_watch_ratio": 0.8}
    first, second = fit(targets, seed=5, sample=50_000), fit(targets, seed=5, sample=50_000)
    assert first.parameters == second.parameters and first.report() == second.report()
    assert fit(targets, seed=6, sample=50_000).parameters != first.parameters   # the seed is the sample's


def test_targets_that_cannot_be_fitted_are_refused():
    with pytest.raises(ValueError, match="unknown figures"):
        fit({"likes_per_view": 0.1})
    with pytest.raises(ValueError, match="no target"):
        fit({"completion_rate": math.nan})
    with pytest.raises(ValueError, match="cannot fit"):
        fit(PUBLISHED, params=("like_rate",))
    with pytest.raises(ValueError, match="no lengths"):          # clips of 2-8 s have no 10 s+ bucket
        fit({"completion_rate[10 s+]": 0.3}, base=Behaviour(longest_s=8.0))


def test_too_little_telemetry_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=f"too few .* at least {MIN_VIEWS}"):
        targets_from_views(_views([(1.0, 2.0, 0, False)] * (MIN_VIEWS - 1)))
    with pytest.raises(ValueError, match="no database file"):
        targets_from_database(tmp_path / "missing.db")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:                     # a real SQLite file, not a workbench's
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    with pytest.raises(ValueError, match="no users, videos, watch_events table"):
        calibrate_from(f"sqlite:///{other}")


@pytest.mark.db
def test_a_workbench_database_is_calibrated_from_its_own_views(wb, database_url, tmp_path):
    """Views written through the app's API into a real database are read back (read-only, by URL)
    as the figures the fit is given."""
    for handle in ("ana", "ben", "cy"):
        wb.users.create(OPERATOR, handle, role="user")
    clips = [wb.clips.create("ana", "a cat on a fence", seed=index, duration_s=length, publish=True)
             for index, length in enumerate((1.0, 3.0, 6.0))]          # one per length bucket up to 10 s
    shares = (0.25, 0.5, 1.0, 2.0, 0.75)      # of the clip played: two skips, a full view, a loop, a skip
    views = [(clip, share) for _ in range(14) for share in shares for clip in clips]   # 210 views

    def watch(number, clip, share):
        wb.videos.watch(("ben", "cy")[number % 2], clip.id, clip.duration_s * share, loops=int(share > 1),
                        completed=share >= 1)

    for number, (clip, share) in enumerate(views[:MIN_VIEWS - 1]):
        watch(number, clip, share)
    with pytest.raises(ValueError, match="199 views are too few"):
        targets_from_database(database_url)
    for number, (clip, share) in enumerate(views[MIN_VIEWS - 1:]):
        watch(number, clip, share)

    targets = targets_from_database(database_url)
    assert targets == targets_from_views(wb.analytics.watch_events(OPERATOR))   # what analytics reads
    assert targets["completion_rate"] == pytest.approx(2 / 5) and targets["rewatch_rate"] == pytest.approx(1 / 5)
    assert targets["mean_watch_ratio"] == pytest.approx(sum(shares) / 5)
    assert targets["watch_ratio_median"] == pytest.approx(0.75)
    assert targets["completion_rate[0-3 s]"] == pytest.approx(2 / 5)
    assert "completion_rate[10 s+]" not in targets                  # no views of such clips: not a target
    assert targets_from_database(wb.store) == targets               # the app's own Store reads the same
    with pytest.raises(ValueError, match="0 views"):
        targets_from_database(database_url, sources=["browser"])      # all of them came from "app"

    calibration = calibrate_from(database_url, sample=50_000)
    assert calibration.converged
    assert (calibration.behaviour.shortest_s, calibration.behaviour.longest_s) == (1.0, 6.0)
    assert {row["figure"] for row in calibration.report()} == set(targets)
    assert calibration.max_error < 0.1
    # the CLI fits the same before simulating, and says how well
    out = tmp_path / "run"
    printed = CliRunner().invoke(app, ["simulate", "--users", "300", "--days", "1", "--out", str(out),
                                       "--calibrate-from", database_url, "--json"])
    assert printed.exit_code == 0, printed.output
    assert {row["figure"] for row in json.loads(printed.output)["calibration"]} == set(targets)
    assert json.loads((out / "config.json").read_text())["behaviour"]["longest_s"] == 6.0
