"""Using the CLI wrongly: a Russian message that says what to do and exit code 2, never
«Внутренняя ошибка»; and what a command imports before it touches any data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import segprofile
from segprofile.cli import run

# Libraries that cost start-up time and memory; --help needs none of them.
HEAVY = (
    "altair",
    "docx",
    "docxtpl",
    "duckdb",
    "ibis",
    "numba",
    "numpy",
    "openpyxl",
    "pandas",
    "pyarrow",
    "scipy",
    "sklearn",
    "vl_convert",
    "weasyprint",
    "segprofile.analysis",
    "segprofile.pipeline",
    "segprofile.report",
)
# The analysis and the report writers: not loaded before a command has its data.
ANALYSIS = (
    "altair",
    "docx",
    "numba",
    "openpyxl",
    "scipy",
    "sklearn",
    "weasyprint",
    "segprofile.analysis.by_feature",
    "segprofile.analysis.clusters",
    "segprofile.report.pdf",
)


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = run(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "Внутренняя ошибка" not in captured.err
    assert "Traceback" not in captured.err
    return captured.err


def test_missing_option_is_a_russian_usage_error(
    capsys: pytest.CaptureFixture[str], small_study_file: Path
) -> None:
    err = _error(capsys, ["import", "clients.csv", "--study", str(small_study_file)])
    assert "Не указан обязательный параметр --source (-s)" in err
    assert "источник данных исследования" in err
    assert "Что сделать: добавьте --source" in err
    assert "segprofile import --help" in err


def test_missing_argument_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, ["profile"])
    assert "Не указан аргумент ДОКУМЕНТ — документ исследования" in err
    assert "segprofile profile --help" in err


def test_unknown_option_suggests_the_close_one(
    capsys: pytest.CaptureFixture[str], small_study_file: Path
) -> None:
    err = _error(capsys, ["profile", str(small_study_file), "--dta", "data"])
    assert "У команды segprofile profile нет параметра --dta" in err
    assert "возможно, имелся в виду --data" in err


def test_option_without_its_value(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, ["research", "plan", "study.yaml", "--per-segment"])
    assert "После параметра --per-segment нет значения" in err
    assert "segprofile research plan --help" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["demo-data", "child-benefit", "--rows", "много"], "--rows (-n)"),
        (["research", "plan", "s.yaml", "--per-segment", "1.5"], "нужно целое число"),
        (["nosuch"], "Нет команды «nosuch»"),
        (["examples", "лишнее"], "Лишние аргументы: лишнее"),
        (["inspect", "f.csv", "--json=да"], "Параметр --json не принимает значения"),
    ],
)
def test_other_usage_errors_are_russian(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    err = _error(capsys, argv)
    assert expected in err
    assert "Что сделать:" in err


def _imported_after(code: str, tmp_path: Path) -> set[str]:
    """The names of HEAVY and ANALYSIS loaded by ``code`` in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "from segprofile.cli import run\n"
        f"{code}\n"
        f"names = {sorted(set(HEAVY) | set(ANALYSIS))!r}\n"
        "print(json.dumps([n for n in names if n in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(segprofile.__file__).parents[1])}
    env["SEGPROFILE_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_no_heavy_module(tmp_path: Path) -> None:
    loaded = _imported_after(
        "for argv in (['--help'], ['profile', '--help'], ['report', '--help'],"
        " ['research', 'plan', '--help'], ['--version']):\n"
        "    assert run(argv) == 0, argv",
        tmp_path,
    )
    assert loaded == set()


def test_a_usage_error_imports_no_heavy_module(tmp_path: Path) -> None:
    assert (
        _imported_after("assert run(['import', 'f.csv', '--study', 's.yaml']) == 2", tmp_path)
        == set()
    )


def test_import_and_profile_load_no_analysis_before_the_data(
    tmp_path: Path, small_study_file: Path
) -> None:
    study = str(small_study_file)
    imported = _imported_after(
        f"assert run(['import', 'absent.csv', '--source', 'records', '--study', {study!r}]) == 2",
        tmp_path,
    )
    assert imported.isdisjoint(ANALYSIS), imported
    # The import reads with DuckDB alone: neither Ibis nor Arrow before the file is open.
    assert imported.isdisjoint({"ibis", "pandas", "pyarrow"}), imported
    profiled = _imported_after(
        f"assert run(['profile', {study!r}, '--data', 'absent']) == 2", tmp_path
    )
    assert profiled.isdisjoint(ANALYSIS), profiled


def test_a_profile_without_clusters_loads_no_clustering_library(
    tmp_path: Path, small_study_file: Path, small_data: Path
) -> None:
    """The small study clusters nothing and has no complaints: scikit-learn and numba (the
    clustering and the topics of complaints) are never loaded."""
    argv = ["profile", str(small_study_file), "--data", str(small_data), "-o", str(tmp_path)]
    loaded = _imported_after(f"assert run({argv!r}) == 0", tmp_path)
    assert loaded.isdisjoint({"sklearn", "numba"}), loaded
    assert "segprofile.analysis.by_feature" in loaded  # it did profile


def _commands(command: object, path: list[str]) -> list[list[str]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, [*path, name])
    return found


def test_every_help_is_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    """Not only our descriptions: the headings, the usage line, «required», the value types and
    the help option itself (Typer writes these in English)."""
    import typer

    from segprofile.cli import app

    paths = _commands(typer.main.get_command(app), [])
    assert len(paths) > 15
    for path in paths:
        assert run([*path, "--help"]) == 0, path
        text = capsys.readouterr().out
        assert text.startswith("Использование: segprofile"), (path, text[:80])
        assert "Показать эту справку и выйти." in text, path
        for english in (
            "Usage",
            "Options",
            "Arguments",
            "Commands",
            "required",
            "default",
            "Show this",
            "<str>",
            "<path>",
            "<int>",
            "<float>",
            "list[",
            "[OPTIONS]",
        ):
            assert english not in text, (path, english, text)
    run(["research", "import-interviews", "--help"])
    text = capsys.readouterr().out
    assert "{ДОКУМЕНТ}" in text
    assert "{ФАЙЛЫ}" in text
    assert "\n  ДОКУМЕНТ  Документ исследования (study.yaml)  [обязательно]" in text
