"""The topics page (M-9) as the team uses it: a typed topic name with a client's name and phone is
stored masked and the page says so; topics are numbered 1, 2, 3… as shown, also after a merge."""

from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Study

EXAMPLE = "child-benefit"
QUERY = {"source": "complaints", "feature": "channel", "n_topics": "5"}
TYPED = "Жалобы, как у Петровой А.А., тел. 8-921-555-12-34"
RAW = ("Петров", "8-921-555-12-34", "555-12-34")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cb-topic-pages")
    pipeline.generate_demo_data(EXAMPLE, directory, rows=3000, seed=5)
    return directory


@pytest.fixture
def study(user: User, data: Path) -> Study:
    study = Study.create_from_document(
        pipeline.example_study(EXAMPLE), owner=user, comment="пример"
    )
    for path in data.iterdir():
        shutil.copy(path, study.data_dir() / path.name)
    return study


def _signatures(page: str) -> list[str]:
    """The topics as the rename forms post them, in the order of the page (raw HTML)."""
    found = re.findall(
        r'name="action" value="rename">\s*<input type="hidden" name="topic" value="([^"]+)"', page
    )
    return [html_lib.unescape(v) for v in found]


def _numbers(page: str) -> list[str]:
    """The «#» cell of every topic row, in the order of the page."""
    rows = re.findall(r'<tr id="topic-(\d+)">\s*(?:<td><input[^>]*></td>)?\s*<td>(\d+)</td>', page)
    assert rows
    for anchor, shown in rows:
        assert anchor == shown  # the row's anchor is the number shown
    return [shown for _, shown in rows]


@pytest.mark.django_db
def test_a_typed_topic_name_is_masked_and_the_page_says_so(study: Study, client_in: Client) -> None:
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    topics = _signatures(client_in.get(url, QUERY).content.decode())
    answer = client_in.post(
        reverse("studies:topic_names", kwargs={"pk": study.pk}),
        {"action": "rename", "topic": topics[0], "name": TYPED, **QUERY},
        follow=True,
    )
    assert answer.status_code == 200
    page = html_lib.unescape(answer.content.decode())
    revision = study.current_revision()
    told = f"Редакция {revision.number} сохранена. В тексте заменены персональные данные: "
    assert f"{told}1 имя, 1 телефон." in page
    assert "Жалобы, как у [имя], тел. [телефон]" in page  # the name as stored, masked
    for raw in RAW:
        assert raw not in page
        assert raw not in str(revision.document)
        assert raw not in revision.comment

    # A name without personal data: saved, and nothing said of replacing.
    answer = client_in.post(
        reverse("studies:topic_names", kwargs={"pk": study.pk}),
        {"action": "rename", "topic": topics[1], "name": "Очереди в МФЦ", **QUERY},
    )
    (said,) = [str(m) for m in get_messages(answer.wsgi_request)]
    assert said == f"Редакция {study.current_revision().number} сохранена."


@pytest.mark.django_db
def test_merged_topics_are_numbered_consecutively(study: Study, client_in: Client) -> None:
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    before = client_in.get(url, QUERY).content.decode()
    assert _numbers(before) == ["1", "2", "3", "4", "5"]
    topics = _signatures(before)
    # Merging the first and the third topic leaves four: numbered 1–4, not «1, 2, 4, 5».
    answer = client_in.post(
        reverse("studies:topic_names", kwargs={"pk": study.pk}),
        {"action": "merge", "topic": [topics[0], topics[2]], "name": "Вместе", **QUERY},
    )
    assert answer.status_code == 302
    after = client_in.get(url, QUERY).content.decode()
    assert "<strong>Вместе</strong>" in after
    assert _numbers(after) == ["1", "2", "3", "4"]
    assert len(_signatures(after)) == 4
