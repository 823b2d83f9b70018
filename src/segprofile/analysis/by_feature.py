"""Approach 2 (M-5): segment the audience once per feature, in the engine.

Each feature becomes a segment code per row (a category, a boolean, or a numeric interval);
one grouped aggregation per feature returns capacity and the satisfaction sums. Only those
aggregates come back to Python.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from segprofile.analysis.stats import wilson_interval
from segprofile.data.engine import execute
from segprofile.model.results import FeatureSegmentation, Interval, SatisfactionStats, SegmentStats
from segprofile.model.study import Binning, BinningMethod, Feature, FeatureType, Study

MISSING_CODE = "NA"
MISSING_LABEL = "Нет данных"


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


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:g}".replace(".", ",")


def make_bins(edges: list[float], *, integer: bool, labels: list[str] | None, unit: str) -> Bins:
    """Codes and labels for thresholds ``t_1 < … < t_n``: n + 1 intervals."""
    codes = [f"<{_fmt(edges[0])}"]
    codes += [f"{_fmt(a)}–{_fmt(b)}" for a, b in itertools.pairwise(edges)]
    codes.append(f"≥{_fmt(edges[-1])}")
    codes = [c.replace("\u00a0", "") for c in codes]
    if labels is None:
        suffix = f" {unit}" if unit else ""
        made = [f"менее {_fmt(edges[0])}{suffix}"]
        for a, b in itertools.pairwise(edges):
            whole = integer and float(a).is_integer() and float(b).is_integer()
            if whole and b - a == 1:
                made.append(f"{_fmt(a)}{suffix}")
            elif whole:
                made.append(f"{_fmt(a)}–{_fmt(b - 1)}{suffix}")
            else:
                made.append(f"от {_fmt(a)} до {_fmt(b)}{suffix}")
        made.append(f"{_fmt(edges[-1])} и более{suffix}")
        labels = made
    return Bins(edges=list(edges), codes=codes, labels=labels)


def _nice(value: float) -> float:
    """Round to a 'round number' with one or two significant digits (for readable bins)."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    magnitude = 10 ** math.floor(math.log10(abs(value)))
    for step in (1, 2, 2.5, 5, 10):
        rounded = round(value / (magnitude * step / 10)) * (magnitude * step / 10)
        if abs(rounded - value) <= 0.15 * abs(value):
            return float(rounded)
    return float(round(value / magnitude) * magnitude)


def numeric_edges(column: ir.NumericColumn, binning: Binning | None) -> list[float]:
    """Thresholds of a numeric feature: given by the study, or from quantiles in the engine."""
    if binning is not None and binning.method is BinningMethod.thresholds:
        return list(binning.thresholds)
    n_bins = binning.n_bins if binning is not None else 4
    probs = [i / n_bins for i in range(1, n_bins)]
    row = execute(
        column.as_table().aggregate(
            **{f"q{i}": column.approx_quantile(p) for i, p in enumerate(probs)},
        )
    )
    values = [float(row[f"q{i}"].iloc[0]) for i in range(len(probs))]
    values = [v for v in values if math.isfinite(v)]
    if binning is not None and binning.method is BinningMethod.round:
        values = [_nice(v) for v in values]
    edges = sorted(set(values))
    if not edges:  # an all-missing column: one catch-all interval
        edges = [0.0]
    return edges


def segment_code(feature: Feature, table: ir.Table) -> tuple[ir.StringValue, Bins | None]:
    """An Ibis expression giving each row's segment code for ``feature`` (missing → "NA")."""
    col = table[feature.column]
    dtype = col.type()
    if feature.type is FeatureType.numeric:
        if not dtype.is_numeric():
            from segprofile.errors import InputError

            raise InputError(
                f"Признак «{feature.id}» объявлен числовым, но столбец «{feature.column}» "
                f"имеет тип {dtype}.",
                hint="укажите type: categorical или приведите столбец к числам.",
            )
        binning = feature.binning
        edges = numeric_edges(col, binning)
        bins = make_bins(
            edges,
            integer=dtype.is_integer(),
            labels=binning.labels if binning is not None else None,
            unit=binning.unit if binning is not None else "",
        )
        cases = [(col < edges[0], bins.codes[0])]
        cases += [(col < b, bins.codes[i + 1]) for i, b in enumerate(edges[1:])]
        expr = ibis.cases(*cases, else_=bins.codes[-1])
        return ibis.ifelse(col.isnull(), MISSING_CODE, expr), bins
    if dtype.is_boolean():
        # CASE WHEN NULL goes to the else branch: test for missing first.
        expr = ibis.ifelse(col.isnull(), MISSING_CODE, ibis.ifelse(col, "true", "false"))
        return expr, None
    return col.cast("string").fill_null(MISSING_CODE), None


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


def _label(feature: Feature, code: str, bins: Bins | None) -> str:
    if code == MISSING_CODE:
        return MISSING_LABEL
    if code in feature.value_labels:
        return feature.value_labels[code]
    if bins is not None:
        return bins.labels[bins.codes.index(code)]
    if feature.type is FeatureType.boolean or code in ("true", "false"):
        return {"true": "Да", "false": "Нет"}.get(code, code)
    return code


def _order(
    feature: Feature, codes: list[str], capacity: dict[str, int], bins: Bins | None
) -> list[str]:
    present = [c for c in codes if c != MISSING_CODE]
    if bins is not None:
        ordered = [c for c in bins.codes if c in present]
    elif feature.value_labels:
        known = [c for c in feature.value_labels if c in present]
        ordered = known + sorted((c for c in present if c not in known), key=lambda c: -capacity[c])
    elif set(present) <= {"true", "false"}:
        ordered = [c for c in ("true", "false") if c in present]
    else:
        ordered = sorted(present, key=lambda c: (-capacity[c], c))
    return ordered + ([MISSING_CODE] if MISSING_CODE in codes else [])


def _sat_aggregates(study: Study, table: ir.Table) -> dict[str, Any]:
    settings = study.segmentation.satisfaction
    if settings.column is None:
        return {}
    sat = table[settings.column].cast("float64")
    return {
        "sat_n": sat.count(),
        "sat_sum": sat.sum(),
        "sat_happy": (sat >= settings.csat_threshold).cast("int64").sum(),
    }


def segment_feature(study: Study, feature: Feature, source: TableLike) -> FeatureSegmentation:
    """Capacity, share and satisfaction of every segment of one feature."""
    table = source.table
    code, bins = segment_code(feature, table)
    aggs = {"capacity": table.count(), **_sat_aggregates(study, table)}
    frame = execute(table.group_by(segment=code).aggregate(**aggs))
    rows = frame.to_dict("records")
    total = source.count()
    capacity = {str(r["segment"]): int(r["capacity"]) for r in rows}
    by_code = {str(r["segment"]): r for r in rows}
    segments = []
    for c in _order(feature, list(capacity), capacity, bins):
        r = by_code[c]
        n = int(_or0(r.get("sat_n")))
        segments.append(
            SegmentStats(
                key=f"{feature.id}={c}",
                value=c,
                label=_label(feature, c, bins),
                capacity=capacity[c],
                share=capacity[c] / total if total else 0.0,
                satisfaction=_satisfaction(
                    n,
                    _or0(r.get("sat_sum")),
                    int(_or0(r.get("sat_happy"))),
                    study.segmentation.confidence,
                ),
                missing_value=c == MISSING_CODE,
            )
        )
    binning = ""
    if bins is not None:
        method = feature.binning.method.value if feature.binning else "quantiles"
        names = {"thresholds": "пороги", "quantiles": "квантили", "round": "округлённые квантили"}
        binning = f"{names[method]}: " + "; ".join(_fmt(e) for e in bins.edges)
    return FeatureSegmentation(
        feature_id=feature.id,
        label=feature.label,
        column=feature.column,
        type=feature.type.value,
        binning=binning,
        source_kind=feature.source.kind.value if feature.source else None,
        source_reference=feature.source.reference if feature.source else "",
        segments=segments,
    )


def _or0(value: Any) -> float:
    """Aggregates over empty groups come back as None or NaN: both mean zero here."""
    if value is None:
        return 0.0
    value = float(value)
    return 0.0 if math.isnan(value) else value


def segment_by_feature(
    study: Study,
    source: TableLike,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[FeatureSegmentation]:
    """Approach 2 for every segmented feature of the study (M-5)."""
    features = study.segmented_features()
    out = []
    for i, feature in enumerate(features):
        if progress is not None:
            progress(i, len(features), feature.label)
        out.append(segment_feature(study, feature, source))
    if progress is not None:
        progress(len(features), len(features), "")
    return out


def total_satisfaction(study: Study, source: TableLike) -> SatisfactionStats:
    """Baseline satisfaction of everyone in the client records."""
    aggs = _sat_aggregates(study, source.table)
    if not aggs:
        return SatisfactionStats(n=0)
    frame = execute(source.table.aggregate(**aggs))
    r = frame.to_dict("records")[0]
    return _satisfaction(
        int(_or0(r["sat_n"])),
        _or0(r["sat_sum"]),
        int(_or0(r["sat_happy"])),
        study.segmentation.confidence,
    )
