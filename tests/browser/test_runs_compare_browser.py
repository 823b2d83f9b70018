"""Two profiles compared in a real browser when a new data version lost one client of a small
district (walk-through: «Клиенты 120 000 → 119 999», «Прочие значения (4 значения…) 10 → 9»)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import SLOW, new_example_study, shot, sign_in

pytestmark = pytest.mark.browser

#: Four rare districts (4, 3, 2 and 1 clients), «Прочие значения (4 значения…)».
_RARE = ["Зеленоград"] * 4 + ["Троицк"] * 3 + ["Щербинка"] * 2 + ["Коммунарка"]


def _new_version(home: Path, pk: str, keep_last_rare: bool) -> None:
    """The next stored version of the study's client records, as an upload would store it: the
    latest one with the first ten clients in the rare districts, and without the single client
    of Коммунарка unless ``keep_last_rare``."""
    import hashlib
    import json
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = next((home / "studies" / pk).rglob("records/v1.json")).parent
    latest = max(int(p.stem[1:]) for p in folder.glob("v*.json"))
    manifest = json.loads((folder / f"v{latest}.json").read_text(encoding="utf-8"))
    table = pq.read_table(folder / manifest["parquet"])
    values = table["region_type"].to_pylist()
    values[: len(_RARE)] = _RARE
    column = table.schema.get_field_index("region_type")
    table = table.set_column(column, "region_type", pa.array(values, pa.string()))
    if not keep_last_rare:
        table = table.filter(pa.array([v != "Коммунарка" for v in values]))
    version = latest + 1
    pq.write_table(table, folder / f"v{version}.parquet")
    digest = hashlib.sha256((folder / f"v{version}.parquet").read_bytes()).hexdigest()
    manifest |= {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "file": f"records-v{version}.parquet",
        "rows": table.num_rows,
        "sha256": digest,
        "parquet": f"v{version}.parquet",
    }
    (folder / f"v{version}.json").write_text(json.dumps(manifest), encoding="utf-8")


def _build(page: Any, pk: str) -> None:
    page.goto(f"/studies/{pk}/")
    page.locator("#build-profile").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("table[data-table^='segments_']").first).to_be_visible(timeout=SLOW)


def test_one_client_removed_is_not_told_by_the_comparison(page: Any, live_app: Any) -> None:
    sign_in(page, live_app)
    pk = new_example_study(page, profile=False)  # the two profiles compared are built here
    _new_version(live_app.home, pk, keep_last_rare=True)
    _build(page, pk)
    _new_version(live_app.home, pk, keep_last_rare=False)
    _build(page, pk)
    page.goto(f"/studies/{pk}/runs/compare/")  # the two latest: data versions 2 and 3
    changes = page.locator("ul.changes")
    expect(changes).to_contain_text("версия 2 → версия 3, загружена")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("версия 2, загружена")
    expect(facts).to_contain_text("версия 3, загружена")
    expect(facts).to_contain_text("изменение меньше 5 клиентов")
    clients = facts.locator("dt:has-text('Клиенты') + dd")
    expect(clients).not_to_contain_text("→")
    expect(facts.locator("dt:has-text('CSAT в целом') + dd")).to_contain_text("%")
    other = page.locator("#moves tbody tr").filter(has_text="Прочие значения")
    expect(other.first).to_contain_text("состав строки «Прочие значения» изменился")
    expect(page.locator("main")).not_to_contain_text("4 значения")
    expect(page.locator("main")).not_to_contain_text("3 значения")
    text = page.locator("main").inner_text()
    for a, b in re.findall(r"(\d[\d\u00a0 ]*?)[ \u00a0]→[ \u00a0](\d[\d\u00a0 ]*)(?!\S*%)", text):
        difference = abs(int(re.sub(r"\D", "", a)) - int(re.sub(r"\D", "", b)))
        assert not 0 < difference < 5, (a, b)
    assert not re.search(r"(?m)^[+-]?[1-4]$|\t[+-]?[1-4]\t", text)
    shot(page, "h58-01-compare-one-client-removed")

    # The owner deletes the later profile, the one that tells about a client or two.
    page.goto(f"/studies/{pk}/")
    later = page.locator("#runs .runs__item a").first.get_attribute("href")
    page.goto(later)
    # Its page warns the owner: the two profiles side by side tell about a client or two.
    warning = page.locator("#run-tells-few")
    expect(warning).to_contain_text(
        "этот профиль раскрывает сведения о группе менее чем из 5 клиентов"
    )
    expect(warning).to_contain_text("вычтет одно из другого")
    expect(warning.locator("a", has_text="сравнить").first).to_be_visible()
    shot(page, "s12-01-run-tells-few")
    page.locator("#run-delete").click()
    heading = re.compile(r"Удалить профиль № \d+ от .*, редакция 1\?")
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("main")).to_contain_text("всего несколькими клиентами")
    shot(page, "s11-01-delete-profile-confirm")
    page.locator("#id_confirm").check()
    page.locator("#delete-run").click()
    expect(page.locator("#messages")).to_contain_text("удалён")
    page.goto(later)
    expect(page.locator("h1")).to_contain_text("Страница не найдена")
