"""Browser: the reports of a built profile as the official who signs them meets them — the run's
page warns of the title page's empty requisites before a download (and links to where they are
filled), a report is saved under the study's Russian name, and the clusters' quality table
explains its every column and fits the page at 1300 px; on the hypotheses page, the AIDAS stage
as the reports name it and the status history's times with their zone."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document
from tests.browser.steps import SLOW, example_profile, new_example_study, shot, sign_in

expect = pytest.importorskip("playwright.sync_api").expect


pytestmark = pytest.mark.browser


def test_the_reports_warn_of_empty_requisites_and_are_named_by_the_study(
    page: Any, live_app: Any
) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)
    run_url = page.url

    # --- before a download: what the title page leaves blank, and where to fill it -----------
    warning = page.locator("#run-empty-requisites")
    expect(warning).to_contain_text(
        "На титульном листе отчётов пустые строки: утверждающее должностное лицо, место составления"
    )
    expect(warning).not_to_contain_text("орган")  # the scope names the body
    shot(page, "reports-01-empty-requisites", page.locator(".pagehead").first)
    shot(page, "reports-02-empty-requisites-alert", warning)

    # --- the DOCX saved under the study's name, its pages numbered -------------------------
    with page.expect_download(timeout=SLOW) as download:  # a DOCX with its figures
        page.get_by_role("link", name="Отчёт (DOCX)").click()
    name = download.value.suggested_filename
    assert re.fullmatch(r"Профиль клиентских сегментов услуги «Назначение .+ — ред\. 1\.docx", name)
    doc = Document(io.BytesIO(download.value.path().read_bytes()))
    footer = doc.sections[1].footer._element.xml
    assert "PAGE" in footer
    assert "NUMPAGES" in footer

    # --- the link leads to the requisites on the study's page -------------------------------
    warning.get_by_role("link", name="Заполнить реквизиты документа").click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/#requisites$"))
    expect(page.locator("#requisites")).to_be_in_viewport()

    # --- the clusters' quality table: every column explained, no overflow at 1300 px --------
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(run_url + "clusters/")
    rule = page.locator("#k-choice")
    expect(rule).to_contain_text("стоимость — сумма отличий клиентов от центров их кластеров")
    expect(rule).to_contain_text("снижение от k − 1 — на сколько процентов")
    table = page.locator(".sg-kdiag")
    expect(table).to_be_visible()
    box, card = table.bounding_box(), page.locator("#k-choice").bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"], "the table overflows its card"
    scroll = page.locator("#k-choice .scroll")
    overflow = scroll.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0, f"the quality table scrolls by {overflow} px at 1300 px"
    shot(page, "reports-03-cluster-quality-1300", page.locator("#k-choice"))

    # --- the hypotheses page: the AIDAS stage as the report names it; a time with its zone ---
    page.goto(f"/studies/{pk}/hypotheses/")
    card = page.locator("#h-n_clear_decision")
    expect(card).to_contain_text("Удовлетворение")
    expect(card).not_to_contain_text("Удовлетворённость")
    card.locator("select[name=status]").select_option(label="подтверждена")
    card.locator("input[name=reason]").fill("9 из 12 интервью: не поняли причину отказа")
    card.get_by_role("button", name="Сменить статус").click()
    card = page.locator("#h-n_clear_decision")
    history = card.locator(".hyp__history li").first
    expect(history).to_have_text(
        re.compile(r"редакция 2, \d\d\.\d\d\.\d{4} \d\d:\d\d \(МСК\), .+: открыта → подтверждена")
    )
    shot(page, "reports-04-hypothesis-history", card)
