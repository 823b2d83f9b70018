"""The check page as a new analyst reads it, on a body's small messy export (Windows-1251, «;»,
decimal commas, blanks, skewed districts): ten-digit numbers are no «паспорт» without evidence,
yet pseudonymised; a phone kept as it is is no «идентификатор клиента»; amounts are written
«37 599,5»; operators' comments are free text, districts and statuses categories."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.web.test_data_import_web import (
    column_index,
    decisions,
    inspect_url,
    meta,
    page_text,
    token_of,
    upload,
)
from tests.web.test_inspect_personal_data import _row

from messy_export import small_export
from segprofile.web.studies.models import Study


@pytest.mark.django_db
def test_a_messy_export_reads_as_an_analyst_expects(client_in: Client, stored_study: Study) -> None:
    content, numbers = small_export()
    token = token_of(upload(client_in, stored_study, "обращения.csv", content))
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    summary = meta(stored_study, token)["summary"]
    pii = {f["column"]: f for f in summary["pii"]}
    # Ten digits: no passport, but still replaced with a pseudonym, and never shown.
    assert "паспорт" not in _row(page, "Номер в системе")
    assert pii["Номер в системе"]["kind"] == "client_id"
    assert pii["Номер в системе"]["action"] == "pseudonymise"
    assert (
        "паспорт"
        not in page.split('id="pii"', 1)[1].split("</section>", 1)[0].split("десятизначные", 1)[0]
    )
    assert not any(n in page for n in numbers)
    # Amounts as the rest of the pages write figures.
    assert "37 599,5" in page
    assert "37599,5" not in page
    # Comments are free text; districts and statuses categories.
    types = {c["name"]: c["type"] for c in summary["columns"]}
    assert types["Комментарий оператора"] == "text"
    assert (types["Район"], types["Статус"]) == ("categorical", "categorical")
    assert "Заявитель просил" not in page  # free text is hidden in the preview


@pytest.mark.django_db
def test_a_phone_kept_as_it_is_is_no_client_identifier(
    client_in: Client, stored_study: Study
) -> None:
    content, _numbers = small_export()
    token = token_of(upload(client_in, stored_study, "обращения.csv", content))
    phone = column_index(stored_study, token, "Телефон")
    data = decisions(
        stored_study,
        token,
        action="recheck",
        **{f"pii_{phone}": "keep", f"reason_{phone}": "телефоны нужны для обзвона"},
    )
    assert client_in.post(inspect_url(stored_study, token), data).status_code == 302
    summary = meta(stored_study, token)["summary"]
    assert {f["column"]: f["action"] for f in summary["pii"]}["Телефон"] == "keep"
    column = next(c for c in summary["columns"] if c["name"] == "Телефон")
    assert column["use"] == "none"
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    select = re.search(rf'<select name="use_{phone}".*?</select>', page, flags=re.S)
    assert select is not None
    chosen = re.search(r"<option[^>]*selected[^>]*>([^<]*)<", select.group(0))
    assert chosen is not None
    assert chosen.group(1) == "не использовать"
    # The id rule did not take it either: the quality card checks the number, not the phone.
    assert summary["quality"]["id_column"] != "Телефон"
