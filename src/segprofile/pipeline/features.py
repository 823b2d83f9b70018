"""Features (M-3) edited against the data: the columns a feature may be built on, a column's
values, a live preview of a feature's segments, and what else in the study names a feature.

Only what the disclosure rule allows leaves the engine: a value is shown only when at least
``min_cell`` rows have it, never a value of a column the import pseudonymised, generalised,
masked or kept as personal data; sizes are live counts (rounded, bounds under ``min_cell``).
What the analyst types (a value to name, thresholds) is answered alike whether no row or a few
rows have it: the forms are no way to learn that a rare value exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from segprofile.errors import DocumentError, InputError
from segprofile.model.format import number
from segprofile.model.ids import identifier_from
from segprofile.model.labels import merged_codes
from segprofile.model.study import DataSource, Feature, FeatureType, Study
from segprofile.pipeline.data_in import list_dataset_versions, open_dataset
from segprofile.pipeline.workspace import Workspace

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segprofile.analysis.by_feature import Bins
    from segprofile.data.datasets import Manifest

#: Example values shown beside a column.
EXAMPLES = 3
#: Values of a column offered for Russian names (the most frequent first).
MAX_VALUES = 40
#: Segments listed in a preview.
MAX_PREVIEW = 30

#: The kinds of the import's column profile that suggest a feature's type.
_FEATURE_TYPES = {
    "categorical": FeatureType.categorical,
    "numeric": FeatureType.numeric,
    "boolean": FeatureType.boolean,
}
#: Column kinds whose values are never shown (free texts, identifiers).
_NO_VALUES = {"identifier", "text"}


@dataclass(frozen=True)
class FeatureColumn:
    """One column of the imported client records, as the feature form offers it."""

    name: str
    kind: str  # the import's column type (schema.ColumnType value)
    kind_label: str
    feature_type: FeatureType  # the type a feature on it starts with
    examples: list[str] = field(default_factory=list)
    #: Why no values are shown, when they are not: «заменён псевдонимом», «удалён при импорте»…
    protected: str = ""
    dropped: bool = False  # not in the data: offered for information, never chosen

    @property
    def usable(self) -> bool:
        return not self.dropped


@dataclass(frozen=True)
class FeatureColumns:
    """The columns of the client records' latest imported version (``version`` None: none)."""

    source: DataSource | None
    version: int | None
    rows: int
    columns: list[FeatureColumn]

    @property
    def names(self) -> set[str]:
        return {c.name for c in self.columns if c.usable}

    def get(self, name: str) -> FeatureColumn | None:
        return next((c for c in self.columns if c.name == name and c.usable), None)


@dataclass(frozen=True)
class ValueCount:
    """A category value of a column that at least ``min_cell`` rows have (count not shown)."""

    code: str


@dataclass(frozen=True)
class PreviewSegment:
    label: str
    size: str  # a live count: «около 1 230 из 3 000 (41,0 %)», «меньше 5 из 3 000»
    missing_value: bool = False


@dataclass(frozen=True)
class FeaturePreview:
    """The segments a feature would make on the imported data, with their sizes."""

    segments: list[PreviewSegment]
    binning: str  # the thresholds used, in words («пороги: 25; 35; 45»), or ""
    total: int
    #: Values of the column fewer than ``min_cell`` rows have (never named unless the analyst
    #: typed and named them; counted whatever was typed).
    rare: int = 0
    #: Segments past :data:`MAX_PREVIEW`, not listed.
    more: int = 0


def _records(study: Study, feature: Feature | None = None) -> DataSource | None:
    if feature is not None and feature.data_source is not None:
        return next((s for s in study.data_sources if s.id == feature.data_source), None)
    return study.client_records()


def _latest(ws: Workspace, study: Study, source: DataSource | None) -> Manifest | None:
    if source is None:
        return None
    versions = list_dataset_versions(ws, study.id, source.id)
    return versions[-1] if versions else None


def _protected(column: dict[str, Any]) -> str:
    action = column.get("pii_action")
    if action == "pseudonymise":
        return "заменён псевдонимом при импорте"
    if action == "generalise":
        return "обобщён при импорте (персональные данные)"
    if column.get("pii_kind"):
        return "персональные данные"
    if column.get("masked"):
        return "текст с замаскированными персональными данными"
    if column.get("type") in _NO_VALUES:
        return "значения не показываются: " + str(column.get("type_label") or "")
    return ""


def _stub(name: str) -> Feature:
    return Feature(id="column", column=name, label=name, type=FeatureType.categorical)


def _frequent(table: ir.Table, name: str, min_cell: int, limit: int) -> list[str]:
    """Values of ``name`` that at least ``min_cell`` rows have, the most frequent first, as
    segment codes (the keys of ``value_labels``)."""
    from segprofile.analysis.by_feature import MISSING_CODE, segment_code
    from segprofile.data.engine import execute

    code, _ = segment_code(_stub(name), table)
    codes = table.select(code=code)
    counts = codes.group_by("code").aggregate(n=codes.count())
    counts = counts.filter(counts.n >= min_cell).order_by([counts.n.desc(), counts.code])
    frame = execute(counts.limit(limit + 1))
    return [str(v) for v in frame["code"] if str(v) != MISSING_CODE][:limit]


def feature_columns(ws: Workspace, study: Study, *, examples: int = EXAMPLES) -> FeatureColumns:
    """The columns a feature may be built on: those of the client records' latest imported
    version, each with its kind and up to ``examples`` values that at least ``min_cell`` rows
    have. Columns the import protected are listed without values, marked why; dropped ones are
    listed as not in the data."""
    source = _records(study)
    manifest = _latest(ws, study, source)
    if source is None or manifest is None:
        return FeatureColumns(source=source, version=None, rows=0, columns=[])
    min_cell = study.segmentation.min_cell
    out: list[FeatureColumn] = []
    with ws.connect() as eng:
        table = open_dataset(ws, eng, study, source.id, version=manifest.version).table
        for column in manifest.columns:
            name = str(column["name"])
            kind = str(column.get("type") or "categorical")
            protected = _protected(column)
            values = [] if protected else _frequent(table, name, min_cell, examples)
            out.append(
                FeatureColumn(
                    name=name,
                    kind=kind,
                    kind_label=str(column.get("type_label") or kind),
                    feature_type=_FEATURE_TYPES.get(kind, FeatureType.categorical),
                    examples=values,
                    protected=protected,
                )
            )
    for finding in manifest.pii:
        if finding.get("action") == "drop":
            out.append(
                FeatureColumn(
                    name=str(finding["column"]),
                    kind="",
                    kind_label="",
                    feature_type=FeatureType.categorical,
                    protected="удалён при импорте (персональные данные)",
                    dropped=True,
                )
            )
    return FeatureColumns(source=source, version=manifest.version, rows=manifest.rows, columns=out)


def column_values(
    ws: Workspace, study: Study, column: str, *, limit: int = MAX_VALUES
) -> list[ValueCount]:
    """The values of ``column`` that may be given Russian names: those at least ``min_cell``
    rows have, the most frequent first (none for a protected column or without imported data).
    """
    source = _records(study)
    manifest = _latest(ws, study, source)
    if source is None or manifest is None:
        return []
    entry = next((c for c in manifest.columns if c.get("name") == column), None)
    if entry is None or _protected(entry):
        return []
    with ws.connect() as eng:
        table = open_dataset(ws, eng, study, source.id, version=manifest.version).table
        codes = _frequent(table, column, study.segmentation.min_cell, limit)
    return [ValueCount(code=c) for c in codes]


def missing_columns(ws: Workspace, study: Study) -> dict[str, str]:
    """Features whose column is not in their source's latest imported version: feature id →
    column. Features of a source without an imported version are not judged."""
    out: dict[str, str] = {}
    names: dict[str, set[str] | None] = {}
    for feature in study.features:
        source = _records(study, feature)
        if source is None:
            continue
        if source.id not in names:
            manifest = _latest(ws, study, source)
            names[source.id] = (
                {str(c["name"]) for c in manifest.columns} if manifest is not None else None
            )
        known = names[source.id]
        if known is not None and feature.column not in known:
            out[feature.id] = feature.column
    return out


def _all_merged(feature: Feature, present: list[str]) -> str | None:
    """The label that makes every present value one segment, if one does."""
    if len(present) < 2 or not all(code in feature.value_labels for code in present):
        return None
    merged = merged_codes(feature)
    targets = {merged.get(code, code) for code in present}
    return feature.value_labels[targets.pop()] if len(targets) == 1 else None


def check_value_labels(ws: Workspace, study: Study, feature: Feature, *, path: str = "") -> None:
    """Refuse value names that merge every value at least ``min_cell`` rows have into one
    segment (such a feature divides almost no one). Rarer values are not judged: the answer
    must not tell whether a value the analyst typed is in the data. ``path`` is where the
    problem is reported (a :class:`DocumentError`); without imported data nothing is checked."""
    if feature.type is FeatureType.numeric or not merged_codes(feature):
        return
    source = _records(study, feature)
    manifest = _latest(ws, study, source)
    if source is None or manifest is None:
        return
    if not any(c.get("name") == feature.column for c in manifest.columns):
        return
    min_cell = study.segmentation.min_cell
    with ws.connect() as eng:
        table = open_dataset(ws, eng, study, source.id, version=manifest.version).table
        present = _frequent(table, feature.column, min_cell, MAX_VALUES * 10)
    label = _all_merged(feature, sorted(present))
    if label is not None:
        raise DocumentError(
            "форма",
            [
                (
                    path,
                    None,
                    f"название «{label}» дано всем значениям столбца «{feature.column}», "
                    f"которые есть хотя бы у {number(min_cell)} клиентов: признак слил бы "
                    "почти всех клиентов в один сегмент и никого не различал бы. "
                    "Дайте разные названия хотя бы двум из этих значений.",
                )
            ],
        )


def _preview_counts(
    table: ir.Table, feature: Feature, min_cell: int
) -> tuple[dict[str, int], int, int, Bins | None]:
    """What a preview counts: segment code → the rows counted for it, for every segment it
    lists (every value the analyst named and every interval, whatever its size; any other
    segment that at least ``min_cell`` rows have); the column's values fewer than ``min_cell``
    rows have; all rows; a number's intervals.

    A value fewer than ``min_cell`` rows have adds nothing to its segment unless the values
    named alike with it reach ``min_cell`` together. So a value or a threshold the analyst types
    gets one answer whether no row or a few rows have it: its segment is listed and reads
    «менее N», and no other figure moves (otherwise the form would tell that a value exists).
    """
    import ibis

    from segprofile.analysis.by_feature import MISSING_CODE, quantile_cuts, segment_code
    from segprofile.data.engine import execute

    # Intervals named as the profile names them: from 0 where at least min_cell rows have 0.
    edges, lows = quantile_cuts([feature], table, min_cell=min_cell)
    code, bins = segment_code(feature, table, edges.get(feature.id), lows.get(feature.id))
    value = code if bins is not None else segment_code(_stub(feature.column), table)[0]
    pairs = table.select(value=value, code=code)
    values = pairs.group_by(["value", "code"]).aggregate(n=pairs.count())
    few = values.n < min_cell
    totals = execute(
        values.aggregate(
            total=values.n.sum(),
            rare=ibis.ifelse(few & (values.value != MISSING_CODE), 1, 0).sum(),
        )
    ).iloc[0]
    groups = values.group_by("code").aggregate(
        common=values.n.sum(where=~few), few=values.n.sum(where=few)
    )
    together = groups.few.fill_null(0)
    groups = groups.select(
        "code", n=groups.common.fill_null(0) + ibis.ifelse(together >= min_cell, together, 0)
    )
    if bins is not None:
        named = set(bins.codes)
    else:
        merged = merged_codes(feature)
        named = {merged.get(c, c) for c in feature.value_labels}
    named.discard(MISSING_CODE)  # «Нет данных» is listed as any other: when large enough
    keep = groups.n >= min_cell
    if named:
        keep |= groups.code.isin(sorted(named))
    frame = execute(groups.filter(keep))
    counts = dict.fromkeys(named, 0)
    counts |= {str(c): int(n) for c, n in zip(frame["code"], frame["n"], strict=True)}
    rare = _whole(totals["rare"]) if bins is None else 0
    return counts, rare, _whole(totals["total"]), bins


def _whole(value: Any) -> int:
    """A sum the engine gives back, None or NaN over no rows: 0 then."""
    return 0 if value is None or value != value else int(value)


def preview_feature(ws: Workspace, study: Study, feature: Feature) -> FeaturePreview:
    """The segments ``feature`` makes on the latest imported data, with their sizes as live
    counts (rounded; under ``min_cell`` only a bound; see :func:`_preview_counts` for what is
    counted). Raises :class:`InputError` without imported data, for a column not in the data,
    or for value names merging every value."""
    from segprofile.analysis.by_feature import (
        MISSING_CODE,
        binning_text,
        order_codes,
        segment_label,
    )
    from segprofile.analysis.suppression import live_count

    source = _records(study, feature)
    manifest = _latest(ws, study, source)
    if source is None or manifest is None:
        raise InputError(
            "Данные о клиентах ещё не загружены: показать сегменты не на чем.",
            hint="загрузите данные на странице «Данные».",
        )
    if not any(c.get("name") == feature.column for c in manifest.columns):
        raise InputError(
            f"Столбца «{feature.column}» нет в загруженных данных (версия {manifest.version}).",
            hint="выберите другой столбец.",
        )
    check_value_labels(ws, study, feature)
    min_cell = study.segmentation.min_cell
    with ws.connect() as eng:
        table = open_dataset(ws, eng, study, source.id, version=manifest.version).table
        counts, rare, total, bins = _preview_counts(table, feature, min_cell)
    codes = order_codes(feature, list(counts), counts, bins)
    segments = [
        PreviewSegment(
            label=segment_label(feature, code, bins),
            size=live_count(counts[code], total, min_cell).text,
            missing_value=code == MISSING_CODE,
        )
        for code in codes[:MAX_PREVIEW]
    ]
    return FeaturePreview(
        segments=segments,
        binning=binning_text(feature, bins),
        total=total,
        rare=rare,
        more=max(0, len(codes) - MAX_PREVIEW),
    )


def feature_references(study: Study, feature_id: str) -> list[str]:
    """Where else the study names ``feature_id``, in words (for the message on deletion)."""
    seg = study.segmentation
    out: list[str] = []
    if feature_id in seg.clustering.features:
        out.append("признаки кластеризации")
    if feature_id in seg.by_feature.features:
        out.append("признаки сегментации по одному признаку")
    pairs = [p for p in seg.by_feature.pairs if feature_id in p]
    if pairs:
        names = {f.id: f.label for f in study.features}
        out += ["пара «" + " × ".join(names.get(fid, fid) for fid in pair) + "»" for pair in pairs]
    return out


def remove_feature(data: dict[str, Any], feature_id: str) -> None:
    """Remove a feature from a study's JSON data with every reference to it: the clustering
    and by-feature lists and the pairs it is in."""
    data["features"] = [f for f in data.get("features", []) if f.get("id") != feature_id]
    seg = data.setdefault("segmentation", {})
    for part in ("clustering", "by_feature"):
        settings = seg.setdefault(part, {})
        settings["features"] = [f for f in settings.get("features", []) if f != feature_id]
    by_feature = seg["by_feature"]
    by_feature["pairs"] = [p for p in by_feature.get("pairs", []) if feature_id not in p]


def new_feature_id(study: Study, column: str) -> str:
    """An identifier for a new feature on ``column``, unique in the study: the column's name
    in Latin letters («Канал подачи» → ``kanal-podachi``)."""
    return identifier_from(column, {f.id for f in study.features}, fallback="feature")
