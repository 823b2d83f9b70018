"""Methodology codes read «M-4» (Latin M) everywhere: in templates, the Russian catalogue, Python
texts and the examples; a Cyrillic «М-4» looks the same but is not found by search and breaks
links that name the code."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

import segprofile

CYRILLIC_CODE = re.compile(r"\u041c[-\u2010\u2011\u2013]\d")
SRC = Path(segprofile.__file__).parent


def test_no_methodology_code_with_a_cyrillic_m() -> None:
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*"))
        if path.suffix in {".po", ".html", ".py", ".yaml", ".md", ".txt"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CYRILLIC_CODE.search(line)
    ]
    assert found == []


def test_section_titles_carry_latin_codes() -> None:
    with translation.override("ru"):
        assert translation.gettext("Clusters (M-4)") == "Кластеры (M-4)"
        assert translation.gettext("Satisfaction (M-6)") == "Удовлетворённость (M-6)"
