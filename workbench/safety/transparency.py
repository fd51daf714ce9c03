"""The transparency report: what moderation decided over a period, in the figures platforms publish
under rules such as the EU Digital Services Act (Art. 15 and 24: orders and notices received, decisions
by kind of content and by measure taken, complaints and their outcomes, median time to act).

Counted from the moderation cases themselves, in SQL: a case is a notice or a finding about one clip or
cameo; quality reviews (second looks inside the team) are not decisions and are left out. A case with
several categories (a clip reported for harassment and held for a face) counts once in each.
"""
from __future__ import annotations

import csv
import io
import statistics
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.safety.cases import evidence_of
from workbench.store.models import (
    CaseSource,
    CaseStatus,
    ModerationCase,
    Report,
    as_utc,
)


def transparency_report(session: Session, since: datetime, until: datetime) -> dict:
    """Decisions made in [since, until): by action, by source, by category and action; appeals filed in
    it, decided in it (upheld, overturned) and pending at its end; reports received by reason; the
    median hours from a case opening to its decision."""
    decided = (ModerationCase.status == CaseStatus.DECIDED, ModerationCase.qa_of_id.is_(None),
               ModerationCase.decided_at >= since, ModerationCase.decided_at < until)
    by_action = dict(session.execute(select(ModerationCase.decision, func.count())
                                     .where(*decided).group_by(ModerationCase.decision)).all())
    by_source = {source.value: count for source, count in session.execute(
        select(ModerationCase.source, func.count()).where(*decided).group_by(ModerationCase.source))}
    by_category: dict[tuple[str, str], int] = {}
    hours = []
    for case in session.scalars(select(ModerationCase).where(*decided)):
        for category in evidence_of(case).categories() or ("uncategorised",):
            by_category[(category, case.decision)] = by_category.get((category, case.decision), 0) + 1
        hours.append((as_utc(case.decided_at) - as_utc(case.opened_at)).total_seconds() / 3600)
    appeals = [(case.decision, appealed) for case, appealed in session.execute(
        select(ModerationCase, ModerationCase.appeal_of_id).where(*decided, ModerationCase.source == CaseSource.APPEAL))]
    original = dict(session.execute(select(ModerationCase.id, ModerationCase.decision).where(
        ModerationCase.id.in_([appealed for _, appealed in appeals]))).all()) if appeals else {}
    upheld = sum(decision == original.get(appealed) for decision, appealed in appeals)
    appeal = (ModerationCase.source == CaseSource.APPEAL, ModerationCase.qa_of_id.is_(None))
    filed = session.scalar(select(func.count()).select_from(ModerationCase).where(
        *appeal, ModerationCase.opened_at >= since, ModerationCase.opened_at < until))
    # filed by the end of the period and not decided in it
    pending = session.scalar(select(func.count()).select_from(ModerationCase).where(
        *appeal, ModerationCase.opened_at < until,
        (ModerationCase.status != CaseStatus.DECIDED) | (ModerationCase.decided_at >= until)))
    reports = dict(session.execute(select(Report.reason, func.count()).where(
        Report.created_at >= since, Report.created_at < until).group_by(Report.reason)).all())
    return {
        "period": {"from": as_utc(since).isoformat(), "until": as_utc(until).isoformat()},
        "decisions": sum(by_action.values()),
        "decisions_by_action": dict(sorted(by_action.items())),
        "decisions_by_source": dict(sorted(by_source.items())),
        "decisions_by_category_and_action": [{"category": category, "action": action, "cases": count}
                                             for (category, action), count in sorted(by_category.items())],
        "appeals": {"filed": filed, "decided": len(appeals), "upheld": upheld, "overturned": len(appeals) - upheld,
                    "pending": pending},
        "appeal_overturn_rate": round((len(appeals) - upheld) / len(appeals), 4) if appeals else None,
        "reports_by_reason": dict(sorted(reports.items())),
        "median_hours_to_decision": round(statistics.median(hours), 3) if hours else None,
    }


def transparency_csv(report: dict) -> str:
    """The report as one table, a row per figure: section, key, action, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "action", "value"])
    writer.writerow(["period", report["period"]["from"], "", report["period"]["until"]])
    writer.writerow(["decisions", "all", "", report["decisions"]])
    for section in ("decisions_by_action", "decisions_by_source", "reports_by_reason", "appeals"):
        for key, value in report[section].items():
            writer.writerow([section, key, "", value])
    for row in report["decisions_by_category_and_action"]:
        writer.writerow(["decisions_by_category_and_action", row["category"], row["action"], row["cases"]])
    writer.writerow(["appeal_overturn_rate", "all", "", report["appeal_overturn_rate"]])
    writer.writerow(["median_hours_to_decision", "all", "", report["median_hours_to_decision"]])
    return out.getvalue()
