"""Walk-through: 600 survey answers uploaded and linked, yet the plan's «Сколько ответов нужно»
showed «—» under «Есть» for every segment and the profile had "survey": null — the survey had
no rating question marked, and only a rated survey was read into the profile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segprofile import pipeline
from segprofile.analysis.research import survey_sample_sizes


def test_a_survey_without_a_rating_question_is_counted_per_segment(tmp_path: Path) -> None:
    study = pipeline.example_study("child-benefit")
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_demo_data(ws, study, "child-benefit", author="анна", rows=3000, seed=5)
    # A survey of agreement questions: nothing marked as a rating, and no id column chosen
    # on the source (the answers carry the client records' id column, as uploads do).
    source = study.data_source("survey")
    assert source is not None
    unrated = source.model_copy(
        update={
            "columns": {
                c: o for c, o in source.columns.items() if o.use not in ("satisfaction", "nps")
            },
            "id_column": None,
        }
    )
    study = study.model_copy(
        update={"data_sources": [unrated if d.id == "survey" else d for d in study.data_sources]}
    )
    profile = pipeline.profile_study(ws, study)
    data = tmp_path / "data"
    pipeline.generate_demo_data("child-benefit", data, rows=3000, seed=5)
    answers = pd.read_parquet(data / "survey.parquet")
    records = pd.read_parquet(data / "records.parquet")
    assert profile.survey is not None
    assert profile.survey.n == len(answers)
    assert profile.survey.csat is None  # no rating: answers counted, nothing made up
    clients = records.drop_duplicates("client_id")[["client_id", "channel"]]
    expected = answers.merge(clients, on="client_id")["channel"].value_counts()
    channel = next(f for f in profile.by_feature if f.feature_id == "channel")
    checked = 0
    for seg in channel.segments:
        if seg.missing_value or seg.survey is None or seg.survey.hidden:
            continue
        assert seg.survey.n == int(expected.get(seg.value, 0)), seg.value
        checked += 1
    assert checked >= 2
    sizes = survey_sample_sizes(study, profile)
    have = [s for s in sizes if s.key.startswith("channel=") and "&" not in s.key]
    assert have
    assert all(s.have is not None and s.short is not None for s in have)
