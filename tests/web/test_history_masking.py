"""Typed texts about clients are masked wherever an edit is stored (Study.add_revision, one rule:
pipeline.mask_edit), the user is told what was replaced, and the history never shows the raw
text."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from segprofile.model.study import TopicLabel
from segprofile.web.studies.models import Study
from web_pages import current_document, form_data

pytestmark = pytest.mark.django_db

TYPED = "звонила Петрова А.А., тел. 8-921-555-12-34"
RAW = ("Петрова", "8-921-555-12-34", "555-12-34")


def _no_raw(text: str) -> None:
    for raw in RAW:
        assert raw not in text


def test_a_typed_role_description_is_stored_masked_and_the_history_does_not_show_it(
    client_in: Client, stored_study: Study
) -> None:
    url = reverse("studies:role_edit", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    role = {
        "kind": "applicant",
        "title": "Заявитель",
        "description": TYPED,
        "audience_description": f"Родители; {TYPED}",
        "act_0": "",
        "article_0": "",
        "eligibility_rule": "",
        "population_source": "",
    }
    answer = client_in.post(url, form_data(stored_study, role))
    assert answer.status_code == 302
    (saved,) = [str(m) for m in get_messages(answer.wsgi_request)]
    assert "В тексте заменены персональные данные: 2 имени, 2 телефона." in saved
    stored = current_document(stored_study).roles[0]
    assert stored.description == "звонила [имя], тел. [телефон]"
    assert stored.audience is not None
    assert stored.audience.description == "Родители; звонила [имя], тел. [телефон]"
    revision = stored_study.current_revision()
    _no_raw(str(revision.document))
    history = client_in.get(reverse("studies:history", kwargs={"pk": stored_study.pk}))
    assert history.status_code == 200
    page = history.content.decode()
    assert "[имя]" in page  # the change is shown, masked
    _no_raw(page)
    compare = client_in.get(
        reverse("studies:compare", kwargs={"pk": stored_study.pk}),
        {"a": revision.number - 1, "b": revision.number},
    )
    assert compare.status_code == 200
    _no_raw(compare.content.decode())


def test_a_view_storing_directly_is_masked_too_comment_included(
    stored_study: Study, user: User
) -> None:
    """A topic named by the team (the topics page stores its own revision): the name and the
    comment quoting it are masked by add_revision itself."""
    document = current_document(stored_study)
    document.topic_labels.append(
        TopicLabel(id="t1", source=document.data_sources[0].id, name=TYPED, topics=[["очередь"]])
    )
    revision = stored_study.add_revision(document, author=user, comment=f"назвал тему «{TYPED}»")
    assert revision.masked_list == "1 имя, 1 телефон"
    assert revision.comment == "назвал тему «звонила [имя], тел. [телефон]»"
    assert current_document(stored_study).topic_labels[-1].name == ("звонила [имя], тел. [телефон]")
    _no_raw(str(stored_study.current_revision().document))
