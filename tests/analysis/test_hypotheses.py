"""Suggested hypotheses (M-7) on the child-benefit example's planted structure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segprofile import pipeline
from segprofile.analysis.hypotheses import (
    Outcomes,
    known_segments,
    orphaned_hypotheses,
    outcome_features,
    segment_outcomes,
    suggest_hypotheses,
)
from segprofile.data.engine import Engine, open_source
from segprofile.model.results import Profile
from segprofile.model.study import (
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Study,
    reference_problems,
)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path, Profile, Outcomes]:
    data = tmp_path_factory.mktemp("child-benefit-hypotheses")
    pipeline.generate_demo_data("child-benefit", data, rows=20000, seed=42)
    study = pipeline.example_study("child-benefit")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        outcomes = segment_outcomes(study, records)
    finally:
        engine.close()
    return study, data, profile, outcomes


def test_outcome_features_are_found_by_column_first() -> None:
    study = pipeline.example_study("child-benefit")
    refusal, duration = outcome_features(study)
    assert refusal is not None
    assert duration is not None
    # «repeat_application» mentions a refusal in its label, but «refused» is the column.
    assert (refusal.id, duration.id) == ("refused", "processing_days")


def test_outcomes_match_pandas(example: tuple[Study, Path, Profile, Outcomes]) -> None:
    _study, data, _profile, outcomes = example
    records = pd.read_parquet(data / "records.parquet")
    office = records[records["channel"] == "office"]
    got = outcomes.segments["channel=office"]
    assert got.n == len(office)
    assert got.refusal_share == pytest.approx(office["refused"].mean())
    assert got.mean_duration == pytest.approx(office["processing_days"].mean())
    pair = records[(records["region_type"] == "rural") & (records["channel"] == "mfc")]
    assert outcomes.segments["region_type=rural&channel=mfc"].mean_duration == pytest.approx(
        pair["processing_days"].mean()
    )
    assert outcomes.overall.refusal_share == pytest.approx(records["refused"].mean())


def test_suggestions_follow_the_planted_problems(
    example: tuple[Study, Path, Profile, Outcomes],
) -> None:
    study, _data, profile, outcomes = example
    bare = study.model_copy(update={"hypotheses": []}, deep=True)
    suggested = suggest_hypotheses(bare, profile, outcomes=outcomes)
    by_idea: dict[str, set[str]] = {}
    for h in suggested:
        by_idea.setdefault(h.id.split("-")[1], set()).update(h.segments)
        assert h.status is HypothesisStatus.suggested
        assert h.kind is HypothesisKind.problem
        assert h.source.startswith("Предложено по данным")
        assert any("а" <= ch <= "я" for ch in h.statement)
    assert len({h.id for h in suggested}) == len(suggested)
    assert "channel=office" in by_idea["csat"]  # CSAT ≈ 0,3
    assert "disability_in_family=true" in by_idea["csat"]  # CSAT ≈ 0,38
    assert "region_type=rural&channel=mfc" in by_idea["csat"]  # worse than both its parts
    assert "channel=epgu" not in by_idea["csat"]
    assert "disability_in_family=true" in by_idea["refusal"]  # 36 % against 26 %
    assert "channel=office" in by_idea["duration"]  # ≈ 18 working days
    assert "region_type=rural&channel=mfc" in by_idea["duration"]  # ≈ 16 working days
    assert "region_type=rural" in by_idea["awareness"]  # take-up ≈ 0,41
    never = "region_type=rural&single_parent=true&disability_in_family=true"
    assert never in by_idea["awareness"]
    assert "region_type=city" not in by_idea["awareness"]
    # Outcome features are outcomes, not client traits.
    assert not any(
        k.startswith(("refused=", "processing_days=")) for v in by_idea.values() for k in v
    )
    awareness = [h for h in suggested if h.id.startswith("sug-awareness-")]
    assert all(h.hunt_stage == 2 and h.journey_step == "current.learn" for h in awareness)
    refusal = next(h for h in suggested if h.id.startswith("sug-refusal-") and "disab" in h.id)
    assert refusal.journey_step == "current.decision"
    assert "36" in refusal.statement
    # The suggestions are valid parts of the study document.
    merged = study.model_copy(update={"hypotheses": [*study.hypotheses, *suggested]})
    assert reference_problems(Study.model_validate(merged.model_dump())) == []
    assert suggest_hypotheses(bare, profile, outcomes=outcomes) == suggested


def test_existing_and_rejected_ideas_are_not_suggested_again(
    example: tuple[Study, Path, Profile, Outcomes],
) -> None:
    study, _data, profile, outcomes = example
    suggested = suggest_hypotheses(study, profile, outcomes=outcomes)
    keys = {(h.id.split("-")[1], k) for h in suggested for k in h.segments}
    # p_office_slow already says office applicants are unhappy; p_no_proactive_info and
    # n_know_entitlement cover rural awareness; p_rural_mfc_wait the rural МФЦ wait.
    assert ("csat", "channel=office") not in keys
    assert ("awareness", "region_type=rural") not in keys
    assert ("duration", "region_type=rural&channel=mfc") not in keys
    assert ("refusal", "disability_in_family=true") not in keys  # p_disability_refusals
    one = suggested[0]
    again = suggest_hypotheses(study, profile, outcomes=outcomes, rejected=[one.id])
    assert one.id not in {h.id for h in again}
    accepted = study.model_copy(update={"hypotheses": [*study.hypotheses, one]})
    assert one.id not in {h.id for h in suggest_hypotheses(accepted, profile, outcomes=outcomes)}


def test_without_outcomes_only_satisfaction_and_awareness(
    example: tuple[Study, Path, Profile, Outcomes],
) -> None:
    study, _data, profile, _outcomes = example
    bare = study.model_copy(update={"hypotheses": []})
    ideas = {h.id.split("-")[1] for h in suggest_hypotheses(bare, profile)}
    assert ideas == {"csat", "awareness"}


def test_orphaned_hypotheses_are_reported_not_dropped(
    example: tuple[Study, Path, Profile, Outcomes],
) -> None:
    study, _data, profile, _outcomes = example
    orphan = Hypothesis(
        id="p_gone",
        kind=HypothesisKind.problem,
        statement="Жители удалённого района ждут дольше.",
        segments=["district=north", "channel=office"],
    )
    pair = Hypothesis(
        id="p_pair",
        kind=HypothesisKind.problem,
        statement="Сельские заявители МФЦ ждут дольше.",
        segments=["region_type=rural&channel=mfc", "region_type=rural&children=≥3"],
    )
    changed = study.model_copy(update={"hypotheses": [*study.hypotheses, orphan, pair]})
    assert orphaned_hypotheses(changed, profile) == {"p_gone": ["district=north"]}
    assert "cluster=2" in known_segments(profile, {"cluster=2": "Кластер 2"})
    assert orphaned_hypotheses(changed, profile, {"district=north": "Север"}) == {}
