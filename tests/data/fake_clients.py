"""Seeded fake client records for the data tests: Russian names, valid СНИЛС and ИНН."""

from __future__ import annotations

import random
from pathlib import Path

from sp_factories import make_records, make_snils

SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Соколов", "Лебедев"]
NAMES = ["Иван", "Пётр", "Алексей", "Сергей", "Андрей", "Дмитрий", "Михаил", "Николай"]
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Николаевич", "Олегович"]
CHANNELS = ["ЕПГУ", "МФЦ", "Приёмная"]
COMMENTS = [
    "Очень долго ждал ответа",
    "Всё понятно и быстро, спасибо сотрудникам",
    "Не смог найти нужную форму на портале",
    "Пришлось ехать в МФЦ дважды",
]


def make_inn12(rng: random.Random) -> str:
    """A random 12-digit ИНН of a person with correct check digits."""
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    digits = str(rng.randint(10, 99)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    digits += str(sum(int(d) * w for d, w in zip(digits, w11, strict=False)) % 11 % 10)
    digits += str(sum(int(d) * w for d, w in zip(digits, w12, strict=False)) % 11 % 10)
    return digits


def make_phone(rng: random.Random) -> str:
    a, b, c, d = (
        rng.randint(10, 99),
        rng.randint(100, 999),
        rng.randint(10, 99),
        rng.randint(10, 99),
    )
    return f"+7 (9{a}) {b}-{c}-{d}"


def make_fio(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}"


def client_rows(n: int, seed: int) -> list[dict[str, str]]:
    """Seeded client records with direct identifiers, as the texts a CSV export holds."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(
            {
                "Номер заявления": str(100000 + i),
                "ФИО": make_fio(rng),
                "СНИЛС": make_snils(rng),
                "ИНН": make_inn12(rng),
                "Телефон": make_phone(rng),
                "Эл. почта": f"user{rng.randint(1, 10**6)}@mail.example.ru",
                "Дата рождения": f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}."
                f"{rng.randint(1945, 2004)}",
                "Возраст": str(rng.randint(18, 80)),
                "Доход": f"{rng.randint(10, 299)} {rng.randint(0, 999):03d},"
                f"{rng.randint(0, 99):02d}",
                "Канал": rng.choice(CHANNELS),
                "Оценка": str(rng.randint(1, 5)) if rng.random() < 0.7 else "",
                "Комментарий": rng.choice(COMMENTS),
            }
        )
    return rows


def records_with_contacts(n: int, seed: int) -> list[dict[str, str]]:
    """The small study's features with the contacts a body's export carries (a few people
    apply twice, with another phone the second time)."""
    rng = random.Random(seed)
    table = make_records(n, seed).to_pylist()
    people = [(make_fio(rng), make_snils(rng)) for _ in range(n - n // 10)]
    rows = []
    for i, rec in enumerate(table):
        fio, snils = people[i] if i < len(people) else people[rng.randrange(len(people))]
        rows.append(
            {
                "ФИО": fio,
                "СНИЛС": snils,
                "Телефон": make_phone(rng),
                "Эл. почта": f"client{i}@mail.example.ru",
                **{k: "" if v is None else str(v).lower() for k, v in rec.items()},
            }
        )
    return rows


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    """Write rows the way spreadsheet exports do: quotes only where needed."""

    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    header = list(rows[0])
    lines = [delimiter.join(cell(h) for h in header)]
    lines += [delimiter.join(cell(r[h]) for h in header) for r in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path
