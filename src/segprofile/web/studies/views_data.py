"""Data in (issue #3): upload a file, inspect it, confirm types and personal data, import it.

The flow for a data source of the study (or a new one):

1. upload — the file is kept under ``<study>/uploads/<token>/`` and inspected at once
   (``pipeline.inspect_file``); a file that cannot be read is deleted again and the page says
   why, naming the file, row and column;
2. inspect — the first rows (identifiers, personal data and free text masked), every column's
   inferred type and use to confirm or change, the personal data found with the action on each,
   the quality report;
3. import — ``pipeline.import_dataset`` writes a new dataset version (pseudonymised in the
   engine before anything is written); the decisions go into the source's ``columns`` as a new
   revision of the study; the upload is deleted unless the user keeps it; the audit trail names
   the user.

Datasets and the audit trail of a study live under its own directory
(``SEGPROFILE_HOME/studies/<pk>/``), so studies never share them; ``profile_study`` reads the
latest version from there (see ``tasks.build_profile``). Its pseudonym key lives apart from the
data, in the key store (``keys.study_key``).

Nothing here logs or shows a client value: previews are masked and messages name columns only.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
from datetime import datetime
from pathlib import Path
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
from segprofile.data.privacy import AuditRecord, now_iso, write_audit
from segprofile.data.readers import DELIMITER_LABELS, ENCODING_LABELS, ReadOptions
from segprofile.errors import NotFound, SegprofileError
from segprofile.model.study import ColumnOverride, DataSource, DataSourceKind
from segprofile.model.study import Study as StudyDocument
from segprofile.report.format import percent
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms import (
    COLUMN_TYPE_LABELS,
    COLUMN_USE_LABELS,
    NEW_SOURCE,
    PII_ACTION_LABELS,
    PII_KIND_LABELS,
    SOURCE_KIND_LABELS,
    DataFileForm,
    DeleteVersionForm,
    ImportDecisionsForm,
)
from segprofile.web.studies.keys import study_key
from segprofile.web.studies.models import AuditEvent, Study
from segprofile.web.studies.storage import file_state, safe_data_path, store_upload
from segprofile.web.studies.views import _study_for

logger = logging.getLogger(__name__)

MASK = "•••"
_TOKEN = re.compile(r"^[0-9a-f]{16}$")
_MASKED_TYPES = {"identifier", "text"}
_MASKED_USES = {"id", "text"}
# The readers' hints name the CLI's options; on the page they are the upload form's fields.
_CLI_OPTIONS = {
    "--encoding": "поле «Кодировка»",
    "--delimiter": "поле «Разделитель»",
    "--sheet": "поле «Лист»",
    "--header-row": "поле «Строка заголовка»",
}


def study_home(study: Study) -> Path:
    """Where a study's datasets, audit trail, key and uploads live (``tasks`` uses the same)."""
    return study.data_dir().parent


def _uploads(study: Study) -> Path:
    return study_home(study) / "uploads"


def _hint(error: SegprofileError) -> str:
    hint = error.hint or ""
    for option, field in _CLI_OPTIONS.items():
        hint = hint.replace(option, field)
    return hint


def _error_context(error: SegprofileError) -> dict[str, str]:
    return {"message": error.message, "hint": _hint(error)}


# --- staged uploads ----------------------------------------------------------------------------


def _stage_name(name: str) -> str:
    """The uploaded file's own name, made safe to store (the messages name the file by it)."""
    clean = "".join(ch for ch in name if ch.isprintable() and ch not in '/\\:*?"<>|').strip()
    clean = clean.lstrip(".") or "upload"
    if len(clean) > 120:
        stem, dot, suffix = clean.rpartition(".")
        clean = (stem[: 119 - len(suffix)] + dot + suffix) if dot else clean[:120]
    return clean


def _meta_path(study: Study, token: str) -> Path:
    if not _TOKEN.match(token):
        raise Http404
    return _uploads(study) / token / "upload.json"


def _load_upload(study: Study, token: str) -> dict[str, Any]:
    path = _meta_path(study, token)
    try:
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Http404 from None
    if not (path.parent / meta["file"]).is_file():
        raise Http404
    return meta


def _save_upload(study: Study, meta: dict[str, Any]) -> None:
    path = _meta_path(study, meta["token"])
    tmp = path.with_name(".upload.json.tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)


def _upload_file(study: Study, meta: dict[str, Any]) -> Path:
    return _uploads(study) / meta["token"] / meta["file"]


def _discard(study: Study, token: str) -> None:
    if _TOKEN.match(token):
        shutil.rmtree(_uploads(study) / token, ignore_errors=True)


def _staged_uploads(study: Study) -> list[dict[str, Any]]:
    root = _uploads(study)
    out = []
    if root.is_dir():
        for directory in sorted(root.iterdir()):
            if not _TOKEN.match(directory.name):
                continue
            try:
                meta = _load_upload(study, directory.name)
            except Http404:
                continue
            out.append(meta)
    return sorted(out, key=lambda m: m.get("created_at", ""), reverse=True)


def _read_options(meta: dict[str, Any]) -> ReadOptions:
    opts = meta.get("options", {})
    return ReadOptions(
        encoding=opts.get("encoding"),
        delimiter=opts.get("delimiter"),
        sheet=opts.get("sheet"),
        header_row=opts.get("header_row"),
        max_bytes=settings.SEGPROFILE_MAX_UPLOAD_BYTES,
    )


# --- the study document ------------------------------------------------------------------------


def _document_with_source(document: StudyDocument, meta: dict[str, Any]) -> StudyDocument:
    """The document with the upload's new source added (if it is for a new one)."""
    new = meta.get("new_source")
    if not new or new["id"] in {s.id for s in document.data_sources}:
        return document
    updated = document.model_copy(deep=True)
    updated.data_sources.append(
        DataSource(
            id=new["id"],
            kind=DataSourceKind(new["kind"]),
            title=new.get("title", ""),
            path=f"{new['id']}{Path(meta['file']).suffix.lower()}",
        )
    )
    return updated


def _with_decisions(
    document: StudyDocument, source_id: str, decisions: dict[str, dict[str, str]]
) -> StudyDocument:
    """A copy whose source keeps ``decisions`` in ``columns`` (over the earlier ones)."""
    updated = document.model_copy(deep=True)
    for source in updated.data_sources:
        if source.id == source_id:
            columns = dict(source.columns)
            for name, decision in decisions.items():
                before = columns.get(name, ColumnOverride())
                columns[name] = before.model_copy(update=decision)
            source.columns = columns
    return pipeline.study_from_data(updated.model_dump(mode="json"), source="data import")


# --- inspection --------------------------------------------------------------------------------


def _masked(inspection: pipeline.Inspection) -> set[str]:
    """Columns never shown raw: personal data, identifiers and free text (may hold names)."""
    out = {f.column for f in inspection.pii}
    for col in inspection.quality.columns:
        if col.type.value in _MASKED_TYPES or col.use.value in _MASKED_USES:
            out.add(col.name)
    return out


def _summary(inspection: pipeline.Inspection) -> dict[str, Any]:
    """What the inspect page shows, JSON-ready, with the preview already masked."""
    masked = _masked(inspection)
    pii = {f.column: f for f in inspection.pii}
    columns = []
    for col in inspection.quality.columns:
        is_date = col.dtype.upper().startswith(("DATE", "TIMESTAMP"))
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
                "min": _range_value(col.min) if show_range else None,
                "max": _range_value(col.max) if show_range else None,
            }
        )
    names: list[str] = [str(c["name"]) for c in columns]
    preview = [
        [_cell(row.get(name), name in masked) for name in names] for row in inspection.preview
    ]
    details = inspection.details
    facts = {
        "format": inspection.format.upper(),
        "encoding": ENCODING_LABELS.get(details.get("encoding", ""), details.get("encoding")),
        "delimiter": DELIMITER_LABELS.get(details.get("delimiter", "")),
        "decimal_comma": details.get("decimal") == ",",
        "sheet": details.get("sheet"),
        "sheets": details.get("sheets", []),
        "header_rows": details.get("header_rows"),
    }
    return {
        "file": inspection.file,
        "facts": facts,
        "rows": inspection.rows,
        "columns": columns,
        "preview": preview,
        "preview_rows": len(preview),
        "pii": [
            {
                "column": f.column,
                "kind": f.kind.value,
                "reason": f.reason,
                "action": f.action.value,
            }
            for f in inspection.pii
        ],
        "quality": {
            "id_column": inspection.quality.id_column,
            "duplicate_ids": inspection.quality.duplicate_ids,
            "issues": [i.to_dict() for i in inspection.quality.issues],
        },
    }


def _range_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cell(value: Any, masked: bool) -> str:
    if value is None or value == "":
        return ""
    if masked:
        return MASK
    if isinstance(value, bool):
        return str(gettext("yes") if value else gettext("no"))
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def _inspect(
    study: Study,
    document: StudyDocument,
    meta: dict[str, Any],
    overrides: dict[str, ColumnOverride] | None = None,
) -> dict[str, Any]:
    """Inspect the staged file with the source's saved decisions (and ``overrides``)."""
    existing = meta["source_id"] in {s.id for s in document.data_sources}
    inspection = pipeline.inspect_file(
        _upload_file(study, meta),
        options=_read_options(meta),
        study=document if existing else None,
        source_id=meta["source_id"] if existing else None,
        overrides=overrides,
        home=study_home(study),
    )
    return _summary(inspection)


# --- pages -------------------------------------------------------------------------------------


def _sources(study: Study, document: StudyDocument) -> list[dict[str, Any]]:
    home = study_home(study)
    staged = _staged_uploads(study)
    rows = []
    for source in document.data_sources:
        try:
            state = file_state(safe_data_path(study.data_dir(), source.path))
        except Exception:  # noqa: BLE001 — a path the model accepted but the disk refuses
            state = None
        try:
            versions = pipeline.list_dataset_versions(document.id, source.id, home=home)
        except SegprofileError:
            versions = []
        rows.append(
            {
                "source": source,
                "kind": SOURCE_KIND_LABELS.get(source.kind.value, source.kind.value),
                "file": state,
                "versions": [{"m": m, "when": _when(m.created_at)} for m in reversed(versions)],
                "latest": versions[-1].version if versions else None,
                "uploads": [m for m in staged if m["source_id"] == source.id],
                "decisions": len(source.columns),
            }
        )
    return rows


def _data_page(
    request: HttpRequest,
    study: Study,
    *,
    form: DataFileForm | None = None,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    document = study.current_revision().to_document()
    known = {s.id for s in document.data_sources}
    try:
        audit = pipeline.read_audit(study_id=document.id, home=study_home(study))
    except SegprofileError:
        audit = []
    context = {
        "study": study,
        "document": document,
        "sources": _sources(study, document),
        "new_uploads": [m for m in _staged_uploads(study) if m["source_id"] not in known],
        "form": form or DataFileForm(document=document, initial=_initial_source(request)),
        "error": error,
        "audit": [_audit_row(r) for r in reversed(audit)][:20],
        "new_source": NEW_SOURCE,
        "max_bytes": settings.SEGPROFILE_MAX_UPLOAD_BYTES,
    }
    return render(request, "studies/data/data.html", context, status=status)


_EVENT_LABELS = {
    "import": _("import"),
    "delete_version": _("version deleted"),
    "keep_personal_data": _("personal data kept as is"),
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


def _audit_row(record: AuditRecord) -> dict[str, Any]:
    """One audit line for the page: who, when, what was done to which columns (no values)."""
    actions = []
    for col in record.columns:
        action = str(col.get("action") or "")
        if action.startswith("type:"):
            label = gettext("type: %(type)s") % {
                "type": COLUMN_TYPE_LABELS.get(action[5:], action[5:])
            }
        else:
            label = str(PII_ACTION_LABELS.get(action, action))
        text = f"«{col.get('column')}» — {label}"
        if col.get("reason"):
            text += f" ({col['reason']})"
        actions.append(text)
    return {
        "record": record,
        "when": _when(record.time),
        "event": _EVENT_LABELS.get(record.event, record.event),
        "actions": actions,
    }


def _initial_source(request: HttpRequest) -> dict[str, str]:
    source = request.GET.get("source", "")
    return {"source": source} if source else {}


@require_GET
def data_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The study's data sources, their imported versions, the upload form, the audit trail."""
    return _data_page(request, _study_for(request, pk, need="view"))


@require_POST
def data_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive a file, inspect it at once; a file that cannot be read is not kept."""
    study = _study_for(request, pk, need="edit")
    document = study.current_revision().to_document()
    form = DataFileForm(request.POST, request.FILES, document=document)
    if not form.is_valid():
        return _data_page(request, study, form=form, status=400)
    uploaded = form.cleaned_data["file"]
    source_id = form.cleaned_data["source"]
    new_source = None
    if source_id == NEW_SOURCE:
        source_id = form.cleaned_data["new_source_id"]
        new_source = {
            "id": source_id,
            "kind": form.cleaned_data["new_source_kind"],
            "title": form.cleaned_data["new_source_title"].strip(),
        }
    token = secrets.token_hex(8)
    meta: dict[str, Any] = {
        "token": token,
        "file": _stage_name(uploaded.name or "upload"),
        "source_id": source_id,
        "new_source": new_source,
        "options": form.read_options(),
        "user": request.user.get_username(),
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "imported_version": None,
    }
    directory = _uploads(study) / token
    directory.mkdir(parents=True)
    try:
        meta["size"] = store_upload(uploaded, directory / meta["file"])
        _save_upload(study, meta)
        meta["summary"] = _inspect(study, document, meta)
        _save_upload(study, meta)
    except SegprofileError as exc:
        _discard(study, token)
        logger.info("Study %s: upload refused (%s)", study.pk, type(exc).__name__)
        return _data_page(
            request, study, form=form, error=_error_context(exc), status=exc.http_status
        )
    except BaseException:
        _discard(study, token)
        raise
    logger.info("Study %s: file staged for source %s", study.pk, source_id)
    return redirect("studies:data_inspect", pk=study.pk, token=token)


def _inspect_page(
    request: HttpRequest,
    study: Study,
    meta: dict[str, Any],
    *,
    form: ImportDecisionsForm | None = None,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    summary = meta["summary"]
    if form is None:
        summary = {
            **summary,
            "reasons": meta.get("reasons", {}),
            "keep_original": meta.get("keep", False),
        }
        form = ImportDecisionsForm(summary=summary)
    document = study.current_revision().to_document()
    existing = next((s for s in document.data_sources if s.id == meta["source_id"]), None)
    context = {
        "study": study,
        "meta": meta,
        "summary": summary,
        "source": existing,
        "form": form,
        "rows": form.rows(),
        "error": error,
        "type_labels": COLUMN_TYPE_LABELS,
        "use_labels": COLUMN_USE_LABELS,
        "kind_labels": PII_KIND_LABELS,
        "action_labels": PII_ACTION_LABELS,
        "source_kind": SOURCE_KIND_LABELS.get((meta.get("new_source") or {}).get("kind", ""), ""),
        "mask": MASK,
    }
    return render(request, "studies/data/inspect.html", context, status=status)


@require_http_methods(["GET", "POST"])
def data_inspect(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET: what the file holds. POST: re-check with the decisions, or import the file."""
    study = _study_for(request, pk, need="edit" if request.method == "POST" else "view")
    meta = _load_upload(study, token)
    if meta.get("imported_version") is not None:
        messages.info(
            request,
            gettext("This file was already imported as version %(version)s.")
            % {"version": meta["imported_version"]},
        )
        return redirect(reverse("studies:data", kwargs={"pk": study.pk}) + f"#{meta['source_id']}")
    if request.method == "GET":
        return _inspect_page(request, study, meta)
    action = request.POST.get("action", "import")
    if action == "sheet":
        return _change_sheet(request, study, meta)
    form = ImportDecisionsForm(request.POST, summary=meta["summary"])
    if not form.is_valid() or (action == "import" and not form.require_confirmation()):
        return _inspect_page(request, study, meta, form=form, status=400)
    decisions, reasons = form.decisions()
    meta["reasons"] = reasons
    meta["keep"] = bool(form.cleaned_data.get("keep_original"))
    document = _document_with_source(study.current_revision().to_document(), meta)
    try:
        updated = _with_decisions(document, meta["source_id"], decisions)
        if action == "recheck":
            meta["summary"] = _inspect(study, updated, meta)
            _save_upload(study, meta)
            return redirect("studies:data_inspect", pk=study.pk, token=token)
        return _import(request, study, meta, document, updated, reasons)
    except SegprofileError as exc:
        logger.info("Study %s: import refused (%s)", study.pk, type(exc).__name__)
        _save_upload(study, meta)
        return _inspect_page(
            request, study, meta, form=form, error=_error_context(exc), status=exc.http_status
        )


def _change_sheet(request: HttpRequest, study: Study, meta: dict[str, Any]) -> HttpResponse:
    """Read another sheet of the workbook (the decisions made so far belong to the old one)."""
    sheet = request.POST.get("sheet_choice", "")
    if sheet not in meta["summary"]["facts"]["sheets"]:
        raise Http404
    previous = dict(meta["options"])
    meta["options"]["sheet"] = sheet
    meta["options"]["header_row"] = None
    document = _document_with_source(study.current_revision().to_document(), meta)
    try:
        meta["summary"] = _inspect(study, document, meta)
    except SegprofileError as exc:
        meta["options"] = previous
        return _inspect_page(request, study, meta, error=_error_context(exc), status=400)
    meta.pop("reasons", None)
    _save_upload(study, meta)
    return redirect("studies:data_inspect", pk=study.pk, token=meta["token"])


def _import(
    request: HttpRequest,
    study: Study,
    meta: dict[str, Any],
    document: StudyDocument,
    updated: StudyDocument,
    reasons: dict[str, str],
) -> HttpResponse:
    """Import the staged file; on success save the decisions as a new revision."""
    source_id = meta["source_id"]
    user = request.user.get_username()
    result = pipeline.import_dataset(
        _upload_file(study, meta),
        updated,
        source_id,
        author=user,
        options=_read_options(meta),
        keep_reasons=reasons,
        delete_input=not meta["keep"],
        home=study_home(study),
        key=study_key(study),
    )
    version = result.manifest.version
    if reasons:
        write_audit(
            study_home(study),
            AuditRecord(
                time=now_iso(),
                user=user,
                event="keep_personal_data",
                study_id=updated.id,
                source_id=source_id,
                file=result.manifest.file,
                file_sha256=result.manifest.file_sha256,
                version=version,
                columns=[
                    {"column": c, "kind": None, "action": "keep", "reason": r}
                    for c, r in reasons.items()
                ],
            ),
        )
    current = study.current_revision().to_document()
    if updated.model_dump(mode="json") != current.model_dump(mode="json"):
        comment = gettext("Data import: source «%(source)s», version %(version)s") % {
            "source": source_id,
            "version": version,
        }
        if reasons:
            kept = "; ".join(f"«{c}»: {r}" for c, r in reasons.items())
            comment += ". " + gettext("Personal data kept as is: %(kept)s") % {"kept": kept}
        study.add_revision(updated, author=request.user, comment=comment)
    if meta["keep"]:
        meta["imported_version"] = version
        meta.pop("reasons", None)
        _save_upload(study, meta)
    else:
        _discard(study, meta["token"])
    logger.info("Study %s: source %s imported as version %d", study.pk, source_id, version)
    audit(
        request,
        AuditEvent.Action.IMPORT,
        study,
        {
            "what": "dataset",
            "source": source_id,
            "version": version,
            "rows": result.manifest.rows,
            "file": result.manifest.file,
        },
    )
    messages.success(
        request,
        gettext("Version %(version)s of the source «%(source)s» was imported: %(rows)s rows.")
        % {"version": version, "source": source_id, "rows": result.manifest.rows},
    )
    return redirect(reverse("studies:data", kwargs={"pk": study.pk}) + f"#{source_id}")


@require_POST
def data_discard(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Delete an uploaded file that is waiting for import (or was kept after one)."""
    study = _study_for(request, pk, need="edit")
    meta = _load_upload(study, token)
    _discard(study, token)
    logger.info("Study %s: staged upload deleted", study.pk)
    messages.success(request, gettext("The uploaded file %(file)s was deleted.") % meta)
    return redirect(reverse("studies:data", kwargs={"pk": study.pk}) + "#upload")


@require_http_methods(["GET", "POST"])
def data_version_delete(
    request: HttpRequest, pk: int, source_id: str, version: int
) -> HttpResponse:
    """Delete a stored dataset version, after a confirmation page (audited)."""
    study = _study_for(request, pk, need="manage")
    document = study.current_revision().to_document()
    home = study_home(study)
    try:
        versions = pipeline.list_dataset_versions(document.id, source_id, home=home)
    except SegprofileError:
        raise Http404 from None
    manifest = next((m for m in versions if m.version == version), None)
    if manifest is None:
        raise Http404
    form = DeleteVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline.delete_dataset_version(
                document.id, source_id, version, user=request.user.get_username(), home=home
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
            % {"version": version, "source": source_id},
        )
        return redirect(reverse("studies:data", kwargs={"pk": study.pk}) + f"#{source_id}")
    context = {
        "study": study,
        "manifest": manifest,
        "when": _when(manifest.created_at),
        "source_id": source_id,
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
