"""Shared fixtures: a small study and seeded synthetic client records, made by code; every
test gets a pseudonym key store of its own."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile.model.spec_yaml import dump_study
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY, make_records


@pytest.fixture(autouse=True)
def _own_key_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pseudonym keys go to a fresh directory outside every test's data directory (never to the
    developer's ``./var-keys``); no key from the environment of an earlier release."""
    monkeypatch.setenv("SEGPROFILE_KEYS", str(tmp_path_factory.mktemp("keys")))
    monkeypatch.delenv("SEGPROFILE_PSEUDONYM_KEY", raising=False)


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
