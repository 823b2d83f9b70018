"""Fixtures for the data layer: a private SEGPROFILE_HOME, seeded Russian client records, the
PostgreSQL URL from ``scripts/test-services.sh`` and one Spark session for the whole run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "SEGPROFILE_TEST_PG_URL"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory (its key store: tests/conftest.py)."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("SEGPROFILE_HOME", str(path))
    return path


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"{PG_ENV} не задан: запустите тесты через scripts/test-services.sh (make test "
            "делает это сам)"
        )
    return url


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[object]:
    """One local Spark session for the whole test run (local[2], 2 shuffle partitions)."""
    pytest.importorskip(
        "pyspark", reason="дополнение spark не установлено: pip install -e .[spark]"
    )
    from segprofile.data.engine import connect

    engine = connect("pyspark://local[2]?spark.driver.memory=1g")
    yield engine
    engine.close()
