"""Which data a profile reads: the latest imported version of each source, else its file in
the data folder; without a data folder, a source never imported is a clear error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.errors import NotFound
from segprofile.model.study import Study
from sp_factories import make_records


def test_without_a_data_folder_only_imported_versions_are_read(
    small_study: Study, tmp_path: Path
) -> None:
    ws = dataclasses.replace(pipeline.Workspace.in_folder(tmp_path), data_dir=None)
    with pytest.raises(NotFound, match=r"У источника «.+» нет загруженной версии данных"):
        pipeline.profile_study(ws, small_study)
    records = tmp_path / "records.parquet"
    pq.write_table(make_records(700, seed=5), records)
    pipeline.import_dataset(ws, records, small_study, "records", author="тест")
    profile = pipeline.profile_study(ws, small_study)
    assert profile.total_clients == 700
    assert [(f.source_id, f.version) for f in profile.provenance.data_files] == [("records", 1)]


def test_a_survey_of_yes_no_questions_only_is_no_baseline(
    small_study: Study, tmp_path: Path
) -> None:
    """A survey imported through the check page keeps a decision for every column; with no
    rating or NPS question marked it only checks hypotheses (M-9): the profile builds without
    a CSAT baseline instead of refusing (it did, once the check page saved decisions)."""
    survey = {
        "id": "survey",
        "kind": "survey",
        "path": "survey.csv",
        "columns": {"Срок неизвестен": {"type": "boolean", "use": "feature"}},
    }
    study = Study.model_validate(
        {
            **small_study.model_dump(mode="json"),
            "data_sources": [*small_study.model_dump(mode="json")["data_sources"], survey],
        }
    )
    ws = pipeline.Workspace.in_folder(tmp_path)
    (tmp_path / "data").mkdir()
    pq.write_table(make_records(300, seed=6), tmp_path / "data" / "records.parquet")
    (tmp_path / "data" / "survey.csv").write_text(
        "Срок неизвестен\nда\nнет\nда\n", encoding="utf-8"
    )
    profile = pipeline.profile_study(ws, study)
    assert profile.total_clients == 300
    # The survey read from its file is the profile's survey (its answers counted for the plan),
    # with no CSAT or NPS: no rating question.
    assert profile.survey is not None
    assert profile.survey.n == 3
    assert profile.survey.csat is None
    assert profile.survey.nps is None
