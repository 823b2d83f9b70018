"""Views of journeys and recommendations (M-11, M-12): blueprints, metrics, exchange.

Thin: access through ``_study_for``; metrics, blueprints, suggestions, export and import come
from ``segprofile.pipeline`` / ``analysis`` / ``report``; every change is a new revision.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from segprofile import pipeline
from segprofile.analysis.hypotheses import known_segments
from segprofile.analysis.journeys import compare_journeys, journey_metrics
from segprofile.errors import SegprofileError
from segprofile.model.study import Study as StudyDocument
from segprofile.report.blueprint import blueprint_svg
from segprofile.web.studies.models import Study
from segprofile.web.studies.views import _attachment, _study_for
from segprofile.web.studies.views_research import latest_profile

JOURNEY_KIND_LABELS: dict[str, Any] = {"current": _("current"), "target": _("target")}
RECOMMENDATION_KIND_LABELS: dict[str, Any] = {
    "optimisation": _("journey optimisation"),
    "personalisation": _("personalisation"),
    "informing": _("informing"),
}
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "bpmn": "application/xml; charset=utf-8",
}


def _journeys_page(
    request: HttpRequest, study: Study, *, import_error: str = "", status: int = 200
) -> HttpResponse:
    document = study.current_revision().to_document()
    run, profile = latest_profile(study)
    labels = known_segments(profile) if profile is not None else {}

    def names(keys: list[str]) -> list[str]:
        return [labels.get(k, k) for k in keys]

    journeys = [
        {
            "journey": j,
            "kind": JOURNEY_KIND_LABELS.get(j.kind.value, j.kind.value),
            "segments": names(j.segments),
            "metrics": journey_metrics(j, document.service_levels),
            "svg": blueprint_svg(document, j.id, segment_labels=labels),
        }
        for j in document.journeys
    ]
    comparisons = [
        {"c": c, "segment": labels.get(c.segment, c.segment) if c.segment else ""}
        for c in compare_journeys(document)
    ]
    context = {
        "study": study,
        "document": document,
        "run": run,
        "journeys": journeys,
        "comparisons": comparisons,
        "suggested": _recommendation_rows(pipeline.suggested_recommendations(document, profile)),
        "recommendations": _recommendation_rows(document.recommendations),
        "problems": {h.id: h.statement for h in document.hypotheses},
        "import_error": import_error,
        "formats": pipeline.JOURNEY_FORMATS,
    }
    return render(request, "studies/journeys/journeys.html", context, status=status)


def _recommendation_rows(recommendations: list[Any]) -> list[dict[str, Any]]:
    return [
        {"rec": r, "kind": RECOMMENDATION_KIND_LABELS.get(r.kind.value, r.kind.value)}
        for r in recommendations
    ]


@require_GET
def journeys_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-12, M-11: blueprints, metrics, current → target, recommendations, exchange."""
    return _journeys_page(request, _study_for(request, pk))


@require_POST
def recommendations_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the chosen suggested recommendations to the study: a new revision (M-11)."""
    study = _study_for(request, pk)
    ids = request.POST.getlist("id")
    back = reverse("studies:journeys", kwargs={"pk": study.pk}) + "#recommendations"
    if not ids:
        messages.error(request, gettext("Choose at least one suggestion."))
        return redirect(back)
    _, profile = latest_profile(study)
    try:
        document = pipeline.accept_recommendations(
            study.current_revision().to_document(), ids, profile
        )
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    comment = gettext("%(user)s accepted suggested recommendations: %(ids)s") % {
        "user": request.user.get_username(),
        "ids": ", ".join(ids),
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return redirect(back)


@require_GET
def journeys_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The study's journeys as CSV or BPMN 2.0 XML."""
    study = _study_for(request, pk)
    if fmt not in _CONTENT_TYPES:
        raise Http404
    document: StudyDocument = study.current_revision().to_document()
    response = _attachment("", f"{study.slug}-journeys.{fmt}", _CONTENT_TYPES[fmt])
    response.content = pipeline.export_journeys(document, fmt)
    return response


@require_POST
def journeys_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Journeys from a CSV or BPMN file: a new revision; a bad file changes nothing."""
    study = _study_for(request, pk)
    upload = request.FILES.get("file")
    fmt = request.POST.get("format", "")
    if upload is None:
        return _journeys_page(
            request, study, import_error=gettext("Choose a file to import."), status=400
        )
    if fmt not in pipeline.JOURNEY_FORMATS:
        fmt = "bpmn" if upload.name.lower().endswith((".bpmn", ".xml")) else "csv"
    if upload.size is not None and upload.size > settings.SEGPROFILE_MAX_STUDY_BYTES:
        return _journeys_page(
            request, study, import_error=gettext("The file is too large."), status=400
        )
    try:
        document = pipeline.import_journeys(
            study.current_revision().to_document(), upload.read(), fmt, source=upload.name
        )
    except SegprofileError as exc:
        return _journeys_page(request, study, import_error=str(exc), status=exc.http_status)
    comment = gettext("%(user)s imported journeys from %(file)s") % {
        "user": request.user.get_username(),
        "file": upload.name,
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return redirect(reverse("studies:journeys", kwargs={"pk": study.pk}))
