"""Recommendations (M-11): the page that lists them with the problems they solve and the journeys
they change, the suggestions for confirmed problems, and the form that writes, changes or deletes
one — each save a new revision through ``sections.save_part``.

A recommendation whose problem was deleted since is kept and marked, with its form to fix it;
one still to be done whose due date has passed is marked «просрочена» (``Recommendation.overdue``,
today where the installation works, ``TIME_ZONE``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import NotFound, SegprofileError
from segprofile.model import labels
from segprofile.model.diff import name_items
from segprofile.model.study import Recommendation
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import decisions
from segprofile.web.studies import htmx, runs, sections
from segprofile.web.studies.access import study_for
from segprofile.web.studies.forms.recommendations import RecommendationForm
from segprofile.web.studies.models import Study
from segprofile.web.studies.views.common import current_document, latest_run, study_capabilities
from segprofile.web.studies.views.research import latest_profile


def _page(study: Study, anchor: str = "") -> str:
    url = reverse("studies:recommendations", kwargs={"pk": study.pk})
    return url + (f"#{anchor}" if anchor else "")


def _row(
    rec: Recommendation,
    document: StudyDocument,
    names: dict[str, str],
    orphans: list[str],
    today: date,
) -> dict[str, Any]:
    hypotheses = {h.id: h for h in document.hypotheses}
    journey = next((j for j in document.journeys if j.id == rec.journey), None)
    return {
        "rec": rec,
        "kind": labels.ru(rec.kind),
        "status": labels.ru(rec.status),
        "segments": [
            names.get(key) or labels.segment_name(document.features, key) for key in rec.segments
        ],
        "problems": [{"id": p, "hyp": hypotheses.get(p)} for p in rec.problems],
        "orphans": orphans,
        "journey": journey,
        "overdue": rec.overdue(today),
    }


@require_GET
def recommendations_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-11: the study's recommendations by kind, their problems and journeys; suggestions."""
    study = study_for(request, pk, need="view")
    revision, document = current_document(study)
    run = latest_run(study)
    names = runs.labels(run)
    orphans = decisions.orphaned_recommendations(document)
    today = timezone.localdate()
    suggested = pipeline.suggested_recommendations(
        document, segment_labels=names if run is not None else None
    )
    context = {
        "study": study,
        "can": study_capabilities(request, study),
        "document": document,
        "revision": revision,
        "rows": [
            _row(r, document, names, orphans.get(r.id, []), today) for r in document.recommendations
        ],
        "suggested": [_row(r, document, names, [], today) for r in suggested],
        # No suggestion: because no problem is confirmed yet, or every one is covered.
        "confirmed": bool(decisions.confirmed_problems(document)),
        "counts": {
            labels.ru(status): n
            for status in dict.fromkeys(r.status for r in document.recommendations)
            if (n := sum(1 for r in document.recommendations if r.status is status))
        },
        # Still to do past their due date (a status of its own on no recommendation).
        "overdue": sum(1 for r in document.recommendations if r.overdue(today)),
    }
    return render(request, "studies/recommendations/recommendations.html", context)


def _answer(
    request: HttpRequest,
    study: Study,
    form: RecommendationForm,
    recommendation_id: str | None,
    status: int = 200,
) -> HttpResponse:
    """The form: a part for HTMX (in place of itself), a page for a browser."""
    context: dict[str, Any] = {
        "study": study,
        "form": form,
        "recommendation_id": recommendation_id,
        "action": (
            reverse(
                "studies:recommendation_edit",
                kwargs={"pk": study.pk, "recommendation_id": recommendation_id},
            )
            if recommendation_id is not None
            else reverse("studies:recommendation_new", kwargs={"pk": study.pk})
        ),
        "cancel": _page(study, f"rec-{recommendation_id}" if recommendation_id else "list"),
        "base": study.edit_base or study.current_revision().number,
        # Unique on the page: several items may be open for editing at once.
        "form_id": f"recommendation-form-{recommendation_id or 'new'}",
    }
    return htmx.item_form(
        request,
        "studies/recommendations/_form.html",
        "studies/recommendations/form.html",
        context,
        status,
    )


def _edit(request: HttpRequest, pk: int, recommendation_id: str | None) -> HttpResponse:
    study = study_for(request, pk, need="edit")
    base = sections.base_document(study)
    try:
        index = decisions.recommendation_index(base, recommendation_id)
    except NotFound:
        raise Http404 from None
    rec = base.recommendations[index] if recommendation_id is not None else None
    names = runs.labels(latest_run(study))
    if request.method != "POST":
        kwargs: dict[str, Any] = {"document": base, "segment_names": names, "recommendation": rec}
        if rec is None:
            # Written from a problem: its segments are ticked with it.
            kwargs["initial"] = decisions.recommendation_draft(base, request.GET.getlist("problem"))
        form = RecommendationForm(**kwargs)
        return _answer(request, study, form, recommendation_id)
    form = RecommendationForm(request.POST, document=base, segment_names=names, recommendation=rec)
    if form.is_valid():
        changes = form.changes()

        def change(data: dict[str, Any]) -> None:
            document = pipeline.study_from_data(data, source=decisions.FORM)
            updated = decisions.save_recommendation(document, recommendation_id, changes)
            data.clear()
            data.update(updated.model_dump(mode="json"))

        values = {
            "name": name_items(
                base.model_dump(mode="json"), "recommendations", [recommendation_id or ""]
            ),
            "title": changes.get("title", "")[:120],
        }
        comment = (
            gettext("Recommendation added: %(title)s")
            if recommendation_id is None
            else gettext("Recommendation %(name)s changed")
        ) % values
        revision = sections.save_part(
            request,
            study,
            change,
            comment=comment,
            form=form,
            prefix=f"recommendations[{index}]",
        )
        if revision is not None:
            if form.past_due_note:
                messages.warning(request, form.past_due_note)
            new_id = recommendation_id or revision.to_document().recommendations[index].id
            return htmx.go(request, _page(study, f"rec-{new_id}"))
    return _answer(request, study, form, recommendation_id, status=400)


@require_http_methods(["GET", "POST"])
def recommendation_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a new recommendation (``?problem=`` ticks the problems it answers)."""
    return _edit(request, pk, None)


@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int, recommendation_id: str) -> HttpResponse:
    """Change a recommendation: its text, segments, problems, journey, owner, status, date."""
    return _edit(request, pk, recommendation_id)


@require_POST
def recommendation_delete(request: HttpRequest, pk: int, recommendation_id: str) -> HttpResponse:
    """Delete a recommendation (nothing in the study depends on one)."""
    study = study_for(request, pk, need="edit")
    try:
        decisions.recommendation_index(sections.base_document(study), recommendation_id)
    except NotFound:
        raise Http404 from None

    def change(data: dict[str, Any]) -> None:
        document = pipeline.study_from_data(data, source=decisions.FORM)
        updated = decisions.delete_recommendation(document, recommendation_id)
        data.clear()
        data.update(updated.model_dump(mode="json"))

    comment = gettext("Recommendation %(name)s deleted") % {
        "name": name_items(
            sections.base_document(study).model_dump(mode="json"),
            "recommendations",
            [recommendation_id],
        ),
    }
    sections.save_part(request, study, change, comment=comment)
    return htmx.go(request, _page(study, "list"))


@require_POST
def recommendation_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the chosen suggested recommendations: they join the list (a new revision)."""
    study = study_for(request, pk, need="edit")
    ids = request.POST.getlist("id")
    if not ids:
        messages.error(request, gettext("Choose at least one suggestion."))
        return htmx.go(request, _page(study, "suggested"))
    _, profile = latest_profile(study)

    def change(data: dict[str, Any]) -> None:
        document = pipeline.study_from_data(data, source=decisions.FORM)
        updated = pipeline.accept_recommendations(document, ids, profile).study
        data.clear()
        data.update(updated.model_dump(mode="json"))

    try:
        accepted = pipeline.accept_recommendations(sections.base_document(study), ids, profile)
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return htmx.go(request, _page(study, "suggested"))
    if not accepted.ids:  # every one chosen is worded as a recommendation already there
        messages.error(request, sections.nothing_accepted())
        return htmx.go(request, _page(study, "suggested"))
    comment = gettext("Suggested recommendations accepted: %(names)s") % {
        "names": name_items(
            accepted.study.model_dump(mode="json"), "recommendations", accepted.ids
        ),
    }
    note = sections.skipped_note(accepted.skipped)
    sections.save_part(request, study, change, comment=comment, note=note)
    return htmx.go(request, _page(study, "list"))
