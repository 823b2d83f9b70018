"""A table or a query in a real PostgreSQL server (started by scripts/test-services.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_clients import client_rows

from segprofile import pipeline
from segprofile.data.readers import ReadOptions
from segprofile.errors import InputError
from segprofile.model.study import Study


@pytest.fixture(scope="module")
def pg_table(pg_url: str) -> str:
    import psycopg

    rows = client_rows(300, seed=31)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS clients")
        con.execute(
            'CREATE TABLE clients (id integer primary key, "ФИО" text, "СНИЛС" text, '
            '"Возраст" integer, "Канал" text, "Оценка" integer)'
        )
        with con.cursor() as cur:
            cur.executemany(
                "INSERT INTO clients VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (
                        i,
                        r["ФИО"],
                        r["СНИЛС"],
                        int(r["Возраст"]),
                        r["Канал"],
                        int(r["Оценка"]) if r["Оценка"] else None,
                    )
                    for i, r in enumerate(rows)
                ],
            )
    return "clients"


def test_inspect_a_table(ws: pipeline.Workspace, pg_url: str, pg_table: str, home: Path) -> None:
    result = pipeline.inspect_file(ws, pg_url, options=ReadOptions(table=pg_table))
    assert result.format == "sql"
    assert result.rows == 300
    assert {f.column: f.kind.value for f in result.pii} == {
        "ФИО": "fio",
        "СНИЛС": "snils",
        "id": "client_id",  # the client identifier: a pseudonym by default
    }
    assert "segprofile@127.0.0.1" in result.file


def test_import_a_query_pseudonymised(
    ws: pipeline.Workspace, pg_url: str, pg_table: str, home: Path, small_study: Study
) -> None:
    query = f'SELECT "СНИЛС", "Возраст", "Канал" FROM {pg_table} WHERE "Возраст" >= 40'  # noqa: S608 — test SQL over our own temp files
    result = pipeline.import_dataset(
        ws,
        pg_url,
        small_study,
        "records",
        author="a",
        options=ReadOptions(query=query),
    )
    expected = sum(int(r["Возраст"]) >= 40 for r in client_rows(300, seed=31))
    assert result.manifest.rows == expected
    assert result.manifest.file_sha256 is None
    cols = {c["name"]: c for c in result.manifest.columns}
    assert cols["СНИЛС"]["pii_action"] == "pseudonymise"
    audit = pipeline.read_audit(ws)
    assert audit[-1].file.startswith("postgresql://segprofile@127.0.0.1")


def test_url_table_parameter_and_missing_table(
    ws: pipeline.Workspace, pg_url: str, pg_table: str, home: Path
) -> None:
    result = pipeline.inspect_file(ws, f"{pg_url}?table={pg_table}")
    assert result.rows == 300
    with pytest.raises(InputError, match="не указана таблица"):
        pipeline.inspect_file(ws, pg_url)
    with pytest.raises(InputError, match="Не удалось открыть") as err:
        pipeline.inspect_file(ws, pg_url, options=ReadOptions(table="no_such_table"))
    assert "127.0.0.1" in str(err.value)


def test_password_is_never_shown(ws: pipeline.Workspace, home: Path) -> None:
    url = "postgresql://user:TopSecret@127.0.0.1:1/none"
    with pytest.raises(InputError) as err:
        pipeline.inspect_file(ws, url, options=ReadOptions(table="t"))
    assert "TopSecret" not in str(err.value)
