"""Steps the browser tests share: sign in, create the example study, take a screenshot."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import ARTIFACTS


def shot(page: Any, name: str, locator: Any = None) -> None:
    """A screenshot into ``tests/browser/artifacts/`` (of ``locator`` or the whole page)."""
    if locator is not None:
        locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    else:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, live_app: Any) -> None:
    """Sign in as the test user; the study list is shown."""
    from playwright.sync_api import expect

    page.goto("/")
    page.get_by_label("Имя пользователя").fill(live_app.username)
    page.get_by_label("Пароль").fill(live_app.password)
    page.get_by_role("button", name="Вход").click()
    expect(page.get_by_role("heading", name="Исследования", exact=True)).to_be_visible()


def new_example_study(page: Any) -> str:
    """Create a study from the child-benefit example; its page is open. Returns its pk."""
    from playwright.sync_api import expect

    page.goto("/studies/new/")
    page.locator('button[data-example="child-benefit"]').click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    found = re.search(r"/studies/(\d+)/$", page.url)
    assert found is not None
    return found.group(1)
