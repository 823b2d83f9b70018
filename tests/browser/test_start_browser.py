"""A new user starts a study from nothing in a real browser: the guided start (with a refused
empty title first), then the scope edited in place and two legal acts added, one deleted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in

pytestmark = pytest.mark.browser


def test_start_from_nothing(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    page.goto("/studies/new/")
    form = page.locator("form.new-study")
    form.get_by_label("Что профилируется").select_option("support_measure")
    form.get_by_label("Орган власти").fill("Министерство социальной защиты Н-ской области")
    form.get_by_label("Внешние клиенты: граждане").check()
    form.locator("input[name=acts-0-title]").fill(
        "Закон Н-ской области о мерах социальной поддержки"
    )
    form.locator("input[name=acts-0-reference]").fill("от 12.03.2021 № 45-ОЗ")
    shot(page, "start-01-new-study")

    # No title: refused, the message beside the field, what was typed kept.
    page.locator("#create-blank").click()
    expect(page.get_by_text("Исследование не создано: исправьте отмеченные поля.")).to_be_visible()
    expect(form.locator(".field--error .field__error")).to_have_text(
        "Напишите название услуги, функции или меры."
    )
    expect(form.get_by_label("Орган власти")).to_have_value(
        "Министерство социальной защиты Н-ской области"
    )
    shot(page, "start-02-refused")

    form.get_by_label("Название", exact=True).fill("Ежемесячная выплата на третьего ребёнка")
    page.locator("#create-blank").click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Профиль клиентских сегментов меры поддержки «Ежемесячная выплата на третьего ребёнка»"
    )
    expect(page.locator(".stage--current")).to_contain_text("Этап 1 · идёт")
    expect(page.locator("#next-step")).to_have_text(
        "загрузите данные о клиентах: по ним строятся сегменты"
    )
    shot(page, "start-03-study-page")

    # The scope edited in place: no page load (a marker on the window survives).
    page.evaluate("window.__noReload = true")
    scope = page.locator("#scope")
    scope.locator("#scope-edit").click()
    scope.get_by_label("Внешние клиенты: представители бизнеса").check()
    scope.get_by_label("Описание").fill("Семьям, в которых родился третий ребёнок или последующие.")
    shot(page, "start-04-scope-form", scope)
    scope.get_by_role("button", name="Сохранить").click()
    expect(scope.locator("dl.facts")).to_contain_text("Представитель бизнеса")
    expect(scope.locator("dl.facts")).to_contain_text("третий ребёнок")

    # Two legal acts added one at a time; an empty title is refused beside the field.
    for title, reference in (
        ("Указ Президента РФ «О национальных целях развития»", "от 21.07.2020 № 474"),
        ("Постановление Правительства Н-ской области о порядке выплаты", "от 01.02.2022 № 17-п"),
    ):
        scope.locator("#act-add").click()
        expect(scope.locator("#act-form")).to_be_visible()
        if title.startswith("Указ"):
            scope.get_by_role("button", name="Сохранить НПА").click()
            expect(scope.locator(".field__error")).to_have_text("Напишите название НПА.")
            shot(page, "start-05-act-refused", scope)
        scope.locator("#act-form").get_by_label("НПА", exact=True).fill(title)
        scope.locator("#act-form").get_by_label("Номер, дата, ссылка").fill(reference)
        scope.get_by_role("button", name="Сохранить НПА").click()
        expect(scope.get_by_text(title)).to_be_visible()
    expect(scope.locator(".acts__item")).to_have_count(3)
    shot(page, "start-06-acts", scope)

    # One deleted after a confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    scope.locator(".acts__item").nth(1).get_by_role("button", name="Удалить").click()
    expect(scope.locator(".acts__item")).to_have_count(2)
    assert page.evaluate("window.__noReload") is True

    page.reload()
    expect(page.locator("#scope .acts__item")).to_have_count(2)
    expect(page.locator("#revisions li")).to_have_count(5)  # created, scope, two acts, deletion
    shot(page, "start-07-after-reload")
