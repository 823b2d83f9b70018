"""Browser: an analyst writes two hypotheses (M-7), edits a suggestion and accepts it, then writes
a recommendation (M-11) for a problem — in place, never touching YAML — at 1366×768.

The profile is the one the example study's creation queued (suggestions need one). Writing a
need, a problem and a recommendation is in the whole-profile test too
(``test_whole_profile_browser.py``) with the same steps (``steps.py``); what the forms and the
saved items show is checked here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.browser.steps import (
    example_profile,
    new_example_study,
    new_hypothesis,
    new_recommendation,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_hypotheses_and_a_recommendation_written_in_the_browser(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)

    # --- a need, written in place ---------------------------------------------------------
    page.goto(f"/studies/{pk}/")
    page.get_by_role("link", name="Гипотезы: потребности и проблемы").click()
    form = new_hypothesis(
        page,
        kind="Потребность",
        statement="Узнать заранее, сколько займёт рассмотрение заявления",
        hunt=2,
        aidas="Интерес",
        step="current.learn",
        source="Интервью с заявителями",
    )
    expect(form).to_contain_text("Новая гипотеза")
    expect(form).to_contain_text("лестницы Ханта")
    form.locator('input[value="region_type=rural"]').check()
    shot(page, "hyp-01-new-need-form", form)
    form.get_by_role("button", name="Сохранить").click()
    need = page.locator("#h-n1")
    expect(need).to_contain_text("Узнать заранее, сколько займёт рассмотрение")
    expect(need).to_contain_text("Интерес")
    expect(page.locator(".messages, .message, [role=status]").first).to_be_visible()

    # --- a problem: a wrong choice is named beside its field, then fixed -------------------
    form = new_hypothesis(
        page,
        kind="Потребность",  # a need may not name the need it leaves unmet
        statement=(
            "Сельским семьям не сообщают срок рассмотрения, они звонят в МФЦ по несколько раз"
        ),
        need="n1",
    )
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
    expect(problem.locator('a[href="#h-n1"]')).to_contain_text("№ ")  # the need by number

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
    form = new_recommendation(
        page,
        "p1",
        title="Сообщать срок рассмотрения в СМС при подаче",
        change="На шаге «Подать заявление» — СМС со сроком.",
        responsible="Отдел социальных выплат",
        status="Выполняется",
        due="2027-03-31",
    )
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

    # --- the need's step once; deleting the problem says what keeps a link to it ---------
    need = page.locator("#h-n1")
    expect(need.locator("dt", has_text="Шаг пути")).to_have_count(1)
    expect(need).not_to_contain_text("Шаги пути")
    expect(need).to_contain_text("Удалить нельзя, пока на неё ссылаются: проблема «№ ")
    said: list[str] = []

    def dismiss(dialog: Any) -> None:
        said.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    problem.get_by_role("button", name="Удалить").click()
    expect(problem).to_be_visible()  # dismissed: nothing deleted
    assert said == [
        "Удалить эту гипотезу? Ссылку на неё сохранят с пометкой «проблема удалена»: "
        "рекомендация «Сообщать срок рассмотрения в СМС при подаче»."
    ]
