"""The scope section of the study page (M-1), edited in place: the scope's own fields, and its
legal acts added, changed and deleted one at a time.

Every answer to HTMX is the whole section (``#scope``) in the state asked for: shown, with the
scope's form, or with one legal act's form. A refused form comes back with its errors and
status 400; a browser without HTMX is sent back to the page's ``#scope``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.web.studies import htmx
from segprofile.web.studies.access import study_for
from segprofile.web.studies.forms.scope import LegalActForm, ScopeForm
from segprofile.web.studies.models import Study
from segprofile.web.studies.sections import Change, save_part
from segprofile.web.studies.views.common import current_document, section_answer

SECTION = "studies/study/sections/_scope.html"
ANCHOR = "#scope"


def _section(
    request: HttpRequest, study: Study, *, status: int = 200, **state: Any
) -> HttpResponse:
    """The section in ``state`` (``scope_form``; ``act_form`` with ``act_id`` or ``act_new``;
    ``act_error``); a form shown again keeps the revision its edit began from."""
    return section_answer(request, study, section=SECTION, status=status, **state)


def _back(study: Study) -> HttpResponse:
    return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + ANCHOR)


def _answer(
    request: HttpRequest,
    study: Study,
    form: Any,
    change: Change,
    comment: str,
    state: dict[str, Any],
    *,
    prefix: str = "",
) -> HttpResponse:
    """Save ``change`` if ``form`` is valid: the section again (HTMX) or the page; else the
    form again with its errors (400)."""
    if form.is_valid() and save_part(
        request, study, change, comment=comment, form=form, prefix=prefix
    ):
        return _section(request, study) if htmx.is_htmx(request) else _back(study)
    return htmx.replace(_section(request, study, status=400, **state), ANCHOR)


@require_GET
def scope_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The section as it is shown (the «Отмена» of a form)."""
    return _section(request, study_for(request, pk, need="view"))


@require_http_methods(["GET", "POST"])
def scope_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The scope's own fields: what is profiled, its title, the body, the clients, the
    description."""
    study = study_for(request, pk, need="edit")
    if request.method == "GET":
        scope = current_document(study)[1].scope
        form = ScopeForm(
            initial={
                "kind": scope.kind.value,
                "title": scope.title,
                "body": scope.body,
                "client_types": [c.value for c in scope.client_types],
                "description": scope.description,
            }
        )
        return _section(request, study, scope_form=form)
    form = ScopeForm(request.POST)

    def change(data: dict[str, Any]) -> None:
        pipeline.set_scope(data, **form.scope_fields())

    return _answer(
        request, study, form, change, gettext("Scope changed"), {"scope_form": form}, prefix="scope"
    )


@require_http_methods(["GET", "POST"])
def legal_act_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new legal act of the scope."""
    study = study_for(request, pk, need="edit")
    if request.method == "GET":
        return _section(request, study, act_form=LegalActForm(), act_new=True)
    form = LegalActForm(request.POST)

    def change(data: dict[str, Any]) -> None:
        pipeline.add_legal_act(data, **form.cleaned_data)

    comment = gettext("Legal act «%(title)s» added") % {
        "title": request.POST.get("title", "")[:200]
    }
    return _answer(request, study, form, change, comment, {"act_form": form, "act_new": True})


@require_http_methods(["GET", "POST"])
def legal_act_edit(request: HttpRequest, pk: int, act_id: str) -> HttpResponse:
    """One legal act's title and reference."""
    study = study_for(request, pk, need="edit")
    if request.method == "GET":
        act = next((a for a in current_document(study)[1].scope.legal_acts if a.id == act_id), None)
        if act is None:
            return _missing(request, study)
        form = LegalActForm(initial={"title": act.title, "reference": act.reference})
        return _section(request, study, act_form=form, act_id=act_id)
    form = LegalActForm(request.POST)

    def change(data: dict[str, Any]) -> None:
        pipeline.change_legal_act(data, act_id, **form.cleaned_data)

    comment = gettext("Legal act «%(title)s» changed") % {
        "title": request.POST.get("title", "")[:200]
    }
    return _answer(request, study, form, change, comment, {"act_form": form, "act_id": act_id})


@require_POST
def legal_act_delete(request: HttpRequest, pk: int, act_id: str) -> HttpResponse:
    """Delete one legal act; refused while a role's legal basis cites it."""
    study = study_for(request, pk, need="edit")
    form = forms.Form(data={})  # carries the refusal's message
    form.is_valid()

    def change(data: dict[str, Any]) -> None:
        pipeline.remove_legal_act(data, act_id)

    title = next(
        (a.title for a in current_document(study)[1].scope.legal_acts if a.id == act_id), act_id
    )
    comment = gettext("Legal act «%(title)s» deleted") % {"title": title[:200]}
    if save_part(request, study, change, comment=comment, form=form):
        return _section(request, study) if htmx.is_htmx(request) else _back(study)
    errors: list[str] = [str(e) for e in form.non_field_errors()]
    return htmx.replace(_section(request, study, status=400, act_error=errors), ANCHOR)


def _missing(request: HttpRequest, study: Study) -> HttpResponse:
    error = gettext("This legal act is not in the study any more: someone may have deleted it.")
    return htmx.replace(_section(request, study, status=404, act_error=[error]), ANCHOR)
