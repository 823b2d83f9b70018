"""The survey's preview names each column's kind as the analyst reads it: the region and the
channel are «категория», statements answered «Полностью согласен … Полностью не согласен» a
«шкала», only the open answer «свободный текст» (the walk-through saw «свободный текст» over
all of them)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.forms.data import NEW_SOURCE
from segprofile.web.studies.models import Study
from upload_gate import confirm_import
from verbal_survey import STATEMENTS, survey_export


@pytest.mark.django_db
def test_the_preview_labels_categories_scales_and_free_text(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.post(
        reverse("studies:survey", kwargs={"pk": stored_study.pk}),
        {
            "source": NEW_SOURCE,
            "title": "Опрос получателей выплаты",
            "file": SimpleUploadedFile("опрос.csv", survey_export()),
        },
    )
    imported = confirm_import(client_in, stored_study, response)
    assert imported.status_code == 302, imported.content.decode()[:2000]
    page = html_lib.unescape(client_in.get(imported["Location"]).content.decode())
    preview = page[page.index('id="preview"') :].split("</thead>", 1)[0]
    names, kinds = (
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th>(.*?)</th>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", preview, re.S)
    )
    label = dict(zip(names, kinds, strict=True))
    assert label["Регион проживания"] == "категория"
    assert label["Канал подачи"] == "категория"
    for statement in STATEMENTS:
        assert label[statement] == "шкала"
    assert label["Общая оценка (1-5)"] == "шкала"
    assert label["Что бы вы улучшили в услуге?"] == "свободный текст"
    assert "Смирнова" not in page
    assert "8-905" not in page
