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
