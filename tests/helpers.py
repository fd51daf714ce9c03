"""Small helpers the tests share."""
from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from workbench.store.models import Base

#: every db test runs on each
ENGINES = ["sqlite", "postgresql"]


def schema_url(database):
    """A URL naming a new, empty schema of the run's PostgreSQL database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return database.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def media_files(media_dir: Path) -> set[Path]:
    """Every file under the media folder (temporary ones included)."""
    return {p for p in Path(media_dir).rglob("*") if p.is_file()} if Path(media_dir).exists() else set()


def row_counts(wb) -> dict[str, int]:
    """Rows in every table: compare before and after to prove a refused request wrote nothing
    (but the prompt policy's records of what it screened and refused, prompt_checks and policy_hits,
    which a refusal adds to: they are what a rule set is backtested on)."""
    with wb.transaction() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables if table.name not in ("policy_hits", "prompt_checks")}


def encode_like_a_reuploader(frames, fps: int, path, crf: int = 23):
    """Frames as H.264 at a chosen CRF with no audio: how a re-uploader's editor might export a clip
    (single-threaded, macroblock tree off, so that runs repeat)."""
    import av
    import numpy as np

    with av.open(str(path), mode="w", format="mp4") as container:
        options = {"crf": str(crf), "preset": "veryfast", "threads": "1", "x264-params": "mbtree=0"}
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        for index, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def resize_frames(frames, width: int, height: int):
    """Every frame resized (to even sides, as H.264 wants)."""
    import numpy as np
    from PIL import Image

    width, height = width - width % 2, height - height % 2
    return np.stack([np.asarray(Image.fromarray(f).resize((width, height), Image.BICUBIC)) for f in frames])
