"""Problem uniqueness from complaint topics (M-6) before research confirms problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.by_feature import segment_by_feature
from segprofile.analysis.complaints import (
    PRESENCE_MIN,
    complaint_text_column,
    complaint_uniqueness,
    topic_uniqueness,
)
from segprofile.data.engine import connect, open_source
from segprofile.errors import InputError
from segprofile.model.results import Profile
from segprofile.model.study import ColumnOverride, HypothesisStatus, Study


def test_rule_on_hand_made_counts() -> None:
    documents = {
        # topic 0: only «a» has it; topic 1: everyone; topic 2: «b» has it at a third of «a»'s
        # share (below half: unique to «a»); topic 3: too few complaints to be a problem.
        "f=a": {0: 10, 1: 10, 2: 18, 3: 2},
        "f=b": {1: 20, 2: 3, 4: 57},
        "f=c": {1: 5},
    }
    totals = {key: sum(per.values()) for key, per in documents.items()}
    result = topic_uniqueness(documents, totals)
    assert result["f=a"].problems == [0, 1, 2]
    assert result["f=a"].unique == [0, 2]
    assert result["f=a"].uniqueness == pytest.approx(2 / 3)
    # «b» has topic 2 in 3 complaints (≥ PRESENCE_MIN) but only 3.75 % < 10 %: not its problem.
    assert PRESENCE_MIN == 3
    assert result["f=b"].problems == [1, 4]
    assert result["f=b"].unique == [4]
    # «c» shares topic 1 with everyone: it is their problem too, although «c» has it more.
    assert result["f=c"].problems == [1]
    assert result["f=c"].unique == []
    assert result["f=c"].uniqueness == 0.0


def test_segment_without_problems_has_no_score() -> None:
    result = topic_uniqueness({"f=a": {0: 2}, "f=b": {0: 40}}, {"f=a": 2, "f=b": 40})
    assert result["f=a"].problems == []
    assert result["f=a"].uniqueness == 0.0
    assert result["f=b"].unique == [0]


def test_text_column_is_found_by_mark_or_name() -> None:
    study = pipeline.example_study("child-benefit")
    source = study.data_source("complaints")
    assert complaint_text_column(source, ["complaint_id", "client_id", "text"]) == "text"
    assert complaint_text_column(source, ["complaint_id", "body"]) is None
    marked = source.model_copy(update={"columns": {"body": ColumnOverride(use="text")}})
    assert complaint_text_column(marked, ["complaint_id", "body"]) == "body"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path]:
    data = tmp_path_factory.mktemp("child-benefit-complaints")
    pipeline.generate_demo_data("child-benefit", data, rows=20_000, seed=42)
    study = pipeline.example_study("child-benefit")
    for hypothesis in study.hypotheses:  # before research: nothing confirmed yet
        if hypothesis.status is HypothesisStatus.confirmed:
            hypothesis.status = HypothesisStatus.open
    return study, data


def test_planted_complaint_themes_are_unique_to_their_segments(
    example: tuple[Study, Path],
) -> None:
    study, data = example
    engine = connect()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        complaints = open_source(engine, study.data_source("complaints"), data)
        features = [f for f in study.segmented_features() if f.data_source in (None, "records")]
        by_feature = segment_by_feature(study, records)
        result = complaint_uniqueness(
            study,
            records.table,
            complaints.table,
            text_column="text",
            author_column="client_id",
            records_id="client_id",
            features=features,
            edges=by_feature.edges,
        )
    finally:
        engine.close()
    assert result.matched == result.total == pq.read_metadata(data / "complaints.parquet").num_rows
    words = {t.index: set(t.words) for t in result.model.topics}
    # The generator sends the «documents» complaints to personal visits to the fund's office
    # and the «queue» ones to the MFC (README: «Опрос, интервью, жалобы»).
    office = result.segments["channel=office"]
    assert any("справка" in words[t] for t in office.unique), office
    mfc = result.segments["channel=mfc"]
    queue_words = {"очередь", "талон", "ждать", "ехать", "районный", "мфц"}
    assert any(words[t] & queue_words for t in mfc.unique), mfc
    # Refusal complaints come only from refused applications.
    refused = result.segments["refused=true"]
    assert any("отказ" in words[t] for t in refused.unique), refused
    assert not any("отказ" in words[t] for t in result.segments["refused=false"].problems)
    reason = result.reason("channel=office")
    assert reason is not None
    assert "по темам жалоб" in reason
    # The unique problem is named by its topic's name, from its texts.
    office_names = [
        t.name for t in result.model.topics if t.index in result.segments["channel=office"].unique
    ]
    assert any("справк" in name.lower() for name in office_names)
    assert all(f"«{name}»" in reason for name in office_names)
    office = result.segments["channel=office"]
    assert f"{len(office.unique)} из {len(office.problems)} проблем" in reason


def test_profile_uses_complaints_until_problems_are_confirmed(
    example: tuple[Study, Path],
    tmp_path: Path,
) -> None:
    study, data = example
    profile = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    assert profile.priority is not None
    assert "по темам жалоб" in profile.priority.explanation
    office = _segment(profile, "channel=office")
    assert office.priority is not None
    assert office.priority.parts["uniqueness"] > 0
    assert any("по темам жалоб" in r for r in office.priority.reasons)
    assert any(f.source_id == "complaints" for f in profile.provenance.data_files)

    confirmed = pipeline.example_study("child-benefit")  # research done: hypotheses count
    after = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), confirmed)
    assert after.priority is not None
    assert "по темам жалоб" not in after.priority.explanation
    assert not any(
        "по темам жалоб" in r
        for fs in after.by_feature
        for s in fs.segments
        if s.priority
        for r in s.priority.reasons
    )


def test_unusable_complaints_are_warned_not_fatal(
    example: tuple[Study, Path], tmp_path: Path
) -> None:
    study, data = example
    for path in data.glob("*.parquet"):
        if path.name != "complaints.parquet":
            shutil.copy(path, tmp_path / path.name)
    table = pq.read_table(data / "complaints.parquet").drop_columns(["client_id"])
    pq.write_table(table, tmp_path / "complaints.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), study
    )
    warning = next(w for w in profile.warnings if "жалобам" in w)
    assert "client_id" in warning
    assert profile.priority is not None
    assert "по темам жалоб" not in profile.priority.explanation


def test_too_few_matched_complaints_is_a_clear_error(example: tuple[Study, Path]) -> None:
    study, data = example
    engine = connect()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        complaints = open_source(engine, study.data_source("complaints"), data)
        features = [study.feature("channel")]
        renamed = complaints.table.mutate(client_id=complaints.table.client_id + "-x")
        with pytest.raises(InputError, match="0 из"):
            complaint_uniqueness(
                study,
                records.table,
                renamed,
                text_column="text",
                author_column="client_id",
                records_id="client_id",
                features=features,
            )
        with pytest.raises(InputError, match="нет столбца текста"):
            complaint_uniqueness(
                study,
                records.table,
                complaints.table,
                text_column="body",
                author_column="client_id",
                records_id="client_id",
                features=features,
            )
    finally:
        engine.close()


def _segment(profile: Profile, key: str):  # type: ignore[no-untyped-def]
    return next(s for fs in profile.by_feature for s in fs.segments if s.key == key)
