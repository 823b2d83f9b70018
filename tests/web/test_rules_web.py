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
