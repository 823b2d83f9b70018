"""The quality report's «Различных значений» counts a text column's values as the import stores
them, the spaces around them left out: a ministry's trips export spells «Секретариат» also
« Секретариат  » and «Отдел кадров» also «Отдел кадров »; it has 6 departments, not 8, before
the import (the check page) and after it (the version's report) alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from segprofile import pipeline
from segprofile.data.datasets import adhoc_source, import_data
from segprofile.data.schema import quality_report
from trips_export import trips_csv


def _cardinality(columns: list[dict[str, Any]], name: str) -> Any:
    return next(col["cardinality"] for col in columns if col["name"] == name)


def test_spellings_differing_by_spaces_are_one_value(
    tmp_path: Path, ws: pipeline.Workspace
) -> None:
    path = tmp_path / "командировки.csv"
    path.write_bytes(trips_csv(rows=3000))
    raw = duckdb.connect()
    spellings = raw.execute(
        f"SELECT count(DISTINCT \"Подразделение\") FROM read_csv('{path}', delim=';')"  # noqa: S608
    ).fetchone()
    assert spellings == (8,)  # the file's spellings: the figure the page used to show
    inspection = pipeline.inspect_file(ws, path)
    before = inspection.to_dict()["quality"]["columns"]
    assert _cardinality(before, "Подразделение") == 6
    assert _cardinality(before, "Должность") == 6  # no spaced spelling: as it was
    result = import_data(
        path,
        study_id="s",
        source=adhoc_source(),
        author="test",
        home=tmp_path / "home",
        staging_root=tmp_path / "staging",
    )
    after = result.manifest.quality["columns"]
    assert _cardinality(after, "Подразделение") == 6
    scanned = quality_report(duckdb.connect(), f"read_parquet('{result.path}')")
    assert _cardinality(scanned.to_dict()["columns"], "Подразделение") == 6


def test_a_blank_value_is_not_a_value(tmp_path: Path) -> None:
    """«   » is missing once imported: not one more category («Канал» has 2, not 3)."""
    con = duckdb.connect()
    con.execute('CREATE TABLE t ("Канал" VARCHAR)')
    con.executemany(
        "INSERT INTO t VALUES (?)",
        [("МФЦ",)] * 40 + [(" МФЦ",)] * 3 + [("Портал",)] * 20 + [("   ",)] * 2 + [(None,)] * 5,
    )
    report = quality_report(con, "t")
    assert report.columns[0].cardinality == 2
