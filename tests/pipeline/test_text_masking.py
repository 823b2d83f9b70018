"""Every text path masks before anything is stored, and says what it masked (issue 15, part 2).

Interview notes, open answers of a survey, journey step texts from files and complaint topics
read from a raw file: planted identifiers of every kind go in, none comes out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segprofile import pipeline
from segprofile.model.spec_yaml import dump_study

# One of each kind, as a respondent would say them; the fragments that must not come out.
PLANTED = (
    "Меня зовут Кузнецова Анна Сергеевна, СНИЛС 112-233-445 95, ИНН 500100732259. "
    "Паспорт серия 4506 № 123456. Пособие приходит на карту 4276 1600 1234 5675. "
    "Дата рождения 12.03.1985, живу: г. Казань, ул. Баумана, д. 7, кв. 12. "
    "Телефон +7 912 345-67-89, почта anna.k@mail.ru. "
    "Справки о доходах пришлось собирать три раза, хотя у государства они есть."
)
SECRETS = (
    "Кузнецова",
    "Сергеевна",
    "445 95",
    "500100732259",
    "123456",
    "1234 5675",
    "12.03.1985",
    "Баумана",
    "кв. 12",
    "345-67-89",
    "anna.k",
)
ALL_KINDS = {
    "names": 1,
    "snils": 1,
    "inn": 1,
    "passports": 1,
    "cards": 1,
    "birth_dates": 1,
    "addresses": 1,
    "phones": 1,
    "emails": 1,
}


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: n for k, n in counts.items() if n}


def test_interviews_mask_every_kind_and_say_so() -> None:
    study = pipeline.example_study("child-benefit")
    clean = "Подавала заявление в МФЦ, ждала решения почти месяц."
    result = pipeline.import_interviews(
        study, [("r01.txt", PLANTED.encode("cp1251")), ("r02.txt", clean.encode())]
    )
    assert _nonzero(result.notes[0].masked) == ALL_KINDS
    assert _nonzero(result.notes[1].masked) == {}
    assert _nonzero(result.masked) == ALL_KINDS
    assert result.masked_summary == (
        "замаскировано: 1 имя, 1 телефон, 1 e-mail, 1 СНИЛС, 1 ИНН, 1 номер паспорта, "
        "1 номер карты, 1 дата рождения, 1 адрес"
    )
    assert pipeline.describe_masked(result.notes[1].masked) == "персональных данных не найдено"
    stored = dump_study(result.study) + "\n".join(n.text for n in result.notes)
    assert result.suggestions
    for secret in SECRETS:
        assert secret not in stored


def test_open_survey_answers_are_masked_before_the_preview(tmp_path: Path) -> None:
    study = pipeline.example_study("child-benefit")
    data = tmp_path / "data"
    pipeline.generate_demo_data("child-benefit", data, rows=500, seed=3)
    frame = pd.read_parquet(data / "survey.parquet").head(40)
    comments = ["Всё устроило, спасибо."] * len(frame)
    comments[0] = PLANTED
    comments[5] = "Звоните 8 912 345 67 89, Ольга Петровна."
    frame["Комментарий"] = comments
    path = tmp_path / "answers.csv"
    frame.to_csv(path, sep=";", index=False)
    ws = pipeline.Workspace.in_folder(tmp_path)
    source = pipeline.survey_source(study)
    assert source is not None
    demo = {"client_id": pipeline.DEMO_KEEP_REASON}  # the example's ids: pseudonyms already
    pipeline.import_dataset(ws, path, study, source.id, author="анна", keep_reasons=demo)
    info = pipeline.inspect_survey(ws, study)
    assert _nonzero(info.masked) == {**ALL_KINDS, "names": 2, "phones": 2}
    assert info.masked_summary.startswith("замаскировано: 2 имени, 2 телефона")
    # Personal data inside its answers makes the comment free text: hidden in the preview, and
    # stored masked.
    assert {row.get("Комментарий") for row in info.preview} == {"•••"}
    manifest = pipeline.list_dataset_versions(ws, study.id, source.id)[-1]
    [stored] = ws.home.rglob(manifest.parquet)
    texts = "\n".join(str(v) for v in pd.read_parquet(stored)["Комментарий"])
    assert "[СНИЛС]" in texts
    for secret in (*SECRETS, "345 67 89", "Ольга"):
        assert secret not in texts
    column = next(c for c in info.columns if c.name == "Комментарий")
    assert column.kind == "text"


JOURNEY_CSV = (
    "Путь;Вид пути;Название пути;Шаг;Название шага;Канал;Документы от клиента;"
    "Видимые действия сотрудников\n"
    "j1;текущий;Путь заявителя;s1;Подача заявления;МФЦ;Паспорт 4506 123456;"
    "Специалист Петрова Ольга Ивановна принимает документы\n"
    "j1;;;s2;Звонок заявителю;телефон +7 912 345-67-89;;Сверка СНИЛС 112-233-445 95\n"
)


def test_journey_step_texts_from_a_file_are_masked() -> None:
    study = pipeline.example_study("child-benefit")
    result = pipeline.import_journeys(study, JOURNEY_CSV.encode(), "csv", source="пути.csv")
    (journey,) = [j for j in result.study.journeys if j.id == "j1"]
    texts = dump_study(result.study)
    for secret in ("123456", "Петрова", "Ольга", "345-67-89", "445 95"):
        assert secret not in texts
    assert journey.steps[0].documents == ["Паспорт [паспорт]"]
    assert journey.steps[1].channel == "телефон [телефон]"
    assert _nonzero(result.masked) == {"passports": 1, "names": 1, "phones": 1, "snils": 1}
    assert result.journeys == 1


@pytest.mark.parametrize("fmt", ["csv", "bpmn"])
def test_the_example_journeys_round_trip_unmasked(fmt: str) -> None:
    """A control: the example's journey texts hold no personal data; nothing is masked."""
    study = pipeline.example_study("child-benefit")
    exported = pipeline.export_journeys(study, fmt)
    result = pipeline.import_journeys(study, exported, fmt, source=f"export.{fmt}")
    assert _nonzero(result.masked) == {}
    assert result.study.journeys == study.journeys


def test_topics_of_a_raw_complaints_file_are_masked(tmp_path: Path) -> None:
    """Complaints read from the data directory (not imported): masked when read."""
    study = pipeline.example_study("child-benefit")
    data = tmp_path / "data"
    pipeline.generate_demo_data("child-benefit", data, rows=2000, seed=5)
    complaints = pd.read_parquet(data / "complaints.parquet")
    texts = complaints["text"].tolist()
    for i in range(0, len(texts), 3):
        texts[i] = f"{texts[i]} Заявитель Кузнецова Анна Сергеевна, тел. 8 912 345-67-89."
    complaints["text"] = texts
    complaints.to_parquet(data / "complaints.parquet", index=False)
    topics = pipeline.text_topics(
        pipeline.Workspace.in_folder(tmp_path, data_dir=data), study, text_column="text"
    )
    shown = " ".join(
        [*(w for t in topics.model.topics for w in t.words)]
        + [e for t in topics.model.topics for e in t.examples]
    )
    assert sum("Кузнецова" in t for t in texts) > 10  # the control: the input has them
    for secret in ("Кузнецова", "кузнецов", "Анна", "анна", "345-67-89", "сергеевна"):
        assert secret not in shown
