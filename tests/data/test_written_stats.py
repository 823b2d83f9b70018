"""The quality report of an imported version takes the rows, missing values and ranges from the
Parquet writer (``COPY … RETURN_STATS``) instead of scanning the file for them: the report is the
same as the one a full scan gives, on messy data — NaN among numbers, empty and constant columns,
dates before 1900, a repeated identifier, a 1–10 scale among 1–5 ones."""

from __future__ import annotations

import logging
import math
import random
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segprofile.data.datasets import adhoc_source, import_data
from segprofile.data.schema import copy_parquet, quality_report, written_stats
from segprofile.model.study import ColumnOverride


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN (a column with NaN has NaN for its maximum in both)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _messy(con: duckdb.DuckDBPyConnection, n: int = 3000, seed: int = 11) -> None:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(
            (
                i % (n - 40),  # 40 repeated client numbers
                None if rng.random() < 0.3 else max(16, min(99, int(rng.gauss(44, 15)))),
                float("nan") if i % 97 == 0 else round(rng.lognormvariate(10, 1), 2),
                rng.choice(["город"] * 12 + ["село"] * 3 + ["посёлок городского типа"]),
                None if rng.random() < 0.8 else rng.choice([1, 2, 3, 4, 5, 5, 5, 9, 10]),
                None,  # an empty column
                "РФ",  # a constant one
                None if i % 5 == 0 else f"18{rng.randint(80, 99)}-0{rng.randint(1, 9)}-1{i % 9}",
                rng.random() < 0.1,
                f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)} 0{i % 9}",
            )
        )
    con.execute(
        'CREATE TABLE t ("Номер заявления" BIGINT, "Возраст" INTEGER, "Доход" DOUBLE, '
        '"Тип поселения" VARCHAR, "Оценка" INTEGER, "Комментарий" VARCHAR, "Страна" VARCHAR, '
        '"Дата" DATE, "Многодетная семья" BOOLEAN, "СНИЛС" VARCHAR)'
    )
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * 10)})", rows)  # noqa: S608 — placeholders


def test_report_from_the_writers_counts_is_the_scanned_one(tmp_path: Path) -> None:
    con = duckdb.connect()
    _messy(con)
    out = tmp_path / "v.parquet"
    written = copy_parquet(con, "SELECT * FROM t", f"'{out}'")
    relation = f"read_parquet('{out}')"
    scanned = quality_report(con, relation, parquet=out, kept_pii=["СНИЛС"]).to_dict()
    counted = quality_report(con, relation, parquet=out, written=written, kept_pii=["СНИЛС"])
    assert _same(scanned, counted.to_dict())
    # The report says what the data holds (not merely the same thing twice).
    assert counted.duplicate_ids == 40
    assert counted.column("Комментарий").non_missing == 0
    assert counted.column("Дата").min is not None
    assert str(counted.column("Дата").min) < "1900"
    kinds = {(i.kind.value, i.column) for i in counted.issues}
    assert ("out_of_range", "Дата") in kinds
    assert ("duplicate_ids", "Номер заявления") in kinds
    assert ("suspicious", "Страна") in kinds
    assert ("suspicious", "Комментарий") in kinds


def test_only_exact_figures_are_taken(tmp_path: Path) -> None:
    """NaN among the numbers, a time zone, single-precision numbers, decimals: the writer's
    range is not the engine's min and max as the report reads them, so it is left to the scan;
    booleans' distinct values follow from their range."""
    con = duckdb.connect()
    out = tmp_path / "v.parquet"
    written = copy_parquet(
        con,
        "SELECT CASE WHEN i % 7 = 0 THEN 'nan'::DOUBLE ELSE i END AS x, "
        "TIMESTAMPTZ '2024-01-01 10:00:00+03' AS tz, i % 2 = 0 AS b, true AS t, "
        "NULL::BOOLEAN AS nb, (i / 10)::REAL AS r, (i / 7)::DECIMAL(9, 2) AS dec "
        "FROM range(50) r(i)",
        f"'{out}'",
    )
    dtypes = {"x": "DOUBLE", "tz": "TIMESTAMP WITH TIME ZONE", "b": "BOOLEAN", "t": "BOOLEAN"}
    st = written_stats(written, {**dtypes, "nb": "BOOLEAN", "r": "FLOAT", "dec": "DECIMAL(9,2)"})
    assert st["n"] == 50
    assert st["nn0"] == 50
    assert "lo0" not in st
    assert "hi0" not in st
    assert "lo1" not in st
    assert st["nn1"] == 50
    assert (st["d2"], st["d3"], st["d4"], st["nn4"]) == (2, 1, 0, 0)
    # A REAL's «0.1» is not the double the engine's min gives: scanned, as decimals are.
    assert "lo5" not in st
    assert "lo6" not in st
    relation = f"read_parquet('{out}')"
    scanned = quality_report(con, relation, parquet=out).to_dict()
    assert _same(scanned, quality_report(con, relation, parquet=out, written=written).to_dict())


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_files(tmp_path: Path, rows: int) -> None:
    con = duckdb.connect()
    out = tmp_path / "v.parquet"
    select = f"SELECT i AS n, 'a' AS s FROM range({rows:d}) r(i)"  # noqa: S608 — a number
    written = copy_parquet(con, select, f"'{out}'")
    relation = f"read_parquet('{out}')"
    scanned = quality_report(con, relation, parquet=out).to_dict()
    assert _same(scanned, quality_report(con, relation, parquet=out, written=written).to_dict())


def test_import_stores_the_report_a_scan_gives(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the import: the version's manifest holds the report a full scan of it gives;
    the log says where the import's time went (no value of the file in it)."""
    caplog.set_level(logging.INFO, logger="segprofile.data.datasets")
    con = duckdb.connect()
    _messy(con, n=1500)
    csv = tmp_path / "clients.csv"
    con.execute(f"COPY t TO '{csv}' (FORMAT csv, DELIMITER ';', HEADER true)")
    result = import_data(
        csv,
        study_id="s",
        source=adhoc_source(),
        author="test",
        home=tmp_path / "home",
        overrides={"СНИЛС": ColumnOverride(pii="drop")},
        staging_root=tmp_path / "staging",
    )
    relation = f"read_parquet('{result.path}')"
    scanned = quality_report(
        duckdb.connect(),
        relation,
        overrides={"Номер заявления": ColumnOverride(type="identifier", use="id")},
        parquet=result.path,
    )
    stored = result.manifest.quality
    assert stored["rows"] == scanned.rows == 1500
    for mine, theirs in zip(stored["columns"], scanned.to_dict()["columns"], strict=True):
        assert _same(
            {k: mine[k] for k in ("name", "non_missing", "missing", "cardinality", "min", "max")},
            {k: theirs[k] for k in ("name", "non_missing", "missing", "cardinality", "min", "max")},
        )
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("imported")]
    assert len(said) == 1
    assert "1500 rows" in said[0]
    assert "writing" in said[0]
    assert "quality report" in said[0]
    assert "-" not in said[0].split(";")[1]  # times, not a СНИЛС or any other value
