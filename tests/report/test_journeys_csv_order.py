"""Journeys CSV: the order of steps («№ шага»), ambiguous or circular orders, empty journeys."""

from __future__ import annotations

import csv
import io

import pytest

from segprofile.examples import EXAMPLES
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import Study
from segprofile.report.journeys_csv import (
    COLUMNS,
    JourneyCsvError,
    journeys_from_csv,
    journeys_to_csv,
)

HEAD = "Путь;Вид пути;Название пути;№ шага;Шаг;Название шага\n"


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


def _errors(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(JourneyCsvError) as caught:
        journeys_from_csv(text)
    return caught.value.problems


def test_export_numbers_the_steps(study: Study) -> None:
    rows = list(
        csv.reader(io.StringIO(journeys_to_csv(study.journeys).decode("utf-8-sig")), delimiter=";")
    )
    col = rows[0].index("№ шага")
    current = [r[col] for r in rows[1:] if r[0] == "current"]
    assert current == [str(n) for n in range(1, len(study.journeys[0].steps) + 1)]
    assert ("order", "№ шага") in COLUMNS


def test_rows_sorted_in_excel_come_back_in_their_order(study: Study) -> None:
    data = journeys_to_csv(study.journeys).decode("utf-8-sig")
    header, *rows = data.splitlines()
    shuffled = "\n".join([header, *sorted(rows, key=lambda r: r.split(";")[5])])
    back = {j.id: j for j in journeys_from_csv(shuffled, study=study)}
    # Journeys come in the order of their first rows; each one's steps in their own order.
    assert back == {j.id: j for j in study.journeys}


def test_numbers_need_not_be_contiguous() -> None:
    (journey,) = journeys_from_csv(HEAD + "j;текущий;П;30;c;В\nj;;;10;a;А\nj;;;20;b;Б\n")
    assert [s.id for s in journey.steps] == ["a", "b", "c"]


def test_without_numbers_the_rows_give_the_order() -> None:
    (journey,) = journeys_from_csv(HEAD + "j;текущий;П;;b;Б\nj;;;;a;А\n")
    assert [s.id for s in journey.steps] == ["b", "a"]


def test_a_repeated_number_names_both_rows() -> None:
    problems = _errors(HEAD + "j;текущий;П;1;a;А\nj;;;2;b;Б\nj;;;1;c;В\n")
    assert [(row, column) for row, column, _ in problems] == [(4, "№ шага")]
    assert "строке 2" in problems[0][2]
    assert "неоднозначен" in problems[0][2]


def test_a_repeated_step_is_refused_with_its_first_row() -> None:
    # The list form of a cycle: the journey would come back to a step it has passed.
    problems = _errors(HEAD + "j;текущий;П;1;a;А\nj;;;2;b;Б\nj;;;3;a;Снова А\n")
    assert [(row, column) for row, column, _ in problems] == [(4, "Шаг")]
    assert "уже есть в строке 2" in problems[0][2]


def test_numbers_on_some_steps_only_are_refused() -> None:
    problems = _errors(HEAD + "j;текущий;П;1;a;А\nj;;;;b;Б\nk;целевой;Ц;;x;Икс\n")
    assert [(row, column) for row, column, _ in problems] == [(3, "№ шага")]
    assert "у всех шагов пути или ни у одного" in problems[0][2]


@pytest.mark.parametrize("value", ["0", "-1", "1,5", "первый"])
def test_a_bad_number_names_the_cell(value: str) -> None:
    problems = _errors(HEAD + f"j;текущий;П;{value};a;А\n")
    assert [(row, column) for row, column, _ in problems] == [(2, "№ шага")]
    assert "целым числом от 1" in problems[0][2]


def test_a_journey_row_without_a_step_is_an_empty_journey() -> None:
    problems = _errors(HEAD + "j;текущий;Пустой путь;;;\n")
    assert [(row, column) for row, column, _ in problems] == [(2, "Шаг")]
    assert "пустой путь без шагов не загружается" in problems[0][2]
    assert "«j»" in problems[0][2]
