"""The inspection's rules for what a column with personal data is (the check page's defaults):
phones and e-mails are never the table's client id unless the source names them so; birth
dates written two ways are dates."""

from __future__ import annotations

import random
from pathlib import Path

from segprofile.data import datasets
from segprofile.data.privacy import PiiAction, PiiKind
from segprofile.data.readers import guess_conversion


def _csv(path: Path, rows: list[str], header: str) -> Path:
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("cp1251"))
    return path


def _phones_file(tmp_path: Path) -> Path:
    """Phones as bare digits (the engine reads them as whole numbers, all different), a number
    of the application, a skewed channel."""
    rng = random.Random(3)
    rows = [
        f"{500000 + i};79{rng.randint(0, 999_999_999):09d};{rng.choice(['ЕПГУ'] * 9 + ['МФЦ'])}"
        for i in range(400)
    ]
    return _csv(tmp_path / "phones.csv", rows, "Номер заявления;Телефон;Канал")


def test_a_column_of_phones_is_a_phone_not_the_client_id(tmp_path: Path) -> None:
    found = datasets.inspect(_phones_file(tmp_path), staging_root=tmp_path / "staging")
    by_column = {f.column: f for f in found.pii}
    phone = by_column["Телефон"]
    assert (phone.kind, phone.action, phone.client_id) == (
        PiiKind.phone,
        PiiAction.pseudonymise,
        False,
    )
    assert "идентификатора клиента" not in phone.reason
    # The application number is the client id, and the one the quality report checks.
    assert by_column["Номер заявления"].client_id
    assert found.quality.id_column == "Номер заявления"


def test_the_sources_id_column_stays_the_client_id_even_of_phones(tmp_path: Path) -> None:
    found = datasets.inspect(
        _phones_file(tmp_path), staging_root=tmp_path / "staging", id_column="Телефон"
    )
    phone = next(f for f in found.pii if f.column == "Телефон")
    assert phone.client_id
    assert phone.kind is PiiKind.phone
    assert found.quality.id_column == "Телефон"


def test_birth_dates_in_two_formats_with_gaps_are_dates() -> None:
    values = ["12.03.1985", "1985-03-12", "", "01.11.1960", None] * 10
    conversion = guess_conversion(values)
    assert conversion is not None
    assert conversion.kind == "date"
    # A few stray values among many dates: still dates, the strays read as missing.
    assert guess_conversion(["12.03.1985"] * 40 + ["не помню"]).kind == "date"  # type: ignore[union-attr]
    # Not dates: numbers, or too many other values.
    assert guess_conversion(["12.03.1985"] * 5 + ["не помню"] * 5) is None
