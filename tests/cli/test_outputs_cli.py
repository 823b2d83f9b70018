"""``profile`` and ``report``: --out is a folder for both, files named by the study and format;
without --data the latest imported versions are read, and the output says which."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile.cli import run
from sp_factories import make_records


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SEGPROFILE_HOME", str(home))
    return home


def test_profile_and_every_report_format_share_one_folder(
    small_study_file: Path, small_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    common = [str(small_study_file), "--data", str(small_data), "--out", str(out)]
    assert run(["profile", *common]) == 0
    for fmt in ("docx", "xlsx", "html", "pdf"):
        assert run(["report", *common, "--format", fmt]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "small-profile.html",
        "small-profile.json",
        # named as the pages name a downloaded report (model.format.report_file_name)
        "Профиль — Малое исследование.docx",
        "Профиль — Малое исследование.html",
        "Профиль — Малое исследование.pdf",
        "Профиль — Малое исследование.xlsx",
    ]
    assert (out / "Профиль — Малое исследование.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "Профиль — Малое исследование.docx").read_bytes().startswith(b"PK")
    assert "<html" in (out / "Профиль — Малое исследование.html").read_text(encoding="utf-8")


def test_report_defaults_to_docx_in_the_out_folder(
    small_study_file: Path, small_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["report", str(small_study_file), "--data", str(small_data)]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["Профиль — Малое исследование.docx"]


def test_report_out_may_still_name_a_file(
    small_study_file: Path,
    small_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    common = ["report", str(small_study_file), "--data", str(small_data)]
    target = tmp_path / "отчёты" / "отчёт.pdf"
    # The extension gives the format when --format is not given.
    assert run([*common, "--out", str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF")
    capsys.readouterr()
    assert run([*common, "--format", "xlsx", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "файл .pdf, а формат отчёта — xlsx" in err
    assert "укажите папку" in err


def test_out_that_is_a_file_is_a_clear_error(
    small_study_file: Path, small_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "report"  # a report written without an extension by an earlier release
    old.write_bytes(b"old")
    code = run(["profile", str(small_study_file), "--data", str(small_data), "--out", str(old)])
    assert code == 2
    assert "это файл, а нужна папка" in capsys.readouterr().err
    assert old.read_bytes() == b"old"
    # A file name for the profile: it writes two files, so --out must be a folder.
    page = tmp_path / "профиль.html"
    code = run(["profile", str(small_study_file), "--data", str(small_data), "--out", str(page)])
    assert code == 2
    assert "small-profile.html и small-profile.json" in capsys.readouterr().err
    assert not page.exists()


def test_profile_without_data_reads_the_latest_imported_version(
    small_study_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    pq.write_table(make_records(1200, seed=3), first)
    pq.write_table(make_records(900, seed=4), second)
    study = str(small_study_file)
    for path in (first, second):
        assert run(["import", str(path), "--source", "records", "--study", study]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    assert run(["profile", study, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Данные: «records» — загруженная версия 2." in printed
    written = json.loads((out / "small-profile.json").read_text(encoding="utf-8"))
    assert written["total_clients"] == 900
    [used] = written["provenance"]["data_files"]
    assert used["version"] == 2
    # The report reads the same way.
    assert run(["report", study, "--format", "xlsx", "--out", str(out)]) == 0
    assert "загруженная версия 2" in capsys.readouterr().out


def test_profile_without_data_or_import_says_what_to_do(
    small_study_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["profile", str(small_study_file), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Нет данных для профиля: источник «records» исследования «small» ещё не загружен" in err
    assert "segprofile import ФАЙЛ" in err
    assert "--data КАТАЛОГ" in err
    assert not (tmp_path / "out").exists()


def test_profile_with_data_names_the_folder_it_read(
    small_study_file: Path, small_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(["profile", str(small_study_file), "--data", str(small_data), "-o", str(out)]) == 0
    assert f"«records» — файл из каталога {small_data}" in capsys.readouterr().out
