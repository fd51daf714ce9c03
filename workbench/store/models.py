"""SQLAlchemy 2 ORM models: the one schema the app, the CLI, the simulator and the notebooks share.

Alembic migrations under ``workbench/store/migrations`` build this schema; a test checks that the
migrations and these models never drift apart (on SQLite and on PostgreSQL).
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every timestamp here is stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    # Named constraints so migrations are stable on every engine.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the value."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=24,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)


def _timestamp() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Role(str, enum.Enum):
    USER = "user"
    REVIEWER = "reviewer"
    RIGHTS_HOLDER = "rights_holder"
    ADMIN = "admin"


class VideoStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REMOVED = "removed"


class Removal(str, enum.Enum):
    """Who took a removed clip down: only a review removal puts it on the re-upload list."""
    AUTHOR = "author"  # the author deleted it
    CAMEO_OWNER = "cameo_owner"  # a person whose cameo is in it took it down
    REVIEW = "review"  # a reviewer (or an admin) removed it


class CameoKind(str, enum.Enum):
    PERSON = "person"
    CHARACTER = "character"


class CameoStatus(str, enum.Enum):
    PENDING = "pending"      # enrollment started, liveness not yet passed
    HELD = "held"            # waiting for a reviewer (e.g. matched a public figure)
    VERIFIED = "verified"
    REVOKED = "revoked"


class CameoPermission(str, enum.Enum):
    ONLY_ME = "only_me"      # a character's "private"
    APPROVED = "approved"    # people I approve
    FOLLOWERS = "followers"  # people who follow me (character cameos)
    MUTUALS = "mutuals"
    EVERYONE = "everyone"


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CaseStatus(str, enum.Enum):
    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"


class CaseSource(str, enum.Enum):
    REPORT = "report"
    SCAN = "scan"
    ENROLLMENT = "enrollment"
    APPEAL = "appeal"


class OptOutScope(str, enum.Enum):
    BLOCK = "block"          # never generate
    RULES = "rules"          # allowed within the holder's stated rules


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(80), nullable=False)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.USER, nullable=False)
    is_teen: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    region: Mapped[str] = mapped_column(String(8), default="US", nullable=False)
    bio: Mapped[str] = mapped_column(Text, default="", nullable=False)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: the ranking policy this person chose for For You (None: the running experiment's arm, or the default)
    feed_policy: Mapped[str | None] = mapped_column(String(32))
    #: raised in the transaction of every change that must reorder this person's For You (a follow,
    #: an unfollow, "Not interested", a ranking choice): a ranking kept under another version is never
    #: served (workbench.social.kept_pages)
    feed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    created_at: Mapped[datetime] = _timestamp()


#: the few suspended accounts, which every feed query excludes (publicly_visible), found without a scan
Index("ix_users_suspended", User.id, postgresql_where=User.suspended.is_(True), sqlite_where=User.suspended.is_(True))


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (CheckConstraint("follower_id <> followee_id", name="not_self"),)

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = _timestamp()


class Video(Base):
    __tablename__ = "videos"
    __table_args__ = (
        CheckConstraint("remix_depth >= 0", name="depth_non_negative"),
        Index("ix_videos_status_published_at", "status", "published_at"),
        # the followed-authors pool of For You reads each author's newest published ids from the index alone
        Index("ix_videos_author_status_id", "author_id", "status", "id"),
        Index("ix_videos_remix_parent_author_status_id", "remix_parent_author_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[VideoStatus] = mapped_column(_enum(VideoStatus, "video_status"), default=VideoStatus.DRAFT, nullable=False)
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    caption: Mapped[str] = mapped_column(Text, nullable=False)
    duration_s: Mapped[float] = mapped_column(Float, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    fps: Mapped[int] = mapped_column(Integer, nullable=False)
    #: path relative to the media folder; content-addressed by sha256
    media_path: Mapped[str] = mapped_column(String(255), nullable=False)
    media_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    backend: Mapped[str] = mapped_column(String(32), nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    remix_parent_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id"), index=True)
    remix_root_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id"), index=True)
    #: the author of the clip it remixes, written with the remix (a clip's author never changes): the For
    #: You pool of remixes of people you follow reads it from one index instead of every clip of theirs
    remix_parent_author_id: Mapped[int | None] = mapped_column(Integer)
    remix_depth: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    allow_remix: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = _timestamp()
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removal: Mapped[Removal | None] = mapped_column(_enum(Removal, "video_removal"))
    #: why the output scan held this clip back (a face without consent, a public figure, a removed
    #: clip's match); while set, only its author, its cameos' owners, reviewers and admins see it
    held_reason: Mapped[str | None] = mapped_column(String(200))
    #: a reviewer's label shown with the clip: "ai_generated" or "satire"
    label: Mapped[str | None] = mapped_column(String(16))
    #: set by a reviewer: hidden from teens and from people who are not signed in
    age_restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    #: engagement counters kept with every like, unlike and view, so ranking reads them without counting
    like_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    completed_view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    moods: Mapped[list[VideoMood]] = relationship(cascade="all, delete-orphan", order_by="VideoMood.rank")


class VideoMood(Base):
    """A clip's mood tags (data/moods.json), one row each so the feed can filter by index."""
    __tablename__ = "video_moods"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    mood: Mapped[str] = mapped_column(String(24), primary_key=True, index=True)
    rank: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Cameo(Base):
    __tablename__ = "cameos"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    kind: Mapped[CameoKind] = mapped_column(_enum(CameoKind, "cameo_kind"), default=CameoKind.PERSON, nullable=False)
    #: how others tag this cameo in a prompt; a person's cameo uses the owner's handle
    handle: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(80), nullable=False)
    status: Mapped[CameoStatus] = mapped_column(_enum(CameoStatus, "cameo_status"), default=CameoStatus.PENDING, nullable=False)
    permission: Mapped[CameoPermission] = mapped_column(
        _enum(CameoPermission, "cameo_permission"), default=CameoPermission.ONLY_ME, nullable=False)
    #: the owner's own words: what this cameo must never be shown doing
    restrictions: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: how it was verified (liveness check id, reviewer decision, or "demo-seed" for fixtures)
    verification: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    #: an aligned face (or character) image under the media folder, composited into clips that use the cameo
    reference_image_path: Mapped[str | None] = mapped_column(String(255))
    #: {"kind": the face engine's embedding kind, "vector": [...]} of the reference face, for the output scan
    face_embedding: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = _timestamp()
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    owner: Mapped[User] = relationship()


class CameoApproval(Base):
    """The owner approved this user (used when the permission level is 'approved')."""
    __tablename__ = "cameo_approvals"

    cameo_id: Mapped[int] = mapped_column(ForeignKey("cameos.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = _timestamp()


class VideoCameo(Base):
    __tablename__ = "video_cameos"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    cameo_id: Mapped[int] = mapped_column(ForeignKey("cameos.id"), primary_key=True, index=True)
    #: the owner chose to keep this published clip up although the grant it was made under has lapsed
    kept_by_owner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)


class GenerationJob(Base):
    __tablename__ = "generation_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"), default=JobStatus.QUEUED, nullable=False)
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    #: what the backend said last ("rendering frames"), for the Create page
    progress_message: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id"))
    created_at: Mapped[datetime] = _timestamp()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: refreshed while a worker renders; a running job whose heartbeat stops was lost with its worker
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WatchEvent(Base):
    """One view of one clip: the telemetry that completion and rewatch metrics are computed from."""
    __tablename__ = "watch_events"
    __table_args__ = (
        CheckConstraint("watched_s >= 0", name="watched_non_negative"),
        CheckConstraint("loops >= 0", name="loops_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False, index=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    #: total seconds played in this view, loops included
    watched_s: Mapped[float] = mapped_column(Float, nullable=False)
    clip_duration_s: Mapped[float] = mapped_column(Float, nullable=False)
    #: times the clip restarted after reaching its end within this view
    loops: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    #: "app", "browser", "seed" or "simulation"
    source: Mapped[str] = mapped_column(String(16), default="app", nullable=False)
    #: the player's id for this view: its reports update one row as playback goes on
    view_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    #: the ranking policy whose feed showed the clip (for experiments), if it came from a feed
    feed_policy: Mapped[str | None] = mapped_column(String(40))
    #: the feed page (one showing of a page of For You) and the clip's slot on it
    page_key: Mapped[str | None] = mapped_column(String(36))
    slot: Mapped[int | None] = mapped_column(Integer)
    #: the chance the serving policy put the clip on that page (exploration: below 1 for its own
    #: picks, above 0 for the rest), and the chance each other policy would have: {policy: chance}
    propensity: Mapped[float | None] = mapped_column(Float)
    target_propensities: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = _timestamp()


class Like(Base):
    __tablename__ = "likes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = _timestamp()


class Dismissal(Base):
    """A viewer's "Not interested" in a clip: it leaves their For You, and clips like it come later."""
    __tablename__ = "feed_dismissals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = _timestamp()


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _timestamp()

    author: Mapped[User] = relationship()


class CaseTier(str, enum.Enum):
    REVIEWER = "reviewer"    # any reviewer may claim it
    SENIOR = "senior"        # escalated: admins (senior reviewers) only


class ModerationCase(Base):
    __tablename__ = "moderation_cases"
    __table_args__ = (Index("ix_moderation_cases_status_severity", "status", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id"), index=True)
    cameo_id: Mapped[int | None] = mapped_column(ForeignKey("cameos.id"))
    source: Mapped[CaseSource] = mapped_column(_enum(CaseSource, "case_source"), nullable=False)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "case_status"), default=CaseStatus.OPEN, nullable=False)
    severity: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    #: evidence: report reasons and counts, scan scores, matched names or faces, hash matches
    signals: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    opened_at: Mapped[datetime] = _timestamp()
    tier: Mapped[CaseTier] = mapped_column(_enum(CaseTier, "case_tier"), default=CaseTier.REVIEWER,
                                           server_default=CaseTier.REVIEWER.value, nullable=False)
    #: an appeal's case names the decided case it appeals (at most one appeal each)
    appeal_of_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id"), unique=True)
    #: who may not claim it: an appeal goes to someone other than the first decider
    excluded_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(String(24))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: a quality-control review's case names the decided case it reviews blind (at most one each)
    qa_of_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id"), unique=True)
    #: the second reviewer of a quality review, once they decided (None: the review is still blind);
    #: neither they nor the first decider may settle a disagreement
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("video_id", "reporter_id", name="one_per_reporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id"), nullable=False, index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    details: Mapped[str] = mapped_column(Text, default="", nullable=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id"), index=True)
    created_at: Mapped[datetime] = _timestamp()


class Notification(Base):
    """A message to one user: a decision about their clip, their likeness or their report."""
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id"))
    created_at: Mapped[datetime] = _timestamp()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IpOptOut(Base):
    """A rights holder's character, mark or style, and how it may be used."""
    __tablename__ = "ip_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    aliases: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    scope: Mapped[OptOutScope] = mapped_column(_enum(OptOutScope, "opt_out_scope"), default=OptOutScope.BLOCK, nullable=False)
    rules: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: set when the holder withdrew the entry; kept so that past blocks still name it
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    holder: Mapped[User] = relationship()


class PolicyHit(Base):
    """One reason a prompt (or an upload) was blocked or sent to review, for rights holders'
    counts and reviewers' context."""
    __tablename__ = "policy_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = _timestamp()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[str] = mapped_column(String(8), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    target: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    matched: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    ip_opt_out_id: Mapped[int | None] = mapped_column(ForeignKey("ip_opt_outs.id"), index=True)
    prompt: Mapped[str] = mapped_column(Text, default="", nullable=False)


class VideoFingerprint(Base):
    """PDQ hashes of a clip's sampled frames (32 bytes each, concatenated), so that a removed clip
    is recognised when it comes back re-encoded or resized."""
    __tablename__ = "video_fingerprints"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    frame_hashes: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class PublicFigure(Base):
    __tablename__ = "public_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    aliases: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    category: Mapped[str] = mapped_column(String(32), default="", nullable=False)
    #: set when this person enrolled a cameo of their own
    cameo_id: Mapped[int | None] = mapped_column(ForeignKey("cameos.id"))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),
                      Index("ix_audit_log_actor_created", "actor_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the local operator (CLI, seeding)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(48), nullable=False, index=True)
    target_type: Mapped[str] = mapped_column(String(24), nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = _timestamp()


class FeedExperiment(Base):
    """A ranking experiment: while it runs, people who did not choose a policy get one of its arms,
    fixed per person by a hash of the experiment's name and their id."""
    __tablename__ = "feed_experiments"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    arms: Mapped[list] = mapped_column(JSON, nullable=False)
    started_at: Mapped[datetime] = _timestamp()
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Meta(Base):
    """Small key/value facts about this database (e.g. which seed built the demo world)."""
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, nullable=False)


class RuleSetStatus(str, enum.Enum):
    DRAFT = "draft"
    SHADOW = "shadow"
    ACTIVE = "active"
    RETIRED = "retired"
    DISCARDED = "discarded"


class PolicyRuleSet(Base):
    """A version of the prompt policy's editable parts (workbench.safety.rules): drafted, backtested,
    run in shadow, then activated or discarded. At most one is active and one in shadow."""
    __tablename__ = "policy_rule_sets"
    __table_args__ = (Index("one_rule_set_per_live_status", "status", unique=True,
                            sqlite_where=text("status IN ('active', 'shadow')"),
                            postgresql_where=text("status IN ('active', 'shadow')")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[RuleSetStatus] = mapped_column(_enum(RuleSetStatus, "rule_set_status"),
                                                  default=RuleSetStatus.DRAFT, nullable=False)
    changes: Mapped[dict] = mapped_column(JSON, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _timestamp()
    #: the last backtest's summary (counts of changed decisions by category, with examples)
    backtest: Mapped[dict | None] = mapped_column(JSON)
    shadow_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PromptCheck(Base):
    """Every prompt screened before generation, with the active rule set's decision and, while a rule
    set runs in shadow, the decision it would have made (which acts on nothing)."""
    __tablename__ = "prompt_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = _timestamp()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    cameos: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    decision: Mapped[str] = mapped_column(String(8), nullable=False)
    codes: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    #: the rule set that decided (None: the shipped policy)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("policy_rule_sets.id"))
    shadow_rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("policy_rule_sets.id"), index=True)
    shadow_decision: Mapped[str | None] = mapped_column(String(8))
    shadow_codes: Mapped[list | None] = mapped_column(JSON)
