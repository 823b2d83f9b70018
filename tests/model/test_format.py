"""Numbers as every page, report and message writes them (model.format)."""

from __future__ import annotations

import pytest

from segprofile.model.format import number, percent, shorten, size_text


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


def test_shortening_keeps_whole_words() -> None:
    assert shorten("Заявители не знают о праве на пособие", 25) == "Заявители не знают о…"
