"""Uploads: a clip made elsewhere passes the same checks as a generated one (its caption through the
prompt policy, its frames through the output scan) and is stored the same way (re-encoded for
browsers, watermarked, signed with the upload as its ingredient)."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np

from workbench.actors import ActorRef, audit, load_actor
from workbench.config import Settings
from workbench.errors import Forbidden, InvalidInput, NotFound, refuse_unstorable_text
from workbench.files import file_sha256, temp_file
from workbench.generation.service import (
    check_remixable,
    credits,
    hold,
    insert_video,
    review_hits,
)
from workbench.media.backend import GenerationRequest
from workbench.media.codec import StreamedClip, read_audio
from workbench.media.moods import classify_prompt, mood_names
from workbench.media.procedural import MAX_SIDE, MIN_SIDE
from workbench.media.provenance import ensure_credentials, store_ai_clip
from workbench.safety.evidence import ScanHit
from workbench.safety.hashing import library_hashes
from workbench.safety.scan import OutputScanner, open_scan_case
from workbench.safety.service import PolicyService, refuse_overlong_text
from workbench.social.videos import VideoView, video_views
from workbench.store.db import Store
from workbench.store.models import Video

#: the highest frame rate an upload may have (the player and the encoder take 1-60)
MAX_UPLOAD_FPS = 60
#: an upload is stored scaled down to fit 1080p in either orientation (the feed's largest format), which
#: also bounds the memory its re-encoding takes (1920x1920 kept whole peaked at 712 MB, scaled at 570 MB)
STORED_SHORT_SIDE, STORED_LONG_SIDE = 1080, 1920


class UploadService:
    def __init__(self, store: Store, settings: Settings, policy: PolicyService, scanner: OutputScanner) -> None:
        self._store, self._settings, self._policy, self._scanner = store, settings, policy, scanner

    def upload(self, actor: ActorRef, data: bytes | Path, *, caption: str = "", moods: tuple[str, ...] | None = None,
               allow_remix: bool = True) -> VideoView:
        """Add a clip made elsewhere. It passes the same checks as a generated one: its caption
        goes through the prompt policy, its frames through the output scan. A copy of a removed
        clip is refused (and the attempt opens a case, the file kept as evidence); faces without
        consent hold it for review. Stored like every clip: re-encoded for browsers, watermarked,
        signed with the upload as its ingredient (its own Content Credentials, if any, kept).
        `data` is the file's bytes, or its path (its size is checked before it is read, and it is
        copied in pieces)."""
        try:
            size = data.stat().st_size if isinstance(data, Path) else len(data)
        except OSError as error:
            raise unreadable(data, error) from None
        if not size:
            raise InvalidInput("the upload is empty: choose an mp4, mov or webm file")
        if size > self._settings.max_upload_bytes:
            raise InvalidInput(f"the upload is {readable_size(size)}; the limit is "
                               f"{readable_size(self._settings.max_upload_bytes)}")
        caption = refuse_unstorable_text((caption or "").strip(), "caption")
        refuse_overlong_text(caption, "caption")
        unknown = [m for m in (moods or ()) if m not in mood_names()]
        if unknown:
            raise InvalidInput(f"unknown mood {unknown[0]!r}; choose from {', '.join(mood_names())}")
        with self._store.transaction() as session:
            handle = load_actor(session, actor).handle
        # a caption the policy sends to review holds the clip, as the same words in a prompt hold a render
        decision = self._policy.screen(actor, caption) if caption else None
        review = review_hits([reason.as_dict() for reason in decision.reasons]) if decision else []
        self._store.media_dir.mkdir(parents=True, exist_ok=True)
        upload = _temp_file(self._store.media_dir, data)
        created_file: Path | None = None
        try:
            import av

            clip = read_upload(upload, self._settings)
            credentials = ensure_credentials(self._settings.provenance_dir())
            # re-encoded (watermarked, signed) and fingerprinted before the scan loads its models, so
            # that the encoder's and the hasher's 1080p frames (75 MB) and the models (350 MB) are
            # never in memory together
            try:
                stored = store_ai_clip(clip, self._store.media_dir, author=handle, credentials=credentials,
                                       parent=upload, tool="workbench upload")
            except av.error.FFmpegError as error:  # decoded once already; a decoder may still disagree
                raise InvalidInput(f"the upload could not be re-encoded ({type(error).__name__})") from None
            created_file = stored.path if stored.is_new else None
            fingerprint = library_hashes(stored.path)
            scan = self._scanner.scan(upload, upload=True, trust_anchors=credentials.root_cert)
            repeat = scan.hit("reupload_of_removed")
            if repeat is not None:
                evidence = keep_as_evidence(upload, self._store.media_dir)
                with self._store.transaction() as session:
                    user = load_actor(session, actor)
                    open_scan_case(session, repeat.video_id, [replace(repeat, evidence_file=evidence)],
                                   uploader=user.handle, provenance=scan.provenance, deepfake=scan.deepfake)
                    audit(session, user, "upload.refused", "video", repeat.video_id, evidence=evidence)
                raise Forbidden(f"this upload repeats clip #{repeat.video_id}, which was removed; "
                                "it was not posted and a reviewer will look at it")
            remix_of, credit, hits = self._whose(actor, handle, scan)
            request = GenerationRequest(prompt=caption or "uploaded clip", seed=0, duration_s=clip.duration_s,
                                        width=clip.width, height=clip.height, fps=clip.fps,
                                        moods=tuple(moods or ()) or tuple(classify_prompt(caption))[:3],
                                        caption=(caption or "uploaded clip") + credit)
            with self._store.transaction() as session:
                user = load_actor(session, actor)
                if remix_of is not None:  # still remixable now (not removed meanwhile, remixing still on)
                    check_remixable(session, user, remix_of)
                video = insert_video(session, author_id=user.id, request=request, clip=clip,
                                     media_path=stored.path.relative_to(self._store.media_dir).as_posix(),
                                     media_sha256=stored.sha256, backend="upload", allow_remix=allow_remix,
                                     remix_of=remix_of, fingerprint=fingerprint)
                hits = hits + review
                if hits:
                    hold(session, video, hits, provenance=scan.provenance, uploader=user.handle, deepfake=scan.deepfake)
                audit(session, user, "video.upload", "video", video.id, held=video.held_reason, remix_of=remix_of,
                      provenance={k: scan.provenance.get(k) for k in ("manifest", "state", "ai_generated", "author")})
                session.flush()
                return video_views(session, [video], self._store.media_dir)[0]
        except BaseException:
            if created_file is not None:
                created_file.unlink(missing_ok=True)
            raise
        finally:
            upload.unlink(missing_ok=True)

    def _whose(self, actor: ActorRef, handle: str, scan) -> tuple[int | None, str, list[ScanHit]]:
        """Whether an upload is someone else's clip: (the published clip it becomes a credited remix
        of, the caption's credit, the scan hits that hold it). A copy of another creator's published
        clip is a remix of it, or refused when they turned remixing off; a file whose trusted Content
        Credentials name another creator is refused; untrusted credentials naming someone else hold
        it for a reviewer (anyone can sign that claim). A refusal is audited."""
        hits = [hit for hit in scan.hits if hit.kind != "copy_of_published"]
        copy = scan.hit("copy_of_published")
        claimed = scan.provenance.get("author") if scan.provenance.get("manifest") else None
        refused = None
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            original = session.get(Video, copy.video_id) if copy is not None else None
            if original is not None and original.author_id != user.id:
                try:
                    check_remixable(session, user, original.id)
                    return original.id, credits(original.author.handle, ()), hits
                except (Forbidden, NotFound) as error:
                    refused = (f"this upload repeats @{original.author.handle}'s clip #{original.id} ({error}); "
                               "post a clip of your own")
            elif original is None and claimed and claimed.lstrip("@") != handle and scan.provenance.get("trusted"):
                refused = (f"this upload's Content Credentials, signed here, say {claimed} made it: only {claimed} "
                           "may post it as theirs (remix their clip from the feed instead)")
            if refused:
                audit(session, user, "upload.refused", "video", original.id if original else None, reason=refused)
        if refused:
            raise Forbidden(refused)
        if original is None and claimed and claimed.lstrip("@") != handle:
            hits.append(ScanHit("credentials_of_another", f"its Content Credentials (signed by a key not trusted "
                                                          f"here) name {claimed} as its author"))
        return None, "", hits


def _temp_file(directory: Path, data: bytes | Path) -> Path:
    """The upload in a temporary file beside the media (swept by job recovery if left), copied from a
    path in pieces, never read whole."""
    path = temp_file(directory, ".upload")
    try:
        if isinstance(data, Path):
            shutil.copyfile(data, path)
        else:
            path.write_bytes(data)
    except BaseException as error:
        path.unlink(missing_ok=True)
        if isinstance(error, OSError) and isinstance(data, Path):
            raise unreadable(data, error) from None
        raise
    return path


def unreadable(path: Path, error: OSError) -> InvalidInput:
    return InvalidInput(f"the file {path.name} cannot be read ({error.strerror or type(error).__name__})")


def readable_size(size: int) -> str:
    """Bytes as people read them: 14 KB, 3.2 MB, 300 MB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{size} bytes"


def read_upload(path: Path, settings: Settings) -> StreamedClip:
    """The uploaded file as a clip streamed from it, after checking that it is a video of a sane size,
    rate and length: from its headers first, then by counting its packets (a stream that states no
    duration is refused as too long without being decoded), then by decoding every frame once and
    keeping none (a file damaged halfway is refused here, before anything is stored). Anything
    unreadable is InvalidInput."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InvalidInput("the upload has no video track")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            duration = float(container.duration / 1e6) if container.duration else None
            rate = float(stream.average_rate or stream.guessed_rate or 0)
            if not 1 <= rate <= MAX_UPLOAD_FPS:  # a clip's frame rate is a whole number of frames per second
                raise InvalidInput(f"a clip plays at 1-{MAX_UPLOAD_FPS} frames per second (this one {rate:g})")
            if not (MIN_SIDE <= min(width, height) and max(width, height) <= MAX_SIDE):
                raise InvalidInput(f"a clip is {MIN_SIDE}-{MAX_SIDE} pixels on each side (this one is {width}x{height})")
            too_long = InvalidInput(f"a clip lasts at most {settings.clip_max_upload_s:g} s")
            if duration is not None and duration > settings.clip_max_upload_s:
                raise too_long
            fps = round(rate)
            most = int(settings.clip_max_upload_s * fps)
            packets = 0
            for packet in container.demux(stream):
                packets += packet.size > 0
                if packets > most:
                    raise too_long
        frames = 0
        with av.open(str(path)) as container:
            for _ in container.decode(video=0):
                frames += 1
                if frames > most:
                    raise too_long
    except (av.error.FFmpegError, ValueError, IndexError) as error:
        raise InvalidInput(f"the upload is not a playable video ({type(error).__name__})") from None
    if frames == 1:
        raise InvalidInput("the upload is a single picture, not a video")
    if not settings.clip_min_s <= frames / fps <= settings.clip_max_upload_s:
        raise InvalidInput(f"a clip lasts {settings.clip_min_s:g}-{settings.clip_max_upload_s:g} seconds "
                           f"(this one {frames / fps:.1f} s)")
    try:
        audio, sample_rate = read_audio(path, frames / fps)
    except (av.error.FFmpegError, ValueError) as error:
        raise InvalidInput(f"the upload's sound is not playable ({type(error).__name__})") from None
    if audio.size == 0:  # every stored clip has an AAC track (silence where the upload had none)
        audio = np.zeros(int(round(frames / fps * sample_rate)), np.float32)
    scale = min(1.0, STORED_SHORT_SIDE / min(width, height), STORED_LONG_SIDE / max(width, height))
    width, height = (int(side * scale) // 2 * 2 for side in (width, height))  # H.264 in yuv420p wants even sides
    return StreamedClip(path, fps, width, height, frames, audio, sample_rate)


def keep_as_evidence(path: Path, media_dir: Path) -> str:
    """Copy a refused upload under media_dir/evidence, named by its sha256, for the reviewer."""

    folder = media_dir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    digest = file_sha256(path)
    final = folder / f"{digest}.mp4"
    if not final.exists():
        shutil.copyfile(path, final)
    return final.relative_to(media_dir).as_posix()
