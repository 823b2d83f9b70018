"""The target audience and blind zone in a real browser, as a new user meets them (M-2, M-6).

A study document with a role whose audience is an eligibility rule and a population table; a
skewed export (one region 72 %, four regions of 1–4 clients) and a statistics table of counts
by region are uploaded on the data page. The population table's check page guesses its count
column. The run page and the priorities page name no tiny region, say where the blind zone
comes from and that the segments count every client while the role's audience is smaller.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import SLOW, shot, sign_in, upload_document, upload_for_check

from segprofile.model.study import Study
from sp_regions import STUDY, TINY_REGIONS, population_table, regional_records

pytestmark = pytest.mark.browser


def _csv(table: Any, path: Path) -> Path:
    rows = table.to_pylist()
    lines = [";".join(table.column_names)]
    lines += [";".join(str(row[c]) for c in table.column_names) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(page: Any, title: str) -> None:
    confirm = page.get_by_label(re.compile("Я проверил"))
    if confirm.count():
        confirm.check()
    page.locator("#import-button").click()
    expect(page.locator(".message--success")).to_contain_text(
        f"Версия 1 источника «{title}» загружена", timeout=SLOW
    )


def test_a_skewed_export_with_a_population_table(page: Any, live_app: Any, tmp_path: Path) -> None:
    data = dict(STUDY)
    data["data_sources"] = [
        {k: v for k, v in s.items() if k != "count_column"} for s in STUDY["data_sources"]
    ]
    document = Study.model_validate(data)
    records = _csv(regional_records(), tmp_path / "обращения.csv")
    population = _csv(population_table(), tmp_path / "численность.csv")

    sign_in(page, live_app)
    study_url = upload_document(page, document, "regions.yaml")

    page.locator("#data-import-link").click()
    upload_for_check(page, records, "records")
    _import(page, "records")
    upload_for_check(page, population, "population")
    count = page.locator("#population-count")
    expect(count).to_contain_text("Сколько людей в строке таблицы")
    expect(count.locator("select[name=count_column]")).to_have_value(
        re.compile(r"\d+")  # guessed: not «— нет —»
    )
    expect(count.locator("select[name=count_column] option:checked")).to_have_text("Численность")
    shot(page, "audience-01-count-column", count)
    _import(page, "Численность имеющих право")

    page.goto(study_url)
    page.locator("#build-profile").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("table[data-table^='segments_']").first).to_be_visible(timeout=SLOW)
    audience = page.locator("#sp-audience")
    expect(audience).to_contain_text("Слепая зона сегмента — имеющие право по таблице численности")
    expect(audience).to_contain_text("(по столбцу с численностью)")
    expect(audience).to_contain_text("Сегменты и приоритеты посчитаны по всем 12 000 клиентам")
    expect(audience).to_contain_text("2 малых сегмента (меньше 5 клиентов) — не называются")
    shot(page, "audience-02-run-section", audience)
    shot(page, "audience-03-run-page")
    run_text = page.locator("main").inner_text()
    for name in TINY_REGIONS:
        assert name not in run_text

    page.get_by_role("link", name="Приоритеты", exact=True).first.click()
    expect(page.get_by_role("heading", name=re.compile("Приоритеты сегментов"))).to_be_visible()
    notes = page.locator("#blind-zone-source")
    expect(notes).to_contain_text("Прочерк — слепая зона не оценена")
    expect(notes).to_contain_text("целевая аудитория роли «Заявитель» по правилу отбора")
    moscow = page.locator("#priorities tbody tr", has_text="Москва")
    expect(moscow.locator("td.num").nth(3)).to_have_text(re.compile(r"\d+\s%"))
    expect(moscow.locator("td.reasons")).to_contain_text("слепая зона 98")
    expect(page.locator("#priorities")).not_to_contain_text("уникальных проблем")
    expect(page.locator(".priority-explanation")).to_contain_text("гипотез о проблемах")
    shot(page, "audience-04-priorities")
    text = page.locator("main").inner_text()
    for name in TINY_REGIONS:
        assert name not in text
