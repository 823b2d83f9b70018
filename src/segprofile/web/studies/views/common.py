"""What the views of several areas share: the current document, the latest finished run, the
user's capabilities, a download and its audit record."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from segprofile import pipeline
from segprofile.model.format import report_file_name
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


def disposition(filename: str, fallback: str = "") -> str:
    """``Content-Disposition`` of a download named ``filename`` (RFC 6266): a Russian name as
    ``filename*=UTF-8''…``, after an ASCII ``filename="…"`` for a client that reads only that
    (``fallback``, else ``filename`` with characters other than ASCII letters, digits and
    ``_.-`` replaced by ``_``)."""
    ascii_name = re.sub(r"[^A-Za-z0-9_.-]", "_", fallback or filename)
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def attachment(
    content: str | bytes, filename: str, content_type: str, *, fallback: str = ""
) -> HttpResponse:
    """A download of ``content`` named ``filename`` (see :func:`disposition`)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = disposition(filename, fallback)
    return response


def report_download(
    run: ProfileRun, content: str | bytes, extension: str, content_type: str, *, note: str = ""
) -> HttpResponse:
    """A run's report or profile as a download named by the study and the revision, as the CLI
    names it (``model.format.report_file_name``): «Профиль — Назначение выплаты — ред. 21.docx»;
    the ASCII fallback is the study's slug: «naznachenie-vyplaty-r21-profile.docx»."""
    number = run.revision.number
    name = report_file_name(run.study.title, extension, revision=number, note=note)
    variant = "-template" if note else ""
    fallback = f"{run.study.slug}-r{number}-profile{variant}.{extension}"
    return attachment(content, name, content_type, fallback=fallback)


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
