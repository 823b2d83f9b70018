"""The check page never proposes a comment with personal data inside as a feature.

The walk-through's bug: «Комментарий» (names, phones, e-mails in 35 % of its values, a few
stock phrasings) was typed «категориальный / кандидат в признаки» and ticked under «Новые
признаки», and segments «Перезвоните мне по номеру [телефон]» reached the profile. Now it is
«свободный текст / текст для анализа», not offered as a feature; an analyst who still makes it
a category is warned, in Russian, on the check page and when the import starts.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.web.test_data_import_web import (
    column_index,
    decisions,
    do_import,
    inspect_url,
    page_text,
    token_of,
    upload,
)
from tests.web.test_inspect_personal_data import _row

from personal_comments import comments_export
from segprofile.web.studies.models import Study


def _feature_boxes(page: str) -> list[str]:
    section = page.split('id="study-settings"', 1)[1].split('id="pii"', 1)[0]
    boxes = re.findall(r'name="feature_columns" value="\d+"([^>]*)>\s*([^<]+)<', section)
    return [name.strip() + (" ✓" if "checked" in attrs else "") for attrs, name in boxes]


def _chosen(page: str, field: str) -> str:
    select = re.search(rf'<select name="{field}".*?</select>', page, flags=re.S)
    assert select is not None, field
    chosen = re.search(r"<option[^>]*selected[^>]*>([^<]*)<", select.group(0))
    assert chosen is not None, field
    return chosen.group(1)


def _imported(client: Client, study: Study, token: str, **changes: str) -> str:
    """The page the import ends on (the data page, its messages shown)."""
    response = do_import(client, study, token, **changes)
    assert response.status_code == 302, page_text(response)[:2000]
    return page_text(client.get(response["Location"], follow=True))


@pytest.mark.django_db
def test_a_comment_with_personal_data_is_free_text_and_no_feature(
    client_in: Client, stored_study: Study
) -> None:
    token = token_of(upload(client_in, stored_study, "обращения.csv", comments_export()))
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    i = column_index(stored_study, token, "Комментарий")
    assert _chosen(page, f"type_{i}") == "свободный текст"
    assert _chosen(page, f"use_{i}") == "текст для анализа"
    assert "в тексте" in _row(page, "Комментарий")
    boxes = _feature_boxes(page)
    assert not any(b.startswith("Комментарий") for b in boxes)
    # Districts, statuses and yes/no answers are still offered, and ticked.
    for name in ("Район ✓", "Статус ✓", "Согласие на рассылку ✓"):
        assert name in boxes
    assert "Перезвоните" not in page  # the texts are never shown


@pytest.mark.django_db
def test_making_it_a_category_is_warned_before_and_at_the_import(
    client_in: Client, stored_study: Study
) -> None:
    token = token_of(upload(client_in, stored_study, "обращения.csv", comments_export()))
    i = column_index(stored_study, token, "Комментарий")
    recheck = decisions(stored_study, token, action="recheck", **{f"type_{i}": "categorical"})
    assert client_in.post(inspect_url(stored_study, token), recheck).status_code == 302
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    quality = page.split('id="quality"', 1)[1]
    assert "В значениях столбца «Комментарий» найдены персональные данные" in quality
    assert "выберите тип «свободный текст»" in quality
    # A category now, yet not ticked as a feature by default.
    assert "Комментарий" in _feature_boxes(page)
    text = _imported(client_in, stored_study, token, **{f"type_{i}": "categorical"})
    assert "В текстах столбца «Комментарий» найдены персональные данные" in text
    assert "Перезвоните" not in text


@pytest.mark.django_db
def test_no_warning_when_it_stays_free_text(client_in: Client, stored_study: Study) -> None:
    token = token_of(upload(client_in, stored_study, "обращения.csv", comments_export()))
    text = _imported(client_in, stored_study, token)
    assert "найдены персональные данные" not in text
