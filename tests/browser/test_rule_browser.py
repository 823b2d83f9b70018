"""The eligibility rule (M-2) in real Chromium at 1366×768: a rule naming no column is refused
beside the field with the hint to write the column in brackets (no server error, no stale
count), names match ignoring case and «30 000» reads as a number."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in

pytestmark = pytest.mark.browser


def test_a_rule_naming_no_column_is_explained_and_the_right_one_saved(
    page: Any, live_app: Any
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    failures: list[str] = []
    page.on("response", lambda r: failures.append(r.url) if r.status >= 500 else None)
    page.on("pageerror", lambda e: failures.append(str(e)))
    sign_in(page, live_app)
    new_example_study(page, profile=False)
    roles = page.locator("#roles")
    roles.locator("#role-applicant").get_by_role("button", name="Изменить").click()
    form = roles.locator("form.role-form")
    expect(form).to_be_visible()
    help_text = form.locator(".field__help").filter(has_text="квадратных скобках")
    expect(help_text).to_contain_text("[Канал обращения]")
    expect(help_text).to_contain_text("30 000")

    rule = form.get_by_label("Правило отбора")
    count = form.locator("#rule-count-form")
    rule.fill("children >= 3")
    expect(count).to_contain_text("Подходят под правило", timeout=30_000)
    # The tester's rules: the hint of the previous rule does not stay.
    rule.fill("5 > 3")
    expect(count.locator(".rule-error")).to_contain_text("нет ни одного столбца данных")
    expect(count).not_to_contain_text("Подходят под правило")
    rule.fill("\"region_type\" = 'rural'")
    expect(count.locator(".rule-error")).to_contain_text("в двойных кавычках — это текст")
    expect(count).to_contain_text("название столбца пишите в квадратных скобках: [region_type]")
    shot(page, "rule-1-preview-refused", roles)

    form.get_by_role("button", name="Сохранить роль").click()
    error = roles.locator(".field__error")
    expect(error).to_contain_text("название столбца пишите в квадратных скобках: [region_type]")
    expect(roles.locator(".rule-error")).to_have_count(0)  # said once, beside the field
    shot(page, "rule-2-save-refused", roles)

    form = roles.locator("form.role-form")
    rule = form.get_by_label("Правило отбора")
    rule.fill("[Region_Type] = 'rural' и Applicant_Age < 30 000")
    expect(form.locator("#rule-count-form")).to_contain_text("Подходят под правило")
    form.get_by_role("button", name="Сохранить роль").click()
    expect(roles.locator("form.role-form")).to_have_count(0)
    applicant = roles.locator("#role-applicant")
    expect(applicant.locator("code")).to_have_text(
        "[Region_Type] = 'rural' и Applicant_Age < 30 000"
    )
    expect(applicant.locator(".rule-count")).to_contain_text("Подходят под правило")
    shot(page, "rule-3-saved", roles)
    assert failures == []
