"""Operations that span the database, the data directory and the pipeline.

Views and management commands call these; they hold no business rules of their own — the
rules are in :mod:`segprofile.pipeline`.
"""

from __future__ import annotations

import logging
import shutil
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext

from segprofile import pipeline
from segprofile.model.study import DataSource
from segprofile.web.studies.models import ProfileRun, Study
from segprofile.web.studies.storage import safe_data_path, store_upload
from segprofile.web.studies.tasks import build_profile

logger = logging.getLogger(__name__)


def create_study_from_example(owner: Any, name: str, *, rows: int, seed: int) -> Study:
    """A new study from the example ``name``, with the example's demo data generated.

    The study row is committed before the data is generated (so the database is not locked
    meanwhile); if generation fails, the study and its directory are removed again.
    """
    document = pipeline.example_study(name)
    study = Study.create_from_document(
        document,
        owner=owner,
        comment=gettext("Created from the example «%(name)s»") % {"name": name},
    )
    try:
        pipeline.generate_demo_data(name, study.data_dir(), rows=rows, seed=seed)
    except BaseException:
        shutil.rmtree(study.data_dir().parent, ignore_errors=True)
        study.delete()
        raise
    logger.info("Study %s created from example %s (%d rows)", study.pk, name, rows)
    return study


def store_data_file(study: Study, source: DataSource, uploaded: UploadedFile) -> int:
    """Store ``uploaded`` as the data file of ``source``; returns the bytes written."""
    target = safe_data_path(study.data_dir(), source.path)
    written = store_upload(uploaded, target)
    Study.objects.filter(pk=study.pk).update(updated_at=timezone.now())
    logger.info(
        "Study %s: data file of source %s replaced (%d bytes)", study.pk, source.id, written
    )
    return written


def start_profile_run(study: Study, user: Any) -> ProfileRun:
    """Queue a profile build of the study's current revision."""
    revision = study.current_revision()
    run = ProfileRun.objects.create(study=study, revision=revision, created_by=user)
    result = build_profile.enqueue(run.pk)
    # Only the task id column: with an immediate backend the task has already written the rest.
    ProfileRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return run
