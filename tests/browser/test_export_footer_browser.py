"""An export as an accounting system writes it, through the check page in a real browser: a
title above the header, a row counter, amounts with «руб.», a totals row at the end. The page
says the totals row is left out, counts the clients without it, reads the amounts as numbers
and does not take the row counter for the client id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in, upload_for_check

from sp_factories import accounting_export

pytestmark = pytest.mark.browser


def test_a_totals_row_is_said_and_left_out_on_the_check_page(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    export = accounting_export(tmp_path / "выгрузка-АИС.csv", 1500, ["Итого:;;;98 765 432,10;;;"])
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)

    page.goto(f"/studies/{pk}/data/sources/")
    upload_for_check(page, export)
    quality = page.locator("#quality")
    expect(quality).to_contain_text(
        "Последняя строка файла — строка итогов («Итого»), а не запись клиента: она не загружена."
    )
    expect(page.locator("body")).to_contain_text("1 500")
    # The row counter is no personal data and no client id; the amounts are numbers.
    expect(page.locator("#pii tbody").first).not_to_contain_text("№ п/п")
    expect(page.locator("body")).not_to_contain_text("смешаны типы")
    shot(page, "footer-01-check-page")
