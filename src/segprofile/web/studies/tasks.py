"""Background jobs (django-tasks): building a profile without blocking a request."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from segprofile import pipeline
from segprofile.errors import SegprofileError
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
        return _build(run_id)


def _build(run_id: int) -> str:
    run = ProfileRun.objects.select_related("study", "revision").get(pk=run_id)
    if run.is_finished:
        return str(run.status)
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
