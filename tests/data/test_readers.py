"""Readers: encodings, delimiters, number formats, workbooks with merged headers, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fake_clients import client_rows, write_csv

from segprofile.data.datasets import inspect
from segprofile.data.readers import ReadOptions, detect_encoding, open_raw
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
    assert types["Сумма"] == "DOUBLE"
    assert types["Дата"] == "DATE"
    assert [r[0] for r in loaded] == [1234.5, 987.25, 12000.0]
    assert [r[1] for r in loaded] == [0.5, 1.25, 2.0]
    assert [r[2] for r in loaded] == [12345.0, 1000000.0, 7.0]
    assert loaded[0][3] == "строка один\r\nстрока два"
    assert loaded[1][3] == 'с "кавычками" и ; внутри'
    assert loaded[2][3] is None


def test_leading_zeros_stay_text_and_mixed_columns_fall_back_to_text(tmp_path: Path) -> None:
    body = "".join(f"{i};{i:06d};{i}\n" for i in range(1, 3000))
    path = tmp_path / "z.csv"
    path.write_text("n;код;смесь\n" + body + "3000;003000;нет данных\n", encoding="utf-8")
    details, loaded = _load(path, tmp_path / "w")
    assert details["types"]["код"] == "VARCHAR"
    assert loaded[0][1] == "000001"
    assert details["types"]["смесь"] == "VARCHAR"  # numbers and one text: kept as text
    assert len(loaded) == 3000


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
    assert details["types"]["Доход, руб. / Зарплата"] == "VARCHAR"  # a text among numbers
    assert details["types"]["Дата обращения"] in ("DATE", "TIMESTAMP")
    assert len(loaded) == 3
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
    result = inspect(path, home=home)
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
