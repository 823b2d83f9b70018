"""The history's words: changes grouped by section, hypotheses by number, never raw data.

Every group of fields of the worked examples is set from nothing and cleared in turn (a role's
audience, a feature's binning and source, the segmentation's parts…): each change must read as
Russian words — no JSON, no stored keys, no identifiers of features."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from segprofile import pipeline
from segprofile.model.diff import describe_changes, describe_sections

_RAW = re.compile(r'[{}\[\]]|":|\b[a-z]+_[a-z_]+\b')


def _groups(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every dict inside the document (its groups of fields)."""
    found = []
    if isinstance(node, dict):
        if path:
            found.append(path)
        for key, value in node.items():
            found += _groups(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _groups(value, (*path, i))
    return found


def _cleared(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = None
    return changed


@pytest.mark.parametrize("example", ["child-benefit", "internal-accounting"])
def test_a_group_of_fields_set_or_cleared_reads_as_words(example: str) -> None:
    document = pipeline.example_study(example).model_dump(mode="json")
    ids = {f["id"] for f in document["features"]}
    checked = 0
    for path in _groups(document):
        if isinstance(path[-1], int):
            continue  # an item of a list: added or removed by its title elsewhere
        changed = _cleared(document, path)
        for old, new in ((document, changed), (changed, document)):
            for sentence in describe_changes(old, new):
                checked += 1
                outside_quotes = re.sub(r"«[^«»]*(«[^«»]*»[^«»]*)*»", "«»", sentence)
                assert not _RAW.search(outside_quotes), (path, sentence)
                assert '{"' not in sentence, (path, sentence)
                named = set(re.findall(r"«([a-z_]+)»", sentence))
                assert not (named & ids), (path, sentence)
    assert checked > 100


def test_changes_are_grouped_by_section_and_hypotheses_named_by_number() -> None:
    document = pipeline.example_study("child-benefit").model_dump(mode="json")
    changed = copy.deepcopy(document)
    changed["hypotheses"].append(
        {"id": "p_new", "statement": "Очередь в МФЦ больше часа", "kind": "problem"}
    )
    removed = changed["hypotheses"].pop(0)
    changed["segmentation"]["min_cell"] += 5
    changed["features"][0]["label"] = "Новая подпись"
    sections = describe_sections(document, changed)
    assert [s.title for s in sections] == ["Признаки", "Настройки сегментации", "Гипотезы"]
    hypotheses = sections[-1].changes
    n = len(changed["hypotheses"])
    assert hypotheses[0] == f"Добавлена гипотеза № {n} «Очередь в МФЦ больше часа»"
    assert hypotheses[1].startswith(f"Удалена гипотеза № 1 «{removed['statement'][:20]}")
    # Inside its section a setting is not prefixed with the section's name again.
    assert sections[1].changes[0].startswith("Изменён минимальный размер сегмента:")
    # The flat list (uploads, the API) keeps the section's name in each sentence.
    assert any(
        s.startswith("Настройки сегментации: изменён минимальный размер сегмента")
        for s in describe_changes(document, changed)
    )
    assert describe_sections(document, copy.deepcopy(document)) == []


def test_records_without_names_are_counted_as_added_and_removed() -> None:
    """A hypothesis's evidence: how many records came and went, not «3 записи → 3 записи»."""
    document = pipeline.example_study("child-benefit").model_dump(mode="json")
    index = next(
        i for i, h in enumerate(document["hypotheses"]) if len(h.get("evidence") or []) >= 2
    )
    head = f"Изменены свидетельства гипотезы № {index + 1} «"

    def after(change: Any) -> list[str]:
        changed = copy.deepcopy(document)
        change(changed["hypotheses"][index]["evidence"])
        return describe_changes(document, changed)

    def rewrite_first(evidence: list[dict[str, Any]]) -> None:
        evidence[0] = {**evidence[0], "source": "Пересчитано по новым данным"}

    [rewritten] = after(rewrite_first)
    assert rewritten.startswith(head)
    assert rewritten.endswith("»: добавлено записей: 1; убрано записей: 1")
    [dropped] = after(lambda evidence: evidence.pop())
    assert dropped.endswith("»: убрано записей: 1")
    [reordered] = after(lambda evidence: evidence.reverse())
    assert reordered.endswith("»: изменён порядок")
