"""The Workbench: one object that owns the database and media folder and exposes the services.

Pages, the CLI and notebooks all go through it with the acting user, e.g.::

    wb = open_workbench()
    clip = wb.clips.create("ana", "a cat surfing at sunset", seed=1)
    wb.videos.publish("ana", clip.id)
    wb.feed.page("ben", "for_you")
"""
from __future__ import annotations

import gc
import logging
import threading
from contextlib import AbstractContextManager
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from workbench.cameo.service import CameoService
from workbench.config import Settings
from workbench.embeddings import SentenceEmbedder
from workbench.faces.engine import FaceEngine, shared_engine
from workbench.faces.gallery import FaceGallery, gallery_for
from workbench.generation.jobs import JobQueue
from workbench.generation.service import ClipService
from workbench.generation.uploads import UploadService
from workbench.media.provenance import SigningCredentials, ensure_credentials
from workbench.rights.service import RightsService
from workbench.safety.moderation import ModerationService
from workbench.safety.policy import PromptPolicy, shared_policy
from workbench.safety.reports import ReportService
from workbench.safety.rule_sets import RuleSetService
from workbench.safety.scan import OutputScanner
from workbench.safety.service import PolicyService
from workbench.social.analytics import AnalyticsService
from workbench.social.feed import FeedService
from workbench.social.kept_pages import kept_rankings
from workbench.social.notifications import NotificationService
from workbench.social.users import UserService
from workbench.social.videos import VideoService
from workbench.store.db import Store, make_engine, refresh_sqlite_statistics, upgrade_to_head


class Models:
    """The heavy resources of a process's services, each loaded at its first use (or by warm_up) and
    shared by every thread; none changes after loading."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loading = threading.Lock()  # cached_property has no lock of its own from Python 3.12

    @cached_property
    def faces(self) -> FaceEngine:
        """The face engine (insightface FaceAnalysis over the configured pack)."""
        return shared_engine(self._settings.resolved_face_model_root(), self._settings.face_pack)

    @cached_property
    def public_figures(self) -> FaceGallery:
        """Reference faces of the public-figure gallery, embedded once per face engine."""
        return gallery_for(self.faces)

    @cached_property
    def deepfake_detectors(self) -> dict:
        """The output scan's deepfake detectors (of the package's data/detectors/, as the settings
        choose), calibrated: their scores are probabilities."""
        from workbench.safety.deepfake.harness import load_detectors

        with self._loading:
            return load_detectors(choice=self._settings.deepfake_detectors)

    @cached_property
    def text_embedder(self) -> SentenceEmbedder:
        """The offline sentence-embedding model: the prompt policy's paraphrase matching and the
        feed's free-text steering."""
        return SentenceEmbedder(self._settings.text_model)

    @cached_property
    def prompt_policy(self) -> PromptPolicy:
        """The prompt policy over the gazetteer and lexicon, with the sentence-embedding model; the
        rights registry is added per check."""
        return shared_policy().with_embedder(self.text_embedder, cache_dir=self._settings.data_dir / "cache")

    def warm_up(self) -> None:
        """Load what a first request would otherwise wait seconds for: the sentence model, the face
        engine with the public-figure gallery, and the deepfake detectors. Each loads once per process
        under its own lock, so a request arriving meanwhile waits for the same load."""
        self.prompt_policy.check("warming up")  # the sentence model, and the gazetteer's descriptions embedded
        self.public_figures
        self.deepfake_detectors


class Workbench:
    """The services over one database and media folder, wired here: each receives what it uses."""

    def __init__(self, engine: Engine, media_dir: Path, settings: Settings) -> None:
        self.store = Store(engine, media_dir)
        self.engine, self.media_dir, self.settings = engine, media_dir, settings
        self.models = Models(settings)
        self.users = UserService(self.store)
        self.videos = VideoService(self.store)
        self.feed = FeedService(self.store, self.models, exploration=settings.feed_exploration,
                                rankings=kept_rankings(settings.feed_cache_url, settings.feed_kept_s,
                                                       engine.url.render_as_string(hide_password=True)))
        self.notifications = NotificationService(self.store)
        self.analytics = AnalyticsService(self.store)
        self.reports = ReportService(self.store)
        self.moderation = ModerationService(self.store, timedelta(seconds=settings.case_lease_s),
                                            settings.provenance_dir(), settings.review_qa_share)
        self.prompt_policy = PolicyService(self.store, self.models)
        self.rule_sets = RuleSetService(self.store, self.prompt_policy)
        self.scanner = OutputScanner(self.store, self.models)
        self.cameos = CameoService(self.store, self.models)
        self.rights = RightsService(self.store, self.models)
        self.clips = ClipService(self.store, settings, self.prompt_policy, self.scanner,
                                 enqueue=lambda job_id: self.queue.enqueue(job_id))
        self.uploads = UploadService(self.store, settings, self.prompt_policy, self.scanner)

    @property
    def credentials(self) -> SigningCredentials:
        """The local C2PA signing chain (created under the data folder on first use)."""
        return ensure_credentials(self.settings.provenance_dir())

    @cached_property
    def queue(self) -> JobQueue:
        """The job queue (opened on first use: only pages that submit jobs, and workers, need it)."""
        return JobQueue(self.clips, self.settings.queue_url, self.settings.data_dir.resolve(),
                        self.settings.job_stale_after_s)

    def warm_up_in_background(self, *, feeds: bool = True) -> threading.Thread:
        """Models.warm_up in a daemon thread (the app and a worker start serving at once), then, where
        the process serves `feeds`, the newest clips' ranking facts (FeedService.warm_up). A failure
        is logged: the request that needs the model then reports it. Then the objects alive at that
        moment (imported modules, loaded models: the process's long-lived heap) are frozen out of the
        garbage collector's generations: a full collection walked all of them, some 330,000, and
        paused whichever request triggered it for 150-190 ms (the p99 of For You, BENCHMARKS.md)."""
        def run() -> None:
            try:
                self.models.warm_up()
            except Exception:  # noqa: BLE001 - reported by the request that needs it
                logging.getLogger(__name__).exception("warming up the models failed")
            if feeds:
                try:
                    self.feed.warm_up()
                except Exception:  # noqa: BLE001 - a feed then reads the facts it needs itself
                    logging.getLogger(__name__).exception("reading the newest clips' ranking facts failed")
            gc.freeze()

        thread = threading.Thread(target=run, name="workbench-warm-up", daemon=True)
        thread.start()
        return thread

    def transaction(self) -> AbstractContextManager[Session]:
        return self.store.transaction()

    def close(self) -> None:
        self.engine.dispose()


def open_workbench(database_url: str | None = None, *, data_dir: str | Path | None = None,
                   media_dir: str | Path | None = None, settings: Settings | None = None) -> Workbench:
    """Open (and migrate to the latest schema) the database named by the argument, by
    WORKBENCH_DATABASE_URL, or the embedded SQLite file under the runtime data folder.

    ``data_dir`` overrides WORKBENCH_DATA_DIR (the SQLite file, media, job queue, signing keys)."""
    settings = settings or Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": Path(data_dir)})
    engine = make_engine(database_url or settings.resolved_database_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    upgrade_to_head(engine)
    refresh_sqlite_statistics(engine)
    media = Path(media_dir).resolve() if media_dir else settings.resolved_media_dir()
    media.mkdir(parents=True, exist_ok=True)
    return Workbench(engine, media, settings)
