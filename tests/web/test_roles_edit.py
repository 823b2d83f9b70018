"""Roles and their audiences edited in place on the study page (M-2, issue 19)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Membership, Study
from web_pages import current_document, form_data

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "roles"}


def _with_population(study: Study, user: User) -> None:
    """The study with a population table and a journey step the applicant performs."""
    document = study.current_revision().to_document().model_dump(mode="json")
    document["data_sources"].append(
        {"id": "rosstat", "kind": "population", "title": "Росстат, 2025", "path": "pop.csv"}
    )
    document["data_sources"].append({"id": "poll", "kind": "survey", "path": "poll.csv"})
    document["journeys"] = [
        {
            "id": "current",
            "kind": "current",
            "title": "Как сейчас",
            "steps": [{"id": "apply", "title": "Подать заявление", "role": "applicant"}],
        }
    ]
    from segprofile import pipeline

    study.add_revision(pipeline.study_from_data(document, source="тест"), author=user)


#: A good role form: each test changes what it is about.
ROLE = {
    "kind": "intermediary",
    "title": "Законный представитель",
    "description": "Подаёт заявление за родителя",
    "audience_description": "Опекуны и попечители",
    "act_0": "law",
    "article_0": "ст. 5",
    "act_1": "",
    "article_1": "",
    "eligibility_rule": "age >= 18",
    "population_source": "",
}


def test_a_new_role_with_its_audience_is_a_revision(
    client_in: Client, stored_study: Study, user: User
) -> None:
    _with_population(stored_study, user)
    before = stored_study.current_revision().number
    url = reverse("studies:role_new", kwargs={"pk": stored_study.pk})
    page = client_in.get(url, **HTMX)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Росстат, 2025" in text  # the population table is offered…
    assert ">poll<" not in text  # …a survey is not
    answer = client_in.post(url, form_data(stored_study, ROLE, population_source="rosstat"), **HTMX)
    assert answer.status_code == 200
    assert "Законный представитель" in answer.content.decode()
    assert stored_study.current_revision().number == before + 1
    role = current_document(stored_study).roles[-1]
    assert role.id == "intermediary"
    assert role.kind.value == "intermediary"
    assert role.audience is not None
    assert role.audience.legal_basis[0].act == "law"
    assert role.audience.legal_basis[0].article == "ст. 5"
    assert role.audience.eligibility_rule == "age >= 18"
    assert role.audience.population_source == "rosstat"


def test_editing_a_role_keeps_its_id_and_a_plain_post_goes_back_to_the_section(
    client_in: Client, stored_study: Study
) -> None:
    url = reverse("studies:role_edit", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    form = client_in.get(url, **HTMX).content.decode()
    assert "Родители детей до 17 лет" in form  # the form starts from the stored role
    answer = client_in.post(
        url, form_data(stored_study, ROLE, kind="applicant", title="Заявитель-родитель")
    )
    assert answer.status_code == 302
    assert answer["Location"].endswith("#roles")
    roles = current_document(stored_study).roles
    assert [r.id for r in roles] == ["applicant"]
    assert roles[0].title == "Заявитель-родитель"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"title": "  "}, "title", "Назовите роль"),
        ({"kind": "boss"}, "kind", "Выберите корректный вариант"),
        ({"eligibility_rule": "age >>= 18"}, "eligibility_rule", "правил"),
        ({"act_0": "nope"}, "act_0", "Выберите корректный вариант"),
        ({"act_0": "", "article_0": "ст. 9"}, "act_0", "Выберите закон"),
        ({"audience_description": ""}, "audience_description", "Опишите аудиторию"),
        ({"population_source": "poll"}, "population_source", "Выберите корректный вариант"),
    ],
)
def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_stored(
    client_in: Client,
    stored_study: Study,
    user: User,
    values: dict[str, str],
    field: str,
    words: str,
) -> None:
    _with_population(stored_study, user)
    before = stored_study.current_revision().number
    url = reverse("studies:role_new", kwargs={"pk": stored_study.pk})
    answer = client_in.post(url, form_data(stored_study, ROLE, **values), **HTMX)
    assert answer.status_code == 400
    assert answer["HX-Retarget"] == "#roles"
    form = answer.context["role_form"]
    assert words.lower() in " ".join(form.errors[field]).lower(), form.errors
    assert 'class="field__error' in answer.content.decode()
    assert stored_study.current_revision().number == before


def test_a_role_that_journey_steps_perform_is_not_deleted(
    client_in: Client, stored_study: Study, user: User
) -> None:
    _with_population(stored_study, user)
    before = stored_study.current_revision().number
    url = reverse("studies:role_delete", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    answer = client_in.post(url, {"base_revision": before}, **HTMX)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "не удалена" in text
    assert "«Подать заявление»" in text
    assert "«Как сейчас»" in text
    assert stored_study.current_revision().number == before
    assert [r.id for r in current_document(stored_study).roles] == ["applicant"]


def test_a_role_no_step_performs_is_deleted(client_in: Client, stored_study: Study) -> None:
    url = reverse("studies:role_delete", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    base = stored_study.current_revision().number
    answer = client_in.post(url, {"base_revision": base}, **HTMX)
    assert answer.status_code == 200
    assert current_document(stored_study).roles == []
    assert "Добавить роль" in answer.content.decode()


def test_a_viewer_may_not_change_roles(
    stored_study: Study, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    url = reverse("studies:role_new", kwargs={"pk": stored_study.pk})
    assert other_client.post(url, form_data(stored_study, ROLE)).status_code == 403
    page = other_client.get(reverse("studies:detail", kwargs={"pk": stored_study.pk}))
    assert "role-add" not in page.content.decode()


def test_two_editors_changing_different_roles_both_succeed_and_the_same_role_conflicts(
    client_in: Client, stored_study: Study, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    base = stored_study.current_revision().number
    new = reverse("studies:role_new", kwargs={"pk": stored_study.pk})
    edit = reverse("studies:role_edit", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    # Both opened the page at the same revision.
    assert (
        client_in.post(new, form_data(stored_study, ROLE, base_revision=base), **HTMX).status_code
        == 200
    )
    mine = form_data(stored_study, ROLE, base_revision=base, kind="applicant", title="Родитель")
    assert other_client.post(edit, mine, **HTMX).status_code == 200
    titles = {r.id: r.title for r in current_document(stored_study).roles}
    assert titles == {"applicant": "Родитель", "intermediary": "Законный представитель"}
    # A third edit of the applicant from the old page: the same part changed meanwhile.
    theirs = form_data(
        stored_study, ROLE, base_revision=base, kind="applicant", title="Мать или отец"
    )
    answer = client_in.post(edit, theirs, **HTMX)
    assert answer.status_code == 409
    text = answer.content.decode()
    assert "Родитель" in text
    assert "Мать или отец" in text
    assert current_document(stored_study).roles[0].title == "Родитель"


def test_the_live_count_reads_the_rule_of_the_form(client_in: Client, stored_study: Study) -> None:
    url = reverse("studies:rule_preview", kwargs={"pk": stored_study.pk})
    answer = client_in.post(url, {"eligibility_rule": "age >= 18"}, **HTMX)
    assert answer.status_code == 200
    assert "из 3\u00a0000" in answer.content.decode()  # the count of the rule typed in the form


def test_every_filled_legal_basis_row_is_kept_even_after_empty_ones(
    client_in: Client, stored_study: Study
) -> None:
    url = reverse("studies:role_edit", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    form = client_in.get(url, **HTMX).context["role_form"]
    assert form.basis_count == 2  # the stored basis and one empty row to add to
    values = form_data(stored_study, ROLE, kind="applicant", act_0="", article_0="", act_1="")
    values |= {"act_2": "law", "article_2": "ст. 7"}
    assert client_in.post(url, values, **HTMX).status_code == 200
    audience = current_document(stored_study).roles[0].audience
    assert [(b.act, b.article) for b in audience.legal_basis] == [("law", "ст. 7")]
