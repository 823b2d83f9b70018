"""Background jobs (django-tasks): building a profile (with what its pages show), computing the
research plan and importing an uploaded file, without blocking a request.

The import (:func:`import_upload`) parses the raw file in a child process with memory and time
limits (``pipeline.run_isolated``): a hostile file fails its own job and the worker lives on.

Liveness. A worker killed in the middle of a job (``kill -9``, out of memory, a power cut)
cannot mark its job failed; django-tasks then keeps the task «running» for ever. So while a job
runs, its worker keeps a heartbeat file ``SEGPROFILE_HOME/workers/run-<id>.json`` (a profile
run; ``import-<id>.json`` for an import, ``plan-<id>.json`` for a research plan) with the
process id, host and PID namespace; the file's modification time is the beat, renewed every
``SEGPROFILE_WORKER_HEARTBEAT_SECONDS`` by a thread of the worker. A running job is taken for
dead — and marked failed with a Russian message, so it can be started again — when its worker's
process is gone (same host and PID namespace), or its heartbeat is older than
``SEGPROFILE_WORKER_STALE_SECONDS``, or it has no heartbeat at all that long after it started.
The check runs whenever a job is looked at (``sync_with_task``: the run, import or plan page,
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
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from segprofile import pipeline
from segprofile.errors import ConflictError, NotFound, SegprofileError
from segprofile.model import labels
from segprofile.model.study import ColumnOverride, DataSource, DataSourceKind
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import staging
from segprofile.web.studies import runs
from segprofile.web.studies.audit import audit
from segprofile.web.studies.models import (
    AuditEvent,
    DataImport,
    ProfileRun,
    ResearchPlan,
    Study,
    StudyRevision,
)

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
            from segprofile.web.studies.services import workspace_for

            profile = pipeline.profile_study(
                workspace_for(run.study),
                document,
                progress=lambda fraction, message: run.report_progress(0.9 * fraction, message),
                revision=run.revision.number,
            )
            result_json = pipeline.profile_to_json(profile)
            # Published by the study's min_cell now, if raised while the profile was built.
            document = runs.rule_document(run)
            # The HTML report and the page's fragment of it: one report model, as the DOCX's.
            html, fragment = pipeline.render_profile_pages(profile, document)
            # What the pages show of it, once: the published profile, labels, charts.
            run.report_progress(0.95, gettext("Drawing the charts of the pages"))
            runs.store(run, runs.prepare(profile, document))
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
        # The run and its queued plan appear together: no page sees a finished profile with
        # no plan on the way (and offers «Compute the plan» meanwhile).
        with transaction.atomic():
            run.mark_done(result_json=result_json, html=html, fragment=fragment)
            _plan_after(run)
    try:
        runs.find_small_differences(run)
    except Exception:  # the run is done whatever happens to the comparison
        logger.exception("Profile run %s not compared with the study's other profiles", run.pk)
    logger.info("Profile run %s done", run.pk)
    return str(run.status)


def _plan_after(run: ProfileRun) -> None:
    """Queue the research plan on a run just built (its first visit then finds it computed)."""
    from segprofile.web.studies.services import start_research_plan

    try:
        with transaction.atomic():
            start_research_plan(run.study, run, run.revision, run.created_by)
    except Exception:  # the run is done whatever happens to its plan
        logger.exception("Research plan after profile run %s not queued", run.pk)


# --- the research plan (M-8) -------------------------------------------------------------------


@task()
def build_research_plan(plan_id: int) -> str:
    """Compute the research plan of ``ResearchPlan(plan_id)``, writing progress and the result.

    Drawing interview candidates scans every client record (seconds at a million rows), so it is
    a job of its own. A :class:`SegprofileError` (no pseudonym column, no population figures…)
    ends the plan ``failed`` with its Russian message; the task itself then succeeds.
    """
    with translation.override(settings.LANGUAGE_CODE):
        reap_dead_runs()
        return _research_plan(plan_id)


def _research_plan(plan_id: int) -> str:
    from segprofile.web.studies.services import workspace_for

    plan = ResearchPlan.objects.select_related("study", "run", "revision").get(pk=plan_id)
    if plan.is_finished:
        return str(plan.status)
    study = plan.study
    with heartbeat(plan.pk, kind="plan"):
        plan.mark_running()
        try:
            plan.report_progress(0.05, gettext("Reading the profile"))
            result = pipeline.research_plan(
                workspace_for(study),
                plan.revision.to_document(),
                profile=pipeline.profile_from_json(plan.run.result_json),
                progress=plan.report_progress,
            )
        except SegprofileError as exc:
            logger.info("Research plan %s failed: %s", plan.pk, type(exc).__name__)
            plan.mark_failed(str(exc))
            return str(plan.status)
        except Exception:
            logger.exception("Research plan %s failed unexpectedly", plan.pk)
            plan.mark_failed(
                gettext(
                    "Internal error while computing the research plan. The administrator can "
                    "find the details in the worker log."
                )
            )
            raise
        plan.mark_done(result)
    logger.info("Research plan %s done", plan.pk)
    return str(plan.status)


# --- importing an uploaded file ------------------------------------------------------------------


def document_with_source(document: StudyDocument, upload: staging.Upload) -> StudyDocument:
    """The document with the upload's new source added (if it is for a new one)."""
    new = upload.meta.get("new_source")
    if not new or new["id"] in {s.id for s in document.data_sources}:
        return document
    updated = document.model_copy(deep=True)
    updated.data_sources.append(
        DataSource(
            id=new["id"],
            kind=DataSourceKind(new["kind"]),
            title=new.get("title", ""),
            path=f"{new['id']}{Path(upload.name).suffix.lower()}",
        )
    )
    return updated


def with_decisions(
    document: StudyDocument, source_id: str, decisions: dict[str, dict[str, str]]
) -> StudyDocument:
    """A copy whose source keeps ``decisions`` in ``columns`` (over the earlier ones)."""
    updated = document.model_copy(deep=True)
    for source in updated.data_sources:
        if source.id == source_id:
            columns = dict(source.columns)
            for name, decision in decisions.items():
                before = columns.get(name, ColumnOverride())
                columns[name] = before.model_copy(update=decision)
            source.columns = columns
    return pipeline.study_from_data(updated.model_dump(mode="json"), source="data import")


def _import_base(study: Study, upload: staging.Upload) -> StudyRevision:
    """The revision the import's decisions apply to: the one the check page showed (its
    ``base_revision``), so that edits saved since are merged part by part, not overwritten;
    the latest when the page named none or it is gone."""
    number = upload.meta.get("base_revision")
    revision = None
    if isinstance(number, int):
        revision = study.revisions.filter(number=number).first()
    return revision if revision is not None else study.current_revision()


def read_options(upload: staging.Upload) -> pipeline.ReadOptions:
    """How to read a staged upload: the options the user chose on the upload form."""
    opts = upload.meta.get("options", {})
    return pipeline.ReadOptions(
        encoding=opts.get("encoding"),
        delimiter=opts.get("delimiter"),
        sheet=opts.get("sheet"),
        header_row=opts.get("header_row"),
        max_bytes=settings.SEGPROFILE_MAX_UPLOAD_BYTES,
    )


@task()
def import_upload(import_id: int) -> str:
    """Import the staged upload of ``DataImport(import_id)`` as a new dataset version.

    The decisions on the columns are applied to the study's latest revision; the file is read,
    pseudonymised and stored in an isolated child process; the decisions become a new
    revision. The staged upload is deleted when the import ends, whether it succeeded or not
    (an owner may keep the original, apart from the data and audited). A
    :class:`SegprofileError` — a bad file, a file over the parse limits — ends the import
    ``failed`` with its Russian message; the task itself then succeeds.
    """
    with translation.override(settings.LANGUAGE_CODE):
        reap_dead_runs()
        return _import(import_id)


def _import(import_id: int) -> str:
    # Not at the top: services imports this module to queue its jobs.
    from segprofile.web.studies.services import (
        staging_area,
        staging_root,
        workspace_for,
    )

    job = DataImport.objects.select_related("study", "created_by").get(pk=import_id)
    if job.is_finished:
        return str(job.status)
    study = job.study
    root, area = staging_root(), staging_area(study)
    try:
        upload = staging.get(root, area, job.token)
        with staging.hold(upload), heartbeat(job.pk, kind="import"):
            job.mark_running()
            job.report_progress(0.05, gettext("Reading the file, depersonalising and storing it"))
            upload.meta["state"] = staging.IMPORTING  # a crash from here: cleaned as interrupted
            staging.save(upload)
            kept = None
            try:
                base = _import_base(study, upload)
                before = base.to_document()
                document = with_decisions(
                    document_with_source(before, upload), job.source_id, job.decisions
                )
                chosen = upload.meta.get("settings")
                if chosen:  # rating, id, date and features chosen on the check page
                    document = pipeline.with_upload_settings(
                        document, pipeline.UploadSettings.from_data(chosen)
                    )
                author = job.created_by.get_username() if job.created_by else ""
                result = pipeline.run_isolated(
                    pipeline.import_dataset,
                    workspace_for(study),
                    upload.path,
                    document,
                    job.source_id,
                    file=upload.name,
                    author=author,
                    options=read_options(upload),
                    keep_reasons=job.reasons,
                    # the staged copy (an owner's kept original is moved after)
                    delete_input=not job.keep_original,
                )
                if job.keep_original:
                    kept = staging.keep_original(
                        upload, root, source_id=job.source_id, version=result.manifest.version
                    )
            finally:
                if kept is None:
                    staging.discard(root, area, upload.token)
            job.report_progress(0.9, gettext("Saving the decisions on the columns"))
            warning = _after_import(
                job, (before, base.number), document, result, kept, ws=workspace_for(study)
            )
            job.mark_done(
                version=result.manifest.version, rows=result.manifest.rows, warning=warning
            )
    except NotFound:
        job.mark_failed(
            gettext("The uploaded file %(file)s is no longer there: it was deleted or expired.")
            % {"file": job.file},
            gettext("upload the file again."),
        )
    except SegprofileError as exc:  # the file's fault (or another import of it): the job's end
        logger.info("Data import %s failed: %s", job.pk, type(exc).__name__)
        job.mark_failed(exc.message, exc.hint or "")
    except Exception:
        logger.exception("Data import %s failed unexpectedly", job.pk)
        job.mark_failed(
            gettext(
                "Internal error while importing the file. The administrator can find the "
                "details in the worker log."
            ),
            gettext("upload the file again."),
        )
        raise
    logger.info("Data import %s: %s", job.pk, job.status)
    return str(job.status)


def _after_import(
    job: DataImport,
    base: tuple[StudyDocument, int],
    document: StudyDocument,
    result: pipeline.ImportResult,
    kept: staging.Upload | None,
    *,
    ws: pipeline.Workspace,
) -> str:
    """Audit the import and save the decisions as a revision over ``base`` (the document they
    were applied to and its revision number); returns a warning (or "")."""
    manifest = result.manifest
    author = job.created_by.get_username() if job.created_by else ""
    if kept is not None:
        pipeline.audit_original(
            ws,
            kept=True,
            user=author,
            study_id=document.id,
            source_id=job.source_id,
            file=kept.name,
            file_sha256=manifest.file_sha256,
            version=manifest.version,
        )
        _audit(
            job,
            AuditEvent.Action.IMPORT,
            {
                "what": "original",
                "source": job.source_id,
                "version": manifest.version,
                "file": kept.name,
            },
        )
    warning = ""
    study = job.study
    if document.model_dump(mode="json") != base[0].model_dump(mode="json"):
        names = {s.id: s.title or labels.ru(s.kind) for s in document.data_sources}
        comment = gettext("Data import: source «%(source)s», version %(version)s") % {
            "source": names.get(job.source_id, job.source_id),
            "version": manifest.version,
        }
        if job.reasons:
            kept_columns = "; ".join(f"«{c}»: {r}" for c, r in job.reasons.items())
            comment += ". " + gettext("Personal data kept as is: %(kept)s") % {"kept": kept_columns}
        try:  # merged part by part with edits saved while the file was read
            study.add_revision(document, author=job.created_by, comment=comment, base=base[1])
        except ConflictError as exc:
            warning = gettext(
                "The decisions on the columns were not saved in the study: %(reason)s"
            ) % {"reason": exc.message}
    _audit(
        job,
        AuditEvent.Action.IMPORT,
        {
            "what": "dataset",
            "source": job.source_id,
            "version": manifest.version,
            "rows": manifest.rows,
            "file": manifest.file,
        },
    )
    return warning


def _audit(job: DataImport, action: str, details: dict[str, Any]) -> None:
    """An audit event by the user who started the import, from the address they used."""
    event = audit(None, action, job.study, details, user=job.created_by)
    if job.ip_address:
        AuditEvent.objects.filter(pk=event.pk).update(ip_address=job.ip_address)


# --- liveness ----------------------------------------------------------------------------------


def _heartbeat_seconds() -> float:
    return float(getattr(settings, "SEGPROFILE_WORKER_HEARTBEAT_SECONDS", 5))


def _stale_seconds() -> float:
    return float(getattr(settings, "SEGPROFILE_WORKER_STALE_SECONDS", 60))


def heartbeat_dir() -> Path:
    return Path(settings.SEGPROFILE_HOME) / "workers"


def heartbeat_path(run_id: int, kind: str = "run") -> Path:
    return heartbeat_dir() / f"{kind}-{int(run_id)}.json"


Job = ProfileRun | DataImport | ResearchPlan
"""A background job with a status, a heartbeat and a task."""


def _kind(job: Job) -> str:
    if isinstance(job, DataImport):
        return "import"
    return "plan" if isinstance(job, ResearchPlan) else "run"


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


@contextlib.contextmanager
def heartbeat(run_id: int, kind: str = "run") -> Iterator[Path]:
    """Keep ``<kind>-<id>.json`` fresh while the block runs; remove it afterwards.

    The beat is the file's modification time, renewed by a daemon thread: it stops with the
    process, however the process ends.
    """
    path = heartbeat_path(run_id, kind)
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

    thread = threading.Thread(target=beat, name=f"heartbeat-{kind}-{run_id}", daemon=True)
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


def worker_is_dead(run: Job) -> bool:
    """Whether the worker running ``run`` (a running profile run or import) has died."""
    if run.status != run.Status.RUNNING:
        return False
    path = heartbeat_path(run.pk, _kind(run))
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


def fail_if_worker_died(run: Job) -> bool:
    """Mark ``run`` (a profile run or an import) failed if its worker died; returns whether
    it did."""
    if not worker_is_dead(run):
        return False
    if isinstance(run, DataImport):
        error = gettext(
            "The background worker stopped while importing this file (the process ended "
            "unexpectedly). Nothing was stored from this import and the uploaded file was "
            "deleted; upload it again."
        )
    elif isinstance(run, ResearchPlan):
        error = gettext(
            "The background worker stopped while computing the research plan (the process "
            "ended unexpectedly); compute it again."
        )
    else:
        error = gettext(
            "The background worker stopped while building this profile (the process ended "
            "unexpectedly). Nothing was saved from this run; start the build again."
        )
    updated = (
        type(run)
        .objects.filter(pk=run.pk, status=run.Status.RUNNING)
        .update(status=run.Status.FAILED, error=error, finished_at=timezone.now())
    )
    run.refresh_from_db()
    heartbeat_path(run.pk, _kind(run)).unlink(missing_ok=True)
    if updated:
        logger.warning("%s %s: its worker died; marked failed", type(run).__name__, run.pk)
        _fail_task(run.task_id)
    return bool(updated)


def task_failed(task_id: str) -> bool:
    """Whether the background task ``task_id`` is known to have failed."""
    if not task_id:
        return False
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    try:
        result = default_task_backend.get_result(task_id)
    except (NotImplementedError, TaskResultDoesNotExist):
        return False
    return bool(result.status == TaskResultStatus.FAILED)


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
    """Fail every running job (profile run, import, research plan) whose worker died; returns
    how many."""
    count = 0
    running: list[Job] = [
        *ProfileRun.objects.filter(status=ProfileRun.Status.RUNNING),
        *DataImport.objects.filter(status=DataImport.Status.RUNNING),
        *ResearchPlan.objects.filter(status=ResearchPlan.Status.RUNNING),
    ]
    for run in running:
        with translation.override(settings.LANGUAGE_CODE):
            count += fail_if_worker_died(run)
    return count


def reap_dead_runs_soon() -> None:
    """At a worker's start (the app registry is still loading): reap from a thread once the
    apps are ready, then start the fork server that imports parse in (seconds: not in the
    first import job)."""

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
        pipeline.start_isolation()

    threading.Thread(target=reap, name="reap-dead-runs", daemon=True).start()
