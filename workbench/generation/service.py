"""Creating clips as jobs: validate and authorize, record a queued job, then (in a worker, or inline)
render with a backend, mark the clip as AI-generated, store the file and write the rows.

Nothing is written when the request is bad. A failed render leaves a failed job with its reason and
no orphan file; a job whose worker died is found by its stale heartbeat and retried, or failed once
it has used up its attempts."""
from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor
from workbench.config import Settings
from workbench.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    refuse_unstorable_text,
)
from workbench.files import TEMP_PREFIX
from workbench.media.backend import (
    GenerationBackend,
    GenerationRequest,
    ProgressCallback,
    RenderedClip,
    caption_of,
    split_shots,
)
from workbench.media.codec import read_clip
from workbench.media.moods import classify_prompt, mood_names
from workbench.media.procedural import MAX_SIDE, MIN_SIDE, ProceduralBackend
from workbench.media.provenance import (
    SigningCredentials,
    ensure_credentials,
    read_storyboard,
    store_ai_clip,
)
from workbench.safety.evidence import DeepfakeScores, ScanHit
from workbench.safety.policy import ALLOW
from workbench.safety.scan import OutputScanner, fingerprint_bytes, open_scan_case
from workbench.safety.service import PolicyService, refuse_overlong_text
from workbench.social.consent import identities, require_use
from workbench.social.notifications import tell_cameo_used, tell_published
from workbench.social.videos import VideoView, load_visible_video, video_views
from workbench.states import videos as video_states
from workbench.store.db import Store
from workbench.store.models import (
    Cameo,
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

#: vertical 9:16, the feed's format
DEFAULT_SIZE = (360, 640)
#: a job is tried this many times when its worker dies; a render that raises is not retried
MAX_ATTEMPTS = 3
#: recovery deletes files no row names, and temporary files, once they are this old: far longer than any
#: store takes between writing a file and its row (seeding the demo world writes its rows last)
LEFT_FILES_AFTER_S = 3600.0
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
    return refuse_overlong_text(prompt)


def credits(remixed_author: str | None, cameo_handles) -> str:
    """What a caption always ends with, whatever its author writes: whose clip it remixes and whose
    cameos are in it (" · remix of @ana · featuring @maya")."""
    remix = f" · remix of @{remixed_author}" if remixed_author else ""
    featuring = f" · featuring {', '.join('@' + handle for handle in cameo_handles)}" if cameo_handles else ""
    return remix + featuring


def without_credits(caption: str) -> str:
    """The words the author wrote, without the credits `credits` added (what an edit starts from)."""
    return re.split(r" · (?:remix of|featuring) @", caption, maxsplit=1)[0]


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


def insert_video(session: Session, *, author_id: int, request: GenerationRequest, clip: RenderedClip, media_path: str,
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
        remix_parent_id=parent.id if parent else None, remix_parent_author_id=parent.author_id if parent else None,
        remix_root_id=(parent.remix_root_id or parent.id) if parent else None,
        remix_depth=parent.remix_depth + 1 if parent else 0,
        moods=[VideoMood(mood=m, rank=i) for i, m in enumerate(request.moods)],
        created_at=created_at or utcnow(),
    )
    session.add(video)
    session.flush()
    session.add_all(VideoCameo(video_id=video.id, cameo_id=cameo_id) for cameo_id in cameo_ids)
    if cameo_ids:
        session.flush()
        tell_cameo_used(session, video)
    if fingerprint is not None:
        session.add(VideoFingerprint(video_id=video.id, frame_hashes=fingerprint_bytes(fingerprint)))
    return video




def review_hits(reasons: list[dict]) -> list[ScanHit]:
    """A prompt the policy sent to review holds its clip like a scan hit does."""
    return [ScanHit("prompt_review", f"the prompt was sent to review ({reason['code']}: {reason['matched']})",
                    reason=reason) for reason in reasons]


def hold(session: Session, video: Video, hits: list[ScanHit], *, provenance: dict | None = None,
         uploader: str | None = None, deepfake: DeepfakeScores | None = None) -> None:
    """Keep a clip back as a draft for review and open (or add to) its moderation case."""
    video_states.hold(session, video, "; ".join(hit.detail for hit in hits))
    open_scan_case(session, video.id, hits, provenance=provenance, uploader=uploader, deepfake=deepfake)


class ClipService:
    def __init__(self, store: Store, settings: Settings, policy: PolicyService, scanner: OutputScanner,
                 enqueue: Callable[[int], None], backends: dict[str, GenerationBackend] | None = None) -> None:
        """`enqueue(job_id)` hands a job to the queue's workers (which call run_job)."""
        self._store, self._settings, self._policy, self._scanner = store, settings, policy, scanner
        self._enqueue = enqueue
        self.backends = backends or {"procedural": ProceduralBackend()}
        self._backends_lock = threading.Lock()

    @property
    def _credentials(self) -> SigningCredentials:
        """The local C2PA signing chain (created under the data folder on first use)."""
        return ensure_credentials(self._settings.provenance_dir())

    def submit(self, actor: ActorRef, prompt: str, *, seed: int | None = None, duration_s: float = 4.0,
               moods: tuple[str, ...] | None = None, allow_remix: bool = True, remix_of: int | None = None,
               backend: str = "procedural", model: str | None = None, publish: bool = False,
               cameos: tuple[str, ...] = (), size: tuple[int, int] = DEFAULT_SIZE) -> JobView:
        """Queue a clip for rendering and return its job at once (the page polls `job`)."""
        job = self._record_job(actor, prompt, seed=seed, duration_s=duration_s, moods=moods, allow_remix=allow_remix,
                               remix_of=remix_of, backend=backend, model=model, publish=publish, cameos=cameos,
                               size=size)
        self._enqueue(job.id)
        return self.job(actor, job.id)

    def create(self, actor: ActorRef, prompt: str, *, progress: ProgressCallback | None = None,
               **options) -> VideoView:
        """Render a clip now, in this process (the CLI, notebooks, scripts); same job record as `submit`,
        marked inline: no worker retries it if this process dies, so recovery fails it instead. Jobs
        that earlier inline runs left behind are recovered first (no worker may ever run here)."""
        self.recover_stale_jobs(self._settings.job_stale_after_s)
        job = self._record_job(actor, prompt, inline=True, **options)
        return self.run_job(job.id, progress)

    def remix(self, actor: ActorRef, video_id: int, prompt: str, **options) -> VideoView:
        return self.create(actor, prompt, remix_of=video_id, **options)

    def edit_caption(self, actor: ActorRef, video_id: int, caption: str) -> VideoView:
        """Change the caption of one's own clip. The new words pass the prompt policy as a prompt does
        (a caption the policy would send to review is refused: it would reach feeds unreviewed); a
        remix keeps its credit to the clip it remixes."""
        caption = refuse_overlong_text(refuse_unstorable_text((caption or "").strip(), "caption"), "caption")
        if not caption:
            raise InvalidInput("a caption cannot be empty")
        decision = self._policy.screen(actor, caption)
        if decision.decision != ALLOW:
            raise Forbidden(f"{decision.message('caption')}, so it was not set")
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            video = load_visible_video(session, user, video_id)
            if video.author_id != user.id:
                raise Forbidden("only the author can edit a clip's caption")
            parent = session.get(Video, video.remix_parent_id) if video.remix_parent_id is not None else None
            caption += credits(parent.author.handle if parent else None,
                               session.scalars(select(Cameo.handle).join(VideoCameo, VideoCameo.cameo_id == Cameo.id)
                                               .where(VideoCameo.video_id == video.id)).all())
            if not video_states.recaption(session, video, caption):
                raise Conflict(f"clip #{video.id} was removed: its caption can no longer change")
            audit(session, user, "video.caption", "video", video.id)
            return video_views(session, [video], self._store.media_dir)[0]

    def job(self, actor: ActorRef, job_id: int) -> JobView:
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            job = session.get(GenerationJob, job_id)
            if job is None or job.requester_id != user.id:
                raise NotFound(f"no generation job #{job_id}")
            return JobView.of(job)

    def jobs(self, actor: ActorRef, limit: int = 10) -> list[JobView]:
        """The actor's most recent jobs, newest first."""
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            rows = session.scalars(select(GenerationJob).where(GenerationJob.requester_id == user.id)
                                   .order_by(GenerationJob.id.desc()).limit(limit))
            return [JobView.of(job) for job in rows]

    def _record_job(self, actor: ActorRef, prompt: str, *, seed: int | None = None, duration_s: float = 4.0,
                    moods: tuple[str, ...] | None = None, allow_remix: bool = True, remix_of: int | None = None,
                    backend: str = "procedural", model: str | None = None, publish: bool = False,
                    cameos: tuple[str, ...] = (), size: tuple[int, int] = DEFAULT_SIZE,
                    inline: bool = False) -> GenerationJob:
        """Validate and authorize everything up front, then write one queued job row."""
        prompt = validate_prompt(prompt)
        width, height = size
        if not all(isinstance(side, int) and MIN_SIDE <= side <= MAX_SIDE and side % 2 == 0 for side in size):
            raise InvalidInput(f"width and height are even numbers of pixels from {MIN_SIDE} to {MAX_SIDE}")
        limits = self._settings
        if not (limits.clip_min_s <= duration_s <= limits.clip_max_generated_s):
            raise InvalidInput(f"a clip lasts {limits.clip_min_s:g}-{limits.clip_max_generated_s:g} seconds")
        if backend not in self.backends and backend != "diffusers":
            raise InvalidInput(f"unknown backend {backend!r}; available: {', '.join(sorted({*self.backends, 'diffusers'}))}")
        unknown = [m for m in (moods or ()) if m not in mood_names()]
        if unknown:
            raise InvalidInput(f"unknown mood {unknown[0]!r}; choose from {', '.join(mood_names())}")
        if seed is None:
            seed = secrets.randbelow(2**31)
        if not (0 <= seed < 2**31):
            raise InvalidInput("a seed is a whole number from 0 to 2147483647")
        decision = self._policy.screen(actor, prompt, cameos=cameos)

        with self._store.transaction() as session:
            user = load_actor(session, actor)
            caption = caption_of(prompt)
            parent_moods: tuple[str, ...] = ()
            if remix_of is not None:
                parent = check_remixable(session, user, remix_of)
                caption += credits(parent.author.handle, ())
                parent_moods = tuple(m.mood for m in parent.moods)
            moods = tuple(moods or ()) or tuple(dict.fromkeys(classify_prompt(prompt) + parent_moods))[:3]
            chosen = require_use(session, user, tuple(cameos))
            cameo_handles = [cameo.handle for cameo in chosen]
            caption += credits(None, cameo_handles)
            job = GenerationJob(requester_id=user.id, status=JobStatus.QUEUED, prompt=prompt, heartbeat_at=utcnow(),
                                params={"seed": seed, "duration_s": duration_s, "moods": list(moods),
                                        "caption": caption, "backend": backend, "model": model,
                                        "remix_of": remix_of, "allow_remix": allow_remix, "publish": publish,
                                        "cameos": cameo_handles, "width": width, "height": height, "inline": inline,
                                        "review": [reason.as_dict() for reason in decision.reasons]})
            session.add(job)
            session.flush()
            audit(session, user, "job.submit", "generation_job", job.id, backend=backend, remix_of=remix_of)
            return job

    def run_job(self, job_id: int, progress: ProgressCallback | None = None) -> VideoView | None:
        """Render one queued job (the worker's task). Returns None if another worker already took it."""
        with self._store.transaction() as session:
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
            stored = store_ai_clip(clip, self._store.media_dir, author=author_handle, credentials=self._credentials,
                                   parent=parent_file)
            created_file = stored.path if stored.is_new else None
            reporter(1.0, "scanning the clip")
            scan = self._scanner.scan(stored.path, granted_cameo_ids=set(cameo_ids),
                                      trust_anchors=self._credentials.root_cert)
            hits = list(scan.hits) + review_hits(params.get("review", []))
            with self._store.transaction() as session:
                if self._lost(session, job_id, attempt):
                    raise JobLost(f"job #{job_id} was given to another worker")
                video = insert_video(session, author_id=requester_id, request=request, clip=clip,
                                     media_path=stored.path.relative_to(self._store.media_dir).as_posix(),
                                     media_sha256=stored.sha256, backend=params["backend"],
                                     allow_remix=params["allow_remix"], remix_of=params["remix_of"],
                                     cameo_ids=cameo_ids, fingerprint=scan.fingerprint)
                if hits:
                    hold(session, video, hits, provenance=scan.provenance, deepfake=scan.deepfake)
                elif params["publish"] and video_states.publish(session, video):
                    tell_published(session, video)
                job = session.get(GenerationJob, job_id)
                job.status, job.progress, job.video_id, job.finished_at = JobStatus.SUCCEEDED, 1.0, video.id, utcnow()
                job.progress_message = "done"
                audit(session, session.get(User, requester_id), "video.create", "video", video.id,
                      backend=params["backend"], remix_of=params["remix_of"], published=params["publish"] and not hits,
                      cameos=params.get("cameos", []), held=video.held_reason)
                session.flush()
                return video_views(session, [video], self._store.media_dir)[0]
        except BaseException as error:
            if created_file is not None:
                created_file.unlink(missing_ok=True)
            if isinstance(error, JobLost):
                return None
            with self._store.transaction() as session:
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

    def recover_stale_jobs(self, stale_after_s: float, files_after_s: float = LEFT_FILES_AFTER_S) -> dict:
        """Find jobs whose worker died (running, heartbeat stale) and queue them again, or fail them
        after MAX_ATTEMPTS (an inline job at once: nothing would take it again); re-send queued jobs
        nobody took; delete what dead processes left in the media folder: temporary files, and clip
        files or reference images that no row names (a process killed between storing a file and
        writing its row). Only files older than `files_after_s` are touched, so a file being stored now
        (an upload's, the demo world's while it seeds) is never taken."""
        cutoff = utcnow() - timedelta(seconds=stale_after_s)
        files_cutoff = utcnow() - timedelta(seconds=files_after_s)
        retried, failed, resent = [], [], []
        with self._store.transaction() as session:
            stale = session.scalars(select(GenerationJob).where(
                GenerationJob.status.in_([JobStatus.RUNNING, JobStatus.QUEUED]),
                GenerationJob.heartbeat_at < cutoff).with_for_update())
            for job in stale:
                if job.status is JobStatus.QUEUED and not job.params.get("inline"):
                    resent.append(job.id)
                elif job.params.get("inline") or job.attempts >= MAX_ATTEMPTS:
                    job.status, job.finished_at = JobStatus.FAILED, utcnow()
                    job.error = ("the process rendering it inline stopped (killed or crashed): create it again"
                                 if job.params.get("inline") else
                                 f"the worker stopped responding on each of {job.attempts} attempts")
                    failed.append(job.id)
                    continue
                else:
                    job.status, job.progress_message = JobStatus.QUEUED, "retrying: the worker stopped responding"
                    retried.append(job.id)
                job.heartbeat_at = utcnow()
            named = {*session.scalars(select(Video.media_path)),
                     *session.scalars(select(Cameo.reference_image_path).where(Cameo.reference_image_path.is_not(None)))}
        for job_id in retried + resent:
            self._enqueue(job_id)
        media = self._store.media_dir
        left = [*media.rglob(f"{TEMP_PREFIX}*"),
                *(path for path in [*media.glob("??/*.mp4"), *media.glob("faces/*.png")]
                  if path.relative_to(media).as_posix() not in named)]
        removed = 0
        for path in left:
            try:
                if datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) < files_cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another recovery took it
                continue
        return {"retried": retried, "failed": failed, "resent": resent, "files_removed": removed}

    def _prepare(self, requester_id: int, prompt: str,
                 params: dict) -> tuple[GenerationRequest, str, Path | None, list[int]]:
        """Re-check what may have changed since the job was queued (a removed parent, a revoked
        cameo), and build the backend's request."""
        self._policy.screen(requester_id, prompt, cameos=params.get("cameos", []), record=False)
        with self._store.transaction() as session:
            user = load_actor(session, requester_id)
            parent = check_remixable(session, user, params["remix_of"]) if params["remix_of"] is not None else None
            parent_file = self._store.media_dir / parent.media_path if parent else None
            cameos = require_use(session, user, params.get("cameos", []))
            handle, cameo_ids = user.handle, [cameo.id for cameo in cameos]
            cameo_identities = identities(cameos, self._store.media_dir)
        shots = split_shots(prompt)
        request = GenerationRequest(prompt=prompt, seed=params["seed"], duration_s=params["duration_s"],
                                    width=params["width"], height=params["height"],
                                    moods=tuple(params["moods"]), caption=params["caption"],
                                    shots=shots if len(shots) > 1 else (), cameos=cameo_identities,
                                    parent=None)
        if parent_file is not None:  # decoded after the transaction, only the frames the remix uses
            parent = read_clip(parent_file, size=(request.width, request.height),
                               frame_count=round(request.duration_s * request.fps), fps=request.fps)
            signed = read_storyboard(parent_file)  # what the parent shows, so a remix can move it elsewhere
            request = replace(request, parent=replace(parent, metadata=signed or {}))
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
                with self._store.transaction() as session:
                    session.execute(update(GenerationJob).where(GenerationJob.id == job_id).values(
                        progress=min(max(fraction, 0.0), 1.0), progress_message=message[:120], heartbeat_at=utcnow()))

        return report

    def _backend(self, name: str, model: str | None) -> GenerationBackend:
        """The backend for a job; diffusers backends are built on first use, one per model."""
        if name != "diffusers":
            return self.backends[name]
        model = model or self._settings.diffusers_model
        key = f"diffusers:{model}"
        with self._backends_lock:  # two sessions' first jobs must not load the same pipeline twice
            if key not in self.backends:
                from workbench.media.diffusers_backend import DiffusersBackend

                self.backends[key] = DiffusersBackend(model=model)
            return self.backends[key]
