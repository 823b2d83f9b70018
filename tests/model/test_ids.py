"""Identifiers made from Russian titles (``model.ids.identifier_from``)."""

from __future__ import annotations

import re

import pytest

from segprofile.model.ids import identifier_from
from segprofile.model.study import _ID_RE


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Единое пособие на ребёнка", "edinoe-posobie-na-rebenka"),
        ("ЖИЛИЩНЫЙ сертификат № 5", "zhilishchnyi-sertifikat-no-5"),
        ("Café «Ёлка» — 2024", "cafe-elka-2024"),
        ("«»—!!", "item"),
        ("", "item"),
    ],
)
def test_titles_become_latin_slugs(title: str, expected: str) -> None:
    assert identifier_from(title) == expected


def test_long_titles_are_cut_at_a_word_and_taken_ones_get_a_number() -> None:
    title = "Назначение ежемесячного пособия в связи с рождением и воспитанием ребёнка"
    slug = identifier_from(title)
    assert len(slug) <= 40
    assert slug == "naznachenie-ezhemesiachnogo-posobiia-v"
    assert identifier_from(title, {slug}) == f"{slug}-2"
    assert identifier_from(title, {slug, f"{slug}-2"}) == f"{slug}-3"
    assert identifier_from("Ы" * 90) == "y" * 40  # one long word is cut


@pytest.mark.parametrize("title", ["Ъ", "щ" * 30, "Мера № 1/2 (ред.)", "ёж", "0"])
def test_every_identifier_is_valid_for_the_model(title: str) -> None:
    assert re.fullmatch(_ID_RE, identifier_from(title, fallback="npa"))
