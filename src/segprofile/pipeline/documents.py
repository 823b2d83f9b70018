"""Study documents (YAML or JSON, validated), their checks by M-code, and the worked examples."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from segprofile.errors import NotFound
from segprofile.model import spec_yaml
from segprofile.model.checks import Finding, check_data_columns, check_study
from segprofile.model.study import (
    DataSource,
    Study,
)
from segprofile.pipeline.workspace import Workspace


def load_study(path: str | Path) -> Study:
    """Read and validate a study document (YAML or JSON)."""
    return spec_yaml.load_study(path)


def parse_study(text: str, *, source: str = "study.yaml") -> Study:
    """Validate a study document given as text; raises :class:`DocumentError`."""
    return spec_yaml.load_study_text(text, source=source)


def study_from_data(data: object, *, source: str = "документ") -> Study:
    """Validate a stored document (parsed JSON); raises :class:`DocumentError` in Russian."""
    return spec_yaml.study_from_data(data, source=source)


def dump_study(study: Study) -> str:
    return spec_yaml.dump_study(study)


def study_hash(study: Study) -> str:
    """SHA-256 of the canonical JSON of the study: equal documents hash equal."""
    canonical = json.dumps(
        study.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check(study: Study) -> list[Finding]:
    """What the profile still lacks, by M-code."""
    return check_study(study)


def check_with_data(ws: Workspace, study: Study) -> list[Finding]:
    """:func:`check`, and what the study names in its data that the latest imported version of
    each source does not have (a feature's column, the rating, the id or count column)."""
    columns = {source_id: set(names) for source_id, names in imported_columns(ws, study).items()}
    return check_study(study) + check_data_columns(study, columns)


def imported_columns(ws: Workspace, study: Study) -> dict[str, list[str]]:
    """Per data source with an imported version: the columns of its latest version, in order
    (what a form offers to choose from: the rating column, the id column, a feature's column)."""
    from segprofile.data import datasets

    columns: dict[str, list[str]] = {}
    for source in study.data_sources:
        versions = datasets.list_versions(ws.home, study.id, source.id)
        if versions:
            columns[source.id] = [str(c["name"]) for c in versions[-1].columns]
    return columns


def rule_columns_of(ws: Workspace, study: Study) -> list[str] | None:
    """The columns an eligibility rule (M-2) may name: those of the client records' latest
    imported version and of the population tables' (the rule selects in both); ``None`` while
    the client records are not imported (a rule is then checked for its syntax only)."""
    from segprofile.model.study import DataSourceKind

    records = study.client_records()
    imported = imported_columns(ws, study)
    if records is None or records.id not in imported:
        return None
    names = list(imported[records.id])
    for source in study.data_sources:
        if source.kind is DataSourceKind.population:
            names += [c for c in imported.get(source.id, []) if c not in names]
    return names


def imported_numeric_columns(ws: Workspace, study: Study, source_id: str) -> list[str]:
    """The numeric columns of a source's latest imported version, in order (what the form of
    the NPS question offers: its answers are numbers from 0 to 10)."""
    from segprofile.data import datasets

    versions = datasets.list_versions(ws.home, study.id, source_id)
    if not versions:
        return []
    return [str(c["name"]) for c in versions[-1].columns if c.get("type") == "numeric"]


@dataclass(frozen=True)
class ExampleInfo:
    name: str
    title: str
    description: str
    study_path: Path


def list_examples() -> list[ExampleInfo]:
    from segprofile import examples

    return [
        ExampleInfo(e.name, e.title, e.description, e.study_path)
        for e in examples.EXAMPLES.values()
    ]


def _example(name: str):  # type: ignore[no-untyped-def]
    from segprofile import examples

    try:
        return examples.EXAMPLES[name]
    except KeyError:
        known = ", ".join(sorted(examples.EXAMPLES))
        raise NotFound(f"Пример «{name}» не найден.", hint=f"доступные примеры: {known}.") from None


def example_study(name: str) -> Study:
    return load_study(_example(name).study_path)


def find_source(study: Study, source_id: str) -> DataSource:
    for source in study.data_sources:
        if source.id == source_id:
            return source
    known = ", ".join(s.id for s in study.data_sources) or "нет ни одного"
    raise NotFound(
        f"В исследовании «{study.id}» нет источника данных «{source_id}».",
        hint=f"источники исследования: {known}.",
    )
