"""The test tree's own rule: pytest imports test modules by their base name (no packages), so
two test files with one name in different folders break the collection of one of them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_every_test_file_has_a_name_of_its_own() -> None:
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
