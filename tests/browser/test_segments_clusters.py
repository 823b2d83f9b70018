"""Browser: the segments and clusters pages of a built profile (M-4, M-5) — switch features
without reloading the page, open the clusters with their portraits, edit a persona field in
place and see it marked as the team's edit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.browser.steps import example_profile, new_example_study, shot, sign_in

expect = pytest.importorskip("playwright.sync_api").expect


pytestmark = pytest.mark.browser


def test_segments_and_clusters_pages(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    new_example_study(page)
    example_profile(page)  # the profile the study's creation queued (2,000 demo rows)

    # --- the profile page: the choice of k in plain sentences, the provenance folded -------
    clusters = page.locator("#sp-clusters")
    expect(clusters).to_contain_text("Клиенты разделены на")
    expect(clusters).to_contain_text("Проверены варианты от")
    expect(clusters).not_to_contain_text("Число кластеров k =")
    reason = clusters.locator("p", has_text="Клиенты разделены на")
    reason.scroll_into_view_if_needed()
    shot(page, "profile-01-k-choice", page.locator("#sp-clusters"))
    provenance = page.locator("#sp-provenance")
    expect(provenance.get_by_role("heading", level=2)).to_contain_text("Происхождение результата")
    engine = provenance.get_by_text("движок DuckDB")
    expect(engine).to_be_hidden()  # an auditor's detail: folded, one click away
    shot(page, "profile-02-provenance-folded", provenance)
    provenance.locator("summary").click()
    expect(engine).to_be_visible()
    shot(page, "profile-03-provenance-open", provenance)
    segments_link = page.get_by_role("link", name="Сегменты", exact=True)

    # --- segments ------------------------------------------------------------------------
    segments_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Сегменты по отдельным признакам")
    table = page.locator("#segments-table")
    expect(table).to_be_visible()
    expect(table.locator("thead")).to_contain_text("ДИ 95")
    expect(page.locator("#segments-chart svg")).to_be_visible()
    expect(page.locator(".sg-tab.is-active")).to_have_text("Тип населённого пункта")
    shot(page, "segments-01-first-feature")

    # Another feature: only the part below the selector is swapped (no page load).
    page.evaluate("window.__stillHere = true")
    page.locator(".sg-tab", has_text="Возраст заявителя").click()
    expect(page.locator(".sg-tab.is-active")).to_have_text("Возраст заявителя")
    expect(page).to_have_url(re.compile(r"\?feature=applicant_age$"))
    expect(page.locator("#group-title")).to_contain_text("Возраст заявителя")
    expect(page.locator("#segments-chart svg")).to_be_visible()
    assert page.evaluate("window.__stillHere") is True
    shot(page, "segments-02-age")

    # Cross segments are offered as well.
    page.locator(".sg-tab--cross").first.click()
    expect(page.locator("#group-title")).to_contain_text("Перекрёстные сегменты")
    assert page.evaluate("window.__stillHere") is True
    shot(page, "segments-03-cross")

    # A segment's card: its figures and what the team wrote about it, one click away.
    page.locator(".sg-tab", has_text="Возраст заявителя").click()
    expect(page.locator(".sg-tab.is-active")).to_have_text("Возраст заявителя")
    first = page.locator("#segments-table tbody .sg-segments__label a").first
    label = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    expect(page.locator("#segment-figures")).to_contain_text("Ёмкость")
    expect(page.locator("#segment-hypotheses")).to_be_visible()
    expect(page.locator("#segment-journeys")).to_be_visible()
    shot(page, "segments-04-card")
    page.go_back()
    expect(page.locator("#segments-table")).to_be_visible()

    # --- clusters --------------------------------------------------------------------------
    page.get_by_role("link", name="Кластеры и портреты").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Кластеры похожих клиентов")
    expect(page.locator("#k-reason")).to_contain_text("Клиенты разделены на")
    expect(page.locator("#k-chart svg")).to_be_visible()
    card = page.locator("#cluster-1")
    expect(card.locator(".sg-persona")).to_contain_text("Возраст")
    expect(card.locator(".sg-empathy")).to_contain_text("Думает и чувствует")
    expect(card).to_contain_text("из данных")
    expect(card).to_contain_text("ждёт интервью")
    expect(page.locator("#vulnerable")).to_contain_text("Неполная семья")
    shot(page, "clusters-01-page")

    # The crosstab's feature selector swaps the table only.
    page.evaluate("window.__stillHere = true")
    crosstab = page.locator("#crosstab")
    crosstab.locator(".sg-tab", has_text="Способ подачи заявления").click()
    expect(crosstab.locator(".sg-tab.is-active")).to_have_text("Способ подачи заявления")
    expect(page.locator("#crosstab-table thead")).to_contain_text("МФЦ")
    assert page.evaluate("window.__stillHere") is True

    # Edit a persona field in place.
    card.get_by_role("link", name="Изменить портрет").click()
    form = card.locator("form.sg-portrait-form")
    expect(form).to_be_visible()
    expect(form.get_by_label("Название портрета")).to_be_focused()
    shot(page, "clusters-02-editing")
    goals = form.locator("textarea[name=persona_goals]")
    goals.fill("Оформить пособие без визита в МФЦ")
    form.get_by_label("Комментарий к редакции").fill("после интервью в МФЦ")
    form.get_by_role("button", name="Сохранить портрет").click()
    expect(card.locator("form")).to_have_count(0)
    expect(card.locator(".sg-saved")).to_contain_text("сохранена")
    expect(card.locator(".sg-pending")).to_contain_text("при следующем построении профиля")
    goals_field = card.locator(".sg-persona .sg-field", has_text="Цели")
    expect(goals_field).to_contain_text("Оформить пособие без визита в МФЦ")
    expect(goals_field).to_contain_text("правка команды")
    assert page.evaluate("window.__stillHere") is True
    card.scroll_into_view_if_needed()
    shot(page, "clusters-03-saved")

    # An emptied form is refused in place, nothing saved.
    card.get_by_role("link", name="Изменить портрет").click()
    expect(form.get_by_label("Название портрета")).to_be_focused()
    expect(form.locator("textarea[name=persona_goals]")).to_have_value(
        "Оформить пособие без визита в МФЦ"
    )
    for area in form.locator("textarea").all():
        area.fill("")
    form.get_by_label("Название портрета").fill("")
    form.get_by_role("button", name="Сохранить портрет").click()
    expect(card.locator(".alert--error")).to_contain_text("Форма пуста")
    shot(page, "clusters-04-refused")
    card.get_by_role("link", name="Отмена").click()
    expect(card.locator("form")).to_have_count(0)

    # After a reload the team's text is still there.
    page.reload()
    expect(page.locator("#cluster-1 .sg-persona")).to_contain_text(
        "Оформить пособие без визита в МФЦ"
    )

    # A stale edit: someone saves cluster 2 while this form is open — the conflict page.
    second = page.locator("#cluster-2")
    second.get_by_role("link", name="Изменить портрет").click()
    stale = second.locator("form.sg-portrait-form")
    expect(stale.get_by_label("Название портрета")).to_be_focused()
    edit_url = stale.get_attribute("action")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    other = page.request.post(
        edit_url,
        form={"persona_quote": "«Коллега успел раньше»", "base_revision": "2"},
        headers={"X-CSRFToken": token, "Referer": live_app.url + "/", "HX-Request": "true"},
    )
    assert other.status == 200, other.text()[:500]
    stale.locator("textarea[name=persona_quote]").fill("«Моя цитата»")
    stale.get_by_role("button", name="Сохранить портрет").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Кто-то другой изменил ту же часть")
    expect(page.locator("#conflict")).to_contain_text("Ваше изменение не сохранено")
    shot(page, "clusters-05-conflict")
