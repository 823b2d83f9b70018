"""Parse an untrusted file in a child process with memory and CPU-time limits.

A hostile file (a spreadsheet that makes a native reader allocate 549 GB and abort, a zip or
alias bomb) must fail its own request or job and nothing else. :func:`run_isolated` calls a
function in a child process that has, before it starts, an address-space limit
(``RLIMIT_AS``, :data:`MEMORY_ENV`), a CPU-time limit (``RLIMIT_CPU``, :data:`SECONDS_ENV`)
and no core dumps (a core file would hold the raw file's content); the caller waits at most as
long by the clock and then kills the child. The result (plain picklable data) or the
:class:`SegprofileError` raised comes back; a child that dies — ``MemoryError``, ``SIGKILL``,
``SIGXCPU``, ``SIGABRT`` from a native library — becomes an :class:`InputError` naming the file
and the limits.

Children come from a fork server (``multiprocessing``'s ``forkserver``): a clean,
single-threaded process started once per calling process, with the calling function's module
imported, that forks a child per call. Forking the caller itself is unsafe (DuckDB's and the
web server's threads, locks held by them), and a freshly spawned interpreter would import the
whole package on every call (seconds). The child takes the caller's environment and working
directory and settings (:mod:`segprofile.config`) at each call, so settings changed after the
fork server started still hold.

Work folders the child had in the staging area (``staging.work_dir``: the raw file's converted
copy) are deleted when the child dies without cleaning them.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from segprofile import config
from segprofile.config import SETTINGS
from segprofile.data import staging
from segprofile.errors import InputError, SegprofileError

log = logging.getLogger(__name__)

T = TypeVar("T")

MEMORY_ENV = SETTINGS["parse_memory_mb"].name
SECONDS_ENV = SETTINGS["parse_seconds"].name
DEFAULT_MEMORY_MB = SETTINGS["parse_memory_mb"].default
_CPU_GRACE_SECONDS = 2  # after SIGXCPU at the soft limit, SIGKILL at the hard one

_CONTEXT = multiprocessing.get_context("forkserver")


@dataclass(frozen=True)
class Limits:
    """What one parse may take: address space in MB and seconds (CPU time and by the clock)."""

    memory_mb: int
    seconds: float

    @classmethod
    def from_config(cls) -> Limits:
        settings = config.current()
        return cls(memory_mb=settings.parse_memory_mb, seconds=settings.parse_seconds)

    def text(self) -> str:
        """«6144 МБ памяти и 600 с» for messages."""
        seconds = f"{self.seconds:g}".replace(".", ",")
        return f"{self.memory_mb} МБ памяти и {seconds} с"


# --- the child ---------------------------------------------------------------------------------


def _lower(kind: int, soft: int, hard: int) -> None:
    """Set a limit, never above one the process already has (it may not raise those)."""
    _, inherited = resource.getrlimit(kind)
    if inherited != resource.RLIM_INFINITY:
        soft, hard = min(soft, inherited), min(hard, inherited)
    resource.setrlimit(kind, (soft, hard))


def _limit_self(limits: Limits) -> None:
    _lower(resource.RLIMIT_CORE, 0, 0)
    cpu = max(1, math.ceil(limits.seconds))
    _lower(resource.RLIMIT_CPU, cpu, cpu + _CPU_GRACE_SECONDS)
    memory = limits.memory_mb << 20
    _lower(resource.RLIMIT_AS, memory, memory)


def _child(
    conn: multiprocessing.connection.Connection,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limits: Limits,
    env: dict[str, str],
    cwd: str,
    settings: config.Config,
) -> None:
    """Run ``func`` under the limits; send back one answer: ``("ok", result)``,
    ``("error", class, message, hint, state)``, ``("memory",)`` or ``("crash", type name)``."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    config.use(settings)
    try:
        _limit_self(limits)
        answer: tuple[Any, ...] = ("ok", func(*args, **kwargs))
    except SegprofileError as exc:
        state = {k: v for k, v in vars(exc).items() if k not in ("message", "hint")}
        answer = ("error", type(exc), exc.message, exc.hint, state)
    except MemoryError:
        answer = ("memory",)
    except BaseException as exc:  # noqa: BLE001 — any failure is the file's, told by type only
        # The engine's own (duckdb.OutOfMemoryException) is the memory limit too.
        out_of_memory = "OutOfMemory" in type(exc).__name__
        answer = ("memory",) if out_of_memory else ("crash", type(exc).__name__)
    try:
        conn.send(answer)
    except MemoryError:
        conn.send(("memory",))
    except Exception as exc:  # noqa: BLE001 — a result that cannot be sent (not picklable)
        conn.send(("crash", type(exc).__name__))
    finally:
        conn.close()


# --- the caller --------------------------------------------------------------------------------


def _rebuild(
    cls: type[SegprofileError], message: str, hint: str | None, state: dict[str, Any]
) -> SegprofileError:
    """The child's error as the same class, whatever its own ``__init__`` wants."""
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.message, error.hint = message, hint
    vars(error).update(state)
    return error


def _failed(file: str, limits: Limits, reason: str) -> InputError:
    return InputError(
        f"Файл {file} не удалось разобрать в пределах {limits.text()}: {reason}.",
        hint="проверьте, что это действительно файл нужного формата, сохранённый обычной "
        "программой, а не повреждённый или особым образом собранный. Если файл настоящий, "
        f"разбейте его на части или попросите администратора увеличить {MEMORY_ENV} или "
        f"{SECONDS_ENV}.",
    )


def _death(code: int | None) -> str:
    """How a child ended: «SIGABRT», «SIGKILL», «код 1»."""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return signal.Signals(-code).name
    return f"код {code}"


# What a parse imports, loaded once in the fork server rather than in every child under its
# memory limit (the pipeline imports them lazily, in the functions that use them).
_PARSE_MODULES = [
    "duckdb",
    "pyarrow",
    "openpyxl",
    "docx",
    "segprofile.data.datasets",
    "segprofile.data.readers",
    "segprofile.data.masking",
    "segprofile.data.engine",
    "segprofile.model.spec_yaml",
]


def _preload(modules: list[str]) -> None:
    _CONTEXT.set_forkserver_preload([*_PARSE_MODULES, *modules])


def start(modules: list[str]) -> None:
    """Start the fork server now, with ``modules`` imported, rather than at the first parse
    (a server process calls this at start: importing the package takes seconds)."""
    _preload(modules)
    multiprocessing.forkserver.ensure_running()  # type: ignore[attr-defined]


def run_isolated(
    func: Callable[..., T],
    /,
    *args: Any,
    file: str,
    limits: Limits | None = None,
    **kwargs: Any,
) -> T:
    """``func(*args, **kwargs)`` in a child process under ``limits`` (from the settings by
    default); ``file`` names the file in messages.

    ``func`` must be a module-level function and its arguments and result picklable (the
    calling program's main module must guard its start with ``if __name__ == "__main__"``, as
    for any ``multiprocessing`` child). Raises the function's own :class:`SegprofileError`,
    or :class:`InputError` when the child ran out of memory or time or died.
    """
    limits = limits or Limits.from_config()
    _preload([func.__module__])
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_child,
        args=(
            sender,
            func,
            args,
            kwargs,
            limits,
            dict(os.environ),
            os.getcwd(),
            config.current(),
        ),
        name="segprofile-parse",
        daemon=True,
    )
    child.start()
    sender.close()
    deadline = time.monotonic() + limits.seconds
    answer: tuple[Any, ...] | None = None
    timed_out = False
    try:
        while answer is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready = multiprocessing.connection.wait([receiver, child.sentinel], remaining)
            if receiver in ready:
                try:
                    answer = receiver.recv()
                except EOFError:  # the child is gone without an answer
                    break
            elif ready and not receiver.poll(0):  # the child ended without an answer
                break
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        code = child.exitcode
        if answer is None or code != 0:
            with contextlib.suppress(SegprofileError, OSError):
                staging.discard_work_of(child.pid or 0)
        child.close()
    if answer is not None and answer[0] == "ok":
        return answer[1]  # type: ignore[no-any-return]
    if answer is not None and answer[0] == "error":
        raise _rebuild(*answer[1:])
    if answer is not None and answer[0] == "memory":
        raise _failed(file, limits, "разбору не хватило памяти")
    if answer is not None:  # "crash": an error of ours, not a limit; told by its type only
        log.warning("A parse child failed with %s", answer[1])
        raise _failed(file, limits, f"разбор прервался с ошибкой {answer[1]}")
    if timed_out or code == -signal.SIGXCPU:
        raise _failed(file, limits, "разбор не уложился во время")
    log.warning("A parse child died with exit code %s", code)
    raise _failed(
        file,
        limits,
        f"разбор аварийно завершился ({_death(code)}): скорее всего, ему не хватило памяти",
    )
