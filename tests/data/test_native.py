"""The engine extension that computes pseudonyms (segprofile.data.native, segprofile_hmac.c)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segprofile.data import native, privacy
from segprofile.data.privacy import PiiKind
from sp_factories import identifier_values

KEY = b"segprofile test key \x00\xff" * 2
BACKENDS = ("c", "sha", "avx512")


def _canonical(mode: int, value: str) -> str:
    """Python twin of the extension's canonical form (privacy.SEPARATORS, phones' leading 7)."""
    if mode == privacy.MODE_TEXT:
        return value
    digits = "".join(ch for ch in value if ch not in privacy.SEPARATORS)
    if mode == privacy.MODE_PHONE:
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]
        elif len(digits) == 10:
            digits = "7" + digits
    return digits


def _expected(key: bytes, prefix: str, mode: int, value: str | None) -> str | None:
    if value is None:
        return None
    canonical = _canonical(mode, value)
    if not canonical:
        return None
    digest = hmac.new(key, (prefix + canonical).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _connect(key: bytes = KEY) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    if not native.load(con):
        pytest.fail("расширение segprofile_hmac не собрано или не загрузилось")
    privacy.set_key_variables(con, key)
    return con


def _hash(
    con: duckdb.DuckDBPyConnection, values: list[str | None], prefix: str, mode: int
) -> list[str | None]:
    con.execute(
        "CREATE OR REPLACE TABLE v AS SELECT * FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(v, i)",
        [values],
    )
    rows = con.execute(
        f"SELECT {native.FUNCTION}(getvariable('segprofile_pads'), ?, ?, v) FROM v ORDER BY i",  # noqa: S608 — our own function name
        [prefix, mode],
    ).fetchall()
    return [r[0] for r in rows]


def test_footer_is_what_duckdb_reads() -> None:
    footer = native.footer("linux_amd64")
    assert len(footer) == 512
    fields = [footer[i * 32 : (i + 1) * 32].rstrip(b"\0").decode() for i in range(8)]
    # DuckDB reads the eight fields last first: magic, platform, C API, version, ABI.
    assert fields[::-1][:5] == ["4", "linux_amd64", native.CAPI_VERSION, native.VERSION, "C_STRUCT"]
    assert footer[256:] == b"\0" * 256  # no signature: loaded with allow_unsigned_extensions
    with pytest.raises(ValueError, match="too long"):
        native.footer("x" * 40)


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_equals_hmac(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGPROFILE_HMAC_BACKEND", backend)
    con = _connect()
    chosen = con.execute("SELECT segprofile_hmac_backend()").fetchall()
    if chosen != [(backend,)]:
        pytest.skip(f"у этого процессора нет блока {backend}")
    values = identifier_values(len(backend), 5000)  # more than one DuckDB vector (2048 rows)
    for mode, prefix in (
        (privacy.MODE_TEXT, "fio:"),
        (privacy.MODE_DIGITS, "snils:"),
        (privacy.MODE_PHONE, "phone:"),
    ):
        assert _hash(con, values, prefix, mode) == [_expected(KEY, prefix, mode, v) for v in values]
    monkeypatch.delenv("SEGPROFILE_HMAC_BACKEND")
    _connect()  # the next load picks the fastest again


def test_on_many_threads_and_rows() -> None:
    """Several DuckDB threads at once, each with its own batches: the same as hmac row by row."""
    con = _connect()
    con.execute("SET threads = 4")
    rng = random.Random(3)
    values = [f"{rng.randint(0, 10**11):011d}" for _ in range(60_000)]
    con.execute(
        "CREATE TABLE big AS SELECT * FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(v, i)", [values]
    )
    rows = con.execute(
        "SELECT i, segprofile_hmac(getvariable('segprofile_pads'), 'inn:', 1, v) FROM big"
    ).fetchall()
    got = dict(rows)
    assert [got[i + 1] for i in range(len(values))] == [
        _expected(KEY, "inn:", 1, v) for v in values
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=80)), max_size=40), st.sampled_from((0, 1, 2))
)
def test_any_text_equals_hmac(values: list[str | None], mode: int) -> None:
    con = _connect()
    assert _hash(con, values, "email:", mode) == [_expected(KEY, "email:", mode, v) for v in values]


def test_equals_the_python_pseudonym_for_every_kind() -> None:
    """What imports store is what privacy.pseudonym gives (joins made in Python find it)."""
    con = _connect()
    samples = {
        PiiKind.snils: "112-233-445 95",
        PiiKind.inn: "7707 083893",
        PiiKind.passport: "45 06 123456",
        PiiKind.phone: "8 (916) 123-45-67",
        PiiKind.email: "Ivan.Petrov@Mail.RU",
        PiiKind.fio: "Иванов  Иван Иванович",
        PiiKind.address: "г. Москва, ул. Ленина, д. 1",
    }
    for kind, value in samples.items():
        sql = privacy.pseudonym_udf_sql(kind, "?", privacy.Compiled.extension)
        row = con.execute(f"SELECT {sql}", [value]).fetchone()
        assert row is not None
        assert row[0] == privacy.pseudonym(KEY, kind, value), kind
        assert len(row[0]) == privacy.PSEUDONYM_CHARS


def test_wrong_constants_are_refused_with_a_message() -> None:
    con = _connect()
    with pytest.raises(duckdb.Error, match="128 bytes"):
        con.execute("SELECT segprofile_hmac('short'::BLOB, 'x:', 1, '1')").fetchall()
    with pytest.raises(duckdb.Error, match="must not be NULL"):
        con.execute("SELECT segprofile_hmac(NULL::BLOB, 'x:', 1, '1')").fetchall()


def test_build_is_kept_and_reused(tmp_path: Path) -> None:
    first = native.build(tmp_path)
    if first is None:
        pytest.skip("нет компилятора C")
    stamp = first.stat().st_mtime_ns
    assert native.build(tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    assert first.read_bytes().endswith(native.footer(native.platform()))


def test_without_a_compiler_the_import_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    assert native.build(tmp_path / "cache") is None
    monkeypatch.setenv(native.DISABLE_ENV, "0")
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    privacy.set_key_variables(con, KEY)
    assert privacy.register_pseudonym_functions(con, KEY) is privacy.Compiled.kernel


def test_arguments_that_vary_by_row_are_refused() -> None:
    con = _connect()
    with pytest.raises(duckdb.Error, match="same on every row"):
        con.execute(
            "SELECT segprofile_hmac(getvariable('segprofile_pads'), p, m, '112') "
            "FROM (VALUES ('snils:', 1), ('inn:', 0)) t(p, m)"
        ).fetchall()
    with pytest.raises(duckdb.Error, match="at most 64 bytes"):
        con.execute(
            "SELECT segprofile_hmac(getvariable('segprofile_pads'), ?, 1, '1')", ["x" * 65]
        ).fetchall()


_DIGITS_AND_SPACES = st.text(
    alphabet=st.sampled_from([*"0123456789-()+./8ё", *privacy.WHITESPACE]), max_size=40
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_DIGITS_AND_SPACES, min_size=1, max_size=30))
def test_numbers_have_one_pseudonym_in_every_implementation(values: list[str]) -> None:
    """The extension, the SQL fallback and privacy.pseudonym (joins in Python) agree on numbers
    written with any white space or punctuation — so files imported any way join."""
    con = _connect()
    con.execute(
        "CREATE OR REPLACE TABLE v AS SELECT * FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(v, i)",
        [values],
    )
    for kind in (PiiKind.snils, PiiKind.inn, PiiKind.passport, PiiKind.phone):
        native_sql = privacy.pseudonym_udf_sql(kind, "v", privacy.Compiled.extension)
        fast = [r[0] for r in con.execute(f"SELECT {native_sql} FROM v ORDER BY i").fetchall()]  # noqa: S608 — our own SQL
        plain_sql = privacy.pseudonym_sql(kind, "v")
        plain = [r[0] for r in con.execute(f"SELECT {plain_sql} FROM v ORDER BY i").fetchall()]  # noqa: S608 — our own SQL
        python = [privacy.pseudonym(KEY, kind, v) for v in values]
        assert fast == plain == python, kind


def test_a_miscompiled_extension_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension is checked against hmac after it loads; a disagreement leaves the kernel."""
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    privacy.set_key_variables(con, KEY)
    monkeypatch.setattr(privacy, "pseudonym", lambda key, kind, value: "not what it computes")
    assert privacy.register_pseudonym_functions(con, KEY) is privacy.Compiled.kernel


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache directory of this test's own; the process's cached build is forgotten around it."""
    cache = tmp_path / "native-cache"
    monkeypatch.setenv(native.CACHE_ENV, str(cache))
    native._built.cache_clear()
    native._rebuilt.cache_clear()
    yield cache
    native._built.cache_clear()
    native._rebuilt.cache_clear()


def test_a_damaged_cached_build_is_built_again(own_cache: Path) -> None:
    target = native.build()
    if target is None:
        pytest.skip("нет компилятора C")
    target.write_bytes(b"not a library" + native.footer(native.platform()))
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    assert native.load(con)
    assert len(con.execute("SELECT segprofile_hmac_backend()").fetchall()) == 1
    assert target.read_bytes()[:4] == b"\x7fELF"


def test_a_build_others_may_write_is_not_loaded(own_cache: Path) -> None:
    target = native.build()
    if target is None:
        pytest.skip("нет компилятора C")
    target.chmod(0o666)
    native._built.cache_clear()
    assert native.build() is None
    assert not native.load(duckdb.connect(config={"allow_unsigned_extensions": True}))


_NAME_CHARS = [*"АБВЁЖЩЫЯабвёжщыяIVANivan@.-'", *privacy.WHITESPACE]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(_NAME_CHARS), max_size=40), min_size=1, max_size=30)
)
def test_names_and_emails_have_one_pseudonym_in_every_implementation(values: list[str]) -> None:
    """Names, addresses and e-mail: the engine's normal form (SQL) equals privacy.normalise
    for Russian and Latin letters with any white space (survey ids are hashed in Python)."""
    con = _connect()
    con.execute(
        "CREATE OR REPLACE TABLE v AS SELECT * FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(v, i)",
        [values],
    )
    for kind in (PiiKind.fio, PiiKind.address, PiiKind.email):
        native_sql = privacy.pseudonym_udf_sql(kind, "v", privacy.Compiled.extension)
        fast = [r[0] for r in con.execute(f"SELECT {native_sql} FROM v ORDER BY i").fetchall()]  # noqa: S608 — our own SQL
        python = [privacy.pseudonym(KEY, kind, v) for v in values]
        assert fast == python, kind
