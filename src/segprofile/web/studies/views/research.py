"""Views of hypotheses and research (M-7, M-8, M-9): the registry, suggestions, the research plan.

Thin, like the rest: access through ``access.study_for``, decisions through ``segprofile.pipeline``;
every decision is a new revision of the study whose author and time are its record (M-10).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from segprofile import pipeline
from segprofile.errors import InputError, NotFound, SegprofileError
from segprofile.model import diff
from segprofile.model import format as fmt
from segprofile.model.format import zone_label
from segprofile.model.labels import (
    DELETED_HYPOTHESIS,
    UNLINKED_LABEL,
    hypothesis_names,
    is_combined,
    ru,
    segment_name,
)
from segprofile.model.results import Profile
from segprofile.model.study import (
    AidasStage,
    DataSource,
    DataSourceKind,
    Hypothesis,
    HypothesisStatus,
    SurveyQuestion,
    SurveySupport,
)
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import decisions
from segprofile.web.studies import access, htmx, runs, services
from segprofile.web.studies.access import study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.data import NEW_SOURCE, DataFileForm
from segprofile.web.studies.forms.research import (
    ACTIVITY_STATUS_LABELS,
    METHOD_LABELS,
    RESPONDENT_STATUS_LABELS,
    ActivityForm,
    RespondentForm,
    RespondentsAddForm,
    SurveyMappingFormSet,
    SurveyOptionsForm,
    SurveySettingsForm,
    SurveyUploadForm,
    TopicsForm,
)
from segprofile.web.studies.models import AuditEvent, ProfileRun, ResearchPlan, Study
from segprofile.web.studies.people import person
from segprofile.web.studies.sections import (
    nothing_accepted,
    save_part,
    saved_message,
    skipped_note,
)
from segprofile.web.studies.services import workspace_for
from segprofile.web.studies.views.common import (
    attachment,
    computed_profile,
    current_document,
    latest_run,
    study_capabilities,
)
from segprofile.web.studies.views.data import (
    THEN_SURVEY,
    error_context,
    stage_file,
    staged_uploads,
)
from segprofile.web.studies.views.segments import card_urls

STATUS_LABELS: dict[str, Any] = {
    "suggested": _("suggested"),
    "open": _("open"),
    "confirmed": _("confirmed"),
    "refuted": _("refuted"),
    "not_enough_data": _("not enough data"),
}
KIND_LABELS: dict[str, Any] = {"need": _("need"), "problem": _("problem")}
# The AIDAS stages as the profile and the reports name them (model.labels): one name each.
AIDAS_LABELS: dict[str, str] = {stage.value: ru(stage) for stage in AidasStage}
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
    run = latest_run(study)
    if run is None:
        return None, None
    return run, computed_profile(run)


def _segment(key: str, document: StudyDocument, labels: dict[str, str]) -> str:
    """A segment by the latest profile's name, else by the study's features (also a segment
    the profile no longer has, or of a deleted feature)."""
    return labels.get(key) or segment_name(document.features, key)


def _named(
    keys: list[str], document: StudyDocument, labels: dict[str, str], cards: dict[str, str]
) -> list[dict[str, str]]:
    """Segments by name, each with the URL of its card in the page's run ("" when it has none)."""
    return [{"name": _segment(key, document, labels), "url": cards.get(key, "")} for key in keys]


def _hypothesis_row(
    hyp: Hypothesis,
    document: StudyDocument,
    labels: dict[str, str],
    orphans: list[str],
    cards: dict[str, str],
) -> dict[str, Any]:
    ladder = document.hunt_ladder
    stage = hyp.hunt_stage
    return {
        "hyp": hyp,
        "kind": KIND_LABELS.get(hyp.kind.value, hyp.kind.value),
        "status": STATUS_LABELS.get(hyp.status.value, hyp.status.value),
        "hunt": ladder[stage - 1] if stage is not None and stage <= len(ladder) else None,
        "aidas": AIDAS_LABELS.get(hyp.aidas_stage.value) if hyp.aidas_stage else None,
        "segments": _named(hyp.segments, document, labels, cards),
        "orphans": [_segment(key, document, labels) for key in orphans],
        "evidence": [
            {"item": e, "kind": EVIDENCE_LABELS.get(e.kind.value, e.kind.value), "index": i}
            for i, e in enumerate(hyp.evidence)
        ],
    }


def _groups(
    hypotheses: list[Hypothesis],
    document: StudyDocument,
    labels: dict[str, str],
    orphans: dict[str, list[str]],
    cards: dict[str, str],
) -> list[dict[str, Any]]:
    """Hypotheses grouped by the segments they are about, each hypothesis once."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for hyp in hypotheses:
        key = tuple(hyp.segments)
        if key not in groups:
            segments = _named(hyp.segments, document, labels, cards)
            title = "; ".join(s["name"] for s in segments)
            groups[key] = {"title": title, "segments": segments, "rows": []}
        row = _hypothesis_row(hyp, document, labels, orphans.get(hyp.id, []), cards)
        groups[key]["rows"].append(row)
    # Hypotheses about every client first, then by segment name.
    return sorted(groups.values(), key=lambda g: (g["title"] != "", g["title"]))


@require_GET
def hypotheses_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-7, M-9: the registry by segment, the suggestions from the latest profile, verdicts."""
    study = study_for(request, pk, need="view")
    _, document = current_document(study)
    run, profile = latest_profile(study)
    labels = runs.labels(run)
    cards = card_urls(study, run, profile, labels)  # the segments named open their cards
    # Suggestions and orphans follow the current revision: made from the profile as computed,
    # published by the current rules (analysis.suppression, inside suggest_hypotheses).
    orphans = pipeline.orphaned_hypotheses(document, profile)
    suggestions = pipeline.suggested_hypotheses(document, profile)
    counts = {
        STATUS_LABELS[s.value]: sum(1 for h in document.hypotheses if h.status is s)
        for s in HypothesisStatus
    }
    groups = _groups(document.hypotheses, document, labels, orphans, cards)
    history = status_history(study)
    for group in groups:
        for row in group["rows"]:
            row["history"] = history.get(row["hyp"].id, [])
            # What names it, for the confirmation of its deletion (M-7 → M-8, M-11, M-12).
            row["uses"] = decisions.hypothesis_uses(document, row["hyp"].id)
    context = {
        "study": study,
        "can": study_capabilities(request, study),
        "document": document,
        "run": run,
        "groups": groups,
        "counts": {k: v for k, v in counts.items() if v},
        "suggestions": [_hypothesis_row(h, document, labels, [], cards) for h in suggestions],
        "statuses": [(s, STATUS_LABELS[s]) for s in SETTABLE_STATUSES],
        "verdict_rules": pipeline.verdict_rules_text(),
        "suggested_quotes": sum(1 for h in document.hypotheses for e in h.evidence if e.suggested),
        "links": decisions.hypothesis_links(document),  # M-7 → M-11, M-12 (views/hypotheses.py)
    }
    return render(request, "studies/research/hypotheses.html", context)


def _back_to_hypotheses(study: Study, anchor: str = "") -> HttpResponse:
    url = reverse("studies:hypotheses", kwargs={"pk": study.pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


@require_POST
def hypothesis_status(request: HttpRequest, pk: int, hypothesis_id: str) -> HttpResponse:
    """Set a hypothesis's status and verdict reason: a new revision naming who and what (M-9)."""
    study = study_for(request, pk, need="edit")
    status = request.POST.get("status", "")
    reason = request.POST.get("reason", "")
    try:
        document = pipeline.set_hypothesis_status(
            study.current_revision().to_document(), hypothesis_id, status, reason
        )
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return _back_to_hypotheses(study, f"h-{hypothesis_id}")
    comment = gettext("Hypothesis %(name)s set to «%(status)s»: %(reason)s") % {
        "name": diff.name_items(document.model_dump(mode="json"), "hypotheses", [hypothesis_id]),
        "status": STATUS_LABELS[status],
        "reason": reason.strip() or "—",
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(request, saved_message(revision))  # the reason typed may be masked
    return _back_to_hypotheses(study, f"h-{hypothesis_id}")


@require_POST
def hypothesis_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept (as open hypotheses) or reject the chosen suggestions: a new revision (M-7)."""
    study = study_for(request, pk, need="edit")
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
    skipped = 0
    try:
        if action == "accept":
            accepted = pipeline.accept_suggested_hypotheses(document, profile, ids)
            document, ids, skipped = accepted.study, accepted.ids, accepted.skipped
            comment = gettext("Suggested hypotheses accepted: %(names)s")
        else:
            document = pipeline.reject_suggested_hypotheses(
                document, profile, ids, request.POST.get("reason", "")
            )
            comment = gettext("Suggested hypotheses rejected: %(names)s")
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return _back_to_hypotheses(study, "suggested")
    if not ids:  # every one chosen is worded as a hypothesis already there
        messages.error(request, nothing_accepted())
        return _back_to_hypotheses(study, "suggested")
    comment %= {
        "names": diff.name_items(document.model_dump(mode="json"), "hypotheses", ids),
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    # The reason typed may be masked.
    messages.success(request, saved_message(revision) + skipped_note(skipped))
    return _back_to_hypotheses(study, "suggested")


# --- M-8: the research plan ----------------------------------------------------------------------


def _latest_plan(study: Study) -> ResearchPlan | None:
    """The study's latest research plan job (waiting, computing, done or failed)."""
    plan: ResearchPlan | None = (
        study.plans.select_related("revision", "run__revision")
        .defer("revision__document", *(f"run__{c}" for c in access.RUN_TEXTS))
        .first()
    )
    return plan


def _first_run_building(study: Study) -> ProfileRun | None:
    """The profile being built (queued or running) of a study with no finished profile yet:
    the plan page follows its progress and shows the plan's state once it is ready."""
    if latest_run(study) is not None:
        return None
    run: ProfileRun | None = (
        study.runs.filter(status__in=(ProfileRun.Status.QUEUED, ProfileRun.Status.RUNNING))
        .defer(*access.BIG_RUN_COLUMNS)
        .order_by("-pk")
        .first()
    )
    if run is not None:
        run.sync_with_task()  # a worker that died is not waited for
    return run if run is not None and not run.is_finished else None


def _plan_context(request: HttpRequest, study: Study) -> dict[str, Any]:
    """Everything the research plan page and its parts show: the computed plan (its job), the
    survey sizes for the current margin, and the team's record with its coverage."""
    revision, document = current_document(study)
    run = latest_run(study)
    job = _latest_plan(study)
    if job is not None:
        job.sync_with_task()
    plan = job.plan() if job is not None else None
    stale: list[str] = []
    if job is not None and job.is_finished:
        # The team's record of the research (activities, respondents, the margin) is not
        # what the plan was computed from: a status marked is no reason to compute it again.
        since = revision
        if not pipeline.plan_inputs_changed(job.revision.to_document(), document):
            since = job.revision
        stale = job.stale_reasons(run, since, services.data_versions(study, document))
    # No profile is read here (pages read none): labels are stored with the run, the
    # segments' sizes with the plan.
    labels = runs.labels(run)
    # A segment the team named that the run does not (a pair of features, no profile yet, a
    # segment hidden since) is named from the study, never shown by its key.
    for activity in document.research.activities:
        keys = [*activity.segments, *(t.segment for t in activity.targets)]
        for key in [*keys, *(r.segment for r in activity.respondents)]:
            if key not in labels:
                labels[key] = segment_name(document.features, key)
    sizes = pipeline.survey_sizes(document, plan.sample_sizes) if plan is not None else []
    return {
        "survey_missing": _survey_missing(study, document, sizes),
        "study": study,
        "can": study_capabilities(request, study),
        "document": document,
        "run": run,
        "building": _first_run_building(study) if run is None else None,
        "job": job,
        "plan": plan,
        "stale": stale,
        # Whether the plan's lack of guides is still true (a stale plan says when it is not).
        "segments_named": any(h.segments for h in document.hypotheses),
        "sizes": sizes,
        # Counted apart: interview respondents are chosen for the segments of one feature only,
        # the survey sizes are for pairs of features («a=x&b=y») too.
        "sizes_pairs": sum(1 for s in sizes if "&" in s.key),
        "sizes_single": sum(1 for s in sizes if "&" not in s.key),
        "short_total": sum(s.short or 0 for s in sizes),
        "coverage": pipeline.research_coverage(document, labels),
        "listed": _listed(plan, document),
        "labels": labels,
        "method_labels": METHOD_LABELS,
        "activity_status_labels": ACTIVITY_STATUS_LABELS,
        "respondent_status_labels": RESPONDENT_STATUS_LABELS,
        "margin_percent": document.research.margin * 100,
        "confidence_percent": document.research.confidence * 100,
    }


def _survey_missing(
    study: Study, document: StudyDocument, sizes: list[Any]
) -> dict[str, Any] | None:
    """Why no segment of the plan has survey answers («Есть» empty), and what to do: a file of
    answers uploaded but not checked and imported yet (``waiting``, its uploads), answers
    stored but not in the plan's profile (``rebuild``), or no answers at all (``none``)."""
    if not sizes or any(s.have is not None for s in sizes):
        return None
    rows = _survey_sources(study, document)
    ids = {row["source"].id for row in rows}
    waiting = [
        u
        for u in staged_uploads(study)
        if not u["broken"] and (u["source_id"] in ids or u["source_id"] == "")
    ]
    if waiting:
        return {"state": "waiting", "uploads": waiting}
    return {"state": "rebuild" if any(row["latest"] for row in rows) else "none"}


def _listed(plan: pipeline.ResearchPlanResult | None, document: StudyDocument) -> dict[str, int]:
    """How many of the plan's respondents each activity could still add."""
    if plan is None:
        return {}
    ids = [r.respondent_id for r in plan.recruitment.respondents]
    return {
        act.id: sum(1 for i in ids if i not in {r.id for r in act.respondents})
        for act in document.research.activities
    }


@require_GET
def research_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-8: survey sample sizes, the team's interviews and surveys with their respondents and
    coverage, interview respondents covering every segment, guides.

    The plan is computed by the background worker (``tasks.build_research_plan``), after each
    profile build and when the team asks; the page shows its progress, then the plan, and says
    when the study has changed since.
    """
    study = study_for(request, pk, need="view")
    return render(request, "studies/research/plan.html", _plan_context(request, study))


# --- M-8: the team's record: survey margin, activities, respondents (edited in place) ----------

_SETTINGS = "#research-settings"
_RECORD = "#research-record"


def _saved(request: HttpRequest, study: Study, selector: str, anchor: str) -> HttpResponse:
    """After a save: HTMX gets the part again (with its coverage); a browser the page."""
    if htmx.is_htmx(request):
        template = (
            "studies/research/_settings.html"
            if selector == _SETTINGS
            else "studies/research/_record.html"
        )
        return htmx.replace(render(request, template, _plan_context(request, study)), selector)
    return redirect(reverse("studies:research", kwargs={"pk": study.pk}) + f"#{anchor}")


def _form_part(
    request: HttpRequest, study: Study, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A form of the plan page: alone for HTMX, inside a page for a browser."""
    context = {"study": study, "can": study_capabilities(request, study), **context}
    if htmx.is_htmx(request):
        return render(request, template, context, status=status)
    context["part"] = template
    return render(request, "studies/research/edit_page.html", context, status=status)


def _activity_index(document: StudyDocument, activity_id: str) -> int:
    for i, act in enumerate(document.research.activities):
        if act.id == activity_id:
            return i
    raise Http404


def _new_activity_id(document: StudyDocument, method: str) -> str:
    taken = {a.id for a in document.research.activities}
    stem = {"interview": "interviews", "survey": "survey", "focus_group": "focus-group"}.get(
        method, "research"
    )
    return next(
        name
        for name in (stem if n == 1 else f"{stem}-{n}" for n in range(1, len(taken) + 2))
        if name not in taken
    )


def research_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's margin and confidence, the interviews one person may give (in place)."""
    study = study_for(request, pk, need="edit")
    research = study.current_revision().to_document().research
    initial = {
        "margin": round(research.margin * 100, 2),
        "confidence": round(research.confidence * 100, 2),
        "max_interviews_per_person": research.max_interviews_per_person,
    }
    if request.method != "POST":
        form = SurveySettingsForm(initial=initial)
        return _form_part(request, study, "studies/research/_settings_form.html", {"form": form})
    form = SurveySettingsForm(request.POST, initial=initial)
    if form.is_valid():
        values = form.cleaned_data

        def change(data: dict[str, Any]) -> None:
            data["research"]["margin"] = round(values["margin"] / 100, 6)
            data["research"]["confidence"] = round(values["confidence"] / 100, 6)
            data["research"]["max_interviews_per_person"] = values["max_interviews_per_person"]

        comment = gettext("Survey margin set to ±%(margin)s at %(confidence)s") % {
            "margin": number_format(values["margin"]),
            "confidence": number_format(values["confidence"]) + " %",
        }
        if save_part(request, study, change, comment=comment, form=form, prefix="research"):
            return _saved(request, study, _SETTINGS, "research-settings")
    return _form_part(
        request, study, "studies/research/_settings_form.html", {"form": form}, status=400
    )


def _activity_form(
    request: HttpRequest, study: Study, document: StudyDocument, data: Any = None, **kwargs: Any
) -> ActivityForm:
    run = latest_run(study)
    published = runs.published(run) if run is not None else None
    segments = pipeline.research_segments(published) if published is not None else {}
    # Named as every page names them («№ 3. …»), never by their internal ids.
    hypotheses = list(hypothesis_names(document.hypotheses, 110).items())
    return ActivityForm(data, hypotheses=hypotheses, segments=segments, **kwargs)


def research_activity(request: HttpRequest, pk: int, activity_id: str = "") -> HttpResponse:
    """Add (no ``activity_id``) or change one interview, survey or other activity: method,
    title, status, the hypotheses it checks and the respondents it needs per segment."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    index = _activity_index(document, activity_id) if activity_id else None
    initial: dict[str, Any] = {"method": "interview", "status": "planned"}
    if index is not None:
        act = document.research.activities[index]
        initial = {
            "method": act.method.value,
            "title": act.title,
            "status": act.status.value,
            "hypotheses": act.hypotheses,
            "notes": act.notes,
            "targets": {t.segment: t.respondents for t in act.targets},
        }
    context: dict[str, Any] = {"activity_id": activity_id}
    if request.method != "POST":
        context["form"] = _activity_form(request, study, document, initial=initial)
        return _form_part(request, study, "studies/research/_activity_form.html", context)
    form = _activity_form(request, study, document, request.POST, initial=initial)
    context["form"] = form
    if form.is_valid():
        values = form.cleaned_data
        targets = form.targets()
        new_id = activity_id or _new_activity_id(document, values["method"])

        def change(data: dict[str, Any]) -> None:
            items = data["research"]["activities"]
            item = next((a for a in items if a["id"] == new_id), None)
            if item is None:
                if activity_id:
                    raise InputError(gettext("The activity has been deleted meanwhile."))
                item = {"id": new_id}
                items.append(item)
            # Targets of segments the profile no longer shows are kept as they were; never one
            # of the combined line of rare values (no group to interview: an older form
            # offered it).
            shown = {key for key, _label in form.segments}
            kept = [
                t
                for t in item.get("targets", [])
                if t["segment"] not in shown and not is_combined(t["segment"])
            ]
            item.update(
                method=values["method"],
                title=values["title"].strip(),
                status=values["status"],
                hypotheses=values["hypotheses"],
                notes=values["notes"].strip(),
                targets=kept + targets,
                segments=[t["segment"] for t in kept + targets],
                target_respondents=sum(t["respondents"] for t in kept + targets)
                or item.get("target_respondents", 0),
            )

        comment = (
            gettext("Research activity «%(title)s» changed")
            if activity_id
            else gettext("Research activity «%(title)s» added")
        ) % {"title": values["title"].strip()}
        at = index if index is not None else len(document.research.activities)
        prefix = f"research.activities[{at}]"
        if save_part(request, study, change, comment=comment, form=form, prefix=prefix):
            return _saved(request, study, _RECORD, f"activity-{new_id}")
    return _form_part(request, study, "studies/research/_activity_form.html", context, status=400)


@require_POST
def research_activity_delete(request: HttpRequest, pk: int, activity_id: str) -> HttpResponse:
    """Delete one activity (its respondents with it); the history keeps every revision."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    act = document.research.activities[_activity_index(document, activity_id)]

    def change(data: dict[str, Any]) -> None:
        items = data["research"]["activities"]
        items[:] = [a for a in items if a["id"] != activity_id]

    comment = gettext("Research activity «%(title)s» deleted") % {
        "title": act.title,
    }
    save_part(request, study, change, comment=comment)
    return _saved(request, study, _RECORD, "research-record")


def _plan_choices(study: Study, document: StudyDocument, activity_id: str) -> list[Any]:
    """The computed plan's respondents not yet in the activity, as (pseudonym, their segments);
    those of segments the activity aims at first."""
    job = study.plans.filter(status=ResearchPlan.Status.DONE).first()
    plan = job.plan() if job is not None else None
    if plan is None:
        return []
    act = document.research.activities[_activity_index(document, activity_id)]
    have = {r.id for r in act.respondents}
    aimed = {t.segment for t in act.targets}
    people = [r for r in plan.recruitment.respondents if r.respondent_id not in have]
    people.sort(key=lambda r: not aimed.intersection(r.segments))
    return [(r.respondent_id, r) for r in people]


def research_respondents_add(request: HttpRequest, pk: int, activity_id: str) -> HttpResponse:
    """Add people of the computed plan's list to an activity, by their pseudonyms (invited)."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    index = _activity_index(document, activity_id)
    people = _plan_choices(study, document, activity_id)
    choices = [(pid, pid) for pid, _r in people]
    context: dict[str, Any] = {
        "activity": document.research.activities[index],
        "people": people,
    }
    if request.method != "POST":
        context["form"] = RespondentsAddForm(choices=choices)
        return _form_part(request, study, "studies/research/_respondents_add.html", context)
    form = RespondentsAddForm(request.POST, choices=choices)
    context["form"] = form
    if form.is_valid():
        job = study.plans.filter(status=ResearchPlan.Status.DONE).first()
        plan = job.plan() if job is not None else None
        act = document.research.activities[index]
        try:
            if plan is None:
                raise InputError(gettext("The research plan has not been computed yet."))
            added = pipeline.plan_respondents(
                plan.recruitment,
                form.cleaned_data["respondents"],
                [t.segment for t in act.targets],
            )
        except SegprofileError as exc:
            form.add_error("respondents", exc.message)
        else:

            def change(data: dict[str, Any]) -> None:
                item = next(a for a in data["research"]["activities"] if a["id"] == activity_id)
                have = {r["id"] for r in item.get("respondents", [])}
                item.setdefault("respondents", []).extend(
                    r.model_dump(mode="json") for r in added if r.id not in have
                )

            comment = gettext("%(n)s respondents invited to «%(title)s»") % {
                "n": len(added),
                "title": act.title,
            }
            if save_part(request, study, change, comment=comment, form=form):
                return _saved(request, study, _RECORD, f"activity-{activity_id}")
    return _form_part(request, study, "studies/research/_respondents_add.html", context, status=400)


def research_respondent(
    request: HttpRequest, pk: int, activity_id: str, respondent_id: str
) -> HttpResponse:
    """Mark where one respondent stands (invited, interviewed, refused, opted out), with a
    note whose personal data is masked before it is stored."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    index = _activity_index(document, activity_id)
    act = document.research.activities[index]
    position = next((i for i, r in enumerate(act.respondents) if r.id == respondent_id), None)
    if position is None:
        raise Http404
    person = act.respondents[position]
    context: dict[str, Any] = {"activity": act, "respondent": person}
    initial = {"status": person.status.value, "note": person.note}
    if request.method != "POST":
        context["form"] = RespondentForm(initial=initial)
        return _form_part(request, study, "studies/research/_respondent_form.html", context)
    form = RespondentForm(request.POST, initial=initial)
    context["form"] = form
    if form.is_valid():
        status = form.cleaned_data["status"]
        note = pipeline.mask_note(form.cleaned_data["note"])

        def change(data: dict[str, Any]) -> None:
            item = next((a for a in data["research"]["activities"] if a["id"] == activity_id), None)
            people = item.get("respondents", []) if item is not None else []
            row = next((r for r in people if r["id"] == respondent_id), None)
            if row is None:
                raise InputError(gettext("The respondent has been removed meanwhile."))
            row.update(status=status, note=note)

        comment = gettext("A respondent of «%(title)s» marked: %(status)s") % {
            "title": act.title,
            "status": RESPONDENT_STATUS_LABELS[status],
        }
        prefix = f"research.activities[{index}].respondents[{position}]"
        if save_part(request, study, change, comment=comment, form=form, prefix=prefix):
            return _saved(request, study, _RECORD, f"activity-{activity_id}")
    return _form_part(request, study, "studies/research/_respondent_form.html", context, status=400)


@require_POST
def research_respondent_delete(
    request: HttpRequest, pk: int, activity_id: str, respondent_id: str
) -> HttpResponse:
    """Take one respondent off an activity."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    act = document.research.activities[_activity_index(document, activity_id)]

    def change(data: dict[str, Any]) -> None:
        item = next(a for a in data["research"]["activities"] if a["id"] == activity_id)
        item["respondents"] = [r for r in item.get("respondents", []) if r["id"] != respondent_id]

    comment = gettext("A respondent removed from «%(title)s»") % {
        "title": act.title,
    }
    save_part(request, study, change, comment=comment)
    return _saved(request, study, _RECORD, f"activity-{activity_id}")


@require_POST
def research_plan_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the research plan anew: on the latest profile, the current revision and data."""
    study = study_for(request, pk, need="edit")
    run = latest_run(study)
    if run is None:
        messages.error(request, gettext("Build the profile first."))
    else:
        services.start_research_plan(study, run, study.current_revision(), request.user)
    return redirect("studies:research", pk=study.pk)


@require_GET
def research_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's progress part HTMX polls. Once the plan is computed, HTMX gets the computed
    plan in place of its progress (and the survey sizes and the interviews' «invite» buttons
    that come with it), never the whole page: a form the analyst is filling in meanwhile stays
    as it is."""
    study = study_for(request, pk, need="view")
    job = _latest_plan(study)
    if job is not None:
        job.sync_with_task()
    # Polled while the study's first profile is built: its progress until it is ready, then
    # the plan's part as it is then (the plan being computed, or «Compute the plan»).
    after_profile = request.GET.get("after") == "profile"
    building = _first_run_building(study) if after_profile and job is None else None
    if building is not None:
        return htmx.job_progress(
            request,
            finished=False,
            page=reverse("studies:research", kwargs={"pk": study.pk}),
            job=building,
            poll=request.get_full_path(),
        )
    if htmx.is_htmx(request) and (job is None or job.is_finished or after_profile):
        context = _plan_context(request, study)
        response = render(request, "studies/research/_plan_computed.html", context)
        # Out of band: the sizes, and each interview's «invite» button the plan now allows
        # (an activity whose form is open has no such part: HTMX leaves the form as it is).
        parts = [render(request, "studies/research/_sizes.html", context | {"oob": True})]
        parts += [
            render(
                request,
                "studies/research/_respondents_invite.html",
                context | {"act": ac.activity, "oob": True},
            )
            for ac in context["coverage"].activities
        ]
        response.content += b"".join(part.content for part in parts)
        return htmx.replace(response, "#plan-computed")
    return htmx.job_progress(
        request,
        finished=job is None or job.is_finished,
        page=reverse("studies:research", kwargs={"pk": study.pk}),
        job=job,
        poll=request.path,
    )


@require_GET
def research_respondents_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The recruited respondents of the latest computed plan with their quotas, as CSV: the
    team's working list, person by person, for those who edit the study (a reader sees the
    plan's figures, not its people)."""
    study = study_for(request, pk, need="edit")
    job = study.plans.filter(status=ResearchPlan.Status.DONE).first()
    plan = job.plan() if job is not None else None
    if plan is None:
        messages.error(request, gettext("The research plan has not been computed yet."))
        return redirect("studies:research", pk=study.pk)
    response = attachment(
        "",
        f"{study.slug}-респонденты-плана.csv",
        "text/csv; charset=utf-8",
        fallback=f"{study.slug}-respondents.csv",
    )
    response.content = pipeline.recruitment_csv(plan.recruitment)
    audit(request, AuditEvent.Action.EXPORT, study, {"format": "csv", "what": "respondents"})
    return response


# --- M-9: status history from the revisions ------------------------------------------------------


def status_history(study: Study, limit: int = 200) -> dict[str, list[dict[str, Any]]]:
    """Every verdict decision on every hypothesis, newest first, from the study's last
    ``limit`` revisions (``model.diff.status_history``), with the statuses as the page names
    them. Only the hypotheses of each document are read (the engine extracts them)."""
    rows = study.revisions.order_by("-number").values_list(
        "number",
        "author__username",
        "created_at",
        "comment",
        "document__hypotheses",
        "author__first_name",
        "author__last_name",
        "author__email",
    )[:limit]
    rows = list(rows)
    # Authors named by the one rule (studies.people), from the same query.
    User = get_user_model()  # noqa: N806 — the user model, as Django names it
    names = {
        r[1]: person(
            User(username=r[1], first_name=r[5] or "", last_name=r[6] or "", email=r[7] or "")
        )
        for r in rows
        if r[1]
    }
    history = diff.status_history(diff.RevisionHypotheses(*r[:5]) for r in rows[::-1])
    return {
        hid: [
            {
                "number": c.number,
                "author": names.get(c.author, c.author),
                "at": c.at,
                "old": STATUS_LABELS.get(c.old, "—"),
                "new": STATUS_LABELS.get(c.new, c.new),
                "reason": c.reason,
                "comment": c.comment,
            }
            for c in changes
        ]
        for hid, changes in history.items()
    }


# --- M-9: survey import → mapping → analysis → verdicts -----------------------------------------
# The answers come in through the gate like every data file: staged privately, inspected, the
# personal data decided on the data page's inspect page, imported as a version of the study's
# survey source (the staged file deleted), and only then mapped and analysed — from the stored
# version, never from the raw file.


def _survey_sources(study: Study, document: StudyDocument) -> list[dict[str, Any]]:
    """The study's survey sources with their latest stored version (``None``: nothing yet)."""
    ws = workspace_for(study)
    out = []
    for source in document.data_sources:
        if source.kind is not DataSourceKind.survey:
            continue
        try:
            versions = pipeline.list_dataset_versions(ws, document.id, source.id)
        except SegprofileError:
            versions = []
        out.append({"source": source, "latest": versions[-1] if versions else None})
    return out


def _new_survey_id(document: StudyDocument) -> str:
    """``survey``, or ``survey-2``, ``survey-3``… — the first identifier the study has not used."""
    taken = {s.id for s in document.data_sources}
    names = ("survey" if n == 1 else f"survey-{n}" for n in range(1, len(taken) + 2))
    return next(name for name in names if name not in taken)


def _survey_upload_page(
    request: HttpRequest,
    study: Study,
    *,
    form: SurveyUploadForm | None = None,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    document = study.current_revision().to_document()
    sources = _survey_sources(study, document)
    waiting = [
        u
        for u in staged_uploads(study)
        if u["source_id"] in {row["source"].id for row in sources} or u["source_id"] == ""
    ]
    context = {
        "study": study,
        "document": document,
        "form": form or SurveyUploadForm(sources=[r["source"] for r in sources]),
        "error": error,
        "sources": sources,
        "source": pipeline.survey_source(document),
        "waiting": waiting,
        "verdict_rules": pipeline.verdict_rules_text(),
    }
    return render(request, "studies/research/survey_upload.html", context, status=status)


def survey_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: the stored surveys to analyse, or a new file of answers through the gate."""
    study = study_for(request, pk, need="edit" if request.method == "POST" else "view")
    if request.method != "POST":
        return _survey_upload_page(request, study)
    document = study.current_revision().to_document()
    sources = [r["source"] for r in _survey_sources(study, document)]
    form = SurveyUploadForm(request.POST, request.FILES, sources=sources)
    if not form.is_valid():
        return _survey_upload_page(request, study, form=form, status=400)
    chosen = form.cleaned_data["source"]
    gate = {"source": chosen}
    if chosen == NEW_SOURCE:
        gate |= {
            "new_source_id": _new_survey_id(document),
            "new_source_kind": DataSourceKind.survey.value,
            "new_source_title": form.cleaned_data.get("title", "").strip()
            or Path(form.cleaned_data["file"].name or "").stem
            or gettext("Survey"),
        }
    data_form = DataFileForm(gate, request.FILES, document=document)
    if not data_form.is_valid():
        errors = "; ".join(str(e) for errs in data_form.errors.values() for e in errs)
        return _survey_upload_page(
            request, study, form=form, error={"message": errors, "hint": ""}, status=400
        )
    try:
        token = stage_file(request, study, document, data_form, then=THEN_SURVEY)
    except SegprofileError as exc:
        return _survey_upload_page(
            request, study, form=form, error=error_context(exc), status=exc.http_status
        )
    return redirect("studies:data_inspect", pk=study.pk, token=token)


def _hypothesis_choices(document: StudyDocument) -> list[tuple[str, str]]:
    """The hypotheses as the pages name them («№ 3. …»), never by their internal ids."""
    return [("", "—"), *hypothesis_names(document.hypotheses, 80).items()]


def _initial_mapping(source: DataSource, columns: list[str]) -> list[dict[str, Any]]:
    stored = [q for q in source.questions if q.question in columns]
    return [
        {
            "question": q.question,
            "hypothesis": q.hypothesis,
            "support": q.support.value,
            "among": ", ".join(q.among),
            "threshold": q.threshold,
            "agree_from": q.agree_from,
        }
        for q in stored
    ]


def _test_row(test: Any, names: dict[str, str]) -> dict[str, Any]:
    """One row of the survey's table, its figures written the Russian way («52 %», «45–58 %»,
    «p = 0,031», «q < 0,001»): the page says what they mean in a note under the table; the
    hypothesis by its number and statement (``names``), as the reports name it."""
    interval = test.interval
    return {
        "test": test,
        "hypothesis": names.get(test.hypothesis, DELETED_HYPOTHESIS),
        "status": STATUS_LABELS.get(test.status.value, test.status.value),
        "share": fmt.percent(test.share),
        "interval": (
            f"{fmt.number(interval.low * 100)}–{fmt.percent(interval.high)}" if interval else ""
        ),
        "rest": fmt.percent(test.rest_share),
        "p": fmt.p_value(test.p_value) if test.p_value is not None else "—",
        "q": fmt.p_value(test.p_adjusted, "q") if test.p_adjusted is not None else "",
    }


def _questions(formset: Any) -> list[SurveyQuestion]:
    out = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or not data.get("question") or not data.get("hypothesis"):
            continue
        among = [x.strip() for x in (data.get("among") or "").split(",") if x.strip()]
        out.append(
            SurveyQuestion(
                question=data["question"],
                hypothesis=data["hypothesis"],
                support=SurveySupport(data.get("support") or "yes"),
                among=among,
                threshold=data.get("threshold"),
                agree_from=data.get("agree_from"),
            )
        )
    return out


POINT_CHOICES = ("1", "2", "3", "4", "5")
NO_RATING = "none"


def _answer_points(
    request: HttpRequest, source: DataSource, scales: list[Any]
) -> dict[str, int | None]:
    """The survey's points of answers in words as posted beside the mapping (``pt_label``,
    ``pt_point`` pairs): a point 1–5, «no rating» or none given (the label's point dropped).
    Only the labels the page offered are taken: no answer is stored that the page did not show
    (a rarer one would point at a respondent)."""
    offered = {x.label for column in scales for x in column.labels}
    points = dict(source.answer_points)
    labels = request.POST.getlist("pt_label")
    values = request.POST.getlist("pt_point")
    for label, value in zip(labels, values, strict=False):
        if label not in offered:
            continue
        for same in [
            k for k in points if pipeline.normal_answer(k) == pipeline.normal_answer(label)
        ]:
            points.pop(same)
        if value in POINT_CHOICES:
            points[label] = int(value)
        elif value == NO_RATING:
            points[label] = None
        else:
            points.pop(label, None)
    return points


def survey_map(request: HttpRequest, pk: int, source_id: str, version: int) -> HttpResponse:
    """Steps 2–4 on a stored survey version: preview, the question → hypothesis form, the
    analysis; «apply» stores the verdicts and evidence as a new revision (the mapping too, on
    the study's survey source)."""
    # Analysing saves nothing, so a reader may do it; applying the verdicts is an edit.
    applying = request.method == "POST" and request.POST.get("action") == "apply"
    study = study_for(request, pk, need="edit" if applying else "view")
    document = study.current_revision().to_document()
    ws = workspace_for(study)
    source = next((s for s in document.data_sources if s.id == source_id), None)
    if source is None or source.kind is not DataSourceKind.survey:
        raise Http404
    context: dict[str, Any] = {
        "study": study,
        "document": document,
        "source": source,
        "can": study_capabilities(request, study),
    }
    try:
        info = pipeline.inspect_survey(ws, document, source_id=source_id, version=version)
    except NotFound:
        raise Http404 from None
    except SegprofileError as exc:
        context["error"] = str(exc)
        return render(request, "studies/research/survey_map.html", context, status=400)
    name = info.name
    context |= {"version": version, "name": name}
    columns = [c.name for c in info.columns]
    # Answers are linked to clients only by a pseudonym or an identifier, never by an answer.
    ids = [*([info.id_column] if info.id_column else []), *info.pseudonymised]
    ids = list(dict.fromkeys([*ids, *(c.name for c in info.columns if c.kind == "id")]))
    hypotheses = _hypothesis_choices(document)
    form_kwargs = {"columns": columns, "hypotheses": hypotheses}
    if request.method == "POST":
        formset = SurveyMappingFormSet(request.POST, form_kwargs=form_kwargs, prefix="q")
        options = SurveyOptionsForm(request.POST, columns=ids)
    else:
        initial = _initial_mapping(source, columns)
        formset = SurveyMappingFormSet(initial=initial, form_kwargs=form_kwargs, prefix="q")
        options = SurveyOptionsForm(columns=ids, initial={"id_column": info.id_column or ""})
    context |= {
        "info": info,
        "kinds": pipeline.SURVEY_KIND_LABELS,
        # An answer fewer than min_cell respondents gave, shown so (pipeline.mask_preview).
        "rare": pipeline.RARE,
        "rare_below": document.segmentation.min_cell,
        "formset": formset,
        "options": options,
        "profile_run": latest_profile(study)[0],
        "verdict_rules": pipeline.verdict_rules_text(),
    }
    # The columns the mapping names (as posted, else as kept) whose answers in words need
    # points: the form asks them beside the mapping.
    chosen = [q.question for q in source.questions]
    if request.method == "POST" and formset.is_valid():
        chosen = [q.question for q in _questions(formset)]
    try:
        scales = pipeline.survey_scale_columns(
            ws, document, chosen, source_id=source_id, version=version
        )
    except SegprofileError as exc:
        context["error"] = str(exc)
        return render(request, "studies/research/survey_map.html", context, status=400)
    context["scales"] = scales
    if request.method != "POST":
        return render(request, "studies/research/survey_map.html", context)
    if not (formset.is_valid() and options.is_valid()):
        return render(request, "studies/research/survey_map.html", context, status=400)
    points = _answer_points(request, source, scales)
    if points != source.answer_points:
        # The points the analyst gave are the survey's (a revision, as every edit is) and read
        # by this analysis; a reader's are read, not kept.
        document = document.model_copy(deep=True)
        source = next(s for s in document.data_sources if s.id == source_id)
        source.answer_points = points
        if context["can"].edit:
            study.add_revision(
                document,
                author=request.user,
                comment=gettext("Points given to the answers of the survey %(file)s")
                % {"file": name},
            )
        context |= {
            "document": document,
            "source": source,
            "scales": pipeline.survey_scale_columns(
                ws, document, chosen, source_id=source_id, version=version
            ),
        }
    questions = _questions(formset)
    if not questions:
        context["error"] = gettext("Map at least one question to a hypothesis.")
        return render(request, "studies/research/survey_map.html", context, status=400)
    opts = options.cleaned_data
    _, profile = latest_profile(study)
    by_features = opts.get("id_column") == SurveyOptionsForm.BY_FEATURES
    try:
        result = pipeline.import_survey(
            ws,
            document,
            source_id=source_id,
            version=version,
            questions=questions,
            id_column=None if by_features else (opts.get("id_column") or None),
            by_features=by_features,
            threshold=opts.get("threshold"),
            min_answers=opts.get("min_answers"),
            alpha=opts.get("alpha"),
            profile=profile,
            name=name,
        )
    except SegprofileError as exc:
        context["error"] = str(exc)
        return render(request, "studies/research/survey_map.html", context, status=400)
    if request.POST.get("action") == "apply":
        updated = result.study
        for data_source in updated.data_sources:
            if data_source.id == source_id:
                data_source.questions = list(questions)
        comment = gettext("Verdicts of the survey %(file)s applied to hypotheses: %(names)s") % {
            "file": name,
            "names": diff.name_items(
                updated.model_dump(mode="json"),
                "hypotheses",
                [v.hypothesis for v in result.analysis.verdicts],
            ),
        }
        revision = study.add_revision(updated, author=request.user, comment=comment)
        messages.success(
            request,
            gettext("Revision %(number)s was saved: the verdicts are on the hypotheses.")
            % {"number": revision.number},
        )
        return _back_to_hypotheses(study, "registry")
    if context["can"].edit and questions != source.questions:
        # The mapping the editor analysed is kept (a new revision, as every edit is): the page
        # shows it again when reloaded, before any verdict is applied.
        kept = document.model_copy(deep=True)
        for data_source in kept.data_sources:
            if data_source.id == source_id:
                data_source.questions = list(questions)
        study.add_revision(
            kept,
            author=request.user,
            comment=gettext("Questions of the survey %(file)s mapped to hypotheses")
            % {"file": name},
        )
    names = hypothesis_names(document.hypotheses)
    context |= {
        "result": result,
        # Segments by their names from the study (a key is no name: «applicant_age=<18»).
        "missing_segments": [
            {
                "name": s.label
                if s.label and s.label != s.key
                else segment_name(document.features, s.key),
                "reason": s.reason,
            }
            for s in result.analysis.missing_segments
        ],
        # The segments without respondents are listed on their own.
        "warnings": [
            w for w in result.analysis.warnings if not w.startswith("Нет ни одного респондента")
        ],
        "verdicts": [
            {
                "verdict": v,
                "number": names.get(v.hypothesis, DELETED_HYPOTHESIS).split(".", 1)[0],
                "status": STATUS_LABELS.get(v.status.value, v.status.value),
                "hypothesis": next((h for h in document.hypotheses if h.id == v.hypothesis), None),
            }
            for v in result.analysis.verdicts
        ],
        "tests": [_test_row(x, names) for x in result.analysis.tests],
    }
    return render(request, "studies/research/survey_map.html", context)


# --- M-9: interviews → suggested quotes → a person confirms ---------------------------------------


def _suggested_quotes(document: StudyDocument) -> list[dict[str, Any]]:
    groups = []
    for hyp in document.hypotheses:
        quotes = [{"index": i, "evidence": e} for i, e in enumerate(hyp.evidence) if e.suggested]
        if quotes:
            groups.append({"hyp": hyp, "quotes": quotes})
    return groups


def interviews_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload interview notes (TXT, DOCX): masked, quotes suggested per hypothesis, listed for a
    person to confirm or reject."""
    study = study_for(request, pk, need="edit" if request.method == "POST" else "view")
    error = ""
    status = 200
    if request.method == "POST":
        files = request.FILES.getlist("files")
        bad = [f.name for f in files if Path(f.name).suffix.lower() not in (".txt", ".docx")]
        too_big = [
            f.name
            for f in files
            if f.size is not None and f.size > settings.SEGPROFILE_MAX_STUDY_BYTES
        ]
        if not files:
            error = gettext("Choose at least one TXT or DOCX file.")
        elif bad:
            error = gettext("Only TXT and DOCX files are accepted: %(files)s.") % {
                "files": ", ".join(bad)
            }
        elif too_big:
            error = gettext("The file is too large: %(files)s.") % {"files": ", ".join(too_big)}
        else:
            # The bytes are held in memory only: a large upload's temporary file (in the
            # private staging area) goes at once; only the masked notes are ever kept.
            contents = []
            for f in files:
                with f:
                    contents.append((Path(f.name).name, f.read()))
            try:
                # Parsed in a child process with memory and time limits (a DOCX may be a bomb).
                result = pipeline.run_isolated(
                    pipeline.import_interviews,
                    study.current_revision().to_document(),
                    contents,
                    file=", ".join(name for name, _ in contents),
                )
            except SegprofileError as exc:
                error = str(exc)
            else:
                comment = gettext("Interviews %(files)s uploaded: %(n)s quotes suggested") % {
                    "files": ", ".join(n.source for n in result.notes),
                    "n": len(result.suggestions),
                }
                revision = study.add_revision(result.study, author=request.user, comment=comment)
                # Per kind, and per file when there are several: «r01.txt: замаскировано: …».
                masked = result.masked_summary
                if len(result.notes) > 1:
                    masked = "; ".join(
                        f"{n.source}: {pipeline.describe_masked(n.masked)}" for n in result.notes
                    )
                messages.success(
                    request,
                    gettext("Revision %(number)s was saved: %(n)s quotes suggested; %(masked)s.")
                    % {"number": revision.number, "n": len(result.suggestions), "masked": masked},
                )
                return redirect("studies:interviews", pk=study.pk)
        status = 400
    document = study.current_revision().to_document()
    context = {
        "study": study,
        "document": document,
        "error": error,
        "groups": _suggested_quotes(document),
        "can": study_capabilities(request, study),
    }
    return render(request, "studies/research/interviews.html", context, status=status)


@require_POST
def quote_decision(request: HttpRequest, pk: int, hypothesis_id: str, index: int) -> HttpResponse:
    """Confirm or reject a suggested quote: a new revision naming who and when."""
    study = study_for(request, pk, need="edit")
    action = request.POST.get("action", "")
    quote = request.POST.get("quote", "")
    back = request.POST.get("next", "")
    target = (
        reverse("studies:interviews", kwargs={"pk": study.pk})
        if back == "interviews"
        else reverse("studies:hypotheses", kwargs={"pk": study.pk}) + f"#h-{hypothesis_id}"
    )
    document = study.current_revision().to_document()
    user = request.user.get_username()
    try:
        if action == "confirm":
            # stored in the document: the reports' form whatever the page's language, with the
            # zone as every time is shown — «07.12.2026 12:30 (МСК)»
            local = timezone.localtime()
            when = f"{local:%d.%m.%Y %H:%M} ({zone_label(str(settings.TIME_ZONE), local)})"
            document = pipeline.confirm_quote(
                document, hypothesis_id, index, quote, who=user, when=when
            )
            comment = gettext("Quote confirmed for the hypothesis %(name)s")
        elif action == "reject":
            document = pipeline.reject_quote(document, hypothesis_id, index, quote)
            comment = gettext("Quote rejected for the hypothesis %(name)s")
        else:
            messages.error(request, gettext("Choose to confirm or to reject the quote."))
            return redirect(target)
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return redirect(target)
    revision = study.add_revision(
        document,
        author=request.user,
        comment=comment
        % {
            "name": diff.name_items(
                document.model_dump(mode="json"), "hypotheses", [hypothesis_id]
            ),
        },
    )
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return redirect(target)


# --- M-9: topics of complaints and open answers --------------------------------------------------


@require_GET
def topics_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Topics of complaints or open answers: top lemmas, share per segment, example quotes."""
    study = study_for(request, pk, need="view")
    document = study.current_revision().to_document()
    sources = pipeline.text_sources(document)
    if not sources:
        context: dict[str, Any] = {
            "study": study,
            "form": TopicsForm(document=document, columns=[]),
            "error": gettext("The study has no source of texts (complaints, survey, interviews)."),
        }
        return render(request, "studies/research/topics.html", context)
    ws = workspace_for(study)
    # The text columns offered are those of the texts chosen: switching the texts asks HTMX
    # for the column list anew (a column of other texts is never kept).
    asked = request.GET.get("source") or None
    try:
        columns = pipeline.topic_columns(
            ws, document, asked if asked in {s.id for s in sources} else None
        )
        columns_error = ""
    except SegprofileError as exc:
        columns, columns_error = [], str(exc)
    if htmx.target(request) == "topics-column":
        column = request.GET.get("column", "")
        form = TopicsForm(
            document=document,
            columns=columns,
            initial={"column": column if column in columns else ""},
        )
        part = {"field": form["column"], "columns_error": columns_error}
        return htmx.vary(render(request, "studies/research/_topics_column.html", part))
    form = TopicsForm(request.GET or None, document=document, columns=columns)
    context = {"study": study, "document": document, "form": form}
    if request.GET and not form.is_valid():
        return render(request, "studies/research/topics.html", context, status=400)
    data = form.cleaned_data if request.GET else {}
    try:
        result = pipeline.text_topics(
            ws,
            document,
            source_id=data.get("source") or None,
            text_column=data.get("column") or None,
            feature_id=data.get("feature") or None,
            n_topics=data.get("n_topics"),
        )
    except SegprofileError as exc:
        context["error"] = str(exc)
        # A first visit asked nothing wrong: what the study lacks is said, with a 200.
        status = 400 if request.GET else 200
        return render(request, "studies/research/topics.html", context, status=status)
    model = result.model
    segments = list(dict.fromkeys(s.segment for s in model.by_segment))
    share = {(s.segment, s.topic): s for s in model.by_segment}
    context |= {
        "result": result,
        "can": study_capabilities(request, study),
        "query": {k: v for k, v in data.items() if v not in (None, "")},
        "signatures": {t.index: json.dumps(t.signatures, ensure_ascii=False) for t in model.topics},
        "topics": model.topics,
        "unlinked": UNLINKED_LABEL if UNLINKED_LABEL in segments else None,
        "segments": [
            {
                "name": name,
                "cells": [share.get((name, t.index)) for t in model.topics],
            }
            for name in segments
        ],
    }
    return render(request, "studies/research/topics.html", context)


TOPIC_NAME_MAX = 120
"""Longest topic name a team may give (the study document allows as much)."""
_TOPIC_QUERY = ("source", "column", "feature", "n_topics")


def _topic_lemmas(value: str) -> list[list[str]]:
    """A topic as the page posted it: the lemma lists of the topics it is made of (JSON)."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if (
        not isinstance(data, list)
        or not 0 < len(data) <= 50
        or not all(
            isinstance(words, list)
            and 0 < len(words) <= 30
            and all(isinstance(w, str) and 0 < len(w) <= 60 for w in words)
            for words in data
        )
    ):
        raise InputError(
            gettext("The topic was not recognised."), hint=gettext("reload the page and retry.")
        )
    return data


@require_POST
def topic_names(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a topic of texts or merge several into one: a new revision of the study (M-9)."""
    study = study_for(request, pk, need="edit")
    post = request.POST
    query = {k: post[k] for k in _TOPIC_QUERY if post.get(k)}
    target = reverse("studies:topics", kwargs={"pk": study.pk})
    if query:
        target += "?" + urlencode(query)
    document = study.current_revision().to_document()
    name = post.get("name", "")[:TOPIC_NAME_MAX]
    source = post.get("source", "")
    try:
        topics = [_topic_lemmas(v) for v in post.getlist("topic")]
        if post.get("action") == "merge":
            document = pipeline.merge_topics(document, source, topics, name)
            comment = gettext("%(n)s topics merged into «%(name)s»")
        elif len(topics) == 1:
            document = pipeline.set_topic_name(document, source, topics[0], name)
            comment = (
                gettext("Topic named «%(name)s»")
                if name.strip()
                else gettext("Team's name of a topic removed")
            )
        else:
            raise InputError(
                gettext("The topic was not recognised."),
                hint=gettext("reload the page and retry."),
            )
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return redirect(target)
    values = {"n": len(topics), "name": name.strip()}
    revision = study.add_revision(document, author=request.user, comment=comment % values)
    # The name typed is masked as every typed text is: the message says what was replaced.
    messages.success(request, saved_message(revision))
    return redirect(target)
