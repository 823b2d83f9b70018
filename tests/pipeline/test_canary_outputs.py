"""The canary through the pipeline's own API, and every output it makes (issue 15).

Canary files with every identifier kind — client records, complaints with texts that repeat
the raw values, survey answers keyed by СНИЛС with an open answer, interview transcripts, a
journeys CSV — are imported with :func:`pipeline.import_dataset` (and the survey through
:func:`pipeline.import_survey`), and everything the pipeline makes from them is collected: the
profile and its JSON, the profile page, the research plan and its respondents CSV, complaint
and open-answer topics, interview notes and quotes, imported journeys and their exports, the
survey's verdicts and results CSV, every report format (published and unsuppressed), the study
document of every step as YAML, the inspection shown before import; and a profile, plan and
topics of the same files read raw, without an import. Each output's bytes, and the
data home, key store and staging area, are scanned for every spelling of every raw value: 0 hits.
A positive control shows the scanner finds the values in the inputs, and in every report format
when a value is put into a report on purpose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from canary import (
    CANARY_STUDY,
    COLUMNS,
    canary_csv,
    canary_files,
    canary_rows,
    describe,
    needles,
    scan,
    scan_bytes,
)
from segprofile import config, pipeline
from segprofile.model.results import Profile
from segprofile.model.study import Study

ROWS = canary_rows(60, seed=21)
RAW = needles(ROWS)


@dataclass
class Outputs:
    """Everything the pipeline returned or rendered, by name, with the places it stored to."""

    home: Path
    keys: Path
    staging: Path
    inputs: dict[str, Path]
    study: Study
    profile: Profile
    made: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, content: bytes | str) -> None:
        self.made[name] = content.encode("utf-8") if isinstance(content, str) else content


def _yaml(study: Study) -> str:
    return pipeline.dump_study(study)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    root = tmp_path_factory.mktemp("canary-pipeline")
    inputs = canary_files(root / "in", ROWS)
    home, keys, staging = root / "home", root / "keys", root / "staging"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEGPROFILE_HOME", str(home))
        mp.setenv("SEGPROFILE_KEYS", str(keys))
        mp.setenv("SEGPROFILE_STAGING", str(staging))
        mp.delenv("SEGPROFILE_PSEUDONYM_KEY", raising=False)
        mp.setattr(config, "_current", None)  # read from this environment
        return _run(root, inputs, home, keys, staging)


def _run(root: Path, inputs: dict[str, Path], home: Path, keys: Path, staging: Path) -> Outputs:
    # root/home, root/keys, root/staging: as the environment says (the CLI canary's too)
    ws = pipeline.Workspace.in_folder(root, data_dir=root / "in")
    study = Study.model_validate(CANARY_STUDY)
    inspection = pipeline.inspect_file(ws, inputs["records.csv"], study=study, source_id="records")
    for name, source in (
        ("records.csv", "records"),
        ("complaints-named.csv", "complaints"),  # a file named after a client
        ("records.xlsx", "records"),  # a second version, from the workbook
    ):
        imported = pipeline.import_dataset(ws, inputs[name], study, source, author="анна")
        assert imported.manifest.rows == len(ROWS)

    computed = pipeline.profile_study(ws, study)
    published = pipeline.published_profile(computed, study)
    result = Outputs(home, keys, staging, inputs, study, published)
    result.add("inspection.json", json.dumps(inspection.to_dict(), ensure_ascii=False, default=str))
    result.add("profile-computed.json", pipeline.profile_to_json(computed))
    result.add("profile.json", pipeline.profile_to_json(published))
    result.add("profile.html", pipeline.render_profile_html(published, study))
    result.add("quadrant.svg", pipeline.priority_quadrant_svg(published, study) or "")

    plan = pipeline.research_plan(ws, study, profile=computed)
    result.add("respondents.csv", pipeline.recruitment_csv(plan.recruitment))
    result.add(
        "research-plan.json",
        json.dumps(
            {
                "sizes": [s.model_dump(mode="json") for s in plan.sample_sizes],
                "recruitment": plan.recruitment.model_dump(mode="json"),
                "guides": [g.model_dump(mode="json") for g in plan.guides],
                "suggested": [h.model_dump(mode="json") for h in plan.suggested_hypotheses],
            },
            ensure_ascii=False,
        ),
    )
    assert plan.recruitment.respondents

    survey = pipeline.import_survey(
        ws,
        study,
        inputs["survey.csv"],
        author="анна",
        profile=computed,
    )
    assert survey.file.pseudonymised
    assert survey.file.dropped
    assert survey.analysis.verdicts
    result.add("survey-results.csv", pipeline.survey_results_csv(survey))
    result.add("survey-analysis.json", survey.analysis.model_dump_json())
    result.add(
        "survey-file.json", json.dumps(survey.file.__dict__, ensure_ascii=False, default=str)
    )
    result.add("study-survey.yaml", _yaml(survey.study))

    for source_id, column in (("complaints", None), ("survey", "Что мешало?")):
        topics = pipeline.text_topics(
            ws,
            survey.study,
            source_id=source_id,
            text_column=column,
        )
        result.add(f"topics-{source_id}.json", topics.model.model_dump_json())

    transcripts = [
        (inputs[n].name, inputs[n].read_bytes())
        for n in ("interview-1.txt", "interview-2.docx", "interview-named.txt")
    ]
    # An export taken for notes: a table with every kind and nothing around its values.
    transcripts.append(("реестр.txt", canary_csv(ROWS, columns=tuple(COLUMNS))))
    interviews = pipeline.import_interviews(survey.study, transcripts, min_score=0.05)
    assert interviews.suggestions
    result.add(
        "interview-notes.json",
        json.dumps([n.model_dump(mode="json") for n in interviews.notes], ensure_ascii=False),
    )
    result.add("study-quotes.yaml", _yaml(interviews.study))

    journeys = pipeline.import_journeys(
        interviews.study, inputs["journeys.csv"].read_bytes(), "csv", source="journeys.csv"
    )
    assert journeys.journeys == 1
    final = journeys.study
    result.add("study-final.yaml", _yaml(final))
    for fmt in ("csv", "bpmn"):
        result.add(f"journeys.{fmt}", pipeline.export_journeys(final, fmt))

    # The same files read raw for analysis, without an import (depersonalised on the fly); the
    # engine reads UTF-8 only, so the raw folder has the UTF-8 export.
    raw_study = study.model_copy(update={"id": "canary-raw"})
    raw = root / "raw"
    raw.mkdir()
    (raw / "records.csv").write_bytes(canary_csv(ROWS, columns=tuple(COLUMNS), encoding="utf-8"))
    complaints = ("СНИЛС", "Канал", "Текст обращения")
    (raw / "complaints.csv").write_bytes(canary_csv(ROWS, columns=complaints, encoding="utf-8"))
    raw_profile = pipeline.profile_study(ws.reading(raw), raw_study)
    result.add("raw-profile.json", pipeline.profile_to_json(raw_profile))
    raw_plan = pipeline.research_plan(ws.reading(raw), raw_study, profile=raw_profile)
    result.add("raw-respondents.csv", pipeline.recruitment_csv(raw_plan.recruitment))
    raw_topics = pipeline.text_topics(
        ws.reading(raw),
        raw_study,
        source_id="complaints",
        feature_id="channel",
    )
    assert raw_topics.feature is not None
    result.add("raw-topics.json", raw_topics.model.model_dump_json())
    assert not pipeline.list_dataset_versions(ws, "canary-raw", "records")

    final_profile = pipeline.profile_study(ws, final)
    for fmt in pipeline.REPORT_FORMATS:
        result.add(f"report.{fmt}", pipeline.render_report(final_profile, final, fmt))
    result.add(
        "report-unsuppressed.html",
        pipeline.render_report(final_profile, final, "html", unsuppressed=True),
    )
    result.study, result.profile = final, final_profile
    return result


def test_the_scanner_finds_the_raw_values_in_the_inputs_and_in_every_format(
    outputs: Outputs,
) -> None:
    """Positive control: the inputs hold every kind; a report whose title is a client's name
    (put there on purpose) is found in HTML, in the DOCX and XLSX unzipped, in the PDF's text."""
    found = {h.value for h in scan(outputs.inputs.values(), RAW)}
    r = ROWS[5]
    assert {r.fio, r.snils, r.inn, r.passport, r.phone, r.email, r.address} <= found
    assert r.birth_date.strftime("%d.%m.%Y") in found
    name = ROWS[0].fio
    named = outputs.study.model_copy(update={"title": name})
    profile = outputs.profile.model_copy(update={"study_title": name})
    for fmt in pipeline.REPORT_FORMATS:
        hits = scan_bytes(pipeline.render_report(profile, named, fmt), RAW, fmt)
        assert name in {h.value for h in hits}, fmt


def test_every_output_was_made_from_the_canary(outputs: Outputs) -> None:
    made = outputs.made
    for name in ("report.docx", "report.xlsx", "report.pdf", "report.html"):
        assert len(made[name]) > 5000, name
    assert made["respondents.csv"].count(b"\n") > 1  # a header and respondents
    final = made["study-final.yaml"].decode("utf-8")
    for placeholder in ("[имя]", "[СНИЛС]", "[ИНН]", "[паспорт]", "[телефон]", "[адрес]"):
        assert placeholder in final, placeholder
    assert "[дата рождения]" in made["interview-notes.json"].decode("utf-8")
    assert b"[e-mail]" in made["topics-complaints.json"]
    assert outputs.profile.total_clients == len(ROWS)


def test_no_output_and_no_stored_file_holds_a_raw_value(outputs: Outputs) -> None:
    hits = []
    for name, content in outputs.made.items():
        hits += scan_bytes(content, RAW, name)
    stored = [outputs.home, outputs.keys, outputs.staging]
    hits += scan(stored, RAW)
    assert hits == [], describe(hits)
    assert list(outputs.home.rglob("*.parquet"))
    assert list(outputs.keys.glob("*.key"))


def test_the_users_files_are_left_in_place(outputs: Outputs) -> None:
    assert all(p.is_file() for p in outputs.inputs.values())
    folder = outputs.inputs["records.csv"].parent  # (the raw folder is the test's own)
    assert {p.name for p in folder.iterdir()} == {p.name for p in outputs.inputs.values()}
