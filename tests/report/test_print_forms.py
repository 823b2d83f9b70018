"""The printed reports (PDF, DOCX) as a reader sees them in narrow columns: a date or a number is
never broken inside, Russian words are hyphenated by Russian rules (the PDF with WeasyPrint's
pyphen, the DOCX by Word or LibreOffice: the document says it is Russian and asks for it), and a
hypothesis's status reads the same wherever the product names it."""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from canary import scan_bytes
from segprofile import pipeline
from segprofile.model.labels import ru
from segprofile.model.study import HypothesisStatus, Study
from segprofile.report.build import (
    PRINT_LINE,
    Column,
    Report,
    Section,
    Table,
    build_report,
    print_text,
    print_widths,
)
from segprofile.report.docx import render_docx
from segprofile.report.pdf import render_html, render_pdf
from segprofile.report.xlsx import render_xlsx
from sp_factories import SMALL_STUDY, make_records

ROOT = Path(__file__).parents[2]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed; scripts/system-deps.sh installs it",
)

DUE = "31.03.2027"
RECOMMENDATIONS = [
    {
        "id": "rec_sms",
        "kind": "informing",
        "title": "Информировать заявителей о межведомственных запросах",
        "description": "Отправлять уведомления в личный кабинет ЕПГУ в течение 2 рабочих дней "
        "после запроса по ФЗ № 210-ФЗ.",
        "owner": "Отдел межведомственного взаимодействия",
        "status": "in_progress",
        "due_date": "2027-03-31",
    },
    {
        "id": "rec_form",
        "kind": "optimisation",
        "title": "Сократить форму заявления",
        "status": "planned",
        "due_date": "2026-12-07",
    },
    {"id": "rec_none", "kind": "personalisation", "title": "Персональный куратор"},
]
HYPOTHESES = [
    {
        "id": f"h_{status.value}",
        "kind": "problem",
        "statement": f"Заявители через МФЦ ждут решения дольше ({status.value})",
        "status": status.value,
        "verdict_reason": "" if status is HypothesisStatus.open else "Опрос 2026 года.",
    }
    for status in HypothesisStatus
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    data: dict[str, Any] = copy.deepcopy(SMALL_STUDY)
    data["recommendations"] = RECOMMENDATIONS
    data["hypotheses"] = HYPOTHESES
    study = Study.model_validate(data)
    folder = tmp_path_factory.mktemp("data")
    pq.write_table(make_records(1500, seed=7), folder / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=folder), study
    )
    return build_report(profile, study, figures=False)


@pytest.fixture(scope="module")
def docx(report: Report) -> bytes:
    return render_docx(report)


@pytest.fixture(scope="module")
def pdf_lines(report: Report, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_pdf(report))
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout.splitlines()


# --- The rule ------------------------------------------------------------------------------------


def test_print_text_keeps_numbers_and_dates_whole() -> None:
    assert print_text("ФЗ № 210-ФЗ") == "ФЗ №\u00a0210\u2011ФЗ"
    assert print_text("в течение 2 рабочих дней") == "в течение 2\u00a0рабочих дней"
    # (a number keeps the word after it: «01 по» as «5 рабочих»)
    assert print_text("с 2026-12-01 по 12.03.2027") == "с 2026\u201112\u201101\u00a0по 12.03.2027"
    assert print_text("34\u00a0%; 12 %") == "34\u00a0%; 12\u00a0%"
    # Words alone keep their hyphens and spaces: the line may break there.
    assert print_text("интернет-приёмная СФР, кто-то") == "интернет-приёмная СФР, кто-то"
    assert print_text("—") == "—"


def _recommendations_table(rows: list[list[Any]]) -> Table:
    """The recommendations' columns as the report has them: «Срок» is 12 characters of 266."""
    widths = [("Рекомендация", 40), ("Вид", 22), ("Что сделать", 60), ("Сегменты", 30)]
    widths += [("Решаемые проблемы", 24), ("Изменение пути", 40), ("Ответственный", 24)]
    widths += [("Статус", 14), ("Срок", 12)]
    return Table("recommendations", "", [Column(t, width=w) for t, w in widths], rows)


def test_a_date_column_is_wide_enough_for_its_date() -> None:
    row = ["Сократить форму", "Оптимизация", "—", "все", "—", "—", "—", "Запланирована", DUE]
    table = _recommendations_table([row])
    shares = print_widths(table)
    assert sum(shares) == pytest.approx(1.0)
    due = shares[-1] * PRINT_LINE
    # The date's ten characters (digits run wider than letters) and the cell's padding.
    assert due >= len(DUE) * 1.1 + 2
    # Proportionally it would have had 12 / 266 of the line: not even the date's digits.
    assert len(DUE) > 12 / 266 * PRINT_LINE
    # The status takes a word of nine letters a line («Заплани-рована»), not one of four.
    assert shares[-2] * PRINT_LINE >= 9 + 2
    # The wide text columns gave way, in their proportions.
    assert shares[2] / shares[0] == pytest.approx(60 / 40)


def test_a_table_of_wide_enough_columns_keeps_its_proportions() -> None:
    table = Table(
        "t",
        "",
        [Column("Сегмент", width=40), Column("Клиентов", "int", 20), Column("Доля", "pct", 20)],
        [["ЕПГУ", 12345, 0.5]],
    )
    assert print_widths(table) == pytest.approx([0.5, 0.25, 0.25])


# --- DOCX ----------------------------------------------------------------------------------------


def _table(doc: Any, header: str) -> Any:
    return next(t for t in doc.tables if header in [c.text for c in t.rows[0].cells])


def test_docx_is_russian_and_hyphenated(docx: bytes) -> None:
    doc = Document(io.BytesIO(docx))
    settings = doc.settings.element
    auto = settings.find(qn("w:autoHyphenation"))
    assert auto is not None
    assert auto.get(qn("w:val")) == "true"
    assert settings.find(qn("w:themeFontLang")).get(qn("w:val")) == "ru-RU"
    assert settings.find(qn("w:decimalSymbol")).get(qn("w:val")) == ","
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(".//" + qn("w:lang")).get(qn("w:val")) == "ru-RU"
    # No language of any run or style says otherwise.
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        xml = archive.read("word/document.xml").decode() + archive.read("word/styles.xml").decode()
        order = re.findall(r"<w:(\w+)", archive.read("word/settings.xml").decode())
    assert set(re.findall(r'<w:lang w:val="([^"]+)"', xml)) == {"ru-RU"}
    # w:settings in the schema's order (Word refuses a part that breaks it).
    assert order.index("defaultTabStop") < order.index("autoHyphenation")
    assert order.index("autoHyphenation") < order.index("characterSpacingControl")
    assert order.index("updateFields") < order.index("compat")
    # The tables' cells are hyphenated; the text, the headings and the title page are not (as
    # in the PDF; ГОСТ 7.32 hyphenates no heading): every style is based on «Normal».
    normal = doc.styles["Normal"].element.pPr.find(qn("w:suppressAutoHyphens"))
    assert normal is not None
    assert normal.get(qn("w:val")) is None  # on
    for name in ("Heading 1", "Heading 2", "Title", "Caption"):
        assert doc.styles[name].base_style.name == "Normal"
        assert doc.styles[name].element.pPr.find(qn("w:suppressAutoHyphens")) is None
    title = next(p for p in doc.paragraphs if p.text == "УТВЕРЖДАЮ")
    assert title._p.pPr.find(qn("w:suppressAutoHyphens")) is None  # as «Normal»
    for row in _table(doc, "Срок").rows:
        for cell in row.cells:
            own = cell.paragraphs[0]._p.pPr.find(qn("w:suppressAutoHyphens"))
            assert own.get(qn("w:val")) == "0"


def test_docx_date_cells_are_whole_and_wide_enough(docx: bytes) -> None:
    doc = Document(io.BytesIO(docx))
    table = _table(doc, "Срок")
    header = [c.text for c in table.rows[0].cells]
    at = header.index("Срок")
    dates = [row.cells[at].text for row in table.rows[1:]]
    assert dates == [DUE, "07.12.2026", "—"]
    for row in table.rows[1:]:
        xml = row.cells[at]._tc.xml
        assert "noBreakHyphen" not in xml
        assert not re.search(r"[-\u00ad\u2010]", row.cells[at].text)  # no breakable hyphen
    # «31.03.2027» at 8,5 pt DejaVu Sans is 1,7 cm, and the cell's margins 0,38 cm.
    assert table.columns[at].width.cm >= 2.0
    assert table.rows[1].cells[at].width.cm >= 2.0
    # Word's own non-breaking hyphen in «210-ФЗ», a no-break space after «№» and the number.
    what = table.rows[1].cells[header.index("Что сделать")]
    assert what.text.endswith("2\u00a0рабочих дней после запроса по ФЗ №\u00a0210-ФЗ.")
    assert what._tc.xml.count("<w:noBreakHyphen/>") == 1


# --- PDF -----------------------------------------------------------------------------------------


@needs_poppler
def test_pdf_prints_the_dates_whole_and_hyphenates_russian_words(pdf_lines: list[str]) -> None:
    text = "\n".join(pdf_lines)
    header = next(line for line in pdf_lines if re.search(r"Рекомендация\s.*Срок\s*$", line))
    assert header.split()[-1] == "Срок"  # the header in one piece, not «Сро / к»
    for date in (DUE, "07.12.2026"):
        assert re.search(rf"(?<![\d.]){re.escape(date)}(?![\d.])", text), date
    # Russian hyphenation (WeasyPrint's pyphen, ``hyphens: auto`` with ``lang="ru"``): a word
    # broken at a line's end with a hyphen (U+2010), the syllables as Russian has them.
    broken = re.findall(r"([а-яё]+)\u2010(?=\s{2}|$)", text, flags=re.MULTILINE)
    assert broken
    assert not [part for part in broken if len(part) < 2]  # never one letter left behind


def test_pdf_html_asks_for_russian_hyphenation(report: Report) -> None:
    import pyphen

    html = render_html(report, printed=True)
    assert '<html lang="ru">' in html
    assert "hyphens:auto" in html
    assert "ru" in pyphen.LANGUAGES  # WeasyPrint hyphenates with pyphen's dictionaries
    # The PDF's cells are printed whole; the HTML file keeps the text as written.
    assert "№\u00a0210\u2011ФЗ" in html
    assert "№ 210-ФЗ" in render_html(report)


# --- One label per status ------------------------------------------------------------------------


def test_a_hypothesis_status_reads_the_same_in_every_output(report: Report, docx: bytes) -> None:
    hypotheses = report.section("hypotheses").tables()[0]
    at = [c.title for c in hypotheses.columns].index("Статус")
    shown = {row[2]: row[at] for row in hypotheses.rows}
    expected = {h["statement"]: ru(HypothesisStatus(h["status"])) for h in HYPOTHESES}
    assert shown == expected
    doc = Document(io.BytesIO(docx))
    table = _table(doc, "Формулировка")
    assert {r.cells[2].text: r.cells[at].text for r in table.rows[1:]} == expected
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    rows = [r for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
    assert {r[2]: r[at] for r in rows if len(r) > at and r[2] in expected} == expected


def test_status_labels_are_one_per_status_across_the_product() -> None:
    """The report's label (model.labels) is the web page's and the CLI's, but for the case of
    its first letter: «Открыта» in a table cell, «открыта» in the middle of a sentence."""
    from segprofile.cli import _status

    po = (ROOT / "src/segprofile/web/locale/ru/LC_MESSAGES/django.po").read_text("utf-8")
    for status in HypothesisStatus:
        label = ru(status)
        assert label[0].isupper()
        assert _status(status) == label.lower(), status
        msgid = status.value.replace("_", " ")
        web = re.search(rf'^msgid "{msgid}"\nmsgstr "([^"]*)"', po, flags=re.MULTILINE)
        assert web, msgid
        assert web[1] == label.lower(), status


# --- The leak scanner still sees a raw value printed so ------------------------------------------


@needs_poppler
def test_the_canary_scanner_reads_printed_forms_as_plain() -> None:
    """A raw СНИЛС or surname that reached a printed cell is written with no-break forms (or
    hyphenated at a line's end in the PDF): the scanner that guards every output must still
    find it, or a leak would pass for a clean result."""
    snils, surname = "123-456-789 01", "Канареечкинский"
    table = Table(
        "t",
        "",
        [Column("Заявитель", width=6), Column("Пояснение", width=80)],
        [[f"{surname} {snils}", "—"]],
    )
    report = Report(
        "Отчёт", "Проверка", [], [Section("s", "Раздел", blocks=[table])], "", frozenset()
    )
    docx = render_docx(report)
    assert (
        "<w:noBreakHyphen/>" in zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    )
    for name, data in (("docx", docx), ("pdf", render_pdf(report))):
        found = {hit.value for hit in scan_bytes(data, [snils, surname], name)}
        assert found == {snils, surname}, name
