"""The journey editor in a real browser: add a step, edit it, reorder by keyboard and by drag.

No page reloads while editing (a marker set on the window survives every change); after a
reload the saved order is the one the editor showed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in, upload_example_document

from segprofile import pipeline

pytestmark = pytest.mark.browser

JOURNEY = "target_common"


def _order(page: Any) -> list[str]:
    return page.locator(f"#j-{JOURNEY} ol.jsteps > li").evaluate_all(
        "items => items.map(li => li.dataset.step)"
    )


def _wait_order(page: Any, expected: list[str]) -> None:
    page.wait_for_function(
        "([id, want]) => JSON.stringify([...document.querySelectorAll(`#j-${id} ol.jsteps > li`)]"
        ".map(li => li.dataset.step)) === JSON.stringify(want)",
        arg=[JOURNEY, expected],
    )


def test_journey_editor(page: Any, live_app: Any) -> None:
    document = pipeline.example_study("child-benefit")
    steps = [s.id for s in next(j for j in document.journeys if j.id == JOURNEY).steps]
    sign_in(page, live_app)
    study_url = upload_example_document(page)
    page.goto(study_url + "journeys/")
    section = page.locator(f"#j-{JOURNEY}")
    expect(section.locator("ol.jsteps > li")).to_have_count(len(steps))
    page.evaluate("window.__noReload = true")
    shot(page, "20-journeys-editor")

    # Add a step: the journey redraws in place with six steps, the comparison follows.
    page.locator(f"#addstep-{JOURNEY} > summary").click()
    form = page.locator(f"#addform-{JOURNEY}")
    form.get_by_label("Шаг", exact=True).fill("Оценить получение услуги")
    form.get_by_label("Роль (кто выполняет)").select_option("applicant")
    form.get_by_label("Канал").fill("ЕПГУ")
    form.get_by_label("Уровень сервиса").select_option("2")
    form.get_by_label("Время клиента, мин").fill("3")
    form.get_by_label("Документы от клиента").fill("Паспорт")
    shot(page, "21-add-step-form", section)
    form.get_by_role("button", name="Сохранить новый шаг").click()
    new = page.locator(f"#step-{JOURNEY}-s6")
    expect(new).to_contain_text("Оценить получение услуги")
    expect(section.locator(".journey__metrics div").first.locator("dd")).to_have_text("6")
    expect(section.locator("figure.blueprint svg")).to_contain_text("Оценить получение")
    expect(page.locator("#comparison")).to_contain_text("8 → 6")
    expect(page.locator("#journeys-status")).to_contain_text("Редакция 2 сохранена")
    assert page.evaluate("window.__noReload") is True

    # Bad input is explained in the form, and nothing is saved.
    new.get_by_role("link", name="Изменить «Оценить получение услуги»").click()
    edit = page.locator(f"#stepform-{JOURNEY}-s6")
    expect(edit.get_by_label("Шаг", exact=True)).to_be_focused()
    edit.get_by_label("Шаг", exact=True).fill("")
    edit.get_by_label("Срок, дней").fill("-2")
    edit.get_by_role("button", name="Сохранить шаг").click()
    edit = page.locator(f"#stepform-{JOURNEY}-s6")
    expect(edit).to_contain_text("Шаг не сохранён: исправьте отмеченные поля.")
    expect(edit.locator(".field--error")).to_have_count(2)
    shot(page, "22-edit-step-errors", section)

    # Edit it properly.
    edit.get_by_label("Шаг", exact=True).fill("Оценить услугу в личном кабинете")
    edit.get_by_label("Срок, дней").fill("1")
    pains = edit.get_by_role("group", name="Проблемы (боли) шага")
    expect(pains).not_to_contain_text("p_refusal_unclear")  # hypotheses by number, not by id
    pains.locator("input[value='p_refusal_unclear']").check()
    edit.get_by_role("button", name="Сохранить шаг").click()
    new = page.locator(f"#step-{JOURNEY}-s6")
    expect(new).to_contain_text("Оценить услугу в личном кабинете")
    expect(new.locator('.jstep__links a[href$="#h-p_refusal_unclear"]')).to_be_visible()
    expect(new.get_by_role("link", name=re.compile("Изменить"))).to_be_focused()
    shot(page, "23-step-saved", section)

    # Reorder by keyboard: Enter on «up», then Alt+↑; the focus stays on the moved step.
    up = new.locator('[data-move="up"]')
    up.focus()
    page.keyboard.press("Enter")
    _wait_order(page, [*steps[:4], "s6", steps[4]])
    moved_up = page.locator(f"#step-{JOURNEY}-s6 [data-move='up']")
    expect(moved_up).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")
    _wait_order(page, [*steps[:3], "s6", *steps[3:]])
    expect(page.locator(f"#step-{JOURNEY}-s6 [data-move='up']")).to_be_focused()
    expect(page.locator("#journeys-status")).to_contain_text("теперь 4-й из 6")
    shot(page, "24-moved-by-keyboard", section)

    # Reorder by drag: the new step's handle onto the top of the first step.
    handle = page.locator(f"#step-{JOURNEY}-s6 .jstep__handle")
    first = page.locator(f"#step-{JOURNEY}-{steps[0]}")
    handle.drag_to(first, target_position={"x": 40, "y": 3})
    expected = ["s6", *steps]
    _wait_order(page, expected)
    expect(page.locator("#journeys-status")).to_contain_text("теперь 1-й из 6")
    assert page.evaluate("window.__noReload") is True
    shot(page, "25-moved-by-drag", section)

    # After a reload the saved order is the one shown.
    page.reload()
    expect(page.locator(f"#j-{JOURNEY} ol.jsteps > li")).to_have_count(6)
    assert _order(page) == expected
    assert page.evaluate("window.__noReload") is None
    first_title = page.locator(f"#j-{JOURNEY} ol.jsteps > li").first.locator(".jstep__title")
    expect(first_title).to_have_text("Оценить услугу в личном кабинете")
    shot(page, "26-after-reload")
