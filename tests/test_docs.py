"""docs/methodology-map.md names real code: each M-code's pipeline entries exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from segprofile import pipeline

MAP = Path(__file__).resolve().parents[1] / "docs" / "methodology-map.md"


def _rows() -> list[list[str]]:
    text = MAP.read_text(encoding="utf-8")
    table = text[text.index("| M-code |") :].split("\n\n", 1)[0]
    lines = [line for line in table.splitlines()[2:] if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def test_every_m_code_has_a_row_with_its_pipeline_module() -> None:
    rows = _rows()
    codes = [row[0] for row in rows]
    assert [c for c in codes if c != "—"] == [f"M-{n}" for n in range(1, 15)]
    assert all(row[3] for row in rows)


def test_the_pipeline_column_names_what_exists() -> None:
    checked = 0
    for row in _rows():
        for name in re.findall(r"`([A-Za-z_][\w.]*)`", row[3]):
            module, _, attr = name.rpartition(".")
            if module:
                target = importlib.import_module(f"segprofile.pipeline.{module}")
                assert hasattr(target, attr), f"{row[0]}: {name}"
            else:
                assert hasattr(pipeline, name), f"{row[0]}: {name}"
            checked += 1
    assert checked > 40
