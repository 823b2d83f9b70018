"""Journeys from nothing in a real browser at 1366×768 (M-12, issue 19).

A new user opens the journeys page of a study without journeys, follows its start guide, makes
the current journey from nothing, adds steps with their problems, sees each step's links and
research backing, makes the common target journey from the current one's steps and renames it.
The page, its tables and the blueprints fit the screen's width, and no two blueprint labels
overlap.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import shot, sign_in

from segprofile import pipeline

pytestmark = pytest.mark.browser

# Every text box of the page's SVG drawings that overlaps another one in the same drawing
# (a few pixels of touching are allowed: lines of one label sit close together).
_OVERLAPS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll("figure.blueprint svg")) {
    const boxes = [...svg.querySelectorAll("text")].map(t => [t, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, ra] = boxes[i], [b, rb] = boxes[j];
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (w > 2 && h > 2) out.push(a.textContent + " / " + b.textContent);
      }
    }
  }
  return out;
}"""

# Elements wider than their box: the page itself, tables' scrolling wrappers, blueprints.
_CLIPPED = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push("page");
  for (const el of document.querySelectorAll(".scroll, .card")) {
    if (el.scrollWidth > el.clientWidth + 1) out.push(el.id || el.className);
  }
  return out;
}"""


def _bare_example() -> str:
    """The child-benefit example without journeys and recommendations: its hypotheses (with
    their verdicts and evidence) stay, as a team has them before describing any journey."""
    document = pipeline.example_study("child-benefit")
    hypotheses = [h.model_copy(update={"journey_step": None}) for h in document.hypotheses]
    bare = document.model_copy(
        update={"journeys": [], "recommendations": [], "hypotheses": hypotheses}
    )
    return pipeline.dump_study(bare)


def _fits(page: Any, name: str) -> None:
    assert page.evaluate(_CLIPPED) == [], f"{name}: clipped"
    assert page.evaluate(_OVERLAPS) == [], f"{name}: overlapping labels"


def test_journeys_from_nothing(page: Any, live_app: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    page.goto("/studies/new/")
    page.locator("input[name=document]").set_input_files(
        {"name": "study.yaml", "mimeType": "application/yaml", "buffer": _bare_example().encode()}
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    study_url = re.sub(r"[?#].*$", "", page.url)
    page.goto(study_url + "journeys/")

    # The start guide says what to do; the form is set for a current journey from nothing.
    start = page.locator("#journeys-start")
    expect(start).to_contain_text("В исследовании пока нет клиентских путей")
    expect(start).to_contain_text("выберите вид «текущий»")
    new = page.locator("#journey-new")
    expect(new.get_by_label("Вид пути")).to_have_value("current")
    expect(new.get_by_label("Начать с")).to_have_value("")
    page.evaluate("window.__noReload = true")
    shot(page, "j19-01-empty-study")
    _fits(page, "empty study")

    # The current journey from nothing: an empty journey that says so, its step form open.
    new.get_by_label("Название пути").fill("Текущий путь заявителя")
    new.get_by_role("button", name="Создать путь").click()
    journey = page.locator("#j-current")
    expect(journey.locator(".journey__empty")).to_contain_text("В пути пока нет шагов.")
    expect(page.locator("#journeys-start")).to_be_empty()
    expect(page.locator("#journeys-export")).to_contain_text("выгрузка CSV станет возможна")
    expect(page.locator("#journeys-status")).to_contain_text("Текущий путь «Текущий путь")
    shot(page, "j19-02-empty-current-journey", journey)

    # Its steps, each with its problems.
    steps = [
        ("Узнать о пособии", "Сайт СФР", "1", ["p_no_proactive_info"]),
        ("Подать заявление в клиентской службе", "Клиентская служба СФР", "1", ["p_office_slow"]),
        ("Получить решение", "ЕПГУ", "2", ["p_refusal_unclear"]),
    ]
    for number, (title, channel, level, pains) in enumerate(steps, start=1):
        form = page.locator("#addform-current")
        form.get_by_label("Шаг", exact=True).fill(title)
        form.get_by_label("Роль (кто выполняет)").select_option("applicant")
        form.get_by_label("Канал").fill(channel)
        form.get_by_label("Уровень сервиса").select_option(level)
        group = form.get_by_role("group", name="Проблемы (боли) шага")
        for pain in pains:
            group.locator(f"input[value='{pain}']").check()  # named «№ n. …», never by id
        if number == 1:
            shot(page, "j19-03-first-step-form", journey)
        form.get_by_role("button", name="Сохранить новый шаг").click()
        expect(journey.locator("ol.jsteps > li")).to_have_count(number)
        if number < len(steps):
            journey.locator("#addstep-current > summary").click()
    expect(journey.locator(".journey__empty")).to_have_count(0)
    expect(page.locator("#journeys-export")).to_be_empty()

    # Links back to the problems, and how research-backed each step is.
    first, second, third = (journey.locator(f"#step-current-s{n}") for n in (1, 2, 3))
    expect(first.locator(".backing")).to_have_text("подтверждено исследованием")
    expect(third.locator(".backing")).to_have_text("частично")
    link = second.locator(".jlink").first
    expect(link).to_contain_text("Проблема «При личной подаче")
    expect(link).to_have_attribute("href", re.compile(r"/hypotheses/#h-p_office_slow$"))
    shot(page, "j19-04-current-steps-with-backing", journey)
    _fits(page, "current journey")

    # The target journey: offered next, as a copy of the current one's steps.
    new = page.locator("#journey-new")
    expect(new.get_by_label("Вид пути")).to_have_value("target")
    expect(new.get_by_label("Начать с")).to_have_value("current")
    new.get_by_label("Название пути").fill("Целевой путь: проактивно")
    new.get_by_role("button", name="Создать путь").click()
    target = page.locator("#j-target")
    expect(target.locator("ol.jsteps > li")).to_have_count(3)
    expect(page.locator("#comparison")).to_contain_text("3 → 3")

    # Renamed in place; the comparison follows without a reload.
    target.get_by_role("link", name=re.compile("^Изменить название, вид или сегменты")).click()
    head = page.locator("#journeyform-target")
    expect(head.get_by_label("Название пути")).to_be_focused()
    shot(page, "j19-05-journey-head-form", target)
    head.get_by_label("Название пути").fill("Целевой путь: уведомление без визита")
    head.get_by_role("button", name="Сохранить путь").click()
    expect(target.get_by_role("heading", level=2)).to_have_text(
        "Целевой путь: уведомление без визита"
    )
    expect(page.locator("#comparison")).to_contain_text("Целевой путь: уведомление без визита")
    assert page.evaluate("window.__noReload") is True

    page.reload()
    expect(page.locator("#j-target figure.blueprint svg")).to_be_visible()
    shot(page, "j19-06-journeys-page")
    page.locator("#j-current figure.blueprint").scroll_into_view_if_needed()
    shot(page, "j19-07-blueprint-1366", page.locator("#j-current figure.blueprint"))
    page.locator("#comparison").scroll_into_view_if_needed()
    shot(page, "j19-08-comparison-1366", page.locator("#comparison"))
    _fits(page, "journeys page")


def test_the_example_journeys_fit_1366(page: Any, live_app: Any) -> None:
    """The demo's journeys (eight steps, four target journeys) at 1366×768."""
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_app)
    page.goto("/studies/new/")
    page.locator('button[data-example="child-benefit"]').click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    page.goto(page.url + "journeys/")
    expect(page.locator("figure.blueprint svg")).to_have_count(5)
    shot(page, "j19-09-example-journeys")
    page.locator("#j-current figure.blueprint").scroll_into_view_if_needed()
    shot(page, "j19-10-example-blueprint", page.locator("#j-current figure.blueprint"))
    _fits(page, "example journeys")
    # At actual size the eight steps scroll sideways in a box no taller than the screen.
    page.locator("#j-current").get_by_label("Чертёж в натуральную величину").check()
    figure = page.locator("#j-current figure.blueprint")
    assert figure.evaluate("f => f.scrollWidth > f.clientWidth")
    assert figure.evaluate("f => f.getBoundingClientRect().height <= window.innerHeight")
    figure.evaluate("f => f.scrollLeft = f.scrollWidth")
    shot(page, "j19-11-example-blueprint-actual-size", figure)
