"""The demo in a real browser: log in, create the demo study, build its profile, see segments."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import DEMO_ROWS
from tests.browser.steps import SLOW, shot, sign_in

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument

pytestmark = pytest.mark.browser

CAPACITY = re.compile(r"^\d{1,3}(\u00a0\d{3})*$")


def test_demo_flow(page: Any, live_app: Any) -> None:
    example = next(e for e in pipeline.list_examples() if e.name == "child-benefit")
    document = pipeline.example_study("child-benefit")

    # Every page needs a login; the browser says English, the app answers in Russian.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    shot(page, "01-login")

    page.get_by_label("Имя пользователя").fill(live_app.username)
    page.get_by_label("Пароль").fill(live_app.password)
    page.get_by_role("button", name="Вход").click()
    expect(page.get_by_role("heading", name="Исследования", exact=True)).to_be_visible()
    shot(page, "02-empty-list")

    page.get_by_role("link", name="Новое исследование").first.click()
    expect(page.get_by_role("heading", name=example.title)).to_be_visible()
    shot(page, "03-new-study")

    page.locator('button[data-example="child-benefit"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(document.title)
    expect(page.locator("#features")).to_contain_text(document.features[0].label)
    expect(page.locator("#roles")).to_contain_text(document.roles[0].title)
    expect(page.locator("#check")).to_contain_text("Проверка по методике")
    shot(page, "04-study")

    # A study from an example opens with its profile being built (issue 19): open that run.
    expect(page.locator("#runs .runs__item")).to_have_count(1)
    page.locator("#runs .runs__item a").first.click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    shot(page, "05-run-started")

    # The progress fragment polls every second and reloads the page when the job is done.
    refused: list[str] = []  # what the Content-Security-Policy blocked (an inline style…)
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    segments = page.locator("table[data-table^='segments_']").first
    expect(segments).to_be_visible(timeout=SLOW)
    expect(page.locator("#run-error")).to_have_count(0)
    profile_features = page.locator("#sp-segments h3")
    expect(profile_features.first).to_contain_text(document.segmented_features()[0].label)
    capacity = segments.locator("tbody tr").first.locator("td").nth(1)
    expect(capacity).to_have_text(CAPACITY)
    expect(page.get_by_role("link", name="Отчёт (HTML)")).to_be_visible()
    expect(page.get_by_role("link", name="Скачать профиль (JSON)")).to_be_visible()
    shot(page, "06-profile")
    # The report's sections, in the report's order (issue 20), fit 1366 px; nothing blocked.
    headings = page.locator(".sp-profile h2").all_inner_texts()
    for title in ("Потребности и проблемы", "План исследования", "Рекомендации", "Клиентские пути"):
        assert any(title in h for h in headings), (title, headings)
    assert [h.split(". ", 1)[0] for h in headings] == [str(n) for n in range(1, len(headings) + 1)]
    page.set_viewport_size({"width": 1366, "height": 768})
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide
    beyond = page.evaluate(
        """() => { const edge = document.querySelector('.sp-profile').getBoundingClientRect().right;
        return [...document.querySelectorAll('.sp-profile table, .sp-profile figure')]
          .filter(t => t.getBoundingClientRect().right > edge + 1)
          .map(t => t.dataset.table || t.className); }"""
    )
    assert not beyond, beyond  # every table and figure within the page, none cut off
    expect(page.locator("[data-table^='journey-']").first).to_be_visible()
    shot(page, "06-profile-1366")
    assert not refused, refused

    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать профиль (JSON)").click()
    profile = pipeline.profile_from_json(download.value.path().read_text(encoding="utf-8"))
    assert profile.total_clients == DEMO_ROWS  # the server's demo size (the site's: 20,000)
    assert profile.provenance.study_revision == 1

    page.get_by_role("link", name=document.title).click()
    expect(page.locator("#runs .badge--done")).to_have_count(1)
    shot(page, "07-study-after-run")


BROKEN = """\
id: broken
title: Сломанное исследование
scope:
  kind: service
  title: Услуга
  client_types: [citizen, alien]
"""


def test_bad_input_is_explained_in_russian(
    page: Any, live_app: Any, small_study: StudyDocument
) -> None:
    sign_in(page, live_app)

    # A document with an error: nothing is stored, the page names the line and the field.
    page.goto("/studies/new/")
    upload = page.locator("input[name=document]")
    upload.set_input_files(
        {"name": "broken.yaml", "mimeType": "application/yaml", "buffer": BROKEN.encode()}
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    problems = page.locator("table.problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("scope.client_types[1]")
    expect(problems.locator("td.num").first).to_have_text("6")  # the line of client_types
    shot(page, "08-invalid-yaml")

    # A valid document without data: the profile job fails and says why.
    upload = page.locator("input[name=document]")
    upload.set_input_files(
        {
            "name": "small.yaml",
            "mimeType": "application/yaml",
            "buffer": pipeline.dump_study(small_study).encode(),
        }
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(small_study.title)
    expect(page.locator("#data")).to_contain_text("данных пока нет")
    page.get_by_role("button", name="Построить профиль").click()
    error = page.locator("#run-error")
    expect(error).to_be_visible(timeout=60_000)
    expect(error).to_contain_text("Профиль построить не удалось")
    expect(error).to_contain_text("нет загруженной версии данных")
    shot(page, "09-failed-run")
