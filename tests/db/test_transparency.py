"""The transparency report on the demo world: after a day of reviewing (decisions of several kinds, an
appeal that changes one, a quality review), its counts equal direct SQL counts, in JSON and CSV, and
the CLI prints the same."""
import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from workbench import Forbidden, InvalidInput, open_workbench
from workbench.safety.transparency import transparency_csv
from workbench.store.models import utcnow

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def reviewed_world(tmp_path_factory, demo_world):
    folder = demo_world(tmp_path_factory.mktemp("transparency-world"), clips=8)
    wb = open_workbench(data_dir=folder)
    clips = [item.video for item in wb.feed.page("ana", "for_you", limit=6)]
    for clip, reason in zip(clips, ("spam", "harassment", "sexual", "spam", "copyright")):
        wb.reports.report("ben" if clip.author != "ben" else "chloe", clip.id, reason, "seen in the feed")
    decisions = ["keep", "remove", "age_restrict", "label_ai", "remove", "keep", "keep"]
    decided = []
    for action in decisions:
        case = wb.moderation.claim("rosa_reviews")
        if case is None:
            break
        kind_ok = action if case.video_id is not None else "keep"
        wb.moderation.decide("rosa_reviews", case.id, kind_ok, "reviewed for the report")
        decided.append(case)
    removed = next(c for c in decided if c.video_id is not None
                   and wb.moderation.case("ada_admin", c.id).case.decision == "remove")
    author = wb.moderation.case("ada_admin", removed.id).video.author
    appeal = wb.moderation.appeal(author, removed.id, "it was a joke between friends")
    wb.moderation.claim("sam_safety", appeal.id)
    wb.moderation.decide("sam_safety", appeal.id, "keep", "on a second look, fine")
    yield folder, wb
    wb.close()


def sql(wb, query: str):
    with wb.engine.connect() as connection:
        return connection.execute(text(query)).all()


def test_the_transparency_report_counts_equal_sql_counts(reviewed_world):
    folder, wb = reviewed_world
    report = wb.moderation.transparency("ada_admin")
    decided = "status = 'decided' AND qa_of_id IS NULL"
    assert report["decisions_by_action"] == dict(sql(wb, f"SELECT decision, COUNT(*) FROM moderation_cases "
                                                          f"WHERE {decided} GROUP BY decision"))
    assert report["decisions"] == sql(wb, f"SELECT COUNT(*) FROM moderation_cases WHERE {decided}")[0][0] >= 5
    assert report["decisions_by_source"] == dict(sql(wb, f"SELECT source, COUNT(*) FROM moderation_cases "
                                                          f"WHERE {decided} GROUP BY source"))
    [(filed, decided_appeals, upheld)] = sql(wb, """
        SELECT COUNT(*), SUM(CASE WHEN a.status = 'decided' THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.status = 'decided' AND a.decision = o.decision THEN 1 ELSE 0 END)
        FROM moderation_cases a JOIN moderation_cases o ON o.id = a.appeal_of_id""")
    assert report["appeals"] == {"filed": filed, "decided": decided_appeals, "upheld": upheld,
                                 "overturned": decided_appeals - upheld, "pending": filed - decided_appeals}
    assert report["appeals"]["overturned"] == 1 and report["appeal_overturn_rate"] == 1.0
    assert report["reports_by_reason"] == dict(sql(wb, "SELECT reason, COUNT(*) FROM reports GROUP BY reason"))
    per_category = sum(row["cases"] for row in report["decisions_by_category_and_action"])
    assert per_category >= report["decisions"]  # a case counts once in each of its categories
    by_action: dict = {}
    for row in report["decisions_by_category_and_action"]:
        by_action.setdefault(row["action"], set()).add(row["category"])
    assert set(by_action) == set(report["decisions_by_action"])
    assert report["median_hours_to_decision"] is not None and report["median_hours_to_decision"] >= 0

    rows = list(csv.DictReader(io.StringIO(transparency_csv(report))))
    assert {row["key"]: int(row["value"]) for row in rows if row["section"] == "decisions_by_action"} \
        == report["decisions_by_action"]
    assert {row["key"]: int(row["value"]) for row in rows if row["section"] == "appeals"} == report["appeals"]


def test_the_report_takes_a_period_and_is_for_admins_only(reviewed_world):
    _, wb = reviewed_world
    later = utcnow() + timedelta(days=1)
    empty = wb.moderation.transparency("ada_admin", since=later, until=later + timedelta(days=1))
    assert empty["decisions"] == 0 and empty["appeals"]["decided"] == 0
    with pytest.raises(InvalidInput, match="start before"):
        wb.moderation.transparency("ada_admin", since=later, until=later)
    with pytest.raises(Forbidden):
        wb.moderation.transparency("rosa_reviews")


def test_the_cli_prints_the_same_report(reviewed_world):
    folder, wb = reviewed_world
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(folder)}
    env.pop("WORKBENCH_DATABASE_URL", None)
    env.pop("WORKBENCH_MEDIA_DIR", None)
    run = lambda *args: subprocess.run([sys.executable, "-m", "workbench.cli", "moderation", "transparency",  # noqa: E731
                                        "--as", "ada_admin", *args], env=env, capture_output=True, text=True,
                                       timeout=300)
    printed = run()
    assert printed.returncode == 0, printed.stderr
    report = json.loads(printed.stdout)
    assert report["decisions_by_action"] == wb.moderation.transparency("ada_admin")["decisions_by_action"]
    as_csv = run("--csv")
    assert as_csv.stdout.splitlines()[0] == "section,key,action,value"


def test_the_platform_view_adds_up_to_the_database(reviewed_world):
    _, wb = reviewed_world
    report = wb.analytics.platform_report("ada_admin")
    [(published,)] = sql(wb, "SELECT COUNT(*) FROM videos WHERE status = 'published'")
    [(views,)] = sql(wb, "SELECT COUNT(*) FROM watch_events")
    assert report.daily["clips"].sum() == published == report.remix_depth["clips"].sum()
    assert report.daily["views"].sum() == views == report.by_feed_policy["views"].sum()
    assert report.daily["reports"].sum() == sql(wb, "SELECT COUNT(*) FROM reports")[0][0]
    assert report.daily["decisions"].sum() == wb.moderation.transparency("ada_admin")["decisions"]
    # a day with clips but no views (a run that crosses midnight UTC) has no completion rate, not 0
    watched = report.daily["views"] > 0
    assert 0 <= report.slop_exposure <= 1 and report.daily.loc[watched, "completion_rate"].between(0, 1).all()
    assert report.daily.loc[~watched, "completion_rate"].isna().all()
    with pytest.raises(Forbidden):
        wb.analytics.platform_report("rosa_reviews")
