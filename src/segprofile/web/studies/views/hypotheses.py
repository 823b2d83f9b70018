"""Hypotheses written by the team (M-7): a new one, a suggestion edited before it is accepted,
a change, a deletion — each a new revision through ``sections.save_part``.

The form opens in place on the hypotheses page (HTMX) or as a page of its own; refused, it comes
back with the model's Russian messages beside the fields (400); saved, the hypotheses page is
shown again at the hypothesis (the registry, its groups and counts all change).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import NotFound, SegprofileError
from segprofile.model.diff import name_items
from segprofile.model.format import shorten
from segprofile.model.study import Hypothesis
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import decisions
from segprofile.web.studies import htmx, runs, sections
from segprofile.web.studies.access import study_for
from segprofile.web.studies.forms.hypotheses import HypothesisForm
from segprofile.web.studies.models import Study
from segprofile.web.studies.views.common import latest_run
from segprofile.web.studies.views.research import latest_profile


def _page(study: Study, anchor: str = "") -> str:
    url = reverse("studies:hypotheses", kwargs={"pk": study.pk})
    return url + (f"#{anchor}" if anchor else "")


def _suggestion(study: Study, document: StudyDocument, suggestion_id: str) -> Hypothesis:
    _, profile = latest_profile(study)
    found = next(
        (h for h in pipeline.suggested_hypotheses(document, profile) if h.id == suggestion_id),
        None,
    )
    if found is None:
        raise Http404
    return found


def _answer(
    request: HttpRequest,
    study: Study,
    form: HypothesisForm,
    *,
    hypothesis_id: str | None,
    suggestion: Hypothesis | None,
    status: int = 200,
) -> HttpResponse:
    """The form: a part for HTMX (in place of itself), a page for a browser."""
    context: dict[str, Any] = {
        "study": study,
        "form": form,
        "hypothesis_id": hypothesis_id,
        "suggestion": suggestion,
        "action": (
            reverse(
                "studies:hypothesis_edit", kwargs={"pk": study.pk, "hypothesis_id": hypothesis_id}
            )
            if hypothesis_id is not None
            else reverse("studies:hypothesis_new", kwargs={"pk": study.pk})
        ),
        "cancel": _page(study, f"h-{hypothesis_id}" if hypothesis_id else "registry"),
        # The revision the edit began from, kept when the form comes back with its errors.
        "base": study.edit_base or study.current_revision().number,
        # Unique on the page: several items may be open for editing at once.
        "form_id": f"hypothesis-form-{hypothesis_id or 'new'}",
    }
    return htmx.item_form(
        request, "studies/hypotheses/_form.html", "studies/hypotheses/form.html", context, status
    )


def _edit(request: HttpRequest, pk: int, hypothesis_id: str | None) -> HttpResponse:
    study = study_for(request, pk, need="edit")
    base = sections.base_document(study)
    try:
        index = decisions.hypothesis_index(base, hypothesis_id)
    except NotFound:
        raise Http404 from None
    hypothesis = base.hypotheses[index] if hypothesis_id is not None else None
    source = request.POST if request.method == "POST" else request.GET
    suggestion_id = source.get("suggestion", "") if hypothesis_id is None else ""
    suggestion = _suggestion(study, base, suggestion_id) if suggestion_id else None
    shown = hypothesis or suggestion
    shown_statement = shown.statement if shown is not None else ""
    names = runs.labels(latest_run(study))
    if request.method != "POST":
        form = HypothesisForm(document=base, segment_names=names, hypothesis=shown)
        return _answer(request, study, form, hypothesis_id=hypothesis_id, suggestion=suggestion)
    form = HypothesisForm(request.POST, document=base, segment_names=names, hypothesis=shown)
    if form.is_valid():
        changes = form.changes()

        def change(data: dict[str, Any]) -> None:
            document = pipeline.study_from_data(data, source=decisions.FORM)
            updated = decisions.save_hypothesis(
                document, hypothesis_id, changes, suggestion=suggestion
            )
            data.clear()
            data.update(updated.model_dump(mode="json"))

        if suggestion is not None:
            comment = gettext("Suggested hypothesis %(name)s accepted with edits")
        elif hypothesis_id is None:
            comment = gettext("Hypothesis added: %(statement)s")
        else:
            comment = gettext("Hypothesis %(name)s changed")
        values = {
            "name": f"«{shorten(str(changes.get('statement') or shown_statement), 60)}»",
            "statement": changes.get("statement", "")[:120],
        }
        revision = sections.save_part(
            request,
            study,
            change,
            comment=comment % values,
            form=form,
            prefix=f"hypotheses[{index}]",
        )
        if revision is not None:
            saved = revision.to_document().hypotheses
            new_id = hypothesis_id or (suggestion.id if suggestion else saved[-1].id)
            return htmx.go(request, _page(study, f"h-{new_id}"))
    return _answer(
        request, study, form, hypothesis_id=hypothesis_id, suggestion=suggestion, status=400
    )


@require_http_methods(["GET", "POST"])
def hypothesis_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a new need or problem; with ``suggestion``, accept a suggestion with edits."""
    return _edit(request, pk, None)


@require_http_methods(["GET", "POST"])
def hypothesis_edit(request: HttpRequest, pk: int, hypothesis_id: str) -> HttpResponse:
    """Change a hypothesis: its statement, segments, stages, step, source."""
    return _edit(request, pk, hypothesis_id)


@require_POST
def hypothesis_delete(request: HttpRequest, pk: int, hypothesis_id: str) -> HttpResponse:
    """Delete a hypothesis nothing else depends on; a recommendation keeps it, marked. The
    card's confirmation says beforehand what names it (``decisions.hypothesis_uses``)."""
    study = study_for(request, pk, need="edit")

    def change(data: dict[str, Any]) -> None:
        document = pipeline.study_from_data(data, source=decisions.FORM)
        data.clear()
        data.update(decisions.delete_hypothesis(document, hypothesis_id).model_dump(mode="json"))

    try:
        # The refusal (what still depends on it) is said before anything is stored.
        decisions.delete_hypothesis(sections.base_document(study), hypothesis_id)
    except NotFound:
        raise Http404 from None
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return htmx.go(request, _page(study, f"h-{hypothesis_id}"))
    base = sections.base_document(study).model_dump(mode="json")
    comment = gettext("Hypothesis %(name)s deleted") % {
        "name": name_items(base, "hypotheses", [hypothesis_id]),
    }
    unlinked = decisions.hypothesis_uses(sections.base_document(study), hypothesis_id).unlinked
    if unlinked:
        comment += gettext("; no longer named by: %(what)s") % {"what": "; ".join(unlinked)}
    sections.save_part(request, study, change, comment=comment)
    return htmx.go(request, _page(study, "registry"))
