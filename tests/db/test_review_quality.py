"""Quality control of reviewers' decisions on SQLite and PostgreSQL: with the sample at 100 %, every
decided case reaches a second reviewer who never sees the first decision; agreement (raw and Cohen's
kappa) on the dashboard equals scikit-learn's on the same decisions; disagreements go to an admin, whose
decision replaces the first."""
import pytest
from sklearn.metrics import cohen_kappa_score

from tests.db.test_moderation import reported
from workbench import OPERATOR, Conflict, Forbidden, InvalidInput, open_workbench
from workbench.safety.moderation import BLIND, sampled_for_review

pytestmark = pytest.mark.db

FIRST = ["keep", "remove", "label_ai", "keep", "age_restrict"]
SECOND = ["keep", "remove", "keep", "label_satire", "age_restrict"]


@pytest.fixture
def qa_world(people):
    """The people fixture, with every decision sampled for review and a second reviewer, rex."""
    settings = people.settings.model_copy(update={"review_qa_share": 1.0})
    wb = open_workbench(people.engine.url.render_as_string(hide_password=False), media_dir=people.media_dir,
                        settings=settings)
    wb.users.create(OPERATOR, "rex", role="reviewer")
    yield wb
    wb.close()


def test_a_decided_case_goes_blind_to_a_second_reviewer_and_kappa_matches_scikit_learn(qa_world):
    wb = qa_world
    cases = []
    for number, decision in enumerate(FIRST):
        clip, case = reported(wb, "ana", f"a lighthouse in a storm, take {number}", "spam", "ben", seed=number + 1)
        wb.moderation.claim("rita", case.id)
        wb.moderation.decide("rita", case.id, decision, f"first look {number}")
        cases.append((clip, case))
    reviews = {c.qa_of_id: c for c in wb.moderation.queue("rex") if c.qa_of_id is not None}
    assert set(reviews) == {case.id for _, case in cases}
    assert wb.moderation.claim("rita") is None  # the first decider never reviews their own decision
    # while the reviews are blind, a reviewer's dashboard counts no hidden decision (a count by decision
    # would give one away by elimination); an admin's counts them all
    assert wb.moderation.dashboard("rex").decisions_by_action == {}
    assert sum(wb.moderation.dashboard("ada").decisions_by_action.values()) == len(FIRST)

    for (clip, case), decision in zip(cases, SECOND):
        review = wb.moderation.claim("rex", reviews[case.id].id)
        assert review.evidence.qa is None and review.decision is None  # blind
        detail = wb.moderation.case("rex", review.id)
        assert detail.blind and detail.video.status == BLIND and detail.video.label is None
        assert detail.appeal_of is None and all(e.action != "case.decide" for e in detail.history)
        with pytest.raises(Forbidden, match="blind"):
            wb.moderation.case("rex", case.id)
        searched = wb.moderation.queue("rex", clip=clip.id, status="decided")
        assert [(c.id, c.decision, c.decided_by) for c in searched] == [(case.id, None, None)]  # no leak by search
        with pytest.raises(Conflict, match="quality review"):
            wb.moderation.appeal("ana", review.id, "appealing the review itself")
        wb.moderation.decide("rex", review.id, decision, "second look")

    board = wb.moderation.dashboard("ada")
    assert board.agreement.items == 5 and board.agreement.agreed == 3
    assert board.agreement.kappa == pytest.approx(cohen_kappa_score(FIRST, SECOND), abs=1e-4)
    assert board.agreement_by_category["spam"].kappa == board.agreement.kappa
    assert set(board.agreement_by_reviewer) == {"rita", "rex"}
    assert set(wb.moderation.dashboard("rex").agreement_by_reviewer) == {"rex"}  # a reviewer sees their own
    assert board.qa_disagreements == 2 and board.qa_pending == 0

    # the disagreements are an admin's: both decisions shown; the admin's, where it differs, replaces the first
    senior = {c.qa_of_id: c for c in wb.moderation.queue("ada") if c.qa_of_id is not None and c.status == "open"}
    assert set(senior) == {cases[2][1].id, cases[3][1].id}
    labelled_clip, labelled_case = cases[2]
    with pytest.raises(Forbidden, match="only a senior reviewer"):
        wb.moderation.claim("rex", senior[labelled_case.id].id)
    review = wb.moderation.claim("ada", senior[labelled_case.id].id)
    assert (review.evidence.qa.first_decision, review.evidence.qa.second_decision) == ("label_ai", "keep")
    with pytest.raises(InvalidInput, match="choose one"):
        wb.moderation.decide("ada", review.id, "escalate", "not sure")
    assert wb.videos.get("ana", labelled_clip.id).label == "ai_generated"
    wb.moderation.decide("ada", review.id, "keep", "not AI-looking enough to label")
    assert wb.videos.get("ana", labelled_clip.id).label is None
    corrected = wb.moderation.case("ada", labelled_case.id).case
    assert corrected.decision == "keep" and corrected.decided_by == "ada"
    assert any("no violation" in n.body.lower() for n in wb.notifications.list("ana") if n.case_id == labelled_case.id)
    kept_clip, kept_case = cases[3]
    review = wb.moderation.claim("ada", senior[kept_case.id].id)
    wb.moderation.decide("ada", review.id, "keep", "the first decision stands")
    assert wb.moderation.case("ada", kept_case.id).case.decision == "keep"
    assert wb.moderation.dashboard("ada").qa_disagreements == 0
    assert [c for c in wb.moderation.queue("ada") if c.qa_of_id is not None] == []  # no review of a review
    actions = {e.action for e in wb.moderation.audit_log("ada", action="qa.")}
    assert actions == {"qa.open", "qa.review"}


def test_the_review_sample_is_the_configured_share_and_cannot_be_foreseen():
    drawn = [sampled_for_review(0.1) for _ in range(5000)]
    assert 0.08 < sum(drawn) / len(drawn) < 0.12  # 10 % +- 2 points: over 6 standard deviations
    assert drawn != [sampled_for_review(0.1) for _ in range(5000)]  # not a function of anything a reviewer knows
    assert all(sampled_for_review(1.0) for _ in range(100)) and not any(sampled_for_review(0.0) for _ in range(100))


def test_neither_reviewer_settles_their_own_disagreement(qa_world):
    wb = qa_world
    wb.users.create(OPERATOR, "adam", role="admin")
    _, case = reported(wb, "ana", "a kite over a cliff", "spam", "ben")
    wb.moderation.claim("rita", case.id)
    wb.moderation.decide("rita", case.id, "keep", "fine")
    review = next(c for c in wb.moderation.queue("ada") if c.qa_of_id == case.id)
    wb.moderation.claim("ada", review.id)  # an admin as the second reviewer
    wb.moderation.decide("ada", review.id, "remove", "spam after all")
    with pytest.raises(Forbidden, match="decided the case this review is about"):
        wb.moderation.claim("ada", review.id)
    assert wb.moderation.claim("adam", review.id).id == review.id
    assert wb.moderation.dashboard("adam").qa_disagreements == 1
