"""Approach 1 (M-4): clusters of similar clients over the whole client table, with portraits.

1. A seeded sample of the clustering columns comes out of the engine (rows ordered by a hash
   of the client id, or of the row number, and the seed; the first ``sample_size`` taken).
2. Bad columns are set aside with a warning that says what to do: all missing, a single value,
   too many levels for a category. Too few distinct rows lower k (or skip the clustering).
3. The number of clusters is chosen on the sample (:mod:`segprofile.analysis.choose_k`), or
   taken from the study, and :class:`~segprofile.analysis.kprototypes.KPrototypes` is fitted.
4. Every row is assigned in the engine (:func:`~segprofile.analysis.kprototypes.
   assign_clusters`) and two grouped scans count, per cluster, the capacity and the
   satisfaction (the one-feature segments' code: :mod:`segprofile.analysis.by_feature`),
   numeric sums, and the segment codes of every feature — from which come the traits and
   portraits (:mod:`segprofile.analysis.portraits`), the crosstab with the one-feature segments
   and the spread of every vulnerable group across the clusters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.selectors as s
import numpy as np
import pandas as pd

from segprofile.analysis import personas, portraits
from segprofile.analysis.by_feature import (
    CUBE_MAX_LEVELS,
    MISSING_CODE,
    ByFeatureResult,
    TableLike,
    _aggregates,
    _check_numeric,
    _fmt,
    _stats,
    code_table,
    order_codes,
    quantile_cuts,
    segment_code,
    segment_label,
)
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.format import fewer, number, percent
from segprofile.model.labels import merged_codes
from segprofile.model.results import (
    ClusterCrossCell,
    ClusterCrosstab,
    ClusterResult,
    ClusterStats,
    KChoice,
    Portrait,
    PortraitTrait,
    UnmatchedPortraitEdit,
    VulnerableCell,
    VulnerableGroupRow,
)
from segprofile.model.study import Feature, FeatureSourceKind, FeatureType, Study

if TYPE_CHECKING:
    from segprofile.analysis.choose_k import Encoding

#: A categorical clustering feature with more levels than this (in the sample) is set aside.
MAX_CLUSTER_LEVELS = 100
#: From this many levels a categorical clustering feature is kept with a warning.
MANY_CLUSTER_LEVELS = 30
#: Samples up to this many rows are fitted on one thread (threads cost more than they save).
SMALL_SAMPLE = 20_000


@dataclass
class Prepared:
    """The sample and the features that survived the checks."""

    frame: pd.DataFrame
    features: list[Feature]
    categorical: list[str]
    warnings: list[str] = field(default_factory=list)


def _feature_table_ok(study: Study, feature: Feature) -> bool:
    records = study.client_records()
    return feature.data_source in (None, records.id if records else None)


def clustering_features(study: Study, table_columns: list[str]) -> tuple[list[Feature], list[str]]:
    """The study's clustering features that live in the client records; warnings for others."""
    notes: list[str] = []
    chosen: list[Feature] = []
    columns_seen: set[str] = set()
    for fid in study.segmentation.clustering.features:
        feature = study.feature(fid)
        if not _feature_table_ok(study, feature):
            notes.append(
                f"Признак «{feature.label}» взят из другого источника данных "
                f"(«{feature.data_source}») и в кластеризацию не входит: кластеры строятся по "
                "данным о клиентах."
            )
            continue
        if feature.column in columns_seen:
            continue
        columns_seen.add(feature.column)
        chosen.append(feature)
    absent = [f for f in chosen if f.column not in table_columns]
    if absent:
        listed = "; ".join(f"«{f.column}» (признак «{f.label}»)" for f in absent)
        raise InputError(
            f"В данных о клиентах нет столбцов для кластеризации: {listed}.",
            hint=(
                "выберите для признака столбец, который есть в данных, или уберите признак из "
                "кластеризации. Столбцы данных: " + ", ".join(sorted(table_columns)) + "."
            ),
        )
    return chosen, notes


def draw_sample(
    source: TableLike, columns: list[str], size: int, seed: int, key: str | None
) -> pd.DataFrame:
    """A reproducible sample of ``size`` rows (all rows when there are fewer).

    Rows are ordered by a hash of the key column (the client id, when one row is one client)
    or of the row number, with the seed, and the first ``size`` are taken: the same data and
    seed give the same sample.
    """
    table = source.table
    if source.count() <= size:
        return pd.DataFrame(execute(table.select(*columns)))
    ident = table[key].cast("string") if key is not None else ibis.row_number().cast("string")
    ordered = table.mutate(_sp_hash=(ident + ibis.literal(f":{seed}")).hash())
    frame = execute(ordered.order_by("_sp_hash").limit(size).select(*columns))
    return pd.DataFrame(frame).reset_index(drop=True)


def prepare(
    study: Study, source: TableLike, features: list[Feature], frame: pd.DataFrame
) -> Prepared:
    """Set aside unusable columns with a warning saying what to do; encode the rest."""
    notes: list[str] = []
    kept: list[Feature] = []
    categorical: list[str] = []
    out = pd.DataFrame(index=frame.index)
    for feature in features:
        col = frame[feature.column]
        missing = col.isna()
        if bool(missing.all()):
            notes.append(
                f"Признак «{feature.label}» (столбец «{feature.column}») пуст во всех строках "
                "выборки и исключён из кластеризации: заполните столбец или не включайте "
                "признак в кластеризацию."
            )
            continue
        if feature.type is FeatureType.numeric:
            _check_numeric(feature, source.table)
            values = pd.to_numeric(col, errors="coerce").astype("float64")
            if values.nunique(dropna=True) <= 1:
                notes.append(
                    f"Признак «{feature.label}» принимает одно значение и не различает клиентов: "
                    "исключён из кластеризации."
                )
                continue
            out[feature.column] = values
        else:
            col = _merged(feature, col)
            levels = col.nunique(dropna=True) + (1 if bool(missing.any()) else 0)
            if levels <= 1:
                notes.append(
                    f"Признак «{feature.label}» принимает одно значение и не различает клиентов: "
                    "исключён из кластеризации."
                )
                continue
            if levels > MAX_CLUSTER_LEVELS:
                notes.append(
                    f"Признак «{feature.label}» имеет {_fmt(levels)} различных значений (больше "
                    f"{MAX_CLUSTER_LEVELS}) — это похоже на идентификатор или свободный текст: "
                    "исключён из кластеризации. Укрупните значения (объедините в группы) или "
                    "не включайте признак в кластеризацию."
                )
                continue
            if levels > MANY_CLUSTER_LEVELS:
                notes.append(
                    f"Признак «{feature.label}» имеет {_fmt(levels)} различных значений: редкие "
                    "из них почти не влияют на кластеры, а черты портретов по нему дробятся. "
                    "Укрупните значения (объедините редкие в группы) или не включайте "
                    "признак в кластеризацию."
                )
            out[feature.column] = col.astype("object").where(~missing, None)
            categorical.append(feature.column)
        kept.append(feature)
    return Prepared(frame=out, features=kept, categorical=categorical, warnings=notes)


def _merged(feature: Feature, values: pd.Series) -> pd.Series:
    """Category values the team gave one label, as one value (as ``segment_code`` does)."""
    merged = merged_codes(feature)
    if not merged:
        return values
    return values.map(lambda v: v if pd.isna(v) else merged.get(str(v), v))


def _russian_fit_warning(message: str) -> str:
    if "fewer distinct rows than clusters" in message or "distinct clusters" in message:
        return (
            "Метод нашёл меньше различных кластеров, чем задано: в данных мало различных "
            "строк. Уменьшите n_clusters или верхнюю границу k_range."
        )
    if "did not converge" in message:
        return "k-прототипы не сошлись за отведённое число итераций; результат приблизительный."
    if "single value" in message:
        return "Столбец с одним значением не влияет на кластеры; уберите его из признаков."
    return f"Предупреждение кластеризации: {message}"


def _code_of(value: Any, feature: Feature) -> str | float | None:
    """A centroid value as the one-feature segments write it (codes), numbers as numbers."""
    if feature.type is FeatureType.numeric:
        return None if value is None or not math.isfinite(float(value)) else float(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_CODE
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


@dataclass
class ClusterFit:
    """The fitted model of a study's clusters, and how it was chosen (before any counting)."""

    model: Any
    prepared: Prepared
    choice: KChoice
    total: int
    warnings: list[str]
    encoding: Encoding

    def assign(self, table: Any, name: str) -> Any:
        """``table`` with each row's engine cluster label (0-based, the model's order) in the
        column ``name``, as an Ibis query.

        Under the one-hot method the indicator columns are computed first, in the query's
        first projection: 1.0 where the value is the level (for the missing level: where the value
        is missing), else 0.0 — as :meth:`Encoding.apply` makes them for the sample.
        """
        from segprofile.analysis.kprototypes import assign_clusters

        enc = self.encoding
        inputs: list[Any] = []
        for column_name in enc.columns:
            source = enc.indicators.get(column_name)
            if source is None:
                inputs.append(column_name)
                continue
            column, level = source
            x = table[column]
            hit = x.isnull() if level is None else (x == level).fill_null(False)
            inputs.append(hit.ifelse(1.0, 0.0).cast("float64"))
        return assign_clusters(self.model, table, inputs, name=name)


def fit_clusters(
    study: Study,
    source: TableLike,
    *,
    sample_key: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[ClusterFit | None, list[str]]:
    """Sample, check the columns, choose k and fit; ``None`` and warnings when impossible.

    ``sample_key``: a unique column to order the sample by (the client id when one row is one
    client); without it, the row number.
    """
    report = progress or (lambda _f, _m: None)
    settings = study.segmentation.clustering
    if not settings.enabled:
        return None, []
    if not settings.features:
        return None, [
            "Кластеризация включена, но признаки для неё не выбраны: выберите их в настройках "
            "кластеризации (или выключите кластеризацию)."
        ]
    features, notes = clustering_features(study, list(source.table.columns))
    total = source.count()
    if total < 2:
        return None, [
            *notes,
            f"Кластеризация не выполнена: в данных {number(total)} строк(а), а для кластеров "
            "нужно хотя бы две различные строки. Загрузите полные данные о клиентах.",
        ]
    report(0.0, "Выборка для кластеризации")
    seed = study.segmentation.random_state
    raw = draw_sample(source, [f.column for f in features], settings.sample_size, seed, sample_key)
    prepared = prepare(study, source, features, raw)
    notes += prepared.warnings
    if not prepared.features:
        notes.append(
            "Кластеризация не выполнена: ни один из признаков не пригоден (см. предупреждения "
            "выше). Выберите другие признаки кластеризации."
        )
        return None, notes
    frame = prepared.frame
    distinct = len(frame.drop_duplicates())
    if distinct < 2:
        notes.append(
            "Кластеризация не выполнена: все строки выборки одинаковы по признакам "
            "кластеризации. Добавьте признаки, которые различают клиентов."
        )
        return None, notes
    low, high = settings.k_range
    fixed_k = settings.n_clusters
    min_cell = study.segmentation.min_cell
    # Beyond this many clusters some must hold fewer than min_cell clients (and be hidden).
    room = max(2, total // min_cell)
    if high > distinct:
        notes.append(
            f"Различных сочетаний признаков кластеризации только {_fmt(distinct)}: k больше "
            f"этого не имеет смысла, диапазон k сокращён до {min(low, distinct)}–{distinct}. "
            "Добавьте признаки или уменьшите диапазон числа кластеров в настройках сегментации."
        )
        low, high = min(low, distinct), distinct
    if high > room:
        notes.append(
            f"Строк в данных: {_fmt(total)} — больше {room} кластеров, в каждом из которых не "
            f"{fewer(min_cell, 'клиента', 'клиентов')}"
            " (минимальный размер сегмента), из них не составить, а "
            f"меньшие кластеры скрываются: диапазон k сокращён до {min(low, room)}–{room}. "
            "Уменьшите диапазон числа кластеров или загрузите все данные о клиентах."
        )
        low, high = min(low, room), room
    if fixed_k is not None and fixed_k > distinct:
        notes.append(
            f"Задано число кластеров {fixed_k}, но различных сочетаний признаков только "
            f"{_fmt(distinct)}: построено {distinct}. Уменьшите число кластеров или "
            "добавьте признаки."
        )
        fixed_k = distinct
    if fixed_k is not None and fixed_k > room:
        notes.append(
            f"Задано число кластеров {fixed_k}, но строк в данных {_fmt(total)}: при "
            f"минимальном размере сегмента {min_cell} больше {room} кластеров не показать, "
            f"построено {room}. Уменьшите число кластеров."
        )
        fixed_k = room
    # scikit-learn and numba load only when there is something to cluster.
    from segprofile.analysis.choose_k import (
        FitSettings,
        diagnose,
        fit,
        for_encoding,
        single_thread,
        weak_structure_text,
    )

    fit_settings = FitSettings(
        categorical=prepared.categorical,
        gamma=settings.gamma if settings.gamma is not None else "balanced",
        init=settings.init.value,
        n_init=settings.n_init,
        random_state=seed,
    )
    report(0.1, "Подбор числа кластеров")
    diagnostics = diagnose(frame, fit_settings, (low, high), fixed_k=fixed_k)
    choice = diagnostics.choice
    enc = diagnostics.encoding
    if choice.weak:
        notes.append(weak_structure_text(choice.weak_reason))
    final = for_encoding(
        replace(
            fit_settings,
            gamma=settings.gamma if settings.gamma is not None else diagnostics.gamma,
        ),
        enc,
    )
    report(0.6, "Кластеризация выборки")
    data = enc.apply(frame)
    if len(frame) <= SMALL_SAMPLE:
        with single_thread():
            fitted = fit(final, data, choice.chosen_k)
    else:
        fitted = fit(final, data, choice.chosen_k)
    notes += list(dict.fromkeys(_russian_fit_warning(m) for m in fitted.warnings))
    return ClusterFit(fitted.model, prepared, choice, total, notes, enc), notes


def cluster_profile(
    study: Study,
    source: TableLike,
    by_feature: ByFeatureResult,
    *,
    id_column: str | None = None,
    sample_key: str | None = None,
    linked: personas.LinkedSources | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[ClusterResult | None, list[str]]:
    """Clusters of the client table (M-4) with portraits; ``None`` and warnings when impossible.

    ``id_column``: count distinct clients per cluster. ``sample_key``: see :func:`fit_clusters`.
    ``linked``: the survey and complaints linked to the records by the client's pseudonym, for
    the personas (:mod:`segprofile.analysis.personas`).
    """
    report = progress or (lambda _f, _m: None)
    cf, notes = fit_clusters(study, source, sample_key=sample_key, progress=report)
    if cf is None:
        return None, notes
    model, prepared, settings = cf.model, cf.prepared, study.segmentation.clustering
    report(0.75, "Отнесение всех строк к кластерам")
    # Every row is labelled once, into a temporary table of the engine, dropped after the
    # counts: the label's expression (the distance to each centroid) is large, and each query
    # that repeated it paid seconds of planning and a scan's arithmetic again.
    with cf.assign(source.table, _LABEL).cache() as labelled:
        counted = _aggregate(
            study,
            _Labelled(labelled, source.count),
            by_feature,
            cf,
            id_column=id_column,
            linked=linked,
        )
    notes += counted.warnings
    report(1.0, "")
    result = ClusterResult(
        features=[f.id for f in prepared.features],
        feature_labels=[f.label for f in prepared.features],
        k=cf.choice.chosen_k,
        gamma=float(model.gamma_),
        init=settings.init.value,
        n_init=settings.n_init,
        sample_size=len(prepared.frame),
        total_rows=cf.total,
        random_state=study.segmentation.random_state,
        choice=cf.choice,
        clusters=counted.clusters,
        crosstabs=counted.crosstabs,
        vulnerable=counted.vulnerable,
        unmatched_edits=counted.unmatched,
        match_threshold=portraits.MATCH_THRESHOLD,
        warnings=notes,
    )
    return result, notes


@dataclass
class _Counted:
    clusters: list[ClusterStats]
    crosstabs: list[ClusterCrosstab]
    vulnerable: list[VulnerableGroupRow]
    unmatched: list[UnmatchedPortraitEdit]
    warnings: list[str] = field(default_factory=list)


def _num(value: Any) -> float:
    """Aggregates over empty groups come back as None or NaN: both mean zero here."""
    if value is None:
        return 0.0
    number = float(value)
    return 0.0 if math.isnan(number) else number


@dataclass
class GroupTable:
    """Counts per group (a cluster, or in/out of a segment) computed in two engine scans."""

    rows: dict[int, dict[str, Any]]
    values: dict[int, dict[str, dict[str, int]]]
    everyone: portraits.GroupCounts
    features: list[Feature]
    numeric: list[Feature]
    vulnerable: list[Feature]
    bins: dict[str, Any]
    has_clients: bool

    def label(self, feature: Feature, code: str) -> str:
        return segment_label(feature, code, self.bins.get(feature.id))

    def trait_features(self) -> list[Feature]:
        """Features with few enough values to be traits (and crosstab columns)."""
        return [
            f for f in self.features if len(self.everyone.values.get(f.id, {})) <= CUBE_MAX_LEVELS
        ]

    def group(self, c: int, key: str, study: Study) -> portraits.GroupCounts:
        r = self.rows[c]
        return portraits.GroupCounts(
            key=key,
            capacity=int(r["capacity"]),
            satisfaction=_stats(r, study),
            values=self.values.get(c, {}),
            means={
                f.id: _num(r.get(f"s_{i}")) / cnt if (cnt := _num(r.get(f"n_{i}"))) else None
                for i, f in enumerate(self.numeric)
            },
        )


def count_groups(
    study: Study,
    source: TableLike,
    edges: dict[str, list[float]],
    group: Any,
    *,
    extra_features: list[Feature] | None = None,
    id_column: str | None = None,
    lows: dict[str, float] | None = None,
) -> GroupTable:
    """Capacity, satisfaction, numeric sums and every feature's segment codes, per group.

    ``group`` is an integer Ibis expression over ``source.table`` (a cluster label, or 1/0 for
    in/out of a segment). Features: the one-feature segments' features, the vulnerable-group
    features and ``extra_features``, as long as they live in the client records.
    """
    table = source.table
    records_features = [
        f for f in study.features if _feature_table_ok(study, f) and f.column in table.columns
    ]
    vulnerable = [
        f
        for f in records_features
        if f.source is not None and f.source.kind is FeatureSourceKind.vulnerable_group
    ]
    wanted = (
        {f.id for f in study.segmented_features()}
        | {f.id for f in vulnerable}
        | {f.id for f in extra_features or []}
    )
    coded_features = [f for f in records_features if f.id in wanted]
    numeric = [f for f in coded_features if f.type is FeatureType.numeric]
    extra: dict[str, Any] = {"grp": group}
    for i, feature in enumerate(numeric):
        extra[f"num_{i}"] = table[feature.column].cast("float64")
    coded = code_table(
        study,
        coded_features,
        table,
        edges=dict(edges),
        id_column=id_column,
        extra=extra,
        lows=lows,
    )
    threshold = float(study.segmentation.satisfaction.csat_threshold)
    t = coded.table
    aggs = _aggregates(t, threshold, coded.has_satisfaction, coded.has_clients)
    for i in range(len(numeric)):
        x = t[f"num_{i}"]
        aggs |= {f"n_{i}": x.count(), f"s_{i}": x.sum(), f"q_{i}": (x * x).sum()}
    per_group = pd.DataFrame(execute(t.group_by("grp").aggregate(**aggs)))
    long = t.pivot_longer(s.cols(*coded.columns.values()), names_to="feature", values_to="segment")
    counts = pd.DataFrame(
        execute(long.group_by(["grp", "feature", "segment"]).aggregate(n=long.count()))
    )
    by_column = {name: fid for fid, name in coded.columns.items()}
    rows = {int(r["grp"]): r for r in per_group.to_dict("records")}
    values: dict[int, dict[str, dict[str, int]]] = {c: {} for c in rows}
    for r in counts.to_dict("records"):
        fid = by_column[str(r["feature"])]
        values.setdefault(int(r["grp"]), {}).setdefault(fid, {})[str(r["segment"])] = int(r["n"])
    total = int(sum(int(r["capacity"]) for r in rows.values()))
    everyone_values: dict[str, dict[str, int]] = {}
    for per in values.values():
        for fid, codes in per.items():
            into = everyone_values.setdefault(fid, {})
            for code, n in codes.items():
                into[code] = into.get(code, 0) + n
    sum_keys = [k for k in per_group.columns if k not in ("grp", "clients")]
    sums = {key: float(sum(_num(r.get(key)) for r in rows.values())) for key in sum_keys}
    everyone_row: dict[str, Any] = dict(sums)
    everyone_row["capacity"] = total
    means: dict[str, float | None] = {}
    sds: dict[str, float | None] = {}
    for i, feature in enumerate(numeric):
        cnt, s1, s2 = sums.get(f"n_{i}", 0.0), sums.get(f"s_{i}", 0.0), sums.get(f"q_{i}", 0.0)
        means[feature.id] = s1 / cnt if cnt else None
        var = (s2 - s1 * s1 / cnt) / (cnt - 1) if cnt > 1 else 0.0
        sds[feature.id] = math.sqrt(max(var, 0.0)) if cnt > 1 else None
    everyone = portraits.GroupCounts(
        key="all",
        capacity=total,
        satisfaction=_stats(everyone_row, study),
        values=everyone_values,
        means=means,
        sds=sds,
    )
    return GroupTable(
        rows=rows,
        values=values,
        everyone=everyone,
        features=coded_features,
        numeric=numeric,
        vulnerable=vulnerable,
        bins=dict(coded.bins),
        has_clients=coded.has_clients,
    )


_LABEL = "_sp_cluster"


@dataclass(frozen=True)
class _Labelled:
    """The records with each row's cluster label (column ``_LABEL``), read as a source."""

    table: Any
    _count: Callable[[], int]

    def count(self) -> int:
        return self._count()


def _aggregate(
    study: Study,
    source: TableLike,
    by_feature: ByFeatureResult,
    cf: ClusterFit,
    *,
    id_column: str | None,
    linked: personas.LinkedSources | None = None,
) -> _Counted:
    """Count per cluster (``source`` has each row's label); draft the portraits."""
    model, prepared = cf.model, cf.prepared
    assignment = source.table[_LABEL]
    groups = count_groups(
        study,
        source,
        by_feature.edges,
        assignment,
        extra_features=prepared.features,
        id_column=id_column,
        lows=by_feature.lows,
    )
    rows, values, everyone = groups.rows, groups.values, groups.everyone
    total = everyone.capacity
    label = groups.label
    everyone_values = everyone.values
    trait_features = groups.trait_features()
    defining = {f.id for f in prepared.features}
    min_cell = study.segmentation.min_cell
    # Clusters numbered by size, largest first: cluster=1 is the biggest.
    order = sorted(rows, key=lambda c: (-int(rows[c]["capacity"]), c))
    number_of = {c: i + 1 for i, c in enumerate(order)}
    sample_sizes = np.bincount(
        np.asarray(model.labels_, dtype=np.int64), minlength=int(model.n_clusters)
    )
    members = {c: groups.group(c, f"cluster={number_of[c]}", study) for c in order}
    evidence = personas.gather(
        study,
        source,
        assignment.substitute({c: number_of[c] for c in order}),
        linked,
        {g.key: g for g in members.values()},
        everyone,
        {g.key: f"Кластер {number_of[c]}" for c, g in members.items()},
        edges=by_feature.edges,
    )
    gaps = {c: _missing(members[c], prepared.features) for c in order}
    warnings = [
        _missing_warning(number_of[c], label, share, members[c].capacity, min_cell)
        for c in order
        if members[c].capacity >= min_cell
        for label, share in gaps[c]
    ]
    clusters: list[ClusterStats] = []
    for c in order:
        r = rows[c]
        group = members[c]
        key = group.key
        portrait = portraits.build_portrait(
            study,
            group,
            everyone,
            trait_features,
            label,
            min_count=min_cell,
            defining=defining,
            findings=evidence.findings.get(key, []),
            missing=gaps[c],
        )
        clusters.append(
            ClusterStats(
                key=key,
                number=number_of[c],
                label=portrait.name,
                capacity=group.capacity,
                share=group.capacity / total if total else 0.0,
                satisfaction=group.satisfaction,
                clients=int(r["clients"]) if groups.has_clients else None,
                small=group.capacity < min_cell,
                sample_rows=int(sample_sizes[c]) if c < sample_sizes.size else 0,
                prototype=_prototype(cf, c),
                definition=portrait.definition,
                portrait=portrait,
            )
        )
    cluster_portraits = [cl.portrait for cl in clusters]
    portraits.unique_names(cluster_portraits, [cl.number for cl in clusters])
    unmatched = portraits.apply_edits(cluster_portraits, study.segmentation.portraits)
    for cl in clusters:
        cl.label = cl.portrait.name
    by_cluster = {f"cluster={number_of[c]}": values.get(c, {}) for c in order}
    crosstabs = [
        _crosstab(
            fs.feature_id,
            fs.label,
            [(seg.key, seg.value, seg.label) for seg in fs.segments],
            clusters,
            by_cluster,
        )
        for fs in by_feature.features
        if len(fs.segments) <= CUBE_MAX_LEVELS
    ]
    vulnerable_rows = [
        row
        for feature in groups.vulnerable
        for row in _vulnerable(feature, everyone_values, clusters, by_cluster, groups.bins, label)
    ]
    return _Counted(
        clusters=clusters,
        crosstabs=crosstabs,
        vulnerable=vulnerable_rows,
        unmatched=unmatched,
        warnings=evidence.warnings + warnings,
    )


#: A cluster whose members lack a clustering feature this often is named and warned about.
MOSTLY_MISSING = 0.5


def _missing(group: portraits.GroupCounts, features: list[Feature]) -> list[tuple[str, float]]:
    """(feature label, share) of the clustering features most of the group has no value of."""
    out = []
    for feature in features:
        n = group.values.get(feature.id, {}).get(MISSING_CODE, 0)
        share = n / group.capacity if group.capacity else 0.0
        if share >= MOSTLY_MISSING:
            out.append((feature.label, share))
    return sorted(out, key=lambda item: -item[1])


def _missing_warning(number: int, label: str, share: float, capacity: int, min_cell: int) -> str:
    count = round(share * capacity)
    if count == capacity:
        what = f"значения признака «{label}» нет ни у одного его клиента"
    elif capacity - count < min_cell:
        what = f"значения признака «{label}» почти ни у кого из его клиентов нет"
    else:
        what = f"значение признака «{label}» есть лишь у {percent(1 - share)} его клиентов"
    return (
        f"Кластер {number}: {what}, так что кластер собран "
        "скорее по пропускам в выгрузке, чем по сходству клиентов. Проверьте, почему столбец "
        "пуст, и заполните его — или не включайте признак в кластеризацию."
    )


def _prototype(cf: ClusterFit, c: int) -> dict[str, str | float | None]:
    """The centroid of engine cluster ``c``: feature id → number, or code of the mode (under
    the one-hot method: of the level with the largest share in the cluster)."""
    model, enc = cf.model, cf.encoding
    out: dict[str, str | float | None] = {}
    position = {name: j for j, name in enumerate(enc.columns)}
    num_index = {int(j): i for i, j in enumerate(model.numeric_features_)}
    cat_index = {int(j): i for i, j in enumerate(model.categorical_features_)}
    shares: dict[str, list[tuple[float, Any]]] = {}
    for name, (column, level) in enc.indicators.items():
        share = float(model.numeric_centroids_[c, num_index[position[name]]])
        shares.setdefault(column, []).append((share, level))
    for feature in cf.prepared.features:
        if feature.column in shares:
            _share, level = max(shares[feature.column], key=lambda item: item[0])
            out[feature.id] = _code_of(level, feature)
            continue
        j = position[feature.column]
        if j in num_index:
            out[feature.id] = _code_of(model.numeric_centroids_[c, num_index[j]], feature)
        elif j in cat_index:
            out[feature.id] = _code_of(model.categorical_centroids_[c, cat_index[j]], feature)
    return out


def _crosstab(
    feature_id: str,
    feature_label: str,
    segments: list[tuple[str, str, str]],
    clusters: list[ClusterStats],
    by_cluster: dict[str, dict[str, dict[str, int]]],
) -> ClusterCrosstab:
    """Clusters × the one-feature segments of one feature."""
    seg_totals = {
        code: sum(by_cluster[cl.key].get(feature_id, {}).get(code, 0) for cl in clusters)
        for _, code, _ in segments
    }
    cells = []
    for cl in clusters:
        counts = by_cluster[cl.key].get(feature_id, {})
        for key, code, _ in segments:
            n = counts.get(code, 0)
            cells.append(
                ClusterCrossCell(
                    cluster=cl.key,
                    segment=key,
                    count=n,
                    share_of_cluster=n / cl.capacity if cl.capacity else 0.0,
                    share_of_segment=n / seg_totals[code] if seg_totals[code] else 0.0,
                )
            )
    return ClusterCrosstab(
        feature_id=feature_id,
        feature_label=feature_label,
        segments=[key for key, _, _ in segments],
        segment_labels=[lab for _, _, lab in segments],
        cells=cells,
    )


def _vulnerable(
    feature: Feature,
    everyone_values: dict[str, dict[str, int]],
    clusters: list[ClusterStats],
    by_cluster: dict[str, dict[str, dict[str, int]]],
    bins: dict[str, Any],
    label: Callable[[Feature, str], str],
) -> list[VulnerableGroupRow]:
    """Every value of a vulnerable-group feature, spread across the clusters."""
    totals = everyone_values.get(feature.id, {})
    codes = order_codes(feature, list(totals), totals, bins.get(feature.id))
    rows = []
    for code in codes:
        total = totals[code]
        cells = []
        for cl in clusters:
            n = by_cluster[cl.key].get(feature.id, {}).get(code, 0)
            cells.append(
                VulnerableCell(
                    cluster=cl.key,
                    count=n,
                    share_of_group=n / total if total else 0.0,
                    share_of_cluster=n / cl.capacity if cl.capacity else 0.0,
                )
            )
        rows.append(
            VulnerableGroupRow(
                feature_id=feature.id,
                feature_label=feature.label,
                segment=f"{feature.id}={code}",
                value=code,
                label=label(feature, code),
                total=total,
                cells=cells,
            )
        )
    return rows


def segment_portrait(
    study: Study,
    source: TableLike,
    segment_key: str,
    *,
    edges: dict[str, list[float]] | None = None,
    id_column: str | None = None,
) -> Portrait:
    """The portrait of a one-feature segment «признак=значение» (on request), with team edits.

    Raises :class:`InputError` for an unknown feature or a value with no clients.
    """
    fid, sep, code = segment_key.partition("=")
    if not sep or not code:
        raise InputError(
            f"Ключ сегмента «{segment_key}» задан неверно.",
            hint="укажите сегмент как «признак=значение», например channel=mfc.",
        )
    try:
        feature = study.feature(fid)
    except KeyError:
        known = ", ".join(f.id for f in study.features)
        raise InputError(
            f"Признак «{fid}» не найден в исследовании.", hint=f"известные признаки: {known}."
        ) from None
    if not _feature_table_ok(study, feature) or feature.column not in source.table.columns:
        raise InputError(
            f"Столбца «{feature.column}» признака «{fid}» нет в данных о клиентах.",
            hint="портрет строится по данным о клиентах; выберите для признака столбец, который "
            "есть в данных.",
        )
    known_edges = dict(edges or {})
    lows: dict[str, float] = {}
    if feature.type is FeatureType.numeric and feature.id not in known_edges:
        found, lows = quantile_cuts(
            [feature], source.table, min_cell=study.segmentation.min_cell, id_column=id_column
        )
        known_edges |= found
    expr, _ = segment_code(feature, source.table, known_edges.get(feature.id))
    groups = count_groups(
        study,
        source,
        known_edges,
        ibis.ifelse(expr == code, 1, 0),
        extra_features=[feature],
        id_column=id_column,
        lows=lows,
    )
    if 1 not in groups.rows:
        raise InputError(
            f"В сегменте «{segment_key}» нет ни одного клиента.",
            hint="проверьте значение: оно пишется так же, как в таблице сегментов по признаку.",
        )
    group = groups.group(1, segment_key, study)
    share_in = group.capacity / groups.everyone.capacity if groups.everyone.capacity else 0.0
    own = PortraitTrait(
        kind="categorical",
        feature_id=feature.id,
        feature_label=feature.label,
        value=code,
        label=groups.label(feature, code),
        share_in_segment=1.0,
        share_overall=share_in,
        lift=1.0 / share_in if share_in else None,
        text=f"{feature.label}: {groups.label(feature, code)}",
    )
    others = [f for f in groups.trait_features() if f.id != feature.id]
    pains = personas.satisfaction_pains(
        study, {segment_key: group.satisfaction}, groups.everyone.satisfaction
    )
    portrait = portraits.build_portrait(
        study,
        group,
        groups.everyone,
        others,
        groups.label,
        min_count=study.segmentation.min_cell,
        own=own,
        own_feature=feature,
        findings=[
            *pains.findings.get(segment_key, []),
            *personas.interview_findings(study, group),
        ],
    )
    portraits.apply_edits([portrait], study.segmentation.portraits)
    return portrait
