"""The creator report against the database: views, completion by clip length, long views, remix
rate and trees, cameo appearances, and who may read it."""
import math

import pytest

from tests.db.test_cameo_consent import add_person_cameo
from workbench import OPERATOR, Forbidden, InvalidInput

pytestmark = pytest.mark.db


def test_the_creator_report_counts_what_it_says(people):
    wb = people
    add_person_cameo(wb, "ana", permission="everyone")
    short = wb.clips.create("ana", "a cat on a fence", seed=1, duration_s=2.0, publish=True)
    long = wb.clips.create("ana", "a long sunset", seed=2, duration_s=7.0, publish=True)
    first = wb.clips.remix("ben", short.id, "in the rain", duration_s=1.0, publish=True)
    wb.clips.remix("tess", short.id, "with a hat", duration_s=1.0, publish=True)
    wb.clips.remix("holly", first.id, "at night", duration_s=1.0, publish=True)
    wb.clips.create("ben", "@ana waves", seed=3, duration_s=1.0, cameos=("ana",), publish=True)
    wb.videos.watch("ben", short.id, 4.0, loops=1)         # completed, rewatched
    wb.videos.watch("tess", short.id, 1.0)                  # left early
    wb.videos.watch("holly", long.id, 6.0)                  # a long view, not completed
    wb.videos.watch("ben", first.id, 1.0)                   # someone else's clip: not in ana's report
    report = wb.analytics.creator_report("ana")
    assert (report.creator, report.clips, report.views) == ("ana", 2, 3)
    assert report.completion_rate == pytest.approx(1 / 3) and report.rewatch_rate == pytest.approx(1 / 3)
    assert report.share_over_5s == pytest.approx(1 / 3)
    assert report.remix_rate == pytest.approx(2 / 3)        # two direct remixes, three views
    assert report.cameo_appearances == 1
    by_duration = report.by_duration.set_index("duration")
    assert by_duration.loc["0-3 s", "views"] == 2 and by_duration.loc["6-10 s", "views"] == 1
    assert by_duration.loc["0-3 s", "completion_rate"] == pytest.approx(0.5) and math.isnan(by_duration.loc["10 s+", "completion_rate"])
    tree = report.trees.set_index("root_id").loc[short.id]
    assert (tree["size"], tree["depth"], tree["breadth"], tree["forks"]) == (4, 2, 2, 2)
    row = report.per_clip.set_index("video_id").loc[short.id]
    assert (row["views"], row["remixes"], row["tree_depth"]) == (2, 2, 2)
    assert row["remix_rate"] == pytest.approx(1.0)


def test_only_admins_read_other_creators(people):
    wb = people
    wb.clips.create("ana", "a cat on a fence", seed=1, duration_s=1.0, publish=True)
    with pytest.raises(Forbidden):
        wb.analytics.creator_report("ben", "ana")
    assert wb.analytics.creator_report("ada", "ana").clips == 1
    assert wb.analytics.creator_report(OPERATOR, "ana").clips == 1
    with pytest.raises(InvalidInput):
        wb.analytics.creator_report(OPERATOR)
    empty = wb.analytics.creator_report("ben")
    assert empty.views == 0 and math.isnan(empty.completion_rate) and empty.trees.empty
