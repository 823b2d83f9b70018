"""Texts (M-9): masking on import, encodings, DOCX, quote tagging, topic mining."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segprofile import pipeline
from segprofile.analysis.texts import (
    decode_text,
    import_note,
    lemmas,
    mask_personal_data,
    mine_topics,
    note_from_text,
    quote_evidence,
    read_text,
    split_quotes,
    tag_quotes,
    texts_with_segments,
    topic_evidence,
)
from segprofile.data.engine import Engine, open_source
from segprofile.errors import InputError

PLANTED = (
    "Меня зовут Мария Петровна Иванова, мой телефон +7 (912) 345-67-89, почта "
    "maria.ivanova@mail.ru. Звонила также 8 912 345 67 89 и 89123456789. Сотрудник Сидоров "
    "А. В. сказал прийти в МФЦ за справкой. Ольга сказала, что очередь была на час. "
    "Заявление подано 10.04.2024, решение через 16 рабочих дней."
)


def _found(counts: dict[str, int]) -> dict[str, int]:
    """The kinds that were masked (counts carry every kind, zeros included)."""
    return {kind: n for kind, n in counts.items() if n}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("child-benefit-texts")
    pipeline.generate_demo_data("child-benefit", data, rows=20000, seed=42)
    return data


def test_masking_removes_names_phones_and_emails() -> None:
    masked = mask_personal_data(PLANTED)
    for planted in (
        "Мария",
        "Петровна",
        "Иванова",
        "Сидоров",
        "А. В.",
        "Ольга",
        "912",
        "89123456789",
        "maria.ivanova",
        "mail.ru",
    ):
        assert planted not in masked.text
    assert _found(masked.counts) == {"emails": 1, "phones": 3, "names": 3}
    # Ordinary words, dates and counts stay.
    for word in ("Меня зовут", "МФЦ", "справкой", "очередь", "10.04.2024", "16 рабочих дней"):
        assert word in masked.text
    assert "[имя], мой телефон [телефон], почта [e-mail]" in masked.text


def test_masking_leaves_ordinary_capitalised_words() -> None:
    text = "Роза цветёт в саду. Госуслуги работают. Социальный фонд принял заявление."
    assert mask_personal_data(text).text == text


def test_example_interview_notes_have_nothing_to_mask(demo: Path) -> None:
    notes = pd.read_parquet(demo / "interviews.parquet")
    for text in notes["text"]:
        assert mask_personal_data(text).total == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8_r", "cp866"])
def test_text_files_in_russian_encodings(encoding: str) -> None:
    text = "Респондентка рассказала, что ждала решения три недели и дважды ездила в МФЦ."
    assert decode_text(text.encode(encoding)) == text


def test_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(bytes(range(128, 256)) * 4 + b"\x00\x01")
    with pytest.raises(InputError, match="кодировку"):
        read_text(path)
    with pytest.raises(InputError, match="не поддерживается"):
        read_text(tmp_path / "note.pdf", data=b"%PDF")


def test_docx_and_txt_import_mask_on_the_way_in(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("Интервью с Анной Сергеевной Кузнецовой, тел. 8-912-345-67-89.")
    document.add_paragraph("«Я не знала, что можно подать заявление через Госуслуги».")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Почта"
    table.cell(0, 1).text = "anna@example.org"
    path = tmp_path / "interview.docx"
    document.save(str(path))
    note = import_note(path)
    assert note.source == "interview.docx"
    assert "Кузнецов" not in note.text
    assert "Анн" not in note.text
    assert "anna@example.org" not in note.text
    assert "912" not in note.text
    assert _found(note.masked) == {"emails": 1, "phones": 1, "names": 1}
    assert any("Госуслуги" in q for q in note.quotes)
    txt = tmp_path / "note.txt"
    txt.write_bytes("Звонил Пётр Иванович Смирнов.".encode("cp1251"))
    assert import_note(txt).text == "Звонил [имя]."
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="DOCX"):
        import_note(broken)


def test_lemmas_and_sentences() -> None:
    assert lemmas("Справки потребовали в МФЦ") == ["справка", "потребовать", "мфц"]
    assert split_quotes("Первое. «Второе» — сказала она. Третье!") == [
        "Первое.",
        "«Второе» — сказала она.",
        "Третье!",
    ]


def test_quote_is_tagged_to_the_matching_hypothesis() -> None:
    study = pipeline.example_study("child-benefit")
    note = note_from_text(
        "О подаче через Госуслуги я не знала и поехала в МФЦ. Погода была хорошая.",
        source="R100",
    )
    suggestions = tag_quotes(note.quotes, study.hypotheses)
    assert suggestions
    best = suggestions[0]
    assert best.hypothesis == "p_unaware_epgu"
    assert {"госуслуга", "мфц"} <= set(best.lemmas)
    assert all("Погода" not in s.quote for s in suggestions)
    evidence = quote_evidence(best, source="interviews: R100")
    assert evidence.kind.value == "interview"
    assert evidence.quote == best.quote
    refusal = tag_quotes(
        ["Отказ пришёл одной строчкой, что делать дальше — непонятно."], study.hypotheses
    )
    assert refusal[0].hypothesis == "n_clear_decision"


def test_topics_of_the_example_complaints_match_the_planted_themes(demo: Path) -> None:
    complaints = pd.read_parquet(demo / "complaints.parquet")
    texts = list(complaints["text"])
    model = mine_topics(texts, segments=list(complaints["channel"]))
    assert 4 <= model.n_topics <= 12
    assert model.chosen_by
    words = [set(t.words) for t in model.topics]

    def topic_of(*lemmas_: str) -> int:
        found = [i for i, w in enumerate(words) if w & set(lemmas_)]
        assert found, lemmas_
        return found[0]

    documents = topic_of("справка")
    queue = topic_of("очередь")
    refusal = topic_of("отказ", "отказать")
    waiting = topic_of("ждать", "срок", "рассмотрение")
    assert len({documents, queue, refusal}) == 3
    assert waiting not in (documents, queue)
    # The documents most typical of the queue topic are queue complaints.
    queue_topic = model.topics[queue]
    assert all("очеред" in ex.lower() or "мфц" in ex.lower() for ex in queue_topic.examples)
    assert sum(t.documents for t in model.topics) == model.n_documents
    for segment in set(complaints["channel"]):
        shares = [s.share for s in model.by_segment if s.segment == segment]
        assert sum(shares) == pytest.approx(1.0)
    again = mine_topics(texts, segments=list(complaints["channel"]))
    assert again == model
    evidence = topic_evidence(model, queue_topic.index, source="complaints.parquet")
    assert evidence.kind.value == "complaint"
    assert evidence.value == pytest.approx(queue_topic.share)
    fixed = mine_topics(texts, n_topics=3)
    assert fixed.n_topics == 3
    with pytest.raises(InputError):
        mine_topics(["да", "нет"])


def test_complaints_joined_to_segments_in_the_engine(demo: Path) -> None:
    study = pipeline.example_study("child-benefit")
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), demo)  # type: ignore[arg-type]
        complaints = open_source(engine, study.data_source("complaints"), demo)
        texts, labels = texts_with_segments(
            study,
            records,
            complaints.table,
            text_column="text",
            id_column="client_id",
            records_id="client_id",
            feature_id="channel",
        )
        total = complaints.count()
    finally:
        engine.close()
    assert len(texts) == len(labels) == total
    assert set(labels) <= {"Портал Госуслуг (ЕПГУ)", "МФЦ", "Клиентская служба СФР (лично)"}
    model = mine_topics(texts, segments=labels)
    assert {s.segment for s in model.by_segment} == set(labels)


def test_texts_of_no_known_client_say_so(demo: Path, tmp_path: Path) -> None:
    """Complaints whose author is no client of the records are «Не связаны с клиентами», not
    «Нет данных» (which is a client whose value is missing): the page says why."""
    study = pipeline.example_study("child-benefit")
    records = pd.read_parquet(demo / "records.parquet")
    known = list(records["client_id"][:30])
    authors = known + [f"x{i:05d}" for i in range(12)]
    texts = [f"долго ждали ответа по заявлению номер {i}" for i in range(len(authors))]
    pd.DataFrame({"client_id": authors, "text": texts}).to_parquet(tmp_path / "c.parquet")
    (tmp_path / "records.parquet").write_bytes((demo / "records.parquet").read_bytes())
    source = study.data_source("complaints").model_copy(update={"path": "c.parquet"})
    engine = Engine.duckdb()
    try:
        opened = open_source(engine, study.client_records(), tmp_path)  # type: ignore[arg-type]
        complaints = open_source(engine, source, tmp_path)
        _texts, labels = texts_with_segments(
            study,
            opened,
            complaints.table,
            text_column="text",
            id_column="client_id",
            records_id="client_id",
            feature_id="channel",
        )
    finally:
        engine.close()
    assert labels.count("Не связаны с клиентами") == 12
    assert "Нет данных" not in labels
