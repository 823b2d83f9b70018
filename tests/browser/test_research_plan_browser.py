"""Browser (1366×768): the research plan kept in place (M-8, issue 19) — an interview planned
for two segments, respondents of the computed plan invited and marked interviewed / refused,
the coverage following each mark, the survey margin changed and the sample sizes with it."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.steps import SLOW, example_profile, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_plan_interviews_mark_respondents_and_set_the_margin(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)  # the profile the study's creation queued

    page.goto(f"/studies/{pk}/research/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("План исследований")
    if page.locator("#plan-missing").count():
        page.get_by_role("button", name="Рассчитать план").click()
    # The worker computes the plan after the profile; the page reloads when it is done.
    expect(page.locator("#respondents")).to_be_visible(timeout=SLOW)
    expect(page.locator("#respondents")).not_to_contain_text("H(")
    expect(page.locator("#respondents")).to_contain_text("Для интервью подобрано")
    shot(page, "research-plan-01-page")
    # Each respondent with the quotas they fill, by name, as far as that names nobody.
    respondents = page.locator("#respondents")
    expect(page.locator("#respondents-rule")).to_contain_text("не меньше чем у 5 клиентов")
    chips = respondents.locator("tbody tr").first.locator("span.tag")
    expect(chips.first).to_contain_text(": ")
    respondents.scroll_into_view_if_needed()
    shot(page, "research-plan-01b-respondents", respondents)

    # A new interview for two segments.
    record = page.locator("#research-record")
    record.get_by_role("button", name="Запланировать интервью или опрос").click()
    form = page.locator("#activity-new")
    expect(form.get_by_label("Название")).to_be_visible()
    form.get_by_label("Название").fill("Интервью с заявителями в приёмной и на селе")
    office = form.locator("label.research-target", has_text="Клиентская служба СФР")
    rural = form.locator("label.research-target", has_text="Сельская местность")
    office.locator("input").fill("2")
    rural.locator("input").fill("1")
    # Hypotheses are named «№ n. …» as on every page: chosen by the id in the box's value.
    form.locator('input[name="hypotheses"][value="p_office_slow"]').check()
    shot(page, "research-plan-02-new-activity", form)
    form.get_by_role("button", name="Сохранить").click()
    activity = page.locator("#activity-interviews")
    expect(activity).to_be_visible()
    targets = activity.locator("table.research-targets")
    expect(targets).to_contain_text("ещё 2 интервью")
    expect(targets).to_contain_text("ещё 1 интервью")
    shot(page, "research-plan-03-activity", activity)

    # Respondents from the computed plan, by pseudonym: those of the office first.
    activity.get_by_role("button", name="Пригласить респондентов из плана").click()
    choices = activity.locator("ul.respondent-choices input[type=checkbox]")
    expect(choices.first).to_be_visible()
    for i in range(3):
        choices.nth(i).check()
    shot(page, "research-plan-04-invite", activity)
    activity.get_by_role("button", name="Пригласить выбранных").click()
    activity = page.locator("#activity-interviews")
    people = activity.locator("li.respondent")
    expect(people).to_have_count(3)
    expect(people.first).to_contain_text("Приглашён")

    first_segment = people.first.locator("span.small").first.inner_text()
    second_segment = people.nth(1).locator("span.small").first.inner_text()
    # The first interviewed (the note's phone number is masked), the second refused.
    people.first.get_by_role("button", name="Отметить").click()
    marked = activity.locator("li.respondent--form")
    marked.get_by_label("Статус").select_option("interviewed")
    marked.get_by_label("Заметка").fill("Договорились о встрече, телефон +7 912 345-67-89.")
    shot(page, "research-plan-05-mark", activity)
    marked.get_by_role("button", name="Сохранить").click()
    activity = page.locator("#activity-interviews")
    expect(activity.locator("li.respondent--interviewed")).to_contain_text("Интервью проведено")
    expect(activity.locator("li.respondent").first).not_to_contain_text("345-67-89")
    activity.locator("li.respondent").nth(1).get_by_role("button", name="Отметить").click()
    marked = activity.locator("li.respondent--form")
    marked.get_by_label("Статус").select_option("refused")
    marked.get_by_role("button", name="Сохранить").click()
    activity = page.locator("#activity-interviews")
    expect(activity.locator("li.respondent--refused")).to_contain_text("Отказался от интервью")
    rows = activity.locator("table.research-targets tbody tr")
    first_row = rows.filter(has_text=first_segment)
    expect(first_row.locator("td").nth(2)).to_have_text("1")  # interviewed
    expect(rows.filter(has_text=second_segment).locator("td").nth(4)).to_have_text("1")  # refused
    covered = page.locator("tr.hyp-coverage", has_text="При личной подаче в клиентской службе")
    expect(covered).to_contain_text("охвачена")
    activity.scroll_into_view_if_needed()
    shot(page, "research-plan-06-coverage")
    # The computed plan is not called out of date by the team's marks.
    expect(page.locator("#plan-stale")).to_have_count(0)

    # The survey margin: ±5 points at 99 %, the sizes follow at once.
    settings = page.locator("#research-settings")
    settings.scroll_into_view_if_needed()
    settings.locator("summary").click()
    before = settings.locator("tbody tr").first.locator("td").nth(2).inner_text()
    settings.get_by_role("button", name="Изменить").click()
    settings = page.locator("#research-settings")
    settings.get_by_label("Допустимая погрешность, ± п. п.").fill("5")
    settings.get_by_label("Доверительная вероятность").select_option("99")
    shot(page, "research-plan-07-margin", settings)
    settings.get_by_role("button", name="Сохранить").click()
    settings = page.locator("#research-settings")
    expect(settings).to_contain_text("Погрешность ±5")
    expect(settings).to_contain_text("при доверительной вероятности 99 %")
    settings.locator("summary").click()
    after = settings.locator("tbody tr").first.locator("td").nth(2).inner_text()
    assert int(after.replace("\u00a0", "").replace(" ", "")) > int(
        before.replace("\u00a0", "").replace(" ", "")
    )
    shot(page, "research-plan-08-sizes")

    # The plan computed again while the analyst fills in a new activity: when the job ends,
    # the computed part comes in place of its progress, and the half-filled form stays.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    page.request.post(
        f"/studies/{pk}/research/plan/",
        form={"csrfmiddlewaretoken": token or ""},
        headers={"Referer": page.url},
    )
    page.goto(f"/studies/{pk}/research/")
    page.locator("#research-record").get_by_role(
        "button", name="Запланировать интервью или опрос"
    ).click()
    form = page.locator("#activity-new")
    form.get_by_label("Название").fill("Опрос заявителей, начат во время расчёта")
    shot(page, "research-plan-09-form-while-computing")
    expect(page.locator("#respondents")).to_be_visible(timeout=SLOW)
    expect(page.locator("#plan-progress")).to_have_count(0)
    expect(form.get_by_label("Название")).to_have_value("Опрос заявителей, начат во время расчёта")
    shot(page, "research-plan-10-form-kept")
