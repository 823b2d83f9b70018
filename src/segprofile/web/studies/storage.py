"""Files of a study on disk: safe paths under its data directory, atomic writes of uploads."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone


def safe_data_path(data_dir: Path, relative: str) -> Path:
    """``data_dir / relative``, refusing anything that would land outside ``data_dir``.

    The study model already refuses absolute paths and ``..``; this is the second lock, at
    the place where the file is actually written.
    """
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    if not parts or relative.startswith(("/", "\\")) or any(p in ("..", "") for p in parts):
        raise SuspiciousFileOperation("data path leaves the data directory")
    root = data_dir.resolve()
    target = (root / Path(*parts)).resolve()
    if not target.is_relative_to(root) or target == root:
        raise SuspiciousFileOperation("data path leaves the data directory")
    return target


def store_upload(uploaded: UploadedFile, target: Path) -> int:
    """Write ``uploaded`` to ``target`` atomically; returns the bytes written.

    The file goes to a temporary name beside ``target`` first and replaces it only when
    complete, so a failed upload never damages the data file that was there before.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=target.parent)
    written = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in uploaded.chunks():
                handle.write(chunk)
                written += len(chunk)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return written


@dataclass(frozen=True)
class FileState:
    """What is on disk for one data source."""

    exists: bool
    size: int = 0
    modified: datetime | None = None


def file_state(path: Path) -> FileState:
    """Presence, size and modification time of a data file."""
    try:
        stat = path.stat()
    except OSError:
        return FileState(exists=False)
    modified = datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone())
    return FileState(exists=path.is_file(), size=stat.st_size, modified=modified)
