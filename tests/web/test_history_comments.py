"""Revision comments name the action only («Источник данных «…» переименован в «…»»): the
author is the revision's own column, by the full name. The web once began the comment with the
author's login («ivanova удалил(а) рекомендацию № 2»): such stored revisions are shown without
it (``StudyRevision.comment_shown``), and never changed."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Membership, Study

PASSWORD = "correct-horse-42"  # as in tests/web/conftest.py


@pytest.fixture
def ivanova(stored_study: Study) -> User:
    user = User.objects.create_user(
        "ivanova", password=PASSWORD, first_name="Мария", last_name="Иванова"
    )
    Membership.objects.create(study=stored_study, user=user, role="editor")
    return user


def _items(html: str) -> list[str]:
    """The history's revisions, each as its text (tags dropped, spaces collapsed)."""
    items = re.findall(r'<li class="card history__item".*?</li>', html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_the_history_names_the_author_once_by_the_full_name_and_never_the_login(
    client_in: Client, stored_study: Study, ivanova: User
) -> None:
    document = stored_study.current_revision().to_document()
    source = document.data_sources[0]
    old = source.title or source.id  # a source with no title is named by its id
    # Stored before: the comment began with the login, in either of the two forms then written.
    old_forms = {
        "ivanova удалил(а) рекомендацию № 2": "Удалил(а) рекомендацию № 2",
        "ivanova: изменено исследование «Интервью в МФЦ»": "Изменено исследование «Интервью в МФЦ»",
    }
    for stored in old_forms:
        stored_study.add_revision(document, author=ivanova, comment=stored)
    # Written now, by the web: the action only.
    editor = Client()
    editor.force_login(ivanova)
    rename = reverse(
        "studies:data_source_title", kwargs={"pk": stored_study.pk, "source_id": source.id}
    )
    new = "Обращения за выплатой, 2025 (Смоленск)"
    assert editor.post(rename, {"title": new}).status_code == 302
    renamed = stored_study.current_revision()
    assert renamed.author == ivanova
    assert renamed.comment == f"Источник данных «{old}» переименован в «{new}»"

    html = client_in.get(reverse("studies:history", kwargs={"pk": stored_study.pk}))
    assert html.status_code == 200
    text = html.content.decode()
    assert "ivanova" not in text
    items = _items(text)
    assert len(items) == 4  # the first revision, two old ones, the rename
    newest, *older, first = items
    for item in (newest, *older):
        assert item.count("Мария Иванова") == 1, item  # the author column, not the comment
    assert f"Источник данных «{old}» переименован в «{new}»" in newest
    second, third = older  # newest first: the «изменено исследование» one, then «удалил(а)»
    assert "Изменено исследование «Интервью в МФЦ»" in second
    assert "Удалил(а) рекомендацию № 2" in third
    assert "Мария Иванова" not in first  # the owner's revision: «Анна»
    # Never changed in the database.
    assert set(stored_study.revisions.values_list("comment", flat=True)) >= set(old_forms)


def test_only_the_authors_own_login_is_taken_off(stored_study: Study, ivanova: User) -> None:
    """Another login, a word that only begins like the login, a comment that is only the login,
    an author deleted since: shown as stored."""
    document = stored_study.current_revision().to_document()
    shown = {
        "ivanova удалил(а) гипотезу № 3": "Удалил(а) гипотезу № 3",
        "ivanova:  добавлен шаг «Подать заявление»": "Добавлен шаг «Подать заявление»",
        "anna удалил(а) гипотезу № 3": "anna удалил(а) гипотезу № 3",
        "ivanovas Report": "ivanovas Report",
        "ivanova": "ivanova",
        "после интервью": "после интервью",
    }
    for stored, expected in shown.items():
        revision = stored_study.add_revision(document, author=ivanova, comment=stored)
        assert revision.comment_shown == expected, stored
    revision = stored_study.add_revision(
        document, author=ivanova, comment="ivanova изменил(а) гипотезу № 3"
    )
    ivanova.delete()
    revision.refresh_from_db()
    assert revision.author is None
    assert revision.comment_shown == "ivanova изменил(а) гипотезу № 3"
