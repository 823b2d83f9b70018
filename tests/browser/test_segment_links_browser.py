"""Browser: a segment named on the priorities page and on the hypotheses page opens its card (the
card of the latest finished profile), as a segment in the segments table does."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.browser.steps import example_profile, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_segment_names_open_their_cards(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)
    run_url = re.sub(r"[?#].*$", "", page.url)

    # --- the priorities page: the ranked segment's name is a link to its card --------------
    page.goto(run_url + "priorities/")
    first = page.locator("#priorities tbody tr").first.locator("a").first
    label = first.inner_text()
    shot(page, "segment-links-01-priorities", page.locator("#priorities"))
    first.click()
    expect(page).to_have_url(re.compile(r"/segments/card/\?key="))
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    expect(page.locator("#segment-figures")).to_contain_text("Ёмкость")
    shot(page, "segment-links-02-card")

    # --- the hypotheses page: a group's segments, each a link to its card ---------------
    page.goto(f"/studies/{pk}/hypotheses/")
    group = page.locator(".hyp-group__title a").first
    expect(group).to_be_visible()
    name = group.inner_text()
    shot(page, "segment-links-03-hypotheses", page.locator("#registry"))
    group.click()
    expect(page).to_have_url(re.compile(r"/segments/card/\?key="))
    # The hypotheses name a segment «Признак: значение»; the card's heading is the value.
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split(": ", 1)[-1])
    expect(page.locator("#segment-hypotheses")).to_contain_text("№")
    shot(page, "segment-links-04-card-from-hypothesis")
