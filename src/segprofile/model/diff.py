"""Differences between two states of a study document, in Russian words, and three-way merges.

Both work on the plain data of a document (``Study.model_dump(mode="json")``, what a stored
revision holds) and know its shape: which lists hold items with an identifier (roles,
features, hypotheses, journeys…), what the fields are called in Russian.

- :func:`describe_changes` — «Добавлен признак «Доход»», «Изменено правило отбора роли
  «Заявитель»: «age >= 18» → «age >= 21»»… one sentence per change (M-10: revisions are
  compared in words, not as a raw JSON diff).
- :func:`status_history` — every verdict decision on every hypothesis, from consecutive
  revisions (M-9, M-10: each revision names its author and time).
- :func:`merge_documents` — two edits that began from the same revision: the parts that only
  one side changed are taken from that side; a part both changed differently is a
  :class:`Conflict` (optimistic locking: nothing is silently overwritten). A part is one item
  of an identified list (one role, one feature, one hypothesis…), the order of such a list, or
  one of the other sections (scope, segmentation, priority settings…).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from segprofile.model import labels
from segprofile.model.format import number, plural, shorten
from segprofile.model.study import (
    AidasStage,
    BinningMethod,
    ClientType,
    DataFormat,
    DataSourceKind,
    EvidenceKind,
    Feature,
    FeatureSourceKind,
    FeatureType,
    HypothesisKind,
    HypothesisStatus,
    JourneyKind,
    RecommendationKind,
    RecommendationStatus,
    ResearchMethod,
    ResearchStatus,
    RespondentStatus,
    RoleKind,
    ScopeKind,
)

Path = tuple[str, ...]

_ADDED = {"m": "Добавлен", "f": "Добавлена", "n": "Добавлено", "pl": "Добавлены"}
_REMOVED = {"m": "Удалён", "f": "Удалена", "n": "Удалено", "pl": "Удалены"}
_CHANGED = {"m": "Изменён", "f": "Изменена", "n": "Изменено", "pl": "Изменены"}
_SET = {"m": "Задан", "f": "Задана", "n": "Задано", "pl": "Заданы"}
_CLEARED = {"m": "Очищен", "f": "Очищена", "n": "Очищено", "pl": "Очищены"}


@dataclass(frozen=True)
class ItemKind:
    """An identified list of the document: its item in Russian and how an item is named."""

    noun: str
    genitive: str
    plural_genitive: str
    gender: str
    key: str = "id"
    title: str = "title"
    numbered: bool = False
    """Pages number the items («гипотеза № 3»): sentences name them by number too."""


#: The lists whose items carry an identifier, by their path in the document.
KEYED: dict[Path, ItemKind] = {
    ("scope", "legal_acts"): ItemKind("НПА", "НПА", "НПА", "m"),
    ("roles",): ItemKind("роль", "роли", "ролей", "f"),
    ("data_sources",): ItemKind("источник данных", "источника данных", "источников данных", "m"),
    ("features",): ItemKind("признак", "признака", "признаков", "m", title="label"),
    ("segment_notes",): ItemKind(
        "отметка сегмента", "отметки сегмента", "отметок сегментов", "f", "segment", "segment"
    ),
    ("hypotheses",): ItemKind(
        "гипотеза", "гипотезы", "гипотез", "f", title="statement", numbered=True
    ),
    ("research", "activities"): ItemKind("исследование", "исследования", "исследований", "n"),
    ("journeys",): ItemKind("путь", "пути", "путей", "m"),
    ("recommendations",): ItemKind("рекомендация", "рекомендации", "рекомендаций", "f"),
    ("topic_labels",): ItemKind(
        "название темы", "названия темы", "названий тем", "n", title="name"
    ),
}

#: Identified lists inside an item: the steps of a journey.
NESTED: dict[tuple[Path, str], ItemKind] = {
    (("journeys",), "steps"): ItemKind("шаг", "шага", "шагов", "m"),
    # Named by the segment they stand for, never by pseudonym: the history is every reader's,
    # the people of an activity are its editors' working list.
    (("research", "activities"), "respondents"): ItemKind(
        "респондент", "респондента", "респондентов", "m", title="segment"
    ),
}

#: Identified lists inside an item that are merged item by item as well (their own parts): two
#: people marking different respondents of one research activity both succeed; the same
#: respondent changed by both is a conflict. (A journey's steps stay with their journey: its
#: editor saves the whole journey at once.)
SPLIT: dict[tuple[Path, str], ItemKind] = {
    key: kind for key, kind in NESTED.items() if key[1] == "respondents"
}

#: Sections of the document that are one part each (besides the identified lists in them).
SECTIONS: dict[str, tuple[str, str]] = {
    "schema_version": ("версия схемы", "f"),
    "id": ("идентификатор исследования", "m"),
    "title": ("название исследования", "n"),
    "scope": ("объект профилирования", "m"),
    "requisites": ("реквизиты документа", "pl"),
    "segmentation": ("настройки сегментации", "pl"),
    "priority": ("настройки приоритетов", "pl"),
    "hunt_ladder": ("лестница Ханта", "f"),
    "service_levels": ("лестница уровней сервиса", "f"),
    "research": ("параметры исследований", "pl"),
}

#: Russian names of fields (the last keys of a path; a longer suffix wins), with gender.
FIELDS: dict[Path, tuple[str, str]] = {
    ("title",): ("название", "n"),
    ("label",): ("подпись", "f"),
    ("description",): ("описание", "n"),
    ("kind",): ("вид", "m"),
    ("body",): ("орган власти", "m"),
    ("client_types",): ("типы клиентов", "pl"),
    ("reference",): ("ссылка", "f"),
    ("audience",): ("аудитория", "f"),
    ("audience", "description"): ("описание аудитории", "n"),
    ("audience", "eligibility_rule"): ("правило отбора", "n"),
    ("audience", "legal_basis"): ("правовые основания", "pl"),
    ("audience", "population_source"): ("источник численности", "m"),
    ("path",): ("путь к файлу", "m"),
    ("format",): ("формат", "m"),
    ("id_column",): ("столбец идентификатора", "m"),
    ("date_column",): ("столбец даты", "m"),
    ("count_column",): ("столбец количества", "m"),
    ("columns",): ("решения по столбцам", "pl"),
    ("keep_original",): ("хранение исходного файла", "n"),
    ("sample_fraction",): ("доля выборки", "f"),
    ("column",): ("столбец", "m"),
    ("type",): ("тип", "m"),
    ("source",): ("источник", "m"),
    ("source", "kind"): ("вид источника", "m"),
    ("source", "reference"): ("обоснование", "n"),
    ("binning",): ("разбиение", "n"),
    ("binning", "method"): ("способ разбиения", "m"),
    ("binning", "thresholds"): ("пороги", "pl"),
    ("binning", "n_bins"): ("число интервалов", "n"),
    ("binning", "labels"): ("подписи интервалов", "pl"),
    ("binning", "unit"): ("единица измерения", "f"),
    ("value_labels",): ("подписи значений", "pl"),
    ("data_source",): ("таблица данных", "f"),
    ("segment",): ("сегмент", "m"),
    ("sponsor_focus",): ("фокус заказчика", "m"),
    ("reason",): ("причина", "f"),
    ("notes",): ("заметки", "pl"),
    ("statement",): ("формулировка", "f"),
    ("segments",): ("сегменты", "pl"),
    ("need",): ("потребность", "f"),
    ("hunt_stage",): ("ступень лестницы Ханта", "f"),
    ("aidas_stage",): ("этап AIDAS", "m"),
    ("journey_step",): ("шаг пути", "m"),
    ("status",): ("статус", "m"),
    ("evidence",): ("свидетельства", "pl"),
    ("verdict_reason",): ("обоснование вывода", "n"),
    ("method",): ("метод", "m"),
    ("hypotheses",): ("гипотезы", "pl"),
    ("target_respondents",): ("число респондентов", "n"),
    ("targets",): ("цели по сегментам", "pl"),
    ("respondents",): ("респонденты", "pl"),
    ("note",): ("заметка", "f"),
    ("steps",): ("шаги", "pl"),
    ("role",): ("роль", "f"),
    ("channel",): ("канал", "m"),
    ("service_level",): ("уровень сервиса", "m"),
    ("duration_days",): ("срок, дней", "m"),
    ("client_minutes",): ("время клиента, минут", "n"),
    ("documents",): ("документы клиента", "pl"),
    ("data_obtained",): ("сведения, получаемые ведомством", "pl"),
    ("pains",): ("проблемы", "pl"),
    ("physical_evidence",): ("материальные свидетельства", "pl"),
    ("front_stage",): ("видимая часть", "f"),
    ("back_stage",): ("скрытая часть", "f"),
    ("support_processes",): ("поддерживающие процессы", "pl"),
    ("problems",): ("решаемые проблемы", "pl"),
    ("journey",): ("целевой путь", "m"),
    ("journey_change",): ("изменение пути", "n"),
    ("owner",): ("ответственный", "m"),
    ("due_date",): ("срок выполнения", "m"),
    ("organisation",): ("организация", "f"),
    ("unit",): ("подразделение", "n"),
    ("document_title",): ("заголовок документа", "m"),
    ("document_number",): ("номер документа", "m"),
    ("document_date",): ("дата документа", "f"),
    ("place",): ("место составления", "n"),
    ("approver",): ("утверждающий", "m"),
    ("executor",): ("исполнитель", "m"),
    ("approver", "name"): ("утверждающий", "m"),
    ("executor", "name"): ("исполнитель", "m"),
    ("position",): ("должность", "f"),
    ("contacts",): ("контакты", "pl"),
    ("suggested",): ("предложена программой", "n"),
    ("enabled",): ("использование", "n"),
    ("by_feature", "enabled"): ("использование сегментации по признакам", "n"),
    ("clustering", "enabled"): ("использование кластеризации", "n"),
    ("by_feature", "features"): ("признаки сегментации", "pl"),
    ("clustering", "features"): ("признаки кластеризации", "pl"),
    ("features",): ("признаки", "pl"),
    ("pairs",): ("пары признаков", "pl"),
    ("n_clusters",): ("число кластеров", "n"),
    ("k_range",): ("диапазон числа кластеров", "m"),
    ("gamma",): ("вес категориальных признаков (gamma)", "m"),
    ("init",): ("начальные центры", "pl"),
    ("n_init",): ("число запусков", "n"),
    ("sample_size",): ("размер выборки", "m"),
    ("scale_min",): ("нижняя граница шкалы", "f"),
    ("scale_max",): ("верхняя граница шкалы", "f"),
    ("csat_threshold",): ("порог «довольны»", "m"),
    ("confidence",): ("доверительная вероятность", "f"),
    ("min_cell",): ("минимальный размер сегмента", "m"),
    ("allow_small_cells",): ("показ малых сегментов", "m"),
    ("random_state",): ("начальное значение генератора", "n"),
    ("by_feature",): ("сегментация по признакам", "f"),
    ("clustering",): ("кластеризация", "f"),
    ("satisfaction",): ("удовлетворённость", "f"),
    ("satisfaction", "column"): ("столбец оценки удовлетворённости", "m"),
    ("nps_column",): ("столбец вопроса NPS", "m"),
    ("low_satisfaction_csat",): ("порог низкой удовлетворённости", "m"),
    ("when_low",): ("веса при низкой удовлетворённости", "pl"),
    ("when_high",): ("веса при высокой удовлетворённости", "pl"),
    ("capacity",): ("вес ёмкости", "m"),
    ("dissatisfaction",): ("вес неудовлетворённости", "m"),
    ("blind_zone",): ("вес слепой зоны", "m"),
    ("uniqueness",): ("вес уникальности", "m"),
    ("sponsor",): ("вес позиции заказчика", "m"),
    ("high_capacity_share",): ("порог высокой ёмкости", "m"),
    ("large_blind_zone_share",): ("порог большой слепой зоны", "m"),
    ("top",): ("число приоритетных сегментов", "n"),
    ("margin",): ("допустимая погрешность", "f"),
    ("max_interviews_per_person",): ("интервью на одного человека", "pl"),
    ("name",): ("текст", "m"),
    ("topics",): ("объединённые темы", "pl"),
}

#: Enumerations whose values are shown by their Russian names: (list or section, field path).
ENUMS: dict[tuple[str, Path], type[StrEnum]] = {
    ("scope", ("kind",)): ScopeKind,
    ("scope", ("client_types",)): ClientType,
    ("roles", ("kind",)): RoleKind,
    ("data_sources", ("kind",)): DataSourceKind,
    ("data_sources", ("format",)): DataFormat,
    ("features", ("type",)): FeatureType,
    ("features", ("source", "kind")): FeatureSourceKind,
    ("features", ("binning", "method")): BinningMethod,
    ("hypotheses", ("kind",)): HypothesisKind,
    ("hypotheses", ("status",)): HypothesisStatus,
    ("hypotheses", ("aidas_stage",)): AidasStage,
    ("hypotheses", ("evidence", "kind")): EvidenceKind,
    ("activities", ("method",)): ResearchMethod,
    ("activities", ("status",)): ResearchStatus,
    ("respondents", ("status",)): RespondentStatus,
    ("journeys", ("kind",)): JourneyKind,
    ("recommendations", ("kind",)): RecommendationKind,
    ("recommendations", ("status",)): RecommendationStatus,
}

#: Fields whose values are identifiers of other items, by the last keys of their path: which
#: items they name (the sentence shows the item's title, never its identifier).
REFS: dict[Path, str] = {
    ("need",): "hypotheses",
    ("problems",): "hypotheses",
    ("pains",): "hypotheses",
    ("hypotheses",): "hypotheses",
    ("journey",): "journeys",
    ("journey_step",): "steps",
    ("role",): "roles",
    ("data_source",): "data_sources",
    ("population_source",): "data_sources",
    ("segments",): "segments",
    ("segment",): "segments",
    ("features",): "features",
    ("pairs",): "features",
}

_LONG = 80


@dataclass
class Names:
    """How a sentence names the items other items refer to: (kind, identifier) → title, and the
    features that name segments («channel=office» → «Канал подачи: офис»)."""

    items: dict[tuple[str, str], str] = field(default_factory=dict)
    features: list[Feature] = field(default_factory=list)


def item_names(*documents: dict[str, Any] | None) -> Names:
    """The names of the items of ``documents`` (a later one wins) that other items refer to."""
    names = Names()
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        for path, kind in KEYED.items():
            items = _get(doc, path)
            for key, item in _by_key(items if isinstance(items, list) else [], kind).items():
                names.items[(path[-1], key)] = _title(item, kind)
        for journey in doc.get("journeys") or []:
            if not isinstance(journey, dict):
                continue
            for step in journey.get("steps") or []:
                if isinstance(step, dict) and step.get("id"):
                    names.items[("steps", f"{journey.get('id')}.{step['id']}")] = (
                        f"{_short(str(step.get('title') or step['id']))} "
                        f"({_short(str(journey.get('title') or journey.get('id')))})"
                    )
        features = []
        for data in doc.get("features") or []:
            try:
                features.append(Feature.model_validate(data))
            except ValueError:
                continue
        if features:
            names.features = features
    return names


def name_items(document: dict[str, Any], kind: str, ids: Iterable[str]) -> str:
    """Items of ``document`` (plain data) as a revision comment names them: «Заявители не
    знают…», «Сократить срок…» — titles or statements, shortened; ``kind`` is a list of
    :data:`KEYED` («hypotheses», «recommendations», «journeys»…); an unknown id as it is."""
    names = item_names(document).items
    return ", ".join(f"«{names.get((kind, i), i)}»" for i in ids)


def _ref_name(kind: str, value: Any, names: Names) -> Any:
    if not isinstance(value, str):
        return value
    if kind == "segments":
        return labels.segment_name(names.features, value)
    return names.items.get((kind, value), value)


def _named(path: Path, value: Any, names: Names) -> Any:
    """``value`` of the field at ``path`` with identifiers of other items replaced by names."""
    kind = next((REFS[path[i:]] for i in range(len(path)) if path[i:] in REFS), None)
    if kind is None:
        return value
    if isinstance(value, list):
        return [
            [_ref_name(kind, w, names) for w in v]
            if isinstance(v, list)
            else _ref_name(kind, v, names)
            for v in value
        ]
    return _ref_name(kind, value, names)


def _field_name(path: Path) -> tuple[str, str]:
    for start in range(len(path)):
        found = FIELDS.get(path[start:])
        if found is not None:
            return found
    return ".".join(path), "n"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _short(text: str) -> str:
    return shorten(text, _LONG)


def format_value(value: Any, enum: type[StrEnum] | None = None) -> str:
    """A value as it reads in a sentence: text in «», yes/no, numbers, lists, enum names."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if enum is not None and isinstance(value, str):
        try:
            return "«" + labels.ru(enum(value)) + "»"
        except ValueError:
            return f"«{value}»"
    if isinstance(value, str):
        return f"«{_short(value)}»"
    if isinstance(value, float) and value.is_integer():
        return number(int(value))
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        # As many decimals as the value has (0,05 stays 0,05), thousands spaced: 12 500,5.
        digits = len(repr(value).partition(".")[2]) if "e" not in repr(value) else 6
        return number(value, digits)
    if isinstance(value, list | tuple):
        if not value:
            return "—"
        if all(_plain(v) for v in value):
            return ", ".join(format_value(v, enum) for v in value)
        if all(isinstance(v, list | tuple) and all(_plain(w) for w in v) for v in value):
            # Pairs of features: «Канал» × «Возраст».
            return ", ".join(" × ".join(format_value(w, enum) for w in v) for v in value)
        return _count(len(value))
    if isinstance(value, dict):
        return _dict_text(value)
    return str(value)


def _plain(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _dict_text(value: dict[str, Any]) -> str:
    """A group of fields in words («описание «…»; правило отбора «…»»): the fields that have a
    Russian name and a value; never the stored keys or the raw structure."""
    parts = []
    for key, item in value.items():
        name = FIELDS.get((str(key),))
        if name is None or _empty(item):
            continue
        parts.append(f"{name[0]} {format_value(item)}")
    return _short("; ".join(parts)) if parts else "—"


def _count(n: int) -> str:
    return plural(n, "запись", "записи", "записей")


def _title(item: dict[str, Any], kind: ItemKind) -> str:
    title = item.get(kind.title) or item.get(kind.key) or "?"
    return _short(str(title))


def _item_title(item: dict[str, Any], kind: ItemKind, names: Names) -> str:
    """An item as a sentence names it; a segment's note (and a respondent) by the segment's
    name."""
    if kind.title == "segment" and isinstance(item.get("segment"), str):
        return _short(labels.segment_name(names.features, item["segment"]))
    return _title(item, kind)


def _by_key(items: list[Any], kind: ItemKind) -> dict[str, dict[str, Any]]:
    return {
        str(item.get(kind.key)): item
        for item in items
        if isinstance(item, dict) and item.get(kind.key) is not None
    }


# --- describing -------------------------------------------------------------------------------


def _field_sentence(
    field_path: Path,
    old: Any,
    new: Any,
    owner: str,
    enum: type[StrEnum] | None,
    names: Names | None = None,
) -> str:
    """«Изменено правило отбора роли «Заявитель»: «a» → «b»» and its kin (identifiers of other
    items named by ``names``)."""
    if names is not None:
        old, new = _named(field_path, old, names), _named(field_path, new, names)
    name, gender = _field_name(field_path)
    target = f"{name} {owner}".strip()
    if isinstance(old, list | type(None)) and isinstance(new, list | type(None)):
        old_list, new_list = old or [], new or []
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in [*old_list, *new_list]
        )
        if numbers and old_list and new_list:
            # Thresholds, a range: the whole series before and after reads best.
            changed = f"{format_value(old_list)} → {format_value(new_list)}"
            return f"{_CHANGED[gender]} {target}: {changed}"
        plain = all(
            _plain(v) or (isinstance(v, list) and all(_plain(w) for w in v))
            for v in [*old_list, *new_list]
        )
        if plain and old_list and new_list:
            added = [v for v in new_list if v not in old_list]
            removed = [v for v in old_list if v not in new_list]
            parts = []
            if added:
                parts.append("добавлено " + format_value(added, enum))
            if removed:
                parts.append("убрано " + format_value(removed, enum))
            if not parts:
                parts.append("изменён порядок")
            return f"{_CHANGED[gender]} {target}: " + "; ".join(parts)
    if _empty(old):
        return f"{_SET[gender]} {target}: {format_value(new, enum)}"
    if _empty(new):
        return f"{_CLEARED[gender]} {target} (было {format_value(old, enum)})"
    return f"{_CHANGED[gender]} {target}: {format_value(old, enum)} → {format_value(new, enum)}"


def _walk_fields(
    old: Any,
    new: Any,
    path: Path,
    owner: str,
    container: str,
    out: list[str],
    nested: dict[str, ItemKind],
    owner_item: tuple[ItemKind, str] | None,
    names: Names,
) -> None:
    """Sentences for the changed leaves of an item or a section."""
    if old == new:
        return
    if (
        path
        and path[-1] in nested
        and isinstance(old, list)
        and isinstance(new, list)
        and owner_item is not None
    ):
        _describe_list(old, new, nested[path[-1]], out, path[-1], names, parent=owner_item)
        return
    # A group of fields set or cleared as a whole (a role's audience, a feature's binning):
    # each of its fields in a sentence of its own, never the group as raw data.
    if isinstance(old, dict) and new is None:
        new = {}
    elif isinstance(new, dict) and old is None:
        old = {}
    # A dict keyed by data (value labels, column decisions) is one field, not a structure.
    if (
        path
        and path[-1] in ("value_labels", "columns")
        and isinstance(old, dict | None)
        and isinstance(new, dict | None)
    ):
        _dict_field(path, old or {}, new or {}, owner, out)
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            _walk_fields(
                old.get(key),
                new.get(key),
                (*path, key),
                owner,
                container,
                out,
                nested,
                owner_item,
                names,
            )
        return
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and old
        and new
        and all(isinstance(v, dict) for v in [*old, *new])
    ):
        name, gender = _field_name(path)
        # Records without a name of their own (evidence, legal grounds…): how many came and went.
        added = sum(1 for v in new if v not in old)
        removed = sum(1 for v in old if v not in new)
        parts = []
        if added:
            parts.append(f"добавлено записей: {added}")
        if removed:
            parts.append(f"убрано записей: {removed}")
        change = "; ".join(parts) or "изменён порядок"
        out.append(f"{_CHANGED[gender]} {name} {owner}: {change}".replace("  ", " "))
        return
    out.append(_field_sentence(path, old, new, owner, ENUMS.get((container, path)), names))


def _dict_field(
    path: Path, old: dict[str, Any], new: dict[str, Any], owner: str, out: list[str]
) -> None:
    name, gender = _field_name(path)
    added = [k for k in new if k not in old]
    removed = [k for k in old if k not in new]
    changed = [k for k in new if k in old and old[k] != new[k]]
    parts = []
    if path[-1] == "value_labels":
        # The labels as the pages show them, not the codes of the values in the data.
        if added:
            parts.append("добавлено " + format_value([new[k] for k in added]))
        if removed:
            parts.append("убрано " + format_value([old[k] for k in removed]))
        if changed:
            parts.append(
                "изменено "
                + ", ".join(f"{format_value(old[k])} → {format_value(new[k])}" for k in changed)
            )
    else:
        if added:
            parts.append("добавлено " + format_value(added))
        if removed:
            parts.append("убрано " + format_value(removed))
        if changed:
            parts.append("изменено " + format_value(changed))
    out.append(f"{_CHANGED[gender]} {name} {owner}: " + "; ".join(parts))


def _describe_list(
    old: list[Any],
    new: list[Any],
    kind: ItemKind,
    out: list[str],
    container: str,
    names: Names,
    parent: tuple[ItemKind, str] | None = None,
) -> None:
    before, after = _by_key(old, kind), _by_key(new, kind)

    def _title(item: dict[str, Any], kind: ItemKind) -> str:
        return _item_title(item, kind, names)

    # Journeys and research activities hold identified lists: their accusatives («в путь»,
    # «в исследование») equal the nominatives.
    where_in = f" в {parent[0].noun} «{parent[1]}»" if parent else ""
    where_of = f" {parent[0].genitive} «{parent[1]}»" if parent else ""

    def named(key: str, item: dict[str, Any], side: dict[str, dict[str, Any]]) -> str:
        """«title», or «№ 3 «title»» for the items pages number (by their place in the list)."""
        text = f"«{_title(item, kind)}»"
        return f"№ {list(side).index(key) + 1} {text}" if kind.numbered else text

    for key, item in after.items():
        if key not in before:
            out.append(f"{_ADDED[kind.gender]} {kind.noun} {named(key, item, after)}{where_in}")
    for key, item in before.items():
        if key not in after:
            source = f" из {parent[0].genitive} «{parent[1]}»" if parent else ""
            out.append(f"{_REMOVED[kind.gender]} {kind.noun} {named(key, item, before)}{source}")
    nested = {name: sub for (path, name), sub in NESTED.items() if KEYED.get(path) is kind}
    for key, item in after.items():
        if key in before and before[key] != item:
            # Named as it was: a renamed item is recognised by its old name.
            owner = f"{kind.genitive} {named(key, before[key], after)}{where_of}"
            _walk_fields(
                before[key],
                item,
                (),
                owner,
                container,
                out,
                nested,
                (kind, _title(item, kind)),
                names,
            )
    common_before = [k for k in before if k in after]
    common_after = [k for k in after if k in before]
    if common_before != common_after:
        out.append(f"Изменён порядок {kind.plural_genitive}{where_of}")


def describe_changes(
    old: dict[str, Any], new: dict[str, Any], context: dict[str, Any] | None = None
) -> list[str]:
    """What changed from ``old`` to ``new`` (documents as plain data), one Russian sentence
    per change, in the order of the document; empty when they are equal.

    Items are named by their titles, and so are the items a field refers to (a
    recommendation's problems, a step's role…), found in ``old``, ``new`` or ``context`` (a
    whole document, when ``old`` and ``new`` are parts of one)."""
    names = item_names(context, old, new)
    out: list[str] = []
    for key in _keys(old, new):
        out.extend(_describe_key(key, old.get(key), new.get(key), names, prefixed=True))
    return out


#: How the history names the sections of the document (as the study's pages head them).
SECTION_TITLES: dict[str, str] = {
    "schema_version": "Версия документа",
    "id": "Общие сведения",
    "title": "Название исследования",
    "scope": "Объект профилирования",
    "requisites": "Реквизиты документа",
    "roles": "Роли",
    "data_sources": "Источники данных",
    "features": "Признаки",
    "segmentation": "Настройки сегментации",
    "priority": "Настройки приоритетов",
    "segment_notes": "Отметки сегментов",
    "hunt_ladder": "Лестница Ханта",
    "service_levels": "Лестница уровней сервиса",
    "hypotheses": "Гипотезы",
    "research": "План исследований",
    "topic_labels": "Темы ответов",
    "journeys": "Пути клиентов",
    "recommendations": "Рекомендации",
}


@dataclass(frozen=True)
class SectionChanges:
    """The changes of one section of the document: its title («Гипотезы») and a sentence per
    change («Добавлена гипотеза № 3 «…»»)."""

    title: str
    changes: list[str]


def describe_sections(old: dict[str, Any], new: dict[str, Any]) -> list[SectionChanges]:
    """:func:`describe_changes` grouped by the section of the document each change is in, in
    the order of the document; a section's own name is not repeated in its sentences."""
    names = item_names(old, new)
    sections = []
    for key in _keys(old, new):
        changes = _describe_key(key, old.get(key), new.get(key), names, prefixed=False)
        if changes:
            sections.append(SectionChanges(SECTION_TITLES.get(key, "Другие сведения"), changes))
    return sections


def _keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [k for k in [*old, *(k for k in new if k not in old)] if old.get(k) != new.get(k)]


def _describe_key(key: str, a: Any, b: Any, names: Names, *, prefixed: bool) -> list[str]:
    """The sentences of one top-level section; ``prefixed``: a change inside a section of
    settings starts with the section's name («Настройки сегментации: изменён …»)."""
    out: list[str] = []
    if (key,) in KEYED:
        _describe_list(a or [], b or [], KEYED[(key,)], out, key, names)
        return out
    name, gender = SECTIONS.get(key, ("другие сведения", "pl"))
    if isinstance(a, dict) and b is None:
        b = {}
    elif isinstance(b, dict) and a is None:
        a = {}
    if isinstance(a, dict) and isinstance(b, dict):
        inner = [k for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k)]
        for sub in inner:
            if (key, sub) in KEYED:
                container = "activities" if sub == "activities" else key
                _describe_list(
                    a.get(sub) or [], b.get(sub) or [], KEYED[(key, sub)], out, container, names
                )
                continue
            section_out: list[str] = []
            _walk_fields(a.get(sub), b.get(sub), (sub,), "", key, section_out, {}, None, names)
            if prefixed:
                out.extend(f"{name[:1].upper()}{name[1:]}: {_lower_first(s)}" for s in section_out)
            else:
                out.extend(section_out)
        return out
    if key == "title":
        out.append(f"Изменено название исследования: {format_value(a)} → {format_value(b)}")
    elif isinstance(a, list) and isinstance(b, list):
        out.append(_section_list_sentence(name, gender, a, b))
    else:
        out.append(f"{_CHANGED[gender]} {name}: {format_value(a)} → {format_value(b)}")
    return out


def _section_list_sentence(name: str, gender: str, old: list[Any], new: list[Any]) -> str:
    added = [v for v in new if v not in old]
    removed = [v for v in old if v not in new]
    parts = []
    if added:
        parts.append("добавлено " + format_value(added))
    if removed:
        parts.append("убрано " + format_value(removed))
    if not parts:
        parts.append("изменён порядок")
    return f"{_CHANGED[gender]} {name}: " + "; ".join(parts)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- merging ----------------------------------------------------------------------------------

_ABSENT: Any = object()
Part = tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    """A part both edits changed differently: its name and the three versions (``None`` when
    the part does not exist in that version)."""

    part: Part
    title: str
    base: Any
    theirs: Any
    mine: Any


@dataclass
class MergeResult:
    merged: dict[str, Any]
    conflicts: list[Conflict] = field(default_factory=list)
    taken_from_theirs: list[str] = field(default_factory=list)


def _get(data: dict[str, Any], path: Path) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _ABSENT
        node = node[key]
    return node


def _parts(doc: dict[str, Any]) -> dict[Part, Any]:
    """The document cut into independently mergeable parts."""
    parts: dict[Part, Any] = {}
    keyed_heads = {path[0] for path in KEYED}
    for key, value in doc.items():
        if (key,) in KEYED:
            continue
        if key in keyed_heads and isinstance(value, dict):
            rest = {k: v for k, v in value.items() if (key, k) not in KEYED}
            parts[(key,)] = rest
            continue
        parts[(key,)] = value
    for path, kind in KEYED.items():
        items = _get(doc, path)
        if not isinstance(items, list):
            continue
        keyed = _by_key(items, kind)
        inner = {name: sub for (outer, name), sub in SPLIT.items() if outer == path}
        for item_key, item in keyed.items():
            at = (*path, "#item", item_key)
            parts[at] = {k: v for k, v in item.items() if k not in inner}
            for name, sub in inner.items():
                nested = _by_key(item.get(name) or [], sub)
                for sub_key, sub_item in nested.items():
                    parts[(*at, name, "#item", sub_key)] = sub_item
                parts[(*at, name, "#order")] = list(nested)
        parts[(*path, "#order")] = list(keyed)
    return parts


def _item_name(path: Path, key: str, docs: tuple[dict[str, Any], ...]) -> str:
    """«Title» of the item ``key`` of the list at ``path``, from the first document having it."""
    kind = KEYED[path]
    for doc in docs:
        item = (
            _by_key(_get(doc, path) or [], kind).get(key)
            if _get(doc, path) is not _ABSENT
            else None
        )
        if item:
            return f"«{_title(item, kind)}»"
    return f"«{key}»"


def _part_title(part: Part, *docs: dict[str, Any]) -> str:
    if "#item" in part:
        index = part.index("#item")
        path, key = part[:index], part[index + 1]
        kind = KEYED[path]
        if len(part) > index + 2:  # a list inside the item (SPLIT): its item or its order
            sub = SPLIT[(path, part[index + 2])]
            owner = f"{kind.genitive} {_item_name(path, key, docs)}"
            if part[-1] == "#order":
                return f"порядок {sub.plural_genitive} {owner}"
            return f"{sub.noun} «{part[-1]}» {owner}"
        return f"{kind.noun} {_item_name(path, key, docs)}"
    if part[-1] == "#order":
        return f"порядок {KEYED[part[:-1]].plural_genitive}"
    return SECTIONS.get(part[0], (part[0], "n"))[0]


def _merge_order(
    base: list[str], mine: list[str], theirs: list[str], present: set[str]
) -> list[str] | None:
    """The merged order of an identified list, or ``None`` if both sides reordered it."""

    def reordered(side: list[str]) -> bool:
        common = [k for k in base if k in side]
        return [k for k in side if k in base] != common

    if reordered(mine) and reordered(theirs) and mine != theirs:
        return None
    primary, secondary = (mine, theirs) if reordered(mine) else (theirs, mine)
    order = [k for k in primary if k in present]
    for index, key in enumerate(secondary):
        if key in present and key not in order:
            # Insert after the nearest preceding key already placed.
            before = [k for k in secondary[:index] if k in order]
            at = order.index(before[-1]) + 1 if before else 0
            # The other side's new items at the same spot come first (they were saved first).
            while at < len(order) and order[at] not in secondary and order[at] not in base:
                at += 1
            order.insert(at, key)
    for key in sorted(present - set(order)):
        order.append(key)
    return order


def merge_documents(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> MergeResult:
    """Three-way merge of a document: ``mine`` and ``theirs`` both began from ``base``.

    Each part (see the module's docstring) is taken from the side that changed it; a part
    changed on both sides to different values is a conflict. The merged document keeps the
    key order of ``theirs`` (the newer saved state) for sections and lists.
    """
    pb, pm, pt = _parts(base), _parts(mine), _parts(theirs)
    merged_parts: dict[Part, Any] = {}
    conflicts: list[Conflict] = []
    from_theirs: list[str] = []
    order_parts = [p for p in {**pb, **pm, **pt} if p[-1] == "#order"]
    for part in {**pt, **pm, **pb}:
        if part[-1] == "#order":
            continue
        b, m, t = pb.get(part, _ABSENT), pm.get(part, _ABSENT), pt.get(part, _ABSENT)
        if m == b:
            value = t
        elif t == b or m == t:
            value = m
        else:
            conflicts.append(
                Conflict(
                    part,
                    _part_title(part, mine, theirs, base),
                    None if b is _ABSENT else b,
                    None if t is _ABSENT else t,
                    None if m is _ABSENT else m,
                )
            )
            value = t
        if value is not _ABSENT:
            merged_parts[part] = value
        if value is t and t != b:
            from_theirs.append(_part_title(part, theirs, base))
    result: dict[str, Any] = {}
    for key in [*theirs, *(k for k in mine if k not in theirs)]:
        if (key,) in merged_parts:
            value = merged_parts[(key,)]
            result[key] = dict(value) if isinstance(value, dict) else value
    # The lists inside items (SPLIT) first: they are put back into their merged items.
    for part in sorted(order_parts, key=lambda p: "#item" not in p):
        path = part[:-1]
        present = {p[-1] for p in merged_parts if p[:-2] == path and p[-2] == "#item"}
        order = _merge_order(pb.get(part, []), pm.get(part, []), pt.get(part, []), present)
        if order is None:
            conflicts.append(
                Conflict(
                    part,
                    _part_title(part, mine, theirs, base),
                    pb.get(part),
                    pt.get(part),
                    pm.get(part),
                )
            )
            order = [k for k in pt.get(part, []) if k in present] + sorted(
                present - set(pt.get(part, []))
            )
        items = [merged_parts[(*path, "#item", k)] for k in order]
        if "#item" in path:
            holder = path[:-1]
            if holder in merged_parts:  # else the item is deleted, its list with it
                merged_parts[holder] = {**merged_parts[holder], path[-1]: items}
            continue
        if len(path) == 1:
            if items or path[0] in theirs or path[0] in mine:
                result[path[0]] = items
        else:
            head = result.setdefault(path[0], {})
            if isinstance(head, dict):
                head[path[1]] = items
    return MergeResult(result, conflicts, from_theirs)


def first_change(conflicts: Sequence[Conflict], later: Sequence[dict[str, Any]]) -> int | None:
    """Which of the documents saved after the base (oldest first) first changed a part of
    ``conflicts``: its index in ``later``, or ``None`` when none did (the conflict is then with
    the merged whole, not with one part)."""
    for index, document in enumerate(later):
        parts = _parts(document)
        for conflict in conflicts:
            value = parts.get(conflict.part, _ABSENT)
            if (None if value is _ABSENT else value) != conflict.base:
                return index
    return None


def _part_document(part: Part, value: Any) -> dict[str, Any]:
    """A document holding only ``value`` at the place of ``part`` (for describing it)."""
    if part[-1] == "#order":
        return {}
    if "#item" in part and len(part) > part.index("#item") + 2:
        # An item of a list inside an item (SPLIT): that item holding only it.
        index = part.index("#item")
        holder = {"id": part[index + 1], part[index + 2]: [] if value is None else [value]}
        return _part_document(part[: index + 2], holder)
    if "#item" in part:
        path = part[: part.index("#item")]
        items = [] if value is None else [value]
        return {path[0]: items} if len(path) == 1 else {path[0]: {path[1]: items}}
    if part[-1] == "#order":
        return {}
    return {part[0]: value}


def describe_conflict(
    conflict: Conflict, context: dict[str, Any] | None = None
) -> tuple[list[str], list[str]]:
    """What the other edit and this edit did to the conflicting part, in words (items it
    refers to named from ``context``, the document it is part of)."""
    base = _part_document(conflict.part, conflict.base)
    theirs = describe_changes(base, _part_document(conflict.part, conflict.theirs), context)
    mine = describe_changes(base, _part_document(conflict.part, conflict.mine), context)
    return theirs, mine


# --- the status history of hypotheses ------------------------------------------------------------


class RevisionHypotheses(NamedTuple):
    """What the status history reads of a revision: its number, author and time, comment, and
    the hypotheses of its document as stored (a list of plain dicts, or ``None``)."""

    number: int
    author: str | None  # None when the author's account is gone
    at: datetime
    comment: str
    hypotheses: Any


@dataclass(frozen=True)
class StatusChange:
    """One verdict decision: the revision that made it and the status before and after
    (``old`` is ``""`` for a hypothesis the revision added)."""

    number: int
    author: str | None
    at: datetime
    old: str
    new: str
    reason: str
    comment: str


def _statuses(hypotheses: Any) -> dict[str, tuple[str, str]]:
    """Hypothesis id → (status, verdict reason), from the stored list of a revision."""
    out: dict[str, tuple[str, str]] = {}
    for item in hypotheses if isinstance(hypotheses, list) else []:
        if isinstance(item, dict) and "id" in item:
            out[str(item["id"])] = (
                str(item.get("status", HypothesisStatus.open.value)),
                str(item.get("verdict_reason", "")),
            )
    return out


def status_history(revisions: Iterable[RevisionHypotheses]) -> dict[str, list[StatusChange]]:
    """Every change of a hypothesis's status or verdict reason, by hypothesis, newest first.

    ``revisions`` are consecutive, oldest first; the first is the state before the history
    (its hypotheses are not changes). Comparing each with the one before tells which
    hypothesis changed, from what to what, and the reason then given.
    """
    history: dict[str, list[StatusChange]] = {}
    before: dict[str, tuple[str, str]] | None = None
    for revision in revisions:
        now = _statuses(revision.hypotheses)
        if before is not None:
            for hid, (status, reason) in now.items():
                if before.get(hid) != (status, reason):
                    history.setdefault(hid, []).append(
                        StatusChange(
                            number=revision.number,
                            author=revision.author,
                            at=revision.at,
                            old=before.get(hid, ("", ""))[0],
                            new=status,
                            reason=reason,
                            comment=revision.comment,
                        )
                    )
        before = now
    for changes in history.values():
        changes.reverse()
    return history
