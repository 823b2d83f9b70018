"""HTML (self-contained, offline) and PDF (WeasyPrint) of the report, read back as text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.build import build_report
from segprofile.report.pdf import render_html, render_pdf
from sp_factories import SMALL_STUDY, make_records

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed; scripts/system-deps.sh installs it",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    study = Study.model_validate(SMALL_STUDY)
    data = tmp_path_factory.mktemp("pdf")
    pq.write_table(make_records(2000, seed=11), data / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )
    return build_report(profile, study), profile


def test_html_is_self_contained(report) -> None:  # type: ignore[no-untyped-def]
    model, profile = report
    html = render_html(model)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert not re.search(r'(src|href)="https?://', html)
    assert html.count("<svg") >= 4  # charts inline
    assert "Малое исследование" in html
    assert 'data-table="segments_channel"' in html
    seg = profile.by_feature[0].segments[0]
    assert f"{seg.capacity:,}".replace(",", "\u00a0") in html


@needs_poppler
def test_pdf_text_and_pages(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, profile = report
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(model))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in (
        "Малое исследование",
        "Сегменты по отдельным признакам",
        "Происхождение результата",
        "Канал подачи",
        "Защита персональных данных",
    ):
        assert expected in text
    assert profile.provenance.data_fingerprint[:16] in text.replace("\n", "")
    # The title page is counted but not numbered (ГОСТ 7.32): the numbers start at 2.
    assert re.search(r"стр\. 2 из \d+", text)
    assert not re.search(r"стр\. 1 из \d+", text)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    assert len(list(tmp_path.glob("p-*.png"))) == 2


def test_web_page_folds_the_provenance_the_file_shows_it_whole(report) -> None:  # type: ignore[no-untyped-def]
    model, profile = report
    fragment = render_html(model, standalone=False)
    start = fragment.index('<section id="sp-provenance">')
    section = fragment[start : fragment.index("</section>", start)]
    head, folded = section.split('<details class="sp-folded">', 1)
    # The heading stays in view (the contents link to it); the auditor's details open on a click.
    assert "Происхождение результата" in head
    assert folded.startswith("<summary>Сведения о расчёте: исследование, данные, параметры")
    assert profile.provenance.data_fingerprint in folded
    assert "движок DuckDB" in folded
    assert "движок" not in fragment.replace(folded, "")  # nowhere else on the page
    assert fragment.count("<details") == 1
    # The file (and its PDF) is what is filed and audited: the provenance printed whole.
    html = render_html(model)
    assert "<details" not in html
    assert "движок DuckDB" in html
