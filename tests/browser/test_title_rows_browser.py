"""The walk-through in a browser: a 1С export with its title above the header is uploaded and
its check page opens (it was refused as «не удалось разобрать строки CSV»), saying the title was
skipped and that a department is written in two cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in, upload_for_check

from travel_export import ROWS, travel_export

pytestmark = pytest.mark.browser


def test_an_export_with_a_title_row_opens_its_check_page(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    export = tmp_path / "komandirovki.csv"
    export.write_bytes(travel_export(totals=True))
    sign_in(page, live_app)
    new_example_study(page, profile=False)
    page.locator("#data-import-link").click()
    upload_for_check(page, export)
    facts = page.locator("#file")
    expect(facts).to_contain_text("Windows-1251")
    expect(facts).to_contain_text(
        "начинается со строки 2; строки выше (название выгрузки) пропущены"
    )
    expect(page.locator("#row-count")).to_have_text(str(ROWS))
    expect(page.locator("#quality")).to_contain_text(
        "В столбце «Подразделение» 1 значение записано в нескольких вариантах, которые "
        "различаются только регистром букв"
    )
    shot(page, "title-rows-01-check-page")
    shot(page, "title-rows-02-quality", page.locator("#quality"))
