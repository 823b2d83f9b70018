"""Files of a study on disk: safe paths under its data directory; where uploads arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils import timezone

from segprofile import pipeline


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


class StagingUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary files of large uploads, in the private staging area and locked.

    Files up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` stay in memory; larger ones are written to
    ``FILE_UPLOAD_TEMP_DIR`` (``<SEGPROFILE_STAGING>/incoming``, owner-only) instead of the
    system temp folder. The file is locked while its request lives, so the start-up and
    scheduled cleaning delete only what a killed process left behind.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        pipeline.staging.prepare(Path(settings.SEGPROFILE_STAGING))
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
        super().new_file(*args, **kwargs)
        pipeline.staging.lock_file(self.file.file)


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
