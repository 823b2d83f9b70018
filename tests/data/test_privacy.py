"""Personal data: checksums, detection by name and content, pseudonyms, key, no leaks."""

from __future__ import annotations

import logging
import random
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fake_clients import client_rows, make_fio, make_inn12, make_phone, make_snils, write_csv

from segprofile.data import privacy
from segprofile.data.datasets import import_data, inspect
from segprofile.data.privacy import PiiAction, PiiKind
from segprofile.data.readers import ReadOptions
from segprofile.errors import InputError
from segprofile.model.study import ColumnOverride, DataSource, DataSourceKind


def test_snils_checksum() -> None:
    assert privacy.snils_valid("112-233-445 95")
    assert privacy.snils_valid("11223344595")
    assert not privacy.snils_valid("112-233-445 96")
    assert not privacy.snils_valid("001-001-998 00")  # numbers this low carry no checksum
    rng = random.Random(1)
    assert all(privacy.snils_valid(make_snils(rng)) for _ in range(200))


def test_inn_checksums() -> None:
    assert privacy.inn_valid("7707083893")  # a published organisation ИНН
    assert not privacy.inn_valid("7707083894")
    rng = random.Random(2)
    for _ in range(200):
        inn = make_inn12(rng)
        assert privacy.inn_valid(inn)
        broken = inn[:-1] + str((int(inn[-1]) + 1) % 10)
        assert not privacy.inn_valid(broken)
    assert not privacy.inn_valid("12345")
    assert not privacy.inn_valid("77070838 93")


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("ФИО", PiiKind.fio),
        ("Фамилия", PiiKind.fio),
        ("Имя", PiiKind.fio),
        ("Отчество заявителя", PiiKind.fio),
        ("СНИЛС", PiiKind.snils),
        ("ИНН", PiiKind.inn),
        ("inn", PiiKind.inn),
        ("Паспорт", PiiKind.passport),
        ("Серия и номер паспорта", PiiKind.passport),
        ("Моб. телефон", PiiKind.phone),
        ("Тел.", PiiKind.phone),
        ("E-mail", PiiKind.email),
        ("Адрес электронной почты", PiiKind.email),
        ("Адрес регистрации", PiiKind.address),
        ("Дата рождения", PiiKind.birth_date),
        ("birth_date", PiiKind.birth_date),
    ],
)
def test_identifiers_by_column_name(column: str, kind: PiiKind) -> None:
    assert privacy.kind_by_name(column) is kind


@pytest.mark.parametrize(
    "column", ["Канал", "Возраст", "Инновации", "Тип поселения", "Телевизор", "Имущество", "Доход"]
)
def test_ordinary_columns_are_not_identifiers(column: str) -> None:
    assert privacy.kind_by_name(column) is None


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["Иванов Иван Иванович", "Петрова Анна Сергеевна", "ЕГОРОВ ОЛЕГ ПЕТРОВИЧ"], PiiKind.fio),
        (["Сидоров П.О.", "Кузнецова А. В.", "Иванов И.И."], PiiKind.fio),
        (["112-233-445 95", "11223344595"], PiiKind.snils),
        (["7707083893", "500100732259"], PiiKind.inn),
        (["45 06 123456", "4506 654321"], PiiKind.passport),
        (["+7 (916) 123-45-67", "89161234567", "9161234567"], PiiKind.phone),
        (["a.b@mail.ru", "x@example.org"], PiiKind.email),
        (
            ["г. Москва, ул. Ленина, д. 5, кв. 12", "обл. Тульская, г. Тула, пр-т Ленина, д. 1"],
            PiiKind.address,
        ),
    ],
)
def test_identifiers_by_content(values: list[str], kind: PiiKind) -> None:
    found = privacy.detect_column("поле_7", values)
    assert found is not None
    assert found.kind is kind
    assert found.by_content
    assert not found.by_name


def test_ordinary_values_are_not_identifiers() -> None:
    assert privacy.detect_column("x", ["МФЦ", "ЕПГУ", "Приёмная", "МФЦ"]) is None
    assert privacy.detect_column("x", ["12", "34", "5", "1000"]) is None
    assert privacy.detect_column("x", ["Очень долго ждал ответа", "Всё быстро"]) is None


# --- Detection on messy real-looking columns: the values decide, a name alone never drops -------


def _messy(seed: int, n: int = 300) -> dict[str, tuple[list[Any], bool]]:
    """Columns as exports hold them (values and whether the reader typed them as dates)."""
    rng = random.Random(seed)
    countries = ["Россия"] * 12 + ["United-States"] * 6 + ["Mexico", "Казахстан", "?", "Germany"]
    towns = ["г. Казань", "Уфа", "с. Высокая Гора", "Набережные Челны", "пос. Дубки"]
    return {
        "Страна рождения": ([rng.choice(countries) for _ in range(n)], False),
        "Место рождения": ([rng.choice(towns) for _ in range(n)], False),
        "Дата рождения": (
            [
                f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1940, 2005)}"
                for _ in range(n)
            ],
            False,
        ),
        "Дата рождения ребёнка": (
            [
                date(rng.randint(2019, 2024), rng.randint(1, 12), rng.randint(1, 28))
                for _ in range(n)
            ],
            True,
        ),
        "Год рождения": ([rng.randint(1940, 2005) for _ in range(n)], False),
        "ФИО заявителя": ([make_fio(rng) for _ in range(n)], False),
        "Фамилия": ([make_fio(rng).split()[0] for _ in range(n)], False),
        "Телефон (моб.)": ([make_phone(rng) for _ in range(n)], False),
        "Кол-во телефонных обращений": (
            [min(int(rng.expovariate(0.5)), 40) for _ in range(n)],
            False,
        ),
        "Телефонная линия": ([rng.choice(["да", "нет", "нет"]) for _ in range(n)], False),
        "e-mail подтверждён": ([rng.choice(["да", "нет"]) for _ in range(n)], False),
        "ИНН организации": (
            [rng.choice(["7707083893", "1655000010", "7736050003"]) for _ in range(n)],
            False,
        ),
        "Адрес регистрации": (
            [
                f"г. Казань, ул. Баумана, д. {rng.randint(1, 90)}, кв. {rng.randint(1, 200)}"
                for _ in range(n)
            ],
            False,
        ),
        "Регион": ([rng.choice(["Татарстан", "Москва", "Башкортостан"]) for _ in range(n)], False),
        "Имя файла": ([f"scan_{i:04d}.pdf" for i in range(n)], False),
        "Имя услуги": (
            [rng.choice(["Единое пособие", "Выплата по уходу"]) for _ in range(n)],
            False,
        ),
        "Номер паспорта": ([f"{rng.randint(0, 999999):06d}" for _ in range(n)], False),
        "Число телефонных звонков": ([rng.randint(10_000, 90_000) for _ in range(n)], False),
        "Телефон": (
            [rng.choice(["уточнить", "нет связи", "-", make_phone(rng)]) for _ in range(n)],
            False,
        ),
    }


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("Страна рождения", None),  # countries: no birth date
        ("Место рождения", None),  # towns: no birth date
        ("Дата рождения", (PiiKind.birth_date, PiiAction.drop, False)),  # text: cannot be a year
        ("Дата рождения ребёнка", (PiiKind.birth_date, PiiAction.generalise, False)),
        ("Год рождения", None),  # already a year
        ("ФИО заявителя", (PiiKind.fio, PiiAction.drop, False)),  # names join nothing: dropped
        ("Фамилия", (PiiKind.fio, PiiAction.drop, False)),
        ("Телефон (моб.)", (PiiKind.phone, PiiAction.pseudonymise, False)),
        ("Кол-во телефонных обращений", None),  # counts
        ("Телефонная линия", None),  # да / нет
        ("e-mail подтверждён", None),  # да / нет
        ("ИНН организации", (PiiKind.inn, PiiAction.pseudonymise, False)),
        ("Адрес регистрации", (PiiKind.address, PiiAction.drop, False)),
        ("Регион", None),
        ("Имя файла", (PiiKind.fio, PiiAction.keep, True)),  # the name says ФИО, the values not
        ("Имя услуги", (PiiKind.fio, PiiAction.keep, True)),  # lower-case words: no names
        ("Номер паспорта", (PiiKind.passport, PiiAction.pseudonymise, False)),
        ("Число телефонных звонков", (PiiKind.phone, PiiAction.keep, True)),  # large counts
        ("Телефон", (PiiKind.phone, PiiAction.keep, True)),  # a quarter phones: look at it
    ],
)
def test_detection_on_messy_columns(
    column: str, expected: tuple[PiiKind, PiiAction, bool] | None
) -> None:
    values, is_date = _messy(11)[column]
    found = privacy.detect_column(column, values, is_date=is_date)
    if expected is None:
        assert found is None, found
        return
    assert found is not None
    assert (found.kind, found.action, found.review) == expected
    shown = found.to_dict()
    assert shown["review"] is expected[2]
    if found.review:
        assert "проверьте" in found.reason
        assert shown["reason"] == found.reason
        assert found.action is not PiiAction.drop


def test_an_uncertain_finding_never_drops_and_shows_why() -> None:
    found = privacy.detect_column("Паспорт", ["см. скан", "в деле", "нет копии"])
    assert found is not None
    assert (found.kind, found.action, found.review) == (PiiKind.passport, PiiAction.keep, True)
    assert found.reason.startswith("по имени столбца; значения на «паспорт» не похожи")
    empty = privacy.detect_column("СНИЛС", [])
    assert empty is not None
    assert (empty.action, empty.review) == (PiiAction.keep, True)
    assert "нет значений" in empty.reason
    # Content decides over the name: identifiers in a column with an ordinary name.
    hidden = privacy.detect_column("Примечание", [make_phone(random.Random(i)) for i in range(20)])
    assert hidden is not None
    assert (hidden.kind, hidden.action, hidden.review) == (
        PiiKind.phone,
        PiiAction.pseudonymise,
        False,
    )


def _source(**columns: ColumnOverride) -> DataSource:
    return DataSource(id="records", kind=DataSourceKind.client_records, path="x", columns=columns)


def test_same_person_same_pseudonym_across_files(home: Path, tmp_path: Path) -> None:
    rows = client_rows(60, seed=11)
    records = write_csv(tmp_path / "records.csv", rows, encoding="cp1251")
    survey_rows = [
        {"снилс": r["СНИЛС"].replace("-", "").replace(" ", ""), "оценка": r["Оценка"]}
        for r in rows[:30]
    ]
    survey = write_csv(tmp_path / "survey.csv", survey_rows, delimiter=",")
    a = import_data(records, study_id="s", source=_source(), author="тест", home=home)
    b = import_data(
        survey,
        study_id="s",
        source=DataSource(id="survey", kind=DataSourceKind.survey, path="x"),
        author="тест",
        home=home,
    )
    con = duckdb.connect()
    joined = con.execute(
        f"SELECT count(*) FROM read_parquet('{a.path}') r JOIN read_parquet('{b.path}') s "  # noqa: S608 — test SQL over our own temp files
        'ON r."СНИЛС" = s."снилс"'
    ).fetchone()
    assert joined == (30,)
    assert a.manifest.key_id == b.manifest.key_id


def test_no_client_value_in_logs_errors_or_stored_files(
    home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = client_rows(80, seed=21)
    path = write_csv(tmp_path / "pii.csv", rows, encoding="cp1251")
    secrets = [r[c] for r in rows for c in ("ФИО", "СНИЛС", "ИНН", "Телефон", "Эл. почта")]
    messages: list[str] = []
    with caplog.at_level(logging.DEBUG):
        inspect(path)
        result = import_data(path, study_id="s", source=_source(), author="тест", home=home)
        # Errors that concern those very columns: a bad type override, an impossible action.
        for override in (ColumnOverride(type="numeric"), ColumnOverride(pii="explode")):
            with pytest.raises(InputError) as err:
                import_data(
                    path,
                    study_id="s",
                    source=_source(**{"ФИО": override}),
                    author="тест",
                    home=home,
                )
            messages.append(str(err.value))
        ragged = tmp_path / "ragged.csv"
        lines = path.read_bytes().decode("cp1251").splitlines()
        lines[5] += ";лишнее поле " + rows[0]["ФИО"]
        ragged.write_bytes("\n".join(lines).encode("cp1251"))
        with pytest.raises(InputError) as err:
            import_data(ragged, study_id="s", source=_source(), author="тест", home=home)
        messages.append(str(err.value))
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    stored = result.path.read_bytes() + (home / "audit" / "imports.jsonl").read_bytes()
    stored += (result.path.with_suffix(".json")).read_bytes()
    for value in secrets:
        assert value not in text
        assert value.encode() not in stored
    assert "строка 6" in messages[-1]  # lines[5] is the sixth line of the file
    assert "ФИО" in messages[0]


def test_actions_drop_generalise_keep_and_audit(home: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", client_rows(50, seed=4))
    source = _source(
        **{"Телефон": ColumnOverride(pii="drop"), "Эл. почта": ColumnOverride(pii="keep")}
    )
    result = import_data(
        path,
        study_id="s",
        source=source,
        author="аналитик",
        home=home,
        keep_reasons={"Эл. почта": "адрес нужен для рассылки опроса"},
    )
    con = duckdb.connect()
    names = [
        r[0]
        for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{result.path}')").fetchall()  # noqa: S608 — test SQL over our own temp files
    ]
    assert "Телефон" not in names
    assert "Эл. почта" in names
    assert "Дата рождения (год)" in names
    years = con.execute(
        f'SELECT min("Дата рождения (год)"), max("Дата рождения (год)") '  # noqa: S608 — test SQL over our own temp files
        f"FROM read_parquet('{result.path}')"
    ).fetchone()
    assert years is not None
    assert 1945 <= years[0] <= years[1] <= 2004
    actions = {f.column: f.action for f in result.pii}
    assert actions["Телефон"] is PiiAction.drop
    assert actions["Эл. почта"] is PiiAction.keep
    assert actions["СНИЛС"] is PiiAction.pseudonymise
    assert any(i.column == "Эл. почта" for i in result.quality.issues)
    audit = privacy.read_audit(home, study_id="s")
    assert len(audit) == 1
    record = audit[0]
    assert record.user == "аналитик"
    assert record.event == "import"
    assert record.file == "c.csv"
    assert record.version == 1
    assert {"column": "Телефон", "kind": "phone", "action": "drop"} in record.columns
    assert {
        "column": "Эл. почта",
        "kind": "email",
        "action": "keep",
        "reason": "адрес нужен для рассылки опроса",
    } in record.columns
    snils = next(c for c in record.columns if c["column"] == "СНИЛС")
    assert snils["action"] == "pseudonymise"
    assert snils["key_id"] == record.key_id == result.manifest.key_id
    assert record.key_name == "s"
    assert record.original_deleted is False
    assert path.exists()  # the user's file is never deleted


def test_unknown_action_is_refused(home: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", client_rows(10, seed=4))
    with pytest.raises(InputError, match="Неизвестное действие"):
        import_data(
            path,
            study_id="s",
            source=_source(**{"ФИО": ColumnOverride(pii="hide")}),
            author="a",
            home=home,
            options=ReadOptions(),
        )


# --- previews ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column_type", "column_use", "personal", "hidden"),
    [
        ("categorical", "feature", False, False),
        ("numeric", "satisfaction", False, False),
        ("date", "feature", True, True),  # a birth date found as personal data
        ("identifier", "none", False, True),
        ("categorical", "id", False, True),  # chosen as the id by the user
        ("text", "feature", False, True),
        ("categorical", "text", False, True),  # free text may hold names
    ],
)
def test_what_a_preview_hides(
    column_type: str, column_use: str, personal: bool, hidden: bool
) -> None:
    assert privacy.hidden_in_preview(column_type, column_use, personal=personal) is hidden


def test_mask_preview_hides_every_value_of_the_hidden_columns_only() -> None:
    rng = random.Random(7)
    rows = [
        {"ФИО": make_fio(rng), "СНИЛС": make_snils(rng), "Район": "Центральный", "Доход": 10.5},
        {"ФИО": "", "СНИЛС": None, "Район": None, "Доход": 0},
    ]
    shown = privacy.mask_preview(rows, {"ФИО", "СНИЛС"})
    assert shown == [
        {"ФИО": privacy.MASK, "СНИЛС": privacy.MASK, "Район": "Центральный", "Доход": 10.5},
        {"ФИО": "", "СНИЛС": None, "Район": None, "Доход": 0},
    ]
    assert rows[0]["ФИО"] != privacy.MASK  # the rows given are left as they were


def test_an_inspection_masks_what_the_preview_hides(tmp_path: Path) -> None:
    rng = random.Random(11)
    path = tmp_path / "clients.csv"
    rows = [
        {
            "ФИО": make_fio(rng),
            "Телефон": make_phone(rng),
            "Район": rng.choices(["Центр", "Север"], weights=[95, 5])[0],
            "Обращение": ""
            if rng.random() < 0.1
            else f"Подала заявление {rng.randint(1, 28)} числа, ответа нет уже {i % 40 + 2} дней, "
            "прошу разобраться и перезвонить",
        }
        for i in range(60)
    ]
    write_csv(path, rows)
    inspection = inspect(path)
    hidden = inspection.masked_columns()
    assert {"ФИО", "Телефон", "Обращение"} <= hidden
    assert "Район" not in hidden
    preview = inspection.to_dict()["preview"]
    assert {row["ФИО"] for row in preview} == {privacy.MASK}
    assert {row["Район"] for row in preview} <= {"Центр", "Север"}
