"""What importing the pipeline loads: no heavy library for a command, which starts at once;
everything its stages use after :func:`pipeline.preload` (a server process at start)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import segprofile
from segprofile import pipeline

# Libraries that cost a command seconds and hundreds of megabytes before it reads any data.
HEAVY = {"altair", "ibis", "numba", "pandas", "pyarrow", "scipy", "sklearn", "vl_convert"}
# Imported by the first report or demo, never preloaded.
ON_FIRST_USE = {
    "segprofile.examples",
    "segprofile.report.docx",
    "segprofile.report.template",  # a body's DOCX template: a writer of report files too
    "segprofile.report.xlsx",
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    """The modules of a fresh interpreter after ``import segprofile.pipeline``, then after
    ``pipeline.preload()``."""
    script = (
        "import json, sys\n"
        "from segprofile import pipeline\n"
        "imported = sorted(sys.modules)\n"
        "pipeline.preload()\n"
        "print(json.dumps({'imported': imported, 'preloaded': sorted(sys.modules)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(segprofile.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: set(v) for k, v in found.items()}


def _top(names: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in names}


def _imported_in_functions() -> set[str]:
    """Our modules that a stage of the pipeline imports inside a function."""
    found: set[str] = set()
    for path in Path(pipeline.__file__).parent.glob("*.py"):
        for func in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                if not isinstance(node, ast.ImportFrom) or node.module is None:
                    continue
                if not node.module.startswith("segprofile"):
                    continue
                package = hasattr(importlib.import_module(node.module), "__path__")
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    is_module = package and importlib.util.find_spec(sub) is not None
                    found.add(sub if is_module else node.module)
    return found


def test_importing_the_pipeline_loads_no_heavy_library(loaded: dict[str, set[str]]) -> None:
    assert _top(loaded["imported"]).isdisjoint(HEAVY), _top(loaded["imported"]) & HEAVY
    assert "segprofile.analysis.by_feature" not in loaded["imported"]
    assert "segprofile.report.pdf" not in loaded["imported"]


def test_preload_imports_what_every_stage_imports_where_it_is_used(
    loaded: dict[str, set[str]],
) -> None:
    used = _imported_in_functions()
    assert {"segprofile.analysis.by_feature", "segprofile.report.pdf"} <= used  # the scan works
    missing = used - ON_FIRST_USE - loaded["preloaded"]
    assert not missing, f"add to pipeline._USED_BY_STAGES: {sorted(missing)}"
    assert loaded["preloaded"].isdisjoint(ON_FIRST_USE)


@pytest.mark.parametrize("missing", ["folder", "file", "version"])
def test_missing_data_is_said_before_the_engine_starts(
    tmp_path: Path, small_study_file: Path, missing: str
) -> None:
    """A wrong data folder, a missing file or no imported version: NotFound before Ibis loads."""
    data = {"folder": tmp_path / "absent", "file": tmp_path / "empty", "version": None}[missing]
    (tmp_path / "empty").mkdir()
    script = (
        "import json, sys\n"
        "from segprofile import pipeline\n"
        "from segprofile.errors import NotFound\n"
        "ws = pipeline.Workspace.in_folder(sys.argv[1])\n"
        "if sys.argv[3]:\n"
        "    ws = ws.reading(sys.argv[3])\n"
        "else:\n"
        "    ws = pipeline.Workspace(home=ws.home, keys=ws.keys, staging=ws.staging)\n"
        "try:\n"
        "    pipeline.profile_study(ws, pipeline.load_study(sys.argv[2]))\n"
        "except NotFound as exc:\n"
        "    print(json.dumps({'error': str(exc), 'ibis': 'ibis' in sys.modules}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(segprofile.__file__).parents[1])}
    args = [str(tmp_path / "ws"), str(small_study_file), str(data or "")]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, env=env
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert not found["ibis"]
    # No version and no file: the source (by its title) has no data — load it (the web's
    # «Данные» page, the command line's import).
    no_data = "нет загруженной версии данных"
    expected = {"folder": "Каталог данных", "file": no_data, "version": no_data}
    assert expected[missing] in found["error"]
