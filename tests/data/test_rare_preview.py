"""The inspection's preview hides a value found in fewer rows of the whole file than the
study's min_cell (a department of one employee): the trips beside it would be that person's.
Counted once, over the file, with the import's trimming; only row indexes are kept."""

from __future__ import annotations

import json
from pathlib import Path

from segprofile import pipeline
from segprofile.data import datasets, privacy
from segprofile.model.study import ColumnOverride
from trips_export import DOMINANT, FREQUENT, RARE, RARE_POSITION, SPACED, trips_csv


def _inspect(tmp_path: Path, ws: pipeline.Workspace, min_cell: int) -> datasets.Inspection:
    path = tmp_path / "командировки.csv"
    path.write_bytes(trips_csv(rows=3000))
    return pipeline.inspect_file(ws, path, min_cell=min_cell)


def test_values_of_few_rows_are_hidden_in_the_preview_and_frequent_ones_shown(
    tmp_path: Path, ws: pipeline.Workspace
) -> None:
    inspection = _inspect(tmp_path, ws, 5)
    shown = inspection.to_dict()
    text = json.dumps(shown, ensure_ascii=False, default=str)
    for rare in [*RARE, SPACED, RARE_POSITION, "Советник", "Референт"]:
        assert rare not in text, rare
    depts = [row["Подразделение"] for row in shown["preview"]]
    assert depts[:12] == [privacy.RARE] * 12
    assert DOMINANT in depts
    # «Отдел кадров » is the frequent «Отдел кадров» with a space: the import trims it.
    assert FREQUENT in {d.strip() for d in depts}
    # Numbers, dates and a frequent position beside a rare department stay.
    first = shown["preview"][0]
    assert first["Дней"] == 10
    assert first["Дата выезда"] == "2025-01-01"
    assert shown["preview"][1]["Должность"] == "Консультант"
    # What the inspection carries (and a page stores) is indexes, never a value.
    assert inspection.rare["Подразделение"] == list(range(12))
    assert inspection.rare["Должность"] == [0, *range(4, 12)]  # «Консультант» is frequent
    assert "Вид командировки" not in inspection.rare


def test_the_threshold_is_the_studys_min_cell(tmp_path: Path, ws: pipeline.Workspace) -> None:
    # With groups of 4 allowed (min_cell 4), only the press office and the protocol are hidden.
    hidden = _inspect(tmp_path, ws, 4).rare["Подразделение"]
    assert hidden == [0, 1, 2, 3]
    # min_cell 1 hides nothing; unmasked, the raw preview is there (positive control).
    loose = _inspect(tmp_path, ws, 1)
    assert loose.rare == {}
    assert loose.to_dict()["preview"][0]["Подразделение"] == "Пресс-служба"


def test_mask_preview_hides_the_rare_cells_and_keeps_blanks_and_other_rows() -> None:
    rows = [
        {"Подразделение": "Пресс-служба", "ФИО": "Иванов", "Дней": 3},
        {"Подразделение": DOMINANT, "ФИО": "Петров", "Дней": 5},
        {"Подразделение": "", "ФИО": None, "Дней": 1},
    ]
    shown = privacy.mask_preview(rows, {"ФИО"}, {"Подразделение": [0, 2]})
    assert [r["Подразделение"] for r in shown] == [privacy.RARE, DOMINANT, ""]
    assert [r["ФИО"] for r in shown] == [privacy.MASK, privacy.MASK, None]
    assert [r["Дней"] for r in shown] == [3, 5, 1]


def test_a_value_of_many_rows_of_one_client_is_hidden(
    tmp_path: Path, ws: pipeline.Workspace
) -> None:
    """The press officer made 18 trips: 18 rows, one person. Where the file has a client id
    (the табельный номер, taken for one), a value is counted in different clients."""
    lines = ["Табельный номер;Подразделение;Вид командировки;Дней"]
    lines += [f"10001;Пресс-служба;по России;{d % 9 + 1}" for d in range(18)]
    lines += [f"{10002 + i % 300};{DOMINANT};зарубежная;{i % 7 + 1}" for i in range(2000)]
    path = tmp_path / "trips.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    overrides = {"Табельный номер": ColumnOverride(use="id")}
    inspection = pipeline.inspect_file(ws, path, overrides=overrides, min_cell=5)
    assert inspection.rare["Подразделение"] == list(range(18))
    assert DOMINANT in {r["Подразделение"] for r in inspection.to_dict()["preview"]}
    text = json.dumps(inspection.to_dict(), ensure_ascii=False, default=str)
    assert "Пресс-служба" not in text
    # Without an id, 18 rows are no small group (the rows are all the file can tell).
    plain = tmp_path / "no-id.csv"
    plain.write_text("\n".join(line.split(";", 1)[1] for line in lines) + "\n", encoding="utf-8")
    assert "Подразделение" not in pipeline.inspect_file(ws, plain, min_cell=5).rare
