"""Schema inference and the quality report of a dataset.

Per column: its type in the methodology's terms (categorical, numeric, boolean, date, identifier,
free text), cardinality, missing share and a suggested use (feature candidate, satisfaction
score, id, text for mining). The user's overrides (``DataSource.columns``) are applied on top.

The statistics are one aggregate query in the engine; only counts, shares and (for the uploader's
eyes) numeric ranges come back. Quality messages name columns and counts, never values.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb

from segprofile.data.readers import (
    NUMBER_ANY_SQL,
    quote_ident,
    quote_literal,
    stored_text_sql,
)
from segprofile.errors import InputError
from segprofile.model.format import plural
from segprofile.model.study import ColumnOverride


class ColumnType(StrEnum):
    categorical = "categorical"
    numeric = "numeric"
    boolean = "boolean"
    date = "date"
    identifier = "identifier"
    text = "text"

    @property
    def label(self) -> str:
        return {
            "categorical": "категориальный",
            "numeric": "числовой",
            "boolean": "да/нет",
            "date": "дата",
            "identifier": "идентификатор",
            "text": "свободный текст",
        }[self.value]


class ColumnUse(StrEnum):
    feature = "feature"
    satisfaction = "satisfaction"
    nps = "nps"  # a survey's 0–10 recommendation score (analysis.baseline reads it)
    id = "id"
    text = "text"
    none = "none"

    @property
    def label(self) -> str:
        return {
            "feature": "кандидат в признаки",
            "satisfaction": "оценка удовлетворённости",
            "nps": "оценка NPS (0–10)",
            "id": "идентификатор",
            "text": "текст для анализа",
            "none": "не использовать",
        }[self.value]


def parse_type(value: str, column: str) -> ColumnType:
    try:
        return ColumnType(value.strip().lower())
    except ValueError:
        allowed = ", ".join(t.value for t in ColumnType)
        raise InputError(
            f"Неизвестный тип столбца «{column}».", hint=f"укажите один из: {allowed}."
        ) from None


def parse_use(value: str, column: str) -> ColumnUse:
    try:
        return ColumnUse(value.strip().lower())
    except ValueError:
        allowed = ", ".join(u.value for u in ColumnUse)
        raise InputError(
            f"Неизвестное назначение столбца «{column}».", hint=f"укажите одно из: {allowed}."
        ) from None


_ID_NAME = re.compile(
    r"(^|[^a-zа-я])(id|ид|код|номер|№|uid|guid|uuid|key)([^a-zа-я]|$)|идентификатор|_id$|^id_"
)
#: A row counter of the export («№ п/п», «Порядковый номер»): numbers of rows, not of clients.
_ROW_NUMBER_NAME = re.compile(r"(^|[^a-zа-я])п\s?/?\s?п([^a-zа-я]|$)|по порядку|порядков")
#: A name that is no more than a number sign: a row counter when its values are 1, 2, 3…
_BARE_NUMBER_NAME = re.compile(r"^\s*(№|#|n|no\.?|номер)\s*$")
_SAT_NAME = re.compile(r"удовлетвор|оценк|csat|rating|балл|satisf|(^|[^a-z])nps([^a-z]|$)")
_AGE_NAME = re.compile(r"возраст|(^|[^a-z])age([^a-z]|$)|лет$")
#: Names of amounts and measures: unique whole numbers under such a name are values, not ids.
_MEASURE_NAME = re.compile(
    r"доход|сумм|зарплат|заработ|пенси|пособи|стоимост|цена|платеж|платёж|выплат|площад|"
    r"стаж|расход|числ|колич|кол-?во|income|amount|salary|wage|price|cost|sum$|payment|"
    r"count|total|entitled|population"
)
_NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")


def is_numeric_dtype(dtype: str) -> bool:
    d = dtype.upper()
    return d.startswith(("DECIMAL", "DOUBLE", "FLOAT", "REAL")) or is_integer_dtype(d)


def is_integer_dtype(dtype: str) -> bool:
    d = dtype.upper()
    return d in _NUMERIC_TYPES or d in ("UINTEGER", "UBIGINT", "UHUGEINT")


def is_date_dtype(dtype: str) -> bool:
    return dtype.upper().startswith(("DATE", "TIMESTAMP"))


@dataclass
class ColumnProfile:
    """What one column holds and how the methodology could use it."""

    name: str
    dtype: str  # the engine's type
    type: ColumnType
    use: ColumnUse
    non_missing: int
    missing: int
    missing_share: float
    cardinality: int  # distinct values as stored (texts trimmed); estimated from EXACT_DISTINCT on
    numeric_share: float | None = None  # text columns: share of values that look like numbers
    min: float | str | None = None  # numbers and dates only; shown to the uploader, never logged
    max: float | str | None = None
    overridden: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["type"] = self.type.value
        out["use"] = self.use.value
        out["type_label"] = self.type.label
        out["use_label"] = self.use.label
        return out


class IssueKind(StrEnum):
    duplicate_ids = "duplicate_ids"
    missing_values = "missing_values"
    out_of_range = "out_of_range"
    mixed_types = "mixed_types"
    suspicious = "suspicious"


@dataclass(frozen=True)
class QualityIssue:
    kind: IssueKind
    column: str | None
    count: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "column": self.column,
            "count": self.count,
            "message": self.message,
        }


@dataclass
class QualityReport:
    """Rows, duplicate ids, missing values, out-of-range values, mixed types, suspicious columns."""

    rows: int
    columns: list[ColumnProfile]
    issues: list[QualityIssue] = field(default_factory=list)
    id_column: str | None = None
    duplicate_ids: int | None = None

    def column(self, name: str) -> ColumnProfile:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "id_column": self.id_column,
            "duplicate_ids": self.duplicate_ids,
            "columns": [c.to_dict() for c in self.columns],
            "issues": [i.to_dict() for i in self.issues],
        }


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %" if share >= 0.01 else f"{share * 100:.1f} %".replace(".", ",")


TEXT_SAMPLE_ROWS = 200_000
#: Fewer distinct values than this (by the engine's estimate) are counted exactly: the pages
#: show a count below a thousand as exact, and the estimate of a thousand is off by up to 3 %.
EXACT_DISTINCT = 1100


def written_stats(copied: Mapping[str, Any], dtypes: dict[str, str]) -> dict[str, Any]:
    """What DuckDB's ``COPY … (FORMAT parquet, RETURN_STATS)`` says of the file it wrote (its
    one row, by column name: :func:`copy_parquet`), as the aggregates of :func:`_stats`
    (``n``; ``nn{i}``, ``lo{i}``, ``hi{i}`` of column ``i`` of ``dtypes``; ``d{i}`` of a boolean
    column). The writer counts them exactly while it writes: the quality report need not scan
    the file for them. A figure the writer does not give as the scan would (the range of a
    column with NaN, of single-precision numbers, decimals, times with a zone) is left out, and
    the scan counts it."""
    rows, columns = copied.get("count"), copied.get("column_statistics")
    if not isinstance(rows, int) or not isinstance(columns, dict):
        return {}
    out: dict[str, Any] = {"n": rows}
    for i, (col, dtype) in enumerate(dtypes.items()):
        found = columns.get(quote_ident(col))
        if not found or "num_values" not in found or "null_count" not in found:
            continue
        nn = int(found["num_values"]) - int(found["null_count"])
        out[f"nn{i}"] = nn
        exact = found.get("min_is_exact") == "true" and found.get("max_is_exact") == "true"
        exact = exact and found.get("has_nan") != "true"  # the writer's range leaves NaN out
        lo, hi = found.get("min"), found.get("max")
        d = dtype.upper()
        if nn == 0:
            out[f"lo{i}"] = out[f"hi{i}"] = None
            out[f"d{i}"] = 0
        elif not exact or lo is None or hi is None:
            continue
        elif is_integer_dtype(d) or d == "DOUBLE":  # as text that reads back exactly (a REAL's
            out[f"lo{i}"], out[f"hi{i}"] = float(lo), float(hi)  # «0.1» is not its double)
        elif d in ("DATE", "TIMESTAMP"):  # as the engine writes them as text (no time zone)
            out[f"lo{i}"], out[f"hi{i}"] = lo, hi
        elif d == "BOOLEAN":  # written as 0 and 1: one value or both
            out[f"d{i}"] = 1 if lo == hi else 2
    return out


def _stats(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dtypes: dict[str, str],
    extra: list[str] | None = None,
    parquet: str | None = None,
    known: dict[str, Any] | None = None,
    hashed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Exact counts and ranges in one scan; text shapes (lengths, number-like share) on a sample.

    ``extra`` aggregates (named) ride along in the same scan. When ``relation`` is the Parquet
    file ``parquet`` (a quoted literal), the sample is a set of evenly spaced row windows that
    the reader reaches by row number without decoding the rest; otherwise the engine's block
    sampling. ``known``: the figures already counted (:func:`written_stats`), not scanned for.
    ``hashed``: columns the import replaces by pseudonyms → the SQL of the form it hashes; their
    values and distinct values are counted in that form.
    """
    out = dict(known or {})
    aggs = [*([] if "n" in out else ["count(*) AS n"]), *(extra or [])]
    text_aggs = []
    values = {}
    for i, (col, dtype) in enumerate(dtypes.items()):
        c = quote_ident(col)
        # Texts counted as the import stores them: «Секретариат» and « Секретариат » are one
        # value, «   » is missing.
        text = dtype.upper() == "VARCHAR"
        shape = stored_text_sql(c) if text else c
        value = values[i] = (hashed or {}).get(col) or shape
        wanted = [
            (f"nn{i}", f"count({value})"),
            (f"d{i}", f"approx_count_distinct({value})"),
        ]
        if is_numeric_dtype(dtype):
            wanted += [(f"lo{i}", f"min({c})::DOUBLE"), (f"hi{i}", f"max({c})::DOUBLE")]
        elif is_date_dtype(dtype):
            wanted += [(f"lo{i}", f"min({c})::VARCHAR"), (f"hi{i}", f"max({c})::VARCHAR")]
        aggs += [f"{sql} AS {name}" for name, sql in wanted if name not in out]
        if text:
            text_aggs.append(f"count({shape}) AS snn{i}")
            # Looks like a number: a cheap cast first, the spaced-thousands pattern only if not.
            text_aggs.append(
                f"count(*) FILTER (WHERE TRY_CAST(replace({shape}, ',', '.') AS DOUBLE) "
                f"IS NOT NULL OR regexp_full_match({shape}, '{NUMBER_ANY_SQL}')) AS num{i}"
            )
            text_aggs.append(f"avg(length({shape})) AS len{i}")
            text_aggs.append(f"avg(length({shape}) - length(replace({shape}, ' ', ''))) AS sp{i}")
    if aggs:
        out |= _one_row(con, f"SELECT {', '.join(aggs)} FROM {relation}")  # noqa: S608 — quoted identifiers
    # The estimate is off by a few from some fifty values on, and differs between a file and
    # its stored version (a pseudonym is another value): the distinct values the pages show
    # as a count (an estimate from a thousand on) are counted exactly, in one more scan.
    exact = [
        f"count(DISTINCT {value}) AS d{i}"
        for i, value in values.items()
        if f"d{i}" not in (known or {}) and 0 < int(out.get(f"d{i}") or 0) < EXACT_DISTINCT
    ]
    if exact:
        out |= _one_row(con, f"SELECT {', '.join(exact)} FROM {relation}")  # noqa: S608 — quoted identifiers
    if text_aggs:
        n = int(out["n"] or 0)
        source = relation
        if n > TEXT_SAMPLE_ROWS and parquet is not None:
            source = _window_sample(parquet, n)
        elif n > TEXT_SAMPLE_ROWS:
            percent = max(100.0 * TEXT_SAMPLE_ROWS / n, 0.1)
            source = f"{relation} USING SAMPLE {percent:.3f}% (system, 42)"
        out |= _one_row(con, f"SELECT {', '.join(text_aggs)} FROM {source}")  # noqa: S608
    return out


SAMPLE_WINDOWS = 20


def _window_sample(parquet: str, n: int) -> str:
    """About :data:`TEXT_SAMPLE_ROWS` rows of a Parquet file in evenly spaced windows."""
    width = TEXT_SAMPLE_ROWS // SAMPLE_WINDOWS
    step = n // SAMPLE_WINDOWS
    windows = " OR ".join(
        f"file_row_number BETWEEN {k * step} AND {k * step + width - 1}"
        for k in range(SAMPLE_WINDOWS)
    )
    return f"(SELECT * FROM read_parquet({parquet}, file_row_number = true) WHERE {windows})"  # noqa: S608 — a quoted literal and numbers


def _one_row(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()  # to the end: the connection then runs the next statement
    return dict(zip(names, rows[0] if rows else (), strict=True))


def copy_parquet(con: duckdb.DuckDBPyConnection, select: str, target: str) -> dict[str, Any]:
    """Write the rows of ``select`` to the Parquet file ``target`` (a quoted literal); what the
    writer counted as it wrote (rows; per column missing values and range) for
    :func:`quality_report`."""
    sql = f"COPY ({select}) TO {target} (FORMAT parquet, ROW_GROUP_SIZE 122880, RETURN_STATS)"
    return _one_row(con, sql)


def _infer(
    name: str, dtype: str, n: int, nn: int, distinct: int, st: dict[str, Any], i: int
) -> tuple[ColumnType, ColumnUse]:
    lowered = name.casefold()
    id_name = bool(_ID_NAME.search(lowered))
    distinct = min(distinct, nn)
    unique = nn > 0 and distinct >= 0.95 * nn
    d = dtype.upper()
    if d == "BOOLEAN":
        return ColumnType.boolean, ColumnUse.feature
    if is_numeric_dtype(d):
        lo: float | None = st.get(f"lo{i}")
        hi: float | None = st.get(f"hi{i}")
        zero_one = lo is not None and hi is not None and lo >= 0 and hi <= 1
        if is_integer_dtype(d) and distinct <= 2 and zero_one:
            return ColumnType.boolean, ColumnUse.feature
        counts_rows = lo is not None and hi is not None and lo in (0, 1) and hi - lo + 1 == nn
        if is_integer_dtype(d) and (
            _ROW_NUMBER_NAME.search(lowered) or (_BARE_NUMBER_NAME.match(lowered) and counts_rows)
        ):
            # Numbers of the export's rows: no client id (never the one joined or checked for
            # repeats), nothing to segment by.
            return ColumnType.identifier, ColumnUse.none
        if (
            is_integer_dtype(d)
            and (
                id_name
                or (
                    unique
                    and nn >= 100
                    and not _AGE_NAME.search(lowered)
                    and not _MEASURE_NAME.search(lowered)
                )
            )
            and (id_name or (lo is not None and lo >= 0))
        ):
            return ColumnType.identifier, ColumnUse.id
        if _SAT_NAME.search(lowered) and hi is not None and hi <= 10:
            return ColumnType.numeric, ColumnUse.satisfaction
        return ColumnType.numeric, ColumnUse.feature
    if is_date_dtype(d):
        return ColumnType.date, ColumnUse.none
    if d == "VARCHAR":
        avg_len = float(st.get(f"len{i}") or 0.0)
        spaces = float(st.get(f"sp{i}") or 0.0)
        if avg_len > 60 or spaces >= 5:
            return ColumnType.text, ColumnUse.text
        if (
            spaces >= 3
            and avg_len >= 25
            and distinct >= 20
            and (distinct > 0.5 * nn or distinct > 200)
        ):
            # Sentences, mostly each its own (a comment «Заявитель просил перезвонить после
            # 18:00») even in a small file, or thousands of them beside a few stock phrases; a
            # category — a status, a district — repeats a few dozen values.
            return ColumnType.text, ColumnUse.text
        snn = int(st.get(f"snn{i}") or 0)
        mostly_numbers = snn > 0 and int(st.get(f"num{i}") or 0) >= 0.5 * snn
        if id_name and unique:
            return ColumnType.identifier, ColumnUse.id
        if mostly_numbers and not id_name:
            # Numbers kept as text because of other values among them: not an identifier
            # (the quality report says what is mixed in).
            return ColumnType.categorical, ColumnUse.none
        if unique and nn >= 20 and distinct > 50:
            return ColumnType.identifier, ColumnUse.id
        if distinct > 200 and distinct > 0.5 * nn:
            return ColumnType.text, ColumnUse.text if spaces >= 2 else ColumnUse.none
        return ColumnType.categorical, ColumnUse.feature if distinct <= 100 else ColumnUse.none
    return ColumnType.categorical, ColumnUse.none


def profile_columns(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    *,
    overrides: dict[str, ColumnOverride] | None = None,
) -> tuple[int, list[ColumnProfile], dict[str, Any]]:
    """Rows and a :class:`ColumnProfile` per column of ``relation`` (one engine scan)."""
    return _profile(con, relation, _describe(con, relation), overrides, None)


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
    return {str(r[0]): str(r[1]) for r in described}


def _profile(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dtypes: dict[str, str],
    overrides: dict[str, ColumnOverride] | None,
    extra: list[str] | None,
    parquet: str | None = None,
    personal_texts: Collection[str] = (),
    known: dict[str, Any] | None = None,
    hashed: Mapping[str, str] | None = None,
) -> tuple[int, list[ColumnProfile], dict[str, Any]]:
    st = _stats(con, relation, dtypes, extra, parquet, known, hashed)
    n = int(st["n"])
    out = []
    for i, (col, dtype) in enumerate(dtypes.items()):
        nn = int(st[f"nn{i}"])
        distinct = min(int(st[f"d{i}"] or 0), nn)
        ctype, use = _infer(col, dtype, n, nn, distinct, st, i)
        if col in personal_texts:
            # Names, phones or e-mails inside its values: people's own words («Перезвоните мне
            # по номеру …»), however few phrasings they repeat — masked free text, never a
            # category of the profile (its segments would be what clients wrote).
            ctype, use = ColumnType.text, ColumnUse.text
        if col in (hashed or {}):
            # Pseudonyms once imported: identifiers, as the version's report has them.
            ctype, use = ColumnType.identifier, ColumnUse.id
        overridden = False
        ov = (overrides or {}).get(col)
        if ov is not None:
            if ov.type:
                ctype, overridden = parse_type(ov.type, col), True
            if ov.use:
                use, overridden = parse_use(ov.use, col), True
        num, snn = st.get(f"num{i}"), st.get(f"snn{i}")
        lo, hi = st.get(f"lo{i}"), st.get(f"hi{i}")
        out.append(
            ColumnProfile(
                name=col,
                dtype=dtype,
                type=ctype,
                use=use,
                non_missing=nn,
                missing=n - nn,
                missing_share=(n - nn) / n if n else 0.0,
                cardinality=distinct,
                numeric_share=None if num is None or not snn else int(num) / snn,
                min=lo,
                max=hi,
                overridden=overridden,
            )
        )
    return n, out, st


def id_columns(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    overrides: dict[str, ColumnOverride] | None = None,
) -> list[str]:
    """The columns of ``relation`` that are client identifiers, in one scan: those the analyst
    gave the use «id», and those the quality report's rule (``_infer``) takes for identifiers
    when their name says so («Номер заявления», «ID клиента», «Код») or they are whole
    numbers. Unique short texts without such a name (open answers) are not taken."""
    dtypes = _describe(con, relation)
    _, columns, _ = _profile(con, relation, dtypes, overrides, None)
    out = []
    for c in columns:
        ov = (overrides or {}).get(c.name)
        if ov is not None and ov.use:
            if c.use is ColumnUse.id:
                out.append(c.name)
        elif (
            c.type is ColumnType.identifier
            and c.use is ColumnUse.id
            and (_ID_NAME.search(c.name.casefold()) or is_integer_dtype(c.dtype))
        ):
            out.append(c.name)
    return out


def quality_report(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    *,
    overrides: dict[str, ColumnOverride] | None = None,
    id_column: str | None = None,
    ranges: dict[str, tuple[float, float]] | None = None,
    mixed: set[str] | None = None,
    coerced: dict[str, tuple[int, str]] | None = None,
    kept_pii: list[str] | None = None,
    parquet: Path | None = None,
    written: Mapping[str, Any] | None = None,
    not_ids: Collection[str] = (),
    summary_words: Sequence[str] = (),
    personal_texts: Collection[str] = (),
    hashed: Mapping[str, str] | None = None,
) -> QualityReport:
    """The quality report of a table in one scan (and a small sample of the text columns).

    Once the types and uses are known, the range checks they call for are settled by each
    column's minimum and maximum where these lie inside the range, and only the others are
    counted, in one more scan. Duplicate integer identifiers are counted exactly in one more
    pass over that column alone (bitmaps), others by the engine's grouping. ``parquet``: the
    file ``relation`` reads, when it is one (its row groups make the text sample cheap);
    ``written``: what the engine's ``COPY … (RETURN_STATS)`` said of that file as it wrote it
    (rows, missing values, ranges: :func:`written_stats`), so that the scan counts only the rest.
    Without an ``id_column`` the first identifier is checked, but none of ``not_ids`` (phones,
    e-mails… see :data:`privacy.NOT_CLIENT_IDS`). ``summary_words``: the labels of the totals
    rows the file ended with, left out by the reader («Итого», «Всего»). ``personal_texts``:
    the columns with personal data found inside their values (masked on import): free text
    unless the analyst chose otherwise, and said when they chose a category. ``hashed``: the
    columns of a file the import will replace by pseudonyms → the SQL of the form it hashes
    (``datasets._as_hashed``): identifiers, their values, distinct values and repeats counted
    in that form («123-456-789 01» and «12345678901» are one СНИЛС), as after the import.
    """
    dtypes = _describe(con, relation)
    index = {name: i for i, name in enumerate(dtypes)}
    windows = parquet is not None and "file_row_number" not in dtypes
    n, columns, st = _profile(
        con,
        relation,
        dtypes,
        overrides,
        None,
        quote_literal(str(parquet)) if windows else None,
        personal_texts,
        written_stats(written, dtypes) if parquet is not None and written else None,
        hashed,
    )
    report = QualityReport(rows=n, columns=columns)
    issues = report.issues
    if summary_words:
        issues.append(_summary_issue(summary_words))
    by_name = {c.name: c for c in columns}
    if id_column is None:
        ids = [
            c
            for c in columns
            if c.type is ColumnType.identifier and c.use is ColumnUse.id and c.name not in not_ids
        ]
        id_column = ids[0].name if ids else None
    if id_column is not None and id_column in by_name:
        report.id_column = id_column
        extra, keys = _duplicates(con, relation, by_name[id_column], (hashed or {}).get(id_column))
        report.duplicate_ids = extra
        if extra:
            issues.append(
                QualityIssue(
                    IssueKind.duplicate_ids,
                    id_column,
                    extra,
                    f"Идентификатор «{id_column}» повторяется: "
                    f"{plural(extra, 'лишняя строка', 'лишние строки', 'лишних строк')} у "
                    f"{plural(keys, 'идентификатора', 'идентификаторов', 'идентификаторов')}.",
                )
            )
    checks: list[tuple[str, str, float, float]] = []  # column, kind, low, high
    unnamed = [c.name for c in columns if re.fullmatch(r"столбец_\d+", c.name)]
    if unnamed and len(unnamed) == len(columns):
        issues.append(
            QualityIssue(
                IssueKind.suspicious,
                None,
                0,
                "В файле нет строки с названиями столбцов: первая строка — уже данные, и "
                f"столбцы названы «{unnamed[0]}»…«{unnamed[-1]}». Добавьте в файл первой "
                "строкой названия столбцов и загрузите его снова.",
            )
        )
    elif unnamed:
        listed = ", ".join(f"«{name}»" for name in unnamed)
        issues.append(
            QualityIssue(
                IssueKind.suspicious,
                None,
                0,
                f"У столбцов {listed} нет названия в заголовке: впишите названия в первую "
                "строку файла."
                if len(unnamed) > 1
                else f"У столбца {listed} нет названия в заголовке: впишите его в первую "
                "строку файла.",
            )
        )
    for col in columns:
        share = col.missing_share
        if col.non_missing == 0 and n:
            issues.append(
                QualityIssue(
                    IssueKind.suspicious,
                    col.name,
                    n,
                    f"Столбец «{col.name}» пуст: все значения пропущены.",
                )
            )
            continue
        if share >= 0.2:
            issues.append(
                QualityIssue(
                    IssueKind.missing_values,
                    col.name,
                    col.missing,
                    f"В столбце «{col.name}» пропущено {_pct(share)} значений ({col.missing}).",
                )
            )
        if col.cardinality == 1 and n > 1:
            issues.append(
                QualityIssue(
                    IssueKind.suspicious,
                    col.name,
                    col.non_missing,
                    f"Столбец «{col.name}» постоянен: одно значение на все строки.",
                )
            )
        if col.numeric_share is not None and (
            0.05 <= col.numeric_share < 1.0 or col.name in (mixed or set())
        ):
            issues.append(
                QualityIssue(
                    IssueKind.mixed_types,
                    col.name,
                    col.non_missing,
                    f"В столбце «{col.name}» смешаны типы: {_pct(col.numeric_share)} значений — "
                    "числа, остальные — текст. Если это числа, исправьте остальные значения в "
                    "файле или выберите для столбца тип «числовой» при проверке файла: "
                    "программа назовёт строку первого значения, которое не число.",
                )
            )
        if col.name in (coerced or {}):
            bad, where = (coerced or {})[col.name]
            date_like = is_date_dtype(col.dtype)
            kind = (
                ("дата" if date_like else "число")
                if bad == 1
                else ("даты" if date_like else "числа")
            )
            issues.append(
                QualityIssue(
                    IssueKind.mixed_types,
                    col.name,
                    bad,
                    f"В столбце «{col.name}» {plural(bad, 'значение', 'значения', 'значений')} "
                    f"— не {kind}{' (первое — ' + where + ')' if where else ''}: "
                    f"{'оно считается пропуском' if bad == 1 else 'они считаются пропусками'}. "
                    "Если это ошибка, исправьте их в файле и "
                    "загрузите его снова.",
                )
            )
        if col.name in personal_texts and col.type is ColumnType.categorical:
            issues.append(
                QualityIssue(
                    IssueKind.suspicious,
                    col.name,
                    col.non_missing,
                    f"В значениях столбца «{col.name}» найдены персональные данные, а для него "
                    "выбран тип «категориальный»: его тексты, замаскированные, станут сегментами "
                    "профиля, отчётов и квот. Если это комментарии или ответы своими словами, "
                    "выберите тип «свободный текст».",
                )
            )
        if col.type is ColumnType.categorical and col.cardinality > 1000:
            issues.append(
                QualityIssue(
                    IssueKind.suspicious,
                    col.name,
                    col.cardinality,
                    f"У категориального столбца «{col.name}» слишком много значений "
                    f"({col.cardinality}): это не признак для сегментации.",
                )
            )
        lowered = col.name.casefold()
        if ranges and col.name in ranges:
            lo, hi = ranges[col.name]
            checks.append((col.name, "range", lo, hi))
        elif is_numeric_dtype(col.dtype) and _AGE_NAME.search(lowered):
            checks.append((col.name, "range", 0, 120))
        elif is_numeric_dtype(col.dtype) and col.use is ColumnUse.satisfaction:
            checks.append((col.name, "scale", 1, 5))
        elif is_date_dtype(col.dtype):
            checks.append((col.name, "date", 0, 0))
    if checks:
        st |= _check_counts(con, relation, checks, by_name, index)
        for name, kind, lo, hi in checks:
            i = index[name]
            if kind == "range":
                bad = int(st[f"rg{i}"])
            elif kind == "scale":  # a 1–5 scale with a few strays, or a 1–10 one
                bad = int(st[f"s5_{i}"])
                if bad > 0.05 * by_name[name].non_missing:
                    bad, hi = int(st[f"s10_{i}"]), 10
            else:
                bad = int(st[f"dt{i}"])
            if not bad:
                continue
            if kind in ("range", "scale"):
                what = f"вне диапазона {_num(lo)}–{_num(hi)}"
            else:
                what = "с датой раньше 1900 года или в будущем"
            issues.append(
                QualityIssue(
                    IssueKind.out_of_range,
                    name,
                    bad,
                    f"В столбце «{name}» {plural(bad, 'значение', 'значения', 'значений')} {what}.",
                )
            )
    issues += _case_issues(con, relation, columns)
    for name in kept_pii or []:
        issues.append(
            QualityIssue(
                IssueKind.suspicious,
                name,
                0,
                f"Столбец «{name}» с персональными данными оставлен без изменений по решению "
                "пользователя.",
            )
        )
    return report


def _case_issues(
    con: duckdb.DuckDBPyConnection, relation: str, columns: Sequence[ColumnProfile]
) -> list[QualityIssue]:
    """Categories of the candidate features written in several ways that differ only by the
    case of letters («Отдел кадров», «отдел кадров»): each would be a segment of its own.
    They are not merged: which spelling is right, and whether «МО» and «мо» are one thing,
    is for the analyst to say in the file. Counted in one scan, the
    spaces around values aside (the import trims them); the values are never named — a
    category may be personal data or a group of a few people."""
    texts = [
        c
        for c in columns
        if c.type is ColumnType.categorical
        and c.use is ColumnUse.feature
        and c.dtype.upper() == "VARCHAR"
        and 1 < c.cardinality <= 1000
    ]
    if not texts:
        return []
    values = ", ".join(stored_text_sql(quote_ident(c.name)) for c in texts)
    rows = con.execute(
        "SELECT col, count(*), sum(k) FROM (SELECT col, lower(v) AS key, count(DISTINCT v) AS k "  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
        f"FROM (SELECT unnest(range({len(texts)})) AS col, unnest([{values}]) AS v "
        f"FROM {relation}) WHERE v IS NOT NULL GROUP BY col, key HAVING count(DISTINCT v) > 1) "
        "GROUP BY col ORDER BY col"
    ).fetchall()
    issues = []
    for i, count, spellings in rows:
        name, count = texts[int(i)].name, int(count)
        issues.append(
            QualityIssue(
                IssueKind.suspicious,
                name,
                count,
                f"В столбце «{name}» "
                f"{plural(count, 'значение записано', 'значения записаны', 'значений записано')} "
                "в нескольких вариантах, которые различаются только регистром букв "
                f"(заглавные и строчные; вариантов написания: {int(spellings)}): это разные "
                "значения, и каждый вариант станет отдельным сегментом. Исправьте написание в "
                "файле и загрузите его снова.",
            )
        )
    return issues


def _summary_issue(words: Sequence[str]) -> QualityIssue:
    """The totals rows a file ended with: said, since they were left out."""
    said = ", ".join(f"«{w}»" for w in dict.fromkeys(words))
    n = len(words)
    message = (
        f"Последняя строка файла — строка итогов ({said}), а не запись клиента: она не загружена."
        if n == 1
        else f"Последние {n} строки файла — строки итогов ({said}), а не записи клиентов: "
        "они не загружены."
    )
    return QualityIssue(IssueKind.suspicious, None, n, message)


def _check_counts(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    checks: list[tuple[str, str, float, float]],
    by_name: dict[str, ColumnProfile],
    index: dict[str, int],
) -> dict[str, Any]:
    """Out-of-range counts of the checks: zero where the column's extremes lie inside the range,
    the others counted in one scan."""
    today = date.today().isoformat()
    out: dict[str, Any] = {}
    aggs = []
    for name, kind, lo, hi in checks:
        i, col = index[name], by_name[name]
        c = quote_ident(name)
        low, high = col.min, col.max
        if kind == "range":
            if isinstance(low, float) and isinstance(high, float) and lo <= low and high <= hi:
                out[f"rg{i}"] = 0
            else:
                aggs.append(f"count(*) FILTER (WHERE {c} < {lo!r} OR {c} > {hi!r}) AS rg{i}")
        elif kind == "scale":
            if isinstance(low, float) and isinstance(high, float) and low >= 1 and high <= 5:
                out[f"s5_{i}"] = 0
            else:
                aggs.append(f"count(*) FILTER (WHERE {c} < 1 OR {c} > 5) AS s5_{i}")
                aggs.append(f"count(*) FILTER (WHERE {c} < 1 OR {c} > 10) AS s10_{i}")
        elif isinstance(low, str) and isinstance(high, str) and low >= "1900" and high[:10] < today:
            out[f"dt{i}"] = 0
        else:
            aggs.append(
                f"count(*) FILTER (WHERE CAST({c} AS DATE) < DATE '1900-01-01' "
                f"OR CAST({c} AS DATE) > current_date) AS dt{i}"
            )
    if aggs:
        out |= _one_row(con, f"SELECT {', '.join(aggs)} FROM {relation}")  # noqa: S608 — quoted identifiers
    return out


_BITMAP_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
MAX_BITMAP_RANGE = 1 << 28  # a bitstring of 32 MiB at most


def _duplicates(
    con: duckdb.DuckDBPyConnection, relation: str, column: ColumnProfile, hashed: str | None = None
) -> tuple[int, int]:
    """(extra rows, identifiers seen more than once) of an identifier column, exactly; of a
    column the import replaces by pseudonyms, in the form it hashes (``hashed``, its SQL).

    Integers within a moderate range are counted with one bit per possible value in one cheap
    pass (``bitstring_agg``); only when that finds repeats, or for other types, does the engine
    group the rows by identifier.
    """
    c = quote_ident(column.name)
    lo, hi = column.min, column.max
    if (
        column.dtype.upper() in _BITMAP_TYPES
        and isinstance(lo, float)
        and isinstance(hi, float)
        and lo.is_integer()
        and hi.is_integer()
        and -(2.0**53) < lo <= hi < 2.0**53  # exact as doubles
        and hi - lo < MAX_BITMAP_RANGE
    ):
        distinct = con.execute(
            f"SELECT bit_count(bitstring_agg(CAST({c} AS BIGINT), {int(lo)}, {int(hi)})) "  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
            f"FROM {relation} WHERE {c} IS NOT NULL"
        ).fetchall()
        if distinct and distinct[0][0] is not None and int(distinct[0][0]) == column.non_missing:
            return 0, 0
    # A text identifier as the import stores it: « К-00003» is К-00003, «   » none at all.
    key = hashed or (stored_text_sql(c) if column.dtype.upper() == "VARCHAR" else c)
    dup = con.execute(
        f"SELECT coalesce(sum(k - 1), 0), count(*) FROM (SELECT count(*) AS k FROM {relation} "  # noqa: S608 — identifiers and literals are quoted by quote_ident/quote_literal
        f"WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1)"
    ).fetchall()
    return (int(dup[0][0]), int(dup[0][1])) if dup else (0, 0)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def json_value(value: Any) -> Any:
    """A preview cell as JSON: dates as ISO text, everything else as is or as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
