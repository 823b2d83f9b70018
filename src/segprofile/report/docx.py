"""The report as DOCX (python-docx): headings, tables with header rows, figures, contents with
page numbers."""

from __future__ import annotations

import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from segprofile.report.blueprint import PRINT_AREA_MM, BlueprintPart
from segprofile.report.build import (
    Figure,
    Heading,
    Paragraph,
    Report,
    Section,
    Table,
    TitlePage,
    format_cell,
    page_parts,
    print_text,
    print_widths,
)

log = logging.getLogger(__name__)

FORMAT = "docx"
MARGIN_CM = 1.6
#: The title page's margins (left, right, top, bottom), as ГОСТ 7.32-2017 sets them for a
#: report's sheets: the title page is a portrait A4 of its own, the wide tables' pages landscape.
TITLE_MARGINS_CM = (3.0, 1.5, 2.0, 2.0)
_NUMERIC = {"int", "num1", "num2", "pct", "pct1"}
NO_BREAK_HYPHEN = "\u2011"
BANNER_COLOUR = RGBColor(0xB3, 0x26, 0x1E)


def _run(*elements: Any) -> Any:
    r = OxmlElement("w:r")
    for element in elements:
        r.append(element)
    return r


def _field(para: Any, code: str) -> None:
    """A field in ``para`` (``PAGE``, ``NUMPAGES``, ``PAGEREF …``): LibreOffice computes it as it
    lays the pages out; Word when it updates the fields on opening."""

    def char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return _run(element)

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    for element in (char("begin"), _run(instr), char("separate"), char("end")):
        para._p.append(element)


def _page_reference(para: Any, bookmark: str) -> None:
    """A PAGEREF field in ``para``: the number of the page ``bookmark`` is on."""
    _field(para, f"PAGEREF {bookmark} \\h")


def _footer(section: Any, banner: str) -> None:
    """The footer of ``section`` and of the sections after it: «стр. 2 из 24» at the right, as
    the PDF's (``@bottom-right``), after an unsuppressed output's banner. The pages are counted
    from the title page, which shows no number (as in the PDF; ГОСТ 7.32-2017)."""
    footer = section.footer
    footer.is_linked_to_previous = False  # the title page's own footer keeps no number
    para = footer.paragraphs[0]
    if banner:
        para.text = banner
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.runs[0].bold = True
        para.runs[0].font.color.rgb = BANNER_COLOUR
        para = footer.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    para.add_run("стр. ")
    _field(para, "PAGE")
    para.add_run(" из ")
    _field(para, "NUMPAGES")
    for run in para.runs:
        run.font.size = Pt(8)


def _toc_name(number: int) -> str:
    return f"_Toc_sp{number}"


def _bookmark(para: Any, number: int) -> None:
    """Mark a heading as the ``number``-th line of the contents (the target of its page number)."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), _toc_name(number))
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    p = para._p
    p.insert(1 if p.pPr is not None else 0, start)
    p.append(end)


def _contents(doc: DocumentType, entries: list[tuple[int, str]], width_cm: float) -> None:
    """The contents: a line per heading of levels 1 and 2 with a page reference to it, so they
    show with their page numbers on opening, without F9: LibreOffice lays them out, Word is asked
    to update the fields on opening (``w:updateFields``). Not a TOC field: LibreOffice shows a TOC
    field's last result as it was saved, and a document written without Word has no page numbers
    to save in it."""
    for number, (level, text) in enumerate(entries, start=1):
        para = doc.add_paragraph()
        fmt = para.paragraph_format
        fmt.left_indent = Cm(0.8 * (level - 1))
        fmt.space_after = Pt(2)
        fmt.tab_stops.add_tab_stop(Cm(width_cm), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        para.add_run(f"{text}\t")
        _page_reference(para, _toc_name(number))
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    # In the schema's order of w:settings, as Word writes it (not after its last element).
    doc.settings.element.insert_element_before(update, *_AFTER_UPDATE_FIELDS)


def _lines(
    doc: DocumentType,
    lines: list[str],
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT,
    indent_cm: float = 0.0,
    size: float = 12,
    bold_first: bool = False,
    space_before_cm: float = 0.0,
) -> None:
    for i, line in enumerate(lines):
        para = doc.add_paragraph()
        para.alignment = align
        fmt = para.paragraph_format
        fmt.left_indent = Cm(indent_cm)
        fmt.space_after = Pt(0)
        fmt.keep_with_next = i < len(lines) - 1
        if i == 0 and space_before_cm:
            fmt.space_before = Cm(space_before_cm)
        run = para.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold_first and i == 0


def _title_page(doc: DocumentType, page: TitlePage) -> None:
    """The title page by ГОСТ Р 7.0.97-2016, in the document's first section, a portrait A4: the
    organisation on top, the approval block at the top right, the kind and title of the document
    with its date and number in the middle, the place and year at the foot. The report's pages
    follow in a landscape section of their own."""
    usable_cm = title_section(doc)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _lines(doc, page.organisation, align=center, size=13, bold_first=True)
    _lines(doc, page.approval, indent_cm=usable_cm * 0.5, space_before_cm=1.0)
    _lines(doc, [page.kind], align=center, size=16, bold_first=True, space_before_cm=2.5)
    _lines(doc, [page.title], align=center, size=14, space_before_cm=0.3)
    _lines(doc, [page.date_number], align=center, space_before_cm=0.5)
    _lines(doc, [page.place], align=center)
    at_the_foot(doc.paragraphs[-1])
    landscape_page(doc)


def title_section(doc: DocumentType) -> float:
    """Make the document's first section the title page's: a portrait A4 with ГОСТ 7.32's
    margins. Returns the width of its text area in cm. The report and the sample template of a
    body's report lay their title pages out in it."""
    _orient(doc.sections[0], portrait=True, margins=TITLE_MARGINS_CM)
    return 21.0 - TITLE_MARGINS_CM[0] - TITLE_MARGINS_CM[1]


def landscape_page(doc: DocumentType) -> None:
    """End the title page: the report goes on on a new page, a landscape section of its own."""
    _page(doc, portrait=False)


def at_the_foot(para: Any) -> None:
    """Pin a paragraph to the foot of the page's text area (a frame, as Word's «Рамка»), so it
    stays there however long the lines above it are."""
    frame = OxmlElement("w:framePr")
    for name, value in (
        ("w:wrap", "around"),
        ("w:vAnchor", "margin"),
        ("w:yAlign", "bottom"),
        ("w:hAnchor", "margin"),
        ("w:xAlign", "center"),
    ):
        frame.set(qn(name), value)
    para._p.get_or_add_pPr().insert(0, frame)


def _repeat_header(row: object) -> None:
    """Mark a table row as a header repeated on every page."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _shade(cell: object, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _cell_text(cell: Any, text: str, *, bold: bool = False) -> None:
    """A table cell's text as printed (:func:`~segprofile.report.build.print_text`): its
    non-breaking hyphens as Word's own (``w:noBreakHyphen``), whatever the font has."""
    para = cell.paragraphs[0]  # a new cell's one empty paragraph
    hyphenated(para._p)
    for n, piece in enumerate(print_text(text).split(NO_BREAK_HYPHEN)):
        if n:
            para.add_run()._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            para.add_run(piece)
    for run in para.runs:
        run.bold = bold or None


def _table(doc: DocumentType, table: Table, usable_cm: float) -> None:
    if table.caption:
        caption = doc.add_paragraph(table.caption, style="Caption")
        caption.paragraph_format.keep_with_next = True
    out = doc.add_table(rows=1, cols=len(table.columns))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = out.rows[0]
    _repeat_header(header)
    for cell, column in zip(header.cells, table.columns, strict=True):
        _cell_text(cell, column.title, bold=True)
        _shade(cell, "E6EAF0")
    for values in table.rows:
        cells = out.add_row().cells
        for cell, column, value in zip(cells, table.columns, values, strict=True):
            _cell_text(cell, format_cell(value, column.kind))
            if column.kind in _NUMERIC:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # Columns as wide as report.build.print_widths says (as in the PDF): Word reads the cells'
    # widths, LibreOffice the table's grid.
    widths = [Cm(usable_cm * share) for share in print_widths(table)]
    out.autofit = False
    for column, width in zip(out.columns, widths, strict=True):
        column.width = width
    for row in out.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            for para in cell.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(8.5)
    doc.add_paragraph()


def _png(figure: Figure | BlueprintPart) -> bytes | None:
    """The figure as PNG, or None when it cannot be converted (the document says so)."""
    try:
        if isinstance(figure, BlueprintPart):
            return Figure("", figure.svg).png(scale=1.5)
        return figure.png(scale=1.5)
    except (ValueError, RuntimeError) as exc:
        log.warning("figure skipped in DOCX: %s", type(exc).__name__)
        return None


def _pngs(report: Report) -> dict[int, bytes | None]:
    """Every figure converted at once (a blueprint's printed parts, not it whole): vl-convert
    works outside the GIL, so threads help."""
    figures: list[Figure | BlueprintPart] = []
    for block in (b for sec in report.sections for b in sec.blocks if isinstance(b, Figure)):
        figures += block.parts if block.kind == "blueprint" else [block]
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(map(id, figures), pool.map(_png, figures), strict=True))


def _orient(section: Any, *, portrait: bool, margins: tuple[float, ...]) -> None:
    """A section's A4 page, portrait or landscape, with margins (left, right, top, bottom) in cm."""
    section.orientation = WD_ORIENT.PORTRAIT if portrait else WD_ORIENT.LANDSCAPE
    width, height = (21.0, 29.7) if portrait else (29.7, 21.0)
    section.page_width, section.page_height = Cm(width), Cm(height)
    for side, cm in zip(("left", "right", "top", "bottom"), margins, strict=True):
        setattr(section, f"{side}_margin", Cm(cm))


def _page(doc: DocumentType, *, portrait: bool) -> None:
    """Start a new page of a new section: portrait A4 with 1,2 cm side margins (the blueprint's
    print area, :data:`~segprofile.report.blueprint.PRINT_AREA_MM`) or the report's landscape."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    if portrait:
        side = (21.0 - PRINT_AREA_MM[0] / 10) / 2
        _orient(section, portrait=True, margins=(side, side, MARGIN_CM, MARGIN_CM))
    else:
        _orient(section, portrait=False, margins=(MARGIN_CM,) * 4)


def _blueprint(doc: DocumentType, figure: Figure, pngs: dict[int, bytes | None]) -> None:
    """A blueprint's printed parts, each on a portrait page of its own at the width
    report.blueprint chose (no text under 8 pt); then the report's landscape pages again."""
    for n, part in enumerate(figure.parts):
        _page(doc, portrait=True)
        title = f"{figure.title}, {part.label}" if part.label else figure.title
        if n == 0:
            doc.add_heading(title, level=2)
        else:  # one contents line per journey
            heading = doc.add_paragraph()
            heading.add_run(title).bold = True
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        png = pngs[id(part)]
        if png is None:
            doc.add_paragraph(f"Рисунок «{title}» не удалось преобразовать в изображение.")
            continue
        _name_picture(doc.add_picture(io.BytesIO(png), width=Cm(part.width_mm / 10)), title)
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page(doc, portrait=False)


def _name_picture(picture: Any, title: str) -> None:
    """Word names a picture «Picture 3» and «image.png» for its selection pane and screen
    readers: the figure's own title instead."""
    for props in picture._inline.xpath(".//wp:docPr | .//pic:cNvPr"):
        props.set("name", title)
        props.set("descr", title)


def _figure(doc: DocumentType, figure: Figure, png: bytes | None, width_cm: float) -> None:
    if png is None:
        doc.add_paragraph(f"Рисунок «{figure.title}» не удалось преобразовать в изображение.")
        return
    _name_picture(doc.add_picture(io.BytesIO(png), width=Cm(width_cm)), figure.title)
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(figure.title, style="Caption")


def section_heading(number: int, sec: Section) -> str:
    codes = f" ({', '.join(sec.mcodes)})" if sec.mcodes else ""
    return f"{number}. {sec.title}{codes}"


def contents(report: Report) -> list[tuple[int, str]]:
    """The headings of levels 1 and 2, as the contents list them."""
    entries: list[tuple[int, str]] = []
    for number, sec in enumerate(report.sections, start=1):
        entries.append((1, section_heading(number, sec)))
        entries += [(2, b.text) for b in sec.blocks if isinstance(b, Heading)]
    return entries


#: What follows ``w:updateFields`` in ``w:settings`` (ECMA-376), of what python-docx's template has.
_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:shapeDefaults",
    "w:decimalSymbol",
    "w:listSeparator",
)
#: What follows ``w:suppressAutoHyphens`` in a paragraph's ``w:pPr`` (ECMA-376).
_AFTER_SUPPRESS_HYPHENS = (
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
LANGUAGE = "ru-RU"


def hyphenated(element: Any, *, on: bool = True) -> None:
    """Let Word and LibreOffice hyphenate a paragraph (``w:p``: a table cell's), or not
    (``on=False``: the style ``Normal``, ``w:style``, so every other paragraph)."""
    suppress = OxmlElement("w:suppressAutoHyphens")
    if on:
        suppress.set(qn("w:val"), "0")
    element.get_or_add_pPr().insert_element_before(suppress, *_AFTER_SUPPRESS_HYPHENS)


def _russian(doc: DocumentType) -> None:
    """The document is Russian: its text's language (Word and LibreOffice hyphenate and check
    spelling by it; python-docx's template says en-US), a decimal comma and «;» between list
    items in fields, and automatic hyphenation in the tables' cells (their narrow columns), as
    the PDF's ``hyphens: auto``: not in the text, the headings or the title page (ГОСТ 7.32
    hyphenates no heading)."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    settings = doc.settings.element
    settings.find(qn("w:themeFontLang")).set(qn("w:val"), LANGUAGE)
    settings.find(qn("w:decimalSymbol")).set(qn("w:val"), ",")
    settings.find(qn("w:listSeparator")).set(qn("w:val"), ";")
    auto = OxmlElement("w:autoHyphenation")
    auto.set(qn("w:val"), "true")
    settings.find(qn("w:defaultTabStop")).addnext(auto)  # in the schema's order
    hyphenated(doc.styles["Normal"].element, on=False)  # every style is based on it


def new_document() -> DocumentType:
    """An empty report document: landscape A4 (wide segment tables), 1,6 cm margins, DejaVu Sans
    10 pt, Russian, hyphenated. The report and the sample template of a body's report start
    from it."""
    doc = Document()
    _orient(doc.sections[0], portrait=False, margins=(MARGIN_CM,) * 4)
    normal = doc.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(10)
    _russian(doc)
    # python-docx's own «python-docx» and «generated by python-docx» are no part of a body's file.
    props = doc.core_properties
    props.author = props.comments = props.last_modified_by = ""
    return doc


def render_docx(report: Report) -> bytes:
    """Write the report model as a DOCX document: the title page a portrait A4, the report's
    pages landscape (wide segment tables), a blueprint's parts portrait again."""
    pngs = _pngs(report)
    doc = new_document()
    section = doc.sections[0]
    usable = 29.7 - 2 * MARGIN_CM
    if report.banner:  # an unsuppressed output says so on every page
        for margin in (section.header, section.footer):
            banner = margin.paragraphs[0]
            banner.text = report.banner
            banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
            banner.runs[0].bold = True
            banner.runs[0].font.color.rgb = BANNER_COLOUR

    props = doc.core_properties  # File → Properties: the document as the title page names it
    props.title = report.title_page.title if report.title_page else report.title
    props.subject = report.kicker
    if report.title_page:
        props.author = report.title_page.requisites.organisation
        _title_page(doc, report.title_page)
    else:
        kicker = doc.add_paragraph(report.kicker)
        kicker.runs[0].font.color.rgb = RGBColor(0x5B, 0x67, 0x78)
        doc.add_heading(report.title, level=0)
    for label, value in report.meta:
        para = doc.add_paragraph()
        para.add_run(f"{label}: ").bold = True
        para.add_run(value)
    doc.add_paragraph(report.suppression_rule)
    doc.add_heading("Содержание", level=1)
    _contents(doc, contents(report), usable)
    doc.add_page_break()  # type: ignore[no-untyped-call]

    entry = 0  # the headings in the contents, in their order (see contents())
    for number, sec in enumerate(report.sections, start=1):
        entry += 1
        _bookmark(doc.add_heading(section_heading(number, sec), level=1), entry)
        for block in sec.blocks:
            if isinstance(block, Heading):
                entry += 1
                _bookmark(doc.add_heading(block.text, level=2), entry)
            elif isinstance(block, Paragraph):
                para = doc.add_paragraph(block.text)
                if block.style in ("note", "warn"):
                    for run in para.runs:
                        run.italic = True
                        if block.style == "warn":
                            run.font.color.rgb = RGBColor(0xA0, 0x3A, 0x1C)
            elif isinstance(block, Table):
                if FORMAT in block.formats:
                    for part in page_parts(block):
                        _table(doc, part, usable)
            elif isinstance(block, Figure) and block.kind == "blueprint":
                _blueprint(doc, block, pngs)
            elif isinstance(block, Figure):
                _figure(doc, block, pngs[id(block)], min(usable, 17.0))
    if report.title_page and report.title_page.executor:  # the executor's mark, last page
        _lines(doc, report.title_page.executor, size=9, space_before_cm=1.5)
    # The report's first section (after the title page's, if any) numbers its pages; the
    # sections after it (a blueprint's portrait pages) keep its footer.
    _footer(doc.sections[1 if report.title_page else 0], report.banner)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
