"""The report as one self-contained HTML file (inline CSS and SVG) and as PDF from it (WeasyPrint).

The HTML is written from the report model, so it shows exactly what the DOCX and XLSX show,
suppression included; the run's web page shows the same as a fragment, without the title page.
It uses the profile stylesheet (served to the web page at ``/report.css``) and adds print rules.
WeasyPrint renders it offline: nothing is fetched, every figure is inline SVG.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files

from markupsafe import Markup, escape

from segprofile.report.build import (
    Figure,
    Heading,
    Paragraph,
    Report,
    Suppressed,
    Table,
    TitlePage,
    format_cell,
    page_parts,
    print_text,
    print_widths,
)

log = logging.getLogger(__name__)

FORMAT = "html"
_NUMERIC = {"int", "num1", "num2", "pct", "pct1"}
_DENSE = 8  # a table of more columns is set smaller on screen (``sp-dense``)
_PRINT_CSS = """
@page{size:A4 landscape;margin:14mm 12mm 16mm;
  @bottom-right{content:"стр. " counter(page) " из " counter(pages);
    font:9pt "DejaVu Sans",sans-serif;color:#5b6778}}
.sp-profile{max-width:1200px}
.sp-profile .sp-table{font-size:13px}
.sp-profile .sp-table thead{display:table-header-group}
.sp-profile .sp-table tr{break-inside:avoid}
.sp-profile figure{margin:8px 0 14px;break-inside:avoid}
.sp-profile figure.blueprint{break-before:page;break-inside:avoid}
.sp-profile figure.blueprint svg{width:100%;height:auto}
@page blueprint{size:A4 portrait}
.sp-profile figure.sp-bp-part{page:blueprint;display:none}
.sp-profile figure.sp-bp-part h3{margin:0 0 6px}
.sp-profile .sp-caption{font-weight:700;margin:10px 0 2px;break-after:avoid}
.sp-profile h3{break-after:avoid}
@page title{size:A4 portrait;margin:20mm 15mm 20mm 30mm;@bottom-right{content:none}}
.sp-title-page{page:title;position:relative;height:175mm;break-after:page;font-size:12pt;
  margin-bottom:24px}
.sp-title-page p{margin:0}
.sp-title-page .sp-org{text-align:center}
.sp-title-page .sp-org p:first-child{font-weight:700}
.sp-title-page .sp-approval{margin:24px 0 0 50%}
.sp-title-page .sp-kind{text-align:center;font-weight:700;font-size:16pt;margin-top:64px}
.sp-title-page .sp-doc-title{text-align:center;font-size:14pt;margin-top:8px}
.sp-title-page .sp-date-number{text-align:center;margin-top:12px}
.sp-title-page .sp-place{text-align:center;position:absolute;bottom:0;left:0;right:0}
.sp-executor{margin-top:40px;font-size:9pt;break-inside:avoid}
.sp-executor p{margin:0}
@media print{.sp-title-page{height:255mm;margin-bottom:0}
  .sp-profile .sp-table{table-layout:fixed}
  .sp-profile .sp-table th,.sp-profile .sp-table td{overflow-wrap:anywhere;hyphens:auto}
  .sp-profile .sp-table th.num{white-space:normal}
  .sp-profile figure.sp-bp-screen{display:none}
  .sp-profile figure.sp-bp-part{display:block}
  .sp-profile{font-size:10pt}.sp-profile .sp-table{font-size:8.5pt}
  .sp-profile h2{break-before:auto;break-after:avoid}.sp-profile h3{break-after:avoid}}
"""


@cache
def profile_css() -> str:
    """The stylesheet of the profile's HTML: inline in the file, served at ``/report.css`` to the
    web page (whose Content-Security-Policy forbids inline styles)."""
    return files("segprofile.report").joinpath("templates/profile.css").read_text("utf-8")


def _table(table: Table, *, standalone: bool = True, printed: bool = False) -> str:
    # In the PDF, no line breaks inside numbers and dates (report.build.print_text, as the DOCX);
    # the HTML keeps the text as written (a reader searches and copies it).
    shown = print_text if printed else str
    head = "".join(
        ('<th class="num">' if c.kind in _NUMERIC else "<th>") + f"{escape(shown(c.title))}</th>"
        for c in table.columns
    )
    rows = []
    for values in table.rows:
        cells = []
        for column, value in zip(table.columns, values, strict=True):
            text = shown(format_cell(value, column.kind))
            classes = []
            if column.kind in _NUMERIC:
                classes.append("num")
            if isinstance(value, Suppressed):  # «скрыто», or why: «скрыто: меньше 5»
                classes.append("suppressed")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{cls}>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<p class="sp-caption">{escape(table.caption)}</p>' if table.caption else ""
    # Printed, the columns are as wide as report.build.print_widths says (as in the DOCX): an
    # automatic layout let a wide journey table run past the page's right edge. The web page
    # (not standalone) has no ``style`` attribute under the site's CSP: it lays them out itself.
    cols = (
        "".join(f'<col style="width:{100 * share:.1f}%">' for share in print_widths(table))
        if standalone
        else ""
    )
    cls = "sp-table sp-dense" if len(table.columns) > _DENSE else "sp-table"
    return (
        caption
        + f'<table class="{cls}" data-table="{escape(table.name)}">'
        + (f"<colgroup>{cols}</colgroup>" if cols else "")
        + f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _inline(svg: str, key: str) -> Markup:
    # The SVG comes from vl-convert or our blueprint renderer, both of which escape their text.
    # Blueprints share a marker id and a title id; inline in one document each needs its own.
    text = svg.replace("sp-arrow", f"sp-arrow-{key}").replace(
        "sp-blueprint-title", f"sp-blueprint-title-{key}"
    )
    return Markup(text)  # noqa: S704 — trusted renderers, see above


def _figure(figure: Figure, index: int, *, standalone: bool = True) -> str:
    if figure.kind == "blueprint":
        # On screen the blueprint whole; printed, its parts (report.blueprint chose their steps
        # and widths so no text is under 8 pt), each on a portrait page of its own. The web page
        # (not standalone) has only the whole one: no ``style`` attribute under the site's CSP.
        screen = (
            f'<figure class="sp-chart blueprint sp-bp-screen"><h3>{escape(figure.title)}</h3>'
            f'<p class="note">{escape(figure.note)}</p>{_inline(figure.svg, str(index))}</figure>'
        )
        if not standalone:
            return screen
        printed = "".join(
            f'<figure class="sp-chart blueprint sp-bp-part"><h3>{escape(figure.title)}'
            + (f", {escape(part.label)}" if part.label else "")
            + f'</h3><div style="width:{part.width_mm:.1f}mm">'
            f"{_inline(part.svg, f'{index}-{n}')}</div></figure>"
            for n, part in enumerate(figure.parts)
        )
        return screen + printed
    return (
        f'<figure class="sp-chart {figure.kind}">{_inline(figure.svg, str(index))}'
        f"<figcaption>{escape(figure.title)}</figcaption></figure>"
    )


def _title_page(page: TitlePage) -> str:
    """The title page by ГОСТ Р 7.0.97-2016 (see the DOCX's): printed, a portrait page of its own
    (the named page ``title``), before the landscape pages of the report."""

    def lines(cls: str, texts: list[str]) -> str:
        return f'<div class="{cls}">' + "".join(f"<p>{escape(t)}</p>" for t in texts) + "</div>"

    return (
        '<section class="sp-title-page" aria-label="Титульный лист">'
        + lines("sp-org", page.organisation)
        + lines("sp-approval", page.approval)
        + lines("sp-kind", [page.kind])
        + lines("sp-doc-title", [page.title])
        + lines("sp-date-number", [page.date_number])
        + lines("sp-place", [page.place])
        + "</section>"
    )


def _body(report: Report, *, standalone: bool, printed: bool = False) -> list[str]:
    """What the file and the web page share: the banner, the header, the rule, the contents
    with anchors and every section of the report model, in its order."""
    parts: list[str] = []
    if report.banner:  # an unsuppressed output says so on top (and on every printed page)
        parts.append(f'<p class="sp-banner warn"><strong>{escape(report.banner)}</strong></p>')
    parts.append(f'<header class="sp-head"><p class="sp-kicker">{escape(report.kicker)}</p>')
    parts.append(f'<h1>{escape(report.title)}</h1><dl class="sp-meta">')
    parts += [f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in report.meta]
    parts.append("</dl></header>")
    parts.append(f'<p class="sp-rule">{escape(report.suppression_rule)}</p>')
    parts.append('<nav class="sp-toc" aria-label="Содержание"><ol>')
    parts += [
        f'<li><a href="#sp-{escape(s.id)}">{escape(s.title)}</a></li>' for s in report.sections
    ]
    parts.append("</ol></nav>")
    for number, sec in enumerate(report.sections, start=1):
        codes = "".join(f' <span class="mcode">{escape(c)}</span>' for c in sec.mcodes)
        parts.append(
            f'<section id="sp-{escape(sec.id)}"><h2>{number}. {escape(sec.title)}{codes}</h2>'
        )
        folded = sec.folded and not standalone
        if folded:
            parts.append(f'<details class="sp-folded"><summary>{escape(sec.folded)}</summary>')
        for block in sec.blocks:
            if isinstance(block, Heading):
                parts.append(f"<h3>{escape(block.text)}</h3>")
            elif isinstance(block, Paragraph):
                cls = f' class="{block.style}"' if block.style else ""
                parts.append(f"<p{cls}>{escape(block.text)}</p>")
            elif isinstance(block, Table):
                if FORMAT in block.formats:
                    parts += [
                        _table(p, standalone=standalone, printed=printed) for p in page_parts(block)
                    ]
            elif isinstance(block, Figure):
                parts.append(_figure(block, len(parts), standalone=standalone))
        parts.append("</details></section>" if folded else "</section>")
    return parts


def render_html(report: Report, *, standalone: bool = True, printed: bool = False) -> str:
    """The report model as one self-contained HTML document (prints well; no scripts, no CDN),
    or (``standalone=False``) as the fragment ``div.sp-profile`` of the web page.

    The fragment has no title page and no executor's mark (they belong to the filed paper: the
    page around it names the study, the revision, the date and the author), no ``<style>`` and
    no ``style`` attribute (the site's Content-Security-Policy forbids inline styles; the page
    links :func:`profile_css`). ``printed``: the HTML :func:`render_pdf` lays out, its table
    cells in their printed forms (no line break inside a number or a date).
    """
    body = _body(report, standalone=standalone, printed=standalone and printed)
    if not standalone:
        return "\n".join(['<div class="sp-profile">', *body, "</div>"])
    css = profile_css() + _PRINT_CSS
    if report.banner:  # on every printed page too
        text = report.banner.replace("\\", "").replace('"', "")
        css += (
            f'@page{{@top-center{{content:"{text}";font:bold 10pt "DejaVu Sans",sans-serif;'
            "color:#b3261e}}"
        )
    page = report.title_page
    parts = [
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.kicker)} — {escape(report.title)}</title>",
        f"<style>{css}</style></head>",
        '<body class="sp-standalone"><div class="sp-profile">'
        + (_title_page(page) if page else ""),
        *body,
    ]
    if page and page.executor:  # the executor's mark, last page
        parts.append(
            '<div class="sp-executor">'
            + "".join(f"<p>{escape(t)}</p>" for t in page.executor)
            + "</div>"
        )
    parts.append("</div></body></html>")
    return "\n".join(parts)


def render_pdf(report: Report) -> bytes:
    """The report's HTML as PDF (WeasyPrint, offline: the HTML has no external resources)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # loading Pango takes a moment

    # The stylesheet is shared with the screen page; WeasyPrint warns about the properties it
    # does not print (SVG fill in CSS, overflow-x), which is noise for the person running a report.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError("внешние ресурсы в отчёте не загружаются")

    pdf: bytes | None = HTML(
        string=render_html(report, printed=True), url_fetcher=no_fetch, base_url="."
    ).write_pdf()
    if pdf is None:  # write_pdf returns bytes when no target is given
        raise RuntimeError("WeasyPrint did not return a document")
    return pdf
