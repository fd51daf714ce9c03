"""A cameo whose face matches a public figure is held for a reviewer instead of being verified."""
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
