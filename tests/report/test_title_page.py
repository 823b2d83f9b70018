"""The filed document's title page and executor's mark (M-13, ГОСТ Р 7.0.97-2016) in the DOCX
and the HTML/PDF, made from the study's requisites; blank lines where a requisite is empty."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from docx import Document
from docx.oxml.ns import qn

from report_texts import REQUISITES, docx_paragraphs
from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.build import build_report, title_page
from segprofile.report.docx import render_docx
from segprofile.report.pdf import render_html, render_pdf
from sp_factories import SMALL_STUDY, make_records


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("title")
    pq.write_table(make_records(1500, seed=3), data / "records.parquet")
    filled = Study.model_validate({**SMALL_STUDY, "requisites": REQUISITES})
    empty = Study.model_validate(SMALL_STUDY)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), filled
    )
    return (
        build_report(profile, filled, figures=False),
        build_report(profile, empty, figures=False),
    )


def test_the_docx_opens_with_the_title_page_and_ends_with_the_executor(reports) -> None:  # type: ignore[no-untyped-def]
    texts = docx_paragraphs(render_docx(reports[0]))
    first_page = texts[: texts.index("Содержание") if "Содержание" in texts else 12]
    assert first_page[:2] == [REQUISITES["organisation"], REQUISITES["unit"]]
    approval = first_page.index("УТВЕРЖДАЮ")
    assert first_page[approval + 1] == "Управляющий отделением"
    assert first_page[approval + 2].endswith(" И. И. Иванов")
    assert first_page[approval + 2].startswith("____")
    assert first_page[approval + 3] == "«___» ____________ 2026 г."
    assert "ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА" in first_page
    assert "Малое исследование" in first_page  # no document title: the study's
    assert "01.12.2026 № 15-П" in first_page
    assert "Тверь 2026" in first_page
    # ГОСТ Р 7.0.97-2016 п. 5.26: the executor's mark at the foot of the last page
    assert texts[-4:] == [
        "Исполнитель:",
        "Петрова Анна Сергеевна",
        "главный специалист-эксперт",
        "+7 4822 00-00-00, petrova@example.ru",
    ]


def test_empty_requisites_leave_lines_to_fill_by_hand(reports) -> None:  # type: ignore[no-untyped-def]
    page = reports[1].title_page
    assert page is not None
    assert page.organisation == ["Ведомство"]  # the body of the scope
    assert page.approval[1].startswith("____")
    assert page.date_number.startswith("____")
    assert "№ ____" in page.date_number
    assert page.executor == []
    texts = docx_paragraphs(render_docx(reports[1]))
    assert "Исполнитель:" not in texts


def test_the_document_title_replaces_the_study_title() -> None:
    study = Study.model_validate(
        {**SMALL_STUDY, "requisites": {"document_title": "Профиль получателей пособия"}}
    )
    page = title_page(study, "Профиль клиентского сегмента", 2027)
    assert page.title == "Профиль получателей пособия"
    assert page.place == "2027"  # no place, no document date: the year the report was built


def test_the_html_has_the_title_page_first(reports) -> None:  # type: ignore[no-untyped-def]
    html = render_html(reports[0])
    title = html.index('class="sp-title-page"')
    assert title < html.index('class="sp-head"')
    assert html.index("УТВЕРЖДАЮ") < html.index('class="sp-head"')
    assert "Петрова Анна Сергеевна" in html[html.index('class="sp-executor"') :]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_pdf_title_page_is_a_page_of_its_own(reports, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "profile.pdf"
    pdf.write_bytes(render_pdf(reports[0]))
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "УТВЕРЖДАЮ" in first
    assert "ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА" in first
    assert "01.12.2026 № 15-П" in first
    assert "Содержание" not in first
    assert "Защита персональных данных" not in first


def test_the_contents_are_filled_without_f9(reports) -> None:  # type: ignore[no-untyped-def]
    doc = Document(io.BytesIO(render_docx(reports[0])))
    texts = [p.text.rstrip("\t") for p in doc.paragraphs]  # a tab before the page number
    start = texts.index("Содержание") + 1
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Содержание"
    # the field's result lists every numbered section, in order, before the first of them
    assert texts[start] == headings[1]
    listed = texts[start : texts.index(headings[1], start + 1)]
    assert [t for t in listed if t in headings[1:]] == headings[1:]
    assert "нажмите F9" not in "\n".join(texts)
    assert "w:updateFields" in doc.settings.element.xml  # Word adds the page numbers on opening


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or pdftotext is not installed; scripts/system-deps.sh installs them",
)
def test_libreoffice_opens_the_docx_with_its_title_page_and_contents(  # type: ignore[no-untyped-def]
    reports, tmp_path: Path
) -> None:
    docx = tmp_path / "profile.docx"
    docx.write_bytes(render_docx(reports[0]))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )

    def page(number: int) -> str:
        return subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(tmp_path / "profile.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    first, second = page(1), page(2)
    pages = _page_count(tmp_path / "profile.pdf")
    assert "стр." not in first  # as the PDF: the title page is counted, not numbered
    assert f"стр. 2 из {pages}" in second
    assert f"стр. {pages} из {pages}" in page(pages)
    assert "УТВЕРЖДАЮ" in first
    assert "Управляющий отделением" in first
    assert "Содержание" not in first
    assert "Содержание" in second
    assert "1. Область, нормативные акты и источники данных (M-1)" in second
    assert "Происхождение результата" in second


def _page_count(pdf: Path) -> int:
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.count("\f")


def _footer_fields(footer: object) -> tuple[str, list[str]]:
    """A footer's text and its fields' codes, in order."""
    element = footer._element  # type: ignore[attr-defined]
    codes = [t.text.strip() for t in element.iter(qn("w:instrText"))]
    return "".join(t.text for t in element.iter(qn("w:t"))), codes


def test_the_docx_numbers_its_pages_as_the_pdf_but_not_the_title_page(reports) -> None:  # type: ignore[no-untyped-def]
    doc = Document(io.BytesIO(render_docx(reports[0])))
    title, first, *rest = doc.sections
    assert _footer_fields(title.footer) == ("", [])  # the title page: counted, not numbered
    assert not first.footer.is_linked_to_previous
    assert _footer_fields(first.footer) == ("стр.  из ", ["PAGE", "NUMPAGES"])
    assert all(s.footer.is_linked_to_previous for s in rest)  # a blueprint's portrait pages


def test_a_docx_without_a_title_page_numbers_every_page_under_its_banner(  # type: ignore[no-untyped-def]
    reports,
) -> None:
    plain = replace(reports[0], title_page=None, banner="ВНИМАНИЕ: малые группы не скрыты")
    doc = Document(io.BytesIO(render_docx(plain)))
    text, codes = _footer_fields(doc.sections[0].footer)
    assert text == "ВНИМАНИЕ: малые группы не скрытыстр.  из "
    assert codes == ["PAGE", "NUMPAGES"]
    assert [p.text for p in doc.sections[0].header.paragraphs] == [plain.banner]


def test_a_table_too_wide_for_a_page_is_split_repeating_its_first_column() -> None:
    from segprofile.report.build import PAGE_COLUMNS, Column, Table, page_parts

    columns = [Column("Кластер"), *(Column(f"Страна {i}", "int") for i in range(1, 44))]
    wide = Table("cross", "Кластеры и страны", columns, [["1", *range(43)], ["2", *range(43)]])
    parts = page_parts(wide)
    assert len(parts) == 4  # 43 columns besides the first, 11 per part
    assert all(len(p.columns) <= PAGE_COLUMNS for p in parts)
    assert all(p.columns[0].title == "Кластер" for p in parts)
    assert [c.title for p in parts for c in p.columns[1:]] == [c.title for c in columns[1:]]
    assert [row[0] for row in parts[-1].rows] == ["1", "2"]
    assert parts[1].caption == "Кластеры и страны (часть 2 из 4)"
    assert page_parts(Table("narrow", "Узкая", columns[:5])) == [
        Table("narrow", "Узкая", columns[:5])
    ]
