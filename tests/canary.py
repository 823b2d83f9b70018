"""The canary: generated client records with known raw identifiers, and a scanner that looks
for those values anywhere — any file under given folders (Parquet decoded, DOCX/XLSX unzipped),
in UTF-8, Windows-1251 and UTF-16 — or in a text (a database dump, a page).

Use it for every path by which client data enters::

    rows = canary_rows(20, seed=1)
    upload(canary_csv(rows))                       # cp1251, «;», like a body's export
    assert scan([home, staging, temp], needles(rows)) == []
    assert scan_text(database_dump, needles(rows)) == []

and a positive control (``scan`` finds the values in the inputs) so that a scanner that finds
nothing cannot pass for a clean result.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sp_factories import make_snils

# Surnames no example or test text uses: a hit can only be the canary (with their Latin forms
# for the e-mail addresses).
SURNAMES = {
    "Канареечкин": "kanareechkin",
    "Щеглоперов": "shchegloperov",
    "Свиристелев": "sviristelev",
    "Зябликов": "zyablikov",
    "Чижеедов": "chizheedov",
}
FIRST = {"m": ("Агафон", "Всеволод", "Евлампий"), "f": ("Агриппина", "Евпраксия", "Феврония")}
PATRONYMIC = {"m": ("Ферапонтович", "Евграфович"), "f": ("Ферапонтовна", "Евграфовна")}
ENCODINGS = ("utf-8", "cp1251", "utf-16-le", "utf-16-be")


@dataclass(frozen=True)
class CanaryRow:
    """One client: raw identifiers (what must never be stored) and harmless attributes."""

    fio: str
    snils: str  # «123-456-789 01»
    phone: str  # «+7 912 345-67-89»
    email: str
    channel: str
    age: int
    rating: int | None

    @property
    def spellings(self) -> list[str]:
        """Every form in which a value might be stored: as typed, digits only, parts."""
        snils_digits = "".join(ch for ch in self.snils if ch.isdigit())
        phone_digits = "".join(ch for ch in self.phone if ch.isdigit())
        surname = self.fio.split()[0]
        return [
            self.fio,
            surname,
            self.snils,
            snils_digits,
            self.phone,
            phone_digits,
            phone_digits[1:],
            self.email,
            self.email.split("@")[0],
        ]


def canary_rows(n: int = 20, *, seed: int = 15) -> list[CanaryRow]:
    """``n`` clients with unique raw identifiers; skewed channels, missing ratings."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        sex = "f" if i % 2 else "m"
        stem, latin = list(SURNAMES.items())[i % len(SURNAMES)]
        surname = stem + ("а" if sex == "f" else "")
        fio = f"{surname} {rng.choice(FIRST[sex])} {rng.choice(PATRONYMIC[sex])}"
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{i:02d}"
        rows.append(
            CanaryRow(
                fio=fio,
                snils=make_snils(rng),
                phone=phone,
                email=f"{latin}.{i}@example.ru",
                channel=rng.choices(["ЕПГУ", "МФЦ", "Клиентская служба"], [6, 3, 1])[0],
                age=rng.randint(18, 80),
                rating=rng.randint(1, 5) if i % 3 else None,
            )
        )
    return rows


def canary_csv(rows: list[CanaryRow], *, encoding: str = "cp1251", delimiter: str = ";") -> bytes:
    """The rows as a body's export: «ФИО;СНИЛС;Телефон;Электронная почта;Канал;Возраст;Оценка»."""
    header = ["ФИО", "СНИЛС", "Телефон", "Электронная почта", "Канал", "Возраст", "Оценка"]
    lines = [delimiter.join(header)]
    for r in rows:
        rating = "" if r.rating is None else str(r.rating)
        lines.append(
            delimiter.join([r.fio, r.snils, r.phone, r.email, r.channel, str(r.age), rating])
        )
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def needles(rows: Iterable[CanaryRow]) -> list[str]:
    """Every raw value (and spelling) of ``rows`` to look for."""
    return sorted({s for r in rows for s in r.spellings})


@dataclass(frozen=True)
class Hit:
    """Where a raw value was found (the value itself is named for the test's message only)."""

    where: str
    value: str
    encoding: str


def scan_bytes(data: bytes, values: Iterable[str], where: str) -> list[Hit]:
    """Look for ``values`` in raw bytes in each encoding; decode Parquet and zip members."""
    hits = []
    for value in values:
        for encoding in ENCODINGS:
            if value.encode(encoding) in data:
                hits.append(Hit(where, value, encoding))
                break
    if data[:4] == b"PAR1":
        hits += scan_text(_parquet_text(data), values, f"{where} (Parquet)")
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    hits += scan_bytes(archive.read(member), values, f"{where}:{member}")
        except zipfile.BadZipFile:
            pass
    return hits


def _parquet_text(data: bytes) -> str:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception:  # noqa: BLE001 — a damaged file: its bytes were scanned already
        return ""
    cells = [" ".join(table.column_names)]
    for column in table.columns:
        cells += ["" if v is None else str(v) for v in column.to_pylist()]
    return "\n".join(cells)


def scan_text(text: str, values: Iterable[str], where: str = "text") -> list[Hit]:
    """Look for ``values`` in a text (a page, a database dump)."""
    return [Hit(where, v, "text") for v in values if v in text]


def scan(folders: Iterable[Path], values: Iterable[str]) -> list[Hit]:
    """Every file under ``folders`` (recursively), each scanned with :func:`scan_bytes`."""
    wanted = list(values)
    hits = []
    for folder in folders:
        if not folder.exists():
            continue
        files = [folder] if folder.is_file() else sorted(folder.rglob("*"))
        for path in files:
            if path.is_file() and not path.is_symlink():
                hits += scan_bytes(path.read_bytes(), wanted, str(path))
    return hits
