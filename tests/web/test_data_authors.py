"""Who imported a data version is named as every page names a person (people.person, the
``|person`` filter): the full name, else the user name; never the user name beside it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.services import create_study_from_example


def _versions_table(page: str) -> str:
    table = re.search(r'<table class="table table--compact versions">.*?</table>', page, re.S)
    assert table is not None
    return " ".join(re.sub(r"<[^>]+>", " ", table.group(0)).split())


@pytest.mark.django_db
def test_the_author_of_a_data_version_is_named_by_the_one_rule(
    client_in: Client, user: User
) -> None:
    user.first_name, user.last_name = "Анна", "Петрова"
    user.save()
    study = create_study_from_example(user, "child-benefit", rows=300, seed=5)
    page = client_in.get(reverse("studies:data", kwargs={"pk": study.pk})).content.decode()
    table = _versions_table(page)
    assert "Анна Петрова" in table
    assert user.get_username() not in table
    delete = reverse(
        "studies:data_version_delete",
        kwargs={"pk": study.pk, "source_id": "records", "version": 1},
    )
    confirm = client_in.get(delete).content.decode()
    assert "Анна Петрова" in confirm
    # An account deleted since: the name stored with the version, not a blank.
    User.objects.create_user("boris", password="x")
    from segprofile.web.studies.people import people_by_username

    assert people_by_username(["boris", "ghost", ""]) == {"boris": "boris", "ghost": "ghost"}
    assert people_by_username([user.get_username()]) == {user.get_username(): "Анна Петрова"}
