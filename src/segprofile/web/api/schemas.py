"""Request and response bodies of the JSON API (pydantic schemas, shown in the OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


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


class RevisionOut(Schema):
    number: int
    created_at: datetime
    author: str | None
    comment: str
    base_number: int | None


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
