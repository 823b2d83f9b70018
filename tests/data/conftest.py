"""Fixtures for the data layer: a private SEGPROFILE_HOME and its workspace, the PostgreSQL URL
from ``scripts/test-services.sh`` (the Spark session: tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segprofile.pipeline import Workspace

PG_ENV = "SEGPROFILE_TEST_PG_URL"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory (its key store: tests/conftest.py)."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("SEGPROFILE_HOME", str(path))
    return path


@pytest.fixture
def ws(home: Path) -> Workspace:
    """The workspace the settings describe: the data home ``home``, the test's own key store
    (tests/conftest.py), the staging area beside the home."""
    return Workspace.from_config()


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"{PG_ENV} не задан: запустите тесты через scripts/test-services.sh (make test "
            "делает это сам)"
        )
    return url
