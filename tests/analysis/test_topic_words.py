"""Topics of open answers name what the texts say: no filler word in every topic, no refusal
counted as a text, a comparative not read as its adjective."""

from __future__ import annotations

import random

from segprofile.analysis.texts import is_non_answer, lemmas, mine_topics

ANSWERS = {
    "В МФЦ очередь, записаться невозможно": 38,
    "Мало информации на сайте министерства": 36,
    "Всё хорошо, спасибо": 34,
    "Сайт постоянно зависает при загрузке документов": 34,
    "Непонятно, какие документы нужны для многодетных": 33,
    "Хотелось бы узнавать статус заявления в личном кабинете": 31,
    "Сотрудники вежливые, но сроки затягивают": 31,
    "Удобно подавать через Госуслуги": 28,
    "Долго ждать решения, больше месяца": 28,
    "Требуют справку о доходах, хотя она есть в налоговой": 22,
    "Нет": 26,
    "-": 9,
    "не знаю": 7,
    "Затрудняюсь ответить": 5,
}


def answers() -> list[str]:
    texts = [t for t, n in ANSWERS.items() for _ in range(n)] + [""] * 30
    random.Random(3).shuffle(texts)
    return texts


def test_refusals_are_not_texts() -> None:
    for text in ("Нет", "нет.", "-", " — ", "Не знаю", "затрудняюсь ответить", "", "?"):
        assert is_non_answer(text), text
    for text in ("Нет очереди", "Всё хорошо", "Сайт не работает", "Долго"):
        assert not is_non_answer(text), text
    model = mine_topics(answers(), random_state=1)
    refusals = ANSWERS["Нет"] + ANSWERS["-"] + ANSWERS["не знаю"] + ANSWERS["Затрудняюсь ответить"]
    assert model.n_documents == sum(ANSWERS.values()) - refusals
    assert sum(t.documents for t in model.topics) == model.n_documents


def test_comparative_is_its_own_word() -> None:
    assert "большой" not in lemmas("Долго ждать решения, больше месяца")
    assert "долгий" not in lemmas("Ждать дольше месяца")


def test_no_word_names_every_topic() -> None:
    model = mine_topics(answers(), random_state=1)
    assert len(model.topics) >= 5
    seen: dict[str, int] = {}
    for topic in model.topics:
        assert topic.words
        for word in topic.words:
            seen[word] = seen.get(word, 0) + 1
    # A word of one kind of answer («долго», «госуслуга») is a word of one or two topics,
    # never of most of them.
    assert max(seen.values()) <= 2, seen
    assert "большой" not in seen
