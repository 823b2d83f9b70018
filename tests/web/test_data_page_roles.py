"""The data page offers each member only what their role may do (walk-through: a reader was
offered «Загрузить и проверить» and «Удалить» on every version, each answered by «Доступ
запрещён»)."""

from __future__ import annotations

import re
from typing import Any

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


@pytest.mark.django_db
def test_the_check_page_marks_estimated_counts_of_distinct_values(
    client_in: Client, stored_study: Any
) -> None:
    """Distinct values above a thousand are an estimate (walk-through: «117 381 различных» beside
    «Повторы 0» read as exact): the page marks them «≈»; small counts are exact."""
    from tests.web.test_data_import_web import clients_csv, page_text, token_of, upload

    content, _ = clients_csv(1500, seed=8)
    token = token_of(upload(client_in, stored_study, "clients.csv", content))
    page = client_in.get(
        reverse("studies:data_inspect", kwargs={"pk": stored_study.pk, "token": token})
    )
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'<td class="strong">([^<]+)</td>.*?<td class="num">(.*?)</td>',
            page.content.decode(),
            re.S,
        )
    }
    assert "≈" in rows["СНИЛС"]  # 1 500 different numbers
    assert "≈" not in rows["Канал"]  # two channels, counted exactly
    assert "Канал" in page_text(page)


@pytest.mark.django_db
def test_the_check_page_writes_dates_as_the_file_does(
    client_in: Client, stored_study: Any, tmp_path: Any
) -> None:
    """Walk-through: the preview showed «2025-07-13» (and «2025-12-27T18:15:00») for a file
    that wrote «13.07.2025»."""
    from tests.web.test_data_import_web import token_of, upload

    from sp_factories import accounting_export

    path = accounting_export(tmp_path / "export.csv", 40, [])
    token = token_of(upload(client_in, stored_study, "export.csv", path.read_bytes()))
    page = client_in.get(
        reverse("studies:data_inspect", kwargs={"pk": stored_study.pk, "token": token})
    ).content.decode()
    assert re.search(r"<td>\d\d\.\d\d\.2025 \d\d:15</td>", page)
    assert not re.search(r"2025-\d\d-\d\dT", page)
