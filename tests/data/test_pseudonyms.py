"""Pseudonyms: the engine's SQL HMAC (imports) equals Python's hmac (single values) for any text."""

from __future__ import annotations

import base64
import hashlib
import hmac

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segprofile.data import privacy
from segprofile.data.datasets import _select_sql
from segprofile.data.privacy import PiiAction, PiiFinding, PiiKind
from sp_factories import identifier_values

KEY = bytes(range(32))
_CON = duckdb.connect()  # one connection for the module: hypothesis calls the engine many times


def _hmac(key: bytes, message: bytes) -> str:
    """The expected pseudonym: HMAC-SHA256's first 16 bytes in base64url, no padding."""
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def engine_pseudonyms(key: bytes, kind: PiiKind, values: list[str | None]) -> list[str | None]:
    """The pseudonyms an import stores: the SQL of ``datasets._select_sql`` in DuckDB."""
    con = _CON
    privacy.set_key_variables(con, key)
    con.execute(
        "CREATE OR REPLACE TABLE raw AS SELECT * FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(v, i)",
        [values],
    )
    finding = PiiFinding(
        column="v", kind=kind, by_name=True, by_content=False, share=0.0,
        action=PiiAction.pseudonymise,
    )  # fmt: skip
    select, _ = _select_sql(["v", "i"], [finding])
    rows = con.execute(f"SELECT v FROM ({select}) ORDER BY i").fetchall()  # noqa: S608 — our SQL
    return [r[0] for r in rows]


def python_pseudonyms(key: bytes, kind: PiiKind, values: list[str | None]) -> list[str | None]:
    return [None if v is None else privacy.pseudonym(key, kind, v) for v in values]


def test_the_engine_computes_hmac_sha256() -> None:
    values = ["112-233-445 95", "11223344595", " 112 233 445 95 ", None, ""]
    expected = _hmac(KEY, b"snils:11223344595")
    assert engine_pseudonyms(KEY, PiiKind.snils, values) == [expected] * 3 + [None, None]
    assert privacy.pseudonym(KEY, PiiKind.snils, "112-233-445 95") == expected
    assert len(expected) == privacy.PSEUDONYM_CHARS


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        (PiiKind.phone, "+7 (916) 123-45-67", "89161234567"),
        (PiiKind.phone, "9161234567", "7-916-123-45-67"),
        (PiiKind.email, "Ivan.Petrov@Mail.RU ", "ivan.petrov@mail.ru"),
        (PiiKind.fio, "Ёлкин  Пётр Иванович", "елкин пётр иванович"),
        (PiiKind.inn, "500100732259", "5001 0073 2259"),
        (PiiKind.client_id, "З-2024-000123", " З-2024-000123\u00a0"),
    ],
)
def test_equal_people_get_equal_pseudonyms(kind: PiiKind, a: str, b: str) -> None:
    got = engine_pseudonyms(KEY, kind, [a, b])
    assert got[0] == got[1] == privacy.pseudonym(KEY, kind, a) == privacy.pseudonym(KEY, kind, b)


def test_lower_case_as_the_engine_gives_it() -> None:
    values = ["ΌΣΟΣ ΑΣ", "İstanbul@Mail.RU", "ǅORĐE  ẞ"]
    for kind in (PiiKind.fio, PiiKind.email, PiiKind.address):
        assert engine_pseudonyms(KEY, kind, values) == python_pseudonyms(KEY, kind, values)


@pytest.mark.parametrize("key", [b"k" * 32, bytes(range(16)), b"long key " * 10])
def test_keys_of_any_length_and_values_across_sha256_blocks(key: bytes) -> None:
    """Keys shorter than a block and longer (hashed first); values of one, two, many blocks."""
    values = identifier_values(len(key), 1500)
    for kind in PiiKind:
        assert engine_pseudonyms(key, kind, values) == python_pseudonyms(key, kind, values), kind


_SPACE = st.sampled_from(list(privacy.WHITESPACE))
_DIGIT = st.sampled_from("0123456789")
_SEPARATOR = st.one_of(_SPACE, st.sampled_from("-()+./"), st.just(""))


@st.composite
def _number(draw: st.DrawFn, digits: int) -> str:
    """A number of ``digits`` digits as people write it: any separators and white space."""
    parts = [draw(st.lists(_SEPARATOR, max_size=2))]
    for _ in range(digits):
        parts.append([draw(_DIGIT)])
        parts.append(draw(st.lists(_SEPARATOR, max_size=2)))
    return "".join("".join(p) for p in parts)


@st.composite
def _phone(draw: st.DrawFn) -> str:
    """Phones of 10 digits (9XX…) and 11 (7… or 8…), written any way."""
    body = "9" + "".join(draw(st.lists(_DIGIT, min_size=9, max_size=9)))
    lead = draw(st.sampled_from(["", "7", "8", "+7", "+7 ", "8 ("]))
    spaced = "".join(ch + draw(st.one_of(st.just(""), _SEPARATOR)) for ch in body)
    return draw(st.sampled_from(["", " ", "\u00a0"])) + lead + spaced


_LETTERS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяIVANivanPetrov-'"
_NAME = st.text(alphabet=st.one_of(st.sampled_from(_LETTERS), _SPACE), max_size=40)
_EMAIL = st.builds(
    lambda address, case, pad: pad + (address.upper() if case else address) + pad,
    st.emails(),
    st.booleans(),
    st.sampled_from(["", " ", "\t", "\u00a0", "\u3000"]),
)
# Any text, and letters whose lower case is easy to get wrong (Turkish İ, Greek final sigma).
_ANY_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from("İıΣσςΌΑẞǅﬃ Ёё-İ" + _LETTERS[:8]), max_size=20),
)


@st.composite
def _application(draw: st.DrawFn) -> str:
    """A client id or application number as bodies' systems write it: «З-2024-000123»,
    «77/123456», «000123», with white space around it sometimes."""
    prefix = draw(st.sampled_from(["", "З-", "ЗАЯВ-", "АБ/", "id", "№ "]))
    year = draw(st.sampled_from(["", "2024-", "2025/"]))
    body = "".join(draw(st.lists(_DIGIT, min_size=1, max_size=12)))
    pad = draw(st.sampled_from(["", " ", "\t", "\u00a0"]))
    return pad + prefix + year + body + pad


_BY_KIND = {
    PiiKind.snils: st.one_of(_number(11), _ANY_TEXT),
    PiiKind.inn: st.one_of(_number(10), _number(12), _ANY_TEXT),
    PiiKind.passport: st.one_of(_number(10), _ANY_TEXT),
    PiiKind.phone: st.one_of(_phone(), _number(11), _ANY_TEXT),
    PiiKind.email: st.one_of(_EMAIL, _ANY_TEXT),
    PiiKind.fio: st.one_of(_NAME, _ANY_TEXT),
    PiiKind.address: st.one_of(_NAME, _ANY_TEXT),
    PiiKind.birth_date: _ANY_TEXT,
    PiiKind.client_id: st.one_of(_application(), _number(9), _ANY_TEXT),
    PiiKind.other: st.one_of(_NAME, _ANY_TEXT),
}


@pytest.mark.parametrize("kind", list(PiiKind))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_engine_equals_python_for_any_text(kind: PiiKind, data: st.DataObject) -> None:
    """What an import stores (SQL in the engine) is what Python's hmac gives for the same value,
    for every identifier kind: numbers with any white space, names in Russian and Latin letters,
    e-mail, phones of 10 and 11 digits — and any other text. Survey ids (hashed in Python) and
    re-identification rely on it."""
    values = data.draw(st.lists(st.one_of(st.none(), _BY_KIND[kind]), min_size=1, max_size=25))
    assert engine_pseudonyms(KEY, kind, values) == python_pseudonyms(KEY, kind, values)


def test_a_client_id_is_its_own_kind() -> None:
    """An application number's pseudonym is keyed by its kind: the same digits as a client id
    and as another identifier kind give unrelated pseudonyms, and leading zeros count (two
    application numbers «000123» and «123» are two clients)."""
    ids = engine_pseudonyms(KEY, PiiKind.client_id, ["000123", "123", "000123"])
    assert ids[0] == ids[2] != ids[1]
    assert ids[0] == _hmac(KEY, b"client_id:000123")
    assert ids[0] != engine_pseudonyms(KEY, PiiKind.other, ["000123"])[0]
    assert ids[0] != engine_pseudonyms(KEY, PiiKind.passport, ["000123"])[0]
