"""The ranking policies as pure functions: hand-checked scores, tie order, and the vectorised form
(viewers x clips, as the simulator calls it) agreeing with the per-viewer ranking the app uses."""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from workbench.social.ranking import (
    POLICIES, Candidate, ConnectionFirst, FeedContext, Features, MoodSteered, Popularity, features_of,
    popularity_score,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)


def clip(video_id, author, *, likes=0, views=0, completed=0, hours=1.0, moods=("funny",), cameo=None, parent=None):
    return Candidate(video_id, author, f"u{author}", NOW - timedelta(hours=hours), moods, likes, views, completed,
                     ((cameo, f"u{cameo}"),) if cameo else (), (parent, f"u{parent}") if parent else None)


CANDIDATES = [clip(1, 10, likes=50, views=500, hours=2), clip(2, 20, hours=30), clip(3, 30, cameo=20, hours=5),
              clip(4, 40, parent=20, hours=1), clip(5, 50, views=3, completed=3, hours=1, moods=("animals",))]


def test_popularity_is_hacker_news_gravity():
    assert popularity_score(1, 2, 2.0) == pytest.approx((1 + 2 + 2) / 4 ** 1.5)
    ranked = Popularity().rank(FeedContext(viewer_id=1, now=NOW), CANDIDATES)
    assert ranked[0].video_id == 1 and ranked[0].reason == "Popular lately: 50 likes, 500 views"


def test_connection_first_orders_ties_before_popularity():
    context = FeedContext(viewer_id=1, now=NOW, follows=frozenset({20}), followers=frozenset({20}))
    ranked = ConnectionFirst().rank(context, CANDIDATES)
    assert [r.video_id for r in ranked][:3] == [2, 3, 4]  # the mutual's old clip, their cameo, a remix of theirs
    assert ranked[0].reason == "From @u20: you follow each other"


def test_steering_puts_asked_for_moods_first_and_drops_ruled_out_ones():
    context = FeedContext(viewer_id=1, now=NOW, mood_weights={"animals": 0.8, "funny": -1.0}, steer_note="more animals")
    ranked = MoodSteered(Popularity()).rank(context, CANDIDATES)
    assert [r.video_id for r in ranked] == [5] and ranked[0].reason.endswith("you asked for more animals")


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_batched_scores_equal_each_viewers_ranking(name):
    policy = POLICIES[name]
    contexts = [FeedContext(viewer_id=v, now=NOW, follows=frozenset(f), followers=frozenset(f))
                for v, f in ((1, {20}), (2, {30, 50}), (3, set()))]
    per_viewer = [features_of(context, CANDIDATES)[0] for context in contexts]
    batch = Features(*(np.stack([getattr(f, field) for f in per_viewer])
                       for field in ("likes", "views", "completed", "age_hours", "tie")))
    scores = policy.scores(batch)
    assert scores.shape == (3, len(CANDIDATES))
    for row, context in zip(scores, contexts):
        by_scores = [CANDIDATES[i].video_id for i in sorted(range(len(CANDIDATES)),
                                                            key=lambda i: (-row[i], -CANDIDATES[i].video_id))]
        assert by_scores == [r.video_id for r in policy.rank(context, CANDIDATES)]
