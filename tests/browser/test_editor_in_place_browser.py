"""The study editor in real Chromium at 1366×768, as the walk-through found it: the header's
revision follows a save in place, a feature deleted from its own page leaves the browser on the
features list, the priority weights are written «0,45» and read with a comma or a point."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import SLOW, example_profile, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

WAIT = 20_000


def _revision(page: Any) -> int:
    found = re.search(r"редакция (\d+)", page.locator("#study-revision").inner_text())
    assert found is not None
    return int(found.group(1))


def test_revision_deletion_and_numbers_in_place(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_app)
    pk = new_example_study(page)
    study_url = f"{live_app.url}/studies/{pk}/"

    # The requisites saved in place: the header shows the new revision without a reload.
    before = _revision(page)
    requisites = page.locator("#requisites")
    requisites.locator("#requisites-edit").click()
    requisites.get_by_label("Регистрационный номер").fill("07-П")
    requisites.get_by_role("button", name="Сохранить").click()
    expect(requisites.locator("dl.facts")).to_contain_text("№ 07-П", timeout=WAIT)
    expect(page.locator("#study-revision")).to_contain_text(f"редакция {before + 1} · ")
    shot(page, "editor-01-header-after-requisites", page.locator(".pagehead"))

    # A feature deleted from its own page: the browser lands on the features list.
    edit = page.locator("#features .feature-edit").first.get_attribute("href")
    assert edit
    page.goto(edit)
    expect(page.get_by_role("button", name="Удалить признак")).to_be_visible(timeout=2 * WAIT)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Удалить признак").click()
    expect(page).to_have_url(f"{study_url}#features", timeout=WAIT)
    expect(page.locator(".message", has_text="удалён")).to_be_visible()
    expect(page.locator("#study-revision")).to_contain_text(f"редакция {before + 2} · ")
    shot(page, "editor-02-after-feature-deleted")
    assert page.reload().status == 200

    # The priorities: weights with a decimal comma; a comma or a point is read, «abc» refused.
    example_profile(page)
    page.get_by_role("link", name="Приоритеты").click()
    page.wait_for_load_state("load")  # htmx listens to the form once the page has loaded
    weights = page.locator("#priority-settings")
    capacity = weights.locator("input[name='when_low_capacity']")
    expect(capacity).to_have_value(re.compile(r"^\d+(,\d+)?$"), timeout=SLOW)
    for field in weights.locator("input[inputmode='decimal']").all():
        assert "." not in field.input_value()
    capacity.fill("0,45")
    weights.locator("input[name='when_high_uniqueness']").fill("0.3")
    # A computation in the request: seconds on a loaded machine.
    expect(page.locator("#priority-ranking")).to_contain_text(
        "Предварительный расчёт", timeout=SLOW
    )
    weights.locator("input[name='when_high_sponsor']").fill("abc")
    page.get_by_role("button", name="Сохранить порог и веса").click()
    refused = page.locator("#priority-settings")
    expect(refused.locator(".field__error")).to_have_text("Введите число, например 2,5.")
    shot(page, "editor-03-priority-refused", refused)
    refused.locator("input[name='when_high_sponsor']").fill("0,1")
    page.get_by_role("button", name="Сохранить порог и веса").click()
    expect(page.locator(".message--success")).to_contain_text("сохранена")
    saved = page.locator("#priority-settings")
    expect(saved.locator("input[name='when_low_capacity']")).to_have_value("0,45")
    expect(saved.locator("input[name='when_high_uniqueness']")).to_have_value("0,3")
    expect(saved.locator("input[name='when_high_sponsor']")).to_have_value("0,1")
    shot(page, "editor-04-priority-saved", saved)
    # The refused save is the page answered with 400, which Chromium reports; nothing else.
    assert [e for e in errors if "status of 400" not in e] == []
