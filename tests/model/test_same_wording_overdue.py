"""The same wording twice (M-7, M-11) and overdue recommendations: the model's one rule of each,
and the method check's warning about duplicates already stored (a YAML upload, an older study).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from segprofile.examples import EXAMPLES
from segprofile.model.checks import Severity, check_study
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import (
    Recommendation,
    RecommendationStatus,
    Study,
    past_due,
    repeated_wordings,
    same_wording,
    wording_key,
)


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


@pytest.mark.parametrize(
    "typed",
    [
        "Сельские заявители не знают о подаче через Госуслуги",
        "  сельские   ЗАЯВИТЕЛИ не знают\nо подаче через госуслуги.  ",
        "Сельские заявители не знают о подаче через Госуслуги!!!",
        "Сельские заявители не знают о подаче через Госуслуги…",
        "Сёльские заявители не знают о подаче через Госуслуги",  # ё typed for е
    ],
)
def test_case_spaces_end_punctuation_and_yo_do_not_make_a_new_wording(typed: str) -> None:
    stored = ["Узнать срок решения", "Сельские заявители не знают о подаче через Госуслуги."]
    assert same_wording(stored, typed) == 1


@pytest.mark.parametrize(
    "typed",
    [
        "Сельские заявители не знают о подаче через МФЦ",  # another word
        "Сельские заявители знают о подаче через Госуслуги",  # a word less
        "Сельские, заявители не знают о подаче через Госуслуги",  # a comma inside is kept
        "Сельские заявители не знают о подаче через Госуслуги 2",
    ],
)
def test_a_different_wording_is_not_the_same(typed: str) -> None:
    stored = ["Сельские заявители не знают о подаче через Госуслуги."]
    assert same_wording(stored, typed) is None


def test_the_item_being_changed_is_not_its_own_duplicate() -> None:
    stored = ["Узнать срок", "Подать без справок", "узнать срок."]
    assert same_wording(stored, "Узнать срок", skip=0) == 2
    assert same_wording(stored, "Подать без справок", skip=1) is None
    assert same_wording(stored, "ещё одно") is None
    # Only punctuation is no wording to compare.
    assert wording_key(" … ") == ""
    assert same_wording(["…"], ".") is None


def test_repeated_wordings_are_grouped_in_order_of_their_first() -> None:
    texts = ["А б", "В", "а  Б.", "Г", "в!", "Д", "А Б"]
    assert repeated_wordings(texts) == [[0, 2, 6], [1, 4]]
    assert repeated_wordings(["А", "Б", "."]) == []


def test_the_check_warns_of_hypotheses_stored_with_the_same_wording(study: Study) -> None:
    # № 1, 2 and 6 as a double click, a re-run and an upload left them.
    hyps = list(study.hypotheses)
    first = hyps[0].statement
    alike = {"kind": hyps[0].kind, "segments": hyps[0].segments}
    hyps[1] = hyps[1].model_copy(update={"statement": first.upper(), **alike})
    hyps[5] = hyps[5].model_copy(update={"statement": "  " + first.rstrip(".") + "  ", **alike})
    doubled = study.model_copy(update={"hypotheses": hyps})
    found = [f for f in check_study(doubled) if "одинаково" in f.message]
    assert len(found) == 1
    assert found[0].code == "M-7"
    assert found[0].severity is Severity.warning
    assert found[0].fixed_in == "hypotheses"
    assert found[0].message.startswith("гипотезы № 1, 2 и 6 сформулированы одинаково («Получить")
    assert "n_fast_decision" not in found[0].message  # named by number and words, never by id
    assert not [f for f in check_study(study) if "одинаково" in f.message]
    # The same statement of another segment is another hypothesis, checked in that segment.
    other = "age=senior" if hyps[0].segments != ["age=senior"] else "age=young"
    hyps[5] = hyps[5].model_copy(update={"segments": [other]})
    found = [
        f
        for f in check_study(study.model_copy(update={"hypotheses": hyps}))
        if "одинаково" in f.message
    ]
    assert [f.message[:27] for f in found] == ["гипотезы № 1 и 2 сформулиро"]


def test_the_check_warns_of_a_recommendation_written_twice(study: Study) -> None:
    recs = list(study.recommendations)
    again = recs[1].model_copy(update={"id": "r_again", "title": recs[1].title.lower() + "."})
    doubled = study.model_copy(update={"recommendations": [*recs, again, again]})
    found = [f for f in check_study(doubled) if f.code == "M-11" and "записана" in f.message]
    assert [(f.message, f.severity, f.fixed_in) for f in found] == [
        (
            "рекомендация «Заявление за 15 минут в клиентской службе» записана 3 раза: оставьте "
            "одну, остальные удалите или измените их формулировку",
            Severity.warning,
            "recommendations",
        )
    ]
    assert not [f for f in check_study(study) if "записана" in f.message]


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        (RecommendationStatus.planned, date(2026, 2, 15), True),
        (RecommendationStatus.in_progress, TODAY - timedelta(days=1), True),
        (RecommendationStatus.planned, TODAY, False),  # due today is not late yet
        (RecommendationStatus.planned, date(2027, 3, 31), False),
        (RecommendationStatus.planned, None, False),
        (RecommendationStatus.done, date(2026, 2, 15), False),
        (RecommendationStatus.declined, date(2026, 2, 15), False),
    ],
)
def test_a_recommendation_still_to_do_past_its_date_is_overdue(
    status: RecommendationStatus, due: date | None, overdue: bool
) -> None:
    rec = Recommendation(
        id="r1", kind="optimisation", title="Электронная подача", status=status, due_date=due
    )
    assert rec.overdue(TODAY) is overdue
    assert past_due(due, status, TODAY) is overdue
