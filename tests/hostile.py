"""A corpus of hostile files, generated (nothing is stored in the repository), and a way to read
one under a memory cap.

Each file is what an attacker — or an unlucky export — sends: spreadsheets whose used area is
enormous though the file is tiny, zip bombs (honest and lying about their sizes), a DOCX that
unpacks to a gigabyte, YAML alias and nesting bombs, CSV files without a header row whose first
row is a client, with 100,000 columns, with a 10 MB cell, with NUL bytes, in two encodings at
once, and binaries under the names of text files.

:func:`corpus` gives them all as ``{name: HostileFile}``; every upload path can be fed from it.
:func:`run_capped` reads a file in a child process whose address space is limited, so a parser
that tries to allocate 549 GB fails the test instead of taking the machine down.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import struct
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# --- Hand-written OOXML ------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml(
    rows: list[list[object]], *, dimension: str | None = None, extra_cells: str = ""
) -> str:
    """A worksheet with ``rows`` from A1 (inline strings and numbers) and raw ``extra_cells``."""
    parts = [_SHEET_HEAD]
    if dimension is not None:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for r, row in enumerate(rows, start=1):
        parts.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{column_letters(c)}{r}"
            if value is None:
                continue
            if isinstance(value, int | float):
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                parts.append(
                    f'<c r="{ref}" t="inlineStr"><is><t>{_escape(str(value))}</t></is></c>'
                )
        parts.append("</row>")
    parts.append(extra_cells)
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx_bytes(sheet: str | bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook of one sheet (``sheet`` is its XML), written part by part with zipfile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(paragraphs: list[str] | None = None, *, repeat: int = 1) -> bytes:
    """A DOCX whose body is ``paragraphs`` written ``repeat`` times (a bomb when it is large)."""
    body = "".join(
        f"<w:p><w:r><w:t>{_escape(p)}</w:t></w:r></w:p>" for p in (paragraphs or ["Текст."])
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}">'
        f"<w:body>{body * repeat}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("_rels/.rels", _DOCX_RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def lying_zip(data: bytes, member: str, *, declared: int) -> bytes:
    """``data`` with ``member``'s uncompressed size rewritten to ``declared`` in both of its
    headers: a zip bomb that says it is small (a reader that trusts it unpacks everything)."""
    archive = bytearray(data)
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := archive.find(signature, at)) != -1:
            name_len_at = 26 if signature == b"PK\x03\x04" else 28
            name_len = struct.unpack_from("<H", archive, at + name_len_at)[0]
            start = at + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(archive[start : start + name_len]) == name:
                struct.pack_into("<I", archive, at + offset, declared)
            at += 4
    return bytes(archive)


# --- The corpus --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileFile:
    """A file to upload, what it is, and text of it that must never appear in any output."""

    name: str
    data: bytes
    what: str
    secrets: tuple[str, ...] = ()


CLIENT = ("Иванов Иван Иванович", "112-233-445 95", "+7 916 123-45-67", "ivanov@mail.ru")
"""The first client of the header-less CSV: his values must never become column names."""

_CLIENTS = [
    CLIENT,
    ("Петрова Анна Сергеевна", "123-456-789 64", "+7 903 765-43-21", "petrova@yandex.ru"),
    ("Сидоров Пётр Ильич", "087-654-321 04", "+7 926 000-11-22", "sidorov@list.ru"),
]


def headerless_csv() -> bytes:
    lines = [";".join((*c, str(30 + i), "Москва")) for i, c in enumerate(_CLIENTS * 4)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def wide_csv(columns: int = 100_000) -> bytes:
    header = ";".join(f"c{i}" for i in range(columns))
    return (header + "\n" + ";".join("1" for _ in range(columns)) + "\n").encode()


def long_cell_csv(size: int = 10 << 20) -> bytes:
    return b"id;comment\n1;" + b"x" * size + b"\n2;short\n"


def mixed_encoding_csv() -> bytes:
    head = "ФИО;Город\n".encode()
    return head + "Ёлкина;Москва\n".encode() + "Щукин;Тверь\n".encode("cp1251")


def yaml_alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The «billion laughs» in YAML: each level refers ``width`` times to the one before."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "schema_version: 1\nid: bomb\ntitle: bomb\n" + "\n".join(lines) + "\n"


def yaml_depth_bomb(depth: int = 20_000, *, flow: bool = True) -> str:
    """A study document with a value nested ``depth`` lists deep."""
    if flow:
        value = "[" * depth + "]" * depth
        return f"schema_version: 1\nid: deep\ntitle: deep\nroles: {value}\n"
    # Block style, compact: «- - - …» is a list in a list in a list.
    return "schema_version: 1\nid: deep\ntitle: deep\nroles:\n  " + "- " * depth + "x\n"


def far_cell_xlsx(ref: str = "XFD1048576") -> bytes:
    """1.6 KB whose only far cell makes a reader allocate the whole area before it."""
    far = f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}"><v>1</v></c></row>'
    return xlsx_bytes(sheet_xml([["a", "b"], [1, 2]], dimension="A1:B2", extra_cells=far))


def far_cell_without_references_xlsx() -> bytes:
    """The same trick written without ``r`` on the cells: their order places them."""
    cells = "<c><v>1</v></c>" * 300
    far = f'<row r="1048576">{cells}</row>'
    sheet = _SHEET_HEAD + f"<sheetData><row><c><v>1</v></c></row>{far}</sheetData></worksheet>"
    return xlsx_bytes(sheet)


def zip_bomb_xlsx(megabytes: int = 200) -> bytes:
    """A sheet padded with ``megabytes`` of white space: unpacks ~1,000 times larger."""
    padding = " " * (megabytes << 20)
    return xlsx_bytes(
        sheet_xml([["a", "b"], [1, 2]]).replace("<sheetData>", padding + "<sheetData>")
    )


def lying_bomb_xlsx(megabytes: int = 64) -> bytes:
    """A zip bomb whose headers say its sheet is 2 KB."""
    return lying_zip(zip_bomb_xlsx(megabytes), "xl/worksheets/sheet1.xml", declared=2048)


def docx_bomb(megabytes: int = 100) -> bytes:
    paragraph = "<w:p><w:r><w:t>а</w:t></w:r></w:p>"
    return docx_bytes(["а"], repeat=(megabytes << 20) // len(paragraph))


def corpus() -> dict[str, HostileFile]:
    """Every hostile file by a short key."""
    files = [
        HostileFile("far.xlsx", far_cell_xlsx(), "a cell at XFD1048576"),
        HostileFile("far-z.xlsx", far_cell_xlsx("Z1048576"), "a cell at Z1048576"),
        HostileFile("far-noref.xlsx", far_cell_without_references_xlsx(), "cells without r"),
        HostileFile("bomb.xlsx", zip_bomb_xlsx(), "a zip bomb"),
        HostileFile("lying.xlsx", lying_bomb_xlsx(), "a zip bomb lying about its size"),
        HostileFile("bomb.docx", docx_bomb(), "a DOCX bomb"),
        HostileFile("headerless.csv", headerless_csv(), "a client in the first row", CLIENT),
        HostileFile("wide.csv", wide_csv(), "100,000 columns"),
        HostileFile("longcell.csv", long_cell_csv(), "a 10 MB cell"),
        HostileFile("nul.csv", b"id;name\n1;\x00\x00\x00\n2;b\n", "NUL bytes"),
        HostileFile("mixed.csv", mixed_encoding_csv(), "UTF-8 and cp1251 in one file"),
        HostileFile("quote.csv", b'id;name\n1;"open\n2;b\n3;c\n', "a quote never closed"),
        HostileFile("png.csv", b"\x89PNG\r\n\x1a\n" + os.urandom(256), "a picture named .csv"),
        HostileFile("random.xlsx", os.urandom(2048), "random bytes named .xlsx"),
        HostileFile("random.docx", os.urandom(2048), "random bytes named .docx"),
        HostileFile("text.xlsx", b"id;name\n1;a\n", "a CSV named .xlsx"),
        HostileFile("alias.yaml", yaml_alias_bomb().encode(), "a YAML alias bomb"),
        HostileFile("deep.yaml", yaml_depth_bomb().encode(), "YAML nested 20,000 deep"),
        HostileFile(
            "deep-block.yaml", yaml_depth_bomb(5000, flow=False).encode(), "block YAML 5,000 deep"
        ),
    ]
    return {f.name: f for f in files}


# --- Reading under a memory cap ----------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    cap = int(sys.argv[1]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    path, work = Path(sys.argv[2]), Path(sys.argv[3])
    from segprofile.errors import SegprofileError
    try:
        if path.suffix in (".docx", ".txt"):
            from segprofile.analysis.texts import read_text
            read_text(path)
        elif path.suffix in (".yaml", ".yml"):
            from segprofile.model.spec_yaml import load_study
            load_study(path)
        else:
            from segprofile.data.readers import open_raw
            with open_raw(path, work) as raw:
                raw.sample(10)
        print(json.dumps({"ok": True}))
    except SegprofileError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
    """
)


@contextlib.contextmanager
def memory_cap(extra_mb: int = 2048) -> Iterator[None]:
    """Limit this process's address space to what it uses now plus ``extra_mb`` while inside.

    For in-process tests of whole upload paths: a parser that regresses and tries to allocate
    gigabytes gets an allocation failure (and the test fails) instead of the machine's memory.
    """
    used = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + (extra_mb << 20)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@dataclass(frozen=True)
class CappedResult:
    returncode: int
    ok: bool | None  # None: the child died (killed by the cap, aborted, crashed)
    error: str
    stderr: str


def run_capped(
    path: Path, work: Path, *, memory_mb: int = 2048, timeout: float = 120
) -> CappedResult:
    """Read ``path`` (by its suffix: a data file, a DOCX/TXT note or a study YAML) in a child
    process limited to ``memory_mb`` of address space and ``timeout`` seconds."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SEGPROFILE_IMPORT_THREADS", "1")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(memory_mb), str(path), str(work)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return CappedResult(proc.returncode, None, "", proc.stderr[-2000:])
    answer = json.loads(lines[-1])
    return CappedResult(proc.returncode, bool(answer["ok"]), answer.get("error", ""), proc.stderr)


__all__ = [
    "CLIENT",
    "CappedResult",
    "HostileFile",
    "column_letters",
    "corpus",
    "docx_bomb",
    "docx_bytes",
    "far_cell_xlsx",
    "headerless_csv",
    "lying_zip",
    "memory_cap",
    "run_capped",
    "sheet_xml",
    "xlsx_bytes",
    "yaml_alias_bomb",
    "yaml_depth_bomb",
    "zip_bomb_xlsx",
]
