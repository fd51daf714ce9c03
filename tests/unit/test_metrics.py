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
