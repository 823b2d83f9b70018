"""A refused request is one line of the server log: a reader opening an owner's page (the
members, the audit, the respondents' contacts) gets 403, and the log says so without the
traceback Django attaches to the warning."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Membership, Study

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["members", "audit", "reidentify"])
def test_a_readers_403_is_one_line_without_a_traceback(
    name: str,
    stored_study: Study,
    other_user: User,
    other_client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role=Membership.Role.VIEWER)
    url = reverse(f"studies:{name}", kwargs={"pk": stored_study.pk})
    with caplog.at_level(logging.INFO):
        response = other_client.get(url)
    assert response.status_code == 403
    [refusal] = [r for r in caplog.records if r.name == "django.request"]
    assert refusal.levelno == logging.WARNING
    assert url in refusal.getMessage()
    assert refusal.exc_info is None
    assert "Traceback" not in caplog.text
