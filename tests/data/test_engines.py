"""One suite, two engines: the per-feature profile runs unchanged on DuckDB and on Spark.

Spark runs in local mode (local[2], two shuffle partitions), one session for the whole run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fake_clients import client_rows, write_csv

from segprofile import pipeline
from segprofile.data.engine import Engine, connect, open_source
from segprofile.errors import InputError
from segprofile.model.study import Study


@pytest.fixture(params=["duckdb", "pyspark"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "duckdb":
        eng = connect("duckdb://")
        yield eng
        eng.close()
    else:
        yield request.getfixturevalue("spark_engine")


def _expected(data: Path) -> dict[str, Any]:
    table = pq.read_table(data / "records.parquet").to_pylist()
    channel = Counter(r["channel"] or "NA" for r in table)
    rated = [r["satisfaction"] for r in table if r["satisfaction"] is not None]
    age = Counter(
        "NA"
        if r["age"] is None
        else "<25"
        if r["age"] < 25
        else "25–35"
        if r["age"] < 35
        else "35–45"
        if r["age"] < 45
        else "≥45"
        for r in table
    )
    return {"rows": len(table), "channel": channel, "age": age, "rated": rated}


def test_profile_is_the_same_on_every_engine(
    engine: Engine, small_study: Study, small_data: Path
) -> None:
    profile = pipeline.profile_study(small_study, small_data, engine=engine)
    expected = _expected(small_data)
    assert profile.provenance.engine == engine.name
    assert profile.total_clients == expected["rows"]
    by_id = {f.feature_id: f for f in profile.by_feature}
    assert {s.value: s.capacity for s in by_id["channel"].segments} == dict(expected["channel"])
    assert {s.value: s.capacity for s in by_id["age"].segments} == dict(expected["age"])
    assert [s.value for s in by_id["single_parent"].segments][:2] == ["true", "false"]
    rated = expected["rated"]
    assert profile.satisfaction.n == len(rated)
    assert profile.satisfaction.mean == pytest.approx(sum(rated) / len(rated))
    assert profile.satisfaction.csat == pytest.approx(sum(v >= 4 for v in rated) / len(rated))


def test_imported_dataset_opens_on_every_engine(
    engine: Engine, home: Path, tmp_path: Path, small_study: Study
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(90, seed=12), encoding="cp1251")
    result = pipeline.import_dataset(path, small_study, "records", author="a", home=home)
    table = pipeline.open_dataset(engine, small_study, "records", home=home)
    assert table.version == 1
    assert table.fingerprint() == result.manifest.sha256
    assert int(table.table.count().execute()) == 90
    channels = table.table.group_by("Канал").aggregate(n=table.table.count()).execute()
    assert sorted(channels["Канал"]) == sorted({r["Канал"] for r in client_rows(90, seed=12)})
    assert int(channels["n"].sum()) == 90


def test_out_of_range_check_works_on_every_engine(
    engine: Engine, small_data: Path, small_study: Study
) -> None:
    table = open_source(engine, small_study.data_sources[0], small_data)
    with pytest.raises(InputError, match="вне шкалы 1–3"):
        table.require_range("satisfaction", 1, 3)


def test_engine_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGPROFILE_HOME", str(tmp_path))
    eng = connect("duckdb://profiles.duckdb")
    assert eng.name == "duckdb"
    assert (tmp_path / "engine" / "profiles.duckdb").exists()
    eng.close()
    eng = connect(f"duckdb://{tmp_path / 'abs.duckdb'}?threads=1")
    assert (tmp_path / "abs.duckdb").exists()
    eng.close()
    with pytest.raises(InputError, match="не поддерживается"):
        connect("oracle://x")
    with pytest.raises(InputError, match="задан неверно"):
        connect("local[2]")


def test_a_raw_file_is_read_through_the_gate_on_every_engine(
    engine: Engine, home: Path, tmp_path: Path, small_study: Study
) -> None:
    """A raw cp1251 export (no import) read for analysis: the same readers as an import, its
    identifiers pseudonymised and its names dropped before the engine sees it."""
    rows = client_rows(120, seed=21)
    data = tmp_path / "raw"
    data.mkdir()
    write_csv(data / "records.csv", rows, encoding="cp1251")
    study = small_study.model_copy(deep=True)
    study.data_sources[0].path = "records.csv"
    table = pipeline.open_data_source(engine, study, study.data_sources[0], data, home=home)
    assert table.version is None
    assert "ФИО" not in table.columns
    stored = table.table.select("СНИЛС", "Канал").to_pyarrow().to_pylist()
    assert len(stored) == 120
    raw = {r["СНИЛС"] for r in rows}
    assert not raw & {r["СНИЛС"] for r in stored}
    assert all(len(r["СНИЛС"]) == 22 for r in stored)  # pseudonyms
    assert sorted({r["Канал"] for r in stored}) == sorted({r["Канал"] for r in rows})
    assert not any(home.rglob("*.parquet"))  # nothing stored as a version
