"""The choice page of an uploaded study document in a real browser: it shows the file as its
revision will store it — a client's name, phone, e-mail and СНИЛС pasted into the document are
masked on the page (and in what rides in it) — and says what was replaced, in all and beside
each section; the saved message names what the sections taken replaced.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in

from canary import canary_rows, needles, scan_text
from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from sp_factories import SMALL_STUDY

pytestmark = pytest.mark.browser

CLIENT = canary_rows(5, seed=74)[3]  # a client's raw values, as pasted from a complaint
RAW = needles([CLIENT])


def _study(**changes: Any) -> bytes:
    data = {
        **SMALL_STUDY,
        "id": "posobie-mask",
        "title": "Пособие: маскирование",
        "features": [],
        "segmentation": {},
        "data_sources": [
            {"id": "records", "kind": "client_records", "title": "Заявления", "path": "r.csv"}
        ],
        **changes,
    }
    return pipeline.dump_study(StudyDocument.model_validate(data)).encode()


def _no_raw(text: str, where: str) -> None:
    """No raw value of the client; a failure says where and how many, never the value."""
    hits = scan_text(text, RAW, where)
    assert not hits, f"{len(hits)} raw value(s) of the client in {where}"


def test_the_choice_page_shows_the_uploaded_document_masked(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_app)
    page.goto("/studies/new/")
    page.locator("input[name=document]").set_input_files(
        {"name": "posobie.yaml", "mimeType": "application/yaml", "buffer": _study()}
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Пособие: маскирование")
    study_url = page.url

    scope = {
        **SMALL_STUDY["scope"],
        "description": f"Жалоба {CLIENT.fio}: перезвонить по телефону {CLIENT.phone}",
    }
    hypotheses = [
        {
            "id": "h1",
            "kind": "problem",
            "statement": f"Ответ не приходит на {CLIENT.email}, СНИЛС {CLIENT.snils}",
        }
    ]
    content = _study(scope=scope, hypotheses=hypotheses)
    assert scan_text(content.decode(), RAW)  # the positive control: the file has the values
    page.locator("#revisions input[name=document]").set_input_files(
        {"name": f"Жалоба {CLIENT.fio}.yaml", "mimeType": "application/yaml", "buffer": content}
    )
    page.locator("#revisions input[name=comment]").fill(f"по звонку {CLIENT.phone}")
    page.get_by_role("button", name="Сохранить как новую редакцию").click()

    expect(page.get_by_role("heading", name="Что изменит файл Жалоба [имя].yaml")).to_be_visible()
    note = page.locator("#masked-note")
    expect(note).to_contain_text(
        "В тексте заменены персональные данные: 1 имя, 1 телефон, 1 e-mail, 1 СНИЛС."
    )
    expect(page.locator("#section-scope")).to_contain_text(
        "В тексте заменены персональные данные: 1 имя, 1 телефон."
    )
    expect(page.locator("#section-scope")).to_contain_text(
        "Жалоба [имя]: перезвонить по телефону [телефон]"
    )
    expect(page.locator("#section-hypotheses")).to_contain_text(
        "В тексте заменены персональные данные: 1 e-mail, 1 СНИЛС."
    )
    _no_raw(page.content(), "the choice page")
    _no_raw(page.locator("body").inner_text(), "the choice page's text")
    shot(page, "upload-choice-masked-01")

    page.locator("#section-scope").get_by_label("взять версию из файла").check()
    page.locator("#section-hypotheses").get_by_label("оставить текущую версию").check()
    page.get_by_role("button", name="Сохранить выбранное как новую редакцию").click()
    expect(page.locator(".message--success")).to_have_text(
        "Редакция 2 сохранена. В тексте заменены персональные данные: 1 имя, 1 телефон."
    )
    expect(page).to_have_url(study_url)
    _no_raw(page.content(), "the study page")
    shot(page, "upload-choice-masked-02-saved")
    _no_raw(page.request.get(study_url + "study.yaml").text(), "the document downloaded")
    for log in ("server.log", "worker.log"):
        _no_raw((live_app.home / log).read_text(errors="replace"), log)


def test_the_menu_names_the_api_page_for_analysts_on_one_line(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 700})
    sign_in(page, live_app)
    menu = page.get_by_role("navigation", name="Главное меню")
    link = menu.get_by_role("link", name="Доступ для программ (API)")
    expect(link).to_have_attribute("href", "/account/api-tokens/")
    # Each item on one line beside the others (a long name wrapped looks like two items).
    heights = {
        menu.get_by_role("link", name=n).bounding_box()["height"]
        for n in ("Исследования", "Новое исследование", "Доступ для программ (API)")
    }
    assert len(heights) == 1, heights
    link.click()
    expect(page).to_have_title("Доступ для программ (API) · segprofile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Доступ для программ (API)")
    shot(page, "api-access-menu", page.locator("header"))
