"""A population table's count column is chosen on its check page (M-6: the blind zone).

Without it the profile counted the table's rows: «Имеют право: 12 … охват 100 %» for a table of
twelve regions holding 216 000 people. The page offers the numeric columns, guesses the one
named like a number of people, refuses a column that is not numeric in Russian, and the import
writes the choice into the study.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Study
from sp_factories import SMALL_STUDY
from upload_gate import default_decisions, follow_import, token_of

REGIONS = [
    ("Москва", 96_500),
    ("Московская область", 41_200),
    ("Тульская область", 17_800),
    ("Калужская область", 12_300),
    ("Рязанская область", 11_900),
    ("Тверская область", 10_400),
    ("Владимирская область", 9_800),
    ("Ярославская область", 6_100),
    ("Смоленская область", 4_300),
    ("Костромская область", 3_200),
    ("Ивановская область", 2_400),
    ("Республика Тыва", 1),
]


def text_of(response: Any) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


def population_csv() -> bytes:
    """A statistics office's table: the year first (a number too), then the count."""
    lines = ["Год;Регион;Численность имеющих право"]
    lines += [f"2025;{region};{count}" for region, count in REGIONS]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def study(user: User) -> Study:
    document = StudyDocument.model_validate(SMALL_STUDY)
    return Study.create_from_document(document, owner=user, comment="тест")


def upload(client: Client, study: Study) -> str:
    url = reverse("studies:data_upload", kwargs={"pk": study.pk})
    response = client.post(
        url,
        {
            "source": "__new__",
            "new_source_id": "population",
            "new_source_kind": "population",
            "new_source_title": "Численность по регионам",
            "file": SimpleUploadedFile("численность.csv", population_csv()),
        },
    )
    return token_of(response)


def inspect_url(study: Study, token: str) -> str:
    return reverse("studies:data_inspect", kwargs={"pk": study.pk, "token": token})


def option(page: str, name: str) -> str:
    """The value of the count column's option ``name``."""
    found = re.search(rf'<option value="(\d+)"[^>]*>{re.escape(name)}</option>', page)
    assert found, name
    return found.group(1)


@pytest.mark.django_db
def test_the_check_page_guesses_the_count_column_by_its_name(
    client_in: Client, study: Study
) -> None:
    token = upload(client_in, study)
    page = text_of(client_in.get(inspect_url(study, token)))
    section = page[page.index('id="population-count"') : page.index('id="pii"')]
    assert "Сколько людей в строке таблицы" in section
    assert "Столбец с численностью" in section
    # Numbers only («Регион» is not offered); the count, not the year, is chosen.
    assert re.search(r'<option value="\d+" selected>Численность имеющих право<', section)
    assert "— нет: строка — один человек —" in section
    assert ">Год<" in section
    assert ">Регион<" not in section
    # A client-records file has no such question.
    assert "Что исследование возьмёт из этого файла" not in page


@pytest.mark.django_db
def test_the_chosen_count_column_is_written_into_the_study(client_in: Client, study: Study) -> None:
    token = upload(client_in, study)
    page = text_of(client_in.get(inspect_url(study, token)))
    data = default_decisions(
        study, token, action="import", count_column=option(page, "Численность имеющих право")
    )
    response = follow_import(client_in, client_in.post(inspect_url(study, token), data))
    assert response.status_code == 302, text_of(response)[:2000]
    source = study.current_revision().to_document().data_source("population")
    assert source.count_column == "Численность имеющих право"


@pytest.mark.django_db
def test_a_column_that_is_not_numeric_is_refused_in_russian(
    client_in: Client, study: Study
) -> None:
    token = upload(client_in, study)
    page = text_of(client_in.get(inspect_url(study, token)))
    count = option(page, "Численность имеющих право")
    before = study.current_revision().number
    data = default_decisions(
        study, token, action="import", count_column=count, **{f"type_{count}": "categorical"}
    )
    response = client_in.post(inspect_url(study, token), data)
    assert response.status_code == 400
    assert (
        "Численность должна быть числом: выберите для столбца «Численность имеющих право» тип "
        "«числовой» в таблице выше или другой столбец." in text_of(response)
    )
    assert study.current_revision().number == before  # nothing stored


@pytest.mark.django_db
def test_none_chosen_leaves_rows_as_people(client_in: Client, study: Study) -> None:
    token = upload(client_in, study)
    data = default_decisions(study, token, action="import", count_column="")
    response = follow_import(client_in, client_in.post(inspect_url(study, token), data))
    assert response.status_code == 302, text_of(response)[:2000]
    assert study.current_revision().to_document().data_source("population").count_column is None
