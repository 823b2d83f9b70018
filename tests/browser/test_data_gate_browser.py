"""The data gate in a real browser (walk-through): a study made from the worked example keeps
its demo ids as they are; the body's real records uploaded into it do not keep theirs without a
reason given for that file. A source whose only versions are deleted: the profile names it and
says where to load its data."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import SLOW, new_example_study, shot, sign_in, upload_for_check

pytestmark = pytest.mark.browser


def _records(path: Path, rows: int = 120) -> list[str]:
    """The body's real records: raw client ids (10-digit application numbers)."""
    rng = random.Random(21)
    ids = [str(rng.randint(10**9, 10**10 - 1)) for _ in range(rows)]
    lines = ["client_id;channel;satisfaction"] + [
        f"{cid};{rng.choice(['ЕПГУ', 'ЕПГУ', 'МФЦ'])};{rng.choice(['1', '4', '5', '5', ''])}"
        for cid in ids
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return ids


def test_real_client_ids_are_not_kept_without_a_reason(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    export = tmp_path / "заявления-2025.csv"
    ids = _records(export)
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)

    page.goto(f"/studies/{pk}/data/sources/")
    upload_for_check(page, export)
    action = page.get_by_label("Действие со столбцом client_id")
    expect(action).to_have_value("keep")  # the example's saved decision, shown as it is
    row = page.locator("#pii tr", has_text="client_id")
    expect(row).not_to_contain_text("заменяется псевдонимом")
    expect(row).to_contain_text("только с указанной причиной")
    expect(page.locator("body")).not_to_contain_text("При загрузке заменяется псевдонимом")
    shot(page, "gate-01-saved-keep")

    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator(".errorlist")).to_contain_text(
        "Исследование оставляет столбец «client_id» как есть, но причина указывается для "
        "каждого файла"
    )
    shot(page, "gate-02-reason-asked")

    page.get_by_label("Действие со столбцом client_id").select_option("pseudonymise")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator(".message--success")).to_contain_text("Версия 2 источника", timeout=SLOW)
    assert not any(i in page.content() for i in ids)

    # Both versions deleted: no data for the records; numbers are never given again.
    for version in (2, 1):
        page.goto(f"/studies/{pk}/data/sources/records/v{version}/delete/")
        page.get_by_label(re.compile("Да, удалить")).check()
        page.locator("#delete-version").click()
        expect(page.locator(".message--success")).to_contain_text(f"Версия {version}")
    page.goto(f"/studies/{pk}/")
    expect(page.locator(".next-step")).to_contain_text("загрузите данные о клиентах")
    shot(page, "gate-03-study-without-records")
    page.locator("form[action$='/runs/'] button").first.click()
    expect(page.locator("#run-error")).to_contain_text(
        "нет загруженной версии данных", timeout=SLOW
    )
    expect(page.locator("#run-error")).to_contain_text("на странице «Данные»")
    expect(page.locator("#run-error")).not_to_contain_text("records.parquet")
    shot(page, "gate-04-run-without-data")
