"""The Python API itself, around one Workspace made in a temporary folder: a file in through
the gate, the profile on the stored version, the research plan, the team's decisions and
every output — and where each of them keeps what it keeps.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.suppression import live_count
from segprofile.config import from_mapping
from segprofile.errors import ConfigError, InputError, NotFound
from segprofile.model.study import HypothesisStatus, Study
from sp_factories import make_records, make_snils

ROWS = 1200
TINY = 3  # clients of the rare settlement type: fewer than min_cell, never shown


def _records(rows: int, seed: int) -> pa.Table:
    """Seeded client records with a СНИЛС per client and a settlement type of 3 people."""
    rng = random.Random(seed)
    table = make_records(rows, seed=seed)
    region = table["region"].to_pylist()
    for i in range(TINY):
        region[i * 7] = "village"
    table = table.set_column(table.schema.get_field_index("region"), "region", pa.array(region))
    return table.append_column("snils", pa.array([make_snils(rng) for _ in range(rows)]))


@pytest.fixture
def study(small_study: Study) -> Study:
    small_study.data_sources[0].id_column = "snils"
    return small_study


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """The body's export, outside the workspace."""
    path = tmp_path / "export" / "заявления.parquet"
    path.parent.mkdir()
    pq.write_table(_records(ROWS, seed=5), path)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> pipeline.Workspace:
    return pipeline.Workspace.in_folder(tmp_path / "ws")


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_workspace_in_a_folder_keeps_data_keys_and_audit_apart(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    result = pipeline.import_dataset(ws, export, study, "records", author="анна")
    assert result.manifest.version == 1
    assert result.path.is_relative_to(ws.home / "datasets" / "small" / "records")
    assert (ws.keys / "small.key").is_file()  # the study's key, in the store, named by its id
    assert not any(p.suffix == ".key" for p in ws.home.rglob("*"))
    assert export.is_file()  # the body's file is left where it was
    assert _files(ws.staging / "work") == set()  # the raw file's working copy is gone
    [record] = pipeline.read_audit(ws, study_id="small")
    assert (record.event, record.user, record.version) == ("import", "анна", 1)
    stored = pq.read_table(result.path)["snils"].to_pylist()
    raw = set(pq.read_table(export)["snils"].to_pylist())
    assert not raw & set(stored)  # pseudonyms, never the СНИЛС
    assert [m.version for m in pipeline.list_dataset_versions(ws, "small", "records")] == [1]


def test_the_workspace_names_the_key(
    tmp_path: Path, ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    named = pipeline.Workspace(
        home=ws.home, keys=ws.keys, staging=ws.staging, key_name="web-study-7"
    )
    pipeline.import_dataset(named, export, study, "records", author="анна")
    assert [p.name for p in ws.keys.glob("*.key")] == ["web-study-7.key"]


def test_staging_inside_the_data_home_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="нельзя хранить вместе"):
        pipeline.Workspace(home=tmp_path, keys=tmp_path.parent / "k", staging=tmp_path / "s")


def test_the_cli_builds_its_workspace_from_the_settings(tmp_path: Path) -> None:
    settings = from_mapping(
        {"SEGPROFILE_HOME": str(tmp_path / "data"), "SEGPROFILE_ENGINE": "duckdb://"}
    )
    ws = pipeline.Workspace.from_config(settings, data_dir=tmp_path / "files")
    assert (ws.home, ws.keys, ws.staging) == (
        tmp_path / "data",
        tmp_path / "data-keys",
        tmp_path / "data-staging",
    )
    assert ws.data_dir == tmp_path / "files"
    assert ws.engine == "duckdb://"


def test_the_profile_reads_the_stored_version_and_hides_small_groups(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    profile = pipeline.profile_study(ws, study, revision=4)
    assert profile.total_clients == ROWS
    [records] = profile.provenance.data_files
    assert (records.source_id, records.version) == ("records", 1)
    assert profile.provenance.study_revision == 4
    region = next(f for f in profile.by_feature if f.feature_id == "region")
    assert {s.value: s.capacity for s in region.segments}["village"] == TINY
    published = pipeline.published_profile(profile, study)
    # A rare value is never named: it is one unnamed «Прочие значения» line, hidden too.
    assert "region=__other__" in pipeline.hidden_segments(published)
    shown = next(f for f in published.by_feature if f.feature_id == "region")
    assert "village" not in {s.value for s in shown.segments}
    other = next(s for s in shown.segments if s.key == "region=__other__")
    assert other.capacity is None  # the number about 3 people is gone
    assert '"capacity": 3,' not in pipeline.profile_to_json(published)


def test_the_check_with_data_names_what_the_imported_data_lack(
    ws: pipeline.Workspace, study: Study, export: Path, tmp_path: Path
) -> None:
    """A document that is «complete» on paper is not complete when the imported data lack the
    columns it names: the study page's check says which, by M-code."""
    assert not [f for f in pipeline.check_with_data(ws, study) if "загруженн" in f.message]
    table = pq.read_table(export).drop(["region", "satisfaction"])
    lacking = tmp_path / "без региона.parquet"
    pq.write_table(table, lacking)
    pipeline.import_dataset(ws, lacking, study, "records", author="анна")
    found = [f for f in pipeline.check_with_data(ws, study) if "загруженн" in f.message]
    by_code = {f.code: f.message for f in found}
    assert set(by_code) == {"M-3", "M-6"}
    region = next(f for f in study.features if f.column == "region")
    assert f"признак «{region.label}»: столбца «region» нет" in by_code["M-3"]
    assert "оценки удовлетворённости «satisfaction»" in by_code["M-6"]
    assert any(f.severity == "missing" for f in found)
    # The version with every column makes the findings go.
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    assert not [f for f in pipeline.check_with_data(ws, study) if "загруженн" in f.message]


def test_without_a_data_folder_only_stored_versions_are_read(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    imported_only = pipeline.Workspace(home=ws.home, keys=ws.keys, staging=ws.staging)
    with pytest.raises(NotFound):
        pipeline.profile_study(imported_only, study)
    pipeline.import_dataset(imported_only, export, study, "records", author="анна")
    assert pipeline.profile_study(imported_only, study).total_clients == ROWS


def test_rule_counts_never_tell_about_fewer_than_min_cell(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    count = pipeline.count_rule_matches(ws, study, "age < 25")
    ages = pq.read_table(export)["age"]
    young = pc.sum(pc.less(ages, 25)).as_py()
    assert count.text == live_count(young, ROWS, 5).text  # rounded: never an exact count
    assert count.total == ROWS
    tiny = pipeline.count_rule_matches(ws, study, "region = 'village'")
    assert tiny.matched is None
    assert "менее 5" in tiny.text
    with pytest.raises(InputError, match="позиц"):
        pipeline.count_rule_matches(ws, study, "age <")


@pytest.mark.parametrize("rule", ["\"region\" = 'village'", "'МФЦ' = 'МФЦ'", "5 > 3"])
def test_a_rule_naming_no_column_is_an_input_error_not_a_crash(
    ws: pipeline.Workspace, study: Study, export: Path, rule: str
) -> None:
    # Before: the rule became a scalar and the count failed inside the engine (a 500).
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    refused = r"нет ни одного столбца данных|это текст, а не столбец"
    with pytest.raises(InputError, match=refused):
        pipeline.count_rule_matches(ws, study, rule)
    with pytest.raises(InputError, match=refused):
        pipeline.set_eligibility_rule(study, "applicant", rule)


def test_rule_names_ignore_case_and_are_checked_against_the_imported_columns(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    assert pipeline.rule_columns_of(ws, study) is None  # nothing imported: syntax only
    assert pipeline.check_eligibility_rule(" Возрст >= 18 ", None) == "Возрст >= 18"
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    columns = pipeline.rule_columns_of(ws, study)
    assert columns is not None
    assert "age" in columns
    assert (
        pipeline.count_rule_matches(ws, study, "AGE < 25").text
        == pipeline.count_rule_matches(ws, study, "age < 25").text
    )
    assert (
        pipeline.count_rule_matches(ws, study, "age < 1 000").text
        == pipeline.count_rule_matches(ws, study, "age < 1000").text
    )
    with pytest.raises(InputError, match=r"столбца «ages» нет в данных \(похожие: \[age\]"):
        pipeline.set_eligibility_rule(study, "applicant", "ages >= 18", columns)
    with pytest.raises(InputError, match=r"пишите в квадратных скобках: \[region\]"):
        pipeline.check_eligibility_rule('age > 1 и [region] != "Region"', columns)
    ruled = pipeline.set_eligibility_rule(study, "applicant", "Age >= 18", columns)
    assert ruled.roles[0].audience is not None
    assert ruled.roles[0].audience.eligibility_rule == "Age >= 18"  # stored as written


def test_the_research_plan_recruits_pseudonyms_of_shown_segments_only(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    profile = pipeline.profile_study(ws, study)
    plan = pipeline.research_plan(ws, study, profile=profile)
    respondents = {r.respondent_id for r in plan.recruitment.respondents}
    assert respondents
    raw = set(pq.read_table(export)["snils"].to_pylist())
    assert not respondents & raw  # pseudonyms only
    quotas = {q for r in plan.recruitment.respondents for q in r.segments}
    assert "region=village" not in quotas
    assert all(s.key != "region=village" for s in plan.sample_sizes)
    csv = pipeline.recruitment_csv(plan.recruitment).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith(pipeline.RESPONDENT_COLUMN)
    assert not any(value in csv for value in raw)


def test_decisions_are_changed_copies_and_need_their_reasons(
    ws: pipeline.Workspace, study: Study, export: Path
) -> None:
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    profile = pipeline.profile_study(ws, study)
    suggested = pipeline.research_plan(ws, study, profile=profile).suggested_hypotheses
    assert suggested
    chosen = suggested[0].id
    accepted = pipeline.accept_suggested_hypotheses(study, profile, [chosen]).study
    assert study.hypotheses == []  # the input is never changed
    [hypothesis] = accepted.hypotheses
    assert (hypothesis.id, hypothesis.status) == (chosen, HypothesisStatus.open)
    with pytest.raises(InputError, match="нужна причина"):
        pipeline.set_hypothesis_status(accepted, chosen, "confirmed", " ")
    decided = pipeline.set_hypothesis_status(accepted, chosen, "confirmed", "опрос, 62 %")
    assert decided.hypotheses[0].status is HypothesisStatus.confirmed
    with pytest.raises(NotFound):
        pipeline.accept_suggested_hypotheses(study, profile, ["no-such-suggestion"])
    ruled = pipeline.set_eligibility_rule(study, "applicant", "age >= 18")
    assert ruled.roles[0].audience is not None
    assert ruled.roles[0].audience.eligibility_rule == "age >= 18"
    with pytest.raises(InputError):
        pipeline.set_eligibility_rule(study, "applicant", "age >=")


@pytest.mark.parametrize(("fmt", "magic"), [("html", b"<!DOCTYPE html"), ("xlsx", b"PK")])
def test_every_report_comes_from_the_published_profile(
    ws: pipeline.Workspace, study: Study, export: Path, fmt: str, magic: bytes
) -> None:
    pipeline.import_dataset(ws, export, study, "records", author="анна")
    profile = pipeline.profile_study(ws, study)
    content = pipeline.render_report(profile, study, fmt)
    assert content.lstrip().startswith(magic)
    assert len(content) > 2000
    unprotected = pipeline.profile_from_json(
        pipeline.published_profile_json(pipeline.profile_to_json(profile), study, raw=True)
    )
    assert unprotected.disclosure is not None
    assert unprotected.disclosure.suppressed is False  # an owner's explicit request, marked so
    with pytest.raises(InputError, match="Неизвестный формат"):
        pipeline.render_report(profile, study, "odt")


def test_the_segments_only_profile_skips_the_linked_sources_and_keeps_the_segments(
    ws: pipeline.Workspace, study: Study, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``personas=False`` (the survey import, the research plan): the same segments and clusters,
    without reading the survey, complaints and interviews linked to the members."""
    from segprofile.pipeline import profile as profile_module

    pipeline.import_dataset(ws, export, study, "records", author="анна")
    full = pipeline.profile_study(ws, study)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("linked sources opened")

    monkeypatch.setattr(profile_module, "_linked_sources", refuse)
    light = pipeline.profile_study(ws, study, personas=False)

    def keys(p: object) -> list[tuple[str, int | None]]:
        return [(s.key, s.capacity) for f in p.by_feature for s in f.segments]  # type: ignore[attr-defined]

    assert keys(light) == keys(full)
    assert (light.clusters is None) == (full.clusters is None)
    if full.clusters is not None and light.clusters is not None:
        assert [c.capacity for c in light.clusters.clusters] == [
            c.capacity for c in full.clusters.clusters
        ]
