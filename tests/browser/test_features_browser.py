"""Features (M-3) in a real browser, as a new analyst does it: the example study with its demo
data imported; a feature deleted, added again from its column with Russian names for its
values (two of them merged), and a number cut into round bins with the live preview watched."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

#: Every answer is computed on the data by the server (a busy CI machine may be slow).
WAIT = 20_000


def test_features_in_place(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_app)
    new_example_study(page, profile=False)
    section = page.locator("#features")
    section.scroll_into_view_if_needed()
    shot(page, "features-01-section", section)

    # Delete «employment»: the confirmation names what else goes with it.
    section.locator("#feature-employment .feature-edit").click()
    # The first answer of a fresh server process starts its data engine: allow it time.
    expect(section.get_by_role("heading", name="Признак «Занятость заявителя»")).to_be_visible(
        timeout=2 * WAIT
    )
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Удалить признак").click()
    expect(section.locator(".message", has_text="удалён")).to_contain_text(
        "признаки кластеризации", timeout=WAIT
    )
    expect(section.locator("#feature-employment")).to_have_count(0, timeout=WAIT)

    # Add it again from the column list: kinds and examples shown, nothing personal.
    section.get_by_role("link", name="Добавить признак").click()
    columns = section.locator("#feature-columns")
    expect(columns).to_be_visible(timeout=WAIT)
    expect(columns.locator("tr", has_text="employment")).to_contain_text("employed", timeout=WAIT)
    expect(columns.locator("tr", has_text="client_id")).not_to_contain_text(
        "employed", timeout=WAIT
    )
    shot(page, "features-02-columns", section)
    columns.locator("tr", has_text="employment").get_by_role("link", name="Выбрать").click()
    form = section.locator("form.feature-form")
    expect(form.locator("#id_label")).to_have_value("employment", timeout=WAIT)
    form.locator("#id_label").fill("Занятость заявителя")
    names = {
        "employed": "Работает",
        "self_employed": "Работает",  # merged with «employed»
        "unemployed": "Не работает",
    }
    rows = form.locator("table.value-names tbody tr")
    for code, label in names.items():
        rows.filter(has=page.locator(f'input[name=value_code][value="{code}"]')).locator(
            "input[name=value_label]"
        ).fill(label)
    preview = section.locator("#feature-preview")
    # «employed» and «self_employed» are one segment now.
    expect(preview.locator("tbody td").get_by_text("Работает", exact=True)).to_have_count(
        1, timeout=WAIT
    )
    expect(preview).to_contain_text("Не работает", timeout=WAIT)
    expect(preview).to_contain_text("около", timeout=WAIT)
    shot(page, "features-03-names-and-merge", section)
    # A value typed by hand that no client has gets the answer a rare one would: a row under
    # its name, «менее 5» (the form is no way to test whether a rare value is in the data).
    typed = rows.filter(has=page.locator("input[name=value_code][type=text]")).first
    typed.locator("input[name=value_code]").fill("Курьер")
    typed.locator("input[name=value_label]").fill("Курьер")
    expect(preview.locator("tr", has_text="Курьер")).to_contain_text("менее 5", timeout=WAIT)
    shot(page, "features-03b-typed-value", section)
    typed.locator("input[name=value_label]").fill("")
    expect(preview.locator("tr", has_text="Курьер")).to_have_count(0, timeout=WAIT)
    form.get_by_role("button", name="Сохранить").click()
    expect(section.locator("#feature-employment")).to_contain_text(
        "Занятость заявителя", timeout=WAIT
    )

    # A number: round bins, the preview follows the form.
    section.get_by_role("link", name="Добавить признак").click()
    section.locator("#feature-columns tr", has_text="applicant_age").get_by_role(
        "link", name="Выбрать"
    ).click()
    expect(form.locator("#id_type")).to_have_value("numeric", timeout=WAIT)
    form.locator("#id_label").fill("Возраст заявителя (круглые границы)")
    # Choosing a method draws the form again; «networkidle» does not wait for that request
    # (the page's load is long over), so the test waits for the redraw's answer itself.
    with page.expect_response(lambda r: r.request.method == "GET" and "/features/" in r.url):
        form.locator("#id_binning_method").select_option("round")
    expect(form.locator("#id_n_bins")).to_be_visible(timeout=WAIT)
    form.locator("#id_n_bins").fill("3")
    expect(form.locator("#id_n_bins")).to_have_value("3", timeout=WAIT)
    expect(preview.locator("tbody tr:not(.muted)")).to_have_count(3, timeout=WAIT)
    expect(preview).to_contain_text("округлённые квантили", timeout=WAIT)
    shot(page, "features-04-round-bins", section)
    # Thresholds with thousands spaced are numbers; a wrong one is named.
    with page.expect_response(lambda r: r.request.method == "GET" and "/features/" in r.url):
        form.locator("#id_binning_method").select_option("thresholds")
    form.locator("#id_thresholds").fill("1 000; 10\u00a0000; abc")
    expect(preview).to_contain_text("Порог №\u00a03 («abc») — не число", timeout=WAIT)
    form.locator("#id_thresholds").fill("1 000; 10\u00a0000")
    expect(preview).to_contain_text("пороги: 1\u00a0000; 10\u00a0000", timeout=WAIT)
    expect(preview.locator("tbody tr", has_text="менее 5")).to_have_count(2, timeout=WAIT)
    shot(page, "features-04b-thresholds", section)
    with page.expect_response(lambda r: r.request.method == "GET" and "/features/" in r.url):
        form.locator("#id_binning_method").select_option("round")
    expect(form.locator("#id_n_bins")).to_be_visible(timeout=WAIT)
    form.locator("#id_n_bins").fill("3")
    expect(preview.locator("tbody tr:not(.muted)")).to_have_count(3, timeout=WAIT)
    # A select that does not draw the form again previews like any field (no eval filter:
    # the site's CSP forbids it, and htmx then drops the event with a console error).
    with page.expect_response(lambda r: r.request.method == "POST" and "preview" in r.url):
        form.locator("#id_source_kind").select_option(index=1)
    form.get_by_role("button", name="Сохранить").click()
    expect(section.locator("#feature-applicant-age")).to_contain_text(
        "круглые границы", timeout=WAIT
    )
    assert not [e for e in errors if "htmx" in e], errors
    section.scroll_into_view_if_needed()
    shot(page, "features-05-saved", section)
