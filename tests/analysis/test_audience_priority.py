"""Blind zones (M-6) and priority (M-6) on the child-benefit example's planted structure."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.model.results import Profile
from segprofile.model.study import Hypothesis, HypothesisStatus, SegmentNote, Study


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path]:
    data = tmp_path_factory.mktemp("child-benefit")
    pipeline.generate_demo_data("child-benefit", data, rows=8000, seed=5)
    return pipeline.example_study("child-benefit"), data


@pytest.fixture(scope="module")
def profile(example: tuple[Study, Path], tmp_path_factory: pytest.TempPathFactory) -> Profile:
    study, data = example
    return pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )


def _segment(profile: Profile, key: str):  # type: ignore[no-untyped-def]
    return next(s for fs in profile.by_feature for s in fs.segments if s.key == key)


def test_blind_zone_matches_independent_computation(
    example: tuple[Study, Path], profile: Profile
) -> None:
    _, data = example
    population = pq.read_table(data / "population.parquet").to_pandas()
    records = pq.read_table(data / "records.parquet").to_pandas()
    population = population[population["income_band"] != "above_pm"]
    records = records[records["income_band"] != "above_pm"]
    entitled = population.groupby("region_type")["entitled"].sum()
    applied = records.groupby("region_type")["client_id"].nunique()
    for region in ("city", "town", "rural"):
        bz = _segment(profile, f"region_type={region}").blind_zone
        assert bz is not None
        assert bz.entitled == pytest.approx(entitled[region])
        assert bz.applicants == applied[region]
        assert bz.blind == pytest.approx(max(0.0, entitled[region] - applied[region]))
    assert profile.audience is not None
    assert profile.audience.entitled == pytest.approx(entitled.sum())
    assert profile.audience.applicants == records["client_id"].nunique()


def test_planted_blind_zones_are_found(profile: Profile) -> None:
    rural = _segment(profile, "region_type=rural").blind_zone
    city = _segment(profile, "region_type=city").blind_zone
    assert rural is not None
    assert city is not None
    assert rural.share is not None
    assert city.share is not None
    assert rural.share > city.share + 0.2
    assert profile.audience is not None
    first = profile.audience.never_applying[0]
    assert first.values == {
        "region_type": "rural",
        "single_parent": "true",
        "disability_in_family": "true",
    }
    assert first.entitled > 100
    assert "Сельская местность" in first.label


def test_sampled_population_gives_an_interval(example: tuple[Study, Path], tmp_path: Path) -> None:
    study, data = example
    study = study.model_copy(deep=True)
    study.data_source("population").sample_fraction = 0.1
    result = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    bz = _segment(result, "region_type=rural").blind_zone
    assert bz is not None
    assert bz.entitled_interval is not None
    assert bz.entitled_interval.low < bz.entitled < bz.entitled_interval.high


def test_a_stored_rule_naming_no_column_is_not_applied_and_the_profile_says_so(
    example: tuple[Study, Path], profile: Profile, tmp_path: Path
) -> None:
    # A study saved before rules had to name a column: double quotes made a text of the name.
    study, data = example
    study = study.model_copy(deep=True)
    role = next(r for r in study.roles if r.audience and r.audience.population_source)
    assert role.audience is not None
    role.audience.eligibility_rule = "\"income_band\" != 'above_pm'"
    result = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    assert result.audience is not None
    assert result.audience.eligibility_rule is None  # the report does not print it as applied
    [warning] = [w for w in result.audience.warnings if "не применено" in w]
    assert f"Правило отбора роли «{role.title}» не применено" in warning
    assert "«income_band» в двойных кавычках — это текст" in warning
    # Every applicant counts, more than under the rule the example means.
    assert profile.audience is not None
    assert result.audience.applicants > profile.audience.applicants


def test_priority_explains_every_rank(profile: Profile) -> None:
    priority = profile.priority
    assert priority is not None
    assert priority.mode in ("low", "high")
    assert sum(priority.weights.values()) == pytest.approx(1.0)
    segments = [s for fs in profile.by_feature for s in fs.segments if s.priority]
    ranks = sorted(s.priority.rank for s in segments if s.priority and s.priority.rank)
    assert ranks == list(range(1, len(ranks) + 1))
    # A segment ranks only when its score is above zero; the others say why they do not.
    for seg in segments:
        assert seg.priority is not None
        assert (seg.priority.rank is not None) == (seg.priority.score > 0)
        if seg.priority.rank is None:
            assert "оснований для приоритета нет" in seg.priority.reasons[-1]
    top = _segment(profile, priority.top[0])
    assert top.priority is not None
    assert any(r.startswith("ёмкость") for r in top.priority.reasons)
    assert any("CSAT" in r for r in top.priority.reasons)
    assert top.priority.score == pytest.approx(sum(top.priority.parts.values()))
    assert len(priority.sensitivity) == 10


def test_low_satisfaction_puts_a_large_unhappy_segment_first(profile: Profile) -> None:
    # The example's CSAT (≈ 0,71) is below the default threshold 0,8: the switch says "low".
    assert profile.priority is not None
    assert profile.priority.mode == "low"
    assert "многочисленные" in profile.priority.explanation
    top = _segment(profile, profile.priority.top[0])
    assert top.satisfaction.csat is not None
    assert profile.satisfaction.csat is not None
    assert top.satisfaction.csat < profile.satisfaction.csat - 0.15
    assert top.share >= 0.1
    happy_majority = _segment(profile, "disability_in_family=false")
    assert happy_majority.priority is not None
    assert "не учитывается" in happy_majority.priority.reasons[0]


def test_high_satisfaction_puts_the_non_applying_group_first(
    example: tuple[Study, Path], tmp_path: Path
) -> None:
    study, data = example
    study = study.model_copy(deep=True)
    study.priority.low_satisfaction_csat = 0.5  # the same data now counts as "high satisfaction"
    study.segment_notes = []  # no sponsor focus: the data alone decide
    result = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    assert result.priority is not None
    assert result.priority.mode == "high"
    assert "слепые зоны" in result.priority.explanation
    # Planted: rural families with a disability never apply; both segments have the largest
    # blind zones, and one of them leads.
    assert result.priority.top[0] in ("disability_in_family=true", "region_type=rural")
    top = _segment(result, result.priority.top[0])
    assert top.blind_zone is not None
    assert top.blind_zone.share is not None
    assert top.blind_zone.share > 0.5


def test_sponsor_focus_raises_a_segment(
    example: tuple[Study, Path], profile: Profile, tmp_path: Path
) -> None:
    study, data = example
    study = study.model_copy(deep=True)
    key = "employment=student"
    before = _segment(profile, key).priority
    study.segment_notes.append(SegmentNote(segment=key, sponsor_focus=True, reason="жалобы"))
    after = _segment(
        pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study), key
    ).priority
    assert before is not None
    assert after is not None
    assert after.rank is not None
    assert before.rank is None or after.rank < before.rank
    assert "позиция заказчика: жалобы" in after.reasons


def test_problem_uniqueness_prefers_confirmed_problems() -> None:
    from segprofile.analysis.priority import problem_uniqueness

    study = pipeline.example_study("child-benefit").model_copy(deep=True)
    study.hypotheses = [
        Hypothesis(id="p1", kind="problem", statement="a", segments=["x=1"]),
        Hypothesis(id="p2", kind="problem", statement="b", segments=["x=1", "x=2"]),
        Hypothesis(id="n1", kind="need", statement="c", segments=["x=2"]),
    ]
    assert problem_uniqueness(study) == {"x=1": 0.5, "x=2": 0.0}
    study.hypotheses[1].status = HypothesisStatus.confirmed
    assert problem_uniqueness(study) == {"x=1": 0.0, "x=2": 0.0}


def test_population_that_does_not_match_is_warned(
    example: tuple[Study, Path], tmp_path: Path
) -> None:
    import shutil

    study, data = example
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    population = pq.read_table(copy / "population.parquet").to_pandas()
    # Drop the towns from the population and shrink the cities below their applicants.
    population = population[population["region_type"] != "town"]
    population.loc[population["region_type"] == "city", "entitled"] = 1
    pq.write_table(
        pa.Table.from_pandas(population, preserve_index=False), copy / "population.parquet"
    )
    result = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=copy), study)
    text = "\n".join(result.warnings)
    assert "нет значений признака «Тип населённого пункта»" in text
    assert "Малый город" in text
    assert "обратившихся больше, чем имеющих право" in text
    town = _segment(result, "region_type=town")
    assert town.blind_zone is not None
    assert town.blind_zone.entitled == 0
