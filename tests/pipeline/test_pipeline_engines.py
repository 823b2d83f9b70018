"""Every engine choice goes through the Workspace: each stage that reads client data gives the
same answer on DuckDB and on Spark — the profile, rule counts, portraits, the research plan,
the survey import and text topics.

Spark runs in local mode, one session for the whole run (tests/conftest.py); the data is tiny.
The DuckDB answer is the reference: each Spark answer must equal it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.suppression import live_count
from segprofile.data.engine import Engine, connect
from segprofile.model.results import Profile
from segprofile.model.study import Study, SurveyQuestion, SurveySupport

DUCKDB = "duckdb://"  # the reference: a DuckDB of its own for each call, closed after
ROWS = 1000  # client records of the example: 50 survey answers, 75 complaints


@pytest.fixture(params=["duckdb", "pyspark"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "duckdb":
        eng = connect("duckdb://")
        yield eng
        eng.close()
    else:
        yield request.getfixturevalue("spark_engine")  # type: ignore[misc]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path]:
    """The child-benefit example with its survey answers imported and a DuckDB profile."""
    root = tmp_path_factory.mktemp("engines")
    study = pipeline.example_study("child-benefit")
    data = root / "data"
    pipeline.generate_demo_data("child-benefit", data, rows=ROWS, seed=11)
    ws = pipeline.Workspace.in_folder(root, data_dir=data)
    demo = {"client_id": pipeline.DEMO_KEEP_REASON}  # the example's ids: pseudonyms already
    pipeline.import_dataset(
        ws, data / "survey.parquet", study, "survey", author="анна", keep_reasons=demo
    )
    return study, root


@pytest.fixture(scope="module")
def reference(example: tuple[Study, Path]) -> Profile:
    """The profile on DuckDB: what the stages after it are given on every engine."""
    study, root = example
    return pipeline.profile_study(pipeline.Workspace.in_folder(root, data_dir=root / "data"), study)


def _ws(example: tuple[Study, Path], engine: str | Engine) -> pipeline.Workspace:
    _, root = example
    return pipeline.Workspace.in_folder(root, data_dir=root / "data", engine=engine)


def _expected(data: Path) -> dict[str, Any]:
    table = pq.read_table(data / "records.parquet").to_pylist()
    channel = Counter(r["channel"] or "NA" for r in table)
    rated = [r["satisfaction"] for r in table if r["satisfaction"] is not None]
    age = Counter(
        "NA"
        if r["age"] is None
        else "<25"
        if r["age"] < 25
        else "25–35"
        if r["age"] < 35
        else "35–45"
        if r["age"] < 45
        else "≥45"
        for r in table
    )
    return {"rows": len(table), "channel": channel, "age": age, "rated": rated}


def test_the_profile_is_the_same_on_every_engine(
    tmp_path: Path, engine: Engine, small_study: Study, small_data: Path
) -> None:
    ws = pipeline.Workspace.in_folder(tmp_path, data_dir=small_data, engine=engine)
    profile = pipeline.profile_study(ws, small_study)
    expected = _expected(small_data)
    assert profile.provenance.engine == engine.name
    assert profile.total_clients == expected["rows"]
    by_id = {f.feature_id: f for f in profile.by_feature}
    assert {s.value: s.capacity for s in by_id["channel"].segments} == dict(expected["channel"])
    assert {s.value: s.capacity for s in by_id["age"].segments} == dict(expected["age"])
    assert [s.value for s in by_id["single_parent"].segments][:2] == ["true", "false"]
    rated = expected["rated"]
    assert profile.satisfaction.n == len(rated)
    assert profile.satisfaction.mean == pytest.approx(sum(rated) / len(rated))
    assert profile.satisfaction.csat == pytest.approx(sum(v >= 4 for v in rated) / len(rated))


def test_the_engine_is_the_settings_one_unless_the_workspace_names_another(
    tmp_path: Path,
) -> None:
    from segprofile.config import from_mapping

    settings = from_mapping(
        {"SEGPROFILE_HOME": str(tmp_path / "home"), "SEGPROFILE_ENGINE": "pyspark://local[1]"}
    )
    assert pipeline.Workspace.from_config(settings).engine == "pyspark://local[1]"
    assert pipeline.Workspace.in_folder(tmp_path).engine == "duckdb://"


def test_rule_counts_are_the_same_on_every_engine(
    example: tuple[Study, Path], engine: Engine
) -> None:
    study, root = example
    rule = "income_band != 'above_pm' and children >= 2"
    count = pipeline.count_rule_matches(_ws(example, engine), study, rule)
    records = pq.read_table(root / "data" / "records.parquet").to_pylist()
    matched = sum(
        1
        for r in records
        if r["income_band"] is not None
        and r["income_band"] != "above_pm"
        and r["children"] is not None
        and r["children"] >= 2
    )
    # The count shown is rounded (rule previews are never exact): the same on both engines.
    assert matched > study.segmentation.min_cell
    shown = live_count(matched, len(records), study.segmentation.min_cell)
    assert (count.matched, count.total, count.text) == (None, len(records), shown.text)


def test_portraits_are_the_same_on_every_engine(
    example: tuple[Study, Path], engine: Engine
) -> None:
    study, _ = example
    key = "channel=epgu"
    duck = pipeline.segment_portrait(_ws(example, DUCKDB), study, key)
    assert pipeline.segment_portrait(_ws(example, engine), study, key) == duck


def test_the_research_plan_covers_the_same_segments_on_every_engine(
    example: tuple[Study, Path], reference: Profile, engine: Engine
) -> None:
    """Sizes, quotas and suggestions are the same; the respondents are drawn in a seeded order
    of the engine's own hash of the id, so each engine may draw other (equally valid) people."""
    study, root = example
    duck = pipeline.research_plan(_ws(example, DUCKDB), study, profile=reference)
    plan = pipeline.research_plan(_ws(example, engine), study, profile=reference)
    assert plan.sample_sizes == duck.sample_sizes
    assert [h.id for h in plan.suggested_hypotheses] == [h.id for h in duck.suggested_hypotheses]
    got, ref = plan.recruitment, duck.recruitment
    assert got.respondents  # something was drawn
    assert (got.segments_total, got.segments_covered, got.candidates, got.lower_bound) == (
        ref.segments_total,
        ref.segments_covered,
        ref.candidates,
        ref.lower_bound,
    )
    assert got.uncovered == ref.uncovered
    clients = set(pq.read_table(root / "data" / "records.parquet")["client_id"].to_pylist())
    assert {r.respondent_id for r in got.respondents} <= clients


def test_the_survey_import_is_the_same_on_every_engine(
    example: tuple[Study, Path], reference: Profile, engine: Engine
) -> None:
    study, _ = example
    questions = [
        SurveyQuestion(
            question="q_docs_difficult", hypothesis="p_docs_burden", support=SurveySupport.yes
        )
    ]

    def imported(ws: pipeline.Workspace) -> pipeline.SurveyImport:
        return pipeline.import_survey(ws, study, questions=questions, profile=reference)

    duck = imported(_ws(example, DUCKDB))
    result = imported(_ws(example, engine))
    assert result.joined_by == duck.joined_by == "id"
    assert result.analysis.tests  # per-segment tests were made
    assert result.analysis.tests == duck.analysis.tests
    assert result.study.hypotheses == duck.study.hypotheses


def test_text_topics_are_the_same_on_every_engine(
    example: tuple[Study, Path], engine: Engine
) -> None:
    study, _ = example

    def topics(ws: pipeline.Workspace) -> pipeline.TextTopics:
        return pipeline.text_topics(ws, study, source_id="complaints", n_topics=3)

    duck = topics(_ws(example, DUCKDB))
    result = topics(_ws(example, engine))
    assert result.text_column == duck.text_column
    assert len(result.model.topics) == 3
    assert [t.words for t in result.model.topics] == [t.words for t in duck.model.topics]
