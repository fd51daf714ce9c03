"""The review queue: claims under a lease, decisions and what they do, appeals, reviewer wellness and
the audit trail.

A case is held by one reviewer at a time. Claiming is a read-then-write of the case row in one
transaction: on PostgreSQL the next case is picked with ``SELECT ... FOR UPDATE SKIP LOCKED``, so
reviewers claiming at once each take a different case without waiting on each other; on SQLite
every write transaction begins with ``BEGIN IMMEDIATE``, so claims run one after another. A
decision locks the row again and is accepted only from the reviewer holding it, once. A lease
runs out after ``Settings.case_lease_s`` (the reviewer walked away) and the case is claimable again.

Every claim, release, escalation, decision, appeal and reveal of media is written to the audit log
in the same transaction as the change it records.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from workbench.actors import ActorRef, audit, load_actor, load_user, require_role
from workbench.errors import Conflict, Forbidden, InvalidInput, NotFound
from workbench.faces.gallery import load_gallery, reference_photo
from workbench.files import write_atomically
from workbench.media.codec import jpeg
from workbench.media.provenance import ensure_credentials, verify
from workbench.metrics.rater_agreement import Agreement, agreement
from workbench.safety.cases import (
    CaseView,
    blind_reviews,
    case_views,
    evidence_of,
    is_blind,
    record_evidence,
)
from workbench.safety.evidence import (
    REPORT_REASONS,
    AppealEntry,
    EnrollmentMatch,
    Escalation,
    Evidence,
    QaReview,
)
from workbench.safety.hashing import closest_frames, library_hashes, sample_frames
from workbench.safety.scan import fingerprint_bytes
from workbench.safety.transparency import transparency_report
from workbench.social.consent import lapsed_grants
from workbench.social.notifications import notify
from workbench.social.videos import VideoView, ancestry, cameo_owner_ids, video_views
from workbench.states import cameos as cameo_states
from workbench.states import users as user_states
from workbench.states import videos as video_states
from workbench.store.db import Store, insert_once
from workbench.store.models import (
    AuditEntry,
    Cameo,
    CameoKind,
    CameoStatus,
    CaseSource,
    CaseStatus,
    CaseTier,
    ModerationCase,
    Removal,
    Report,
    Role,
    User,
    Video,
    VideoCameo,
    VideoFingerprint,
    as_utc,
    utcnow,
)


@dataclass(frozen=True)
class Subject:
    """What a case is about: its clip (or its held cameo), and the user a decision acts against."""
    video: Video | None
    cameo: Cameo | None
    user_id: int


@dataclass(frozen=True)
class Step:
    """One named transition a decision makes, and the one an appeal takes it back with (None: nothing
    to take back)."""
    do: Callable[[Session, Subject], object]
    undo: Callable[[Session, Subject], object] | None = None


RELEASE_HOLD = Step(lambda session, subject: video_states.release(session, subject.video))
REMOVE_BY_REVIEW = Step(lambda session, subject: video_states.remove(session, subject.video, Removal.REVIEW),
                        lambda session, subject: video_states.restore(session, subject.video))
LABEL_AI = Step(lambda session, subject: video_states.label(session, subject.video, "ai_generated"),
                lambda session, subject: video_states.label(session, subject.video, None))
LABEL_SATIRE = Step(lambda session, subject: video_states.label(session, subject.video, "satire"),
                    lambda session, subject: video_states.label(session, subject.video, None))
AGE_RESTRICT = Step(lambda session, subject: video_states.age_restrict(session, subject.video, True),
                    lambda session, subject: video_states.age_restrict(session, subject.video, False))
SUSPEND_USER = Step(lambda session, subject: user_states.suspend(session, subject.user_id),
                    lambda session, subject: user_states.reinstate(session, subject.user_id))
VERIFY_CAMEO = Step(lambda session, subject: cameo_states.verify(session, subject.cameo))
REJECT_CAMEO = Step(lambda session, subject: cameo_states.revoke(session, subject.cameo),
                    lambda session, subject: cameo_states.reopen(session, subject.cameo))


def _characters_in(session: Session, video: Video, status: CameoStatus) -> list[Cameo]:
    return list(session.scalars(select(Cameo).join(VideoCameo, VideoCameo.cameo_id == Cameo.id).where(
        VideoCameo.video_id == video.id, Cameo.kind == CameoKind.CHARACTER, Cameo.status == status)))


def _hold_characters(session: Session, subject: Subject) -> None:
    """Take the clip's character cameos out of use: each is held, with a case of its own in which a
    reviewer keeps (verifies) or removes (rejects) it."""
    for cameo in _characters_in(session, subject.video, CameoStatus.VERIFIED):
        if not cameo_states.take_out_of_use(session, cameo):  # revoked by its owner meanwhile
            continue
        case = ModerationCase(cameo_id=cameo.id, source=CaseSource.ENROLLMENT)
        record_evidence(case, Evidence(enrollment=EnrollmentMatch(
            cameo.handle, cameo.owner.handle, None, None,
            f"held by a reviewer when clip #{subject.video.id}, which uses it, was removed")))
        session.add(case)
        session.flush()


HOLD_CHARACTERS = Step(_hold_characters, lambda session, subject: [
    cameo_states.put_back_in_use(session, cameo) for cameo in _characters_in(session, subject.video, CameoStatus.HELD)])


def _suspend_cameo(session: Session, subject: Subject) -> None:
    if not cameo_states.take_out_of_use(session, subject.cameo):
        raise Conflict(f"the cameo @{subject.cameo.handle} is {subject.cameo.status.value}, not in use: "
                       "there is nothing to suspend")


def _reverify_cameo(session: Session, subject: Subject) -> None:
    """A verified person cameo in the clip goes back to enrollment (its owner passes the liveness check
    again); a character, which has no liveness check, is held with a case of its own in which a reviewer
    verifies it again."""
    cameo = subject.cameo
    if cameo.kind is CameoKind.PERSON:
        if not cameo_states.require_reverification(session, cameo, only_from=(CameoStatus.VERIFIED,)):
            raise Conflict(f"the cameo @{cameo.handle} is {cameo.status.value}, not in use: it cannot be sent "
                           "back to enrollment")
        return
    if not cameo_states.take_out_of_use(session, cameo):
        raise Conflict(f"the character @{cameo.handle} is {cameo.status.value}, not in use")
    case = ModerationCase(cameo_id=cameo.id, source=CaseSource.ENROLLMENT)
    record_evidence(case, Evidence(enrollment=EnrollmentMatch(
        cameo.handle, cameo.owner.handle, None, None, "a reviewer asked for this character to be verified again")))
    session.add(case)
    session.flush()


def _reverify_enrollment(session: Session, subject: Subject) -> None:
    """A held person cameo's enrollment is not decided on what is there: its owner enrolls again."""
    cameo = subject.cameo
    if cameo.kind is not CameoKind.PERSON:
        raise InvalidInput(f"@{cameo.handle} is a character: it has no liveness check to pass again; keep or reject it")
    if not cameo_states.require_reverification(session, cameo, only_from=(CameoStatus.HELD,)):
        raise Conflict(f"the cameo @{cameo.handle} is {cameo.status.value}: it cannot be sent back to enrollment")


SUSPEND_CAMEO = Step(_suspend_cameo, lambda session, subject: cameo_states.put_back_in_use(session, subject.cameo))
REVERIFY_ENROLLMENT = Step(_reverify_enrollment, lambda session, subject: cameo_states.hold(session, subject.cameo))
REVERIFY_CAMEO = Step(_reverify_cameo, lambda session, subject: (
    cameo_states.restore_verification(session, subject.cameo) if subject.cameo.kind is CameoKind.PERSON
    else cameo_states.put_back_in_use(session, subject.cameo)))


@dataclass(frozen=True)
class Decision:
    """A decision: its words, and the steps it takes on a clip's case and on a held cameo's case
    (None: it cannot decide that kind of case). An appeal undoes the steps in reverse order."""
    label: str
    on_clip: tuple[Step, ...] | None
    on_enrollment: tuple[Step, ...] | None = None
    #: its words on a held cameo's case, where there is no clip (None: the same as on a clip's)
    enrollment_label: str | None = None

    @property
    def appealable(self) -> bool:
        return any(step.undo is not None for step in (*(self.on_clip or ()), *(self.on_enrollment or ())))


#: every decision, in the words reviewers and the people notified read; "escalate" hands the case on
#: (a held cameo's case: keep verifies it, remove rejects it, suspend also suspends its owner)
DECISIONS: dict[str, Decision] = {
    "keep": Decision("Keep: no violation", (RELEASE_HOLD,), (VERIFY_CAMEO,), "Keep: verify the cameo"),
    "remove": Decision("Remove the clip", (RELEASE_HOLD, REMOVE_BY_REVIEW), (REJECT_CAMEO,), "Reject the cameo"),
    "label_ai": Decision("Label as AI-generated", (RELEASE_HOLD, LABEL_AI)),
    "label_satire": Decision("Label as satire", (RELEASE_HOLD, LABEL_SATIRE)),
    "age_restrict": Decision("Age-restrict (hidden from teens)", (RELEASE_HOLD, AGE_RESTRICT)),
    "hold_characters": Decision("Remove the clip and hold its character cameos",
                                (RELEASE_HOLD, REMOVE_BY_REVIEW, HOLD_CHARACTERS)),
    "suspend": Decision("Remove the clip and suspend its creator", (RELEASE_HOLD, REMOVE_BY_REVIEW, SUSPEND_USER),
                        (REJECT_CAMEO, SUSPEND_USER), "Reject the cameo and suspend its owner"),
    "suspend_account": Decision("Suspend the creator's account", (RELEASE_HOLD, SUSPEND_USER)),
    "suspend_cameo": Decision("Suspend a cameo in the clip", (RELEASE_HOLD, SUSPEND_CAMEO)),
    "reverify_cameo": Decision("Require a cameo in the clip to be verified again", (RELEASE_HOLD, REVERIFY_CAMEO),
                               (REVERIFY_ENROLLMENT,), "Require the owner to enroll again"),
    "escalate": Decision("Escalate to a senior reviewer", (), ()),
}
#: decisions that act on one cameo: on a clip's case the reviewer names which of its cameos
ON_A_CAMEO = ("suspend_cameo", "reverify_cameo")
ACTIONS: dict[str, str] = {name: decision.label for name, decision in DECISIONS.items()}


def decision_label(action: str, *, about_cameo: bool = False) -> str:
    """A decision's words on a clip's case, or on a held cameo's case (which has no clip to remove)."""
    decision = DECISIONS[action]
    return (decision.enrollment_label or decision.label) if about_cameo else decision.label


ENROLLMENT_ACTIONS = tuple(name for name, decision in DECISIONS.items() if decision.on_enrollment is not None)
#: decisions the person they act against may appeal, once
APPEALABLE = tuple(name for name, decision in DECISIONS.items() if decision.appealable)
MAX_REASON_CHARS = 1000
MAX_QUEUE = 500
#: the clip's status in a blind review
BLIND = "not shown in a blind review"
#: the dashboard's time-to-decision window
DASHBOARD_WINDOW = timedelta(days=7)
#: the blurred preview: this many frames, greyscale, each this wide, blurred this much
PREVIEW_FRAMES = 3
PREVIEW_WIDTH = 160
PREVIEW_BLUR_RADIUS = 9
#: a hash hit is shown as the nearest of this many frames of each clip, this wide
COMPARED_FRAMES = 12
COMPARED_SIDE = 320


@dataclass(frozen=True)
class ReportView:
    reason: str
    label: str
    details: str
    reporter: str
    created_at: datetime


@dataclass(frozen=True)
class CameoInClip:
    handle: str
    owner: str
    status: str
    #: the clip's author may (still) use it, or its owner chose to keep the clip up
    granted: bool
    kind: str = "person"


@dataclass(frozen=True)
class AuditView:
    id: int
    created_at: datetime
    #: the acting user's handle; "operator" for the CLI or a seeding script
    actor: str
    action: str
    target_type: str
    target_id: int | None
    details: dict


@dataclass(frozen=True)
class CaseDetail:
    """Everything a reviewer needs to decide a case, on one screen."""
    case: CaseView
    video: VideoView | None
    #: the clip's ancestors, root first, ending with the clip
    lineage: tuple[VideoView, ...]
    #: clips remixed directly from this one
    remixes: tuple[VideoView, ...]
    cameos: tuple[CameoInClip, ...]
    reports: tuple[ReportView, ...]
    history: tuple[AuditView, ...]
    appeal_of: CaseView | None
    #: the stored file's Content Credentials (workbench.media.provenance.verify)
    provenance: dict | None
    #: for a held enrollment: the enrolled face (the cameo's reference image), to compare with the match
    cameo_reference: Path | None = None
    #: a quality review not yet decided: the first decision, and what it did to the clip, are hidden
    blind: bool = False


@dataclass(frozen=True)
class FaceComparison:
    """A face hit as a reviewer checks it: the face the clip shows beside the enrolled one."""
    #: whose face it matched: "@handle" (a cameo) or a public figure's name
    identity: str
    #: JPEG of the face in the clip (for an enrollment: the face enrolled), None if it was not kept
    found: bytes | None
    #: JPEG of the enrolled reference face (the cameo's reference image, the gallery's photo)
    reference: bytes | None
    distance: float | None
    threshold: float | None
    #: how much farther the next identity was: a small margin is a near tie
    margin: float | None


@dataclass(frozen=True)
class FrameComparison:
    """A hash hit as a reviewer checks it: the nearest frames of the two clips side by side."""
    kind: str
    other_clip: int
    #: what the first frame is from: the clip in the case, or an upload refused for repeating a removed clip
    this_label: str
    #: JPEGs: the frame of the clip (or refused upload) in the case, and the frame of the clip it repeats
    this_frame: bytes
    other_frame: bytes
    #: bits of 256 by which the two frames' PDQ hashes differ, and the change undone to compare them
    distance: int
    transform: str
    #: share of the clip's frames within the match distance, and their median distance (from the scan)
    fraction: float | None
    median_distance: float | None
    #: False until this reviewer revealed the case: greyscale and blurred like the preview
    sharp: bool


@dataclass(frozen=True)
class Dashboard:
    open: int
    claimed: int
    escalated: int
    appeals: int
    backlog_by_source: dict[str, int]
    oldest_open_hours: float | None
    decided_last_24h: int
    #: seconds from opening to decision, over cases decided in the last DASHBOARD_WINDOW
    time_to_decision_p50_s: float | None
    time_to_decision_p90_s: float | None
    decisions_by_action: dict[str, int]
    #: reviewer handle -> category -> media revealed today (UTC); a reviewer sees their own only
    exposure_today: dict[str, dict[str, int]]
    #: quality control: blind reviews waiting, disagreements waiting for an admin
    qa_pending: int = 0
    qa_disagreements: int = 0
    #: first and second reviewers' decisions on reviewed cases: overall, by category, and by reviewer
    #: (each reviewer's reviewed decisions, first or second; a reviewer sees their own only)
    agreement: Agreement | None = None
    agreement_by_category: dict[str, Agreement] = field(default_factory=dict)
    agreement_by_reviewer: dict[str, Agreement] = field(default_factory=dict)


class ModerationService:
    def __init__(self, store: Store, lease: timedelta, provenance_dir: Path, qa_share: float = 0.0) -> None:
        """`lease`: how long a claim holds a case before another reviewer may take it;
        `provenance_dir`: the installation's signing credentials, whose root a clip's Content
        Credentials are verified against; `qa_share`: the share of decided cases sent blind to a
        second reviewer."""
        self._store, self._lease, self._provenance_dir = store, lease, provenance_dir
        self._qa_share = qa_share

    # -- the queue -------------------------------------------------------------------------------

    def queue(self, actor: ActorRef, *, limit: int = 100, clip: int | None = None, creator: str | None = None,
              cameo_owner: str | None = None, category: str | None = None, source: str | None = None,
              status: str | None = None, min_age_hours: float | None = None) -> list[CaseView]:
        """Cases this reviewer's tier works, most severe first, oldest first among equals: undecided
        ones (claimed included, with who holds them), or those of `status` (open, claimed, decided).
        Filters: the clip, its creator, the owner of a cameo in it, a category (a report reason or scan
        hit kind), the source (report, scan, enrollment, appeal), an age in hours. Escalated cases are
        listed for admins only."""
        limit = max(1, min(int(limit), MAX_QUEUE))
        if status is not None and status not in {s.value for s in CaseStatus}:
            raise InvalidInput(f"unknown status {status!r}; one of {', '.join(s.value for s in CaseStatus)}")
        if source is not None and source not in {s.value for s in CaseSource}:
            raise InvalidInput(f"unknown source {source!r}; one of {', '.join(s.value for s in CaseSource)}")
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            query = select(ModerationCase).where(ModerationCase.status != CaseStatus.DECIDED if status is None
                                                 else ModerationCase.status == CaseStatus(status))
            if me.role is not Role.ADMIN:
                query = query.where(ModerationCase.tier == CaseTier.REVIEWER)
            if clip is not None:
                query = query.where(ModerationCase.video_id == clip)
            if creator:
                query = query.where(ModerationCase.video_id.in_(select(Video.id).where(
                    Video.author_id == load_user(session, creator).id)))
            if cameo_owner:
                owned = select(Cameo.id).where(Cameo.owner_id == load_user(session, cameo_owner).id)
                query = query.where(or_(ModerationCase.cameo_id.in_(owned), ModerationCase.video_id.in_(
                    select(VideoCameo.video_id).where(VideoCameo.cameo_id.in_(owned)))))
            if source:
                query = query.where(ModerationCase.source == CaseSource(source))
            if min_age_hours:
                query = query.where(ModerationCase.opened_at <= utcnow() - timedelta(hours=float(min_age_hours)))
            if status == CaseStatus.DECIDED.value:
                query = query.order_by(ModerationCase.decided_at.desc(), ModerationCase.id.desc())
            else:
                query = _in_queue_order(query)
            if category:  # categories live in the evidence JSON: filtered here, over at most MAX_QUEUE rows
                views = [v for v in case_views(session, list(session.scalars(query.limit(MAX_QUEUE))))
                         if category in v.categories][:limit]
            else:
                views = case_views(session, list(session.scalars(query.limit(limit))))
            return _without_blind_decisions(session, me, views)

    def claim(self, actor: ActorRef, case_id: int | None = None) -> CaseView | None:
        """Take the next case (or case `case_id`) for review under a lease; None when nothing is left.

        A reviewer holds one case at a time: claiming again while holding one renews and returns it
        (a double click is harmless); claiming a different case first needs a release or a decision."""
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            now = utcnow()
            held = session.scalar(select(ModerationCase).where(
                ModerationCase.claimed_by_id == me.id, ModerationCase.status == CaseStatus.CLAIMED,
                ModerationCase.lease_expires_at > now).order_by(ModerationCase.id).with_for_update())
            if held is not None and case_id not in (None, held.id):
                raise Conflict(f"you hold case #{held.id}; decide or release it before claiming another")
            if held is not None:
                case = held
            elif case_id is None:
                case = session.scalar(_in_queue_order(select(ModerationCase).where(*_claimable_by(me, now)))
                                      .limit(1).with_for_update(skip_locked=True, of=ModerationCase))
                if case is None:
                    return None
            else:
                case = _locked_case(session, case_id)
                _check_claimable(session, case, me, now)
            taken_from = case.claimed_by_id if case.status is CaseStatus.CLAIMED and case.claimed_by_id != me.id else None
            case.status, case.claimed_by_id, case.lease_expires_at = CaseStatus.CLAIMED, me.id, now + self._lease
            if held is None:
                case.claimed_at = now
                audit(session, me, "case.claim", "case", case.id, video_id=case.video_id, cameo_id=case.cameo_id,
                      **({"lease_expired_for": session.get(User, taken_from).handle} if taken_from else {}))
            session.flush()
            return case_views(session, [case])[0]

    def release(self, actor: ActorRef, case_id: int) -> CaseView:
        """Give a claimed case back to the queue undecided (the holder, or an admin)."""
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            case = _locked_case(session, case_id)
            if case.status is not CaseStatus.CLAIMED:
                raise Conflict(f"case #{case.id} is not claimed")
            if case.claimed_by_id != me.id and me.role is not Role.ADMIN:
                raise Forbidden(f"case #{case.id} is held by someone else; only they or an admin can release it")
            holder = session.get(User, case.claimed_by_id)
            _unclaim(case)
            audit(session, me, "case.release", "case", case.id, holder=holder.handle)
            session.flush()
            return case_views(session, [case])[0]

    # -- deciding --------------------------------------------------------------------------------

    def decide(self, actor: ActorRef, case_id: int, action: str, reason: str, *, cameo: str | None = None) -> CaseView:
        """Decide a case you hold: apply the action, notify the people concerned, audit it. Exactly
        once: a second decision, or one from a reviewer who does not hold the case, is refused. A
        decision on one cameo (ON_A_CAMEO) names, on a clip's case, which of the clip's cameos."""
        if action not in ACTIONS:
            raise InvalidInput(f"unknown action {action!r}; choose one of {', '.join(ACTIONS)}")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("a decision needs a reason (the people notified read it)")
        if len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(f"a reason is at most {MAX_REASON_CHARS} characters")
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            case = _locked_case(session, case_id)
            if case.status is CaseStatus.DECIDED:
                decider = session.get(User, case.decided_by_id)
                raise Conflict(f"case #{case.id} was already decided ({case.decision}) by @{decider.handle}")
            if case.status is not CaseStatus.CLAIMED or case.claimed_by_id != me.id:
                holder = session.get(User, case.claimed_by_id) if case.status is CaseStatus.CLAIMED else None
                raise Conflict(f"case #{case.id} is held by @{holder.handle}" if holder
                               else f"claim case #{case.id} before deciding it")
            if case.video_id is None and action not in ENROLLMENT_ACTIONS:
                raise InvalidInput(f"a cameo enrollment case is decided with {', '.join(ENROLLMENT_ACTIONS)}")
            if case.qa_of_id is not None:
                return self._decide_review(session, me, case, action, reason, cameo)
            if action == "escalate":
                return self._escalate(session, me, case, reason)
            _aim_at_cameo(session, case, action, cameo)
            appealed = session.get(ModerationCase, case.appeal_of_id) if case.appeal_of_id else None
            if appealed is not None:
                _undo(session, appealed)
            self._apply(session, case, action)
            case.status, case.decided_by_id, case.decided_at = CaseStatus.DECIDED, me.id, utcnow()
            case.decision, case.decision_reason, case.lease_expires_at = action, reason, None
            _notify_decision(session, case, appealed, action, reason)
            audit(session, me, "case.decide", "case", case.id, decision=action, reason=reason, video_id=case.video_id,
                  cameo_id=case.cameo_id, **({"appeal_of": appealed.id} if appealed else {}))
            if sampled_for_review(self._qa_share):
                self._open_review(session, me, case)
            session.flush()
            return case_views(session, [case])[0]

    # -- quality control -------------------------------------------------------------------------

    def _open_review(self, session: Session, me: User, case: ModerationCase) -> None:
        """Send a decided case blind to a second reviewer: a case with the same evidence, which the
        first decider may not take and whose view hides the first decision."""
        review = ModerationCase(video_id=case.video_id, cameo_id=case.cameo_id, source=case.source, tier=case.tier,
                                qa_of_id=case.id, excluded_reviewer_id=me.id)
        record_evidence(review, replace(evidence_of(case), qa=QaReview(case.id, case.decision, me.handle)))
        if insert_once(session, review):
            audit(session, me, "qa.open", "case", review.id, qa_of=case.id)

    def _decide_review(self, session: Session, me: User, case: ModerationCase, action: str, reason: str,
                       cameo: str | None) -> CaseView:
        """A quality review acts on nothing. The second reviewer's decision is recorded: alike, the
        review is done; different, it goes to an admin, whose decision stands (and, where it differs
        from the first, replaces it, unless the creator appealed: their appeal decides then)."""
        if action == "escalate":
            raise InvalidInput("a quality review records the decision you would make; choose one")
        evidence = evidence_of(case)
        qa = evidence.qa
        original = _locked_case(session, case.qa_of_id)
        if case.reviewed_by_id is None:
            qa = replace(qa, second_decision=action, second_by=me.handle)
            record_evidence(case, replace(evidence, qa=qa))
            case.reviewed_by_id = me.id
            audit(session, me, "qa.review", "case", case.id, qa_of=original.id, decision=action,
                  agrees=action == qa.first_decision)
            if action != qa.first_decision:
                case.tier = CaseTier.SENIOR
                _unclaim(case)
                session.flush()
                return case_views(session, [case])[0]
        elif action != original.decision and original.status is CaseStatus.DECIDED:
            appealed = session.scalar(select(ModerationCase.id).where(ModerationCase.appeal_of_id == original.id))
            if appealed is None:
                _undo(session, original)
                _aim_at_cameo(session, original, action, cameo)
                self._apply(session, original, action)
                audit(session, me, "case.correct", "case", original.id, was=original.decision, now=action,
                      reason=reason, qa_case=case.id)
                original.decision, original.decision_reason = action, f"{reason} (corrected after a quality review)"
                original.decided_by_id = me.id
                _notify_decision(session, original, None, action, reason)
        case.status, case.decided_by_id, case.decided_at = CaseStatus.DECIDED, me.id, utcnow()
        case.decision, case.decision_reason, case.lease_expires_at = action, reason, None
        audit(session, me, "case.decide", "case", case.id, decision=action, reason=reason, qa_of=original.id)
        session.flush()
        return case_views(session, [case])[0]

    def _escalate(self, session: Session, me: User, case: ModerationCase, reason: str) -> CaseView:
        if case.tier is CaseTier.SENIOR:
            raise InvalidInput(f"case #{case.id} is already with senior reviewers; decide it")
        case.tier = CaseTier.SENIOR
        record_evidence(case, evidence_of(case).with_escalation(Escalation(me.handle, reason)))
        _unclaim(case)
        audit(session, me, "case.escalate", "case", case.id, reason=reason, video_id=case.video_id)
        session.flush()
        return case_views(session, [case])[0]

    def _apply(self, session: Session, case: ModerationCase, action: str) -> None:
        """Take the decision's steps on what the case is about; a removed clip joins the re-upload list."""
        subject = _subject(session, case)
        for step in _steps(case, action):
            step.do(session, subject)
        if subject.video is not None and subject.video.removal is Removal.REVIEW:
            self._fingerprint(session, subject.video)

    def _fingerprint(self, session: Session, video: Video) -> None:
        """A removed clip joins the re-upload list: clips stored here were hashed when stored; one
        that predates fingerprints is hashed now."""
        if session.get(VideoFingerprint, video.id) is None:

            hashes = library_hashes(self._store.media_dir / video.media_path)
            session.add(VideoFingerprint(video_id=video.id, frame_hashes=fingerprint_bytes(hashes)))

    # -- appeals ---------------------------------------------------------------------------------

    def appeal(self, actor: ActorRef, case_id: int, statement: str) -> CaseView:
        """Appeal a decision against your clip (or your cameo), once. The appeal is a new case that
        the reviewer who decided the first may not take. A suspended creator may still appeal."""
        statement = (statement or "").strip()
        if not statement:
            raise InvalidInput("say why the decision was wrong")
        if len(statement) > MAX_REASON_CHARS:
            raise InvalidInput(f"an appeal is at most {MAX_REASON_CHARS} characters")
        with self._store.transaction() as session:
            me = load_user(session, actor)
            original = _locked_case(session, case_id)
            if original.qa_of_id is not None:
                raise Conflict(f"case #{original.id} is a quality review, which acts on nothing; appeal the decision "
                               f"of case #{original.qa_of_id}")
            if not _may_appeal(session, me, original):
                raise Forbidden("only the creator a decision acted against (or the owner of the cameo it acted on) "
                                "can appeal it")
            if original.status is not CaseStatus.DECIDED:
                raise Conflict(f"case #{original.id} is not decided yet")
            if original.appeal_of_id is not None:
                raise Conflict("an appeal's decision is final")

            if original.decision not in APPEALABLE:
                raise Conflict(f"a {original.decision!r} decision cannot be appealed")
            appeal = ModerationCase(
                video_id=original.video_id, cameo_id=original.cameo_id, source=CaseSource.APPEAL,
                appeal_of_id=original.id, excluded_reviewer_id=original.decided_by_id)
            record_evidence(appeal, Evidence(appeal=AppealEntry(me.handle, statement, original.decision,
                                                                original.decision_reason, original.severity)))
            if not insert_once(session, appeal):
                raise Conflict(f"case #{original.id} was already appealed; a decision is appealed once")
            audit(session, me, "case.appeal", "case", appeal.id, appeal_of=original.id, video_id=original.video_id)
            return case_views(session, [appeal])[0]

    # -- one case --------------------------------------------------------------------------------

    def case(self, actor: ActorRef, case_id: int) -> CaseDetail:
        """A case with its clip, lineage, remixes, cameos, reports, history and provenance."""

        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            case = _load_case(session, case_id)
            _refuse_while_blind(session, me, case)
            view = case_views(session, [case])[0]
            blind = is_blind(case)
            video = session.get(Video, case.video_id) if case.video_id else None
            lineage, remixes, cameos, provenance = [], [], [], None
            if video is not None:
                lineage = video_views(session, ancestry(session, video), self._store.media_dir)
                remixes = video_views(session, list(session.scalars(
                    select(Video).where(Video.remix_parent_id == video.id).order_by(Video.id))), self._store.media_dir)
                cameos = _cameos_in(session, video)
                media = self._store.media_dir / video.media_path
                provenance = (verify(media, trust_anchors=ensure_credentials(self._provenance_dir).root_cert)
                              if media.exists() else {"state": None, "errors": ["the file is missing"]})
            reports = [ReportView(r.reason, REPORT_REASONS[r.reason][0], r.details, handle, as_utc(r.created_at))
                       for r, handle in session.execute(select(Report, User.handle).join(User, User.id == Report.reporter_id)
                                                        .where(Report.case_id == case.id).order_by(Report.id))]
            history = _audit_views(session, select(AuditEntry).where(
                AuditEntry.target_type == "case", AuditEntry.target_id == case.id).order_by(AuditEntry.id))
            appealed = case_views(session, [session.get(ModerationCase, case.appeal_of_id)])[0] if case.appeal_of_id else None
            enrolled = session.get(Cameo, case.cameo_id) if case.video_id is None and case.cameo_id else None
            reference = (self._store.media_dir / enrolled.reference_image_path
                         if enrolled is not None and enrolled.reference_image_path else None)
            if blind:  # who decided first, and what it did to the clip and its cameos, are not shown either
                history = [entry for entry in history if entry.action != "qa.open"]
                cameos = [replace(cameo, status=BLIND) for cameo in cameos]
                lineage = [*lineage[:-1], *(replace(clip, status=BLIND, removal=None, label=None, age_restricted=False)
                                            for clip in lineage[-1:])]
            return CaseDetail(view, lineage[-1] if lineage else None, tuple(lineage), tuple(remixes), tuple(cameos),
                              tuple(reports), tuple(history), appealed, provenance, reference, blind)

    def compare_faces(self, actor: ActorRef, case_id: int) -> list[FaceComparison]:
        """Each face hit of the case (and a held enrollment's match) as the two faces to compare, with
        the distance, the threshold it was held against and the margin to the next identity."""
        with self._store.transaction() as session:
            _reviewer(session, actor)
            case = _load_case(session, case_id)
            evidence = evidence_of(case)
            references = {cameo.handle: cameo.reference_image_path for cameo in session.scalars(
                select(Cameo).where(Cameo.handle.in_({hit.cameo for hit in evidence.scan if hit.cameo}
                                                     | ({evidence.enrollment.cameo} if evidence.enrollment else set()))))}
        media = self._store.media_dir
        read = lambda relative: (media / relative).read_bytes() if relative and (media / relative).exists() else None  # noqa: E731
        out = []
        for hit in evidence.scan:
            if hit.kind == "face_without_consent":
                out.append(FaceComparison(f"@{hit.cameo}", read(hit.face_file), read(references.get(hit.cameo)),
                                          hit.distance, hit.threshold, hit.margin))
            elif hit.kind == "public_figure_face":
                out.append(FaceComparison(hit.figure, read(hit.face_file), _figure_photo(hit.figure),
                                          hit.distance, hit.threshold, hit.margin))
        enrolled = evidence.enrollment
        if enrolled is not None and enrolled.public_figure:
            out.append(FaceComparison(enrolled.public_figure, read(references.get(enrolled.cameo)),
                                      _figure_photo(enrolled.public_figure), enrolled.face_distance, None, None))
        return out

    def compare_frames(self, actor: ActorRef, case_id: int) -> list[FrameComparison]:
        """Each hash hit of the case as the nearest frames of the two clips, with their Hamming
        distance: sharp once this reviewer revealed the case, blurred before."""
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            case = _load_case(session, case_id)
            hits = [hit for hit in evidence_of(case).scan if hit.video_id is not None]
            files = dict(session.execute(select(Video.id, Video.media_path).where(
                Video.id.in_({hit.video_id for hit in hits} | {case.video_id} - {None}))).all())
            sharp = session.scalar(select(AuditEntry.id).where(
                AuditEntry.action == "case.reveal", AuditEntry.target_type == "case", AuditEntry.target_id == case.id,
                AuditEntry.actor_id == me.id).limit(1)) is not None
        media = self._store.media_dir
        out = []
        for hit in hits:
            this = media / (hit.evidence_file or files.get(case.video_id, ""))
            other = media / files.get(hit.video_id, "")
            if not (this.is_file() and other.is_file()):
                continue
            stills = nearest_stills(this, other, 0.0 if sharp else PREVIEW_BLUR_RADIUS)
            if stills is None:
                continue
            label = (f"The upload refused from @{hit.uploader or '?'}" if hit.evidence_file
                     else f"Clip #{case.video_id}")
            out.append(FrameComparison(hit.kind, hit.video_id, label, *stills, hit.fraction, hit.median_distance,
                                       sharp))
        return out

    def preview(self, actor: ActorRef, case_id: int) -> bytes | None:
        """The case's clip as a strip of blurred greyscale frames (PNG), shown instead of the clip
        until the reviewer chooses to look; None for a case without a clip. Not counted as exposure."""
        with self._store.transaction() as session:
            _reviewer(session, actor)
            case = _load_case(session, case_id)
            video = session.get(Video, case.video_id) if case.video_id else None
            if video is None:
                return None
            media, sha256 = self._store.media_dir / video.media_path, video.media_sha256
        cached = self._store.media_dir / "previews" / f"{sha256}.png"
        if not cached.exists():

            cached.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(cached, blurred_preview(media), 0o644)
        return cached.read_bytes()

    def reveal(self, actor: ActorRef, case_id: int) -> VideoView:
        """The case's clip itself, for a reviewer who chose to look: counted in their exposure today."""
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            case = _load_case(session, case_id)
            if case.video_id is None:
                raise InvalidInput(f"case #{case.id} has no clip to reveal")
            video = session.get(Video, case.video_id)
            audit(session, me, "case.reveal", "case", case.id, video_id=video.id,
                  categories=list(case_views(session, [case])[0].categories))
            view = video_views(session, [video], self._store.media_dir)[0]
            return replace(view, status=BLIND, removal=None, label=None, age_restricted=False) if is_blind(case) else view

    # -- oversight -------------------------------------------------------------------------------

    def dashboard(self, actor: ActorRef) -> Dashboard:
        """Backlog, time to decision and exposure. Reviewers see their own exposure, admins everyone's."""
        with self._store.transaction() as session:
            me = _reviewer(session, actor)
            now = utcnow()
            undecided = session.execute(select(ModerationCase.status, ModerationCase.tier, ModerationCase.source,
                                               ModerationCase.opened_at, ModerationCase.qa_of_id)
                                        .where(ModerationCase.status != CaseStatus.DECIDED)).all()
            # quality reviews are work in the backlog, but not decisions, escalations or appeals
            decided = session.execute(select(ModerationCase.decision, ModerationCase.opened_at, ModerationCase.decided_at)
                                      .where(ModerationCase.status == CaseStatus.DECIDED, ModerationCase.qa_of_id.is_(None),
                                             ModerationCase.decided_at >= now - DASHBOARD_WINDOW)
                                      .where(*([] if me.role is Role.ADMIN else [_not_under_blind_review()]))).all()
            waits = [(as_utc(done) - as_utc(opened)).total_seconds() for _, opened, done in decided]
            by_action: dict[str, int] = {}
            for action, _, _ in decided:
                by_action[action] = by_action.get(action, 0) + 1
            by_source: dict[str, int] = {}
            for row in undecided:
                source = "quality review" if row.qa_of_id else row.source.value
                by_source[source] = by_source.get(source, 0) + 1
            oldest = min((as_utc(row.opened_at) for row in undecided), default=None)
            return Dashboard(
                open=sum(row.status is CaseStatus.OPEN for row in undecided),
                claimed=sum(row.status is CaseStatus.CLAIMED for row in undecided),
                escalated=sum(row.tier is CaseTier.SENIOR and not row.qa_of_id for row in undecided),
                appeals=sum(row.source is CaseSource.APPEAL and not row.qa_of_id for row in undecided),
                backlog_by_source=by_source,
                oldest_open_hours=round((now - oldest).total_seconds() / 3600, 2) if oldest else None,
                decided_last_24h=sum(as_utc(done) >= now - timedelta(days=1) for _, _, done in decided),
                time_to_decision_p50_s=percentile(waits, 50), time_to_decision_p90_s=percentile(waits, 90),
                decisions_by_action=by_action,
                exposure_today=_exposure_today(session, None if me.role is Role.ADMIN else me.id, now),
                **_quality(session, None if me.role is Role.ADMIN else me.handle),
            )

    def transparency(self, actor: ActorRef, *, since: datetime | None = None,
                     until: datetime | None = None) -> dict:
        """The transparency report (workbench.safety.transparency) for [since, until): by default
        everything up to now. Admins only."""
        until = until or utcnow()
        with self._store.transaction() as session:
            require_role(load_actor(session, actor), Role.ADMIN)
            # by default from the first case or report (a report opens or joins a case at once)
            first = session.scalar(select(func.min(ModerationCase.opened_at)))
            since = since or (as_utc(first) if first is not None else until - timedelta(days=1))
            if as_utc(since) >= as_utc(until):
                raise InvalidInput("the report's period must start before it ends")
            return transparency_report(session, since, until)

    def audit_log(self, actor: ActorRef, *, target_type: str | None = None, target_id: int | None = None,
                  by: ActorRef | None = None, action: str | None = None, limit: int = 200) -> list[AuditView]:
        """The audit log, newest first, filtered by target, acting user or action prefix ("case.").
        Admins only."""
        limit = max(1, min(int(limit), 5000))
        with self._store.transaction() as session:
            require_role(load_actor(session, actor), Role.ADMIN)
            query = select(AuditEntry)
            if target_type:
                query = query.where(AuditEntry.target_type == target_type)
            if target_id is not None:
                query = query.where(AuditEntry.target_id == target_id)
            if by is not None:
                query = query.where(AuditEntry.actor_id == load_user(session, by).id)
            if action:
                query = query.where(AuditEntry.action.startswith(action, autoescape=True))
            return _audit_views(session, query.order_by(AuditEntry.id.desc()).limit(limit))


@lru_cache(maxsize=64)
def nearest_stills(this: Path, other: Path, blur: float) -> tuple[bytes, bytes, int, str] | None:
    """The nearest frames of two clip files as JPEGs (blurred by `blur`), their Hamming distance and
    the transform undone. Kept for the process: stored files are named by their content, so a page
    that reruns (every click) does not decode 24 frames again; two threads at once may both compute it."""
    these = sample_frames(this, every_s=0.5, max_frames=COMPARED_FRAMES, max_side=COMPARED_SIDE)
    those = sample_frames(other, every_s=0.5, max_frames=COMPARED_FRAMES, max_side=COMPARED_SIDE)
    pair = closest_frames(these, those)
    if pair is None:
        return None
    return jpeg(these[pair.first], blur=blur), jpeg(those[pair.second], blur=blur), pair.distance, pair.transform


def _figure_photo(name: str) -> bytes | None:
    """The public-figure gallery's reference photo of `name`, as JPEG (None without one)."""
    figure = next((f for f in load_gallery() if f.name == name), None)
    photo = reference_photo(figure) if figure is not None else None
    return jpeg(photo, max_side=COMPARED_SIDE) if photo is not None else None


def sampled_for_review(share: float) -> bool:
    """Whether a decided case goes to quality review: a draw from the operating system's randomness
    under `share`, so no reviewer can tell in advance which of their decisions will be looked at again."""
    return secrets.randbelow(2**32) < share * 2**32


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between closest ranks (numpy's default,
    Hyndman & Fan type 7); None for no values."""
    return round(float(np.percentile(values, q)), 1) if values else None


def blurred_preview(path: Path) -> bytes:
    """A strip of PREVIEW_FRAMES frames from the clip, greyscale and blurred (PNG bytes): enough to
    see what kind of scene it is without the detail that harms."""
    from PIL import Image, ImageFilter


    frames = sample_frames(path, every_s=1e-3, max_frames=PREVIEW_FRAMES)
    tiles = []
    for frame in frames:
        tile = Image.fromarray(frame).convert("L")
        tile = tile.resize((PREVIEW_WIDTH, max(1, round(PREVIEW_WIDTH * tile.height / tile.width))))
        tiles.append(tile.filter(ImageFilter.GaussianBlur(PREVIEW_BLUR_RADIUS)))
    strip = Image.new("L", (sum(t.width for t in tiles) + 4 * (len(tiles) - 1), max(t.height for t in tiles)), 255)
    x = 0
    for tile in tiles:
        strip.paste(tile, (x, 0))
        x += tile.width + 4
    buffer = io.BytesIO()
    strip.save(buffer, format="PNG")
    return buffer.getvalue()


def _reviewer(session: Session, actor: ActorRef) -> User:
    me = load_actor(session, actor)
    require_role(me, Role.REVIEWER)
    return me


def _in_queue_order(query):
    return query.order_by(ModerationCase.severity.desc(), ModerationCase.opened_at, ModerationCase.id)


def _load_case(session: Session, case_id: int) -> ModerationCase:
    case = session.get(ModerationCase, case_id) if isinstance(case_id, int) and not isinstance(case_id, bool) else None
    if case is None:
        raise NotFound(f"no case #{case_id}")
    return case


def _locked_case(session: Session, case_id: int) -> ModerationCase:
    """The case row, locked until the transaction ends (PostgreSQL; SQLite holds the write lock)."""
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise NotFound(f"no case #{case_id}")
    case = session.scalar(select(ModerationCase).where(ModerationCase.id == case_id)
                          .with_for_update().execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"no case #{case_id}")
    return case


def _own_cases(me: User):
    """Cases about the reviewer's own clips or own likeness: a conflict of interest. (A case has a clip or
    a cameo, not both: each test is guarded, since `NULL IN (...)` is NULL in SQL and NOT NULL excludes.)"""
    own_videos = select(Video.id).where(Video.author_id == me.id)
    own_cameos = select(Cameo.id).where(Cameo.owner_id == me.id)
    appearing = select(VideoCameo.video_id).where(VideoCameo.cameo_id.in_(own_cameos))
    about_a_clip = ModerationCase.video_id.is_not(None) & (ModerationCase.video_id.in_(own_videos)
                                                           | ModerationCase.video_id.in_(appearing))
    about_a_cameo = ModerationCase.cameo_id.is_not(None) & ModerationCase.cameo_id.in_(own_cameos)
    return about_a_clip | about_a_cameo


def _claim_rules(me: User, now: datetime) -> list[tuple[str, ColumnElement[bool]]]:
    """What a reviewer needs to claim a case, each an SQL condition named by the refusal it gives: the
    queue picks the next case with all of them (_claimable_by), and a claim of one case reports the
    first that fails (_check_claimable)."""
    rules = [
        ("decided", ModerationCase.status != CaseStatus.DECIDED),
        ("held", or_(ModerationCase.status == CaseStatus.OPEN, ModerationCase.lease_expires_at <= now)),
        ("excluded", or_(ModerationCase.excluded_reviewer_id.is_(None), ModerationCase.excluded_reviewer_id != me.id)
         & or_(ModerationCase.reviewed_by_id.is_(None), ModerationCase.reviewed_by_id != me.id)),
        ("own", ~_own_cases(me)),
    ]
    if me.role is not Role.ADMIN:
        rules.insert(2, ("senior", ModerationCase.tier == CaseTier.REVIEWER))
    return rules


def _claimable_by(me: User, now: datetime) -> list[ColumnElement[bool]]:
    return [condition for _, condition in _claim_rules(me, now)]


def _check_claimable(session: Session, case: ModerationCase, me: User, now: datetime) -> None:
    """Refuse, with the reason, a claim of this case that the queue would not have offered this reviewer."""
    rules = _claim_rules(me, now)
    verdicts = session.execute(select(*(condition for _, condition in rules))
                               .where(ModerationCase.id == case.id)).one()
    failed = next((name for (name, _), passed in zip(rules, verdicts) if not passed), None)
    if failed == "decided":
        raise Conflict(f"case #{case.id} is already decided")
    if failed == "held":
        holder = session.get(User, case.claimed_by_id)
        raise Conflict(f"case #{case.id} is held by @{holder.handle} until {as_utc(case.lease_expires_at):%H:%M} UTC")
    if failed == "senior":
        raise Forbidden(f"case #{case.id} was escalated; only a senior reviewer (admin) can take it")
    if failed == "excluded":
        raise Forbidden(f"you decided the case this {'review' if case.qa_of_id else 'appeal'} is about; "
                        f"another reviewer must take case #{case.id}")
    if failed == "own":
        raise Forbidden(f"case #{case.id} is about your own clip or likeness; another reviewer must take it")


def _under_blind_review(session: Session, case_ids) -> set[int]:
    """Which of these decided cases have a quality review still blind."""
    return set(session.scalars(select(ModerationCase.qa_of_id).where(
        ModerationCase.qa_of_id.in_(list(case_ids)), blind_reviews())))


def _not_under_blind_review() -> ColumnElement[bool]:
    """A case with no blind review pending (for counts a reviewer sees: a count by decision would
    otherwise give a hidden decision away by elimination)."""
    pending = aliased(ModerationCase)
    return ModerationCase.id.not_in(select(pending.qa_of_id).where(blind_reviews(pending)))


def _refuse_while_blind(session: Session, me: User, case: ModerationCase) -> None:
    """A decided case under blind review is shown only to its first decider and to admins until the
    second reviewer has decided: otherwise the review would not be blind."""
    if case.status is not CaseStatus.DECIDED or me.role is Role.ADMIN or case.decided_by_id == me.id:
        return
    if _under_blind_review(session, [case.id]):
        raise Forbidden(f"case #{case.id} is under a blind quality review; its decision is shown once that is done")


def _without_blind_decisions(session: Session, me: User, views: list[CaseView]) -> list[CaseView]:
    """The views, with the decision of every case under a blind review left out for a reviewer who
    neither made it nor is an admin (the second reviewer may be anyone else)."""
    if me.role is Role.ADMIN:
        return views
    blind = _under_blind_review(session, [v.id for v in views if v.decision is not None and v.decided_by != me.handle])
    return [replace(v, decision=None, decided_by=None, decision_reason=None) if v.id in blind else v for v in views]


def _unclaim(case: ModerationCase) -> None:
    case.status, case.claimed_by_id, case.claimed_at, case.lease_expires_at = CaseStatus.OPEN, None, None, None


def _subject(session: Session, case: ModerationCase) -> Subject:
    video = session.get(Video, case.video_id) if case.video_id is not None else None
    cameo = session.get(Cameo, case.cameo_id) if case.cameo_id is not None else None
    return Subject(video, cameo, video.author_id if video is not None else cameo.owner_id)


def _aim_at_cameo(session: Session, case: ModerationCase, action: str, handle: str | None) -> None:
    """A decision on one cameo acts on the case's cameo (a held enrollment) or, on a clip's case, on the
    one of the clip's cameos the reviewer named, which the case then records (an appeal undoes it)."""
    if action not in ON_A_CAMEO or case.video_id is None:
        return
    handle = (handle or "").strip().lstrip("@")
    if not handle:
        raise InvalidInput(f"name the cameo in clip #{case.video_id} that “{ACTIONS[action]}” acts on")
    cameo = session.scalar(select(Cameo).join(VideoCameo, VideoCameo.cameo_id == Cameo.id).where(
        VideoCameo.video_id == case.video_id, Cameo.handle == handle))
    if cameo is None:
        raise InvalidInput(f"@{handle} is not a cameo in clip #{case.video_id}")
    case.cameo_id = cameo.id


def _acted_against(session: Session, case: ModerationCase, action: str) -> int:
    """Whom a decision acts against: the owner of the cameo a decision on one cameo took out of use,
    otherwise the clip's creator (or the held cameo's owner). They hear of it and may appeal it."""
    if action in ON_A_CAMEO and case.video_id is not None and case.cameo_id is not None:
        return session.get(Cameo, case.cameo_id).owner_id
    return _subject(session, case).user_id


def _may_appeal(session: Session, user: User, case: ModerationCase) -> bool:
    return user.id == _acted_against(session, case, case.decision)


def _steps(case: ModerationCase, action: str) -> tuple[Step, ...]:
    decision = DECISIONS[action]
    return decision.on_clip if case.video_id is not None else decision.on_enrollment


def _undo(session: Session, appealed: ModerationCase) -> None:
    """Take back what the appealed decision did, step by step in reverse, before the appeal's own
    decision is applied."""
    subject = _subject(session, appealed)
    for step in reversed(_steps(appealed, appealed.decision)):
        if step.undo is not None:
            step.undo(session, subject)


def _notify_decision(session: Session, case: ModerationCase, appealed: ModerationCase | None, action: str,
                     reason: str) -> None:
    """The creator, every cameo owner in the clip and every reporter hear of the decision."""
    outcome = decision_label(action, about_cameo=case.video_id is None)
    if action in ON_A_CAMEO and case.video_id is not None and case.cameo_id is not None:
        outcome += f" (@{session.get(Cameo, case.cameo_id).handle})"
    reason = reason.rstrip(". ")
    creator = _subject(session, case).user_id
    subject = f"clip #{case.video_id}" if case.video_id else f"your cameo enrollment (case #{case.id})"
    if appealed is not None:
        appellant = load_user(session, evidence_of(case).appeal.by).id
        verdict = "upheld" if action == appealed.decision else "changed"
        notify(session, [appellant], "appeal_decided", f"Your appeal on {subject} was decided: the decision was "
               f"{verdict}. Now: {outcome}. Reason: {reason}. This decision is final.",
               video_id=case.video_id, case_id=case.id)
        told = {appellant}
    else:
        against = _acted_against(session, case, action)
        can_appeal = " You may appeal this decision once." if action in APPEALABLE else ""
        notify(session, [against], "decision", f"A reviewer decided on {subject}: {outcome}. Reason: {reason}.{can_appeal}",
               video_id=case.video_id, case_id=case.id)
        told = {against}
    if case.video_id is None:
        return
    if creator not in told:
        notify(session, [creator], "cameo_decision", f"A reviewer decided on clip #{case.video_id}: {outcome}. "
               f"Reason: {reason}.", video_id=case.video_id, case_id=case.id)
        told.add(creator)
    owners = cameo_owner_ids(session, case.video_id) - told
    notify(session, owners, "cameo_decision", f"Clip #{case.video_id}, which uses your cameo, was reviewed: "
           f"{outcome}. Reason: {reason}.", video_id=case.video_id, case_id=case.id)
    reporters = set(session.scalars(select(Report.reporter_id).where(Report.case_id == case.id))) - owners - told
    notify(session, reporters, "report_outcome", f"Thank you for your report on clip #{case.video_id}. "
           f"A reviewer decided: {outcome}.", video_id=case.video_id, case_id=case.id)


def _cameos_in(session: Session, video: Video) -> list[CameoInClip]:
    lapsed = set(lapsed_grants(session, video))
    rows = session.execute(select(Cameo, User.handle).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                           .join(User, User.id == Cameo.owner_id)
                           .where(VideoCameo.video_id == video.id).order_by(Cameo.handle))
    return [CameoInClip(cameo.handle, owner, cameo.status.value, cameo.handle not in lapsed, cameo.kind.value)
            for cameo, owner in rows]


def _audit_views(session: Session, query) -> list[AuditView]:
    entries = list(session.scalars(query))
    handles = dict(session.execute(select(User.id, User.handle)
                                   .where(User.id.in_({e.actor_id for e in entries} - {None}))).all())
    return [AuditView(e.id, as_utc(e.created_at), handles.get(e.actor_id, "operator"), e.action, e.target_type,
                      e.target_id, dict(e.details)) for e in entries]


def _quality(session: Session, reviewer: str | None) -> dict:
    """The quality-control figures of the dashboard: reviews waiting, and agreement between first and
    second reviewers (raw and Cohen's kappa) overall, by category and by reviewer (`reviewer`: only theirs)."""
    reviews = [evidence_of(case) for case in session.scalars(select(ModerationCase).where(
        ModerationCase.qa_of_id.is_not(None)).order_by(ModerationCase.id))]
    pairs = [(e.qa, e.categories()) for e in reviews if e.qa.second_decision is not None]
    by_category: dict[str, list] = {}
    by_reviewer: dict[str, list] = {}
    for qa, categories in pairs:
        for category in categories or ("uncategorised",):
            by_category.setdefault(category, []).append(qa)
        for handle in {qa.first_by, qa.second_by}:
            by_reviewer.setdefault(handle, []).append(qa)
    measure = lambda found: agreement([q.first_decision for q in found], [q.second_decision for q in found])  # noqa: E731
    return {"qa_pending": sum(e.qa.second_decision is None for e in reviews),
            "qa_disagreements": session.scalar(select(func.count()).select_from(ModerationCase).where(
                ModerationCase.qa_of_id.is_not(None), ModerationCase.status != CaseStatus.DECIDED,
                ModerationCase.reviewed_by_id.is_not(None))),
            "agreement": measure([qa for qa, _ in pairs]) if pairs else None,
            "agreement_by_category": {category: measure(found) for category, found in sorted(by_category.items())},
            "agreement_by_reviewer": {handle: measure(found) for handle, found in sorted(by_reviewer.items())
                                      if reviewer is None or handle == reviewer}}


def _exposure_today(session: Session, reviewer_id: int | None, now: datetime) -> dict[str, dict[str, int]]:
    """What each reviewer revealed since midnight UTC, by category (a clip counts once per category)."""
    midnight = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    query = (select(User.handle, AuditEntry.details).join(User, User.id == AuditEntry.actor_id)
             .where(AuditEntry.action == "case.reveal", AuditEntry.created_at >= midnight))
    if reviewer_id is not None:
        query = query.where(AuditEntry.actor_id == reviewer_id)
    exposure: dict[str, dict[str, int]] = {}
    for handle, details in session.execute(query):
        counts = exposure.setdefault(handle, {"clips": 0})
        counts["clips"] += 1
        for category in details.get("categories", []) or ["uncategorised"]:
            counts[category] = counts.get(category, 0) + 1
    return exposure
