"""``segprofile inspect`` and ``segprofile import``: Russian output, exit codes, no values shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fake_clients import client_rows, records_with_contacts, write_csv

from segprofile.cli import run
from segprofile.model.spec_yaml import dump_study
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY


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


STUDY_WITH_ID = SMALL_STUDY | {
    "data_sources": [
        {
            "id": "records",
            "kind": "client_records",
            "path": "records.parquet",
            "id_column": "СНИЛС",
        }
    ]
}


@pytest.fixture
def study_file(tmp_path: Path) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(dump_study(Study.model_validate(STUDY_WITH_ID)), encoding="utf-8")
    return path


def test_keeping_an_identifier_needs_a_reason(
    home: Path, tmp_path: Path, study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(30, seed=5))
    args = ["import", str(path), "--study", str(study_file), "--source", "records"]
    assert run([*args, "--keep", "Телефон"]) == 2
    err = capsys.readouterr().err
    assert "«Телефон» (телефон) остаётся без изменений" in err
    assert "--keep-reason" in err
    assert "Traceback" not in err
    assert run([*args, "--keep", "Телефон", "--keep-reason", "обзвон по согласию"]) == 0
    assert "Телефон» (телефон): оставить как есть" in capsys.readouterr().out
    audit = (home / "audit" / "imports.jsonl").read_text(encoding="utf-8")
    assert "обзвон по согласию" in audit


def test_a_keep_written_in_the_study_needs_the_reason_on_the_command_line_too(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The worked example's study keeps client_id as it is (its demo ids are pseudonyms): a
    real file imported with that study by the command line is refused until --keep-reason."""
    from segprofile.pipeline import example_study

    study_path = tmp_path / "study.yaml"
    study_path.write_text(dump_study(example_study("child-benefit")), encoding="utf-8")
    rows = [{"client_id": str(5_550_000 + i * 7), "channel": "ЕПГУ"} for i in range(50)]
    path = write_csv(tmp_path / "заявления.csv", rows)
    args = ["import", str(path), "--study", str(study_path), "--source", "records"]
    assert run(args) == 2
    err = capsys.readouterr().err
    assert "«client_id» (идентификатор клиента) остаётся без изменений" in err
    assert "--keep-reason" in err
    assert not list((home / "datasets").rglob("v*.parquet"))
    assert run([*args, "--keep-reason", "номера уже псевдонимы ЕЦП"]) == 0
    assert "номера уже псевдонимы ЕЦП" in (home / "audit" / "imports.jsonl").read_text("utf-8")


def test_rotate_then_reidentify_from_the_command_line(
    home: Path, tmp_path: Path, study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = records_with_contacts(400, seed=9)
    original = write_csv(tmp_path / "выгрузка.csv", rows, encoding="cp1251")
    before = original.read_bytes()
    common = ["--study", str(study_file), "--source", "records"]
    assert run(["import", str(original), *common]) == 0
    assert run(["keys", "rotate", str(original), *common, "--author", "хранитель"]) == 0
    out = capsys.readouterr().out
    assert "Загружена версия 2" in out
    assert "Ключ исследования «small» заменён" in out
    data = tmp_path / "data"
    data.mkdir()
    plan = tmp_path / "plan"
    assert run(["research", "plan", str(study_file), "--data", str(data), "--out", str(plan)]) == 0
    capsys.readouterr()
    contacts = tmp_path / "контакты.csv"
    reid = [
        "reidentify",
        str(original),
        *common,
        "--respondents",
        str(plan / "respondents.csv"),
        "--out",
        str(contacts),
    ]
    assert run(reid) == 0
    out = capsys.readouterr().out
    assert "Найдено респондентов:" in out
    assert str(contacts) in out
    text = contacts.read_bytes().decode("utf-8-sig")
    assert text.startswith("Респондент;ФИО;СНИЛС;Телефон;Эл. почта")
    assert any(r["СНИЛС"] in text for r in rows)
    for r in rows:  # nothing raw printed or kept in the data home
        assert r["СНИЛС"] not in out
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    assert not any(r["СНИЛС"].encode() in stored for r in rows)
    # A second run refuses to overwrite the contacts file.
    assert run(reid) == 2
    err = capsys.readouterr().err
    assert "уже существует" in err
    assert "Traceback" not in err
    assert original.read_bytes() == before
    events = [
        json.loads(line)["event"]
        for line in (home / "audit" / "imports.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert events == ["import", "rotate_key", "reidentify"]


def test_reidentify_without_the_key_explains(
    home: Path, tmp_path: Path, study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = write_csv(tmp_path / "выгрузка.csv", records_with_contacts(50, seed=2))
    common = ["--study", str(study_file), "--source", "records"]
    assert run(["import", str(original), *common]) == 0
    respondents = tmp_path / "respondents.csv"
    respondents.write_text("Респондент\nAAAAAAAAAAAAAAAAAAAAAA\n", encoding="utf-8")
    store = Path(os.environ["SEGPROFILE_KEYS"])
    (store / "small.key").unlink()
    code = run(
        [
            "reidentify",
            str(original),
            *common,
            "--respondents",
            str(respondents),
            "--out",
            str(tmp_path / "c.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "Нет ключа псевдонимизации исследования «small»" in err
    assert "Traceback" not in err
    assert not (tmp_path / "c.csv").exists()
