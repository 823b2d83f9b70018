"""A recommendation's owner, status and due date (M-11): optional, Russian, kept by YAML."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segprofile.errors import DocumentError
from segprofile.model import diff, labels
from segprofile.model.checks import Severity, check_study
from segprofile.model.spec_yaml import dump_study, load_study_text
from segprofile.model.study import (
    Hypothesis,
    Recommendation,
    RecommendationStatus,
    Study,
)
from sp_factories import SMALL_STUDY


def _with_recommendation(study: Study, **fields: object) -> Study:
    changed = study.model_copy(deep=True)
    changed.hypotheses.append(Hypothesis(id="p1", kind="problem", statement="Долго ждать решения"))
    changed.recommendations.append(
        Recommendation.model_validate(
            {"id": "r1", "kind": "optimisation", "title": "Сократить срок", **fields}
        )
    )
    return changed


def test_an_old_recommendation_gets_the_defaults(small_study: Study) -> None:
    study = _with_recommendation(small_study)
    rec = load_study_text(dump_study(study)).recommendations[0]
    assert (rec.owner, rec.status, rec.due_date) == ("", RecommendationStatus.planned, None)
    # Defaults are not written: an old document's YAML does not grow.
    text = dump_study(study)
    assert "owner" not in text
    assert "due_date" not in text


@settings(max_examples=30, deadline=None)
@given(
    owner=st.text(max_size=40),
    status=st.sampled_from(list(RecommendationStatus)),
    due=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))),
)
def test_owner_status_and_due_date_survive_the_round_trip(
    owner: str, status: RecommendationStatus, due: date | None
) -> None:
    study = _with_recommendation(
        Study.model_validate(SMALL_STUDY), owner=owner, status=status, due_date=due
    )
    again = load_study_text(dump_study(study))
    assert again == study
    assert again.recommendations[0].due_date == due


def test_a_date_written_by_hand_in_yaml_is_read(small_study: Study) -> None:
    text = dump_study(_with_recommendation(small_study, due_date=date(2027, 3, 31)))
    text = text.replace("due_date: '2027-03-31'", "due_date: 2027-03-31")
    assert "due_date: 2027-03-31" in text
    assert load_study_text(text).recommendations[0].due_date == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("due_date", "31.03.2027", "ГГГГ-ММ-ДД"),
        ("due_date", "2027-02-30", "ГГГГ-ММ-ДД"),
        ("status", "finished", "допустимые"),
    ],
)
def test_a_bad_value_is_named_in_russian(
    small_study: Study, field: str, value: str, words: str
) -> None:
    data = _with_recommendation(small_study).model_dump(mode="json")
    data["recommendations"][0][field] = value
    with pytest.raises(DocumentError) as info:
        load_study_text(json.dumps(data, ensure_ascii=False))
    path, _line, text = info.value.problems[0]
    assert path == f"recommendations[0].{field}"
    assert words in text


def test_a_recommendation_keeps_a_deleted_problem(small_study: Study) -> None:
    """A problem deleted since stays listed (the page marks it): the link is not lost."""
    study = _with_recommendation(small_study, problems=["p1", "p_gone"])
    again = load_study_text(dump_study(study))
    assert again.recommendations[0].problems == ["p1", "p_gone"]


def test_statuses_have_russian_names_and_changes_read_in_words(small_study: Study) -> None:
    assert [labels.ru(s) for s in RecommendationStatus] == [
        "Запланирована",
        "Выполняется",
        "Выполнена",
        "Отклонена",
    ]
    old = _with_recommendation(small_study).model_dump(mode="json")
    new = _with_recommendation(
        small_study, owner="Отдел соцвыплат", status="done", due_date=date(2027, 3, 31)
    ).model_dump(mode="json")
    sentences = " ".join(diff.describe_changes(old, new))
    assert "«Выполнена»" in sentences
    assert "ответственный" in sentences
    assert "срок выполнения" in sentences


def test_the_check_names_a_recommendation_whose_problem_was_deleted(small_study: Study) -> None:
    study = _with_recommendation(small_study, problems=["p1", "p_gone"])
    findings = [
        f for f in check_study(study) if f.code == "M-11" and "которой больше нет" in f.message
    ]
    # Named by the recommendation's title; the gone problem has no title to show, and its
    # id says nothing to the analyst (the recommendation's page marks it).
    assert len(findings) == 1
    assert findings[0].severity is Severity.warning
    assert "Сократить срок" in findings[0].message
    assert "p_gone" not in findings[0].message
