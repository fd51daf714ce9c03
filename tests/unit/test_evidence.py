"""A case's typed evidence: versioned JSON that round-trips, cases written before versions still read,
and the one severity rule."""
import pytest

from workbench.safety.evidence import (
    AppealEntry,
    DeepfakeScores,
    EnrollmentMatch,
    Escalation,
    Evidence,
    ReportEntry,
    ScanHit,
)


def test_every_entry_round_trips_through_json() -> None:
    evidence = Evidence(
        reports=(ReportEntry("likeness", "ana", own_likeness=True), ReportEntry("spam", "ben")),
        scan=(ScanHit("reupload_of_removed", "repeats clip #3", video_id=3, fraction=0.9, median_distance=12.0,
                      transform="flip", evidence_file="evidence/x.mp4", uploader="cy", provenance={"state": "Valid"}),
              ScanHit("prompt_review", "the prompt was sent to review", reason={"code": "violence"})),
        deepfake=DeepfakeScores({"frequency": 0.91, "temporal": 0.2}, 6),
        enrollment=EnrollmentMatch("dee", "dee", "Tom Hanks", 0.31),
        appeal=AppealEntry("ana", "it was satire", "remove", "graphic", 1.2),
        escalations=(Escalation("rita", "needs a senior"),))
    stored = evidence.to_json()
    assert stored["version"] == 1
    assert Evidence.from_json(stored) == evidence


def test_a_case_written_before_versions_reads_the_same() -> None:
    old = {"reports": [{"reason": "violent", "reporter": "ana", "own_likeness": False}],
           "scan": [{"kind": "face_without_consent", "detail": "shows @ben", "cameo": "ben", "distance": 0.3}],
           "deepfake": {"frequency": 0.8, "blending": 0.1, "frames": 5},
           "public_figure": "Tom Hanks", "face_distance": 0.2, "cameo": "dee", "owner": "dee",
           "appeal": {"by": "ana", "statement": "no", "decision": "remove", "reason": "r"},
           "escalations": [{"by": "rita", "reason": "hard"}]}
    evidence = Evidence.from_json(old)
    assert evidence.reports == (ReportEntry("violent", "ana"),)
    assert evidence.scan[0].cameo == "ben" and evidence.scan[0].distance == 0.3
    assert evidence.deepfake == DeepfakeScores({"frequency": 0.8, "blending": 0.1}, 5)
    assert evidence.enrollment == EnrollmentMatch("dee", "dee", "Tom Hanks", 0.2)
    assert evidence.appeal.statement == "no" and evidence.escalations == (Escalation("rita", "hard"),)
    assert Evidence.from_json({}) == Evidence() and Evidence.from_json(None) == Evidence()


def test_evidence_from_a_newer_workbench_is_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        Evidence.from_json({"version": 99})


def test_severity_is_the_worst_part() -> None:
    assert Evidence().severity() == 0.0
    assert Evidence(reports=(ReportEntry("spam", "a"),)).severity() == 0.2
    two = Evidence(reports=(ReportEntry("spam", "a"), ReportEntry("violent", "b")))
    assert two.severity() == pytest.approx(0.8 + 0.1)  # the worst reason, a little more per extra reporter
    own = Evidence(reports=(ReportEntry("likeness", "a", own_likeness=True),))
    assert own.severity() == pytest.approx(1.9)  # a person's own likeness goes to the top
    scanned = two.with_scan([ScanHit("face_without_consent", "x", cameo="c")])
    assert scanned.severity() == 1.5 and scanned.categories() == ("face_without_consent", "spam", "violent")
    assert Evidence(enrollment=EnrollmentMatch("d", "d", "T", 0.1)).severity() == 0.9
    assert Evidence(appeal=AppealEntry("a", "s", "remove", "r", 1.2)).severity() == 1.2
