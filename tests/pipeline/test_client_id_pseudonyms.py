"""A client id column («Номер заявления») is pseudonymised by default, on every side that joins
by it (issues 15 and 19).

A body's cp1251 export with an application number beside the usual identifiers (skewed
channels, a tiny channel of two people) is imported as the study's client records, whose
``id_column`` is «Номер заявления»; complaints and survey answers carry the same raw numbers,
and their sources name no id column (the study's client id is pseudonymised wherever a file of
the study has it). Then: no raw application number is in the data home (Parquet decoded,
manifests, audit log), the key store, the logs, the research plan and its respondents CSV,
``profile.json`` or any report format; the pseudonyms of the complaints and of the survey are
those of the records, the survey is joined by id and its verdicts computed; and the key holder
still finds the contacts of the chosen respondents in the original file.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from canary import (
    CANARY_STUDY,
    COLUMNS,
    CanaryRow,
    canary_rows,
    describe,
    needles,
    scan,
    scan_bytes,
)
from segprofile import config, pipeline
from segprofile.data.privacy import PiiAction, PiiKind
from segprofile.model.format import restore
from segprofile.model.study import Study

ID = "Номер заявления"
ROWS = canary_rows(90, seed=19)
RECORD_COLUMNS = ("ФИО", "СНИЛС", "Телефон", "Канал", "Возраст", "Оценка", "Текст обращения")


def _numbers(n: int, seed: int) -> list[str]:
    """Application numbers as a body's system writes them, unique; one in five spelled with
    spaces around it (the export pads some cells)."""
    rng = random.Random(seed)
    taken = rng.sample(range(100_000, 999_999), n)
    return [
        (" " if i % 5 == 0 else "") + f"З-2024-{k:06d}" + (" " if i % 5 == 0 else "")
        for i, k in enumerate(taken)
    ]


NUMBERS = _numbers(len(ROWS), seed=7)
RAW_NUMBERS = sorted({n.strip() for n in NUMBERS} | {n.strip()[2:] for n in NUMBERS})
RAW = needles(ROWS) + RAW_NUMBERS


def _channel(i: int, row: CanaryRow) -> str:
    return "Почта России" if i in (4, 51) else row.channel  # a tiny group of two


def _csv(header: list[str], lines: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue().encode("cp1251")


def records_csv() -> bytes:
    lines = []
    for i, (row, number) in enumerate(zip(ROWS, NUMBERS, strict=True)):
        cells = [number] + [COLUMNS[c](row) for c in RECORD_COLUMNS]
        cells[RECORD_COLUMNS.index("Канал") + 1] = _channel(i, row)
        lines.append(cells)
    return _csv([ID, *RECORD_COLUMNS], lines)


def complaints_csv() -> bytes:
    lines = [[NUMBERS[i].strip(), ROWS[i].complaint] for i in range(0, len(ROWS), 3)]
    return _csv([ID, "Текст обращения"], lines)


# Not every client answered; some answered twice: the survey's ids are not unique, so only
# the study's client id (not the look of the column) says they must be pseudonymised.
ANSWERED = [i for i in range(len(ROWS)) if i % 4 != 3] + list(range(0, 60, 2))


def survey_csv() -> bytes:
    """Answers keyed by the raw application number (written without the padding)."""
    header = [ID, "Телефон", "q_docs_difficult", "q_knew_about_epgu"]
    lines = [
        [NUMBERS[i].strip(), ROWS[i].phone, "да" if i % 2 else "нет", "нет" if i % 3 else "да"]
        for i in ANSWERED
    ]
    return _csv(header, lines)


def _study() -> Study:
    data = json.loads(json.dumps(CANARY_STUDY))
    for source in data["data_sources"]:
        source.pop("id_column", None)
    records = data["data_sources"][0]
    records["id_column"] = ID
    return Study.model_validate(data)


@dataclass
class Run:
    root: Path
    home: Path
    keys: Path
    staging: Path
    study: Study
    inputs: dict[str, Path]
    imports: dict[str, pipeline.ImportResult] = field(default_factory=dict)
    made: dict[str, bytes] = field(default_factory=dict)
    survey: pipeline.SurveyImport | None = None
    contacts: list[dict[str, str]] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    inspection: pipeline.Inspection | None = None

    def add(self, name: str, content: bytes | str) -> None:
        self.made[name] = content.encode("utf-8") if isinstance(content, str) else content


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("client-id")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEGPROFILE_HOME", str(root / "home"))
        mp.setenv("SEGPROFILE_KEYS", str(root / "keys"))
        mp.setenv("SEGPROFILE_STAGING", str(root / "staging"))
        mp.delenv("SEGPROFILE_PSEUDONYM_KEY", raising=False)
        mp.setattr(config, "_current", None)
        logs = io.StringIO()
        handler = logging.StreamHandler(logs)
        # The package's own logger: a web configuration loaded by an earlier test stops it
        # from passing records on to the root logger.
        logger = logging.getLogger("segprofile")
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            result = _run(root)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        result.add("logs.txt", logs.getvalue())
        return result


def _run(root: Path) -> Run:
    inputs_dir = root / "in"
    inputs_dir.mkdir()
    inputs = {}
    for name, data in (
        ("records.csv", records_csv()),
        ("complaints.csv", complaints_csv()),
        ("survey.csv", survey_csv()),
    ):
        inputs[name] = inputs_dir / name
        inputs[name].write_bytes(data)
    study = _study()
    ws = pipeline.Workspace.in_folder(root, data_dir=inputs_dir)
    out = Run(root, root / "home", root / "keys", root / "staging", study, inputs)
    out.inspection = pipeline.inspect_file(
        ws, inputs["records.csv"], study=study, source_id="records"
    )
    out.add(
        "inspection.json", json.dumps(out.inspection.to_dict(), ensure_ascii=False, default=str)
    )
    for name, source in (("records.csv", "records"), ("complaints.csv", "complaints")):
        out.imports[source] = pipeline.import_dataset(
            ws, inputs[name], study, source, author="анна"
        )

    computed = pipeline.profile_study(ws, study)
    published = pipeline.published_profile(computed, study)
    out.add("profile.json", pipeline.profile_to_json(published))
    out.add("profile.html", pipeline.render_profile_html(published, study))
    plan = pipeline.research_plan(ws, study, profile=computed)
    out.add("respondents.csv", pipeline.recruitment_csv(plan.recruitment))
    out.add("research-plan.json", plan.recruitment.model_dump_json())
    out.chosen = [r.respondent_id for r in plan.recruitment.respondents]

    out.survey = pipeline.import_survey(
        ws, study, inputs["survey.csv"], source_id="survey", author="анна", profile=computed
    )
    out.add("survey-results.csv", pipeline.survey_results_csv(out.survey))
    out.add("survey-analysis.json", out.survey.analysis.model_dump_json())
    final = out.survey.study
    final_profile = pipeline.profile_study(ws, final)
    for fmt in pipeline.REPORT_FORMATS:
        out.add(f"report.{fmt}", pipeline.render_report(final_profile, final, fmt))

    # The owner-only way back: the contacts of the chosen respondents from the original file.
    respondents = root / "respondents.csv"
    respondents.write_bytes(out.made["respondents.csv"])
    contacts = root / "контакты.csv"
    pipeline.reidentify(
        ws,
        inputs["records.csv"],
        study,
        "records",
        respondents=respondents,
        out=contacts,
        user="анна",
    )
    text = contacts.read_bytes().decode("utf-8-sig")
    # Read back as a spreadsheet shows it: a pseudonym written «'-…» (no formula) is «-…».
    out.contacts = [
        {k: restore(v) for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text), delimiter=";")
    ]
    contacts.unlink()  # the key holder's file, outside the data home: not scanned below
    return out


def _column(run: Run, source: str, name: str = ID) -> list[str | None]:
    path = next((run.home / "datasets" / "canary" / source).glob("v*.parquet"))
    return pq.read_table(path).column(name).to_pylist()


def test_the_check_page_proposes_a_pseudonym_for_the_application_number(run: Run) -> None:
    assert run.inspection is not None
    finding = next(f for f in run.inspection.pii if f.column == ID)
    assert (finding.kind, finding.action, finding.client_id) == (
        PiiKind.client_id,
        PiiAction.pseudonymise,
        True,
    )
    assert "идентификатора клиента" in finding.reason
    assert finding.to_dict()["action_label"] == "заменить псевдонимом"
    assert ID in run.inspection.masked_columns()


def test_the_records_store_pseudonyms_of_the_application_numbers(run: Run) -> None:
    manifest = run.imports["records"].manifest
    entry = next(c for c in manifest.columns if c["name"] == ID)
    assert (entry["pii_kind"], entry["pii_action"]) == ("client_id", "pseudonymise")
    ids = _column(run, "records")
    assert len(set(ids)) == len(ROWS)  # one pseudonym a client: padded numbers trimmed
    assert all(isinstance(v, str) and len(v) == 22 for v in ids)


def test_no_raw_application_number_anywhere(run: Run) -> None:
    found = {h.value for h in scan(run.inputs.values(), RAW_NUMBERS)}
    assert set(RAW_NUMBERS) & found  # positive control: the inputs hold them
    hits = []
    for name, content in run.made.items():
        hits += scan_bytes(content, RAW, name)
    hits += scan([run.home, run.keys, run.staging], RAW)
    assert hits == [], describe(hits)
    assert b"imported" in run.made["logs.txt"]  # the logs were captured
    assert len(run.made["report.pdf"]) > 5000


def test_every_side_of_the_join_gets_the_same_pseudonyms(run: Run) -> None:
    """The complaints and the survey name no id column: the study's client id is
    pseudonymised in them by the same rule, so their pseudonyms are the records'."""
    records = set(_column(run, "records"))
    complaints = _column(run, "complaints")
    assert complaints
    assert set(complaints) <= records
    survey = _column(run, "survey")
    assert survey
    assert set(survey) <= records
    entry = next(c for c in run.imports["complaints"].manifest.columns if c["name"] == ID)
    assert entry["pii_kind"] == "client_id"


def test_the_survey_is_joined_by_id_and_gets_verdicts(run: Run) -> None:
    assert run.survey is not None
    assert run.survey.joined_by == "id"
    assert run.survey.file.id_column == ID
    assert ID in run.survey.file.pseudonymised
    assert run.survey.analysis.respondents == len(ANSWERED)
    assert run.survey.analysis.matched == len(ANSWERED)
    assert run.survey.analysis.verdicts


def test_the_key_holder_finds_the_contacts_of_the_chosen_respondents(run: Run) -> None:
    assert run.chosen
    assert run.contacts
    assert {r[pipeline.RESPONDENT_COLUMN] for r in run.contacts} <= set(run.chosen)
    numbers = {n.strip() for n in NUMBERS}
    assert {r[ID].strip() for r in run.contacts} <= numbers  # the raw numbers, for the owner
    assert len({r[ID] for r in run.contacts}) == len(run.contacts)
