"""The features section of the study page (M-3), edited in place: add a feature from a column of
the imported client records, edit it (label, type, source, binning with a live preview of its
segments, Russian names of its values and their merging), delete it, pairs for cross segments.

HTMX asks for parts (the section, its form, the preview) and gets them; a browser without it
gets the feature's own page and redirects to the study page's ``#features``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import NotFound, SegprofileError
from segprofile.model.study import Feature, FeatureType
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import htmx, services
from segprofile.web.studies.access import study_for
from segprofile.web.studies.forms.features import FeatureForm, PairForm, initial_of
from segprofile.web.studies.models import Study
from segprofile.web.studies.sections import save_part
from segprofile.web.studies.views.common import current_document, study_capabilities

SECTION = "studies/study/sections/_features.html"
FORM = "studies/study/sections/_feature_form.html"
PREVIEW = "studies/study/sections/_feature_preview.html"
PAGE = "studies/features/feature_edit.html"


def _back(study: Study) -> HttpResponse:
    return redirect(reverse("studies:detail", kwargs={"pk": study.pk}) + "#features")


def _done(request: HttpRequest, study: Study) -> HttpResponse:
    """After a feature is saved or deleted: the section in place on the study page; from the
    feature's own page (its address may be gone) or a browser's POST, the study page at its
    features."""
    page = reverse("studies:detail", kwargs={"pk": study.pk})
    if htmx.asked_from(request, page):
        return _section(request, study)
    return htmx.go(request, page + "#features")


def _section(
    request: HttpRequest, study: Study, *, status: int = 200, **extra: Any
) -> HttpResponse:
    revision, document = current_document(study)
    context = {
        "study": study,
        "document": document,
        "revision": revision,
        "can": study_capabilities(request, study),
        "missing_columns": pipeline.missing_columns(services.workspace_for(study), document),
        "partial": True,
        **extra,
    }
    return render(request, SECTION, context, status=status)


def _feature(document: StudyDocument, feature_id: str | None) -> tuple[int, Feature | None]:
    """The feature's index and the feature (a new one: the end of the list, ``None``)."""
    if feature_id is None:
        return len(document.features), None
    for i, feature in enumerate(document.features):
        if feature.id == feature_id:
            return i, feature
    raise NotFound(gettext("The feature «%(id)s» is no longer in the study.") % {"id": feature_id})


def _initial_from_query(query: QueryDict, columns: pipeline.FeatureColumns) -> dict[str, Any]:
    """What a GET of the form carries: the column chosen (its type and name suggested) or the
    form's fields as they were when its column changed."""
    initial: dict[str, Any] = {k: query[k] for k in query if k not in ("value_code", "value_label")}
    column = columns.get(query.get("column", ""))
    if column is not None and "type" not in query:
        initial["type"] = column.feature_type.value
    if column is not None and not query.get("label"):
        initial["label"] = column.name
    codes, labels = query.getlist("value_code"), query.getlist("value_label")
    if codes:
        initial["value_labels"] = {c: t for c, t in zip(codes, labels, strict=False) if c and t}
    return initial


def _form_response(
    request: HttpRequest,
    study: Study,
    document: StudyDocument,
    form: FeatureForm,
    feature: Feature | None,
    *,
    status: int = 200,
) -> HttpResponse:
    revision = study.current_revision()
    # The form keeps the revision it began from while it is drawn again (column, type changed)
    # or refused, so that its save merges with edits made meanwhile.
    base = request.GET.get("base_revision") or request.POST.get("base_revision") or ""
    context = {
        "study": study,
        "document": document,
        "revision": revision,
        "base_revision": int(base) if base.isdigit() else revision.number,
        "form": form,
        "feature": feature,
        "columns": form.available,
        "missing": feature.column
        if feature and form.available.version and feature.column not in form.available.names
        else "",
        "references": pipeline.feature_references(document, feature.id) if feature else [],
        "min_cell": document.segmentation.min_cell,
        "chosen": form.available.get(str(form["column"].value() or "")),
    }
    if htmx.is_htmx(request):
        response = render(request, FORM, context, status=status)
        return htmx.replace(response, "#features") if status != 200 else response
    return render(request, PAGE, context, status=status)


def _values(ws: pipeline.Workspace, document: StudyDocument, column: str, kind: str) -> list[str]:
    if not column or kind == FeatureType.numeric.value:
        return []
    return [v.code for v in pipeline.column_values(ws, document, column)]


@require_GET
def features_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The section as the page shows it (HTMX: «Cancel» of a form)."""
    study = study_for(request, pk, need="view")
    if not htmx.is_htmx(request):
        return _back(study)
    return _section(request, study)


@require_http_methods(["GET", "POST"])
def feature_form(request: HttpRequest, pk: int, feature_id: str | None = None) -> HttpResponse:
    """GET: the form of a new feature (``?column=`` chosen) or of ``feature_id``; POST: save."""
    study = study_for(request, pk, need="edit")
    _revision, document = current_document(study)
    ws = services.workspace_for(study)
    index, feature = _feature(document, feature_id)
    columns = pipeline.feature_columns(ws, document)
    if request.method == "GET":
        initial = initial_of(feature) if feature is not None else {}
        initial |= _initial_from_query(request.GET, columns)
        if (
            feature is not None
            and feature.column not in columns.names
            and "column" not in request.GET
        ):
            initial["column"] = ""  # only real columns are offered
        values = _values(ws, document, str(initial.get("column", "")), str(initial.get("type", "")))
        form = FeatureForm(initial=initial, columns=columns, values=values)
        return _form_response(request, study, document, form, feature)
    posted = request.POST
    values = _values(ws, document, posted.get("column", ""), posted.get("type", ""))
    form = FeatureForm(posted, columns=columns, values=values)
    if form.is_valid():
        fid = (
            feature.id
            if feature is not None
            else pipeline.new_feature_id(document, form.cleaned_data["column"])
        )
        old = feature.model_dump(mode="json") if feature is not None else None

        def change(data: dict[str, Any]) -> None:
            item = form.feature_data(fid, old)
            items = data["features"]
            at = next((i for i, f in enumerate(items) if f.get("id") == fid), None)
            if at is None:
                items.append(item)
                at = len(items) - 1
            else:
                items[at] = item
            changed = pipeline.study_from_data(data, source="форма")
            pipeline.check_value_labels(
                ws, changed, changed.feature(fid), path=f"features[{at}].value_labels"
            )

        label = form.cleaned_data["label"]
        comment = (
            gettext("Feature «%(label)s» changed")
            if feature is not None
            else gettext("Feature «%(label)s» added")
        ) % {"label": label}
        if save_part(
            request, study, change, comment=comment, form=form, prefix=f"features[{index}]"
        ):
            return _done(request, study)
    return _form_response(request, study, document, form, feature, status=400)


@require_POST
def feature_preview(request: HttpRequest, pk: int, feature_id: str | None = None) -> HttpResponse:
    """HTMX: the segments the feature being edited would make on the imported data."""
    study = study_for(request, pk, need="edit")
    _revision, document = current_document(study)
    ws = services.workspace_for(study)
    _index, feature = _feature(document, feature_id)
    columns = pipeline.feature_columns(ws, document, examples=0)
    form = FeatureForm(request.POST, columns=columns)
    context: dict[str, Any] = {"min_cell": document.segmentation.min_cell}
    if not form.is_valid():
        context["form"] = form
        return render(request, PREVIEW, context)
    fid = feature.id if feature is not None else "preview"
    old = feature.model_dump(mode="json") if feature is not None else None
    try:
        candidate = Feature.model_validate(form.feature_data(fid, old))
        context["preview"] = pipeline.preview_feature(ws, document, candidate)
    except SegprofileError as exc:
        context["error"] = exc.message
    except ValueError as exc:  # the model's own refusal (pydantic)
        context["error"] = str(exc).splitlines()[-1]
    return render(request, PREVIEW, context)


@require_POST
def feature_delete(request: HttpRequest, pk: int, feature_id: str) -> HttpResponse:
    """Delete a feature with what names it (clustering, by-feature lists, pairs), saying which."""
    study = study_for(request, pk, need="edit")
    _revision, document = current_document(study)
    _index, feature = _feature(document, feature_id)  # NotFound (404) when it is gone
    if feature is None:  # only a new feature has none; a deletion always names one
        raise NotFound(
            gettext("The feature «%(id)s» is no longer in the study.") % {"id": feature_id}
        )
    references = pipeline.feature_references(document, feature_id)

    def change(data: dict[str, Any]) -> None:
        pipeline.remove_feature(data, feature_id)

    comment = gettext("Feature «%(label)s» deleted") % {"label": feature.label}
    if save_part(request, study, change, comment=comment):
        if references:
            messages.info(
                request,
                gettext("The feature «%(label)s» was deleted, and with it: %(refs)s.")
                % {"label": feature.label, "refs": "; ".join(references)},
            )
        else:
            messages.info(
                request, gettext("The feature «%(label)s» was deleted.") % {"label": feature.label}
            )
    return _done(request, study)


@require_POST
def feature_pair_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a pair of features for cross segments."""
    study = study_for(request, pk, need="edit")
    _revision, document = current_document(study)
    form = PairForm(request.POST, features=document.features)
    if form.is_valid():
        pair = [form.cleaned_data["first"], form.cleaned_data["second"]]
        known = {frozenset(p) for p in document.segmentation.by_feature.pairs}
        if frozenset(pair) in known:
            form.add_error("second", gettext("This pair is already in the study."))
        else:

            def change(data: dict[str, Any]) -> None:
                data["segmentation"]["by_feature"]["pairs"].append(pair)

            if save_part(
                request, study, change, comment=gettext("Pair of features added"), form=form
            ):
                return _section(request, study) if htmx.is_htmx(request) else _back(study)
    if htmx.is_htmx(request):
        return htmx.replace(_section(request, study, pair_form=form, status=400), "#features")
    messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return _back(study)


@require_POST
def feature_pair_delete(request: HttpRequest, pk: int, first: str, second: str) -> HttpResponse:
    """Remove a pair of features."""
    study = study_for(request, pk, need="edit")

    def change(data: dict[str, Any]) -> None:
        pairs = data["segmentation"]["by_feature"]["pairs"]
        data["segmentation"]["by_feature"]["pairs"] = [
            p for p in pairs if list(p) != [first, second]
        ]

    _revision, document = current_document(study)
    if (first, second) in document.segmentation.by_feature.pairs:
        save_part(request, study, change, comment=gettext("Pair of features removed"))
    return _section(request, study) if htmx.is_htmx(request) else _back(study)
