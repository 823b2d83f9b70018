"""profile_study reads a source's latest imported dataset version when there is one.

Without an imported version it reads the file at the source's path, as before; the version
read is recorded in the profile's provenance.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.errors import NotFound
from segprofile.model.study import Study


def _import(ws: pipeline.Workspace, study: Study, data: Path, rows: int, name: str) -> int:
    """Import the first ``rows`` records as a new version (from a file of their own)."""
    upload = ws.home.parent / name
    pq.write_table(pq.read_table(data / "records.parquet").slice(0, rows), upload)
    result = pipeline.import_dataset(ws, upload, study, "records", author="tester")
    assert upload.exists()  # the user's file is never deleted
    return result.manifest.version


def test_without_an_imported_version_the_file_at_the_path_is_read(
    ws: pipeline.Workspace, small_study: Study, small_data: Path, home: Path
) -> None:
    profile = pipeline.profile_study(ws.reading(small_data), small_study)
    assert profile.total_clients == 3000
    assert profile.provenance.data_files[0].version is None


def test_the_latest_imported_version_is_preferred_and_recorded(
    ws: pipeline.Workspace, small_study: Study, small_data: Path, home: Path
) -> None:
    assert _import(ws, small_study, small_data, 1000, "first.parquet") == 1
    first = pipeline.profile_study(ws.reading(small_data), small_study)
    assert first.total_clients == 1000
    files = first.provenance.data_files
    assert files[0].version == 1
    manifest = pipeline.list_dataset_versions(ws, "small", "records")[0]
    assert files[0].sha256 == manifest.sha256

    assert _import(ws, small_study, small_data, 2000, "second.parquet") == 2
    second = pipeline.profile_study(ws.reading(small_data), small_study)
    assert second.total_clients == 2000
    assert second.provenance.data_files[0].version == 2
    assert second.provenance.data_fingerprint != first.provenance.data_fingerprint


def test_home_defaults_to_segprofile_home(
    ws: pipeline.Workspace, small_study: Study, small_data: Path, home: Path
) -> None:
    _import(ws, small_study, small_data, 500, "records.parquet")
    profile = pipeline.profile_study(ws.reading(small_data), small_study)  # $SEGPROFILE_HOME = home
    assert profile.total_clients == 500


def test_a_deleted_version_falls_back_to_the_previous_one(
    ws: pipeline.Workspace, small_study: Study, small_data: Path, home: Path
) -> None:
    _import(ws, small_study, small_data, 700, "a.parquet")
    _import(ws, small_study, small_data, 900, "b.parquet")
    pipeline.delete_dataset_version(ws, "small", "records", 2, user="tester")
    profile = pipeline.profile_study(ws.reading(small_data), small_study)
    assert (profile.total_clients, profile.provenance.data_files[0].version) == (700, 1)


def test_an_imported_version_needs_no_data_dir(
    ws: pipeline.Workspace, small_study: Study, small_data: Path, home: Path, tmp_path: Path
) -> None:
    _import(ws, small_study, small_data, 800, "c.parquet")
    profile = pipeline.profile_study(ws.reading(tmp_path / "absent"), small_study)
    assert profile.total_clients == 800
    elsewhere = pipeline.Workspace.in_folder(tmp_path / "empty", data_dir=tmp_path / "absent")
    with pytest.raises(NotFound):
        pipeline.profile_study(elsewhere, small_study)
