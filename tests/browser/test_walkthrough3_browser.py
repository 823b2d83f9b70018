"""A new analyst's study page at 1366 px: the labels of its facts («Столбец оценки
удовлетворённости», «Наименьшая показываемая группа») are never broken inside a word — the
settings block read «удовлетворённост / и» in a 150 px label column."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in

pytestmark = pytest.mark.browser

#: Each fact label: the width it needs to break only between words, and the width it has.
WIDTHS = """() => [...document.querySelectorAll('.facts dt')].map((dt) => {
  const has = dt.getBoundingClientRect().width;
  const saved = dt.style.width;
  dt.style.width = 'min-content';
  const needs = dt.getBoundingClientRect().width;
  dt.style.width = saved;
  return [dt.textContent.trim(), needs, has];
})"""


def test_fact_labels_break_only_between_words(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_app)
    page.goto("/studies/new/")
    form = page.locator("form.new-study")
    form.get_by_label("Что профилируется").select_option("support_measure")
    form.get_by_label("Орган власти").fill("Министерство социальной защиты Тверской области")
    form.get_by_label("Название", exact=True).fill("Ежемесячная выплата многодетным семьям")
    form.get_by_label("Внешние клиенты: граждане").check()
    page.locator("#create-blank").click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    settings = page.locator("#settings")
    expect(settings).to_contain_text("Столбец оценки удовлетворённости")
    shot(page, "walk3-settings-facts", settings)
    widths = page.evaluate(WIDTHS)
    assert any(label == "Столбец оценки удовлетворённости" for label, _, _ in widths)
    broken = [label for label, needs, has in widths if needs > has + 0.5]
    assert broken == []
