"""What a person reads in a filed report, format by format, and the checks that it is Russian with
no internal id (issue 20, M-13); shared by the report tests (title page, journeys, templates)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from openpyxl import load_workbook

from segprofile.model.study import Study
from segprofile.report.template import LOOPS

REQUISITES = {
    "organisation": "Отделение Фонда пенсионного и социального страхования по Тверской области",
    "unit": "Отдел клиентского сервиса",
    "document_number": "15-П",
    "document_date": "2026-12-01",
    "place": "Тверь",
    "approver": {"name": "И. И. Иванов", "position": "Управляющий отделением"},
    "executor": {
        "name": "Петрова Анна Сергеевна",
        "position": "главный специалист-эксперт",
        "contacts": "+7 4822 00-00-00, petrova@example.ru",
    },
}

# --- DOCX ----------------------------------------------------------------------------------------


def docx_paragraphs(content: bytes) -> list[str]:
    """The body's paragraphs (tables not included), as python-docx reads them."""
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


def docx_texts(content: bytes) -> list[str]:
    """The body's paragraphs with text."""
    return [t for t in docx_paragraphs(content) if t.strip()]


def docx_cells(content: bytes) -> list[list[str]]:
    """Every row of every table of the body."""
    doc = Document(io.BytesIO(content))
    return [[c.text for c in row.cells] for t in doc.tables for row in t.rows]


def docx_tables(content: bytes) -> list[list[list[str]]]:
    """Each table of the body as its rows of cell texts."""
    doc = Document(io.BytesIO(content))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def docx_headings(content: bytes, level: int = 1) -> list[str]:
    """The body's headings of one level, in order."""
    doc = Document(io.BytesIO(content))
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def within_loops(name: str) -> str:
    """``{{ name }}`` of a body's template inside the loops its first word needs, marked with «|»
    after the value: ``{% for раздел in разделы %}{{ раздел.номер }}|{% endfor %}``."""
    loops: list[str] = []
    var = name.split(".")[0]
    while var in LOOPS:
        loops.insert(0, f"{{% for {var} in {LOOPS[var]} %}}")
        var = LOOPS[var].split(".")[0]
    return "".join(loops) + f"{{{{ {name} }}}}|" + "{% endfor %}" * len(loops)


def docx_from_lines(*lines: str, cells: tuple[str, ...] = (), header: str = "") -> bytes:
    """A DOCX of these paragraphs, a two-row table whose second row holds ``cells``, and a
    header line: a body's template in a test."""
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    if cells:
        table = doc.add_table(rows=2, cols=len(cells))
        for cell, text in zip(table.rows[1].cells, cells, strict=True):
            cell.text = text
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: Attributes of document.xml a reader sees or a screen reader speaks (a picture's alternative
#: text and name).
_SHOWN_ATTRIBUTES = ("descr", "title", "name")


def docx_xml_text(content: bytes) -> str:
    """The text in the XML parts of a DOCX a person sees: every run's text of the body, headers
    and footers, the pictures' names and alternative text, and the document's properties (File →
    Properties: title, author, description…) — one line a paragraph."""
    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        parts = [
            n
            for n in package.namelist()
            if re.fullmatch(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml", n)
        ]
        for name in parts:
            root = parse_xml(package.read(name))
            for paragraph in root.iter(f"{_W}p"):
                lines.append(
                    "".join(node.text or "" for node in paragraph.iter() if node.tag == f"{_W}t")
                )
            for node in root.iter():
                if isinstance(node.tag, str) and node.tag.endswith(("}docPr", "}cNvPr")):
                    lines += [node.get(a, "") for a in _SHOWN_ATTRIBUTES]
        properties = parse_xml(package.read("docProps/core.xml"))
        lines += [node.text or "" for node in properties.iter() if node.tag != properties.tag]
    return "\n".join(line for line in lines if line.strip())


def docx_text(content: bytes) -> str:
    """Everything a person reads in a DOCX: paragraphs, table cells, headers, footers."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    lines += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header):
            lines += [p.text for p in part.paragraphs]
    return "\n".join(line for line in lines if line.strip())


# --- XLSX, HTML, PDF -----------------------------------------------------------------------------


def xlsx_sheets(content: bytes) -> dict[str, list[list[str]]]:
    """Each sheet by its name: its rows of cell texts (empty cells as "")."""
    workbook = load_workbook(io.BytesIO(content))
    return {
        ws.title: [["" if c.value is None else str(c.value) for c in row] for row in ws.iter_rows()]
        for ws in workbook.worksheets
    }


def xlsx_text(content: bytes) -> str:
    """Every sheet's name and every cell, one line a cell."""
    lines = []
    for title, rows in xlsx_sheets(content).items():
        lines.append(title)
        lines += [cell for row in rows for cell in row if cell.strip()]
    return "\n".join(lines)


class _Visible(HTMLParser):
    """The text of an HTML page as a reader sees it (and the titles and alternative texts a screen
    reader speaks); styles and scripts left out."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        self.lines += [v for k, v in attrs if k in ("title", "alt", "aria-label") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.lines.append(data.strip())


def html_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.lines)


def html_tables(html: str) -> list[list[list[str]]]:
    """Each ``<table>`` of a page as its rows of cell texts."""

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[list[list[str]]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table":
                self.tables.append([])
            elif tag == "tr" and self.tables:
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None and self.tables:
                self.tables[-1][-1].append("".join(self.cell).strip())
                self.cell = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(html)
    return parser.tables


def pdf_pages(content: bytes, folder: Path) -> list[str] | None:
    """The text of each page of a PDF as ``pdftotext`` extracts it; ``None`` without poppler's
    tools (``scripts/system-deps.sh`` installs them)."""
    if shutil.which("pdftotext") is None:
        return None
    path = folder / "profile.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")


# --- Russian only, no internal id -----------------------------------------------------------------

#: English words a report must never show for a Russian one: enumeration values, YAML keys,
#: words of the code and of the data's dictionaries (checked as whole words, any case).
ENGLISH_WORDS = frozenset(
    """
    missing unknown warning true false none null nan yes no ok na confirmed rejected refuted
    pending suggested open done planned declined need needs problem problems segment segments
    cluster clusters feature features role roles audience journey journeys step steps status
    owner service citizen citizens business internal external client clients quantiles round
    thresholds threshold equal width bins method categorical numeric boolean applicant
    intermediary operator other survey interview interviews complaint complaints records
    population statistics evidence hypothesis hypotheses recommendation recommendations
    optimisation personalisation informing attention interest desire action satisfaction current
    target data file source sources page table figure chart total count share capacity priority
    rank score weight reason reasons sponsor uniqueness dissatisfaction
    """.split()  # noqa: SIM905 — a list a person reads and extends
)

#: Latin words a Russian document may carry, each a real name or an abbreviation the methodology
#: itself uses: CSAT and NPS (its measures), AIDAS (a model of the client's stages), ARI (the
#: adjusted Rand index of cluster stability), SHA (SHA-256, the files' fingerprints), segprofile
#: (the program) and the engines it names (DuckDB, Spark), CustDev (a method named so in the
#: methodology), CRM (a kind of system, as Russian documents write it).
LATIN_ALLOWED = frozenset(
    {"CSAT", "NPS", "AIDAS", "ARI", "SHA", "segprofile", "DuckDB", "Spark", "CustDev", "CRM"}
)

_LATIN_WORD = re.compile(r"(?<![\w@.])[A-Za-z][A-Za-z'-]*[A-Za-z](?![\w@])")
_HASH = re.compile(r"\b[0-9a-f]{16,}\b")
_EMAIL = re.compile(r"\S+@\S+")
#: Ids of the code: suggested hypotheses and recommendations, snake_case keys and values, segment
#: keys («channel=office»), data files.
ID_PATTERNS = (
    re.compile(r"\bsug-[\w-]*-[0-9a-f]{8}\b"),
    re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    re.compile(r"\b[a-z]\w*(?:=\w+)(?:&\w+=\w+)*"),
    re.compile(r"[\w-]+\.(?:parquet|csv|xlsx|json|ya?ml|bpmn)\b", re.IGNORECASE),
)


def study_ids(study: Study) -> set[str]:
    """The study's own ids a report must name by their titles: hypotheses, recommendations,
    journeys and their steps, roles, features, their columns and the codes of their values, data
    sources and their columns, survey questions, legal acts, research activities (the Latin ones:
    an ``Identifier`` is Latin, a data code may be anything)."""
    ids = {h.id for h in study.hypotheses} | {r.id for r in study.recommendations}
    ids |= {j.id for j in study.journeys} | {s.id for j in study.journeys for s in j.steps}
    ids |= {r.id for r in study.roles} | {a.id for a in study.scope.legal_acts}
    ids |= {f.id for f in study.features} | {f.column for f in study.features}
    ids |= {code for f in study.features for code in f.value_labels}  # «hr», «it»: the data's codes
    ids |= {d.id for d in study.data_sources} | {d.path for d in study.data_sources}
    ids |= {c for d in study.data_sources for c in d.columns}
    ids |= {c for d in study.data_sources for c in (d.id_column, d.count_column) if c}
    ids |= {q.question for d in study.data_sources for q in d.questions}
    ids |= {a.id for a in study.research.activities}
    if study.segmentation.satisfaction.column:
        ids.add(study.segmentation.satisfaction.column)
    return {i for i in ids if re.search(r"[A-Za-z]", i)}


def _visible_words(text: str) -> str:
    """The text without what is not a word: e-mail addresses and hexadecimal fingerprints."""
    return _HASH.sub(" ", _EMAIL.sub(" ", text))


def _line_of(text: str, start: int) -> str:
    begin = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    return text[begin : end if end >= 0 else len(text)][:160]


def foreign_words(text: str, ids: Iterable[str] = ()) -> list[str]:
    """Every internal id and Latin word of ``text`` a Russian document must not carry, each with
    the line it is on («missing: Важность: missing»); ``[]`` for a clean text."""
    text = _visible_words(text)
    found: list[str] = []
    for pattern in ID_PATTERNS:
        found += [f"{m.group()}: {_line_of(text, m.start())}" for m in pattern.finditer(text)]
    for study_id in ids:
        for m in re.finditer(rf"(?<![\w.-]){re.escape(study_id)}(?![\w-])", text):
            found.append(f"{m.group()}: {_line_of(text, m.start())}")
    for m in _LATIN_WORD.finditer(text):
        word = m.group()
        if word in LATIN_ALLOWED:
            continue
        if word.lower() in ENGLISH_WORDS or len(word) >= 3:
            found.append(f"{word}: {_line_of(text, m.start())}")
    return sorted(set(found))
