"""Walk-through: 600 survey answers uploaded and linked, yet the plan's «Сколько ответов нужно»
showed «—» under «Есть» for every segment and the profile had "survey": null — the survey had
no rating question marked, and only a rated survey was read into the profile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segprofile import pipeline
from segprofile.analysis.research import survey_sample_sizes
from segprofile.model.study import Study


def _unrated(study: Study) -> Study:
    """The study with a survey of agreement questions: nothing marked as a rating, and no id
    column chosen on the source (the answers carry the client records' id column, as uploads
    do)."""
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
    return study.model_copy(
        update={"data_sources": [unrated if d.id == "survey" else d for d in study.data_sources]}
    )


def test_a_survey_without_a_rating_question_is_counted_per_segment(tmp_path: Path) -> None:
    study = pipeline.example_study("child-benefit")
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_demo_data(ws, study, "child-benefit", author="анна", rows=3000, seed=5)
    study = _unrated(study)
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
    # The reports say in words that the survey has no ratings, never «CSAT по опросу: —».
    from segprofile.report.build import NO_SURVEY_RATINGS, Paragraph, build_report, format_cell

    report = build_report(profile, study, figures=False)
    tables = {t.name: t for sec in report.sections for t in sec.tables()}
    summary = {row[0]: row[1] for row in tables["summary"].rows}
    assert summary["CSAT по опросу"] == NO_SURVEY_RATINGS
    assert summary["Ответов в опросе (нулевой замер)"] == format_cell(len(answers), "int")
    text = " ".join(b.text for b in report.section("survey").blocks if isinstance(b, Paragraph))
    assert "CSAT по опросу не считается: в опросе нет оценок удовлетворённости" in text
    by_segment = tables["survey"]
    assert [c.title for c in by_segment.columns] == ["Сегмент", "Ответов", "Выборка"]
    assert {len(row) for row in by_segment.rows} == {3}
    wide = tables["profile"]
    titles = [c.title for c in wide.columns]
    assert "Ответов в опросе" in titles
    assert "CSAT по опросу" not in titles
    assert "NPS по опросу" not in titles
    assert {len(row) for row in wide.rows} == {len(titles)}


def test_a_survey_read_from_its_file_is_counted_like_an_imported_one(tmp_path: Path) -> None:
    """Walk-through: the answers were a file in the data folder, never imported (no stored
    version): the plan's «Есть» stayed empty — only an imported survey was read."""
    study = pipeline.example_study("child-benefit")
    study = _unrated(study)
    data = tmp_path / "data"
    pipeline.generate_demo_data("child-benefit", data, rows=2000, seed=9)
    ws = pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=data)
    assert pipeline.list_dataset_versions(ws, study.id, "survey") == []
    profile = pipeline.profile_study(ws, study)
    answers = pd.read_parquet(data / study.data_source("survey").path)
    assert profile.survey is not None
    assert profile.survey.n == len(answers)
    assert profile.survey.csat is None
    sizes = survey_sample_sizes(study, profile)
    have = [s for s in sizes if s.key.startswith("channel=") and "&" not in s.key]
    assert have
    assert all(s.have is not None for s in have)
    assert sum(s.have or 0 for s in have) <= len(answers)
