"""Cameos in generated clips: consent decides who may use one, and the person really appears (a
face detector finds them in the output). The faces are synthetic people (blends of the sample
photo's faces), never a real person's photo."""
import io

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update

from tests.helpers import media_files, row_counts
from workbench import Forbidden, InvalidInput, NotFound
from workbench.faces.alignment import detect_faces, sample_group_photo, synthetic_person
from workbench.media.codec import read_frames
from workbench.store.models import Cameo, CameoApproval, CameoPermission, CameoStatus, VideoCameo

pytestmark = pytest.mark.db


@pytest.fixture
def cameo_of_ana(people):
    """ana's verified person cameo, with a synthetic face as its reference image."""
    owner = people.users.get("ana")
    with people.transaction() as session:
        session.add(Cameo(owner_id=owner.id, handle="ana", display_name="Ana", status=CameoStatus.VERIFIED,
                          permission=CameoPermission.APPROVED, verification={"method": "test"}))
    png = io.BytesIO()
    Image.fromarray(synthetic_person(0)).save(png, format="PNG")
    people.cameos.set_reference_image("ana", "ana", png.getvalue())
    return people


def set_permission(wb, handle, permission):
    with wb.transaction() as session:
        session.execute(update(Cameo).where(Cameo.handle == handle).values(permission=permission))


def test_a_cameo_appears_where_a_face_detector_finds_it(cameo_of_ana):
    wb = cameo_of_ana
    clip = wb.clips.create("ana", "a walk in the park", seed=1, duration_s=2.0, cameos=("ana",))
    frames = read_frames(clip.media_file)
    found = [detect_faces(frames[i]) for i in (0, len(frames) // 2, len(frames) - 1)]
    assert all(len(faces) == 1 for faces in found)
    x, y = found[0][0].centre
    assert abs(x - 180) < 40 and abs(y - 0.36 * 640) < 60  # upper middle, where cameos stand
    without = wb.clips.create("ana", "a walk in the park", seed=1, duration_s=2.0)
    assert detect_faces(read_frames(without.media_file)[0]) == []
    with wb.transaction() as session:
        assert session.scalars(select(VideoCameo.video_id)).all() == [clip.id]


def test_consent_decides_who_may_use_a_cameo(cameo_of_ana):
    wb = cameo_of_ana
    before, files = row_counts(wb), media_files(wb.media_dir)
    with pytest.raises(Forbidden, match="not approved"):
        wb.clips.create("ben", "ben and ana dancing", cameos=("ana",))
    with pytest.raises(Forbidden, match="not approved"):
        wb.clips.submit("ben", "ben and ana dancing", cameos=("ana",))
    with pytest.raises(NotFound, match="no cameo @nobody"):
        wb.clips.create("ben", "a ghost", cameos=("nobody",))
    assert row_counts(wb) == before and media_files(wb.media_dir) == files

    ben = wb.users.get("ben")
    with wb.transaction() as session:
        session.add(CameoApproval(cameo_id=session.scalar(select(Cameo.id)), user_id=ben.id))
    assert [c.handle for c in wb.cameos.usable("ben")] == ["ana"]
    draft = wb.clips.create("ben", "ben and ana dancing", seed=2, duration_s=1.0, cameos=("ana",))
    assert wb.videos.get("ana", draft.id).status == "draft"  # the cameo owner sees the draft
    with pytest.raises(NotFound):
        wb.videos.get("tess", draft.id)

    set_permission(wb, "ana", CameoPermission.MUTUALS)
    with pytest.raises(Forbidden, match="mutual"):
        wb.clips.create("ben", "again", cameos=("ana",))
    wb.users.follow("ben", "ana")
    wb.users.follow("ana", "ben")
    assert wb.clips.create("ben", "again", seed=3, duration_s=1.0, cameos=("ana",)).id
    set_permission(wb, "ana", CameoPermission.ONLY_ME)
    with pytest.raises(Forbidden, match="only its owner"):
        wb.clips.create("ben", "again", cameos=("ana",))
    assert wb.cameos.usable("ben") == [] and [c.handle for c in wb.cameos.usable("ana")] == ["ana"]


def test_a_cameo_revoked_while_the_job_waits_stops_the_render(cameo_of_ana):
    wb = cameo_of_ana
    set_permission(wb, "ana", CameoPermission.EVERYONE)
    job = wb.clips._record_job("ben", "ben with ana", cameos=("ana",), duration_s=1.0)  # queued, not yet rendered
    set_permission(wb, "ana", CameoPermission.ONLY_ME)
    with pytest.raises(Forbidden):
        wb.clips.run_job(job.id)
    failed = wb.clips.job("ben", job.id)
    assert failed.status == "failed" and "only its owner" in failed.error
    assert not [p for p in media_files(wb.media_dir) if p.suffix == ".mp4"]


def test_reference_photos_must_show_exactly_one_face(cameo_of_ana):
    wb = cameo_of_ana
    current = wb.cameos.mine("ana")[0].reference_image
    group = sample_group_photo()
    with pytest.raises(InvalidInput, match="6 faces"):
        wb.cameos.set_reference_image("ana", "ana", group)
    with pytest.raises(InvalidInput, match="no face"):
        wb.cameos.set_reference_image("ana", "ana", np.full((200, 200, 3), 128, np.uint8))
    with pytest.raises(InvalidInput, match="not a readable image"):
        wb.cameos.set_reference_image("ana", "ana", b"\x89PNG\r\n\x1a\n this is not a png")
    with pytest.raises(InvalidInput, match="limit"):
        wb.cameos.set_reference_image("ana", "ana", b"0" * (11 * 1024 * 1024))
    with pytest.raises(Forbidden):
        wb.cameos.set_reference_image("ben", "ana", synthetic_person(1))
    assert wb.cameos.mine("ana")[0].reference_image == current
