"""The upload review of a new analyst's export of business trips (586 employees, departments of
one to four): the preview hides a department of a few employees (and a position of one), with
the trips beside it; frequent values, numbers and dates stay; dates are written as Russian
dates; the new source, made without an identifier, is named by its title."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.web.test_data_import_web import (
    decisions,
    inspect_url,
    meta,
    page_text,
    token_of,
    upload,
)

from segprofile.model.ids import identifier_from
from segprofile.web.studies.models import Study
from trips_export import DOMINANT, FREQUENT, RARE, RARE_POSITION, SPACED, trips_csv

TITLE = "Командировки сотрудников"


def _upload_trips(client: Client, study: Study) -> str:
    return token_of(
        upload(
            client,
            study,
            "trips_2025.csv",
            trips_csv(),
            source="__new__",
            new_source_kind="client_records",
            new_source_title=TITLE,
        )
    )


@pytest.mark.django_db
def test_the_review_hides_rare_values_and_names_the_source_by_its_title(
    client_in: Client, stored_study: Study
) -> None:
    token = _upload_trips(client_in, stored_study)
    html = client_in.get(inspect_url(stored_study, token)).content.decode()
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    stored = json.dumps(meta(stored_study, token), ensure_ascii=False)
    for rare in [*RARE, SPACED, RARE_POSITION, "Советник", "Референт"]:
        assert rare not in page, rare
        assert rare not in html, rare
        assert rare not in stored, rare  # nor in the upload's stored summary
    assert DOMINANT in page
    assert FREQUENT in page  # «Отдел кадров » is frequent once trimmed, as the import stores it
    assert page.count("редкое значение") >= 12 + 9  # departments and positions of rows 1–12
    assert "встречаются меньше чем в 5 строках всего файла" in page
    # The whole press officer's row: trip type, days and date stay (not a group of their own).
    first_row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "10</td>" in first_row
    assert "01.01.2025" in first_row
    # Ranges of dates as the rest of the pages write dates.
    assert "01.01.2025 … 28.12.2025" in page
    assert "2025-01-01" not in page
    # The new source: its id made from the title, the page naming it by the title.
    source_id = meta(stored_study, token)["source_id"]
    taken = {s.id for s in stored_study.current_revision().to_document().data_sources}
    assert source_id == identifier_from(TITLE, taken, fallback="source", length=32)
    assert f"Для нового источника данных «{TITLE}»" in page
    data_page = page_text(client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    assert f"trips_2025.csv</strong> → {TITLE}" in data_page


@pytest.mark.django_db
def test_the_threshold_is_the_studys_min_cell(client_in: Client, stored_study: Study) -> None:
    """A study that shows groups from 4 people on hides the press office and the protocol only."""
    revision = stored_study.current_revision()
    document = revision.to_document()
    document.segmentation.min_cell = 4
    stored_study.add_revision(document, author=stored_study.owner, comment="порог 4")
    page = page_text(
        client_in.get(inspect_url(stored_study, _upload_trips(client_in, stored_study)))
    )
    assert "Пресс-служба" not in page
    assert "Отдел протокола" not in page
    assert "Мобилизационный отдел" in page
    assert "встречаются меньше чем в 4 строках всего файла" in page


@pytest.mark.django_db
def test_a_queued_import_of_a_new_source_names_it_by_its_title(
    client_in: Client, stored_study: Study, settings: Any
) -> None:
    """Before the worker takes it the new source is not in the study yet: the import page names
    it by the title given with the upload, not by the identifier made of it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    token = _upload_trips(client_in, stored_study)
    queued = client_in.post(
        inspect_url(stored_study, token),
        decisions(stored_study, token, confirm_pii="on", action="import"),
    )
    assert queued.status_code == 302
    page = page_text(client_in.get(queued["Location"]))
    assert f"Источник данных «{TITLE}»" in page
    assert meta(stored_study, token)["source_id"] not in page.split("<h1>", 1)[1]
