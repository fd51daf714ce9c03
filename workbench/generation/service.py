"""Creating clips as jobs: validate and authorize, record a queued job, then (in a worker, or inline)
render with a backend, mark the clip as AI-generated, store the file and write the rows.

Nothing is written when the request is bad. A failed render leaves a failed job with its reason and
no orphan file; a job whose worker died is found by its stale heartbeat and retried, or failed once
it has used up its attempts."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor
from workbench.errors import Forbidden, InvalidInput, NotFound
from workbench.files import TEMP_PREFIX, file_sha256, temp_file
from workbench.media.backend import (
    Clip,
    GenerationBackend,
    GenerationRequest,
    ProgressCallback,
    split_shots,
)
from workbench.media.codec import read_clip
from workbench.media.moods import classify_prompt, mood_names
from workbench.media.procedural import MAX_SIDE, MIN_SIDE, ProceduralBackend
from workbench.media.provenance import store_ai_clip
from workbench.safety.hashing import library_hashes
from workbench.safety.scan import ScanHit, fingerprint_bytes, open_scan_case
from workbench.social.consent import identities, require_use
from workbench.social.videos import VideoView, load_visible_video, video_views
from workbench.states import videos as video_states
from workbench.store.models import (
    GenerationJob,
    JobStatus,
    User,
    Video,
    VideoCameo,
    VideoFingerprint,
    VideoMood,
    VideoStatus,
    as_utc,
    utcnow,
)

MAX_PROMPT_CHARS = 2000
MIN_DURATION_S, MAX_DURATION_S = 1.0, 20.0
#: vertical 9:16, the feed's format
DEFAULT_SIZE = (360, 640)
#: a job is tried this many times when its worker dies; a render that raises is not retried
MAX_ATTEMPTS = 3
#: progress is written to the database at most this often (it also refreshes the heartbeat)
PROGRESS_INTERVAL_S = 0.5


class JobLost(Exception):
    """This worker's attempt at a job was superseded by a retry."""


@dataclass(frozen=True)
class JobView:
    id: int
    status: str
    progress: float
    message: str
    attempts: int
    error: str | None
    video_id: int | None
    created_at: datetime

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value)

    @classmethod
    def of(cls, job: GenerationJob) -> "JobView":
        return cls(job.id, job.status.value, job.progress, job.progress_message, job.attempts, job.error, job.video_id,
                   as_utc(job.created_at))


def validate_prompt(prompt: str) -> str:
    prompt = (prompt or "").strip()
    if not prompt:
        raise InvalidInput("the prompt is empty: describe the clip you want")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"a prompt is at most {MAX_PROMPT_CHARS} characters (this one has {len(prompt)})")
    return prompt


def check_remixable(session: Session, user: User, parent_id: int) -> Video:
    """The parent clip, if the user may remix it: published, visible, and its author allows remixes."""
    try:
        parent = load_visible_video(session, user, parent_id)
    except NotFound:
        raise NotFound(f"no clip #{parent_id} to remix") from None
    if parent.status is VideoStatus.REMOVED:
        raise Forbidden(f"clip #{parent.id} was removed and cannot be remixed")
    if parent.status is not VideoStatus.PUBLISHED:
        raise Forbidden(f"clip #{parent.id} is a draft; only published clips can be remixed")
    if not parent.allow_remix:
        raise Forbidden(f"@{parent.author.handle} turned remixing off for clip #{parent.id}")
    return parent


def insert_video(session: Session, *, author_id: int, request: GenerationRequest, clip: Clip, media_path: str,
                 media_sha256: str, backend: str, allow_remix: bool, remix_of: int | None,
                 cameo_ids: list[int] | tuple[int, ...] = (), created_at: datetime | None = None,
                 fingerprint: np.ndarray | None = None) -> Video:
    """Write a draft's row with its moods, remix lineage (parent, root, depth), cameos and the PDQ
    fingerprint that finds it again if it is removed and comes back."""
    parent = session.get(Video, remix_of) if remix_of is not None else None
    video = Video(
        author_id=author_id, status=VideoStatus.DRAFT, prompt=request.prompt, caption=request.caption or request.prompt,
        duration_s=clip.duration_s, width=clip.width, height=clip.height, fps=clip.fps, media_path=media_path,
        media_sha256=media_sha256, backend=backend, seed=request.seed, allow_remix=allow_remix,
        remix_parent_id=parent.id if parent else None,
        remix_root_id=(parent.remix_root_id or parent.id) if parent else None,
        remix_depth=parent.remix_depth + 1 if parent else 0,
        moods=[VideoMood(mood=m, rank=i) for i, m in enumerate(request.moods)],
        created_at=created_at or utcnow(),
    )
    session.add(video)
    session.flush()
    session.add_all(VideoCameo(video_id=video.id, cameo_id=cameo_id) for cameo_id in cameo_ids)
    if fingerprint is not None:
        session.add(VideoFingerprint(video_id=video.id, frame_hashes=fingerprint_bytes(fingerprint)))
    return video


#: uploads longer than this, or larger than MAX_SIDE on a side, are refused before decoding
MAX_UPLOAD_SECONDS = 60.0


def _temp_file(directory: Path, data: bytes) -> Path:
    """The upload's bytes in a temporary file beside the media (swept by job recovery if left)."""
    path = temp_file(directory, ".upload")
    path.write_bytes(data)
    return path


def read_upload(path: Path) -> Clip:
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
        if not (MIN_SIDE <= min(width, height) and max(width, height) <= MAX_SIDE):
            raise InvalidInput(f"a clip is {MIN_SIDE}-{MAX_SIDE} pixels on each side (this one is {width}x{height})")
        if duration is not None and duration > MAX_UPLOAD_SECONDS:
            raise InvalidInput(f"a clip lasts at most {MAX_UPLOAD_SECONDS:g} s (this one {duration:.0f} s)")
        clip = read_clip(path)
    except (av.error.FFmpegError, ValueError, IndexError) as error:
        raise InvalidInput(f"the upload is not a playable video ({type(error).__name__})") from None
    if clip.duration_s < MIN_DURATION_S or clip.duration_s > MAX_UPLOAD_SECONDS:
        raise InvalidInput(f"a clip lasts {MIN_DURATION_S:g}-{MAX_UPLOAD_SECONDS:g} seconds "
                           f"(this one {clip.duration_s:.1f} s)")
    if clip.audio.size == 0:  # every stored clip has an AAC track (silence where the upload had none)
        clip.audio = np.zeros(int(round(clip.duration_s * clip.sample_rate)), np.float32)
    if clip.width % 2 or clip.height % 2:  # H.264 in yuv420p wants even sides
        clip.frames = clip.frames[:, :clip.height - clip.height % 2, :clip.width - clip.width % 2]
    return clip


def keep_as_evidence(path: Path, media_dir: Path) -> str:
    """Copy a refused upload under media_dir/evidence, named by its sha256, for the reviewer."""
    import shutil

    folder = media_dir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    digest = file_sha256(path)
    final = folder / f"{digest}.mp4"
    if not final.exists():
        shutil.copyfile(path, final)
    return final.relative_to(media_dir).as_posix()


def review_hits(reasons: list[dict]) -> list[ScanHit]:
    """A prompt the policy sent to review holds its clip like a scan hit does."""
    return [ScanHit("prompt_review", f"the prompt was sent to review ({reason['code']}: {reason['matched']})",
                    {"reason": reason}) for reason in reasons]


def hold(session: Session, video: Video, hits: list[ScanHit], *, provenance: dict | None = None,
         uploader: str | None = None, deepfake: dict | None = None) -> None:
    """Keep a clip back as a draft for review and open (or add to) its moderation case."""
    video_states.hold(session, video, "; ".join(hit.detail for hit in hits))
    open_scan_case(session, video.id, hits, provenance=provenance, uploader=uploader, deepfake=deepfake)


class ClipService:
    def __init__(self, workbench, backends: dict[str, GenerationBackend] | None = None) -> None:
        self._wb = workbench
        self.backends = backends or {"procedural": ProceduralBackend()}
        self._backends_lock = threading.Lock()

    def submit(self, actor: ActorRef, prompt: str, *, seed: int | None = None, duration_s: float = 4.0,
               moods: tuple[str, ...] | None = None, allow_remix: bool = True, remix_of: int | None = None,
               backend: str = "procedural", model: str | None = None, publish: bool = False,
               cameos: tuple[str, ...] = (), size: tuple[int, int] = DEFAULT_SIZE) -> JobView:
        """Queue a clip for rendering and return its job at once (the page polls `job`)."""
        job = self._record_job(actor, prompt, seed=seed, duration_s=duration_s, moods=moods, allow_remix=allow_remix,
                               remix_of=remix_of, backend=backend, model=model, publish=publish, cameos=cameos,
                               size=size)
        self._wb.queue.enqueue(job.id)
        return self.job(actor, job.id)

    def create(self, actor: ActorRef, prompt: str, *, progress: ProgressCallback | None = None,
               **options) -> VideoView:
        """Render a clip now, in this process (the CLI, notebooks, scripts); same job record as `submit`."""
        job = self._record_job(actor, prompt, **options)
        return self.run_job(job.id, progress)

    def remix(self, actor: ActorRef, video_id: int, prompt: str, **options) -> VideoView:
        return self.create(actor, prompt, remix_of=video_id, **options)

    def upload(self, actor: ActorRef, data: bytes, *, caption: str = "", moods: tuple[str, ...] | None = None,
               allow_remix: bool = True) -> VideoView:
        """Add a clip made elsewhere. It passes the same checks as a generated one: its caption
        goes through the prompt policy, its frames through the output scan. A copy of a removed
        clip is refused (and the attempt opens a case, the file kept as evidence); faces without
        consent hold it for review. Stored like every clip: re-encoded for browsers, watermarked,
        signed with the upload as its ingredient (its own Content Credentials, if any, kept)."""
        if not data:
            raise InvalidInput("the upload is empty: choose an mp4, mov or webm file")
        if len(data) > self._wb.settings.max_upload_bytes:
            raise InvalidInput(f"the upload is {len(data) / 1e6:.0f} MB; the limit is "
                               f"{self._wb.settings.max_upload_bytes / 1e6:.0f} MB")
        caption = (caption or "").strip()
        if len(caption) > MAX_PROMPT_CHARS:
            raise InvalidInput(f"a caption is at most {MAX_PROMPT_CHARS} characters")
        unknown = [m for m in (moods or ()) if m not in mood_names()]
        if unknown:
            raise InvalidInput(f"unknown mood {unknown[0]!r}; choose from {', '.join(mood_names())}")
        with self._wb.transaction() as session:
            handle = load_actor(session, actor).handle
        if caption:
            self._wb.policy.screen(actor, caption)
        self._wb.media_dir.mkdir(parents=True, exist_ok=True)
        upload = _temp_file(self._wb.media_dir, data)
        created_file: Path | None = None
        try:
            clip = read_upload(upload)
            scan = self._wb.scanner.scan(upload, match_variants=True)
            repeat = scan.hit("reupload_of_removed")
            if repeat is not None:
                evidence = keep_as_evidence(upload, self._wb.media_dir)
                with self._wb.transaction() as session:
                    user = load_actor(session, actor)
                    open_scan_case(session, repeat.evidence["video_id"], [ScanHit(
                        repeat.kind, repeat.detail, {**repeat.evidence, "evidence_file": evidence})],
                        uploader=user.handle, provenance=scan.provenance, deepfake=scan.deepfake)
                    audit(session, user, "upload.refused", "video", repeat.evidence["video_id"], evidence=evidence)
                raise Forbidden(f"this upload repeats clip #{repeat.evidence['video_id']}, which was removed; "
                                "it was not posted and a reviewer will look at it")
            request = GenerationRequest(prompt=caption or "uploaded clip", seed=0, duration_s=clip.duration_s,
                                        width=clip.width, height=clip.height, fps=clip.fps,
                                        moods=tuple(moods or ()) or tuple(classify_prompt(caption))[:3],
                                        caption=caption or "uploaded clip")
            stored = store_ai_clip(clip, self._wb.media_dir, author=handle, credentials=self._wb.credentials,
                                   parent=upload, tool="workbench upload")
            created_file = stored.path if stored.is_new else None
            fingerprint = library_hashes(stored.path)
            with self._wb.transaction() as session:
                user = load_actor(session, actor)
                video = insert_video(session, author_id=user.id, request=request, clip=clip,
                                     media_path=stored.path.relative_to(self._wb.media_dir).as_posix(),
                                     media_sha256=stored.sha256, backend="upload", allow_remix=allow_remix,
                                     remix_of=None, fingerprint=fingerprint)
                if scan.hits:
                    hold(session, video, list(scan.hits), provenance=scan.provenance, uploader=user.handle,
                         deepfake=scan.deepfake)
                audit(session, user, "video.upload", "video", video.id, held=video.held_reason,
                      provenance={k: scan.provenance.get(k) for k in ("manifest", "state", "ai_generated", "author")})
                session.flush()
                return video_views(session, [video], self._wb.media_dir)[0]
        except BaseException:
            if created_file is not None:
                created_file.unlink(missing_ok=True)
            raise
        finally:
            upload.unlink(missing_ok=True)

    def job(self, actor: ActorRef, job_id: int) -> JobView:
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            job = session.get(GenerationJob, job_id)
            if job is None or job.requester_id != user.id:
                raise NotFound(f"no generation job #{job_id}")
            return JobView.of(job)

    def jobs(self, actor: ActorRef, limit: int = 10) -> list[JobView]:
        """The actor's most recent jobs, newest first."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            rows = session.scalars(select(GenerationJob).where(GenerationJob.requester_id == user.id)
                                   .order_by(GenerationJob.id.desc()).limit(limit))
            return [JobView.of(job) for job in rows]

    def _record_job(self, actor: ActorRef, prompt: str, *, seed: int | None = None, duration_s: float = 4.0,
                    moods: tuple[str, ...] | None = None, allow_remix: bool = True, remix_of: int | None = None,
                    backend: str = "procedural", model: str | None = None, publish: bool = False,
                    cameos: tuple[str, ...] = (), size: tuple[int, int] = DEFAULT_SIZE) -> GenerationJob:
        """Validate and authorize everything up front, then write one queued job row."""
        prompt = validate_prompt(prompt)
        width, height = size
        if not all(isinstance(side, int) and MIN_SIDE <= side <= MAX_SIDE and side % 2 == 0 for side in size):
            raise InvalidInput(f"width and height are even numbers of pixels from {MIN_SIDE} to {MAX_SIDE}")
        if not (MIN_DURATION_S <= duration_s <= MAX_DURATION_S):
            raise InvalidInput(f"a clip lasts {MIN_DURATION_S:g}-{MAX_DURATION_S:g} seconds")
        if backend not in self.backends and backend != "diffusers":
            raise InvalidInput(f"unknown backend {backend!r}; available: {', '.join(sorted({*self.backends, 'diffusers'}))}")
        unknown = [m for m in (moods or ()) if m not in mood_names()]
        if unknown:
            raise InvalidInput(f"unknown mood {unknown[0]!r}; choose from {', '.join(mood_names())}")
        if seed is None:
            seed = secrets.randbelow(2**31)
        if not (0 <= seed < 2**31):
            raise InvalidInput("a seed is a whole number from 0 to 2147483647")
        decision = self._wb.policy.screen(actor, prompt, cameos=cameos)

        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            caption = prompt
            parent_moods: tuple[str, ...] = ()
            if remix_of is not None:
                parent = check_remixable(session, user, remix_of)
                caption = f"{prompt} · remix of @{parent.author.handle}"
                parent_moods = tuple(m.mood for m in parent.moods)
            moods = tuple(moods or ()) or tuple(dict.fromkeys(classify_prompt(prompt) + parent_moods))[:3]
            chosen = require_use(session, user, tuple(cameos))
            cameo_handles = [cameo.handle for cameo in chosen]
            job = GenerationJob(requester_id=user.id, status=JobStatus.QUEUED, prompt=prompt, heartbeat_at=utcnow(),
                                params={"seed": seed, "duration_s": duration_s, "moods": list(moods),
                                        "caption": caption, "backend": backend, "model": model,
                                        "remix_of": remix_of, "allow_remix": allow_remix, "publish": publish,
                                        "cameos": cameo_handles, "width": width, "height": height,
                                        "review": [reason.as_dict() for reason in decision.reasons]})
            session.add(job)
            session.flush()
            audit(session, user, "job.submit", "generation_job", job.id, backend=backend, remix_of=remix_of)
            return job

    def run_job(self, job_id: int, progress: ProgressCallback | None = None) -> VideoView | None:
        """Render one queued job (the worker's task). Returns None if another worker already took it."""
        with self._wb.transaction() as session:
            claimed = session.execute(
                update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status == JobStatus.QUEUED)
                .values(status=JobStatus.RUNNING, attempts=GenerationJob.attempts + 1, started_at=utcnow(),
                        heartbeat_at=utcnow(), progress=0.0, progress_message="starting", error=None))
            if claimed.rowcount != 1:
                return None
            job = session.get(GenerationJob, job_id)
            params, prompt, requester_id, attempt = dict(job.params), job.prompt, job.requester_id, job.attempts

        created_file: Path | None = None
        try:
            request, author_handle, parent_file, cameo_ids = self._prepare(requester_id, prompt, params)
            reporter = self._progress_writer(job_id, progress)
            clip = self._backend(params["backend"], params.get("model")).generate(request, reporter)
            reporter(1.0, "storing the clip")
            stored = store_ai_clip(clip, self._wb.media_dir, author=author_handle, credentials=self._wb.credentials,
                                   parent=parent_file)
            created_file = stored.path if stored.is_new else None
            reporter(1.0, "scanning the clip")
            scan = self._wb.scanner.scan(stored.path, granted_cameo_ids=set(cameo_ids))
            hits = list(scan.hits) + review_hits(params.get("review", []))
            with self._wb.transaction() as session:
                if self._lost(session, job_id, attempt):
                    raise JobLost(f"job #{job_id} was given to another worker")
                video = insert_video(session, author_id=requester_id, request=request, clip=clip,
                                     media_path=stored.path.relative_to(self._wb.media_dir).as_posix(),
                                     media_sha256=stored.sha256, backend=params["backend"],
                                     allow_remix=params["allow_remix"], remix_of=params["remix_of"],
                                     cameo_ids=cameo_ids, fingerprint=scan.fingerprint)
                if hits:
                    hold(session, video, hits, provenance=scan.provenance, deepfake=scan.deepfake)
                elif params["publish"]:
                    video_states.publish(session, video)
                job = session.get(GenerationJob, job_id)
                job.status, job.progress, job.video_id, job.finished_at = JobStatus.SUCCEEDED, 1.0, video.id, utcnow()
                job.progress_message = "done"
                audit(session, session.get(User, requester_id), "video.create", "video", video.id,
                      backend=params["backend"], remix_of=params["remix_of"], published=params["publish"] and not hits,
                      cameos=params.get("cameos", []), held=video.held_reason)
                session.flush()
                return video_views(session, [video], self._wb.media_dir)[0]
        except BaseException as error:
            if created_file is not None:
                created_file.unlink(missing_ok=True)
            if isinstance(error, JobLost):
                return None
            with self._wb.transaction() as session:
                if not self._lost(session, job_id, attempt):
                    job = session.get(GenerationJob, job_id)
                    job.status, job.error, job.finished_at = JobStatus.FAILED, f"{type(error).__name__}: {error}", utcnow()
            raise

    @staticmethod
    def _lost(session: Session, job_id: int, attempt: int) -> bool:
        """Whether this attempt no longer owns the job (recovery judged its worker dead and queued it
        again): then its result is dropped, so a job never makes two clips. Locks the job row."""
        job = session.scalar(select(GenerationJob).where(GenerationJob.id == job_id).with_for_update())
        return job.status is not JobStatus.RUNNING or job.attempts != attempt

    def recover_stale_jobs(self, stale_after_s: float) -> dict:
        """Find jobs whose worker died (running, heartbeat stale) and queue them again, or fail them
        after MAX_ATTEMPTS; re-send queued jobs nobody took; delete temporary media files they left."""
        cutoff = utcnow() - timedelta(seconds=stale_after_s)
        retried, failed, resent = [], [], []
        with self._wb.transaction() as session:
            stale = session.scalars(select(GenerationJob).where(
                GenerationJob.status.in_([JobStatus.RUNNING, JobStatus.QUEUED]),
                GenerationJob.heartbeat_at < cutoff).with_for_update())
            for job in stale:
                if job.status is JobStatus.QUEUED:
                    resent.append(job.id)
                elif job.attempts >= MAX_ATTEMPTS:
                    job.status, job.finished_at = JobStatus.FAILED, utcnow()
                    job.error = f"the worker stopped responding on each of {job.attempts} attempts"
                    failed.append(job.id)
                    continue
                else:
                    job.status, job.progress_message = JobStatus.QUEUED, "retrying: the worker stopped responding"
                    retried.append(job.id)
                job.heartbeat_at = utcnow()
        for job_id in retried + resent:
            self._wb.queue.enqueue(job_id)
        removed = 0
        for temp in self._wb.media_dir.glob(f"{TEMP_PREFIX}*"):
            if datetime.fromtimestamp(temp.stat().st_mtime, timezone.utc) < cutoff:
                temp.unlink(missing_ok=True)
                removed += 1
        return {"retried": retried, "failed": failed, "resent": resent, "temp_files_removed": removed}

    def _prepare(self, requester_id: int, prompt: str,
                 params: dict) -> tuple[GenerationRequest, str, Path | None, list[int]]:
        """Re-check what may have changed since the job was queued (a removed parent, a revoked
        cameo), and build the backend's request."""
        self._wb.policy.screen(requester_id, prompt, cameos=params.get("cameos", []), record=False)
        with self._wb.transaction() as session:
            user = load_actor(session, requester_id)
            parent = check_remixable(session, user, params["remix_of"]) if params["remix_of"] is not None else None
            parent_file = self._wb.media_dir / parent.media_path if parent else None
            cameos = require_use(session, user, params.get("cameos", []))
            handle, cameo_ids = user.handle, [cameo.id for cameo in cameos]
            cameo_identities = identities(cameos, self._wb.media_dir)
        shots = split_shots(prompt)
        request = GenerationRequest(prompt=prompt, seed=params["seed"], duration_s=params["duration_s"],
                                    width=params["width"], height=params["height"],
                                    moods=tuple(params["moods"]), caption=params["caption"],
                                    shots=shots if len(shots) > 1 else (), cameos=cameo_identities,
                                    parent=read_clip(parent_file) if parent_file else None)  # decoded after the transaction
        return request, handle, parent_file, cameo_ids

    def _progress_writer(self, job_id: int, progress: ProgressCallback | None) -> ProgressCallback:
        """Pass progress on, and write it (with a fresh heartbeat) to the job row now and then."""
        last_write = 0.0

        def report(fraction: float, message: str) -> None:
            nonlocal last_write
            if progress:
                progress(fraction, message)
            now = time.monotonic()
            if now - last_write >= PROGRESS_INTERVAL_S or fraction >= 1.0:
                last_write = now
                with self._wb.transaction() as session:
                    session.execute(update(GenerationJob).where(GenerationJob.id == job_id).values(
                        progress=min(max(fraction, 0.0), 1.0), progress_message=message[:120], heartbeat_at=utcnow()))

        return report

    def _backend(self, name: str, model: str | None) -> GenerationBackend:
        """The backend for a job; diffusers backends are built on first use, one per model."""
        if name != "diffusers":
            return self.backends[name]
        model = model or self._wb.settings.diffusers_model
        key = f"diffusers:{model}"
        with self._backends_lock:  # two sessions' first jobs must not load the same pipeline twice
            if key not in self.backends:
                from workbench.media.diffusers_backend import DiffusersBackend

                self.backends[key] = DiffusersBackend(model=model)
            return self.backends[key]
