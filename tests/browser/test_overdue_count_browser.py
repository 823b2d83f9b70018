"""Browser: recommendations written with past due dates are totalled on the recommendations
page's counts line («просрочено: N»), beside the counts by status; a done one is not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from tests.browser.steps import new_example_study, new_recommendation, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_overdue_recommendations_are_counted(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)
    page.goto(f"/studies/{pk}/recommendations/")
    counts = page.locator("p.hyp-counts")
    expect(counts).to_be_visible()
    expect(counts).not_to_contain_text("просрочено")

    past = date.today() - timedelta(days=40)
    for title, status in (
        ("Рассказывать о подаче через Госуслуги в сельских МФЦ", "Запланирована"),
        ("Памятка о Госуслугах в сельских администрациях", "Выполняется"),
        ("Объявление о Госуслугах в районной газете", "Выполнена"),
    ):
        page.goto(f"/studies/{pk}/hypotheses/")
        form = new_recommendation(
            page,
            "p_unaware_epgu",
            title=title,
            change="На шаге «Узнать о пособии» — памятка о Госуслугах.",
            responsible="Отдел по работе с МФЦ",
            status=status,
            due=past.isoformat(),
        )
        form.get_by_role("button", name="Сохранить").click()
        expect(page.locator("article.rec-item", has_text=title)).to_be_visible()

    overdue = page.locator("#rec-overdue-count")
    expect(overdue).to_have_text("просрочено: 2")
    expect(page.locator(".rec-overdue")).to_have_count(2)
    expect(counts).to_contain_text("Выполнена: 1")
    shot(page, "overdue-count-01-line", counts)
    shot(page, "overdue-count-02-page")
