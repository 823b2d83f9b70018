"""Approach 2 (M-5): segment the audience once per feature, in the engine.

Each feature becomes a segment code per row (a category, a boolean, or a numeric interval).
All features are aggregated in one scan: the codes are unpivoted into ``(feature, segment)``
pairs and grouped once, which any Ibis backend runs (DuckDB, Spark). A second scan groups by
all low-cardinality codes together (a small cube of counts) from which the traits that
distinguish every segment (lift against everyone) and the cross segments of feature pairs are
derived. Only aggregates come back to Python.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import ibis.selectors as s
import numpy as np
import pandas as pd
import pyarrow as pa

from segprofile.analysis.stats import wilson_interval
from segprofile.analysis.suppression import rare_codes
from segprofile.data.engine import execute
from segprofile.data.masking import morph
from segprofile.errors import EngineError, InputError
from segprofile.model.format import number, thresholds_shown, thresholds_text
from segprofile.model.labels import MISSING_CODE as MISSING_CODE
from segprofile.model.labels import MISSING_LABEL as MISSING_LABEL
from segprofile.model.labels import merged_codes, sentence_case, value_label
from segprofile.model.results import (
    CrossSegmentation,
    FeatureSegmentation,
    Interval,
    SatisfactionStats,
    SegmentStats,
    Trait,
    known,
)
from segprofile.model.study import Binning, BinningMethod, Feature, FeatureType, Study

#: A trait is reported when the value is at least this much more common in the segment…
TRAIT_MIN_LIFT = 1.25
#: …and covers at least this share of the segment.
TRAIT_MIN_SHARE = 0.10
TRAITS_PER_SEGMENT = 5
#: Features with more levels than this are left out of the cube (traits, cross segments).
CUBE_MAX_LEVELS = 60
#: Upper bound on the number of cells of the cube (product of the features' level counts).
CUBE_MAX_CELLS = 2_000_000


class TableLike(Protocol):
    """What the analysis needs of an opened source (see ``segprofile.data.engine``)."""

    @property
    def table(self) -> ir.Table: ...

    def count(self) -> int: ...


@dataclass(frozen=True)
class Bins:
    """Intervals ``[edges[i-1], edges[i])`` with codes and Russian labels; first is open below."""

    edges: list[float]
    codes: list[str]
    labels: list[str]
    #: The column holds whole values: thresholds are written as whole numbers.
    integer: bool = False


@dataclass
class ByFeatureResult:
    features: list[FeatureSegmentation]
    cross: list[CrossSegmentation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Thresholds used for every numeric feature: other tables are cut the same way.
    edges: dict[str, list[float]] = field(default_factory=dict)
    #: Numeric features whose first interval starts at 0 (:func:`quantile_cuts`).
    lows: dict[str, float] = field(default_factory=dict)


def _fmt(value: float) -> str:
    """A threshold in a segment's code (its key: never changes, whatever the labels say)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:g}".replace(".", ",")


_UNIT_WORD = re.compile(r"[А-Яа-яЁё]+")
#: pymorphy3 declines «год» regularly; the genitive plural people write is «лет».
_SUPPLETIVE = {"годов": "лет"}


def unit_after(value: float | None, unit: str, *, case: str = "nomn") -> str:
    """The analyst's unit agreed with the number before it: «21 год», «34 года», «35 лет»;
    after «менее», «до» (``case="gent"``) «менее 21 года», «до 25 лет»; a fraction takes the
    genitive singular («3,5 года»); ``value=None`` is «N и более»: the genitive plural
    («3 и более детей», «60 и более лет»). A unit that is not one Russian noun pymorphy3
    knows («тыс. руб.», «км», «часов в неделю») stays as the analyst wrote it."""
    if not _UNIT_WORD.fullmatch(unit):
        return unit
    parses = [
        p
        for p in morph().parse(unit)
        if p.tag.POS == "NOUN" and p.is_known and "Fixd" not in p.tag and "Abbr" not in p.tag
    ]
    if not parses:
        return unit
    same = [p for p in parses if p.normal_form == parses[0].normal_form]
    if value is None:
        agreed = same[0].inflect({"plur", "gent"})
    elif float(value).is_integer():
        agreed = same[0].inflect({case})
        agreed = agreed.make_agree_with_number(abs(int(value))) if agreed else None
    else:
        agreed = same[0].inflect({"sing", "gent"})
    if agreed is None:
        return unit
    # The analyst's own word when it already is the form needed («человек» for «5 человек»).
    if any((p.tag.number, p.tag.case) == (agreed.tag.number, agreed.tag.case) for p in same):
        return unit
    word = _SUPPLETIVE.get(agreed.word, agreed.word)
    return str(word.capitalize() if unit[:1].isupper() else word)


def make_bins(
    edges: list[float],
    *,
    integer: bool,
    labels: list[str] | None,
    unit: str,
    low: float | None = None,
) -> Bins:
    """Codes and labels for thresholds ``t_1 < … < t_n``: n + 1 intervals; the unit agrees with
    the number it follows (:func:`unit_after`). With ``low`` (whole values only, the smallest
    the column holds, :func:`quantile_cuts`) the first interval is named by its values: «0»,
    «0–2 детей» rather than «менее 1», «менее 3 детей». Its code stays ``<t_1``."""
    codes = [f"<{_fmt(edges[0])}"]
    codes += [f"{_fmt(a)}–{_fmt(b)}" for a, b in itertools.pairwise(edges)]
    codes.append(f"≥{_fmt(edges[-1])}")
    codes = [c.replace("\u00a0", "") for c in codes]
    if labels is None:
        shown, digits = thresholds_shown(edges, integer=integer)

        def fmt(value: float) -> str:  # as every page writes numbers: «7 551,58»
            return number(value, digits)

        def suffix(value: float | None, case: str = "nomn") -> str:
            return f" {unit_after(value, unit, case=case)}" if unit else ""

        top = math.ceil(edges[0]) - 1  # the largest whole value of the first interval
        if integer and low is not None and float(low).is_integer() and low == top:
            made = [f"{number(low)}{suffix(low)}"]
        elif integer and low is not None and float(low).is_integer() and low < top:
            made = [f"{number(low)}–{number(top)}{suffix(top)}"]
        else:
            made = [f"менее {fmt(shown[0])}{suffix(shown[0], 'gent')}"]
        for a, b in itertools.pairwise(shown):
            whole = integer and float(a).is_integer() and float(b).is_integer() and a < b
            if whole and b - a == 1:
                made.append(f"{fmt(a)}{suffix(a)}")
            elif whole:
                made.append(f"{number(a)}–{number(b - 1)}{suffix(b - 1)}")
            else:
                made.append(f"от {fmt(a)} до {fmt(b)}{suffix(b, 'gent')}")
        if unit and ("." in unit or not re.search(r"[А-Яа-яЁё]{3}", unit)):
            # An abbreviation stays with its number: «60 000 руб. и более», «5 км и более».
            made.append(f"{fmt(shown[-1])} {unit} и более")
        else:  # a noun agrees after «и более»: «3 и более детей», «60 и более лет»
            made.append(f"{fmt(shown[-1])} и более{suffix(None)}")
        labels = made
    return Bins(
        edges=list(edges),
        codes=codes,
        labels=[sentence_case(x) for x in labels],
        integer=integer,
    )


def _nice(value: float) -> float:
    """Round to a 'round number' (1, 2, 2.5, 5 × 10^k) close to ``value``, for readable bins."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    magnitude = 10 ** math.floor(math.log10(abs(value)))
    for step in (1, 2, 2.5, 5, 10):
        unit = magnitude * step / 10
        rounded = round(value / unit) * unit
        if abs(rounded - value) <= 0.15 * abs(value):
            return float(rounded)
    return float(round(value / magnitude) * magnitude)


def _needs_quantiles(feature: Feature) -> bool:
    return feature.type is FeatureType.numeric and (
        feature.binning is None or feature.binning.method is not BinningMethod.thresholds
    )


def _check_numeric(feature: Feature, table: ir.Table) -> None:
    dtype = table[feature.column].type()
    if not dtype.is_numeric():
        raise InputError(
            f"Признак «{feature.id}» объявлен числовым, но столбец «{feature.column}» "
            f"имеет тип {dtype}.",
            hint="укажите type: categorical или приведите столбец к числам.",
        )


def _engine_name(table: ir.Table) -> str:
    try:
        return str(table.get_backend().name)
    except Exception:  # noqa: BLE001 — an unbound table: no engine-specific shortcuts
        return ""


def quantile_edges(features: list[Feature], table: ir.Table) -> dict[str, list[float]]:
    """Thresholds of numeric features binned by quantiles: one aggregate query for all."""
    return quantile_cuts(features, table)[0]


def quantile_cuts(
    features: list[Feature],
    table: ir.Table,
    *,
    min_cell: int | None = None,
    id_column: str | None = None,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Thresholds of numeric features binned by quantiles, and where their first interval
    starts: one aggregate query for all.

    DuckDB computes exact quantiles (faster there than its approximate ones); on other engines
    (Spark) exact quantiles need a whole column in memory, so approximate ones are used.

    With ``min_cell``, the same query finds the whole-valued features whose smallest value is 0
    held by at least ``min_cell`` clients (distinct ``id_column`` values, else rows): their
    first interval is named from 0 («0–2 детей», :func:`make_bins`). No other smallest value is
    named: it may be one client's (a rare value, never shown), and a respondent or a later
    record may hold less (a respondent aged 17 under «18–24 лет»); nothing counts below 0.
    """
    wanted = [f for f in features if _needs_quantiles(f)]
    if not wanted:
        return {}, {}
    exact = _engine_name(table) == "duckdb"
    aggs: dict[str, Any] = {}
    probs: dict[str, list[float]] = {}
    for i, feature in enumerate(wanted):
        _check_numeric(feature, table)
        n_bins = feature.binning.n_bins if feature.binning is not None else 4
        probs[feature.id] = [j / n_bins for j in range(1, n_bins)]
        col = table[feature.column]
        if min_cell is not None and col.type().is_integer():
            aggs[f"min{i}"] = col.min()
            zero = col == 0
            if id_column is not None:
                aggs[f"zeros{i}"] = table[id_column].nunique(where=zero)
            else:
                aggs[f"zeros{i}"] = zero.cast("int64").sum()
        if exact:
            aggs[f"q{i}"] = col.quantile(probs[feature.id])
            continue
        for j, p in enumerate(probs[feature.id]):
            aggs[f"q{i}_{j}"] = col.approx_quantile(p)
    row = execute(table.aggregate(**aggs)).iloc[0]
    out: dict[str, list[float]] = {}
    lows: dict[str, float] = {}
    for i, feature in enumerate(wanted):
        if exact:
            values = list(row[f"q{i}"]) if row[f"q{i}"] is not None else []
        else:
            values = [row[f"q{i}_{j}"] for j in range(len(probs[feature.id]))]
        finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
        if feature.binning is not None and feature.binning.method is BinningMethod.round:
            finite = [_nice(v) for v in finite]
        out[feature.id] = sorted(set(finite)) or [0.0]  # all missing: one catch-all interval
        if f"min{i}" in aggs and min_cell is not None:
            smallest, zeros = row[f"min{i}"], _or0(row[f"zeros{i}"])
            if not pd.isna(smallest) and smallest == 0 and zeros >= min_cell:
                lows[feature.id] = 0.0
    return out, lows


def _numeric_bins(
    feature: Feature, table: ir.Table, edges: list[float] | None, low: float | None = None
) -> tuple[list[float], Bins]:
    """The thresholds of a numeric feature (given, declared or quantiles) and their bins."""
    _check_numeric(feature, table)
    binning: Binning | None = feature.binning
    if edges is None:
        if binning is None or binning.method is not BinningMethod.thresholds:
            edges = quantile_edges([feature], table)[feature.id]
        else:
            edges = list(binning.thresholds)
    bins = make_bins(
        edges,
        integer=table[feature.column].type().is_integer(),
        labels=binning.labels if binning is not None else None,
        unit=binning.unit if binning is not None else "",
        low=low,
    )
    return edges, bins


def segment_code(
    feature: Feature, table: ir.Table, edges: list[float] | None = None, low: float | None = None
) -> tuple[ir.StringValue, Bins | None]:
    """An Ibis expression giving each row's segment code for ``feature`` (missing → "NA");
    ``low``: where its first interval starts, if known (:func:`quantile_cuts`)."""
    col = table[feature.column]
    dtype = col.type()
    if feature.type is FeatureType.numeric:
        edges, bins = _numeric_bins(feature, table, edges, low)
        cases = [(col < edges[0], bins.codes[0])]
        cases += [(col < b, bins.codes[i + 1]) for i, b in enumerate(edges[1:])]
        expr = ibis.cases(*cases, else_=bins.codes[-1])
        return ibis.ifelse(col.isnull(), MISSING_CODE, expr), bins
    if dtype.is_boolean():
        # CASE WHEN NULL goes to the else branch: test for missing first.
        code = ibis.ifelse(col.isnull(), MISSING_CODE, ibis.ifelse(col, "true", "false"))
    elif dtype.is_floating():
        # 1.0 and 1 are the same category; the engines print floats differently.
        whole = col == col.round(0)
        as_text = ibis.ifelse(whole, col.cast("int64").cast("string"), col.cast("string"))
        code = as_text.fill_null(MISSING_CODE)
    else:
        code = col.cast("string").fill_null(MISSING_CODE)
    return _merge(feature, code), None


def _merge(feature: Feature, code: ir.StringValue) -> ir.StringValue:
    """Values given one label by the team become one segment (see ``merged_codes``)."""
    groups: dict[str, list[str]] = {}
    for value, target in merged_codes(feature).items():
        if value != target:
            groups.setdefault(target, []).append(value)
    if not groups:
        return code
    cases = [(code.isin(values), ibis.literal(target)) for target, values in groups.items()]
    merged: ir.StringValue = ibis.cases(*cases, else_=code)
    return merged


def _satisfaction(
    n: int, total: float | None, happy: int | None, confidence: float
) -> SatisfactionStats:
    if n <= 0:
        return SatisfactionStats(n=0)
    happy = int(happy or 0)
    low, high = wilson_interval(happy, n, confidence)
    return SatisfactionStats(
        n=n,
        mean=float(total or 0.0) / n,
        csat=happy / n,
        csat_interval=Interval(low=low, high=high),
    )


def segment_label(feature: Feature, code: str, bins: Bins | None) -> str:
    """A segment's label in sentence case: the study's value label, the interval's or the code."""
    if bins is not None and code in bins.codes and code not in feature.value_labels:
        return bins.labels[bins.codes.index(code)]
    return value_label(feature, code)


def order_codes(
    feature: Feature, codes: list[str], capacity: dict[str, int], bins: Bins | None
) -> list[str]:
    """Segment codes as pages list them: intervals in order, named values in the order the team
    named them, the rest largest first; «Нет данных» last."""
    present = [c for c in codes if c != MISSING_CODE]
    if bins is not None:
        ordered = [c for c in bins.codes if c in present]
    elif feature.value_labels:
        known = [c for c in feature.value_labels if c in present]
        rest = sorted((c for c in present if c not in known), key=lambda c: (-capacity[c], c))
        ordered = known + rest
    elif set(present) <= {"true", "false"}:
        ordered = [c for c in ("true", "false") if c in present]
    else:
        ordered = sorted(present, key=lambda c: (-capacity[c], c))
    return ordered + ([MISSING_CODE] if MISSING_CODE in codes else [])


def _or0(value: Any) -> float:
    """Aggregates over empty groups come back as None or NaN: both mean zero here."""
    if value is None:
        return 0.0
    value = float(value)
    return 0.0 if math.isnan(value) else value


#: Turns a key value fetched from the engine (None when missing) into a segment code.
Decode = Callable[[Any], str]


@dataclass
class Coded:
    """The coded view of the client table: one string column of segment codes per feature."""

    table: ir.Table
    columns: dict[str, str]  # feature id → column of codes
    bins: dict[str, Bins | None]
    has_satisfaction: bool
    edges: dict[str, list[float]]
    has_clients: bool = False
    #: Numeric features whose first interval starts at 0 (:func:`quantile_cuts`).
    lows: dict[str, float] = field(default_factory=dict)
    #: Key column → how its values become codes (from key_table); None: the columns are codes.
    decode: dict[str, Decode] | None = None
    #: Key column → how many values it can take, missing included, where that is known
    #: beforehand (numeric intervals, booleans; from key_table).
    levels: dict[str, int] = field(default_factory=dict)


def code_table(
    study: Study,
    features: list[Feature],
    table: ir.Table,
    *,
    edges: dict[str, list[float]] | None = None,
    id_column: str | None = None,
    with_satisfaction: bool = True,
    extra: dict[str, ir.Value] | None = None,
    lows: dict[str, float] | None = None,
) -> Coded:
    """Project ``table`` to one code column per feature (``seg_i``), plus ``sat`` and ``client``.

    Numeric thresholds come from ``edges`` when given (to cut another table the same way), and
    where their first intervals start from ``lows`` (``ByFeatureResult.lows``).
    """
    given = edges or {}
    edges, found = quantile_cuts(
        [f for f in features if f.id not in given],
        table,
        min_cell=study.segmentation.min_cell,
        id_column=id_column,
    )
    edges |= given
    lows = {**found, **(lows or {})}
    for feature in features:
        if feature.type is FeatureType.numeric and feature.id not in edges:
            edges[feature.id] = list(feature.binning.thresholds) if feature.binning else [0.0]
    columns: dict[str, str] = {}
    bins: dict[str, Bins | None] = {}
    exprs: dict[str, ir.Value] = {}
    for i, feature in enumerate(features):
        code, b = segment_code(feature, table, edges.get(feature.id), lows.get(feature.id))
        name = f"seg_{i}"
        columns[feature.id] = name
        bins[feature.id] = b
        exprs[name] = code
    settings = study.segmentation.satisfaction
    with_sat = with_satisfaction and settings.column is not None
    if with_sat and settings.column is not None:
        exprs["sat"] = table[settings.column].cast("float64")
    if id_column is not None:
        exprs["client"] = table[id_column]
    exprs |= extra or {}
    return Coded(
        table=table.select(**exprs),
        columns=columns,
        bins=bins,
        has_satisfaction=with_sat,
        edges=edges,
        has_clients=id_column is not None,
        lows=lows,
    )


def _decode_text(value: Any) -> str:
    return MISSING_CODE if value is None else str(value)


def _decode_bool(value: Any) -> str:
    return MISSING_CODE if value is None else ("true" if value else "false")


def _decode_int(value: Any) -> str:
    return MISSING_CODE if value is None else str(int(value))


def segment_key(
    feature: Feature,
    table: ir.Table,
    edges: list[float] | None = None,
    *,
    exact_missing: bool = False,
    low: float | None = None,
) -> tuple[ir.Value, Bins | None, Decode]:
    """A cheap grouping key for ``feature`` and how to turn its values into segment codes.

    The same segments as :func:`segment_code`, without making a string for every row: strings,
    booleans and integers are grouped as they are, numeric features by their interval's number.
    Codes are made afterwards from the few distinct keys. A text value "NA" and a missing value
    share the code "NA"; with ``exact_missing`` they share the key too (for distinct counts).
    """
    col = table[feature.column]
    dtype = col.type()
    if feature.type is FeatureType.numeric:
        edges, bins = _numeric_bins(feature, table, edges, low)
        # The same cases as segment_code, giving the interval's number instead of its code. An
        # integer is below t exactly when it is below ⌈t⌉: no cast of every row to a float.
        whole = dtype.is_integer() and all(abs(e) < 2**53 for e in edges)
        limits: list[Any] = [math.ceil(e) for e in edges] if whole else edges
        cases = [(col.isnull(), ibis.null("int16")), (col < limits[0], ibis.literal(0, "int16"))]
        cases += [(col < b, ibis.literal(i + 1, "int16")) for i, b in enumerate(limits[1:])]
        key = ibis.cases(*cases, else_=ibis.literal(len(edges), "int16"))
        codes = bins.codes

        def decode(value: Any) -> str:
            return MISSING_CODE if value is None else codes[int(value)]

        return key, bins, decode
    if merged_codes(feature):
        # Merged values are one key already: their distinct counts stay exact.
        code, _ = segment_code(feature, table, edges)
        return code, None, _decode_text
    if dtype.is_boolean():
        return col, None, _decode_bool
    if dtype.is_integer():
        return col, None, _decode_int
    if dtype.is_string():
        return (col.fill_null(MISSING_CODE) if exact_missing else col), None, _decode_text
    code, _ = segment_code(feature, table, edges)  # floats and other types: the engine's text
    return code, None, _decode_text


def key_table(
    study: Study,
    features: list[Feature],
    table: ir.Table,
    *,
    id_column: str | None = None,
) -> Coded:
    """Like :func:`code_table`, with grouping keys instead of codes (see :func:`segment_key`).

    ``Coded.decode`` turns each key column's values into codes; see :func:`fetch_decoded`.
    """
    edges, lows = quantile_cuts(
        features, table, min_cell=study.segmentation.min_cell, id_column=id_column
    )
    columns: dict[str, str] = {}
    bins: dict[str, Bins | None] = {}
    decode: dict[str, Decode] = {}
    levels: dict[str, int] = {}
    exprs: dict[str, ir.Value] = {}
    for i, feature in enumerate(features):
        name = f"seg_{i}"
        key, b, dec = segment_key(
            feature,
            table,
            edges.get(feature.id),
            exact_missing=id_column is not None,
            low=lows.get(feature.id),
        )
        if feature.type is FeatureType.numeric and b is not None:
            edges[feature.id] = list(b.edges)
            levels[name] = len(b.codes) + 1  # the intervals and missing
        elif key.type().is_boolean():
            levels[name] = 3
        columns[feature.id] = name
        bins[feature.id] = b
        decode[name] = dec
        exprs[name] = key
    settings = study.segmentation.satisfaction
    with_sat = settings.column is not None
    if settings.column is not None:
        # Whole ratings are summed as they are: a cast of every row to a float costs the
        # grouping a fifth of its time on DuckDB.
        sat = table[settings.column]
        exprs["sat"] = sat if sat.type().is_integer() else sat.cast("float64")
    if id_column is not None:
        exprs["client"] = table[id_column]
    return Coded(
        table=table.select(**exprs),
        columns=columns,
        bins=bins,
        has_satisfaction=with_sat,
        edges=edges,
        has_clients=id_column is not None,
        decode=decode,
        levels=levels,
        lows=lows,
    )


def _decode_column(values: pa.ChunkedArray, decode: Decode) -> np.ndarray[Any, Any]:
    """Codes for a column of keys: each distinct key is decoded once."""
    encoded = values.combine_chunks().dictionary_encode()
    codes = [decode(v) for v in encoded.dictionary.to_pylist()] + [decode(None)]
    index = encoded.indices.fill_null(len(codes) - 1).to_numpy(zero_copy_only=False)
    out: np.ndarray[Any, Any] = np.asarray(codes, dtype=object)[index]
    return out


def fetch_decoded(expr: ir.Table, coded: Coded) -> pd.DataFrame:
    """Run a group-by over key columns; the key columns come back as codes.

    Keys that share a code (a text "NA" and a missing value) are added together.
    """
    if coded.decode is None:
        frame: pd.DataFrame = execute(expr)
        return frame
    try:
        arrow = expr.to_pyarrow()
    except Exception as exc:
        raise EngineError(f"Ошибка движка данных: {type(exc).__name__}.") from exc
    keys = [name for name in arrow.column_names if name in coded.decode]
    data: dict[str, Any] = {}
    for name in arrow.column_names:
        if name in coded.decode:
            data[name] = _decode_column(arrow[name], coded.decode[name])
        else:
            data[name] = arrow[name].to_numpy()
    frame = pd.DataFrame(data)
    if keys and frame.duplicated(keys).any():
        # Only "clients" (distinct counts) cannot be added; exact_missing keeps those keys apart.
        values = [c for c in frame.columns if c not in keys]
        frame = frame.groupby(keys, as_index=False, sort=False)[values].sum()
    return frame


def _aggregates(
    t: ir.Table, threshold: float, with_sat: bool, with_clients: bool = False
) -> dict[str, Any]:
    aggs: dict[str, Any] = {"capacity": t.count()}
    if with_clients:
        aggs["clients"] = t.client.nunique()
    if with_sat:
        aggs |= {
            "sat_n": t.sat.count(),
            "sat_sum": t.sat.sum(),
            "sat_happy": (t.sat >= threshold).cast("int64").sum(),
        }
    return aggs


def _stats(row: dict[str, Any], study: Study) -> SatisfactionStats:
    return _satisfaction(
        int(_or0(row.get("sat_n"))),
        _or0(row.get("sat_sum")),
        int(_or0(row.get("sat_happy"))),
        study.segmentation.confidence,
    )


def segment_by_feature(
    study: Study,
    source: TableLike,
    *,
    progress: Callable[[float, str], None] | None = None,
    id_column: str | None = None,
) -> ByFeatureResult:
    """Approach 2 for every segmented feature of the study (M-5), with traits and pairs.

    With ``id_column``, each segment also counts its distinct clients.
    """
    report = progress or (lambda _f, _m: None)
    features = study.segmented_features()
    if not features:
        return ByFeatureResult(features=[])
    report(0.1, "Сегменты по всем признакам")
    results, coded = feature_segments(study, source, features, id_column=id_column)
    report(0.6, "Отличительные черты сегментов")
    result = ByFeatureResult(features=results, edges=coded.edges, lows=coded.lows)
    threshold = float(study.segmentation.satisfaction.csat_threshold)
    _traits_and_pairs(study, features, coded, result, source.count(), threshold)
    report(1.0, "")
    return result


def feature_segments(
    study: Study,
    source: TableLike,
    features: list[Feature],
    *,
    id_column: str | None = None,
) -> tuple[list[FeatureSegmentation], Coded]:
    """Every feature's segments with capacity, share and satisfaction: one scan for all features.

    The features' keys are grouped by ``GROUPING SETS`` (DuckDB, Spark), or else unpivoted and
    grouped once. Returns the segmentations and the keyed table (for traits and cross segments).
    """
    keyed = key_table(study, features, source.table, id_column=id_column)
    threshold = float(study.segmentation.satisfaction.csat_threshold)
    rows_by_feature = _per_feature_rows(study, features, source, keyed, threshold, id_column)
    total = source.count()
    results = []
    for feature in features:
        rows = rows_by_feature[feature.id]
        capacity = {code: int(r["capacity"]) for code, r in rows.items()}
        bins = keyed.bins[feature.id]
        segments = [
            SegmentStats(
                key=f"{feature.id}={code}",
                value=code,
                label=segment_label(feature, code, bins),
                capacity=capacity[code],
                share=capacity[code] / total if total else 0.0,
                satisfaction=_stats(rows[code], study),
                missing_value=code == MISSING_CODE,
                clients=int(rows[code]["clients"]) if keyed.has_clients else None,
            )
            for code in order_codes(feature, list(capacity), capacity, bins)
        ]
        results.append(_feature_result(feature, bins, segments))
    if id_column is not None:
        results = _rare_people(study, source.table, features, results, id_column)
    return results, keyed


def _rare_people(
    study: Study,
    table: ir.Table,
    features: list[Feature],
    results: list[FeatureSegmentation],
    id_column: str,
) -> list[FeatureSegmentation]:
    """Each categorical feature's different clients of its rare values together (fewer than
    ``min_cell`` clients each, :func:`~segprofile.analysis.suppression.rare_codes`), where they
    will be published as one line: one employee with trips to five rare cities is one person,
    not five. One more scan, only for features with several rare values of enough clients."""
    min_cell = study.segmentation.min_cell
    wanted: dict[int, set[str]] = {}
    for i, (feature, fs) in enumerate(zip(features, results, strict=True)):
        if feature.type is not FeatureType.categorical:
            continue
        people = {s.value: s.clients for s in fs.segments if s.clients is not None}
        rare = rare_codes(people, min_cell)
        # Fewer than min_cell together even if no one is in two of them: hidden whatever.
        if len(rare) > 1 and sum(people[code] for code in rare) >= min_cell:
            wanted[i] = rare
    if not wanted:
        return results
    client = table[id_column]
    counts = {
        f"rare_{i}": ibis.ifelse(
            segment_code(features[i], table)[0].isin(sorted(rare)), client, ibis.null()
        ).nunique()
        for i, rare in wanted.items()
    }
    row = execute(table.aggregate(**counts)).iloc[0]
    return [
        fs.model_copy(update={"other_clients": int(row[f"rare_{i}"]), "other_min_cell": min_cell})
        if i in wanted
        else fs
        for i, fs in enumerate(results)
    ]


#: Engines whose SQL has GROUPING SETS and GROUPING(), reached through Ibis's raw_sql.
_GROUPING_SETS_ENGINES = ("duckdb", "pyspark")
#: Keys with few values known beforehand (numeric intervals, booleans) share one grouping set
#: while the product of their value counts stays within this bound.
PACK_MAX_CELLS = 10_000


def _grouping_sets(keys: list[str], levels: dict[str, int]) -> list[list[str]]:
    """One grouping set per key; keys of known few values packed together (see PACK_MAX_CELLS).

    Every grouping set is a hash table the engine fills from every row: one set of six such keys
    costs the engine about two thirds of six sets (DuckDB, 10M rows), and its few thousand rows
    are added up per key afterwards.
    """
    sets: list[list[str]] = []
    packed: list[str] = []
    cells = 1
    for key in keys:
        n = levels.get(key)
        if n is None:
            sets.append([key])
            continue
        if packed and cells * n > PACK_MAX_CELLS:
            sets.append(packed)
            packed, cells = [], 1
        packed.append(key)
        cells *= n
    return sets + ([packed] if packed else [])


def _per_feature_rows(
    study: Study,
    features: list[Feature],
    source: TableLike,
    keyed: Coded,
    threshold: float,
    id_column: str | None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Feature id → segment code → aggregates (capacity, sat_n, sat_sum, sat_happy, clients)."""
    out: dict[str, dict[str, dict[str, Any]]] = {f.id: {} for f in features}
    backend = keyed.table.get_backend()
    if backend.name not in _GROUPING_SETS_ENGINES:
        # Any Ibis engine: the codes unpivoted into (feature, segment) pairs, grouped once.
        coded = code_table(
            study,
            features,
            source.table,
            edges=keyed.edges,
            id_column=id_column,
            lows=keyed.lows,
        )
        long = coded.table.pivot_longer(
            s.cols(*coded.columns.values()), names_to="feature", values_to="segment"
        )
        frame = execute(
            long.group_by(["feature", "segment"]).aggregate(
                **_aggregates(long, threshold, coded.has_satisfaction, coded.has_clients)
            )
        )
        by_column = {name: fid for fid, name in coded.columns.items()}
        for row in frame.to_dict("records"):
            out[by_column[str(row["feature"])]][str(row["segment"])] = row
        return out
    keys = list(keyed.columns.values())
    aggs = ["COUNT(*) AS capacity"]
    if keyed.has_clients:
        aggs.append("COUNT(DISTINCT client) AS clients")
    if keyed.has_satisfaction:
        # A whole threshold stays whole: an integer rating is then compared without a cast.
        limit = int(threshold) if threshold.is_integer() else threshold
        aggs += [
            "COUNT(sat) AS sat_n",
            "SUM(sat) AS sat_sum",
            f"COUNT_IF(sat >= {limit!r}) AS sat_happy",
        ]
    # Distinct counts cannot be added up: with them, every key has a grouping set of its own.
    sets = _grouping_sets(keys, {} if keyed.has_clients else keyed.levels)
    grouping = [f"GROUPING({k}) AS g_{k}" for k in keys]
    query = (
        f"SELECT {', '.join(keys)}, {', '.join(grouping)}, {', '.join(aggs)} "  # noqa: S608
        f"FROM ({backend.compile(keyed.table)}) AS t "
        f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(s) + ')' for s in sets)})"
    )
    by_column = {name: fid for fid, name in keyed.columns.items()}
    values = ("capacity", "clients", "sat_n", "sat_sum", "sat_happy")
    decode = keyed.decode or {}
    for record in _sql_records(backend, query):
        for key in keys:
            if record[f"g_{key}"] != 0:  # not grouped by this key in this row's set
                continue
            code = decode[key](record[key])
            rows = out[by_column[key]]
            if code in rows:  # a packed set, or a text "NA" and a missing value: one segment
                for v in values:
                    if v in record:
                        rows[code][v] = _or0(rows[code][v]) + _or0(record[v])
            else:
                rows[code] = {v: record[v] for v in values if v in record}
    return out


def _sql_records(backend: Any, query: str) -> list[dict[str, Any]]:
    """The rows of a small SQL result as dicts (DuckDB or Spark, through Ibis's raw_sql)."""
    try:
        result = backend.raw_sql(query)
        if backend.name == "pyspark":
            return [row.asDict() for row in result.collect()]
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    except Exception as exc:
        raise EngineError(f"Ошибка движка данных: {type(exc).__name__}.") from exc


def binning_text(feature: Feature, bins: Bins | None) -> str:
    """How a number was cut, in words («пороги: 25; 35; 45»); "" for a category."""
    if bins is None:
        return ""
    method = feature.binning.method.value if feature.binning else "quantiles"
    names = {"thresholds": "пороги", "quantiles": "квантили", "round": "округлённые квантили"}
    return f"{names[method]}: " + thresholds_text(bins.edges, integer=bins.integer)


def _feature_result(
    feature: Feature, bins: Bins | None, segments: list[SegmentStats]
) -> FeatureSegmentation:
    return FeatureSegmentation(
        feature_id=feature.id,
        label=feature.label,
        column=feature.column,
        type=feature.type.value,
        binning=binning_text(feature, bins),
        source_kind=feature.source.kind.value if feature.source else None,
        source_reference=feature.source.reference if feature.source else "",
        segments=segments,
    )


def _cube_features(features: list[Feature], levels: dict[str, int]) -> list[Feature]:
    """Features small enough to group by together, fewest levels first, within the cell bound."""
    chosen: list[Feature] = []
    cells = 1
    for feature in sorted(features, key=lambda f: levels[f.id]):
        n = levels[feature.id]
        if n > CUBE_MAX_LEVELS or cells * n > CUBE_MAX_CELLS:
            continue
        chosen.append(feature)
        cells *= n
    return [f for f in features if f in chosen]


def _traits_and_pairs(
    study: Study,
    features: list[Feature],
    coded: Coded,
    result: ByFeatureResult,
    total: int,
    threshold: float,
) -> None:
    levels = {fs.feature_id: len(fs.segments) for fs in result.features}
    in_cube = _cube_features(features, levels)
    left_out = [f.label for f in features if f not in in_cube]
    if left_out:
        result.warnings.append(
            "Отличительные черты не считались для признаков со слишком большим числом значений: "
            + ", ".join(left_out)
            + f" (больше {CUBE_MAX_LEVELS} значений или слишком много сочетаний)."
        )
    pairs = list(study.segmentation.by_feature.pairs)
    cube: pd.DataFrame | None = None
    if len(in_cube) >= 2:
        t = coded.table
        keys = [coded.columns[f.id] for f in in_cube]
        cube = fetch_decoded(
            t.group_by(keys).aggregate(**_aggregates(t, threshold, coded.has_satisfaction)), coded
        )
        _add_traits(study, in_cube, coded, result, cube, total)
    labels = {f.id: f for f in features}
    for a, b in pairs:
        fa, fb = labels.get(a) or study.feature(a), labels.get(b) or study.feature(b)
        ca, cb = coded.columns.get(a), coded.columns.get(b)
        if ca is None or cb is None:
            continue
        if cube is not None and fa in in_cube and fb in in_cube:
            cols = [c for c in cube.columns if c.startswith(("capacity", "sat_"))]
            joint = cube.groupby([ca, cb], as_index=False)[cols].sum()
        else:
            t = coded.table
            joint = fetch_decoded(
                t.group_by([ca, cb]).aggregate(**_aggregates(t, threshold, coded.has_satisfaction)),
                coded,
            )
        result.cross.append(_cross(study, fa, fb, ca, cb, coded, joint, total))


def _cross(
    study: Study,
    fa: Feature,
    fb: Feature,
    ca: str,
    cb: str,
    coded: Coded,
    joint: pd.DataFrame,
    total: int,
) -> CrossSegmentation:
    rows = joint.to_dict("records")
    order_a = {c: i for i, c in enumerate(_codes_in_order(fa, joint[ca], coded))}
    order_b = {c: i for i, c in enumerate(_codes_in_order(fb, joint[cb], coded))}
    rows.sort(key=lambda r: (order_a[str(r[ca])], order_b[str(r[cb])]))
    segments = []
    for r in rows:
        va, vb = str(r[ca]), str(r[cb])
        la, lb = segment_label(fa, va, coded.bins[fa.id]), segment_label(fb, vb, coded.bins[fb.id])
        segments.append(
            SegmentStats(
                key=f"{fa.id}={va}&{fb.id}={vb}",
                value=f"{va}&{vb}",
                label=f"{la} · {lb}",
                capacity=int(r["capacity"]),
                share=int(r["capacity"]) / total if total else 0.0,
                satisfaction=_stats(r, study),
                missing_value=MISSING_CODE in (va, vb),
            )
        )
    return CrossSegmentation(
        feature_ids=(fa.id, fb.id), label=f"{fa.label} × {fb.label}", segments=segments
    )


def _codes_in_order(feature: Feature, values: pd.Series, coded: Coded) -> list[str]:
    codes = [str(v) for v in values.unique()]
    capacity = {c: 0 for c in codes}
    return order_codes(feature, codes, capacity, coded.bins[feature.id])


def _add_traits(
    study: Study,
    in_cube: list[Feature],
    coded: Coded,
    result: ByFeatureResult,
    cube: pd.DataFrame,
    total: int,
) -> None:
    """Over-represented values of the other features, per segment (lift against everyone)."""
    min_count = study.segmentation.min_cell
    by_id = {fs.feature_id: fs for fs in result.features}
    features_by_column = {coded.columns[f.id]: f for f in in_cube}
    overall = pd.concat(
        [
            pd.DataFrame(
                {
                    "variable": coded.columns[f.id],
                    "value": [seg.value for seg in by_id[f.id].segments],
                    "share_overall": [known(seg.capacity) / total for seg in by_id[f.id].segments],
                }
            )
            for f in in_cube
        ],
        ignore_index=True,
    )
    for feature in in_cube:
        col = coded.columns[feature.id]
        others = [coded.columns[f.id] for f in in_cube if f is not feature]
        # One melt and one group-by per feature: joint counts with every other feature's values.
        long = cube[[col, "capacity", *others]].melt(id_vars=[col, "capacity"], value_vars=others)
        joint = long.groupby([col, "variable", "value"], as_index=False)["capacity"].sum()
        caps = cube.groupby(col)["capacity"].sum().rename("segment_capacity")
        joint = joint.merge(caps, left_on=col, right_index=True).merge(
            overall, on=["variable", "value"]
        )
        joint = joint[(joint["value"] != MISSING_CODE) & (joint["capacity"] >= min_count)]
        joint = joint.assign(share_in=joint["capacity"] / joint["segment_capacity"])
        joint = joint.assign(lift=joint["share_in"] / joint["share_overall"])
        joint = joint[(joint["share_in"] >= TRAIT_MIN_SHARE) & (joint["lift"] >= TRAIT_MIN_LIFT)]
        joint = joint.sort_values([col, "lift"], ascending=[True, False])
        top = joint.groupby(col, sort=False).head(TRAITS_PER_SEGMENT)
        found: dict[str, list[Trait]] = {}
        for row in top.itertuples(index=False):
            other = features_by_column[str(row.variable)]
            value = str(row.value)
            found.setdefault(str(getattr(row, col)), []).append(
                Trait(
                    feature_id=other.id,
                    feature_label=other.label,
                    value=value,
                    label=segment_label(other, value, coded.bins[other.id]),
                    share_in_segment=float(row.share_in),
                    share_overall=float(row.share_overall),
                    lift=float(row.lift),
                )
            )
        for seg_stats in by_id[feature.id].segments:
            seg_stats.distinctive = found.get(seg_stats.value, [])


def pair_counts(
    study: Study,
    source: TableLike,
    pairs: list[tuple[str, str]],
    *,
    edges: dict[str, list[float]] | None = None,
) -> dict[tuple[str, str], dict[str, int]]:
    """Rows in both segments of each pair («a=x», «b=y»), with their ratings: one scan.

    Returns ``{(a, b): {"both", "ratings", "happy"}}``: rows, as a segment's capacity and a
    cross segment's are counted; the segments are coded as in the profile (``edges``: the
    numeric thresholds it used).
    """
    if not pairs:
        return {}
    ids = list(dict.fromkeys(key.split("=", 1)[0] for pair in pairs for key in pair))
    features = [study.feature(fid) for fid in ids]
    coded = code_table(study, features, source.table, edges=edges)
    t = coded.table
    threshold = float(study.segmentation.satisfaction.csat_threshold)
    aggs: dict[str, Any] = {}
    for i, (a, b) in enumerate(pairs):
        (fa, va), (fb, vb) = a.split("=", 1), b.split("=", 1)
        both = (t[coded.columns[fa]] == va) & (t[coded.columns[fb]] == vb)
        aggs[f"both_{i}"] = both.cast("int64").sum()
        if coded.has_satisfaction:
            aggs[f"ratings_{i}"] = (both & t.sat.notnull()).cast("int64").sum()
            aggs[f"happy_{i}"] = (both & (t.sat >= threshold)).cast("int64").sum()
    row = execute(t.aggregate(**aggs)).to_dict("records")[0]
    return {
        pair: {name: int(_or0(row.get(f"{name}_{i}"))) for name in ("both", "ratings", "happy")}
        for i, pair in enumerate(pairs)
    }


def total_satisfaction(study: Study, source: TableLike) -> SatisfactionStats:
    """Baseline satisfaction of everyone in the client records."""
    settings = study.segmentation.satisfaction
    if settings.column is None:
        return SatisfactionStats(n=0)
    t = source.table.select(sat=source.table[settings.column].cast("float64"))
    frame = execute(t.aggregate(**_aggregates(t, float(settings.csat_threshold), True)))
    return _stats(frame.to_dict("records")[0], study)
