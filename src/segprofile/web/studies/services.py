"""Operations that span the database, the data directory, the staging area and the pipeline.

Views and management commands call these; they hold no business rules of their own — the
rules are in :mod:`segprofile.pipeline`.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import staging
from segprofile.web.studies.keys import key_store, study_key
from segprofile.web.studies.models import DataImport, ProfileRun, ResearchPlan, Study, StudyRevision
from segprofile.web.studies.tasks import build_profile, build_research_plan, import_upload

logger = logging.getLogger(__name__)


# --- the staging area (the gate's private folder, apart from the data home) ---------------------


def staging_root() -> Path:
    """``SEGPROFILE_STAGING``: where uploaded files wait, raw, until imported or discarded."""
    return Path(settings.SEGPROFILE_STAGING)


def staging_area(study: Study) -> str:
    """The study's folder name in the staging area.

    The creation time is part of it: a study made under the number of an older, deleted one
    (a database restored from a backup) never sees that one's files.
    """
    return f"study-{study.pk}-{study.created_at:%Y%m%dT%H%M%S}"


def study_home(study: Study) -> Path:
    """Where a study's datasets and audit trail live (``tasks`` uses the same)."""
    return study.data_dir().parent


def workspace_for(study: Study) -> pipeline.Workspace:
    """Where the study's data, keys and audit live, for every pipeline call about it: its own
    folder in the data home (files in ``data/``), its key ``web-study-<pk>`` in the key store,
    the staging area; the engine of the settings."""
    return pipeline.Workspace(
        home=study_home(study),
        keys=key_store(),
        staging=staging_root(),
        data_dir=study.data_dir(),
        engine=settings.SEGPROFILE_ENGINE,
        key_name=study_key(study).name,
    )


def clean_staging() -> staging.Cleaned:
    """Remove expired and interrupted uploads (any in use are left alone)."""
    return staging.clean(staging_root(), hours=settings.SEGPROFILE_STAGING_HOURS)


def clean_at_start() -> None:
    """At every start of a server or worker process: what a crash left behind goes.

    Besides :func:`clean_staging`: raw upload folders that earlier releases kept inside the
    data home (``studies/<n>/uploads``, ``studies/<n>/data/research-uploads``) are deleted.
    """
    try:
        staging.prepare(staging_root())  # Django's check wants FILE_UPLOAD_TEMP_DIR to exist
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(mode=staging.DIR_MODE, exist_ok=True)
        clean_staging()
        studies = Path(settings.SEGPROFILE_HOME) / "studies"
        legacy = [
            *studies.glob("*/uploads"),
            *studies.glob("*/data/research-uploads"),
        ]
        for folder in legacy:
            shutil.rmtree(folder, ignore_errors=True)
        if legacy:
            logger.warning(
                "Deleted %d folders of raw uploads kept in the data home by an earlier release",
                len(legacy),
            )
    except OSError as exc:  # never stop a start-up over a cleaning
        logger.warning("Cleaning the staging area at start failed: %s", type(exc).__name__)


# --- studies -----------------------------------------------------------------------------------


def create_study_from_example(
    owner: Any, name: str, *, rows: int, seed: int, build: bool = False
) -> Study:
    """A new study from the example ``name``, with the example's demo data imported; with
    ``build`` its profile run is queued too, so the study opens with its profile being built.

    The study row is committed before the data is generated (so the database is not locked
    meanwhile); if the data fails, the study and its directory are removed again.
    """
    document = pipeline.example_study(name)
    # The example by its title, as the page offering it names it (never its internal name).
    title = next((e.title for e in pipeline.list_examples() if e.name == name), name)
    study = Study.create_from_document(
        document,
        owner=owner,
        comment=gettext("Created from the example «%(name)s»") % {"name": title},
    )
    try:
        import_demo_data(study, name, rows=rows, seed=seed, author=owner.get_username())
    except BaseException:
        shutil.rmtree(study_home(study), ignore_errors=True)
        staging.discard_area(staging_root(), staging_area(study))
        study.delete()
        raise
    logger.info("Study %s created from example %s (%d rows)", study.pk, name, rows)
    if build:
        start_profile_run(study, owner)
    return study


def import_demo_data(study: Study, name: str, *, rows: int, seed: int, author: str) -> None:
    """The example's synthetic data, generated in the staging area and imported through the
    gate as the first version of each source (the generated files are deleted after)."""
    pipeline.import_demo_data(
        workspace_for(study),
        study.current_revision().to_document(),
        name,
        rows=rows,
        seed=seed,
        author=author,
    )


def start_data_import(job: DataImport) -> DataImport:
    """Queue the import of a staged upload (the row holds the user's decisions)."""
    result = import_upload.enqueue(job.pk)
    # Only the task id column: with an immediate backend the task has already written the rest.
    DataImport.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def start_profile_run(study: Study, user: Any) -> ProfileRun:
    """Queue a profile build of the study's current revision."""
    revision = study.current_revision()
    run = ProfileRun.objects.create(study=study, revision=revision, created_by=user)
    result = build_profile.enqueue(run.pk)
    # Only the task id column: with an immediate backend the task has already written the rest.
    ProfileRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return run


def data_versions(study: Study, document: StudyDocument) -> dict[str, int | None]:
    """The latest imported version of each of the study's data sources (``None``: none yet)."""
    versions: dict[str, int | None] = {}
    for source in document.data_sources:
        try:
            found = pipeline.list_dataset_versions(workspace_for(study), document.id, source.id)
        except SegprofileError:
            found = []
        versions[source.id] = found[-1].version if found else None
    return versions


def start_research_plan(
    study: Study, run: ProfileRun, revision: StudyRevision, user: Any
) -> ResearchPlan:
    """Queue the research plan on ``run`` and ``revision`` with the study's data as it is now;
    the same plan already waiting or being computed is not queued twice."""
    versions = data_versions(study, revision.to_document())
    pending = study.plans.filter(
        run=run,
        revision=revision,
        status__in=(ResearchPlan.Status.QUEUED, ResearchPlan.Status.RUNNING),
    ).first()
    if pending is not None and pending.data_versions == versions:
        return pending
    plan = ResearchPlan.objects.create(
        study=study, run=run, revision=revision, data_versions=versions, created_by=user
    )
    result = build_research_plan.enqueue(plan.pk)
    # Only the task id column: with an immediate backend the task has already written the rest.
    ResearchPlan.objects.filter(pk=plan.pk).update(task_id=str(result.id))
    plan.refresh_from_db()
    return plan


# --- a body's own report template (M-13) ----------------------------------------------------------

REPORT_TEMPLATE = "report-template.docx"


def report_template_path(study: Study) -> Path:
    """Where the study's own report template lives: beside its data folder, not in it (it holds
    no client data), so it goes with the study when the study is deleted."""
    return study_home(study) / REPORT_TEMPLATE


def check_report_template(study: Study, content: bytes, name: str) -> None:
    """Fill ``content`` once and throw the result away, in a child process with the limits of
    every uploaded file: with the latest finished profile when there is one, else with a small
    report of every kind of block.

    Raises
    ------
    InputError
        The message names the placeholder and the paragraph where it stands.
    """
    run = (
        study.runs.filter(status=ProfileRun.Status.DONE)
        .select_related("revision")
        .defer("published_json", "html", "fragment")  # only the profile and its document
        .order_by("-created_at", "-pk")
        .first()
    )
    profile = document = None
    if run is not None:
        profile = pipeline.profile_from_json(run.result_json)
        document = run.revision.to_document()
    pipeline.run_isolated(pipeline.check_report_template, content, profile, document, file=name)


def save_report_template(study: Study, content: bytes) -> None:
    """Store a checked template, replacing the study's earlier one in one step (a failed write
    leaves the earlier one as it was)."""
    target = report_template_path(study)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(content)
    partial.replace(target)
