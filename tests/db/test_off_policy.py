"""The feed explores when asked (Settings.feed_exploration): each For You view then keeps its page,
slot, the serving policy's propensity and every policy's, through the browser's signed ticket too;
`workbench ope DATABASE_URL` estimates another policy from those rows."""
import json

import pytest
from typer.testing import CliRunner

from benchmarks.bench_feed import build_world
from workbench import OPERATOR, open_workbench
from workbench.cli import app
from workbench.config import Settings
from workbench.simulation.off_policy import evaluate
from workbench.social.ranking import POLICIES

pytestmark = pytest.mark.db
EXPLORATION = 0.5


@pytest.fixture
def exploring(people, database_url, tmp_path):
    """The people's world with 200 clips, and a second workbench on the same database whose For You
    explores half the time."""
    build_world(people, users=100, clips=200, follows=10, seed=3)
    settings = Settings(data_dir=tmp_path / "data", queue_url="immediate", review_qa_share=0.0,
                        feed_exploration=EXPLORATION)
    wb = open_workbench(database_url, media_dir=tmp_path / "media", settings=settings)
    yield wb
    wb.close()


def test_an_exploring_page_logs_propensities_that_follow_from_the_policys_own_page(exploring, people):
    greedy = [item.video.id for item in people.feed.page("ana", limit=10)]  # the same rules, no exploration
    explored_pages = 0
    for _ in range(12):
        page = exploring.feed.page("ana", limit=10)
        assert len({item.page_key for item in page}) == 1 and [item.slot for item in page] == list(range(10))
        candidates = round(10 * EXPLORATION / (page[-1].propensity - (1 - EXPLORATION) * (page[-1].video.id in greedy)))
        for item in page:
            expected = (1 - EXPLORATION) * (item.video.id in greedy) + EXPLORATION * 10 / candidates
            assert item.propensity == pytest.approx(expected)
            assert set(item.targets) == set(POLICIES) and item.targets["connection_first"] == (item.video.id in greedy)
        explored_pages += [item.video.id for item in page] != greedy
    assert 0 < explored_pages < 12  # both kinds of page were served (chance of failing: 2 x 0.5^12)


def test_a_browser_report_keeps_the_showing_and_ope_reads_it(exploring, database_url, tmp_path):
    wb = exploring
    for handle in ("ana", "ben", "rita"):
        for _ in range(4):
            for item in wb.feed.page(handle, limit=10):
                key = f"{item.page_key[:24]}-{item.slot:02d}"
                ticket = wb.videos.view_ticket(handle, item.video.id, key, feed_policy=item.policy, page=item.showing())
                wb.videos.report_view(ticket, item.video.duration_s if item.slot % 2 else 0.2, 0)
    logged = wb.analytics.logged_pages(OPERATOR)
    assert len(logged) == 120 and logged["page_key"].nunique() == 12
    assert set(logged["target_propensities"].iloc[0]) == set(POLICIES)
    estimate = evaluate(logged, "popularity", seed=1)
    assert estimate.n == 12 and 0 <= estimate.low <= estimate.estimate <= estimate.high <= 1
    printed = CliRunner().invoke(app, ["ope", database_url, "--target", "popularity", "--seed", "1", "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == estimate.as_dict()
    refused = CliRunner().invoke(app, ["ope", database_url, "--target", "popularity", "--estimator", "dr"])
    assert refused.exit_code == 1 and "whole pages" in refused.output and "Traceback" not in refused.output


def test_a_database_without_exploration_says_so(people, database_url):
    printed = CliRunner().invoke(app, ["ope", database_url, "--target", "popularity"])
    assert printed.exit_code == 1 and "WORKBENCH_FEED_EXPLORATION" in printed.output
