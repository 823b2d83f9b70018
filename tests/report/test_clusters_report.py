"""Clusters in the report model, the HTML profile, DOCX, XLSX and the CLI (M-4, M-13)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from docx import Document
from openpyxl import load_workbook
from tests.analysis.test_clusters_pipeline import FEATURES, planted_records

from segprofile import pipeline
from segprofile.analysis.suppression import protect_partition, protect_table, suppress
from segprofile.cli import run
from segprofile.model.results import Profile
from segprofile.model.study import Study
from segprofile.report import charts
from segprofile.report.build import (
    SUPPRESSED,
    Figure,
    Heading,
    Paragraph,
    Suppressed,
    build_report,
)


@pytest.fixture(scope="module")
def clustered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Profile, Path]:
    path = tmp_path_factory.mktemp("clustered")
    pq.write_table(planted_records(500, seed=11), path / "records.parquet")
    from tests.sp_factories import SMALL_STUDY

    data: dict[str, Any] = {
        **SMALL_STUDY,
        "segmentation": {
            **SMALL_STUDY["segmentation"],  # type: ignore[dict-item]
            "clustering": {"features": FEATURES, "k_range": [2, 4], "n_init": 2},
        },
    }
    study = pipeline.study_from_data(data)
    return (
        study,
        pipeline.profile_study(
            pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=path), study
        ),
        path,
    )


def _with_small_cluster(profile: Profile) -> Profile:
    """The same profile with its smallest cluster made tiny (3 clients): it must be hidden."""
    result = profile.clusters
    assert result is not None
    clusters = [c.model_copy(deep=True) for c in result.clusters]
    clusters[-1].capacity = 3
    clusters[-1].small = True
    return profile.model_copy(update={"clusters": result.model_copy(update={"clusters": clusters})})


def test_report_has_a_clusters_section(clustered: tuple[Study, Profile, Path]) -> None:
    study, profile, _ = clustered
    report = build_report(profile, study)
    sec = report.section("clusters")
    assert sec.mcodes == ("M-4",)
    names = [t.name for t in sec.tables()]
    assert names[:2] == ["k_diagnostics", "clusters"]
    k = profile.clusters.k  # type: ignore[union-attr]
    assert [f"persona_{i}" for i in range(1, k + 1)] == [
        n for n in names if n.startswith("persona")
    ]
    assert {f"clusters_by_{f}" for f in FEATURES} <= set(names)
    assert "vulnerable_single_parent" in names
    figures = [b for b in sec.blocks if isinstance(b, Figure)]
    assert len(figures) == 1
    assert figures[0].svg.startswith("<svg")
    texts = [b.text for b in sec.blocks if isinstance(b, Paragraph | Heading)]
    # The choice of k is the analysis' one text, as the clusters page shows it: how many first.
    choice = profile.clusters.choice  # type: ignore[union-attr]
    assert choice.reason in texts
    assert choice.reason.startswith(f"Клиенты разделены на {k} кластер")
    assert any(t.startswith("Кластер 1. ") for t in texts)
    # Every measure of the quality table is said in plain words before it, not only its name.
    rule = next(t for t in texts if t.startswith("Как выбирается число кластеров."))
    for measure in (
        "стоимость — сумма отличий клиентов от центров их кластеров",
        "снижение от k − 1 — на сколько процентов",
        "силуэт: от −1 до 1",
        "ARI: от 0 до 1",
    ):
        assert measure in rule
    persona = next(t for t in sec.tables() if t.name == "persona_1")
    # «Откуда»: awaiting interviews, the team's edit, or the data with their sources named.
    for row in persona.rows:
        assert row[2] in {"ждёт интервью", "правка команды"} or row[2].startswith(
            "из данных: данные о клиентах"
        ), row
    assert "ждёт интервью" in {row[2] for row in persona.rows}
    # By the methodology's order (issue 20): clusters with their portraits and personas, then
    # the segments by one feature.
    ids = [s.id for s in report.sections]
    assert ids.index("clusters") == ids.index("segments") - 1


def test_small_cluster_is_hidden_with_its_complement(
    clustered: tuple[Study, Profile, Path],
) -> None:
    study, profile, _ = clustered
    masked = _with_small_cluster(profile)
    published = suppress(masked, study)
    assert published.clusters is not None
    small = published.clusters.clusters[-1]
    assert small.hidden == "small"
    assert small.capacity is None
    # One hidden cluster could be recovered from the total: the next smallest is hidden too.
    others = sorted(
        (c for c in masked.clusters.clusters[:-1]),  # type: ignore[union-attr]
        key=lambda c: c.capacity or 0,
    )
    by_key = {c.key: c for c in published.clusters.clusters}
    assert by_key[others[0].key].hidden == "complement"
    assert all(not by_key[c.key].hidden for c in others[1:])
    report = build_report(masked, study, figures=False)
    table = next(t for t in report.section("clusters").tables() if t.name == "clusters")
    row = next(r for r in table.rows if r[0] == str(small.number))
    assert row[1] == Suppressed("скрыто: меньше 5")
    assert row[2] is SUPPRESSED
    assert f"persona_{small.number}" not in {t.name for t in report.section("clusters").tables()}
    crosstab = next(
        t for t in report.section("clusters").tables() if t.name == "clusters_by_channel"
    )
    hidden_row = next(r for r in crosstab.rows if r[0] == str(small.number))
    assert all(isinstance(cell, Suppressed) or cell is None for cell in hidden_row[1:])
    # The HTML profile hides it the same way.
    html = pipeline.render_profile_html(masked, study)
    card = html.split(f"<h3>Кластер {small.number}</h3>", 1)[1].split("<h3>", 1)[0]
    assert "Портрет скрыт" in card
    assert masked.clusters.clusters[-1].label not in card  # type: ignore[union-attr]
    assert f'data-table="persona_{small.number}"' not in html


def test_small_cells_of_cluster_tables_are_hidden() -> None:
    counts = {("cluster=1", "f=a"): 150, ("cluster=1", "f=b"): 2, ("cluster=1", "f=c"): 48}
    counts |= {("cluster=2", "f=a"): 60, ("cluster=2", "f=b"): 10, ("cluster=2", "f=c"): 30}
    rows = {"cluster=1": 200, "cluster=2": 100}
    columns = {"f=a": 210, "f=b": 12, "f=c": 78}
    hidden = protect_table(
        counts,
        5,
        hidden_rows=protect_partition(rows, 5),
        hidden_columns=protect_partition(columns, 5),
    )
    # The 2 is hidden; its row and its column each need a second hidden cell.
    assert ("cluster=1", "f=b") in hidden
    assert ("cluster=2", "f=b") in hidden  # the column f=b: 2 and 10
    assert ("cluster=1", "f=c") in hidden  # the row cluster=1: the smallest other cell
    assert ("cluster=1", "f=a") not in hidden  # the cluster itself is shown


def test_docx_and_xlsx_carry_the_clusters(clustered: tuple[Study, Profile, Path]) -> None:
    study, profile, _ = clustered
    doc = Document(io.BytesIO(pipeline.render_report(profile, study, "docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert any("Кластеры похожих клиентов" in h for h in headings)
    assert any(h.startswith("Кластер 1. ") for h in headings)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "ждёт интервью" in cells
    book = load_workbook(io.BytesIO(pipeline.render_report(profile, study, "xlsx")))
    sheet = book[next(name for name in book.sheetnames if name.endswith("Кластеры"))]
    values = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "Показатели качества по k" in values or any(v == "k" for v in values)
    assert any(v.startswith("Кластеры и сегменты по признаку") for v in values)


def test_html_profile_shows_cards_chart_and_tables(
    clustered: tuple[Study, Profile, Path],
) -> None:
    study, profile, _ = clustered
    html = pipeline.render_profile_html(profile, study)
    assert 'id="sp-clusters"' in html
    assert 'href="#sp-clusters"' in html
    clusters = html.split('id="sp-clusters"', 1)[1].split("</section>", 1)[0]
    result = profile.clusters
    assert result is not None
    assert clusters.count('data-table="persona_') == result.k
    chart = clusters.split('<figure class="sp-chart chart">', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in chart
    assert "<figcaption>Выбор числа кластеров</figcaption>" in chart
    assert 'data-table="k_diagnostics"' in clusters
    assert 'data-table="vulnerable_' in clusters
    for ct in result.crosstabs:  # a wide one is split into parts of a page's width
        name = f'data-table="clusters_by_{ct.feature_id}'
        assert f'{name}"' in clusters or f'{name}-1"' in clusters
    assert "<td>ждёт интервью</td>" in clusters
    assert "<td>из данных" in clusters
    # The web page embeds the fragment under a CSP without inline styles.
    fragment = pipeline.render_profile_html(profile, study, standalone=False)
    assert " style=" not in fragment
    assert "<style" not in fragment


def test_k_chart_marks_the_recommended_k(clustered: tuple[Study, Profile, Path]) -> None:
    _, profile, _ = clustered
    choice = profile.clusters.choice  # type: ignore[union-attr]
    svg = charts.to_svg(charts.k_diagnostics(choice), "Выбор числа кластеров")
    assert f"рекомендуемое k = {choice.recommended_k}" in svg
    # Named for a screen reader in Russian; Vega's English descriptions are gone.
    assert svg.startswith('<svg role="img" aria-label="Выбор числа кластеров"')
    assert svg.count("aria-") == 1
    # Plain Russian first, the specialists' term in brackets.
    assert "Чёткость разделения групп (силуэт)" in svg
    assert "Устойчивость при повторных запусках (ARI)" in svg
    assert "Гауэр" not in svg


def test_cli_profile_prints_clusters_and_writes_them(
    clustered: tuple[Study, Profile, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study, _, data = clustered
    study_file = tmp_path / "study.yaml"
    study_file.write_text(pipeline.dump_study(study), encoding="utf-8")
    out = tmp_path / "out"
    assert run(["profile", str(study_file), "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Клиенты разделены на" in printed
    assert "Портрет" in printed
    written = json.loads((out / f"{study.id}-profile.json").read_text(encoding="utf-8"))
    assert written["clusters"]["k"] == len(written["clusters"]["clusters"])
    assert written["clusters"]["choice"]["reason"]
    html = (out / f"{study.id}-profile.html").read_text(encoding="utf-8")
    assert 'id="sp-clusters"' in html
