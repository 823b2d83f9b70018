"""Browser (1366×768), two findings of a new user's walk-through, as an analyst who writes no
YAML meets them:

- a survey rated «Отлично … Очень плохо» (no scale the program knows) is analysed once its
  answers are given points 1–5 on the survey's page (M-9), the error before saying which
  column and which answers, never a rare wording;
- the «invite» button of an interview comes with the computed plan (M-8), without a reload,
  and a form open meanwhile stays as it is.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.browser.steps import SLOW, example_profile, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect

GRADES = ["Отлично", "Хорошо", "Удовлетворительно", "Плохо", "Очень плохо", "Не обращался"]


def test_a_rating_in_its_own_words_gets_points_and_is_analysed(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page)
    page.goto(f"/studies/{pk}/research/survey/")
    expect(page.locator("#stored-surveys")).to_contain_text("версия 1")
    stored = next((live_app.home / "studies" / pk / "datasets").glob("*/survey/v1.parquet"))
    frame = pd.read_parquet(stored)
    # Skewed to the good end, a tenth never applied, some blank; case and spaces as typed;
    # one respondent's own wording.
    rng = np.random.default_rng(5)
    rated = rng.choice(GRADES, size=len(frame), p=[0.3, 0.25, 0.15, 0.1, 0.1, 0.1]).tolist()
    for i in range(0, len(rated), 7):
        rated[i] = f"  {rated[i].lower()} "
    for i in range(2, len(rated), 13):
        rated[i] = None
    rated[1] = "Оч. плохо, сами знаете почему"
    frame["Оценка работы МФЦ"] = rated
    page.get_by_text("Загрузить другой файл ответов").click()
    page.locator("input[name=file]").set_input_files(
        {
            "name": "opros-mfc.csv",
            "mimeType": "text/csv",
            "buffer": frame.to_csv(sep=";", index=False).encode("utf-8"),
        }
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", name="Проверьте файл opros-mfc.csv")).to_be_visible()
    for action in page.locator("select[name^=pii_]").all():
        if action.input_value() == "keep":
            reason = str(action.get_attribute("name")).replace("pii_", "reason_")
            page.locator(f"input[name={reason}]").fill("демо-данные примера: уже псевдонимы")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator("#preview")).to_contain_text("Оценка работы МФЦ", timeout=SLOW)
    expect(page.locator("#preview")).not_to_contain_text("Оч. плохо")

    def choose_question() -> None:
        page.select_option('select[name="q-0-question"]', "Оценка работы МФЦ")
        page.select_option('select[name="q-0-hypothesis"]', "p_docs_burden")
        page.select_option('select[name="q-0-support"]', "no")

    choose_question()
    page.get_by_role("button", name="Проанализировать").click()
    error = page.locator("#survey-error")
    expect(error).to_contain_text("Вопрос «Оценка работы МФЦ»: ответы не на известной шкале")
    expect(error).to_contain_text("«Отлично»")
    expect(error).to_contain_text("«Баллы ответов»")
    expect(page.locator("body")).not_to_contain_text("Оч. плохо")
    points = page.locator("#answer-points")
    expect(points).to_contain_text("Оценка работы МФЦ")
    expect(points).to_contain_text(re.compile(r"Ещё \d+ ответ\w* с редки"))
    shot(page, "survey-points-01-error")
    # The question stays chosen: only the points are to be given.
    expect(page.locator('select[name="q-0-question"]')).to_have_value("Оценка работы МФЦ")
    for label, point in [
        ("Отлично", "5"),
        ("Хорошо", "4"),
        ("Удовлетворительно", "3"),
        ("Плохо", "2"),
        ("Очень плохо", "1"),
    ]:
        points.get_by_label(f"Балл ответа «{label}»", exact=True).select_option(point)
    points.get_by_label("Балл ответа «Не обращался»").select_option("none")
    points.scroll_into_view_if_needed()
    shot(page, "survey-points-02-given", points)
    page.get_by_role("button", name="Проанализировать").click()
    tests = page.locator("#tests")
    expect(tests).to_be_visible(timeout=SLOW)
    expect(page.locator("#survey-error")).to_have_count(0)
    expect(tests).to_contain_text("Оценка работы МФЦ")
    shot(page, "survey-points-03-analysis")

    # Kept with the survey: a reload shows them, and the history names who gave them.
    page.reload()
    points = page.locator("#answer-points")
    expect(points.get_by_label("Балл ответа «Плохо»")).to_have_value("2")
    expect(points.get_by_label("Балл ответа «Не обращался»")).to_have_value("none")
    choose_question()
    page.get_by_role("button", name="Проанализировать").click()
    expect(page.locator("#tests")).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name="Записать вердикты в гипотезы").click(timeout=SLOW)
    expect(page).to_have_url(re.compile(r"/hypotheses/#registry$"), timeout=SLOW)
    burden = page.locator("#h-p_docs_burden")
    # The verdict's reason names the question (its figures only where min_cell answers are).
    expect(burden).to_contain_text("«Оценка работы МФЦ»")
    expect(burden).not_to_contain_text("Оч. плохо")
    burden.scroll_into_view_if_needed()
    shot(page, "survey-points-04-evidence", burden)


def test_the_invite_button_comes_with_the_computed_plan(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)
    page.goto(f"/studies/{pk}/research/")
    expect(page.locator("#respondents")).to_be_visible(timeout=SLOW)
    # A change the plan reads (interviews one person may give): it is out of date.
    settings = page.locator("#research-settings")
    settings.get_by_role("button", name="Изменить").click()
    settings = page.locator("#research-settings")
    settings.get_by_label("Сколько интервью можно проводить с одним человеком").fill("2")
    with page.expect_response(re.compile(r"/research/settings/")) as saved:
        settings.get_by_role("button", name="Сохранить").click()
    assert saved.value.ok
    page.reload()
    stale = page.locator("#plan-stale")
    expect(stale).to_be_visible()

    # The progress poll is held (HTMX gets «nothing new») until the page is looked at while
    # the plan is computed: the worker may be quicker than a person.
    held = {"on": True}

    def progress(route: Any) -> None:
        if held["on"]:
            route.fulfill(status=204, body="")
        else:
            route.continue_()

    page.route(re.compile(r"/research/plan/progress/"), progress)
    stale.get_by_role("button", name="Пересчитать план").click()
    expect(page.locator("#plan-progress")).to_be_visible()
    interviews = page.locator("#activity-interviews_segments")
    expect(interviews).to_contain_text("сначала рассчитайте план")
    expect(interviews.get_by_role("button", name="Пригласить респондентов из плана")).to_have_count(
        0
    )
    # Meanwhile the analyst edits another interview: the form must survive the plan.
    page.locator("#activity-interviews_blind_zone").get_by_role("button", name="Изменить").click()
    title = page.locator("form").get_by_label("Название")
    expect(title).to_be_visible()
    title.fill("Интервью с семьями, не обращавшимися за пособием (сёла)")
    shot(page, "invite-01-computing")

    held["on"] = False
    expect(page.locator("#respondents")).to_be_visible(timeout=SLOW)
    invite = interviews.get_by_role("button", name="Пригласить респондентов из плана")
    expect(invite).to_be_visible()
    expect(title).to_have_value("Интервью с семьями, не обращавшимися за пособием (сёла)")
    interviews.scroll_into_view_if_needed()
    shot(page, "invite-02-button-came")
    invite.click()
    choices = interviews.locator("ul.respondent-choices input[type=checkbox]")
    expect(choices.first).to_be_visible()
    choices.nth(0).check()
    choices.nth(1).check()
    interviews.get_by_role("button", name="Пригласить выбранных").click()
    interviews = page.locator("#activity-interviews_segments")
    expect(interviews.locator("li.respondent")).to_have_count(2)
    # Still more to invite: the button is there again, without a reload.
    expect(
        interviews.get_by_role("button", name="Пригласить респондентов из плана")
    ).to_be_visible()
    shot(page, "invite-03-invited", interviews)
