"""Creating clips: validate, check the parent for remixes, render with a backend, store the file,
then write the rows. Nothing is written when the request is bad; a failed render leaves a failed
job with its reason and no orphan file."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor
from workbench.errors import Forbidden, InvalidInput, NotFound
from workbench.generation.backend import Clip, GenerationBackend, GenerationRequest, ProgressCallback
from workbench.generation.media import write_content_addressed
from workbench.generation.moods import classify_prompt, mood_names
from workbench.generation.procedural import ProceduralBackend
from workbench.social.videos import VideoView, load_visible_video, video_views
from workbench.store.models import GenerationJob, JobStatus, User, Video, VideoMood, VideoStatus, utcnow

MAX_PROMPT_CHARS = 2000
MIN_DURATION_S, MAX_DURATION_S = 1.0, 20.0


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
                 created_at: datetime | None = None) -> Video:
    """Write a draft's row with its moods and remix lineage (parent, root, depth)."""
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
    return video


class ClipService:
    def __init__(self, workbench, backends: dict[str, GenerationBackend] | None = None) -> None:
        self._wb = workbench
        self.backends = backends or {"procedural": ProceduralBackend()}

    def create(self, actor: ActorRef, prompt: str, *, seed: int | None = None, duration_s: float = 4.0,
               moods: tuple[str, ...] | None = None, allow_remix: bool = True, remix_of: int | None = None,
               backend: str = "procedural", publish: bool = False,
               progress: ProgressCallback | None = None) -> VideoView:
        """Generate a clip as a draft (or published at once with ``publish=True``)."""
        prompt = validate_prompt(prompt)
        if not (MIN_DURATION_S <= duration_s <= MAX_DURATION_S):
            raise InvalidInput(f"a clip lasts {MIN_DURATION_S:g}-{MAX_DURATION_S:g} seconds")
        if backend not in self.backends:
            raise InvalidInput(f"unknown backend {backend!r}; available: {', '.join(self.backends)}")
        unknown = [m for m in (moods or ()) if m not in mood_names()]
        if unknown:
            raise InvalidInput(f"unknown mood {unknown[0]!r}; choose from {', '.join(mood_names())}")
        if seed is None:
            seed = secrets.randbelow(2**31)
        if not (0 <= seed < 2**31):
            raise InvalidInput("a seed is a whole number from 0 to 2147483647")

        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            caption = prompt
            parent_moods: tuple[str, ...] = ()
            if remix_of is not None:
                parent = check_remixable(session, user, remix_of)
                caption = f"{prompt} · remix of @{parent.author.handle}"
                parent_moods = tuple(m.mood for m in parent.moods)
            moods = tuple(moods or ()) or tuple(dict.fromkeys(classify_prompt(prompt) + parent_moods))[:3]
            job = GenerationJob(requester_id=user.id, status=JobStatus.RUNNING, prompt=prompt, attempts=1,
                                started_at=utcnow(),
                                params={"seed": seed, "duration_s": duration_s, "moods": list(moods),
                                        "backend": backend, "remix_of": remix_of})
            session.add(job)
            session.flush()
            job_id, user_id = job.id, user.id

        request = GenerationRequest(prompt=prompt, seed=seed, duration_s=duration_s, moods=moods, caption=caption)
        created_file = None
        try:
            clip = self.backends[backend].generate(request, progress)
            media_dir = self._wb.media_dir
            path, sha256, is_new = write_content_addressed(clip, media_dir)
            created_file = path if is_new else None
            with self._wb.transaction() as session:
                video = insert_video(session, author_id=user_id, request=request, clip=clip,
                                     media_path=path.relative_to(media_dir).as_posix(), media_sha256=sha256,
                                     backend=backend, allow_remix=allow_remix, remix_of=remix_of)
                if publish:
                    video.status, video.published_at = VideoStatus.PUBLISHED, utcnow()
                job = session.get(GenerationJob, job_id)
                job.status, job.progress, job.video_id, job.finished_at = JobStatus.SUCCEEDED, 1.0, video.id, utcnow()
                audit(session, session.get(User, user_id), "video.create", "video", video.id,
                      backend=backend, remix_of=remix_of, published=publish)
                session.flush()
                return video_views(session, [video], media_dir)[0]
        except BaseException as error:
            if created_file is not None:
                created_file.unlink(missing_ok=True)
            with self._wb.transaction() as session:
                job = session.get(GenerationJob, job_id)
                job.status, job.error, job.finished_at = JobStatus.FAILED, f"{type(error).__name__}: {error}", utcnow()
            raise

    def remix(self, actor: ActorRef, video_id: int, prompt: str, **options) -> VideoView:
        return self.create(actor, prompt, remix_of=video_id, **options)
