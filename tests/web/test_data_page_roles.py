"""The data page offers each member only what their role may do (walk-through: a reader was
offered «Загрузить и проверить» and «Удалить» on every version, each answered by «Доступ
запрещён»)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Membership
from segprofile.web.studies.services import create_study_from_example


@pytest.mark.django_db
def test_the_data_page_offers_upload_to_editors_and_deletion_to_owners(
    client_in: Client, user: User
) -> None:
    study = create_study_from_example(user, "child-benefit", rows=300, seed=2)
    people = {}
    for role in ("viewer", "editor"):
        people[role] = User.objects.create_user(f"{role}-x", password="x")
        Membership.objects.create(study=study, user=people[role], role=role)
    url = reverse("studies:data", kwargs={"pk": study.pk})
    delete = reverse(
        "studies:data_version_delete", kwargs={"pk": study.pk, "source_id": "records", "version": 1}
    )
    pages = {"owner": client_in.get(url).content.decode()}
    for role, person in people.items():
        client = Client()
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        pages[role] = response.content.decode()
    assert 'id="upload-button"' in pages["owner"]
    assert 'id="upload-button"' in pages["editor"]
    assert 'id="upload-button"' not in pages["viewer"]
    assert "Файлы загружают и импортируют редакторы исследования" in pages["viewer"]
    assert delete in pages["owner"]
    assert delete not in pages["editor"]
    assert delete not in pages["viewer"]
