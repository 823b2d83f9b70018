"""The check page of a messy 20,000-row export in a real browser: every column with personal
data is shown as what it is (ФИО, телефон, e-mail, дата рождения), the birth dates keep their
year, the comment with phones inside is listed as personal data inside a text, and no raw value
is on the page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in

from messy_export import messy_export, small_export

pytestmark = pytest.mark.browser

#: Screenshot names' prefix (to compare the page of another build: ``SHOT_PREFIX=before-``).
PREFIX = os.environ.get("SHOT_PREFIX", "")


def test_the_check_page_of_a_messy_export(page: Any, live_app: Any, tmp_path: Path) -> None:
    content, raw = messy_export()
    export = tmp_path / "выгрузка_клиентов.csv"
    export.write_bytes(content)

    sign_in(page, live_app)
    new_example_study(page, profile=False)
    page.locator("#data-import-link").click()
    page.get_by_label("Источник данных").select_option("__new__")
    page.get_by_label("Вид нового источника").select_option("other")
    page.get_by_label("Название нового источника").fill("Обращения клиентов")
    page.get_by_label("Файл").set_input_files(str(export))
    page.locator("#upload-button").click()
    expect(page.get_by_role("heading", name=f"Проверьте файл {export.name}")).to_be_visible()
    expect(page.locator("#row-count")).to_have_text("20 000")
    shot(page, f"{PREFIX}inspect-messy-page")
    shot(page, f"{PREFIX}inspect-messy-columns", page.locator("#columns"))
    shot(page, f"{PREFIX}inspect-messy-pii", page.locator("#pii"))
    shot(page, f"{PREFIX}inspect-messy-preview", page.locator("#preview"))
    if PREFIX:  # another build's page: its pictures only
        return

    columns = page.locator("#columns")
    for column, kind in (
        ("ФИО", "ФИО"),
        ("Телефон", "телефон"),
        ("E-mail", "e-mail"),
        ("Дата рождения", "дата рождения"),
    ):
        row = columns.locator("tr", has=page.get_by_text(column, exact=True))
        expect(row).to_contain_text(f"персональные данные {kind}")
        expect(row).not_to_contain_text("идентификатор")
    expect(page.get_by_label("Тип столбца Район")).to_have_value("categorical")
    expect(page.get_by_label("Тип столбца Комментарий")).to_have_value("text")
    expect(page.get_by_label("Действие со столбцом Дата рождения")).to_have_value("generalise")
    expect(page.get_by_label("Действие со столбцом Телефон")).to_have_value("pseudonymise")
    texts = page.locator("#pii-texts + .scroll")
    expect(texts).to_contain_text("Комментарий")
    expect(texts).to_contain_text("маскируются: заменяются метками [телефон], [e-mail]")
    html = page.content()
    for kind in ("fio", "snils", "phone", "email", "comment"):
        assert not [v for v in set(raw[kind]) if v in html], kind


def test_unreadable_birth_dates_say_why_they_are_dropped(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    # Two-digit years: shaped like dates, read as none — the year cannot be kept.
    rows = [
        f"{i % 28 + 1:02d}.{i % 12 + 1:02d}.{40 + i % 60};{['ЕПГУ', 'МФЦ'][i % 2]}"
        for i in range(300)
    ]
    export = tmp_path / "даты.csv"
    export.write_bytes(("Дата рожд.;Канал\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1251"))
    sign_in(page, live_app)
    new_example_study(page, profile=False)
    page.locator("#data-import-link").click()
    page.get_by_label("Источник данных").select_option("__new__")
    page.get_by_label("Вид нового источника").select_option("other")
    page.get_by_label("Файл").set_input_files(str(export))
    page.locator("#upload-button").click()
    pii = page.locator("#pii")
    expect(pii).to_contain_text("не прочитаны как даты")
    expect(page.get_by_label("Действие со столбцом Дата рожд.")).to_have_value("drop")
    shot(page, f"{PREFIX}inspect-unreadable-dates", pii)


def test_a_small_export_reads_as_an_analyst_expects(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    """Ten-digit numbers are no passport, yet pseudonymised; amounts «37 599,5»; comments are
    free text; a phone kept as it is (with a reason) is no client identifier."""
    content, numbers = small_export()
    export = tmp_path / "обращения.csv"
    export.write_bytes(content)
    sign_in(page, live_app)
    new_example_study(page, profile=False)
    page.locator("#data-import-link").click()
    page.get_by_label("Источник данных").select_option("__new__")
    page.get_by_label("Вид нового источника").select_option("other")
    page.get_by_label("Название нового источника").fill("Обращения")
    page.get_by_label("Файл").set_input_files(str(export))
    page.locator("#upload-button").click()
    expect(page.get_by_role("heading", name=f"Проверьте файл {export.name}")).to_be_visible()
    shot(page, f"{PREFIX}inspect-small-page")
    shot(page, f"{PREFIX}inspect-small-preview", page.locator("#preview"))
    shot(page, f"{PREFIX}inspect-small-columns", page.locator("#columns"))
    shot(page, f"{PREFIX}inspect-small-pii", page.locator("#pii"))
    if PREFIX:
        return
    columns = page.locator("#columns")
    number = columns.locator("tr", has=page.get_by_text("Номер в системе", exact=True))
    expect(number).to_contain_text("идентификатор клиента")
    expect(number).not_to_contain_text("паспорт")
    expect(page.get_by_label("Действие со столбцом Номер в системе")).to_have_value("pseudonymise")
    expect(page.locator("#preview")).to_contain_text("37 599,5")
    expect(page.get_by_label("Тип столбца Комментарий оператора")).to_have_value("text")
    expect(page.get_by_label("Тип столбца Район")).to_have_value("categorical")
    expect(page.get_by_label("Тип столбца Статус")).to_have_value("categorical")
    html = page.content()
    assert not [n for n in numbers if n in html]

    page.get_by_label("Действие со столбцом Телефон").select_option("keep")
    page.get_by_label("Почему столбец Телефон оставлен как есть").fill("нужны для обзвона")
    page.get_by_role("button", name="Проверить снова с этими настройками").click()
    expect(page.get_by_label("Действие со столбцом Телефон")).to_have_value("keep")
    expect(page.get_by_label("Назначение столбца Телефон")).to_have_value("none")
    shot(page, f"{PREFIX}inspect-small-phone-kept", page.locator("#columns"))
