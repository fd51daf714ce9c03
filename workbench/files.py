"""Files that no reader sees half-written, files named by their content, and the data the package ships.

Every write goes to a temporary file in the destination's directory (same filesystem, so the rename
is atomic) and is renamed into place only when complete; on any failure the temporary file is removed.
Temporary files share one prefix, so a sweep can find those a killed process left behind.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

#: every temporary file starts with this; generation's job recovery deletes old ones
TEMP_PREFIX = ".part-"


class StoredFile(NamedTuple):
    path: Path
    sha256: str
    #: False when an identical file was already stored (a caller undoing its work must not delete it)
    is_new: bool


def temp_file(directory: Path, suffix: str = "") -> Path:
    """A fresh, empty file in directory, named with TEMP_PREFIX; the caller removes or renames it."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=suffix)
    os.close(fd)
    return Path(name)


@contextmanager
def replacing(destination: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside destination; when the block ends without error it is fsynced,
    given mode (if set) and renamed onto destination, otherwise removed."""
    destination = Path(destination)
    temp = temp_file(destination.parent, suffix=destination.suffix)
    try:
        yield temp
        with open(temp, "rb") as file:
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, destination)
    finally:
        temp.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write data to path so that readers see the old file or the whole new one, never a part."""
    with replacing(path, mode) as temp:
        temp.write_bytes(data)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def place_by_content(temp: Path, name_for: Callable[[str], Path]) -> StoredFile:
    """Rename a complete temporary file to name_for(its sha256); when an identical file is already
    there it is kept and temp is removed, so identical content is stored once."""
    sha256 = file_sha256(temp)
    final = name_for(sha256)
    if final.exists():
        temp.unlink(missing_ok=True)
        return StoredFile(final, sha256, is_new=False)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp, final)
    return StoredFile(final, sha256, is_new=True)


def packaged_data(*parts: str) -> Path:
    """A file or folder under the package's data/ (moods, the gazetteer, prompt sets, detectors, the demo
    world), found through importlib.resources so that an installed (non-editable) package finds it too."""
    root = resources.files("workbench")
    if not isinstance(root, Path):  # a zipped package: its data has no path to hand to numpy or PyAV
        raise RuntimeError(f"the workbench package must be installed as files on disk, not as {root!r}")
    return root.joinpath("data", *parts)
