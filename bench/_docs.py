"""Benchmark figures recorded in docs/benchmarks.md, each benchmark in its own marked section."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def stamp() -> str:
    """The date and the machine's load average, for the heading line of a section."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    load_ru = f"{load:.1f}".replace(".", ",")
    return f"Замер {date.today():%d.%m.%Y}, средняя загрузка машины {load_ru}"


def write_section(name: str, text: str) -> None:
    """Replace (or append) the block between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if DOCS.exists():
        old = DOCS.read_text(encoding="utf-8")
        if start in old:
            new = re.sub(
                re.escape(start) + r".*?" + re.escape(end), lambda _: block, old, flags=re.S
            )
        else:
            new = old.rstrip() + "\n\n" + block + "\n"
    else:
        new = "# Замеры производительности\n\n" + block + "\n"
    DOCS.write_text(new, encoding="utf-8")
