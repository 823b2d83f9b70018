"""Views of journeys and recommendations (M-11, M-12): blueprints, metrics, exchange.

Thin: access through ``access.study_for``; metrics, blueprints, suggestions, export and import come
from ``segprofile.pipeline`` / ``analysis`` / ``report``; every change is a new revision.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from segprofile import pipeline
from segprofile.errors import NotFound, SegprofileError
from segprofile.model import journey_edit
from segprofile.model.diff import name_items
from segprofile.model.journey_edit import JourneyEditError
from segprofile.model.journey_links import journey_links
from segprofile.model.study import Journey, JourneyKind
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import decisions
from segprofile.web.studies import drawings, htmx, runs, sections
from segprofile.web.studies.access import study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.journeys import JourneyForm, NewJourneyForm, StepForm
from segprofile.web.studies.models import (
    AuditEvent,
    EditConflictError,
    ProfileRun,
    Study,
    StudyRevision,
)
from segprofile.web.studies.views.common import attachment, current_document, latest_run
from segprofile.web.studies.views.research import KIND_LABELS, STATUS_LABELS, latest_profile

JOURNEY_KIND_LABELS: dict[str, Any] = {"current": _("current"), "target": _("target")}
RECOMMENDATION_KIND_LABELS: dict[str, Any] = {
    "optimisation": _("journey optimisation"),
    "personalisation": _("personalisation"),
    "informing": _("informing"),
}
BACKING_LABELS: dict[str, Any] = {
    "no_data": _("no data"),
    "partial": _("partly"),
    "confirmed": _("confirmed by research"),
}
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "bpmn": "application/xml; charset=utf-8",
}


def _journeys_page(
    request: HttpRequest,
    study: Study,
    *,
    import_error: str = "",
    export_error: str = "",
    status: int = 200,
    editing: tuple[str, str] | None = None,
    form: StepForm | JourneyForm | None = None,
    conflict: bool = False,
    adding: str | None = None,
    new_form: NewJourneyForm | None = None,
) -> HttpResponse:
    """The journeys page; ``editing`` (journey, step) opens a step's form in place (the step
    ``""``: the journey's own form — kind, title, segments) and ``adding`` a journey's new-step
    form (the no-JavaScript way to the forms). ``form``: the form as it was sent (with what was
    typed and its errors); ``conflict``: someone else changed the journey meanwhile, so the
    journey as it is now is shown beside it. ``new_form``: the new-journey form as it was sent."""
    revision, document = current_document(study)
    run = latest_run(study)
    labels = runs.labels(run)
    can_edit = study.can_edit(request.user)
    journeys: list[dict[str, Any]] = []
    for j in document.journeys:
        extra: dict[str, Any] = {}
        if editing and editing[0] == j.id:
            focus = "error" if form is not None and form.errors else ""
            extra = {"editing": editing[1], "form": form, "conflict": conflict, "focus": focus}
        elif adding == j.id:
            extra = {"add_form": StepForm(document=document, auto_id=_form_ids(j.id, None))}
        journeys.append(
            _journey_context(
                document,
                j,
                labels,
                study_pk=study.pk,
                revision=revision.number,
                can_edit=can_edit,
                **extra,
            )
        )
    context = {
        "study": study,
        "document": document,
        "run": run,
        "journeys": journeys,
        "import_error": import_error,
        "export_error": export_error,
        "empty_journeys": [j.title for j in document.journeys if not j.steps],
        "no_journeys": not document.journeys,
        "formats": pipeline.JOURNEY_FORMATS,
        "revision": revision.number,
        "can_edit": can_edit,
        "new_form": (new_form or _new_journey_form(document, labels)) if can_edit else None,
        "focus_error": new_form is not None,
        **_shared_context(document, run, labels),
    }
    return render(request, "studies/journeys/journeys.html", context, status=status)


def _shared_context(
    document: StudyDocument, run: ProfileRun | None, labels: dict[str, str]
) -> dict[str, Any]:
    """What the page shows besides the journeys: the comparison and the recommendations."""
    comparisons = [
        {"c": c, "segment": labels.get(c.segment, c.segment) if c.segment else ""}
        for c in pipeline.compare_journeys(document)
    ]
    # Labelled by the profile's segments (the run's stored labels), when there is one.
    suggested = pipeline.suggested_recommendations(
        document, segment_labels=labels if run is not None else None
    )
    return {
        "document": document,  # hypotheses named by number (studies_tags.hypothesis_name)
        "comparisons": comparisons,
        "suggested": _recommendation_rows(suggested),
        "recommendations": _recommendation_rows(document.recommendations),
        "problems": {h.id: h.statement for h in document.hypotheses},
        # No suggestion: because no problem is confirmed yet, or every one is covered.
        "confirmed": bool(decisions.confirmed_problems(document)),
    }


def _recommendation_rows(recommendations: list[Any]) -> list[dict[str, Any]]:
    return [
        {"rec": r, "kind": RECOMMENDATION_KIND_LABELS.get(r.kind.value, r.kind.value)}
        for r in recommendations
    ]


@require_GET
def journeys_page(request: HttpRequest, pk: int) -> HttpResponse:
    """M-12, M-11: blueprints, metrics, current → target, recommendations, exchange."""
    return _journeys_page(request, study_for(request, pk, need="view"))


@require_POST
def recommendations_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the chosen suggested recommendations to the study: a new revision (M-11)."""
    study = study_for(request, pk, need="edit")
    ids = request.POST.getlist("id")
    back = reverse("studies:journeys", kwargs={"pk": study.pk}) + "#recommendations"
    if not ids:
        messages.error(request, gettext("Choose at least one suggestion."))
        return redirect(back)
    _, profile = latest_profile(study)
    try:
        accepted = pipeline.accept_recommendations(
            study.current_revision().to_document(), ids, profile
        )
    except SegprofileError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if not accepted.ids:  # every one chosen is worded as a recommendation already there
        messages.error(request, sections.nothing_accepted())
        return redirect(back)
    document = accepted.study
    comment = gettext("Suggested recommendations accepted: %(names)s") % {
        "names": name_items(document.model_dump(mode="json"), "recommendations", accepted.ids),
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    messages.success(
        request, sections.saved_message(revision) + sections.skipped_note(accepted.skipped)
    )
    return redirect(back)


@require_GET
def journeys_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The study's journeys as CSV or BPMN 2.0 XML."""
    study = study_for(request, pk, need="view")
    if fmt not in _CONTENT_TYPES:
        raise Http404
    document: StudyDocument = study.current_revision().to_document()
    try:
        content = pipeline.export_journeys(document, fmt)
    except SegprofileError as exc:  # an empty journey has no rows: the page says which
        return _journeys_page(request, study, export_error=str(exc), status=exc.http_status)
    response = attachment("", f"{study.slug}-journeys.{fmt}", _CONTENT_TYPES[fmt])
    response.content = content
    audit(request, AuditEvent.Action.EXPORT, study, {"format": fmt, "what": "journeys"})
    return response


@require_POST
def journeys_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Journeys from a CSV or BPMN file: a new revision; a bad file changes nothing."""
    study = study_for(request, pk, need="edit")
    upload = request.FILES.get("file")
    fmt = request.POST.get("format", "")
    if upload is None:
        return _journeys_page(
            request, study, import_error=gettext("Choose a file to import."), status=400
        )
    if fmt not in pipeline.JOURNEY_FORMATS:
        fmt = "bpmn" if upload.name.lower().endswith((".bpmn", ".xml")) else "csv"
    # The bytes are read into memory once; a large upload's temporary file (in the private
    # staging area) is deleted at once, whatever happens — only the parsed journeys are kept.
    try:
        if upload.size is not None and upload.size > settings.SEGPROFILE_MAX_STUDY_BYTES:
            return _journeys_page(
                request, study, import_error=gettext("The file is too large."), status=400
            )
        data = upload.read()
    finally:
        upload.close()
    try:
        # Parsed in a child process with memory and time limits, like every uploaded file.
        result = pipeline.run_isolated(
            pipeline.import_journeys,
            study.current_revision().to_document(),
            data,
            fmt,
            source=upload.name,
            file=upload.name,
        )
    except SegprofileError as exc:
        # The refusal may quote the file (a task's name, a cell, the file's name): masked.
        error = pipeline.mask_comment(str(exc))
        return _journeys_page(request, study, import_error=error, status=exc.http_status)
    document = result.study
    comment = gettext("Customer journeys imported from the file %(file)s") % {
        "file": pipeline.mask_file_name(upload.name or ""),
    }
    revision = study.add_revision(document, author=request.user, comment=comment)
    # The file's step texts were masked on reading (the import's own count, said whether or
    # not anything was found), the rest of the revision as every edit's.
    messages.success(
        request,
        sections.saved_message(revision)
        + " "
        + gettext("In the step texts %(masked)s.") % {"masked": result.masked_summary},
    )
    return redirect(reverse("studies:journeys", kwargs={"pk": study.pk}))


# --- The journey editor (M-12) ------------------------------------------------------------------
# Every change is one small operation of ``model.journey_edit`` stored as a new revision. A form
# carries the revision its journey was shown from; the change is merged part by part with what
# others saved since, like every edit: when the journey itself changed meanwhile, the change is
# refused with the fresh journey and nothing is overwritten; changes elsewhere are kept.
# With HTMX the answer is the journey's section (metrics, blueprint, steps) plus out-of-band
# updates of the comparison, the recommendations and a status line; without it, a redirect.


def _journey_context(
    document: StudyDocument,
    journey: Journey,
    labels: dict[str, str],
    *,
    study_pk: int,
    revision: int,
    can_edit: bool,
    editing: str | None = None,
    form: StepForm | JourneyForm | None = None,
    add_form: StepForm | None = None,
    error: str = "",
    focus: str = "",
    conflict: bool = False,
) -> dict[str, Any]:
    """One journey's section. ``editing``: a step id (its form in place of the step) or ``""``
    (the journey's own form — kind, title, segments — in place of its head)."""
    roles = {r.id: r.title for r in document.roles}
    levels = document.service_levels
    links = journey_links(document, journey)
    # A step's URLs differ only in the step id (an identifier: nothing to quote), so each is
    # reversed once per journey — {% url %} for every step of every journey is a page's worth.
    urls = {
        name: reverse(
            f"studies:journey_step_{name}",
            kwargs={"pk": study_pk, "journey_id": journey.id, "step_id": _STEP},
        )
        for name in ("move", "edit", "delete")
    }
    # Problems open on the hypotheses page (#h-<id>), recommendations on theirs (#rec-<id>).
    hypotheses_url = reverse("studies:hypotheses", kwargs={"pk": study_pk})
    recommendations_url = reverse("studies:recommendations", kwargs={"pk": study_pk})
    steps = []
    for number, (step, link) in enumerate(zip(journey.steps, links.steps, strict=True), start=1):
        level = step.service_level
        steps.append(
            {
                "step": step,
                "move_url": urls["move"].replace(_STEP, step.id),
                "edit_url": urls["edit"].replace(_STEP, step.id),
                "delete_url": urls["delete"].replace(_STEP, step.id),
                "number": number,
                "role": roles.get(step.role or "", step.role or ""),
                "level": levels[level - 1] if level is not None and level <= len(levels) else "",
                "problems": [
                    {
                        "hyp": h,
                        "kind": KIND_LABELS.get(h.kind.value, h.kind.value),
                        "status": STATUS_LABELS.get(h.status.value, h.status.value),
                        "url": f"{hypotheses_url}#h-{h.id}",
                    }
                    for h in link.problems
                ],
                "missing": link.missing,
                "recommendations": link.recommendations,
                "backing": link.backing.value,
                "backing_label": BACKING_LABELS[link.backing.value],
                "editing": step.id == editing,
                # The step as saved now, beside the form of a refused edit (both versions).
                "conflict": conflict and step.id == editing,
                "form": (
                    form
                    if isinstance(form, StepForm) and step.id == editing
                    else StepForm(
                        initial=StepForm.initial_from(step),
                        document=document,
                        auto_id=_form_ids(journey.id, step.id),
                    )
                    if step.id == editing
                    else None
                ),
            }
        )
    if add_form is None and editing is None and can_edit and not journey.steps:
        # An empty journey shows its new-step form at once: adding a step is what is next.
        add_form = StepForm(document=document, auto_id=_form_ids(journey.id, None))
    head_form = None
    if editing == "":
        head_form = (
            form
            if isinstance(form, JourneyForm)
            else _journey_form(document, labels, journey=journey)
        )
    return {
        "journey": journey,
        "kind": JOURNEY_KIND_LABELS.get(journey.kind.value, journey.kind.value),
        "segments": [
            labels.get(k) or pipeline.segment_key_label(document, k) for k in journey.segments
        ],
        "metrics": pipeline.journey_metrics(journey, document.service_levels),
        # An empty journey has nothing to draw: the section says so instead.
        "svg": drawings.blueprint(document, journey.id, labels) if journey.steps else "",
        "steps": steps,
        "recommendations": links.recommendations,
        "recommendations_url": recommendations_url,
        "revision": revision,
        "can_edit": can_edit,
        # The journey's own form (kind, title, segments) in place of its head, and — after a
        # refused save because someone changed the journey meanwhile — the journey as saved now.
        "head_form": head_form,
        "head_conflict": conflict and editing == "",
        # The new-step form is rendered only when open (with errors, or without JavaScript);
        # otherwise the page fetches it when «Add a step» is opened (journey_step_add_form).
        "add_form": add_form,
        "add_open": add_form is not None,
        "error": error,
        "focus": focus,
    }


_STEP = "~step~"
"""Stands for the step id in a reversed URL; never an identifier (``~`` is not allowed)."""


def _form_ids(journey_id: str, step_id: str | None) -> str:
    """Field ids unique on the page: each journey has its own add form and edit forms."""
    if step_id is None:
        return f"add-{journey_id}-%s"
    return f"edit-{journey_id}-{step_id}-%s"


def _segment_choices(
    document: StudyDocument, labels: dict[str, str], extra: list[str] | None = None
) -> list[tuple[str, str]]:
    """Segments to offer for a journey: the sponsor's focus first, then those of hypotheses,
    then the latest profile's (by their names there), then ``extra`` (the journey's own)."""
    keys: list[str] = [n.segment for n in document.segment_notes if n.sponsor_focus]
    for hyp in document.hypotheses:
        keys.extend(hyp.segments)
    keys.extend(labels)
    keys.extend(extra or [])
    focus = {n.segment for n in document.segment_notes if n.sponsor_focus}
    out = []
    for key in dict.fromkeys(keys):
        label = labels.get(key) or pipeline.segment_key_label(document, key)
        if key in focus:
            label = gettext("%(segment)s (sponsor focus)") % {"segment": label}
        out.append((key, label))
    return out


def _new_journey_form(
    document: StudyDocument, labels: dict[str, str], data: Any = None
) -> NewJourneyForm:
    """The new-journey form: the current journey first, then target ones copied from it."""
    current = next((j for j in document.journeys if j.kind is JourneyKind.current), None)
    kind = JourneyKind.target if current is not None else JourneyKind.current
    return NewJourneyForm(
        data,
        auto_id="new-journey-%s",
        document=document,
        segment_choices=_segment_choices(document, labels),
        initial={
            "kind": kind.value,
            "source": current.id if current is not None and current.steps else "",
            "title": gettext("Target journey") if current else gettext("Current journey"),
        },
    )


def _journey_form(
    document: StudyDocument, labels: dict[str, str], *, journey: Journey, data: Any = None
) -> JourneyForm:
    """The form of a journey's kind, title and segments, filled with what is saved."""
    return JourneyForm(
        data,
        auto_id=f"journey-{journey.id}-%s",
        segment_choices=_segment_choices(document, labels, journey.segments),
        initial={
            "kind": journey.kind.value,
            "title": journey.title,
            "segments": list(journey.segments),
        },
    )


def _editable(request: HttpRequest, pk: int) -> Study:
    return study_for(request, pk, need="edit")


def _base(request: HttpRequest) -> int | None:
    text = request.POST.get("revision", "")
    return int(text) if text.isdigit() else None


def _find(document: StudyDocument, journey_id: str) -> Journey | None:
    return next((j for j in document.journeys if j.id == journey_id), None)


def _stale_message(study: Study, conflict: EditConflictError) -> str:
    revision = study.revisions.select_related("author").get(number=conflict.changed_in)
    author = revision.author.get_username() if revision.author is not None else "—"
    return gettext(
        "The journey was changed in revision %(number)s (%(author)s) after you opened it. "
        "Your change was not saved; the journey is shown as it is now — check it and repeat."
    ) % {"number": revision.number, "author": author}


def _apply(
    request: HttpRequest,
    study: Study,
    journey_id: str,
    change: Any,
    comment: str,
    *,
    check_base: bool = True,
) -> tuple[StudyRevision, Any]:
    """Apply ``change(document)`` → ``(document, extra)`` and store it as a new revision;
    returns the revision (what was masked in the typed texts is on it: ``masked_list``) and
    ``extra``.

    What was typed is masked as an imported journey is, and so is the comment that quotes it,
    before anything is stored (``Study.add_revision``, the one place for every edit).

    ``check_base``: the change is to the journey as the form showed it, so it is applied to the
    form's revision; otherwise (add, move, copy: relative to the journey as it is now) to the
    latest. Either way what others saved since is merged part by part, as for every edit
    (``Study.add_revision``): a journey changed on both sides raises :class:`EditConflictError`
    and nothing is saved. The operation's refusals are :class:`SegprofileError`.
    """
    latest = study.current_revision()
    base = _base(request) if check_base else None
    start = latest
    if base is not None and base < latest.number:
        start = study.revisions.filter(number=base).first() or latest
    before = start.to_document()
    document, extra = change(before)
    if document == before:
        return latest, extra
    revision = study.add_revision(
        document,
        author=request.user,
        comment=capfirst(comment),  # «Изменён шаг …»: the author is the revision's own column
        base=start.number,
    )
    return revision, extra


def _journey_response(
    request: HttpRequest,
    study: Study,
    journey_id: str,
    *,
    status: int = 200,
    message: str = "",
    created: bool = False,
    **extra: Any,
) -> HttpResponse:
    """The journey's section and the out-of-band parts of the page that depend on it.

    ``created`` — the section is new (appended to the list).
    """
    revision, document = current_document(study)
    run = latest_run(study)
    labels = runs.labels(run)
    journey = _find(document, journey_id)
    context = {
        "study": study,
        "row": (
            _journey_context(
                document,
                journey,
                labels,
                study_pk=study.pk,
                revision=revision.number,
                can_edit=True,
                **extra,
            )
            if journey is not None
            else None
        ),
        "message": message,
        "created": created,
        # Fresh when the journeys one may copy changed: one created or deleted, or one that
        # got its first step or lost its last (an empty journey has nothing to copy).
        "new_form": (
            _new_journey_form(document, labels)
            if created or journey is None or len(journey.steps) <= 1
            else None
        ),
        "no_journeys": not document.journeys,
        "empty_journeys": [j.title for j in document.journeys if not j.steps],
        "formats": pipeline.JOURNEY_FORMATS,
        "can_edit": True,
        "oob": True,
        "revision": revision.number,
        **_shared_context(document, run, labels),
    }
    return render(request, "studies/journeys/_journey_update.html", context, status=status)


def _done(
    request: HttpRequest,
    study: Study,
    journey_id: str,
    revision: StudyRevision,
    text: str,
    **kw: Any,
) -> HttpResponse:
    saved = sections.saved_message(revision)  # with what of the typed texts was masked
    if htmx.is_htmx(request):
        return _journey_response(request, study, journey_id, message=f"{text} {saved}", **kw)
    messages.success(request, f"{text} {saved}")
    return redirect(_anchor(study, journey_id))


def _refused(
    request: HttpRequest,
    study: Study,
    journey_id: str,
    error: str,
    status: int,
) -> HttpResponse:
    if htmx.is_htmx(request):
        response = _journey_response(
            request, study, journey_id, status=status, error=error, message=error
        )
        return response
    messages.error(request, error)
    return redirect(_anchor(study, journey_id))


def _anchor(study: Study, journey_id: str) -> str:
    return reverse("studies:journeys", kwargs={"pk": study.pk}) + f"#j-{journey_id}"


def _journey_name(study: Study, journey_id: str) -> str:
    """A journey as the revision log names it: its title (its id only when it is gone)."""
    journey = _find(study.current_revision().to_document(), journey_id)
    return journey.title if journey is not None else journey_id


def _step_title(document: StudyDocument, journey_id: str, step_id: str) -> str:
    journey = _find(document, journey_id)
    step = next((s for s in journey.steps if s.id == step_id), None) if journey else None
    return step.title if step is not None else step_id


@require_GET
def journey_fragment(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """One journey's section as it is now (the editor's «Cancel»)."""
    study = study_for(request, pk, need="view")
    if not htmx.is_htmx(request):
        return redirect(_anchor(study, journey_id))
    if _find(study.current_revision().to_document(), journey_id) is None:
        raise Http404
    return _journey_response(request, study, journey_id, focus=request.GET.get("focus", ""))


@require_GET
def journey_step_edit(request: HttpRequest, pk: int, journey_id: str, step_id: str) -> HttpResponse:
    """The form of one step, in place of the step (HTMX) or on the page."""
    study = _editable(request, pk)
    document = study.current_revision().to_document()
    journey = _find(document, journey_id)
    if journey is None or all(s.id != step_id for s in journey.steps):
        raise Http404
    if not htmx.is_htmx(request):
        return _journeys_page(request, study, editing=(journey_id, step_id))
    return _journey_response(request, study, journey_id, editing=step_id, focus="form")


@require_GET
def journey_step_add_form(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """The empty form of a new step: the fragment «Add a step» fetches (HTMX), or the page with
    the form open (without JavaScript)."""
    study = _editable(request, pk)
    revision = study.current_revision()
    document = revision.to_document()
    journey = _find(document, journey_id)
    if journey is None:
        raise Http404
    if not htmx.is_htmx(request):
        return _journeys_page(request, study, adding=journey_id)
    context = {
        "study": study,
        "j": journey,
        "row": {"revision": revision.number, "focus": ""},
        "form": StepForm(document=document, auto_id=_form_ids(journey_id, None)),
    }
    return render(request, "studies/journeys/_add_step.html", context)


def _step_form_error(
    request: HttpRequest,
    study: Study,
    journey_id: str,
    form: StepForm,
    *,
    step_id: str | None,
    status: int = 422,
) -> HttpResponse:
    """The step's form again with what was typed and its errors (HTMX: the journey's section;
    without JavaScript: the whole page with the form open). A conflict (409) shows the step as
    saved now beside the form."""
    conflict = status == 409
    if not htmx.is_htmx(request):
        if step_id is None:
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            messages.error(request, errors)
            return redirect(_anchor(study, journey_id))
        return _journeys_page(
            request,
            study,
            editing=(journey_id, step_id),
            form=form,
            conflict=conflict,
            status=status,
        )
    extra: dict[str, Any] = (
        {"editing": step_id, "form": form, "conflict": conflict}
        if step_id is not None
        else {"add_form": form}
    )
    return _journey_response(request, study, journey_id, status=status, focus="error", **extra)


def _save_step(request: HttpRequest, pk: int, journey_id: str, step_id: str | None) -> HttpResponse:
    study = _editable(request, pk)
    document = study.current_revision().to_document()
    if _find(document, journey_id) is None:
        raise Http404
    form = StepForm(request.POST, document=document, auto_id=_form_ids(journey_id, step_id))
    if not form.is_valid():
        return _step_form_error(request, study, journey_id, form, step_id=step_id)
    values = form.step_values()
    title = values["title"]
    try:
        if step_id is None:
            position = request.POST.get("position", "")

            def add(doc: StudyDocument) -> tuple[StudyDocument, str]:
                return journey_edit.add_step(
                    doc,
                    journey_id,
                    values,
                    position=int(position) if position.isdigit() else None,
                )

            revision, new_id = _apply(
                request,
                study,
                journey_id,
                add,
                gettext("added the step «%(step)s» to the journey «%(journey)s»")
                % {"step": title, "journey": _journey_name(study, journey_id)},
                check_base=False,
            )
            title = _step_title(revision.to_document(), journey_id, new_id)
            text = gettext("The step «%(step)s» was added.") % {"step": title}
            return _done(request, study, journey_id, revision, text, focus=f"{new_id}:edit")

        def update(doc: StudyDocument) -> tuple[StudyDocument, None]:
            return journey_edit.update_step(doc, journey_id, step_id, values), None

        revision, _ = _apply(
            request,
            study,
            journey_id,
            update,
            gettext("changed the step «%(step)s» of the journey «%(journey)s»")
            % {"step": title, "journey": _journey_name(study, journey_id)},
        )
    except EditConflictError as conflict:
        form.add_error(None, _stale_message(study, conflict))
        return _step_form_error(request, study, journey_id, form, step_id=step_id, status=409)
    except JourneyEditError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc))
        return _step_form_error(request, study, journey_id, form, step_id=step_id)
    except NotFound as exc:
        return _refused(request, study, journey_id, str(exc), exc.http_status)
    title = _step_title(revision.to_document(), journey_id, step_id)
    text = gettext("The step «%(step)s» was saved.") % {"step": title}
    return _done(request, study, journey_id, revision, text, focus=f"{step_id}:edit")


@require_POST
def journey_step_add(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """Add a step to a journey: a new revision."""
    return _save_step(request, pk, journey_id, None)


@require_POST
def journey_step_save(request: HttpRequest, pk: int, journey_id: str, step_id: str) -> HttpResponse:
    """Save a step's fields: a new revision."""
    return _save_step(request, pk, journey_id, step_id)


def _operate(
    request: HttpRequest,
    study: Study,
    journey_id: str,
    change: Any,
    comment: str,
    done: Any,
    *,
    check_base: bool = True,
) -> HttpResponse:
    """Run an operation without a form; a refusal is shown in the journey's section."""
    try:
        revision, extra = _apply(request, study, journey_id, change, comment, check_base=check_base)
    except EditConflictError as conflict:
        return _refused(request, study, journey_id, _stale_message(study, conflict), 409)
    except SegprofileError as exc:
        return _refused(request, study, journey_id, str(exc), exc.http_status)
    text, focus = done(extra)
    return _done(request, study, journey_id, revision, text, focus=focus)


@require_POST
def journey_step_delete(
    request: HttpRequest, pk: int, journey_id: str, step_id: str
) -> HttpResponse:
    """Delete a step (never the last one): a new revision."""
    study = _editable(request, pk)
    document = study.current_revision().to_document()
    title = _step_title(document, journey_id, step_id)
    journey = _find(document, journey_id)
    ids = [s.id for s in journey.steps] if journey is not None else []
    after = (
        ids[ids.index(step_id) + 1] if step_id in ids[:-1] else (ids[-2] if len(ids) > 1 else "")
    )

    def delete(doc: StudyDocument) -> tuple[StudyDocument, None]:
        return journey_edit.delete_step(doc, journey_id, step_id), None

    return _operate(
        request,
        study,
        journey_id,
        delete,
        gettext("deleted the step «%(step)s» of the journey «%(journey)s»")
        % {"step": title, "journey": _journey_name(study, journey_id)},
        lambda _: (
            gettext("The step «%(step)s» was deleted.") % {"step": title},
            f"{after}:edit" if after else "add",
        ),
    )


@require_POST
def journey_step_move(request: HttpRequest, pk: int, journey_id: str, step_id: str) -> HttpResponse:
    """Move a step one place up or down (the keyboard way to reorder): a new revision."""
    study = _editable(request, pk)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return _refused(request, study, journey_id, gettext("Unknown direction of a move."), 400)
    offset = -1 if direction == "up" else 1
    title = _step_title(study.current_revision().to_document(), journey_id, step_id)

    def move(doc: StudyDocument) -> tuple[StudyDocument, tuple[int, int]]:
        moved, where = journey_edit.move_step(doc, journey_id, step_id, offset)
        return moved, (where, len(journey_edit.find_journey(moved, journey_id).steps))

    def done(extra: tuple[int, int]) -> tuple[str, str]:
        where, total = extra
        text = gettext("The step «%(step)s» is now %(position)s of %(total)s.") % {
            "step": title,
            "position": where + 1,
            "total": total,
        }
        return text, f"{step_id}:{direction}"

    return _operate(
        request,
        study,
        journey_id,
        move,
        (
            gettext("moved the step «%(step)s» of the journey «%(journey)s» up")
            if direction == "up"
            else gettext("moved the step «%(step)s» of the journey «%(journey)s» down")
        )
        % {"step": title, "journey": _journey_name(study, journey_id)},
        done,
        # A move is relative to where the step is now, so it needs no base: pressing «up»
        # twice quickly moves the step two places, whatever revision each press saw.
        check_base=False,
    )


@require_POST
def journey_steps_order(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """Put the steps in a new order (after a drag): a new revision."""
    study = _editable(request, pk)
    order = request.POST.getlist("step")
    moved = request.POST.get("moved", "")

    def reorder(doc: StudyDocument) -> tuple[StudyDocument, None]:
        return journey_edit.reorder_steps(doc, journey_id, order), None

    def done(_: None) -> tuple[str, str]:
        if moved in order:
            title = _step_title(study.current_revision().to_document(), journey_id, moved)
            text = gettext("The step «%(step)s» is now %(position)s of %(total)s.") % {
                "step": title,
                "position": order.index(moved) + 1,
                "total": len(order),
            }
            return text, f"{moved}:handle"
        return gettext("The order of the steps was saved."), ""

    return _operate(
        request,
        study,
        journey_id,
        reorder,
        gettext("reordered the steps of the journey «%(journey)s»")
        % {"journey": _journey_name(study, journey_id)},
        done,
    )


@require_POST
def journey_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new current or target journey, common or for segments, from nothing (no steps yet) or
    copied from another journey's steps: a new revision."""
    study = _editable(request, pk)
    document = study.current_revision().to_document()
    labels = runs.labels(latest_run(study))
    form = _new_journey_form(document, labels, request.POST)
    new_id = ""
    if form.is_valid():
        kind = form.journey_kind()
        title = form.cleaned_data["title"]

        def create(doc: StudyDocument) -> tuple[StudyDocument, str]:
            return journey_edit.new_journey(
                doc,
                kind,
                title=title,
                segments=form.segment_keys(),
                source=form.source_id(),
                segment_labels=labels,
            )

        try:
            revision, new_id = _apply(
                request,
                study,
                "",
                create,
                gettext("created the journey «%(title)s»") % {"title": title},
                check_base=False,
            )
        except JourneyEditError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc))
        except NotFound as exc:
            form.add_error("source", str(exc))
    if not new_id:
        if not htmx.is_htmx(request):
            return _journeys_page(request, study, new_form=form, status=400)
        response = render(
            request,
            "studies/journeys/_journey_new.html",
            {"study": study, "new_form": form, "can_edit": True, "focus_error": True},
            status=400,
        )
        return htmx.replace(response, "#journey-new")
    text = (
        gettext("The current journey «%(title)s» was created.")
        if kind is JourneyKind.current
        else gettext("The target journey «%(title)s» was created.")
    ) % {"title": _journey_name(study, new_id)}
    if not htmx.is_htmx(request):
        return _done(request, study, new_id, revision, text)
    return _done(request, study, new_id, revision, text, focus="title", created=True)


@require_GET
def journey_edit_form(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """The form of a journey's kind, title and segments, in place of its head (HTMX) or on
    the page."""
    study = _editable(request, pk)
    if _find(study.current_revision().to_document(), journey_id) is None:
        raise Http404
    if not htmx.is_htmx(request):
        return _journeys_page(request, study, editing=(journey_id, ""))
    return _journey_response(request, study, journey_id, editing="", focus="head")


@require_POST
def journey_save(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """Save a journey's kind, title and segments: a new revision (its steps stay)."""
    study = _editable(request, pk)
    document = study.current_revision().to_document()
    journey = _find(document, journey_id)
    if journey is None:
        raise Http404
    labels = runs.labels(latest_run(study))
    form = _journey_form(document, labels, journey=journey, data=request.POST)
    status = 400
    if form.is_valid():

        def update(doc: StudyDocument) -> tuple[StudyDocument, None]:
            changed = journey_edit.update_journey(
                doc,
                journey_id,
                kind=form.journey_kind(),
                title=form.cleaned_data["title"],
                segments=form.segment_keys(),
                segment_labels=labels,
            )
            return changed, None

        try:
            revision, _ = _apply(
                request,
                study,
                journey_id,
                update,
                gettext("changed the title, kind or segments of the journey «%(journey)s»")
                % {"journey": _journey_name(study, journey_id)},
            )
        except EditConflictError as conflict:
            form.add_error(None, _stale_message(study, conflict))
            status = 409
        except JourneyEditError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except NotFound as exc:
            return _refused(request, study, journey_id, str(exc), exc.http_status)
        else:
            text = gettext("The journey «%(title)s» was saved.") % {
                "title": _journey_name(study, journey_id)
            }
            return _done(request, study, journey_id, revision, text, focus="title")
    conflict = status == 409
    if not htmx.is_htmx(request):
        return _journeys_page(
            request, study, editing=(journey_id, ""), form=form, conflict=conflict, status=status
        )
    return _journey_response(
        request,
        study,
        journey_id,
        status=status,
        editing="",
        form=form,
        conflict=conflict,
        focus="error",
    )


@require_POST
def journey_delete(request: HttpRequest, pk: int, journey_id: str) -> HttpResponse:
    """Delete a journey nothing refers to: a new revision."""
    study = _editable(request, pk)
    journey = _find(study.current_revision().to_document(), journey_id)
    if journey is None:
        raise Http404
    title = journey.title

    def delete(doc: StudyDocument) -> tuple[StudyDocument, None]:
        return journey_edit.delete_journey(doc, journey_id), None

    return _operate(
        request,
        study,
        journey_id,
        delete,
        gettext("deleted the journey «%(journey)s»")
        % {"journey": _journey_name(study, journey_id)},
        lambda _: (gettext("The journey «%(title)s» was deleted.") % {"title": title}, ""),
    )
