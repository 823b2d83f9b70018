"""The figures the check page shows before an import (missing values, distinct values, ranges,
repeated identifiers, the preview's values) are those of the data the import stores, on a messy
export (requests_export: cells of spaces, values with spaces and no-break spaces around them)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import duckdb

from requests_export import DOMINANT, NBSP, RARE, requests_export
from segprofile import pipeline
from segprofile.data import privacy
from segprofile.data.datasets import adhoc_source, import_data
from segprofile.data.readers import stored_text
from segprofile.data.schema import quality_report
from sp_factories import make_snils

FIGURES = ("dtype", "missing", "non_missing", "missing_share", "cardinality", "min", "max")
COLUMNS = ("Подразделение", "Канал", "Сумма", "Дата обращения")


def _columns(quality: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: {k: c[k] for k in FIGURES} for c in quality["columns"]}


def test_the_check_page_figures_are_those_the_import_stores(
    tmp_path: Path, ws: pipeline.Workspace
) -> None:
    path = tmp_path / "обращения.csv"
    path.write_bytes(requests_export())
    inspection = pipeline.inspect_file(ws, path, min_cell=5)
    before = _columns(inspection.to_dict()["quality"])
    result = import_data(
        path,
        study_id="s",
        source=adhoc_source(),
        author="test",
        home=tmp_path / "home",
        staging_root=tmp_path / "staging",
    )
    after = _columns(result.manifest.quality)
    # The blanks of the unit (119 rows of spaces) and of the channel are missing values.
    assert before["Подразделение"]["missing"] == 119
    assert before["Канал"]["missing"] == 150
    assert before["Подразделение"]["cardinality"] == 2  # the spellings of «Отдел кадров» are one
    assert before["Сумма"]["cardinality"] == 540
    assert (before["Сумма"]["min"], before["Сумма"]["max"]) == (1000.0, 23462.5)
    for name in COLUMNS:
        assert before[name] == after[name], name
    # The version's report scanned again from its file says the same.
    scanned = _columns(quality_report(duckdb.connect(), f"read_parquet('{result.path}')").to_dict())
    for name in COLUMNS:
        assert scanned[name] == after[name], name


def test_the_preview_shows_values_as_stored_and_never_a_rare_one(
    tmp_path: Path, ws: pipeline.Workspace
) -> None:
    path = tmp_path / "обращения.csv"
    path.write_bytes(requests_export())
    shown = pipeline.inspect_file(ws, path, min_cell=5).to_dict()
    units = [row["Подразделение"] for row in shown["preview"]]
    channels = [row["Канал"] for row in shown["preview"]]
    # « Пресс-служба » (2 rows) is rare however it is spelt; the blanks are empty cells.
    assert units[:2] == [privacy.RARE] * 2
    assert set(units[2:]) == {DOMINANT, None}
    assert units[5] is None
    assert units[10] is None
    assert channels[:4] == ["МФЦ", "Портал", None, "Почта"]
    text = json.dumps(shown["preview"], ensure_ascii=False)
    assert RARE not in text
    assert f" {DOMINANT}" not in text
    assert f"{DOMINANT} " not in text
    assert "\\u00a0" not in text
    assert NBSP not in text


def test_a_cell_of_spaces_is_missing_in_the_report() -> None:
    """Counted as the import stores it (:func:`readers.stored_text_sql`): «   », a tab, a
    no-break space are no value; « МФЦ » is «МФЦ»."""
    con = duckdb.connect()
    con.execute('CREATE TABLE t ("Канал" VARCHAR)')
    values = ["МФЦ"] * 40 + [" МФЦ"] * 3 + ["Портал"] * 20 + ["   ", "\t", NBSP] + [None] * 5
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    [column] = quality_report(con, "t").columns
    assert (column.non_missing, column.missing, column.cardinality) == (63, 8, 2)
    assert [stored_text(v) for v in ("   ", f" МФЦ{NBSP}", 5, None)] == [None, "МФЦ", 5, None]


def _clients_export() -> bytes:
    """Client codes «К-00012», some with a space after them, 8 cells of spaces, one client
    twice (the second time «К-00003 »): one repeat, as the import stores the codes."""
    lines = ["Код клиента;Канал;Оценка"]
    for i in range(400):
        code = "   " if i % 50 == 7 else f"К-{i:05d}" + (" " if i % 3 else "")
        lines.append(f"{code};{['МФЦ', 'Портал'][i % 2]};{1 + i % 5}")
    lines.append("К-00003 ;МФЦ;4")
    return ("\n".join(lines) + "\n").encode("cp1251")


def test_repeated_identifiers_are_counted_as_stored(tmp_path: Path, ws: pipeline.Workspace) -> None:
    path = tmp_path / "клиенты.csv"
    path.write_bytes(_clients_export())
    before = pipeline.inspect_file(ws, path, min_cell=5).quality
    result = import_data(
        path,
        study_id="s",
        source=adhoc_source(),
        author="test",
        home=tmp_path / "home",
        staging_root=tmp_path / "staging",
    )
    after = result.manifest.quality
    # Not the 8 blank cells (7 «repeats»), but «К-00003» and «К-00003 »: one client twice.
    assert (before.id_column, before.duplicate_ids) == ("Код клиента", 1)
    assert (after["id_column"], after["duplicate_ids"]) == ("Код клиента", 1)
    column = before.column("Код клиента")
    assert (column.missing, column.cardinality) == (8, 392)
    assert [c["cardinality"] for c in after["columns"] if c["name"] == "Код клиента"] == [392]


def _visits_export() -> bytes:
    """450 visits of 300 people: the phone first, then the СНИЛС; the second visit of 150 of
    them written without separators («12345678901», «+7 912 …» for «8 (912) …») — one
    pseudonym, one client, once imported."""
    rng = random.Random(3)
    people = [make_snils(rng) for _ in range(300)]
    lines = ["Телефон;СНИЛС;Канал;Оценка"]
    for i in range(450):
        snils = people[i % 300]
        if i >= 300:
            snils = "".join(ch for ch in snils if ch.isdigit())
        phone = f"8 (912) {i % 300:03d}-00-11" if i < 300 else f"+7 912 {i % 300:03d} 00 11"
        lines.append(f"{phone};{snils};{['МФЦ', 'Портал'][i % 2]};{1 + i % 5}")
    return ("\n".join(lines) + "\n").encode("cp1251")


def test_identifiers_are_counted_in_the_form_the_import_hashes(
    tmp_path: Path, ws: pipeline.Workspace
) -> None:
    path = tmp_path / "визиты.csv"
    path.write_bytes(_visits_export())
    inspection = pipeline.inspect_file(ws, path, min_cell=5)
    before = inspection.quality
    result = import_data(
        path,
        study_id="s",
        source=adhoc_source(),
        author="test",
        home=tmp_path / "home",
        staging_root=tmp_path / "staging",
    )
    after = result.manifest.quality
    # 150 people came twice: the repeats of the client id, the СНИЛС (a phone is no client
    # id, before the import as after it), and 300 people, not 450.
    assert (before.id_column, before.duplicate_ids) == ("СНИЛС", 150)
    assert (after["id_column"], after["duplicate_ids"]) == ("СНИЛС", 150)
    for name in ("СНИЛС", "Телефон"):
        stored = next(c for c in after["columns"] if c["name"] == name)
        assert before.column(name).cardinality == stored["cardinality"] == 300
        assert before.column(name).type.value == stored["type"] == "identifier"
    # Nothing of a СНИЛС or a phone is shown.
    text = json.dumps(inspection.to_dict(), ensure_ascii=False)
    assert "912" not in text
