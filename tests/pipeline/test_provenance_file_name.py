"""Provenance names the file the analyst uploaded, not the stored version's file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq

from segprofile import pipeline
from segprofile.model.study import Study
from sp_factories import make_records


def test_provenance_shows_the_uploaded_file_name(small_study: Study, tmp_path: Path) -> None:
    ws = dataclasses.replace(pipeline.Workspace.in_folder(tmp_path), data_dir=None)
    upload = tmp_path / "Выгрузка_заявлений_2025.parquet"
    pq.write_table(make_records(400, seed=11), upload)
    pipeline.import_dataset(ws, upload, small_study, "records", author="тест")
    pipeline.import_dataset(ws, upload, small_study, "records", author="тест")  # version 2
    profile = pipeline.profile_study(ws, small_study)
    [used] = profile.provenance.data_files
    assert used.version == 2
    assert used.path == "Выгрузка_заявлений_2025.parquet"
    assert "v2" not in used.path
    assert used.path != small_study.client_records().path  # what the YAML calls it
