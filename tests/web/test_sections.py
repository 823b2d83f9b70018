"""The one way a section of the study is saved from a form (``web.studies.sections``)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test import RequestFactory

from segprofile.web.studies import sections
from segprofile.web.studies.models import EditConflictError, Study

pytestmark = pytest.mark.django_db


class ScopeForm(forms.Form):
    title = forms.CharField(required=False)
    body = forms.CharField(required=False)


def _request(user: Any) -> Any:
    request = RequestFactory().post("/")
    request.user = user
    request._messages = _Messages()
    return request


class _Messages(list):  # type: ignore[type-arg]
    def add(self, level: int, message: str, extra_tags: str = "") -> None:
        self.append(message)


def test_a_valid_change_is_the_next_revision(stored_study: Study, user: Any) -> None:
    before = stored_study.current_revision().number

    def change(data: dict[str, Any]) -> None:
        data["scope"]["body"] = "Министерство труда Н-ской области"

    revision = sections.save_part(_request(user), stored_study, change, comment="Паспорт")
    assert revision is not None
    assert revision.number == before + 1
    assert stored_study.current_revision().to_document().scope.body.startswith("Министерство")


def test_a_refused_change_stores_nothing_and_names_the_field(
    stored_study: Study, user: Any
) -> None:
    before = stored_study.current_revision().number
    form = ScopeForm({"title": "", "body": "x"})
    assert form.is_valid()

    def change(data: dict[str, Any]) -> None:
        data["scope"]["title"] = ""

    saved = sections.save_part(
        _request(user), stored_study, change, comment="Паспорт", form=form, prefix="scope"
    )
    assert saved is None
    assert stored_study.current_revision().number == before
    assert form.errors["title"]  # beside the field, in Russian
    assert any("символ" in e or "пуст" in e.lower() for e in form.errors["title"])


def test_problems_outside_the_form_are_shown_above_it(stored_study: Study, user: Any) -> None:
    form = ScopeForm({"title": "a"})
    assert form.is_valid()

    def change(data: dict[str, Any]) -> None:
        data["segmentation"]["min_cell"] = 0

    assert sections.save_part(_request(user), stored_study, change, comment="x", form=form) is None
    assert "segmentation.min_cell" in form.non_field_errors()[0]


def test_the_same_part_changed_since_the_form_opened_is_a_conflict(
    stored_study: Study, user: Any
) -> None:
    base = stored_study.current_revision().number

    def body(text: str) -> Any:
        def change(data: dict[str, Any]) -> None:
            data["scope"]["body"] = text

        return change

    stored_study.edit_base = base
    assert sections.save_part(_request(user), stored_study, body("Первый"), comment="a")
    stored_study.edit_base = base
    with pytest.raises(EditConflictError):
        sections.save_part(_request(user), stored_study, body("Второй"), comment="b")
    assert stored_study.current_revision().to_document().scope.body == "Первый"


def test_different_parts_changed_since_both_survive(stored_study: Study, user: Any) -> None:
    base = stored_study.current_revision().number

    def scope(data: dict[str, Any]) -> None:
        data["scope"]["body"] = "Орган"

    def min_cell(data: dict[str, Any]) -> None:
        data["segmentation"]["min_cell"] = 7

    stored_study.edit_base = base
    sections.save_part(_request(user), stored_study, scope, comment="a")
    stored_study.edit_base = base
    sections.save_part(_request(user), stored_study, min_cell, comment="b")
    document = stored_study.current_revision().to_document()
    assert document.scope.body == "Орган"
    assert document.segmentation.min_cell == 7
