"""A cameo whose face matches a public figure is held for a reviewer instead of being verified."""
import numpy as np
import pytest

from workbench import OPERATOR, Forbidden, InvalidInput
from workbench.faces.alignment import synthetic_person
from workbench.faces.gallery import load_gallery, reference_photo
from workbench.store.models import Cameo, CameoStatus

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("faces")]


@pytest.fixture
def ana_cameo(people):
    with people.transaction() as session:
        session.add(Cameo(owner_id=people.users.get("ana").id, handle="ana", display_name="Ana",
                          status=CameoStatus.VERIFIED, verification={"method": "test"}))
    people.cameos.set_permission("ana", "ana", "everyone")
    return people


def test_the_gallery_ships_names_and_reference_faces():
    gallery = {figure.name: figure for figure in load_gallery()}
    assert "Tom Hanks" in gallery and "Thomas Jeffrey Hanks" in gallery["Tom Hanks"].aliases
    assert reference_photo(gallery["Tom Hanks"]).shape[2] == 3


def test_a_public_figures_face_is_held_for_review(ana_cameo):
    wb = ana_cameo
    tom_hanks = reference_photo(next(f for f in load_gallery() if f.name == "Tom Hanks"))
    held = wb.cameos.set_reference_image("ana", "ana", tom_hanks)
    assert held.status == "held"
    queue = wb.moderation.queue("rita")
    assert len(queue) == 1 and queue[0].source == "enrollment" and queue[0].video_id is None
    assert queue[0].evidence.enrollment.public_figure == "Tom Hanks" and queue[0].evidence.enrollment.face_distance < 0.4
    with pytest.raises(Forbidden, match="held"):
        wb.clips.create("ben", "ben with ana", cameos=("ana",))


def test_an_ordinary_face_is_not_held(ana_cameo):
    wb = ana_cameo
    assert wb.cameos.set_reference_image("ana", "ana", synthetic_person(2)).status == "verified"
    assert wb.moderation.queue("rita") == []


def test_a_held_enrollment_is_verified_or_rejected_and_appealed(ana_cameo):
    wb = ana_cameo
    wb.users.create(OPERATOR, "rex", role="reviewer")
    tom_hanks = reference_photo(next(f for f in load_gallery() if f.name == "Tom Hanks"))
    assert wb.cameos.set_reference_image("ana", "ana", tom_hanks).status == "held"
    case = wb.moderation.claim("rita")
    assert case.source == "enrollment" and "public_figure_enrollment" in case.categories
    detail = wb.moderation.case("rita", case.id)
    assert detail.video is None and detail.cameo_reference.exists()
    with pytest.raises(InvalidInput, match="enrollment"):
        wb.moderation.decide("rita", case.id, "label_ai", "no clip to label")
    wb.moderation.decide("rita", case.id, "remove", "this is a public figure's face")
    assert wb.cameos.get("ana", "ana").status == "revoked"
    assert wb.notifications.list("ana")[0].kind == "decision"
    appeal = wb.moderation.appeal("ana", case.id, "I only look like him")
    wb.moderation.claim("rex", appeal.id)
    wb.moderation.decide("rex", appeal.id, "keep", "a lookalike, and the liveness check passed")
    assert wb.cameos.get("ana", "ana").status == "verified"


def test_a_character_made_from_a_real_persons_photo_is_held_not_verified(ana_cameo):
    """Issue 17, item 3: a character cameo from scikit-image's astronaut photo (Eileen Collins, in the
    gallery) was verified at once and usable by everyone."""
    from skimage.data import astronaut

    wb = ana_cameo
    made = wb.cameos.create_character("ben", "space_commander", "Space Commander", visibility="everyone",
                                      image=astronaut())
    assert made.status == "held"
    assert made.held_because == "the picture shows the face of the public figure Eileen Collins"  # said to its owner
    assert "space_commander" not in [c.handle for c in wb.cameos.usable("tess")]
    with pytest.raises(Forbidden, match="held"):
        wb.clips.create("tess", "the commander waving", cameos=("space_commander",), duration_s=1.0)
    case = next(c for c in wb.moderation.queue("rita") if c.evidence.enrollment is not None)
    assert case.source == "enrollment" and case.evidence.enrollment.public_figure == "Eileen Collins"
    assert "character_human_face" not in case.categories and "public_figure_enrollment" in case.categories
    wb.moderation.claim("rita", case.id)
    wb.moderation.decide("rita", case.id, "remove", "a real astronaut's photo is not a character.")
    assert wb.cameos.get("ben", "space_commander").status == "revoked"
    # the owner reads what happened to the cameo: there was no clip to remove
    message = wb.notifications.list("ben")[0].body
    assert "Reject the cameo" in message and "Remove the clip" not in message and ".." not in message, message


def test_a_character_wearing_an_enrolled_persons_face_is_refused(ana_cameo):
    from workbench.faces.alignment import distinct_person

    wb = ana_cameo
    wb.cameos.set_reference_image("ana", "ana", distinct_person(0))
    portrait = np.pad(distinct_person(0), ((96, 96), (96, 96), (0, 0)), mode="edge")
    pip = wb.cameos.create_character("ben", "pip", "Pip", visibility="everyone")
    with pytest.raises(Forbidden, match="@ana"):
        wb.cameos.set_reference_image("ben", "pip", portrait)
    assert wb.cameos.get("ben", "pip").reference_image is None and wb.cameos.get("ben", "pip").status == "verified"
    # her own face is hers to use as a character
    mine = wb.cameos.create_character("ana", "ana_toon", "Ana the toon", image=portrait)
    assert mine.status == "verified"
    assert pip.status == "verified"


def test_a_character_with_a_face_nobody_enrolled_waits_for_a_reviewer_and_a_pets_does_not(ana_cameo):
    from skimage.data import chelsea

    wb = ana_cameo
    stranger = np.pad(synthetic_person(5), ((96, 96), (96, 96), (0, 0)), mode="edge")
    held = wb.cameos.create_character("ben", "mystery_man", "Mystery Man", visibility="everyone", image=stranger)
    assert held.status == "held"
    case = next(c for c in wb.moderation.queue("rita") if c.evidence.enrollment is not None)
    assert "no one enrolled" in case.evidence.enrollment.detail and "character_human_face" in case.categories
    cat = wb.cameos.create_character("ben", "chelsea_the_cat", "Chelsea", visibility="everyone", image=chelsea())
    assert cat.status == "verified"  # RetinaFace finds a "face" in the cat at 0.63; a person's scores over 0.9
