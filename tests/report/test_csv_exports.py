"""Every CSV the product writes: no cell a spreadsheet could run as a formula."""

from __future__ import annotations

import csv
import io

from segprofile.model.study import Journey, JourneyKind, JourneyStep
from segprofile.report.format import csv_bytes
from segprofile.report.journeys_csv import journeys_from_csv, journeys_to_csv

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\tx", "-1+1"]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_bytes_neutralises_every_formula_and_keeps_numbers() -> None:
    data = csv_bytes(["Имя", "Число"], [[p, -1.5] for p in PAYLOADS] + [["Текст", 7]])
    assert data.startswith("\ufeff".encode())
    rows = _cells(data)[1:]
    assert [r[0] for r in rows[:-1]] == ["'" + p for p in PAYLOADS]
    assert rows[-1] == ["Текст", "7"]
    assert [r[1] for r in rows] == ["-1.5"] * len(PAYLOADS) + ["7"]  # numbers keep their sign


def test_journey_export_neutralises_step_texts_and_reads_back() -> None:
    journey = Journey(
        id="cur",
        kind=JourneyKind.current,
        title='=HYPERLINK("http://evil","Путь")',
        steps=[
            JourneyStep(id="s1", title="+cmd|' /C calc'!A0"),
            JourneyStep(id="s2", title="@SUM"),
        ],
    )
    data = journeys_to_csv([journey])
    text = data.decode("utf-8-sig")
    for line in _cells(data)[1:]:
        assert not any(cell.startswith(("=", "+", "@")) for cell in line)
    assert "'=HYPERLINK" in text
    [back] = journeys_from_csv(data, source="journeys.csv")  # our own export reads back as it was
    assert back.title == journey.title
    assert [s.title for s in back.steps] == ["+cmd|' /C calc'!A0", "@SUM"]
