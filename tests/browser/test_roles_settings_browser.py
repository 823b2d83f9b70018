"""Roles, segmentation settings and the priority weights edited in place, in real Chromium at
1366×768 (issue 19): a mistake is shown beside its field, the fix is saved as a revision, the
ranking follows the weights as they are typed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import SLOW, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser


def test_roles_settings_and_priority_in_place(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)
    roles = page.locator("#roles")

    # A new role: the audience's rule without a description is refused beside the field.
    roles.get_by_role("button", name="Добавить роль").click()
    form = roles.locator("form.role-form")
    expect(form).to_be_visible()
    form.get_by_label("Вид роли").select_option("intermediary")
    form.get_by_label("Название роли").fill("Законный представитель")
    form.get_by_label("Правило отбора").fill("applicant_age >= 18 and children > 0")
    expect(form.locator("#rule-count-form")).to_contain_text("Подходят под правило", timeout=30_000)
    form.get_by_role("button", name="Сохранить роль").click()
    error = roles.locator(".field__error")
    expect(error).to_contain_text("Опишите аудиторию")
    shot(page, "roles-1-refused", roles)

    form = roles.locator("form.role-form")
    form.get_by_label("Аудитория: кто имеет право").fill("Опекуны и попечители детей")
    form.get_by_label("НПА").first.select_option(index=1)
    form.get_by_label("Статья, пункт").first.fill("ст. 5")
    form.get_by_role("button", name="Сохранить роль").click()
    expect(roles.locator("form.role-form")).to_have_count(0)
    expect(roles).to_contain_text("Законный представитель")
    expect(roles).to_contain_text("Опекуны и попечители детей")
    shot(page, "roles-2-saved", roles)

    # Settings: the range of k upside down is refused beside the field, then fixed.
    settings = page.locator("#settings")
    settings.get_by_role("button", name="Изменить").click()
    form = settings.locator("form.settings-form")
    expect(form).to_be_visible()
    form.get_by_label("от", exact=True).fill("7")
    form.get_by_label("до", exact=True).fill("4")
    form.get_by_role("button", name="Сохранить настройки").click()
    expect(settings.locator(".field__error")).to_contain_text("меньше наименьшего (7)")
    shot(page, "settings-1-refused", settings)
    settings.get_by_label("до", exact=True).fill("8")
    settings.get_by_label("задать").check()  # a fixed number: the quickest profile to build
    settings.get_by_label("Заданное число").fill("3")
    settings.get_by_label("Наименьшая показываемая группа").fill("10")
    settings.get_by_role("button", name="Сохранить настройки").click()
    expect(settings.locator("form")).to_have_count(0)
    expect(settings.locator("dd").nth(2)).to_have_text("3")
    expect(settings).to_contain_text("10 человек")
    shot(page, "settings-2-saved", settings)

    # Build the profile, open the priorities, move a weight: the ranking follows, unsaved.
    page.get_by_role("button", name="Построить профиль").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.get_by_role("link", name="Приоритеты")).to_be_visible(timeout=240_000)
    page.get_by_role("link", name="Приоритеты").click()
    expect(page.locator("#priority-settings")).to_be_visible()
    shot(page, "priority-1-page")
    weights = page.locator("#priority-settings input[name='when_low_sponsor']")
    weights.fill("5")
    # A computation in the request: seconds on a loaded machine.
    expect(page.locator("#priority-ranking")).to_contain_text(
        "Предварительный расчёт", timeout=SLOW
    )
    page.locator("#priority-settings input[name='low_satisfaction_csat']").fill("0")
    expect(page.locator("#priority-ranking .priority-explanation")).to_contain_text("высокая")
    shot(page, "priority-2-preview")
    page.get_by_role("button", name="Сохранить порог и веса").click()
    expect(page.locator(".message--success")).to_contain_text("Редакция 4 сохранена")
    expect(page.locator("#priority-settings input[name='low_satisfaction_csat']")).to_have_value(
        "0"
    )
    assert pk
