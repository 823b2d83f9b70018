"""The study's own pages: the list, a new study, the study page with its rules and revisions,
profile runs, their downloads and the priorities (M-6)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.model.format import percent
from segprofile.model.results import Profile
from segprofile.web.studies import access, htmx, runs, services
from segprofile.web.studies.access import run_for, study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.study import ExampleForm, StudyUploadForm
from segprofile.web.studies.models import (
    AuditEvent,
    ProfileRun,
    Study,
    StudyRevision,
)
from segprofile.web.studies.storage import file_state, safe_data_path
from segprofile.web.studies.views.common import (
    attachment,
    audit_export,
    current_document,
    revision_document,
    study_capabilities,
)

# --- study documents ---------------------------------------------------------------------------


def current_revision(study: Study) -> StudyRevision:
    """The study's latest revision with its author, without reading the document column."""
    revision: StudyRevision = (
        study.revisions.select_related("author").defer("document").order_by("-number").first()
    )
    study.__dict__["_current_number"] = revision.number  # for {% base_revision_field %}
    return revision


def _visible_studies(request: HttpRequest) -> QuerySet[Study]:
    return access.studies_for(request.user).select_related("owner")


# --- studies -----------------------------------------------------------------------------------


@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    studies = _visible_studies(request).annotate(last_revision=Max("revisions__number"))
    return render(request, "studies/study/list.html", {"studies": studies})


def _new_page(
    request: HttpRequest,
    *,
    example_form: ExampleForm | None = None,
    upload_form: StudyUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "examples": pipeline.list_examples(),
        "example_form": example_form or ExampleForm(),
        "upload_form": upload_form or StudyUploadForm(),
    }
    return render(request, "studies/study/new.html", context, status=status)


@require_GET
def study_new(request: HttpRequest) -> HttpResponse:
    return _new_page(request)


@require_POST
def study_create_from_example(request: HttpRequest) -> HttpResponse:
    form = ExampleForm(request.POST)
    if not form.is_valid():
        return _new_page(request, example_form=form, status=400)
    try:
        study = services.create_study_from_example(
            request.user,
            form.cleaned_data["example"],
            rows=settings.SEGPROFILE_DEMO_ROWS,
            seed=settings.SEGPROFILE_DEMO_SEED,
        )
    except SegprofileError as exc:
        form.add_error(None, str(exc))
        return _new_page(request, example_form=form, status=exc.http_status)
    messages.success(request, gettext("The study was created from the example, with demo data."))
    return redirect("studies:detail", pk=study.pk)


@require_POST
def study_create_from_upload(request: HttpRequest) -> HttpResponse:
    form = StudyUploadForm(request.POST, request.FILES)
    if not form.is_valid() or form.study_document is None:
        return _new_page(request, upload_form=form, status=400)
    comment = form.cleaned_data["comment"] or gettext("Uploaded from a file")
    study = Study.create_from_document(form.study_document, owner=request.user, comment=comment)
    messages.success(request, gettext("The study was uploaded."))
    return redirect("studies:detail", pk=study.pk)


def _detail_page(
    request: HttpRequest,
    study: Study,
    *,
    revision_form: StudyUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    revision, document = current_document(study)
    sources = []
    for source in document.data_sources:
        # What the profile reads: the latest imported version (a file in the data directory
        # only for a study set up by hand, before the import existed).
        try:
            versions = pipeline.list_dataset_versions(
                services.workspace_for(study), document.id, source.id
            )
        except SegprofileError:
            versions = []
        latest = versions[-1] if versions else None
        state = None
        if latest is None:
            try:
                state = file_state(safe_data_path(study.data_dir(), source.path))
            except SuspiciousFileOperation:
                state = None
        sources.append(
            {
                "source": source,
                "file": state,
                "version": latest,
                "imported": datetime.fromisoformat(latest.created_at) if latest else None,
            }
        )
    # Without the big columns: a run's profile and report are ~0.7 MB at a million rows,
    # a revision's document ~0.1 MB; the lists show numbers, dates and names.
    recent = list(
        study.runs.select_related("revision", "created_by").defer(*access.BIG_RUN_COLUMNS)[:10]
    )
    can = study_capabilities(request, study)
    findings = sorted(
        pipeline.check_with_data(services.workspace_for(study), document),
        key=lambda f: _code_order(f.code),
    )
    context = {
        "study": study,
        "can": can,
        "revision": revision,
        "document": document,
        "acts": {act.id: act for act in document.scope.legal_acts},
        "sources": sources,
        "findings": findings,
        "missing_count": sum(1 for f in findings if f.severity == "missing"),
        # issue 19: features whose column is not in the imported data (the section marks them).
        "missing_columns": pipeline.missing_columns(services.workspace_for(study), document),
        "runs": recent,
        "revisions": study.revisions.select_related("author").defer("document")[:20],
        "revision_form": revision_form or StudyUploadForm(),
        "role": can.role,
    }
    return render(request, "studies/study/detail.html", context, status=status)


def _code_order(code: str) -> tuple[int, str]:
    """``M-3`` before ``M-11``: sort M-codes by their number."""
    match = re.fullmatch(r"M-(\d+)", code)
    return (int(match.group(1)), code) if match else (10_000, code)


@require_GET
def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, study_for(request, pk, need="view"))


@require_POST
def study_upload_revision(request: HttpRequest, pk: int) -> HttpResponse:
    study = study_for(request, pk, need="edit")
    form = StudyUploadForm(request.POST, request.FILES)
    if not form.is_valid() or form.study_document is None:
        return _detail_page(request, study, revision_form=form, status=400)
    comment = form.cleaned_data["comment"] or gettext("Uploaded from a file")
    revision = study.add_revision(form.study_document, author=request.user, comment=comment)
    upload = request.FILES.get("document")
    audit(
        request,
        AuditEvent.Action.IMPORT,
        study,
        {"what": "study", "file": upload.name if upload else "", "revision": revision.number},
    )
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return redirect("studies:detail", pk=study.pk)


@require_POST
def rule_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: how many client records the rule being typed selects (M-2), or where it is wrong."""
    study = study_for(request, pk, need="view")
    rule = request.POST.get("rule", "").strip()
    context: dict[str, Any] = {"rule": rule}
    if rule:
        try:
            count = pipeline.count_rule_matches(
                services.workspace_for(study), study.current_revision().to_document(), rule
            )
            # Under min_cell (selected or left outside) the count reads as a bound only.
            share = count.share
            context |= {"count": count, "percent": percent(share, 1) if share is not None else ""}
        except SegprofileError as exc:
            context["error"] = str(exc)
    return render(request, "studies/study/_rule_count.html", context)


@require_POST
def rule_save(request: HttpRequest, pk: int, role_id: str) -> HttpResponse:
    """Save a role's eligibility rule as a new revision of the study."""
    study = study_for(request, pk, need="edit")
    rule = request.POST.get("rule", "")
    try:
        document = pipeline.set_eligibility_rule(
            study.current_revision().to_document(), role_id, rule
        )
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + "#roles")
    comment = gettext("Eligibility rule of the role «%(role)s»") % {"role": role_id}
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(
        request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
    )
    return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + "#roles")


@require_GET
def study_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    study = study_for(request, pk, need="view")
    number = request.GET.get("revision")
    if number is None:
        revision = study.current_revision()
    elif number.isdigit():
        revision = get_object_or_404(study.revisions, number=int(number))
    else:
        raise Http404
    text = pipeline.dump_study(revision.to_document())
    audit(request, AuditEvent.Action.EXPORT, study, {"format": "yaml", "revision": revision.number})
    return attachment(
        text, f"{study.slug}-r{revision.number}.yaml", "application/yaml; charset=utf-8"
    )


# --- profile runs ------------------------------------------------------------------------------


@require_POST
def run_start(request: HttpRequest, pk: int) -> HttpResponse:
    study = study_for(request, pk, need="edit")
    run = services.start_profile_run(study, request.user)
    return redirect("studies:run", pk=study.pk, run_pk=run.pk)


@require_GET
def run_detail(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    run = run_for(request, pk, run_pk, light=True)
    run.sync_with_task()
    fragment = run.fragment if run.status == ProfileRun.Status.DONE else ""  # read now
    return render(
        request, "studies/study/run.html", {"study": run.study, "run": run, "fragment": fragment}
    )


@require_GET
def run_progress(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The progress fragment HTMX polls; once the run ends, the whole page reloads."""
    run = run_for(request, pk, run_pk, light=True)
    run.sync_with_task()
    return htmx.job_progress(
        request,
        finished=run.is_finished,
        page=reverse("studies:run", kwargs={"pk": run.study_id, "run_pk": run.pk}),
        template="studies/study/_progress.html",
        context={"study": run.study, "run": run},
    )


def _finished_run(request: HttpRequest, pk: int, run_pk: int) -> ProfileRun:
    return run_for(request, pk, run_pk, light=True, done=True)


_PRIORITY_SORTS = {
    "rank": lambda seg: (seg.priority.rank is None, seg.priority.rank or 0, -seg.capacity),
    "capacity": lambda seg: -seg.capacity,
    "csat": lambda seg: seg.satisfaction.csat if seg.satisfaction.csat is not None else 2.0,
    "blind": lambda seg: -(seg.blind_zone.share or 0.0) if seg.blind_zone else 1.0,
}


def _ranked(profile: Profile) -> dict[str, Any]:
    """What the priorities page shows of a profile: its priority block and ranked segments."""
    return {
        "priority": profile.priority,
        "rows": [
            {"feature": fs.label, "segment": seg}
            for fs in profile.by_feature
            for seg in fs.segments
            if seg.priority is not None
        ],
    }


@require_GET
def run_priorities(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """M-6: every ranked segment, sortable, with the quadrant chart and sponsor-focus inputs."""
    run = run_for(request, pk, run_pk, pages=True, done=True)
    study = run.study
    sort = request.GET.get("sort", "rank")
    if sort not in _PRIORITY_SORTS:
        sort = "rank"
    current_revision(study)  # the forms' base revision
    ranked = _ranked(runs.published(run))
    document = revision_document(run.revision)
    rows = ranked["rows"]
    rows.sort(key=lambda row: _PRIORITY_SORTS[sort](row["segment"]))
    notes = {n.segment: n for n in document.segment_notes}
    top = set(ranked["priority"].top) if ranked["priority"] is not None else set()
    for row in rows:
        row["top"] = row["segment"].key in top
        row["note"] = notes.get(row["segment"].key)
    context = {
        "study": study,
        "can": study_capabilities(request, study),
        "run": run,
        "priority": ranked["priority"],
        "rows": rows,
        "names": runs.labels(run),
        "min_cell": document.segmentation.min_cell,
        "sort": sort,
        "next": request.get_full_path(),
        "chart": runs.chart(run, runs.PRIORITY_QUADRANT) or None,
    }
    return render(request, "studies/study/priorities.html", context)


@require_POST
def segment_note_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or clear the sponsor focus of a segment: a new revision of the study."""
    study = study_for(request, pk, need="edit")
    key = request.POST.get("segment", "")
    back = request.POST.get("next", "")
    try:
        document = pipeline.set_segment_note(
            study.current_revision().to_document(),
            key,
            sponsor_focus=request.POST.get("sponsor_focus") == "on",
            reason=request.POST.get("reason", ""),
        )
    except SegprofileError as exc:
        messages.error(request, str(exc))
    else:
        comment = gettext("Sponsor focus of the segment «%(segment)s»") % {"segment": key}
        revision = study.add_revision(document, author=request.user, comment=comment)
        messages.success(
            request, gettext("Revision %(number)s was saved.") % {"number": revision.number}
        )
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("studies:detail", pk=study.pk)


@require_GET
def run_html(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    run = _finished_run(request, pk, run_pk)
    audit_export(request, run, "html")
    return attachment(
        run.html,
        f"{run.study.slug}-r{run.revision.number}-profile.html",
        "text/html; charset=utf-8",
    )


@require_GET
def run_json(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    run = _finished_run(request, pk, run_pk)
    raw = access.unsuppressed_requested(request, run.study)
    audit_export(request, run, "json", unsuppressed=raw)
    if raw:  # an owner's request for this one output: computed now
        text = pipeline.published_profile_json(
            run.result_json, revision_document(run.revision), raw=True
        )
    else:
        text = runs.published_json(run)
    return attachment(
        text,
        f"{run.study.slug}-r{run.revision.number}-profile.json",
        "application/json; charset=utf-8",
    )
