"""The upload review in a real browser, as a new analyst meets it: an export of business trips
of 586 employees (departments of one to four) uploaded for a new source with a title and no
identifier. The preview shows «редкое значение» in place of the small departments and
positions, and says why; dates are Russian dates; the page names the source by its title."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in, upload_example_document

from trips_export import DOMINANT, RARE, RARE_POSITION, SPACED, trips_csv

pytestmark = pytest.mark.browser

TITLE = "Командировки сотрудников"


def test_the_review_of_a_trips_export_hides_small_departments(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    export = tmp_path / "trips_2025.csv"
    export.write_bytes(trips_csv())
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_app)
    study_url = upload_example_document(page)

    page.goto(study_url.rstrip("/") + "/data/sources/")
    page.locator("select[name=source]").select_option("__new__")
    expect(page.locator("input[name=new_source_id]")).to_have_value("")
    page.locator("select[name=new_source_kind]").select_option("client_records")
    page.locator("input[name=new_source_title]").fill(TITLE)
    page.get_by_label("Файл").set_input_files(str(export))
    page.locator("#upload-button").click()
    expect(page.get_by_role("heading", name=f"Проверьте файл {export.name}")).to_be_visible()

    expect(page.locator(".pagehead")).to_contain_text(f"Для нового источника данных «{TITLE}»")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("редкое значение")
    expect(preview).to_contain_text("встречаются меньше чем в 5 строках всего файла")
    expect(preview).to_contain_text(DOMINANT)
    body = page.locator("body").inner_text()
    for rare in [*RARE, SPACED, RARE_POSITION]:
        assert rare not in body, rare
    first = preview.locator("tbody tr").first
    expect(first).to_contain_text("01.01.2025")
    columns = page.locator("#columns")
    expect(columns.locator("tr", has_text="Дата выезда")).to_contain_text(
        re.compile(r"01\.01\.2025 … 28\.12\.2025")
    )
    shot(page, "upload-review-rare", preview)
    shot(page, "upload-review-rare-page")
