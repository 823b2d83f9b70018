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


def test_journey_segments_by_title_round_trip_and_a_typed_role_masked(
    page: Any, live_app: Any
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_app)
    study_url = upload_example_document(page)

    # The CSV names a journey's segments by their titles, never by their keys.
    exported = page.request.get(study_url + "journeys/export.csv").body()
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";"))
    segments = {r["Путь"]: r["Сегменты пути"] for r in rows}
    assert segments["target_office"] == "Способ подачи заявления: Клиентская служба СФР (лично)"
    assert segments["target_rural"] == "Тип населённого пункта: Сельская местность"
    assert segments["current"] == ""
    assert "channel=" not in exported.decode("utf-8-sig")

    # The same file imported back: the journeys are the same, the next export byte for byte.
    page.goto(study_url + "journeys/")
    page.locator("#import input[name=file]").set_input_files(
        {"name": "пути.csv", "mimeType": "text/csv", "buffer": exported}
    )
    page.locator("#import").get_by_role("button", name="Загрузить как новую редакцию").click()
    expect(page.locator("main")).to_contain_text(re.compile(r"Редакция \d+ сохранена"))
    page.locator("#j-target_office").scroll_into_view_if_needed()
    expect(page.locator("#j-target_office")).to_contain_text("Клиентская служба СФР (лично)")
    shot(page, "h56-01-journeys-imported-by-title", page.locator("#j-target_office"))
    assert page.request.get(study_url + "journeys/export.csv").body() == exported

    # A segment the study does not have: refused, naming the file, the row and the value.
    text = exported.decode("utf-8-sig").replace(
        "Тип населённого пункта: Сельская местность", "Тип поселения: деревня"
    )
    page.locator("#import input[name=file]").set_input_files(
        {"name": "пути от МФЦ.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8-sig")}
    )
    page.locator("#import").get_by_role("button", name="Загрузить как новую редакцию").click()
    alert = page.locator("#import .alert--error")
    expect(alert).to_contain_text("Файл пути от МФЦ.csv не удалось загрузить")
    expect(alert).to_contain_text(
        "столбец «Сегменты пути»: сегмент «Тип поселения: деревня» не найден в исследовании"
    )
    first = 2 + next(i for i, r in enumerate(rows) if r["Путь"] == "target_rural")
    expect(alert).to_contain_text(f"строка {first}, столбец «Сегменты пути»")
    # One problem, said once: the journey's later rows repeat the same cell.
    assert alert.inner_text().count("«Сегменты пути»") == 1
    shot(page, "h56-02-unknown-segment-refused", page.locator("#import"))

    # A role's description typed with a client's name and phone is stored masked.
    page.goto(study_url)
    roles = page.locator("#roles")
    roles.get_by_role("button", name="Добавить роль").click()
    form = roles.locator("form.role-form")
    expect(form).to_be_visible()
    form.get_by_label("Вид роли").select_option("intermediary")
    form.get_by_label("Название роли").fill("Представитель")
    form.get_by_label("Что делает роль").fill("звонила Петрова А.А., тел. 8-921-555-12-34")
    form.get_by_label("Аудитория: кто имеет право").fill("Опекуны")
    form.get_by_role("button", name="Сохранить роль").click()
    expect(roles.locator("form.role-form")).to_have_count(0)
    expect(roles).to_contain_text("звонила [имя], тел. [телефон]")
    expect(roles).not_to_contain_text("Петрова")
    # Said at once, above the page (the in-place save brings its message along).
    expect(page.locator("#messages")).to_contain_text(
        "В тексте заменены персональные данные: 1 имя, 1 телефон."
    )
    shot(page, "h56-03-role-masked", roles)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "h56-03b-role-masked-message.png"))
    page.goto(study_url + "history/")
    main = page.locator("main")
    expect(main).to_contain_text("Представитель")
    expect(main).not_to_contain_text("Петрова")
    expect(main).not_to_contain_text("555-12-34")
    shot(page, "h56-04-history")
