"""The filed document's details on the study page (M-13), edited in place: who issues the
profile, its number and date, who approves it and who prepared it. The report's title page, its
«УТВЕРЖДАЮ» block and the executor's mark are made from them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from segprofile.model import parts
from segprofile.web.studies import htmx
from segprofile.web.studies.access import study_for
from segprofile.web.studies.forms.requisites import RequisitesForm
from segprofile.web.studies.models import Study
from segprofile.web.studies.sections import save_part
from segprofile.web.studies.views.common import current_document, section_answer

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
