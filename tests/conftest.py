"""Shared fixtures: a small study and seeded synthetic client records, made by code; every
test gets a pseudonym key store of its own and its settings read from its own environment."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from segprofile import config
from segprofile.model.spec_yaml import dump_study
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY, make_records


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist (``make test``: whole files spread over the processes, handed out in the
    order collected, ``--no-loadscope-reorder``) the files of long tests — in real Chromium or
    marked slow, a minute or so each — come first, so that the processes end together on short
    files instead of one waiting for the other's last long file. A run without xdist keeps the
    order of the files."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    long_files = {
        item.path
        for item in items
        if item.get_closest_marker("browser") or item.get_closest_marker("slow")
    }
    items.sort(key=lambda item: item.path not in long_files)  # stable: each file's order kept


@pytest.fixture(autouse=True)
def _own_key_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pseudonym keys go to a fresh directory outside every test's data directory (never to the
    developer's ``./var-keys``); no key from the environment of an earlier release."""
    monkeypatch.setenv("SEGPROFILE_KEYS", str(tmp_path_factory.mktemp("keys")))
    monkeypatch.delenv("SEGPROFILE_PSEUDONYM_KEY", raising=False)
    # The settings are read once: each test reads them again, from its own environment.
    monkeypatch.setattr(config, "_current", None)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., config.Config]:
    """Change settings for the rest of a test: ``configure(max_columns=2)``."""

    def apply(**values: Any) -> config.Config:
        changed = dataclasses.replace(config.current(), **values)
        monkeypatch.setattr(config, "_current", changed)
        return changed

    return apply


@pytest.fixture
def small_study() -> Study:
    return Study.model_validate(SMALL_STUDY)


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(make_records(3000, seed=7), data / "records.parquet")
    return data


@pytest.fixture
def small_study_file(tmp_path: Path, small_study: Study) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(dump_study(small_study), encoding="utf-8")
    return path


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
