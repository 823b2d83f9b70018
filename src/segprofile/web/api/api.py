"""The JSON API: studies, their documents and revisions, datasets, profile jobs, reports.

A new study is made from its scope alone (``POST /studies``, as the site's guided start); its
document is then edited whole (``/revisions``) or part by part, as the site's section forms do:
a section (``/sections/{section}``) or one item of a list (``/lists/{list}/{id}``), changed by
:mod:`segprofile.model.parts`, validated by the model, stored as a revision merged with the
edits saved since the request's ``base_revision`` (the same part changed on both sides: 409).

Authentication: ``Authorization: Bearer <token>`` with a token the user created on the page
«Доступ для программ (API)». A session cookie does not authenticate here (no CSRF to forge).
Access to a study is decided by the studies app's one rule (``access``), exactly as on
the site. Errors are JSON: ``{"detail": "<по-русски>", "code": "<english_code>"}``.
The OpenAPI schema is at ``/api/openapi.json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from segprofile import pipeline
from segprofile.errors import ConflictError, DocumentError, NotFound, SegprofileError
from segprofile.model import parts
from segprofile.model.diff import describe_changes, describe_conflict
from segprofile.web.api.models import ApiToken
from segprofile.web.api.schemas import (
    BASE_REVISION_HELP,
    MAX_REVISION,
    ConflictOut,
    DatasetOut,
    DocumentOut,
    ErrorOut,
    ItemIn,
    PartOut,
    ProfileOut,
    RevisionIn,
    RevisionOut,
    RunOut,
    SavedOut,
    SectionIn,
    SourceOut,
    StudyDetailOut,
    StudyIn,
    StudyOut,
    VersionOut,
)
from segprofile.web.studies import access, runs, sections, services, tasks
from segprofile.web.studies.audit import audit
from segprofile.web.studies.models import (
    AuditEvent,
    EditConflictError,
    ProfileRun,
    Study,
    StudyRevision,
    masked_note,
)
from segprofile.web.studies.views.common import disposition, report_download

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """A user's API token (only its SHA-256 is stored)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.authenticate(token.strip())
        if found is None:
            return None
        request.user = found.user
        return found


api = NinjaAPI(
    title="segprofile API",
    version="1",
    description=(
        "Профиль клиентского сегмента: исследования, их документы и редакции, разделы и элементы "
        "документа, наборы данных, построение профиля и отчёты. Авторизация: заголовок "
        "«Authorization: Bearer <токен>»; токен создаётся на странице «Доступ для программ "
        "(API)». Ошибки — JSON с полями detail (по-русски) и code (по-английски)."
    ),
    auth=TokenAuth(),
    docs_url=None,  # Swagger UI loads scripts from other hosts, which the CSP forbids
    urls_namespace="api",
)


# --- errors ------------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {"detail": detail, "code": code, "errors": errors or []}
    return api.create_response(request, body, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.detail)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request,
        401,
        "not_authenticated",
        gettext(
            "Authentication required: send the header «Authorization: Bearer <token>» with an "
            "active API token (create one on the «Access for programs (API)» page)."
        ),
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request,
        403,
        "forbidden",
        gettext("Access denied: your role in this study does not allow this."),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 404, "not_found", gettext("Not found: there is no such object, or it was deleted.")
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    for item in exc.errors:
        where = ".".join(str(p) for p in item.get("loc", ()))
        problems.append({"loc": where, "msg": str(item.get("msg", "")), "type": item.get("type")})
    base = [p for p in problems if p["loc"].endswith("base_revision")]
    if base:
        return _error(
            request,
            422,
            "base_revision_required" if base[0]["type"] == "missing" else "invalid_base_revision",
            gettext(
                "Give «base_revision»: the number of the revision your edit started from (the "
                "«revision» of GET /studies/{id} or of its document), a whole number from 1 to "
                "%(max)s. Without it the save could silently undo someone else's edit."
            )
            % {"max": MAX_REVISION},
            problems,
        )
    listed = "; ".join(p["loc"] for p in problems) or "—"
    return _error(
        request,
        422,
        "invalid_request",
        gettext("The request is not valid; check the fields: %(fields)s.") % {"fields": listed},
        problems,
    )


@api.exception_handler(EditConflictError)
def _edit_conflict(request: HttpRequest, exc: EditConflictError) -> HttpResponse:
    """409 with both versions of every part changed on both sides, as the site shows them."""
    parts = []
    latest = exc.study.current_revision() if exc.study is not None else None
    context = latest.document if latest is not None else None  # names the items parts refer to
    for conflict in exc.conflicts:
        theirs, mine = describe_conflict(conflict, context)
        parts.append(
            {
                "part": ".".join(conflict.part),
                "title": conflict.title,
                "base": conflict.base,
                "theirs": conflict.theirs,
                "mine": conflict.mine,
                "theirs_changes": theirs,
                "mine_changes": mine,
            }
        )
    body = {
        "detail": str(exc),
        "code": "conflict",
        "errors": [],
        "base_revision": exc.base,
        "latest_revision": exc.latest,
        "conflicts": parts,
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request,
        413,
        "too_large",
        gettext(
            "The request body is larger than the server accepts. Send a smaller document (the "
            "administrator sets the limit)."
        ),
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The net under every endpoint: a JSON answer, the details in the server log only."""
    logger.exception("API: unexpected %s at %s", type(exc).__name__, request.path)
    return _error(
        request,
        500,
        "internal_error",
        gettext(
            "Internal error of the server; nothing was changed by this request. The "
            "administrator finds the details in the server log."
        ),
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return _error(request, 400, "bad_request", gettext("The request body is not valid JSON."))
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(SegprofileError)
def _segprofile_error(request: HttpRequest, exc: SegprofileError) -> HttpResponse:
    if isinstance(exc, DocumentError):
        # The problems may quote the document (a key, a value): masked, as it would be stored.
        mask = pipeline.mask_comment
        problems = [{"loc": mask(p), "line": line, "msg": mask(t)} for p, line, t in exc.problems]
        return _error(request, 422, "invalid_document", mask(str(exc)), problems)
    if isinstance(exc, ConflictError):
        return _error(request, 409, "conflict", str(exc))
    if isinstance(exc, NotFound):
        return _error(request, 404, "not_found", str(exc))
    status = exc.http_status if exc.http_status < 500 else 500
    if status >= 500:
        logger.exception("API: %s", type(exc).__name__)
    return _error(request, 422 if status == 400 else status, "invalid_input", str(exc))


_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _responses(ok: int, schema: Any, *extra: int) -> dict[int, Any]:
    return {ok: schema, **_ERRORS, **dict.fromkeys(extra, ErrorOut)}


_BINARY = {"type": "string", "format": "binary"}


def _file_responses(content: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """OpenAPI of a download: its media types and their schemas (ninja documents JSON only)."""
    media = {name: {"schema": schema} for name, schema in content.items()}
    return {"responses": {"200": {"description": "OK", "content": media}}}


# --- studies -----------------------------------------------------------------------------------

StudyId = Path[int]


def _study_out(study: Study, user: Any) -> dict[str, Any]:
    revision = study.current_revision()
    return {
        "id": study.pk,
        "slug": study.slug,
        "title": study.title,
        "role": study.role_for(user),
        "revision": revision.number if revision else 0,
        "created_at": study.created_at,
        "updated_at": study.updated_at,
    }


@api.get("/studies", response=_responses(200, list[StudyOut]), tags=["studies"], summary="Studies")
def list_studies(request: HttpRequest) -> list[dict[str, Any]]:
    """The studies the token's user may see (as a member, or every one for an administrator)."""
    studies = access.studies_for(request.user).select_related("owner")
    return [_study_out(s, request.user) for s in studies]


@api.get(
    "/studies/{study_id}",
    response=_responses(200, StudyDetailOut),
    tags=["studies"],
    summary="A study",
)
def get_study(request: HttpRequest, study_id: StudyId) -> dict[str, Any]:
    study = access.study_for(request, study_id)
    return _study_detail_out(study, request.user, study.current_revision().to_document())


def _study_detail_out(study: Study, user: Any, document: Any) -> dict[str, Any]:
    return {
        **_study_out(study, user),
        "can_edit": study.can_edit(user),
        "can_manage": study.can_manage(user),
        "data_sources": [
            SourceOut(id=s.id, kind=s.kind.value, title=s.title, path=s.path)
            for s in document.data_sources
        ],
    }


def _revision(study: Study, number: int | None) -> StudyRevision:
    if number is None:
        return study.current_revision()
    return get_object_or_404(study.revisions, number=number)


@api.get(
    "/studies/{study_id}/document",
    response=_responses(200, DocumentOut),
    tags=["studies"],
    summary="The study document (JSON)",
)
def get_document(
    request: HttpRequest, study_id: StudyId, revision: Query[int | None] = None
) -> dict[str, Any]:
    """The document of the current revision, or of ``revision``."""
    study = access.study_for(request, study_id)
    rev = _revision(study, revision)
    document = access.readable_document(request, study, rev.to_document())
    audit(
        request,
        AuditEvent.Action.EXPORT,
        study,
        {"format": "json", "revision": rev.number, "via": "api"},
    )
    return {"revision": rev.number, "document": document.model_dump(mode="json")}


@api.get(
    "/studies/{study_id}/document.yaml",
    response=_ERRORS,
    tags=["studies"],
    summary="The study document (YAML)",
    openapi_extra=_file_responses(
        {"application/yaml": {"type": "object", "description": "The study document."}}
    ),
)
def get_document_yaml(
    request: HttpRequest, study_id: StudyId, revision: Query[int | None] = None
) -> HttpResponse:
    study = access.study_for(request, study_id)
    rev = _revision(study, revision)
    text = pipeline.dump_study(access.readable_document(request, study, rev.to_document()))
    audit(
        request,
        AuditEvent.Action.EXPORT,
        study,
        {"format": "yaml", "revision": rev.number, "via": "api"},
    )
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = disposition(f"{study.slug}-r{rev.number}.yaml")
    return response


@api.get(
    "/studies/{study_id}/revisions",
    response=_responses(200, list[RevisionOut]),
    tags=["studies"],
    summary="Revisions of a study",
)
def list_revisions(request: HttpRequest, study_id: StudyId) -> list[dict[str, Any]]:
    study = access.study_for(request, study_id)
    return [_revision_out(r) for r in study.revisions.select_related("author")]


def _revision_out(revision: StudyRevision, *, saved: bool = False) -> dict[str, Any]:
    """A revision; ``saved``: one this request stored, with what the site says on saving it
    (and what of the typed texts was masked: one rule, ``sections.saved_message``)."""
    return {
        "number": revision.number,
        "created_at": revision.created_at,
        "author": revision.author.get_username() if revision.author else None,
        # As the history names it (an example by its title): one rule, on the model.
        "comment": revision.comment_shown,
        "base_number": revision.base_number,
        "message": sections.saved_message(revision) if saved else "",
        "masked": revision.masked_list if saved else "",
    }


@api.post(
    "/studies/{study_id}/revisions",
    response={**_responses(201, RevisionOut, 400, 413), 409: ConflictOut},
    tags=["studies"],
    summary="Save a new revision",
)
def create_revision(request: HttpRequest, study_id: StudyId, body: RevisionIn) -> Status:
    """Store a whole study document as the next revision (owners and editors).

    Give the document as an object (``document``) or as YAML text (``yaml``), and always the
    revision the edit started from (``base_revision``). An invalid document is refused (422)
    with its problems; an edit of a part someone else changed since is refused (409) with both
    versions; nothing is saved.
    """
    study = access.study_for(request, study_id, need="edit")
    _check_base(study, body.base_revision)
    if (body.document is None) == (body.yaml is None):
        raise ApiError(
            422,
            "invalid_request",
            gettext("Send the document either as «document» (an object) or as «yaml» (text)."),
        )
    if body.yaml is not None:
        # Parsed in a child process with memory and time limits, like every uploaded file.
        document = pipeline.run_isolated(
            pipeline.parse_study, body.yaml, source="yaml", file="yaml"
        )
    else:
        document = pipeline.study_from_data(body.document, source="document")
    comment = body.comment or gettext("Saved through the API")
    revision = study.add_revision(
        document, author=request.user, comment=comment, base=body.base_revision
    )
    audit(
        request,
        AuditEvent.Action.IMPORT,
        study,
        {"what": "study", "revision": revision.number, "via": "api"},
    )
    return Status(201, _revision_out(revision, saved=True))


def _check_base(study: Study, base: int) -> None:
    latest = study.current_revision().number
    if base > latest:
        raise ApiError(
            422,
            "invalid_base_revision",
            gettext(
                "There is no revision %(base)s yet: the latest is %(latest)s. Give the revision "
                "your edit started from."
            )
            % {"base": base, "latest": latest},
        )


@api.post(
    "/studies",
    response=_responses(201, StudyDetailOut, 400, 413),
    tags=["studies"],
    summary="Create a study",
)
def create_study(request: HttpRequest, body: StudyIn) -> Status:
    """A new study from its scope alone, as the site's «Новое исследование» makes it: what is
    profiled, its title, the body, the clients and the legal acts. The token's user becomes
    its owner; everything else is added section by section (``/sections``, ``/lists``)."""
    document = pipeline.new_study(
        kind=body.kind,
        title=body.title,
        body=body.body,
        client_types=body.client_types,
        legal_acts=[act.dict(exclude_none=True) for act in body.legal_acts],
        description=body.description,
    )
    comment = body.comment or gettext("Created through the API")
    study = Study.create_from_document(document, owner=request.user, comment=comment)
    audit(
        request,
        AuditEvent.Action.IMPORT,
        study,
        {"what": "study", "created": True, "revision": 1, "via": "api"},
    )
    masked = study.masked_list
    study = access.study_for(request, study.pk)  # with the user's role, as every study read
    # The document as stored: its typed texts masked (Study.add_revision), and what was.
    out = _study_detail_out(study, request.user, study.current_revision().to_document())
    out |= {"message": gettext("The study was created.") + masked_note(masked), "masked": masked}
    return Status(201, out)


# --- sections and items of the study document ---------------------------------------------------

SectionName = Literal[parts.SECTIONS]  # type: ignore[valid-type]
ListName = Literal[tuple(parts.LISTS)]  # type: ignore[valid-type]
_WRITE = {**_responses(200, SavedOut, 400, 413), 409: ConflictOut}


def _read_part(
    request: HttpRequest,
    study_id: int,
    revision: int | None,
    section: str,
    read: Callable[[dict[str, Any]], Any],
    item_id: str | None = None,
) -> dict[str, Any]:
    study = access.study_for(request, study_id)
    rev = _revision(study, revision)
    value = read(rev.document)
    where = section if item_id is None else f"{section}/{item_id}"
    audit(
        request,
        AuditEvent.Action.EXPORT,
        study,
        {"format": "json", "part": where, "revision": rev.number, "via": "api"},
    )
    return {"revision": rev.number, "section": section, "id": item_id, "value": value}


def _save_part(
    request: HttpRequest,
    study_id: int,
    base_revision: int,
    change: parts.Change,
    *,
    comment: str,
    section: str,
    item_id: str | None = None,
) -> StudyRevision:
    """Apply ``change`` to the base revision's document, validate it with the model and store
    it as the next revision, merged with edits saved since (or 409), as the site's forms do."""
    study = access.study_for(request, study_id, need="edit")
    _check_base(study, base_revision)
    base = _revision(study, base_revision).to_document()
    # Typed texts masked as imported ones are, as on the site's forms (pipeline.mask_edit),
    # before the comment describes the change.
    edit = pipeline.mask_edit(base, parts.apply(base, change, source="запрос"))
    document = edit.study
    if not comment:
        changes = describe_changes(base.model_dump(mode="json"), document.model_dump(mode="json"))
        comment = gettext("Through the API: %(changes)s") % {
            "changes": "; ".join(changes) or gettext("nothing changed")
        }
    revision = study.add_revision(
        document, author=request.user, comment=pipeline.mask_comment(comment), base=base_revision
    )
    revision.masked_list = edit.masked_list  # masked here already: add_revision found nothing
    where = section if item_id is None else f"{section}/{item_id}"
    audit(
        request,
        AuditEvent.Action.IMPORT,
        study,
        {"what": "part", "part": where, "revision": revision.number, "via": "api"},
    )
    return revision


def _saved(
    revision: StudyRevision,
    section: str,
    read: Callable[[dict[str, Any]], Any],
    item_id: str | None = None,
) -> dict[str, Any]:
    return {
        "revision": _revision_out(revision, saved=True),
        "section": section,
        "id": item_id,
        "value": read(revision.document),
    }


@api.get(
    "/studies/{study_id}/sections/{section}",
    response=_responses(200, PartOut),
    tags=["document"],
    summary="A section of the study document",
)
def get_section(
    request: HttpRequest,
    study_id: StudyId,
    section: Path[SectionName],
    revision: Query[int | None] = None,
) -> dict[str, Any]:
    """A section of the current revision's document (or of ``revision``): ``scope``,
    ``roles``, ``features``, ``segmentation``, ``priority``, ``research``…"""
    return _read_part(
        request, study_id, revision, section, lambda data: parts.section(data, section)
    )


@api.put(
    "/studies/{study_id}/sections/{section}",
    response=_WRITE,
    tags=["document"],
    summary="Replace a section of the study document",
)
def put_section(
    request: HttpRequest, study_id: StudyId, section: Path[SectionName], body: SectionIn
) -> dict[str, Any]:
    """Replace the whole section with ``value`` (owners and editors). The document is checked
    by the model: a refused value is 422 with the path and a Russian message, nothing saved."""
    revision = _save_part(
        request,
        study_id,
        body.base_revision,
        lambda data: parts.set_section(data, section, body.value),
        comment=body.comment,
        section=section,
    )
    return _saved(revision, section, lambda data: parts.section(data, section))


@api.get(
    "/studies/{study_id}/lists/{list_name}",
    response=_responses(200, PartOut),
    tags=["document"],
    summary="The items of a list of the study document",
)
def get_list(
    request: HttpRequest,
    study_id: StudyId,
    list_name: Path[ListName],
    revision: Query[int | None] = None,
) -> dict[str, Any]:
    """The items of a list with identifiers: ``legal_acts`` (of the scope), ``roles``,
    ``features``, ``hypotheses``, ``activities`` (of the research plan), ``journeys``,
    ``recommendations``…"""
    return _read_part(
        request, study_id, revision, list_name, lambda data: parts.items(data, list_name)
    )


@api.post(
    "/studies/{study_id}/lists/{list_name}",
    response={**_WRITE, 201: SavedOut},
    tags=["document"],
    summary="Add an item to a list of the study document",
)
def add_item(
    request: HttpRequest, study_id: StudyId, list_name: Path[ListName], body: ItemIn
) -> Status:
    """Add ``item`` at the end of the list (owners and editors); its ``id`` must be new."""
    item_id = str(body.item.get("id", ""))
    revision = _save_part(
        request,
        study_id,
        body.base_revision,
        lambda data: parts.add_item(data, list_name, body.item),
        comment=body.comment,
        section=list_name,
        item_id=item_id,
    )
    return Status(
        201,
        _saved(revision, list_name, lambda data: parts.item(data, list_name, item_id), item_id),
    )


ItemId = Path[str]


@api.get(
    "/studies/{study_id}/lists/{list_name}/{item_id}",
    response=_responses(200, PartOut),
    tags=["document"],
    summary="An item of a list of the study document",
)
def get_item(
    request: HttpRequest,
    study_id: StudyId,
    list_name: Path[ListName],
    item_id: ItemId,
    revision: Query[int | None] = None,
) -> dict[str, Any]:
    return _read_part(
        request,
        study_id,
        revision,
        list_name,
        lambda data: parts.item(data, list_name, item_id),
        item_id,
    )


@api.put(
    "/studies/{study_id}/lists/{list_name}/{item_id}",
    response=_WRITE,
    tags=["document"],
    summary="Replace an item of a list of the study document",
)
def put_item(
    request: HttpRequest,
    study_id: StudyId,
    list_name: Path[ListName],
    item_id: ItemId,
    body: ItemIn,
) -> dict[str, Any]:
    """Replace the item with ``item`` in its place (owners and editors); the id stays."""
    revision = _save_part(
        request,
        study_id,
        body.base_revision,
        lambda data: parts.replace_item(data, list_name, item_id, body.item),
        comment=body.comment,
        section=list_name,
        item_id=item_id,
    )
    return _saved(revision, list_name, lambda data: parts.item(data, list_name, item_id), item_id)


@api.delete(
    "/studies/{study_id}/lists/{list_name}/{item_id}",
    response=_WRITE,
    tags=["document"],
    summary="Delete an item of a list of the study document",
)
def delete_item(
    request: HttpRequest,
    study_id: StudyId,
    list_name: Path[ListName],
    item_id: ItemId,
    base_revision: int = Query(..., ge=1, le=MAX_REVISION, description=BASE_REVISION_HELP),
    comment: str = Query("", max_length=500),
) -> dict[str, Any]:
    """Delete the item (owners and editors). What still refers to it (a role to a legal act, a
    recommendation to a problem…) makes it 422 with those places; nothing is deleted."""
    revision = _save_part(
        request,
        study_id,
        base_revision,
        lambda data: parts.delete_item(data, list_name, item_id),
        comment=comment,
        section=list_name,
        item_id=item_id,
    )
    return _saved(revision, list_name, lambda data: None, item_id)


# --- datasets ----------------------------------------------------------------------------------


@api.get(
    "/studies/{study_id}/datasets",
    response=_responses(200, list[DatasetOut]),
    tags=["datasets"],
    summary="Data sources and their imported versions",
)
def list_datasets(request: HttpRequest, study_id: StudyId) -> list[dict[str, Any]]:
    study = access.study_for(request, study_id)
    document = study.current_revision().to_document()
    out = []
    for source in document.data_sources:
        try:
            versions = pipeline.list_dataset_versions(
                services.workspace_for(study), document.id, source.id
            )
        except SegprofileError:
            versions = []
        out.append(
            {
                "source_id": source.id,
                "kind": source.kind.value,
                "title": source.title,
                "path": source.path,
                "versions": [
                    VersionOut(
                        version=m.version,
                        created_at=m.created_at,
                        author=m.author,
                        file=m.file,
                        file_format=m.file_format,
                        rows=m.rows,
                        sha256=m.sha256,
                        file_sha256=m.file_sha256,
                    )
                    for m in versions
                ],
            }
        )
    return out


# --- profile jobs ------------------------------------------------------------------------------


def _run_out(run: ProfileRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "study_id": run.study_id,
        "revision": run.revision.number,
        "status": str(run.status),
        "progress": run.progress,
        "message": run.message,
        "error": run.error,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "created_by": run.created_by.get_username() if run.created_by else None,
    }


def _run(request: HttpRequest, study_id: int, run_id: int) -> ProfileRun:
    run = access.run_for(request, study_id, run_id)
    tasks.fail_if_worker_died(run)
    run.sync_with_task()
    return run


@api.get(
    "/studies/{study_id}/runs",
    response=_responses(200, list[RunOut]),
    tags=["profiles"],
    summary="Profile jobs of a study",
)
def list_runs(request: HttpRequest, study_id: StudyId) -> list[dict[str, Any]]:
    study = access.study_for(request, study_id)
    runs = list(study.runs.select_related("revision", "created_by")[:50])
    for run in runs:
        tasks.fail_if_worker_died(run)
    return [_run_out(r) for r in runs]


@api.post(
    "/studies/{study_id}/runs",
    response=_responses(202, RunOut),
    tags=["profiles"],
    summary="Start building the profile",
)
def start_run(request: HttpRequest, study_id: StudyId) -> Status:
    """Queue a profile build of the current revision (owners and editors); poll its status."""
    study = access.study_for(request, study_id, need="edit")
    run = services.start_profile_run(study, request.user)
    run = ProfileRun.objects.select_related("revision", "created_by").get(pk=run.pk)
    return Status(202, _run_out(run))


@api.get(
    "/studies/{study_id}/runs/{run_id}",
    response=_responses(200, RunOut),
    tags=["profiles"],
    summary="Status and progress of a profile job",
)
def get_run(request: HttpRequest, study_id: StudyId, run_id: Path[int]) -> dict[str, Any]:
    return _run_out(_run(request, study_id, run_id))


def _finished(request: HttpRequest, study_id: int, run_id: int) -> ProfileRun:
    run = _run(request, study_id, run_id)
    if run.status == ProfileRun.Status.FAILED:
        raise ApiError(
            409,
            "run_failed",
            gettext("This profile build failed: %(error)s") % {"error": run.error},
        )
    if run.status != ProfileRun.Status.DONE:
        raise ApiError(
            409,
            "run_not_finished",
            gettext("The profile is not built yet (%(percent)s%%); ask again later.")
            % {"percent": run.percent},
        )
    return run


@api.get(
    "/studies/{study_id}/runs/{run_id}/profile",
    response=_responses(200, ProfileOut, 409),
    tags=["profiles"],
    summary="The finished profile (JSON)",
)
def get_profile(
    request: HttpRequest, study_id: StudyId, run_id: Path[int], unsuppressed: bool = False
) -> dict[str, Any]:
    """Small groups are hidden; ``unsuppressed=true`` (owners only) shows them in this one
    output, audited and marked in ``profile.disclosure``."""
    run = _finished(request, study_id, run_id)
    raw = _unsuppressed(request, run, unsuppressed)
    audit(request, AuditEvent.Action.EXPORT, run.study, _export_details(run, "json", raw))
    if raw:  # an owner's request for this one output: computed now
        text = pipeline.published_profile_json(
            run.result_json, run.revision.to_document(), raw=True
        )
    else:
        text = runs.published_json(run)
    return {"run": run.pk, "revision": run.revision.number, "profile": json.loads(text)}


def _unsuppressed(request: HttpRequest, run: ProfileRun, asked: bool) -> bool:
    """An owner's request for figures without disclosure control; anyone else gets 403."""
    return access.unsuppressed_requested(request, run.study, asked)


def _export_details(run: ProfileRun, fmt: str, raw: bool) -> dict[str, Any]:
    details: dict[str, Any] = {
        "format": fmt,
        "run": run.pk,
        "revision": run.revision.number,
        "via": "api",
    }
    if raw:
        details["unsuppressed"] = True
    return details


ReportFormat = Literal["docx", "xlsx", "html", "pdf"]


@api.get(
    "/studies/{study_id}/runs/{run_id}/report/{fmt}",
    response={**_ERRORS, 409: ErrorOut},
    tags=["profiles"],
    summary="The report of a finished profile (DOCX, XLSX, HTML, PDF)",
    openapi_extra=_file_responses(
        {t.split(";")[0]: _BINARY for t, _ in pipeline.REPORT_FORMATS.values()}
    ),
)
def get_report(
    request: HttpRequest,
    study_id: StudyId,
    run_id: Path[int],
    fmt: Path[ReportFormat],
    unsuppressed: bool = False,
) -> HttpResponse:
    run = _finished(request, study_id, run_id)
    raw = _unsuppressed(request, run, unsuppressed)
    profile = pipeline.profile_from_json(run.result_json)
    document = runs.rule_document(run)  # min_cell as the study's now, if larger
    content = pipeline.render_report(profile, document, fmt, unsuppressed=raw)
    content_type, extension = pipeline.REPORT_FORMATS[fmt]
    audit(request, AuditEvent.Action.EXPORT, run.study, _export_details(run, fmt, raw))
    return report_download(run, content, extension, content_type)
