"""The review queue on SQLite and PostgreSQL: claims under leases, decisions and their effects,
notifications, appeals to a different reviewer, escalation, reviewer wellness and the audit trail."""
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from tests.db.test_cameo_consent import add_person_cameo
from tests.db.test_safety import reencoded
from tests.helpers import row_counts
from workbench import OPERATOR, Conflict, Forbidden, InvalidInput, NotFound
from workbench.media.codec import read_frames
from workbench.store.models import ModerationCase, utcnow

pytestmark = pytest.mark.db


@pytest.fixture
def team(people):
    """The people fixture plus a second reviewer, rex."""
    people.users.create(OPERATOR, "rex", role="reviewer")
    return people


def clip_by(wb, author, prompt, seed=1, **options):
    return wb.clips.create(author, prompt, seed=seed, duration_s=1.0, publish=True, **options)


def reported(wb, author, prompt, reason, reporter, seed=1):
    clip = clip_by(wb, author, prompt, seed)
    return clip, wb.reports.report(reporter, clip.id, reason, "details from the reporter")


def in_feeds(wb, viewer, clip_id):
    """In the viewer's Following, or in a For You ranked now (a ranking kept while they scroll drops a
    clip that leaves at once, and takes one back, reinstated, when it is next ranked)."""
    ids = [item.video.id for tab in ("for_you", "following") for item in wb.feed.page(viewer, tab, now=utcnow())]
    return clip_id in ids


def test_reviewers_claim_different_cases_most_severe_first_and_decide_once(team):
    wb = team
    spam_clip, spam = reported(wb, "ana", "a cat juggling", "spam", "ben", seed=1)
    sexual_clip, sexual = reported(wb, "ana", "a dog dancing", "sexual", "ben", seed=2)
    first = wb.moderation.claim("rita")
    second = wb.moderation.claim("rex")
    assert (first.id, second.id) == (sexual.id, spam.id)
    assert first.claimed_by == "rita" and first.lease_expires_at > utcnow()
    assert wb.moderation.claim("rita").id == first.id  # a double click renews the same claim
    assert wb.moderation.claim("ada") is None  # nothing left
    with pytest.raises(Conflict, match="held by @rita"):
        wb.moderation.claim("ada", first.id)
    with pytest.raises(Conflict, match="you hold case"):
        wb.moderation.claim("rex", first.id)
    with pytest.raises(Conflict, match="held by @rita"):
        wb.moderation.decide("rex", first.id, "keep", "looks fine")
    with pytest.raises(InvalidInput, match="reason"):
        wb.moderation.decide("rita", first.id, "keep", "  ")
    with pytest.raises(InvalidInput, match="unknown action"):
        wb.moderation.decide("rita", first.id, "delete", "bad")
    decided = wb.moderation.decide("rita", first.id, "keep", "a dance, nothing sexual")
    assert decided.status == "decided" and decided.decided_by == "rita" and decided.decision == "keep"
    with pytest.raises(Conflict, match="already decided"):
        wb.moderation.decide("rita", first.id, "remove", "changed my mind")
    assert [c.id for c in wb.moderation.queue("rita")] == [spam.id]
    assert wb.videos.get("ben", sexual_clip.id).status == "published"


def test_a_non_reviewer_cannot_see_the_queue_or_decide(team):
    wb = team
    _, case = reported(wb, "ana", "a cat juggling", "spam", "ben")
    for outsider in ("ana", "holly", "tess"):
        for call in (lambda: wb.moderation.queue(outsider), lambda: wb.moderation.claim(outsider),
                     lambda: wb.moderation.decide(outsider, case.id, "remove", "x"),
                     lambda: wb.moderation.case(outsider, case.id), lambda: wb.moderation.dashboard(outsider),
                     lambda: wb.moderation.reveal(outsider, case.id), lambda: wb.moderation.preview(outsider, case.id)):
            with pytest.raises(Forbidden):
                call()
    with pytest.raises(Forbidden):
        wb.moderation.audit_log("rita")  # admins only
    with pytest.raises(NotFound):
        wb.moderation.claim("rita", 999_999)


def test_an_expired_lease_lets_another_reviewer_take_the_case(team):
    wb = team
    _, case = reported(wb, "ana", "a cat juggling", "spam", "ben")
    wb.moderation.claim("rita")
    with wb.transaction() as session:
        session.get(ModerationCase, case.id).lease_expires_at = utcnow() - timedelta(seconds=1)
    taken = wb.moderation.claim("rex")
    assert taken.id == case.id and taken.claimed_by == "rex"
    with pytest.raises(Conflict, match="held by @rex"):
        wb.moderation.decide("rita", case.id, "remove", "too late")
    released = wb.moderation.release("rex", case.id)
    assert released.status == "open" and released.claimed_by is None
    claims = [e for e in wb.moderation.audit_log("ada", target_type="case", target_id=case.id)]
    assert [(e.action, e.actor) for e in reversed(claims)] == [
        ("case.claim", "rita"), ("case.claim", "rex"), ("case.release", "rex")]
    assert claims[1].details["lease_expired_for"] == "rita"


def test_a_removed_clip_vanishes_everywhere_and_its_reupload_is_caught(team, tmp_path):
    wb = team
    add_person_cameo(wb, "tess", permission="everyone")
    wb.users.follow("ben", "ana")
    clip = clip_by(wb, "ana", "@tess riding a red fox through snow", seed=11, cameos=("tess",))
    assert in_feeds(wb, "ben", clip.id) and [v.id for v in wb.videos.search("ben", "red fox")] == [clip.id]
    case = wb.reports.report("holly", clip.id, "violent", "it bites")
    wb.moderation.claim("rita")
    wb.moderation.decide("rita", case.id, "remove", "graphic violence")
    assert not in_feeds(wb, "ben", clip.id) and wb.videos.search("ben", "red fox") == []
    with pytest.raises(NotFound):
        wb.videos.get("ben", clip.id)
    assert wb.videos.get("rita", clip.id).status == "removed"  # reviewers still see it
    with pytest.raises(Forbidden, match=f"repeats clip #{clip.id}"):
        wb.uploads.upload("ben", reencoded(clip.media_file, tmp_path, scale=0.5), caption="my fox")
    # the author, the cameo owner and the reporter hear of it, each in their own words (the cameo owner
    # heard first that the clip used her cameo)
    kinds = {handle: [(n.kind, n.case_id) for n in wb.notifications.list(handle)] for handle in ("ana", "tess", "holly")}
    assert kinds == {"ana": [("decision", case.id)], "tess": [("cameo_decision", case.id), ("cameo_use", None)],
                     "holly": [("report_outcome", case.id)]}
    assert "graphic violence" in wb.notifications.list("ana")[0].body and "appeal" in wb.notifications.list("ana")[0].body
    assert wb.notifications.unread_count("ana") == 1 and wb.notifications.mark_read("ana") == 1
    assert wb.notifications.unread_count("ana") == 0


def test_labels_and_age_restriction(team):
    wb = team
    satire, satire_case = reported(wb, "ana", "a cat giving a speech", "other", "ben", seed=1)
    adult, adult_case = reported(wb, "ana", "a dog in a boxing match", "violent", "ben", seed=2)
    for case, action in ((adult_case, "age_restrict"), (satire_case, "label_satire")):
        assert wb.moderation.claim("rita", case.id).id == case.id
        wb.moderation.decide("rita", case.id, action, "fine for adults" if action == "age_restrict" else "parody")
    assert wb.videos.get("ben", satire.id).label == "satire"
    assert wb.videos.get("ben", adult.id).age_restricted
    assert in_feeds(wb, "ben", adult.id) and not in_feeds(wb, "tess", adult.id)
    assert wb.videos.search("tess", "boxing") == [] and len(wb.videos.search("ben", "boxing")) == 1
    with pytest.raises(NotFound):
        wb.videos.get("tess", adult.id)
    with pytest.raises(NotFound):
        wb.videos.get(None, adult.id)


def test_suspension_and_an_appeal_decided_by_someone_else(team):
    wb = team
    clip, case = reported(wb, "ana", "a cat stealing a sandwich", "harassment", "ben")
    other = clip_by(wb, "ana", "a second clip by ana", seed=5)
    wb.moderation.claim("rita")
    wb.moderation.decide("rita", case.id, "suspend", "a pattern of harassment")
    assert wb.users.get("ana").suspended
    with pytest.raises(Forbidden, match="suspended"):
        clip_by(wb, "ana", "anything")
    assert not in_feeds(wb, "ben", other.id)  # a suspended creator's other clips leave the feeds too
    with pytest.raises(Forbidden, match="creator"):
        wb.moderation.appeal("ben", case.id, "not mine but unfair")
    appeal = wb.moderation.appeal("ana", case.id, "it was a joke between friends")  # suspended, yet heard
    assert appeal.source == "appeal" and appeal.appeal_of_id == case.id and "appeal" in appeal.categories
    with pytest.raises(Conflict, match="appealed once"):
        wb.moderation.appeal("ana", case.id, "again")
    assert wb.moderation.claim("rita") is None  # the first decider never gets the appeal
    with pytest.raises(Forbidden, match="another reviewer"):
        wb.moderation.claim("rita", appeal.id)
    assert wb.moderation.claim("rex").id == appeal.id
    detail = wb.moderation.case("rex", appeal.id)
    assert detail.appeal_of.decision == "suspend" and detail.case.evidence.appeal.statement.startswith("it was")
    wb.moderation.decide("rex", appeal.id, "keep", "a joke among friends, not harassment")
    assert not wb.users.get("ana").suspended
    assert wb.videos.get("ben", clip.id).status == "published" and in_feeds(wb, "ben", other.id)
    assert wb.notifications.list("ana")[0].kind == "appeal_decided"
    with pytest.raises(Conflict, match="final"):
        wb.moderation.appeal("ana", appeal.id, "once more")


def test_an_upheld_removal_stays_removed_and_keep_cannot_be_appealed(team):
    wb = team
    kept_clip, kept = reported(wb, "ana", "a cat juggling", "spam", "ben", seed=1)
    wb.moderation.claim("rita")
    wb.moderation.decide("rita", kept.id, "keep", "not spam")
    with pytest.raises(Conflict, match="cannot be appealed"):
        wb.moderation.appeal("ana", kept.id, "why was I reported")
    removed_clip, removed = reported(wb, "ana", "a dog juggling", "spam", "ben", seed=2)
    wb.moderation.claim("rita")
    wb.moderation.decide("rita", removed.id, "remove", "spam")
    appeal = wb.moderation.appeal("ana", removed.id, "it is art")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "remove", "still spam")
    assert wb.videos.get("rita", removed_clip.id).status == "removed"
    assert "upheld" in wb.notifications.list("ana")[0].body


def test_escalated_cases_go_to_admins(team):
    wb = team
    _, case = reported(wb, "ana", "a cat juggling", "likeness", "ben")
    wb.moderation.claim("rita")
    escalated = wb.moderation.decide("rita", case.id, "escalate", "looks like a real politician")
    assert escalated.status == "open" and escalated.tier == "senior"
    assert wb.moderation.queue("rex") == [] and wb.moderation.claim("rex") is None
    with pytest.raises(Forbidden, match="senior"):
        wb.moderation.claim("rex", case.id)
    assert [c.id for c in wb.moderation.queue("ada")] == [case.id]
    assert wb.moderation.claim("ada").id == case.id
    with pytest.raises(InvalidInput, match="already with senior"):
        wb.moderation.decide("ada", case.id, "escalate", "again")
    assert wb.moderation.decide("ada", case.id, "remove", "impersonation").decision == "remove"


def test_reviewers_never_get_cases_about_themselves(team):
    wb = team
    _, case = reported(wb, "rita", "a cat juggling", "spam", "ben")
    assert wb.moderation.claim("rita") is None
    with pytest.raises(Forbidden, match="your own"):
        wb.moderation.claim("rita", case.id)
    assert wb.moderation.claim("rex").id == case.id


def test_a_held_cameo_is_offered_to_a_reviewer_who_has_clips_of_their_own(team):
    """A case about a cameo has no clip: the conflict-of-interest test must not turn its NULL clip into
    "about your own clip" (in SQL, NULL IN (...) is NULL, and NOT NULL excluded the case from the queue
    of every reviewer who had made a clip, while a claim by id let it through)."""
    wb = team
    clip_by(wb, "rita", "rita's own clip")
    cameo = wb.cameos.create_character("ana", "otto", "Otto the otter", visibility="everyone")
    with wb.transaction() as session:
        session.add(ModerationCase(cameo_id=cameo.id, source="enrollment", severity=0.9, signals={}))
    claimed = wb.moderation.claim("rita")
    assert claimed is not None and claimed.cameo_id == cameo.id


def test_a_removed_clip_takes_no_engagement_from_anyone_who_can_still_see_it(team):
    """Its author, reviewers and admins still see a removed clip; none of them can like, comment,
    watch or report it, and a report does not open a new case about it (issue 17, item 10)."""
    wb = team
    clip = clip_by(wb, "ana", "a kite over the dunes")
    wb.videos.remove("ada", clip.id, reason="spam")
    for person in ("ana", "rita", "ada"):
        assert wb.videos.get(person, clip.id).id == clip.id
        before = row_counts(wb)
        for attempt in (lambda: wb.videos.like(person, clip.id), lambda: wb.videos.comment(person, clip.id, "hi"),
                        lambda: wb.videos.watch(person, clip.id, 1.0),
                        lambda: wb.reports.report(person, clip.id, "spam")):
            with pytest.raises(Conflict, match="was removed"):
                attempt()
        assert row_counts(wb) == before
    with pytest.raises(NotFound):  # and to everyone else it is simply gone
        wb.videos.like("ben", clip.id)


def test_another_persons_cameo_shows_neither_its_approvals_nor_its_likeness(team):
    wb = team
    add_person_cameo(wb, "ana", "approved")
    wb.cameos.approve("ana", "ana", "ben")
    reference = np.asarray(Image.new("RGB", (112, 112), (200, 150, 120)))
    with wb.transaction() as session:
        from workbench.cameo.service import store_reference_image
        from workbench.store.models import Cameo

        cameo = session.query(Cameo).filter_by(handle="ana").one()
        cameo.reference_image_path = store_reference_image(reference, wb.media_dir)[0]
    own = wb.cameos.get("ana", "ana")
    assert own.approved == ("ben",) and own.reference_image is not None
    for viewer in ("ben", "tess", "rita"):
        seen = wb.cameos.get(viewer, "ana")
        assert seen.approved == () and seen.reference_image is None and seen.status == own.status
    assert all(c.approved == () and c.reference_image is None for c in wb.cameos.usable("ben") if c.owner != "ben")


def test_the_case_view_has_what_a_decision_needs(team):
    wb = team
    add_person_cameo(wb, "tess", permission="everyone")
    parent = clip_by(wb, "ben", "a cat on a skateboard", seed=1)
    clip = wb.clips.remix("ana", parent.id, "with @tess riding along", cameos=("tess",), duration_s=1.0,
                          publish=True)
    child = wb.clips.remix("ben", clip.id, "now in the rain", duration_s=1.0, publish=True)
    case = wb.reports.report("holly", clip.id, "likeness", "that is not tess")
    detail = wb.moderation.case("rita", case.id)
    assert [v.id for v in detail.lineage] == [parent.id, clip.id] and detail.video.id == clip.id
    assert [v.id for v in detail.remixes] == [child.id]
    assert [(c.handle, c.owner, c.granted) for c in detail.cameos] == [("tess", "tess", True)]
    assert [(r.reason, r.reporter, r.details) for r in detail.reports] == [("likeness", "holly", "that is not tess")]
    # signed by this installation, so trusted: a reviewer read "signed by a key not trusted here" of
    # every clip the platform itself had made (the case view verified without the installation's root)
    assert detail.provenance["state"] == "Trusted" and detail.provenance["ai_generated"]
    assert [e.action for e in detail.history] == []
    wb.moderation.claim("rita")
    assert [e.action for e in wb.moderation.case("rita", case.id).history] == ["case.claim"]


def test_media_is_blurred_until_revealed_and_reveals_are_counted(team):
    wb = team
    clip, case = reported(wb, "ana", "a knight in a sword fight", "violent", "ben")
    strip = Image.open(io.BytesIO(wb.moderation.preview("rita", case.id)))
    assert strip.mode == "L" and strip.width > strip.height
    frame = np.asarray(Image.fromarray(read_frames(clip.media_file)[0]).convert("L").resize((160, 284)), float)
    tile = np.asarray(strip.crop((0, 0, 160, strip.height)), float)

    def detail(pixels):  # mean absolute difference between neighbours: what a blur removes
        return np.abs(np.diff(pixels, axis=1)).mean()

    assert detail(tile) < 0.25 * detail(frame)
    assert wb.moderation.dashboard("rita").exposure_today == {}
    assert wb.moderation.reveal("rita", case.id).media_file == clip.media_file
    wb.moderation.reveal("rex", case.id)
    assert wb.moderation.dashboard("rita").exposure_today == {"rita": {"clips": 1, "violent": 1}}
    assert set(wb.moderation.dashboard("ada").exposure_today) == {"rita", "rex"}
    reveals = wb.moderation.audit_log("ada", action="case.reveal")
    assert {(e.actor, e.target_id) for e in reveals} == {("rita", case.id), ("rex", case.id)}


def test_the_dashboard_counts_backlog_and_time_to_decision(team):
    wb = team
    cases = [reported(wb, "ana", f"a cat number {i}", "spam", "ben", seed=i)[1] for i in range(3)]
    board = wb.moderation.dashboard("rita")
    assert (board.open, board.claimed, board.time_to_decision_p50_s) == (3, 0, None)
    wb.moderation.claim("rita")
    wb.moderation.decide("rita", cases[0].id, "remove", "spam")
    wb.moderation.claim("rita")
    board = wb.moderation.dashboard("rita")
    assert (board.open, board.claimed, board.decided_last_24h) == (1, 1, 1)
    assert board.decisions_by_action == {"remove": 1} and board.time_to_decision_p50_s >= 0
    assert board.backlog_by_source == {"report": 2} and board.oldest_open_hours is not None


def test_a_burst_of_claims_gives_every_reviewer_a_different_case(team):
    wb = team
    reviewers = [f"rev{i}" for i in range(6)]
    for handle in reviewers:
        wb.users.create(OPERATOR, handle, role="reviewer")
    clip = clip_by(wb, "ana", "a cat juggling")
    with wb.transaction() as session:
        for i in range(len(reviewers) - 2):
            session.add(ModerationCase(video_id=clip.id, source="report", severity=float(i), signals={}))
    with ThreadPoolExecutor(max_workers=len(reviewers)) as pool:
        claims = list(pool.map(wb.moderation.claim, reviewers))
    taken = [c.id for c in claims if c is not None]
    assert len(taken) == len(set(taken)) == len(reviewers) - 2 and claims.count(None) == 2
    # a double-clicked decision is taken once
    holder = next(r for r, c in zip(reviewers, claims) if c is not None)
    case_id = next(c.id for r, c in zip(reviewers, claims) if r == holder)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(wb.moderation.decide, holder, case_id, "keep", "fine") for _ in range(4)]
    outcomes = [f.exception() for f in futures]
    assert sum(o is None for o in outcomes) == 1 and all(isinstance(o, Conflict) for o in outcomes if o)
    assert len(wb.moderation.audit_log("ada", action="case.decide", target_id=case_id)) == 1


def test_search_finds_published_clips_by_caption_prompt_and_author(team):
    wb = team
    fox = clip_by(wb, "ana", "a red fox in the snow", seed=1)
    clip_by(wb, "ben", "a blue whale", seed=2)
    draft = wb.clips.create("ana", "a red fox asleep", seed=3, duration_s=1.0)
    assert [v.id for v in wb.videos.search("tess", "RED fox")] == [fox.id]
    assert [v.author for v in wb.videos.search("tess", "@ben")] == ["ben"]
    assert draft.id not in [v.id for v in wb.videos.search("ana", "fox")]
    assert wb.videos.search("tess", "100%_") == []
    with pytest.raises(InvalidInput):
        wb.videos.search("tess", "   ")


def test_a_case_about_a_clip_can_take_its_character_cameo_out_of_use_and_an_appeal_restores_it(team):
    """Issue 17, item 3: after a reviewer removed a clip using a character, the character stayed live
    and the case offered no action on it."""
    wb = team
    wb.cameos.create_character("holly", "pip", "Pip", visibility="everyone")
    clip = clip_by(wb, "ana", "pip juggling fish", cameos=("pip",))
    case = wb.reports.report("ben", clip.id, "copyright", "not theirs")
    assert wb.videos.get("ana", clip.id).status == "published"
    wb.moderation.claim("rita", case.id)
    wb.moderation.decide("rita", case.id, "hold_characters", "pip is someone else's character")
    assert wb.videos.get("ana", clip.id).status == "removed"
    assert wb.cameos.get("holly", "pip").status == "held"
    with pytest.raises(Forbidden, match="held"):
        clip_by(wb, "ben", "pip surfing", cameos=("pip",))
    held = [c for c in wb.moderation.queue("rex") if c.video_id is None]
    assert len(held) == 1 and "clip #" in held[0].evidence.enrollment.detail  # a reviewer decides the character
    appeal = wb.moderation.appeal("ana", case.id, "pip is mine to use")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "keep", "the owner granted it")
    assert wb.videos.get("ben", clip.id).status == "published" and wb.cameos.get("holly", "pip").status == "verified"


def test_a_case_acts_on_the_cameo_it_is_about_and_its_owner_may_appeal(team):
    """Issue 19, item 3: suspend a cameo in the clip, or send it back to enrollment, through the cameo's
    own transitions, audited, undone on appeal by its owner; suspend the creator alone."""
    wb = team
    add_person_cameo(wb, "ben", permission="everyone")
    clip = clip_by(wb, "ana", "@ben waving on a pier", cameos=("ben",))
    case = wb.reports.report("tess", clip.id, "harassment", "mocking")
    wb.moderation.claim("rita", case.id)
    with pytest.raises(InvalidInput, match="name the cameo"):
        wb.moderation.decide("rita", case.id, "suspend_cameo", "misused")
    with pytest.raises(InvalidInput, match="not a cameo in clip"):
        wb.moderation.decide("rita", case.id, "suspend_cameo", "misused", cameo="ana")
    wb.moderation.decide("rita", case.id, "suspend_cameo", "this likeness is being misused", cameo="@ben")
    suspended = wb.cameos.get("ben", "ben")
    assert suspended.status == "held" and suspended.held_because == "suspended by a reviewer: this likeness is being misused"
    with pytest.raises(Forbidden):
        clip_by(wb, "ana", "@ben at the fair", cameos=("ben",), seed=2)
    with pytest.raises(Forbidden, match="only the creator"):
        wb.moderation.appeal("tess", case.id, "not mine but still")
    with pytest.raises(Forbidden):  # the decision acted against ben's cameo, not against ana
        wb.moderation.appeal("ana", case.id, "let me use it")
    told = {n.kind: n.body for n in wb.notifications.list("ben") if n.case_id == case.id}
    assert "You may appeal" in told["decision"] and "@ben" in told["decision"]
    assert "appeal" not in next(n.body for n in wb.notifications.list("ana") if n.case_id == case.id)
    appeal = wb.moderation.appeal("ben", case.id, "it is my cameo and I am fine with it")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "keep", "the owner consents")
    assert wb.cameos.get("ben", "ben").status == "verified"
    assert any(n.kind == "appeal_decided" for n in wb.notifications.list("ben"))  # the one who appealed hears

    second = clip_by(wb, "ana", "@ben dancing in the rain", cameos=("ben",), seed=3)
    case = wb.reports.report("tess", second.id, "likeness", "is that really him?")
    wb.moderation.claim("rita", case.id)
    wb.moderation.decide("rita", case.id, "reverify_cameo", "the face does not look like the enrolled one",
                         cameo="ben")
    assert wb.cameos.get("ben", "ben").status == "pending"  # he passes the liveness check again
    appeal = wb.moderation.appeal("ben", case.id, "it is me")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "keep", "matches after all")
    assert wb.cameos.get("ben", "ben").status == "verified"

    third = clip_by(wb, "ana", "a quiet harbour at dusk", seed=4)
    case = wb.reports.report("tess", third.id, "spam", "spam account")
    wb.moderation.claim("rita", case.id)
    wb.moderation.decide("rita", case.id, "suspend_account", "a spam account")
    assert wb.users.get("ana").suspended and wb.videos.get("rita", third.id).status == "published"
    steps = [(e.action, e.details.get("decision")) for e in wb.moderation.audit_log("ada", action="case.decide")]
    assert ("case.decide", "suspend_account") in steps and ("case.decide", "reverify_cameo") in steps


def test_the_queue_is_searched_by_clip_creator_cameo_owner_category_source_status_and_age(team):
    wb = team
    add_person_cameo(wb, "ben", permission="everyone")
    spam_clip, spam = reported(wb, "ana", "a cat juggling", "spam", "tess", seed=1)
    cameo_clip = clip_by(wb, "tess", "@ben on a swing", seed=2, cameos=("ben",))
    likeness = wb.reports.report("ana", cameo_clip.id, "likeness", "odd")
    ids = lambda **filters: [c.id for c in wb.moderation.queue("rita", **filters)]  # noqa: E731
    assert set(ids()) == {spam.id, likeness.id}
    assert ids(clip=spam_clip.id) == [spam.id]
    assert ids(creator="tess") == [likeness.id]
    assert ids(cameo_owner="ben") == [likeness.id]
    assert ids(category="spam") == [spam.id] and ids(category="likeness") == [likeness.id]
    assert set(ids(source="report")) == {spam.id, likeness.id} and ids(source="scan") == []
    assert ids(min_age_hours=1) == []
    wb.moderation.claim("rita", spam.id)
    assert ids(status="claimed") == [spam.id] and ids(status="open") == [likeness.id]
    wb.moderation.decide("rita", spam.id, "keep", "fine")
    assert ids(status="decided") == [spam.id] and ids() == [likeness.id]
    with pytest.raises(InvalidInput, match="unknown status"):
        wb.moderation.queue("rita", status="closed")
    with pytest.raises(NotFound):
        wb.moderation.queue("rita", creator="nobody_here")


def test_a_character_sent_back_for_verification_is_held_with_a_case_and_restored_on_appeal(team):
    wb = team
    wb.cameos.create_character("holly", "pip", "Pip", visibility="everyone")
    clip = clip_by(wb, "ana", "pip juggling fish", cameos=("pip",))
    case = wb.reports.report("ben", clip.id, "copyright", "is this really theirs?")
    wb.moderation.claim("rita", case.id)
    wb.moderation.decide("rita", case.id, "reverify_cameo", "check the character again", cameo="pip")
    assert wb.cameos.get("holly", "pip").status == "held"
    assert wb.videos.get("ana", clip.id).status == "published"  # the clip stays; the character is out of use
    [held] = [c for c in wb.moderation.queue("rex") if c.video_id is None]
    assert "verified again" in held.evidence.enrollment.detail
    appeal = wb.moderation.appeal("holly", case.id, "Pip is ours and registered")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "keep", "registered character")
    assert wb.cameos.get("holly", "pip").status == "verified"


def test_a_held_enrollment_sent_back_to_enrollment_is_held_again_on_appeal(team):
    from workbench.safety.evidence import EnrollmentMatch, Evidence
    from workbench.states import cameos as cameo_states
    from workbench.store.models import Cameo, CaseSource

    wb = team
    add_person_cameo(wb, "ben", permission="everyone")
    wb.cameos.create_character("holly", "pip", "Pip", visibility="everyone")
    with wb.transaction() as session:
        for handle in ("ben", "pip"):
            cameo = session.scalar(select(Cameo).where(Cameo.handle == handle))
            cameo_states.hold(session, cameo)
            session.add(ModerationCase(cameo_id=cameo.id, source=CaseSource.ENROLLMENT, signals=Evidence(
                enrollment=EnrollmentMatch(handle, "ben", "Taylor Swift", 0.3)).to_json()))
    held = {c.evidence.enrollment.cameo: c for c in wb.moderation.queue("rita") if c.video_id is None}
    wb.moderation.claim("rita", held["pip"].id)
    with pytest.raises(InvalidInput, match="character"):
        wb.moderation.decide("rita", held["pip"].id, "reverify_cameo", "enroll again")
    wb.moderation.release("rita", held["pip"].id)
    wb.moderation.claim("rita", held["ben"].id)
    wb.moderation.decide("rita", held["ben"].id, "reverify_cameo", "the recording was too dark to tell")
    assert wb.cameos.get("ben", "ben").status == "pending"
    appeal = wb.moderation.appeal("ben", held["ben"].id, "I can prove it is me")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "keep", "it is him")
    assert wb.cameos.get("ben", "ben").status == "verified"
