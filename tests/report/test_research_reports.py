"""What the research part of the report says: evidence the team confirmed, one labelling rule,
nothing shown for nothing, the topics of free-text answers."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from segprofile import pipeline
from segprofile.model.results import Profile
from segprofile.model.study import Evidence, EvidenceKind, Hypothesis, Study
from segprofile.report.build import Report, Table, build_report
from sp_factories import SMALL_STUDY, make_records

SURVEY = "Опрос получателей, ноябрь 2026"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Profile]:
    import pyarrow.parquet as pq

    data = tmp_path_factory.mktemp("research-reports")
    pq.write_table(make_records(1500, seed=11), data / "records.parquet")
    study = Study.model_validate(copy.deepcopy(SMALL_STUDY))
    ws = pipeline.Workspace.in_folder(Path(data) / "ws", data_dir=data)
    return study, pipeline.profile_study(ws, study)


def table(report: Report, name: str) -> Table:
    for sec in report.sections:
        for t in sec.tables():
            if t.name == name:
                return t
    raise AssertionError(f"no table {name}")


def with_hypothesis(study: Study, hypothesis: Hypothesis) -> Study:
    return study.model_copy(update={"hypotheses": [hypothesis]})


def test_evidence_is_what_the_team_confirmed_said_once(built: tuple[Study, Profile]) -> None:
    study, profile = built
    survey_figures = "ответили «нет» на вопрос «Было легко» 106 из 144; 74 %"
    hyp = Hypothesis(
        id="h1",
        kind="need",
        statement="Получить выплату без повторных справок",
        segments=["channel=mfc"],
        status="confirmed",
        evidence=[
            Evidence(
                kind=EvidenceKind.survey,
                summary=f"Канал подачи: МФЦ: {survey_figures}",
                source=f"{SURVEY}, Было легко",
            ),
            Evidence(
                kind=EvidenceKind.interview,
                summary="Цитата из интервью предложена программой (справка; оценка 0,29); "
                "ждёт подтверждения.",
                source="interview1.txt",
                quote="Справки носила три раза.",
                suggested=True,
            ),
            Evidence(
                kind=EvidenceKind.interview,
                summary="Цитата из интервью, подтверждена исследователем (Анна, 01.12.2026).",
                source="interview2.txt",
                quote="Звонила [телефон], никто не ответил.",
            ),
        ],
        verdict_reason=f"Опрос «{SURVEY}»: Подтверждена для: Канал подачи: МФЦ: доля 74 %",
    )
    report = build_report(profile, with_hypothesis(study, hyp), figures=False)
    evidence = str(table(report, "hypotheses").rows[0][-1])
    # A proposed quote is not evidence; a confirmed one is shown with its (masked) words.
    assert "ждёт подтверждения" not in evidence
    assert "Справки носила" not in evidence
    assert "Интервью: «Звонила [телефон], никто не ответил.» (interview2.txt)" in evidence
    # The survey's figures once: in the verdict's reason, not again as its evidence.
    assert survey_figures not in evidence
    assert evidence.count("МФЦ") == 1
    assert evidence.endswith(hyp.verdict_reason)


def test_two_enough_answers_numbers_say_what_each_is(built: tuple[Study, Profile]) -> None:
    from segprofile.analysis.priority import min_ratings
    from segprofile.analysis.research.sample_sizes import survey_sample_sizes

    study, profile = built
    assert profile.priority is not None
    rules = " ".join(profile.priority.rules)
    needed = min_ratings(study)
    # The survey plan corrects for the segment's size: a segment of 1 000 clients needs fewer.
    sizes = {s.key: s for s in survey_sample_sizes(study, profile)}
    assert sizes["channel=epgu"].needed < needed == 97
    # …and the priority rules say theirs is the number without that correction.
    assert f"меньше {needed} оценок" in rules
    assert "без поправки на численность сегмента" in rules
    assert "с поправкой на численность сегмента" in rules


def test_nothing_prioritised_no_steadiness_table(built: tuple[Study, Profile]) -> None:
    study, profile = built
    assert profile.priority is not None
    nothing = profile.model_copy(
        update={
            "priority": profile.priority.model_copy(
                update={
                    "top": [],
                    "sensitivity": [
                        r.model_copy(update={"top": [], "entered": [], "left": []})
                        for r in profile.priority.sensitivity
                    ],
                }
            )
        }
    )
    report = build_report(nothing, study, figures=False)
    section = next(s for s in report.sections if s.id == "priority")
    assert [t.name for t in section.tables()] == []
    text = " ".join(getattr(b, "text", "") for b in section.blocks)
    assert "Устойчивость первых 0" not in text
    assert "Приоритетных сегментов нет" in text


def test_steady_top_is_one_sentence(built: tuple[Study, Profile]) -> None:
    study, profile = built
    assert profile.priority is not None
    assert profile.priority.top
    steady = profile.model_copy(
        update={
            "priority": profile.priority.model_copy(
                update={
                    "sensitivity": [
                        r.model_copy(update={"entered": [], "left": []})
                        for r in profile.priority.sensitivity
                    ]
                }
            )
        }
    )
    report = build_report(steady, study, figures=False)
    section = next(s for s in report.sections if s.id == "priority")
    assert "sensitivity" not in [t.name for t in section.tables()]
    text = " ".join(getattr(b, "text", "") for b in section.blocks)
    assert f"Состав приоритетных сегментов ({len(profile.priority.top)}) не меняется" in text


# --- One labelling rule: segments table, headings, quotas, guides, reports ---------------------

LABELS_STUDY = {
    "id": "labels",
    "title": "Подписи сегментов",
    "scope": {
        "kind": "service",
        "title": "Выплата",
        "body": "Министерство",
        "client_types": ["citizen"],
    },
    "data_sources": [
        {
            "id": "records",
            "kind": "client_records",
            "path": "records.parquet",
            "id_column": "client_id",
        }
    ],
    "features": [
        {"id": "income", "column": "income", "label": "Доход, руб.", "type": "numeric"},
        {"id": "region", "column": "region", "label": "Регион"},
    ],
    "segmentation": {"satisfaction": {"column": "satisfaction"}},
    "hypotheses": [
        {
            "id": "h1",
            "kind": "need",
            "statement": "Получить выплату без повторных справок о доходах",
            "segments": ["income=<28522,8"],
        },
        {
            "id": "h2",
            "kind": "problem",
            "statement": "Сайт не позволяет записаться на приём",
            "segments": ["region=московская область"],
        },
    ],
}


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Profile, Path]:
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(7)
    n = 2000
    data = tmp_path_factory.mktemp("labels")
    pq.write_table(
        pa.table(
            {
                "client_id": [f"c{i:05d}" for i in range(n)],
                # whole roubles, skewed; the quartiles fall between whole values
                "income": [int(rng.lognormvariate(10.6, 0.5)) for _ in range(n)],
                # the data write regions in lower case
                "region": rng.choices(
                    ["тульская область", "московская область", "калужская область"],
                    [70, 20, 10],
                    k=n,
                ),
                "satisfaction": [rng.choice([1, 2, 3, 4, 5, 5, 4]) for _ in range(n)],
            }
        ),
        data / "records.parquet",
    )
    study = Study.model_validate(copy.deepcopy(LABELS_STUDY))
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(data / "ws", data_dir=data), study
    )
    return study, profile, data


def test_one_label_rule_everywhere(labelled: tuple[Study, Profile, Path]) -> None:
    from segprofile.analysis.research import draw_candidates, interview_guides
    from segprofile.data.engine import Engine, open_source
    from segprofile.pipeline.profile import segment_labels

    study, profile, data = labelled
    income = next(fs for fs in profile.by_feature if fs.feature_id == "income")
    # Whole roubles: thresholds are whole, thousands spaced, in the heading as in the rows.
    first, *_, last = [s.label for s in income.segments if s.value != "NA"]
    assert re.fullmatch(r"Менее \d{2}\s\d{3}", first), first
    assert re.fullmatch(r"\d{2,3}\s\d{3} и более", last), last
    assert "," not in first + last
    threshold = first.removeprefix("Менее ")
    assert " ".join(income.binning.split()).startswith(f"квантили: {threshold}; ")
    # The label the segments table shows is the one the guides, quotas and reports use.
    known = segment_labels(profile)
    low = next(s.key for s in income.segments if s.label == first)
    assert known[low] == f"Доход, руб.: {first}"
    assert known["region=московская область"] == "Регион: Московская область"
    study = study.model_copy(
        update={
            "hypotheses": [
                h.model_copy(update={"segments": [low]}) if h.id == "h1" else h
                for h in study.hypotheses
            ]
        }
    )
    guides = {g.segment: g.label for g in interview_guides(study, known=known)}
    assert guides == {
        low: f"Доход, руб.: {first}",
        "region=московская область": "Регион: Московская область",
    }
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        pool = draw_candidates(study, records, id_column="client_id", limit=300, seed=1)
    finally:
        engine.close()
    assert pool.labels[low] == f"Доход, руб.: {first}"
    assert pool.labels["region=московская область"] == "Регион: Московская область"
    report = build_report(profile, study, figures=False)
    hyps = table(report, "hypotheses")
    assert [r[3] for r in hyps.rows] == [f"Доход, руб.: {first}", "Регион: Московская область"]


# --- Topics of free-text answers in the research section ----------------------------------------

OPEN_ANSWERS = {
    "В МФЦ очередь, записаться невозможно": 38,
    "Мало информации на сайте министерства": 36,
    "Всё хорошо, спасибо": 34,
    "Сайт постоянно зависает при загрузке документов": 34,
    "Непонятно, какие документы нужны для многодетных": 33,
    "Сотрудники вежливые, но сроки затягивают": 31,
    "Позвоните мне, мой телефон 8-905-111-22-33, расскажу подробнее": 29,
    "Долго ждать решения, больше месяца": 28,
    "Нет": 26,
}


def test_report_lists_the_team_topics(
    built: tuple[Study, Profile], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import io
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq
    from docx import Document
    from openpyxl import load_workbook

    from segprofile.analysis.texts import mine_topics
    from segprofile.report.docx import render_docx
    from segprofile.report.pdf import render_html
    from segprofile.report.xlsx import render_xlsx

    texts = [t for t, n in OPEN_ANSWERS.items() for _ in range(n)]
    random.Random(5).shuffle(texts)
    data = tmp_path_factory.mktemp("topics")
    pq.write_table(make_records(1500, seed=11), data / "records.parquet")
    pq.write_table(
        pa.table({"answer": texts, "mark": [i % 5 + 1 for i in range(len(texts))]}),
        data / "answers.parquet",
    )
    found = {t.name: t for t in mine_topics(texts, random_state=42).topics}
    queue = next(t for name, t in found.items() if "очеред" in name.lower())
    site = [
        next(t for t in found.values() if "министерство" in t.words),
        next(t for t in found.values() if "зависать" in t.words),
    ]
    doc = copy.deepcopy(SMALL_STUDY)
    doc["data_sources"].append(
        {"id": "answers", "kind": "other", "path": "answers.parquet", "title": "Открытые ответы"}
    )
    doc["topic_labels"] = [
        {"id": "queue", "source": "answers", "name": "Очереди в МФЦ", "topics": queue.signatures},
        {
            "id": "site",
            "source": "answers",
            "name": "Сайт министерства",
            "topics": [s for t in site for s in t.signatures],
        },
    ]
    study = Study.model_validate(doc)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(data / "ws", data_dir=data), study
    )
    assert [t.source for t in profile.topics] == ["answers"]
    report = build_report(profile, study, figures=False)
    topics = table(report, "topics")
    rows = {r[0]: r for r in topics.rows}
    assert rows["Очереди в МФЦ"][1] == OPEN_ANSWERS["В МФЦ очередь, записаться невозможно"]
    assert rows["Сайт министерства"][1] == sum(t.documents for t in site)
    # «Нет» is no text; the phone number is masked in the typical texts.
    assert sum(r[1] for r in topics.rows) == sum(OPEN_ANSWERS.values()) - OPEN_ANSWERS["Нет"]
    assert "Нет" not in rows
    everything = "\n".join(str(c) for r in topics.rows for c in r)
    assert "111-22-33" not in everything
    assert "«В МФЦ очередь, записаться невозможно»" in str(rows["Очереди в МФЦ"][4])
    # Every format shows them.
    html = render_html(report)
    assert "Очереди в МФЦ" in html
    assert "Сайт министерства" in html
    assert "905-111" not in html
    docx_text = "\n".join(
        c.text
        for t in Document(io.BytesIO(render_docx(report))).tables
        for r in t.rows
        for c in r.cells
    )
    assert "Очереди в МФЦ" in docx_text
    book = load_workbook(io.BytesIO(render_xlsx(build_report(profile, study, figures=False))))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "Сайт министерства" in cells


def test_examples_of_a_small_topic_are_not_shown(built: tuple[Study, Profile]) -> None:
    from segprofile.model.results import SourceTopics, Topic, TopicModel

    study, profile = built
    small = Topic(
        index=0,
        name="Редкая тема",
        words=["приём"],
        documents=3,
        share=0.03,
        examples=["Один раз ходила на приём"],
    )
    big = Topic(
        index=1,
        name="Очереди",
        words=["очередь"],
        documents=97,
        share=0.97,
        examples=["Очередь в МФЦ"],
    )
    with_topics = profile.model_copy(
        update={
            "topics": [
                SourceTopics(
                    source="answers",
                    text_column="answer",
                    model=TopicModel(n_documents=100, n_topics=2, topics=[big, small]),
                )
            ]
        }
    )
    rows = {r[0]: r for r in table(build_report(with_topics, study, figures=False), "topics").rows}
    assert rows["Очереди"][4] == "«Очередь в МФЦ»"
    assert rows["Редкая тема"][4] == "—"
