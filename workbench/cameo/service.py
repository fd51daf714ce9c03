"""What an owner sees and sets of their cameos: settings, approvals, the reference image, and every
clip that uses them; and which cameos another person may use."""
from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from workbench.actors import ActorRef, audit, load_actor, load_user
from workbench.errors import Conflict, Forbidden, InvalidInput, NotFound
from workbench.faces.alignment import ALIGNED_SIZE, MIN_SCORE, align_face, detect_faces
from workbench.faces.challenge import Challenge, Check, LivenessResult, new_challenge
from workbench.faces.identities import Identity, assign
from workbench.faces.liveness import check_liveness
from workbench.files import place_by_content, temp_file
from workbench.media.codec import decodes_as_video
from workbench.safety.cases import evidence_of, record_evidence
from workbench.safety.evidence import EnrollmentMatch, Evidence
from workbench.safety.scan import enrolled_faces
from workbench.social.consent import load_cameo, refusal
from workbench.social.notifications import tell_taken_down
from workbench.social.users import normalize_handle
from workbench.social.videos import VideoView, cameo_owner_ids, video_views
from workbench.states import cameos as cameo_states
from workbench.states import videos as video_states
from workbench.store.db import Store, insert_once
from workbench.store.models import (
    Cameo,
    CameoApproval,
    CameoKind,
    CameoPermission,
    CameoStatus,
    CaseSource,
    ModerationCase,
    Removal,
    User,
    Video,
    VideoCameo,
    VideoStatus,
    utcnow,
)


@dataclass(frozen=True)
class EnrollmentResult:
    #: "verified", "held" (matches a public figure: a reviewer decides), "failed" or "expired"
    status: str
    checks: tuple[Check, ...]
    challenge: Challenge

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.passed]

    def report(self) -> list[dict]:
        """The checks as the person who enrolled reads them: a row each, its evidence in words."""
        return [{"check": c.name.replace("_", " "), "passed": c.passed, "evidence": evidence_text(c.evidence)}
                for c in self.checks]


def evidence_text(evidence: Mapping) -> str:
    """A check's evidence in words ("ratio 0.81, frames 42"), not as a dict of numpy scalars."""
    return ", ".join(f"{key.replace('_', ' ')} {_in_words(value)}" for key, value in evidence.items())


def _in_words(value) -> str:
    if isinstance(value, Mapping):
        return f"({evidence_text(value)})"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_in_words(item) for item in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):  # two decimals; a small value keeps two significant digits
        value = float(value)
        return f"{value:.2g}" if 0 < abs(value) < 0.01 else f"{value:.2f}".rstrip("0").rstrip(".")
    return "none" if value is None else str(value)


@dataclass(frozen=True)
class CameoView:
    id: int
    handle: str
    display_name: str
    kind: str
    status: str
    permission: str
    restrictions: str
    approved: tuple[str, ...]
    owner: str
    reference_image: Path | None
    #: why a reviewer holds it, for its owner ("the picture shows the face of the public figure ...")
    held_because: str | None = None


class CameoService:
    def __init__(self, store: Store, models) -> None:
        """`models`: the process's shared models (workbench.core.Models), loaded on first use."""
        self._store, self._models = store, models

    def mine(self, actor: ActorRef) -> list[CameoView]:
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            cameos = session.scalars(select(Cameo).where(Cameo.owner_id == owner.id).order_by(Cameo.id))
            return [_view(session, cameo, self._store.media_dir) for cameo in cameos]

    def usable(self, actor: ActorRef) -> list[CameoView]:
        """Every verified cameo the actor may put in a clip right now (their own included)."""
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            # the owners in the same query: read one by one, 500 cameos took 90 ms on every feed click
            cameos = session.scalars(select(Cameo).options(joinedload(Cameo.owner))
                                     .where(Cameo.status == CameoStatus.VERIFIED).order_by(Cameo.handle))
            return [_view(session, cameo, self._store.media_dir, user) for cameo in cameos
                    if refusal(session, user, cameo) is None]

    def set_reference_image(self, actor: ActorRef, cameo_handle: str, image: bytes | np.ndarray) -> CameoView:
        """Store the image clips draw the cameo from. A person's photo must show exactly one face,
        which is aligned, and is held for a reviewer when it is a public figure's. A character's
        picture (a pet, a mascot) is stored as it is, squared, after the same face checks: a character
        is not a person, so a human face in it is refused when it is someone else's cameo and holds
        the character for a reviewer when it is a public figure's or nobody's enrolled face (its
        owner's own face is theirs to use)."""
        pixels = _decode_image(image)
        engine, gallery = self._models.faces, self._models.public_figures  # loaded before any transaction
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            is_person = cameo.kind is CameoKind.PERSON
            enrolled = [] if is_person else [
                replace(identity, granted=identity.key == owner.handle and identity.kind == "cameo")
                for identity in enrolled_faces(session, self._models, self._store.media_dir)]
        finding = None
        if is_person:
            faces = detect_faces(pixels)
            if not faces:
                raise InvalidInput("no face was found in the photo: use a clear, front-facing photo of yourself")
            if len(faces) > 1:
                raise InvalidInput(f"{len(faces)} faces were found: a reference photo must show only you")
            reference = align_face(pixels, faces[0])
            match = gallery.match(engine.embed(pixels, engine.detect(pixels)[0]))
            if match is not None:
                finding = (match.figure.name, match.distance, None)
        else:
            reference = _square(pixels, ALIGNED_SIZE)
            finding = _human_face_in_character(engine, pixels, enrolled)
        stored, _ = store_reference_image(reference, self._store.media_dir)
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            cameo.reference_image_path = stored
            audit(session, owner, "cameo.reference_image", "cameo", cameo.id)
            if finding is not None:
                hold_for_review(session, owner, cameo, *finding)
            return _view(session, cameo, self._store.media_dir)

    def start_enrollment(self, actor: ActorRef) -> Challenge:
        """Issue a fresh challenge for the actor's own cameo (created pending on first use). One
        challenge answers one clip: a failed or expired one means starting again."""
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            cameo = _person_cameo(session, owner)
            if cameo is None:
                cameo = Cameo(owner_id=owner.id, kind=CameoKind.PERSON, handle=owner.handle,
                              display_name=owner.display_name, status=CameoStatus.PENDING)
                session.add(cameo)
            elif cameo.status in (CameoStatus.VERIFIED, CameoStatus.HELD):
                raise Conflict(f"@{owner.handle}'s cameo is already {cameo.status.value}")
            else:
                cameo_states.start_enrollment(session, cameo)
            challenge = new_challenge()
            cameo.verification = {**(cameo.verification or {}), "challenge": challenge.as_dict()}
            session.flush()
            audit(session, owner, "cameo.enrollment.start", "cameo", cameo.id)
            return challenge

    def complete_enrollment(self, actor: ActorRef, clip: bytes) -> EnrollmentResult:
        """Check a clip recorded for the current challenge. Passing verifies the cameo, unless its
        face matches a public figure: then it is held for a reviewer. Every check and its evidence is
        kept with the cameo; the challenge is used up either way, unless the file is no video at all."""
        if not clip:
            raise InvalidInput("the clip is empty")
        if len(clip) > MAX_ENROLLMENT_BYTES:
            raise InvalidInput(f"the clip is {len(clip) / 2**20:.0f} MB; the limit is {MAX_ENROLLMENT_BYTES // 2**20} MB")
        _require_video(clip)
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            cameo = _person_cameo(session, owner)
            if cameo is None or cameo.status is not CameoStatus.PENDING or "challenge" not in cameo.verification:
                raise InvalidInput("start an enrollment first: a challenge tells you what to do in the clip")
            challenge = Challenge.from_dict(cameo.verification["challenge"])
            cameo.verification = {key: value for key, value in cameo.verification.items() if key != "challenge"}
            if challenge.expired():
                audit(session, owner, "cameo.enrollment.expired", "cameo", cameo.id)
                return EnrollmentResult("expired", (), challenge)
        result = self._check_clip(clip, challenge)
        match = self._models.public_figures.match(result.embedding) if result.passed else None
        stored = None
        if result.passed:
            frontal = detect_faces(result.reference_frame)[:1]
            stored = store_reference_image(align_face(result.reference_frame, frontal[0]), self._store.media_dir)[0]
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            cameo = _person_cameo(session, owner)
            cameo.verification = {**cameo.verification, "method": "liveness",
                                  "checks": [_json_safe(asdict(check)) for check in result.checks]}
            if result.passed:
                cameo.reference_image_path = stored
                if match is not None:
                    hold_for_review(session, owner, cameo, match.figure.name, match.distance, None)
                else:
                    cameo_states.verify(session, cameo)
            audit(session, owner, "cameo.enrollment.check", "cameo", cameo.id, passed=result.passed,
                  failed=result.failed)
            return EnrollmentResult(cameo.status.value if result.passed else "failed", result.checks, challenge)

    def _check_clip(self, clip: bytes, challenge: Challenge) -> LivenessResult:

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "enrollment.mp4"
            path.write_bytes(clip)
            return check_liveness(path, challenge, self._models.faces)

    def create_character(self, actor: ActorRef, handle: str, display_name: str, *, visibility: str = "private",
                         image: bytes | np.ndarray | None = None) -> CameoView:
        """A character cameo (a pet, a mascot, an invented persona) with its own handle; who may use
        it: private (only me), followers, or everyone."""
        handle = normalize_handle(handle)
        if visibility not in CHARACTER_VISIBILITY:
            raise InvalidInput(f"a character is {', '.join(CHARACTER_VISIBILITY)}")
        display_name = (display_name or "").strip()
        if not display_name or len(display_name) > 80:
            raise InvalidInput("a character needs a name of 1-80 characters")
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            if session.scalar(select(Cameo.id).where(Cameo.handle == handle)) is not None or (
                    session.scalar(select(User.id).where(User.handle == handle)) not in (None, owner.id)):
                raise Conflict(f"the handle @{handle} is taken")
            cameo = Cameo(owner_id=owner.id, kind=CameoKind.CHARACTER, handle=handle, display_name=display_name,
                          status=CameoStatus.VERIFIED, permission=CHARACTER_VISIBILITY[visibility],
                          verified_at=utcnow(), verification={"method": "character"})
            session.add(cameo)
            session.flush()
            audit(session, owner, "cameo.character.create", "cameo", cameo.id, handle=handle, visibility=visibility)
        if image is not None:
            return self.set_reference_image(actor, handle, image)
        return self.get(actor, handle)

    def get(self, actor: ActorRef, cameo_handle: str) -> CameoView:
        """A cameo as the actor may see it: whole for its owner; for anyone else without the people it
        approved and its reference image."""
        with self._store.transaction() as session:
            viewer = load_actor(session, actor)
            return _view(session, load_cameo(session, cameo_handle), self._store.media_dir, viewer)

    def set_permission(self, actor: ActorRef, cameo_handle: str, level: str) -> CameoView:
        """Who may use the cameo: a person's is only_me, approved, mutuals or everyone; a character's
        is only_me (private), followers or everyone. Clips already published under a grant that this
        takes away stop being shown to others, unless the owner keeps them (see revoke)."""
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            allowed = PERSON_LEVELS if cameo.kind is CameoKind.PERSON else tuple(CHARACTER_VISIBILITY.values())
            try:
                permission = CameoPermission(level)
            except ValueError:
                permission = None
            if permission not in allowed:
                raise InvalidInput(f"a {cameo.kind.value} cameo's permission is one of "
                                   f"{', '.join(p.value for p in allowed)}")
            cameo.permission = permission
            audit(session, owner, "cameo.permission", "cameo", cameo.id, level=permission.value)
            return _view(session, cameo, self._store.media_dir)

    def approve(self, actor: ActorRef, cameo_handle: str, user: ActorRef) -> CameoView:
        """Grant one person the use of the cameo (used when the permission is 'approved')."""
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            person = load_user(session, user)
            if person.id == owner.id:
                raise InvalidInput("you can always use your own cameo")
            insert_once(session, CameoApproval(cameo_id=cameo.id, user_id=person.id))
            audit(session, owner, "cameo.approve", "cameo", cameo.id, user=person.handle)
            return _view(session, cameo, self._store.media_dir)

    def unapprove(self, actor: ActorRef, cameo_handle: str, user: ActorRef) -> CameoView:
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            person = load_user(session, user)
            approval = session.get(CameoApproval, (cameo.id, person.id))
            if approval is not None:
                session.delete(approval)
                audit(session, owner, "cameo.unapprove", "cameo", cameo.id, user=person.handle)
            session.flush()
            return _view(session, cameo, self._store.media_dir)

    def set_restrictions(self, actor: ActorRef, cameo_handle: str, restrictions: str) -> CameoView:
        """The owner's own words on what the cameo must never be shown doing (the prompt policy
        enforces them at generation)."""
        restrictions = (restrictions or "").strip()
        if len(restrictions) > MAX_RESTRICTIONS_CHARS:
            raise InvalidInput(f"restrictions are at most {MAX_RESTRICTIONS_CHARS} characters")
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            cameo.restrictions = restrictions
            audit(session, owner, "cameo.restrictions", "cameo", cameo.id)
            return _view(session, cameo, self._store.media_dir)

    def revoke(self, actor: ActorRef, cameo_handle: str, published: str) -> dict:
        """Withdraw the cameo: no new clip may use it and nobody's draft with it can be published.
        For clips already published with it the owner chooses: 'keep' them up or 'remove' them. Only a
        cameo in use can keep its clips up: one a reviewer holds (or held, a moment ago) keeps them
        hidden, whatever the owner chose."""
        if published not in ("keep", "remove"):
            raise InvalidInput("say what happens to published clips with the cameo: 'keep' or 'remove'")
        with self._store.transaction() as session:
            owner, cameo = self._owned(session, actor, cameo_handle)
            # one conditional write each: kept only if this revocation found the cameo verified
            kept = published == "keep" and cameo_states.revoke(session, cameo, only_from=(CameoStatus.VERIFIED,))
            if not kept:
                cameo_states.revoke(session, cameo)
            links = session.execute(select(VideoCameo, Video).join(Video, Video.id == VideoCameo.video_id)
                                    .where(VideoCameo.cameo_id == cameo.id,
                                           Video.status == VideoStatus.PUBLISHED)).all()
            for link, video in links:  # a "keep" that found the cameo held leaves its clips hidden
                if kept:
                    link.kept_by_owner = True
                elif published == "remove" and video_states.remove(session, video, Removal.CAMEO_OWNER):
                    audit(session, owner, "cameo.remove_appearance", "video", video.id, cameo=cameo.handle,
                          reason="cameo revoked")
                    tell_taken_down(session, video, owner, f"@{cameo.handle} withdrew their cameo")
            audit(session, owner, "cameo.revoke", "cameo", cameo.id, published=published, clips=len(links))
            return {"cameo": cameo.handle, "status": cameo.status.value, "published_clips": len(links),
                    "published": published, "kept_up": kept}

    def remove_appearance(self, actor: ActorRef, video_id: int, reason: str = "") -> VideoView:
        """A cameo owner co-owns every clip their cameo is in: they may take any of them down."""
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            video = session.get(Video, video_id) if isinstance(video_id, int) else None
            if video is None or owner.id not in cameo_owner_ids(session, video.id):
                raise NotFound(f"no clip #{video_id} with your cameo in it")
            if video_states.remove(session, video, Removal.CAMEO_OWNER):
                audit(session, owner, "cameo.remove_appearance", "video", video.id, reason=reason)
                tell_taken_down(session, video, owner, reason)
            return video_views(session, [video], self._store.media_dir)[0]

    def _owned(self, session: Session, actor: ActorRef, cameo_handle: str) -> tuple[User, Cameo]:
        owner = load_actor(session, actor)
        cameo = load_cameo(session, cameo_handle)
        if cameo.owner_id != owner.id:
            raise Forbidden(f"only the owner of @{cameo.handle} can change it")
        return owner, cameo

    def appearances(self, actor: ActorRef) -> list[VideoView]:
        """Every clip, draft or published, by anyone, that uses one of the actor's cameos; the owner
        co-owns them, so drafts are included."""
        with self._store.transaction() as session:
            owner = load_actor(session, actor)
            videos = session.scalars(select(Video).join(VideoCameo, VideoCameo.video_id == Video.id)
                                     .join(Cameo, Cameo.id == VideoCameo.cameo_id)
                                     .where(Cameo.owner_id == owner.id).order_by(Video.id.desc()).distinct())
            return video_views(session, list(videos), self._store.media_dir)


#: a character cameo's visibility, in the words the owner picks
CHARACTER_VISIBILITY = {"private": CameoPermission.ONLY_ME, "followers": CameoPermission.FOLLOWERS,
                        "everyone": CameoPermission.EVERYONE}
PERSON_LEVELS = (CameoPermission.ONLY_ME, CameoPermission.APPROVED, CameoPermission.MUTUALS, CameoPermission.EVERYONE)
MAX_RESTRICTIONS_CHARS = 500
#: an enrollment clip larger than this is refused before it is read
MAX_ENROLLMENT_BYTES = 50 * 1024 * 1024
#: uploads larger than this are refused before decoding
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_SIDE = 4096


def _person_cameo(session: Session, owner: User) -> Cameo | None:
    """The owner's own likeness (a person has at most one; characters are separate)."""
    return session.scalar(select(Cameo).where(Cameo.owner_id == owner.id, Cameo.kind == CameoKind.PERSON))


def hold_for_review(session: Session, owner: User, cameo: Cameo, public_figure: str | None, distance: float | None,
                    detail: str | None) -> None:
    """A face that matches a public figure (or a human face in a character's picture) is not verified
    automatically: the cameo is held and a reviewer gets a case with the match as evidence."""
    cameo_states.hold(session, cameo)
    case = ModerationCase(cameo_id=cameo.id, source=CaseSource.ENROLLMENT)
    record_evidence(case, Evidence(enrollment=EnrollmentMatch(
        cameo.handle, owner.handle, public_figure, None if distance is None else round(distance, 4), detail)))
    session.add(case)
    session.flush()
    audit(session, owner, "cameo.held", "cameo", cameo.id, public_figure=public_figure, detail=detail, case_id=case.id)


def _human_face_in_character(engine, pixels: np.ndarray, enrolled: list[Identity]) -> tuple | None:
    """What holds a character's picture: (public figure, distance, detail) for each kind of human face
    in it, None when it shows none (or only its owner's own, granted, face). Another person's cameo
    face is refused outright."""
    faces = [face for face in engine.detect(pixels) if face.det_score >= MIN_SCORE]  # a cat's face scores 0.63
    found = [assign(engine.embed(pixels, face), enrolled, threshold=engine.threshold) for face in faces]
    for match in filter(None, found):
        if match.identity.kind == "figure":
            return (match.identity.key, match.distance,
                    f"the picture shows the face of the public figure {match.identity.key}")
        if not match.identity.granted:
            raise Forbidden(f"the picture shows the face of @{match.identity.key}, a person's cameo: a character "
                            "cannot wear someone's face")
    unknown = found.count(None)
    if unknown:
        return (None, None, f"the picture shows {unknown} human face(s) of no one enrolled: a reviewer checks "
                            "that the character is not a real person")
    return None


def _require_video(clip: bytes) -> None:
    """InvalidInput unless the clip's first video frame decodes: a wrong file is told as such, not as
    every check failing, and keeps its challenge."""
    if not decodes_as_video(clip):
        raise InvalidInput("this file is not a video we can read: record your clip again, or upload an mp4, "
                           "mov or webm file")


def _json_safe(value: dict) -> dict:
    """Evidence as plain JSON (numpy numbers and arrays become lists and floats)."""
    return json.loads(json.dumps(value, default=lambda item: item.tolist() if hasattr(item, "tolist") else str(item)))


def _view(session: Session, cameo: Cameo, media_dir: Path, viewer: User | None = None) -> CameoView:
    """The cameo's view; `viewer`, when given and not its owner, sees neither whom the owner approved
    nor the reference image (a likeness and a list of people are the owner's)."""
    if viewer is not None and viewer.id != cameo.owner_id:
        return CameoView(cameo.id, cameo.handle, cameo.display_name, cameo.kind.value, cameo.status.value,
                         cameo.permission.value, cameo.restrictions, (), cameo.owner.handle, None)
    approved = session.scalars(select(User.handle).join(CameoApproval, CameoApproval.user_id == User.id)
                               .where(CameoApproval.cameo_id == cameo.id).order_by(User.handle))
    reference = media_dir / cameo.reference_image_path if cameo.reference_image_path else None
    return CameoView(cameo.id, cameo.handle, cameo.display_name, cameo.kind.value, cameo.status.value,
                     cameo.permission.value, cameo.restrictions, tuple(approved), cameo.owner.handle, reference,
                     _held_because(session, cameo))


def _held_because(session: Session, cameo: Cameo) -> str | None:
    """What the evidence of the cameo's undecided review case says, while a reviewer holds it."""
    if cameo.status is not CameoStatus.HELD:
        return None
    case = session.scalar(select(ModerationCase).where(ModerationCase.cameo_id == cameo.id,
                                                       ModerationCase.decision.is_(None))
                          .order_by(ModerationCase.id.desc()).limit(1))
    match = evidence_of(case).enrollment if case is not None else None
    if match is None:  # suspended by a reviewer's decision on a clip that uses it
        reason = session.scalar(select(ModerationCase.decision_reason).where(
            ModerationCase.cameo_id == cameo.id, ModerationCase.decision == "suspend_cameo",
            ModerationCase.qa_of_id.is_(None))
            .order_by(ModerationCase.decided_at.desc()).limit(1))
        return f"suspended by a reviewer: {reason}" if reason else None
    if match.detail:
        return match.detail
    return f"the face matches the public figure {match.public_figure}" if match.public_figure else None


def _decode_image(image: bytes | np.ndarray) -> np.ndarray:
    """An upload as RGB pixels, or InvalidInput saying what is wrong with it."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(image, np.ndarray):
        pixels = image
    else:
        if len(image) > MAX_IMAGE_BYTES:
            raise InvalidInput(f"the image is {len(image) / 2**20:.1f} MB; the limit is {MAX_IMAGE_BYTES // 2**20} MB")
        try:
            with Image.open(io.BytesIO(image)) as opened:
                if max(opened.size) > MAX_IMAGE_SIDE:
                    raise InvalidInput(f"the image is {opened.size[0]}x{opened.size[1]}; at most {MAX_IMAGE_SIDE} pixels a side")
                pixels = np.asarray(opened.convert("RGB"))
        except (UnidentifiedImageError, OSError) as error:
            raise InvalidInput(f"that file is not a readable image ({error.__class__.__name__})") from None
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] < 3 or min(pixels.shape[:2]) < 64:
        raise InvalidInput("an image must be RGB, at least 64 pixels a side")
    return np.ascontiguousarray(pixels[..., :3])


def _square(pixels: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    side = min(pixels.shape[:2])
    top, left = (pixels.shape[0] - side) // 2, (pixels.shape[1] - side) // 2
    return np.asarray(Image.fromarray(pixels[top:top + side, left:left + side]).resize((size, size), Image.LANCZOS))


def store_reference_image(pixels: np.ndarray, media_dir: Path) -> tuple[str, bool]:
    """Write a PNG under media_dir/faces named by its sha256, atomically (temporary file, then
    rename). Returns its path relative to media_dir and whether this call created it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    data = buffer.getvalue()
    folder = Path(media_dir) / "faces"
    folder.mkdir(parents=True, exist_ok=True)
    temp = temp_file(folder, ".png")
    temp.write_bytes(data)
    stored = place_by_content(temp, lambda sha256: folder / f"{sha256}.png")
    return stored.path.relative_to(media_dir).as_posix(), stored.is_new
