"""Browser: a survey checks hypotheses (M-9) — upload, map questions, look at the analysis with
its rules, apply the verdicts, find them on the hypotheses with author and time."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from tests.browser.steps import new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_survey_import_to_verdicts(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page)

    # The study page links the evidence pages.
    page.get_by_role("link", name="Доказательства: опрос, интервью, темы").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Проверка гипотез опросом")
    expect(page.locator("#verdict-rules")).to_contain_text("Бенджамини")

    # The demo's answers are already a version of the survey source: offered, not asked for.
    expect(page.locator("#stored-surveys")).to_contain_text("версия 1")
    stored = next((live_app.home / "studies" / pk / "datasets").glob("*/survey/v1.parquet"))
    body = pd.read_parquet(stored).to_csv(sep=";", index=False).encode("utf-8")
    # A new file of answers goes through the data import's checks, then to the mapping; with
    # answers already in the study it is a choice folded away, not a step.
    page.get_by_text("Загрузить другой файл ответов").click()
    page.locator("input[name=file]").set_input_files(
        {"name": "opros.csv", "mimeType": "text/csv", "buffer": body}
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", name="Проверьте файл opros.csv")).to_be_visible()
    # The respondents' ids are client identifiers: replaced by pseudonyms, confirmed here. The
    # example keeps its demo ids (already pseudonyms) as they are: with a reason for this file.
    for action in page.locator("select[name^=pii_]").all():
        if action.input_value() == "keep":
            reason = str(action.get_attribute("name")).replace("pii_", "reason_")
            page.locator(f"input[name={reason}]").fill("демо-данные примера: уже псевдонимы")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    # Imported by the background worker (its page shows the progress), then the mapping.
    expect(page.locator("#preview")).to_contain_text("q_docs_difficult", timeout=120_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Опрос заявителей")
    expect(page.locator(".pagehead")).to_contain_text("Файл opros.csv")
    expect(page.locator("#preview")).to_contain_text("да / нет")
    shot(page, "research-01-preview")

    rows = [
        ("q_docs_difficult", "p_docs_burden", "yes", ""),
        ("q_docs_difficult", "p_epgu_form_complex", "yes", ""),
        ("q_knew_about_epgu", "p_unaware_epgu", "no", "channel=mfc, channel=office"),
    ]
    for i, (question, hypothesis, support, among) in enumerate(rows):
        page.select_option(f'select[name="q-{i}-question"]', question)
        page.select_option(f'select[name="q-{i}-hypothesis"]', hypothesis)
        page.select_option(f'select[name="q-{i}-support"]', support)
        if among:
            page.fill(f'input[name="q-{i}-among"]', among)
    page.get_by_role("button", name="Проанализировать").click(timeout=240_000)
    tests = page.locator("#tests")
    expect(tests).to_be_visible(timeout=120_000)
    expect(tests).to_contain_text("хи-квадрат")
    expect(tests.locator(".hyp-status--confirmed").first).to_be_visible()
    expect(tests.locator(".hyp-status--refuted").first).to_be_visible()
    expect(page.locator("#coverage")).to_contain_text("нет ни одного респондента")
    expect(page.locator("#verdicts")).to_contain_text("№ ")  # hypotheses by number
    expect(page.locator("#verdicts")).not_to_contain_text("p_docs_burden")
    expect(page.locator("#verdict-rules")).to_contain_text("Уилсона")
    shot(page, "research-02-analysis")

    page.get_by_role("button", name="Записать вердикты в гипотезы").click(timeout=240_000)
    expect(page).to_have_url(re.compile(r"/hypotheses/#registry$"), timeout=120_000)
    expect(page.locator("ul.messages")).to_contain_text("вердикты записаны")
    burden = page.locator("#h-p_docs_burden")
    expect(burden.locator(".hyp-status")).to_have_text("подтверждена")
    expect(burden).to_contain_text("Опрос «Опрос заявителей")  # the survey's title in the study
    expect(burden).not_to_contain_text("opros.csv")  # never the uploaded file's name
    expect(burden).to_contain_text(live_app.username)
    epgu = page.locator("#h-p_epgu_form_complex")
    expect(epgu.locator(".hyp-status")).to_have_text("опровергнута")
    burden.scroll_into_view_if_needed()
    shot(page, "research-03-hypotheses")
