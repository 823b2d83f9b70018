"""``segprofile research import-survey`` and ``import-interviews`` through the CLI runner (M-9).

The child-benefit example plants problems and non-problems in its survey (see its README); the
survey import must confirm the first and refute the second end to end: file → readers → join →
tests → verdicts written into the study document.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from docx import Document

from segprofile import pipeline
from segprofile.cli import run
from segprofile.model.spec_yaml import dump_study, load_study
from segprofile.model.study import (
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Study,
    SurveyQuestion,
    SurveySupport,
)
from sp_factories import planted_check_hypotheses

MAPPING = """\
- question: q_knew_about_epgu
  hypothesis: p_unaware_epgu
  support: "no"
  among: [channel=mfc, channel=office]
- question: q_knew_about_epgu
  hypothesis: p_city_unaware
  support: "no"
  among: [channel=mfc, channel=office]
- question: q_docs_difficult
  hypothesis: p_docs_burden
- question: q_docs_difficult
  hypothesis: p_epgu_form_complex
- question: q_docs_difficult
  hypothesis: p_disability_docs
  threshold: 0.4
"""

# The example keeps its client ids as they are (its demo ids are pseudonyms already): a file
# imported with it says why, each time.
DEMO_IDS = "демо-данные примера: client_id в них уже псевдонимы"


def _survey_args(study_file: Path, answers: Path, data: Path) -> list[str]:
    """``research import-survey`` of ``answers`` on the example's data, its kept demo ids
    with their reason."""
    return [
        "research",
        "import-survey",
        str(study_file),
        str(answers),
        "-d",
        str(data),
        "--keep-reason",
        DEMO_IDS,
    ]


def _with_extra(study: Study) -> Study:
    study = study.model_copy(deep=True)
    study.hypotheses += planted_check_hypotheses()
    return study


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's data as its README describes it (20 000 applications, seed 42)."""
    data = tmp_path_factory.mktemp("cb-20000")
    pipeline.generate_demo_data("child-benefit", data, rows=20000, seed=42)
    return data


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cb-3000")
    pipeline.generate_demo_data("child-benefit", data, rows=3000, seed=7)
    return data


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGPROFILE_HOME", str(tmp_path / "home"))


def _study_file(tmp_path: Path, study: Study) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(dump_study(study), encoding="utf-8")
    return path


def _survey_csv(data: Path, tmp_path: Path, change=None) -> Path:  # type: ignore[no-untyped-def]
    frame = pd.read_parquet(data / "survey.parquet")
    if change is not None:
        frame = change(frame)
    path = tmp_path / "answers.csv"
    frame.to_csv(path, sep=";", index=False)
    return path


def test_import_survey_confirms_planted_problems_and_refutes_non_problems(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_file = _study_file(tmp_path, _with_extra(pipeline.example_study("child-benefit")))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    answers = _survey_csv(planted, tmp_path)
    out_file = tmp_path / "with-verdicts.yaml"
    results = tmp_path / "results.csv"
    code = run(
        [
            "research",
            "import-survey",
            "--keep-reason",
            DEMO_IDS,
            str(study_file),
            str(answers),
            "--data",
            str(planted),
            "--mapping",
            str(mapping),
            "--out",
            str(out_file),
            "--results",
            str(results),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "по идентификатору «client_id»" in captured.out
    assert "ответов 977" in captured.out.replace("\u00a0", " ")
    assert "p (БХ)" in captured.out
    assert "Правила вердиктов" in captured.out
    # Coverage: the never-applying group has no respondent, listed loudly on stderr.
    assert "Сегменты без единого респондента (1)" in captured.err
    assert "region_type=rural&single_parent=true&disability_in_family=true" in captured.err
    # The document given is untouched; the new one carries the verdicts with evidence.
    assert load_study(study_file).hypotheses[-1].status is HypothesisStatus.open
    written = {h.id: h for h in load_study(out_file).hypotheses}
    # Planted problems.
    assert written["p_unaware_epgu"].status is HypothesisStatus.confirmed
    assert written["p_docs_burden"].status is HypothesisStatus.confirmed
    assert written["p_disability_docs"].status is HypothesisStatus.confirmed
    # Planted non-problems.
    assert written["p_epgu_form_complex"].status is HypothesisStatus.refuted
    assert written["p_city_unaware"].status is HypothesisStatus.refuted
    rural = written["p_unaware_epgu"]
    # The survey by its title in the study, never by the file's name (it goes into reports).
    title = load_study(out_file).data_source("survey").title
    assert rural.verdict_reason.startswith(f"Опрос «{title}»: Подтверждена для")
    survey_evidence = [e for e in rural.evidence if e.source.startswith(f"{title}, ")]
    assert not any("answers.csv" in e.source for e in rural.evidence)
    assert survey_evidence
    assert survey_evidence[0].value is not None
    assert "хи-квадрат" in survey_evidence[0].summary
    assert any(e.kind.value == "survey" and "около 28 %" in e.summary for e in rural.evidence)
    table = pd.read_csv(results, sep=";", decimal=",")
    row = table[(table["Гипотеза"] == "p_docs_burden") & table["Сегмент"].str.contains("СФР")]
    assert row["Вердикт"].item() == "confirmed"
    assert row["p с поправкой БХ"].item() < 0.05


def test_mapping_stored_in_the_study_and_written_in_place(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = pipeline.example_study("child-benefit")
    survey = study.data_source("survey")
    survey.questions = [
        SurveyQuestion(
            question="q_docs_difficult", hypothesis="p_epgu_form_complex", support=SurveySupport.yes
        )
    ]
    study_file = _study_file(tmp_path, study)
    answers = _survey_csv(small, tmp_path)
    code = run(
        [
            "research",
            "import-survey",
            str(study_file),
            str(answers),
            "-d",
            str(small),
            "--in-place",
            "--keep-reason",
            DEMO_IDS,
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    hyp = next(h for h in load_study(study_file).hypotheses if h.id == "p_epgu_form_complex")
    assert hyp.status is HypothesisStatus.refuted
    title = load_study(study_file).data_source("survey").title
    assert hyp.verdict_reason.startswith(f"Опрос «{title}»")
    # Run twice: the survey's evidence is replaced, not duplicated.
    assert (
        run(
            [
                "research",
                "import-survey",
                "--keep-reason",
                DEMO_IDS,
                str(study_file),
                str(answers),
                "-d",
                str(small),
                "--in-place",
            ]
        )
        == 0
    )
    again = next(h for h in load_study(study_file).hypotheses if h.id == "p_epgu_form_complex")
    assert len(again.evidence) == len(hyp.evidence)


def test_without_a_mapping_says_how_to_give_one(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_file = _study_file(tmp_path, pipeline.example_study("child-benefit"))
    answers = _survey_csv(small, tmp_path)
    assert run(_survey_args(study_file, answers, small)) == 2
    err = capsys.readouterr().err
    assert "какие вопросы опроса проверяют какие гипотезы" in err
    assert "--mapping" in err
    assert "Traceback" not in err


def _import(study_file: Path, answers: Path, data: Path) -> list[str]:
    return _survey_args(study_file, answers, data)


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_ids_matching_no_one_fall_back_to_features_or_say_how(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_file = _study_file(tmp_path, pipeline.example_study("child-benefit"))
    mapping = _mapping(tmp_path, "question;hypothesis\nq_docs_difficult;p_docs_burden\n")
    records = pd.read_parquet(small / "records.parquet")[["client_id", "channel"]]

    def foreign_ids(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(client_id=[f"x{i:05d}" for i in range(len(frame))])

    # No feature columns in the survey: an input error with the count and the way out.
    answers = _survey_csv(small, tmp_path, foreign_ids)
    args = _survey_args(study_file, answers, small)
    assert run([*args, "-m", str(mapping)]) == 2
    err = capsys.readouterr().err
    assert "совпало 0" in err
    assert "признак" in err

    # With the channel column: joined by features, said loudly.
    def with_channel(frame: pd.DataFrame) -> pd.DataFrame:
        joined = frame.merge(records, on="client_id")
        return foreign_ids(joined)

    answers = _survey_csv(small, tmp_path, with_channel)
    assert run([*args, "-m", str(mapping)]) == 0
    captured = capsys.readouterr()
    assert "по столбцам признаков в опросе" in captured.out
    assert "совпало 0" in captured.err
    assert "Способ подачи" in captured.out


def test_free_text_where_a_scale_was_expected_names_column_and_rows(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_file = _study_file(tmp_path, pipeline.example_study("child-benefit"))
    mapping = _mapping(tmp_path, "question;hypothesis\nq_docs_difficult;p_docs_burden\n")

    def free_text(frame: pd.DataFrame) -> pd.DataFrame:
        values = frame["q_docs_difficult"].map({True: "да", False: "нет"}).astype(object)
        values.iloc[[1, 4]] = "долго собирала справки"
        return frame.assign(q_docs_difficult=values)

    answers = _survey_csv(small, tmp_path, free_text)
    code = run([*_import(study_file, answers, small), "-m", str(mapping)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Вопрос «q_docs_difficult»: 2 ответа — свободный текст" in err
    # The answers are read from their stored version (through the gate), which does not keep
    # the file's row order: the count is given, never the rows or the answers.
    assert "долго" not in err  # answers are never quoted


def test_hypothesis_of_a_deleted_segment_is_kept_and_marked(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = pipeline.example_study("child-benefit")
    study.hypotheses.append(
        Hypothesis(
            id="p_orphan",
            kind=HypothesisKind.problem,
            statement="Жителям северного района трудно собрать документы.",
            segments=["district=north"],
        )
    )
    study_file = _study_file(tmp_path, study)
    mapping = _mapping(
        tmp_path,
        "question;hypothesis\nq_docs_difficult;p_orphan\nq_docs_difficult;p_docs_burden\n",
    )
    answers = _survey_csv(small, tmp_path)
    code = run([*_import(study_file, answers, small), "-m", str(mapping), "--in-place"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    number = [h.id for h in load_study(study_file).hypotheses].index("p_orphan") + 1
    assert f"Гипотеза «№ {number}." in captured.err  # by its number, never its id
    assert "осиротевшая" in captured.err
    kept = next(h for h in load_study(study_file).hypotheses if h.id == "p_orphan")
    assert kept.status is HypothesisStatus.not_enough_data
    assert "значение «north» признака, которого нет в исследовании" in kept.verdict_reason
    assert "district=north" not in kept.verdict_reason
    assert "не найден" in kept.verdict_reason


NOTE = (
    "Респондент Иванова Мария Петровна, телефон +7 912 345-67-89, почта maria@example.ru. "
    "Подавала заявление в клиентской службе СФР, ждала решения почти месяц. "
    "«Справки о доходах пришлось собирать три раза, хотя у государства они есть». "
    "Хотела бы подать заявление через Госуслуги, но не знала, что так можно."
)


def test_import_interviews_masks_and_suggests_unconfirmed_quotes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_file = _study_file(tmp_path, pipeline.example_study("child-benefit"))
    txt = tmp_path / "r01.txt"
    txt.write_bytes(NOTE.encode("cp1251"))
    docx = tmp_path / "r02.docx"
    document = Document()
    document.add_paragraph(
        "Семья с ребёнком-инвалидом. Отказали из-за автомобиля, причину отказа не объяснили."
    )
    document.save(str(docx))
    out_file = tmp_path / "with-quotes.yaml"
    code = run(
        ["research", "import-interviews", str(study_file), str(txt), str(docx), "-o", str(out_file)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "r01.txt: предложений" in captured.out
    assert "замаскировано: 1 имя, 1 телефон, 1 e-mail" in captured.out
    assert "Иванова" not in captured.out
    assert "912" not in captured.out
    written = load_study(out_file)
    suggested = [(h.id, e) for h in written.hypotheses for e in h.evidence if e.suggested]
    assert suggested, "some quote should be suggested"
    assert all(e.kind.value == "interview" and e.quote for _, e in suggested)
    assert {e.source for _, e in suggested} <= {"r01.txt", "r02.docx"}
    assert any(hid == "p_docs_burden" and "Справки" in e.quote for hid, e in suggested)
    assert all("Иванова" not in e.quote and "+7" not in e.quote for _, e in suggested)
    # The study given is unchanged.
    assert not any(e.suggested for h in load_study(study_file).hypotheses for e in h.evidence)


def test_interview_in_an_unknown_encoding_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_file = _study_file(tmp_path, pipeline.example_study("child-benefit"))
    bad = tmp_path / "r03.txt"
    bad.write_bytes(bytes(range(0x80, 0x100)) * 20)
    before = study_file.read_bytes()
    code = run(["research", "import-interviews", str(study_file), str(bad), "--in-place"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Не удалось определить кодировку файла r03.txt" in err
    assert "UTF-8" in err
    assert study_file.read_bytes() == before


def test_ids_are_not_matched_against_pseudonyms_of_an_earlier_format(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client records stored by an earlier release hold hex pseudonyms: linking survey ids to
    them would match no one, so the import says so and how to fix it."""
    study_file = _study_file(tmp_path, pipeline.example_study("child-benefit"))
    mapping = _mapping(tmp_path, "question;hypothesis\nq_docs_difficult;p_docs_burden\n")
    opened = pipeline.open_data_source

    def stored_by_an_earlier_release(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(opened(*args, **kwargs), legacy_pseudonyms=True)

    monkeypatch.setattr(pipeline.research, "open_data_source", stored_by_an_earlier_release)
    answers = _survey_csv(small, tmp_path)
    args = _survey_args(study_file, answers, small)
    assert run([*args, "-m", str(mapping)]) == 2
    err = capsys.readouterr().err
    assert "прежней версией" in err
    assert "заново" in err
