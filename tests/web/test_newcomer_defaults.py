"""What a newcomer met (issue 19, point 8): a member added gets the least role; a study made
from an example opens with its profile built."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Membership, ProfileRun, Study

pytestmark = pytest.mark.django_db


def test_the_members_form_offers_the_viewer_role_first(
    client_in: Client, stored_study: Study
) -> None:
    html = client_in.get(reverse("studies:members", kwargs={"pk": stored_study.pk})).content
    form = html.decode().split('name="username"', 1)[1]
    selected = re.findall(r'<option value="(\w+)"[^>]*selected', form)
    assert selected[:1] == ["viewer"]


def test_a_member_added_without_a_role_is_a_viewer(
    client_in: Client, stored_study: Study, other_user: User, other_client: Client
) -> None:
    response = client_in.post(
        reverse("studies:member_add", kwargs={"pk": stored_study.pk}), {"username": "boris"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(study=stored_study, user=other_user)
    assert membership.role == "viewer"
    # A viewer reads, and may not change the study.
    assert (
        other_client.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).status_code
        == 200
    )
    edit = other_client.post(
        reverse("studies:scope_edit", kwargs={"pk": stored_study.pk}), {"title": "x"}
    )
    assert edit.status_code == 403


def test_a_study_from_an_example_opens_with_its_profile_built(client_in: Client) -> None:
    response = client_in.post(reverse("studies:create_example"), {"example": "internal-accounting"})
    study = Study.objects.get()
    run = study.runs.get()
    assert run.revision.number == 1
    assert run.status == ProfileRun.Status.DONE  # the tests run background jobs at once
    html = client_in.get(response["Location"]).content.decode()
    assert "профиль строится" in html
    assert reverse("studies:run", kwargs={"pk": study.pk, "run_pk": run.pk}) in html
