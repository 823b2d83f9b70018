"""Browser: the research plan page opened while the study's first profile is still being built
follows the build and shows the plan's part once the profile is ready — the plan being
computed, then the plan — without the analyst reloading the page (nor the page reloading)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.steps import SLOW, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_the_plan_page_follows_the_first_profile(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    pk = new_example_study(page)  # its creation queues the profile of its demo data
    page.goto(f"/studies/{pk}/research/")
    waiting = page.locator("#plan-profile-building")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("Строится первый профиль исследования")
    shot(page, "plan-first-profile-01-waiting", waiting)
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again

    # The worker builds the profile, then the plan: both followed in place.
    expect(page.locator("#respondents")).to_be_visible(timeout=SLOW)
    expect(waiting).to_have_count(0)
    assert page.evaluate("window.notReloaded === true")
    shot(page, "plan-first-profile-02-plan", page.locator("#plan-computed"))
