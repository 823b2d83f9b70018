"""The filed document's details on the study page (M-13), edited in place: who issues the
profile, its number and date, who approves it and who prepared it. The report's title page, its
«УТВЕРЖДАЮ» block and the executor's mark are made from them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from segprofile.model import parts
from segprofile.web.studies import htmx
from segprofile.web.studies.access import study_for
from segprofile.web.studies.forms.requisites import RequisitesForm
from segprofile.web.studies.models import Study
from segprofile.web.studies.sections import save_part
from segprofile.web.studies.views.common import current_document, study_capabilities

SECTION = "studies/study/sections/_requisites.html"
PAGE = "studies/requisites/page.html"  # the section alone, for a browser without HTMX
ANCHOR = "#requisites"


def _section(
    request: HttpRequest, study: Study, *, status: int = 200, **state: Any
) -> HttpResponse:
    revision, document = current_document(study)
    base = getattr(study, "edit_base", None) if status != 200 else None
    context = {
        "study": study,
        "can": study_capabilities(request, study),
        "revision": revision,
        "document": document,
        "base": base or revision.number,
        "inline": htmx.is_htmx(request),
        **state,
    }
    template = SECTION if htmx.is_htmx(request) else PAGE
    return htmx.vary(render(request, template, context, status=status))


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
