"""Sections and list items of the study document, changed one at a time (``model.parts``)."""

from __future__ import annotations

from typing import Any

import pytest

from segprofile import pipeline
from segprofile.errors import DocumentError, NotFound
from segprofile.model import parts
from segprofile.model.diff import KEYED
from segprofile.model.study import Study


def test_the_lists_are_the_merged_parts_with_an_id() -> None:
    assert parts.LISTS == {
        "legal_acts": ("scope", "legal_acts"),
        "roles": ("roles",),
        "data_sources": ("data_sources",),
        "features": ("features",),
        "hypotheses": ("hypotheses",),
        "activities": ("research", "activities"),
        "journeys": ("journeys",),
        "recommendations": ("recommendations",),
        "topic_labels": ("topic_labels",),
    }
    # Segment notes are keyed by the segment, not an id: edited as their section.
    assert ("segment_notes",) in KEYED
    assert "segment_notes" in parts.SECTIONS
    assert "id" not in parts.SECTIONS
    assert "schema_version" not in parts.SECTIONS


def test_an_item_is_added_replaced_in_place_and_deleted(small_study: Study) -> None:
    act = {"id": "decree", "title": "Постановление № 5"}
    added = parts.apply(small_study, lambda d: parts.add_item(d, "legal_acts", act))
    assert [a.id for a in added.scope.legal_acts] == ["law", "decree"]
    renamed = parts.apply(
        added,
        lambda d: parts.replace_item(d, "legal_acts", "law", {"title": "Закон (ред. 2025)"}),
    )
    assert [(a.id, a.title) for a in renamed.scope.legal_acts] == [
        ("law", "Закон (ред. 2025)"),
        ("decree", "Постановление № 5"),
    ]
    assert renamed.scope.legal_acts[0].reference == ""  # replaced, not patched
    gone = parts.apply(renamed, lambda d: parts.delete_item(d, "legal_acts", "decree"))
    assert [a.id for a in gone.scope.legal_acts] == ["law"]
    # The original is untouched: a change works on a copy of the data.
    assert [a.id for a in small_study.scope.legal_acts] == ["law"]


def test_an_activity_goes_into_a_research_plan_that_had_none(small_study: Study) -> None:
    data: dict[str, Any] = {"id": "x"}
    parts.add_item(data, "activities", {"id": "a"})
    assert data == {"id": "x", "research": {"activities": [{"id": "a"}]}}
    activity = {"id": "survey", "method": "survey", "title": "Опрос получателей"}
    changed = parts.apply(small_study, lambda d: parts.add_item(d, "activities", activity))
    assert [a.id for a in changed.research.activities] == ["survey"]


def test_a_section_is_replaced_whole(small_study: Study) -> None:
    def change(data: dict[str, Any]) -> None:
        value = parts.section(data, "segmentation")
        parts.set_section(data, "segmentation", {"min_cell": value["min_cell"] + 5})

    changed = parts.apply(small_study, change)
    assert changed.segmentation.min_cell == 10
    assert changed.segmentation.satisfaction.column is None  # what was not sent is the default


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: parts.replace_item(d, "roles", "applicant", {"id": "other"}), "roles[0].id"),
        (
            lambda d: parts.delete_item(d, "legal_acts", "law"),
            "roles[0].audience.legal_basis[0].act",
        ),
        (
            lambda d: parts.add_item(d, "features", {"id": "age", "column": "a", "label": "Б"}),
            "features[4].id",
        ),
        (lambda d: parts.set_section(d, "priority", {"top": 0}), "priority.top"),
    ],
)
def test_what_the_model_refuses_names_the_path(small_study: Study, change: Any, path: str) -> None:
    with pytest.raises(DocumentError) as error:
        parts.apply(small_study, change)
    assert path in [p for p, _line, _text in error.value.problems]


def test_an_item_or_a_section_that_is_not_there(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    with pytest.raises(NotFound) as missing:
        parts.item(data, "roles", "nobody")
    assert "ролей" in missing.value.message
    assert "applicant" in str(missing.value)
    with pytest.raises(NotFound) as empty:
        parts.delete_item(data, "hypotheses", "h1")
    assert "список пуст" in str(empty.value)
    with pytest.raises(NotFound):
        parts.section(data, "id")
    with pytest.raises(NotFound):
        parts.items(data, "steps")


def test_a_new_study_from_its_scope() -> None:
    study = pipeline.new_study(
        kind="life_situation",
        title="  Рождение ребёнка ",
        body="Правительство Н-ской области",
        client_types=["citizen", "business"],
        legal_acts=[{"title": "Закон № 1"}, {"id": "fz81", "title": "Закон № 81-ФЗ"}],
    )
    assert (study.id, study.title, study.scope.title) == (
        "rozhdenie-rebenka",
        "Профиль клиентских сегментов жизненной ситуации «Рождение ребёнка»",
        "Рождение ребёнка",
    )
    assert [a.id for a in study.scope.legal_acts] == ["zakon-no-1", "fz81"]
