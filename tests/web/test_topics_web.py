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
            {"action": "rename", "topic": '[["a"]]', "name": "x", "source": "records"},
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
    assert "текстах («Жалобы на платформе обратной связи" in text
    assert "(complaints," not in text
    assert "силуэт" not in text
    chosen = re.search(r'id="topics-chosen-by">([^<]*)<', text)
    assert chosen is not None
    assert chosen.group(1).startswith("Число тем задано: 4. Темы ")
    assert "различаются" in chosen.group(1)
    assert '<p class="card__body small muted">Метод: леммы, TF-IDF и NMF.</p>' in text
    assert "(TF-IDF, NMF)" not in text
    assert "<tr><td>Нет данных</td>" not in text
    if "<tr><td>Не связаны с клиентами</td>" in text:
        assert "автор которых не найден среди клиентов исследования" in text
