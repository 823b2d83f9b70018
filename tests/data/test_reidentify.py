"""Re-identification (M-8 recruitment): contacts of chosen respondents, only for the key holder."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest
from fake_clients import records_with_contacts, write_csv

from segprofile import pipeline
from segprofile.data import datasets, privacy
from segprofile.data.privacy import PiiKind
from segprofile.errors import InputError, NotFound
from segprofile.model.format import restore
from segprofile.model.study import Study


@pytest.fixture
def study(small_study: Study) -> Study:
    small_study.data_sources[0].id_column = "СНИЛС"
    return small_study


@pytest.fixture
def original(tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    rows = records_with_contacts(600, seed=5)
    return write_csv(tmp_path / "выгрузка.csv", rows, encoding="cp1251"), rows


def _respondents(ws: pipeline.Workspace, study: Study, tmp_path: Path) -> tuple[Path, list[str]]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    plan = pipeline.research_plan(ws.reading(data), study)
    path = tmp_path / "respondents.csv"
    path.write_bytes(pipeline.recruitment_csv(plan.recruitment))
    return path, [r.respondent_id for r in plan.recruitment.respondents]


def _read(path: Path) -> list[dict[str, str]]:
    """The contacts as a spreadsheet shows them: a pseudonym «'-8Ec…» written so that it is no
    formula reads «-8Ec…» (the pseudonyms are of a new key in each run: any may start so)."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text), delimiter=";")
    return [{k: restore(v) for k, v in row.items()} for row in rows]


def test_contacts_of_the_chosen_respondents_only(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    original: tuple[Path, list[dict[str, str]]],
) -> None:
    path, rows = original
    pipeline.import_dataset(ws, path, study, "records", author="a")
    respondents, chosen = _respondents(ws, study, tmp_path)
    assert chosen
    out = tmp_path / "контакты.csv"
    result = pipeline.reidentify(
        ws,
        path,
        study,
        "records",
        respondents=respondents,
        out=out,
        user="рекрутер",
    )
    assert (result.requested, result.found) == (len(chosen), len(chosen))
    assert result.same_file is True
    assert result.version == 1
    contacts = _read(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert list(contacts[0]) == ["Респондент", "ФИО", "СНИЛС", "Телефон", "Эл. почта"]
    key = privacy.key_with_id(
        privacy.StudyKey(privacy.default_key_store(home), "small"),
        pipeline.list_dataset_versions(ws, "small", "records")[0].key_id or "",
    )
    # Each row is a chosen respondent's own, and only chosen respondents are there.
    assert {c["Респондент"] for c in contacts} == set(chosen)
    for c in contacts:
        assert privacy.pseudonym(key, PiiKind.snils, c["СНИЛС"]) == c["Респондент"]
    by_snils = {r["СНИЛС"]: r for r in rows}
    assert all(c["ФИО"] == by_snils[c["СНИЛС"]]["ФИО"] for c in contacts)
    assert "channel" not in contacts[0]  # only the columns with personal data
    assert len(contacts) == result.rows >= len(chosen)
    # Nothing raw is stored by us: the contacts are in the user's file only.
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for c in contacts:
        assert c["СНИЛС"].encode() not in stored
        assert c["ФИО"].encode() not in stored
    record = pipeline.read_audit(ws)[-1]
    assert record.event == "reidentify"
    assert record.user == "рекрутер"
    assert record.file == "выгрузка.csv"
    assert record.details == {"respondents": len(chosen), "found": len(chosen), "out": out.name}
    assert record.rows == len(contacts)
    assert path.exists()


def test_respondents_not_in_the_file_are_counted_not_invented(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    original: tuple[Path, list[dict[str, str]]],
) -> None:
    path, rows = original
    pipeline.import_dataset(ws, path, study, "records", author="a")
    _, chosen = _respondents(ws, study, tmp_path)
    later = write_csv(tmp_path / "другая.csv", rows[1:], encoding="cp1251")
    wanted = tmp_path / "wanted.csv"
    wanted.write_text("Респондент\n" + "\n".join([*chosen, "нетТакогоПсевдонима0000"]) + "\n")
    result = pipeline.reidentify(
        ws,
        later,
        study,
        "records",
        respondents=wanted,
        out=tmp_path / "c.csv",
        user="a",
    )
    assert result.requested == len(chosen) + 1
    assert result.found <= len(chosen)
    assert result.same_file is False


@pytest.mark.parametrize("where", ["exists", "home", "keys"])
def test_the_output_never_overwrites_nor_lands_in_data_or_keys(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    original: tuple[Path, list[dict[str, str]]],
    where: str,
) -> None:
    path, _ = original
    pipeline.import_dataset(ws, path, study, "records", author="a")
    respondents, _ = _respondents(ws, study, tmp_path)
    out = {
        "exists": respondents,
        "home": home / "contacts.csv",
        "keys": privacy.default_key_store(home) / "contacts.csv",
    }[where]
    before = out.read_bytes() if out.exists() else None
    with pytest.raises(InputError) as err:
        pipeline.reidentify(
            ws,
            path,
            study,
            "records",
            respondents=respondents,
            out=out,
            user="a",
        )
    assert str(out) in str(err.value)
    assert (out.read_bytes() if out.exists() else None) == before
    assert pipeline.read_audit(ws)[-1].event == "import"


def test_without_the_key_there_are_no_contacts(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    original: tuple[Path, list[dict[str, str]]],
) -> None:
    path, _ = original
    pipeline.import_dataset(ws, path, study, "records", author="a")
    respondents, _ = _respondents(ws, study, tmp_path)
    (privacy.default_key_store(home) / "small.key").unlink()
    out = tmp_path / "c.csv"
    with pytest.raises(InputError, match="Нет ключа псевдонимизации"):
        pipeline.reidentify(
            ws,
            path,
            study,
            "records",
            respondents=respondents,
            out=out,
            user="a",
        )
    assert not out.exists()


def test_a_respondents_file_without_pseudonyms_is_refused(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    original: tuple[Path, list[dict[str, str]]],
) -> None:
    path, _ = original
    pipeline.import_dataset(ws, path, study, "records", author="a")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Номер;Сегмент\n1;a\n")
    with pytest.raises(InputError, match="нет столбца «Респондент»"):
        pipeline.reidentify(
            ws,
            path,
            study,
            "records",
            respondents=wrong,
            out=tmp_path / "c.csv",
            user="a",
        )


def test_nothing_imported_and_no_key_means_nothing_to_find(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    original: tuple[Path, list[dict[str, str]]],
) -> None:
    path, _ = original
    wanted = tmp_path / "wanted.csv"
    wanted.write_text("Респондент\nabc\n")
    with pytest.raises((InputError, NotFound)):
        pipeline.reidentify(
            ws,
            path,
            study,
            "records",
            respondents=wanted,
            out=tmp_path / "c.csv",
            user="a",
        )
    assert not (tmp_path / "c.csv").exists()
    assert not datasets.list_versions(home, "small", "records")


def test_contacts_cells_never_start_a_formula(tmp_path: Path) -> None:
    """A phone «+7 …» and a pseudonym «-ymx…» read back as they are, never as Excel formulas;
    the respondents' file and the contacts name a person the same way."""
    from segprofile.data.datasets import _write_contacts
    from segprofile.model.format import neutralise, restore

    out = tmp_path / "contacts.csv"
    _write_contacts(
        out, ["Респондент", "Телефон"], [("-ymxIsnTOfMlLQOxV1B3Jg", "+7 936 692-37-46")]
    )
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == "'-ymxIsnTOfMlLQOxV1B3Jg;'+7 936 692-37-46"
    assert neutralise("-ymxIsnTOfMlLQOxV1B3Jg") == "'-ymxIsnTOfMlLQOxV1B3Jg"
    assert restore("'+7 936 692-37-46") == "+7 936 692-37-46"
