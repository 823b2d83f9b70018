"""Identifiers made from Russian titles: what a form uses when the user gives only a title.

The document's identifiers (``id`` fields) are short Latin slugs that other parts refer to
(:data:`segprofile.model.study.Identifier`). A person typing «Единое пособие на ребёнка» should
not have to invent ``edinoe-posobie``; :func:`identifier_from` makes it, unique among ``taken``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

# Russian letters in Latin as in Russian passports (Приказ МВД № 995, ICAO Doc 9303), lower case.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e",
            "iu", "ia",
        ],
        strict=True,
    )
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_LENGTH = 40
"""Identifiers made here are shorter than the model's 64, so ``-2``… always fits."""


def _latin(text: str) -> str:
    out = []
    for char in text.lower():
        if char in _CYRILLIC:
            out.append(_CYRILLIC[char])
        else:  # Latin letters with accents lose them; anything else becomes a separator
            latin = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(latin.lower())
    return "".join(out)


def identifier_from(
    title: str, taken: Collection[str] = (), *, fallback: str = "item", length: int = MAX_LENGTH
) -> str:
    """A slug of ``title`` in Latin letters, digits and «-», at most ``length`` characters, cut
    at a word; ``fallback`` when the title has no letters or digits; ``-2``, ``-3``… appended
    when it is in ``taken``."""
    words = [w for w in _NOT_SLUG.split(_latin(title)) if w]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > length:
            break
        slug = candidate
    if not slug:
        slug = words[0][:length] if words else fallback
    wanted, n = slug, 2
    while slug in taken:
        slug = f"{wanted}-{n}"
        n += 1
    return slug
