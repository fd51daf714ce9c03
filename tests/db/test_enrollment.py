"""Enrolling a cameo through the public API: a random challenge, a clip, liveness, then verified,
failed, expired or held. The clips are synthetic people (workbench.faces.synthetic_enrollment)."""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sqlalchemy import select, update

from workbench import OPERATOR, Conflict, InvalidInput
from workbench.faces.alignment import detect_faces, synthetic_person
from workbench.faces.challenge import Challenge
from workbench.faces.gallery import PublicFigure
from workbench.media.codec import read_frames
from workbench.store.models import Cameo, User

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("liveness")]


#: digits and a voice the recogniser hears reliably, so these tests are reproducible (accuracy on
#: synthetic speech varies by voice and digits: BENCHMARKS.md measures it with random challenges)
RELIABLE_DIGITS, VOICE = "40917", "en-us+f5"


def start(wb, handle: str, moves: tuple[str, ...] | None = None) -> Challenge:
    """Start an enrollment, then fix its digits (and the moves, if given; else as randomly issued)."""
    issued = wb.cameos.start_enrollment(handle)
    challenge = Challenge(moves or issued.moves, RELIABLE_DIGITS, issued.issued_at, issued.expires_at)
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
    with pytest.raises(InvalidInput, match="not a video we can read") as refused:
        people.cameos.complete_enrollment("ana", b"not a video at all")
    assert "/" not in str(refused.value)  # no server path
    assert people.cameos.mine("ana")[0].status == "pending"


def test_a_public_figures_face_is_held_instead_of_verified(people, record):
    engine = people.models.faces
    face = synthetic_person(3)
    found = engine.detect(face)
    figure = PublicFigure("A Famous Person", (), "entertainer", None, None, 0)
    people.models.public_figures = people.models.public_figures.with_reference(figure, engine.embed(face, found[0]))  # as if shipped
    challenge = start(people, "ana")
    result = people.cameos.complete_enrollment("ana", record(challenge, person=3))
    assert result.status == "held"
    case = people.moderation.queue("rita")[0]
    assert case.source == "enrollment" and case.evidence.enrollment.public_figure == "A Famous Person"
    assert np.isfinite(case.evidence.enrollment.face_distance)


def test_two_enrollments_and_two_prompt_checks_in_threads_match_one_at_a_time(people, record):
    """Streamlit serves every browser session from one process and one Workbench: two people enrolling
    and two prompts checked at the same moment must come out as they do one at a time (the speech
    decoder, the face engine, the sentence model's tokenizer and the policy's caches are shared)."""
    wb = people
    for handle in ("cy", "dee"):
        wb.users.create(OPERATOR, handle)
    wb.rights.add_opt_out("holly", "Pikachu", description="a small yellow electric mouse with red cheeks")
    moves = wb.cameos.start_enrollment("cy").moves
    clips = {handle: record(start(wb, handle, moves), person=person)
             for handle, person in (("ana", 0), ("ben", 1), ("cy", 0), ("dee", 1))}
    prompts = [("ana", "a tiny yellow electric mouse with rosy cheeks zapping a tree"),
               ("ben", "a graphic gore scene, a dismembered bloody corpse in the rain")]

    def enrol(handle):
        result = wb.cameos.complete_enrollment(handle, clips[handle])
        return result.status, [(c.name, c.passed, repr(_rounded(c.evidence))) for c in result.checks]

    barrier = threading.Barrier(4)

    def at_once(task, *args):
        barrier.wait(timeout=60)
        return task(*args)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(at_once, enrol, "ana"), pool.submit(at_once, enrol, "ben"),
                   *(pool.submit(at_once, wb.prompt_policy.check, handle, prompt) for handle, prompt in prompts)]
        together = [future.result(timeout=300) for future in futures]
    alone = [enrol("cy"), enrol("dee"), *(wb.prompt_policy.check(handle, prompt) for handle, prompt in prompts)]

    for (status, checks), (status_alone, checks_alone) in zip(together[:2], alone[:2]):
        assert status == status_alone
        for check, check_alone in zip(checks, checks_alone, strict=True):
            assert check == check_alone
    assert together[2:] == alone[2:]
    assert [status for status, _ in together[:2]] == ["verified", "verified"]
    assert together[2].decision == "block" and together[3].decision != "allow"


def _rounded(value):
    """Evidence with floats to 5 places and without timings (the same clip gives the same checks)."""
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items() if not key.startswith("ms_") and not key.endswith("_ms")}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value
