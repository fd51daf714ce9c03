"""Moderation cases: how reports, scan hits, held enrollments and appeals become one case per clip,
and how a case is shown. The queue that works them is workbench.safety.moderation."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.safety.evidence import Evidence
from workbench.store.models import (
    CaseSource,
    CaseStatus,
    ModerationCase,
    User,
    Video,
    as_utc,
)


@dataclass(frozen=True)
class CaseView:
    id: int
    video_id: int | None
    cameo_id: int | None
    source: str
    status: str
    #: "reviewer", or "senior" once escalated (admins only)
    tier: str
    severity: float
    evidence: Evidence
    #: what the case is about, for reviewers' exposure counts: report reasons, scan hit kinds, ...
    categories: tuple[str, ...]
    opened_at: datetime
    claimed_by: str | None = None
    lease_expires_at: datetime | None = None
    decided_by: str | None = None
    decision: str | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None
    #: for an appeal: the decided case it appeals
    appeal_of_id: int | None = None
    #: for a quality-control review: the decided case it reviews
    qa_of_id: int | None = None


def is_blind(case: ModerationCase) -> bool:
    """A quality review whose second reviewer has not decided yet."""
    return case.qa_of_id is not None and case.reviewed_by_id is None


def blind_reviews(review=ModerationCase):
    """The same test in SQL, over `review` (the table, or an alias of it)."""
    return review.qa_of_id.is_not(None) & review.reviewed_by_id.is_(None)


def evidence_of(case: ModerationCase) -> Evidence:
    return Evidence.from_json(case.signals)


def record_evidence(case: ModerationCase, evidence: Evidence) -> None:
    """Store the case's evidence, and its severity from it (never lowered: a merged report does not
    make a case less urgent than it was)."""
    case.signals = evidence.to_json()
    case.severity = max(case.severity or 0.0, evidence.severity())


def case_views(session: Session, cases: list[ModerationCase]) -> list[CaseView]:
    """Views of cases, with the handles of who holds and who decided them (one query)."""
    user_ids = {c.claimed_by_id for c in cases} | {c.decided_by_id for c in cases}
    handles = dict(session.execute(select(User.id, User.handle).where(User.id.in_(user_ids - {None}))).all())
    views = []
    for c in cases:
        evidence = evidence_of(c)
        if is_blind(c):
            evidence = replace(evidence, qa=None)  # a blind review: the first decision is not shown
        views.append(CaseView(
            c.id, c.video_id, c.cameo_id, c.source.value, c.status.value, c.tier.value, c.severity, evidence,
            evidence.categories(), as_utc(c.opened_at),
            claimed_by=handles.get(c.claimed_by_id) if c.status is CaseStatus.CLAIMED else None,
            lease_expires_at=as_utc(c.lease_expires_at) if c.status is CaseStatus.CLAIMED else None,
            decided_by=handles.get(c.decided_by_id), decision=c.decision, decision_reason=c.decision_reason,
            decided_at=as_utc(c.decided_at), appeal_of_id=c.appeal_of_id, qa_of_id=c.qa_of_id))
    return views


def undecided_case(session: Session, video_id: int, source: CaseSource) -> ModerationCase:
    """The clip's undecided case, or a new one opened from `source`. The clip's row is locked first
    so that reports and scan hits arriving at once merge into one case instead of racing to open two."""
    session.execute(select(Video.id).where(Video.id == video_id).with_for_update())
    case = session.scalar(select(ModerationCase).where(
        ModerationCase.video_id == video_id, ModerationCase.status != CaseStatus.DECIDED,
        ModerationCase.qa_of_id.is_(None)).order_by(ModerationCase.id))
    if case is None:
        case = ModerationCase(video_id=video_id, source=source, signals={})
        session.add(case)
    return case
