"""The canary through every CLI command that reads files (issue 15).

Canary files — records with every identifier kind (cp1251 «;» CSV and XLSX), complaints, survey
answers with an open answer, interview transcripts (TXT, DOCX, and exports taken for them by
mistake), journeys (CSV, BPMN), files named after a client — go through ``check``, ``inspect``,
``profile`` (on the raw files and on the imported ones), ``import``, ``datasets``, ``research
plan``, ``reidentify``, ``research import-survey``, ``research import-interviews``, ``journeys
import``/``export``, ``report`` in every format and ``keys rotate``, with a data home, key store
and staging area of their own, in one run of the CLI's runner. Then every place is scanned — the
data home (Parquet decoded, the audit log), the key store, the staging area, the system temp
folder, the working folder, every output (DOCX and XLSX unzipped, PDF as text), the captured
output of every command and the log — for every spelling of every raw value: 0 hits. The user's
own files (unchanged, still there) and the contacts file that ``reidentify`` writes for the key
holder are the only places with raw values; the contacts hold the chosen respondents alone.
Positive controls show that the scanner finds the values in the inputs and sees into every kind
of output.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from canary import (
    BASIC_COLUMNS,
    CANARY_STUDY,
    COLUMNS,
    Hit,
    canary_csv,
    canary_files,
    canary_rows,
    describe,
    needles,
    scan,
    scan_bytes,
    scan_text,
    scanned_files,
)
from segprofile import config, pipeline
from segprofile.cli import run
from segprofile.model.spec_yaml import dump_study
from segprofile.model.study import Study

ROWS = canary_rows(60, seed=15)
RAW = needles(ROWS)


@dataclass
class Command:
    argv: list[str]
    code: int
    out: str
    err: str


@dataclass
class CanaryRun:
    """One run of the CLI over the canary files: where everything is, what each command said."""

    root: Path
    inputs: dict[str, Path]
    digests: dict[str, str]
    commands: list[Command] = field(default_factory=list)

    def path(self, name: str) -> Path:
        return self.root / name

    @property
    def console(self) -> str:
        return "\n".join(f"{c.out}\n{c.err}" for c in self.commands)

    def places(self) -> list[Path]:
        """Every place the CLI may have written to (inputs and the contacts file apart)."""
        return [
            self.path(name)
            for name in ("home", "keys", "staging", "out", "cwd", "system-temp", "segprofile.log")
        ] + [self.path("in"), self.path("raw")]

    def excluded(self) -> list[Path]:
        """The user's own files, and the contacts the key holder asked for."""
        raw_inputs = [p for p in self.path("raw").iterdir() if p.is_file()]
        return [*self.inputs.values(), *raw_inputs, self.path("out/contacts.csv")]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def _logged_to(path: Path) -> Iterator[None]:
    """Every record of Python's logging, at every level, into ``path``."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    # Loggers that do not propagate (the web settings' ``segprofile`` logger, once Django has
    # been set up by an earlier test in this process) get the handler too.
    isolated = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in (root, *isolated):
        logger.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.setLevel(level)
        for logger in (root, *isolated):
            logger.removeHandler(handler)
        handler.close()


def _commands(r: CanaryRun) -> list[tuple[list[str], int]]:
    """Each command that reads a file, with the exit code it must give."""
    study = str(r.path("study.yaml"))
    f = {name: str(path) for name, path in r.inputs.items()}
    data, raw, out = str(r.path("in")), str(r.path("raw")), r.path("out")
    final = str(out / "study-final.yaml")
    plan = str(out / "plan" / "respondents.csv")
    reports = [
        (["report", final, "--data", data, "--format", fmt, "--out", str(out / f"report.{fmt}")], 0)
        for fmt in pipeline.REPORT_FORMATS
    ]
    return [
        (["check", study], 1),  # incomplete: no journeys yet
        (["inspect", f["records.csv"]], 0),
        (["inspect", f["records.csv"], "--json"], 0),
        (["inspect", f["records.xlsx"], "--json"], 0),
        (["inspect", f["survey.csv"]], 0),
        # The export before any import (cp1251, «;»), read and depersonalised on the fly …
        (["profile", study, "--data", data, "--out", str(out / "raw-cp1251")], 0),
        # … and in UTF-8 the same.
        (["profile", study, "--data", raw, "--out", str(out / "raw-profile")], 0),
        (["research", "plan", study, "--data", raw, "--out", str(out / "raw-plan")], 0),
        # An identifier kept as it is without a reason is refused, naming the column only.
        (["import", f["records.csv"], "-s", "records", "--study", study, "--keep", "ИНН"], 2),
        (["import", f["records.csv"], "-s", "records", "--study", study], 0),
        (["import", f["complaints.csv"], "-s", "complaints", "--study", study], 0),
        (["datasets", "canary", "records"], 0),
        (["profile", study, "--data", data, "--out", str(out / "profile")], 0),
        (["research", "plan", study, "--data", data, "--out", str(out / "plan")], 0),
        (
            [
                "reidentify",
                f["records.csv"],
                "-s",
                "records",
                "--study",
                study,
                "--respondents",
                plan,
                "--out",
                str(out / "contacts.csv"),
            ],
            0,
        ),
        (
            [
                "research",
                "import-survey",
                study,
                f["survey.csv"],
                "--data",
                data,
                "--results",
                str(out / "survey-results.csv"),
                "--out",
                str(out / "study-survey.yaml"),
            ],
            0,
        ),
        (
            [
                "research",
                "import-survey",
                str(out / "study-survey.yaml"),
                f["survey.csv"],
                "--data",
                data,
                "--results",
                str(out / "survey-results.json"),
                "--in-place",
            ],
            0,
        ),
        (
            [
                "research",
                "import-interviews",
                str(out / "study-survey.yaml"),
                f["interview-1.txt"],
                f["interview-2.docx"],
                f["interview-named.txt"],
                f["выгрузка.txt"],
                f["реестр.txt"],
                "--min-score",
                "0.05",
                "--out",
                str(out / "study-quotes.yaml"),
            ],
            0,
        ),
        (["journeys", "import", str(out / "study-quotes.yaml"), f["journeys.csv"], "-o", final], 0),
        (["journeys", "import", final, f["journeys.bpmn"]], 0),  # in place
        (["journeys", "import", final, f["records.csv"], "-o", str(out / "wrong.yaml")], 2),
        (["journeys", "export", final, "--out", str(out / "journeys.csv")], 0),
        (["journeys", "export", final, "-f", "bpmn", "--out", str(out / "journeys.bpmn")], 0),
        *reports,
        (["profile", final, "--data", data, "--out", str(out / "profile-final")], 0),
        (["keys", "rotate", f["records.xlsx"], "-s", "records", "--study", study], 0),
        (["import", f["complaints-named.csv"], "-s", "complaints", "--study", study], 0),
        (["inspect", f["complaints-named.csv"]], 0),
        (["datasets", "canary", "complaints"], 0),
        (["profile", final, "--data", data, "--out", str(out / "profile-rotated")], 0),
    ]


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory: pytest.TempPathFactory) -> CanaryRun:
    root = tmp_path_factory.mktemp("canary-cli")
    inputs = canary_files(root / "in", ROWS)
    # An export chosen by mistake where an interview was expected (as on the web).
    inputs["выгрузка.txt"] = root / "in" / "выгрузка.txt"
    inputs["выгрузка.txt"].write_bytes(canary_csv(ROWS, columns=BASIC_COLUMNS))
    inputs["реестр.txt"] = root / "in" / "реестр.txt"  # every kind, tab-separated
    inputs["реестр.txt"].write_bytes(canary_csv(ROWS, columns=tuple(COLUMNS), delimiter="\t"))
    raw = root / "raw"
    raw.mkdir()
    (raw / "records.csv").write_bytes(canary_csv(ROWS, columns=tuple(COLUMNS), encoding="utf-8"))
    complaints = ("СНИЛС", "Канал", "Текст обращения")
    (raw / "complaints.csv").write_bytes(canary_csv(ROWS, columns=complaints, encoding="utf-8"))
    for name in ("out", "cwd", "system-temp"):
        (root / name).mkdir()
    (root / "study.yaml").write_text(
        dump_study(Study.model_validate(CANARY_STUDY)), encoding="utf-8"
    )
    result = CanaryRun(root=root, inputs=inputs, digests={k: _digest(p) for k, p in inputs.items()})
    with pytest.MonkeyPatch.context() as mp, _logged_to(root / "segprofile.log"):
        mp.setenv("SEGPROFILE_HOME", str(root / "home"))
        mp.setenv("SEGPROFILE_KEYS", str(root / "keys"))
        mp.setenv("SEGPROFILE_STAGING", str(root / "staging"))
        mp.delenv("SEGPROFILE_PSEUDONYM_KEY", raising=False)
        mp.delenv("SEGPROFILE_DEBUG", raising=False)
        mp.setattr(config, "_current", None)  # read from this environment
        mp.setattr(tempfile, "tempdir", str(root / "system-temp"))
        mp.chdir(root / "cwd")
        for argv, _ in _commands(result):
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = run(argv)
            result.commands.append(Command(argv, code, stdout.getvalue(), stderr.getvalue()))
    return result


def test_every_command_did_its_work(canary_run: CanaryRun) -> None:
    expected = [code for _, code in _commands(canary_run)]
    for command, code in zip(canary_run.commands, expected, strict=True):
        assert command.code == code, f"{command.argv}: {command.err or command.out}"
        assert "Traceback" not in command.err + command.out
    ws = pipeline.Workspace.in_folder(canary_run.root)  # where the commands kept everything
    for source, versions in (("records", 2), ("complaints", 2), ("survey", 2)):
        stored = pipeline.list_dataset_versions(ws, "canary", source)
        assert len(stored) == versions, source
    events = [a.event for a in pipeline.read_audit(ws)]
    assert {"import", "reidentify", "rotate_key"} <= set(events)
    assert (canary_run.path("keys") / "canary.key").is_file()
    assert list((canary_run.path("keys") / "retired").iterdir())
    out = canary_run.path("out")
    for name in ("report.html", "report.docx", "report.xlsx", "report.pdf"):
        assert (out / name).stat().st_size > 1000, name
    assert (out / "profile" / "canary-profile.json").is_file()
    assert (out / "plan" / "respondents.csv").is_file()
    assert (out / "survey-results.csv").is_file()
    assert canary_run.path("segprofile.log").stat().st_size > 0
    # The texts came through, masked: quotes, journey steps and the report show placeholders.
    final = (out / "study-final.yaml").read_text(encoding="utf-8")
    journeys = pipeline.load_study(out / "study-final.yaml").journeys
    assert [j.id for j in journeys] == ["canary", "canary_bpmn"]
    for placeholder in ("[имя]", "[СНИЛС]", "[ИНН]", "[паспорт]", "[телефон]", "[адрес]"):
        assert placeholder in final, placeholder
    assert "[имя]" in (out / "report.html").read_text(encoding="utf-8")


def test_the_scanner_finds_the_raw_values_in_the_inputs(canary_run: CanaryRun) -> None:
    """Positive control: every kind in the user's files, and the scanner sees into every kind
    of output (a word known to be there is found in the PDF's text, in the DOCX and XLSX,
    in the decoded Parquet)."""
    hits = scan(canary_run.inputs.values(), RAW)
    by_file: dict[str, set[str]] = {}
    for h in hits:
        by_file.setdefault(Path(h.where.split(" ")[0].split(":")[0]).name, set()).add(h.value)
    r = ROWS[7]
    records = {r.fio, r.snils, r.inn, r.passport, r.phone, r.email, r.address}
    assert records | {r.birth_date.strftime("%d.%m.%Y")} <= by_file["records.csv"]
    assert records <= by_file["records.xlsx"]  # inside the zip
    assert {ROWS[0].inn, ROWS[4].passport} <= by_file["interview-2.docx"] | by_file[
        "interview-1.txt"
    ]
    assert ROWS[1].snils in by_file["survey.csv"]
    assert ROWS[8].address in by_file["journeys.csv"]
    out = canary_run.path("out")
    word = ["Канарейка"]  # the study's title: in every report
    assert [h.where for h in scan_bytes((out / "report.pdf").read_bytes(), word, "pdf")] == [
        "pdf (PDF text)"
    ]
    docx_hits = scan_bytes((out / "report.docx").read_bytes(), word, "docx")
    assert any(h.where.startswith("docx:word/") for h in docx_hits)
    assert scan_bytes((out / "report.xlsx").read_bytes(), word, "xlsx")[0].where.startswith(
        "xlsx:xl/"
    )
    versions = sorted(canary_run.path("home").rglob("v1.parquet"))
    assert any(h.where.endswith("(Parquet)") for h in scan(versions, ["Клиентская служба"]))


def test_no_raw_value_anywhere_after_every_command(canary_run: CanaryRun) -> None:
    places = canary_run.places()
    seen = scanned_files(places)
    assert len(seen) > 40  # versions, manifests, audit, key, outputs, log
    hits = scan(places, RAW, exclude=canary_run.excluded())
    hits += scan_text(canary_run.console, RAW, "captured stdout and stderr")
    assert hits == [], describe(hits)


def test_the_users_files_stay_as_they_were(canary_run: CanaryRun) -> None:
    for name, path in canary_run.inputs.items():
        assert path.is_file(), name
        assert _digest(path) == canary_run.digests[name], name
    # Nothing else was written beside them.
    assert {p.name for p in canary_run.path("in").iterdir()} == {
        p.name for p in canary_run.inputs.values()
    }


def _rows_of(hits: list[Hit]) -> set[int]:
    """The canary clients whose unique values (ИНН, e-mail; names repeat) are among ``hits``."""
    values = {h.value for h in hits}
    return {i for i, r in enumerate(ROWS) if values & {r.inn, r.email}}


def test_reidentify_gives_the_chosen_respondents_and_no_one_else(canary_run: CanaryRun) -> None:
    out = canary_run.path("out")
    with (out / "plan" / "respondents.csv").open(encoding="utf-8-sig") as handle:
        chosen = {row["Респондент"] for row in csv.DictReader(handle, delimiter=";")}
    contacts = out / "contacts.csv"
    with contacts.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert 0 < len(rows) <= len(chosen)
    assert {row["Респондент"] for row in rows} <= chosen
    people = _rows_of(scan([contacts], RAW))
    assert len(people) == len({row["Респондент"] for row in rows})
    assert contacts.stat().st_mode & 0o077 == 0  # readable by its owner only
