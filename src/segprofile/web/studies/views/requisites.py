"""The filed document's details on the study page (M-13), edited in place: who issues the
profile, its number and date, who approves it and who prepared it. The report's title page, its
«УТВЕРЖДАЮ» block and the executor's mark are made from them. And the body's own report
template: uploaded by the owner, checked, stored with the study; the sample and placeholders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.model import parts
from segprofile.web.studies import htmx, services
from segprofile.web.studies.access import study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.requisites import ReportTemplateForm, RequisitesForm
from segprofile.web.studies.models import AuditEvent, Study
from segprofile.web.studies.sections import save_part
from segprofile.web.studies.storage import file_state
from segprofile.web.studies.views.common import (
    attachment,
    current_document,
    latest_run,
    section_answer,
    study_capabilities,
)

SECTION = "studies/study/sections/_requisites.html"
ANCHOR = "#requisites"


def _section(
    request: HttpRequest, study: Study, *, status: int = 200, **state: Any
) -> HttpResponse:
    return section_answer(request, study, section=SECTION, status=status, **state)


@require_GET
def requisites_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The section as it is shown (the «Отмена» of its form)."""
    return _section(request, study_for(request, pk, need="view"))


@require_http_methods(["GET", "POST"])
def requisites_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The document's details: one form, saved as the ``requisites`` section."""
    study = study_for(request, pk, need="edit")
    if request.method == "GET":
        form = RequisitesForm.of(current_document(study)[1].requisites)
        return _section(request, study, requisites_form=form)
    form = RequisitesForm(request.POST)
    if form.is_valid():
        value = form.requisites()
        if save_part(
            request,
            study,
            lambda data: parts.set_section(data, "requisites", value),
            comment=gettext("Document details changed"),
            form=form,
            prefix="requisites",
        ):
            if htmx.is_htmx(request):
                return _section(request, study)
            return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + ANCHOR)
    return htmx.replace(_section(request, study, status=400, requisites_form=form), ANCHOR)


# --- a body's own report template (M-13) ----------------------------------------------------------

TEMPLATE_PAGE = "studies/requisites/report_template.html"
DOCX = pipeline.REPORT_FORMATS["docx"][0]
SAMPLE_NAME = "report-template-sample.docx"


def _template_page(
    request: HttpRequest, study: Study, *, form: ReportTemplateForm | None = None, status: int = 200
) -> HttpResponse:
    can = study_capabilities(request, study)
    stored = file_state(services.report_template_path(study))
    context = {
        "study": study,
        "can": can,
        "stored": stored if stored.exists else None,
        "run": latest_run(study),
        "form": form or (ReportTemplateForm() if can.manage else None),
        "placeholders": pipeline.report_template_placeholders(),
        "section_names": pipeline.report_template_sections(),
        # Jinja's braces cannot stand inside a Django tag: the note is made here.
        "syntax_note": gettext(
            "A placeholder is written in double braces. One that starts with a loop's name "
            "stands inside that loop: раздел inside {% for раздел in разделы %} … {% endfor %}. "
            "A tag alone in its paragraph, {%p … %}, repeats paragraphs; {%tr … %} repeats "
            "table rows and {%tc … %} table columns, as in the sample. The full guide with "
            "examples: docs/report-template.md."
        ),
    }
    return render(request, TEMPLATE_PAGE, context, status=status)


@require_http_methods(["GET", "POST"])
def report_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The body's own report template: what is stored, the sample and the placeholders; the
    owner uploads a template, which is filled once as a check before it is stored."""
    if request.method == "GET":
        return _template_page(request, study_for(request, pk, need="view"))
    study = study_for(request, pk, need="manage")
    form = ReportTemplateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.check_report_template(study, form.content, form.file_name or SAMPLE_NAME)
        except SegprofileError as exc:
            form.add_error("template", str(exc))
        else:
            services.save_report_template(study, form.content)
            audit(request, AuditEvent.Action.IMPORT, study, {"report_template": form.file_name})
            messages.success(request, gettext("The report template was checked and stored."))
            return redirect("studies:report_template", pk=study.pk)
    return _template_page(request, study, form=form, status=400)


@require_POST
def report_template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner removes the template: reports are made in the standard layout again."""
    study = study_for(request, pk, need="manage")
    services.report_template_path(study).unlink(missing_ok=True)
    audit(request, AuditEvent.Action.DELETED, study, {"report_template": True})
    messages.success(request, gettext("The report template was deleted."))
    return redirect("studies:report_template", pk=study.pk)


@require_GET
def report_template_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored template as it was uploaded."""
    study = study_for(request, pk, need="view")
    try:
        content = services.report_template_path(study).read_bytes()
    except FileNotFoundError:
        raise Http404 from None
    return attachment(content, f"{study.slug}-report-template.docx", DOCX)


@require_GET
def report_template_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """The sample template: filled, it is the standard report."""
    study_for(request, pk, need="view")
    return attachment(pipeline.sample_report_template(), SAMPLE_NAME, DOCX)


@require_GET
def report_template_guide(request: HttpRequest, pk: int) -> HttpResponse:
    """The placeholder list as a text file (Markdown)."""
    study_for(request, pk, need="view")
    return attachment(
        pipeline.report_template_guide(),
        "report-template-placeholders.md",
        "text/markdown; charset=utf-8",
    )
