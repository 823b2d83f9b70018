"""Re-identification for the key holder (M-8 recruitment): contacts of the chosen respondents.

Only an owner of the study may do it (``need="manage"``). The owner uploads the body's original
file and the respondents CSV of the research plan; both are kept for this request only in a
private work folder of the one upload staging (``SEGPROFILE_STAGING``, :func:`staging.work_dir`),
deleted when the request ends — a killed worker's folder goes with the staging's next sweep.
The pseudonyms are computed again over the original with the study's key
(:func:`segprofile.pipeline.reidentify`), and the contact rows of the respondents found are
sent back as a download — nothing of them is stored. Audited in the app's audit log and the
study's data audit trail (counts, never values).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from segprofile import pipeline
from segprofile.errors import InputError, SegprofileError
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import staging
from segprofile.web.studies.access import study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.keys import ReidentifyForm
from segprofile.web.studies.models import AuditEvent, Study
from segprofile.web.studies.services import staging_root, workspace_for
from segprofile.web.studies.views.common import attachment

logger = logging.getLogger(__name__)

_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".pq"}


def _save(upload: UploadedFile, directory: Path, role: str) -> Path:
    """The upload as a file of our private directory, in a folder of its ``role``, under the
    name the user knows it by (messages name it, masked as every file name is), its type kept."""
    name = staging.safe_name(Path(upload.name or "").name)
    if Path(name).suffix.lower() not in _SUFFIXES:
        name += ".csv"
    folder = directory / role
    folder.mkdir(mode=0o700)
    path = folder / name
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@never_cache
@require_http_methods(["GET", "POST"])
def reidentify(request: HttpRequest, pk: int) -> HttpResponse:
    """The form, or the contacts CSV of the respondents found (owners only)."""
    study = study_for(request, pk, need="manage")
    document = study.current_revision().to_document()
    form = ReidentifyForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        document=document,
    )
    context: dict[str, object] = {"study": study, "form": form}
    if request.method != "POST":
        return render(request, "studies/keys/reidentify.html", context)
    if not form.is_valid():
        return render(request, "studies/keys/reidentify.html", context, status=400)
    try:
        return _contacts(request, study, document, form)
    except SegprofileError as exc:
        context["error"] = str(exc)
        return render(request, "studies/keys/reidentify.html", context, status=400)


def _contacts(
    request: HttpRequest, study: Study, document: StudyDocument, form: ReidentifyForm
) -> HttpResponse:
    data = form.cleaned_data
    original_name = pipeline.mask_file_name(Path(data["original"].name or "").name)
    try:
        with staging.work_dir(staging_root(), kind="reidentify") as work:
            original = _save(data["original"], work, "original")
            respondents = _save(data["respondents"], work, "respondents")
            out = work / "contacts.csv"
            result = pipeline.reidentify(
                workspace_for(study),
                original,
                document,
                data["source"],
                respondents=respondents,
                out=out,
                user=request.user.get_username(),
            )
            content = out.read_bytes()
    except OSError as exc:
        raise InputError(
            f"Не удалось принять файлы ({type(exc).__name__}).",
            hint="повторите попытку; если не выйдет — обратитесь к администратору.",
        ) from None
    audit(
        request,
        AuditEvent.Action.EXPORT,
        study,
        {
            "what": "respondents' contacts (re-identification)",
            "source": data["source"],
            "file": original_name,
            "respondents": result.requested,
            "found": result.found,
            "rows": result.rows,
        },
    )
    logger.info("contacts of %d respondents sent for study %s", result.found, study.pk)
    return attachment(content, f"{study.slug}-contacts.csv", "text/csv; charset=utf-8")
