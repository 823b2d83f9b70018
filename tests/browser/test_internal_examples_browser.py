"""M-14 in real Chromium: a study made from the internal-accounting example (its clients are
all employees) opens a new role's form with examples of employees, not of parents applying
for a benefit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in

pytestmark = pytest.mark.browser


def test_an_internal_study_s_role_form_speaks_of_employees(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    page.goto("/studies/new/")
    page.locator('button[data-example="internal-accounting"]').click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    roles = page.locator("#roles")
    expect(roles.locator(".section-guide")).to_contain_text("Сотрудник — все работники органа")
    roles.get_by_role("button", name="Добавить роль").click()
    form = roles.locator("form.role-form")
    expect(form).to_contain_text("например: все сотрудники органа")
    expect(form).to_contain_text("[Вид обращения] = 'Аванс'")
    expect(form.get_by_label("Правило отбора")).to_have_attribute(
        "placeholder", "например: Стаж < 1 и [Вид обращения] = 'Аванс'"
    )
    assert "родители детей" not in roles.inner_text()
    shot(page, "internal-role-form", roles)
