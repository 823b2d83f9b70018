"""Audiences and blind zones (M-2, M-6): who is entitled, and who of them never applies.

The population source is either a table of counts by feature values (statistics, a registry:
``count_column`` set) or population microdata (one row a person; ``sample_fraction`` when it is
a sample, which makes the entitled figure an estimate with an interval). The role's
eligibility rule filters both the population and the applicants where its columns exist, so
the two sides are compared on the same definition of "entitled".
"""

from __future__ import annotations

import itertools
import math

import ibis
import ibis.expr.types as ir
import ibis.selectors as s
import pandas as pd

from segprofile.analysis.by_feature import (
    CUBE_MAX_CELLS,
    MISSING_CODE,
    ByFeatureResult,
    Coded,
    TableLike,
    code_table,
    segment_label,
)
from segprofile.analysis.rules import (
    RuleSyntaxError,
    compile_rule,
    match_column,
    parse_rule,
    rule_columns,
)
from segprofile.analysis.stats import z_value
from segprofile.data.engine import execute
from segprofile.model.results import (
    AudienceSummary,
    BlindZone,
    Interval,
    NeverApplyingGroup,
)
from segprofile.model.study import DataSource, Feature, Role, Study

#: Never-applying groups are described by at most this many features.
MAX_GROUP_FEATURES = 3


def _filtered(table: ir.Table, rule: str | None) -> tuple[ir.Table, bool]:
    """Apply the eligibility rule when every column it names is in ``table`` (ignoring case,
    as the rule's names are matched); raises :class:`RuleSyntaxError` for a wrong rule."""
    if not rule:
        return table, False
    names = rule_columns(parse_rule(rule))
    if any(len(match_column(name, table.columns)) != 1 for name in names):
        return table, False
    return table.filter(compile_rule(rule, table)), True


def _entitled(count: float, source: DataSource, z: float) -> tuple[float, Interval | None]:
    """Scale a sample count to the population; interval from the binomial sampling variance."""
    fraction = source.sample_fraction
    if fraction is None or fraction >= 1:
        return count, None
    estimate = count / fraction
    half = z * math.sqrt(max(count, 0.0) * (1 - fraction)) / fraction
    return estimate, Interval(low=max(0.0, estimate - half), high=estimate + half)


def blind_zones(
    study: Study,
    role: Role,
    records: TableLike,
    population: TableLike,
    population_source: DataSource,
    segments: ByFeatureResult,
    *,
    id_column: str | None,
) -> AudienceSummary:
    """Fill each segment's blind zone in ``segments`` (in place) and summarise the audience."""
    rule = role.audience.eligibility_rule if role.audience is not None else None
    z = z_value(study.segmentation.confidence)
    warnings: list[str] = []
    try:
        pop_table, _ = _filtered(population.table, rule)
        rec_table, _ = _filtered(records.table, rule)
    except RuleSyntaxError as exc:  # a rule stored before it was checked as it is now
        warnings.append(
            f"Правило отбора роли «{role.title}» не применено: {exc.reason} (позиция "
            f"{exc.position}). Исправьте его в разделе «Роли и целевые аудитории»; до тех пор "
            "обратившиеся и имеющие право считаются без отбора."
        )
        rule = None
        pop_table, rec_table = population.table, records.table
    count_column = population_source.count_column
    shared = [
        f
        for f in study.segmented_features()
        if f.column in pop_table.columns and f.column in rec_table.columns
    ]
    # Population side: the same codes (same thresholds) on the population table.
    weight = pop_table[count_column].cast("float64") if count_column else ibis.literal(1.0)
    pop_coded = code_table(
        study,
        shared,
        pop_table,
        edges=segments.edges,
        with_satisfaction=False,
        extra={"weight": weight},
    )
    pop_view = pop_coded.table
    rec_coded = code_table(
        study, shared, rec_table, edges=segments.edges, id_column=id_column, with_satisfaction=False
    )
    applicants_expr = rec_coded.table.client.nunique() if id_column else rec_coded.table.count()
    total_entitled_raw = float(execute(pop_view.weight.sum()) or 0.0)
    total_applicants = int(execute(applicants_expr) or 0)
    total_entitled, _ = _entitled(total_entitled_raw, population_source, z)

    columns = pop_coded.columns
    if total_applicants > total_entitled:
        warnings.append(
            f"Обратившихся ({total_applicants}) больше, чем имеющих право по таблице численности "
            f"({total_entitled:.0f}): проверьте, что таблица полная и за тот же период."
        )
    if shared:
        pop_long = pop_view.pivot_longer(
            s.cols(*columns.values()), names_to="feature", values_to="segment"
        )
        pop_frame = execute(
            pop_long.group_by(["feature", "segment"]).aggregate(entitled=pop_long.weight.sum())
        )
        rec_long = rec_coded.table.pivot_longer(
            s.cols(*rec_coded.columns.values()), names_to="feature", values_to="segment"
        )
        applicants = rec_long.client.nunique() if id_column else rec_long.count()
        rec_frame = execute(
            rec_long.group_by(["feature", "segment"]).aggregate(applicants=applicants)
        )
        warnings += _fill_segments(
            study, shared, columns, segments, pop_frame, rec_frame, population_source, z
        )
    never = _never_applying(
        study, shared, pop_coded, pop_view, rec_coded.table, population_source, z
    )
    return AudienceSummary(
        role_id=role.id,
        population_source=population_source.id,
        eligibility_rule=rule,
        entitled=total_entitled,
        applicants=total_applicants,
        coverage=min(1.0, total_applicants / total_entitled) if total_entitled > 0 else None,
        never_applying=never,
        warnings=warnings,
    )


def _fill_segments(
    study: Study,
    shared: list[Feature],
    columns: dict[str, str],
    segments: ByFeatureResult,
    pop_frame: pd.DataFrame,
    rec_frame: pd.DataFrame,
    source: DataSource,
    z: float,
) -> list[str]:
    """Set ``segment.blind_zone``; return warnings about tables that do not match."""
    warnings: list[str] = []
    by_column = {name: fid for fid, name in columns.items()}
    entitled = {
        (by_column[str(r.feature)], str(r.segment)): float(r.entitled)
        for r in pop_frame.itertuples(index=False)
    }
    applied = {
        (by_column[str(r.feature)], str(r.segment)): int(r.applicants)
        for r in rec_frame.itertuples(index=False)
    }
    shared_ids = {f.id for f in shared}
    for fs in segments.features:
        if fs.feature_id not in shared_ids:
            continue
        in_population = {code for (fid, code) in entitled if fid == fs.feature_id}
        absent = [
            seg.label
            for seg in fs.segments
            if seg.value != MISSING_CODE and seg.value not in in_population
        ]
        if absent:
            warnings.append(
                f"В таблице численности нет значений признака «{fs.label}», которые есть у "
                f"обратившихся: {', '.join(absent)}. Слепая зона для них не оценена."
            )
        over = [
            seg.label
            for seg in fs.segments
            if applied.get((fs.feature_id, seg.value), 0)
            > entitled.get((fs.feature_id, seg.value), 0)
            and seg.value in in_population
        ]
        if over:
            warnings.append(
                f"Признак «{fs.label}»: обратившихся больше, чем имеющих право, в сегментах "
                f"{', '.join(over)} — проверьте таблицу численности."
            )
        for seg in fs.segments:
            if seg.value == MISSING_CODE:
                continue
            raw = entitled.get((fs.feature_id, seg.value), 0.0)
            estimate, interval = _entitled(raw, source, z)
            n_applied = applied.get((fs.feature_id, seg.value), 0)
            blind = max(0.0, estimate - n_applied)
            seg.blind_zone = BlindZone(
                entitled=estimate,
                entitled_interval=interval,
                applicants=n_applied,
                blind=blind,
                share=blind / estimate if estimate > 0 else None,
            )
    return warnings


def _never_applying(
    study: Study,
    shared: list[Feature],
    coded: Coded,
    pop_view: ir.Table,
    rec_table: ir.Table,
    source: DataSource,
    z: float,
) -> list[NeverApplyingGroup]:
    """Combinations of feature values with entitled people and no applicant, largest first."""
    if not shared:
        return []
    columns = coded.columns
    keys = [columns[f.id] for f in shared]
    pop = execute(pop_view.group_by(keys).aggregate(entitled=pop_view.weight.sum()))
    if len(pop) > CUBE_MAX_CELLS:
        return []
    rec = execute(rec_table.group_by(keys).aggregate(n=rec_table.count()))
    merged = pop.merge(rec, on=keys, how="left")
    merged["n"] = merged["n"].fillna(0)
    merged = merged[~merged[keys].isin([MISSING_CODE]).any(axis=1)]
    # The coarsest description first: a group of one, two, three… features with entitled people
    # and no applicant, unless a coarser group found already contains it.
    found: list[dict[str, str]] = []
    out = []
    for size in range(1, min(len(shared), MAX_GROUP_FEATURES) + 1):
        for subset in itertools.combinations(shared, size):
            cols = [columns[f.id] for f in subset]
            grouped = merged.groupby(cols, as_index=False)[["entitled", "n"]].sum()
            empty = grouped[
                (grouped["n"] == 0) & (grouped["entitled"] >= study.segmentation.min_cell)
            ]
            for row in empty.sort_values("entitled", ascending=False).to_dict("records"):
                values = {f.id: str(row[columns[f.id]]) for f in subset}
                if any(all(values.get(k) == v for k, v in g.items()) for g in found):
                    continue
                found.append(values)
                label = " · ".join(
                    f"{f.label}: {segment_label(f, values[f.id], coded.bins[f.id])}" for f in subset
                )
                estimate, _ = _entitled(float(row["entitled"]), source, z)
                out.append(NeverApplyingGroup(values=values, label=label, entitled=estimate))
    return out
