"""The NPS question chosen in the settings section, in real Chromium at 1366×768 (issue 19):
the select offers the numeric columns with one sentence of guidance; the satisfaction column
itself is refused beside the field; a good choice is saved and shown."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in

pytestmark = pytest.mark.browser


def test_nps_question_in_the_settings(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    new_example_study(page, profile=False)
    settings = page.locator("#settings")
    settings.get_by_role("button", name="Изменить").click()
    field = settings.get_by_label("Столбец вопроса NPS")
    expect(field).to_be_visible()
    expect(settings).to_contain_text("доля сторонников (9–10) минус доля критиков (0–6)")
    rating = settings.get_by_label("Столбец оценки удовлетворённости").input_value()
    assert rating
    field.select_option(rating)
    settings.get_by_role("button", name="Сохранить настройки").click()
    expect(settings.locator(".field__error")).to_contain_text("выберите для него отдельный столбец")
    shot(page, "nps-1-refused", settings)
    options = [
        o for o in field.locator("option").all_inner_texts() if o not in ("— не выбрано —", rating)
    ]
    assert options
    field.select_option(label=options[0])
    settings.get_by_role("button", name="Сохранить настройки").click()
    expect(settings.locator("form")).to_have_count(0)
    expect(settings).to_contain_text("ответы от 0 до 10")
    shot(page, "nps-2-saved", settings)
