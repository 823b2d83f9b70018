"""«Проверить снова с этими настройками» on the trips export's check page: the file is
inspected again with the analyst's choices, and its preview still hides the departments and
positions of a few employees (the same rule, :func:`datasets.rare_cells`), in the page and in
the upload's stored summary; the dominant department stays."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.web.test_data_import_web import (
    column_index,
    decisions,
    inspect_url,
    meta,
    page_text,
    token_of,
    upload,
)

from segprofile.web.studies.models import Study
from trips_export import DOMINANT, RARE, RARE_POSITION, SPACED, trips_csv


@pytest.mark.django_db
def test_a_recheck_keeps_rare_values_hidden(client_in: Client, stored_study: Study) -> None:
    token = token_of(
        upload(
            client_in,
            stored_study,
            "trips_2025.csv",
            trips_csv(),
            source="__new__",
            new_source_kind="client_records",
            new_source_title="Командировки сотрудников",
        )
    )
    number = column_index(stored_study, token, "Табельный номер")
    position = column_index(stored_study, token, "Должность")
    data = decisions(
        stored_study,
        token,
        action="recheck",
        **{
            f"type_{number}": "identifier",  # the employee's number: people counted by it
            f"use_{number}": "id",
            f"use_{position}": "none",  # not a feature now: still a category, still checked
        },
    )
    response = client_in.post(inspect_url(stored_study, token), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    stored = json.dumps(meta(stored_study, token)["summary"], ensure_ascii=False)
    columns = {c["name"]: c for c in meta(stored_study, token)["summary"]["columns"]}
    assert columns["Должность"]["use"] == "none"  # the recheck applied the choices
    for rare in [*RARE, SPACED, RARE_POSITION, "Советник", "Референт"]:
        assert rare not in page, rare
        assert rare not in stored, rare
    assert DOMINANT in page
    assert page.count("редкое значение") >= 12 + 9
