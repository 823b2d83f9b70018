"""What the views of several areas share: the current document, the latest finished run, the
user's capabilities, a download and its audit record."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from segprofile import pipeline
from segprofile.model.results import Profile
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import access, htmx
from segprofile.web.studies.audit import audit
from segprofile.web.studies.models import AuditEvent, ProfileRun, Study, StudyRevision
from segprofile.web.studies.templatetags.team_tags import Caps

# --- study documents ---------------------------------------------------------------------------


def revision_document(revision: StudyRevision) -> StudyDocument:
    """The revision's document (its column is read now if the revision was fetched without it)."""
    return revision.to_document()


def current_document(study: Study) -> tuple[StudyRevision, StudyDocument]:
    """The study's latest revision (with its author) and its document, in one read."""
    revision: StudyRevision = study.revisions.select_related("author").order_by("-number").first()
    study.__dict__["_current_number"] = revision.number  # for {% base_revision_field %}
    return revision, revision.to_document()


# --- profiles of finished runs ----------------------------------------------------------------


def latest_run(study: Study) -> ProfileRun | None:
    """The study's latest finished profile run, without its big text columns (the profile
    JSON and the report HTML are hundreds of kilobytes at a million rows)."""
    run: ProfileRun | None = (
        study.runs.filter(status=ProfileRun.Status.DONE)
        .select_related("revision")
        .defer(*access.BIG_RUN_COLUMNS)
        .order_by("-created_at", "-pk")
        .first()
    )
    return run


def computed_profile(run: ProfileRun) -> Profile:
    """The run's profile as computed — for the pipeline only; pages show ``runs.published``."""
    text = ProfileRun.objects.filter(pk=run.pk).values_list("result_json", flat=True).get()
    return pipeline.profile_from_json(text)


def study_capabilities(request: HttpRequest, study: Study) -> Caps:
    """The user's capabilities in ``study``, as ``{% study_caps %}`` gives them to templates."""
    user = request.user
    return Caps(
        study.role_for(user),
        study.can(user, "view"),
        study.can(user, "edit"),
        study.can(user, "manage"),
    )


# --- downloads ---------------------------------------------------------------------------------


def attachment(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    """A download of ``content`` named ``filename`` (characters other than ASCII letters, digits,
    ``_.-`` replaced by ``_``)."""
    response = HttpResponse(content, content_type=content_type)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


def audit_export(
    request: HttpRequest, run: ProfileRun, fmt: str, *, unsuppressed: bool = False
) -> None:
    """Record the download of a run's profile or report (format and numbers, no content)."""
    details: dict[str, Any] = {"format": fmt, "run": run.pk, "revision": run.revision.number}
    if unsuppressed:
        details["unsuppressed"] = True  # figures of small groups shown: an owner's request
    audit(request, AuditEvent.Action.EXPORT, run.study, details)


def section_answer(
    request: HttpRequest,
    study: Study,
    *,
    section: str,
    status: int = 200,
    **state: Any,
) -> HttpResponse:
    """A section of the study page edited in place, in ``state`` (its form, errors): the
    ``section`` template for HTMX, else a page with the section alone (a browser without HTMX).
    A form shown again (``status`` ≠ 200) keeps the revision its edit began from."""
    revision, document = current_document(study)
    base = getattr(study, "edit_base", None) if status != 200 else None
    context = {
        "study": study,
        "can": study_capabilities(request, study),
        "revision": revision,
        "document": document,
        "base": base or revision.number,
        "inline": htmx.is_htmx(request),
        "section_template": section,
        **state,
    }
    template = section if htmx.is_htmx(request) else "studies/study/section_page.html"
    return htmx.vary(render(request, template, context, status=status))
