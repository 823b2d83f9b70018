"""Every CSV the product writes: no cell a spreadsheet could run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from segprofile.model.study import Journey, JourneyKind, JourneyStep
from segprofile.report.format import csv_bytes, restore
from segprofile.report.journeys_csv import journeys_from_csv, journeys_to_csv
from sp_factories import made_recruitment

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


def test_the_respondents_export_goes_through_the_one_writer() -> None:
    """research/respondents.csv: a segment label that came with the data as a formula stays a
    label (the issue found «=HYPERLINK(…)» written as it came)."""
    from segprofile import pipeline
    from segprofile.model.results import RecruitedRespondent

    recruitment = made_recruitment(
        [
            RecruitedRespondent(
                respondent_id="Ab3_x",
                segments=["district==HYPERLINK(1)"],
                labels=['=HYPERLINK("http://x","y")'],
                previous_interviews=1,
            )
        ],
        segments_total=1,
        segments_covered=1,
        candidates=1,
    )
    data = pipeline.recruitment_csv(recruitment)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Респондент"
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'
    assert rows[1][2] == "1"  # the raw segment keys are not a column (names only)
    assert len(rows[1]) == 3


def test_a_pseudonym_starting_with_a_minus_reads_back_whole() -> None:
    # Pseudonyms are base64url: one in 64 starts with «-», which the writer neutralises.
    text = csv_bytes(["Респондент"], [["-Q4kqyCxur1lFKXO4HLXenw"], ["vS_w3Hqz7"]]).decode(
        "utf-8-sig"
    )
    cells = [row[0] for row in csv.reader(io.StringIO(text), delimiter=";")][1:]
    assert cells == ["'-Q4kqyCxur1lFKXO4HLXenw", "vS_w3Hqz7"]
    assert [restore(c) for c in cells] == ["-Q4kqyCxur1lFKXO4HLXenw", "vS_w3Hqz7"]
    assert restore("'text") == "'text"  # an apostrophe the user typed stays


def test_times_are_shown_in_the_installations_zone_and_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    from segprofile import config
    from segprofile.report.format import ru_datetime

    moment = datetime(2026, 12, 6, 2, 27, tzinfo=UTC)
    monkeypatch.setenv("SEGPROFILE_TIME_ZONE", "Europe/Moscow")
    config.use(None)
    try:
        assert ru_datetime(moment) == "06.12.2026 05:27 (МСК)"  # as the web's header shows it
        monkeypatch.setenv("SEGPROFILE_TIME_ZONE", "Asia/Kamchatka")
        config.use(None)
        assert ru_datetime(moment) == "06.12.2026 14:27 (UTC+12)"
        assert ru_datetime(None) == "—"
    finally:
        monkeypatch.delenv("SEGPROFILE_TIME_ZONE")
        config.use(None)
