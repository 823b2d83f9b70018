"""Editing one part of the study document from a form: the one way every section is saved.

A section's view builds a Django form, then calls :func:`save_part` with a function that changes
the document's data (plain JSON, as ``Study.model_dump(mode="json")`` gives it). The changed data is
validated by the same model as a YAML upload; what the model refuses comes back as Russian errors
beside the form's fields and nothing is stored. What it accepts is stored as the next revision
through :meth:`Study.add_revision`, which merges with edits saved since the form was opened (the
form's ``base_revision``) or refuses an edit of the same part (the 409 page, see the middleware).

    def scope_save(request, pk):
        study = study_for(request, pk, need="edit")
        form = ScopeForm(request.POST)
        if form.is_valid():
            def change(data):
                data["scope"].update(form.cleaned_data)
            if save_part(request, study, change, form=form, prefix="scope",
                         comment=gettext("Scope")):
                return section(...)          # the section shown again, saved
        return htmx.replace(render(..., {"form": form}, status=400), "#scope")
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from segprofile import pipeline
from segprofile.errors import DocumentError, SegprofileError
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import htmx
from segprofile.web.studies.models import Study, StudyRevision, masked_note

Change = Callable[[dict[str, Any]], None]
"""Changes the document's data in place; may raise :class:`SegprofileError` (shown on the form)."""

_FIRST = re.compile(r"[.\[]")


def on_model(change: Callable[[StudyDocument], StudyDocument]) -> Change:
    """A change written on the model (a ``pipeline`` decision such as ``delete_role``) as a
    change of the data, for :func:`save_part`."""

    def apply(data: dict[str, Any]) -> None:
        changed = change(pipeline.study_from_data(data, source="форма"))
        data.clear()
        data.update(changed.model_dump(mode="json"))

    return apply


def base_document(study: Study) -> StudyDocument:
    """The document the edit began from: the form's ``base_revision`` if it names one of the
    study's revisions (``access.study_for`` puts it on the study as ``edit_base``), else the
    latest."""
    base = getattr(study, "edit_base", None)
    revision = None
    if base is not None:
        revision = study.revisions.filter(number=base).first()
    if revision is None:
        revision = study.revisions.order_by("-number").first()
    document: StudyDocument = revision.to_document()
    return document


def field_of(path: str, prefix: str, form: forms.Form | None) -> str | None:
    """The form field a model problem at ``path`` belongs to: the first part of the path after
    ``prefix`` when the form has such a field (``scope.title`` → ``title``), else ``None``."""
    if form is None:
        return None
    rest = path
    if prefix:
        if not (path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")):
            return None
        rest = path[len(prefix) :].lstrip(".")
    name = _FIRST.split(rest, maxsplit=1)[0] if rest else ""
    return name if name in form.fields else None


def _report(error: SegprofileError, form: forms.Form | None, prefix: str) -> None:
    if form is None:
        return
    if isinstance(error, DocumentError):
        for path, _line, text in error.problems:
            field = field_of(path, prefix, form)
            if field is None and path:
                text = f"{path}: {text}"
            form.add_error(field, text)
        return
    form.add_error(None, str(error))  # with its hint: what to do


def report_problems(error: SegprofileError, form: forms.Form | None, prefix: str = "") -> None:
    """Put what the model refused on ``form`` as :func:`save_part` does (beside the field its
    path names after ``prefix``, else above the form): for a form that creates a document."""
    _report(error, form, prefix)


def changed_document(
    study: Study, change: Change, *, form: forms.Form | None = None, prefix: str = ""
) -> StudyDocument | None:
    """The edit-base document with ``change`` applied and validated by the model, or ``None``
    with the problems added to ``form`` (beside their fields where the path names one)."""
    data = base_document(study).model_dump(mode="json")
    try:
        change(data)
        return pipeline.study_from_data(data, source="форма")
    except SegprofileError as exc:
        _report(exc, form, prefix)
        return None


def save_part(
    request: HttpRequest,
    study: Study,
    change: Change,
    *,
    comment: str,
    form: forms.Form | None = None,
    prefix: str = "",
    note: str = "",
) -> StudyRevision | None:
    """Apply ``change`` to the document the form began from, validate it and store it as the
    next revision (merged with edits saved since, part by part). Returns the revision, or
    ``None`` when the model refused the change: its problems are then on ``form``. An edit of a
    part someone else changed meanwhile raises ``EditConflictError`` (the 409 page). ``note``
    follows the success message (:func:`skipped_note`)."""
    document = changed_document(study, change, form=form, prefix=prefix)
    if document is None:
        return None
    # What was typed is masked as what is imported (names, phones… of clients), the comment
    # that may quote it too, before anything is stored (in Study.add_revision, for every edit).
    revision = study.add_revision(document, author=request.user, comment=comment)
    htmx.saved(request, revision)
    messages.success(request, saved_message(revision) + note)
    return revision


def saved_message(revision: StudyRevision) -> str:
    """«Редакция N сохранена.», and what of the typed texts was masked, if anything was
    (``Study.add_revision`` masks every edit; the user is told where they saved it)."""
    saved = gettext("Revision %(number)s was saved.") % {"number": revision.number}
    return saved + masked_note(revision.masked_list)


def skipped_note(skipped: int) -> str:
    """After the saved message of a bulk acceptance: how many of the chosen suggestions were not
    added, worded as an item already there (``pipeline.decisions.Accepted``); nothing if none."""
    if not skipped:
        return ""
    return " " + ngettext(
        "%(count)s suggestion was skipped: one worded the same is already there.",
        "%(count)s suggestions were skipped: ones worded the same are already there.",
        skipped,
    ) % {"count": skipped}


def nothing_accepted() -> str:
    """The error of a bulk acceptance whose every chosen suggestion is worded as an item already
    there: no revision is saved."""
    return gettext("None of the chosen suggestions was added: each is worded as one already there.")
