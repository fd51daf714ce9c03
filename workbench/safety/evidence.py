"""A moderation case's evidence: typed entries that reports, the output scan, enrollment, appeals and
escalations add, stored as versioned JSON in `moderation_cases.signals`, and the one place a case's
severity is computed from them.

A case's severity is the worst of its parts: its reports (the worst reason, a little more per extra
reporter, and a boost when a person reports their own likeness), its scan hits, a held enrollment,
or, for an appeal, the severity of the case it appeals.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

#: the JSON layout written by to_json (an unversioned dict is the layout written before it existed)
VERSION = 1

#: report reason -> (label shown to the reporter, base severity in [0, 1])
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
#: output-scan hit kind -> severity
SCAN_SEVERITY = {"face_without_consent": 1.5, "public_figure_face": 0.9, "reupload_of_removed": 1.2,
                 "prompt_review": 0.6, "copy_of_published": 0.6, "credentials_of_another": 0.7}
#: a cameo enrollment whose face matches a public figure is a likely impersonation: near the top
ENROLLMENT_MATCH_SEVERITY = 0.9


@dataclass(frozen=True)
class ReportEntry:
    reason: str
    reporter: str
    #: the reporter's own cameo is in the clip
    own_likeness: bool = False


@dataclass(frozen=True)
class ScanHit:
    """One finding of the output scan. Which fields are set depends on the kind:
    face_without_consent (cameo, distance, threshold, margin, face_file: the face as the clip shows it),
    public_figure_face (figure and the same), reupload_of_removed
    (video_id, fraction, median_distance, transform; evidence_file when an upload was refused),
    copy_of_published (the same fields, for a published clip an upload repeats), credentials_of_another
    (an upload whose untrusted Content Credentials name someone else), prompt_review (reason: the
    prompt policy's reason). A case's entries also say who uploaded the
    clip and what its Content Credentials said."""
    kind: str
    #: one line for the author and the reviewer
    detail: str
    cameo: str | None = None
    figure: str | None = None
    distance: float | None = None
    #: the face engine's same-person threshold the distance was held against (face hits)
    threshold: float | None = None
    #: how much farther the next enrolled identity was (face hits): a small margin is a near tie
    margin: float | None = None
    #: the face found, cropped from the clip (a path under the media folder)
    face_file: str | None = None
    video_id: int | None = None
    fraction: float | None = None
    median_distance: float | None = None
    transform: str | None = None
    evidence_file: str | None = None
    reason: dict | None = None
    uploader: str | None = None
    provenance: dict | None = None


@dataclass(frozen=True)
class DeepfakeScores:
    #: detector name -> P(manipulated or generated), calibrated on held-out clips
    scores: dict[str, float]
    #: frames the detectors read
    frames: int
    #: detector name -> what its score is worth: its video-level ROC AUC on manipulations it never saw,
    #: measured on the shipped benchmark when it was trained (absent in cases scanned before)
    unseen_auc: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrollmentMatch:
    """A cameo held at enrollment: its face matches a public figure, or a character's picture shows a
    human face (a character is not a person: detail says whose face it was, or that nobody enrolled
    has it)."""
    cameo: str
    owner: str
    public_figure: str | None
    face_distance: float | None
    detail: str | None = None


@dataclass(frozen=True)
class AppealEntry:
    by: str
    statement: str
    #: the appealed decision and its reason
    decision: str
    reason: str
    #: the appealed case's severity (an appeal keeps its place in the queue)
    severity: float


@dataclass(frozen=True)
class Escalation:
    by: str
    reason: str


@dataclass(frozen=True)
class QaReview:
    """A quality-control review of a decided case: the first decision (hidden from the second reviewer
    until they decide) and, once made, the second; where they differ an admin decides which stands."""
    of_case: int
    first_decision: str
    first_by: str
    second_decision: str | None = None
    second_by: str | None = None


@dataclass(frozen=True)
class Evidence:
    reports: tuple[ReportEntry, ...] = ()
    scan: tuple[ScanHit, ...] = ()
    deepfake: DeepfakeScores | None = None
    enrollment: EnrollmentMatch | None = None
    appeal: AppealEntry | None = None
    escalations: tuple[Escalation, ...] = field(default=())
    qa: QaReview | None = None

    def with_report(self, entry: ReportEntry) -> "Evidence":
        return replace(self, reports=(*self.reports, entry))

    def with_scan(self, hits, deepfake: DeepfakeScores | None = None) -> "Evidence":
        return replace(self, scan=(*self.scan, *hits), deepfake=deepfake or self.deepfake)

    def with_escalation(self, entry: Escalation) -> "Evidence":
        return replace(self, escalations=(*self.escalations, entry))

    def severity(self) -> float:
        """The worst of the case's parts (see the module docstring)."""
        parts = [SCAN_SEVERITY[hit.kind] for hit in self.scan]
        if self.reports:
            worst = max(REPORT_REASONS[report.reason][1] for report in self.reports)
            boost = OWN_LIKENESS_BOOST if any(report.own_likeness for report in self.reports) else 0.0
            parts.append(worst + 0.1 * math.log2(len(self.reports)) + boost)
        if self.enrollment is not None:
            parts.append(ENROLLMENT_MATCH_SEVERITY)
        if self.appeal is not None:
            parts.append(self.appeal.severity)
        return round(max(parts, default=0.0), 4)

    def categories(self) -> tuple[str, ...]:
        """The kinds of harm the case points at (report reasons, scan hit kinds, an enrollment that
        matched a public figure, an appeal): what reviewers' exposure is counted by."""
        found = {report.reason for report in self.reports} | {hit.kind for hit in self.scan}
        if self.enrollment is not None:
            found.add("public_figure_enrollment" if self.enrollment.public_figure else "character_human_face")
        if self.appeal is not None:
            found.add("appeal")
        return tuple(sorted(found))

    def to_json(self) -> dict:
        def without_none(entry) -> dict:
            return {key: value for key, value in asdict(entry).items() if value is not None}

        data: dict = {"version": VERSION}
        if self.reports:
            data["reports"] = [without_none(entry) for entry in self.reports]
        if self.scan:
            data["scan"] = [without_none(entry) for entry in self.scan]
        for name in ("deepfake", "enrollment", "appeal", "qa"):
            if getattr(self, name) is not None:
                data[name] = asdict(getattr(self, name))
        if self.escalations:
            data["escalations"] = [asdict(entry) for entry in self.escalations]
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> "Evidence":
        """Read what to_json wrote, or the unversioned layout of cases opened before it."""
        data = dict(data or {})
        version = data.pop("version", 0)
        if version > VERSION:
            raise ValueError(f"case evidence of version {version} is newer than this workbench reads ({VERSION})")
        if version == 0:
            data = _from_unversioned(data)
        return cls(
            reports=tuple(_entry(ReportEntry, item) for item in data.get("reports", ())),
            scan=tuple(_entry(ScanHit, item) for item in data.get("scan", ())),
            deepfake=_entry(DeepfakeScores, data["deepfake"]) if data.get("deepfake") else None,
            enrollment=_entry(EnrollmentMatch, data["enrollment"]) if data.get("enrollment") else None,
            appeal=_entry(AppealEntry, data["appeal"]) if data.get("appeal") else None,
            escalations=tuple(_entry(Escalation, item) for item in data.get("escalations", ())),
            qa=_entry(QaReview, data["qa"]) if data.get("qa") else None,
        )


def _entry(kind, item: dict):
    """An entry from its JSON, ignoring keys it does not have (a newer writer's extras)."""
    known = {f.name for f in fields(kind)}
    return kind(**{key: value for key, value in item.items() if key in known})


def _from_unversioned(data: dict) -> dict:
    """The layout before versions: scan evidence inline in each hit (the same keys as ScanHit's fields),
    deepfake scores beside their frame count, the enrollment match flat at the top, and an appeal
    without its severity (0: the appeal case's own row keeps the copied severity)."""
    out = {key: data[key] for key in ("reports", "scan", "escalations") if key in data}
    if data.get("deepfake"):
        scores = {name: score for name, score in data["deepfake"].items() if name != "frames"}
        out["deepfake"] = {"scores": scores, "frames": data["deepfake"].get("frames", 0)}
    if "public_figure" in data:
        out["enrollment"] = {"cameo": data.get("cameo", ""), "owner": data.get("owner", ""),
                             "public_figure": data["public_figure"], "face_distance": data.get("face_distance", 0.0)}
    if data.get("appeal"):
        out["appeal"] = {"severity": 0.0, **data["appeal"]}
    return out
