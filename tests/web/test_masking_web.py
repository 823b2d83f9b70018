"""The upload pages say what they masked, per kind, and nothing raw is stored (issue 15, part 2)."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from canary import canary_rows, needles, scan_text
from segprofile import pipeline
from segprofile.web.studies.models import Study

NOTE = (
    "Респондент Петров Иван Сергеевич, СНИЛС 112-233-445 95, тел. 8 (912) 345-67-89, "
    "паспорт 4506 123456. «Справки о доходах пришлось собирать три раза, хотя у государства "
    "они есть». Подавала заявление в клиентской службе СФР."
)
CLEAN = "Подавала заявление через Госуслуги. «Справки о доходах пришлось собирать три раза»."


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _study(user: User) -> Study:
    return Study.create_from_document(
        pipeline.example_study("child-benefit"), owner=user, comment="пример"
    )


def test_interview_upload_says_what_it_masked_per_kind(user: User, client_in: Client) -> None:
    study = _study(user)
    url = reverse("studies:interviews", kwargs={"pk": study.pk})
    page = _text(client_in.get(url))
    assert "СНИЛС, ИНН, номера паспортов и банковских карт, даты рождения, адреса" in page
    upload = SimpleUploadedFile("r01.txt", NOTE.encode("cp1251"))
    response = client_in.post(url, {"files": [upload]}, follow=True)
    page = _text(response)
    assert "замаскировано: 1 имя, 1 телефон, 1 СНИЛС, 1 номер паспорта." in page
    stored = study.current_revision().to_document().model_dump_json()
    for secret in ("Петров", "445 95", "345-67-89", "123456"):
        assert secret not in stored
        assert secret not in page


def test_interview_upload_without_personal_data_says_none_was_found(
    user: User, client_in: Client
) -> None:
    study = _study(user)
    url = reverse("studies:interviews", kwargs={"pk": study.pk})
    two = [
        SimpleUploadedFile("r01.txt", CLEAN.encode()),
        SimpleUploadedFile("r02.txt", NOTE.encode()),
    ]
    page = _text(client_in.post(url, {"files": two}, follow=True))
    assert "r01.txt: персональных данных не найдено; r02.txt: замаскировано: 1 имя" in page


def test_journey_upload_says_what_it_masked(user: User, client_in: Client) -> None:
    study = _study(user)
    csv = (
        "Путь;Вид пути;Название пути;Шаг;Название шага;Канал\n"
        "j9;текущий;Путь заявителя;s1;Звонок заявителю;телефон +7 912 345-67-89\n"
    )
    upload = SimpleUploadedFile("пути.csv", csv.encode("utf-8"))
    url = reverse("studies:journeys_import", kwargs={"pk": study.pk})
    page = _text(client_in.post(url, {"file": upload}, follow=True))
    # One saved message («Редакция N сохранена.», sections.saved_message) and the import's count.
    assert re.search(r"Редакция \d+ сохранена\. В текстах шагов замаскировано: 1 телефон\.", page)
    assert "345-67-89" not in page
    assert "345-67-89" not in study.current_revision().to_document().model_dump_json()


def test_a_refused_journeys_file_is_quoted_masked(user: User, client_in: Client) -> None:
    """A journeys file refused for a cell that holds a client's name and phone (pasted into the
    role column): the refusal names the cell and the file, masked."""
    study = _study(user)
    client = canary_rows(3, seed=75)[0]
    csv = (
        "Путь;Вид пути;Название пути;Шаг;Название шага;Роль\n"
        f"j9;текущий;Путь заявителя;s1;Звонок заявителю;{client.fio} {client.phone}\n"
    )
    upload = SimpleUploadedFile(f"{client.fio}.csv", csv.encode("utf-8"))
    url = reverse("studies:journeys_import", kwargs={"pk": study.pk})
    response = client_in.post(url, {"file": upload})
    assert response.status_code == 400
    page = _text(response)
    assert "[имя] [телефон]" in page  # the refusal still says which cell
    hits = scan_text(page, needles([client]))
    assert not hits, f"{len(hits)} raw value(s) of the client on the page"
