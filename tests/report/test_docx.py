"""DOCX: headings, contents with page numbers, tables with header rows, figures; both examples."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from docx import Document
from openpyxl import load_workbook

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.build import build_report
from segprofile.report.docx import render_docx
from segprofile.report.xlsx import render_xlsx
from sp_factories import SMALL_STUDY, make_records


@pytest.fixture(scope="module")
def small_docx(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    study = Study.model_validate(SMALL_STUDY)
    data = tmp_path_factory.mktemp("docx")
    pq.write_table(make_records(2000, seed=5), data / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )
    return Document(io.BytesIO(pipeline.render_report(profile, study, "docx"))), profile


def texts(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in doc.paragraphs]


def test_headings_and_toc(small_docx) -> None:  # type: ignore[no-untyped-def]
    doc, _ = small_docx
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert any(h.startswith("1. Область") for h in headings)
    assert any("Сегменты по отдельным признакам (M-5, M-6)" in h for h in headings)
    assert any(h.endswith("Происхождение результата") for h in headings)
    assert "Канал подачи" in headings
    # the contents: a page reference per line to its heading's bookmark (LibreOffice and Word
    # fill the page numbers in on opening)
    body = doc.element.body.xml
    refs = re.findall(r"PAGEREF (_Toc_sp\d+) ", body)
    marks = re.findall(r'<w:bookmarkStart w:id="\d+" w:name="(_Toc_sp\d+)"', body)
    assert len(refs) > len([h for h in headings if h[0].isdigit()])
    assert refs == marks
    title_page = texts(doc)[: texts(doc).index("Содержание")]
    assert "УТВЕРЖДАЮ" in title_page
    assert "Малое исследование" in title_page
    rule = next(t for t in texts(doc) if t.startswith("Защита персональных данных: "))
    assert "меньше 5 клиентов, не называются" in rule  # rare values: one line, unnamed
    assert "Сегменты меньше 5 клиентов скрыты" in rule


def test_segment_table_cells(small_docx) -> None:  # type: ignore[no-untyped-def]
    doc, profile = small_docx
    channel = profile.by_feature[0]
    table = next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == "Сегмент"
        and t.rows[1].cells[0].text == channel.segments[0].label
    )
    header = [c.text for c in table.rows[0].cells]
    assert header[:5] == ["Сегмент", "Ёмкость", "Доля", "Оценок", "CSAT"]
    assert "w:tblHeader" in table.rows[0]._tr.xml
    seg = channel.segments[0]
    row = [c.text for c in table.rows[1].cells]
    assert row[1] == f"{seg.capacity:,}".replace(",", "\u00a0")
    assert row[2].endswith("\u00a0%")
    assert "," in row[2]


def test_figures_are_images(small_docx) -> None:  # type: ignore[no-untyped-def]
    doc, _ = small_docx
    assert len(doc.inline_shapes) >= 4  # a chart per feature and the priority quadrant


def test_child_benefit_example(tmp_path: Path) -> None:
    study = pipeline.example_study("child-benefit")
    pipeline.generate_demo_data("child-benefit", tmp_path, rows=1500)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), study
    )
    # Without figures to keep the test quick; the small study above checks them.
    doc = Document(io.BytesIO(render_docx(build_report(profile, study, figures=False))))
    body = "\n".join(texts(doc))
    assert "ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА" in body  # the title page
    assert study.title in body
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert any(h.statement in cells for h in study.hypotheses)
    assert any(r.title in cells for r in study.recommendations)
    assert "Все клиенты" in cells  # the journeys comparison
    # M-12: every journey's steps are a table a person can edit, one row per step
    for journey in (j for j in study.journeys if j.steps):
        table = next(
            t
            for t in doc.tables
            if [c.text for c in t.rows[0].cells][:2] == ["№", "Шаг"]
            and t.rows[1].cells[1].text == journey.steps[0].title
        )
        assert [r.cells[1].text for r in table.rows[1:]] == [s.title for s in journey.steps]
        header = [c.text for c in table.rows[0].cells]
        assert header[-3:] == ["Проблемы", "Рекомендации", "Данные исследований"]
    workbook = load_workbook(io.BytesIO(render_xlsx(build_report(profile, study, figures=False))))
    sheet_text = {
        str(cell.value) for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
    }
    assert all(s.title in sheet_text for j in study.journeys for s in j.steps)
