"""The study's own pages: the list, a new study, the study page with its rules and revisions,
profile runs, their downloads and the priorities (M-6)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import DocumentError, NotFound, SegprofileError
from segprofile.model.format import percent, share_percent
from segprofile.model.labels import PRIORITY_PARTS, profile_unit, segment_name
from segprofile.model.results import Profile
from segprofile.model.study import Study as StudyDocument
from segprofile.model.study import empty_requisites
from segprofile.web.studies import access, htmx, runs, sections, services
from segprofile.web.studies.access import run_for, study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.data import DeleteRunForm
from segprofile.web.studies.forms.study import (
    ExampleForm,
    NewStudyForm,
    PriorityForm,
    RevisionChoiceForm,
    RoleForm,
    SettingsForm,
    StudyUploadForm,
    filled_acts,
    legal_act_rows,
)
from segprofile.web.studies.models import (
    AuditEvent,
    ProfileRun,
    ResearchPlan,
    Study,
    StudyRevision,
    masked_note,
)
from segprofile.web.studies.sections import report_problems
from segprofile.web.studies.storage import file_state, safe_data_path
from segprofile.web.studies.views.common import (
    attachment,
    audit_export,
    computed_profile,
    current_document,
    report_download,
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
    blank_form: NewStudyForm | None = None,
    act_rows: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "blank_form": blank_form or NewStudyForm(),
        "act_rows": act_rows or legal_act_rows(),
        "examples": pipeline.list_examples(),
        "example_form": example_form or ExampleForm(),
        "upload_form": upload_form or StudyUploadForm(),
    }
    return render(request, "studies/study/new.html", context, status=status)


@require_GET
def study_new(request: HttpRequest) -> HttpResponse:
    return _new_page(request)


@require_POST
def study_create_blank(request: HttpRequest) -> HttpResponse:
    """A study from nothing: the guided start's scope and legal acts become its first revision;
    its page then says what to do next (upload the client data)."""
    form = NewStudyForm(request.POST)
    rows = legal_act_rows(request.POST)
    if form.is_valid() and rows.is_valid():
        try:
            document = pipeline.new_study(**form.scope_fields(), legal_acts=filled_acts(rows))
        except DocumentError as exc:
            report_problems(exc, form, "scope")
        else:
            study = Study.create_from_document(
                document, owner=request.user, comment=gettext("Started from nothing: the scope")
            )
            messages.success(
                request,
                gettext("The study was created. Next, upload the client data: see below."),
            )
            return redirect("studies:detail", pk=study.pk)
    return _new_page(request, blank_form=form, act_rows=rows, status=400)


@require_POST
def study_create_from_example(request: HttpRequest) -> HttpResponse:
    form = ExampleForm(request.POST)
    if not form.is_valid():
        return _new_page(request, example_form=form, status=400)
    build = not form.cleaned_data["without_profile"]
    try:
        study = services.create_study_from_example(
            request.user,
            form.cleaned_data["example"],
            rows=settings.SEGPROFILE_DEMO_ROWS,
            seed=settings.SEGPROFILE_DEMO_SEED,
            build=build,
        )
    except SegprofileError as exc:
        form.add_error(None, str(exc))
        return _new_page(request, example_form=form, status=exc.http_status)
    if build:
        done = gettext(
            "The study was created from the example, with demo data; its profile is being built."
        )
    else:
        done = gettext("The study was created from the example, with demo data.")
    messages.success(request, done)
    return redirect("studies:detail", pk=study.pk)


@require_POST
def study_create_from_upload(request: HttpRequest) -> HttpResponse:
    form = StudyUploadForm(request.POST, request.FILES)
    if not form.is_valid() or form.study_document is None:
        return _new_page(request, upload_form=form, status=400)
    comment = form.cleaned_data["comment"] or gettext("Uploaded from a file")
    study = Study.create_from_document(form.study_document, owner=request.user, comment=comment)
    messages.success(request, gettext("The study was uploaded.") + masked_note(study.masked_list))
    return redirect("studies:detail", pk=study.pk)


def _detail_page(
    request: HttpRequest,
    study: Study,
    *,
    revision_form: StudyUploadForm | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
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
    records = document.client_records()
    stages = pipeline.study_stages(
        findings,
        client_data=any(row["version"] is not None for row in sources if row["source"] is records),
        without_data=[
            row["source"].title or row["source"].id
            for row in sources
            if row["source"] is not records
            and row["version"] is None
            and not (row["file"] and row["file"].exists)
        ],
        # The latest ten runs are read anyway; an older finished one is no profile of today.
        profile_built=any(run.status == ProfileRun.Status.DONE for run in recent),
    )
    context = {
        "study": study,
        "can": can,
        "revision": revision,
        "document": document,
        "stages": stages,
        "acts": {act.id: act for act in document.scope.legal_acts},
        "sources": sources,
        "findings": findings,
        # The list has both kinds; the sentence above it counts each (11 missing + 1 to look at).
        "missing_count": sum(1 for f in findings if f.severity == "missing"),
        "warning_count": sum(1 for f in findings if f.severity == "warning"),
        # issue 19: features whose column is not in the imported data (the section marks them).
        "missing_columns": pipeline.missing_columns(services.workspace_for(study), document),
        "runs": recent,
        "revisions": study.revisions.select_related("author").defer("document")[:20],
        "revision_form": revision_form or StudyUploadForm(),
        "role": can.role,
        **_settings_context(study, document),
        **(extra or {}),
    }
    return render(request, "studies/study/detail.html", context, status=status)


def _code_order(code: str) -> tuple[int, str]:
    """``M-3`` before ``M-11``: sort M-codes by their number."""
    match = re.fullmatch(r"M-(\d+)", code)
    return (int(match.group(1)), code) if match else (10_000, code)


@require_GET
def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, study_for(request, pk, need="view"))


_UPLOAD_SALT = "segprofile.study-upload"
_UPLOAD_MAX_AGE = 24 * 3600  # a choice page left open longer: upload the file again


@require_POST
def study_upload_revision(request: HttpRequest, pk: int) -> HttpResponse:
    """A study document uploaded as a revision never replaces work silently (issue 19): the
    sections the file would change are shown in words, and the person chooses, per section,
    to keep the current version or take the file's; only then is a revision stored (over the
    revision the choice page showed, merged with edits saved meanwhile)."""
    study = study_for(request, pk, need="edit")
    if "payload" in request.POST:
        return _upload_chosen(request, study)
    form = StudyUploadForm(request.POST, request.FILES)
    if not form.is_valid() or form.study_document is None:
        return _detail_page(request, study, revision_form=form, status=400)
    revision = study.current_revision()
    current = revision.to_document()
    # The file as its revision would store it: typed texts masked (the one rule of
    # Study.add_revision), the comment and the file's name too. The page shows only that, and
    # only that rides in the page until the choice: the raw text never comes back.
    edit = pipeline.mask_edit(current, form.study_document)
    # What was masked, section by section: said on the page and, for the sections taken, when
    # the revision is saved (it is stored masked already).
    masked = pipeline.masked_by_section(current, form.study_document)
    name = form.file_name
    changes = pipeline.section_changes(current, edit.study)
    if not changes:
        messages.info(
            request,
            gettext("The file %(file)s is the same as revision %(number)s: nothing was stored.")
            % {"file": name, "number": revision.number},
        )
        return redirect("studies:detail", pk=study.pk)
    payload = signing.dumps(
        {
            "document": edit.study.model_dump(mode="json"),
            "file": name,
            "comment": pipeline.mask_comment(form.cleaned_data["comment"]),
            "masked": masked,
        },
        salt=f"{_UPLOAD_SALT}:{study.pk}",
        compress=True,
    )
    choice = RevisionChoiceForm(initial={"payload": payload}, sections=changes)
    return _choice_page(request, study, revision, choice, name, masked)


def _choice_page(
    request: HttpRequest,
    study: Study,
    revision: StudyRevision,
    form: RevisionChoiceForm,
    file: str,
    masked: dict[str, dict[str, int]],
    status: int = 200,
) -> HttpResponse:
    """The page of the choice; ``masked``: what of the file's texts was replaced, section by
    section (the page shows them so), said as a saved edit's message says it."""
    context = {
        "study": study,
        "revision": revision,
        "form": form,
        "file": file,
        "masked": masked_note(pipeline.masked_list(list(masked.values()))).strip(),
        "masked_in": {
            key: masked_note(pipeline.masked_list([counts])).strip()
            for key, counts in masked.items()
        },
    }
    return render(request, "studies/study/upload_choice.html", context, status=status)


def _upload_chosen(request: HttpRequest, study: Study) -> HttpResponse:
    """The choice made: the chosen sections taken from the file, the others kept."""
    try:
        data = signing.loads(
            request.POST.get("payload", ""),
            salt=f"{_UPLOAD_SALT}:{study.pk}",
            max_age=_UPLOAD_MAX_AGE,
        )
        uploaded = pipeline.study_from_data(data["document"], source=data["file"] or "файл")
    except (signing.BadSignature, KeyError, TypeError, SegprofileError):
        messages.error(
            request,
            gettext(
                "The page of the choice is out of date or damaged: upload the file again. "
                "Nothing was stored."
            ),
        )
        return redirect("studies:detail", pk=study.pk)
    base = None
    if study.edit_base is not None:
        base = study.revisions.filter(number=study.edit_base).first()
    if base is None:
        base = study.current_revision()
        study.edit_base = base.number
    current = base.to_document()
    form = RevisionChoiceForm(request.POST, sections=pipeline.section_changes(current, uploaded))
    if not form.is_valid():
        return _choice_page(
            request, study, base, form, data["file"], data.get("masked", {}), status=400
        )
    taken = form.taken()
    if not taken:
        messages.info(request, gettext("Every section was kept: nothing was stored."))
        return redirect("studies:detail", pk=study.pk)
    try:
        document = pipeline.take_sections(current, uploaded, taken)
    except SegprofileError as exc:
        form.add_error(None, exc.message)
        form.add_error(
            None,
            gettext(
                "Take linked sections together (hypotheses with the research plan, journeys and "
                "recommendations; features with the segmentation settings) or keep them both."
            ),
        )
        return _choice_page(
            request, study, base, form, data["file"], data.get("masked", {}), status=400
        )
    names = ", ".join(row["section"].name for row in form.rows() if row["section"].key in taken)
    taken_text = gettext("From the file «%(file)s» taken: %(sections)s") % {
        "file": data["file"],
        "sections": names,
    }
    comment = f"{data['comment']}. {taken_text}" if data["comment"] else taken_text
    revision = study.add_revision(document, author=request.user, comment=comment)
    # Masked on the way to this page: what the sections taken had replaced is said now.
    masked = data.get("masked", {})
    revision.masked_list = revision.masked_list or pipeline.masked_list(
        [masked[key] for key in taken if key in masked]
    )
    audit(
        request,
        AuditEvent.Action.IMPORT,
        study,
        {"what": "study", "file": data["file"], "revision": revision.number, "sections": taken},
    )
    messages.success(request, sections.saved_message(revision))
    return redirect("studies:detail", pk=study.pk)


@require_POST
def rule_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: how many client records the rule being typed selects (M-2), or where it is wrong."""
    study = study_for(request, pk, need="view")
    # «rule» from the role's page, «eligibility_rule» from the role's form (issue 19)
    rule = request.POST.get("rule", request.POST.get("eligibility_rule", "")).strip()
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
    current = study.current_revision().to_document()
    try:
        columns = pipeline.rule_columns_of(services.workspace_for(study), current)
        document = pipeline.set_eligibility_rule(current, role_id, rule, columns)
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + "#roles")
    comment = gettext("Eligibility rule of the role «%(role)s»") % {
        "role": _role_title(current, role_id)
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(request, sections.saved_message(revision))
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
    document = access.readable_document(request, study, revision.to_document())
    text = pipeline.dump_study(document)
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
    if runs.republish_pending(run):  # the study's min_cell was raised since it was built
        runs.ensure(run)
    fragment = run.fragment if run.status == ProfileRun.Status.DONE else ""  # read now
    current = run.study.current_revision()
    context = {
        "study": run.study,
        "run": run,
        "fragment": fragment,
        # The profile and its reports are of the run's revision: a later one (hypotheses,
        # recommendations, features written since) is not in them — the page says so.
        "newer_revision": current if current.number > run.revision.number else None,
        "report_template": services.report_template_path(run.study).is_file(),
        "can": study_capabilities(request, run.study),
    }
    if run.status == ProfileRun.Status.DONE:  # the reports' title page: what it leaves blank
        document = revision_document(run.revision)
        context["empty_requisites"] = [_REQUISITE_NAMES[n] for n in empty_requisites(document)]
        if context["can"].edit:  # a reader is not told which two to subtract
            context["tells_few_with"] = runs.tells_few_with(run)
            context["min_cell"] = document.segmentation.min_cell
    return render(request, "studies/study/run.html", context)


#: The title page's requisites as the run's page names them when they are empty.
_REQUISITE_NAMES = {
    "organisation": _("the body"),
    "approver": _("the approving official"),
    "place": _("the place of compilation"),
}


@require_GET
def run_progress(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The progress fragment HTMX polls; once the run ends, the whole page reloads."""
    run = run_for(request, pk, run_pk, light=True)
    run.sync_with_task()
    return htmx.job_progress(
        request,
        finished=run.is_finished,
        page=reverse("studies:run", kwargs={"pk": run.study_id, "run_pk": run.pk}),
        job=run,
        poll=request.path,
        oob=True,
    )


@require_http_methods(["GET", "POST"])
def run_delete(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """Delete a built profile with its pages and plans, after a confirmation page (owners;
    audited). A profile still being built is not deleted: its worker would write it back."""
    run = run_for(request, pk, run_pk, need="manage", light=True)
    run.sync_with_task()
    study = run.study
    plans = run.plans.exclude(status__in=(ResearchPlan.Status.DONE, ResearchPlan.Status.FAILED))
    busy = not run.is_finished or plans.exists()
    form = DeleteRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not busy and form.is_valid():
        audit(
            request,
            AuditEvent.Action.DELETED,
            study,
            {"what": "profile run", "run": run.pk, "revision": run.revision.number},
        )
        number = run.pk
        run.delete()
        messages.success(
            request,
            gettext("Profile no. %(number)s was deleted.") % {"number": number},
        )
        return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + "#runs")
    context = {"study": study, "run": run, "form": form, "busy": busy}
    status = 400 if request.method == "POST" else 200
    return render(request, "studies/study/delete_run.html", context, status=status)


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


def _priority_rows(
    profile: Profile, document: StudyDocument, sort: str
) -> tuple[Any, list[dict[str, Any]]]:
    """The priority block of a published profile and its ranked segments, sorted, with the
    team's notes."""
    ranked = _ranked(profile)
    rows = ranked["rows"]
    rows.sort(key=lambda row: _PRIORITY_SORTS[sort](row["segment"]))
    notes = {n.segment: n for n in document.segment_notes}
    top = set(ranked["priority"].top) if ranked["priority"] is not None else set()
    for row in rows:
        row["top"] = row["segment"].key in top
        row["note"] = notes.get(row["segment"].key)
        bz = row["segment"].blind_zone  # as the reasons write it: «менее 1 %», never «0 %»
        row["blind"] = share_percent(bz.share) if bz is not None and bz.share is not None else ""
    return ranked["priority"], rows


def _priorities_page(
    request: HttpRequest,
    run: ProfileRun,
    *,
    form: PriorityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    study = run.study
    sort = request.GET.get("sort", "rank")
    if sort not in _PRIORITY_SORTS:
        sort = "rank"
    current = current_revision(study)  # the forms' base revision
    document = runs.rule_document(run)
    published = runs.published(run)
    priority, rows = _priority_rows(published, document, sort)
    can = study_capabilities(request, study)
    if form is None and can.edit:
        form = PriorityForm(initial=PriorityForm.initial_of(current.to_document()))
    context = {
        "study": study,
        "can": can,
        "run": run,
        "priority": priority,
        "rows": rows,
        "overlaps_hidden": priority is not None and any(o.both is None for o in priority.overlaps),
        "audience": published.audience,
        "names": runs.labels(run),
        "records": profile_unit(published).records,  # capacity is records, not clients
        "min_cell": document.segmentation.min_cell,
        "sort": sort,
        "next": request.get_full_path(),
        "chart": runs.chart(run, runs.PRIORITY_QUADRANT) or None,
        "priority_form": form,
        "part_names": PRIORITY_PARTS,
        "edit_base": getattr(study, "edit_base", None),
    }
    return render(request, "studies/study/priorities.html", context, status=status)


@require_GET
def run_priorities(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """M-6: every ranked segment, sortable, with the quadrant chart and sponsor-focus inputs."""
    return _priorities_page(request, run_for(request, pk, run_pk, pages=True, done=True))


@require_POST
def priority_preview(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """HTMX: the ranking and its sensitivity as the run's profile would give them with the
    threshold and weights being typed (worked out again from the stored profile, not the data;
    published before it is shown)."""
    run = run_for(request, pk, run_pk, light=True, done=True)
    form = PriorityForm(request.POST)
    page = reverse("studies:run_priorities", kwargs={"pk": run.study.pk, "run_pk": run.pk})
    context: dict[str, Any] = {
        "study": run.study,
        "run": run,
        "preview": True,
        "form": form,
        "can": study_capabilities(request, run.study),  # the sponsor-focus forms, as on the page
        "next": page,
        "sort": "rank",
    }
    if form.is_valid():
        data = revision_document(run.revision).model_dump(mode="json")
        form.change(data)
        try:
            document = pipeline.study_from_data(data, source="форма")
        except SegprofileError as exc:
            context["error"] = str(exc)
        else:
            profile = pipeline.reprioritised(computed_profile(run), document)
            published = pipeline.published_profile(profile, document)
            priority, rows = _priority_rows(published, document, "rank")
            context |= {
                "priority": priority,
                "rows": rows,
                "names": runs.labels(run),
                "records": profile_unit(published).records,
                "min_cell": document.segmentation.min_cell,
                "part_names": PRIORITY_PARTS,
                # The chart drawn again with these weights (the ranks on it change with them).
                "chart": pipeline.priority_quadrant_svg(published, document),
            }
    return render(request, "studies/study/_priority_ranking.html", context)


@require_POST
def priority_save(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """Save the low-satisfaction threshold and the weights as a revision (M-6)."""
    run = run_for(request, pk, run_pk, need="edit", pages=True, done=True)
    study = run.study
    form = PriorityForm(request.POST)
    if form.is_valid() and sections.save_part(
        request,
        study,
        form.change,
        comment=gettext("Priority threshold and weights"),
        form=form,
        prefix="priority",
    ):
        page = reverse("studies:run_priorities", kwargs={"pk": study.pk, "run_pk": run.pk})
        return redirect(page + "#priority-settings")
    return _priorities_page(request, run, form=form, status=400)


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
        # The segment as pages name it («Канал подачи: офис»), not its key.
        name = segment_name(document.features, key)
        comment = gettext("Sponsor focus of the segment «%(segment)s»") % {"segment": name}
        revision = study.add_revision(document, author=request.user, comment=comment)
        # The reason typed, masked as every typed text is: the message says what was replaced.
        messages.success(request, sections.saved_message(revision))
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("studies:detail", pk=study.pk)


@require_GET
def run_html(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    run = _finished_run(request, pk, run_pk)
    runs.ensure(run)  # published again if the study's min_cell was raised since
    audit_export(request, run, "html")
    return report_download(run, run.html, "html", "text/html; charset=utf-8")


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
    return report_download(run, text, "json", "application/json; charset=utf-8")


# --- issue 19: roles and audiences (M-2), segmentation settings (M-4…M-6), priority (M-6) --------

_SECTIONS = {
    "roles": "studies/study/sections/_roles.html",
    "settings": "studies/study/sections/_settings.html",
}


def _settings_context(study: Study, document: StudyDocument) -> dict[str, Any]:
    """What the roles and settings sections show besides the document (names, not values)."""
    return {
        "feature_labels": {f.id: f.label for f in document.features},
        "source_titles": {s.id: s.title or s.id for s in document.data_sources},
        "client_source": document.client_records(),
    }


def _section(
    request: HttpRequest, study: Study, name: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """One section of the study page alone, for HTMX: shown (200) or with its form refused
    (400, in place of the section)."""
    revision, document = current_document(study)
    context = {
        "study": study,
        "can": study_capabilities(request, study),
        "revision": revision,
        "document": document,
        "acts": {act.id: act for act in document.scope.legal_acts},
        **_settings_context(study, document),
        **extra,
    }
    response = render(request, _SECTIONS[name], context, status=status)
    return htmx.replace(response, f"#{name}") if status >= 400 else response


def _saved(request: HttpRequest, study: Study, name: str) -> HttpResponse:
    """After a save: the section again (HTMX) or the page at the section (a browser's POST)."""
    if htmx.is_htmx(request):
        return _section(request, study, name)
    return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + f"#{name}")


def _refused(request: HttpRequest, study: Study, name: str, **extra: Any) -> HttpResponse:
    """A refused form with its errors beside the fields: in place (HTMX) or in the page, 400.
    The form keeps the revision it began from, so the next try still merges."""
    extra["edit_base"] = getattr(study, "edit_base", None)
    if htmx.is_htmx(request):
        return _section(request, study, name, status=400, **extra)
    return _detail_page(request, study, status=400, extra=extra)


def _role_title(document: StudyDocument, role_id: str) -> str:
    """A role as revision comments name it: its title (its identifier only if it has none)."""
    return next((r.title for r in document.roles if r.id == role_id and r.title), role_id)


def _role_index(document: StudyDocument, role_id: str) -> int:
    for index, role in enumerate(document.roles):
        if role.id == role_id:
            return index
    raise Http404


@require_GET
def roles_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The roles section as it is (the «Cancel» of its forms)."""
    return _section(request, study_for(request, pk, need="view"), "roles")


@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int, role_id: str | None = None) -> HttpResponse:
    """A role with its audience (M-2): its form in place (GET), added or changed (POST)."""
    study = study_for(request, pk, need="edit")
    document = sections.base_document(study)
    index = _role_index(document, role_id) if role_id is not None else None
    editing = role_id or "new"
    if request.method == "GET":
        role = document.roles[index] if index is not None else None
        rows = len(role.audience.legal_basis) if role and role.audience else 0
        initial = RoleForm.initial_of(role) if role else {}
        form = RoleForm(initial=initial, document=document, basis_rows=rows)
        return _section(request, study, "roles", role_form=form, editing=editing)
    columns = pipeline.rule_columns_of(services.workspace_for(study), document)
    form = RoleForm(request.POST, document=document, rule_columns=columns)
    if form.is_valid():

        def change(data: dict[str, Any]) -> None:
            roles = data["roles"]
            if role_id is None:
                taken = [r["id"] for r in roles]
                roles.append(form.role_data(pipeline.new_role_id(taken, form.cleaned_data["kind"])))
                return
            for i, role in enumerate(roles):
                if role["id"] == role_id:
                    roles[i] = form.role_data(role_id)
                    return
            raise NotFound(gettext("The role was deleted meanwhile; add it again."))

        prefix = f"roles[{index if index is not None else len(document.roles)}]"
        title = form.cleaned_data["title"]
        comment = gettext("Role «%(role)s»") % {"role": title}
        if sections.save_part(request, study, change, comment=comment, form=form, prefix=prefix):
            return _saved(request, study, "roles")
    return _refused(request, study, "roles", role_form=form, editing=editing)


@require_POST
def role_delete(request: HttpRequest, pk: int, role_id: str) -> HttpResponse:
    """Delete a role: refused, with the steps named, while journey steps name it."""
    study = study_for(request, pk, need="edit")
    base = sections.base_document(study)
    _role_index(base, role_id)  # 404 for a role that is not there
    form = forms.Form(request.POST)
    form.is_valid()
    change = sections.on_model(lambda document: pipeline.delete_role(document, role_id))
    comment = gettext("Role «%(role)s» deleted") % {"role": _role_title(base, role_id)}
    if sections.save_part(request, study, change, comment=comment, form=form):
        return _saved(request, study, "roles")
    return _refused(request, study, "roles", delete_form=form, deleting=role_id)


def _settings_form(study: Study, document: StudyDocument, data: Any = None) -> SettingsForm:
    source = document.client_records()
    columns: list[str] = []
    numeric: list[str] = []
    if source is not None:
        ws = services.workspace_for(study)
        columns = pipeline.imported_columns(ws, document).get(source.id, [])
        numeric = pipeline.imported_numeric_columns(ws, document, source.id)
    initial = SettingsForm.initial_of(document)
    return SettingsForm(
        data, initial=initial, document=document, columns=columns, numeric_columns=numeric
    )


@require_GET
def settings_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The settings section as it is (the «Cancel» of its form)."""
    return _section(request, study_for(request, pk, need="view"), "settings")


@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Segmentation settings, the satisfaction rating and the clients' id: the form in place
    (GET), saved (POST)."""
    study = study_for(request, pk, need="edit")
    document = sections.base_document(study)
    if request.method == "GET":
        return _section(request, study, "settings", settings_form=_settings_form(study, document))
    form = _settings_form(study, document, request.POST)
    if form.is_valid() and sections.save_part(
        request,
        study,
        form.change,
        comment=gettext("Segmentation settings"),
        form=form,
        prefix="segmentation",
    ):
        return _saved(request, study, "settings")
    return _refused(request, study, "settings", settings_form=form)
