"""The upload's check page gives the figures of the data the import stores: a cell of spaces
is a missing value, «  Отдел кадров » is shown as «Отдел кадров», and the unit of two
requests is never shown (requests_export: cp1251, «;», no-break spaces, blanks)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.web.test_data_import_web import (
    do_import,
    inspect_url,
    meta,
    page_text,
    token_of,
    upload,
    versions,
)
from tests.web.test_inspect_personal_data import _row

from requests_export import DOMINANT, RARE, requests_export
from segprofile.web.studies.models import Study


def _preview_cells(html: str) -> list[str]:
    table = html.split('id="preview"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", body, re.S)]


@pytest.mark.django_db
def test_the_check_page_counts_and_shows_values_as_the_import_stores_them(
    client_in: Client, stored_study: Study
) -> None:
    token = token_of(upload(client_in, stored_study, "обращения.csv", requests_export()))
    response = client_in.get(inspect_url(stored_study, token))
    page = page_text(response)
    # 119 of 600 units and 150 channels are spaces only: missing, as once imported.
    assert "20 %" in _row(page, "Подразделение")
    assert "25 %" in _row(page, "Канал")
    summary = {c["name"]: c for c in meta(stored_study, token)["summary"]["columns"]}
    assert (summary["Подразделение"]["missing"], summary["Подразделение"]["cardinality"]) == (
        119,
        2,
    )
    # The preview: values as stored, blanks empty, the unit of two requests not at all.
    cells = _preview_cells(response.content.decode())
    assert DOMINANT in cells
    assert all(cell == cell.strip(" \xa0") for cell in cells)
    assert "Портал" in cells
    assert RARE not in page
    do_import(client_in, stored_study, token)
    [version] = versions(stored_study)
    after = {c["name"]: c for c in version.quality["columns"]}
    for name in ("Подразделение", "Канал", "Сумма", "Дата обращения"):
        for figure in ("missing", "cardinality"):
            assert summary[name][figure] == after[name][figure], (name, figure)
