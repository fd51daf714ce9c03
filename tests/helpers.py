"""Small helpers the tests share."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from workbench.store.models import Base


def media_files(media_dir: Path) -> set[Path]:
    """Every file under the media folder (temporary ones included)."""
    return {p for p in Path(media_dir).rglob("*") if p.is_file()} if Path(media_dir).exists() else set()


def row_counts(wb) -> dict[str, int]:
    """Rows in every table: compare before and after to prove a refused request wrote nothing."""
    with wb.transaction() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}
