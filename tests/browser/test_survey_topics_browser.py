"""Browser: a survey renamed on the data page, every page naming it anew; its open answers mined
for topics, the column list following the texts chosen (HTMX), never keeping the column of the
texts chosen before."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from tests.browser.steps import new_example_study, shot, sign_in

from segprofile import pipeline

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect

OPEN_QUESTION = "Что мешало подать заявление"
OPEN_ANSWERS = (
    "долго ждала решения, звонила в клиентскую службу три раза",
    "сайт Госуслуг не открывался с телефона, пришлось идти в МФЦ",
    "не понятно какие справки о доходах нужны и где их брать",
    "  всё нормально, но очередь в МФЦ была большая  ",
    "",
    "не знаю",
    "отказали из-за дохода, хотя я одна с двумя детьми",
    "в МФЦ сказали принести справку ещё раз, потеряли документы",
)


def _upload_survey(page: Any, live_app: Any, pk: str) -> None:
    """The demo survey with an open question (blanks, «не знаю», stray spaces) through the
    gate as a new version of the study's survey; the mapping page is open."""
    stored = next((live_app.home / "studies" / pk / "datasets").glob("*/survey/v1.parquet"))
    frame = pd.read_parquet(stored)
    frame[OPEN_QUESTION] = [OPEN_ANSWERS[i % len(OPEN_ANSWERS)] for i in range(len(frame))]
    page.goto(f"/studies/{pk}/research/survey/")
    page.get_by_text("Загрузить другой файл ответов").click()
    page.locator("input[name=file]").set_input_files(
        {
            "name": "opros_otkrytye.csv",
            "mimeType": "text/csv",
            "buffer": frame.to_csv(sep=";", index=False).encode("utf-8"),
        }
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", name="Проверьте файл opros_otkrytye.csv")).to_be_visible()
    for action in page.locator("select[name^=pii_]").all():
        if action.input_value() == "keep":
            reason = str(action.get_attribute("name")).replace("pii_", "reason_")
            page.locator(f"input[name={reason}]").fill("демо-данные примера: уже псевдонимы")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator("#preview")).to_contain_text(OPEN_QUESTION, timeout=120_000)


def test_a_survey_is_renamed_and_every_page_names_it_anew(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)
    page.goto(f"/studies/{pk}/data/sources/")
    card = page.locator("section#survey")
    old = "Опрос заявителей после получения решения (около 5 % заявителей)"
    expect(card.locator("h2")).to_contain_text(old)
    expect(card).to_contain_text("survey")  # the identifier, as a fact under the title
    card.get_by_text("Переименовать источник").click()
    field = card.get_by_label("Название источника")
    expect(field).to_have_value(old)

    # A title another source has is refused beside the source, in Russian; nothing stored.
    complaints = pipeline.example_study("child-benefit").data_source("complaints").title
    field.fill(complaints.upper())
    card.get_by_role("button", name="Сохранить название").click()
    card = page.locator("section#survey")
    expect(card.locator(".alert--error")).to_contain_text("Ничего не сохранено")
    expect(card.locator(".alert--error")).to_contain_text("уже у другого источника")
    expect(card.locator("details.source-rename")).to_have_attribute("open", "")
    shot(page, "source-title-01-taken", card)

    new = "Опрос получателей в МФЦ, май 2025"
    card.get_by_label("Название источника").fill(f"  {new} ")
    card.get_by_role("button", name="Сохранить название").click()
    expect(page.locator("ul.messages")).to_contain_text(f"источник теперь называется «{new}»")
    expect(page.locator("section#survey h2")).to_contain_text(new)
    expect(page.locator("section#survey details.source-rename")).not_to_have_attribute("open", "")
    shot(page, "source-title-02-renamed")

    # The pages that name the source.
    page.goto(f"/studies/{pk}/research/survey/")
    expect(page.locator("#stored-surveys")).to_contain_text(new)
    expect(page.locator("#stored-surveys")).not_to_contain_text(old)
    page.goto(f"/studies/{pk}/research/topics/")
    expect(page.locator("select[name=source] option[value=survey]")).to_have_text(new)
    page.goto(f"/studies/{pk}/history/")
    renamed = f"Источник данных «{old}» переименован в «{new}»"
    expect(page.locator("main")).to_contain_text(renamed)
    shot(page, "source-title-03-history")


def test_the_column_list_follows_the_texts_chosen(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)
    _upload_survey(page, live_app, pk)

    # The complaints' column chosen and their topics found …
    page.goto(f"/studies/{pk}/research/topics/?source=complaints&column=text")
    expect(page.locator("#topics")).to_be_visible(timeout=120_000)
    column = page.locator("select[name=column]")
    expect(column).to_have_value("text")

    # … then the survey chosen: its own columns come (HTMX), the complaints' is not kept.
    with page.expect_response(
        lambda r: "/research/topics/" in r.url and r.request.headers.get("hx-request") == "true"
    ) as answer:
        page.locator("select[name=source]").select_option("survey")
    assert answer.value.status == 200
    options = page.locator("select[name=column] option")
    expect(options).to_have_count(2)
    expect(options.nth(1)).to_have_attribute("value", OPEN_QUESTION)
    expect(page.locator("select[name=column]")).to_have_value("")
    shot(page, "topics-01-survey-columns", page.locator("#topics-form"))
    page.locator("select[name=column]").select_option(OPEN_QUESTION)
    page.get_by_role("button", name="Выделить темы").click()
    expect(page.locator("#topics h2")).to_contain_text(f"столбец «{OPEN_QUESTION}»", timeout=60_000)
    expect(page.locator("#topics-error")).to_have_count(0)
    expect(page.locator("#topics")).not_to_contain_text("nan", ignore_case=True)  # blank answers
    shot(page, "topics-02-survey-topics")

    # The interviews share no column with the survey: back to the longest texts.
    with page.expect_response(lambda r: "/research/topics/" in r.url):
        page.locator("select[name=source]").select_option("interviews")
    expect(page.locator("select[name=column]")).to_have_value("")
    expect(page.locator("select[name=column] option[value=text]")).to_have_count(1)
