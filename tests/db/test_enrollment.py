"""Enrolling a cameo through the public API: a random challenge, a clip, liveness, then verified,
failed, expired or held. The clips are synthetic people (workbench.faces.synthetic_enrollment)."""
import numpy as np
import pytest
from sqlalchemy import select, update

from workbench import Conflict, InvalidInput
from workbench.faces.alignment import detect_faces, synthetic_person
from workbench.media.codec import read_frames
from workbench.faces.gallery import PublicFigure
from workbench.faces.challenge import Challenge
from workbench.store.models import Cameo, User

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("liveness")]


#: digits and a voice the recogniser hears reliably, so these tests are reproducible (accuracy on
#: synthetic speech varies by voice and digits: BENCHMARKS.md measures it with random challenges)
RELIABLE_DIGITS, VOICE = "40917", "en-us+f5"


def start(wb, handle: str) -> Challenge:
    """Start an enrollment, then fix its digits (the moves stay as randomly issued)."""
    issued = wb.cameos.start_enrollment(handle)
    challenge = Challenge(issued.moves, RELIABLE_DIGITS, issued.issued_at, issued.expires_at)
    with wb.transaction() as session:
        cameo = session.scalar(select(Cameo).join(User, User.id == Cameo.owner_id).where(User.handle == handle))
        cameo.verification = {**cameo.verification, "challenge": challenge.as_dict()}
    return challenge


@pytest.fixture
def record(tmp_path, enrollment_clips):
    """record(challenge, **options): a synthetic enrollment clip answering the challenge, as uploaded bytes."""
    def make(challenge, **options) -> bytes:
        return enrollment_clips(tmp_path / "clip.mp4", challenge, voice=VOICE, **options).read_bytes()

    return make


def test_a_live_enrollment_verifies_the_cameo_and_it_can_be_used(people, record):
    challenge = start(people, "ana")
    assert people.cameos.mine("ana")[0].status == "pending"
    result = people.cameos.complete_enrollment("ana", record(challenge, person=0))
    assert result.status == "verified", result.failed
    cameo = people.cameos.mine("ana")[0]
    assert cameo.status == "verified" and cameo.reference_image.exists()
    with people.transaction() as session:
        kept = session.scalar(select(Cameo.verification))
    assert kept["method"] == "liveness" and {c["name"] for c in kept["checks"]} >= {"digits_heard", "one_identity"}
    clip = people.clips.create("ana", "ana on the beach", seed=1, duration_s=1.0, cameos=("ana",))
    assert len(detect_faces(read_frames(clip.media_file)[0])) == 1
    with pytest.raises(Conflict, match="already verified"):
        people.cameos.start_enrollment("ana")


def test_a_failed_clip_names_its_check_and_uses_up_the_challenge(people, record):
    challenge = start(people, "ben")
    result = people.cameos.complete_enrollment("ben", record(challenge, person=1, attack="wrong_digits"))
    assert result.status == "failed" and "digits_heard" in result.failed
    assert people.cameos.mine("ben")[0].status == "pending"
    with pytest.raises(InvalidInput, match="start an enrollment first"):
        people.cameos.complete_enrollment("ben", record(challenge, person=1))


def test_an_expired_challenge_is_refused(people, record):
    challenge = start(people, "ana")
    with people.transaction() as session:
        cameo = session.scalar(select(Cameo))
        stale = {**cameo.verification["challenge"], "expires_at": "2020-01-01T00:00:00+00:00"}
        session.execute(update(Cameo).values(verification={"challenge": stale}))
    assert people.cameos.complete_enrollment("ana", record(challenge)).status == "expired"
    assert people.cameos.mine("ana")[0].status == "pending"


def test_bad_uploads_fail_cleanly(people):
    people.cameos.start_enrollment("ana")
    with pytest.raises(InvalidInput, match="empty"):
        people.cameos.complete_enrollment("ana", b"")
    with pytest.raises(InvalidInput, match="limit"):
        people.cameos.complete_enrollment("ana", b"0" * (51 * 1024 * 1024))
    result = people.cameos.complete_enrollment("ana", b"not a video at all")
    assert result.status == "failed" and people.cameos.mine("ana")[0].status == "pending"


def test_a_public_figures_face_is_held_instead_of_verified(people, record):
    engine = people.faces
    face = synthetic_person(3)
    found = engine.detect(face)
    figure = PublicFigure("A Famous Person", (), "entertainer", None, None, 0)
    people.public_figures = people.public_figures.with_reference(figure, engine.embed(face, found[0]))  # as if shipped
    challenge = start(people, "ana")
    result = people.cameos.complete_enrollment("ana", record(challenge, person=3))
    assert result.status == "held"
    case = people.moderation.queue("rita")[0]
    assert case.source == "enrollment" and case.signals["public_figure"] == "A Famous Person"
    assert np.isfinite(case.signals["face_distance"])
