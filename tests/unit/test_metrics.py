"""Watch metrics against hand-computed values."""
import math

import pandas as pd
import pytest

from workbench.metrics import completion_by_clip, completion_rate, rewatch_rate

EVENTS = pd.DataFrame({
    "video_id":        [1, 1, 1, 2, 2],
    "watched_s":       [4.0, 1.0, 8.0, 2.5, 6.0],
    "clip_duration_s": [4.0, 4.0, 4.0, 6.0, 6.0],
    "loops":           [0, 0, 1, 0, 0],
    "completed":       [True, False, True, False, True],
})


def test_completion_and_rewatch_rates():
    assert completion_rate(EVENTS) == pytest.approx(3 / 5)
    assert rewatch_rate(EVENTS) == pytest.approx(1 / 5)


def test_per_clip_table():
    table = completion_by_clip(EVENTS).set_index("video_id")
    assert table.loc[1, "views"] == 3 and table.loc[1, "completed_views"] == 2
    assert table.loc[1, "completion_rate"] == pytest.approx(2 / 3)
    assert table.loc[1, "rewatch_rate"] == pytest.approx(1 / 3)
    assert table.loc[2, "completion_rate"] == pytest.approx(0.5)
    assert table.loc[2, "mean_watched_s"] == pytest.approx(4.25)


def test_no_views_means_no_rate():
    empty = EVENTS.iloc[0:0]
    assert math.isnan(completion_rate(empty)) and math.isnan(rewatch_rate(empty))
    assert completion_by_clip(empty).empty


def test_completion_by_duration_keeps_every_bucket():
    from workbench.metrics import completion_by_duration

    events = pd.DataFrame({"video_id": [1, 1, 2], "watched_s": [2.0, 1.0, 12.0], "clip_duration_s": [2.0, 2.0, 12.0],
                           "loops": [0, 0, 0], "completed": [True, False, True]})
    table = completion_by_duration(events).set_index("duration")
    assert list(table.index) == ["0-3 s", "3-6 s", "6-10 s", "10 s+"]
    assert list(table["views"]) == [2, 0, 0, 1]
    assert table.loc["0-3 s", "completion_rate"] == pytest.approx(0.5) and math.isnan(table.loc["3-6 s", "completion_rate"])


def test_share_of_views_over_counts_loops():
    from workbench.metrics import share_of_views_over

    events = pd.DataFrame({"watched_s": [4.9, 5.0, 8.0, 1.0]})
    assert share_of_views_over(events, 5.0) == pytest.approx(0.5)
    assert math.isnan(share_of_views_over(events.iloc[:0]))


def test_remix_trees_size_depth_breadth_forks():
    from workbench.metrics import remix_rate, remix_trees

    # 1 <- 2 <- 4 <- 5, 1 <- 3, 1 <- 6; 7 alone; 9's parent (8) is not in the table: 9 roots its own tree
    clips = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6, 7, 9], "remix_parent_id": [None, 1, 1, 2, 4, 1, None, 8]})
    trees = remix_trees(clips).set_index("root_id")
    assert trees.loc[1, ["size", "depth", "breadth", "forks"]].to_dict() == {"size": 6, "depth": 3, "breadth": 3, "forks": 3}
    assert trees.loc[7].to_dict() == {"size": 1, "depth": 0, "breadth": 0, "forks": 0, "structural_virality": 0.0}
    assert 9 in trees.index and remix_trees(clips.iloc[:0]).empty
    assert remix_rate(2, 4) == 0.5 and math.isnan(remix_rate(1, 0))


def test_structural_virality_by_hand_star_path_and_one_node():
    from workbench.metrics import structural_virality

    assert structural_virality({1: None}) == 0.0
    star = {0: None, **{leaf: 0 for leaf in range(1, 5)}}  # 4 pairs at 1, 6 pairs at 2: 16 / 10
    assert structural_virality(star) == pytest.approx(1.6)
    path = {0: None, 1: 0, 2: 1, 3: 2}  # distances 1,1,1,2,2,3 over 6 pairs
    assert structural_virality(path) == pytest.approx(10 / 6)


@pytest.mark.parametrize("seed", range(8))
def test_structural_virality_matches_networkx_on_random_trees(seed):
    import networkx as nx

    from workbench.metrics import structural_virality

    tree = nx.random_labeled_tree(2 + seed * 7, seed=seed)
    parents = {0: None, **{child: parent for parent, child in nx.bfs_edges(tree, 0)}}
    assert structural_virality(parents) == pytest.approx(nx.average_shortest_path_length(tree))


def test_slop_and_cameo_exposure():
    from workbench.metrics import cameo_exposure, slop_exposure, slop_exposure_by_viewer

    clips = pd.DataFrame({"video_id": [1, 2, 3], "author_id": [10, 20, 30]})
    follows = pd.DataFrame({"follower_id": [1], "followee_id": [10]})
    views = pd.DataFrame({"viewer_id": [1, 1, 1, 1, 2], "video_id": [1, 1, 2, 3, 1]})
    per_viewer = slop_exposure_by_viewer(views, clips, follows)
    assert per_viewer.to_dict() == {1: 0.5, 2: 1.0}
    assert slop_exposure(views, clips, follows) == pytest.approx(0.75)  # each viewer counts once
    assert math.isnan(slop_exposure(views.iloc[:0], clips, follows))
    cameos = pd.DataFrame({"video_id": [1, 1, 3], "owner_id": [7, 7, 8]})
    assert cameo_exposure(views, cameos).to_dict() == {7: 3, 8: 1}


def test_bootstrap_difference_covers_the_truth_and_is_reproducible():
    import numpy as np

    from workbench.metrics import bootstrap_difference

    rng = np.random.default_rng(0)
    a, b = rng.normal(0.0, 1.0, 400), rng.normal(0.3, 1.0, 400)
    first = bootstrap_difference(a, b, seed=1)
    assert first.low < 0.3 < first.high and first.significant
    assert first.estimate == pytest.approx(b.mean() - a.mean())
    again = bootstrap_difference(a, b, seed=1)
    assert (again.low, again.high) == (first.low, first.high)
    same = bootstrap_difference(a, rng.normal(0.0, 1.0, 400), seed=1)
    assert same.low < 0 < same.high and not same.significant
    with pytest.raises(ValueError):
        bootstrap_difference([], b)
