"""Reports from users, and the moderation cases they open.

Several reports on one clip merge into one open case whose severity grows with the worst reason
and the number of reporters; a cameo owner reporting their own likeness goes to the top. The queue
that works the cases is workbench.safety.moderation.
"""
from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor
from workbench.errors import Conflict, InvalidInput
from workbench.safety.cases import CaseView, case_views, undecided_case
from workbench.social.videos import cameo_owner_ids, load_visible_video
from workbench.store.db import insert_once
from workbench.store.models import CaseSource, ModerationCase, Report, User, Video

#: reason code -> (label shown to the reporter, base severity in [0, 1])
REPORT_REASONS: dict[str, tuple[str, float]] = {
    "likeness": ("Impersonation, or my likeness without consent", 0.9),
    "public_figure": ("A public figure", 0.7),
    "copyright": ("A copyrighted character", 0.5),
    "sexual": ("Sexual content", 0.95),
    "violent": ("Violent or graphic", 0.8),
    "harassment": ("Harassment or bullying", 0.75),
    "spam": ("Spam or slop", 0.2),
    "other": ("Something else", 0.3),
}
#: added to the severity of a report by a person whose own cameo is in the clip
OWN_LIKENESS_BOOST = 1.0
MAX_DETAILS_CHARS = 1000


def case_severity(reasons: list[str], report_count: int, own_likeness: bool) -> float:
    """Worst reason, plus a little per extra reporter (log-scaled), plus the own-likeness boost."""
    worst = max(REPORT_REASONS[r][1] for r in reasons)
    return round(worst + 0.1 * math.log2(report_count) + (OWN_LIKENESS_BOOST if own_likeness else 0.0), 4)


def open_or_merge_case(session: Session, video: Video, reporter: User, reason: str) -> ModerationCase:
    """Attach the report to the clip's undecided case, or open one."""
    case = undecided_case(session, video.id, CaseSource.REPORT)
    own_likeness = reason == "likeness" and reporter.id in cameo_owner_ids(session, video.id)
    reports = list(case.signals.get("reports", [])) + [
        {"reason": reason, "reporter": reporter.handle, "own_likeness": own_likeness}]
    case.signals = {**case.signals, "reports": reports}
    case.severity = max(case.severity or 0.0, case_severity([r["reason"] for r in reports], len(reports),
                                                            any(r["own_likeness"] for r in reports)))
    session.flush()
    return case


class ReportService:
    def __init__(self, workbench) -> None:
        self._wb = workbench

    def report(self, actor: ActorRef, video_id: int, reason: str, details: str = "") -> CaseView:
        if reason not in REPORT_REASONS:
            raise InvalidInput(f"unknown report reason {reason!r}; choose one of {', '.join(REPORT_REASONS)}")
        details = (details or "").strip()
        if len(details) > MAX_DETAILS_CHARS:
            raise InvalidInput(f"report details are at most {MAX_DETAILS_CHARS} characters")
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if session.scalar(select(Report.id).where(Report.video_id == video.id, Report.reporter_id == user.id)):
                raise Conflict(f"you already reported clip #{video.id}")
            case = open_or_merge_case(session, video, user, reason)
            report = Report(video_id=video.id, reporter_id=user.id, reason=reason, details=details, case_id=case.id)
            if not insert_once(session, report):
                raise Conflict(f"you already reported clip #{video.id}")
            audit(session, user, "report.create", "video", video.id, reason=reason, case_id=case.id)
            return case_views(session, [case])[0]
