"""Request and response bodies of the JSON API (pydantic schemas, shown in the OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from segprofile.model.study import ClientType, ScopeKind


class ErrorOut(Schema):
    """Every error: a Russian ``detail`` for people, an English ``code`` for programs."""

    detail: str = Field(description="What went wrong and how to fix it (in Russian).")
    code: str = Field(description="A stable English error code, e.g. ``not_found``.")
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="Per-field problems of a request that is not valid."
    )


class StudyOut(Schema):
    id: int
    slug: str
    title: str
    role: str | None = Field(description="owner, editor, viewer or admin.")
    revision: int = Field(description="Number of the current revision.")
    created_at: datetime
    updated_at: datetime


class SourceOut(Schema):
    id: str
    kind: str
    title: str
    path: str


class StudyDetailOut(StudyOut):
    can_edit: bool
    can_manage: bool
    data_sources: list[SourceOut]
    message: str = Field(
        default="",
        description="On creation, what the site says (in Russian): «Исследование создано. В "
        "тексте заменены персональные данные: 1 телефон.»; empty on a read.",
    )
    masked: str = Field(
        default="",
        description="What personal data in the typed texts of this request was replaced before "
        "it was stored, in Russian («1 имя, 1 телефон»); empty when nothing was, and on a read.",
    )


class RevisionOut(Schema):
    number: int
    created_at: datetime
    author: str | None
    comment: str
    base_number: int | None
    message: str = Field(
        default="",
        description="On a save, what the site says (in Russian): «Редакция 5 сохранена. В тексте "
        "заменены персональные данные: 1 телефон.»; empty on a read.",
    )
    masked: str = Field(
        default="",
        description="What personal data in the typed texts of this request was replaced before "
        "it was stored, in Russian («1 имя, 1 телефон»); empty when nothing was, and on a read.",
    )


class DocumentOut(Schema):
    revision: int
    document: dict[str, Any] = Field(description="The study document (the YAML's content).")


MAX_REVISION = 2**31 - 1
"""The largest revision number the database holds (an integer column on every backend)."""


class RevisionIn(Schema):
    """A new revision: the whole document, as an object (``document``) or YAML text (``yaml``)."""

    document: dict[str, Any] | None = None
    yaml: str | None = Field(default=None, max_length=2 * 1024 * 1024)
    comment: str = Field(default="", max_length=500)
    base_revision: int = Field(
        ge=1,
        le=MAX_REVISION,
        description="Required: the revision the edit started from (``revision`` of the study or "
        "of its document). Edits saved since are merged part by part; the same part changed on "
        "both sides is a 409 conflict with both versions. Without it a write could silently "
        "undo someone else's edit, so it is refused.",
    )


class ConflictPart(Schema):
    part: str = Field(description="Where in the document, e.g. ``roles.applicant``.")
    title: str = Field(description="The part in words (in Russian).")
    base: Any = Field(description="The part in the base revision (null: it did not exist).")
    theirs: Any = Field(description="The part as saved since by someone else.")
    mine: Any = Field(description="The part as this request wanted it.")
    theirs_changes: list[str] = Field(description="What the other edit did, in words.")
    mine_changes: list[str] = Field(description="What this edit did, in words.")


class ConflictOut(ErrorOut):
    """409: someone else changed the same part since ``base_revision``; nothing was saved."""

    base_revision: int
    latest_revision: int
    conflicts: list[ConflictPart] = Field(default_factory=list)


class VersionOut(Schema):
    version: int
    created_at: str
    author: str
    file: str
    file_format: str
    rows: int
    sha256: str
    file_sha256: str | None


class DatasetOut(Schema):
    source_id: str
    kind: str
    title: str
    path: str
    versions: list[VersionOut]


class RunOut(Schema):
    id: int
    study_id: int
    revision: int
    status: str = Field(description="queued, running, done or failed.")
    progress: float
    message: str
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_by: str | None


class ProfileOut(Schema):
    run: int
    revision: int
    profile: dict[str, Any] = Field(description="The profile (the same JSON as profile.json).")


# --- a new study, and the parts of a study's document ------------------------------------------

BASE_REVISION_HELP = (
    "Required: the revision the edit started from (``revision`` of what you read). Edits saved "
    "since are merged part by part (each section, each item of a list); the same part changed "
    "on both sides is a 409 conflict with both versions."
)


class LegalActIn(Schema):
    id: str | None = Field(
        default=None,
        description="Short identifier (Latin letters, digits, «_», «-», «.»); empty: act1, act2…",
    )
    title: str = Field(description="The act's title, e.g. «Федеральный закон № 81-ФЗ».")
    reference: str = Field(default="", description="Number, date, link.")


class StudyIn(Schema):
    """A new study from its scope alone (M-1), as the browser's guided start makes it.

    The values are checked by the study document's model: a refused one is 422 with its path in
    the document (``scope.kind``, ``scope.legal_acts[0].title``…) and a Russian message.
    """

    kind: str = Field(
        description="What is profiled.", json_schema_extra={"enum": [k.value for k in ScopeKind]}
    )
    title: str = Field(description="Its title; also the study's title.")
    body: str = Field(default="", description="The government body or organisation.")
    client_types: list[str] = Field(
        description="Whose needs: internal clients, citizens, business (at least one).",
        json_schema_extra={"items": {"type": "string", "enum": [c.value for c in ClientType]}},
    )
    legal_acts: list[LegalActIn] = Field(default_factory=list)
    description: str = ""
    comment: str = Field(default="", max_length=500)


class PartOut(Schema):
    """A section of the study document, a list, or one item of a list, as stored."""

    revision: int = Field(description="The revision it was read from (give it as base_revision).")
    section: str = Field(description="The section or list, e.g. ``scope`` or ``legal_acts``.")
    id: str | None = Field(description="The item's id, for one item of a list.")
    value: Any = Field(description="The part of the document (the YAML's content).")


class SectionIn(Schema):
    """The new value of a whole section (as GET gives it, changed)."""

    value: Any = Field(description="The section: an object, a list or a text, as GET gives it.")
    comment: str = Field(default="", max_length=500)
    base_revision: int = Field(ge=1, le=MAX_REVISION, description=BASE_REVISION_HELP)


class ItemIn(Schema):
    """One item of a list: a new one, or the new value of an existing one."""

    item: dict[str, Any] = Field(description="The item (its fields as in the document).")
    comment: str = Field(default="", max_length=500)
    base_revision: int = Field(ge=1, le=MAX_REVISION, description=BASE_REVISION_HELP)


class SavedOut(Schema):
    """A saved edit: the new revision and the part as it now stands (after merging)."""

    revision: RevisionOut
    section: str
    id: str | None
    value: Any = Field(description="The part as saved; null after a deletion.")
