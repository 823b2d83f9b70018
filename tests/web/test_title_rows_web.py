"""The walk-through's upload: a 1С export with its title above the header (cp1251, «;», the
title ended with LF, the records with CR LF) is checked and imported through the web, with or
without «Строка заголовка»; the check page says the title was skipped and that «Подразделение»
has values written in two cases, without naming them."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.web.test_data_import_web import (
    do_import,
    inspect_url,
    meta,
    page_text,
    token_of,
    upload,
    versions,
)

from segprofile.web.studies.models import Study
from travel_export import HEADER, ROWS, travel_export


@pytest.mark.django_db
@pytest.mark.parametrize("header_row", ["", "2"])
def test_an_export_with_a_title_row_is_checked_and_imported(
    client_in: Client, stored_study: Study, header_row: str
) -> None:
    content = travel_export(totals=True)
    response = upload(client_in, stored_study, "komandirovki.csv", content, header_row=header_row)
    token = token_of(response)
    summary = meta(stored_study, token)["summary"]
    assert [c["name"] for c in summary["columns"]] == HEADER.split(";")
    assert summary["rows"] == ROWS
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    assert "не удалось разобрать" not in page
    assert "начинается со строки 2; строки выше (название выгрузки) пропущены" in page
    quality = page.split('id="quality"', 1)[1].split("</section>", 1)[0]
    assert (
        "В столбце «Подразделение» 1 значение записано в нескольких вариантах, которые "
        "различаются только регистром букв" in quality
    )
    assert "отдел кадров" not in quality.lower()  # the variants are not named
    done = page_text(do_import(client_in, stored_study, token))
    assert "Ошибка" not in done
    [version] = versions(stored_study)
    assert version.rows == ROWS
    assert version.details["skipped_lines"] == 1
