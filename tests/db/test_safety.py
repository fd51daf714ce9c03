"""The policy, the registry and the output scan against the database: what is refused is recorded,
held clips stay hidden, a removed clip does not come back re-encoded, uploads pass the same scan."""
import dataclasses
import io

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from tests.db.test_cameo_consent import add_person_cameo
from tests.helpers import (
    encode_like_a_reuploader,
    media_files,
    resize_frames,
    row_counts,
)
from workbench.errors import Forbidden, InvalidInput, NotFound
from workbench.faces.alignment import synthetic_person
from workbench.media.backend import CameoIdentity
from workbench.media.codec import read_clip
from workbench.media.procedural import ProceduralBackend
from workbench.store.models import ModerationCase, PolicyHit, Video

pytestmark = pytest.mark.db

SMALL = {"duration_s": 1.0, "size": (64, 112)}


def reencoded(path, tmp_path, scale: float = 0.5, crf: int = 36) -> bytes:
    """The clip decoded, resized and encoded again at another quality: what a re-uploader makes."""
    clip = read_clip(path)
    frames = resize_frames(clip.frames, int(clip.width * scale), int(clip.height * scale))
    return encode_like_a_reuploader(frames, clip.fps, tmp_path / f"copy-{scale}.mp4", crf=crf).read_bytes()


def test_blocks_are_recorded_and_counted_against_the_entry(people):
    wb = people
    entry = wb.rights.add_opt_out("holly", "Pikachu", aliases=["Pika Pika"],
                                  description="a small yellow electric mouse with red cheeks")
    before = row_counts(wb)
    with pytest.raises(Forbidden, match="protected character"):
        wb.clips.create("ben", "p1kachu surfing a wave", **SMALL)
    with pytest.raises(Forbidden, match="public figure"):
        wb.clips.create("ben", "T a y l o r  S w i f t surfing", **SMALL)
    assert row_counts(wb) == before  # nothing but the record of the refusal
    with wb.transaction() as session:
        hits = session.scalars(select(PolicyHit).order_by(PolicyHit.id)).all()
        assert [(h.code, h.ip_opt_out_id, h.decision) for h in hits] == [
            ("ip", entry.id, "block"), ("public_figure", None, "block")]
    assert [e.blocks for e in wb.rights.opt_outs("holly")] == [1]
    # a dry-run check records nothing
    assert wb.prompt_policy.check("ben", "Pikachu again").decision == "block"
    assert [e.blocks for e in wb.rights.opt_outs("holly")] == [1]


def test_holders_edit_test_and_withdraw_their_entries(people):
    wb = people
    entry = wb.rights.add_opt_out("holly", "Spider-Man", scope="rules", rules="violence, alcohol")
    assert wb.rights.test_prompt("holly", "Spider-Man drinking beer").decision == "block"
    assert wb.rights.test_prompt("holly", "Spider-Man flying a kite").notes[0].code == "ip_within_rules"
    wb.rights.update_opt_out("holly", entry.id, name="Spider-Man", scope="block")
    assert wb.rights.test_prompt("holly", "Spider-Man flying a kite").decision == "block"
    with pytest.raises(NotFound):
        wb.rights.update_opt_out("holly", entry.id + 99, name="x")
    with pytest.raises(Forbidden):
        wb.rights.add_opt_out("ben", "Mine")  # not a rights holder
    with pytest.raises(InvalidInput, match="rules"):
        wb.rights.add_opt_out("holly", "Ghibli style", scope="rules")
    wb.rights.retire_opt_out("holly", entry.id)
    assert wb.rights.opt_outs("holly") == []
    assert wb.prompt_policy.check("ben", "Spider-Man flying a kite").decision == "allow"


def test_profiles_come_from_the_user(people):
    wb = people
    gore = "a knight decapitated, blood everywhere"
    assert wb.prompt_policy.check("ben", gore).decision == "review"
    assert wb.prompt_policy.check("tess", gore).decision == "block"  # a teen
    assert wb.prompt_policy.check("ben", "a deepfake of my neighbour", region="DE").decision == "block"
    assert wb.prompt_policy.check(None, "a deepfake of my neighbour").decision == "review"
    with pytest.raises(InvalidInput):
        wb.prompt_policy.check("ben", "a cat", region="Europe")
    with pytest.raises(NotFound):
        wb.prompt_policy.check("nobody", "a cat")


def test_a_public_figure_who_enrolled_may_be_named_by_those_they_granted(people):
    wb = people
    add_person_cameo(wb, "ana", permission="approved")
    wb.prompt_policy.confirm_public_figure("ada", "Taylor Swift", "ana")
    with pytest.raises(Forbidden):
        wb.clips.create("ben", "Taylor Swift waving", **SMALL)
    wb.cameos.approve("ana", "ana", "ben")
    assert wb.clips.create("ben", "Taylor Swift waving", seed=1, **SMALL).id
    with pytest.raises(Forbidden):
        wb.prompt_policy.confirm_public_figure("ben", "Taylor Swift", "ana")  # admins only
    with pytest.raises(NotFound):
        wb.prompt_policy.confirm_public_figure("ada", "Nobody Famous", "ana")


def test_a_prompt_sent_to_review_holds_its_clip(people):
    wb = people
    clip = wb.clips.create("ben", "a knight decapitated, blood everywhere", seed=1, publish=True, **SMALL)
    assert clip.status == "draft" and "sent to review" in clip.held_reason
    with pytest.raises(Forbidden, match="held for review"):
        wb.videos.publish("ben", clip.id)
    with pytest.raises(NotFound):
        wb.videos.get("ana", clip.id)
    case = wb.moderation.queue("rita")[0]
    assert case.video_id == clip.id and case.source == "scan" and case.evidence.scan[0].kind == "prompt_review"


class LeakyBackend(ProceduralBackend):
    """A backend that draws a face nobody asked for: what the output scan exists to catch."""

    def __init__(self, face: np.ndarray) -> None:
        super().__init__()
        self.face = face

    def generate(self, request, progress=None):
        return super().generate(dataclasses.replace(request, cameos=(CameoIdentity("someone", self.face),)), progress)


def test_a_clip_showing_a_cameo_owners_face_without_a_grant_never_reaches_others(people):
    wb = people
    add_person_cameo(wb, "ana", permission="only_me")
    wb.cameos.set_reference_image("ana", "ana", synthetic_person(0))
    wb.clips.backends["leaky"] = LeakyBackend(synthetic_person(0))
    clip = wb.clips.create("ben", "a person waving at the camera", seed=3, backend="leaky", publish=True,
                           duration_s=2.0)
    assert clip.status == "draft" and "@ana" in clip.held_reason
    for other in ("tess", "holly"):
        with pytest.raises(NotFound):
            wb.videos.get(other, clip.id)
    assert clip.id not in [item.video.id for item in wb.feed.page("tess", "for_you")]
    with pytest.raises(Forbidden, match="held"):
        wb.videos.publish("ben", clip.id)
    case = next(c for c in wb.moderation.queue("rita") if c.video_id == clip.id)
    evidence = case.evidence.scan[0]
    assert evidence.kind == "face_without_consent" and evidence.cameo == "ana" and evidence.distance < 0.6
    assert wb.videos.get("rita", clip.id).id == clip.id  # reviewers see it
    # the same face with the owner's grant is fine
    wb.cameos.set_permission("ana", "ana", "everyone")
    granted = wb.clips.create("ben", "@ana waving at the camera", seed=3, cameos=("ana",), publish=True,
                              duration_s=2.0)
    assert granted.held_reason is None and granted.status == "published"


def test_a_cameos_restrictions_hold_whether_or_not_the_prompt_names_it(people):
    """An owner's rules apply to every clip the cameo is in (issue 17, item 2: "the otter drinking beer"
    with @pip's cameo rendered, since rules applied only when the prompt named the handle, and a rule
    worded "Never show my cameo: drinking" named no theme the policy knew)."""
    wb = people
    pip = wb.cameos.create_character("ana", "pip", "Pip the Otter", visibility="everyone")
    wb.cameos.set_restrictions("ana", pip.handle, "Never show my cameo: drinking, political ads")
    before = row_counts(wb)["videos"]
    for prompt in ("the otter drinking beer at a bar", "sipping wine and drinking at a party",
                   "the otter starring in a political ad for a senator"):
        with pytest.raises(Forbidden, match="restriction"):
            wb.clips.create("ben", prompt, cameos=("pip",), duration_s=1.0)
    assert row_counts(wb)["videos"] == before
    # what the rules do not name is fine: an ad that is not political, politics that is not an ad
    for prompt in ("the otter in a commercial for sneakers", "the otter waving at a political rally"):
        assert wb.clips.create("ben", prompt, cameos=("pip",), duration_s=1.0, seed=3).held_reason is None


def test_an_upload_whose_caption_the_policy_sends_to_review_is_held(people, tmp_path):
    """The same words hold an upload that hold a render (issue 17: a gore caption was published)."""
    wb = people
    source = wb.clips.create("ana", "a quiet harbour at dawn", seed=21, duration_s=2.0)
    data = reencoded(source.media_file, tmp_path, scale=1.0)
    gore = "a graphic gore scene, a dismembered bloody corpse"
    assert wb.prompt_policy.check("ben", gore).decision == "review"
    uploaded = wb.uploads.upload("ben", data, caption=gore)
    assert uploaded.held_reason and "sent to review" in uploaded.held_reason
    with pytest.raises(Forbidden, match="held for review"):
        wb.videos.publish("ben", uploaded.id)
    case = next(c for c in wb.moderation.queue("rita") if c.video_id == uploaded.id)
    assert [hit.kind for hit in case.evidence.scan] == ["prompt_review"] and case.evidence.scan[0].uploader == "ben"
    assert uploaded.id not in [item.video.id for item in wb.feed.page("ana", "for_you")]
    before = row_counts(wb)
    with pytest.raises(Forbidden):  # a teen's profile blocks the same words outright
        wb.uploads.upload("tess", data, caption=gore)
    assert row_counts(wb)["videos"] == before["videos"]


def written_in(container: str, codec: str, path, frames: int = 36, fps: int = 12):
    """A short clip in any container and codec PyAV writes."""
    import av

    with av.open(str(path), mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height = 96, 96
        stream.pix_fmt = "rgb8" if codec == "gif" else "yuv420p"
        for index in range(frames):
            pixels = np.full((96, 96, 3), (index * 7) % 255, np.uint8)
            pixels[:, : 4 + index] = 255
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("container, codec", [("webm", "libvpx"), ("matroska", "libx264"), ("mpegts", "libx264"),
                                              ("avi", "libx264"), ("gif", "gif"), ("h264", "libx264"),
                                              ("mp4", "libx264")])
def test_uploads_in_any_container_are_stored_signed_or_refused_cleanly(people, tmp_path, container, codec):
    """A playable clip is stored, signed, whatever its container. C2PA reads MP4, QuickTime, AVI and GIF
    (their credentials become the clip's parent ingredient); every other upload crashed signing, since
    the original was attached as an mp4 ingredient (issue 17, item 6). The last case: an MP4 with a zip
    appended, which C2PA refuses to parse."""
    from workbench.media.provenance import verify

    wb = people
    path = written_in(container, codec, tmp_path / f"upload.{container}")
    data = path.read_bytes() + (b"PK\x03\x04" + bytes(200) if container == "mp4" else b"")
    uploaded = wb.uploads.upload("ben", data, caption=f"a clip in {container}")
    report = verify(uploaded.media_file)
    assert report["state"] in ("Valid", "Trusted") and report["author"] == "@ben"
    assert uploaded.backend == "upload" and uploaded.duration_s >= 1.0
    assert bool(report["parent"]) == (container in ("avi", "gif"))  # embedded where C2PA can read it


def test_a_removed_clip_reuploaded_after_reencoding_is_refused_and_opens_a_case(people, tmp_path):
    wb = people
    original = wb.clips.create("ana", "a red fox running through snow", seed=11, publish=True, duration_s=2.0)
    # an author's own deletion is not a takedown: she may upload her clip again
    wb.videos.remove("ana", original.id, reason="changed my mind")
    again = wb.uploads.upload("ana", reencoded(original.media_file, tmp_path, scale=1.0), caption="my fox, again")
    assert again.held_reason is None and wb.videos.get("ana", original.id).state == "deleted by its author"
    wb.videos.remove("ada", original.id, reason="spam")  # the platform's removal puts it on the list
    assert wb.videos.get("ana", original.id).state == "removed by review"
    copy = reencoded(original.media_file, tmp_path, scale=0.5)
    before_videos = row_counts(wb)["videos"]
    with pytest.raises(Forbidden, match=f"repeats clip #{original.id}"):
        wb.uploads.upload("ben", copy, caption="my fox")
    assert row_counts(wb)["videos"] == before_videos
    case = next(c for c in wb.moderation.queue("rita") if c.video_id == original.id)
    entry = case.evidence.scan[0]
    assert entry.kind == "reupload_of_removed" and entry.uploader == "ben" and entry.fraction >= 0.5
    assert (wb.media_dir / entry.evidence_file).exists()
    # the reviewer sees the nearest frames of the refused upload and the removed clip, blurred until revealed
    [blurred] = wb.moderation.compare_frames("rita", case.id)
    assert blurred.other_clip == original.id and not blurred.sharp and blurred.distance <= 31
    wb.moderation.reveal("rita", case.id)
    [frames] = wb.moderation.compare_frames("rita", case.id)
    assert frames.sharp and frames.distance == blurred.distance and frames.transform == "none"
    this, other = (Image.open(io.BytesIO(data)) for data in (frames.this_frame, frames.other_frame))
    assert this.mode == other.mode == "RGB" and this.width > 100 and other.width > 100
    # a different clip uploads fine, and comes out watermarked and signed
    other = wb.clips.create("ana", "a blue whale under the sea", seed=12, duration_s=2.0)
    uploaded = wb.uploads.upload("ben", reencoded(other.media_file, tmp_path, scale=1.0), caption="whale")
    assert uploaded.status == "draft" and uploaded.held_reason is None and uploaded.backend == "upload"
    from workbench.media.provenance import verify

    report = verify(uploaded.media_file)
    assert report["manifest"] and report["author"] == "@ben" and report["parent"]


def test_bad_uploads_are_refused_clearly_and_leave_nothing(people):
    wb = people
    before, files = row_counts(wb), media_files(wb.media_dir)
    with pytest.raises(InvalidInput, match="empty"):
        wb.uploads.upload("ben", b"")
    with pytest.raises(InvalidInput, match="not a playable video"):
        wb.uploads.upload("ben", b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    wb.settings.max_upload_bytes = 1000
    with pytest.raises(InvalidInput, match="limit"):
        wb.uploads.upload("ben", b"x" * 2000)
    with pytest.raises(NotFound):
        wb.uploads.upload("nobody", b"x")
    wb.settings.max_upload_bytes = 10**8
    with pytest.raises(Forbidden, match="public figure"):  # the caption is checked before the file is read
        wb.uploads.upload("ben", b"x" * 10, caption="Taylor Swift dancing")
    assert row_counts(wb) == before and media_files(wb.media_dir) == files
    with wb.transaction() as session:
        assert session.scalar(select(ModerationCase.id)) is None and session.scalar(select(Video.id)) is None


def test_odd_uploads_are_refused_for_what_they_are_or_stored(people, tmp_path):
    """What the robustness run found refused poorly: a picture "lasts 0.0 s"; 192 kHz 7.1 PCM sound was
    refused as "could not be re-encoded" after the whole upload had been processed; a caption of
    100,000 characters was read by the policy for 16 s before the length was checked anywhere."""
    import av
    from PIL import Image

    wb = people
    before, files = row_counts(wb), media_files(wb.media_dir)
    picture = tmp_path / "still.png"
    Image.new("RGB", (96, 96), (200, 40, 40)).save(picture)
    with pytest.raises(InvalidInput, match="a single picture, not a video"):
        wb.uploads.upload("ben", picture.read_bytes())
    with pytest.raises(InvalidInput, match="at most 2000 characters"):
        wb.uploads.upload("ben", b"x" * 10, caption="a cat surfing " * 10_000)
    with pytest.raises(InvalidInput, match="at most 2000 characters"):
        wb.prompt_policy.check("ben", "a cat surfing " * 10_000)
    assert row_counts(wb) == before and media_files(wb.media_dir) == files

    path = tmp_path / "loud.mov"
    with av.open(str(path), mode="w", format="mov") as output:
        video = output.add_stream("libx264", rate=12)
        video.width, video.height, video.pix_fmt = 96, 96, "yuv420p"
        sound = output.add_stream("pcm_s16le", rate=192_000, layout="7.1")
        for index in range(24):
            frame = av.VideoFrame.from_ndarray(np.full((96, 96, 3), index * 9, np.uint8), format="rgb24")
            frame.pts = index
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        tone = (np.sin(np.arange(2 * 192_000) * 2 * np.pi * 440 / 192_000) * 8000).astype(np.int16)
        for start in range(0, tone.size, 19_200):
            chunk = np.repeat(tone[start:start + 19_200][None, :], 8, axis=0).T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="s16", layout="7.1")
            frame.sample_rate, frame.pts = 192_000, start
            output.mux(sound.encode(frame))
        output.mux(sound.encode(None))
    stored = wb.uploads.upload("ben", path.read_bytes(), caption="a loud clip")
    with av.open(str(stored.media_file)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.streams.audio[0].sample_rate == 48_000


def test_a_clip_without_a_face_is_scanned_without_the_identity_models(people, tmp_path):
    """The face embedding network, the public-figure gallery and every cameo's reference (about 65 MB
    and a second) are for identifying a face: a clip with none never loads them."""
    wb = people
    clip = written_in("mp4", "libx264", tmp_path / "shapes.mp4")
    uploaded = wb.uploads.upload("ben", clip.read_bytes(), caption="moving shapes")
    assert uploaded.held_reason is None
    assert "faces" in vars(wb.models) and "public_figures" not in vars(wb.models)


def test_an_uploaded_deepfake_of_an_enrolled_person_opens_a_case_with_the_detectors_scores(people, tmp_path):
    """Impersonation: @ben uploads a clip in which @ana's enrolled face was swapped onto someone filmed
    with a camera (the shipped benchmark's autoencoder swap). Her face without her grant holds it and
    opens a case; the deepfake detectors' scores join the case's signals."""
    from workbench.media.backend import RenderedClip
    from workbench.media.codec import encode_mp4
    from workbench.safety.deepfake.benchmark import (
        BenchmarkConfig,
        person_in,
        real_people,
        render_take,
    )
    from workbench.safety.deepfake.detectors import saved_unseen_auc
    from workbench.safety.deepfake.harness import SHIPPED_DETECTORS

    wb = people
    add_person_cameo(wb, "ana", permission="only_me")
    wb.cameos.set_reference_image("ana", "ana", synthetic_person(0))
    ana = person_in("ana", np.pad(synthetic_person(0), ((64, 64), (64, 64), (0, 0)), mode="edge"))
    config = BenchmarkConfig(clips_per_person=1, frames=24, fps=12)
    frames, _ = render_take(real_people()[2], "neural_swap", ana, [5, 0], config)
    path = tmp_path / "deepfake.mp4"
    encode_mp4(RenderedClip(frames=np.stack(frames), fps=12, audio=np.zeros(32_000, np.float32), sample_rate=16_000), path)

    clip = wb.uploads.upload("ben", path.read_bytes(), caption="look who I met")
    assert clip.status == "draft" and "@ana" in clip.held_reason
    with pytest.raises(NotFound):
        wb.videos.get("tess", clip.id)
    case = next(c for c in wb.moderation.queue("rita") if c.video_id == clip.id)
    hit = case.evidence.scan[0]
    assert hit.kind == "face_without_consent" and hit.cameo == "ana" and hit.uploader == "ben"
    scores = case.evidence.deepfake
    # the scan's default: the shipped detector with the highest measured cross-method AUC, calibrated,
    # that AUC recorded beside its probability
    best = {path.stem: saved_unseen_auc(path) for path in SHIPPED_DETECTORS.glob("*.json")}
    assert list(scores.scores) == [max(best, key=best.get)] and scores.frames >= 4
    assert scores.unseen_auc == {name: best[name] for name in scores.scores}
    assert all(0.0 <= score <= 1.0 for score in scores.scores.values())
    assert max(scores.scores.values()) > 0.5  # manipulated, and seen


def test_someone_elses_clip_uploaded_as_ones_own_becomes_a_credited_remix_or_is_refused(people, tmp_path):
    """Issue 17, item 4: @ana downloaded @hiro's clip from the feed and uploaded it "made it myself": it
    was published as her original, re-watermarked "AI · @ana", though its credentials named @hiro."""
    from workbench.media.provenance import verify

    wb = people
    hiro = wb.clips.create("ben", "a red fox running through snow", seed=11, publish=True, duration_s=2.0)
    as_downloaded = hiro.media_file.read_bytes()
    copy = wb.uploads.upload("ana", as_downloaded, caption="made it myself")
    assert copy.remix_parent_id == hiro.id and copy.remix_depth == 1 and "remix of @ben" in copy.caption
    report = verify(copy.media_file, trust_anchors=wb.credentials.root_cert)
    assert report["author"] == "@ana" and report["parent"] and report["trusted"]  # ben's file is its ingredient
    # re-encoded smaller, so that its credentials are gone: the frames still say whose it is
    again = wb.uploads.upload("tess", reencoded(hiro.media_file, tmp_path, scale=0.5), caption="mine")
    assert again.remix_parent_id == hiro.id

    # an author who turned remixing off: a copy is refused, and nothing is stored
    closed = wb.clips.create("ben", "a blue whale under the sea", seed=12, publish=True, duration_s=2.0,
                             allow_remix=False)
    before, files = row_counts(wb), media_files(wb.media_dir)
    with pytest.raises(Forbidden, match=f"@ben's clip #{closed.id}"):
        wb.uploads.upload("ana", closed.media_file.read_bytes(), caption="made it myself")
    assert {k: v for k, v in row_counts(wb).items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"} and media_files(wb.media_dir) == files
    # a clip not yet published, whose credentials (signed here) name ben: refused too
    draft = wb.clips.create("ben", "a hot air balloon over mountains", seed=13, duration_s=2.0)
    with pytest.raises(Forbidden, match="say @ben made it"):
        wb.uploads.upload("ana", draft.media_file.read_bytes(), caption="mine")
    # her own clip, downloaded and uploaded again, is hers
    own = wb.clips.create("ana", "a paper boat in the rain", seed=14, publish=True, duration_s=2.0)
    assert wb.uploads.upload("ana", own.media_file.read_bytes(), caption="again").remix_parent_id is None


def test_an_upload_whose_untrusted_credentials_name_someone_else_is_held(people, tmp_path):
    from workbench.media.provenance import ensure_credentials, sign_mp4

    wb = people
    clip = wb.clips.create("ana", "a lighthouse at dusk", seed=15, duration_s=2.0)
    plain = tmp_path / "plain.mp4"
    plain.write_bytes(reencoded(clip.media_file, tmp_path, scale=1.0))
    signed = tmp_path / "signed.mp4"
    sign_mp4(plain, signed, author="@someone_else", credentials=ensure_credentials(tmp_path / "elsewhere"))
    held = wb.uploads.upload("ben", signed.read_bytes(), caption="look at this")
    assert held.status == "draft" and "@someone_else" in held.held_reason
    case = next(c for c in wb.moderation.queue("rita") if c.video_id == held.id)
    assert case.evidence.scan[0].kind == "credentials_of_another"
