"""The filed document's details (M-13) edited in place on the study page: saved as a revision,
refused beside the field, merged with other sections, a conflict on the same section."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.web_pages import current_document, editor_client, study_url

from segprofile.web.studies.models import Membership, Study

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "requisites"}

GOOD = {
    "organisation": "Отделение СФР по Тверской области",
    "unit": "Отдел клиентского сервиса",
    "document_title": "",
    "document_number": "15-П",
    "document_date": "01.12.2026",
    "place": "Тверь",
    "approver_position": "Управляющий отделением",
    "approver_name": "И. И. Иванов",
    "executor_name": "Петрова Анна Сергеевна",
    "executor_position": "главный специалист-эксперт",
    "executor_contacts": "+7 4822 00-00-00",
}


def test_the_study_page_shows_the_details_and_offers_editing_to_aneditor_client(
    client_in: Client, other_client: Client, other_user: User, stored_study: Study
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    mine = client_in.get(study_url("detail", stored_study)).content.decode()
    theirs = other_client.get(study_url("detail", stored_study)).content.decode()
    assert "Реквизиты документа" in mine
    assert "ГОСТ Р 7.0.97-2016" in mine
    assert study_url("requisites_edit", stored_study) in mine
    assert "Реквизиты документа" in theirs
    assert study_url("requisites_edit", stored_study) not in theirs
    assert other_client.get(study_url("requisites_edit", stored_study), **HTMX).status_code == 403


def test_good_details_are_saved_as_a_revision_and_shown(
    client_in: Client, stored_study: Study
) -> None:
    form = client_in.get(study_url("requisites_edit", stored_study), **HTMX).content.decode()
    assert 'name="base_revision" value="1"' in form
    assert "Должность утверждающего" in form
    response = client_in.post(
        study_url("requisites_edit", stored_study), {**GOOD, "base_revision": "1"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html
    assert "№ 15-П от 01.12.2026, Тверь" in html
    assert "Управляющий отделением — И. И. Иванов" in html
    revision = stored_study.current_revision()
    assert revision.number == 2
    assert revision.comment == "Изменены реквизиты документа"
    req = current_document(stored_study).requisites
    assert req.document_date.isoformat() == "2026-12-01"
    assert req.approver.name == "И. И. Иванов"
    assert req.executor.contacts == "+7 4822 00-00-00"
    again = client_in.get(study_url("requisites_edit", stored_study), **HTMX).content.decode()
    assert 'value="2026-12-01"' in again
    assert 'value="15-П"' in again


def test_a_bad_date_is_refused_beside_its_field_and_nothing_is_stored(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(
        study_url("requisites_edit", stored_study),
        {**GOOD, "document_date": "31.02.2026", "base_revision": "1"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "field--error" in html
    assert "Введите существующую дату" in html
    assert stored_study.current_revision().number == 1


def test_a_too_long_field_is_refused_beside_it(client_in: Client, stored_study: Study) -> None:
    response = client_in.post(
        study_url("requisites_edit", stored_study),
        {**GOOD, "document_number": "1" * 101, "base_revision": "1"},
        **HTMX,
    )
    assert response.status_code == 400
    assert "field--error" in response.content.decode()
    assert stored_study.current_revision().number == 1


def test_without_htmx_a_save_goes_back_to_the_section(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(
        study_url("requisites_edit", stored_study), {**GOOD, "base_revision": "1"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#requisites")


def test_details_and_scope_edited_at_once_both_succeed(stored_study: Study) -> None:
    vera, gleb = editor_client(stored_study, "vera"), editor_client(stored_study, "gleb")
    vera.post(study_url("requisites_edit", stored_study), {**GOOD, "base_revision": "1"})
    gleb.post(
        study_url("scope_edit", stored_study),
        {
            "kind": "service",
            "title": "Пособие на ребёнка",
            "body": "Ведомство",
            "client_types": ["citizen"],
            "base_revision": "1",
        },
    )
    document = current_document(stored_study)
    assert document.requisites.document_number == "15-П"
    assert document.scope.title == "Пособие на ребёнка"


def test_the_same_section_edited_by_two_people_is_a_conflict_with_both_versions(
    stored_study: Study,
) -> None:
    vera, gleb = editor_client(stored_study, "vera"), editor_client(stored_study, "gleb")
    vera.post(study_url("requisites_edit", stored_study), {**GOOD, "base_revision": "1"})
    response = gleb.post(
        study_url("requisites_edit", stored_study),
        {**GOOD, "document_number": "16-П", "base_revision": "1"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "15-П" in html
    assert "16-П" in html
    assert current_document(stored_study).requisites.document_number == "15-П"
