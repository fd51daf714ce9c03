"""Whose face a clip shows: a face is its one nearest enrolled identity (issue 17, item 1)."""
import io
from itertools import combinations

import numpy as np
from PIL import Image

import pytest
from sqlalchemy import select

from tests.db.test_cameo_consent import add_person_cameo
from tests.db.test_safety import LeakyBackend
from workbench import open_workbench
from workbench.faces.alignment import distinct_person, synthetic_person
from workbench.safety.cases import evidence_of
from workbench.safety.scan import reference_embedding
from workbench.store.models import Cameo, CameoKind, ModerationCase, Video, VideoCameo

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def world(tmp_path_factory, demo_world):
    wb = open_workbench(data_dir=demo_world(tmp_path_factory.mktemp("faces-world"), clips=8))
    yield wb
    wb.close()


def test_the_demo_peoples_faces_are_told_apart_and_their_own_cameos_are_not_held(world):
    """@ana's own cameo clip was held as "shows the face of @ben / @dev / @gia / @jamal without their
    grant": the demo's people were blends of the same six faces (0.23-0.48 apart, threshold 0.4) and a
    face was matched against every enrolled identity at once."""
    wb = world
    engine = wb.models.faces
    with wb.transaction() as session:
        references = {cameo.handle: wb.media_dir / cameo.reference_image_path
                      for cameo in session.scalars(select(Cameo).where(Cameo.kind == CameoKind.PERSON))}
    assert len(references) == 5
    vectors = {handle: reference_embedding(engine, path) for handle, path in references.items()}
    for (a, va), (b, vb) in combinations(vectors.items(), 2):
        assert engine.distance(va, vb) > engine.threshold, (a, b)

    own = wb.clips.create("ana", "waving hello on a sunny beach", cameos=("ana",), seed=7, duration_s=2.0,
                          publish=True)
    assert own.held_reason is None and own.status == "published"
    granted = wb.clips.create("chloe", "@ana waving hello on a sunny beach", cameos=("ana",), seed=8,
                              duration_s=2.0, publish=True)
    assert granted.held_reason is None and granted.status == "published"
    with wb.transaction() as session:  # the demo world itself: no clip held for a face it was granted
        for case in session.scalars(select(ModerationCase).where(ModerationCase.video_id.is_not(None))):
            granted_handles = set(session.scalars(select(Cameo.handle).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                                                  .where(VideoCameo.video_id == case.video_id)))
            assert not [hit for hit in evidence_of(case).scan
                        if hit.kind == "face_without_consent" and hit.cameo in granted_handles]


def test_a_face_nobody_granted_is_held_as_the_one_person_it_is(people):
    """The other side: the face of someone who granted nothing still holds the clip, named once, with
    the distance and the margin to the next enrolled identity a reviewer checks."""
    wb = people
    for index, handle in enumerate(("ana", "ben")):
        add_person_cameo(wb, handle, permission="everyone")
        wb.cameos.set_reference_image(handle, handle, distinct_person(index))
    wb.clips.backends["leaky"] = LeakyBackend(distinct_person(1))  # draws ben's face, whoever is asked for
    clip = wb.clips.create("tess", "@ana waving at the camera", seed=3, cameos=("ana",), backend="leaky",
                           publish=True, duration_s=2.0)
    assert clip.status == "draft" and "@ben" in clip.held_reason
    case = next(c for c in wb.moderation.queue("rita") if c.video_id == clip.id)
    faces = [hit for hit in case.evidence.scan if hit.kind == "face_without_consent"]
    assert [hit.cameo for hit in faces] == ["ben"]
    assert faces[0].distance <= wb.models.faces.threshold and faces[0].margin > 0
    with wb.transaction() as session:
        assert session.get(Video, clip.id).published_at is None
    # what the reviewer checks: the face the clip shows beside ben's enrolled face, with the numbers
    [compared] = wb.moderation.compare_faces("rita", case.id)
    assert compared.identity == "@ben" and compared.threshold == round(wb.models.faces.threshold, 3)
    assert (compared.distance, compared.margin) == (faces[0].distance, faces[0].margin)
    found, reference = (np.asarray(Image.open(io.BytesIO(data)).convert("RGB")) for data in
                        (compared.found, compared.reference))
    engine = wb.models.faces
    embeddings = [engine.embed(image, engine.detect(image)[0]) for image in
                  (np.pad(found, ((40, 40), (40, 40), (0, 0)), mode="edge"),
                   np.pad(reference, ((60, 60), (60, 60), (0, 0)), mode="edge"))]
    assert engine.distance(*embeddings) <= engine.threshold  # the two pictures are the same person


def test_a_granted_face_is_not_also_held_as_a_look_alike(people):
    """Two enrolled people 0.25 apart, both within the threshold (0.4) of ana's face in her own clip:
    the face is ana's, the one it is nearest to, and the clip is not held as ben's."""
    wb = people
    for handle, face in (("ana", synthetic_person(0)), ("ben", synthetic_person(4))):
        add_person_cameo(wb, handle, permission="only_me")
        wb.cameos.set_reference_image(handle, handle, face)
    clip = wb.clips.create("ana", "@ana waving hello on a sunny beach", cameos=("ana",), seed=7, duration_s=2.0,
                           publish=True)
    assert clip.held_reason is None and clip.status == "published"
