"""The topics page (M-9): topic names, shares with intervals, and the team's renames and merges
saved as revisions and applied on the next visit."""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import workspace_for
from segprofile.web.studies.templatetags.studies_tags import num

EXAMPLE = "child-benefit"
QUERY = {"source": "complaints", "feature": "channel", "n_topics": "4"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cb-topics")
    pipeline.generate_demo_data(EXAMPLE, directory, rows=4000, seed=11)
    return directory


@pytest.fixture
def study(user: User, data: Path) -> Study:
    study = Study.create_from_document(
        pipeline.example_study(EXAMPLE), owner=user, comment="пример"
    )
    for path in data.iterdir():
        shutil.copy(path, study.data_dir() / path.name)
    return study


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _signatures(text: str) -> list[str]:
    """The topics as the rename forms post them, in the order of the page (raw HTML)."""
    found = re.findall(
        r'name="action" value="rename">\s*<input type="hidden" name="topic" value="([^"]+)"', text
    )
    return [html_lib.unescape(v) for v in found]


def test_topics_are_named_and_shares_have_intervals(study: Study, client_in: Client) -> None:
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    text = _text(client_in.get(url, QUERY))
    model = pipeline.text_topics(
        workspace_for(study),
        study.current_revision().to_document(),
        source_id="complaints",
        feature_id="channel",
        n_topics=4,
    ).model
    for topic in model.topics:
        assert f"<strong>{topic.name}</strong>" in text
    share = model.by_segment[0]
    assert share.interval is not None
    low, high = round(share.interval.low * 100), round(share.interval.high * 100)
    assert f"({low}–{high}\u00a0%; {share.documents})" in text.replace("&nbsp;", "\u00a0")


@pytest.mark.django_db
def test_rename_and_merge_are_revisions_applied_on_the_next_visit(
    study: Study, client_in: Client
) -> None:
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    names_url = reverse("studies:topic_names", kwargs={"pk": study.pk})
    page = _text(client_in.get(url, QUERY))
    topics = _signatures(client_in.get(url, QUERY).content.decode())
    assert len(topics) == 4
    before = study.revisions.count()
    response = client_in.post(
        names_url, {"action": "rename", "topic": topics[0], "name": "Наша тема", **QUERY}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(url + "?")
    assert study.revisions.count() == before + 1
    page = _text(client_in.get(url, QUERY))
    assert '<strong>Наша тема</strong> <span class="tag">название команды</span>' in page
    response = client_in.post(
        names_url, {"action": "merge", "topic": topics[1:3], "name": "Вместе", **QUERY}
    )
    assert response.status_code == 302
    document = study.current_revision().to_document()
    assert sorted(t.name for t in document.topic_labels) == ["Вместе", "Наша тема"]
    merged = next(t for t in document.topic_labels if t.name == "Вместе")
    assert merged.topics == [*json.loads(topics[1]), *json.loads(topics[2])]
    page = _text(client_in.get(url, QUERY))
    assert "<strong>Вместе</strong>" in page
    assert len(_signatures(client_in.get(url, QUERY).content.decode())) == 3


@pytest.mark.django_db
def test_bad_topic_posts_change_nothing(study: Study, client_in: Client) -> None:
    names_url = reverse("studies:topic_names", kwargs={"pk": study.pk})
    before = study.revisions.count()
    cases = (
        ({"action": "rename", "topic": "not json", "name": "x", **QUERY}, "Тема не распознана"),
        (
            {"action": "rename", "topic": '[["a"]]', "name": "x", "source": "population"},
            "не содержит текстов",
        ),
        ({"action": "merge", "topic": '[["a"]]', "name": "x", **QUERY}, "хотя бы две темы"),
        (
            {"action": "merge", "topic": ['[["a"]]', '[["b"]]'], "name": " ", **QUERY},
            "Укажите название объединённой темы",
        ),
    )
    for data, message in cases:
        response = client_in.post(names_url, data, follow=True)
        assert response.status_code in (200, 400)
        assert message in _text(response)
    assert study.revisions.count() == before


@pytest.mark.django_db
def test_only_text_columns_are_offered_and_ids_are_refused(study: Study, client_in: Client) -> None:
    """Walk-through: topics over «Номер анкеты» gave a topic of pseudonyms as its «typical
    texts». Only the columns of free text are offered; another one posted is refused."""
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    response = client_in.get(url, QUERY)
    page = response.content.decode()
    select = re.search(r'<select name="column"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert re.findall(r'<option value="([^"]*)"', select.group(1)) == ["", "text"]
    for column in ("client_id", "complaint_id", "channel"):
        response = client_in.get(url, {**QUERY, "column": column})
        assert response.status_code == 400
        text = _text(response)
        assert f"Столбец «{column}» источника «Жалобы на платформе" in text
        assert "не свободный текст" in text
        assert "text." in text
        assert "<strong>" not in text  # no topics, no «typical texts»


@pytest.mark.django_db
def test_topics_page_speaks_plain_russian(study: Study, client_in: Client) -> None:
    """The source by its title, how distinct the topics are in words (no «силуэт»), the method
    in small print, and texts of no known client named as such with the reason."""
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    text = _text(client_in.get(url, QUERY))
    assert "Тем: 4 в " in text
    # The count of texts as every number is shown: digits grouped («1 925», never «1925»).
    docs = re.search(r"Тем: 4 в ([\d\u00a0\u202f ]+) текст", text)
    assert docs is not None
    count = int(re.sub(r"\D", "", docs.group(1)))
    assert docs.group(1) == num(count)
    assert "текстах («Жалобы на платформе обратной связи" in text
    assert "(complaints," not in text
    assert "силуэт" not in text
    chosen = re.search(r'id="topics-chosen-by">([^<]*)<', text)
    assert chosen is not None
    assert chosen.group(1).startswith("Число тем задано: 4. Темы ")
    assert "различаются" in chosen.group(1)
    assert "Как найдены темы: слова приведены к начальной форме" in text
    assert "(TF-IDF, NMF)" not in text
    assert "<tr><td>Нет данных</td>" not in text
    if "<tr><td>Не связаны с клиентами</td>" in text:
        assert "автор которых не найден среди клиентов исследования" in text


OPEN_ANSWERS = (
    "долго ждала решения, звонила в клиентскую службу три раза",
    "сайт Госуслуг не открывался с телефона, пришлось идти в МФЦ",
    "не понятно какие справки о доходах нужны",
    "  всё нормально, но очередь в МФЦ была большая  ",
    "",
    None,
    "не знаю",
    "отказали из-за дохода, хотя я одна с двумя детьми",
)


def _survey_with_open_answers(study: Study) -> None:
    """The example's survey with an open question, as answers come: blanks, gaps, «не знаю»."""
    import pandas as pd

    path = study.data_dir() / "survey.parquet"
    frame = pd.read_parquet(path)
    answers = [OPEN_ANSWERS[i % len(OPEN_ANSWERS)] for i in range(len(frame))]
    frame.assign(**{"Что мешало подать заявление": answers}).to_parquet(path)


def _column_options(page: str) -> tuple[list[str], list[str]]:
    """The options of the column list and the selected ones (raw HTML)."""
    select = re.search(r'<select name="column"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"', select.group(1))
    chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return [html_lib.unescape(o) for o in options], [html_lib.unescape(c) for c in chosen]


@pytest.mark.django_db
def test_the_column_list_follows_the_texts_chosen(study: Study, client_in: Client) -> None:
    """Walk-through: switching the texts from the complaints to the survey kept the complaints'
    column «text», which the survey has not. Switching asks HTMX for the texts' own columns; a
    column of other texts is never kept, one they share is."""
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    part = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "topics-column"}
    # A survey without open answers: an empty list, and why.
    closed = client_in.get(url, {**QUERY, "source": "survey", "column": "text"}, **part)
    assert _column_options(closed.content.decode()) == ([""], [""])
    assert "нет столбцов со свободным текстом" in _text(closed)
    _survey_with_open_answers(study)
    to_survey = client_in.get(url, {**QUERY, "source": "survey", "column": "text"}, **part)
    assert to_survey.status_code == 200
    text = to_survey.content.decode()
    assert text.startswith('<dd id="topics-column">')
    assert "<form" not in text  # the part only
    assert _column_options(text) == (["", "Что мешало подать заявление"], [""])
    assert "HX-Request" in to_survey["Vary"]
    # The interviews have a column «text» too: it stays chosen.
    to_notes = client_in.get(url, {**QUERY, "source": "interviews", "column": "text"}, **part)
    options, chosen = _column_options(to_notes.content.decode())
    assert "text" in options
    assert chosen == ["text"]
    # The page lists the columns of the texts it shows, and finds topics in the survey's.
    page = client_in.get(url, {**QUERY, "source": "survey"})
    assert page.status_code == 200
    assert _column_options(page.content.decode())[0] == ["", "Что мешало подать заявление"]
    assert "«Что мешало подать заявление»" in _text(page)
    assert not re.search(r">nan<|<strong>Nan</strong>", page.content.decode())  # blanks


@pytest.mark.django_db
def test_a_column_of_other_texts_is_refused_in_russian(study: Study, client_in: Client) -> None:
    """Without the script (or from an old page), the complaints' column with the survey chosen:
    a Russian error naming the column, the texts and the columns to choose — never a 500; the
    list shows the survey's columns. A rename posted from such a page is saved and the page
    it returns to says the same."""
    _survey_with_open_answers(study)
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    title = study.current_revision().to_document().data_source("survey").title
    for column in ("text", "x" * 150, "client_id"):
        response = client_in.get(url, {**QUERY, "source": "survey", "column": column})
        assert response.status_code == 400
        text = _text(response)
        assert f"«{column}»" in text
        assert f"источник{'е' if column != 'client_id' else 'а'} «{title}»" in text
        assert "выберите один из столбцов с текстом: Что мешало подать заявление." in text
        assert "<strong>" not in text  # no topics
        assert _column_options(response.content.decode())[0] == ["", "Что мешало подать заявление"]
    names_url = reverse("studies:topic_names", kwargs={"pk": study.pk})
    before = study.revisions.count()
    posted = client_in.post(
        names_url,
        {
            "action": "rename",
            "topic": '[["справка", "доход"]]',
            "name": "Справки",
            **QUERY,
            "source": "survey",
            "column": "text",
        },
        follow=True,
    )
    assert posted.status_code == 400
    assert f"В источнике «{title}» нет столбца «text»." in _text(posted)
    assert study.revisions.count() == before + 1  # the name is the survey's, whatever column
