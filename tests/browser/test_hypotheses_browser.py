"""Browser: an analyst writes two hypotheses (M-7), edits a suggestion and accepts it, then writes
a recommendation (M-11) for a problem — in place, never touching YAML — at 1366×768."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.browser.steps import new_example_study, shot, sign_in

from segprofile import pipeline

expect = pytest.importorskip("playwright.sync_api").expect

ROWS = 2000


def test_hypotheses_and_a_recommendation_written_in_the_browser(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page)
    pipeline.generate_demo_data(
        "child-benefit", live_app.home / "studies" / pk / "data", rows=ROWS, seed=7
    )
    page.get_by_role("button", name="Построить профиль").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.get_by_role("link", name="Сегменты", exact=True)).to_be_visible(timeout=600_000)

    # --- a need, written in place ---------------------------------------------------------
    page.goto(f"/studies/{pk}/")
    page.get_by_role("link", name="Гипотезы: потребности и проблемы").click()
    page.locator("#hypothesis-add").click()
    form = page.locator("#hypothesis-form-new")
    expect(form).to_contain_text("Новая гипотеза")
    expect(form).to_contain_text("лестницы Ханта")
    form.get_by_label("Вид").select_option(label="Потребность")
    form.get_by_label("Формулировка").fill("Узнать заранее, сколько займёт рассмотрение заявления")
    form.get_by_label("Лестница Ханта").select_option(index=2)
    form.get_by_label("AIDAS").select_option(label="Интерес")
    form.get_by_label("Шаг пути").select_option(value="current.learn")
    form.get_by_label("Источник").fill("Интервью с заявителями")
    form.locator('input[value="region_type=rural"]').check()
    shot(page, "hyp-01-new-need-form", form)
    form.get_by_role("button", name="Сохранить").click()
    need = page.locator("#h-n1")
    expect(need).to_contain_text("Узнать заранее, сколько займёт рассмотрение")
    expect(need).to_contain_text("Интерес")
    expect(page.locator(".messages, .message, [role=status]").first).to_be_visible()

    # --- a problem: a wrong choice is named beside its field, then fixed -------------------
    page.locator("#hypothesis-add").click()
    form = page.locator("#hypothesis-form-new")
    form.get_by_label("Вид").select_option(label="Потребность")
    form.get_by_label("Формулировка").fill(
        "Сельским семьям не сообщают срок рассмотрения, они звонят в МФЦ по несколько раз"
    )
    form.get_by_label("Неудовлетворённая потребность (для проблемы)").select_option(value="n1")
    form.get_by_role("button", name="Сохранить").click()
    error = page.locator("#hypothesis-form-new .field--error .field__error")
    expect(error).to_contain_text("только у проблемы")
    shot(page, "hyp-02-error-beside-field", page.locator("#hypothesis-form-new"))
    form = page.locator("#hypothesis-form-new")
    form.get_by_label("Вид").select_option(label="Проблема")
    form.locator('input[value="region_type=rural"]').check()
    form.get_by_role("button", name="Сохранить").click()
    problem = page.locator("#h-p1")
    expect(problem).to_contain_text("Сельским семьям не сообщают срок")
    expect(problem).to_contain_text("n1")

    # --- a suggestion edited, then accepted ----------------------------------------------
    page.locator("#suggested").get_by_role("link", name="Изменить и принять").first.click()
    form = page.locator("#hypothesis-form-new")
    expect(form).to_contain_text("Принять предложение с правками")
    statement = form.get_by_label("Формулировка")
    statement.fill(statement.input_value() + " (проверить на интервью)")
    shot(page, "hyp-03-suggestion-edit", form)
    form.get_by_role("button", name="Принять с правками").click()
    accepted = page.locator("article.hyp", has_text="(проверить на интервью)")
    expect(accepted).to_be_visible()
    expect(accepted).to_contain_text("открыта")  # open, not suggested
    shot(page, "hyp-04-accepted", accepted)

    # --- a recommendation for the problem ------------------------------------------------
    page.locator("#h-p1").get_by_role("link", name="написать рекомендацию").click()
    form = page.locator("#recommendation-form-new")
    expect(form.locator('input[value="p1"]')).to_be_checked()
    form.get_by_label("Вид").select_option(label="Повышение информированности")
    form.get_by_label("Рекомендация", exact=True).fill(
        "Сообщать срок рассмотрения в СМС при подаче"
    )
    form.get_by_label("Целевой путь, который меняется").select_option(index=1)
    form.get_by_label("Изменение пути", exact=True).fill(
        "На шаге «Подать заявление» — СМС со сроком."
    )
    form.get_by_label("Ответственный", exact=True).fill("Отдел социальных выплат")
    form.get_by_label("Статус", exact=True).select_option(label="Выполняется")
    form.get_by_label("Срок", exact=True).fill("2027-03-31")
    shot(page, "hyp-05-recommendation-form", form)
    form.get_by_role("button", name="Сохранить").click()
    rec = page.locator("#rec-r1")
    expect(rec).to_contain_text("Сообщать срок рассмотрения в СМС")
    expect(rec).to_contain_text("Выполняется")
    expect(rec).to_contain_text("31.03.2027")
    expect(rec).to_contain_text("Отдел социальных выплат")
    shot(page, "hyp-06-recommendation", rec)
    shot(page, "hyp-06-recommendations-page")

    # --- back from the problem to its recommendation and the journey it changes ----------
    rec.get_by_role("link", name=re.compile("Сельским семьям не сообщают")).click()
    problem = page.locator("#h-p1")
    expect(problem.get_by_role("link", name="Сообщать срок рассмотрения в СМС")).to_be_visible()
    shot(page, "hyp-07-links", problem)
