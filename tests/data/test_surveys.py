"""Survey answers as stored: the columns and preview the mapping form shows, the question
mapping read from YAML or CSV (M-9)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from segprofile import pipeline
from segprofile.data import privacy
from segprofile.data.surveys import (
    PREVIEW_CHARS,
    PREVIEW_ROWS,
    SURVEY_KIND_LABELS,
    answer_kind,
    read_question_mapping,
    read_survey_version,
)
from segprofile.errors import InputError
from verbal_survey import AGREEMENT, STATEMENTS, survey_export


@pytest.mark.parametrize(
    ("dtype", "values", "kind"),
    [
        ("BOOLEAN", [True, None, False], "yes_no"),
        ("VARCHAR", ["Да", " нет ", "скорее да", None, ""], "yes_no"),
        ("BIGINT", [1, 0, 1, 1], "yes_no"),
        ("BIGINT", [1, 5, 3, 4, 2], "scale"),
        ("DOUBLE", [4.5, 3.0, 1.5], "scale"),
        ("VARCHAR", ["долго ждала", "да", "нет"], "text"),
        # The words of a five-point agreement scale, feminine forms and a middle answer too.
        ("VARCHAR", ["Полностью согласен", "Скорее не согласен ", "Затрудняюсь ответить"], "scale"),
        ("VARCHAR", ["Полностью согласна", "Скорее согласна", "Скорее не согласна", None], "scale"),
        ("VARCHAR", ["Очень доволен", "Скорее доволен", "Скорее недоволен", ""], "scale"),
        # Sentences that merely mention agreement are no scale.
        ("VARCHAR", ["Не согласен с отказом", "Согласен, но долго", "Согласна", "Долго"], "text"),
    ],
)
def test_answer_kind(dtype: str, values: list[object], kind: str) -> None:
    assert answer_kind(dtype, values) == kind


@pytest.mark.parametrize(
    ("typed", "kind"), [("categorical", "category"), ("text", "text"), ("", "text")]
)
def test_words_are_a_category_when_the_upload_typed_them_so(typed: str, kind: str) -> None:
    channels = ["Госуслуги"] * 6 + ["МФЦ"] * 3 + ["Почта"]
    assert answer_kind("VARCHAR", channels, typed) == kind
    # A verbal scale or yes/no answers are what they are whatever the type.
    assert answer_kind("VARCHAR", ["да", "нет", "да"], typed) == "yes_no"


@pytest.mark.parametrize(
    ("dtype", "values", "kind"),
    [
        ("VARCHAR", [None, "", "  "], "other"),
        ("DATE", [object()], "other"),
    ],
)
def test_answer_kind_of_blanks_and_others(dtype: str, values: list[object], kind: str) -> None:
    assert answer_kind(dtype, values) == kind


def test_a_survey_export_reads_as_categories_scales_and_texts(tmp_path: Path) -> None:
    """Walk-through: the preview labelled the region, the channel and the verbal agreement
    answers «свободный текст». They are a category and scales; the open answer (a name, a
    phone, an e-mail inside some) stays free text, hidden in the preview."""
    path = tmp_path / "опрос.csv"
    path.write_bytes(survey_export())
    study = pipeline.example_study("child-benefit")
    source = pipeline.survey_source(study)
    assert source is not None
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_dataset(ws, path, study, source.id, author="анна")
    info, _ = read_survey_version(ws.home, study, source, id_column="ID респондента")
    kinds = {c.name: c.kind for c in info.columns}
    assert kinds == {
        "СНИЛС": "id",
        "Регион проживания": "category",
        "Канал подачи": "category",
        **dict.fromkeys(STATEMENTS, "scale"),
        "Общая оценка (1-5)": "scale",
        "Что бы вы улучшили в услуге?": "text",
    }
    assert {SURVEY_KIND_LABELS[k] for k in kinds.values()} == {
        "псевдоним",
        "категория",
        "шкала",
        "свободный текст",
    }
    for row in info.preview:
        assert row["Что бы вы улучшили в услуге?"] in {"•••", ""}  # a blank answer stays blank
        assert row["Канал подачи"] in {"Госуслуги", "МФЦ", "Приёмная министерства", "Почта"}
        assert row[STATEMENTS[0]] in AGREEMENT


def _answers(tmp_path: Path, rows: int = 120) -> Path:
    """Messy answers: a dominant «да», a tiny «нет», gaps, a 1–5 scale, long free texts."""
    rng = random.Random(18)
    lines = ["client_id;Доволен;Оценка;Комментарий"]
    for i in range(rows):
        pleased = rng.choices(["да", "нет", ""], weights=[90, 3, 7])[0]
        score = rng.choice(["1", "2", "3", "4", "5", ""])
        comment = rng.choice(["", "Всё устроило.", "Ждала решения почти месяц, " * 5])
        lines.append(f"c{i:05d};{pleased};{score};{comment}")
    path = tmp_path / "answers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_stored_survey_version_is_read_for_the_mapping_form(tmp_path: Path) -> None:
    study = pipeline.example_study("child-benefit")
    source = pipeline.survey_source(study)
    assert source is not None
    ws = pipeline.Workspace.in_folder(tmp_path)
    # The example keeps its (demo, already pseudonymised) client ids as they are: a file's
    # import says why, each time.
    reasons = {"client_id": "тестовые ответы: номера условные"}
    pipeline.import_dataset(
        ws, _answers(tmp_path), study, source.id, author="анна", keep_reasons=reasons
    )
    info, table = read_survey_version(ws.home, study, source)
    assert (info.rows, table.num_rows, info.version, info.source_id) == (120, 120, 1, "survey")
    assert info.id_column == "client_id"  # the source's id column, left out of the columns
    kinds = {c.name: c.kind for c in info.columns}
    assert kinds == {"Доволен": "yes_no", "Оценка": "scale", "Комментарий": "text"}
    pleased = next(c for c in info.columns if c.name == "Доволен")
    assert 0 < pleased.answered < 120  # the gaps are not answers
    assert len(info.preview) == PREVIEW_ROWS
    longest = max(len(str(row["Комментарий"])) for row in info.preview)
    assert {row["Доволен"] for row in info.preview} <= {"да", "нет", ""}  # not True / False
    assert longest <= PREVIEW_CHARS
    with pytest.raises(InputError, match="нет столбца идентификатора «респондент»"):
        read_survey_version(ws.home, study, source, id_column="респондент")


def test_the_preview_hides_pseudonyms_ids_and_free_texts(tmp_path: Path) -> None:
    """Walk-through: the mapping page's preview showed, row by row, each respondent's pseudonyms
    of СНИЛС and phone beside their settlement type and their open answer — what the upload's
    check page hides (•••). The answers to map stay readable."""
    rng = random.Random(5)
    lines = ["Номер анкеты;СНИЛС;Телефон;Тип поселения;Доволен;Комментарий"]
    for i in range(60):
        place = "посёлок" if i < 2 else rng.choice(["город", "село"])  # two people in a tiny group
        snils = f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)} 1{i % 10}"
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-1{i % 10}"
        comment = rng.choice(["", f"Звонила {i + 2} раза, никто не ответил"])
        lines.append(f"R-{i:04d};{snils};{phone};{place};{rng.choice(['да', 'нет'])};{comment}")
    path = tmp_path / "опрос.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1251"))
    study = pipeline.example_study("child-benefit")
    source = pipeline.survey_source(study)
    assert source is not None
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_dataset(ws, path, study, source.id, author="анна")
    info, _ = read_survey_version(ws.home, study, source, id_column="Номер анкеты")
    kinds = {c.name: c.kind for c in info.columns}
    assert kinds["СНИЛС"] == kinds["Телефон"] == "id"
    assert kinds["Комментарий"] == "text"
    hidden = ("Номер анкеты", "СНИЛС", "Телефон", "Комментарий")
    for row in info.preview:
        assert all(row[name] == "•••" for name in hidden[:3]), row
        assert row["Комментарий"] in {"•••", ""}  # no comment: a blank tells nothing
        assert row["Доволен"] in {"да", "нет"}
    assert "•••" in {row["Комментарий"] for row in info.preview}
    # «посёлок»: two people, fewer than min_cell — a rare value beside their other answers.
    places = [row["Тип поселения"] for row in info.preview]
    assert places[:2] == [privacy.RARE, privacy.RARE]
    assert set(places[2:]) <= {"город", "село"}


def test_question_mapping_from_csv_and_yaml() -> None:
    text = "question;hypothesis;support;among\nДоволен;h1;no;a=1, b=2\nОценка;h2;;\n"
    questions = read_question_mapping(text.encode("utf-8-sig"), name="map.csv")
    assert [(q.question, q.hypothesis, q.support.value) for q in questions] == [
        ("Доволен", "h1", "no"),
        ("Оценка", "h2", "yes"),
    ]
    assert questions[0].among == ["a=1", "b=2"]
    yaml = "questions:\n  - question: Доволен\n    hypothesis: h1\n"
    assert read_question_mapping(yaml.encode(), name="map.yaml")[0].hypothesis == "h1"


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("question;hypothesis\nДоволен;\n", "map.csv", "Файл сопоставления map.csv, запись 1"),
        ("question;hypothesis\n", "map.csv", "пуст"),
        ("question: q1\n", "map.yaml", "ожидался список вопросов"),
    ],
)
def test_a_bad_question_mapping_names_the_file_and_record(
    text: str, name: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_question_mapping(text.encode(), name=name)


def test_the_preview_writes_numbers_the_russian_way(tmp_path: Path) -> None:
    """Walk-through: «17.3» in the preview (the view used to put the comma back in). The cells
    are written once, below the web: a decimal comma, a year as it is, «да»/«нет» in words."""
    rng = random.Random(9)
    lines = ["Стаж, лет;Год обращения;Оценка;Согласен"]
    for i in range(40):
        tenure = f"{rng.randint(0, 30)},{rng.randint(1, 9)}"  # never whole: «12,4»
        score = "" if i % 7 == 0 else str(rng.randint(1, 5))  # gaps: stored as numbers still
        lines.append(f"{tenure};{rng.choice(['2024', '2025'])};{score};{rng.choice(['да', 'нет'])}")
    path = tmp_path / "answers.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1251"))
    study = pipeline.example_study("child-benefit")
    source = pipeline.survey_source(study)
    assert source is not None
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_dataset(ws, path, study, source.id, author="анна")
    info, table = read_survey_version(ws.home, study, source)
    assert table.schema.field("Стаж, лет").type == "double"  # read as numbers, not as texts
    tenure = [str(row["Стаж, лет"]) for row in info.preview]
    assert all(re.fullmatch(r"\d+,\d", cell) for cell in tenure), tenure
    assert {str(row["Год обращения"]) for row in info.preview} <= {"2024", "2025"}
    assert {str(row["Согласен"]) for row in info.preview} <= {"да", "нет"}
    assert all(re.fullmatch(r"[1-5]?", str(row["Оценка"])) for row in info.preview)
