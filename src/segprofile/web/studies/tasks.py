"""Background jobs (django-tasks): building a profile without blocking a request.

Liveness. A worker killed in the middle of a job (``kill -9``, out of memory, a power cut)
cannot mark its run failed; django-tasks then keeps the task «running» for ever. So while a
run builds, its worker keeps a heartbeat file ``SEGPROFILE_HOME/workers/run-<id>.json``
(process id, host, PID namespace; the file's modification time is the beat, renewed every
``SEGPROFILE_WORKER_HEARTBEAT_SECONDS`` by a thread of the worker). A running run is taken
for dead — and marked failed with a Russian message, so it can be started again — when its
worker's process is gone (same host and PID namespace), or its heartbeat is older than
``SEGPROFILE_WORKER_STALE_SECONDS``, or it has no heartbeat at all that long after it started.
The check runs whenever a run is looked at (:meth:`ProfileRun.sync_with_task`: the run page,
its progress, the API), when a job starts and when a worker process starts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.web.studies.keys import study_key
from segprofile.web.studies.models import ProfileRun

logger = logging.getLogger(__name__)


@task()
def build_profile(run_id: int) -> str:
    """Build the profile of ``ProfileRun(run_id)``, writing progress and the result to it.

    A :class:`SegprofileError` (bad data, a missing file or column) ends the run ``failed``
    with the error's Russian message; the task itself then succeeds, since the failure was
    the user's input, not the job's. Anything else is logged and re-raised for the worker.
    """
    # The worker has no request to take a language from: messages use the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        reap_dead_runs()
        return _build(run_id)


def _build(run_id: int) -> str:
    run = ProfileRun.objects.select_related("study", "revision").get(pk=run_id)
    if run.is_finished:
        return str(run.status)
    with heartbeat(run.pk):
        run.mark_running()
        try:
            document = run.revision.to_document()
            profile = pipeline.profile_study(
                document,
                run.study.data_dir(),
                progress=run.report_progress,
                revision=run.revision.number,
                # Imported dataset versions live under the study's own directory (views_data).
                home=run.study.data_dir().parent,
                key=study_key(run.study),
            )
            result_json = pipeline.profile_to_json(profile)
            html = pipeline.render_profile_html(profile, document, standalone=True)
            fragment = pipeline.render_profile_html(profile, document, standalone=False)
        except SegprofileError as exc:
            logger.info("Profile run %s failed: %s", run.pk, type(exc).__name__)
            run.mark_failed(str(exc))
            return str(run.status)
        except Exception:
            logger.exception("Profile run %s failed unexpectedly", run.pk)
            run.mark_failed(
                gettext(
                    "Internal error while building the profile. The administrator can find "
                    "the details in the worker log."
                )
            )
            raise
        run.mark_done(result_json=result_json, html=html, fragment=fragment)
    logger.info("Profile run %s done", run.pk)
    return str(run.status)


# --- liveness ----------------------------------------------------------------------------------


def _heartbeat_seconds() -> float:
    return float(getattr(settings, "SEGPROFILE_WORKER_HEARTBEAT_SECONDS", 5))


def _stale_seconds() -> float:
    return float(getattr(settings, "SEGPROFILE_WORKER_STALE_SECONDS", 60))


def heartbeat_dir() -> Path:
    return Path(settings.SEGPROFILE_HOME) / "workers"


def heartbeat_path(run_id: int) -> Path:
    return heartbeat_dir() / f"run-{int(run_id)}.json"


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


@contextlib.contextmanager
def heartbeat(run_id: int) -> Iterator[Path]:
    """Keep ``run-<id>.json`` fresh while the block runs; remove it afterwards.

    The beat is the file's modification time, renewed by a daemon thread: it stops with the
    process, however the process ends.
    """
    path = heartbeat_path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "run": int(run_id),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "pidns": _pid_namespace(),
        "started": timezone.now().isoformat(),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info), encoding="utf-8")
    tmp.replace(path)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(_heartbeat_seconds()):
            with contextlib.suppress(OSError):
                os.utime(path)

    thread = threading.Thread(target=beat, name=f"heartbeat-run-{run_id}", daemon=True)
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        thread.join(timeout=5)
        path.unlink(missing_ok=True)


def _process_gone(info: dict[str, Any]) -> bool:
    """Whether the heartbeat's process is known to be gone (only on the same host and PID
    namespace; elsewhere nothing can be said and the heartbeat's age decides)."""
    if info.get("host") != socket.gethostname() or info.get("pidns") != _pid_namespace():
        return False
    pid = info.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A zombie (killed, not yet reaped by its parent) is gone too.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


def worker_is_dead(run: ProfileRun) -> bool:
    """Whether the worker building ``run`` (a running run) has died."""
    if run.status != ProfileRun.Status.RUNNING:
        return False
    path = heartbeat_path(run.pk)
    now = time.time()
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        beat = path.stat().st_mtime
    except FileNotFoundError:
        # No heartbeat: the run ended a moment ago (the file goes after the status is
        # written), or its worker died before or without one — decided by its age.
        started = run.started_at or run.created_at
        return started is not None and (timezone.now() - started).total_seconds() > (
            _stale_seconds()
        )
    except (OSError, ValueError):
        return False
    if isinstance(info, dict) and _process_gone(info):
        return True
    return now - beat > _stale_seconds()


def fail_if_worker_died(run: ProfileRun) -> bool:
    """Mark ``run`` failed if its worker died; returns whether it did."""
    if not worker_is_dead(run):
        return False
    updated = ProfileRun.objects.filter(pk=run.pk, status=ProfileRun.Status.RUNNING).update(
        status=ProfileRun.Status.FAILED,
        error=gettext(
            "The background worker stopped while building this profile (the process ended "
            "unexpectedly). Nothing was saved from this run; start the build again."
        ),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    heartbeat_path(run.pk).unlink(missing_ok=True)
    if updated:
        logger.warning("Profile run %s: its worker died; marked failed", run.pk)
        _fail_task(run.task_id)
    return bool(updated)


def _fail_task(task_id: str) -> None:
    """The database backend's task row of a dead run: failed too, not «running» for ever."""
    if not task_id:
        return
    with contextlib.suppress(Exception):
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now()
        )


def reap_dead_runs() -> int:
    """Fail every running run whose worker died; returns how many."""
    count = 0
    for run in ProfileRun.objects.filter(status=ProfileRun.Status.RUNNING):
        with translation.override(settings.LANGUAGE_CODE):
            count += fail_if_worker_died(run)
    return count


def reap_dead_runs_soon() -> None:
    """At a worker's start (the app registry is still loading): reap from a thread once the
    apps are ready."""

    def reap() -> None:
        from django.apps import apps
        from django.db import connection

        for _ in range(600):
            if apps.ready:
                break
            time.sleep(0.05)
        try:
            found = reap_dead_runs()
            if found:
                logger.warning("Worker start: %d run(s) of dead workers marked failed", found)
        except Exception:  # a missing table before migrate, a locked database
            logger.info("Worker start: runs of dead workers not checked", exc_info=True)
        finally:
            connection.close()

    threading.Thread(target=reap, name="reap-dead-runs", daemon=True).start()
