"""Walk-through fixes in a real browser: what is typed is masked as what is imported, «1 000» is
a number, the journeys CSV reads in Excel, a profile is not compared with itself."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS
from tests.browser.steps import (
    example_profile,
    new_example_study,
    new_hypothesis,
    shot,
    sign_in,
    upload_example_document,
)

pytestmark = pytest.mark.browser

PII = "Звонок Иванову И.И. по тел. 8-921-555-44-33"


def test_typed_texts_numbers_and_the_csv(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    study_url = upload_example_document(page)
    page.goto(study_url + "journeys/")
    section = page.locator("#j-current")
    page.locator("#addstep-current > summary").click()
    form = page.locator("#addform-current")
    form.get_by_label("Шаг", exact=True).fill(PII)
    form.get_by_label("Срок, дней").fill("1 000")
    form.get_by_label("Время клиента, мин").fill("1\u00a0250,5")
    form.get_by_role("button", name="Сохранить новый шаг").click()
    status = page.locator("#journeys-status")
    expect(status).to_contain_text("В тексте заменены персональные данные: 1 имя, 1 телефон.")
    step = section.locator("ol.jsteps > li").last
    expect(step).to_contain_text("Звонок [имя] по тел. [телефон]")
    expect(section).not_to_contain_text("555-44-33")
    shot(page, "h52-01-typed-step-masked", section)

    # The history quotes the masked title.
    page.goto(study_url + "history/")
    expect(page.locator("main")).to_contain_text("Звонок [имя] по тел. [телефон]")
    expect(page.locator("main")).not_to_contain_text("Иванову")
    shot(page, "h52-02-history")

    # The CSV names roles and problems by their titles.
    data = page.request.get(study_url + "journeys/export.csv").body().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data), delimiter=";"))
    assert rows[0]["Роль"].startswith("Заявитель — родитель")
    assert "p_no_proactive_info" not in data
    typed = next(r for r in rows if r["Название шага"].startswith("Звонок"))
    assert (typed["Название шага"], typed["Срок, дней"]) == (
        "Звонок [имя] по тел. [телефон]",
        "1000",
    )

    # A hypothesis typed with a client's phone is masked too.
    page.goto(study_url + "hypotheses/")
    form = new_hypothesis(
        page,
        kind="Проблема",
        statement="Петрова Анна (тел. 8-921-555-44-33) не знала про ЕПГУ",
        source="Путь заявителя (из Камунды)",
    )
    form.get_by_role("button", name=re.compile("Сохранить")).click()
    expect(page.locator("main")).to_contain_text(
        "В тексте заменены персональные данные: 1 имя, 1 телефон."
    )
    expect(page.locator("main")).to_contain_text("[имя] (тел. [телефон]) не знала про ЕПГУ")
    expect(page.locator("main")).not_to_contain_text("Петрова")
    page.screenshot(path=str(ARTIFACTS / "h52-03-hypothesis-masked.png"))  # the top: message


def test_a_profile_is_not_compared_with_itself(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)
    run = re.search(r"/runs/(\d+)/", page.url)
    assert run is not None
    page.goto(f"/studies/{pk}/runs/compare/?a={run.group(1)}&b={run.group(1)}")
    expect(page.get_by_role("alert")).to_contain_text("Выберите два разных профиля")
    expect(page.locator("main")).not_to_contain_text("Ни один сегмент не изменился")
    shot(page, "h52-04-compare-itself")


def test_a_value_too_rare_to_name_is_said_so_in_the_comparison(page: Any, live_app: Any) -> None:
    """The data change so that three clients came to the office: the second profile does not
    name the value; the comparison says why instead of «gone»."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sign_in(page, live_app)
    pk = new_example_study(page)
    example_profile(page)
    for path in (live_app.home / "studies" / pk).rglob("records/v*.parquet"):
        table = pq.read_table(path)
        if "channel" not in table.column_names:
            continue
        office = pc.fill_null(pc.equal(table["channel"], "office"), False).to_pylist()
        seen = [sum(office[: i + 1]) for i in range(len(office))]
        keep = [not o or n <= 3 for o, n in zip(office, seen, strict=True)]
        pq.write_table(table.filter(pa.array(keep)), path)
    page.goto(f"/studies/{pk}/")
    page.locator("#build-profile").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("table[data-table^='segments_']").first).to_be_visible(timeout=240_000)
    page.goto(f"/studies/{pk}/runs/compare/")
    rows = page.locator("#moves tbody tr").filter(has_text="Клиентская служба СФР (лично)")
    expect(rows.first).to_contain_text("не называется отдельно")
    expect(rows.filter(has_text="исчез")).to_have_count(0)  # pairs with it too
    expect(page.locator("#moves")).to_contain_text("Клиенты из него не исчезли")
    shot(page, "h52-05-compare-rare-value", page.locator("#moves"))
