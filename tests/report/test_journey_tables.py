"""Journeys in the report (M-12): step tables a person can edit, and a current/target journey
whose durations nobody entered (no chart bar, no zero, no failure)."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
from docx import Document

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.build import build_report
from segprofile.report.docx import render_docx
from sp_factories import SMALL_STUDY, make_records

JOURNEYS = [
    {
        "id": "now",
        "kind": "current",
        "title": "Как сейчас",
        "steps": [
            {"id": "apply", "title": "Подать заявление", "channel": "МФЦ", "service_level": 1},
            {"id": "wait", "title": "Ждать решения", "documents": ["Паспорт", "Справка о доходах"]},
        ],
    },
    {
        "id": "then",
        "kind": "target",
        "title": "Как должно быть",
        "steps": [{"id": "offer", "title": "Получить предложение", "channel": "ЕПГУ"}],
    },
]


def test_a_journey_without_durations_is_reported_as_tables(tmp_path: Path) -> None:
    study = Study.model_validate({**SMALL_STUDY, "journeys": JOURNEYS})
    pq.write_table(make_records(800, seed=4), tmp_path / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), study
    )
    report = build_report(profile, study)  # with figures: the comparison chart skips no-data
    doc = Document(io.BytesIO(render_docx(report)))
    steps = next(t for t in doc.tables if t.rows[0].cells[1].text == "Шаг" and len(t.rows) == 3)
    rows = [[c.text for c in r.cells] for r in steps.rows[1:]]
    assert rows[0][:5] == ["1", "Подать заявление", "—", "МФЦ", f"1. {study.service_levels[0]}"]
    assert rows[0][5] == "—"  # no duration entered: a dash, never «0»
    assert rows[1][7] == "Паспорт\nСправка о доходах"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Как должно быть (целевой путь)" in text
