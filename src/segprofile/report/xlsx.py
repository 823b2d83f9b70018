"""The report as XLSX (openpyxl): a sheet per section, filters, frozen headers, safe text.

Every text cell that a spreadsheet could take for a formula (starting with ``= + - @``, a tab or
a carriage return) is written as a string with a leading apostrophe (OWASP's advice; it survives
an export to CSV): a label such as ``=HYPERLINK(...)`` from the client data stays a label.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import Cell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from segprofile.report.build import (
    CellValue,
    Column,
    Heading,
    Paragraph,
    Report,
    Section,
    Suppressed,
    Table,
    format_cell,
)
from segprofile.report.format import neutralise

FORMAT = "xlsx"
_NUMBER_FORMATS = {
    "int": "# ##0",
    "num1": "# ##0.0",
    "num2": "# ##0.00",
    "pct": "0%",
    "pct1": "0.0%",
}
_HEADER_FILL = PatternFill("solid", fgColor="E6EAF0")
_BAD_SHEET_CHARS = re.compile(r"[\[\]\*\?/\\:]")


def _set_text(cell: Cell, text: str) -> None:
    cell.value = neutralise(text)
    cell.data_type = "s"  # never a formula, whatever the text


def _write_value(cell: Cell, value: CellValue, column: Column) -> None:
    if isinstance(value, Suppressed) or value is None:
        _set_text(cell, format_cell(value, column.kind))
        cell.alignment = Alignment(horizontal="right")
    elif isinstance(value, str):
        _set_text(cell, value)
        cell.alignment = Alignment(wrap_text=column.width >= 40, vertical="top")
    elif isinstance(value, bool):
        _set_text(cell, "да" if value else "нет")
    else:
        cell.value = value
        cell.number_format = _NUMBER_FORMATS.get(column.kind, "General")


def _sheet_title(wb: Workbook, title: str) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title)[:31].strip() or "Лист"
    name, n = base, 2
    while name in wb.sheetnames:
        name = f"{base[:25]} {n}"
        n += 1
    return name


def _table_at(ws: Worksheet, table: Table, row: int, *, filters: bool) -> int:
    """Write a table with its caption at ``row``; returns the next free row."""
    if table.caption:
        _set_text(ws.cell(row=row, column=1), table.caption)
        ws.cell(row=row, column=1).font = Font(bold=True, size=12)
        row += 1
    header_row = row
    for col, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=col)
        _set_text(cell, column.title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(col)
        current = ws.column_dimensions[letter].width or 0
        ws.column_dimensions[letter].width = max(current, column.width)
    for r, values in enumerate(table.rows, start=header_row + 1):
        for col, (column, value) in enumerate(zip(table.columns, values, strict=True), start=1):
            _write_value(ws.cell(row=r, column=col), value, column)
    last = header_row + len(table.rows)
    if filters:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last}"
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return last + 2


def _section_sheet(wb: Workbook, number: int, sec: Section) -> None:
    ws = wb.create_sheet(_sheet_title(wb, f"{number}. {sec.short or sec.title}"))
    _set_text(ws.cell(row=1, column=1), sec.title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 3
    tables = [b for b in sec.blocks if isinstance(b, Table) and FORMAT in b.formats]
    for block in sec.blocks:
        if isinstance(block, Paragraph):
            _set_text(ws.cell(row=row, column=1), block.text)
            if block.style in ("note", "warn"):
                ws.cell(row=row, column=1).font = Font(italic=True)
            row += 1
        elif isinstance(block, Heading):
            row += 1
            _set_text(ws.cell(row=row, column=1), block.text)
            ws.cell(row=row, column=1).font = Font(bold=True, size=12)
        elif isinstance(block, Table) and FORMAT in block.formats and block.name != "profile":
            row = _table_at(
                ws, block, row if block.caption == "" else row + 1, filters=len(tables) == 1
            )
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 30)


def render_xlsx(report: Report) -> bytes:
    """Write the report model as a workbook: the profile table first, then a sheet per section."""
    wb = Workbook()
    cover = wb.active
    cover.title = "Титул"
    _set_text(cover.cell(row=1, column=1), report.kicker)
    _set_text(cover.cell(row=2, column=1), report.title)
    cover.cell(row=2, column=1).font = Font(bold=True, size=14)
    for i, (label, value) in enumerate(report.meta, start=4):
        _set_text(cover.cell(row=i, column=1), label)
        cover.cell(row=i, column=1).font = Font(bold=True)
        _set_text(cover.cell(row=i, column=2), value)
    _set_text(cover.cell(row=len(report.meta) + 5, column=1), report.suppression_rule)
    cover.column_dimensions["A"].width = 24
    cover.column_dimensions["B"].width = 80

    for sec in report.sections:
        for block in sec.blocks:
            if isinstance(block, Table) and block.name == "profile":
                ws = wb.create_sheet("Профиль", 1)
                _table_at(ws, block, 1, filters=True)
    for number, sec in enumerate(report.sections, start=1):
        _section_sheet(wb, number, sec)
    if report.banner:  # an unsuppressed output says so on every sheet and printed page
        _set_text(cover.cell(row=len(report.meta) + 6, column=1), report.banner)
        cover.cell(row=len(report.meta) + 6, column=1).font = Font(bold=True, color="B3261E")
        for ws in wb.worksheets:
            ws.oddHeader.center.text = report.banner
            ws.oddFooter.center.text = report.banner
            ws.sheet_properties.tabColor = "B3261E"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
