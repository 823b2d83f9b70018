"""Downloads of a finished run's report (M-13): DOCX, XLSX and PDF built from the stored profile.

Login is enforced by the middleware; access is the one rule of every view (``access``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from segprofile import pipeline
from segprofile.model.format import TEMPLATE_NOTE
from segprofile.web.studies import access, runs, services
from segprofile.web.studies.views.common import audit_export, report_download

DOWNLOAD_FORMATS = ("docx", "xlsx", "pdf")


@require_GET
def run_report(request: HttpRequest, pk: int, run_pk: int, fmt: str) -> HttpResponse:
    """The run's report in ``fmt``; built on request from the stored profile and revision."""
    if fmt not in DOWNLOAD_FORMATS:
        raise Http404
    run = access.run_for(request, pk, run_pk, done=True)
    raw = access.unsuppressed_requested(request, run.study)  # an owner's, for this one output
    profile = pipeline.profile_from_json(run.result_json)
    document = runs.rule_document(run)  # min_cell as the study's now, if larger
    content = pipeline.render_report(profile, document, fmt, unsuppressed=raw)
    content_type, extension = pipeline.REPORT_FORMATS[fmt]
    audit_export(request, run, fmt, unsuppressed=raw)
    return report_download(run, content, extension, content_type)


@require_GET
def run_report_template(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The run's report in the body's own template (DOCX), small groups hidden; 404 when the
    study has no template. A template that does not fit this profile is a 400 naming the
    placeholder and its paragraph."""
    run = access.run_for(request, pk, run_pk, done=True)
    try:
        template = services.report_template_path(run.study).read_bytes()
    except FileNotFoundError:
        raise Http404 from None
    profile = pipeline.profile_from_json(run.result_json)
    content = pipeline.render_report(profile, runs.rule_document(run), "docx", template=template)
    audit_export(request, run, "docx-template")
    return report_download(
        run, content, "docx", pipeline.REPORT_FORMATS["docx"][0], note=TEMPLATE_NOTE
    )
