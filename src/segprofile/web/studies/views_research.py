"""Views of hypotheses and research (M-7, M-8, M-9): the registry, suggestions, the research plan.

Thin, like the rest: access through ``_study_for``, decisions through ``segprofile.pipeline``;
every decision is a new revision of the study whose author and time are its record (M-10).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from segprofile import pipeline
from segprofile.analysis.hypotheses import known_segments, orphaned_hypotheses, suggest_hypotheses
from segprofile.analysis.research import verdict_rules_text
from segprofile.errors import SegprofileError
from segprofile.model.results import Profile
from segprofile.model.study import Hypothesis, HypothesisStatus
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import ProfileRun, Study
from segprofile.web.studies.views import _attachment, _study_for

STATUS_LABELS: dict[str, Any] = {
    "suggested": _("suggested"),
    "open": _("open"),
    "confirmed": _("confirmed"),
    "refuted": _("refuted"),
    "not_enough_data": _("not enough data"),
}
KIND_LABELS: dict[str, Any] = {"need": _("need"), "problem": _("problem")}
AIDAS_LABELS: dict[str, Any] = {
    "attention": _("Attention"),
    "interest": _("Interest"),
    "desire": _("Desire"),
    "action": _("Action"),
    "satisfaction": _("Satisfaction"),
}
EVIDENCE_LABELS: dict[str, Any] = {
    "statistics": _("statistics"),
    "survey": _("survey"),
    "interview": _("interview"),
    "complaint": _("complaint"),
    "open_source": _("open source"),
    "other": _("other"),
}
# The statuses a person may set; «suggested» is the program's.
SETTABLE_STATUSES = ("open", "confirmed", "refuted", "not_enough_data")


def latest_profile(study: Study) -> tuple[ProfileRun | None, Profile | None]:
    """The study's latest finished profile run and its profile, or ``(None, None)``."""
    run = (
        study.runs.filter(status=ProfileRun.Status.DONE)
        .select_related("revision")
        .order_by("-created_at", "-pk")
        .first()
    )
    if run is None:
        return None, None
    return run, pipeline.profile_from_json(run.result_json)


def _hypothesis_row(
    hyp: Hypothesis, document: StudyDocument, labels: dict[str, str], orphans: list[str]
) -> dict[str, Any]:
    ladder = document.hunt_ladder
    stage = hyp.hunt_stage
    return {
        "hyp": hyp,
        "kind": KIND_LABELS.get(hyp.kind.value, hyp.kind.value),
        "status": STATUS_LABELS.get(hyp.status.value, hyp.status.value),
        "hunt": ladder[stage - 1] if stage is not None and stage <= len(ladder) else None,
        "aidas": AIDAS_LABELS.get(hyp.aidas_stage.value) if hyp.aidas_stage else None,
        "segments": [labels.get(key, key) for key in hyp.segments],
        "orphans": orphans,
        "evidence": [
            {"item": e, "kind": EVIDENCE_LABELS.get(e.kind.value, e.kind.value)}
            for e in hyp.evidence
        ],
    }


def _groups(
    hypotheses: list[Hypothesis],
    document: StudyDocument,
    labels: dict[str, str],
    orphans: dict[str, list[str]],
) -> list[dict[str, Any]]:
    """Hypotheses grouped by the segments they are about, each hypothesis once."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for hyp in hypotheses:
        key = tuple(hyp.segments)
        if key not in groups:
            names = [labels.get(k, k) for k in key]
            groups[key] = {"title": "; ".join(names), "rows": []}
        groups[key]["rows"].append(_hypothesis_row(hyp, document, labels, orphans.get(hyp.id, [])))
    # Hypotheses about every client first, then by segment name.
    return sorted(groups.values(), key=lambda g: (g["title"] != "", g["title"]))


@require_GET
def hypotheses_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-7, M-9: the registry by segment, the suggestions from the latest profile, verdicts."""
    study = _study_for(request, pk)
    document = study.current_revision().to_document()
    run, profile = latest_profile(study)
    labels = known_segments(profile) if profile is not None else {}
    orphans = orphaned_hypotheses(document, profile) if profile is not None else {}
    suggestions = suggest_hypotheses(document, profile) if profile is not None else []
    counts = {
        STATUS_LABELS[s.value]: sum(1 for h in document.hypotheses if h.status is s)
        for s in HypothesisStatus
    }
    context = {
        "study": study,
        "document": document,
        "run": run,
        "groups": _groups(document.hypotheses, document, labels, orphans),
        "counts": {k: v for k, v in counts.items() if v},
        "suggestions": [_hypothesis_row(h, document, labels, []) for h in suggestions],
        "statuses": [(s, STATUS_LABELS[s]) for s in SETTABLE_STATUSES],
        "verdict_rules": verdict_rules_text(),
    }
    return render(request, "studies/research/hypotheses.html", context)


def _back_to_hypotheses(study: Study, anchor: str = "") -> HttpResponse:
    url = reverse("studies:hypotheses", kwargs={"pk": study.pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


@require_POST
def hypothesis_status(request: HttpRequest, pk: int, hypothesis_id: str) -> HttpResponse:
    """Set a hypothesis's status and verdict reason: a new revision naming who and what (M-9)."""
    study = _study_for(request, pk)
    status = request.POST.get("status", "")
    reason = request.POST.get("reason", "")
    try:
        document = pipeline.set_hypothesis_status(
            study.current_revision().to_document(), hypothesis_id, status, reason
        )
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return _back_to_hypotheses(study, f"h-{hypothesis_id}")
    comment = gettext("%(user)s set the hypothesis «%(id)s» to «%(status)s»: %(reason)s") % {
        "user": request.user.get_username(),
        "id": hypothesis_id,
        "status": STATUS_LABELS[status],
        "reason": reason.strip() or "—",
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return _back_to_hypotheses(study, f"h-{hypothesis_id}")


@require_POST
def hypothesis_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept (as open hypotheses) or reject the chosen suggestions: a new revision (M-7)."""
    study = _study_for(request, pk)
    ids = request.POST.getlist("id")
    action = request.POST.get("action", "")
    _, profile = latest_profile(study)
    if profile is None:
        messages.error(request, gettext("Build the profile first."))
        return _back_to_hypotheses(study, "suggested")
    if not ids or action not in ("accept", "reject"):
        messages.error(request, gettext("Choose at least one suggestion."))
        return _back_to_hypotheses(study, "suggested")
    document = study.current_revision().to_document()
    try:
        if action == "accept":
            document = pipeline.accept_suggested_hypotheses(document, profile, ids)
            comment = gettext("%(user)s accepted suggested hypotheses: %(ids)s")
        else:
            document = pipeline.reject_suggested_hypotheses(
                document, profile, ids, request.POST.get("reason", "")
            )
            comment = gettext("%(user)s rejected suggested hypotheses: %(ids)s")
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return _back_to_hypotheses(study, "suggested")
    comment %= {"user": request.user.get_username(), "ids": ", ".join(ids)}
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return _back_to_hypotheses(study, "suggested")


# --- M-8: the research plan ----------------------------------------------------------------------


def _plan(study: Study) -> tuple[ProfileRun | None, pipeline.ResearchPlanResult | None, str]:
    """The research plan on the latest profile, or the reason there is none."""
    run, profile = latest_profile(study)
    if profile is None:
        return None, None, ""
    try:
        plan = pipeline.research_plan(
            study.current_revision().to_document(), study.data_dir(), profile=profile
        )
    except SegprofileError as exc:
        return run, None, str(exc)
    return run, plan, ""


@require_GET
def research_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-8: survey sample sizes, interview respondents covering every segment, guides."""
    study = _study_for(request, pk)
    document = study.current_revision().to_document()
    run, plan, error = _plan(study)
    context = {
        "study": study,
        "document": document,
        "run": run,
        "plan": plan,
        "error": error,
        "short_total": sum(s.short or 0 for s in plan.sample_sizes) if plan else 0,
    }
    return render(request, "studies/research/plan.html", context, status=400 if error else 200)


@require_GET
def research_respondents_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The recruited respondents with their quotas, as CSV for Excel."""
    study = _study_for(request, pk)
    _, plan, error = _plan(study)
    if plan is None:
        messages.error(request, error or gettext("Build the profile first."))
        return redirect("studies:research", pk=study.pk)
    response = _attachment("", f"{study.slug}-respondents.csv", "text/csv; charset=utf-8")
    response.content = pipeline.recruitment_csv(plan.recruitment)
    return response
