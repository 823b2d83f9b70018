"""Readers: every file a body really has, streamed into the engine (DuckDB) as one raw view.

* CSV/TSV — encoding (UTF-8, UTF-8 with BOM, cp1251, KOI8-R) and delimiter (``;`` ``,`` tab
  ``|``) sniffed from samples of the bytes; decimal comma, quoted newlines and thousands
  separators with (no-break) spaces understood. Non-UTF-8 files are transcoded in streaming
  chunks to a temporary UTF-8 file; DuckDB's own ``read_csv`` does the parsing.
* XLSX/XLS — python-calamine; sheet choice, header row detection, merged and multi-row header
  cells flattened into readable names ("Доход / Зарплата").
* Parquet — DuckDB reads it directly.
* A table or query in PostgreSQL (any database Ibis reaches) by URL, streamed in Arrow batches.

:func:`open_raw` returns a :class:`RawTable`: a DuckDB connection with the view ``raw`` whose
columns carry normalised names. Nothing is written anywhere but the temporary work directory;
pseudonymisation and storage happen in :mod:`segprofile.data.datasets`.

Errors are :class:`~segprofile.errors.InputError` in Russian naming the file, row and column;
they never quote a value of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import math
import os
import re
import sys
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from segprofile import config
from segprofile.config import SETTINGS
from segprofile.data.masking import mask_file_name
from segprofile.errors import InputError
from segprofile.model.format import NUMBER_ANY, number, size_text

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

T = TypeVar("T")

SIZE_ENV = SETTINGS["max_file_mb"].name
MEMORY_ENV = SETTINGS["import_memory"].name
SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 4 << 20
SAMPLE_ROWS = 5000

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".dsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SQL_SCHEMES = ("postgres://", "postgresql://", "mysql://", "sqlite://", "duckdb://", "mssql://")

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 с BOM",
    "cp1251": "Windows-1251",
    "koi8-r": "KOI8-R",
    "utf-16": "UTF-16",
}
DELIMITER_LABELS = {";": "точка с запятой", ",": "запятая", "\t": "табуляция", "|": "черта |"}
_CANDIDATE_DELIMITERS = (";", "\t", ",", "|")


@dataclass(frozen=True)
class ReadOptions:
    """What the user may fix when detection guesses wrong (all optional)."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based row of the (first) header row of a sheet
    table: str | None = None  # for a database URL
    query: str | None = None  # for a database URL
    max_bytes: int | None = None


# --- Limits ------------------------------------------------------------------------------------
# Each is checked before the parser allocates; each has a setting (documented in docs/deploy.md).

COLUMNS_ENV = SETTINGS["max_columns"].name
CELL_ENV = SETTINGS["max_cell_kb"].name
SHEET_CELLS_ENV = SETTINGS["max_sheet_cells"].name
UNZIPPED_ENV = SETTINGS["max_unzipped_mb"].name
ZIP_RATIO_ENV = SETTINGS["max_zip_ratio"].name
DOCUMENT_XML_ENV = SETTINGS["max_docx_xml_mb"].name
ZIP_RATIO_FROM = 10 << 20  # smaller members may compress any way they like: harmless
ZIP_MAX_MEMBERS = 10_000


def max_bytes_default() -> int:
    return int(config.current().max_file_mb * 1024 * 1024)


def max_columns() -> int:
    """Most columns a CSV file or a sheet may have."""
    return config.current().max_columns


def max_cell_bytes() -> int:
    """Longest value of one CSV cell, in bytes."""
    return int(config.current().max_cell_kb * 1024)


def max_sheet_cells() -> int:
    """Most cells (rows × columns of the used area) a sheet may have."""
    return config.current().max_sheet_cells


def max_unzipped_bytes() -> int:
    """Most bytes a zipped file (XLSX, DOCX) may unpack to, all its parts together."""
    return int(config.current().max_unzipped_mb * 1024 * 1024)


def max_zip_ratio() -> float:
    """Highest compression ratio of a large part of a zipped file (a zip bomb's is thousands)."""
    return config.current().max_zip_ratio


def _line_limit() -> int:
    """Longest line the engine reads: DuckDB's own 2 MB, or more when cells may be longer."""
    return max(2 << 20, max_cell_bytes() + (1 << 20))


def max_document_xml_bytes() -> int:
    """Largest XML part of a DOCX (its text and markup), unpacked, in bytes."""
    return int(config.current().max_docx_xml_mb * 1024 * 1024)


def _count_text(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _counted(n: int, one: str, few: str, many: str) -> str:
    """«1 строка», «3 строки», «11 строк»: the number and its word in agreement."""
    tens, units = n % 100, n % 10
    word = many if 11 <= tens <= 14 else one if units == 1 else few if 2 <= units <= 4 else many
    return f"{_count_text(n)} {word}"


def sizes_text(size: int, limit: int) -> tuple[str, str]:
    """A size and its limit that read differently whenever they differ (bytes when rounding
    would make them look equal: never «1,0 МБ при пределе 1,0 МБ»)."""
    shown = size_text(size), size_text(limit)
    if shown[0] == shown[1] and size != limit:
        return f"{_count_text(size)} байт", f"{_count_text(limit)} байт"
    return shown


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: The spaces around a text value the import leaves out (:func:`stored_text_sql`).
SPACES = " \t\r\n\u00a0\u202f"


def stored_text_sql(column_sql: str) -> str:
    """A text column's value as the import stores it: without the spaces around it, missing
    (NULL) when nothing else is left — «Отдел кадров » is «Отдел кадров», «   » no value. The
    one rule of the import (``datasets._select_sql``) and of every figure or value shown of a
    file before it is imported (the quality report, the preview): :func:`stored_text` in
    Python."""
    return f"nullif(trim({column_sql}, {quote_literal(SPACES)}), '')"


def stored_text(value: Any) -> Any:
    """A value read from a file as the import stores it (:func:`stored_text_sql`): text
    trimmed, ``None`` when blank; any other value as it is."""
    if not isinstance(value, str):
        return value
    return value.strip(SPACES) or None


# --- Column names ------------------------------------------------------------------------------


def normalise_name(raw: object, position: int) -> str:
    """A readable column name: NFC, no line breaks, single spaces; empty → «столбец_N»."""
    text = "" if raw is None else str(raw)
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    text = " ".join(text.split())
    return text or f"столбец_{position}"


def check_names(names: list[str], file: str, originals: list[str] | None = None) -> None:
    """Refuse names that collide once case and spaces are ignored (the engine would merge them)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = name.casefold()
        if key in seen:
            j = seen[key]
            shown = originals or names
            raise InputError(
                f"В файле {file} столбцы {j + 1} («{shown[j].strip()}») и {i + 1} "
                f"(«{shown[i].strip()}») называются одинаково после нормализации имён "
                f"(«{name}»: регистр и пробелы не различаются).",
                hint="переименуйте один из столбцов в файле и загрузите его снова.",
            )
        seen[key] = i


# --- Encoding ----------------------------------------------------------------------------------

# Relative frequencies (per mille) of Russian letters in running text.
_RU_FREQ = {
    "о": 110,
    "е": 85,
    "а": 80,
    "и": 74,
    "н": 67,
    "т": 63,
    "с": 55,
    "р": 47,
    "в": 45,
    "л": 44,
    "к": 35,
    "м": 32,
    "д": 30,
    "п": 28,
    "у": 26,
    "я": 20,
    "ы": 19,
    "ь": 17,
    "г": 17,
    "з": 16,
    "б": 16,
    "ч": 14,
    "й": 12,
    "х": 10,
    "ж": 9,
    "ш": 7,
    "ю": 6,
    "ц": 5,
    "щ": 4,
    "э": 3,
    "ф": 3,
    "ъ": 1,
    "ё": 2,
}
_RU_LOG = {ch: math.log(f / 1000) for ch, f in _RU_FREQ.items()}
_PLAUSIBLE_HIGH = set("«»№–—“”„‘’…\u00a0°·•")


def _is_cyrillic_letter(ch: str) -> bool:
    return "а" <= ch.lower() <= "я" or ch in "Ёё"


def _cyrillic_score(text: str) -> tuple[float, float]:
    """(share of non-ASCII characters that are letters or usual marks, letter log-likelihood)."""
    high = [ch for ch in text if ord(ch) >= 0x80]
    if not high:
        return 1.0, 0.0
    plausible = sum(_is_cyrillic_letter(ch) or ch in _PLAUSIBLE_HIGH for ch in high) / len(high)
    # Over distinct words: an export repeats a few values (МФЦ, ЕПГУ) thousands of times, and
    # their rare letters must not outvote the rest of the text.
    words = set(re.findall(r"[А-Яа-яЁё]{2,}", text))
    letters = [ch.lower() for w in words for ch in w] or [
        ch.lower() for ch in high if _is_cyrillic_letter(ch)
    ]
    likelihood = sum(_RU_LOG.get(ch, -9.0) for ch in letters) / max(len(letters), 1)
    # Words written in one case or Capitalised are normal; "иВАНОВ" is what a wrong code page
    # gives (cp1251 and KOI8-R swap the cases of Cyrillic letters).
    if words:
        wellformed = sum(w.islower() or w.isupper() or w.istitle() for w in words) / len(words)
        likelihood += 3.0 * wellformed
    return plausible, likelihood


def detect_encoding(samples: list[bytes], *, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM), cp1251 or KOI8-R — or a clear error.

    ``samples`` are chunks of the file (the first one from its start). A chunk may end inside a
    multi-byte character: that is not an error.
    """
    head = samples[0]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if all(_valid_utf8_chunk(s) for s in samples):
        return "utf-8"
    data = b"".join(samples)
    scores: dict[str, tuple[float, float]] = {}
    for enc in ("cp1251", "koi8-r"):
        text = data.decode(enc, errors="replace")
        scores[enc] = _cyrillic_score(text)
    # A wrong code page turns some letters into pseudographics: plausibility weighs most.
    best = max(scores, key=lambda e: (scores[e][0] >= 0.9, scores[e][1] + 10 * scores[e][0]))
    if scores[best][0] < 0.9:
        raise InputError(
            f"Не удалось определить кодировку файла {name}.",
            hint="сохраните файл в UTF-8 (в Excel: «Сохранить как» → «CSV UTF-8») или укажите "
            "кодировку явно (--encoding cp1251 или koi8-r).",
        )
    return best


def _valid_utf8_chunk(chunk: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(chunk, final=False)
    except UnicodeDecodeError:
        # A chunk taken from the middle may start inside a character: skip up to 3 bytes.
        for skip in (1, 2, 3):
            try:
                codecs.getincrementaldecoder("utf-8")().decode(chunk[skip:], final=False)
            except UnicodeDecodeError:
                continue
            return chunk[0] & 0xC0 == 0x80
        return False
    return True


def _read_samples(path: Path, size: int) -> list[bytes]:
    """The first megabyte and three 64 KiB probes further in (for the encoding)."""
    with path.open("rb") as handle:
        out = [handle.read(SAMPLE_BYTES)]
        if size > SAMPLE_BYTES * 2:
            for frac in (0.33, 0.66, 0.999):
                handle.seek(max(int(size * frac) - 65536, SAMPLE_BYTES))
                out.append(handle.read(65536))
    return out


_MAGIC = [
    (b"PK\x03\x04", "архив ZIP или книга Excel (XLSX)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "книга Excel старого формата (XLS) или документ Word"),
    (b"%PDF", "документ PDF"),
    (b"PAR1", "файл Parquet"),
    (b"\x1f\x8b", "архив GZIP"),
    (b"\x89PNG", "изображение PNG"),
    (b"\xff\xd8\xff", "изображение JPEG"),
]


def refuse_binary(head: bytes, name: str) -> None:
    """Refuse a file meant to be text (CSV) that starts like a binary: say what it looks like."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(
                f"Файл {name} — не текстовый CSV: похоже, это {what}.",
                hint="выгрузите данные в CSV или загрузите файл с правильным расширением.",
            )
    probe = head[:65536]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    controls = sum(b < 0x20 and b not in (0x09, 0x0A, 0x0D, 0x0C) for b in probe)
    if b"\x00" in probe or controls > max(8, len(probe) // 100):
        raise InputError(
            f"Файл {name} — не текстовый CSV: в нём двоичные данные.",
            hint="проверьте, что выбран нужный файл, и выгрузите данные в CSV.",
        )


def transcode(source: Path, encoding: str, target: Path, *, name: str) -> None:
    """Re-encode ``source`` to UTF-8 in 4 MiB chunks (memory stays flat for any size), its
    line ends made one kind (CR LF as LF): the engine refuses a file that mixes them, as one
    does whose title line was typed above an export in another editor."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    held = ""  # a CR the chunk ended with: its LF may start the next one
    with source.open("rb") as src, target.open("wb") as dst:
        while True:
            chunk = src.read(CHUNK_BYTES)
            final = not chunk
            try:
                text = held + decoder.decode(chunk, final=final)
                held = "\r" if text.endswith("\r") and not final else ""
                text = text[: len(text) - len(held)].replace("\r\n", "\n")
            except UnicodeDecodeError as exc:
                line = _line_at(source, offset + exc.start)
                raise InputError(
                    f"Файл {name}, строка {line}: байты, недопустимые в кодировке "
                    f"{ENCODING_LABELS.get(encoding, encoding)}.",
                    hint="проверьте кодировку файла или укажите её явно (--encoding).",
                ) from None
            dst.write(text.encode("utf-8"))
            offset += len(chunk)
            if final:
                break


def mixed_line_ends(samples: list[bytes]) -> bool:
    """Whether the samples of a file end lines both with CR LF and with a bare LF."""
    crlf = any(b"\r\n" in s for s in samples)
    # A probe further in may start with the LF of a CR LF cut in two: its first byte is not told.
    return crlf and any(_BARE_LF.search(s, 0 if i == 0 else 1) for i, s in enumerate(samples))


_BARE_LF = re.compile(rb"(?<!\r)\n")


def _line_at(path: Path, offset: int) -> int:
    line = 1
    with path.open("rb") as handle:
        done = 0
        while done < offset:
            chunk = handle.read(min(CHUNK_BYTES, offset - done))
            if not chunk:
                break
            line += chunk.count(b"\n")
            done += len(chunk)
    return line


# --- CSV dialect -------------------------------------------------------------------------------

NUMBER_SPACED = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?$")
NUMBER_COMMA = re.compile(r"^[+-]?\d+,\d+$")
NUMBER_DOT = re.compile(r"^[+-]?\d+\.\d+$")
INTEGER = re.compile(r"^[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)$")
#: ``NUMBER_ANY`` (model.format: numbers as people type them) in the engine's regex syntax.
NUMBER_ANY_SQL = r"^\s*[+-]?(\d{1,3}([ \x{00a0}\x{202f}]\d{3})+|\d+)([.,]\d+)?\s*$"
DATE_DMY = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")
DATETIME_DMY = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}[ T]\d{1,2}:\d{2}(:\d{2})?$")
#: What exports write in a number or date column for «no value» (compared in lower case): in a
#: column whose other values are all numbers or dates these are missing values, not text.
MISSING_MARKS = frozenset(
    {
        "н/д",
        "нд",
        "н.д.",
        "#н/д",
        "n/a",
        "#n/a",
        "na",
        "nan",
        "null",
        "none",
        "нет данных",
        "не указано",
        "не указан",
        "нет ответа",
        "затрудняюсь ответить",
        "-",
        "—",
        "–",
        "?",
    }
)
#: A currency after an amount, as exports write it («12 345,67 руб.», «500 р.», «1 200 ₽»): the
#: number is the value.
CURRENCY = re.compile(r"\s*(?:руб\.?|р\.|₽)$", re.IGNORECASE)
#: The same, in the engine's regex syntax, with every space of the number (one pass).
_SPACES_AND_CURRENCY_SQL = r"[\s\x{00a0}\x{202f}]|(?i:руб\.?|р\.|₽)$"
#: The first filled cell of a totals row an export ends with («Итого:», «Всего по району»).
SUMMARY_LABEL = re.compile(r"^\s*(итого|всего)(?![а-яё])", re.IGNORECASE)
#: At most this many totals rows at the end of a table («Итого», then «Всего записей»).
MAX_SUMMARY_ROWS = 3
YES = {"да", "д", "yes", "y", "true", "истина", "+"}
NO = {"нет", "н", "no", "n", "false", "ложь", "-"}


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str
    decimal: str
    header: bool
    names: list[str]
    original_names: list[str]
    varchar_columns: list[str]
    skip_lines: int = 0  # lines above the header (a title, a date of the export) left out
    summary: tuple[SummaryRow, ...] = ()  # totals rows the file ends with, left out
    mixed_line_ends: bool = False  # lines end both with CR LF and LF: made one kind to be read


@dataclass(frozen=True)
class SummaryRow:
    """A totals row at the end of a table: not a client. ``column``: where its label is (the
    first filled cell), ``label``: that cell, ``empty``: the columns it leaves empty — the
    row read from the file is the one with that label there and those cells empty."""

    column: int
    label: str
    empty: tuple[int, ...]

    @property
    def word(self) -> str:
        """«Итого» or «Всего», as the label starts (never the rest of the cell)."""
        found = SUMMARY_LABEL.match(self.label)
        return found.group(1).capitalize() if found else ""


def summary_rows(records: Sequence[Sequence[object]]) -> tuple[SummaryRow, ...]:
    """The totals rows ``records`` (a table's last rows, without empty ones) end with: each a
    row whose first filled cell is «Итого…» or «Всего…», at most :data:`MAX_SUMMARY_ROWS`."""
    out: list[SummaryRow] = []
    for record in reversed(records[-MAX_SUMMARY_ROWS:]):
        cells = ["" if v is None else str(v).strip() for v in record]
        filled = [i for i, v in enumerate(cells) if v]
        if not filled or not SUMMARY_LABEL.match(cells[filled[0]]):
            break
        empty = tuple(i for i, v in enumerate(cells) if not v)
        out.append(SummaryRow(column=filled[0], label=cells[filled[0]], empty=empty))
    return tuple(reversed(out))


def _too_many_columns(name: str, line: int, count: int, limit: int) -> InputError:
    return InputError(
        f"Файл {name}, строка {line}: столбцов {_count_text(count)} при пределе "
        f"{_count_text(limit)}.",
        hint="проверьте разделитель столбцов (--delimiter) или разбейте таблицу на несколько "
        f"файлов; предел задаёт администратор ({COLUMNS_ENV}).",
    )


def _cell_too_long(name: str, line: int, column: int | None, limit: int) -> InputError:
    where = f", столбец {column}" if column is not None else ""
    return InputError(
        f"Файл {name}, строка {line}{where}: значение длиннее предела {size_text(limit)} — "
        "такое бывает, когда в строке не закрыта кавычка.",
        hint="проверьте кавычки в этой строке; длинный текст сократите или вынесите в "
        f"отдельный файл; предел задаёт администратор ({CELL_ENV}).",
    )


def _check_record(name: str, line: int, record: list[str]) -> None:
    """Refuse a record wider than the column limit or with a value longer than the cell limit."""
    columns = max_columns()
    if len(record) > columns:
        raise _too_many_columns(name, line, len(record), columns)
    limit = max_cell_bytes()
    for i, value in enumerate(record):
        if len(value) * 4 > limit and len(value.encode("utf-8")) > limit:
            raise _cell_too_long(name, line, i + 1, limit)


def _records(
    text: str,
    delimiter: str,
    complete: bool,
    limit: int = 5000,
    *,
    checked: str | None = None,
) -> list[tuple[int, list[str]]]:
    """``(first line, fields)`` of the first non-empty records of a sample (cut tail dropped).

    ``checked``: the file's name — every record, the cut one included, is held to the column
    and cell limits, and a value over the cell limit is said as such (not as a syntax error).
    """
    if checked is not None:
        # The csv module refuses fields over its own limit (128 KiB by default); ours decides.
        csv.field_size_limit(max(csv.field_size_limit(), max_cell_bytes()))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    out: list[tuple[int, list[str]]] = []
    start = 1
    cut = not complete
    try:
        for record in reader:
            if checked is not None:
                _check_record(checked, start, record)
            if record and any(f != "" for f in record):
                out.append((start, record))
                if len(out) > limit:
                    cut = True  # the record after the limit may be cut: drop it below
                    break
            start = reader.line_num + 1
    except csv.Error as exc:
        if checked is not None and "field larger than field limit" in str(exc):
            raise _cell_too_long(checked, start, None, max_cell_bytes()) from None
        if complete:
            raise
        cut = False  # the records read before the error are whole
    if cut and out:
        out.pop()
    return out


def _sniff_delimiter(text: str, complete: bool) -> str:
    best, best_score = ",", (False, 0.0, 0)
    for delim in _CANDIDATE_DELIMITERS:
        try:
            rows = _records(text, delim, complete, limit=200)
        except csv.Error:
            continue
        if not rows:
            continue
        widths = [len(r) for _, r in rows]
        # The width most records have: a title line above the table («Выгрузка за 2024 год»,
        # no delimiter in it) must not make every line one field.
        usual = Counter(widths).most_common(1)[0][0]
        consistent = sum(w == usual for w in widths) / len(widths)
        score = (usual > 1, consistent, usual)
        if score > best_score:
            best, best_score = delim, score
    if best_score[2] == 0:
        # Not one whole record in the probe (a very wide first row): the most frequent wins.
        counts = {delim: text.count(delim) for delim in _CANDIDATE_DELIMITERS}
        frequent = max(counts, key=lambda d: counts[d])
        if counts[frequent]:
            best = frequent
    return best


def _looks_numeric(value: str) -> bool:
    v = value.strip()
    return bool(v) and bool(NUMBER_ANY.match(v))


DATE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DATE_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _value_shaped(value: object) -> bool:
    """A number, a date or a logical value (a cell of a workbook that is not text counts too)."""
    if value is None:
        return False
    if not isinstance(value, str):
        return True
    v = value.strip()
    return bool(
        _looks_numeric(v) or DATE_DMY.match(v) or DATETIME_DMY.match(v) or DATE_ISO.match(v)
    )


def identifier_kinds(values: list[object]) -> list[str]:
    """Names of the identifier kinds (ФИО, СНИЛС, телефон…) the values look like, no values."""
    from segprofile.data.privacy import kind_of_value

    kinds: list[str] = []
    for value in values:
        if isinstance(value, str):
            kind = kind_of_value(value)
            if kind is not None and kind.label not in kinds:
                kinds.append(kind.label)
    return kinds


def first_row_is_data(first: list[object], below: list[list[object]]) -> bool:
    """Whether a table's first row holds values, not column names.

    Values, when a cell looks like a personal identifier (ФИО, СНИЛС, телефон, e-mail… by
    :func:`segprofile.data.privacy.kind_of_value`), when every cell is a number or a date, or
    when more of its cells repeat as values of their own column below (a name does not) than
    stand as text over a column of numbers or dates (as names do).
    """
    cells = [(i, v) for i, v in enumerate(first) if v is not None and str(v).strip()]
    if not cells:
        return False
    if identifier_kinds([v for _, v in cells]):
        return True
    if all(_value_shaped(v) for _, v in cells):
        return True
    repeated = named = 0
    for i, value in cells:
        column = [r[i] for r in below[:500] if i < len(r) and r[i] is not None]
        column = [v for v in column if str(v).strip()]
        if not column:
            continue
        text = str(value).strip()
        if any(str(v).strip() == text for v in column):
            repeated += 1
        elif not _value_shaped(value) and all(_value_shaped(v) for v in column):
            named += 1
    return repeated > named


def generated_names(width: int) -> list[str]:
    """Names of the columns of a table without a header row: «столбец_1», «столбец_2», …"""
    return [f"столбец_{i + 1}" for i in range(width)]


def sniff_csv(path: Path, options: ReadOptions, *, name: str, size: int) -> CsvDialect:
    """Encoding, delimiter, decimal mark, header and names of a CSV file, from its samples."""
    samples = _read_samples(path, size)
    refuse_binary(samples[0], name)
    encoding = options.encoding or detect_encoding(samples, name=name)
    complete = size <= SAMPLE_BYTES
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(samples[0], final=complete)
    except (UnicodeDecodeError, LookupError):
        raise InputError(
            f"Файл {name} не читается в кодировке {encoding}.",
            hint="укажите другую кодировку (utf-8, cp1251, koi8-r) или сохраните файл в UTF-8.",
        ) from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(
            f"Файл {name} пуст: в нём нет ни заголовка, ни строк данных.",
            hint="выгрузите данные заново.",
        )
    probe = text if len(text) <= 65536 else text[:65536]
    delimiter = options.delimiter or _sniff_delimiter(probe, complete and probe is text)
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    try:
        rows = _records(text, delimiter, complete, checked=name)
    except csv.Error:
        raise InputError(
            f"Файл {name}: не удалось разобрать строки CSV (незакрытые кавычки или двоичные "
            "данные).",
            hint="проверьте кавычки в файле или пересохраните его из Excel как CSV.",
        ) from None
    if complete and rows:
        _refuse_open_quote(text, delimiter, rows[-1][0], name)
    if not rows:
        raise InputError(
            f"Файл {name}: в первых {size_text(SAMPLE_BYTES)} нет ни одной целой строки.",
            hint="проверьте кавычки и разделители в начале файла или пересохраните его из Excel "
            "как CSV.",
        )
    top = _first_table_row(rows, options.header_row, name)
    rows = rows[top:]
    skip_lines = rows[0][0] - 1
    _header_line, header_fields = rows[0]
    header = not first_row_is_data(list(header_fields), [list(r) for _, r in rows[1:]])
    data = rows[1:] if header else rows
    if header and not data and complete:
        raise InputError(
            f"В файле {name} только строка заголовка, строк данных нет.",
            hint="выгрузите данные вместе со строками клиентов.",
        )
    width = len(header_fields)
    for line, record in data:
        if len(record) != width and summary_rows([record]):
            raise InputError(
                f"Файл {name}, строка {line}: это строка итогов («"
                f"{summary_rows([record])[0].word}»), и полей в ней {len(record)}, а в "
                f"заголовке {width}.",
                hint="удалите строку итогов из файла (в таблице клиентов она не нужна) или "
                "заполните её до числа столбцов — тогда она будет пропущена сама.",
            )
        if len(record) != width:
            raise InputError(
                f"Файл {name}, строка {line}: полей {len(record)}, а в заголовке {width}.",
                hint="проверьте разделители и кавычки в этой строке (значение с разделителем "
                "внутри должно быть в кавычках).",
            )
    originals = header_fields if header else generated_names(width)
    names = [normalise_name(v, i + 1) for i, v in enumerate(originals)]
    check_names(names, name, originals)
    tail = [list(r) for _, r in data] if complete else _last_records(path, encoding, delimiter)
    whole = all(len(r) == width for r in tail[-MAX_SUMMARY_ROWS:])  # else the engine says where
    summary = summary_rows(tail) if whole else ()
    columns = list(zip(*(r for _, r in data), strict=False)) if data else [()] * width
    decimal = "."
    if delimiter != ",":
        commas = sum(bool(NUMBER_COMMA.match(v.strip())) for col in columns for v in col)
        dots = sum(bool(NUMBER_DOT.match(v.strip())) for col in columns for v in col)
        if commas > dots:
            decimal = ","
    varchar = []
    for col_name, values in zip(names, columns, strict=False):
        texts = [v.strip() for v in values if v.strip()]
        # Leading zeros are part of an identifier (ИНН, коды): the engine must not make numbers
        # of them. Spaced thousands are converted by our own expression.
        if any(len(v) > 1 and v[0] == "0" and v[1].isdigit() for v in texts) or any(
            NUMBER_SPACED.match(v) for v in texts
        ):
            varchar.append(col_name)
    # The label of a totals row is read as text, so that the row is found and left out
    # (RawTable.exclude) before the column is typed by our conversion.
    varchar += [names[r.column] for r in summary if names[r.column] not in varchar]
    return CsvDialect(
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        header=header,
        names=names,
        original_names=[str(o) for o in originals],
        varchar_columns=varchar,
        skip_lines=skip_lines,
        summary=summary,
        mixed_line_ends=mixed_line_ends(samples),
    )


TAIL_BYTES = 65536


def _last_records(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    """The last few records of a large CSV file, from its last 64 KiB: where an export puts
    its totals rows. Only the lines after the last quote are taken — a quoted value may span
    lines, and a cut tail cannot tell where it starts."""
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - TAIL_BYTES, 0))
        text = handle.read().decode(encoding, errors="replace")
    lines: list[str] = []
    for line in reversed(text.splitlines()[1:]):
        if '"' in line or len(lines) == MAX_SUMMARY_ROWS:
            break
        if line.strip(delimiter + " \t"):
            lines.insert(0, line)
    return [list(r) for r in csv.reader(lines, delimiter=delimiter)]


def _first_table_row(rows: list[tuple[int, list[str]]], header_row: int | None, name: str) -> int:
    """Index of the record the table starts at: ``header_row`` (a line of the file, 1-based)
    when given; else the first record that fills at least half of the widest record's fields
    — a title above the header («Выгрузка обращений за 2026 год;;;;», as Excel saves a sheet
    with a title) is left out, as in a workbook (:func:`_header_block`)."""
    if header_row is not None:
        for i, (line, _fields) in enumerate(rows):
            if line == header_row:
                return i
            if line > header_row:
                break
        raise InputError(
            f"В файле {name} строка {header_row} пуста или не начинает запись, заголовок с неё "
            "прочитать нельзя.",
            hint="укажите номер строки, в которой стоят названия столбцов (как в Блокноте), "
            "или оставьте поле пустым — строка заголовка найдётся сама.",
        )
    counts = [sum(f.strip() != "" for f in fields) for _, fields in rows[:50]]
    widest = max(counts, default=0)
    if widest <= 1:
        return 0
    need = max(2, math.ceil(widest * 0.5))
    return next((i for i, c in enumerate(counts) if c >= need), 0)


def _refuse_open_quote(text: str, delimiter: str, last: int, name: str) -> None:
    """A whole file whose last record opens a quote it never closes: say where it opens."""
    tail = "".join(io.StringIO(text, newline="").readlines()[last - 1 :])
    reader = csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputError(
                f"Файл {name}, строка {last}: кавычка открыта и не закрыта до конца файла.",
                hint="закройте кавычку в этой строке (кавычка внутри значения пишется двумя "
                'кавычками: "") и загрузите файл снова.',
            ) from None


# --- Zipped files (XLSX, DOCX) -----------------------------------------------------------------
# A zipped file says how large its parts are before anything is unpacked: the directory is
# checked first, then every part is unpacked as a stream that stops at the size it declares
# (Python's zipfile; a part longer than declared fails its CRC-32), before any parser sees it.


def _zip_error(name: str, what: str, problem: str, hint: str) -> InputError:
    return InputError(f"{what} {name}: {problem}.", hint=hint)


def checked_zip_members(archive: zipfile.ZipFile, name: str, *, what: str) -> list[zipfile.ZipInfo]:
    """The parts of ``archive`` once their declared sizes pass the limits (or InputError).

    ``what`` names the kind of file in messages («Книга», «Документ»).
    """
    infos = archive.infolist()
    redo = "сохраните файл заново в программе, которая его создала, и загрузите снова"
    if len(infos) > ZIP_MAX_MEMBERS:
        raise _zip_error(
            name,
            what,
            f"в архиве {_counted(len(infos), 'часть', 'части', 'частей')} при пределе "
            f"{_count_text(ZIP_MAX_MEMBERS)}",
            redo + ".",
        )
    total = sum(info.file_size for info in infos)
    limit = max_unzipped_bytes()
    if total > limit:
        shown, allowed = sizes_text(total, limit)
        raise _zip_error(
            name,
            what,
            f"после распаковки займёт {shown} при пределе {allowed}",
            f"сохраните данные частями или в CSV; предел задаёт администратор ({UNZIPPED_ENV}).",
        )
    ratio_limit = max_zip_ratio()
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_RATIO_FROM and ratio > ratio_limit:
            raise _zip_error(
                name,
                what,
                f"часть файла сжата в {_counted(round(ratio), 'раз', 'раза', 'раз')} при "
                f"пределе {_count_text(round(ratio_limit))} — так устроены «zip-бомбы»",
                redo + f"; предел задаёт администратор ({ZIP_RATIO_ENV}).",
            )
    return infos


@contextmanager
def open_zip(source: Path | bytes, name: str, *, what: str, fmt: str) -> Iterator[zipfile.ZipFile]:
    """The file as a zip archive whose directory passed :func:`checked_zip_members`.

    ``what`` and ``fmt`` name the kind of file in messages: «Книга», «XLSX».
    """
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InputError(
            f"{what} {name} не читается: это не {fmt} или файл повреждён.",
            hint=f"проверьте, что выбран нужный файл, и сохраните его заново как {fmt}.",
        ) from None
    with archive:
        checked_zip_members(archive, name, what=what)
        yield archive


# --- Workbooks ---------------------------------------------------------------------------------

# Where a cell of a sheet's XML is: ``<c r="AB12" …>``, as every spreadsheet program writes it.
_CELL_TAG = re.compile(rb'<c r="([A-Za-z]{1,4})')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="[A-Za-z]{1,3}\d{1,7}:([A-Za-z]{1,3})\d')
_MAX_ROWS = 1_048_576
_MAX_COLUMNS = 16_384
_TAG_TAIL = 4096
_SCAN_CHUNK = 4 << 20


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _greater(bound: str, alphabet: str) -> str:
    """A regex for strings over ``alphabet`` (ordered, compared by length, then letter by
    letter — row numbers and column letters) greater than ``bound``: longer ones, and those of
    its length that go above it at some position."""
    first, last = alphabet[0], alphabet[-1]
    any_char = f"[{first}-{last}]"
    options = [f"{any_char}{{{len(bound) + 1}}}"]
    for i, ch in enumerate(bound):
        if ch != last:
            above = f"[{chr(ord(ch) + 1)}-{last}]"
            rest = f"{any_char}{{{len(bound) - i - 1}}}" if i < len(bound) - 1 else ""
            options.append(re.escape(bound[:i]) + above + rest)
    return "|".join(options)


def _column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _beyond(columns: int, rows: int) -> re.Pattern[bytes]:
    """A cell written otherwise than ``<c r="AB12"`` (no ``r`` first, lower case), or one past
    ``columns`` or ``rows``. One search per piece: the reference need not be read to its end,
    so a cut or endless one is found too."""
    col = _greater(_column_letters(columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    row = _greater(str(rows), "0123456789")
    pattern = f'<c(?:[>\t\n\r]| (?!r=")| r="(?:[a-z]|{col}|[A-Z]{{1,3}}(?:{row})))'
    return re.compile(pattern.encode())


class _IrregularSheetError(Exception):
    """A sheet part that does not look as spreadsheet programs write it: read it exactly."""


def _chunks(member: Any) -> Iterator[bytes]:
    """The part in pieces cut before a tag, so no cell reference is split between two."""
    tail = b""
    while True:
        chunk = member.read(_SCAN_CHUNK)
        if not chunk:
            if tail:
                yield tail
            return
        buffer = tail + chunk
        cut = buffer.rfind(b"<")
        if cut == -1 or len(buffer) - cut > _TAG_TAIL:
            cut = len(buffer)
        yield buffer[:cut]
        tail = buffer[cut:]


def _fast_extent(member: Any, budget: int) -> tuple[int, int]:
    """(rows, columns) bound of the cells of a sheet part as spreadsheet programs write it,
    within ``budget``: the column bound from the first piece and the declared dimension, the
    row bound what the budget leaves; one search per piece finds any cell beyond. Raises
    :class:`_IrregularSheetError` when the part needs the exact reading.
    """
    bounds: tuple[int, int] | None = None
    beyond: re.Pattern[bytes] | None = None
    first = True
    for piece in _chunks(member):
        if first:
            first = False
            head = piece[:1024]
            if b"\x00" in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise _IrregularSheetError
        if _PREFIXED_CELL.search(piece):
            raise _IrregularSheetError
        if bounds is None:
            letters = set(_CELL_TAG.findall(piece))
            if not letters and b"<c" not in piece:
                continue
            columns = max((_column_number(c) for c in letters), default=1)
            declared = _DIMENSION.search(piece)
            if declared is not None:
                columns = max(columns, _column_number(declared.group(1)))
            columns = min(columns, _MAX_COLUMNS)
            bounds = (max(budget // columns, 1), columns)
            beyond = _beyond(bounds[1], bounds[0])
        assert beyond is not None
        if beyond.search(piece):
            raise _IrregularSheetError
    return bounds or (0, 0)


def _exact_extent(member: Any) -> tuple[int, int]:
    """(rows, columns) of the area a spreadsheet reader fills, read element by element as it
    reads them: ``r`` of cells and rows, or their order when ``r`` is absent."""
    from xml.etree.ElementTree import ParseError, iterparse

    rows = columns = 0
    row_index = col_index = 0
    stack: list[Any] = []
    try:
        # expat (2.4+) refuses entity expansion bombs and reads no external entities.
        for event, element in iterparse(member, events=("start", "end")):  # noqa: S314
            tag = element.tag.rpartition("}")[2]
            if event == "start":
                stack.append(element)
                if tag == "row":
                    ref = element.get("r")
                    if ref is not None:
                        row_index = _reference(b"A" + ref.encode("ascii", "replace"))[0]
                elif tag == "c":
                    ref = element.get("r")
                    if ref is not None:
                        row, col = _reference(ref.encode("ascii", "replace"))
                        col_index = col
                    else:
                        row, col = row_index, col_index
                    col_index += 1
                    rows, columns = max(rows, row + 1), max(columns, col + 1)
                continue
            stack.pop()
            element.clear()
            if stack:
                stack[-1].clear()  # a part's elements are read once: keep none of them
            if tag == "row":
                row_index += 1
                col_index = 0
    except (ParseError, ValueError):
        raise _IrregularSheetError from None
    return rows, columns


def _looks_like_xml(head: bytes) -> bool:
    """XML in UTF-8 (with or without BOM) or UTF-16, possibly after white space."""
    return head.lstrip(b" \t\r\n").startswith((b"<", codecs.BOM_UTF8)) or head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")
    )


def _reference(ref: bytes) -> tuple[int, int]:
    """0-based (row, column) of «AB12»; ValueError for anything else or out of any sheet."""
    found = re.fullmatch(rb"([A-Za-z]{1,3})(\d{1,7})", ref.strip())
    if found is None:
        raise ValueError(ref)
    row, col = int(found.group(2)) - 1, _column_number(found.group(1)) - 1
    if not (0 <= row < _MAX_ROWS and 0 <= col < _MAX_COLUMNS):
        raise ValueError(ref)
    return row, col


def check_workbook(path: Path, name: str) -> None:
    """Refuse a zipped workbook (XLSX, XLSM) before the spreadsheet reader opens it: parts
    that unpack too large or too well (a zip bomb), a damaged part, or a sheet whose used area
    (rows × columns, which the reader allocates whole) is over :func:`max_sheet_cells`."""
    budget = max_sheet_cells()
    with open_zip(path, name, what="Книга", fmt="XLSX") as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    head = member.read(4)
                    if not _looks_like_xml(head):
                        while member.read(_SCAN_CHUNK):  # unpacked only to check its CRC-32
                            pass
                        continue
                with archive.open(info) as member:
                    try:
                        extent: tuple[int, int] | None = _fast_extent(member, budget)
                    except _IrregularSheetError:
                        extent = None
                if extent is None:
                    with archive.open(info) as member:
                        extent = _exact_extent(member)
            except _IrregularSheetError:
                raise InputError(
                    f"Книга {name} повреждена: лист не читается как XLSX.",
                    hint="откройте книгу в Excel, сохраните её заново как XLSX и загрузите снова.",
                ) from None
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                raise InputError(
                    f"Книга {name} повреждена: одна из её частей не распаковывается.",
                    hint="откройте книгу в Excel, сохраните её заново как XLSX и загрузите снова.",
                ) from None
            rows, columns = extent
            if rows * columns > budget:
                raise _sheet_too_large(name, None, rows, columns, budget)


def _sheet_too_large(
    name: str, sheet: str | None, rows: int, columns: int, budget: int
) -> InputError:
    where = f"лист «{sheet}»" if sheet else "лист"
    return InputError(
        f"Книга {name}: {where} занимает {_counted(rows, 'строку', 'строки', 'строк')} × "
        f"{_counted(columns, 'столбец', 'столбца', 'столбцов')} — "
        f"{_counted(rows * columns, 'ячейку', 'ячейки', 'ячеек')} при пределе "
        f"{_count_text(budget)}.",
        hint="удалите лишнее, в том числе пустые оформленные ячейки далеко от таблицы (Ctrl+End "
        "в Excel показывает последнюю занятую ячейку), или сохраните нужный лист в CSV; предел "
        f"задаёт администратор ({SHEET_CELLS_ENV}).",
    )


def _encrypted_ooxml(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return head.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in head


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of XLS (and of encrypted XLSX)


def _not_a_workbook(head: bytes, name: str) -> InputError:
    what = next((w for magic, w in _MAGIC if head.startswith(magic)), None)
    if what is None:
        try:
            head.decode("utf-8")
            what = "текстовый файл (может быть, CSV с другим расширением)"
        except UnicodeDecodeError:
            what = "файл неизвестного формата"
    return InputError(
        f"Файл {name} — не книга Excel (ни XLSX, ни XLS): похоже, это {what}.",
        hint="проверьте, что выбран нужный файл; книгу сохраните в Excel как XLSX, таблицу в "
        "тексте — с расширением .csv.",
    )


def _password_error(name: str) -> InputError:
    return InputError(
        f"Книга {name} защищена паролем, её нельзя прочитать.",
        hint="откройте книгу в Excel, снимите пароль (Файл → Сведения → Защитить книгу) и "
        "загрузите её снова.",
    )


@dataclass
class Sheet:
    """A sheet read into Python: flattened header names and typed Arrow columns."""

    table: pa.Table
    sheet: str
    sheets: list[str]
    header_rows: tuple[int, int] | None  # 1-based first and last header row; None: no header
    original_names: list[str]
    summary: tuple[SummaryRow, ...] = ()  # totals rows the sheet ended with, left out


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _header_block(
    rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]], first: int | None
) -> tuple[int, int]:
    """0-based first and last row of the header: titles skipped, merged header rows joined."""
    probe = rows[:50]
    counts = [sum(v is not None for v in r) for r in probe]
    if first is None:
        widest = max(counts, default=0)
        need = max(2, math.ceil(widest * 0.5)) if widest > 1 else 1
        first = next((i for i, c in enumerate(counts) if c >= need), 0)
    last = first
    if merged:
        changed = True
        while changed:
            changed = False
            for (r0, _c0), (r1, _c1) in merged:
                if first <= r0 <= last and r1 > last and r1 - first < 4:
                    last, changed = r1, True
        return first, last
    # No merge information (XLS): a header row with gaps followed by a row of texts and then a
    # data row is a two-row header.
    width = max((len(r) for r in rows[first : first + 3]), default=0)
    head = rows[first] if first < len(rows) else []
    gaps = sum(head[c] is None for c in range(min(width, len(head)))) if head else 0
    if gaps and first + 2 < len(rows):
        below, data = rows[first + 1], rows[first + 2]
        texts = [v for v in below if v is not None]
        header_like = bool(texts) and all(isinstance(v, str) for v in texts)
        if header_like and any(v is not None and not isinstance(v, str) for v in data):
            last = first + 1
    return first, last


def _flatten_header(
    rows: list[list[Any]],
    block: tuple[int, int],
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
    width: int,
) -> list[str]:
    first, last = block
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0), (r1, c1) in merged:
        # Only the header's cells are looked up: a merge over the whole sheet costs nothing.
        for r in range(max(r0, first), min(r1, last) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                owner[(r, c)] = (r0, c0)
    names = []
    for c in range(width):
        parts: list[str] = []
        for r in range(first, last + 1):
            src = owner.get((r, c))
            if src is not None:
                value = rows[src[0]][src[1]] if src[1] < len(rows[src[0]]) else None
            else:
                value = rows[r][c] if c < len(rows[r]) else None
                if value is None and not merged and r < last:
                    # Without merge information a group label stands over its first column.
                    back = c - 1
                    while back >= 0 and rows[r][back] is None and back >= 0:
                        back -= 1
                    if back >= 0 and rows[last][c] is not None:
                        value = rows[r][back]
            if value is None:
                continue
            text = normalise_name(_display(value), c + 1)
            if not parts or parts[-1] != text:
                parts.append(text)
        names.append(" / ".join(parts))
    return names


def _display(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _arrow_column(values: list[Any]) -> pa.Array:
    import pyarrow as pa

    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if not present:
        return pa.nulls(len(values), pa.string())
    if kinds <= {bool}:
        return pa.array(values, pa.bool_())
    if kinds <= {int, float}:
        if all(float(v).is_integer() and abs(v) < 2**53 for v in present):
            return pa.array([None if v is None else int(v) for v in values], pa.int64())
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kinds <= {date}:
        return pa.array(values, pa.date32())
    if kinds <= {date, datetime}:
        stamps = [
            None
            if v is None
            else v
            if isinstance(v, datetime)
            else datetime(v.year, v.month, v.day)
            for v in values
        ]
        return pa.array(stamps, pa.timestamp("us"))
    return pa.array([None if v is None else _display(v) for v in values], pa.string())


def read_sheet(path: Path, options: ReadOptions, *, name: str) -> Sheet:
    """One sheet of a workbook as an Arrow table with flattened header names."""
    import pyarrow as pa
    import python_calamine

    if _encrypted_ooxml(path):
        raise _password_error(name)
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        check_workbook(path, name)
    elif not head.startswith(_OLE):
        raise _not_a_workbook(head, name)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise _password_error(name) from None
    except Exception as exc:  # noqa: BLE001 — calamine's many errors become one clear message
        kind = type(exc).__name__
        raise InputError(
            f"Не удалось открыть книгу {name} ({kind}).",
            hint="проверьте, что файл не повреждён; пересохраните его в Excel как XLSX.",
        ) from None
    sheets = list(book.sheet_names)
    if not sheets:
        raise InputError(f"В книге {name} нет листов.", hint="проверьте файл.")
    chosen = _choose_sheet(book, sheets, options.sheet, name)
    try:
        sheet = book.get_sheet_by_name(chosen)
        budget = max_sheet_cells()
        if sheet.height * sheet.width > budget:  # an old XLS is not checked before it opens
            raise _sheet_too_large(name, chosen, sheet.height, sheet.width, budget)
        raw = sheet.to_python(skip_empty_area=False)
        merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
    except python_calamine.PasswordError:
        raise _password_error(name) from None
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise InputError(
            f"Не удалось прочитать лист «{chosen}» книги {name} ({type(exc).__name__}).",
            hint="пересохраните книгу в Excel как XLSX.",
        ) from None
    rows = [[_cell(v) for v in r] for r in raw]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(
            f"Лист «{chosen}» книги {name} пуст.",
            hint=f"выберите лист с данными (--sheet). Листы книги: {', '.join(sheets)}.",
        )
    first = options.header_row - 1 if options.header_row else None
    if first is not None and not 0 <= first < len(rows):
        raise InputError(
            f"В листе «{chosen}» книги {name} нет строки {options.header_row}.",
            hint=f"укажите номер строки заголовка от 1 до {len(rows)}.",
        )
    block = _header_block(rows, merged, first)
    width = max(len(r) for r in rows)
    while width > 0 and all(len(r) < width or r[width - 1] is None for r in rows[block[0] :]):
        width -= 1
    if width > max_columns():
        raise InputError(
            f"В листе «{chosen}» книги {name} столбцов {_count_text(width)} при пределе "
            f"{_count_text(max_columns())}.",
            hint="удалите лишние столбцы или разбейте таблицу на несколько листов; предел задаёт "
            f"администратор ({COLUMNS_ENV}).",
        )
    header_rows: tuple[int, int] | None = (block[0] + 1, block[1] + 1)
    heading = rows[block[0] : block[1] + 1]
    below = rows[block[1] + 1 : block[1] + 501]
    kinds = identifier_kinds([v for r in heading for v in r[:width]])
    if first is not None and kinds:
        raise InputError(
            f"Строка {first + 1} листа «{chosen}» книги {name}, указанная как заголовок, похожа "
            f"на данные клиента ({', '.join(kinds)}), а не на имена столбцов.",
            hint="укажите строку, где написаны имена столбцов (--header-row), или оставьте поле "
            "пустым, если строки заголовка в листе нет.",
        )
    if first is None and (kinds or first_row_is_data(heading[0][:width], below)):
        # No header row: values never become names; the first row is data.
        header_rows = None
        names = generated_names(width)
        block = (block[0], block[0] - 1)
    else:
        names = _flatten_header(rows, block, merged, width)
    originals = list(names)
    names = [normalise_name(n, i + 1) for i, n in enumerate(names)]
    check_names(names, f"{name} (лист «{chosen}»)", originals)
    data = [r for r in rows[block[1] + 1 :] if any(v is not None for v in r[:width])]
    summary = summary_rows([r[:width] for r in data])
    data = data[: len(data) - len(summary)]
    if not data:
        raise InputError(
            f"В листе «{chosen}» книги {name} только заголовок, строк данных нет.",
            hint="проверьте лист или укажите строку заголовка (--header-row).",
        )
    columns = {}
    for c, col_name in enumerate(names):
        columns[col_name] = _arrow_column([r[c] if c < len(r) else None for r in data])
    return Sheet(
        table=pa.table(columns),
        sheet=chosen,
        sheets=sheets,
        header_rows=header_rows,
        original_names=originals,
        summary=summary,
    )


def _choose_sheet(book: Any, sheets: list[str], wanted: str | None, name: str) -> str:
    if wanted:
        if wanted in sheets:
            return wanted
        if wanted.isdigit() and 1 <= int(wanted) <= len(sheets):
            return sheets[int(wanted) - 1]
        raise InputError(
            f"В книге {name} нет листа «{wanted}».",
            hint=f"листы книги: {', '.join(sheets)}.",
        )
    for sheet_name in sheets:
        try:
            sheet = book.get_sheet_by_name(sheet_name)
        except Exception:  # noqa: BLE001, S112 — an unreadable sheet is simply not chosen
            continue
        if sheet.height > 0 and sheet.width > 0:
            return str(sheet_name)
    return sheets[0]


# --- The raw view ------------------------------------------------------------------------------


@dataclass
class Conversion:
    """A text column the engine turns into numbers, dates or booleans on the fly."""

    kind: str  # integer | number | date | datetime | bool
    strict: bool = False  # a user's override: failure is an error, not a fallback to text
    lenient: bool = False  # the few values that do not fit are missing (counted: RawTable.coerced)


#: The largest share of a column's given values that may not fit its type and be read as
#: missing (counted and reported) instead of keeping the column as text or failing.
LENIENT_SHARE = 0.05


#: Types the engine's sniffer gives, as the conversion that reads the same values from text.
_SNIFFED_KINDS = {
    **dict.fromkeys(("DOUBLE", "FLOAT"), "number"),
    **dict.fromkeys(("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT"), "integer"),
    "DATE": "date",
    "TIMESTAMP": "datetime",
}


_KIND_NAMES = {
    "integer": "число",
    "number": "число",
    "date": "дата",
    "datetime": "дата и время",
    "bool": "да/нет",
}


def conversion_sql(column_sql: str, conversion: Conversion, code: str) -> str:
    """DuckDB SQL converting a text column; a value that does not fit raises ``code``."""
    v = f"trim(CAST({column_sql} AS VARCHAR))"
    fail = "NULL" if conversion.lenient else f"error('{code}')"
    marks = ", ".join(quote_literal(x) for x in sorted(MISSING_MARKS))
    missing = f"{column_sql} IS NULL OR {v} = '' OR lower({v}) IN ({marks})"
    if conversion.kind in ("number", "integer"):
        clean = f"replace(regexp_replace({v}, '{_SPACES_AND_CURRENCY_SQL}', '', 'g'), ',', '.')"
        sql_type = "BIGINT" if conversion.kind == "integer" else "DOUBLE"
        return (
            f"CASE WHEN {missing} THEN NULL "
            f"ELSE coalesce(TRY_CAST({clean} AS {sql_type}), {fail}) END"
        )
    if conversion.kind == "date":
        return (
            f"CASE WHEN {missing} THEN NULL "
            f"ELSE coalesce(CAST(try_strptime({v}, '%d.%m.%Y') AS DATE), "
            f"TRY_CAST({v} AS DATE), {fail}) END"
        )
    if conversion.kind == "datetime":
        return (
            f"CASE WHEN {missing} THEN NULL "
            f"ELSE coalesce(try_strptime({v}, ['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M']), "
            f"TRY_CAST({v} AS TIMESTAMP), {fail}) END"
        )
    yes = ", ".join(quote_literal(x) for x in sorted(YES | {"1"}))
    no = ", ".join(quote_literal(x) for x in sorted(NO | {"0"}))
    return (
        f"CASE WHEN {column_sql} IS NULL OR {v} = '' THEN NULL "
        f"WHEN lower({v}) IN ({yes}) THEN true WHEN lower({v}) IN ({no}) THEN false "
        f"ELSE {fail} END"
    )


def guess_conversion(values: list[str]) -> Conversion | None:
    """Numbers with spaced thousands or a decimal comma, dd.mm.yyyy (and yyyy-mm-dd) dates,
    да/нет; among numbers and dates, «н/д», «нет данных», «—»… (:data:`MISSING_MARKS`) are
    missing values."""
    given = [v.strip() for v in values if v is not None and v.strip()]
    if not given:
        return None
    lowered = {v.lower() for v in given}
    if lowered <= YES | NO and lowered & YES and lowered & NO and not lowered <= {"+", "-"}:
        return Conversion("bool")
    texts = [v for v in given if v.lower() not in MISSING_MARKS]
    if not texts:
        return None
    amounts = [CURRENCY.sub("", v) for v in texts]
    numbers = [v for v in amounts if NUMBER_ANY.match(v)]
    # Numbers with a stray text or two («около 5000»): tried as numbers; the full scan counts
    # the misfits and reads them as missing if they are few (RawTable._diagnose).
    if len(numbers) == len(texts) or (
        len(numbers) >= 20 and len(numbers) >= (1 - LENIENT_SHARE) * len(texts)
    ):
        if any(len(v) > 1 and v[0] == "0" and v[1].isdigit() for v in numbers):
            return None  # leading zeros: an identifier, not a number
        if all(v.isdigit() and len(v) >= 10 for v in numbers):
            return None  # ten digits and more each (ИНН, phones, accounts): identifiers too
        whole = all(INTEGER.match(v) for v in numbers)
        return Conversion("integer" if whole else "number")
    # Dates as exports write them, «12.03.1985» and «1985-03-12» in one column alike; a few
    # other values among many dates are counted and read as missing, as for numbers.
    dates = [v for v in texts if DATE_DMY.match(v) or DATE_ISO_DAY.match(v)]
    if dates and (
        len(dates) == len(texts)
        or (len(dates) >= 20 and len(dates) >= (1 - LENIENT_SHARE) * len(texts))
    ):
        return Conversion("date")
    if all(DATETIME_DMY.match(v) or DATE_DMY.match(v) for v in texts):
        return Conversion("datetime")
    return None


@dataclass
class RawTable:
    """A source opened in a private DuckDB connection as the view ``raw`` (nothing stored)."""

    con: duckdb.DuckDBPyConnection
    name: str  # the file name (or a redacted database address) for messages
    format: str  # csv | xlsx | parquet | sql
    columns: list[str]
    details: dict[str, Any]
    source_sql: Callable[[], str]  # FROM clause, refreshed before every scan
    source_columns: list[str]  # the columns as the FROM clause names them
    types: dict[str, str] = field(default_factory=dict)  # CSV type overrides
    conversions: dict[str, Conversion] = field(default_factory=dict)
    mixed: set[str] = field(default_factory=set)  # columns left as text: values of two kinds
    # Columns of numbers or dates with a few values of another kind, read as missing:
    # column → (how many, the file line (or record) of the first).
    coerced: dict[str, tuple[int, str]] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # column → replacement select SQL
    chosen: dict[str, str] = field(default_factory=dict)  # column → conversion kind a user chose
    exclude: str = ""  # a condition on the source's rows that are not records (totals rows)
    # Reads the source another way after an engine error that way may cure (a CSV's line ends
    # made one kind); True when it did.
    repair: Callable[[], bool] | None = None
    # The view as last created, and its column types: the engine binds (and sniffs a CSV)
    # anew for each, so neither is redone while the conversions stay as they are.
    _view: str = field(default="", repr=False)
    _dtypes: dict[str, str] | None = field(default=None, repr=False)

    def build(self) -> None:
        """(Re)create the view ``raw`` with the current conversions (unless it has them)."""
        exprs = []
        for i, (name, src) in enumerate(zip(self.columns, self.source_columns, strict=True)):
            col = quote_ident(src)
            if name in self.extra:
                expr = self.extra[name]
            elif name in self.conversions:
                expr = conversion_sql(col, self.conversions[name], f"segprofile:conv:{i}")
            else:
                expr = col
            exprs.append(f"{expr} AS {quote_ident(name)}")
        view = f"CREATE OR REPLACE TEMP VIEW raw AS SELECT {', '.join(exprs)} FROM {self._rows()}"  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
        if view != self._view:
            self._view, self._dtypes = "", None
            self.con.execute(view)
            self._view = view

    def _rows(self) -> str:
        """The FROM clause of the source's records (without the rows ``exclude`` names)."""
        if not self.exclude:
            return self.source_sql()
        return f"{self.source_sql()} WHERE NOT coalesce({self.exclude}, false)"

    def dtypes(self) -> dict[str, str]:
        def describe() -> dict[str, str]:
            if self._dtypes is None:
                rows = self.con.execute("DESCRIBE raw").fetchall()
                self._dtypes = {str(r[0]): str(r[1]) for r in rows}
            return dict(self._dtypes)

        return self.run(describe)

    def sample(self, n: int = SAMPLE_ROWS) -> list[dict[str, Any]]:
        """The first ``n`` rows as Python values (for inference and PII detection only)."""

        def fetch() -> list[dict[str, Any]]:
            cur = self.con.execute(f"SELECT * FROM raw LIMIT {int(n)}")  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

        return self.run(fetch)

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the view; engine errors become fixes (and a retry) or InputError."""
        # Arrow's errors only where Arrow is in use (a workbook's sheet): a CSV never loads it.
        arrow = sys.modules.get("pyarrow")
        errors = (duckdb.Error, arrow.ArrowException) if arrow else (duckdb.Error,)
        for _ in range(len(self.columns) + 3):
            try:
                self.build()
                return work()
            except InputError:
                raise
            except errors as exc:
                problem = self._diagnose(str(exc), type(exc).__name__)
            if problem is not None:
                raise problem
        raise InputError(
            f"Не удалось прочитать файл {self.name}: типы столбцов не определились.",
            hint="сохраните файл в UTF-8 CSV и попробуйте снова.",
        )

    def _misfits(self, col: str, conversion: Conversion) -> tuple[int, int, str]:
        """(values of ``col`` that do not fit ``conversion``, values given, where the first
        misfit is: «в строке N файла» or «в записи № N»); counted, never the values."""
        source = quote_ident(self.source_columns[self.columns.index(col)])
        attempt = conversion_sql(source, replace(conversion, lenient=True), "")
        given = f"nullif(trim(CAST({source} AS VARCHAR)), '')"
        marks = ", ".join(quote_literal(x) for x in sorted(MISSING_MARKS))
        try:
            bad, total, first = self.con.execute(
                f"SELECT count(*) FILTER (WHERE converted IS NULL), count(*), "  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
                f"min(n) FILTER (WHERE converted IS NULL) FROM (SELECT row_number() OVER () AS n, "
                f"{given} AS given, {attempt} AS converted FROM {self._rows()}) "
                f"WHERE given IS NOT NULL AND lower(given) NOT IN ({marks})"
            ).fetchone() or (0, 0, None)
        except duckdb.Error:
            return 0, 0, ""
        where = ""
        if first is not None:
            line = self._file_line(int(first))
            where = (
                f"в строке {number(line)} файла"
                if line is not None
                else f"в записи № {number(int(first))}"
            )
        return int(bad), int(total), where

    def _not_of_type(self, col: str, conversion: Conversion, bad: int, where: str) -> InputError:
        """The error for a type the user chose that many values of ``col`` do not fit: how many
        and where the first is (its line in the file where that is known), never the value."""
        count = f"значений: {number(bad)}" if bad else "часть значений"
        return InputError(
            f"Файл {self.name}: столбец «{col}» нельзя привести к выбранному типу "
            f"({_KIND_NAMES[conversion.kind]}) — не подходит {count}"
            f"{'; первое — ' + where if where else ''}.",
            hint="исправьте эти значения в файле (пустая ячейка, «н/д» или «нет данных» — "
            "пропуск) или выберите для столбца другой тип.",
        )

    def _file_line(self, record: int) -> int | None:
        """The line (row) of the file where data record ``record`` (from 1) is, if known."""
        if self.format == "csv":
            return (
                int(self.details.get("skipped_lines") or 0)
                + int(bool(self.details.get("header")))
                + record
            )
        rows = self.details.get("header_rows")
        if self.format == "xlsx" and rows:
            return int(max(rows)) + record
        return None

    def _diagnose(self, message: str, kind: str) -> InputError | None:
        """Turn an engine error into a fix (returns None: retry) or a Russian InputError.

        The engine's message quotes the offending line; only numbers and our own column names
        are taken from it, never the text.
        """
        conv = re.search(r"segprofile:conv:(\d+)", message)
        if conv:
            col = self.columns[int(conv.group(1))]
            conversion = self.conversions.pop(col, None)
            if conversion is not None:
                bad, total, where = self._misfits(col, conversion)
                if conversion.kind == "integer" and bad:
                    as_number = replace(conversion, kind="number")
                    if self._misfits(col, as_number)[0] < bad:
                        # Fractions among whole numbers: read the column as numbers with
                        # fractions (what else does not fit is counted on the next try).
                        self.conversions[col] = as_number
                        return None
                if 0 < bad <= LENIENT_SHARE * total:
                    self.conversions[col] = replace(conversion, lenient=True)
                    self.coerced[col] = (bad, where)
                    log.info("column %r: %d values of another kind read as missing", col, bad)
                    return None
                if conversion.strict:
                    return self._not_of_type(col, conversion, bad, where)
            self.mixed.add(col)
            log.info("column %r kept as text: values of more than one kind", col)
            return None
        typed = re.search(r'Error when converting column "(.+?)"', message)
        if typed and typed.group(1) in self.columns and self.types.get(typed.group(1)) != "VARCHAR":
            failed: str = typed.group(1)
            self.types[failed] = "VARCHAR"
            # A number or date column with a value past the sniffed rows: read as text and
            # converted by us, so «н/д» is a missing value; other text makes it mixed (above).
            sniffed = re.search(r"as type (\w+)", message)
            as_kind = _SNIFFED_KINDS.get(sniffed.group(1) if sniffed else "")
            if failed in self.chosen:  # the type a person chose: a value not of it is an error
                self.conversions[failed] = Conversion(self.chosen[failed], strict=True)
            elif as_kind and failed not in self.mixed and failed not in self.conversions:
                self.conversions[failed] = Conversion(as_kind)
            else:
                self.mixed.add(failed)
            return None
        line = re.search(r"CSV Error on Line: (\d+)", message)
        where = f", строка {line.group(1)}" if line else ""
        if "Expected Number of Columns" in message:
            found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
            counts = f": полей {found.group(2)}, а в заголовке {found.group(1)}" if found else ""
            return InputError(
                f"Файл {self.name}{where}{counts}.",
                hint="проверьте разделители и кавычки в этой строке (значение с разделителем "
                "внутри должно быть в кавычках).",
            )
        if "unterminated quote" in message:
            return InputError(
                f"Файл {self.name}{where}: кавычка открыта и не закрыта.",
                hint="закройте кавычку в этой строке (кавычка внутри значения пишется двумя "
                'кавычками: "") и загрузите файл снова.',
            )
        if "invalid unicode" in message.lower():
            return InputError(
                f"Файл {self.name}{where}: байты не в кодировке UTF-8.",
                hint="укажите кодировку файла явно (--encoding cp1251 или koi8-r) или сохраните "
                "файл в UTF-8.",
            )
        if "Maximum line size" in message or "maximum_line_size" in message:
            return InputError(
                f"Файл {self.name}{where}: строка длиннее предела {size_text(_line_limit())} — "
                "такое бывает, когда в строке не закрыта кавычка.",
                hint="проверьте кавычки в этой строке; длинный текст сократите; предел задаёт "
                f"администратор ({CELL_ENV}).",
            )
        if "Error when sniffing" in message or "state machine reached an invalid" in message:
            if self.repair is not None and self.repair():
                return None
            # What the file's samples tell was checked before (widths, quotes, line ends): what
            # is left is a part further in that is not written as the file's beginning.
            return InputError(
                f"Файл {self.name}{where}: не удалось разобрать строки CSV — дальше в файле "
                "строки записаны не так, как в его начале (например, часть таблицы вставлена "
                "из другого файла).",
                hint="откройте файл в Excel и сохраните его заново как «CSV (разделители — "
                "точка с запятой)»; название выгрузки над таблицей можно не удалять.",
            )
        if "Out of Memory" in message:
            return InputError(
                f"Файл {self.name}: не хватило памяти для чтения.",
                hint=f"увеличьте {MEMORY_ENV} (например, 4GB) или разбейте файл на части.",
            )
        return InputError(
            f"Не удалось прочитать файл {self.name}{where} ({kind}).",
            hint="проверьте, что файл не повреждён и соответствует формату "
            f"{self.format.upper()}; пересохраните его.",
        )


def _connect_work(workdir: Path) -> duckdb.DuckDBPyConnection:
    spill = workdir / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    settings = config.current()
    options: dict[str, str | bool | int | float | list[str]] = {
        # DuckDB's buffers; the process adds Python, Arrow and the Parquet writer on top.
        "memory_limit": settings.import_memory,
        "temp_directory": str(spill),
        # Nothing is installed or loaded behind our back while untrusted files are read.
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if settings.import_threads is not None:
        options["threads"] = settings.import_threads
    con = duckdb.connect(":memory:", config=options)
    con.execute("SET enable_progress_bar = false")
    return con


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and "://" in location


def display_url(url: str) -> str:
    """A database address without the password, for messages and the audit."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1@", url)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise InputError(
        f"Не удалось определить формат файла {path.name}.",
        hint="поддерживаются CSV, TSV, TXT, XLSX, XLS, Parquet; переименуйте файл или "
        "сохраните его в одном из этих форматов.",
    )


@contextmanager
def open_raw(
    location: str | Path, workdir: Path, options: ReadOptions | None = None
) -> Iterator[RawTable]:
    """Open a file or database address as the view ``raw`` in a private DuckDB connection."""
    opts = options or ReadOptions()
    workdir.mkdir(parents=True, exist_ok=True)
    con = _connect_work(workdir)
    try:
        if is_url(location):
            raw = _open_sql(con, str(location), opts)
        else:
            raw = _open_file(con, Path(location), opts, workdir)
        _add_conversions(raw)
        yield raw
    finally:
        con.close()


def _open_file(
    con: duckdb.DuckDBPyConnection, path: Path, opts: ReadOptions, workdir: Path
) -> RawTable:
    name = mask_file_name(path.name)  # a file may be named after a client
    if not path.is_file():
        raise InputError(f"Файл {name} не найден.", hint="проверьте путь к файлу.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(
            f"Файл {name} пуст (0 байт): загрузка не удалась или выгрузка пустая.",
            hint="выгрузите данные заново и загрузите файл ещё раз.",
        )
    limit = opts.max_bytes if opts.max_bytes is not None else max_bytes_default()
    if size > limit:
        shown, allowed = sizes_text(size, limit)
        raise InputError(
            f"Файл {name} слишком большой: {shown} при пределе {allowed}.",
            hint=f"разбейте файл на части или увеличьте предел ({SIZE_ENV}).",
        )
    fmt = file_format(path)
    if fmt == "csv":
        return _open_csv(con, path, opts, workdir, size)
    if fmt == "xlsx":
        sheet = read_sheet(path, opts, name=name)
        con.register("xlsx_src", sheet.table)
        names = list(sheet.table.column_names)
        return RawTable(
            con=con,
            name=name,
            format="xlsx",
            columns=names,
            source_columns=names,
            source_sql=lambda: "xlsx_src",
            details={
                "sheet": sheet.sheet,
                "sheets": sheet.sheets,
                "header_rows": list(sheet.header_rows) if sheet.header_rows else None,
                "header": sheet.header_rows is not None,
                "original_names": sheet.original_names,
                **_summary_details(sheet.summary),
            },
        )
    with path.open("rb") as handle:
        head = handle.read(4)
    if head != b"PAR1":
        raise InputError(
            f"Файл {name} — не Parquet (нет подписи формата).",
            hint="проверьте расширение файла или выгрузите данные заново.",
        )
    literal = quote_literal(str(path))
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal})").fetchall()  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
    except duckdb.Error as exc:
        kind = type(exc).__name__
        raise InputError(
            f"Не удалось прочитать файл {name} ({kind}).",
            hint="проверьте, что файл не повреждён; выгрузите его заново.",
        ) from None
    sources = [str(r[0]) for r in described]
    names = [normalise_name(n, i + 1) for i, n in enumerate(sources)]
    check_names(names, name, sources)
    return RawTable(
        con=con,
        name=name,
        format="parquet",
        columns=names,
        source_columns=sources,
        source_sql=lambda: f"read_parquet({literal})",
        details={},
    )


def _open_csv(
    con: duckdb.DuckDBPyConnection, path: Path, opts: ReadOptions, workdir: Path, size: int
) -> RawTable:
    name = mask_file_name(path.name)
    dialect = sniff_csv(path, opts, name=name, size=size)
    target = path

    def normalise() -> bool:
        """Read a copy in UTF-8 with one kind of line ends (once): True if made now."""
        nonlocal target
        if target != path:
            return False
        target = workdir / "transcoded.csv"
        transcode(path, dialect.encoding, target, name=name)
        return True

    if dialect.encoding not in ("utf-8", "utf-8-sig") or dialect.mixed_line_ends:
        normalise()
    raw = RawTable(
        con=con,
        name=name,
        format="csv",
        columns=list(dialect.names),
        source_columns=list(dialect.names),
        source_sql=lambda: "",
        details={
            "encoding": dialect.encoding,
            "delimiter": dialect.delimiter,
            "decimal": dialect.decimal,
            "header": dialect.header,
            "original_names": dialect.original_names,
            "skipped_lines": dialect.skip_lines,
        },
        types={c: "VARCHAR" for c in dialect.varchar_columns},
        exclude=_summary_condition(dialect),
        # Line ends mixed past the samples (the engine cannot sniff the file): one kind made.
        repair=normalise,
    )
    raw.details |= _summary_details(dialect.summary)

    def source_sql() -> str:
        names = ", ".join(quote_literal(n) for n in dialect.names)
        args = [
            quote_literal(str(target)),
            f"delim={quote_literal(dialect.delimiter)}",
            "quote='\"'",
            "escape='\"'",
            f"header={'true' if dialect.header else 'false'}",
            f"skip={dialect.skip_lines}",
            f"names=[{names}]",
            "strict_mode=true",
            "null_padding=false",
            f"max_line_size={_line_limit()}",
        ]
        if dialect.decimal == ",":
            args.append("decimal_separator=','")
        if raw.types:
            types = ", ".join(
                f"{quote_literal(k)}: {quote_literal(v)}" for k, v in raw.types.items()
            )
            args.append(f"types={{{types}}}")
        return f"read_csv({', '.join(args)})"

    raw.source_sql = source_sql
    return raw


def _summary_details(summary: tuple[SummaryRow, ...]) -> dict[str, Any]:
    """What a version's details say of the totals rows left out (how many, their words)."""
    if not summary:
        return {}
    return {"summary_rows": len(summary), "summary_words": [r.word for r in summary]}


def _summary_condition(dialect: CsvDialect) -> str:
    """Whether a record of the file is one of its totals rows: the label in its column (read
    as text) and the cells the totals row leaves empty empty."""
    rows = []
    for row in dialect.summary:
        label = quote_ident(dialect.names[row.column])
        parts = [f"trim(CAST({label} AS VARCHAR)) = {quote_literal(row.label)}"]
        parts += [
            f"nullif(trim(CAST({quote_ident(dialect.names[i])} AS VARCHAR)), '') IS NULL"
            for i in row.empty
        ]
        rows.append(f"({' AND '.join(parts)})")
    return " OR ".join(rows)


def _add_conversions(raw: RawTable) -> None:
    """Decide conversions of text columns from the first rows (errors later undo them)."""
    types = raw.dtypes()
    rows = raw.sample(2000)
    for col in raw.columns:
        if types.get(col) != "VARCHAR" or col in raw.mixed:
            continue
        conversion = guess_conversion([r[col] for r in rows])
        if conversion is not None:
            raw.conversions[col] = conversion


def _open_sql(con: duckdb.DuckDBPyConnection, url: str, opts: ReadOptions) -> RawTable:
    import ibis

    shown = display_url(url)
    base, _, query_string = url.partition("?")
    params = dict(p.split("=", 1) for p in query_string.split("&") if "=" in p)
    table_name = opts.table or params.pop("table", None)
    query = opts.query
    clean_url = base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    if not table_name and not query:
        raise InputError(
            f"Для базы данных {shown} не указана таблица или запрос.",
            hint="укажите --table ИМЯ или --query 'SELECT …'.",
        )
    what = f"таблица {table_name}" if table_name else "запрос"
    label = f"{shown} ({what})"
    try:
        backend = ibis.connect(clean_url)
        if table_name:
            schema, _, tname = table_name.rpartition(".")
            expr = backend.table(tname, database=schema or None)
        else:
            expr = _query_table(backend, str(query))
    except Exception as exc:  # noqa: BLE001 — driver errors carry addresses and SQL: not shown
        kind = type(exc).__name__
        raise InputError(
            f"Не удалось открыть {label}: {kind}.",
            hint="проверьте адрес, имя пользователя, пароль и имя таблицы; сервер должен быть "
            "доступен с этой машины.",
        ) from None
    sources = list(expr.columns)
    names = [normalise_name(n, i + 1) for i, n in enumerate(sources)]
    check_names(names, label, sources)
    loaded: list[bool] = []

    def source_sql() -> str:
        # An Arrow stream can be scanned once; inspection scans several times. The rows are
        # copied once into a temporary table of the private connection (spilled to the work
        # directory when large), which disappears with it.
        if not loaded:
            try:
                reader = expr.to_pyarrow_batches(chunk_size=65536)
                con.register("sql_stream", reader)
                con.execute("CREATE TEMP TABLE sql_src AS SELECT * FROM sql_stream")
                con.unregister("sql_stream")
            except Exception as exc:  # noqa: BLE001 — driver errors may quote data or SQL
                kind = type(exc).__name__
                raise InputError(
                    f"Не удалось прочитать {label}: {kind}.",
                    hint="проверьте запрос и права пользователя на таблицу.",
                ) from None
            loaded.append(True)
        return "sql_src"

    return RawTable(
        con=con,
        name=label,
        format="sql",
        columns=names,
        source_columns=sources,
        source_sql=source_sql,
        details={"url": shown, "table": table_name, "query": bool(query)},
    )


def _query_table(backend: Any, query: str) -> Any:
    """A query as an Ibis table, through a temporary view of the session.

    Ibis 12's ``Backend.sql`` on PostgreSQL fails with sqlglot 30 (its clean-up statement is
    rendered as ``DROP VIEW IF EXISTS`` without a name), so the view is made here instead.
    """
    if getattr(backend, "name", "") != "postgres":
        return backend.sql(query)
    name = f"segprofile_query_{os.urandom(6).hex()}"
    cursor = backend.raw_sql(f"CREATE TEMP VIEW {quote_ident(name)} AS {query}")
    close = getattr(cursor, "close", None)
    if close is not None:
        close()
    return backend.table(name)
