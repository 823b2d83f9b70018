"""Typed texts about clients are masked wherever an edit is stored (Study.add_revision, one rule:
pipeline.mask_edit), the user is told what was replaced, and the history never shows the raw
text."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from segprofile.model.study import Study as StudyDocument
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


SOURCE_TITLE = "Обращения Иванова Ивана Ивановича, тел. +7 (912) 345-67-89"
ROLE_TEXT = "Заявитель со СНИЛС 112-233-445 95 (Сидорова Мария Петровна)"
RAW_FIRST = ("Иванов", "345-67-89", "112-233-445", "Сидорова")


def test_a_study_uploaded_as_yaml_is_masked_at_its_first_revision_and_the_user_is_told(
    client_in: Client, small_study: StudyDocument
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from segprofile import pipeline

    document = small_study.model_copy(deep=True)
    document.data_sources[0].title = SOURCE_TITLE
    document.roles[0].description = ROLE_TEXT
    document.scope.description = f"Писала {TYPED}"
    text = pipeline.dump_study(document).encode("utf-8")
    answer = client_in.post(
        reverse("studies:create_upload"),
        {
            "document": SimpleUploadedFile("study.yaml", text, content_type="application/yaml"),
            "comment": f"от {TYPED}",
        },
    )
    assert answer.status_code == 302
    (said,) = [str(m) for m in get_messages(answer.wsgi_request)]
    assert said == (
        "Исследование загружено. В тексте заменены персональные данные: 3 имени, 2 телефона, "
        "1 СНИЛС."
    )
    study = Study.objects.get()
    (revision,) = study.revisions.all()
    stored = str(revision.document) + revision.comment
    for raw in (*RAW, *RAW_FIRST):
        assert raw not in stored
    kept = revision.to_document()
    assert kept.data_sources[0].title == "Обращения [имя], тел. [телефон]"
    assert kept.roles[0].description == "Заявитель со СНИЛС [СНИЛС] ([имя])"
    assert revision.comment == "от звонила [имя], тел. [телефон]"
    history = client_in.get(reverse("studies:history", kwargs={"pk": study.pk})).content.decode()
    for raw in (*RAW, *RAW_FIRST):
        assert raw not in history


def test_a_data_source_renamed_with_a_client_in_its_title_is_stored_masked(
    client_in: Client, stored_study: Study
) -> None:
    source = current_document(stored_study).data_sources[0]
    url = reverse(
        "studies:data_source_title", kwargs={"pk": stored_study.pk, "source_id": source.id}
    )
    answer = client_in.post(url, {"title": SOURCE_TITLE})
    assert answer.status_code == 302
    (said,) = [str(m) for m in get_messages(answer.wsgi_request)]
    revision = stored_study.current_revision()
    assert said == (
        f"Сохранена редакция {revision.number}: источник теперь называется «Обращения [имя], "
        "тел. [телефон]». В тексте заменены персональные данные: 1 имя, 1 телефон."
    )
    assert current_document(stored_study).data_sources[0].title == "Обращения [имя], тел. [телефон]"
    for raw in RAW_FIRST:
        assert raw not in str(revision.document) + revision.comment
