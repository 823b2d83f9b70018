"""Browser (1366×768): a regional survey of skewed answers uploaded on the survey page; its
mapping page's preview shows «редкое значение» where a region or age group of fewer than
min_cell respondents was (Chukotka's one respondent, two Nenets respondents of six rows), the
dominant answers beside them, and says why."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.browser.steps import SLOW, new_example_study, shot, sign_in

from skewed_survey import FREQUENT_AGE, RARE_AGE, RARE_REGIONS, survey_csv

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_the_survey_preview_hides_rare_answers(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)
    page.goto(f"/studies/{pk}/research/survey/")
    page.get_by_text("Загрузить другой файл ответов").click()
    page.locator("input[name=file]").set_input_files(
        {"name": "opros-regiony.csv", "mimeType": "text/csv", "buffer": survey_csv(ids="СНИЛС")}
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", name="Проверьте файл opros-regiony.csv")).to_be_visible()
    for region in RARE_REGIONS:
        expect(page.locator("body")).not_to_contain_text(region)
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Регион", timeout=SLOW)
    for rare in [*RARE_REGIONS, RARE_AGE]:
        expect(page.locator("body")).not_to_contain_text(rare)
    expect(preview).to_contain_text(FREQUENT_AGE)
    expect(preview).to_contain_text("редкое значение")
    expect(preview).to_contain_text("меньше 5 респондентов")
    shot(page, "survey-rare-preview-01", preview)
