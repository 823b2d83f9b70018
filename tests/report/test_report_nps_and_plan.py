"""Reports (issue 19): NPS beside CSAT when the study names an NPS question; the
recommendations' owner, status and due date; the research plan's targets per segment. Read
back from the DOCX with python-docx and from the XLSX with openpyxl."""

from __future__ import annotations

import copy
import io
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from docx import Document
from openpyxl import load_workbook

from segprofile import pipeline
from segprofile.model.results import Profile
from segprofile.model.study import Recommendation, Study
from segprofile.report.format import local_today, number
from sp_factories import SMALL_STUDY, make_records

RECOMMENDATIONS = [
    {
        "id": "rec_sms",
        "kind": "informing",
        "title": "Напоминать о сроках по СМС",
        "owner": "Отдел по работе с заявителями",
        "status": "in_progress",
        "due_date": "2037-03-31",  # far ahead: an in-progress one past its date reads «просрочена»
    },
    {"id": "rec_form", "kind": "optimisation", "title": "Сократить форму заявления"},
]
ACTIVITY = {
    "id": "int_mfc",
    "method": "interview",
    "title": "Интервью с заявителями МФЦ",
    "segments": ["channel=mfc", "channel=office"],
    "targets": [
        {"segment": "channel=mfc", "respondents": 6},
        {"segment": "channel=office", "respondents": 4},
    ],
    "respondents": [
        {"id": "r-001", "segment": "channel=mfc", "status": "interviewed"},
        {"id": "r-002", "segment": "channel=mfc", "status": "interviewed"},
        {"id": "r-003", "segment": "channel=mfc", "status": "refused"},
        {"id": "r-004", "segment": "channel=office", "status": "invited"},
    ],
}


def _study(nps: bool) -> Study:
    data: dict[str, Any] = copy.deepcopy(SMALL_STUDY)
    data["segmentation"] = {
        "satisfaction": {"column": "satisfaction", "nps_column": "q_nps" if nps else None}
    }
    data["recommendations"] = RECOMMENDATIONS
    data["research"] = {"activities": [ACTIVITY]}
    return Study.model_validate(data)


def _profile(tmp: Path, study: Study) -> Profile:
    records = make_records(2000, seed=23)
    rng = random.Random(23)
    mean = {"epgu": 9.2, "mfc": 7.0, "office": 3.5, None: 6.0}
    answers = [
        None if rng.random() < 0.5 else max(0, min(10, round(rng.gauss(mean[ch], 1.8))))
        for ch in records.column("channel").to_pylist()
    ]
    (tmp / "data").mkdir()
    pq.write_table(
        records.append_column("q_nps", pa.array(answers, pa.int64())), tmp / "data/records.parquet"
    )
    return pipeline.profile_study(pipeline.Workspace.in_folder(tmp, data_dir=tmp / "data"), study)


@pytest.fixture(scope="module")
def with_nps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Profile]:
    study = _study(nps=True)
    return study, _profile(tmp_path_factory.mktemp("nps"), study)


def _docx_tables(data: bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def _table(tables: list[list[list[str]]], first: str, header: str) -> list[list[str]]:
    return next(t for t in tables if t[0][0] == first and header in t[0])


def test_docx_shows_nps_beside_csat(with_nps: tuple[Study, Profile]) -> None:
    study, profile = with_nps
    assert profile.nps is not None
    assert profile.nps.nps is not None
    tables = _docx_tables(pipeline.render_report(profile, study, "docx"))
    summary = {row[0]: row[1] for row in _table(tables, "Показатель", "Значение")[1:]}
    nps_row = "NPS — доля сторонников (9–10) минус доля критиков (0–6)"
    assert summary[nps_row] == number(profile.nps.nps * 100)
    channel = _table(tables, "Сегмент", "NPS")
    at = channel[0].index("NPS")
    assert channel[0][at - 1].startswith("ДИ CSAT")
    published = pipeline.published_profile(profile, study)
    epgu = next(s for s in published.by_feature[0].segments if s.value == "epgu")
    row = next(r for r in channel if r[0] == epgu.label)
    assert epgu.nps is not None
    assert epgu.nps.nps is not None
    assert row[at] == str(round(epgu.nps.nps * 100))


def test_xlsx_profile_sheet_has_nps_columns(with_nps: tuple[Study, Profile]) -> None:
    study, profile = with_nps
    wb = load_workbook(io.BytesIO(pipeline.render_report(profile, study, "xlsx")))
    rows = list(wb["Профиль"].iter_rows(values_only=True))
    header = list(next(r for r in rows if r[0] == "Признак"))
    assert "NPS" in header
    assert "Ответов NPS" in header
    published = pipeline.published_profile(profile, study)
    office = next(s for s in published.by_feature[0].segments if s.value == "office")
    feature = published.by_feature[0].label
    row = next(r for r in rows if (r[0], r[1]) == (feature, office.label))
    assert office.nps is not None
    assert office.nps.nps is not None
    assert row[header.index("NPS")] == round(office.nps.nps * 100)
    assert office.nps.nps < 0  # the office's clients do not recommend


def test_no_nps_question_no_nps_anywhere(tmp_path: Path) -> None:
    study = _study(nps=False)
    profile = _profile(tmp_path, study)
    tables = _docx_tables(pipeline.render_report(profile, study, "docx"))
    assert not any("NPS" in cell for t in tables for row in t for cell in row if cell)
    html = pipeline.render_profile_html(profile, study)
    assert not re.search(r"<t[dh][^>]*>[^<]*NPS", html)  # no NPS row or column


def test_profile_page_html_shows_nps(with_nps: tuple[Study, Profile]) -> None:
    study, profile = with_nps
    html = pipeline.render_profile_html(profile, study, standalone=False)
    summary = html.split('id="sp-summary"', 1)[1].split("</section>", 1)[0]
    assert "<td>NPS — доля сторонников (9–10) минус доля критиков (0–6)</td>" in summary
    assert '<th class="num">NPS</th>' in html


def test_docx_and_xlsx_show_owner_status_due_date_and_targets(
    with_nps: tuple[Study, Profile],
) -> None:
    study, profile = with_nps
    tables = _docx_tables(pipeline.render_report(profile, study, "docx"))
    recs = _table(tables, "Рекомендация", "Ответственный")
    header = recs[0]
    sms = next(r for r in recs if r[0] == "Напоминать о сроках по СМС")
    assert sms[header.index("Ответственный")] == "Отдел по работе с заявителями"
    assert sms[header.index("Статус")] == "Выполняется"
    assert sms[header.index("Срок")] == "31.03.2037"
    form = next(r for r in recs if r[0] == "Сократить форму заявления")
    assert form[header.index("Статус")] == "Запланирована"
    assert form[header.index("Срок")] == "—"
    assert not any("in_progress" in cell or "rec_sms" in cell for r in recs for cell in r)
    targets = _table(tables, "Активность", "Нужно респондентов")
    assert targets[1:] == [
        ["Интервью с заявителями МФЦ", "Канал подачи: МФЦ", "6", "2"],
        ["Интервью с заявителями МФЦ", "Канал подачи: Приёмная", "4", "0"],
    ]

    wb = load_workbook(io.BytesIO(pipeline.render_report(profile, study, "xlsx")))
    rows = [r for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if r[0] == "Рекомендация" and "Ответственный" in r)
    row = next(r for r in rows if r[0] == "Напоминать о сроках по СМС")
    assert row[head.index("Ответственный")] == "Отдел по работе с заявителями"
    assert row[head.index("Статус")] == "Выполняется"
    assert row[head.index("Срок")] == "31.03.2037"
    assert ("Интервью с заявителями МФЦ", "Канал подачи: МФЦ", 6, 2) in [r[:4] for r in rows]
    assert date(2037, 3, 31) not in [c for r in rows for c in r]  # a text, as everywhere


def test_a_recommendation_still_to_do_past_its_date_is_overdue_in_every_format(
    with_nps: tuple[Study, Profile],
) -> None:
    study, profile = with_nps
    today = local_today()
    past, future = today - timedelta(days=295), today + timedelta(days=30)
    recs = [
        {"id": "r_late", "kind": "optimisation", "title": "Опоздавшая", "due_date": past},
        {
            "id": "r_late_work",
            "kind": "informing",
            "title": "В работе с опозданием",
            "status": "in_progress",
            "due_date": today - timedelta(days=1),
        },
        {"id": "r_today", "kind": "optimisation", "title": "Срок сегодня", "due_date": today},
        {"id": "r_future", "kind": "optimisation", "title": "Будущая", "due_date": future},
        {
            "id": "r_done",
            "kind": "optimisation",
            "title": "Выполненная",
            "status": "done",
            "due_date": past,
        },
        {
            "id": "r_declined",
            "kind": "optimisation",
            "title": "Отклонённая",
            "status": "declined",
            "due_date": past,
        },
        {"id": "r_none", "kind": "optimisation", "title": "Без срока"},
    ]
    planned = study.model_copy(
        update={"recommendations": [Recommendation.model_validate(r) for r in recs]}
    )
    expected = {
        "Опоздавшая": ("Запланирована, просрочена", f"{past:%d.%m.%Y}"),
        "В работе с опозданием": (
            "Выполняется, просрочена",
            f"{today - timedelta(days=1):%d.%m.%Y}",
        ),
        "Срок сегодня": ("Запланирована", f"{today:%d.%m.%Y}"),
        "Будущая": ("Запланирована", f"{future:%d.%m.%Y}"),
        "Выполненная": ("Выполнена", f"{past:%d.%m.%Y}"),
        "Отклонённая": ("Отклонена", f"{past:%d.%m.%Y}"),
        "Без срока": ("Запланирована", "—"),
    }
    table = _table(
        _docx_tables(pipeline.render_report(profile, planned, "docx")),
        "Рекомендация",
        "Ответственный",
    )
    at, due = table[0].index("Статус"), table[0].index("Срок")
    assert {row[0]: (row[at], row[due]) for row in table[1:]} == expected

    wb = load_workbook(io.BytesIO(pipeline.render_report(profile, planned, "xlsx")))
    rows = [r for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if r[0] == "Рекомендация" and "Ответственный" in r)
    got = {r[0]: (r[head.index("Статус")], r[head.index("Срок")]) for r in rows if r[0] in expected}
    assert got == expected

    html = pipeline.render_profile_html(profile, planned)
    part = html.split('id="sp-recommendations"', 1)[1].split("</section>", 1)[0]
    assert part.count("просрочена") == 2
    assert "<td>Запланирована, просрочена</td>" in part
