"""The deterministic demo world behind `workbench seed --demo`.

The same seed gives the same people, graph, clips (byte-identical files), remix chains and
telemetry. All media is rendered first; then every row is written in one transaction, so a
failure leaves nothing half-written (and removes the files it had just created).
"""
from __future__ import annotations

import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from workbench.actors import audit
from workbench.cameo.service import store_reference_image
from workbench.errors import Conflict
from workbench.faces.alignment import distinct_person
from workbench.files import packaged_data
from workbench.generation.service import credits, insert_video
from workbench.media.backend import (
    CameoIdentity,
    GenerationRequest,
    ProgressCallback,
    caption_of,
)
from workbench.media.moods import classify_prompt
from workbench.media.procedural import ProceduralBackend
from workbench.media.provenance import SigningCredentials, store_ai_clip
from workbench.safety.hashing import library_hashes
from workbench.safety.reports import open_or_merge_case
from workbench.social.videos import recount_engagement
from workbench.states import videos as video_states
from workbench.store.models import (
    Cameo,
    CameoApproval,
    CameoKind,
    CameoPermission,
    CameoStatus,
    Comment,
    Follow,
    IpOptOut,
    Like,
    Meta,
    OptOutScope,
    Report,
    Role,
    User,
    Video,
    VideoStatus,
    WatchEvent,
    utcnow,
)

FIXTURE = packaged_data("demo_world.json")
META_KEY = "demo_world"
DURATIONS_S = (3.0, 4.0, 4.0, 5.0, 6.0, 8.0)
COMMENTS = ("love this", "again!", "how did you make this", "remixing this now", "so calm", "ha!", "the ending",
            "10/10", "wait for it")


@dataclass
class PlannedClip:
    index: int
    author: str
    prompt: str
    seed: int
    duration_s: float
    parent: int | None = None
    published: bool = True
    allow_remix: bool = True
    cameos: list[str] = field(default_factory=list)
    caption: str = ""


def plan_clips(rng: random.Random, authors: list[str], count: int, fixture: dict,
               cameo_handles: list[str]) -> list[PlannedClip]:
    """Originals from the prompt templates, then remixes of earlier published clips; clip 0 starts a
    chain four deep so every demo has a long lineage to show."""
    prompts = [p for group in fixture["prompts"].values() for p in group]
    twists = fixture["remix_twists"]
    plans: list[PlannedClip] = []
    for index in range(count):
        author = rng.choice(authors)
        seed = rng.randrange(2**31)
        duration = rng.choice(DURATIONS_S)
        chain_parent = index - 1 if 1 <= index <= 3 else None
        remixable = [p.index for p in plans if p.published and p.allow_remix]
        if chain_parent is None and remixable and rng.random() < 0.3:
            chain_parent = rng.choice(remixable)
        if chain_parent is not None:
            parent = plans[chain_parent]
            base = parent.prompt.split(", ")[0]
            prompt = f"{base}, {twists[(index + rng.randrange(len(twists))) % len(twists)]}"
            plan = PlannedClip(index, author, prompt, seed, parent.duration_s, parent=chain_parent)
            plan.caption = caption_of(prompt) + credits(parent.author, ())
        else:
            prompt = prompts[index % len(prompts)] if index < len(prompts) else rng.choice(prompts)
            plan = PlannedClip(index, author, prompt, seed, duration)
            plan.caption = caption_of(prompt)
            plan.allow_remix = index < 4 or rng.random() > 0.1
        plan.published = index < 4 or rng.random() > 0.08
        if cameo_handles and rng.random() < 0.12:
            plan.cameos = [rng.choice(cameo_handles)]
            plan.caption += credits(None, plan.cameos)
        plans.append(plan)
    return plans


def _render(task: RenderTask) -> tuple[str, str, bool, float, int, int, int, np.ndarray]:
    """Render, mark and store one clip; returns what the rows need (the frames are not kept), its
    fingerprint included, so a removed demo clip is recognised when it is uploaded again."""
    clip = ProceduralBackend().generate(task.request)
    path, sha256, is_new = store_ai_clip(clip, task.media_dir, author=task.author, credentials=task.credentials)
    fingerprint = library_hashes(path)
    return str(path), sha256, is_new, clip.duration_s, clip.width, clip.height, clip.fps, fingerprint


@dataclass(frozen=True)
class RenderTask:
    request: GenerationRequest
    author: str
    media_dir: Path
    credentials: SigningCredentials


def world_counts(session) -> dict:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "users": count(User), "follows": count(Follow), "cameos": count(Cameo), "clips": count(Video),
        "published": count(Video, Video.status == VideoStatus.PUBLISHED),
        "drafts": count(Video, Video.status == VideoStatus.DRAFT),
        "remixes": count(Video, Video.remix_parent_id.is_not(None)),
        "max_remix_depth": session.scalar(select(func.coalesce(func.max(Video.remix_depth), 0))),
        "watch_events": count(WatchEvent), "likes": count(Like), "comments": count(Comment),
        "reports": count(Report), "opt_outs": count(IpOptOut),
    }


def seed_demo(wb, *, seed: int = 7, clips: int = 100, workers: int | None = None,
              progress: ProgressCallback | None = None) -> dict:
    """Build the demo world in an empty database. Run again on the same database, it changes
    nothing and reports what is there; on a database holding other data it refuses."""
    with wb.transaction() as session:
        existing = session.scalar(select(Meta.value).where(Meta.key == META_KEY))
        if existing is not None:
            return {"created": False, "seed": existing["seed"], **world_counts(session)}
        users = session.scalar(select(func.count()).select_from(User))
        if users:
            raise Conflict(f"this database already holds {users} users but no demo world; "
                           "seed the demo into an empty database (set WORKBENCH_DATABASE_URL or WORKBENCH_DATA_DIR)")

    fixture = json.loads(FIXTURE.read_text())
    rng = random.Random(seed)
    personas = fixture["personas"]
    creators = [p["handle"] for p in personas if p.get("role", "user") == "user"]
    shareable_cameos = [p["handle"] for p in personas if p.get("cameo") == "everyone"] + [
        c["handle"] for c in fixture["character_cameos"] if c["permission"] == "everyone"]
    plans = plan_clips(rng, creators, clips, fixture, shareable_cameos)

    faces = {handle: distinct_person(index) for index, handle in enumerate(
        p["handle"] for p in personas if "cameo" in p)}
    tasks = [RenderTask(GenerationRequest(prompt=p.prompt, seed=p.seed, duration_s=p.duration_s, caption=p.caption,
                                          moods=_moods_for(p, plans),
                                          cameos=tuple(CameoIdentity(h, faces.get(h), kind="person" if h in faces
                                                                     else "character") for h in p.cameos)),
                        p.author, wb.media_dir, wb.credentials)
             for p in plans]
    rendered: list[tuple] = []
    new_files: list[Path] = []
    try:
        references = {}
        for handle, pixels in faces.items():
            references[handle], created = store_reference_image(pixels, wb.media_dir)
            if created:
                new_files.append(wb.media_dir / references[handle])
        workers = workers or min(2, os.cpu_count() or 1)
        # Threads suffice: rendering (numpy) and encoding (x264) release the GIL, and unlike worker
        # processes they work from any host (a notebook, the Streamlit server, a pytest worker).
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done, result in enumerate(pool.map(_render, tasks), start=1):
                rendered.append(result)
                if result[2]:
                    new_files.append(Path(result[0]))
                if progress:
                    progress(done / (len(tasks) + 1), f"rendered clip {done} of {len(tasks)}")
        with wb.transaction() as session:
            _write_world(session, wb.media_dir, rng, fixture, plans, tasks, rendered, references, seed)
            counts = world_counts(session)
            session.add(Meta(key=META_KEY, value={"seed": seed, "counts": counts}))
    except BaseException:
        for path in new_files:
            path.unlink(missing_ok=True)
        raise
    if progress:
        progress(1.0, "demo world ready")
    return {"created": True, "seed": seed, **counts}


def _moods_for(plan: PlannedClip, plans: list[PlannedClip]) -> tuple[str, ...]:
    """A remix keeps its chain's look: the moods come from the root prompt."""
    while plan.parent is not None:
        plan = plans[plan.parent]
    return classify_prompt(plan.prompt)


def _write_world(session, media_dir: Path, rng: random.Random, fixture: dict, plans: list[PlannedClip],
                 tasks: list, rendered: list, references: dict[str, str], seed: int) -> None:
    now = utcnow()
    users: dict[str, User] = {}
    for persona in fixture["personas"]:
        user = User(handle=persona["handle"], display_name=persona["display_name"],
                    role=Role(persona.get("role", "user")), is_teen=persona.get("is_teen", False),
                    region=persona["region"], bio=persona.get("bio", ""), created_at=now - timedelta(days=30))
        session.add(user)
        users[user.handle] = user
    session.flush()

    handles = list(users)
    follow_pairs = set()
    for handle in handles:
        for other in rng.sample([h for h in handles if h != handle], k=rng.randint(3, 10)):
            follow_pairs.add((users[handle].id, users[other].id))
    session.add_all(Follow(follower_id=a, followee_id=b) for a, b in sorted(follow_pairs))

    cameos: dict[str, Cameo] = {}
    for persona in fixture["personas"]:
        if "cameo" in persona:
            cameos[persona["handle"]] = Cameo(
                owner_id=users[persona["handle"]].id, kind=CameoKind.PERSON, handle=persona["handle"],
                display_name=persona["display_name"], permission=CameoPermission(persona["cameo"]),
                status=CameoStatus.VERIFIED, verified_at=now, verification={"method": "demo-seed"},
                reference_image_path=references.get(persona["handle"]))
    for character in fixture["character_cameos"]:
        cameos[character["handle"]] = Cameo(
            owner_id=users[character["owner"]].id, kind=CameoKind.CHARACTER, handle=character["handle"],
            display_name=character["display_name"], permission=CameoPermission(character["permission"]),
            status=CameoStatus.VERIFIED, verified_at=now, verification={"method": "demo-seed"})
    session.add_all(cameos.values())
    session.flush()
    if "dev" in cameos:
        session.add_all(CameoApproval(cameo_id=cameos["dev"].id, user_id=users[h].id) for h in ("ana", "ravi"))

    holder = next(u for u in users.values() if u.role is Role.RIGHTS_HOLDER)
    for entry in fixture["opt_outs"]:
        session.add(IpOptOut(holder_id=holder.id, name=entry["name"], aliases=entry["aliases"],
                             description=entry["description"], scope=OptOutScope(entry["scope"]),
                             rules=entry.get("rules", "")))

    videos: list[Video] = []
    span = timedelta(days=7)
    for plan, task, (path, sha256, _new, duration, width, height, fps, fingerprint) in zip(plans, tasks, rendered):
        created = now - span + span * (plan.index + 0.5) / len(plans)
        video = insert_video(
            session, author_id=users[plan.author].id, request=task.request,
            clip=_ClipFacts(duration, width, height, fps),
            media_path=Path(path).relative_to(media_dir).as_posix(), media_sha256=sha256, backend="procedural",
            allow_remix=plan.allow_remix, remix_of=videos[plan.parent].id if plan.parent is not None else None,
            cameo_ids=[cameos[h].id for h in plan.cameos], created_at=created, fingerprint=fingerprint)
        if plan.published:
            video_states.publish(session, video, at=created + timedelta(minutes=5))
        videos.append(video)
    session.flush()

    viewers = [u for u in users.values() if u.role is Role.USER]
    for video in (v for v in videos if v.status is VideoStatus.PUBLISHED):
        for viewer in rng.sample(viewers, k=rng.randint(3, 15)):
            if viewer.id == video.author_id:
                continue
            completes = rng.random() < max(0.15, 0.95 - 0.08 * video.duration_s)
            loops = (1 + (rng.random() < 0.3)) if completes and rng.random() < 0.35 else 0
            watched = video.duration_s * (loops + 1) if completes else round(rng.uniform(0.5, 0.9) * video.duration_s, 2)
            session.add(WatchEvent(video_id=video.id, viewer_id=viewer.id, watched_s=watched, loops=loops,
                                   clip_duration_s=video.duration_s, completed=completes, source="seed",
                                   created_at=video.published_at + timedelta(minutes=rng.randint(1, 600))))
            if completes and rng.random() < 0.4:
                session.add(Like(user_id=viewer.id, video_id=video.id))
            if rng.random() < 0.08:
                session.add(Comment(video_id=video.id, author_id=viewer.id, body=rng.choice(COMMENTS)))
    session.flush()
    recount_engagement(session)

    published = [v for v in videos if v.status is VideoStatus.PUBLISHED]
    for video, reasons in ((published[-1], ("spam", "spam")), (published[-2], ("copyright",)),
                           (published[-3], ("harassment", "other"))):
        reporters = rng.sample([u for u in viewers if u.id != video.author_id], k=len(reasons))
        for reporter, reason in zip(reporters, reasons):
            case = open_or_merge_case(session, video, reporter, reason)
            session.add(Report(video_id=video.id, reporter_id=reporter.id, reason=reason, case_id=case.id))
    audit(session, None, "demo.seed", "world", None, seed=seed, clips=len(plans))
    session.flush()


@dataclass(frozen=True)
class _ClipFacts:
    """The measurements of a rendered clip, without its frames."""
    duration_s: float
    width: int
    height: int
    fps: int
