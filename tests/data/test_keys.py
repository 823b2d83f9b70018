"""Pseudonym keys: one per study, in a key store apart from the data; damage is never papered over.

Each bad case must give a clear Russian error, store nothing half-way and leave no raw value.
"""

from __future__ import annotations

import base64
import json
import logging
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fake_clients import client_rows, write_csv

from segprofile import pipeline
from segprofile.data import datasets, privacy
from segprofile.data.privacy import StudyKey
from segprofile.errors import InputError
from segprofile.model.study import ColumnOverride, Study


@pytest.fixture
def study(small_study: Study) -> Study:
    small_study.data_sources[0].id_column = "СНИЛС"
    return small_study


@pytest.fixture
def records(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "records.csv", client_rows(80, seed=3), encoding="cp1251")


def _store() -> Path:
    return privacy.default_key_store(datasets.default_home())


def _snils(path: Path) -> list[str]:
    rows = duckdb.connect().execute(f"SELECT \"СНИЛС\" FROM read_parquet('{path}')").fetchall()  # noqa: S608 — our own file
    return sorted(r[0] for r in rows)


def _everything_under(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


def test_one_key_per_study_in_a_private_store_apart_from_the_data(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    a = pipeline.import_dataset(ws, records, study, "records", author="a")
    other = study.model_copy(update={"id": "other"})
    b = pipeline.import_dataset(ws, records, other, "records", author="a")
    store = _store()
    assert not store.is_relative_to(home)
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    for name in ("small", "other"):
        assert stat.S_IMODE((store / f"{name}.key").stat().st_mode) == 0o600
        assert len(bytes.fromhex((store / f"{name}.key").read_text())) == 32
    assert a.manifest.key_id != b.manifest.key_id
    # The same people get unrelated pseudonyms in the two studies ...
    assert not set(_snils(a.path)) & set(_snils(b.path))
    # ... and the same ones again within a study.
    again = pipeline.import_dataset(ws, records, study, "records", author="a")
    assert _snils(again.path) == _snils(a.path)
    assert again.manifest.key_id == a.manifest.key_id
    assert not any(p.suffix == ".key" for p in home.rglob("*"))


def test_the_default_store_is_a_sibling_of_the_data_directory(
    home: Path, records: Path, study: Study, configure: Callable[..., Any]
) -> None:
    configure(keys=None)
    ws = pipeline.Workspace.from_config()
    pipeline.import_dataset(ws, records, study, "records", author="a")
    assert (home.parent / f"{home.name}-keys" / "small.key").is_file()
    assert ws.keys == home.parent / f"{home.name}-keys"


def test_a_key_store_inside_the_data_directory_is_refused(
    home: Path, records: Path, study: Study, configure: Callable[..., Any]
) -> None:
    configure(keys=home / "keys")
    ws = pipeline.Workspace.from_config()
    with pytest.raises(InputError, match="внутри каталога данных") as err:
        pipeline.import_dataset(ws, records, study, "records", author="a")
    assert "SEGPROFILE_KEYS" in (err.value.hint or "")
    assert not (home / "keys").exists()
    assert pipeline.list_dataset_versions(ws, "small", "records") == []


def _imported_once(ws: pipeline.Workspace, records: Path, study: Study) -> tuple[str, set[str]]:
    result = pipeline.import_dataset(ws, records, study, "records", author="a")
    return str(result.manifest.key_id), _everything_under(ws.home)


def _refused(
    ws: pipeline.Workspace, records: Path, study: Study, before: set[str], match: str
) -> InputError:
    with pytest.raises(InputError, match=match) as err:
        pipeline.import_dataset(ws, records, study, "records", author="a")
    assert _everything_under(ws.home) == before  # nothing stored half-way
    assert [m.version for m in pipeline.list_dataset_versions(ws, "small", "records")] == [1]
    return err.value


def test_a_missing_key_is_an_error_never_a_new_key(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    kid, before = _imported_once(ws, records, study)
    key_file = _store() / "small.key"
    key_file.unlink()
    error = _refused(ws, records, study, before, "Нет ключа псевдонимизации")
    assert str(key_file) in str(error)
    assert kid in str(error)
    assert "резервной копии" in (error.hint or "")
    assert "rotate" in (error.hint or "")
    assert not key_file.exists()


def test_an_unreadable_key_is_an_error(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    _, before = _imported_once(ws, records, study)
    key_file = _store() / "small.key"
    key_file.unlink()
    key_file.mkdir()  # something that cannot be read as a file (the tests run as root)
    error = _refused(ws, records, study, before, "не читается")
    assert str(key_file) in str(error)


@pytest.mark.parametrize("content", ["ab" * 16, "ab" * 33, "не ключ", ""])
def test_a_key_of_the_wrong_length_is_an_error(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study, content: str
) -> None:
    _, before = _imported_once(ws, records, study)
    key_file = _store() / "small.key"
    key_file.write_text(content + "\n")
    error = _refused(ws, records, study, before, "повреждён")
    assert "32 байта" in str(error)


def test_another_key_is_an_error(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    kid, before = _imported_once(ws, records, study)
    key_file = _store() / "small.key"
    key_file.write_text("cd" * 32 + "\n")
    error = _refused(ws, records, study, before, "другой ключ")
    assert kid in str(error)
    assert privacy.key_id(bytes.fromhex("cd" * 32)) in str(error)


def test_a_key_store_that_cannot_be_written_is_an_error(
    ws: pipeline.Workspace,
    home: Path,
    records: Path,
    study: Study,
    tmp_path: Path,
    configure: Callable[..., Any],
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    configure(keys=blocker / "keys")
    ws = pipeline.Workspace.from_config()
    before = _everything_under(home)
    with pytest.raises(InputError, match="недоступно для записи") as err:
        pipeline.import_dataset(ws, records, study, "records", author="a")
    assert str(blocker / "keys") in str(err.value)
    assert "SEGPROFILE_KEYS" in (err.value.hint or "")
    assert _everything_under(home) - before <= {"datasets", "datasets/small"} | {
        "datasets/small/records",
        "datasets/small/records/.lock",
        "tmp",
    }
    assert pipeline.list_dataset_versions(ws, "small", "records") == []


def test_an_interrupted_import_leaves_no_version_and_no_file(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before = _imported_once(ws, records, study)
    audit = privacy.audit_path(home).read_bytes()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl+C after the Parquet file was written, before the version

    monkeypatch.setattr(datasets, "_quality_of_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.import_dataset(ws, records, study, "records", author="a")
    assert _everything_under(home) == before
    assert privacy.audit_path(home).read_bytes() == audit
    assert records.exists()


def test_keeping_an_identifier_as_it_is_needs_a_reason_and_is_audited(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    keep = {"Телефон": ColumnOverride(pii="keep")}
    with pytest.raises(InputError, match="«Телефон» \\(телефон\\) остаётся без изменений") as err:
        pipeline.import_dataset(ws, records, study, "records", author="a", overrides=keep)
    assert "--keep-reason" in (err.value.hint or "")
    assert not (home / "datasets" / "small" / "records").exists() or not list(
        (home / "datasets" / "small" / "records").glob("v*")
    )
    pipeline.import_dataset(
        ws,
        records,
        study,
        "records",
        author="оператор",
        overrides=keep,
        keep_reasons={"Телефон": "обзвон по согласию заявителей"},
    )
    (record,) = pipeline.read_audit(ws)
    assert record.user == "оператор"
    assert {
        "column": "Телефон",
        "kind": "phone",
        "action": "keep",
        "reason": "обзвон по согласию заявителей",
    } in record.columns


def test_the_key_appears_in_no_log_audit_manifest_dataset_or_error(
    ws: pipeline.Workspace,
    home: Path,
    records: Path,
    study: Study,
    caplog: pytest.LogCaptureFixture,
) -> None:
    messages = []
    with caplog.at_level(logging.DEBUG):
        result = pipeline.import_dataset(ws, records, study, "records", author="a")
        key_file = _store() / "small.key"
        key = bytes.fromhex(key_file.read_text())
        key_file.write_text("00" * 32)
        with pytest.raises(InputError) as err:
            pipeline.import_dataset(ws, records, study, "records", author="a")
        messages.append(f"{err.value} {err.value.hint}")
        key_file.write_text(key.hex())
        pipeline.rotate_key(ws, records, study, "records", author="a")
    new_key = bytes.fromhex(key_file.read_text())
    forms = []
    for k in (key, new_key):
        b64 = base64.b64encode(k).decode()
        forms += [k.hex(), k.hex().upper(), b64, base64.urlsafe_b64encode(k).decode(), b64[:20]]
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    assert result.path.is_file()
    for form in forms:
        assert form not in text
        assert form.encode() not in stored
        assert key not in stored
        assert new_key not in stored


def test_rotation_makes_a_new_key_and_version_and_old_versions_stay(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    first = pipeline.import_dataset(ws, records, study, "records", author="a")
    rotated = pipeline.rotate_key(ws, records, study, "records", author="хранитель")
    assert rotated.manifest.version == 2
    assert rotated.manifest.key_id != first.manifest.key_id
    assert first.path.is_file()
    assert len(_snils(first.path)) == len(_snils(rotated.path))
    assert not set(_snils(first.path)) & set(_snils(rotated.path))
    store = _store()
    assert privacy.key_id(bytes.fromhex((store / "small.key").read_text())) == (
        rotated.manifest.key_id
    )
    old = store / "retired" / f"small.{first.manifest.key_id}.key"
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    # The next import uses the new key without complaint.
    again = pipeline.import_dataset(ws, records, study, "records", author="a")
    assert _snils(again.path) == _snils(rotated.path)
    record = next(r for r in pipeline.read_audit(ws) if r.event == "rotate_key")
    assert record.user == "хранитель"
    assert record.key_id == rotated.manifest.key_id
    assert record.details == {"previous_key_id": first.manifest.key_id}
    snils = next(c for c in record.columns if c["column"] == "СНИЛС")
    assert snils == {
        "column": "СНИЛС",
        "kind": "snils",
        "action": "pseudonymise",
        "key_id": rotated.manifest.key_id,
    }


def test_rotation_is_the_way_out_of_a_lost_key(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    pipeline.import_dataset(ws, records, study, "records", author="a")
    (_store() / "small.key").unlink()
    rotated = pipeline.rotate_key(ws, records, study, "records", author="a")
    again = pipeline.import_dataset(ws, records, study, "records", author="a")
    assert again.manifest.key_id == rotated.manifest.key_id


def test_an_interrupted_rotation_keeps_the_old_key(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pipeline.import_dataset(ws, records, study, "records", author="a")
    key_file = _store() / "small.key"
    key = key_file.read_bytes()
    real = datasets._write_json

    def crash(path: Path, data: dict[str, object]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(datasets, "_write_json", crash)
    with pytest.raises(KeyboardInterrupt):
        pipeline.rotate_key(ws, records, study, "records", author="a")
    monkeypatch.setattr(datasets, "_write_json", real)
    assert key_file.read_bytes() == key
    assert [m.version for m in pipeline.list_dataset_versions(ws, "small", "records")] == [1]
    again = pipeline.import_dataset(ws, records, study, "records", author="a")
    assert again.manifest.key_id == first.manifest.key_id


def test_rotation_of_a_file_without_identifiers_is_refused(
    ws: pipeline.Workspace, home: Path, study: Study
) -> None:
    path = home.parent / "plain.csv"
    path.write_text("Канал;Оценка\nМФЦ;5\nЕПГУ;4\n", encoding="utf-8")
    with pytest.raises(InputError, match="менять ключ для него незачем"):
        pipeline.rotate_key(ws, path, study, "records", author="a")
    assert not (_store() / "small.key").exists()


def test_the_key_of_an_earlier_release_is_moved_into_the_store(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    """Versions stored before keys per study: their key (HOME/keys/pseudonym.key) is adopted."""
    result = pipeline.import_dataset(ws, records, study, "records", author="a")
    key_file = _store() / "small.key"
    legacy = home / "keys" / "pseudonym.key"
    legacy.parent.mkdir()
    legacy.write_text(key_file.read_text())
    key_file.unlink()
    again = pipeline.import_dataset(ws, records, study, "records", author="a")
    assert again.manifest.key_id == result.manifest.key_id
    assert key_file.read_text() == legacy.read_text()
    events = [r.event for r in pipeline.read_audit(ws)]
    assert events == ["import", "key_adopted", "import"]


def test_a_manifest_records_the_key_id_and_name_never_the_key(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    result = pipeline.import_dataset(ws, records, study, "records", author="a")
    manifest = json.loads(result.path.with_suffix(".json").read_text())
    key = bytes.fromhex((_store() / "small.key").read_text())
    assert manifest["key_id"] == privacy.key_id(key)
    assert key.hex() not in json.dumps(manifest)


def test_key_names_are_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Недопустимое имя ключа"):
        StudyKey(tmp_path, "../escape")


def test_after_a_rotation_every_source_of_the_study_uses_the_new_key(
    ws: pipeline.Workspace, home: Path, records: Path, study: Study
) -> None:
    """The expected key is the newest recorded one, even within the same second."""
    second = study.data_sources[0].model_copy(update={"id": "records2"})
    study.data_sources.append(second)
    pipeline.import_dataset(ws, records, study, "records2", author="a")
    pipeline.import_dataset(ws, records, study, "records", author="a")
    rotated = pipeline.rotate_key(ws, records, study, "records", author="a")
    other = pipeline.import_dataset(ws, records, study, "records2", author="a")
    assert other.manifest.key_id == rotated.manifest.key_id
    assert _snils(other.path) == _snils(rotated.path)
