"""The satisfaction baseline from surveys (нулевой замер, M-6).

Survey answers are linked to segments by the pseudonymised client id (the same HMAC pseudonym
in the survey and the records), or, when the survey has no id, by the segment's own feature
columns in the survey. Per segment: mean rating, CSAT (share of ratings at or above the
threshold) with a Wilson interval, NPS with its interval where a 0–10 question exists, and a
flag when the sample is smaller than the study's research margin needs.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import ibis.selectors as s

from segprofile.analysis.by_feature import MISSING_CODE, ByFeatureResult, TableLike, code_table
from segprofile.analysis.stats import nps_interval, required_sample, wilson_interval
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.format import number
from segprofile.model.results import Interval, SurveyStats
from segprofile.model.study import DataSource, Study

SATISFACTION_USE = "satisfaction"
NPS_USE = "nps"


def survey_columns(source: DataSource) -> tuple[str | None, str | None]:
    """The survey's satisfaction and NPS columns, as marked in ``data_sources[].columns``."""
    sat = next((c for c, o in source.columns.items() if o.use == SATISFACTION_USE), None)
    nps = next((c for c, o in source.columns.items() if o.use == NPS_USE), None)
    return sat, nps


def _aggs(t: ir.Table, threshold: float, has_sat: bool, has_nps: bool) -> dict[str, Any]:
    aggs: dict[str, Any] = {"answers": t.count()}
    if has_sat:
        aggs |= {
            "sat_n": t.sat.count(),
            "sat_sum": t.sat.sum(),
            "sat_happy": (t.sat >= threshold).cast("int64").sum(),
        }
    if has_nps:
        aggs |= {
            "nps_n": t.nps.count(),
            "nps_pro": (t.nps >= 9).cast("int64").sum(),
            "nps_det": (t.nps <= 6).cast("int64").sum(),
        }
    return aggs


def _n(value: Any) -> int:
    try:
        return 0 if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return 0


def _stats(row: dict[str, Any], study: Study, population: int | None) -> SurveyStats:
    conf = study.segmentation.confidence
    n_sat, n_nps = _n(row.get("sat_n")), _n(row.get("nps_n"))
    # Without a rating question every answer counts (the research plan's «Есть», M-8).
    rated = "sat_n" in row or "nps_n" in row
    out: dict[str, Any] = {"n": max(n_sat, n_nps, 0) if rated else _n(row.get("answers"))}
    if n_sat:
        happy = _n(row.get("sat_happy"))
        low, high = wilson_interval(happy, n_sat, conf)
        out |= {
            "mean": float(row["sat_sum"]) / n_sat,
            "csat": happy / n_sat,
            "csat_interval": Interval(low=low, high=high),
        }
    if n_nps:
        nps, low, high = nps_interval(_n(row.get("nps_pro")), _n(row.get("nps_det")), n_nps, conf)
        out |= {"nps": nps, "nps_interval": Interval(low=low, high=high)}
    needed = required_sample(study.research.margin, study.research.confidence, population)
    out |= {"needed": needed, "too_small": out["n"] < needed}
    return SurveyStats(**out)


def survey_baseline(
    study: Study,
    records: TableLike,
    survey: TableLike,
    source: DataSource,
    segments: ByFeatureResult,
    *,
    records_id: str | None,
    ids_unique: bool = False,
) -> SurveyStats:
    """Fill ``segment.survey`` for every segment reachable from the survey; return the overall.

    A survey with no rating or NPS question marked (one that checks hypotheses, M-9) still
    counts its answers per segment: the research plan says how many each segment has (M-8).
    Answers are linked by the source's id column, else by the client records' id column when
    the survey has it (the same pseudonym, as the survey analysis links them), else by the
    segment features' own columns in the survey."""
    sat_col, nps_col = survey_columns(source)
    st = survey.table
    survey_id = source.id_column or (records_id if records_id in st.columns else None)
    for col in (sat_col, nps_col):
        if col is not None and col not in st.columns:
            raise InputError(
                f"В файле опроса {source.path} нет столбца «{col}».",
                hint=(
                    "отметьте при загрузке ответов другой столбец (в YAML исследования — "
                    "data_sources → columns)."
                ),
            )
    scale = study.segmentation.satisfaction
    selected: dict[str, ir.Value] = {
        **({"sat": st[sat_col].cast("float64")} if sat_col else {}),
        **({"nps": st[nps_col].cast("float64")} if nps_col else {}),
        **({"rid": st[survey_id]} if survey_id is not None and survey_id in st.columns else {}),
    }
    answers = st.select(**(selected or {"answer": ibis.literal(1)}))
    bad = []
    if sat_col:
        bad.append(((answers.sat < scale.scale_min) | (answers.sat > scale.scale_max), sat_col))
    if nps_col:
        bad.append(((answers.nps < 0) | (answers.nps > 10), nps_col))
    for predicate, col in bad:
        n_bad = int(execute(predicate.fill_null(False).cast("int64").sum()) or 0)
        if n_bad:
            raise InputError(
                f"В файле опроса {source.path} столбец «{col}»: ответов вне шкалы — "
                f"{number(n_bad)}.",
                hint=(
                    "исправьте значения или отметьте при загрузке ответов другой столбец "
                    "(в YAML исследования — data_sources → columns)."
                ),
            )
    threshold = float(scale.csat_threshold)
    overall_row = execute(
        answers.aggregate(**_aggs(answers, threshold, bool(sat_col), bool(nps_col)))
    )
    overall = _stats(overall_row.to_dict("records")[0], study, None)

    features = study.segmented_features()
    linked: ir.Table | None = None
    columns: dict[str, str] = {}
    if records_id is not None and "rid" in answers.columns:
        coded = code_table(
            study,
            features,
            records.table,
            edges=segments.edges,
            id_column=records_id,
            with_satisfaction=False,
        )
        columns = coded.columns
        if ids_unique:
            per_client = coded.table
        else:
            per_client = coded.table.group_by("client").aggregate(
                **{name: coded.table[name].first() for name in columns.values()}
            )
        linked = answers.join(per_client, answers.rid == per_client.client)
    else:
        own = [f for f in features if f.column in st.columns]
        if own:
            extra: dict[str, ir.Value] = {}
            if sat_col:
                extra["sat"] = st[sat_col].cast("float64")
            if nps_col:
                extra["nps"] = st[nps_col].cast("float64")
            coded = code_table(
                study, own, st, edges=segments.edges, with_satisfaction=False, extra=extra
            )
            columns = coded.columns
            linked = coded.table
    if linked is None or not columns:
        return overall
    long = linked.pivot_longer(s.cols(*columns.values()), names_to="feature", values_to="segment")
    frame = execute(
        long.group_by(["feature", "segment"]).aggregate(
            **_aggs(long, threshold, bool(sat_col), bool(nps_col))
        )
    )
    by_column = {name: fid for fid, name in columns.items()}
    rows = {(by_column[str(r["feature"])], str(r["segment"])): r for r in frame.to_dict("records")}
    for fs in segments.features:
        for seg in fs.segments:
            if seg.value == MISSING_CODE:
                continue
            row = rows.get((fs.feature_id, seg.value), {})
            seg.survey = _stats(row, study, seg.clients or seg.capacity)
    return overall
