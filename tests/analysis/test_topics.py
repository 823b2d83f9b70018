"""Topics of texts (M-9): short Russian names, distinct quotes, shares with intervals, and the
team's names and merges kept across re-runs."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from statsmodels.stats.proportion import proportion_confint

from segprofile import pipeline
from segprofile.analysis.texts import label_topics, lemmas, mine_topics, topic_name
from segprofile.errors import InputError
from segprofile.model.diff import describe_changes
from segprofile.model.spec_yaml import dump_study, load_study_text
from segprofile.model.study import TopicLabel, reference_problems

# Complaints written the way people write them: the same theme in many word forms, with
# greetings, dates and numbers, a few personal details, and skewed theme sizes.
_THEMES = {
    "queue": (
        "Стояла в очереди в МФЦ {n} часа с ребёнком.",
        "Очереди в МФЦ огромные, талонов нет уже к обеду.",
        "В МФЦ очередь на весь день, окно работает одно.",
        "Из-за очереди в МФЦ пришлось отпрашиваться с работы {n} раза.",
        "Очередь в МФЦ не двигалась, электронная очередь не работала.",
    ),
    "papers": (
        "Потребовали справку о доходах за {n} месяцев, хотя сведения есть у налоговой.",
        "Справки о доходах пришлось собирать по разным организациям.",
        "Без справки о доходах заявление не приняли.",
        "Снова попросили справки о доходах и копии документов.",
    ),
    "hotline": (
        "На горячей линии не отвечают по {n} минут.",
        "Дозвониться на горячую линию невозможно.",
        "Горячая линия дала неверную информацию о сроках.",
    ),
}
_WEIGHTS = {"queue": 0.42, "papers": 0.34, "hotline": 0.24}
_OPENINGS = ("Здравствуйте.", "Прошу разобраться.", "", "", "Добрый день.")
_CLOSINGS = ("Прошу принять меры.", "", "", "Надеюсь на ответ.")
_SEGMENTS = {"queue": ("МФЦ", 0.8), "papers": ("Лично", 0.7), "hotline": ("Портал", 0.6)}


def complaints(n: int = 240, seed: int = 3) -> tuple[list[str], list[str], list[str]]:
    """Seeded complaints: texts, their planted theme and their author's segment."""
    rng = random.Random(seed)
    texts, themes, segments = [], [], []
    for _ in range(n):
        theme = rng.choices(list(_WEIGHTS), list(_WEIGHTS.values()))[0]
        body = rng.choice(_THEMES[theme]).format(n=rng.randint(2, 9))
        if rng.random() < 0.1:
            body += " Звонила Ирина Петрова, телефон +7 916 123-45-67."
        text = " ".join(x for x in (rng.choice(_OPENINGS), body, rng.choice(_CLOSINGS)) if x)
        home, share = _SEGMENTS[theme]
        segment = home if rng.random() < share else rng.choice(["МФЦ", "Лично", "Портал"])
        texts.append(text)
        themes.append(theme)
        segments.append(segment)
    return texts, themes, segments


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str], list[str]]:
    return complaints()


def _topic_of(model, texts, themes, theme):  # type: ignore[no-untyped-def]
    """The topic whose name or words fit a planted theme best (by its main lemma)."""
    key = {"queue": "очередь", "papers": "справка", "hotline": "линия"}[theme]
    return next(t for t in model.topics if key in t.words[:3])


def test_topics_have_short_agreed_distinct_names(corpus) -> None:  # type: ignore[no-untyped-def]
    texts, themes, segments = corpus
    model = mine_topics(texts, segments=segments, n_topics=3)
    names = [t.name for t in model.topics]
    assert len(set(names)) == len(names)
    for name in names:
        assert name[:1].isupper()
        assert 1 <= len(name.split()) <= 5
    assert _topic_of(model, texts, themes, "queue").name in ("Очередь в МФЦ", "Очереди в МФЦ")
    assert _topic_of(model, texts, themes, "papers").name in (
        "Справка о доходах",
        "Справки о доходах",
    )
    assert _topic_of(model, texts, themes, "hotline").name == "Горячая линия"
    assert all(t.name_origin == "data" and t.signatures == [t.words] for t in model.topics)


def test_a_name_is_put_in_the_nominative_with_its_adjective_agreed() -> None:
    documents = [
        "Очень долгого ожидания никто не выдержит.",
        "Долгое ожидание ответа утомляет.",
        "Жалуюсь на долгое ожидание.",
        "Из-за долгого ожидания потеряли выплату.",
    ]
    others = ["Спасибо за быстрый ответ.", "Ответ пришёл вовремя.", "Выплату получили."]
    assert topic_name(documents, others) == "Долгое ожидание"
    # Without a phrase in a fifth of the texts: the two most telling nouns, in the texts' number.
    nouns = ["Принесли документы.", "Документы и справки потеряли.", "Справки не приняли."]
    assert topic_name(nouns, others) == "Документы и справки"


def test_examples_are_distinct_sentences_and_masked(corpus) -> None:  # type: ignore[no-untyped-def]
    texts, _, _ = corpus
    model = mine_topics(texts, n_topics=3)
    shown: list[str] = []
    for topic in model.topics:
        assert topic.examples
        bags = [frozenset(lemmas(e)) for e in topic.examples]
        assert len(set(bags)) == len(bags), topic.examples  # no sentence twice, even reworded
        for example in topic.examples:
            assert "916" not in example
            assert "Петрова" not in example
            assert example.count(".") <= 1  # one sentence, not a whole complaint
            assert len(lemmas(example)) >= 3  # no greetings
        shown += topic.examples
    assert len(shown) == len(set(shown))


def test_shares_per_segment_carry_wilson_intervals(corpus) -> None:  # type: ignore[no-untyped-def]
    texts, _, segments = corpus
    model = mine_topics(texts, segments=segments, n_topics=3)
    totals = Counter(segments)
    for share in model.by_segment:
        assert share.texts == totals[share.segment]
        assert share.share == pytest.approx(share.documents / share.texts)
        low, high = proportion_confint(share.documents, share.texts, method="wilson")
        assert share.interval is not None
        assert share.interval.low == pytest.approx(low, abs=1e-9)
        assert share.interval.high == pytest.approx(high, abs=1e-9)
    for segment in totals:
        assert sum(s.share for s in model.by_segment if s.segment == segment) == pytest.approx(1)


def test_topics_are_deterministic(corpus) -> None:  # type: ignore[no-untyped-def]
    texts, _, segments = corpus
    assert mine_topics(texts, segments=segments) == mine_topics(texts, segments=segments)


def test_the_teams_name_and_merge_survive_a_rerun(corpus) -> None:  # type: ignore[no-untyped-def]
    texts, themes, segments = corpus
    model = mine_topics(texts, segments=segments, n_topics=3)
    queue = _topic_of(model, texts, themes, "queue")
    papers = _topic_of(model, texts, themes, "papers")
    hotline = _topic_of(model, texts, themes, "hotline")
    labels = [
        TopicLabel(id="t1", source="complaints", name="Очереди", topics=queue.signatures),
        TopicLabel(
            id="t2",
            source="complaints",
            name="Документы и связь",
            topics=[*papers.signatures, *hotline.signatures],
        ),
        TopicLabel(id="t3", source="complaints", name="Старая тема", topics=[["погода", "дождь"]]),
    ]
    # A re-run on new texts of the same kind: topics are found anew and matched by lemmas.
    new_texts, _, new_segments = complaints(n=300, seed=9)
    again = label_topics(mine_topics(new_texts, segments=new_segments, n_topics=3), labels)
    by_name = {t.name: t for t in again.topics}
    assert set(by_name) == {"Очереди", "Документы и связь"}
    assert all(t.name_origin == "team" for t in again.topics)
    merged = by_name["Документы и связь"]
    assert len(merged.signatures) == 2
    assert merged.label_id == "t2"
    assert again.n_topics == 2
    assert again.unmatched_labels == ["Старая тема"]
    assert sum(t.documents for t in again.topics) == again.n_documents
    assert sum(t.share for t in again.topics) == pytest.approx(1)
    for segment in set(new_segments):
        cells = [s for s in again.by_segment if s.segment == segment]
        assert sum(s.share for s in cells) == pytest.approx(1)
        assert {s.topic for s in cells} <= {t.index for t in again.topics}


def test_pipeline_saves_names_in_the_study(corpus) -> None:  # type: ignore[no-untyped-def]
    texts, themes, _ = corpus
    model = mine_topics(texts, n_topics=3)
    queue = _topic_of(model, texts, themes, "queue")
    papers = _topic_of(model, texts, themes, "papers")
    study = pipeline.example_study("child-benefit")
    named = pipeline.set_topic_name(study, "complaints", queue.signatures, "  Очереди  в МФЦ ")
    assert [(t.name, t.source) for t in named.topic_labels] == [("Очереди в МФЦ", "complaints")]
    assert load_study_text(dump_study(named)) == named
    assert describe_changes(study.model_dump(mode="json"), named.model_dump(mode="json")) == [
        "Добавлено название темы «Очереди в МФЦ»"
    ]
    renamed = pipeline.set_topic_name(named, "complaints", queue.signatures, "Очереди")
    assert len(renamed.topic_labels) == 1
    assert describe_changes(named.model_dump(mode="json"), renamed.model_dump(mode="json")) == [
        "Изменён текст названия темы «Очереди в МФЦ»: «Очереди в МФЦ» → «Очереди»"
    ]
    merged = pipeline.merge_topics(
        renamed, "complaints", [queue.signatures, papers.signatures], "Визиты"
    )
    assert len(merged.topic_labels) == 1
    assert merged.topic_labels[0].topics == [*queue.signatures, *papers.signatures]
    cleared = pipeline.set_topic_name(merged, "complaints", queue.signatures, "")
    assert cleared.topic_labels == []
    with pytest.raises(InputError, match="хотя бы две темы"):
        pipeline.merge_topics(study, "complaints", [queue.signatures], "Одна")
    with pytest.raises(InputError, match="не содержит текстов"):
        pipeline.set_topic_name(study, "population", queue.signatures, "Тема")
    broken = named.model_copy(deep=True)
    broken.topic_labels[0].source = "nowhere"
    assert any(path[0] == "topic_labels" for path, _ in reference_problems(broken))
