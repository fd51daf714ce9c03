"""The population simulator: reproducible, ranked by the app's own policies, and behaving as its
model says (the duration bias, connection-first lowering slop exposure, remix chains, cameos)."""
import pandas as pd
import pytest

from workbench import metrics
from workbench.simulation import SimulationConfig, simulate
from workbench.social.analytics import WATCH_COLUMNS

SMALL = SimulationConfig(users=800, days=5, seed=3)


@pytest.fixture(scope="module")
def run():
    return simulate(SMALL)


def test_the_same_seed_gives_the_same_tables_and_another_does_not(run):
    again = simulate(SMALL)
    for name in ("views", "clips", "follows"):
        pd.testing.assert_frame_equal(getattr(run, name), getattr(again, name))
    other = simulate(SimulationConfig(users=800, days=5, seed=4))
    assert not other.views[["video_id", "viewer_id"]].equals(run.views[["video_id", "viewer_id"]])


def test_views_have_the_apps_telemetry_columns(run):
    app_columns = set(WATCH_COLUMNS) - {"author"}
    assert app_columns <= set(run.views.columns)
    assert (run.views["source"] == "simulation").all()
    # teens get the teen policy, whatever the run's policy is, as in the app
    teens = run.views["viewer_id"].isin(run.people.loc[run.people["teen"], "user_id"])
    assert teens.any() and (run.views.loc[teens, "feed_policy"] == "non_personalised").all()
    assert (run.views.loc[~teens, "feed_policy"] == SMALL.policy).all()
    assert (run.views["watched_s"] <= run.views["clip_duration_s"] * (run.views["loops"] + 1) + 1e-6).all()
    assert run.views["completed"][run.views["loops"] > 0].all()


def test_longer_clips_complete_less_often(run):
    by_length = metrics.completion_by_duration(run.views).set_index("duration")["completion_rate"]
    assert by_length["0-3 s"] > by_length["6-10 s"] > by_length["10 s+"]


def test_connection_first_shows_less_unconnected_content_than_popularity():
    exposure = {}
    for policy in ("connection_first", "popularity"):
        sim = simulate(SimulationConfig(users=800, days=5, seed=3, policy=policy))
        exposure[policy] = metrics.slop_exposure(sim.views, sim.clips, sim.follows)
    assert exposure["connection_first"] < exposure["popularity"] - 0.02


def test_remix_chains_and_cameos_appear(run):
    assert run.clips["remix_depth"].max() >= 2
    assert run.clips["cameo_owner_id"].notna().any()
    trees = metrics.remix_trees(run.clips.rename(columns={"video_id": "id"}))
    assert trees["depth"].max() == run.clips["remix_depth"].max()


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown ranking policy"):
        simulate(SimulationConfig(users=50, days=1, policy="chronological"))


def test_parquet_written_and_read_back_with_duckdb(run, tmp_path):
    from workbench.simulation import read_logs

    folder = run.write_parquet(tmp_path / "sim")
    logs = read_logs(folder)
    for name in ("views", "clips", "follows"):
        assert len(logs[name]) == len(getattr(run, name))
    pd.testing.assert_frame_equal(logs["views"].drop(columns="created_at"), run.views.drop(columns="created_at"),
                                  check_dtype=False)
    assert (folder / "config.json").exists()


@pytest.mark.xdist_group("ray")
def test_the_ray_run_equals_the_local_run():
    import ray  # installed by the test set-up (the scale extra): a missing install fails here
    config = SimulationConfig(users=1200, days=4, seed=2, chunk_size=256)  # several chunks a day
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        distributed = simulate(config, backend="ray")
    finally:
        ray.shutdown()
    local = simulate(config)
    for name in ("views", "clips", "follows"):
        pd.testing.assert_frame_equal(getattr(distributed, name), getattr(local, name))
    assert local.views["viewer_id"].nunique() > 256


def test_a_clip_marked_not_interested_is_never_shown_again_though_seen_clips_come_back():
    """A small world with long pages runs out of unseen clips, so seen ones are shown again; the
    dismissed ones never are."""
    from workbench.simulation.behaviour import Behaviour

    run = simulate(SimulationConfig(users=60, days=8, seed=2, page_size=40, behaviour=Behaviour(dismiss_rate=0.5)))
    views = run.views
    when = views[views["dismissed"]].groupby(["viewer_id", "video_id"])["day"].min()
    assert len(when) > 50
    later = views.join(when.rename("dismissed_on"), on=["viewer_id", "video_id"], how="inner")
    assert (later["day"] <= later["dismissed_on"]).all()
    assert (views.groupby(["viewer_id", "video_id"]).size() > 1).sum() > 100


def test_interests_drift_towards_what_people_complete():
    """With drift, completing a mood's clips raises interest in it, so completion climbs over the days
    faster than with fixed interests."""
    from workbench.simulation.behaviour import Behaviour

    def climb(drift: float) -> float:
        views = simulate(SimulationConfig(users=800, days=8, seed=5, behaviour=Behaviour(drift=drift))).views
        by_day = views.groupby("day")["completed"].mean()
        return by_day.iloc[-2:].mean() - by_day.iloc[:2].mean()

    assert climb(0.2) > climb(0.0) + 0.02
