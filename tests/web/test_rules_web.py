"""The eligibility-rule editor (M-2): a live count while typing, saving as a new revision."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Study


@pytest.fixture
def demo_study(client: Client, django_user_model: Any, tmp_path: Any, settings: Any) -> Study:
    from segprofile.web.studies import services

    user = django_user_model.objects.create_user("anna", password="pw-anna-1")
    client.force_login(user)
    return services.create_study_from_example(user, "child-benefit", rows=2000, seed=3)


@pytest.mark.django_db
def test_live_count_of_a_rule(client: Client, demo_study: Study) -> None:
    url = reverse("studies:rule_preview", kwargs={"pk": demo_study.pk})
    page = client.post(url, {"rule": "children >= 3 и single_parent"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Подходят под правило: около " in text  # rounded: never an exact count
    assert "из 2" in text  # "из 2 000" with a no-break space


@pytest.mark.django_db
def test_rule_syntax_error_shows_position(client: Client, demo_study: Study) -> None:
    url = reverse("studies:rule_preview", kwargs={"pk": demo_study.pk})
    page = client.post(url, {"rule": "children >= и"}, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert page.status_code == 200
    assert "позиция 13" in text
    assert "ожидалось" in text


@pytest.mark.django_db
def test_saving_a_rule_makes_a_revision(client: Client, demo_study: Study) -> None:
    before = demo_study.revisions.count()
    url = reverse("studies:rule_save", kwargs={"pk": demo_study.pk, "role_id": "applicant"})
    response = client.post(url, {"rule": "applicant_age >= 18 и children > 0"})
    assert response.status_code == 302
    assert demo_study.revisions.count() == before + 1
    document = demo_study.current_revision().to_document()
    role = next(r for r in document.roles if r.id == "applicant")
    assert role.audience is not None
    assert role.audience.eligibility_rule == "applicant_age >= 18 и children > 0"


@pytest.mark.django_db
def test_a_broken_rule_is_not_saved(client: Client, demo_study: Study) -> None:
    before = demo_study.revisions.count()
    url = reverse("studies:rule_save", kwargs={"pk": demo_study.pk, "role_id": "applicant"})
    response = client.post(url, {"rule": "(applicant_age > 1"}, follow=True)
    assert demo_study.revisions.count() == before
    assert "ожидалось «)»" in response.content.decode()


# --- Rules that name no column, names in other letters (the tester's report) ----------------

NO_COLUMN = ["\"Канал обращения\" = 'МФЦ'", "'МФЦ' = 'МФЦ'", "5 > 3"]


@pytest.mark.django_db
@pytest.mark.parametrize("rule", NO_COLUMN)
def test_the_live_count_of_a_rule_naming_no_column_says_why(
    client: Client, demo_study: Study, rule: str
) -> None:
    # Before: 500 («'IntegerScalar' object has no attribute 'sum'») and the old hint stayed.
    url = reverse("studies:rule_preview", kwargs={"pk": demo_study.pk})
    page = client.post(url, {"eligibility_rule": rule}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="rule-error"' in text
    assert "позиция 1" in text
    assert "нет ни одного столбца данных" in text or "это текст, а не столбец" in text


@pytest.mark.django_db
def test_the_live_count_matches_names_ignoring_case_and_reads_30_000(
    client: Client, demo_study: Study
) -> None:
    url = reverse("studies:rule_preview", kwargs={"pk": demo_study.pk})

    def shown(rule: str) -> str:
        page = client.post(url, {"rule": rule}, HTTP_HX_REQUEST="true")
        assert page.status_code == 200
        return page.content.decode()

    assert shown("Children >= 3 и SINGLE_PARENT") == shown("children >= 3 и single_parent")
    assert "Подходят под правило" in shown("Children >= 3 и SINGLE_PARENT")
    assert shown("applicant_age < 1 000") == shown("applicant_age < 1000")
    unknown = shown("childern >= 3")
    assert "столбца «childern» нет в данных (похожие: [children]" in unknown


def _role_form(study: Study, role_id: str, **changes: str) -> dict[str, Any]:
    from segprofile.web.studies.forms.study import RoleForm

    document = study.current_revision().to_document()
    role = next(r for r in document.roles if r.id == role_id)
    data = {k: v for k, v in RoleForm.initial_of(role).items() if v is not None}
    return {"base_revision": study.current_revision().number, **data, **changes}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # the tester's rule, with a column of the example's data in double quotes
        (
            "\"region_type\" = 'rural'",
            "название столбца пишите в квадратных скобках: [region_type]",
        ),
        ("'МФЦ' = 'МФЦ'", "нет ни одного столбца данных"),
        ("5 > 3", "нет ни одного столбца данных"),
        ("regoin_type = 'rural'", "похожие: [region_type]"),
    ],
)
def test_the_role_form_refuses_a_rule_naming_no_column_of_the_data_on_the_field(
    client: Client, demo_study: Study, rule: str, expected: str
) -> None:
    from web_pages import field_errors

    before = demo_study.revisions.count()
    url = reverse("studies:role_edit", kwargs={"pk": demo_study.pk, "role_id": "applicant"})
    data = _role_form(demo_study, "applicant", eligibility_rule=rule)
    answer = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roles")
    assert answer.status_code == 400
    errors = " ".join(field_errors(answer.content.decode(), "eligibility_rule"))
    assert expected in errors
    assert demo_study.revisions.count() == before
    # The same rule written right is saved as written.
    data = _role_form(demo_study, "applicant", eligibility_rule="[Region_Type] = 'rural'")
    answer = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roles")
    assert answer.status_code == 200
    document = demo_study.current_revision().to_document()
    role = next(r for r in document.roles if r.id == "applicant")
    assert role.audience is not None
    assert role.audience.eligibility_rule == "[Region_Type] = 'rural'"


@pytest.mark.django_db
@pytest.mark.parametrize("rule", [*NO_COLUMN, "regoin_type = 'rural'"])
def test_saving_a_rule_naming_no_column_of_the_data_is_refused(
    client: Client, demo_study: Study, rule: str
) -> None:
    before = demo_study.revisions.count()
    url = reverse("studies:rule_save", kwargs={"pk": demo_study.pk, "role_id": "applicant"})
    response = client.post(url, {"rule": rule}, follow=True)
    assert response.status_code == 200
    assert demo_study.revisions.count() == before
    text = response.content.decode()
    assert "нет ни одного столбца данных" in text or "нет в данных" in text or "текст" in text


@pytest.mark.django_db
def test_a_study_stored_with_a_rule_naming_no_column_opens_and_says_what_is_wrong(
    client: Client, demo_study: Study
) -> None:
    # Saved before the check: the rule compares two texts (double quotes made one of the name).
    document = demo_study.current_revision().to_document()
    role = next(r for r in document.roles if r.id == "applicant")
    assert role.audience is not None
    role.audience.eligibility_rule = "\"Канал обращения\" = 'МФЦ'"
    demo_study.add_revision(document, author=demo_study.owner, comment="до исправления")
    page = client.get(reverse("studies:detail", kwargs={"pk": demo_study.pk}))
    assert page.status_code == 200
    assert "&quot;Канал обращения&quot; = &#x27;МФЦ&#x27;" in page.content.decode()
    # What the page loads beside the rule: the reason, not a 500.
    url = reverse("studies:rule_preview", kwargs={"pk": demo_study.pk})
    hint = client.post(url, {"rule": role.audience.eligibility_rule}, HTTP_HX_REQUEST="true")
    assert hint.status_code == 200
    assert "«Канал обращения» в двойных кавычках — это текст" in hint.content.decode()
    # The role's form opens with the rule to fix.
    edit = reverse("studies:role_edit", kwargs={"pk": demo_study.pk, "role_id": "applicant"})
    form = client.get(edit, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roles")
    assert form.status_code == 200
    assert "квадратных скобках" in form.content.decode()  # the help says how to write it
