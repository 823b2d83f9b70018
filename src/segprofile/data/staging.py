"""The gate's private area: where an uploaded file waits, raw, until it is imported or discarded.

Every file that may carry client data enters here first; only the depersonalised result of an
import is ever stored in the data home. The staging root is its own setting, never inside the
data home (see ``docs/deploy.md``). Under it::

    uploads/<area>/<token>/     one directory per upload: the file and its ``.upload.json``
    incoming/                   the web server's temporary files of uploads still arriving
    work/read-*/                one per read of a raw file: the engine's converted copy, spill
    work/engine-*/              one per analysis engine: its spill files (pseudonymised records)
    originals/<area>/<token>/   originals kept on an owner's explicit request (never expired)

``<area>`` names whose uploads they are (the web uses one per study). Directories are created
0700 and files 0600: only the service account reads them.

The metadata is written last and atomically (a temporary name, then ``os.replace``), so an
upload without it was never finished. A process working on an upload holds an exclusive lock
(``flock``) on the upload's ``.lock`` file; the kernel lets go of the lock when the process
ends, however it ends. :func:`clean` therefore removes, without touching anything in use:

- uploads older than the expiry (``hours``), whatever their state;
- uploads interrupted by a crash: unfinished (no readable metadata) or caught mid-import;
- the temporary files of uploads that stopped arriving, and work folders of reads that died.

Nothing here reads the content of a file or puts a client value in a message or a log line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from segprofile import config
from segprofile.data.masking import mask_file_name
from segprofile.errors import ConflictError, NotFound

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
UPLOADS = "uploads"
INCOMING = "incoming"
WORK = "work"
ORIGINALS = "originals"
META = ".upload.json"
LOCK = ".lock"
STAGED = "staged"  # waiting for the user's decisions
IMPORTING = "importing"  # an import has started; a crash leaves it so
KEPT = "kept"  # an original kept after its import (under ``originals/``)
GRACE_SECONDS = 60
"""An unfinished upload younger than this may still be arriving in another process."""

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_AREA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass
class Upload:
    """One staged upload: where it is and what was recorded about it.

    ``meta`` is the caller's (plus ``token``, ``file``, ``state``, ``created``); ``broken``
    says why the metadata could not be read — such an upload can only be deleted.
    """

    directory: Path
    meta: dict[str, Any] = field(default_factory=dict)
    broken: str = ""

    @property
    def token(self) -> str:
        return self.directory.name

    @property
    def area(self) -> str:
        return self.directory.parent.name

    @property
    def name(self) -> str:
        """The uploaded file's own name (made safe), the staged file's name in its directory."""
        return str(self.meta.get("file") or "")

    @property
    def shown_name(self) -> str:
        """The name as pages, messages and records show it: often a person's name, masked."""
        return mask_file_name(self.name)

    @property
    def path(self) -> Path:
        """The staged file itself."""
        return self.directory / self.name

    @property
    def state(self) -> str:
        return str(self.meta.get("state") or "")

    @property
    def created(self) -> float:
        """When the upload was staged (seconds since the epoch); without readable metadata,
        its last sign of activity (a file written into it)."""
        value = self.meta.get("created")
        if isinstance(value, int | float):
            return float(value)
        times = []
        with contextlib.suppress(OSError):
            entries = [p for p in self.directory.iterdir() if p.name != LOCK]
            times = [p.stat().st_mtime for p in entries or [self.directory]]
        return max(times, default=0.0)


# --- the root ----------------------------------------------------------------------------------


def default_root() -> Path:
    """``$SEGPROFILE_STAGING``, else ``<$SEGPROFILE_HOME>-staging`` beside the data home
    (:attr:`segprofile.config.Config.staging_root`: one inside the data home is refused)."""
    return config.current().staging_root


def prepare(root: Path) -> Path:
    """Create the staging root and its folders, owner-only; returns the root resolved.

    An existing root gets its permissions narrowed to 0700 (a root made by hand with the
    default umask would let others list the uploads).
    """
    root = Path(root).resolve()
    for directory in (root, root / UPLOADS, root / INCOMING, root / WORK, root / ORIGINALS):
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        if directory.stat().st_mode & 0o777 != DIR_MODE:
            directory.chmod(DIR_MODE)
    return root


def incoming(root: Path) -> Path:
    """Where the web server writes the files of uploads still arriving (owner-only)."""
    return prepare(root) / INCOMING


def _area_dir(root: Path, kind: str, area: str) -> Path:
    if not _AREA.match(area):
        raise ValueError(f"bad staging area name {area!r}")
    return Path(root).resolve() / kind / area


def _upload_dir(root: Path, kind: str, area: str, token: str) -> Path:
    if not _TOKEN.match(token):
        raise NotFound("Такой загрузки нет.", hint="загрузите файл ещё раз.")
    return _area_dir(root, kind, area) / token


def safe_name(name: str) -> str:
    """The uploaded file's own name made safe to store (no folders, no leading dot)."""
    clean = "".join(ch for ch in name if ch.isprintable() and ch not in '/\\:*?"<>|').strip()
    clean = clean.lstrip(".").strip() or "upload"
    if len(clean) > 120:
        stem, dot, suffix = clean.rpartition(".")
        clean = (stem[: 119 - len(suffix)] + dot + suffix) if dot else clean[:120]
    return clean


# --- locks -------------------------------------------------------------------------------------


def lock_file(handle: IO[Any]) -> None:
    """Hold an exclusive lock on an open file for as long as it stays open.

    The web's upload handler locks its temporary files with it, so that :func:`clean` in
    another process leaves a file that is still arriving alone.
    """
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _try_lock(directory: Path) -> IO[bytes] | None:
    """The upload's lock, or ``None`` when another process (or this one) holds it."""
    try:
        fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    except OSError:
        return None
    handle = os.fdopen(fd, "r+b")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


@contextlib.contextmanager
def hold(upload: Upload) -> Iterator[Upload]:
    """Work on an upload alone: a second request (or process) gets a clear refusal."""
    handle = _try_lock(upload.directory) if upload.directory.is_dir() else None
    if handle is None:
        if not upload.directory.is_dir():
            raise NotFound(
                f"Загруженного файла {upload.name or ''} больше нет: он удалён или устарел.",
                hint="загрузите файл ещё раз.",
            )
        raise ConflictError(
            f"Файл {upload.name} сейчас обрабатывается в другом окне или другим участником.",
            hint="дождитесь окончания и обновите страницу.",
        )
    try:
        yield upload
    finally:
        handle.close()


@contextlib.contextmanager
def work_dir(root: Path | None = None, *, kind: str = "read") -> Iterator[Path]:
    """A private folder for one read of a raw file (``kind`` "read": the engine's converted
    copy of it and its spill files) or for one analysis engine's spill files ("engine"),
    locked while in use and deleted after, whatever happens (a killed process's folder goes
    with the next :func:`clean`)."""
    base = prepare(root or default_root()) / WORK
    path = Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=base))
    handle = _try_lock(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if handle is not None:
            handle.close()


def discard_work_of(pid: int, root: Path | None = None) -> int:
    """Delete the work folders of a process that died (``data.isolation``'s parse children):
    the next :func:`clean` would, but only after :data:`GRACE_SECONDS`. Returns how many."""
    base = Path(root or default_root()).resolve() / WORK
    count = 0
    for path in base.glob(f"read-{int(pid)}-*") if base.is_dir() else ():
        shutil.rmtree(path, ignore_errors=True)
        count += 1
    return count


# --- one upload --------------------------------------------------------------------------------


@contextlib.contextmanager
def create(root: Path, area: str, *, name: str, meta: dict[str, Any]) -> Iterator[Upload]:
    """A new upload, locked while the block runs and deleted again if the block fails.

    The block writes the file (:func:`write`) and then the metadata (:func:`save`); until
    :func:`save` the upload is not listed.
    """
    parent = _area_dir(prepare(root), UPLOADS, area)
    parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    directory = parent / token
    directory.mkdir(mode=DIR_MODE)
    upload = Upload(
        directory=directory,
        meta={
            **meta,
            "token": token,
            "file": safe_name(name),
            "state": STAGED,
            "created": time.time(),
        },
    )
    try:
        with hold(upload):
            yield upload
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def write(upload: Upload, chunks: Iterable[bytes]) -> int:
    """Write the uploaded bytes into the upload (owner-only); returns the bytes written."""
    written = 0
    fd = os.open(upload.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            written += len(chunk)
    upload.meta["size"] = written
    return written


def save(upload: Upload) -> None:
    """Write the metadata atomically: a reader sees the old version or the new, never half."""
    tmp = upload.directory / f"{META}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(upload.meta, handle, ensure_ascii=False, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, upload.directory / META)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read(directory: Path) -> Upload:
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Upload(directory=directory, broken="unfinished")
    except (OSError, ValueError):
        return Upload(directory=directory, broken="unreadable")
    if not isinstance(meta, dict) or meta.get("token") != directory.name:
        return Upload(directory=directory, broken="unreadable")
    upload = Upload(directory=directory, meta=meta)
    if not upload.name or upload.name != safe_name(upload.name):
        upload.broken = "unreadable"
    elif not upload.path.is_file():
        upload.broken = "no file"
    return upload


def get(root: Path, area: str, token: str) -> Upload:
    """The upload ``token`` of ``area``; :class:`NotFound` when there is none.

    An upload whose metadata is damaged is returned with ``broken`` set (it can be deleted).
    """
    directory = _upload_dir(root, UPLOADS, area, token)
    if not directory.is_dir():
        raise NotFound("Такой загрузки нет: файл удалён или устарел.", hint="загрузите его снова.")
    return _read(directory)


def _expired(upload: Upload, hours: float, now: float) -> bool:
    return now - upload.created > hours * 3600


def listing(root: Path, area: str, *, hours: float) -> list[Upload]:
    """The uploads of ``area`` a person can act on, newest first.

    Finished uploads are listed; a damaged one is listed with ``broken`` set (so that it can
    be deleted); one still arriving (no metadata yet, and locked or young), one being imported
    and expired ones are not.
    """
    parent = _area_dir(root, UPLOADS, area)
    if not parent.is_dir():
        return []
    now = time.time()
    out = []
    for directory in parent.iterdir():
        if not (_TOKEN.match(directory.name) and directory.is_dir()):
            continue
        upload = _read(directory)
        if _expired(upload, hours, now) or upload.state == IMPORTING:
            continue  # an import running now, or one a crash stopped (cleaned next)
        if upload.broken == "unfinished" and _arriving(upload, now):
            continue
        out.append(upload)
    return sorted(out, key=lambda u: u.created, reverse=True)


def _arriving(upload: Upload, now: float) -> bool:
    """An upload without metadata that may still be in the works: young, or locked."""
    if now - upload.created < GRACE_SECONDS:
        return True
    handle = _try_lock(upload.directory)
    if handle is None:
        return True
    handle.close()
    return False


def discard(root: Path, area: str, token: str) -> bool:
    """Delete an upload (file and metadata); ``False`` when it was already gone."""
    directory = _upload_dir(root, UPLOADS, area, token)
    existed = directory.is_dir()
    shutil.rmtree(directory, ignore_errors=True)
    return existed


def discard_area(root: Path, area: str) -> None:
    """Delete every upload and every kept original of ``area`` (the study is deleted)."""
    for kind in (UPLOADS, ORIGINALS):
        shutil.rmtree(_area_dir(root, kind, area), ignore_errors=True)


# --- originals kept on request -----------------------------------------------------------------


def keep_original(upload: Upload, root: Path, **meta: Any) -> Upload:
    """Move an imported upload to the originals (apart from the data; never expired)."""
    target = _area_dir(prepare(root), ORIGINALS, upload.area)
    target.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    upload.meta.update(meta, state=KEPT, kept=time.time())
    save(upload)
    kept = Upload(directory=target / upload.token, meta=dict(upload.meta))
    os.replace(upload.directory, kept.directory)
    return kept


def originals(root: Path, area: str) -> list[Upload]:
    """The originals kept in ``area``, newest first (damaged ones with ``broken`` set)."""
    parent = _area_dir(root, ORIGINALS, area)
    if not parent.is_dir():
        return []
    found = [_read(d) for d in parent.iterdir() if _TOKEN.match(d.name) and d.is_dir()]
    return sorted(found, key=lambda u: u.created, reverse=True)


def get_original(root: Path, area: str, token: str) -> Upload:
    directory = _upload_dir(root, ORIGINALS, area, token)
    if not directory.is_dir():
        raise NotFound("Такого сохранённого исходного файла нет.", hint="обновите страницу.")
    return _read(directory)


def delete_original(root: Path, area: str, token: str) -> bool:
    directory = _upload_dir(root, ORIGINALS, area, token)
    existed = directory.is_dir()
    shutil.rmtree(directory, ignore_errors=True)
    return existed


# --- cleaning ----------------------------------------------------------------------------------


@dataclass
class Cleaned:
    """What :func:`clean` removed (counts only)."""

    expired: int = 0
    interrupted: int = 0
    incoming: int = 0  # temporary files of uploads and work folders of reads that died

    @property
    def total(self) -> int:
        return self.expired + self.interrupted + self.incoming


def clean(root: Path, *, hours: float) -> Cleaned:
    """Remove expired and interrupted uploads and orphaned temporary files; skip those in use.

    Safe to call from any process at any time: at start-up, on a schedule, before a listing.
    """
    out = Cleaned()
    root = Path(root).resolve()
    if not root.is_dir():
        return out
    now = time.time()
    uploads = root / UPLOADS
    for area in uploads.iterdir() if uploads.is_dir() else ():
        if not area.is_dir():
            continue
        for directory in area.iterdir():
            if not directory.is_dir():
                continue
            handle = _try_lock(directory)
            if handle is None:  # in use (or not ours to open)
                continue
            try:
                upload = _read(directory)
                if _expired(upload, hours, now):
                    shutil.rmtree(directory, ignore_errors=True)
                    out.expired += 1
                elif upload.state == IMPORTING or (
                    upload.broken and now - upload.created >= GRACE_SECONDS
                ):
                    shutil.rmtree(directory, ignore_errors=True)
                    out.interrupted += 1
            finally:
                handle.close()
    arriving = root / INCOMING
    for path in arriving.iterdir() if arriving.is_dir() else ():
        if _orphaned(path):
            with contextlib.suppress(OSError):
                path.unlink()
                out.incoming += 1
    work = root / WORK
    for directory in work.iterdir() if work.is_dir() else ():
        if not directory.is_dir() or now - Upload(directory).created < GRACE_SECONDS:
            continue
        handle = _try_lock(directory)
        if handle is not None:
            with handle:
                shutil.rmtree(directory, ignore_errors=True)
                out.incoming += 1
    if out.total:
        log.info(
            "staging cleaned: %d expired, %d interrupted uploads, %d temporary files",
            out.expired,
            out.interrupted,
            out.incoming,
        )
    return out


def _orphaned(path: Path) -> bool:
    """A temporary upload file no live process holds (its writer locks it while it lives)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True
