"""Write the sample template of a body's own report, ``src/segprofile/report/templates/
report-template.docx``: filled, it gives the standard report's content (title page, details,
contents, every section with its subheadings, paragraphs and tables, the executor's mark).

Run it again after a placeholder changes: ``python scripts/make_report_template.py``. The
placeholders are listed in ``docs/report-template.md``; a test checks the shipped file against
this script.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from segprofile.report.docx import (
    at_the_foot,
    hyphenated,
    landscape_page,
    new_document,
    title_section,
)

TARGET = Path(__file__).parent.parent / "src/segprofile/report/templates/report-template.docx"
CENTER = WD_ALIGN_PARAGRAPH.CENTER


def _para(doc, text, *, align=None, size=None, bold=False, indent=0.0, before=0.0, style=None):  # type: ignore[no-untyped-def]
    para = doc.add_paragraph(style=style)
    if align is not None:
        para.alignment = align
    fmt = para.paragraph_format
    fmt.left_indent = Cm(indent)
    fmt.space_after = Pt(0)
    if before:
        fmt.space_before = Cm(before)
    run = para.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return para


def _tag(doc, text):  # type: ignore[no-untyped-def]
    """A paragraph holding only a ``{%p … %}`` tag: docxtpl drops the paragraph itself."""
    return doc.add_paragraph(text)


def _table(doc):  # type: ignore[no-untyped-def]
    """A table of any number of columns: ``{%tc for %}`` repeats the middle cell, ``{%tr for
    %}`` the middle row; the header row repeats on every page."""
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    header, rows_start, body, rows_end = table.rows
    texts = (
        (
            header,
            ("{%tc for столбец in блок.таблица.столбцы %}", "{{ столбец }}", "{%tc endfor %}"),
        ),
        (rows_start, ("{%tr for строка in блок.таблица.строки %}", "", "")),
        (body, ("{%tc for ячейка in строка %}", "{{ ячейка }}", "{%tc endfor %}")),
        (rows_end, ("{%tr endfor %}", "", "")),
    )
    for row, cells in texts:
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
            hyphenated(cell.paragraphs[0]._p)  # as the standard report's cells
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(8.5)
                run.bold = row is header
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    # No fixed widths: the repeated cells share the page (Word and LibreOffice fit them).
    for tc_w in table._tbl.xpath(".//w:tcW"):
        tc_w.getparent().remove(tc_w)
    tbl_pr = table._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")


def build() -> bytes:
    """The sample template's bytes."""
    doc = new_document()
    props = doc.core_properties
    props.title = "Шаблон отчёта: профиль клиентского сегмента"
    props.author = "segprofile"
    props.created = props.modified = datetime(2026, 12, 1)
    props.revision = 1

    # The title page (ГОСТ Р 7.0.97-2016), as the standard report lays it out: a portrait page.
    usable = title_section(doc)
    _para(doc, "{{ организация }}", align=CENTER, size=13, bold=True)
    _tag(doc, "{%p if подразделение %}")
    _para(doc, "{{ подразделение }}", align=CENTER, size=13)
    _tag(doc, "{%p endif %}")
    indent = usable * 0.5
    _para(doc, "УТВЕРЖДАЮ", indent=indent, before=1.0, size=12)
    _para(doc, "{{ утверждает.должность }}", indent=indent, size=12)
    _para(doc, "________________ {{ утверждает.фио }}", indent=indent, size=12)
    _para(doc, "{{ утверждает.дата }}", indent=indent, size=12)
    _para(doc, "{{ вид_документа|upper }}", align=CENTER, size=16, bold=True, before=2.5)
    _para(doc, "{{ название }}", align=CENTER, size=14, before=0.3)
    _para(doc, "{{ дата }} № {{ номер }}", align=CENTER, size=12, before=0.5)
    at_the_foot(_para(doc, "{{ место_и_год }}", align=CENTER, size=12))
    landscape_page(doc)  # the report's pages: landscape, for the wide tables

    # What the profile is about and how small groups are protected.
    _tag(doc, "{%p for сведение in сведения %}")
    _para(doc, "{{ сведение.название }}: {{ сведение.значение }}")
    _tag(doc, "{%p endfor %}")
    _para(doc, "{{ правило_защиты }}")

    doc.add_heading("Содержание", level=1)
    _tag(doc, "{%p for пункт in содержание %}")
    _tag(doc, "{%p if пункт.уровень == 1 %}")
    _para(doc, "{{ пункт.текст }}")
    _tag(doc, "{%p else %}")
    _para(doc, "{{ пункт.текст }}", indent=0.8)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    doc.add_page_break()

    # Every section in the methodology's order: its subheadings, paragraphs and tables.
    _tag(doc, "{%p for раздел in разделы %}")
    doc.add_heading("{{ раздел.полный_заголовок }}", level=1)
    _tag(doc, "{%p for блок in раздел.блоки %}")
    _tag(doc, '{%p if блок.вид == "подзаголовок" %}')
    doc.add_heading("{{ блок.текст }}", level=2)
    _tag(doc, '{%p elif блок.вид == "абзац" and блок.оформление %}')
    para = _para(doc, "{{ блок.текст }}")
    para.runs[0].italic = True
    _tag(doc, '{%p elif блок.вид == "абзац" %}')
    _para(doc, "{{ блок.текст }}")
    _tag(doc, "{%p else %}")
    caption = doc.add_paragraph("{{ блок.текст }}", style="Caption")
    caption.paragraph_format.keep_with_next = True
    _table(doc)
    doc.add_paragraph()  # a space after the table, as in the standard report
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")

    # The executor's mark on the last page, when the study names one.
    _tag(doc, "{%p for строка in исполнитель.строки %}")
    _para(doc, "{{ строка }}", size=9)
    _tag(doc, "{%p endfor %}")

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def main() -> int:
    TARGET.write_bytes(build())
    print(f"written: {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
