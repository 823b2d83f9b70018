"""NPS from the client records (M-6): the 0–10 question «Насколько вероятно, что вы
порекомендуете…» named by ``segmentation.satisfaction.nps_column``.

NPS = share of promoters (9–10) − share of detractors (0–6) among the usable answers, overall
and for every segment of every feature (the segments coded as in the profile: one scan). An
answer that is not a whole number from 0 to 10 is not usable: it is counted, never quoted, and
the profile says how many there were. Small groups are hidden by ``analysis.suppression``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import ibis.selectors as s

from segprofile.analysis.by_feature import TableLike, code_table
from segprofile.data.engine import execute
from segprofile.model.format import number
from segprofile.model.results import NpsStats
from segprofile.model.study import Feature, Study

#: Promoters answer at least this; detractors at most :data:`DETRACTOR_MAX`.
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SCALE = (0, 10)


@dataclass
class NpsResult:
    overall: NpsStats
    by_segment: dict[str, NpsStats] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def nps_of(answers: int, promoters: int, detractors: int) -> NpsStats:
    """NPS of ``answers`` usable answers (−1…1); none without answers."""
    if answers <= 0:
        return NpsStats(n=0)
    return NpsStats(n=answers, nps=(promoters - detractors) / answers)


def _flags(table: ir.Table, column: str) -> dict[str, ir.Value]:
    raw = table[column]
    if raw.type().is_string():
        text = raw.strip()
        raw = text.nullif("")
        value = text.replace(",", ".").try_cast("float64")
    elif raw.type().is_numeric():
        value = raw.cast("float64")
    else:  # dates, booleans…: nothing here is an answer from 0 to 10
        value = ibis.null("float64")
    low, high = SCALE
    usable = value.notnull() & (value >= low) & (value <= high) & (value == value.round())
    return {
        "nps_n": usable.cast("int64"),
        "nps_pro": (usable & (value >= PROMOTER_MIN)).cast("int64"),
        "nps_det": (usable & (value <= DETRACTOR_MAX)).cast("int64"),
        "nps_bad": (raw.notnull() & ~usable.fill_null(False)).cast("int64"),
    }


def _sums(t: ir.Table) -> dict[str, Any]:
    return {name: t[name].sum() for name in ("nps_n", "nps_pro", "nps_det", "nps_bad")}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):  # a missing sum (NaN) of no rows
        return 0


def nps_profile(
    study: Study,
    source: TableLike,
    features: list[Feature],
    *,
    edges: dict[str, list[float]] | None = None,
) -> NpsResult | None:
    """NPS overall and per segment key («признак=значение»); ``None`` without an NPS column.

    ``edges``: the numeric thresholds the profile used (segments are cut the same way).
    """
    column = study.segmentation.satisfaction.nps_column
    if column is None:
        return None
    min_cell = study.segmentation.min_cell
    coded = code_table(
        study,
        features,
        source.table,
        edges=edges,
        with_satisfaction=False,
        extra=_flags(source.table, column),
    )
    t = coded.table
    row = execute(t.aggregate(**_sums(t))).to_dict("records")[0]
    overall = nps_of(_int(row["nps_n"]), _int(row["nps_pro"]), _int(row["nps_det"]))
    result = NpsResult(overall=overall)
    bad = _int(row["nps_bad"])
    if bad:
        told = number(bad) if bad >= min_cell else f"менее {number(min_cell)}"
        result.warnings.append(
            f"Вопрос NPS (столбец «{column}»): ответов не целым числом от 0 до 10 — {told}; "
            "они не учтены в NPS. Проверьте, что в столбце оценки по шкале от 0 до 10."
        )
    if not overall.n:
        result.warnings.append(
            f"Вопрос NPS (столбец «{column}»): нет ни одного ответа от 0 до 10, NPS не посчитан."
        )
    if coded.columns:
        long = t.pivot_longer(
            s.cols(*coded.columns.values()), names_to="feature", values_to="segment"
        )
        frame = execute(long.group_by(["feature", "segment"]).aggregate(**_sums(long)))
        by_column = {name: fid for fid, name in coded.columns.items()}
        for r in frame.to_dict("records"):
            key = f"{by_column[str(r['feature'])]}={r['segment']}"
            result.by_segment[key] = nps_of(
                _int(r["nps_n"]), _int(r["nps_pro"]), _int(r["nps_det"])
            )
    return result
