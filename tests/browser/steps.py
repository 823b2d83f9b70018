"""Steps the browser tests share: sign in, create the example study and wait for its profile,
write a hypothesis or a recommendation, take the choices of an export's check page, take a
screenshot.

A step does what the analyst does, waits for what it needs and checks only what it relies on;
what the pages must show is asserted by the tests, each thing in one of them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS

#: Background jobs (import, profile, plan, survey) on a loaded 2-core machine.
SLOW = 240_000


#: A screenshot of a whole page stops this far down. A profile's page is some 40,000 px tall:
#: its whole picture took Chromium 3-12 s to draw (8 MB, more than anyone reads of an image);
#: its first 8,000 px take about a second.
SHOT_HEIGHT = 8_000


def shot(page: Any, name: str, locator: Any = None) -> None:
    """A screenshot into ``tests/browser/artifacts/`` (of ``locator`` or the whole page, its
    first ``SHOT_HEIGHT`` pixels of a longer one)."""
    if locator is not None:
        locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    else:
        # Playwright cuts the clip to the page's own size (every width; a short page whole).
        page.screenshot(
            path=str(ARTIFACTS / f"{name}.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 100_000, "height": SHOT_HEIGHT},
        )


def sign_in(page: Any, live_app: Any) -> None:
    """Sign in as the test user; the study list is shown."""
    from playwright.sync_api import expect

    page.goto("/")
    page.get_by_label("Имя пользователя").fill(live_app.username)
    page.get_by_label("Пароль").fill(live_app.password)
    page.get_by_role("button", name="Вход").click()
    expect(page.get_by_role("heading", name="Исследования", exact=True)).to_be_visible()


def new_example_study(page: Any, *, profile: bool = True) -> str:
    """Create a study from the child-benefit example; its page is open. Returns its pk.

    Its creation queues the profile of its demo data (``DEMO_ROWS`` rows on the test server):
    :func:`example_profile` waits for it. A test that never opens that profile asks for none
    (``profile=False``: the form's ``without_profile``, which no page offers): the one worker
    of the test server would build it for nothing, ahead of the test's own jobs."""
    from playwright.sync_api import expect

    page.goto("/studies/new/")
    button = page.locator('button[data-example="child-benefit"]')
    if not profile:
        button.evaluate(
            """button => button.form.insertAdjacentHTML(
                "beforeend", '<input type="hidden" name="without_profile" value="on">')"""
        )
    button.click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    found = re.search(r"/studies/(\d+)/$", page.url)
    assert found is not None
    return found.group(1)


def upload_example_document(page: Any) -> str:
    """The child-benefit example's study document uploaded as a new study (no data); its URL."""
    from segprofile import pipeline

    return upload_document(page, pipeline.example_study("child-benefit"), "child-benefit.yaml")


def upload_document(page: Any, document: Any, name: str) -> str:
    """A study document uploaded as a new study (no data) on «Новое исследование»; its URL."""
    from playwright.sync_api import expect

    from segprofile import pipeline

    page.goto("/studies/new/")
    page.locator("input[name=document]").set_input_files(
        {
            "name": name,
            "mimeType": "application/yaml",
            "buffer": pipeline.dump_study(document).encode(),
        }
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(document.title)
    return re.sub(r"[?#].*$", "", page.url)


def upload_for_check(page: Any, export: Path, source: str = "records") -> None:
    """On the study's data page: upload ``export`` for ``source``; its check page is open."""
    from playwright.sync_api import expect

    page.get_by_label("Источник данных").select_option(source)
    page.get_by_label("Файл").set_input_files(str(export))
    page.locator("#upload-button").click()
    expect(page.get_by_role("heading", name=f"Проверьте файл {export.name}")).to_be_visible()


def example_profile(page: Any) -> None:
    """On the page of a study just created from the example: open the profile run its creation
    queued and wait until the profile is built (the run's page reloads itself when it is)."""
    from playwright.sync_api import expect

    page.locator("#runs .runs__item a").first.click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("table[data-table^='segments_']").first).to_be_visible(timeout=SLOW)
    expect(page.locator("#run-error")).to_have_count(0)


def export_choices(page: Any) -> Any:
    """On the check page of ``upload_decisions_data.client_export``: the application number is
    the clients' id and the age a feature too (the rating, the date, the category and the
    channel the page has chosen itself). Returns the settings part of the page."""
    settings = page.locator("#study-settings")
    settings.locator("select[name=id_column]").select_option(label="Номер заявления")
    settings.get_by_label("Возраст", exact=True).check()
    return settings


def new_hypothesis(
    page: Any,
    *,
    kind: str,
    statement: str,
    hunt: int | None = None,
    aidas: str | int | None = None,
    need: str | None = None,
    step: str | None = None,
    source: str | None = None,
    segments: Iterable[str] = (),
) -> Any:
    """On the hypotheses page: «Добавить гипотезу», the form filled (``kind`` and ``aidas`` by
    their Russian labels or ``aidas`` by index, ``hunt`` the index of the Hunt ladder's rung,
    ``segments`` by their checkbox labels; what is not given is left as the form has it), not
    saved. Returns the form."""
    page.locator("#hypothesis-add").click()
    form = page.locator("#hypothesis-form-new")
    form.get_by_label("Вид").select_option(label=kind)
    form.get_by_label("Формулировка").fill(statement)
    if need is not None:
        form.get_by_label("Неудовлетворённая потребность (для проблемы)").select_option(value=need)
    if hunt is not None:
        form.get_by_label("Лестница Ханта").select_option(index=hunt)
    if isinstance(aidas, int):
        form.get_by_label("AIDAS").select_option(index=aidas)
    elif aidas is not None:
        form.get_by_label("AIDAS").select_option(label=aidas)
    if step is not None:
        form.get_by_label("Шаг пути").select_option(value=step)
    if source is not None:
        form.get_by_label("Источник").fill(source)
    for segment in segments:
        form.get_by_role("checkbox", name=segment, exact=True).check()
    return form


def new_recommendation(
    page: Any,
    problem: str,
    *,
    title: str,
    change: str,
    responsible: str,
    due: str,
    status: str | None = None,
    segments: Iterable[str] = (),
) -> Any:
    """From the problem's «написать рекомендацию» on the hypotheses page: an awareness
    recommendation that changes the first target journey, the form filled, not saved (the
    problem comes ticked: checked here). Returns the form."""
    from playwright.sync_api import expect

    page.locator(f"#h-{problem}").get_by_role("link", name="написать рекомендацию").click()
    form = page.locator("#recommendation-form-new")
    expect(form.locator(f'input[value="{problem}"]')).to_be_checked()
    form.get_by_label("Вид").select_option(label="Повышение информированности")
    form.get_by_label("Рекомендация", exact=True).fill(title)
    form.get_by_label("Целевой путь, который меняется").select_option(index=1)
    form.get_by_label("Изменение пути", exact=True).fill(change)
    for segment in segments:
        form.get_by_role("checkbox", name=segment, exact=True).check()
    form.get_by_label("Ответственный", exact=True).fill(responsible)
    if status is not None:
        form.get_by_label("Статус", exact=True).select_option(label=status)
    form.get_by_label("Срок", exact=True).fill(due)
    return form
