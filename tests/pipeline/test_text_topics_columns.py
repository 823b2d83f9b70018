"""Topics are mined only in columns of free text (M-9): an imported source's identifiers and
pseudonyms are never offered, and asked for by name they are refused in Russian."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from segprofile import pipeline
from segprofile.errors import InputError

PHRASES = [
    "долго ждал ответа по заявлению, никто не перезвонил",
    "в МФЦ не приняли справку о доходах, пришлось ехать ещё раз",
    "на Госуслугах заявление зависло в статусе на проверке",
    "отказали из-за дохода, хотя доход ниже прожиточного минимума",
    "сотрудник вежливо всё объяснил, спасибо",
]


def test_an_imported_sources_ids_are_no_text_columns(tmp_path: Path) -> None:
    rng = random.Random(5)
    n = 240
    frame = pd.DataFrame(
        {
            "Номер анкеты": [f"A-{i:05d}" for i in rng.sample(range(10_000, 99_999), n)],
            "Канал": [rng.choice(["МФЦ", "ЕПГУ", "лично"]) for _ in range(n)],
            "Ответ": [
                f"{rng.choice(PHRASES)} ({rng.choice(['вчера', 'весной', ''])})" for _ in range(n)
            ],
        }
    )
    frame.to_csv(tmp_path / "answers.csv", sep=";", index=False)
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    study = pipeline.example_study("child-benefit")
    pipeline.import_dataset(ws, tmp_path / "answers.csv", study, "complaints", author="тест")
    result = pipeline.text_topics(ws, study, source_id="complaints", n_topics=3)
    assert result.text_columns == ["Ответ"]
    assert result.text_column == "Ответ"
    assert result.title.startswith("Жалобы на платформе")
    shown = [ex for topic in result.model.topics for ex in topic.examples]
    assert shown
    assert not any(ex.startswith("A-") or len(ex.split()) < 3 for ex in shown)
    for column in ("Номер анкеты", "Канал"):
        with pytest.raises(InputError, match=f"Столбец «{column}» источника «Жалобы") as info:
            pipeline.text_topics(ws, study, source_id="complaints", text_column=column)
        assert "не свободный текст" in str(info.value)
        assert "Ответ" in (info.value.hint or "")


def test_blank_answers_are_no_texts_and_make_no_topic(tmp_path: Path) -> None:
    """Walk-through: a survey's open question left blank by most respondents gave a topic
    «Nan» whose main words began with «nan». A blank or missing answer is no text: it is not
    counted and never a word."""
    rng = random.Random(8)
    n = 300
    answers: list[str | None] = [
        rng.choice([*PHRASES, "", None, None, "  "]) if i % 3 else None for i in range(n)
    ]
    frame = pd.DataFrame({"Канал": [rng.choice(["МФЦ", "ЕПГУ"]) for _ in range(n)]})
    frame["Что мешало"] = answers
    frame.to_csv(tmp_path / "answers.csv", sep=";", index=False)
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    study = pipeline.example_study("child-benefit")
    pipeline.import_dataset(ws, tmp_path / "answers.csv", study, "complaints", author="тест")
    written = sum(1 for a in answers if a and a.strip())
    assert pipeline.topic_columns(ws, study, "complaints") == ["Что мешало"]
    result = pipeline.text_topics(ws, study, source_id="complaints", n_topics=3)
    assert result.model.n_documents == written
    words = {w for topic in result.model.topics for w in topic.words}
    assert "nan" not in words
    assert not any(topic.name.lower().startswith("nan") for topic in result.model.topics)
