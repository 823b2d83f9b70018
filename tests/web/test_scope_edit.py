"""The scope section (M-1) edited in place: its fields and its legal acts, one at a time."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from tests.web_pages import current_document, editor_client, study_url

from segprofile.web.studies.models import Membership, Study

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "scope"}

GOOD_SCOPE = {
    "kind": "support_measure",
    "title": "Единое пособие на ребёнка",
    "body": "Отделение СФР по Н-ской области",
    "client_types": ["citizen", "business"],
    "description": "Для семей с доходом ниже прожиточного минимума.",
}


def test_the_section_offers_editing_to_an_editor_and_not_to_a_viewer(
    client_in: Client, other_client: Client, other_user: User, stored_study: Study
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    mine = client_in.get(study_url("detail", stored_study)).content.decode()
    theirs = other_client.get(study_url("detail", stored_study)).content.decode()
    assert study_url("scope_edit", stored_study) in mine
    assert study_url("legal_act_add", stored_study) in mine
    assert "Закон о пособии" in theirs
    assert study_url("scope_edit", stored_study) not in theirs
    assert study_url("legal_act_add", stored_study) not in theirs


def test_the_form_opens_in_place_with_the_current_values(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.get(study_url("scope_edit", stored_study), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section")
    assert 'id="scope"' in html
    assert 'value="Пособие"' in html
    assert 'value="Ведомство"' in html
    assert 'name="base_revision" value="1"' in html
    assert "Что профилируется" in html
    assert "Внешние клиенты: граждане" in html


def test_a_good_scope_is_saved_as_a_revision_and_the_section_shown_again(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(
        study_url("scope_edit", stored_study), {**GOOD_SCOPE, "base_revision": "1"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Единое пособие на ребёнка" in html
    assert "<form" not in html.split("legal-acts")[0]
    scope = current_document(stored_study).scope
    assert stored_study.current_revision().number == 2
    assert scope.kind.value == "support_measure"
    assert [c.value for c in scope.client_types] == ["citizen", "business"]
    assert scope.body == "Отделение СФР по Н-ской области"
    assert [a.id for a in scope.legal_acts] == ["law"]  # the acts are not this form's


def test_without_htmx_a_save_goes_back_to_the_section_of_the_page(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(study_url("scope_edit", stored_study), {**GOOD_SCOPE})
    assert response.status_code == 302
    assert response["Location"].endswith("#scope")
    assert current_document(stored_study).scope.title == "Единое пособие на ребёнка"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "Напишите название услуги, функции или меры."),
        ("client_types", [], "Отметьте хотя бы один тип клиентов."),
        ("kind", "planet", "Выберите корректный вариант"),
        ("kind", "", "Выберите, что профилируется."),
        ("body", "б" * 501, "не более 500 символов"),
    ],
)
def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_stored(
    client_in: Client, stored_study: Study, field: str, value: Any, message: str
) -> None:
    data = {**GOOD_SCOPE, field: value, "base_revision": "1"}
    response = client_in.post(study_url("scope_edit", stored_study), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#scope"
    assert message in html
    # Beside the field: inside the field's own block, after its input.
    block = html.split(f'name="{field}"', 1)[1].split("field__label", 1)[0]
    assert "field__error" in block
    assert stored_study.current_revision().number == 1


def test_a_legal_act_is_added_changed_and_deleted_one_at_a_time(
    client_in: Client, stored_study: Study
) -> None:
    form = client_in.get(study_url("legal_act_add", stored_study), **HTMX).content.decode()
    assert "Номер, дата, ссылка" in form
    added = client_in.post(
        study_url("legal_act_add", stored_study),
        {"title": "Федеральный закон «О государственных пособиях»", "reference": "№ 81-ФЗ"},
        **HTMX,
    )
    assert added.status_code == 200
    acts = current_document(stored_study).scope.legal_acts
    assert [a.id for a in acts] == ["law", "federalnyi-zakon-o"]
    assert acts[1].reference == "№ 81-ФЗ"

    edit_url = study_url("legal_act_edit", stored_study, act_id="federalnyi-zakon-o")
    assert "О государственных пособиях" in client_in.get(edit_url, **HTMX).content.decode()
    changed = client_in.post(edit_url, {"title": "81-ФЗ", "reference": "от 19.05.1995"}, **HTMX)
    assert changed.status_code == 200
    act = current_document(stored_study).scope.legal_acts[1]
    assert (act.id, act.title, act.reference) == ("federalnyi-zakon-o", "81-ФЗ", "от 19.05.1995")

    deleted = client_in.post(
        study_url("legal_act_delete", stored_study, act_id="federalnyi-zakon-o"), {}, **HTMX
    )
    assert deleted.status_code == 200
    assert [a.id for a in current_document(stored_study).scope.legal_acts] == ["law"]
    comments = list(stored_study.revisions.order_by("number").values_list("comment", flat=True))
    assert comments[1:] == [
        "Добавлен НПА «Федеральный закон «О государственных пособиях»»",
        "Изменён НПА «81-ФЗ»",
        "Удалён НПА «81-ФЗ»",
    ]


def test_a_legal_act_without_a_title_is_refused_beside_the_field(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(
        study_url("legal_act_add", stored_study), {"title": " ", "reference": "№ 5"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Напишите название НПА." in html
    assert 'value="№ 5"' in html  # what was typed is kept
    assert stored_study.current_revision().number == 1


def test_an_act_a_role_cites_is_not_deleted_and_the_role_is_named(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(study_url("legal_act_delete", stored_study, act_id="law"), {}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "НПА «Закон о пособии» не удалён" in html
    assert "ссылается роль «Заявитель»" in html
    assert "Сначала уберите его из правового основания этой роли" in html
    assert stored_study.current_revision().number == 1
    # Without HTMX the refusal is a page with the message, not a traceback.
    plain = client_in.post(study_url("legal_act_delete", stored_study, act_id="law"), {})
    assert plain.status_code == 400
    page = plain.content.decode()
    assert "ссылается роль «Заявитель»" in page
    assert page.lstrip().lower().startswith("<!doctype html>")  # a whole page, not a part


def test_an_unknown_act_is_not_found(client_in: Client, stored_study: Study) -> None:
    response = client_in.get(study_url("legal_act_edit", stored_study, act_id="nope"), **HTMX)
    assert response.status_code == 404
    assert "Этого НПА в исследовании уже нет" in response.content.decode()


def test_a_viewer_may_not_edit(other_client: Client, other_user: User, stored_study: Study) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    for method, name, kwargs in [
        ("get", "scope_edit", {}),
        ("post", "scope_edit", {}),
        ("post", "legal_act_add", {}),
        ("post", "legal_act_edit", {"act_id": "law"}),
        ("post", "legal_act_delete", {"act_id": "law"}),
    ]:
        data = {**GOOD_SCOPE, "title": "x"} if method == "post" else {}
        response = getattr(other_client, method)(study_url(name, stored_study, **kwargs), data)
        assert response.status_code == 403, name
    assert stored_study.current_revision().number == 1


def test_two_people_editing_different_acts_both_succeed(stored_study: Study) -> None:
    client_in_a, client_in_b = (
        editor_client(stored_study, "vera"),
        editor_client(stored_study, "gleb"),
    )
    add = study_url("legal_act_add", stored_study)
    client_in_a.post(add, {"title": "Закон А", "base_revision": "1"}, **HTMX)
    response = client_in_b.post(add, {"title": "Закон Б", "base_revision": "1"}, **HTMX)
    assert response.status_code == 200
    edit = client_in_a.post(
        study_url("legal_act_edit", stored_study, act_id="law"),
        {"title": "Закон о пособии", "reference": "№ 2-ФЗ", "base_revision": "1"},
        **HTMX,
    )
    assert edit.status_code == 200
    acts = current_document(stored_study).scope.legal_acts
    assert [(a.id, a.reference) for a in acts] == [
        ("law", "№ 2-ФЗ"),
        ("zakon-a", ""),
        ("zakon-b", ""),
    ]


def test_the_same_act_edited_by_two_people_is_a_conflict_with_both_versions(
    stored_study: Study,
) -> None:
    vera, gleb = editor_client(stored_study, "vera"), editor_client(stored_study, "gleb")
    url = study_url("legal_act_edit", stored_study, act_id="law")
    vera.post(url, {"title": "Закон о пособии", "reference": "№ 81-ФЗ", "base_revision": "1"})
    response = gleb.post(
        url, {"title": "Закон о пособии", "reference": "№ 82-ФЗ", "base_revision": "1"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "НПА «Закон о пособии»" in html
    assert "№ 81-ФЗ" in html
    assert "№ 82-ФЗ" in html
    assert current_document(stored_study).scope.legal_acts[0].reference == "№ 81-ФЗ"


def test_the_study_title_follows_a_scope_title_it_was_made_from(
    client_in: Client, stored_study: Study
) -> None:
    # The stored study's title was written by hand: it stays.
    client_in.post(study_url("scope_edit", stored_study), {**GOOD_SCOPE}, **HTMX)
    assert current_document(stored_study).title == "Малое исследование"
    response = client_in.post(
        reverse("studies:create_blank"),
        {
            "new-kind": "service",
            "new-title": "Выдача справки",
            "new-client_types": ["citizen"],
            "acts-TOTAL_FORMS": "0",
            "acts-INITIAL_FORMS": "0",
        },
    )
    study = Study.objects.exclude(pk=stored_study.pk).get()
    assert response.status_code == 302
    client_in.post(
        study_url("scope_edit", study), {**GOOD_SCOPE, "title": "Выдача справок"}, **HTMX
    )
    assert (
        current_document(study).title
        == "Профиль клиентских сегментов меры поддержки «Выдача справок»"
    )
    assert Study.objects.get(pk=study.pk).title == current_document(study).title
