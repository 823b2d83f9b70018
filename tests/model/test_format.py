"""Numbers as people type them and as every page, report and message writes them
(model.format)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from segprofile.model.format import (
    FILE_TITLE_LIMIT,
    TEMPLATE_NOTE,
    cell,
    number,
    parse_number,
    percent,
    report_file_name,
    shorten,
    size_text,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15 000", 15000.0),
        ("15\u00a0000", 15000.0),  # a no-break space, as Excel copies a number
        ("15\u202f000", 15000.0),  # a narrow no-break space
        ("1 234 567,5", 1234567.5),
        ("0,5", 0.5),
        ("2.25", 2.25),
        ("\u221210", -10.0),  # the minus sign of a typeset text
        ("  42 ", 42.0),
        ("+7", 7.0),
    ],
)
def test_numbers_as_people_write_them(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1 5", "15 00", "1,2,3", "1e3", "15 000 30 000", "-"])
def test_anything_else_is_no_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("value", [0.0, 15000.0, 1234567.5, -10.0, 0.25])
def test_what_the_program_writes_is_read_back(value: float) -> None:
    assert parse_number(number(value, 2)) == value


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 байт"),
        (512, "512 байт"),
        (2048, "2 КБ"),
        (1_500_000, "1,4 МБ"),
        (512 << 20, "512 МБ"),  # never «512,0 МБ»
        (5 << 30, "5 ГБ"),
    ],
)
def test_sizes_read_as_people_write_them(size: int, shown: str) -> None:
    assert size_text(size) == shown


def test_thousands_are_spaced_and_decimals_take_a_comma() -> None:
    assert number(10831) == "10\u00a0831"
    assert number(293475.18, 2) == "293\u00a0475,18"
    assert percent(1.0) == "100\u00a0%"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (17.3, "17,3"),
        (-0.25, "-0,25"),
        (4.0, "4"),  # a score stored as a fraction because the column had gaps
        (2025, "2025"),  # a year or a code is not grouped by thousands
        (1234567.5, "1234567,5"),
        (Decimal("12.50"), "12,50"),
        (True, "да"),
        (False, "нет"),
        (None, ""),
        (float("nan"), ""),
        ("версия 2.1", "версия 2.1"),  # a text is written as it is
    ],
)
def test_a_table_cell_takes_a_decimal_comma(value: object, shown: str) -> None:
    assert cell(value) == shown


def test_shortening_keeps_whole_words() -> None:
    assert shorten("Заявители не знают о праве на пособие", 25) == "Заявители не знают о…"


def test_an_interval_never_writes_its_two_ends_alike() -> None:
    from segprofile.model.format import NBSP, interval_percent

    assert interval_percent(0.49, 0.59) == f"49–59{NBSP}%"
    # 120 000 ratings: whole percents would say «65–65 %».
    assert interval_percent(0.6462, 0.6538) == f"64,6–65,4{NBSP}%"
    assert interval_percent(None, 0.5) == "—"


def test_a_report_file_is_named_by_the_study_safely_on_every_system() -> None:
    assert (
        report_file_name("Назначение ежемесячной выплаты", "docx", revision=21)
        == "Профиль — Назначение ежемесячной выплаты — ред. 21.docx"
    )
    # the CLI's folder: no revision; the body's template: its note at the end
    assert report_file_name("Малое исследование", "pdf") == "Профиль — Малое исследование.pdf"
    assert (
        report_file_name("Малое исследование", "docx", note=TEMPLATE_NOTE)
        == "Профиль — Малое исследование — по шаблону органа.docx"
    )
    # what Windows forbids (and «/», control characters) is left out; no leading dot
    messy = report_file_name(' .Выплата: «пилот» / 2026?\t*черновик*|<v2>"\x07. ', "xlsx")
    assert messy == "Профиль — Выплата «пилот» 2026 черновик v2.xlsx"
    # a title that is a profile's already is not prefixed again; a long one is cut by a word
    long = "Профиль клиентских сегментов услуги «" + "очень " * 40 + "длинной»"
    name = report_file_name(long, "docx", revision=3)
    assert name.startswith("Профиль клиентских сегментов услуги «очень очень")
    assert name.endswith("…» — ред. 3.docx")  # the quotation cut short is closed
    assert len(name) <= FILE_TITLE_LIMIT + len(" — ред. 3.docx")
    assert report_file_name('<>:"/', "json") == "Профиль — исследование.json"


def test_a_date_cell_is_written_as_people_write_dates() -> None:
    from datetime import date, datetime

    assert cell(date(2025, 12, 27)) == "27.12.2025"
    assert cell(datetime(2025, 12, 27, 18, 15)) == "27.12.2025 18:15"
    # a preview carries dates as ISO text
    assert cell("2025-12-27T18:15:00", is_date=True) == "27.12.2025 18:15"
    assert cell("2025-12-27", is_date=True) == "27.12.2025"
    assert cell("не дата", is_date=True) == "не дата"
    assert cell("2025-12-27") == "2025-12-27"  # a text column's value stays as it is
