"""The report model: content from Study + Profile, Russian formatting, small-cell suppression."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from docx import Document

from segprofile import pipeline
from segprofile.analysis.suppression import OTHER_CODE, UNSUPPRESSED_BANNER, protect_partition
from segprofile.model.labels import ru
from segprofile.model.study import Study
from segprofile.report.build import (
    SUPPRESSED,
    Paragraph,
    Report,
    Suppressed,
    Table,
    build_report,
    format_cell,
)
from segprofile.report.docx import render_docx
from segprofile.report.pdf import render_html
from sp_factories import SMALL_STUDY

# channel: 3 clients at the office (primary), 8 by post (its complement), the rest large.
SIZES = {"epgu": 600, "mfc": 300, "office": 3, "post": 8}


def small_cell_study(**segmentation: object) -> Study:
    doc = copy.deepcopy(SMALL_STUDY)
    doc["features"][0]["value_labels"]["post"] = "Почта"
    doc["segmentation"].update(segmentation)
    return Study.model_validate(doc)


def small_cell_records() -> pa.Table:
    channel = [v for v, n in SIZES.items() for _ in range(n)]
    n = len(channel)
    return pa.table(
        {
            "channel": channel,
            "age": [20 + i % 40 for i in range(n)],
            "single_parent": [i % 5 == 0 for i in range(n)],
            "region": [("city", "town", "rural")[i % 3] for i in range(n)],
            "satisfaction": [1 + i % 5 for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def small_cell_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("small-cells")
    pq.write_table(small_cell_records(), data / "records.parquet")
    return data


def table(report: Report, name: str) -> Table:
    for sec in report.sections:
        for t in sec.tables():
            if t.name == name:
                return t
    raise AssertionError(f"no table {name}")


def test_format_cell_is_russian() -> None:
    assert format_cell(12345.6, "num1") == "12\u00a0345,6"
    assert format_cell(0.341, "pct") == "34\u00a0%"
    assert format_cell(None, "int") == "—"
    assert format_cell(SUPPRESSED, "int") == "скрыто"


def test_small_segment_cannot_be_recovered(small_cell_data: Path, tmp_path: Path) -> None:
    study = small_cell_study()
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_cell_data), study
    )
    report = build_report(profile, study, figures=False)
    # «Приёмная» (3 clients) is a rare value: never named, its combined line hidden instead.
    assert {f"channel={OTHER_CODE}", "channel=post"} <= report.suppressed
    rows = {row[0]: row for row in table(report, "segments_channel").rows}
    assert "Приёмная" not in rows
    rows["Приёмная"] = rows["Прочие значения (1 значение, меньше 5 клиентов)"]
    # Labels tell the truth: small, or hidden to protect a neighbour (never «< 5» on 8).
    assert format_cell(rows["Приёмная"][1], "int") == "скрыто: меньше 5"
    assert format_cell(rows["Почта"][1], "int") == "скрыто, чтобы нельзя было вычислить соседние"
    assert isinstance(rows["Почта"][2], Suppressed)
    shown = sum(r[1] for r in rows.values() if isinstance(r[1], int))
    assert shown == SIZES["epgu"] + SIZES["mfc"]
    # Total minus what is shown is the two hidden segments together, never the office alone.
    assert profile.total_clients - shown == SIZES["office"] + SIZES["post"]
    assert profile.total_clients - shown >= 5
    # The wide profile table hides the same segments.
    profile_table = table(report, "profile")
    assert {len(row) for row in profile_table.rows} == {len(profile_table.columns)}
    profile_rows = {row[1]: row for row in profile_table.rows}
    assert isinstance(profile_rows["Почта"][2], Suppressed)
    assert profile_rows["ЕПГУ"][2] == SIZES["epgu"]
    assert "следующие по величине" in report.suppression_rule

    # Every writer shows the same hidden cells.
    html = render_html(report)
    channel_table = html.split('data-table="segments_channel"', 1)[1].split("</table>", 1)[0]
    assert channel_table.count(">скрыто<") >= 2 * 5
    assert ">8<" not in channel_table
    doc = Document(io.BytesIO(render_docx(report)))
    # (read as a person reads them: a printed number keeps its unit with a no-break space)
    cells = {
        " ".join(r.cells[0].text.split()): [c.text for c in r.cells]
        for t in doc.tables
        for r in t.rows[1:]
    }
    assert cells["Почта"][1:3] == ["скрыто, чтобы нельзя было вычислить соседние", "скрыто"]
    assert cells["Прочие значения (1 значение, меньше 5 клиентов)"][1] == "скрыто: меньше 5"
    assert "Приёмная" not in cells


def test_study_setting_no_longer_turns_suppression_off(
    small_cell_data: Path, tmp_path: Path
) -> None:
    # Unsuppressed figures are an owner's request for one output, never a study setting.
    study = small_cell_study(allow_small_cells=True)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_cell_data), study
    )
    report = build_report(profile, study, figures=False)
    assert f"channel={OTHER_CODE}" in report.suppressed
    assert report.banner == ""


def test_unsuppressed_output_shows_them_and_says_so(small_cell_data: Path, tmp_path: Path) -> None:
    study = small_cell_study()
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_cell_data), study
    )
    report = build_report(profile, study, figures=False, unsuppressed=True)
    assert report.suppressed == frozenset()
    rows = {row[0]: row for row in table(report, "segments_channel").rows}
    assert rows["Приёмная"][1] == 3
    provenance = {r[0]: r[1] for r in table(report, "provenance").rows}
    assert "ОТКЛЮЧЕНО" in str(provenance["Скрытие малых групп"])
    assert report.banner == UNSUPPRESSED_BANNER
    assert UNSUPPRESSED_BANNER in report.suppression_rule


def test_sections_of_the_example(tmp_path: Path) -> None:
    study = pipeline.example_study("internal-accounting")
    pipeline.generate_demo_data("internal-accounting", tmp_path, rows=1000)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), study
    )
    report = build_report(profile, study, figures=False)
    ids = [s.id for s in report.sections]
    for expected in (
        "scope",
        "roles",
        "features",
        "segments",
        "hypotheses",
        "research",
        "recommendations",
        "journeys",
        "check",
        "provenance",
    ):
        assert expected in ids
    assert report.internal
    assert report.kicker == "Профиль внутреннего клиента"
    roles = next(s for s in report.sections if s.id == "roles")
    paragraph = roles.blocks[0]
    assert isinstance(paragraph, Paragraph)
    assert paragraph.text == (
        "Роль внутреннего клиента: «Сотрудник органа — внутренний клиент бухгалтерии». "
        "Клиенты — сотрудники и подразделения самой организации (M-14)."
    )
    features = table(report, "features")
    assert [r[0] for r in features.rows] == [f.label for f in study.features]
    hyps = table(report, "hypotheses")
    assert [r[:3] for r in hyps.rows] == [
        [n, ru(h.kind), h.statement] for n, h in enumerate(study.hypotheses, start=1)
    ]
    # another table names a hypothesis by its number and statement, never by its code
    recommendations = table(report, "recommendations")
    named = "\n".join(str(cell) for row in recommendations.rows for cell in row)
    assert not any(h.id in named for h in study.hypotheses)
    assert any(f"№ {n}. " in named for n in range(1, len(study.hypotheses) + 1))
    sha = {r[3] for r in table(report, "data_files").rows}
    assert sha == {f.sha256 for f in profile.provenance.data_files}


def test_one_partition_rule_hides_the_next_smallest() -> None:
    assert set(protect_partition({"a": 100, "b": 50, "c": 3}, 5)) == {"b", "c"}
