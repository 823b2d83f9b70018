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
from segprofile.model.format import fewer, number, plural
from segprofile.model.results import (
    AudienceSummary,
    BlindZone,
    Interval,
    NeverApplyingGroup,
    SegmentStats,
    known,
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
    if count_column is None and population_source.sample_fraction is None:
        rows = plural(round(total_entitled_raw), "строка", "строки", "строк")
        warnings.append(
            f"В таблице численности «{_source_name(population_source)}» не выбран столбец с "
            f"численностью, поэтому каждая её строка считается одним человеком: имеют право "
            f"{rows}. Если в строке — число людей (столбец вроде «Численность»), выберите "
            "его при загрузке таблицы на странице «Данные»."
        )
    if total_applicants > total_entitled:
        # Without the applicants' number: the audience line tells it, or why it does not.
        warnings.append(
            "Обратившихся больше, чем имеющих право по таблице численности "
            f"({number(total_entitled)}): проверьте, что таблица полная и за тот же период"
            + (", и выберите в ней столбец с численностью." if count_column is None else ".")
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
    min_cell = study.segmentation.min_cell
    rare = {
        (fs.feature_id, seg.value)
        for fs in segments.features
        for seg in fs.segments
        if 0 < _size(seg) < min_cell
    }
    never = _never_applying(
        study, shared, pop_coded, pop_view, rec_coded.table, population_source, z, rare
    )
    notes = [_source_note(study, population_source)]
    everyone = records.table[id_column].nunique() if id_column else records.table.count()
    clients = int(execute(everyone) or 0)
    if rule:
        notes += _scope_note(study, role, clients, total_applicants)
    return AudienceSummary(
        role_id=role.id,
        population_source=population_source.id,
        eligibility_rule=rule,
        entitled=total_entitled,
        applicants=total_applicants,
        clients=clients,
        coverage=total_applicants / total_entitled
        if total_entitled > 0 and total_applicants <= total_entitled
        else None,
        never_applying=never,
        warnings=warnings,
        notes=notes,
    )


def _source_name(source: DataSource) -> str:
    return source.title or source.id


def _source_note(study: Study, source: DataSource) -> str:
    """Where a segment's blind zone comes from, and why it may be missing (one line)."""
    min_cell = study.segmentation.min_cell
    # The column is not named: a data column's name («entitled») is no word of a report.
    how = (
        "по столбцу с численностью"
        if source.count_column
        else "столбец с численностью не выбран: строка — один человек"
    )
    return (
        f"Слепая зона сегмента — имеющие право по таблице численности "
        f"«{_source_name(source)}» ({how}) минус обратившиеся клиенты сегмента. Прочерк — "
        "слепая зона не оценена (признака или значения нет в таблице численности, либо "
        "обратившихся больше, чем имеющих право) или скрыта: не обратились или остались вне "
        f"целевой аудитории {fewer(min_cell, 'человека', 'человек')}"
        " сегмента либо это число можно было бы "
        "вычислить по другим сегментам."
    )


def _scope_note(study: Study, role: Role, everyone: int, audience: int) -> list[str]:
    """That segments and priorities count every client while the role's audience is smaller
    (nothing when fewer than ``min_cell`` are outside it). The audience's size is not here:
    the audience line tells it, or how it reads when it would tell a small group
    (:func:`~segprofile.analysis.suppression.protect_audience`)."""
    if everyone - audience < study.segmentation.min_cell:
        return []
    clients = plural(everyone, "клиенту", "клиентам", "клиентам")
    return [
        f"Сегменты и приоритеты посчитаны по всем {clients}, а целевая аудитория роли "
        f"«{role.title}» по правилу отбора — часть из них: по ней посчитаны только имеющие "
        "право и слепые зоны."
    ]


def _named(segments: list[SegmentStats], min_cell: int) -> str:
    """Segments as a warning names them: those of fewer than ``min_cell`` clients only counted
    (a region of two applicants named in a warning is as good as named in a table)."""
    named = [seg.label for seg in segments if _size(seg) >= min_cell]
    small = len(segments) - len(named)
    if not small:
        return ", ".join(named)
    count = plural(small, "малый сегмент", "малых сегмента", "малых сегментов")
    verb = "не называется" if small == 1 else "не называются"
    tail = f"{count} ({fewer(min_cell, 'клиента', 'клиентов')})"
    if named:
        return f"{', '.join(named)}; ещё {tail} {verb}"
    return f"{tail} — {verb}"


def _size(seg: SegmentStats) -> int:
    """The people of a segment: its distinct clients when counted, else its rows."""
    return min(known(seg.capacity), seg.clients if seg.clients is not None else known(seg.capacity))


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
    """Set ``segment.blind_zone``; return warnings about tables that do not match.

    A segment with more applicants than entitled people gets no blind zone share: the
    population table is wrong or of another period there, and 0 % would read as «everyone
    applies». The warnings never name a segment of fewer than ``min_cell`` clients.
    """
    warnings: list[str] = []
    min_cell = study.segmentation.min_cell
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
        present = [seg for seg in fs.segments if seg.value != MISSING_CODE]
        absent = [
            seg
            for seg in present
            if seg.value not in in_population and applied.get((fs.feature_id, seg.value), 0)
        ]
        if absent:
            warnings.append(
                f"В таблице численности нет значений признака «{fs.label}», которые есть у "
                f"обратившихся: {_named(absent, min_cell)}. Слепая зона для них не оценена."
            )
        over = [
            seg
            for seg in present
            if seg.value in in_population
            and applied.get((fs.feature_id, seg.value), 0)
            > _entitled(entitled[(fs.feature_id, seg.value)], source, z)[0]
        ]
        if over:
            warnings.append(
                f"Признак «{fs.label}»: в сегментах, где обратившихся больше, чем имеющих "
                "право, слепая зона не оценена — проверьте таблицу численности. Сегменты: "
                f"{_named(over, min_cell)}."
            )
        for seg in present:
            if (fs.feature_id, seg.value) not in entitled and (
                fs.feature_id,
                seg.value,
            ) not in applied:
                continue  # outside the role's audience: no blind zone to speak of
            raw = entitled.get((fs.feature_id, seg.value), 0.0)
            estimate, interval = _entitled(raw, source, z)
            n_applied = applied.get((fs.feature_id, seg.value), 0)
            blind = max(0.0, estimate - n_applied)
            seg.blind_zone = BlindZone(
                entitled=estimate,
                entitled_interval=interval,
                applicants=n_applied,
                blind=blind,
                share=blind / estimate if estimate >= n_applied and estimate > 0 else None,
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
    rare: set[tuple[str, str]],
) -> list[NeverApplyingGroup]:
    """Combinations of feature values with entitled people and no applicant, largest first.

    A combination is left out when a coarser group it refines (fewer of its features) has
    applicants, but fewer than ``min_cell``: «Тыва · женщины» with nobody would tell that
    Тыва's two applicants are men; and when one of its values has fewer than ``min_cell``
    clients (``rare``: the profile names it nowhere, it is one of «Прочие значения»).
    """
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
    min_cell = study.segmentation.min_cell
    applied: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}

    def few_in_parent(values: dict[str, str]) -> bool:
        keys = list(values)
        coarser = (c for size in range(1, len(keys)) for c in itertools.combinations(keys, size))
        for parent in coarser:
            cols = [columns[k] for k in parent]
            if parent not in applied:
                counts = rec.groupby(cols)["n"].sum()
                applied[parent] = {
                    tuple(str(v) for v in (k if isinstance(k, tuple) else (k,))): int(n)
                    for k, n in counts.items()
                }
            n = applied[parent].get(tuple(values[k] for k in parent), 0)
            if 0 < n < min_cell:
                return True
        return False

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
                if few_in_parent(values) or any((k, v) in rare for k, v in values.items()):
                    continue
                found.append(values)
                label = " · ".join(
                    f"{f.label}: {segment_label(f, values[f.id], coded.bins[f.id])}" for f in subset
                )
                estimate, _ = _entitled(float(row["entitled"]), source, z)
                out.append(NeverApplyingGroup(values=values, label=label, entitled=estimate))
    return out
