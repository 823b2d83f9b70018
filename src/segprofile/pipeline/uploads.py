"""What an upload changes in the study document (issue 19).

- :func:`with_upload_settings` — the choices made on a data file's check page (which column is
  the satisfaction rating, which the client id, which the date, which columns become features;
  for a population table, which column holds the number of people) written into the study:
  the caller stores the result as one revision with the import.
- :func:`section_changes` and :func:`take_sections` — a study document uploaded as a new
  revision never replaces work silently: the sections it would change are described in words
  (:func:`segprofile.model.diff.describe_changes`), and only the sections the person chose are
  taken from the file.

Both return changed copies validated by the model (:class:`DocumentError` with Russian
problems otherwise); nothing here stores anything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from segprofile.errors import NotFound
from segprofile.model import diff
from segprofile.model.ids import identifier_from
from segprofile.model.spec_yaml import study_from_data
from segprofile.model.study import DataSourceKind, FeatureType, Study

# --- settings chosen on a data file's check page -----------------------------------------------

FEATURE_TYPES = frozenset(t.value for t in FeatureType)
"""Column types (of the import) that can be a feature's type as they are."""


@dataclass(frozen=True)
class UploadSettings:
    """The study settings chosen for a client-records file: column names of that file.

    ``None`` (or an empty list) leaves the study's setting as it is: a choice never clears
    what the study already has.
    """

    source_id: str
    rating_column: str | None = None
    id_column: str | None = None
    date_column: str | None = None
    features: Sequence[tuple[str, str]] = field(default_factory=tuple)
    """``(column, type)`` for each column chosen as a feature; ``type`` is a feature type."""
    count_column: str | None = None
    """For a population table: the column with the number of people in a row; ``""`` — none
    (a row is one person), which clears the study's choice; ``None`` leaves it as it is."""

    def to_data(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "rating_column": self.rating_column,
            "id_column": self.id_column,
            "date_column": self.date_column,
            "features": [list(pair) for pair in self.features],
            "count_column": self.count_column,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> UploadSettings:
        return cls(
            source_id=str(data["source_id"]),
            rating_column=data.get("rating_column") or None,
            id_column=data.get("id_column") or None,
            date_column=data.get("date_column") or None,
            features=tuple((str(c), str(t)) for c, t in data.get("features") or ()),
            count_column=data.get("count_column"),
        )


def with_upload_settings(study: Study, settings: UploadSettings) -> Study:
    """A copy of ``study`` with the choices of a data file's check page written into it.

    The satisfaction column (``segmentation.satisfaction.column``), the source's id and date
    columns, and a feature for each chosen column that is not a feature of the same table yet
    (label: the column's name, type: the import's). Features of another table than the
    study's first client records name their table (``data_source``).
    """
    data = study.model_dump(mode="json")
    source = next((s for s in data["data_sources"] if s["id"] == settings.source_id), None)
    if source is None:
        raise NotFound(f"Источник данных «{settings.source_id}» не найден в исследовании.")
    first = study.client_records()
    default_table = first.id if first is not None else None
    if settings.rating_column:
        data["segmentation"]["satisfaction"]["column"] = settings.rating_column
    if settings.id_column:
        source["id_column"] = settings.id_column
    if settings.date_column:
        source["date_column"] = settings.date_column
    if settings.count_column is not None:
        source["count_column"] = settings.count_column or None
    taken = {f["id"] for f in data["features"]}
    present = {(f["data_source"] or default_table, f["column"]) for f in data["features"]}
    for column, kind in settings.features:
        if (settings.source_id, column) in present:
            continue
        new_id = identifier_from(column, taken, fallback="feature")
        taken.add(new_id)
        present.add((settings.source_id, column))
        data["features"].append(
            {
                "id": new_id,
                "column": column,
                "label": column,
                "type": kind if kind in FEATURE_TYPES else FeatureType.categorical.value,
                "data_source": None if settings.source_id == default_table else settings.source_id,
            }
        )
    return study_from_data(data, source="настройки из загрузки данных")


def takes_settings(study: Study, source_id: str, new_kind: str | None = None) -> bool:
    """Whether the check page of a file for ``source_id`` asks for study settings: only for
    the study's client records (its first source of that kind, whose rating the profile
    reads), or a new client-records source when the study has none yet."""
    records = study.client_records()
    if records is not None:
        return records.id == source_id
    known = {s.id for s in study.data_sources}
    return source_id not in known and new_kind == DataSourceKind.client_records.value


def takes_count(study: Study, source_id: str, new_kind: str | None = None) -> bool:
    """Whether the check page of a file for ``source_id`` asks which column holds the number
    of people: for a population table (kind «численность»), the study's or a new one."""
    source = next((s for s in study.data_sources if s.id == source_id), None)
    kind = source.kind.value if source is not None else new_kind
    return kind == DataSourceKind.population.value


#: Words of a column that holds the number of people in a row (a statistics office's table).
_COUNT_NAME = re.compile(r"численн|количеств|кол-во|число|count", re.IGNORECASE)


def guess_count_column(names: Sequence[str]) -> str | None:
    """The first of ``names`` (numeric columns) that reads as a number of people:
    «Численность», «Количество получателей», «Число лиц»."""
    return next((n for n in names if _COUNT_NAME.search(n)), None)


# --- a study document uploaded as a revision ---------------------------------------------------


@dataclass(frozen=True)
class SectionChange:
    """A section of the document the uploaded file would change, in words."""

    key: str
    name: str
    sentences: list[str]


_LIST_NAMES = {
    "roles": "роли",
    "data_sources": "источники данных",
    "features": "признаки",
    "segment_notes": "отметки сегментов",
    "hypotheses": "гипотезы",
    "journeys": "пути клиента",
    "recommendations": "рекомендации",
    "topic_labels": "названия тем",
}


def section_name(key: str) -> str:
    """The Russian name of a top-level section of the document, capitalised."""
    name = _LIST_NAMES.get(key) or diff.SECTIONS.get(key, (key, "n"))[0]
    return name[:1].upper() + name[1:]


def _without_prefix(sentence: str, name: str) -> str:
    """«Объект профилирования: изменено название…» under the heading «Объект
    профилирования» reads «Изменено название…»."""
    prefix = f"{name}: "
    if sentence.startswith(prefix):
        rest = sentence[len(prefix) :]
        return rest[:1].upper() + rest[1:]
    return sentence


def section_changes(current: Study, uploaded: Study) -> list[SectionChange]:
    """The sections (top-level parts of the document) that differ between ``current`` and
    ``uploaded``, in the document's order, each with what taking the file's version would do;
    empty when the file changes nothing."""
    old, new = current.model_dump(mode="json"), uploaded.model_dump(mode="json")
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) == new.get(key):
            continue
        name = section_name(key)
        sentences = [
            _without_prefix(s, name)
            for s in diff.describe_changes({key: old.get(key)}, {key: new.get(key)})
        ]
        out.append(SectionChange(key, name, sentences or ["изменён порядок"]))
    return out


def take_sections(current: Study, uploaded: Study, keys: Collection[str]) -> Study:
    """``current`` with the sections ``keys`` taken from ``uploaded`` (the others kept),
    validated as a whole: a mix whose references do not hold (a kept hypothesis naming a
    journey step the file removes…) raises :class:`DocumentError` naming them."""
    data = current.model_dump(mode="json")
    new = uploaded.model_dump(mode="json")
    for key in keys:
        if key in new:
            data[key] = new[key]
        else:
            data.pop(key, None)
    return study_from_data(data, source="загруженный документ")
