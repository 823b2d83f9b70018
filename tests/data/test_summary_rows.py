"""Exports as accounting systems write them: a totals row at the end («Итого:», «Всего») is no
client and is left out, said in the quality report; amounts with a currency («12 345,67 руб.»)
are numbers."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from segprofile.data import datasets
from segprofile.data.readers import guess_conversion, open_raw, summary_rows
from sp_factories import DISTRICTS, accounting_export


def _read(path: Path, work: Path) -> tuple[dict[str, Any], dict[str, str], list[tuple[Any, ...]]]:
    with open_raw(path, work) as raw:
        rows = raw.run(lambda: raw.con.execute("SELECT * FROM raw").fetchall())
        return raw.details, raw.dtypes(), rows


@pytest.mark.parametrize("rows", [800, 40_000])  # the whole file sampled; only its tail read
def test_a_totals_row_at_the_end_is_left_out_and_said(tmp_path: Path, rows: int) -> None:
    path = accounting_export(tmp_path / "export.csv", rows, ["Итого:;;;123 456 789,00;;;", ""])
    details, types, loaded = _read(path, tmp_path / "w")
    assert len(loaded) == rows
    assert details["summary_rows"] == 1
    # The label's column («№ п/п») and the amounts are numbers still, the sum not among them.
    assert types["№ п/п"] == "BIGINT"
    assert types["Доход семьи, руб."] == "DOUBLE"
    amounts = [r[3] for r in loaded]
    assert max(amounts) < 10_000_000
    assert None not in amounts  # «… руб.» read as the number it is
    found = datasets.inspect(path, staging_root=tmp_path / "staging")
    assert found.quality.rows == rows
    [said] = [i.message for i in found.quality.issues if "итогов" in i.message]
    assert said == (
        "Последняя строка файла — строка итогов («Итого»), а не запись клиента: она не загружена."
    )


def test_two_totals_rows_and_an_import(tmp_path: Path) -> None:
    footer = ["Итого по району;;;9 876 543,21;;;", "Всего записей: 1200;;;;;;"]
    path = accounting_export(tmp_path / "export.csv", 1200, footer)
    result = datasets.import_data(
        path,
        study_id="s",
        source=datasets.adhoc_source(),
        author="a",
        home=tmp_path / "home",
        staging_root=tmp_path / "staging",
    )
    assert result.manifest.rows == 1200
    assert result.manifest.details["summary_rows"] == 2
    messages = [i.message for i in result.quality.issues]
    assert (
        "Последние 2 строки файла — строки итогов («Итого», «Всего»), а не записи клиентов: "
        "они не загружены." in messages
    )


def test_a_client_row_is_never_taken_for_totals(tmp_path: Path) -> None:
    """«Всего выдано» as a status, even in the last row, is a client: only a row whose first
    filled cell says «Итого»/«Всего» is a totals row."""
    path = accounting_export(
        tmp_path / "export.csv", 500, ["501;100501;Бор;12 000,00;01.02.2025 10:15:00;Всего выдано;"]
    )
    details, _types, loaded = _read(path, tmp_path / "w")
    assert len(loaded) == 501
    assert "summary_rows" not in details
    assert summary_rows([["Итоговый", "1"]]) == ()  # a word that only starts the same
    assert summary_rows([["", "ИТОГО", "", "5"]])[0].word == "Итого"


def test_a_totals_row_of_a_sheet_is_left_out(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rng = random.Random(7)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Отчёт о заявлениях"])
    sheet.append([])
    sheet.append(["Номер заявления", "Район", "Сумма выплаты"])
    total = 0.0
    for i in range(300):
        value = round(rng.lognormvariate(9, 0.5), 2)
        total += value
        sheet.append([200000 + i, rng.choice(DISTRICTS), value])
    sheet.append(["Всего", None, round(total, 2)])
    book.save(tmp_path / "report.xlsx")
    details, _types, loaded = _read(tmp_path / "report.xlsx", tmp_path / "w")
    assert len(loaded) == 300
    assert details["summary_words"] == ["Всего"]
    assert max(r[2] for r in loaded) < total


def test_amounts_with_a_currency_are_numbers() -> None:
    values = ["12 345,67 руб.", "500 р.", "1 200 ₽", "98 000,00", "", "н/д"] * 5
    conversion = guess_conversion(values)
    assert conversion is not None
    assert conversion.kind == "number"
    assert guess_conversion(["руб.", "много руб."] * 20) is None


def test_a_short_totals_row_is_named_as_such(tmp_path: Path) -> None:
    from segprofile.errors import InputError

    path = accounting_export(tmp_path / "export.csv", 300, ["Итого:;123 456,00"])
    with pytest.raises(InputError) as caught:
        _read(path, tmp_path / "w")
    assert "строка 305: это строка итогов («Итого»), и полей в ней 2, а в заголовке 7" in str(
        caught.value
    )


@pytest.mark.parametrize("name", ["№ п/п", "N п/п", "Порядковый номер", "№"])
def test_a_row_counter_is_not_the_client_id(tmp_path: Path, name: str) -> None:
    """The export's row numbers («№ п/п», or «№» over 1, 2, 3…) are no client id: the
    application number is the one checked for repeats and pseudonymised as the client id."""
    path = accounting_export(tmp_path / "export.csv", 400, [])
    text = path.read_bytes().decode("cp1251").replace("№ п/п;", f"{name};", 1)
    path.write_bytes(text.encode("cp1251"))
    found = datasets.inspect(path, staging_root=tmp_path / "staging")
    assert found.quality.id_column == "Номер заявления"
    assert [f.column for f in found.pii if f.client_id] == ["Номер заявления"]
    counter = found.quality.column(name)
    assert (counter.type.value, counter.use.value) == ("identifier", "none")


def test_a_bare_number_sign_over_application_numbers_stays_the_id(tmp_path: Path) -> None:
    path = accounting_export(tmp_path / "export.csv", 400, [])
    lines = path.read_bytes().decode("cp1251").splitlines()
    # «№» over the application numbers (no row counter in this export).
    lines = lines[:3] + [line.split(";", 1)[1] for line in lines[3:]]
    lines[3] = lines[3].replace("Номер заявления", "№", 1)
    path.write_bytes("\r\n".join(lines).encode("cp1251"))
    found = datasets.inspect(path, staging_root=tmp_path / "staging")
    assert found.quality.id_column == "№"
