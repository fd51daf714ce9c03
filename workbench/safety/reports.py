"""Reports from users, and the moderation cases they open.

Several reports on one clip merge into one open case whose severity grows with the worst reason
and the number of reporters; a cameo owner reporting their own likeness goes to the top (the
reasons and the severity: workbench.safety.evidence). The queue
that works the cases is workbench.safety.moderation.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor
from workbench.errors import Conflict, InvalidInput
from workbench.safety.cases import (
    CaseView,
    case_views,
    evidence_of,
    record_evidence,
    undecided_case,
)
from workbench.safety.evidence import REPORT_REASONS, ReportEntry
from workbench.social.videos import cameo_owner_ids, load_engageable_video
from workbench.store.db import Store, insert_once
from workbench.store.models import CaseSource, ModerationCase, Report, User, Video

MAX_DETAILS_CHARS = 1000


def open_or_merge_case(session: Session, video: Video, reporter: User, reason: str) -> ModerationCase:
    """Attach the report to the clip's undecided case, or open one."""
    case = undecided_case(session, video.id, CaseSource.REPORT)
    own_likeness = reason == "likeness" and reporter.id in cameo_owner_ids(session, video.id)
    record_evidence(case, evidence_of(case).with_report(ReportEntry(reason, reporter.handle, own_likeness)))
    session.flush()
    return case


class ReportService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def report(self, actor: ActorRef, video_id: int, reason: str, details: str = "") -> CaseView:
        if reason not in REPORT_REASONS:
            raise InvalidInput(f"unknown report reason {reason!r}; choose one of {', '.join(REPORT_REASONS)}")
        details = (details or "").strip()
        if len(details) > MAX_DETAILS_CHARS:
            raise InvalidInput(f"report details are at most {MAX_DETAILS_CHARS} characters")
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_engageable_video(session, user, video_id)
            if session.scalar(select(Report.id).where(Report.video_id == video.id, Report.reporter_id == user.id)):
                raise Conflict(f"you already reported clip #{video.id}")
            case = open_or_merge_case(session, video, user, reason)
            report = Report(video_id=video.id, reporter_id=user.id, reason=reason, details=details, case_id=case.id)
            if not insert_once(session, report):
                raise Conflict(f"you already reported clip #{video.id}")
            audit(session, user, "report.create", "video", video.id, reason=reason, case_id=case.id)
            return case_views(session, [case])[0]
