"""Files read for analysis without an import are depersonalised on the fly, as an import would.

``segprofile profile --data DIR`` and ``segprofile research plan`` read a source's file when no
version of it is imported: its identifiers must reach no output (profile, respondents CSV).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_clients import records_with_contacts, write_csv

from segprofile import pipeline
from segprofile.cli import run
from segprofile.data import privacy
from segprofile.data.engine import Engine
from segprofile.data.privacy import PiiKind
from segprofile.model.spec_yaml import dump_study
from segprofile.model.study import ColumnOverride, DataSource, DataSourceKind, Study


@pytest.fixture
def study(small_study: Study) -> Study:
    source = small_study.data_sources[0]
    source.path = "records.csv"
    source.id_column = "СНИЛС"
    source.columns = {"Эл. почта": ColumnOverride(pii="drop")}
    return small_study


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    directory = tmp_path / "data"
    directory.mkdir()
    rows = records_with_contacts(500, seed=4)
    write_csv(directory / "records.csv", rows)
    return directory, rows


def test_identifiers_are_depersonalised_by_the_import_sql(
    ws: pipeline.Workspace, home: Path, study: Study, data: tuple[Path, list[dict[str, str]]]
) -> None:
    directory, rows = data
    engine = Engine.duckdb()
    try:
        table = pipeline.open_data_source(
            ws.reading(directory), engine, study, study.data_sources[0]
        )
        columns = table.columns
        stored = table.table.select("СНИЛС").to_pyarrow().to_pylist()
        assert table.count() == len(rows)
    finally:
        engine.close()
    assert "Эл. почта" not in columns  # the study's decision: drop
    assert "channel" in columns
    key = privacy.existing_key(privacy.StudyKey(privacy.default_key_store(home), "small"))
    snils = {privacy.pseudonym(key, PiiKind.snils, r["СНИЛС"]) for r in rows}
    assert {r["СНИЛС"] for r in stored} == snils
    assert "ФИО" not in columns  # names join nothing: dropped by default
    assert not any(home.rglob("*.parquet"))  # nothing stored: read on the fly


def test_a_file_without_personal_data_is_read_as_it_is(
    ws: pipeline.Workspace, home: Path, small_study: Study, small_data: Path
) -> None:
    engine = Engine.duckdb()
    try:
        table = pipeline.open_data_source(
            ws.reading(small_data),
            engine,
            small_study,
            small_study.data_sources[0],
        )
        assert table.columns == ["channel", "age", "single_parent", "region", "satisfaction"]
    finally:
        engine.close()
    assert not list(privacy.default_key_store(home).glob("*.key"))  # no key needed, none made


def test_no_raw_identifier_reaches_the_profile_or_the_respondents(
    home: Path,
    tmp_path: Path,
    study: Study,
    data: tuple[Path, list[dict[str, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory, rows = data
    study_file = tmp_path / "study.yaml"
    study_file.write_text(dump_study(study), encoding="utf-8")
    out = tmp_path / "out"
    assert run(["profile", str(study_file), "--data", str(directory), "--out", str(out)]) == 0
    plan = tmp_path / "plan"
    args = ["research", "plan", str(study_file), "--data", str(directory), "--out", str(plan)]
    assert run(args) == 0
    printed = capsys.readouterr()
    outputs = b"".join(p.read_bytes() for p in [*out.iterdir(), *plan.iterdir()])
    outputs += (printed.out + printed.err).encode()
    respondents = (plan / "respondents.csv").read_text(encoding="utf-8-sig")
    assert respondents.count("\n") > 1
    for r in rows:
        for column in ("СНИЛС", "ФИО", "Телефон", "Эл. почта"):
            assert r[column].encode() not in outputs, column
    # The key holder gets the contacts back from the same file.
    contacts = tmp_path / "contacts.csv"
    reid = ["reidentify", str(directory / "records.csv"), "--study", str(study_file)]
    reid += ["--source", "records", "--respondents", str(plan / "respondents.csv")]
    assert run([*reid, "--out", str(contacts)]) == 0
    text = contacts.read_text(encoding="utf-8-sig")
    found = [r for r in rows if r["СНИЛС"] in text]
    assert found
    assert len({r["СНИЛС"] for r in found}) == respondents.count("\n") - 1


def test_a_keep_saved_in_the_study_without_a_reason_is_not_applied_to_a_raw_read(
    home: Path,
    ws: pipeline.Workspace,
    tmp_path: Path,
    study: Study,
    data: tuple[Path, list[dict[str, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The import's rule: personal data stays as it is only with a reason given for the file.
    A read given none (no --keep-reason) applies the gate's default instead, as if nothing were
    saved: the client id and phones pseudonymised, names dropped — never the raw values in the
    profile, the respondents or the log."""
    directory, rows = data
    for row in rows[::9]:
        row["Телефон"] = ""  # blanks stay blank
    # A body's export: Windows-1251, «;», CRLF.
    write_csv(directory / "records.csv", rows, encoding="cp1251", newline="\r\n")
    study.data_sources[0].columns = {
        "СНИЛС": ColumnOverride(pii="keep"),  # the source's id column
        "Телефон": ColumnOverride(pii="keep"),
        "ФИО": ColumnOverride(pii="keep"),
        "Эл. почта": ColumnOverride(pii="drop"),
    }
    engine = Engine.duckdb()
    try:
        table = pipeline.open_data_source(
            ws.reading(directory), engine, study, study.data_sources[0]
        )
        columns = table.columns
        read = table.table.select("СНИЛС", "Телефон").to_pyarrow().to_pylist()
    finally:
        engine.close()
    key = privacy.existing_key(privacy.StudyKey(privacy.default_key_store(home), "small"))
    assert {r["СНИЛС"] for r in read} == {
        privacy.pseudonym(key, PiiKind.snils, r["СНИЛС"]) for r in rows
    }
    assert {r["Телефон"] for r in read} == {
        privacy.pseudonym(key, PiiKind.phone, r["Телефон"]) for r in rows
    }
    assert "ФИО" not in columns
    # The same through the command line: nothing raw in any output or message.
    study_file = tmp_path / "study.yaml"
    study_file.write_text(dump_study(study), encoding="utf-8")
    out, plan = tmp_path / "out", tmp_path / "plan"
    assert run(["profile", str(study_file), "--data", str(directory), "--out", str(out)]) == 0
    args = ["research", "plan", str(study_file), "--data", str(directory), "--out", str(plan)]
    assert run(args) == 0
    printed = capsys.readouterr()
    outputs = b"".join(p.read_bytes() for p in [*out.iterdir(), *plan.iterdir()])
    outputs += (printed.out + printed.err).encode()
    for r in rows:
        for column in ("СНИЛС", "ФИО", "Телефон"):
            assert not r[column] or r[column].encode() not in outputs, column
    # The respondents are pseudonyms the key holder finds again in the same file.
    contacts = tmp_path / "contacts.csv"
    reid = ["reidentify", str(directory / "records.csv"), "--study", str(study_file)]
    reid += ["--source", "records", "--respondents", str(plan / "respondents.csv")]
    assert run([*reid, "--out", str(contacts)]) == 0
    assert any(r["СНИЛС"] in contacts.read_text(encoding="utf-8-sig") for r in rows)


def test_the_client_id_kept_with_a_reason_on_the_other_side_of_the_join_stays_as_it_is(
    ws: pipeline.Workspace, study: Study, data: tuple[Path, list[dict[str, str]]]
) -> None:
    """Survey answers keyed by the records' ids, imported with those ids kept as they are and
    the reason said: the records read from their file keep the same ids (the reason recorded
    in the audit trail), or the two would never match. Other kept columns still need theirs."""
    directory, rows = data
    study.data_sources[0].columns = {
        "СНИЛС": ColumnOverride(pii="keep"),
        "Телефон": ColumnOverride(pii="keep"),
    }
    study.data_sources.append(
        DataSource(id="answers", kind=DataSourceKind.survey, path="answers.csv")
    )
    answers = [{"СНИЛС": r["СНИЛС"], "Оценка": str(i % 5 + 1)} for i, r in enumerate(rows[:60])]
    write_csv(tmp := directory / "answers.csv", answers, encoding="cp1251", newline="\r\n")
    reason = "в выгрузках ведомства СНИЛС заменены псевдонимами"
    pipeline.import_dataset(
        ws, tmp, study, "answers", author="анна", keep_reasons={"СНИЛС": reason}
    )
    engine = Engine.duckdb()
    try:
        table = pipeline.open_data_source(
            ws.reading(directory), engine, study, study.data_sources[0]
        )
        read = table.table.select("СНИЛС", "Телефон").to_pyarrow().to_pylist()
    finally:
        engine.close()
    assert {r["СНИЛС"] for r in read} == {r["СНИЛС"] for r in rows}
    assert not {r["Телефон"] for r in read} & {r["Телефон"] for r in rows}


def test_a_raw_read_keeps_a_saved_keep_only_with_keep_reason_and_says_so_in_russian(
    home: Path,
    tmp_path: Path,
    study: Study,
    data: tuple[Path, list[dict[str, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``profile`` and ``research plan`` take --keep-reason as ``import`` does: the study's
    «keep» then applies to a file read without an import, recorded in the audit trail. Without
    it the user is told, in Russian on stderr, which column was not kept and how to fix it."""
    directory, rows = data
    study.data_sources[0].columns = {
        "СНИЛС": ColumnOverride(pii="keep"),  # the source's id column: the body's own numbers
        "Эл. почта": ColumnOverride(pii="drop"),
    }
    title = study.data_sources[0].title or study.data_sources[0].id
    study_file = tmp_path / "study.yaml"
    study_file.write_text(dump_study(study), encoding="utf-8")
    plan = tmp_path / "plan"
    args = ["research", "plan", str(study_file), "--data", str(directory), "--out", str(plan)]

    assert run([*args, "--keep-reason", "  "]) == 0  # a blank reason is none, as for import
    printed = capsys.readouterr()
    assert (
        f"Внимание: Столбец «СНИЛС» (СНИЛС) источника «{title}» не оставлен как есть, хотя так "
        "записано в исследовании: файл прочитан без загрузки, а причина оставить персональные "
        "данные без изменений не указана, поэтому выбрано «заменить псевдонимом». Что сделать: "
        "укажите причину параметром --keep-reason «…»"
    ) in " ".join(printed.err.split())
    assert printed.err.count("Столбец «СНИЛС»") == 1  # once, however often the file is read
    assert "segprofile import ФАЙЛ --study … --source records --keep-reason" in printed.err
    assert "kept as is" not in printed.err + printed.out  # no English log line
    respondents = (plan / "respondents.csv").read_text(encoding="utf-8-sig")
    assert not any(r["СНИЛС"] in respondents for r in rows)  # pseudonyms, as said
    assert not [r for r in privacy.read_audit(home) if r.event == "keep_personal_data"]

    reason = "номера СНИЛС нужны отделу для обзвона по согласию"
    assert run([*args, "--keep-reason", reason]) == 0
    printed = capsys.readouterr()
    assert "Внимание" not in printed.err
    respondents = (plan / "respondents.csv").read_text(encoding="utf-8-sig")
    assert any(r["СНИЛС"] in respondents for r in rows)  # kept as it is, with its reason
    out = tmp_path / "out"
    profile = ["profile", str(study_file), "--data", str(directory), "--out", str(out)]
    assert run([*profile, "--keep-reason", reason]) == 0
    assert "Внимание" not in capsys.readouterr().err
    audit = [r for r in privacy.read_audit(home) if r.event == "keep_personal_data"]
    assert audit  # each read that kept it, by whom and why — no values
    for record in audit:
        assert (record.study_id, record.source_id, record.file) == (
            "small",
            "records",
            "records.csv",
        )
        assert record.user
        assert record.columns == [
            {"column": "СНИЛС", "kind": "snils", "action": "keep", "reason": reason}
        ]
    assert not any(r["СНИЛС"] in privacy.audit_path(home).read_text() for r in rows)
