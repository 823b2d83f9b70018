"""The quality report's counts agree with their nouns: «1 лишняя строка у 1 идентификатора»,
«2 лишние строки», «5 лишних строк», «1 значение вне диапазона 0–120» (the walk-through read
«1 лишних строк у 1 идентификаторов» on a 30 000-row export with one СНИЛС twice)."""

from __future__ import annotations

import random

import duckdb
import pytest

from segprofile.data.schema import IssueKind, quality_report


def _records(repeats: list[int], bad_ages: int, seed: int = 3) -> duckdb.DuckDBPyConnection:
    """Clients with СНИЛС (the ``repeats[k]`` extra rows of the k-th repeated one), skewed
    ages with ``bad_ages`` typos (age 420), a few districts."""
    rng = random.Random(seed)
    snils = [
        f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)} "
        f"{rng.randint(10, 99)}"
        for _ in range(800)
    ]
    rows = [(s, max(18, min(90, int(rng.gauss(45, 14)))), rng.choice("ААААББВ")) for s in snils]
    for k, extra in enumerate(repeats):
        rows += [(snils[k], 40, "А")] * extra
    for i in range(bad_ages):
        rows[100 + i] = (rows[100 + i][0], 420, rows[100 + i][2])
    con = duckdb.connect()
    con.execute('CREATE TABLE t ("СНИЛС" VARCHAR, "Возраст" BIGINT, "Район" VARCHAR)')
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    return con


@pytest.mark.parametrize(
    ("repeats", "said"),
    [
        ([1], "1 лишняя строка у 1 идентификатора"),
        ([1, 1], "2 лишние строки у 2 идентификаторов"),
        ([3, 1, 1], "5 лишних строк у 3 идентификаторов"),
        ([20, 1], "21 лишняя строка у 2 идентификаторов"),
    ],
)
def test_repeated_ids_are_counted_in_agreeing_words(repeats: list[int], said: str) -> None:
    report = quality_report(_records(repeats, 0), "t", id_column="СНИЛС")
    [issue] = [i for i in report.issues if i.kind is IssueKind.duplicate_ids]
    assert issue.message == f"Идентификатор «СНИЛС» повторяется: {said}."


@pytest.mark.parametrize(
    ("bad", "said"),
    [(1, "1 значение"), (3, "3 значения"), (11, "11 значений")],
)
def test_values_out_of_range_are_counted_in_agreeing_words(bad: int, said: str) -> None:
    report = quality_report(_records([], bad), "t", id_column="СНИЛС")
    [issue] = [i for i in report.issues if i.kind is IssueKind.out_of_range]
    assert issue.message == f"В столбце «Возраст» {said} вне диапазона 0–120."
