"""The engine extension ``segprofile_hmac``: pseudonyms computed inside DuckDB, on all its threads.

``segprofile_hmac.c`` is a DuckDB extension written against DuckDB's stable C extension API
(the headers are vendored in ``include/``, MIT licence). It is compiled here with the system's
C compiler the first time it is needed — ``make install`` does it in advance — into a cache
directory keyed by the source, the headers and the platform, and given the metadata footer
DuckDB reads before it loads an extension. It is not signed: the private import connection is
opened with ``allow_unsigned_extensions`` and loads it by full path.

Where there is no compiler (or the build or load fails) :func:`load` returns False and the
import falls back to the numba kernel of :mod:`segprofile.data._hmac_kernel`, then to SQL.
The result is the same everywhere; the tests compare each way with :mod:`hmac`.

    python -m segprofile.data.native        # build (or find) it and print its path
"""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

NAME = "segprofile_hmac"
FUNCTION = "segprofile_hmac"
HERE = Path(__file__).resolve().parent
SOURCE = HERE / f"{NAME}.c"
INCLUDE = HERE / "include"
# The minimum C API the extension asks for (DUCKDB_EXTENSION_API_VERSION_* in the source).
CAPI_VERSION = "v1.5.6"
VERSION = "v1.0.0"
CACHE_ENV = "SEGPROFILE_NATIVE_CACHE"
DISABLE_ENV = "SEGPROFILE_NATIVE"  # "0": do not build or load the extension
COMPILE_TIMEOUT = 300  # seconds
FLAGS = ("-O3", "-fPIC", "-shared", "-fvisibility=hidden", "-std=c11", "-Wall")


def enabled() -> bool:
    """False when ``SEGPROFILE_NATIVE=0``: the extension is neither built nor loaded."""
    return os.environ.get(DISABLE_ENV) != "0"


def platform() -> str:
    """DuckDB's platform name (``linux_amd64`` …), written into the extension's footer."""
    import duckdb

    row = duckdb.connect().execute("PRAGMA platform").fetchone()
    return str(row[0]) if row else "unknown"


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "segprofile" / "native"


def footer(platform_name: str) -> bytes:
    """The 512 bytes DuckDB reads at the end of an extension file.

    Eight 32-byte fields, last first: magic ``4``, platform, the C API version, the extension
    version, the ABI ``C_STRUCT``, three unused; then a 256-byte signature (empty: unsigned).
    """
    fields = ["4", platform_name, CAPI_VERSION, VERSION, "C_STRUCT", "", "", ""]
    for value in fields:
        if len(value.encode()) > 32:
            raise ValueError(f"extension metadata field too long: {value!r}")
    metadata = b"".join(value.encode().ljust(32, b"\0") for value in reversed(fields))
    return metadata + b"\0" * 256


def compiler() -> list[str] | None:
    """The C compiler command: ``$CC`` (which may carry options, e.g. ``ccache gcc``) or cc."""
    configured = os.environ.get("CC")
    if configured:
        parts = shlex.split(configured)
        found = shutil.which(parts[0]) if parts else None
        return [found, *parts[1:]] if found else None
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def _fingerprint(platform_name: str) -> str:
    digest = hashlib.sha256()
    for path in (SOURCE, INCLUDE / "duckdb.h", INCLUDE / "duckdb_extension.h"):
        digest.update(path.read_bytes())
    digest.update("\0".join((platform_name, CAPI_VERSION, VERSION, *FLAGS)).encode())
    return digest.hexdigest()[:16]


def _trusted(path: Path) -> bool:
    """The file and its directory are this user's, and nobody else may write them.

    The library is loaded into the process that holds the pseudonym key: a file planted in a
    shared cache directory must not be.
    """
    uid = os.geteuid()
    for item in (path, path.parent):
        info = item.stat()
        if info.st_uid != uid or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


def _compile(cc: list[str], library: Path, *, portable: bool) -> subprocess.CompletedProcess[str]:
    command = [*cc, *FLAGS, *(["-DSEGPROFILE_PORTABLE"] if portable else [])]
    command += [f"-I{INCLUDE}", str(SOURCE), "-o", str(library)]
    return subprocess.run(  # noqa: S603 — our compiler command and files
        command, capture_output=True, text=True, check=False, timeout=COMPILE_TIMEOUT
    )


def build(directory: Path | None = None, *, fresh: bool = False) -> Path | None:
    """The compiled extension, built when missing (or ``fresh``); ``None`` when it cannot be.

    Several processes may build at once: each writes its own temporary file and renames it
    into place, so a reader never sees half a file. A compiler that rejects the x86 code (SHA,
    AVX-512) gets a second try with the portable C alone.
    """
    if not enabled():
        return None
    try:
        platform_name = platform()
        root = Path(directory or cache_dir()).absolute()
        target = root / _fingerprint(platform_name) / f"{NAME}.duckdb_extension"
        if target.is_file() and not fresh:
            if _trusted(target):
                return target
            log.warning("the pseudonym extension in %s is writable by others: not used", target)
            return None
        cc = compiler()
        if cc is None:
            log.warning("no C compiler: pseudonyms are computed by the slower fallback")
            return None
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.parent.mkdir(exist_ok=True, mode=0o700)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
            library = Path(tmp) / f"{NAME}.so"
            done = _compile(cc, library, portable=False)
            if done.returncode != 0:
                log.info("x86 build failed, trying portable C: %s", done.stderr[-1000:])
                done = _compile(cc, library, portable=True)
            if done.returncode != 0:
                log.warning("the pseudonym extension did not compile: %s", done.stderr[-2000:])
                return None
            staged = Path(tmp) / f"{NAME}.duckdb_extension"
            staged.write_bytes(library.read_bytes() + footer(platform_name))
            staged.chmod(0o644)
            os.replace(staged, target)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        log.warning("the pseudonym extension could not be built: %s", exc)
        return None
    return target


@lru_cache(maxsize=1)
def _built() -> Path | None:
    return build()


@lru_cache(maxsize=1)
def _rebuilt() -> Path | None:
    return build(fresh=True)


def _load(con: Any, path: Path) -> None:
    con.execute("LOAD '" + path.as_posix().replace("'", "''") + "'")


def load(con: Any) -> bool:
    """Load the extension into a DuckDB connection opened with ``allow_unsigned_extensions``.

    True when ``segprofile_hmac`` is now a function of the connection. Never raises: whatever
    goes wrong (no compiler, a damaged cached file, a foreign DuckDB) leaves the fallback.
    """
    if not enabled():
        return False
    import duckdb

    try:
        path = _built()
        if path is None:
            return False
        try:
            _load(con, path)
        except duckdb.Error as exc:  # a damaged or stale file: built again, once per process
            log.warning("the pseudonym extension did not load (%s): building it again", exc)
            path = _rebuilt()
            if path is None:
                return False
            _load(con, path)
    except Exception as exc:  # noqa: BLE001 — the import goes on with the fallback
        log.warning("the pseudonym extension is not used: %s", exc)
        return False
    return True


def main() -> int:
    """``python -m segprofile.data.native``: the path of the built extension on standard output."""
    path = build()
    if path is None:
        sys.stderr.write(
            "segprofile_hmac: не собрано (нет компилятора C?) — псевдонимы будут считаться "
            "медленнее, запасным путём\n"
        )
        return 0
    sys.stdout.write(f"{path}\n")
    return 0
