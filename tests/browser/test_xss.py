"""XSS: script payloads in every text field of a study, shown back escaped in Chromium.

The example study gets a payload appended to every title, label, description, statement,
name, reason, note, quote and value label (177 fields), is uploaded as a new revision through
the page's form, its profile is built by the real worker, and every page that renders study
text is opened. No dialog may open (an executed ``alert``), no element may carry an injected
``onerror`` handler or ``javascript:`` link, and the payloads must be visible as plain text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in

from segprofile import pipeline

pytestmark = pytest.mark.browser

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
TEXT_KEYS = {
    "title", "label", "description", "statement", "name", "reason", "body", "text",
    "reference", "article", "quote", "note", "action", "expected_effect", "problem",
}  # fmt: skip


def _poisoned(data: Any, key: str | None = None, counter: list[int] | None = None) -> Any:
    counter = counter if counter is not None else [0]
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if isinstance(v, str) and (k in TEXT_KEYS or key == "value_labels"):
                counter[0] += 1
                out[k] = f"{v} {PAYLOADS[counter[0] % len(PAYLOADS)]}"
            else:
                out[k] = _poisoned(v, k, counter)
        return out
    if isinstance(data, list):
        return [_poisoned(item, key, counter) for item in data]
    return data


def _check(page: Any, dialogs: list[str], where: str) -> None:
    page.wait_for_load_state("networkidle")
    shot(page, f"xss-{where}")
    assert dialogs == [], f"{where}: a script ran: {dialogs}"
    # Nothing injected became markup: no <img src=x>, no inline handlers, no javascript: links.
    assert page.locator('img[src="x"]').count() == 0, where
    assert page.locator("[onerror]").count() == 0, where
    assert page.locator('a[href^="javascript:"]').count() == 0, where
    scripts = page.locator("script:not([src])")
    assert scripts.count() == 0, where


def test_payloads_in_every_text_field_are_shown_escaped(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_app)

    study_path = f"/studies/{new_example_study(page, profile=False)}/"

    document = pipeline.example_study("child-benefit")
    poisoned = pipeline.study_from_data(_poisoned(document.model_dump(mode="json")))
    upload = tmp_path / "study.yaml"
    upload.write_text(pipeline.dump_study(poisoned), encoding="utf-8")
    page.locator('input[type="file"][name="document"]').first.set_input_files(str(upload))
    page.locator('input[type="file"][name="document"]').first.evaluate(
        "input => input.form.requestSubmit()"
    )
    # A YAML upload first shows what it would change: every section taken from the file.
    _check(page, dialogs, "upload choice")
    for choice in page.get_by_label("взять версию из файла").all():
        choice.check()
    page.get_by_role("button", name="Сохранить выбранное как новую редакцию").click()
    expect(page.locator(".message--success")).to_be_visible()
    _check(page, dialogs, "detail")
    body = page.locator("body").inner_text()
    for payload in PAYLOADS:
        assert payload in body, payload  # shown as text, not interpreted
    expect(page.get_by_role("heading", level=1)).to_contain_text("<")

    page.get_by_role("button", name="Построить профиль").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("table[data-table^='segments_']").first).to_be_visible(timeout=240_000)
    run_path = re.search(r"/studies/\d+/runs/\d+/", page.url).group(0)  # type: ignore[union-attr]
    _check(page, dialogs, "run")
    assert PAYLOADS[0] in page.locator("body").inner_text()

    for name, path in [
        ("priorities", run_path + "priorities/"),
        ("hypotheses", study_path + "hypotheses/"),
        ("research", study_path + "research/"),
        ("journeys", study_path + "journeys/"),
        ("data", study_path + "data/sources/"),
        ("history", study_path + "history/"),
        ("members", study_path + "members/"),
        ("list", "/"),
    ]:
        response = page.goto(path)
        assert response is not None
        assert response.status < 500, (name, response.status)
        _check(page, dialogs, name)
    # The studies list and the history name the study by its poisoned title, as text.
    assert PAYLOADS[1] in page.locator("body").inner_text() or "<" in page.title()
