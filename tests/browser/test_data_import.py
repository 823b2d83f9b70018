"""Data import in a real browser: a cp1251 «;» CSV with a СНИЛС column is uploaded, checked,
pseudonymised and imported as a new version of a data source by the background worker."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import new_example_study, shot, sign_in

from sp_factories import make_snils

pytestmark = pytest.mark.browser

NAMES = ["Иванов Иван Иванович", "Петрова Анна Сергеевна", "Сидоров Пётр Андреевич"]


def _export(path: Path, rows: int = 60) -> list[str]:
    """A body's export: Windows-1251, «;», decimal commas; returns the СНИЛС values."""
    rng = random.Random(11)
    lines, numbers = ["ФИО;СНИЛС;Канал подачи;Возраст;Доход;Оценка"], []
    for i in range(rows):
        number = make_snils(rng)
        numbers.append(number)
        income = f"{rng.randint(10, 90)} {rng.randint(0, 999):03d},{rng.randint(0, 99):02d}"
        lines.append(
            f"{NAMES[i % 3]};{number};{rng.choice(['ЕПГУ', 'МФЦ'])};{rng.randint(18, 70)};"
            f"{income};{rng.randint(1, 5)}"
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return numbers


def test_import_a_cp1251_csv_with_snils(page: Any, live_app: Any, tmp_path: Path) -> None:
    export = tmp_path / "обращения-март.csv"
    numbers = _export(export)

    sign_in(page, live_app)
    new_example_study(page, profile=False)
    expect(page.locator("#data")).to_be_visible()

    page.locator("#data-import-link").click()
    expect(page.get_by_role("heading", name="Данные исследования")).to_be_visible()
    shot(page, "data-01-sources")

    page.get_by_label("Источник данных").select_option("__new__")
    page.get_by_label("Идентификатор нового источника").fill("appeals")
    page.get_by_label("Вид нового источника").select_option("other")
    page.get_by_label("Название нового источника").fill("Обращения граждан за март")
    page.get_by_label("Файл").set_input_files(str(export))
    page.locator("#upload-button").click()

    expect(page.get_by_role("heading", name=f"Проверьте файл {export.name}")).to_be_visible()
    file_facts = page.locator("#file")
    expect(file_facts).to_contain_text("Windows-1251")
    expect(file_facts).to_contain_text("точка с запятой")
    expect(page.locator("#row-count")).to_have_text("60")
    preview = page.locator("table.preview")
    expect(preview).to_contain_text("ЕПГУ")
    expect(preview).to_contain_text("•••")
    content = page.content()
    assert not any(n in content for n in numbers)  # the preview never shows a СНИЛС
    assert not any(n in content for n in NAMES)
    pii = page.locator("#pii")
    expect(pii).to_contain_text("СНИЛС")
    expect(page.get_by_label("Действие со столбцом СНИЛС")).to_have_value("pseudonymise")
    expect(page.get_by_label("Действие со столбцом ФИО")).to_have_value("drop")
    expect(page.get_by_label("Тип столбца Доход")).to_have_value("numeric")
    shot(page, "data-02-inspect")

    # Confirm the types (the rating is a score, the channel a feature) and the pseudonyms.
    page.get_by_label("Назначение столбца Оценка").select_option("satisfaction")
    page.get_by_label("Действие со столбцом ФИО").select_option("drop")
    page.locator("#import-button").click()
    expect(page.locator(".errorlist")).to_contain_text("Подтвердите, что проверили")
    shot(page, "data-03-confirm-needed")

    page.get_by_label("Действие со столбцом ФИО").select_option("drop")
    page.get_by_label("Назначение столбца Оценка").select_option("satisfaction")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()

    # The background worker imports the file (parsed in an isolated child process); its page
    # shows the progress and, once it is done, leads to the data page with the result.
    expect(page.get_by_role("heading", name=f"Загрузка файла {export.name}")).to_be_visible()
    expect(page.locator(".message--success")).to_contain_text(
        "Версия 1 источника «Обращения граждан за март» загружена, строк: 60", timeout=120_000
    )
    source = page.locator("section#appeals")
    expect(source).to_contain_text("версия 1")
    versions = source.locator("table.versions tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text(live_app.username)
    expect(versions.first).to_contain_text(export.name)
    expect(page.locator("#audit")).to_contain_text("заменить псевдонимом")
    expect(page.locator("#audit")).to_contain_text("удалить столбец")
    shot(page, "data-04-imported")

    # The decisions are a new revision of the study, re-applied on the next import.
    page.locator(".crumbs a").nth(1).click()
    expect(page.locator("#revisions")).to_contain_text("Загрузка данных: источник «")
    expect(page.locator("#revisions")).not_to_contain_text("«appeals»")  # by title, not id
    shot(page, "data-05-study")
