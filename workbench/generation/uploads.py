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
    MAX_PROMPT_CHARS,
    check_remixable,
    hold,
    insert_video,
    review_hits,
)
from workbench.media.backend import GenerationRequest, RenderedClip
from workbench.media.codec import read_clip
from workbench.media.moods import classify_prompt, mood_names
from workbench.media.procedural import MAX_SIDE, MIN_SIDE
from workbench.media.provenance import ensure_credentials, store_ai_clip
from workbench.safety.evidence import ScanHit
from workbench.safety.hashing import library_hashes
from workbench.safety.scan import OutputScanner, open_scan_case
from workbench.safety.service import PolicyService
from workbench.social.videos import VideoView, video_views
from workbench.store.db import Store
from workbench.store.models import Video

#: the highest frame rate an upload may have (the player and the encoder take 1-60)
MAX_UPLOAD_FPS = 60


class UploadService:
    def __init__(self, store: Store, settings: Settings, policy: PolicyService, scanner: OutputScanner) -> None:
        self._store, self._settings, self._policy, self._scanner = store, settings, policy, scanner

    def upload(self, actor: ActorRef, data: bytes, *, caption: str = "", moods: tuple[str, ...] | None = None,
               allow_remix: bool = True) -> VideoView:
        """Add a clip made elsewhere. It passes the same checks as a generated one: its caption
        goes through the prompt policy, its frames through the output scan. A copy of a removed
        clip is refused (and the attempt opens a case, the file kept as evidence); faces without
        consent hold it for review. Stored like every clip: re-encoded for browsers, watermarked,
        signed with the upload as its ingredient (its own Content Credentials, if any, kept)."""
        if not data:
            raise InvalidInput("the upload is empty: choose an mp4, mov or webm file")
        if len(data) > self._settings.max_upload_bytes:
            raise InvalidInput(f"the upload is {len(data) / 1e6:.0f} MB; the limit is "
                               f"{self._settings.max_upload_bytes / 1e6:.0f} MB")
        caption = refuse_unstorable_text((caption or "").strip(), "caption")
        if len(caption) > MAX_PROMPT_CHARS:
            raise InvalidInput(f"a caption is at most {MAX_PROMPT_CHARS} characters")
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
            clip = read_upload(upload, self._settings)
            credentials = ensure_credentials(self._settings.provenance_dir())
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
            stored = store_ai_clip(clip, self._store.media_dir, author=handle, credentials=credentials,
                                   parent=upload, tool="workbench upload")
            created_file = stored.path if stored.is_new else None
            fingerprint = library_hashes(stored.path)
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
                    return original.id, f" · remix of @{original.author.handle}", hits
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


def _temp_file(directory: Path, data: bytes) -> Path:
    """The upload's bytes in a temporary file beside the media (swept by job recovery if left)."""
    path = temp_file(directory, ".upload")
    path.write_bytes(data)
    return path


def read_upload(path: Path, settings: Settings) -> RenderedClip:
    """Decode an uploaded file after checking, from its headers, that it is a video of a sane
    size and length; anything unreadable is InvalidInput (nothing has been stored yet)."""
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
        if duration is not None and duration > settings.clip_max_upload_s:  # refused before decoding
            raise InvalidInput(f"a clip lasts at most {settings.clip_max_upload_s:g} s (this one {duration:.0f} s)")
        clip = read_clip(path)
    except (av.error.FFmpegError, ValueError, IndexError) as error:
        raise InvalidInput(f"the upload is not a playable video ({type(error).__name__})") from None
    if not settings.clip_min_s <= clip.duration_s <= settings.clip_max_upload_s:
        raise InvalidInput(f"a clip lasts {settings.clip_min_s:g}-{settings.clip_max_upload_s:g} seconds "
                           f"(this one {clip.duration_s:.1f} s)")
    if clip.audio.size == 0:  # every stored clip has an AAC track (silence where the upload had none)
        clip.audio = np.zeros(int(round(clip.duration_s * clip.sample_rate)), np.float32)
    if clip.width % 2 or clip.height % 2:  # H.264 in yuv420p wants even sides
        clip.frames = clip.frames[:, :clip.height - clip.height % 2, :clip.width - clip.width % 2]
    return clip


def keep_as_evidence(path: Path, media_dir: Path) -> str:
    """Copy a refused upload under media_dir/evidence, named by its sha256, for the reviewer."""

    folder = media_dir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    digest = file_sha256(path)
    final = folder / f"{digest}.mp4"
    if not final.exists():
        shutil.copyfile(path, final)
    return final.relative_to(media_dir).as_posix()
