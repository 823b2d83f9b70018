"""One suite, two engines: stored versions and raw files open, and are checked, alike on DuckDB
and on Spark (the pipeline's stages on both: tests/pipeline/test_pipeline_engines.py).

Spark runs in local mode (local[2], two shuffle partitions), one session for the whole run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def ws(tmp_path: Path, home: Path, engine: Engine) -> pipeline.Workspace:
    """The test's workspace (its data home: ``home``), computing on ``engine``."""
    return pipeline.Workspace.in_folder(tmp_path, engine=engine)


def test_imported_dataset_opens_on_every_engine(
    ws: pipeline.Workspace, engine: Engine, home: Path, tmp_path: Path, small_study: Study
) -> None:
    path = write_csv(tmp_path / "a.csv", client_rows(90, seed=12), encoding="cp1251")
    result = pipeline.import_dataset(ws, path, small_study, "records", author="a")
    table = pipeline.open_dataset(ws, engine, small_study, "records")
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


def test_engine_urls(tmp_path: Path, configure: Callable[..., Any]) -> None:
    configure(home=tmp_path)
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


def test_duckdb_spills_into_a_private_staging_folder_deleted_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What DuckDB writes to disk when a query outgrows memory holds (pseudonymised) records:
    it goes to the staging area, never to ``.tmp`` in the folder the process started in."""
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    staging_root = tmp_path / "staging"
    eng = connect("duckdb://", spill_root=staging_root)
    folders = list((staging_root / "work").glob("engine-*"))
    assert len(folders) == 1
    con = eng.con.con  # DuckDB's own connection under Ibis
    assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == str(folders[0])
    con.execute("SET memory_limit = '40MB'; SET threads = 1; SET preserve_insertion_order = false")
    con.execute(
        "CREATE TEMP TABLE big AS SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS v "
        "FROM range(1500000) t(i)"
    )
    assert any(folders[0].iterdir()), "the 40 MB limit should have made DuckDB spill"
    assert con.execute("SELECT count(DISTINCT v) FROM big").fetchone()[0] == 1_500_000
    assert not any(started_in.iterdir())
    eng.close()
    assert not folders[0].exists()


def test_a_raw_file_is_read_through_the_gate_on_every_engine(
    ws: pipeline.Workspace, engine: Engine, home: Path, tmp_path: Path, small_study: Study
) -> None:
    """A raw cp1251 export (no import) read for analysis: the same readers as an import, its
    identifiers pseudonymised and its names dropped before the engine sees it."""
    rows = client_rows(120, seed=21)
    data = tmp_path / "raw"
    data.mkdir()
    write_csv(data / "records.csv", rows, encoding="cp1251")
    study = small_study.model_copy(deep=True)
    study.data_sources[0].path = "records.csv"
    table = pipeline.open_data_source(ws.reading(data), engine, study, study.data_sources[0])
    assert table.version is None
    assert "ФИО" not in table.columns
    stored = table.table.select("СНИЛС", "Канал").to_pyarrow().to_pylist()
    assert len(stored) == 120
    raw = {r["СНИЛС"] for r in rows}
    assert not raw & {r["СНИЛС"] for r in stored}
    assert all(len(r["СНИЛС"]) == 22 for r in stored)  # pseudonyms
    assert sorted({r["Канал"] for r in stored}) == sorted({r["Канал"] for r in rows})
    assert not any(home.rglob("*.parquet"))  # nothing stored as a version


def test_messages_name_an_imported_version_by_its_source_never_its_file(tmp_path: Path) -> None:
    """«В данных «Данные о клиентах» (загруженная версия 3) нет столбцов…», not «v3.parquet»;
    the column's type in Russian; the hint speaks of the study, not of YAML fields."""
    import ibis

    from segprofile.data.engine import SourceTable
    from segprofile.model.study import DataSource, DataSourceKind

    source = DataSource(
        id="records", kind=DataSourceKind.client_records, title="Данные о клиентах", path="x.csv"
    )
    engine = Engine.duckdb()
    try:
        table = SourceTable(
            engine=engine,
            source=source,
            path=tmp_path / "datasets" / "v3.parquet",
            table=ibis.memtable({"Канал": ["МФЦ", "ЕПГУ"], "Оценка": ["5", "4"]}),
            version=3,
        )
        with pytest.raises(InputError) as err:
            table.require_columns([("Доход", "признак «Доход»")])
        text = err.value.message + (err.value.hint or "")
        assert "В данных «Данные о клиентах» (загруженная версия 3) нет столбцов" in text
        assert "v3.parquet" not in text
        assert "column" not in text
        with pytest.raises(InputError, match="а он текстовый") as err:
            table.require_range("Оценка", 1, 5)
        assert "v3.parquet" not in err.value.message
    finally:
        engine.close()
