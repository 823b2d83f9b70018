"""Shared fixtures: a small study and seeded synthetic client records, made by code."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile.model.spec_yaml import dump_study
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY, make_records


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
