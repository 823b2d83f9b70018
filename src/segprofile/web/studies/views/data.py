"""Data in (issue #3): upload a file, inspect it, confirm types and personal data, import it.

The flow for a data source of the study (or a new one):

1. upload — the file is staged in the private staging area (``pipeline.staging``, under
   ``SEGPROFILE_STAGING``, apart from the data home, owner-only) and inspected at once
   (``pipeline.inspect_file``); a file that cannot be read is deleted again and the page says
   why, naming the file, row and column;
2. inspect — the first rows (identifiers, personal data and free text masked, a value of fewer
   rows of the file than the study's min_cell shown as rare), every column's
   inferred type and use to confirm or change, the personal data found with the action on each,
   the quality report;
3. import — a background job (``tasks.import_upload``, a :class:`DataImport` row with the
   decisions) runs ``pipeline.import_dataset``, which writes a new dataset version
   (pseudonymised in the engine before anything is written); the decisions go into the
   source's ``columns`` as a new revision of the study; the staged upload is deleted when the
   import ends, failed or not (an owner may keep the original, apart from the data and
   audited); the audit trail names the user. The import's page shows its progress, then
   leads to the data page (or the survey's question mapping) with the result.

Every uploaded file is parsed in a child process with memory and time limits
(``pipeline.run_isolated``): the inspection here, the import in the worker. A hostile file
fails its own request or job; the server process never parses it itself.

Every web form that takes a data file comes here: the study page links to this page with the
source chosen, and the survey page stages its file here too (``then="survey"`` sends the user
back to the question mapping after the import).

Datasets and the audit trail of a study live under its own directory
(``SEGPROFILE_HOME/studies/<pk>/``), so studies never share them; ``profile_study`` reads the
latest version from there (see ``tasks.build_profile``). Its pseudonym key lives apart from the
data, in the key store (``keys.study_key``).

Nothing here logs or shows a client value: previews are masked and messages name columns only.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import ConflictError, InputError, NotFound, SegprofileError
from segprofile.model import labels
from segprofile.model.format import cell, number, percent
from segprofile.model.study import ColumnOverride
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import staging
from segprofile.web.studies import htmx
from segprofile.web.studies.access import study_for
from segprofile.web.studies.audit import audit, client_address
from segprofile.web.studies.forms.data import (
    COLUMN_TYPE_LABELS,
    COLUMN_USE_LABELS,
    NEW_SOURCE,
    PII_ACTION_LABELS,
    PII_KIND_LABELS,
    SOURCE_KIND_LABELS,
    DataFileForm,
    DeleteVersionForm,
    ImportDecisionsForm,
    SourceTitleForm,
)
from segprofile.web.studies.models import AuditEvent, DataImport, Study, masked_note
from segprofile.web.studies.people import people_by_username
from segprofile.web.studies.services import (
    clean_staging,
    staging_area,
    staging_root,
    start_data_import,
    workspace_for,
)
from segprofile.web.studies.storage import file_state, safe_data_path
from segprofile.web.studies.tasks import document_with_source, read_options, with_decisions
from segprofile.web.studies.views.common import study_capabilities

logger = logging.getLogger(__name__)

# The readers' hints name the CLI's options; on the page they are the upload form's fields.
_CLI_OPTIONS = {
    "--encoding": "поле «Кодировка»",
    "--delimiter": "поле «Разделитель»",
    "--sheet": "поле «Лист»",
    "--header-row": "поле «Строка заголовка»",
    "--keep-reason «…»": "поле «Причина оставить»",
}


def _hint(error: SegprofileError) -> str:
    hint = error.hint or ""
    for option, field in _CLI_OPTIONS.items():
        hint = hint.replace(option, field)
    return hint


def error_context(error: SegprofileError) -> dict[str, str]:
    return {"message": error.message, "hint": _hint(error)}


def _import_error(job: DataImport) -> dict[str, str]:
    """A failed import's error as the pages show it (the upload is gone: say so)."""
    hint = job.hint
    for option, field in _CLI_OPTIONS.items():
        hint = hint.replace(option, field)
    again = gettext("The uploaded file was deleted: upload it again after the correction.")
    return {"message": job.error, "hint": " ".join(part for part in (hint, again) if part)}


# --- staged uploads ----------------------------------------------------------------------------

# What a data upload's metadata must hold to be opened; anything less is shown as damaged.
_REQUIRED = ("source_id", "options", "summary", "user", "created_at")
THEN_SURVEY = "survey"


def _usable(upload: staging.Upload) -> bool:
    meta = upload.meta
    return (
        not upload.broken
        and meta.get("kind") == "data"
        and all(key in meta for key in _REQUIRED)
        and isinstance(meta["summary"], dict)
        and isinstance(meta["options"], dict)
    )


def _load_upload(study: Study, token: str) -> staging.Upload:
    """The staged upload ``token`` of the study (404 when there is none)."""
    try:
        return staging.get(staging_root(), staging_area(study), token)
    except NotFound:
        raise Http404 from None


def _source_name(meta: dict[str, Any], titles: dict[str, str]) -> str:
    """The source of an upload as pages name it: the title of the study's source
    (:func:`labels.source_titles`), or the title given to the new one, else its id."""
    source_id = str(meta.get("source_id", ""))
    new = meta.get("new_source") if isinstance(meta.get("new_source"), dict) else {}
    return titles.get(source_id) or str(new.get("title") or "").strip() or source_id


def _upload_row(upload: staging.Upload, titles: dict[str, str] | None = None) -> dict[str, Any]:
    """One staged (or kept) upload as the data page lists it (``titles``: the study's sources
    by their titles)."""
    meta = upload.meta
    return {
        "token": upload.token,
        "file": upload.shown_name or "—",
        "size": meta.get("size"),
        "user": meta.get("user", ""),
        "when": datetime.fromtimestamp(upload.created, tz=UTC),
        "source_id": meta.get("source_id", ""),
        "source": _source_name(meta, titles or {}),
        "version": meta.get("version"),
        "broken": not _usable(upload) and upload.state != staging.KEPT,
    }


def _name_uploaders(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` of :func:`_upload_row` with their uploader named as every page names a person
    (people.person), in one query."""
    people = people_by_username(row["user"] for row in rows)
    for row in rows:
        row["user"] = people.get(row["user"], row["user"])
    return rows


def staged_uploads(study: Study) -> list[dict[str, Any]]:
    """The study's uploads waiting for import; those whose import is queued or running link
    to its page."""
    hours = settings.SEGPROFILE_STAGING_HOURS
    rows = [
        _upload_row(u) for u in staging.listing(staging_root(), staging_area(study), hours=hours)
    ]
    if rows:
        _name_uploaders(rows)
        active = (DataImport.Status.QUEUED, DataImport.Status.RUNNING)
        jobs = dict(
            DataImport.objects.filter(study=study, status__in=active).values_list("token", "pk")
        )
        for row in rows:
            row["import_pk"] = jobs.get(row["token"])
    return rows


def stage_file(
    request: HttpRequest,
    study: Study,
    document: StudyDocument,
    form: DataFileForm,
    *,
    then: str = "",
) -> str:
    """Stage the form's file and inspect it at once; returns the upload's token.

    A file that cannot be read raises :class:`SegprofileError` and is deleted again. The
    metadata is written last, once the inspection is in it: a listed upload always opens.
    """
    uploaded = form.cleaned_data["file"]
    source_id = form.cleaned_data["source"]
    new_source = None
    if form.masked_list:
        messages.info(
            request,
            gettext(
                "Personal data in the new source's title was replaced: %(masked)s. Name the "
                "source by what its data are, not by a client."
            )
            % {"masked": form.masked_list},
        )
    if source_id == NEW_SOURCE:
        source_id = form.cleaned_data["new_source_id"]
        new_source = {
            "id": source_id,
            "kind": form.cleaned_data["new_source_kind"],
            "title": form.cleaned_data["new_source_title"].strip(),
        }
    clean_staging()  # the schedule: every new upload first removes the expired ones
    meta: dict[str, Any] = {
        "kind": "data",
        "source_id": source_id,
        "new_source": new_source,
        "options": form.read_options(),
        "user": request.user.get_username(),
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "then": then,
    }
    try:
        with staging.create(
            staging_root(), staging_area(study), name=uploaded.name or "upload", meta=meta
        ) as upload:
            staging.write(upload, uploaded.chunks())
            upload.meta["summary"] = _inspect(study, document, upload)
            staging.save(upload)
    finally:
        uploaded.close()  # a large upload's temporary file goes now, not at the end
    logger.info("Study %s: file staged for source %s", study.pk, source_id)
    return upload.token


# --- inspection --------------------------------------------------------------------------------


def _summary(inspection: pipeline.Inspection) -> dict[str, Any]:
    """What the inspect page shows, JSON-ready, with the preview already masked."""
    masked = inspection.masked_columns()
    pii = {f.column: f for f in inspection.pii}
    columns = []
    for col in inspection.quality.columns:
        is_date = col.dtype.upper().startswith(("DATE", "TIMESTAMP")) or col.type.value == "date"
        show_range = col.name not in masked and col.type.value in ("numeric", "date")
        columns.append(
            {
                "name": col.name,
                "dtype": col.dtype,
                "type": col.type.value,
                "use": col.use.value,
                "cardinality": col.cardinality,
                "missing": col.missing,
                "missing_share": col.missing_share,
                "missing_pct": percent(col.missing_share, 1 if 0 < col.missing_share < 0.01 else 0),
                "overridden": col.overridden,
                "is_date": is_date,
                "masked": col.name in masked,
                "pii": col.name in pii,
                # a text the import masks, with personal data inside the sampled values
                "in_text": bool(inspection.texts.get(col.name, {}).get("with_data")),
                "min": _range_value(col.min, is_date) if show_range else None,
                "max": _range_value(col.max, is_date) if show_range else None,
            }
        )
    numbers = {str(c["name"]) for c in columns if c["type"] == "numeric"}
    dates = {str(c["name"]) for c in columns if c["is_date"]}
    names: list[str] = [str(c["name"]) for c in columns]
    preview = [
        [_cell(row.get(name), figure=name in numbers, is_date=name in dates) for name in names]
        for row in pipeline.mask_preview(inspection.preview, masked, inspection.rare)
    ]
    details = inspection.details
    facts = {
        "format": inspection.format.upper(),
        "encoding": pipeline.ENCODING_LABELS.get(
            details.get("encoding", ""), details.get("encoding")
        ),
        "delimiter": pipeline.DELIMITER_LABELS.get(details.get("delimiter", "")),
        "decimal_comma": details.get("decimal") == ",",
        "sheet": details.get("sheet"),
        "sheets": details.get("sheets", []),
        "header_rows": details.get("header_rows"),
        # A CSV's table starts below lines left out (a title of the export): its first line.
        "table_line": int(details.get("skipped_lines") or 0) + 1,
    }
    return {
        "file": inspection.file,
        "facts": facts,
        "rows": inspection.rows,
        "columns": columns,
        "preview": preview,
        "preview_rows": len(preview),
        # Values of fewer rows of the file than this are not shown (pipeline.RARE).
        "rare_below": inspection.min_cell,
        "pii": [
            {
                "column": f.column,
                "kind": f.kind.value,
                "reason": f.reason,
                "action": f.action.value,
                "review": f.review,
            }
            for f in inspection.pii
        ],
        "texts": [{"column": name, **found} for name, found in inspection.texts.items()],
        "quality": {
            "id_column": inspection.quality.id_column,
            "duplicate_ids": inspection.quality.duplicate_ids,
            "issues": [i.to_dict() for i in inspection.quality.issues],
        },
    }


def _range_value(value: Any, is_date: bool = False) -> Any:
    """A number as pages write it («293 475,18», «4 435», «0,0012»): thousands apart, a decimal
    comma, the decimals it has (up to six); a date as people write it («27.12.2025»)."""
    if is_date:
        return cell(value, is_date=True)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    decimals = len(f"{abs(float(value)):.6f}".rstrip("0").split(".")[1])
    return number(value, decimals)


def _cell(value: Any, *, figure: bool = False, is_date: bool = False) -> str:
    """A preview cell: a figure of a numeric column as the range writes it («37 599,5»); a date
    as people write it («27.12.2025 18:15»); a code or a number of another type as it is in the
    file, with a decimal comma (:func:`model.format.cell`)."""
    if isinstance(value, bool):
        return str(gettext("yes") if value else gettext("no"))
    if figure and isinstance(value, int | float):
        return str(_range_value(value))
    return cell(value, is_date=is_date)


def _inspect(
    study: Study,
    document: StudyDocument,
    upload: staging.Upload,
    overrides: dict[str, ColumnOverride] | None = None,
) -> dict[str, Any]:
    """Inspect the staged file with the source's saved decisions (and ``overrides``)."""
    source_id = upload.meta["source_id"]
    existing = source_id in {s.id for s in document.data_sources}
    # Parsed in a child process with memory and time limits: a hostile file fails this request.
    inspection = pipeline.run_isolated(
        pipeline.inspect_file,
        workspace_for(study),
        upload.path,
        file=upload.name,
        options=read_options(upload),
        study=document if existing else None,
        source_id=source_id if existing else None,
        overrides=overrides,
        min_cell=document.segmentation.min_cell,
    )
    return _summary(inspection)


# --- pages -------------------------------------------------------------------------------------


def _sources(
    study: Study,
    document: StudyDocument,
    staged: list[dict[str, Any]],
    renaming: SourceTitleForm | None = None,
    renamed: str = "",
) -> list[dict[str, Any]]:
    """The sources as the data page lists them; ``renaming`` is the title form of the source
    ``renamed`` posted with errors (shown open)."""
    ws = workspace_for(study)
    rows = []
    listed = {}
    for source in document.data_sources:
        try:
            listed[source.id] = pipeline.list_dataset_versions(ws, document.id, source.id)
        except SegprofileError:
            listed[source.id] = []
    # Who imported each version, named as every page names a person (people.person).
    authors = people_by_username(m.author for versions in listed.values() for m in versions)
    for source in document.data_sources:
        try:
            state = file_state(safe_data_path(study.data_dir(), source.path))
        except Exception:  # noqa: BLE001 — a path the model accepted but the disk refuses
            state = None
        versions = listed[source.id]
        rows.append(
            {
                "source": source,
                "kind": SOURCE_KIND_LABELS.get(source.kind.value, source.kind.value),
                "file": state,
                "versions": [
                    {"m": m, "when": _when(m.created_at), "author": authors.get(m.author, "—")}
                    for m in reversed(versions)
                ],
                "latest": versions[-1].version if versions else None,
                "uploads": [u for u in staged if u["source_id"] == source.id],
                "decisions": len(source.columns),
                "title_form": renaming
                if renaming is not None and source.id == renamed
                else SourceTitleForm(initial={"title": source.title}, auto_id=_title_id(source.id)),
            }
        )
    return rows


def _data_page(
    request: HttpRequest,
    study: Study,
    *,
    form: DataFileForm | None = None,
    error: dict[str, str] | None = None,
    renaming: SourceTitleForm | None = None,
    renamed: str = "",
    status: int = 200,
) -> HttpResponse:
    document = study.current_revision().to_document()
    known = {s.id for s in document.data_sources}
    can = study_capabilities(request, study)
    try:
        audit = pipeline.read_audit(workspace_for(study), study_id=document.id)
    except SegprofileError:
        audit = []
    # Sources by their titles, as the page names them above (one rule with the study's audit
    # log); an id for one no longer in the study.
    titles = labels.source_titles(document)
    staged = staged_uploads(study)
    kept = staging.originals(staging_root(), staging_area(study)) if can.manage else []
    originals = [_upload_row(u, titles) for u in kept]
    # Who kept an original and who did what, named as every page names a person.
    names = people_by_username([r.user for r in audit] + [u["user"] for u in originals])
    for row in originals:
        row["user"] = names.get(row["user"], row["user"])
    context = {
        "study": study,
        "can": can,
        "document": document,
        "sources": _sources(study, document, staged, renaming, renamed),
        "new_uploads": [u for u in staged if u["source_id"] not in known],
        "originals": originals,
        "form": form or DataFileForm(document=document, initial=_initial_source(request)),
        "error": error,
        "audit": [_audit_row(r, titles, names) for r in list(reversed(audit))[:20]],
        "new_source": NEW_SOURCE,
        "max_bytes": settings.SEGPROFILE_MAX_UPLOAD_BYTES,
        "staging_hours": round(settings.SEGPROFILE_STAGING_HOURS),
    }
    return render(request, "studies/data/data.html", context, status=status)


_EVENT_LABELS = {
    "import": _("import"),
    "delete_version": _("version deleted"),
    "keep_personal_data": _("personal data kept as is"),
    "keep_original": _("original file kept"),
    "delete_original": _("kept original deleted"),
    "rotate_key": _("pseudonym key changed"),
    "reidentify": _("respondents' contacts found (re-identification)"),
    "key_adopted": _("pseudonym key moved into the key store"),
}


def _when(text: str) -> datetime | str:
    """An ISO time of the data layer as an aware datetime (shown in the site's time zone)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _audit_row(
    record: pipeline.AuditRecord, titles: dict[str, str], names: dict[str, str]
) -> dict[str, Any]:
    """One audit line for the page: who (by the name in ``names``), when, what was done to
    which columns (no values) of which source (by its title in ``titles``, else by its id)."""
    actions = []
    for col in record.columns:
        action = str(col.get("action") or "")
        if action.startswith("type:"):
            label = gettext("type: %(type)s") % {
                "type": COLUMN_TYPE_LABELS.get(action[5:], action[5:])
            }
        elif action == "reidentify":
            label = gettext("contact given to the study's owner")
        else:
            label = str(PII_ACTION_LABELS.get(action, action))
        text = f"«{col.get('column')}» — {label}"
        if col.get("reason"):
            text += f" ({col['reason']})"
        actions.append(text)
    return {
        "record": record,
        "who": names.get(record.user, record.user) or "—",
        "when": _when(record.time),
        "event": _EVENT_LABELS.get(record.event, record.event),
        "source": titles.get(record.source_id, ""),
        "actions": actions,
    }


def _initial_source(request: HttpRequest) -> dict[str, str]:
    source = request.GET.get("source", "")
    return {"source": source} if source else {}


@require_GET
def data_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The study's data sources, their imported versions, the upload form, the audit trail."""
    study = study_for(request, pk, need="view")
    clean_staging()
    return _data_page(request, study)


@require_POST
def data_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive a file, inspect it at once; a file that cannot be read is not kept."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    form = DataFileForm(request.POST, request.FILES, document=document)
    if not form.is_valid():
        return _data_page(request, study, form=form, status=400)
    try:
        token = stage_file(request, study, document, form)
    except SegprofileError as exc:
        logger.info("Study %s: upload refused (%s)", study.pk, type(exc).__name__)
        return _data_page(
            request, study, form=form, error=error_context(exc), status=exc.http_status
        )
    return redirect("studies:data_inspect", pk=study.pk, token=token)


def _title_id(source_id: str) -> str:
    """The ids of a source's rename field (one such form per source on the page: each label
    names its own field)."""
    return f"id_%s_{source_id}"


@require_POST
def data_source_title(request: HttpRequest, pk: int, source_id: str) -> HttpResponse:
    """Rename a data source: a new revision of the study, whose history names who did it."""
    study = study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    source = next((s for s in document.data_sources if s.id == source_id), None)
    if source is None:
        raise Http404
    form = SourceTitleForm(request.POST, auto_id=_title_id(source_id))
    if form.is_valid():
        try:
            renamed = pipeline.rename_data_source(document, source_id, form.cleaned_data["title"])
        except InputError as exc:
            form.add_error("title", str(exc))
    if not form.is_valid():
        return _data_page(request, study, renaming=form, renamed=source_id, status=400)
    new = renamed.data_source(source_id).title
    if new == source.title:
        messages.info(request, gettext("The title is the same: nothing was stored."))
        return _back_to_data(study, source_id)
    comment = gettext("Data source «%(old)s» renamed to «%(new)s»") % {
        "old": source.title or source.id,
        "new": new,
    }
    revision = study.add_revision(renamed, author=request.user, comment=comment)
    messages.success(
        request,
        gettext("Revision %(number)s was saved: the source is now called «%(title)s».")
        % {
            "number": revision.number,
            "title": revision.to_document().data_source(source_id).title,  # as stored: masked
        }
        + masked_note(revision.masked_list),
    )
    return _back_to_data(study, source_id)


def _back_to_data(study: Study, anchor: str = "upload") -> HttpResponse:
    return redirect(reverse("studies:data", kwargs={"pk": study.pk}) + f"#{anchor}")


def _damaged(request: HttpRequest, study: Study, upload: staging.Upload) -> HttpResponse:
    """An upload whose record is damaged (a crash while it was written): it can only go."""
    messages.error(
        request,
        gettext(
            "The uploaded file %(file)s cannot be opened: its upload was interrupted. Delete it "
            "and upload the file again."
        )
        % {"file": upload.shown_name or "—"},
    )
    return _back_to_data(study)


def _settings_of(
    document: StudyDocument, upload: staging.Upload
) -> tuple[StudyDocument, str] | None:
    """What the check page's study settings (rating, id, date, features) are chosen for: the
    study's client records only (issue 19)."""
    source_id = str(upload.meta["source_id"])
    new_kind = (upload.meta.get("new_source") or {}).get("kind")
    if pipeline.takes_settings(document, source_id, new_kind):
        return document, source_id
    return None


def _count_of(document: StudyDocument, upload: staging.Upload) -> tuple[StudyDocument, str] | None:
    """A population table's check page asks which column holds the number of people."""
    source_id = str(upload.meta["source_id"])
    new_kind = (upload.meta.get("new_source") or {}).get("kind")
    return (document, source_id) if pipeline.takes_count(document, source_id, new_kind) else None


def _inspect_page(
    request: HttpRequest,
    study: Study,
    upload: staging.Upload,
    *,
    form: ImportDecisionsForm | None = None,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    meta = upload.meta
    can = study_capabilities(request, study)
    summary = meta["summary"]
    revision = study.current_revision()
    document = revision.to_document()
    if form is None:
        summary = {
            **summary,
            "reasons": meta.get("reasons", {}),
            "settings": meta.get("settings"),
            "keep_original": False,
        }
        form = ImportDecisionsForm(
            summary=summary,
            can_keep=can.manage,
            settings_of=_settings_of(document, upload),
            count_of=_count_of(document, upload),
        )
    existing = next((s for s in document.data_sources if s.id == meta["source_id"]), None)
    context = {
        "study": study,
        "can": can,
        "meta": meta,
        "upload": upload,
        "summary": summary,
        "source": existing,
        "source_name": _source_name(meta, labels.source_titles(document)),
        "form": form,
        "rows": form.rows(),
        "settings": form.settings_rows(),
        "count_field": form.count_row(),
        "revision": revision,
        "error": error,
        "type_labels": COLUMN_TYPE_LABELS,
        "use_labels": COLUMN_USE_LABELS,
        "kind_labels": PII_KIND_LABELS,
        "action_labels": PII_ACTION_LABELS,
        "source_kind": SOURCE_KIND_LABELS.get((meta.get("new_source") or {}).get("kind", ""), ""),
        "mask": pipeline.MASK,
        "rare": pipeline.RARE,
    }
    return render(request, "studies/data/inspect.html", context, status=status)


@require_http_methods(["GET", "POST"])
def data_inspect(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET: what the file holds. POST: re-check with the decisions, or import the file."""
    study = study_for(request, pk, need="edit" if request.method == "POST" else "view")
    upload = _load_upload(study, token)
    queued = _active_import(study, token)
    if queued is not None:  # its import has started: its page shows how it goes
        return redirect("studies:data_import", pk=study.pk, import_pk=queued.pk)
    if upload.state == staging.IMPORTING:
        messages.info(
            request,
            gettext(
                "The file %(file)s is being imported (or its import was interrupted): see the "
                "data page."
            )
            % {"file": upload.shown_name},
        )
        return _back_to_data(study, str(upload.meta.get("source_id") or "upload"))
    if not _usable(upload):
        return _damaged(request, study, upload)
    if request.method == "GET":
        return _inspect_page(request, study, upload)
    action = request.POST.get("action", "import")
    can_keep = study.can(request.user, "manage")
    form = ImportDecisionsForm(
        request.POST,
        summary=upload.meta["summary"],
        can_keep=can_keep,
        settings_of=_settings_of(study.current_revision().to_document(), upload),
        count_of=_count_of(study.current_revision().to_document(), upload),
    )
    try:
        with staging.hold(upload):
            if _active_import(study, token) is not None:  # queued by another request just now
                raise ConflictError(
                    gettext("The file %(file)s is already being imported.")
                    % {"file": upload.shown_name}
                )
            if action == "sheet":
                return _change_sheet(request, study, upload)
            if not form.is_valid() or (action == "import" and not form.require_confirmation()):
                return _inspect_page(request, study, upload, form=form, status=400)
            decisions, reasons = form.decisions()
            upload.meta["reasons"] = reasons
            # The study settings chosen here (kept for a re-check), written by the import over
            # the revision the page showed: merged with edits saved meanwhile.
            chosen = form.upload_settings()
            upload.meta["settings"] = chosen.to_data() if chosen is not None else None
            upload.meta["base_revision"] = study.edit_base
            document = document_with_source(study.current_revision().to_document(), upload)
            updated = with_decisions(document, upload.meta["source_id"], decisions)
            if action == "recheck":
                upload.meta["summary"] = _inspect(study, updated, upload)
                staging.save(upload)
                return redirect("studies:data_inspect", pk=study.pk, token=token)
            staging.save(upload)  # the reasons, should the import fail and the page come back
            for name in form.personal_texts_as_categories():
                messages.warning(
                    request,
                    gettext(
                        "Personal data was found inside the texts of the column «%(column)s», "
                        "yet it is imported as a category: its masked texts become segments of "
                        "the profile, the reports and the quotas. If these are comments or "
                        "answers in the clients' own words, choose the type «free text» and "
                        "import the file again."
                    )
                    % {"column": name},
                )
            job = DataImport.objects.create(
                study=study,
                token=upload.token,
                source_id=upload.meta["source_id"],
                file=upload.shown_name[:200],
                decisions=decisions,
                reasons=reasons,
                keep_original=bool(form.cleaned_data.get("keep_original")) and can_keep,
                then=str(upload.meta.get("then") or ""),
                created_by=request.user,
                ip_address=client_address(request),
            )
    except ConflictError as exc:
        messages.error(request, str(exc))
        return _back_to_data(study)
    except NotFound:
        raise Http404 from None
    except SegprofileError as exc:  # a re-check that failed: the decisions can be changed
        logger.info("Study %s: re-check refused (%s)", study.pk, type(exc).__name__)
        return _inspect_page(
            request, study, upload, form=form, error=error_context(exc), status=400
        )
    # Queued once the upload is let go: the worker holds it while it imports.
    job = start_data_import(job)
    logger.info("Study %s: import %s of source %s queued", study.pk, job.pk, job.source_id)
    return redirect("studies:data_import", pk=study.pk, import_pk=job.pk)


def _active_import(study: Study, token: str) -> DataImport | None:
    """The queued or running import of the upload ``token``, if there is one."""
    active = (DataImport.Status.QUEUED, DataImport.Status.RUNNING)
    job: DataImport | None = (
        DataImport.objects.filter(study=study, token=token, status__in=active)
        .order_by("-pk")
        .first()
    )
    if job is not None:
        job.sync_with_task()
        if job.is_finished:
            return None
    return job


def _change_sheet(request: HttpRequest, study: Study, upload: staging.Upload) -> HttpResponse:
    """Read another sheet of the workbook (the decisions made so far belong to the old one)."""
    meta = upload.meta
    sheet = request.POST.get("sheet_choice", "")
    if sheet not in meta["summary"]["facts"]["sheets"]:
        raise Http404
    previous = dict(meta["options"])
    meta["options"]["sheet"] = sheet
    meta["options"]["header_row"] = None
    document = document_with_source(study.current_revision().to_document(), upload)
    try:
        meta["summary"] = _inspect(study, document, upload)
    except SegprofileError as exc:
        meta["options"] = previous
        return _inspect_page(request, study, upload, error=error_context(exc), status=400)
    meta.pop("reasons", None)
    staging.save(upload)
    return redirect("studies:data_inspect", pk=study.pk, token=upload.token)


# --- the import, run by the background worker -------------------------------------------------


def _import_for(request: HttpRequest, pk: int, import_pk: int) -> DataImport:
    study = study_for(request, pk, need="view")
    try:
        job = DataImport.objects.select_related("study", "created_by").get(
            pk=import_pk, study=study
        )
    except DataImport.DoesNotExist:
        raise Http404 from None
    job.sync_with_task()
    return job


def _source_title(study: Study, source_id: str, token: str = "") -> str:
    """A data source as the analyst named it (its id only when it has no title); a new source
    not yet in the study by the title given with its upload ``token``, while that is staged."""
    revision = study.current_revision()
    titles = labels.source_titles(revision.to_document()) if revision is not None else {}
    if source_id in titles or not token:
        return titles.get(source_id, source_id)
    try:
        meta = staging.get(staging_root(), staging_area(study), token).meta
    except SegprofileError:  # deleted once the import ended
        return source_id
    return _source_name(meta, {}) if meta.get("source_id") == source_id else source_id


def _imported(request: HttpRequest, job: DataImport) -> HttpResponse:
    """A finished import: its result as a message, on the page the user goes on from."""
    messages.success(
        request,
        gettext("Version %(version)s of the source «%(source)s» was imported: %(rows)s rows.")
        % {
            "version": job.version,
            "source": _source_title(job.study, job.source_id),
            "rows": number(job.rows),
        },
    )
    if job.warning:
        messages.warning(request, job.warning)
    if job.then == THEN_SURVEY:
        return redirect(
            "studies:survey_map", pk=job.study_id, source_id=job.source_id, version=job.version
        )
    return redirect(reverse("studies:data", kwargs={"pk": job.study_id}) + f"#{job.source_id}")


@require_GET
def data_import(request: HttpRequest, pk: int, import_pk: int) -> HttpResponse:
    """An import's page: its progress while the worker imports, its error if it failed; once
    done, the data page (or the survey's question mapping) with the result."""
    job = _import_for(request, pk, import_pk)
    if job.status == DataImport.Status.DONE:
        return _imported(request, job)
    context = {
        "study": job.study,
        "job": job,
        "source": _source_title(job.study, job.source_id, job.token),
        "error": _import_error(job) if job.status == DataImport.Status.FAILED else None,
    }
    return render(request, "studies/data/import.html", context)


@require_GET
def data_import_progress(request: HttpRequest, pk: int, import_pk: int) -> HttpResponse:
    """The progress fragment HTMX polls; once the import ends, the whole page reloads."""
    job = _import_for(request, pk, import_pk)
    return htmx.job_progress(
        request,
        finished=job.is_finished,
        page=reverse("studies:data_import", kwargs={"pk": job.study_id, "import_pk": job.pk}),
        job=job,
        poll=request.path,
    )


def _audit_original_deleted(
    request: HttpRequest, study: Study, original: staging.Upload, study_id: str
) -> None:
    """Deleting a kept original: in the study's audit log and in the data audit trail (keeping
    one is audited by the import job, ``tasks.import_upload``)."""
    source_id = str(original.meta.get("source_id", ""))
    version = original.meta.get("version")
    pipeline.audit_original(
        workspace_for(study),
        kept=False,
        user=request.user.get_username(),
        study_id=study_id,
        source_id=source_id,
        file=original.name,
        version=version if isinstance(version, int) else None,
    )
    audit(
        request,
        AuditEvent.Action.DELETED,
        study,
        {"what": "original", "source": source_id, "version": version, "file": original.shown_name},
    )


@require_POST
def data_discard(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Delete an uploaded file that is waiting for import (or whose upload was damaged)."""
    study = study_for(request, pk, need="edit")
    upload = _load_upload(study, token)
    try:
        with staging.hold(upload):  # not while another request imports it
            staging.discard(staging_root(), upload.area, upload.token)
    except ConflictError as exc:
        messages.error(request, str(exc))
        return _back_to_data(study)
    except NotFound:
        raise Http404 from None
    logger.info("Study %s: staged upload deleted", study.pk)
    messages.success(
        request,
        gettext("The uploaded file %(file)s was deleted.") % {"file": upload.shown_name or "—"},
    )
    return _back_to_data(study)


@require_POST
def data_original_delete(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Delete an original an owner kept after its import (owners only; audited)."""
    study = study_for(request, pk, need="manage")
    try:
        original = staging.get_original(staging_root(), staging_area(study), token)
    except NotFound:
        raise Http404 from None
    staging.delete_original(staging_root(), original.area, original.token)
    document = study.current_revision().to_document()
    _audit_original_deleted(request, study, original, document.id)
    messages.success(
        request,
        gettext("The uploaded file %(file)s was deleted.") % {"file": original.shown_name or "—"},
    )
    return _back_to_data(study, "originals")


@require_http_methods(["GET", "POST"])
def data_version_delete(
    request: HttpRequest, pk: int, source_id: str, version: int
) -> HttpResponse:
    """Delete a stored dataset version, after a confirmation page (audited)."""
    study = study_for(request, pk, need="manage")
    document = study.current_revision().to_document()
    ws = workspace_for(study)
    try:
        versions = pipeline.list_dataset_versions(ws, document.id, source_id)
    except SegprofileError:
        raise Http404 from None
    manifest = next((m for m in versions if m.version == version), None)
    if manifest is None:
        raise Http404
    form = DeleteVersionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline.delete_dataset_version(
                ws, document.id, source_id, version, user=request.user.get_username()
            )
        except NotFound:
            raise Http404 from None
        audit(
            request,
            AuditEvent.Action.DELETED,
            study,
            {"what": "dataset version", "source": source_id, "version": version},
        )
        messages.success(
            request,
            gettext("Version %(version)s of the source «%(source)s» was deleted.")
            % {"version": version, "source": _source_title(study, source_id)},
        )
        return redirect(reverse("studies:data", kwargs={"pk": study.pk}) + f"#{source_id}")
    context = {
        "study": study,
        "manifest": manifest,
        "when": _when(manifest.created_at),
        "author": people_by_username([manifest.author]).get(manifest.author, "—"),
        "source_id": source_id,
        "source": _source_title(study, source_id),
        "is_latest": manifest.version == versions[-1].version,
        "previous": versions[-2].version if len(versions) > 1 else None,
        "form": form,
    }
    return render(
        request,
        "studies/data/delete_version.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
