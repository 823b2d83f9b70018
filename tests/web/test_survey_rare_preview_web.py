"""A regional survey uploaded on the survey page: neither its check page (before the import)
nor its mapping page's preview (after) shows a region or an age group of fewer than min_cell
respondents — the one Chukotka respondent, two Nenets respondents of six rows — while the
dominant answers stay; the mapping page says why («редкое значение»)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.forms.data import NEW_SOURCE
from segprofile.web.studies.models import Study
from skewed_survey import FREQUENT_AGE, RARE_AGE, RARE_REGIONS, survey_csv
from upload_gate import confirm_import


@pytest.mark.django_db
def test_rare_answers_are_hidden_before_and_after_the_import(
    client_in: Client, stored_study: Study
) -> None:
    assert stored_study.current_revision().to_document().segmentation.min_cell == 5
    response = client_in.post(
        reverse("studies:survey", kwargs={"pk": stored_study.pk}),
        {
            "source": NEW_SOURCE,
            "title": "Опрос получателей пособия",
            "file": SimpleUploadedFile("опрос.csv", survey_csv(ids="СНИЛС")),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    check = html_lib.unescape(client_in.get(response["Location"]).content.decode())
    imported = confirm_import(client_in, stored_study, response)
    assert imported.status_code == 302, imported.content.decode()[:2000]
    mapping = html_lib.unescape(client_in.get(imported["Location"]).content.decode())
    for page in (check, mapping):
        preview = page[page.index('id="preview"') :].split("</table>", 1)[0]
        for rare in [*RARE_REGIONS, RARE_AGE]:
            assert rare not in page, (rare, "check" if page is check else "mapping")
        cells = re.findall(r"<td>(.*?)</td>", preview, re.S)
        assert FREQUENT_AGE in cells  # beside a rare region (the Nenets rows)
        assert sum("редкое значение" in c for c in cells) >= 8 + 1  # regions, and one age
    assert "Не показан и ответ, который во всём файле дали меньше 5 респондентов" in mapping
