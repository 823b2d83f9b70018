"""``segprofile inspect`` and ``segprofile import``: Russian output, exit codes, no values shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_clients import client_rows, write_csv

from segprofile.cli import run


def test_inspect_prints_a_russian_report(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = client_rows(100, seed=2)
    path = write_csv(tmp_path / "выгрузка.csv", rows, encoding="cp1251")
    assert run(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "кодировка Windows-1251" in out
    assert "разделитель — точка с запятой" in out
    assert "Строк: 100" in out
    assert "СНИЛС" in out
    assert "заменить псевдонимом" in out
    assert "Дата рождения" in out
    assert "оставить только год" in out
    for r in rows[:20]:
        assert r["СНИЛС"] not in out
        assert r["ФИО"] not in out
    assert path.exists()


def test_inspect_json_and_bad_file_exit_code(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(30, seed=2))
    assert run(["inspect", str(path), "--json"]) == 0
    assert '"rows": 30' in capsys.readouterr().out
    empty = tmp_path / "пусто.csv"
    empty.write_bytes(b"")
    assert run(["inspect", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "пусто.csv" in err
    assert "0 байт" in err
    assert "Traceback" not in err


def test_import_creates_a_version_and_never_deletes_the_users_file(
    home: Path, tmp_path: Path, small_study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(40, seed=5))
    before = path.read_bytes()
    code = run(
        [
            "import",
            str(path),
            "--study",
            str(small_study_file),
            "--source",
            "records",
            "--author",
            "тест",
            "--drop",
            "Телефон",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Загружена версия 1" in out
    assert "«Телефон» (телефон): удалить" in out
    assert "удалён" not in out
    assert path.exists()
    assert path.read_bytes() == before
    assert run(["datasets", "small", "records"]) == 0
    listing = capsys.readouterr().out
    assert "тест" in listing
    assert "a.csv" in listing


def test_import_unknown_source(
    home: Path, tmp_path: Path, small_study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(5, seed=5))
    assert run(["import", str(path), "--study", str(small_study_file), "--source", "x"]) == 2
    assert "нет источника данных «x»" in capsys.readouterr().err
    assert path.exists()
