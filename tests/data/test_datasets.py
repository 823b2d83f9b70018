"""Versioned datasets: new version per import, overrides re-applied, atomic failure, deletion."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from fake_clients import client_rows, write_csv

from canary import COLUMNS, canary_csv, canary_rows, canary_xlsx, needles, scan_text
from segprofile import pipeline
from segprofile.data import datasets, privacy
from segprofile.data.engine import Engine
from segprofile.data.readers import ReadOptions
from segprofile.errors import InputError, NotFound
from segprofile.model.study import ColumnOverride, Study


@pytest.fixture
def study(small_study: Study) -> Study:
    source = small_study.data_sources[0]
    source.id_column = "Номер заявления"
    source.columns = {
        "Канал": ColumnOverride(use="feature"),
        "Возраст": ColumnOverride(type="categorical"),
        "Комментарий": ColumnOverride(pii="drop"),
    }
    return small_study


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_reimport_creates_versions_and_reapplies_overrides(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    first = write_csv(tmp_path / "a.csv", client_rows(120, seed=1), encoding="cp1251")
    v1 = pipeline.import_dataset(ws, first, study, "records", author="анна")
    second = write_csv(tmp_path / "b.csv", client_rows(150, seed=2))
    v2 = pipeline.import_dataset(ws, second, study, "records", author="борис")
    assert (v1.manifest.version, v2.manifest.version) == (1, 2)
    assert (v1.manifest.rows, v2.manifest.rows) == (120, 150)
    assert v1.path.is_file()
    assert v2.path.is_file()
    assert first.exists()  # the user's files are never deleted
    assert second.exists()
    versions = pipeline.list_dataset_versions(ws, "small", "records")
    assert [m.version for m in versions] == [1, 2]
    assert [m.author for m in versions] == ["анна", "борис"]
    for result in (v1, v2):
        cols = {c["name"]: c for c in result.manifest.columns}
        assert "Комментарий" not in cols
        assert cols["Возраст"]["type"] == "categorical"
        assert cols["Возраст"]["dtype"] == "VARCHAR"
        assert cols["Возраст"]["overridden"] is True
        assert cols["СНИЛС"]["pii_action"] == "pseudonymise"
        assert cols["СНИЛС"]["type"] == "identifier"
        assert result.quality.id_column == "Номер заявления"
        assert result.quality.duplicate_ids == 0
    m = v2.manifest
    assert m.details["encoding"] == "utf-8"
    assert v1.manifest.details["encoding"] == "cp1251"
    assert m.sha256 == datasets._sha256(v2.path)
    assert len(m.file_sha256 or "") == 64


def test_numbers_with_a_few_stray_texts_are_numbers_and_the_texts_counted(tmp_path: Path) -> None:
    """«Доход» of 30 000 numbers with two «около 5000» (past the rows the engine sniffed) is a
    number column, not «идентификатор клиента»: the two are missing values, counted and the first
    one's line named in the quality report — never quoted; «н/д» is a missing value, not a misfit.
    A type chosen on the check page is applied by the re-check as by the import."""
    lines = ["Выгрузка получателей за 2024 год", "Код;Доход;Канал"]
    for i in range(1, 30_001):
        income = "около 5000" if i in (24_000, 24_500) else "н/д" if i % 97 == 0 else str(i * 3)
        lines.append(f"{i:05d};{income};{'МФЦ' if i % 4 else 'ЕПГУ'}")
    path = tmp_path / "export.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    staging_root = tmp_path / "staging"
    for overrides in ({}, {"Доход": ColumnOverride(type="numeric")}):
        inspection = datasets.inspect(path, overrides=overrides, staging_root=staging_root)
        income = next(c for c in inspection.quality.columns if c.name == "Доход")
        assert income.type.value == "numeric"
        assert income.dtype == "BIGINT"  # whole numbers stay whole («2», not «2,0»)
        issue = next(i for i in inspection.quality.issues if i.column == "Доход")
        assert issue.count == 2
        assert "2 значения — не числа (первое — в строке 24\u00a0002 файла)" in issue.message
        assert "пропуск" in issue.message
        assert "около" not in json.dumps([i.message for i in inspection.quality.issues])


def test_a_chosen_type_many_values_do_not_fit_is_said_at_the_check_with_count_and_line(
    tmp_path: Path,
) -> None:
    """More than a few values that do not fit the chosen type: an error at the check with their
    count and the first one's line, never a value."""
    lines = ["Код;Доход"]
    for i in range(1, 3_001):
        lines.append(f"{i:05d};{'около 5000' if i % 10 == 0 else i * 3}")
    path = tmp_path / "export.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    with pytest.raises(InputError) as err:
        datasets.inspect(
            path,
            overrides={"Доход": ColumnOverride(type="numeric")},
            staging_root=tmp_path / "staging",
        )
    message = err.value.message
    assert "столбец «Доход» нельзя привести к выбранному типу (число)" in message
    assert "значений: 300" in message
    assert "в строке 11 файла" in message
    assert "около" not in message
    assert "н/д" in (err.value.hint or "")


def test_failed_import_leaves_previous_version_and_no_partial_file(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(50, seed=1))
    pipeline.import_dataset(ws, path, study, "records", author="a")
    directory = datasets.dataset_dir(home, "small", "records")
    before = _files(directory)
    # 1. Failure inside the engine: a text column forced to numbers.
    with pytest.raises(InputError, match="«Канал» нельзя привести"):
        pipeline.import_dataset(
            ws,
            path,
            study,
            "records",
            author="a",
            overrides={"Канал": ColumnOverride(type="numeric")},
        )
    assert _files(directory) == before

    # 2. Failure after the Parquet file was written, before it became a version.
    def boom(_: Path) -> str:
        raise OSError("диск переполнен")

    monkeypatch.setattr(datasets, "_sha256", boom)
    with pytest.raises(OSError, match="диск"):
        pipeline.import_dataset(ws, path, study, "records", author="a")
    assert _files(directory) == before
    assert path.exists()
    assert [m.version for m in pipeline.list_dataset_versions(ws, "small", "records")] == [1]
    assert len(privacy.read_audit(home)) == 1


def test_delete_version_on_purpose_is_audited(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    for seed in (1, 2, 3):
        path = write_csv(tmp_path / f"{seed}.csv", client_rows(20, seed=seed))
        pipeline.import_dataset(ws, path, study, "records", author="a")
    pipeline.delete_dataset_version(ws, "small", "records", 2, user="админ")
    assert [m.version for m in pipeline.list_dataset_versions(ws, "small", "records")] == [
        1,
        3,
    ]
    audit = pipeline.read_audit(ws, study_id="small")
    assert [r.event for r in audit] == ["import", "import", "import", "delete_version"]
    assert audit[-1].user == "админ"
    assert audit[-1].version == 2
    path = write_csv(tmp_path / "4.csv", client_rows(20, seed=4))
    assert pipeline.import_dataset(ws, path, study, "records", author="a").manifest.version == 4
    with pytest.raises(NotFound, match="Версии 2"):
        datasets.get_version(home, "small", "records", 2)


def test_a_deleted_versions_number_is_never_given_to_another_file(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    """Walk-through: the only version deleted, the next file was «версия 1» again — two profiles
    built on different files both cited «records, версия 1»."""
    first = write_csv(tmp_path / "1.csv", client_rows(30, seed=1))
    pipeline.import_dataset(ws, first, study, "records", author="a")
    pipeline.delete_dataset_version(ws, "small", "records", 1, user="a")
    assert pipeline.list_dataset_versions(ws, "small", "records") == []
    second = write_csv(tmp_path / "2.csv", client_rows(45, seed=2))
    again = pipeline.import_dataset(ws, second, study, "records", author="a")
    assert again.manifest.version == 2
    pipeline.delete_dataset_version(ws, "small", "records", 2, user="a")
    third = pipeline.import_dataset(ws, first, study, "records", author="a")
    assert third.manifest.version == 3
    # Numbered per source: another source of the same study starts at 1.
    other = study.model_copy(deep=True)
    other.data_sources[0].id = "records2"
    assert pipeline.import_dataset(ws, second, other, "records2", author="a").manifest.version == 1


def test_open_dataset_exposes_version_and_fingerprint(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(70, seed=9))
    result = pipeline.import_dataset(ws, path, study, "records", author="a")
    engine = Engine.duckdb()
    table = pipeline.open_dataset(ws, engine, study, "records")
    assert table.version == 1
    assert table.count() == 70
    assert table.fingerprint() == result.manifest.sha256
    assert "Канал" in table.columns
    with pytest.raises(NotFound, match="нет источника данных «survey»"):
        pipeline.open_dataset(ws, engine, study, "survey")
    engine.close()


def test_no_dataset_yet_is_a_clear_not_found(
    ws: pipeline.Workspace, home: Path, study: Study
) -> None:
    with pytest.raises(NotFound, match="ещё не загружены"):
        pipeline.open_dataset(ws, Engine.duckdb(), study, "records")


def test_inspect_with_study_applies_saved_decisions(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(40, seed=3))
    result = pipeline.inspect_file(ws, path, study=study, source_id="records")
    cols = {c.name: c for c in result.quality.columns}
    assert cols["Возраст"].type.value == "categorical"
    assert cols["Возраст"].overridden
    assert {f.column: f.action.value for f in result.pii}["Комментарий"] == "drop"
    assert result.quality.id_column == "Номер заявления"
    assert path.exists()
    # The read's work folder (the raw file's converted copy) was in the staging area, and
    # is gone; nothing was written to the data home.
    assert not list((home.with_name("home-staging") / "work").iterdir())
    assert not (home / "tmp").exists()


def test_an_inspection_shows_no_value_of_personal_data_identifiers_or_free_text(
    ws: pipeline.Workspace, home: Path, tmp_path: Path
) -> None:
    """``segprofile inspect --json``: personal data, identifiers and free text are masked in the
    preview, and their smallest and largest values (one person's birth date, ИНН) are not
    shown; other columns' ranges are."""
    rows = canary_rows(30, seed=4)
    path = tmp_path / "export.xlsx"
    path.write_bytes(canary_xlsx(rows))
    inspection = pipeline.inspect_file(ws, path)
    found = {f.column: (f.kind.value, f.action.value) for f in inspection.pii}
    assert found["ИНН"] == ("inn", "pseudonymise")  # typed as text, read as text
    assert found["Дата рождения"] == ("birth_date", "generalise")
    shown = inspection.to_dict()
    assert scan_text(json.dumps(shown, ensure_ascii=False, default=str), needles(rows)) == []
    columns = {c["name"]: c for c in shown["quality"]["columns"]}
    assert columns["Дата рождения"]["min"] is None
    assert columns["Возраст"]["min"] == min(r.age for r in rows)
    assert {row["Текст обращения"] for row in shown["preview"]} == {"•••"}
    # Positive control: unmasked, the same dictionary has the raw values.
    raw = json.dumps(inspection.to_dict(mask_pii=False), ensure_ascii=False, default=str)
    assert scan_text(raw, needles(rows))


def test_a_title_above_the_header_of_a_csv_is_left_out(
    ws: pipeline.Workspace, tmp_path: Path
) -> None:
    """Excel saves a sheet with a title as «Выгрузка…;;;;»: the title and the date line are
    left out and the header is read from the third line — the birth dates are found by their
    column's name (with the title taken as the header they were stored as they came)."""
    rows = canary_rows(40, seed=6)
    body = canary_csv(rows, columns=tuple(COLUMNS)).decode("cp1251")
    pad = ";" * (len(COLUMNS) - 1)
    text = f"Выгрузка обращений за 2026 год{pad}\r\nСформировано 01.12.2026{pad}\r\n{body}"
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1251"))
    inspection = pipeline.inspect_file(ws, path)
    assert inspection.rows == 40
    assert inspection.details["skipped_lines"] == 2
    found = {f.column: f.kind.value for f in inspection.pii}
    assert found["Дата рождения"] == "birth_date"
    assert found["СНИЛС"] == "snils"
    # Told explicitly, the header line is taken as it is (a line number, as in Notepad).
    told = pipeline.inspect_file(ws, path, options=ReadOptions(header_row=3))
    assert told.rows == 40
    with pytest.raises(InputError, match="строка 50"):
        pipeline.inspect_file(ws, path, options=ReadOptions(header_row=50))


def test_quality_report_finds_the_problems(
    ws: pipeline.Workspace, home: Path, tmp_path: Path
) -> None:
    lines = ["id;Возраст;Оценка;Регион;Пусто;Дата обращения"]
    for i in range(200):
        age = "150" if i < 3 else str(20 + i % 50)
        score = "7" if i < 4 else str(1 + i % 5)
        region = "нет" if i % 10 == 0 else str(i % 7)
        ident = "5" if i in (5, 6, 7) else str(i)
        date = "01.01.2999" if i == 0 else "15.03.2024"
        lines.append(f"{ident};{age};{score};{region};;{date}")
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = pipeline.inspect_file(ws, path).quality
    kinds = {(i.kind.value, i.column): i for i in report.issues}
    assert report.rows == 200
    assert kinds[("duplicate_ids", "id")].count == 2
    assert kinds[("out_of_range", "Возраст")].count == 3
    assert kinds[("out_of_range", "Оценка")].count == 4
    assert kinds[("out_of_range", "Дата обращения")].count == 1
    assert ("mixed_types", "Регион") in kinds
    assert ("suspicious", "Пусто") in kinds
    assert report.column("Пусто").missing_share == 1.0


def test_study_and_source_ids_cannot_escape_the_data_directory(home: Path) -> None:
    with pytest.raises(InputError, match="Недопустимый идентификатор"):
        datasets.dataset_dir(home, "../etc", "x")


def test_duckdb_reads_what_was_written(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(30, seed=8))
    result = pipeline.import_dataset(ws, path, study, "records", author="a")
    con = duckdb.connect()
    row = con.execute(
        f'SELECT count(*), count(DISTINCT "СНИЛС"), min(length("СНИЛС")) '  # noqa: S608 — test SQL over our own temp files
        f"FROM read_parquet('{result.path}')"
    ).fetchone()
    assert row == (30, 30, privacy.PSEUDONYM_CHARS)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ("i", (0, 0)),  # unique integers: one bitmap pass
        ("CASE WHEN i < 6 THEN 0 ELSE i END", (5, 1)),  # repeats: counted by grouping
        ("i * 1000000000", (0, 0)),  # a range too wide for a bitmap
        ("CASE WHEN i % 500 = 0 THEN NULL ELSE i % 998 END", (1, 1)),  # NULLs do not count
        ("'к' || (i % 990)", (10, 10)),  # text identifiers
    ],
)
def test_duplicate_identifiers_are_counted_exactly(ids: str, expected: tuple[int, int]) -> None:
    from segprofile.data import schema

    con = duckdb.connect()
    table = f"CREATE TABLE t AS SELECT {ids} AS id FROM range(1000) r(i)"  # noqa: S608 — test SQL
    con.execute(table)
    report = schema.quality_report(con, "t", id_column="id")
    assert report.duplicate_ids == expected[0]
    issues = [i for i in report.issues if i.kind.value == "duplicate_ids"]
    if expected[0]:
        assert f"у {expected[1]} идентификатор" in issues[0].message  # «а» or «ов»
    else:
        assert not issues


def test_quality_of_a_parquet_file_samples_windows_and_settles_checks_by_extremes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Parquet path gives the same report as a full scan: the text shapes from row windows,
    the range checks settled by extremes when these lie inside, counted when they do not."""
    from segprofile.data import schema

    monkeypatch.setattr(schema, "TEXT_SAMPLE_ROWS", 2_000)
    path = tmp_path / "q.parquet"
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT i AS id, 18 + i % 60 AS "Возраст", 1 + i % 5 AS "Оценка",
                  CASE WHEN i % 4 = 0 THEN 'нет' ELSE CAST(i % 9 AS VARCHAR) END AS "Регион",
                  CASE WHEN i % 1000 = 7 THEN 300 ELSE i % 90 END AS "Возраст клиента",
                  DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS "Дата обращения"
                FROM range(50000) r(i))
            TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)"""  # noqa: S608 — test SQL
    )
    relation = f"read_parquet('{path}')"
    full = schema.quality_report(con, relation, id_column="id")
    fast = schema.quality_report(con, relation, id_column="id", parquet=path)
    issues = {(i.kind.value, i.column): i.count for i in fast.issues}
    assert issues == {(i.kind.value, i.column): i.count for i in full.issues}
    assert issues[("out_of_range", "Возраст клиента")] == 50
    assert ("out_of_range", "Возраст") not in issues
    assert ("out_of_range", "Оценка") not in issues
    assert ("out_of_range", "Дата обращения") not in issues
    region = fast.column("Регион")
    assert region.numeric_share is not None
    assert abs(region.numeric_share - 0.75) < 0.02
    assert [c.type for c in fast.columns] == [c.type for c in full.columns]
    assert [c.use for c in fast.columns] == [c.use for c in full.columns]


def test_versions_record_the_pseudonym_format(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    """A version with pseudonyms records their format; one of an earlier release (no format:
    32 hex characters) is flagged, so that survey ids are not matched against it."""
    path = write_csv(tmp_path / "a.csv", client_rows(30, seed=8))
    result = pipeline.import_dataset(ws, path, study, "records", author="a")
    assert result.manifest.pseudonym_format == privacy.PSEUDONYM_FORMAT
    assert not result.manifest.legacy_pseudonyms
    source = next(s for s in study.data_sources if s.id == "records")
    engine = Engine.duckdb()
    try:
        assert not datasets.open_version(engine, home, study.id, source).legacy_pseudonyms
        manifest_file = next(result.path.parent.glob("v1.json"))
        data = json.loads(manifest_file.read_text(encoding="utf-8"))
        del data["pseudonym_format"]
        manifest_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert datasets.open_version(engine, home, study.id, source).legacy_pseudonyms
    finally:
        engine.close()


def test_an_uncertain_column_is_kept_with_its_doubt_in_the_audit(
    home: Path, tmp_path: Path
) -> None:
    """A name that says «Телефон» over values that are no phones: kept (not dropped on a guess),
    no reason asked of the user, the doubt recorded; an explicit keep still needs a reason."""
    rows = [
        {"Телефон": v, "Канал": c}
        for v, c in zip(["уточнить", "нет связи", "-"] * 10, ["ЕПГУ", "МФЦ"] * 15, strict=True)
    ]
    path = write_csv(tmp_path / "c.csv", rows)
    source = datasets.adhoc_source()
    result = datasets.import_data(path, study_id="s", source=source, author="a", home=home)
    [finding] = result.pii
    assert (finding.action, finding.review) == (privacy.PiiAction.keep, True)
    assert path.exists()  # the user's own file stays
    [record] = privacy.read_audit(home, study_id="s")
    [entry] = [c for c in record.columns if c["column"] == "Телефон"]
    assert entry["action"] == "keep"
    assert "проверьте" in entry["reason"]
    explicit = source.model_copy(update={"columns": {"Телефон": ColumnOverride(pii="keep")}})
    with pytest.raises(InputError, match="причина не указана"):
        datasets.import_data(path, study_id="s", source=explicit, author="a", home=home)


def test_a_file_without_a_header_row_gets_one_message_not_one_per_column(tmp_path: Path) -> None:
    lines = [
        f"Иванов Иван Иванович;{'МФЦ' if i % 3 else 'ЕПГУ'};{18 + i % 60};{1 + i % 5}"
        for i in range(300)
    ]
    path = tmp_path / "no-header.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    found = datasets.inspect(path, staging_root=tmp_path / "staging")
    about = [i.message for i in found.quality.issues if "назван" in i.message]
    assert about == [
        "В файле нет строки с названиями столбцов: первая строка — уже данные, и столбцы "
        "названы «столбец_1»…«столбец_4». Добавьте в файл первой строкой названия столбцов и "
        "загрузите его снова."
    ]
    assert all("Иванов" not in i.message for i in found.quality.issues)


# --- the client id column (issues 15 and 19) ---------------------------------------------------


def _with_numbers(rows: list[dict[str, str]], numbers: list[str]) -> list[dict[str, str]]:
    return [{**row, "Номер заявления": n} for row, n in zip(rows, numbers, strict=True)]


def test_an_id_column_with_repeats_and_blanks_is_pseudonymised_and_reported_by_count(
    ws: pipeline.Workspace,
    home: Path,
    tmp_path: Path,
    study: Study,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The duplicates and blanks of an application number keep their clear messages (counts,
    the column's name, never a value); blanks stay blank, repeats share a pseudonym."""
    numbers = [f"З-2024-{7301 + i:06d}" for i in range(150)]
    numbers[10] = numbers[11] = numbers[12] = numbers[3]  # one client applied four times
    numbers[40] = numbers[41]
    numbers[60] = numbers[61] = ""
    path = write_csv(tmp_path / "a.csv", _with_numbers(client_rows(150, seed=8), numbers))
    with caplog.at_level("DEBUG"):
        result = pipeline.import_dataset(ws, path, study, "records", author="анна")
    cols = {c["name"]: c for c in result.manifest.columns}
    assert (cols["Номер заявления"]["pii_kind"], cols["Номер заявления"]["pii_action"]) == (
        "client_id",
        "pseudonymise",
    )
    assert result.quality.duplicate_ids == 4
    messages = [i.message for i in result.quality.issues]
    assert "Идентификатор «Номер заявления» повторяется: 4 лишние строки у 2 идентификаторов." in (
        messages
    )
    assert result.quality.column("Номер заявления").missing == 2
    stored = pq.read_table(result.path).column("Номер заявления").to_pylist()
    assert stored.count(None) == 2
    assert len({v for v in stored if v is not None}) == 150 - 2 - 4
    text = json.dumps(result.manifest.to_dict(), ensure_ascii=False) + caplog.text
    text += "\n".join(messages)
    raw = {n for n in numbers if n}
    assert not [n for n in raw if n in text]
    assert not [n for n in raw if n in (home / "audit" / "imports.jsonl").read_text("utf-8")]


def test_keeping_the_id_column_raw_is_an_explicit_choice_with_a_reason(
    ws: pipeline.Workspace, home: Path, tmp_path: Path, study: Study
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(60, seed=9))
    keep = {"Номер заявления": ColumnOverride(pii="keep")}
    with pytest.raises(InputError, match="«Номер заявления» \\(идентификатор клиента\\)"):
        pipeline.import_dataset(ws, path, study, "records", author="анна", overrides=keep)
    result = pipeline.import_dataset(
        ws,
        path,
        study,
        "records",
        author="анна",
        overrides=keep,
        keep_reasons={"Номер заявления": "номера нужны отделу для сверки"},
    )
    stored = pq.read_table(result.path).column("Номер заявления").to_pylist()
    assert {str(v) for v in stored} == {str(100000 + i) for i in range(60)}
    audit = privacy.read_audit(home, study_id="small")[-1]
    entry = next(c for c in audit.columns if c["column"] == "Номер заявления")
    assert (entry["action"], entry["reason"]) == ("keep", "номера нужны отделу для сверки")


def test_an_import_without_a_study_pseudonymises_what_looks_like_a_client_id(
    ws: pipeline.Workspace, home: Path, tmp_path: Path
) -> None:
    """No ``id_column`` named (``segprofile import`` of a bare file): a column whose name and
    values say client id is pseudonymised all the same; unique short answers are not."""
    rows = [
        {
            "ID клиента": f"CL{9000 + i * 7}",
            "Канал": ["ЕПГУ", "ЕПГУ", "ЕПГУ", "МФЦ", "Почта"][i % 5],
            "Что улучшить": f"ответ номер {i}",
        }
        for i in range(120)
    ]
    path = write_csv(tmp_path / "b.csv", rows, encoding="cp1251")
    inspection = datasets.inspect(path, staging_root=tmp_path / "staging")
    assert {f.column: f.kind.value for f in inspection.pii} == {"ID клиента": "client_id"}
    result = datasets.import_data(
        path,
        study_id="adhoc",
        source=datasets.adhoc_source(),
        author="анна",
        home=home,
        staging_root=tmp_path / "staging",
    )
    stored = pq.read_table(result.path).to_pydict()
    assert not set(stored["ID клиента"]) & {row["ID клиента"] for row in rows}
    assert set(stored["Что улучшить"]) == {row["Что улучшить"] for row in rows}


def test_the_counts_of_a_population_table_are_never_taken_for_client_ids(
    home: Path, tmp_path: Path
) -> None:
    """A population table at a large region's scale: every count is distinct, whole and
    non-negative — what the id rule looks for. It is a table of groups, not of people, so its
    counts stay numbers (a pseudonymised count failed the blind zones at 1,000,000 rows);
    a count column under a Russian name is a measure on any upload's check page too."""
    regions = ["город", "село", "посёлок"]
    rows = [
        {
            "region_type": regions[i % 3],
            "children": str(1 + i % 5),
            "entitled": str(23_799 + i * 977),
        }
        for i in range(150)
    ]
    path = write_csv(tmp_path / "population.csv", rows)
    source = datasets.adhoc_source().model_copy(
        update={"kind": "population", "count_column": "entitled"}
    )
    result = datasets.import_data(path, study_id="s", source=source, author="a", home=home)
    assert result.pii == []
    stored = pq.read_table(result.path).to_pydict()
    assert stored["entitled"] == [int(r["entitled"]) for r in rows]
    named = [{**r, "Численность получателей": r["entitled"]} for r in rows]
    inspection = datasets.inspect(
        write_csv(tmp_path / "named.csv", named), staging_root=tmp_path / "staging"
    )
    assert "Численность получателей" not in {f.column for f in inspection.pii}


def test_a_keep_saved_in_the_study_does_not_keep_a_new_files_ids_without_a_reason(
    ws: pipeline.Workspace, home: Path, tmp_path: Path
) -> None:
    """The worked example keeps its demo ids (pseudonyms already) as they are; a body's real
    records file imported into a study made from it is refused until a reason is given for
    that file — nothing is stored — and the example's own demo import still goes through."""
    example = pipeline.example_study("child-benefit")
    assert example.data_sources[0].columns["client_id"].pii == "keep"
    rows = [
        {"client_id": str(7_700_100 + i * 13), "channel": ["ЕПГУ", "ЕПГУ", "МФЦ"][i % 3]}
        for i in range(90)
    ]
    path = write_csv(tmp_path / "real.csv", rows)
    with pytest.raises(InputError, match="«client_id» \\(идентификатор клиента\\)") as caught:
        pipeline.import_dataset(ws, path, example, "records", author="анна")
    assert "--keep-reason" in (caught.value.hint or "")
    assert pipeline.list_dataset_versions(ws, example.id, "records") == []
    assert privacy.read_audit(home, study_id=example.id) == []
    reason = "в выгрузке уже псевдонимы ЕЦП"
    kept = pipeline.import_dataset(
        ws, path, example, "records", author="анна", keep_reasons={"client_id": reason}
    )
    entry = next(c for c in privacy.read_audit(home)[-1].columns if c["column"] == "client_id")
    assert (entry["action"], entry["reason"]) == ("keep", reason)
    assert kept.manifest.version == 1
    demo = pipeline.import_demo_data(ws, example, "child-benefit", author="анна", rows=300)
    assert {r.manifest.source_id for r in demo} >= {"records", "survey"}
    demo_entry = next(
        c
        for c in privacy.read_audit(home, study_id=example.id)[1].columns
        if c["column"] == "client_id"
    )
    assert demo_entry["reason"] == pipeline.DEMO_KEEP_REASON
