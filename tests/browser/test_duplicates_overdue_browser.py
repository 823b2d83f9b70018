"""Browser: a hypothesis typed again (another case, no final dot) is refused beside its wording,
naming the one the study has; a recommendation with a past due date is saved, said to be past
and marked «просрочена» on the recommendations page, and its form says so beside the date."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from tests.browser.steps import new_example_study, new_hypothesis, new_recommendation, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_a_duplicate_is_refused_and_a_late_recommendation_is_marked(
    page: Any, live_app: Any
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)

    # --- № 1 of the example (a need of every client) typed again ----------------------------
    page.goto(f"/studies/{pk}/hypotheses/")
    form = new_hypothesis(
        page,
        kind="Потребность",
        statement="получить решение и первую выплату  быстро, без повторных визитов и ожидания",
    )
    form.get_by_role("button", name="Сохранить").click()
    error = page.locator("#hypothesis-form-new .field--error .field__error")
    expect(error).to_contain_text("Такая гипотеза уже есть: № 1 «Получить решение и первую")
    expect(error).to_contain_text("Измените формулировку или откройте её.")
    shot(page, "dup-01-hypothesis-refused", page.locator("#hypothesis-form-new"))
    page.locator("#hypothesis-form-new").get_by_role("link", name="Отмена").click()
    # Nothing was stored: no hypothesis starts with a small letter (has_text would ignore case).
    typed = page.locator("article.hyp", has_text=re.compile("получить решение и первую"))
    expect(typed).to_have_count(0)

    # --- a recommendation whose date has passed --------------------------------------------
    past = date.today() - timedelta(days=295)
    form = new_recommendation(
        page,
        "p_unaware_epgu",
        title="Рассказывать о подаче через Госуслуги в сельских МФЦ",
        change="На шаге «Узнать о пособии» — памятка о Госуслугах.",
        responsible="Отдел по работе с МФЦ",
        status="Запланирована",
        due=past.isoformat(),
    )
    form.get_by_role("button", name="Сохранить").click()
    rec = page.locator("article.rec-item", has_text="Рассказывать о подаче через Госуслуги")
    expect(rec.locator(".rec-overdue")).to_have_text("просрочена")
    expect(rec).to_contain_text(f"{past:%d.%m.%Y} — просрочена")
    expect(page.get_by_text(f"Срок {past:%d.%m.%Y} уже прошёл")).to_be_visible()
    shot(page, "dup-02-recommendation-overdue")
    # The others have no date: none is marked.
    expect(page.locator(".rec-overdue")).to_have_count(1)

    rec.get_by_role("link", name="Изменить").click()
    note = page.locator("form.eform .field__note")
    expect(note).to_contain_text("уже прошёл")
    shot(page, "dup-03-recommendation-form-note", page.locator("form.eform"))
