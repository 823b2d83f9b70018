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


def _ten_digit_ids(rng: random.Random, n: int) -> list[str]:
    """Numbers of a body's system, ten digits each: most clients once, a few many times."""
    clients = [f"{rng.randint(1_000_000_000, 9_999_999_999)}" for _ in range(n // 2)]
    return [
        rng.choice(clients[:5]) if rng.random() < 0.3 else rng.choice(clients) for _ in range(n)
    ]


def test_ten_digits_are_no_passport_without_a_header_or_a_split_series(tmp_path: Path) -> None:
    """«4829103746» may be a client's number, an organisation's ИНН or a passport written
    together: not called a passport, yet pseudonymised. A header or the series apart decides."""
    rng = random.Random(11)
    ids = _ten_digit_ids(rng, 400)
    passports = [
        f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(0, 999_999):06d}"
        if i % 2
        else f"{rng.randint(1000, 9999)} {rng.randint(0, 999_999):06d}"
        for i in range(400)
    ]
    together = [f"{rng.randint(1000, 9999)}{rng.randint(0, 999_999):06d}" for _ in range(400)]
    numbers = _ten_digit_ids(rng, 400)
    rows = [
        f"{ids[i]};{'' if i % 13 == 0 else passports[i]};{together[i]};{numbers[i]};"
        f"{rng.choice(['ЕПГУ'] * 8 + ['МФЦ', 'Почта'])}"
        for i in range(400)
    ]
    header = "Код обращения;Документ;Серия и номер паспорта;Реквизит;Канал"
    found = datasets.inspect(_csv(tmp_path / "ids.csv", rows, header), staging_root=tmp_path / "s")
    by_column = {f.column: f for f in found.pii}
    number = by_column["Код обращения"]  # a code: the client id, by its name
    assert (number.kind, number.action) == (PiiKind.client_id, PiiAction.pseudonymise)
    assert number.client_id
    assert by_column["Документ"].kind is PiiKind.passport  # the series apart
    assert by_column["Серия и номер паспорта"].kind is PiiKind.passport  # the header
    unknown = by_column["Реквизит"]
    assert (unknown.kind, unknown.action) == (PiiKind.client_id, PiiAction.pseudonymise)
    assert "десятизначные номера" in unknown.reason
    assert not unknown.client_id  # repeated, no id name: not the table's client id
    assert "Канал" not in by_column
    assert {f.kind.label for f in found.pii} == {"идентификатор клиента", "паспорт"}


def test_organisations_inn_of_ten_digits_is_an_inn() -> None:
    from segprofile.data import privacy

    inns = ["7707083893", "7736207543", "7702070139", "7728168971"] * 20
    found = privacy.detect_column("Контрагент", inns)
    assert found is not None
    assert (found.kind, found.action) == (PiiKind.inn, PiiAction.pseudonymise)


_OPENINGS = [
    "Просил перезвонить после 18:00",
    "Жалоба на ожидание в очереди",
    "Не пришло уведомление",
    "Ошибка при загрузке скана",
    "Уточнить сроки выплаты",
    "Благодарность сотруднику МФЦ",
]


def _comments_file(tmp_path: Path, rows: int) -> Path:
    """A small export: operators' comments (varied, some blank, a few standard ones), skewed
    districts, yes/no and a few dozen long-ish statuses."""
    rng = random.Random(5)
    statuses = [f"Направлен межведомственный запрос №{k}" for k in range(30)]
    weights = [1 / (k + 1) for k in range(30)]
    lines = []
    for _ in range(rows):
        roll = rng.random()
        comment = (
            ""
            if roll < 0.15
            else "Без замечаний"
            if roll < 0.25
            else f"{rng.choice(_OPENINGS)} {rng.randint(1, 28)}.{rng.randint(1, 12):02d}"
        )
        district = rng.choice(["Центральный"] * 12 + ["Ленинский"] * 5 + ["Заречный", "Лесной"])
        status = rng.choices(statuses, weights)[0]
        lines.append(f"{comment};{district};{rng.choice(['да', 'да', 'нет', ''])};{status}")
    return _csv(tmp_path / "comments.csv", lines, "Комментарий;Район;Согласие;Статус")


def test_comments_are_free_text_and_categories_stay_categories(tmp_path: Path) -> None:
    for rows in (60, 150, 2000):  # too few for the old rule (more than 200 distinct values)
        found = datasets.inspect(_comments_file(tmp_path, rows), staging_root=tmp_path / "s")
        types = {c.name: (c.type.value, c.use.value) for c in found.quality.columns}
        assert types["Комментарий"] == ("text", "text"), rows
        assert types["Район"] == ("categorical", "feature"), rows
        assert types["Согласие"][0] == "boolean", rows
        assert types["Статус"] == ("categorical", "feature"), rows
