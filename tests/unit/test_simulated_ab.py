"""The simulated A/B (workbench.simulation.experiments): reproducible, comparing each policy with the
control on per-viewer metrics with bootstrap intervals, its progress covering every arm, and its
inputs checked in words."""
import numpy as np
import pandas as pd
import pytest

from workbench.errors import InvalidInput
from workbench.simulation.experiments import (
    METRICS,
    live_comparison,
    simulated_ab,
    watch_ratio,
)

POLICIES = ["connection_first", "popularity"]


@pytest.fixture(scope="module")
def result():
    return simulated_ab(800, 5, POLICIES, seed=3)


def test_the_same_seed_gives_the_same_result(result):
    again = simulated_ab(800, 5, POLICIES, seed=3)
    assert again.arms == result.arms
    pd.testing.assert_frame_equal(again.differences_table(), result.differences_table())
    pd.testing.assert_frame_equal(again.daily, result.daily)
    for first, second in zip(result.differences, again.differences):
        np.testing.assert_array_equal(first.replicates, second.replicates)


def test_popularity_shows_more_unconnected_content_than_connection_first(result):
    """The sign tests/unit/test_simulation.py expects (connection-first lowers slop exposure), now
    with an interval that leaves out 0."""
    slop = next(d for d in result.differences if d.metric == "slop_exposure")
    assert (slop.control, slop.arm) == ("connection_first", "popularity")
    assert slop.estimate > 0.02 and slop.low > 0 and slop.significant and slop.better is False
    control, arm = result.arms
    assert slop.estimate == pytest.approx(arm.means["slop_exposure"] - control.means["slop_exposure"])
    assert slop.sentence().startswith("Popularity vs connection-first: slop exposure +")
    assert "(95 % interval +" in slop.sentence() and slop.sentence().endswith("a real difference")


def test_every_metric_is_compared_and_the_arms_share_one_population(result):
    assert [d.metric for d in result.differences] == list(METRICS)
    control, arm = result.arms
    assert control.viewers == arm.viewers > 0 and arm.views > 0  # the same people, active on the same days
    for d in result.differences:
        assert d.low <= d.estimate <= d.high and len(d.replicates) > 0
        assert 0 <= control.means[d.metric] <= 1
    assert set(result.daily["policy"]) == set(POLICIES) and sorted(set(result.daily["day"])) == [1, 2, 3, 4, 5]
    assert control.likes_per_100_views > 0 and control.clips > 0 and control.follows > 0


def test_progress_covers_every_arm_once_from_0_to_1():
    seen = []
    simulated_ab(60, 2, ["connection_first", "popularity", "non_personalised"], seed=1,
                 progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)
    assert any("non-personalised (3 of 3)" in m for _, m in seen)


def test_the_watch_ratio_is_capped_at_the_whole_clip():
    views = pd.DataFrame({"watched_s": [2.0, 12.0, 0.0, 1.0], "clip_duration_s": [4.0, 6.0, 0.0, 0.0],
                          "completed": [False, True, True, False]})
    assert watch_ratio(views).tolist() == [0.5, 1.0, 1.0, 0.0]


def test_a_live_experiment_compares_its_arms_without_slop_exposure():
    views = pd.DataFrame({"viewer_id": [1, 1, 2, 3, 4, 4], "watched_s": [4.0, 2.0, 4.0, 1.0, 4.0, 8.0],
                          "clip_duration_s": 4.0, "loops": [0, 0, 0, 0, 0, 1],
                          "completed": [True, False, True, False, True, True],
                          "feed_policy": ["popularity", "popularity", "popularity", "connection_first",
                                          "connection_first", "connection_first"]})
    comparison = live_comparison(views, ["connection_first", "popularity"])
    control, arm = comparison.arms
    assert (control.viewers, control.views, arm.viewers, arm.views) == (2, 3, 2, 3)
    assert control.means["completion"] == pytest.approx(0.5) and arm.means["completion"] == pytest.approx(0.75)
    assert [d.metric for d in comparison.differences] == ["completion", "watch_ratio", "rewatch"]
    empty = live_comparison(views[views["feed_policy"] == "popularity"], ["connection_first", "popularity"])
    assert empty.arms[0].views == 0 and empty.differences == ()


@pytest.mark.parametrize("users, days, policies, seed, words", [
    (49, 3, POLICIES, 0, "between 50 and 20,000 people"),
    (20_001, 3, POLICIES, 0, "between 50 and 20,000 people"),
    (100, 0, POLICIES, 0, "1 to 30 days"),
    (100, 31, POLICIES, 0, "1 to 30 days"),
    (100.5, 3, POLICIES, 0, "population must be a whole number"),
    (100, 3, ["popularity"], 0, "two or more policies"),
    (100, 3, [], 0, "two or more policies"),
    (100, 3, ["popularity", "popularity"], 0, "each policy once"),
    (100, 3, ["popularity", "chronological"], 0, "Unknown ranking policy 'chronological'"),
    (100, 3, POLICIES, -1, "seed must be 0 or more"),
])
def test_inputs_are_checked_in_words(users, days, policies, seed, words):
    with pytest.raises(InvalidInput, match=words):
        simulated_ab(users, days, policies, seed)
