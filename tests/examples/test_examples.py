"""The worked examples: complete study documents, deterministic generators, planted structure."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile.examples import EXAMPLES, Example
from segprofile.model import Severity, check_study, dump_study, load_study, load_study_text
from segprofile.model.study import FeatureType, Study

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
NAMES = sorted(EXAMPLES)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each example's data, generated once at 20 000 rows with seed 42."""
    out = {}
    for name in NAMES:
        directory = tmp_path_factory.mktemp(name)
        EXAMPLES[name].generate(rows=ROWS, seed=42, out_dir=directory)
        out[name] = directory
    return out


@cache
def _study(name: str) -> Study:
    return load_study(EXAMPLES[name].study_path)


def _csat(frame: pd.DataFrame, column: str = "satisfaction") -> float:
    rated = frame[frame[column].notna()]
    return float((rated[column] >= 4).mean())


# --- Registry and documents ------------------------------------------------------------------


def test_registry_lists_both_examples_with_russian_titles() -> None:
    assert NAMES == ["child-benefit", "internal-accounting"]
    for name, example in EXAMPLES.items():
        assert isinstance(example, Example)
        assert example.name == name
        assert re.search("[а-яё]", example.title + example.description, re.IGNORECASE)
        assert example.study_path.is_file()
        assert example.readme_path.is_file()


@pytest.mark.parametrize("name", NAMES)
def test_study_loads_round_trips_and_is_complete(name: str) -> None:
    study = _study(name)
    assert load_study_text(dump_study(study)) == study
    missing = [str(f) for f in check_study(study) if f.severity is Severity.missing]
    assert missing == []


def test_scopes_match_the_client_types() -> None:
    child, internal = _study("child-benefit"), _study("internal-accounting")
    assert child.scope.kind.value == "service"
    assert [t.value for t in child.scope.client_types] == ["citizen"]
    assert {r.kind.value for r in child.roles} >= {
        "applicant",
        "internal_client",
        "intermediary",
        "is_operator",
    }
    assert internal.scope.kind.value == "process_group"
    assert internal.scope.internal
    assert {r.kind.value for r in internal.roles} >= {"internal_client", "is_operator"}


@pytest.mark.parametrize("name", NAMES)
def test_every_feature_has_a_source_and_numeric_ones_are_binned(name: str) -> None:
    study = _study(name)
    for feature in study.features:
        assert feature.source is not None, feature.id
        assert feature.source.reference, feature.id
        if feature.type is FeatureType.numeric:
            assert feature.binning is not None, feature.id


@pytest.mark.parametrize("name", NAMES)
def test_segment_keys_name_real_features_and_codes(name: str) -> None:
    study = _study(name)
    keys = [n.segment for n in study.segment_notes]
    keys += [k for h in study.hypotheses for k in h.segments]
    keys += [k for r in study.recommendations for k in r.segments]
    keys += [k for j in study.journeys for k in j.segments]
    keys += [k for a in study.research.activities for k in a.segments]
    assert keys
    features = {f.id: f for f in study.features}
    for key in keys:
        feature_id, _, value = key.partition("=")
        assert feature_id in features, key
        assert value in features[feature_id].value_labels, key


def test_repo_root_links_point_into_the_package() -> None:
    for name, package_dir in (
        ("child-benefit", "child_benefit"),
        ("internal-accounting", "internal_accounting"),
    ):
        link = ROOT / "examples" / name
        assert link.is_symlink()
        assert not os.path.isabs(os.readlink(link))
        assert (link / "study.yaml").resolve() == EXAMPLES[name].study_path.resolve()
        assert link.resolve().name == package_dir


# --- Generators --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_generator_writes_every_data_source(name: str, tmp_path: Path) -> None:
    files = EXAMPLES[name].generate(rows=500, seed=1, out_dir=tmp_path / "out")
    assert all(f.is_file() for f in files)
    written = {f.name for f in files}
    assert written == {s.path for s in _study(name).data_sources}


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_files_and_another_seed_differs(
    name: str, tmp_path: Path
) -> None:
    generate = EXAMPLES[name].generate
    first = generate(rows=3_000, seed=7, out_dir=tmp_path / "a")
    second = generate(rows=3_000, seed=7, out_dir=tmp_path / "b")
    third = generate(rows=3_000, seed=8, out_dir=tmp_path / "c")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    records = [pq.read_table(paths[0]) for paths in (first, third)]
    assert not records[0].equals(records[1])


@pytest.mark.parametrize("name", NAMES)
def test_feature_columns_exist_with_their_types_and_labels(
    name: str, generated: dict[str, Path]
) -> None:
    study = _study(name)
    table = pq.read_table(generated[name] / study.client_records().path)
    assert table.num_rows == ROWS
    for feature in study.features:
        assert feature.column in table.column_names, feature.column
        kind = table.schema.field(feature.column).type
        if feature.type is FeatureType.categorical:
            assert pa.types.is_string(kind), feature.column
            values = set(table.column(feature.column).unique().to_pylist())
            assert values <= set(feature.value_labels), feature.column
        elif feature.type is FeatureType.numeric:
            assert pa.types.is_integer(kind) or pa.types.is_floating(kind), feature.column
        else:
            assert pa.types.is_boolean(kind), feature.column
        assert table.column(feature.column).null_count == 0, feature.column
    sat = study.segmentation.satisfaction.column
    assert sat is not None
    assert pa.types.is_integer(table.schema.field(sat).type)


@pytest.mark.parametrize("name", NAMES)
def test_population_columns_and_count_column(name: str, generated: dict[str, Path]) -> None:
    study = _study(name)
    source = next(s for s in study.data_sources if s.kind.value == "population")
    population = pq.read_table(generated[name] / source.path)
    records = pq.read_table(generated[name] / "records.parquet")
    assert source.count_column in population.column_names
    assert pa.types.is_integer(population.schema.field(source.count_column).type)
    assert min(population.column(source.count_column).to_pylist()) > 0
    for column in population.column_names:
        if column != source.count_column:
            assert records.schema.field(column).type == population.schema.field(column).type


def test_child_benefit_values_stay_in_range(generated: dict[str, Path]) -> None:
    data = generated["child-benefit"]
    r = pd.read_parquet(data / "records.parquet")
    assert r["client_id"].is_unique
    assert r["client_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert r["applicant_age"].between(16, 60).all()
    assert r["children"].between(1, 7).all()
    assert r["processing_days"].between(1, 30).all()
    rated = r["satisfaction"].dropna()
    assert rated.isin([1, 2, 3, 4, 5]).all()
    assert 0.25 <= len(rated) / len(r) <= 0.35
    survey = pd.read_parquet(data / "survey.parquet")
    assert 0.04 <= len(survey) / len(r) <= 0.06
    assert survey["client_id"].isin(r["client_id"]).all()
    assert survey["q_satisfaction"].between(1, 5).all()
    assert survey["q_nps"].between(0, 10).all()
    interviews = pd.read_parquet(data / "interviews.parquet")
    assert 40 <= len(interviews) <= 80
    assert interviews["client_id"].dropna().isin(r["client_id"]).all()
    complaints = pd.read_parquet(data / "complaints.parquet")
    assert 200 <= len(complaints) <= 600
    assert complaints["client_id"].isin(r["client_id"]).all()


def test_internal_accounting_values_stay_in_range(generated: dict[str, Path]) -> None:
    data = generated["internal-accounting"]
    r = pd.read_parquet(data / "records.parquet")
    assert r["request_id"].is_unique
    assert r["employee_id"].str.fullmatch("[0-9a-f]{16}").all()
    # One employee, one set of attributes across all their requests.
    per_employee = r.groupby("employee_id")[["department", "position_level", "remote_worker"]]
    assert (per_employee.nunique() == 1).all().all()
    assert (r["tenure_years"] > 0).all()
    assert r["satisfaction"].dropna().isin([1, 2, 3, 4, 5]).all()
    assert 0.25 <= r["satisfaction"].notna().mean() <= 0.35
    population = pd.read_parquet(data / "population.parquet")
    assert population["headcount"].sum() >= r["employee_id"].nunique()
    survey = pd.read_parquet(data / "survey.parquet")
    assert survey["employee_id"].isin(r["employee_id"]).all()
    assert survey["q_satisfaction"].between(1, 5).all()
    complaints = pd.read_parquet(data / "complaints.parquet")
    assert complaints["employee_id"].isin(r["employee_id"]).all()


@pytest.mark.parametrize("name", NAMES)
def test_texts_are_russian_and_carry_no_phone_numbers(
    name: str, generated: dict[str, Path]
) -> None:
    for file in ("interviews.parquet", "complaints.parquet"):
        texts = pd.read_parquet(generated[name] / file)["text"]
        assert texts.str.contains("[а-яё]", case=False).all()
        assert not texts.str.contains(r"\+7|8[\s-]?\(?9\d\d|\d{3}-\d{2}-\d{2}").any()
        assert texts.str.len().between(40, 1000).all()
        assert texts.str.strip().str[-1].isin(list(".»!")).all()


# --- Planted structure ---------------------------------------------------------------------------


def test_child_benefit_unhappy_segments_are_obvious(generated: dict[str, Path]) -> None:
    r = pd.read_parquet(generated["child-benefit"] / "records.parquet")
    epgu, office = _csat(r[r.channel == "epgu"]), _csat(r[r.channel == "office"])
    assert epgu >= 0.72
    assert office <= 0.42
    assert epgu - office >= 0.35
    assert _csat(r[r.disability_in_family]) <= _csat(r[~r.disability_in_family]) - 0.25
    rural_mfc = r[(r.channel == "mfc") & (r.region_type == "rural")]
    city_mfc = r[(r.channel == "mfc") & (r.region_type == "city")]
    assert rural_mfc.processing_days.mean() >= city_mfc.processing_days.mean() + 4
    assert _csat(rural_mfc) < _csat(city_mfc)
    assert r[r.channel == "office"].processing_days.mean() > 10
    assert r[r.disability_in_family].refused.mean() > r[~r.disability_in_family].refused.mean()


def test_child_benefit_blind_zones(generated: dict[str, Path]) -> None:
    data = generated["child-benefit"]
    r = pd.read_parquet(data / "records.parquet")
    p = pd.read_parquet(data / "population.parquet")
    never = (r.region_type == "rural") & r.disability_in_family & r.single_parent
    assert never.sum() == 0
    never_pop = p[(p.region_type == "rural") & p.disability_in_family & p.single_parent]
    assert never_pop.entitled.sum() > 0.02 * p.entitled.sum()
    entitled = r[r.income_band != "above_pm"]
    takeup = entitled.groupby("region_type").size() / p.groupby("region_type").entitled.sum()
    assert takeup["rural"] < 0.55
    assert takeup["city"] > 0.65
    rural_disabled = entitled[(entitled.region_type == "rural") & entitled.disability_in_family]
    pop_rural_disabled = p[(p.region_type == "rural") & p.disability_in_family].entitled.sum()
    assert len(rural_disabled) / pop_rural_disabled < 0.3


def test_child_benefit_clusters_have_distinct_feature_mixes(generated: dict[str, Path]) -> None:
    r = pd.read_parquet(generated["child-benefit"] / "records.parquet")
    young_rural = r[(r.applicant_age < 25) & (r.region_type == "rural")]
    assert young_rural.single_parent.mean() > 0.6
    assert (young_rural.channel == "mfc").mean() > 0.5
    assert (r[r.disability_in_family].channel == "office").mean() > 0.35
    assert (r.children >= 3).mean() > 0.18
    assert (r[r.employment == "self_employed"].income_band == "above_pm").mean() > 0.4


def test_child_benefit_survey_agrees_with_the_planted_problems(
    generated: dict[str, Path],
) -> None:
    data = generated["child-benefit"]
    s = pd.read_parquet(data / "survey.parquet").merge(
        pd.read_parquet(data / "records.parquet"), on="client_id"
    )
    offline = s[s.channel != "epgu"]
    knew = offline.groupby("region_type").q_knew_about_epgu.mean()
    assert knew["rural"] < knew["city"] - 0.15
    docs = s.groupby("channel").q_docs_difficult.mean()
    assert docs["office"] > docs["epgu"] + 0.3
    assert s.q_informed_proactively.mean() < 0.3


def test_internal_accounting_planted_structure(generated: dict[str, Path]) -> None:
    data = generated["internal-accounting"]
    r = pd.read_parquet(data / "records.parquet")
    trips = r[r.request_type == "trip_report"]
    assert trips.returned_for_rework.mean() > 0.35
    assert r[r.request_type != "trip_report"].returned_for_rework.mean() < 0.15
    assert _csat(trips) < _csat(r) - 0.25
    remote_in_person = r[r.remote_worker & (r.channel == "in_person")]
    assert _csat(remote_in_person) < 0.35
    assert _csat(r[r.remote_worker & (r.channel == "portal")]) > 0.75
    assert _csat(r[r.tenure_years < 1]) < _csat(r[r.tenure_years >= 1]) - 0.2
    assert _csat(r[r.channel == "portal"]) > _csat(r[r.channel == "in_person"]) + 0.2


def test_internal_accounting_blind_zones(generated: dict[str, Path]) -> None:
    data = generated["internal-accounting"]
    r = pd.read_parquet(data / "records.parquet")
    p = pd.read_parquet(data / "population.parquet")
    never = (r.department == "regions") & (r.position_level == "support_staff")
    assert never.sum() == 0
    staff = p[(p.department == "regions") & (p.position_level == "support_staff")]
    assert staff.headcount.sum() > 0
    per_head = r.groupby("remote_worker").size() / p.groupby("remote_worker").headcount.sum()
    assert per_head[True] < 0.7 * per_head[False]
