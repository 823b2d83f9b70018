"""Readers: encodings, delimiters, number formats, workbooks with merged headers, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fake_clients import client_rows, write_csv

import hostile
from segprofile.data.datasets import inspect
from segprofile.data.readers import (
    ReadOptions,
    detect_encoding,
    first_row_is_data,
    open_raw,
    sizes_text,
)
from segprofile.errors import InputError

RUSSIAN = (
    "Заявитель обратился за ежемесячной выплатой на ребёнка; ответ пришёл через две недели. "
    "ЁЛКИ-ПАЛКИ, Съешь же ещё этих мягких французских булок да выпей чаю."
)


def _load(path: Path, work: Path, options: ReadOptions | None = None) -> tuple[Any, list[Any]]:
    with open_raw(path, work, options) as raw:
        rows = raw.run(lambda: raw.con.execute("SELECT * FROM raw").fetchall())
        return raw.details | {"types": raw.dtypes(), "columns": raw.columns}, rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "koi8-r"])
def test_encodings_of_russian_text_are_detected(encoding: str, tmp_path: Path) -> None:
    rows = [
        {"Фамилия": "Ёлкина", "Комментарий": RUSSIAN, "Канал": "МФЦ"},
        {"Фамилия": "Щукин", "Комментарий": "Всё хорошо, спасибо!", "Канал": "ЕПГУ"},
        {"Фамилия": "ИВАНОВ", "Комментарий": "ОЧЕНЬ ДОЛГО ЖДАЛ", "Канал": "Приёмная"},
    ]
    path = write_csv(tmp_path / "f.csv", rows, encoding=encoding)
    details, loaded = _load(path, tmp_path / "w")
    assert details["encoding"] == encoding
    assert details["columns"] == ["Фамилия", "Комментарий", "Канал"]
    assert loaded[0] == ("Ёлкина", RUSSIAN, "МФЦ")
    assert loaded[2] == ("ИВАНОВ", "ОЧЕНЬ ДОЛГО ЖДАЛ", "Приёмная")


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_short_single_byte_samples_choose_the_right_code_page(encoding: str) -> None:
    for text in ("Иванов Иван", "ПЕТРОВ ПЁТР ПЕТРОВИЧ", "да;нет;возможно", "город Москва"):
        assert detect_encoding([text.encode(encoding)], name="x.csv") == encoding


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_a_few_abbreviations_repeated_do_not_outvote_the_header(encoding: str) -> None:
    # Values such as МФЦ/ЕПГУ repeated thousands of times (rare letters) and an em dash: read
    # letter by letter they made a cp1251 export look like KOI8-R («дНУНД» for «Доход»).
    lines = ["Доход;Оценка;Канал"] + [
        f"{'—' if i % 9 == 0 else i};{'нет ответа' if i % 7 == 0 else 5};"
        f"{'МФЦ' if i % 3 else 'ЕПГУ'}"
        for i in range(20_000)
    ]
    data = "\n".join(lines).encode(encoding, errors="replace" if encoding == "koi8-r" else "strict")
    assert detect_encoding([data], name="x.csv") == encoding


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters_are_sniffed(delimiter: str, tmp_path: Path) -> None:
    rows = client_rows(50, seed=3)
    path = write_csv(tmp_path / "f.csv", rows, delimiter=delimiter)
    details, loaded = _load(path, tmp_path / "w")
    assert details["delimiter"] == delimiter
    assert len(loaded) == 50
    assert len(details["columns"]) == len(rows[0])


def test_decimal_comma_spaced_thousands_and_quoted_newlines(tmp_path: Path) -> None:
    text = (
        "Доход;Доля;Сумма;Комментарий;Дата\r\n"
        '1 234,50;0,5;12\u00a0345;"строка один\r\nстрока два";01.02.2023\r\n'
        '987,25;1,25;1\u202f000\u202f000;"с ""кавычками"" и ; внутри";31.12.2022\r\n'
        "12 000;2,0;7;;15.06.2021\r\n"
    )
    path = tmp_path / "n.csv"
    path.write_bytes(text.encode("utf-8"))
    details, loaded = _load(path, tmp_path / "w")
    types = details["types"]
    assert details["decimal"] == ","
    assert types["Доход"] == "DOUBLE"
    assert types["Доля"] == "DOUBLE"
    assert types["Сумма"] == "BIGINT"  # whole numbers stay whole
    assert types["Дата"] == "DATE"
    assert [r[0] for r in loaded] == [1234.5, 987.25, 12000.0]
    assert [r[1] for r in loaded] == [0.5, 1.25, 2.0]
    assert [r[2] for r in loaded] == [12345.0, 1000000.0, 7.0]
    assert loaded[0][3] == "строка один\r\nстрока два"
    assert loaded[1][3] == 'с "кавычками" и ; внутри'
    assert loaded[2][3] is None


def test_leading_zeros_stay_text_and_mixed_columns_fall_back_to_text(tmp_path: Path) -> None:
    body = "".join(f"{i};{i:06d};{i};{i if i % 5 else 'уточнить'}\n" for i in range(1, 3000))
    path = tmp_path / "z.csv"
    path.write_text("n;код;смесь;текст\n" + body + "3000;003000;уточнить;1\n", encoding="utf-8")
    with open_raw(path, tmp_path / "w") as raw:
        loaded = raw.run(lambda: raw.con.execute("SELECT * FROM raw").fetchall())
        types, coerced = raw.dtypes(), raw.coerced
    assert types["код"] == "VARCHAR"
    assert loaded[0][1] == "000001"
    # Numbers with one stray text: whole numbers, the text a missing value, counted with its line.
    assert types["смесь"] == "BIGINT"
    assert loaded[-1][2] is None
    assert coerced["смесь"] == (1, "в строке 3\u00a0001 файла")
    # A fifth of the values text: not a number column, kept as text with every value intact.
    assert types["текст"] == "VARCHAR"
    assert "текст" not in coerced
    assert loaded[4][3] == "уточнить"
    assert len(loaded) == 3000


def test_missing_value_marks_in_number_and_date_columns_are_missing(tmp_path: Path) -> None:
    """«н/д», «нет данных», «—», «#Н/Д», «нет ответа» in a column of numbers or dates are what
    exports write for no value: the column stays a number (date), they are missing — also when
    the first such mark is past the rows the engine's sniffer looked at."""
    lines = ["Доход;Оценка;Дата;Канал"]
    for i in range(30_000):
        income = ("н/д", "нет данных", "—", "#Н/Д")[i % 4] if i % 23 == 0 else f"{1000 + i},50"
        rating = "нет ответа" if i % 7 == 0 else str(1 + i % 5)
        date = "н/д" if i % 11 == 0 else f"{1 + i % 28:02d}.{1 + i % 12:02d}.2023"
        lines.append(f"{income};{rating};{date};{'МФЦ' if i % 3 else 'ЕПГУ'}")
    lines.append("1 234,50;5;01.01.2024;н/д")  # a mark in a text column stays a value
    lines.append("н/д;5;01.01.2024;МФЦ")  # and past the sniffed rows in a number column
    path = tmp_path / "marks.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    details, loaded = _load(path, tmp_path / "w")
    assert details["types"]["Доход"] == "DOUBLE"
    assert details["types"]["Оценка"] in ("BIGINT", "DOUBLE")
    assert details["types"]["Дата"] == "DATE"
    assert details["types"]["Канал"] == "VARCHAR"
    incomes = [r[0] for r in loaded]
    assert incomes[1] == 1001.5
    assert incomes[0] is None
    assert sum(v is None for v in incomes) == len(range(0, 30_000, 23)) + 1
    assert incomes[-2] == 1234.5
    assert sum(r[1] is None for r in loaded) == len(range(0, 30_000, 7))
    assert loaded[-2][3] == "н/д"
    # Another text among the numbers, past the sniffed rows: a missing value, counted.
    path.write_bytes("\n".join([*lines, "уточнить;5;01.01.2024;МФЦ"]).encode("cp1251"))
    with open_raw(path, tmp_path / "w2") as raw:
        loaded = raw.run(lambda: raw.con.execute("SELECT * FROM raw").fetchall())
        assert raw.dtypes()["Доход"] == "DOUBLE"
        assert raw.coerced["Доход"] == (1, "в строке 30\u00a0004 файла")
    assert loaded[-1][0] is None


def test_ten_digits_and_more_in_text_cells_stay_text(tmp_path: Path) -> None:
    """ИНН typed as text in a workbook stay text: as numbers (DOUBLE) they were no ИНН to the
    personal-data check (``564533553400.0``) and their pseudonyms were of other digits."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ИНН", "Сумма", "Номер"])
    ws.append(["564533553400", "1234567890", "12"])
    ws.append(["428290487261", "15", "1234567890"])
    wb.save(tmp_path / "inn.xlsx")
    details, loaded = _load(tmp_path / "inn.xlsx", tmp_path / "w")
    assert details["types"]["ИНН"] == "VARCHAR"
    assert [r[0] for r in loaded] == ["564533553400", "428290487261"]
    # Numbers among shorter ones are numbers still.
    assert details["types"]["Сумма"] == "BIGINT"
    assert details["types"]["Номер"] == "BIGINT"


def test_yes_no_columns_become_booleans(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("id;Многодетная\n1;Да\n2;нет\n3;\n4;ДА\n", encoding="utf-8")
    details, loaded = _load(path, tmp_path / "w")
    assert details["types"]["Многодетная"] == "BOOLEAN"
    assert [r[1] for r in loaded] == [True, False, None, True]


def _workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Пояснения"
    first.append(["Этот лист — пояснения"])
    ws = wb.create_sheet("Получатели")
    ws.append(["Сведения о получателях пособия за 2024 год"])
    ws.append([])
    ws.append(["ФИО", "Доход, руб.", None, "Возраст", "Дата обращения"])
    ws.append([None, "Зарплата", "Пенсия", None, None])
    ws.merge_cells("B3:C3")
    ws.merge_cells("A3:A4")
    ws.merge_cells("D3:D4")
    ws.merge_cells("E3:E4")
    from datetime import date

    ws.append(["Иванов Иван Иванович", 35000.5, None, 34, date(2024, 3, 1)])
    ws.append(["Петрова Анна Сергеевна", 42000, 12000, 61, date(2024, 4, 15)])
    ws.append(["Сидоров Пётр Олегович", "нет данных", 15000, 70, date(2024, 5, 20)])
    wb.save(path)
    return path


def test_xlsx_merged_multi_row_header_is_flattened(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    details, loaded = _load(path, tmp_path / "w", ReadOptions(sheet="Получатели"))
    assert details["columns"] == [
        "ФИО",
        "Доход, руб. / Зарплата",
        "Доход, руб. / Пенсия",
        "Возраст",
        "Дата обращения",
    ]
    assert details["header_rows"] == [3, 4]
    assert details["types"]["Возраст"] == "BIGINT"
    assert details["types"]["Доход, руб. / Пенсия"] == "BIGINT"
    # «нет данных» among numbers is a missing value, not a reason to read the column as text.
    assert details["types"]["Доход, руб. / Зарплата"] == "DOUBLE"
    assert details["types"]["Дата обращения"] in ("DATE", "TIMESTAMP")
    assert len(loaded) == 3
    assert [r[1] for r in loaded] == [35000.5, 42000, None]
    assert loaded[1][2] == 12000


def test_xlsx_sheet_choice_by_number_and_unknown_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    details, _ = _load(path, tmp_path / "w", ReadOptions(sheet="2"))
    assert details["sheet"] == "Получатели"
    assert details["sheets"] == ["Пояснения", "Получатели"]
    with pytest.raises(InputError, match="нет листа «Итоги»") as err:
        _load(path, tmp_path / "w2", ReadOptions(sheet="Итоги"))
    assert "Пояснения, Получатели" in str(err.value)


def test_parquet_is_read_directly(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"возраст": [30, 40], " канал ": ["МФЦ", None]}), path)
    details, loaded = _load(path, tmp_path / "w")
    assert details["columns"] == ["возраст", "канал"]
    assert loaded == [(30, "МФЦ"), (40, None)]


def test_inspect_reports_types_uses_pii_and_preview(home: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", client_rows(400, seed=5), encoding="cp1251")
    result = inspect(path)
    cols = {c.name: c for c in result.quality.columns}
    assert result.rows == 400
    assert result.details["encoding"] == "cp1251"
    assert cols["Возраст"].type.value == "numeric"
    assert cols["Оценка"].use.value == "satisfaction"
    assert 0.2 < cols["Оценка"].missing_share < 0.4
    assert cols["Канал"].type.value == "categorical"
    assert cols["Канал"].cardinality == 3
    assert cols["Канал"].use.value == "feature"
    assert cols["Номер заявления"].type.value == "identifier"
    assert cols["Доход"].type.value == "numeric"
    kinds = {f.column: f.kind.value for f in result.pii}
    assert kinds == {
        "ФИО": "fio",
        "СНИЛС": "snils",
        "ИНН": "inn",
        "Телефон": "phone",
        "Эл. почта": "email",
        "Дата рождения": "birth_date",
        "Номер заявления": "client_id",  # an identifier of one person: a pseudonym by default
    }
    shown = result.to_dict()
    assert shown["preview"][0]["СНИЛС"] == "•••"
    assert shown["preview"][0]["Канал"] in ("ЕПГУ", "МФЦ", "Приёмная")
    assert len(shown["preview"]) == 20


# --- Bad input ---------------------------------------------------------------------------------


def _fails(path: Path, work: Path, options: ReadOptions | None = None) -> str:
    with pytest.raises(InputError) as err:
        _load(path, work, options)
    text = str(err.value)
    assert path.name in text
    return text


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "0 байт" in _fails(path, tmp_path / "w")


def test_blank_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n  \n\n")
    assert "пуст" in _fails(path, tmp_path / "w")


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "head.csv"
    path.write_text("ФИО;Возраст;Канал\n", encoding="utf-8")
    assert "только строка заголовка" in _fails(path, tmp_path / "w")


def test_ragged_row_in_the_sample_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rag.csv"
    path.write_text("a;b;c\n1;2;3\n4;5\n6;7;8\n", encoding="utf-8")
    text = _fails(path, tmp_path / "w")
    assert "строка 3" in text
    assert "полей 2, а в заголовке 3" in text


def test_ragged_row_beyond_the_sample_names_the_line(tmp_path: Path) -> None:
    body = "".join(f"{i};{i};{i}\n" for i in range(120_000))
    path = tmp_path / "rag_far.csv"
    path.write_text("a;b;c\n" + body + "1;2;3;4\n", encoding="utf-8")
    text = _fails(path, tmp_path / "w")
    assert "строка 120002" in text
    assert "полей 4, а в заголовке 3" in text


def test_binary_file_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 20)
    assert "двоичные данные" in _fails(path, tmp_path / "w")


def test_workbook_named_csv(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx").rename(tmp_path / "book.csv")
    assert "XLSX" in _fails(path, tmp_path / "w")


def test_password_protected_xlsx(tmp_path: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _workbook(tmp_path / "plain.xlsx")
    path = tmp_path / "secret.xlsx"
    with plain.open("rb") as src, path.open("wb") as dst:
        OOXMLFile(src).encrypt("пароль123", dst)
    assert msoffcrypto is not None
    assert "защищена паролем" in _fails(path, tmp_path / "w")


def test_undetectable_encoding(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    # Bytes that are punctuation and pseudographics in both cp1251 and KOI8-R, never letters.
    path.write_bytes(b"a;b\n" + b"\x85\x86\x87\x88\x89\x8a;\x91\x92\x93\x94\x95\x96\n" * 20)
    assert "кодировку" in _fails(path, tmp_path / "w")


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", client_rows(200, seed=1))
    text = _fails(path, tmp_path / "w", ReadOptions(max_bytes=1024))
    assert "слишком большой" in text
    assert "при пределе 1 КБ" in text


def test_names_colliding_after_normalisation(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("Возраст;Канал;возраст \n1;a;2\n", encoding="utf-8")
    text = _fails(path, tmp_path / "w")
    assert "столбцы 1 («Возраст») и 3 («возраст»)" in text


def test_colliding_names_in_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Канал", "КАНАЛ", "Возраст"])
    ws.append(["МФЦ", "ЕПГУ", 30])
    path = tmp_path / "dup.xlsx"
    wb.save(path)
    assert "называются одинаково" in _fails(path, tmp_path / "w")


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert "не Parquet" in _fails(path, tmp_path / "w")


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    assert "формат" in _fails(path, tmp_path / "w")


def test_wrong_declared_encoding_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("a;b\n1;2\n3;привет\n".encode("cp1251"))
    text = _fails(path, tmp_path / "w", ReadOptions(encoding="utf-8"))
    assert "UTF-8" in text or "utf-8" in text


# --- Hostile files: refused before the parser allocates, each with its limit named ----------------

_REFUSED = {
    "far.xlsx": "при пределе 10\u00a0000\u00a0000",
    "far-z.xlsx": "1\u00a0048\u00a0576 строк × 26 столбцов",
    "far-noref.xlsx": "при пределе 10\u00a0000\u00a0000",
    "bomb.xlsx": "«zip-бомбы»",
    "lying.xlsx": "не распаковывается",
    "bomb.docx": "«zip-бомбы»",
    "random.docx": "это не DOCX или файл повреждён",
    "wide.csv": "столбцов 100\u00a0000 при пределе 2\u00a0000",
    "longcell.csv": "строка 2: значение длиннее предела 128 КБ",
    "nul.csv": "двоичные данные",
    "mixed.csv": "кодировку",
    "quote.csv": "строка 2: кавычка открыта и не закрыта",
    "png.csv": "изображение PNG",
    "random.xlsx": "не книга Excel",
    "text.xlsx": "текстовый файл",
    "alias.yaml": "ссылки YAML",
    "deep.yaml": "глубже 50 уровней",
    "deep-block.yaml": "глубже 50 уровней",
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, hostile.HostileFile]:
    return hostile.corpus()


@pytest.mark.parametrize("name", sorted(_REFUSED))
def test_a_hostile_file_is_refused_with_its_limit_under_a_memory_cap(
    name: str, corpus: dict[str, hostile.HostileFile], tmp_path: Path
) -> None:
    """Read in a child process limited to 2 GB: a reader that tries to allocate the area of a
    far cell (549 GB) or unpack a bomb dies there, and this test fails, instead of the host."""
    path = tmp_path / name
    path.write_bytes(corpus[name].data)
    result = hostile.run_capped(path, tmp_path / "work", memory_mb=2048)
    assert result.ok is False, (result.returncode, result.stderr[-500:])
    assert _REFUSED[name] in result.error
    assert name in result.error  # the message names the file
    assert "Traceback" not in result.error


def test_the_memory_cap_catches_a_reader_that_allocates_the_far_area(
    corpus: dict[str, hostile.HostileFile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the check the far cell kills its process: the cap turns that into a failure."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(corpus["far.xlsx"].data)
    sitecustomize = tmp_path / "nocheck" / "sitecustomize.py"
    sitecustomize.parent.mkdir()
    sitecustomize.write_text(
        "import segprofile.data.readers as r\nr.check_workbook = lambda path, name: None\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(sitecustomize.parent))
    result = hostile.run_capped(path, tmp_path / "work", memory_mb=2048)
    assert result.ok is None
    assert result.returncode != 0


def test_a_headerless_csv_with_personal_data_never_names_columns_by_its_values(
    home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(hostile.headerless_csv())
    result = inspect(path)
    names = [c.name for c in result.quality.columns]
    assert names == [f"столбец_{i}" for i in range(1, 7)]
    assert result.rows == 12  # the first client is a row, not a header
    shown = json.dumps(result.details, ensure_ascii=False) + " ".join(names)
    for value in hostile.CLIENT:
        assert value not in shown
    found = {f.column: f.kind.value for f in result.pii}
    assert found["столбец_1"] == "fio"
    assert found["столбец_4"] == "email"


@pytest.mark.parametrize(
    ("first", "rest", "is_data"),
    [
        (["ФИО", "Возраст", "Канал"], [["Иванов И.", "34", "МФЦ"]], False),
        (["Регион", "2022", "2023"], [["Москва", "10", "12"], ["Тверь", "3", "4"]], False),
        (["1", "2,5", "01.02.2023"], [["3", "4", "05.06.2023"]], True),
        (
            ["Москва", "мужской", "да"],
            [["Тверь", "женский", "нет"], ["Москва", "мужской", "да"]],
            True,
        ),
        (["Иван", "ivan@mail.ru"], [["Пётр", "petr@mail.ru"]], True),
        (["Код", "Название"], [["01", "Москва"], ["02", "Тверь"]], False),
    ],
)
def test_a_first_row_of_values_is_not_a_header(
    first: list[object], rest: list[list[object]], is_data: bool
) -> None:
    assert first_row_is_data(first, rest) is is_data


def test_a_headerless_workbook_is_read_with_generated_names(tmp_path: Path) -> None:
    rows: list[list[object]] = [[*hostile.CLIENT, 30 + i] for i in range(3)]
    path = tmp_path / "clients.xlsx"
    path.write_bytes(hostile.xlsx_bytes(hostile.sheet_xml(rows)))
    details, loaded = _load(path, tmp_path / "w")
    assert details["columns"] == ["столбец_1", "столбец_2", "столбец_3", "столбец_4", "столбец_5"]
    assert details["header"] is False
    assert details["header_rows"] is None
    assert len(loaded) == 3
    # Told that the first row is the header, the reader refuses and names kinds, not values.
    with pytest.raises(InputError, match="похожа на данные клиента") as err:
        _load(path, tmp_path / "w2", ReadOptions(header_row=1))
    assert "ФИО" in str(err.value)
    assert all(value not in str(err.value) for value in hostile.CLIENT)


def test_a_workbook_with_year_headers_keeps_its_header(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Регион", 2022, 2023], ["Москва", 10, 12], ["Тверь", 3, 4]]
    path = tmp_path / "years.xlsx"
    path.write_bytes(hostile.xlsx_bytes(hostile.sheet_xml(rows, dimension="A1:C3")))
    details, loaded = _load(path, tmp_path / "w")
    assert details["columns"] == ["Регион", "2022", "2023"]
    assert loaded == [("Москва", 10, 12), ("Тверь", 3, 4)]


def test_sheets_written_otherwise_are_read_exactly_and_within_the_budget(
    tmp_path: Path, configure: Callable[..., Any]
) -> None:
    """Cells without ``r`` (their order places them), attributes in another order, a prefixed
    namespace: read exactly, and the same budget applies."""
    cells = "".join(
        f'<row><c t="inlineStr"><is><t>h{i}</t></is></c><c><v>{i}</v></c></row>' for i in range(5)
    )
    plain = hostile._SHEET_HEAD + f"<sheetData>{cells}</sheetData></worksheet>"
    path = tmp_path / "noref.xlsx"
    path.write_bytes(hostile.xlsx_bytes(plain))
    details, loaded = _load(path, tmp_path / "w")
    assert len(details["columns"]) == 2
    assert len(loaded) == 4
    configure(max_sheet_cells=9)
    with pytest.raises(InputError, match="5 строк × 2 столбца — 10 ячеек при пределе 9"):
        _load(path, tmp_path / "w2")
    reordered = hostile.sheet_xml([["a", "b"], [1, 2], [3, 4]]).replace('<c r="', '<c s="0" r="')
    path.write_bytes(hostile.xlsx_bytes(reordered))
    configure(max_sheet_cells=5)
    with pytest.raises(InputError, match="3 строки × 2 столбца"):
        _load(path, tmp_path / "w3")


def test_a_budget_big_enough_reads_a_sheet_past_its_first_piece(
    tmp_path: Path, configure: Callable[..., Any]
) -> None:
    """A sheet wider further down than in its first rows passes the quick search's bound and
    is measured exactly: within the budget it is read."""
    rows: list[list[object]] = [["id", "value"]] + [[i, i * 2] for i in range(20)]
    rows.append([99, 1, "хвост"])
    path = tmp_path / "ragged.xlsx"
    path.write_bytes(hostile.xlsx_bytes(hostile.sheet_xml(rows)))
    configure(max_sheet_cells=70)
    details, loaded = _load(path, tmp_path / "w")
    assert len(loaded) == 21
    assert len(details["columns"]) == 3


def test_a_merge_over_the_whole_sheet_costs_nothing(tmp_path: Path) -> None:
    """17 billion merged cells: only the header's are looked at (it was a loop over all)."""
    merge = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    sheet = hostile.sheet_xml([["a", "b"], [1, 2]]).replace("</worksheet>", merge + "</worksheet>")
    path = tmp_path / "merge.xlsx"
    path.write_bytes(hostile.xlsx_bytes(sheet))
    with pytest.raises(InputError, match="называются одинаково"):
        _load(path, tmp_path / "w")  # both columns take the merge's «a»


@pytest.mark.parametrize(
    ("size", "limit", "shown"),
    [
        (1_048_577, 1_048_576, ("1\u00a0048\u00a0577 байт", "1\u00a0048\u00a0576 байт")),
        (3 << 20, 1 << 20, ("3 МБ", "1 МБ")),
        (1_500_000, 1 << 20, ("1,4 МБ", "1 МБ")),
        (512, 2048, ("512 байт", "2 КБ")),
    ],
)
def test_sizes_in_messages_never_read_the_same_when_they_differ(
    size: int, limit: int, shown: tuple[str, str]
) -> None:
    assert sizes_text(size, limit) == shown


def test_limits_come_from_settings(tmp_path: Path, configure: Callable[..., Any]) -> None:
    path = tmp_path / "w.csv"
    path.write_text("a;b;c\n1;2;" + "x" * 3000 + "\n", encoding="utf-8")
    configure(max_columns=2)
    assert "столбцов 3 при пределе 2" in _fails(path, tmp_path / "w1")
    configure(max_columns=2000, max_cell_kb=2)
    assert "строка 2, столбец 3: значение длиннее предела 2 КБ" in _fails(path, tmp_path / "w2")
    configure(max_cell_kb=4)
    details, _ = _load(path, tmp_path / "w3")
    assert details["columns"] == ["a", "b", "c"]


def test_an_unterminated_quote_far_in_the_file_is_said_as_such(tmp_path: Path) -> None:
    path = tmp_path / "far-quote.csv"
    body = "".join(f"{i};x\n" for i in range(300_000))
    path.write_text("a;b\n" + body + '1;"open\n2;b\n', encoding="utf-8")
    text = _fails(path, tmp_path / "w")
    assert "кавычка открыта и не закрыта" in text
    assert "UTF-8" not in text
