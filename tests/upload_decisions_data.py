"""Test helper (issue 19): a body's client export as a cp1251 «;» CSV with personal data —
ФИО, СНИЛС, phone —, skewed categories (a dominant channel, a tiny category), a date, an
application number and a satisfaction rating with a few «н/д»."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sp_factories import make_snils

SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков"]
NAMES = ["Иван", "Пётр", "Андрей", "Сергей", "Алексей"]
HEADER = "ФИО;СНИЛС;Телефон;Номер заявления;Дата обращения;Канал подачи;Категория;Возраст;Оценка"


def client_export(n: int = 600, *, seed: int = 19) -> tuple[bytes, dict[str, list[str]]]:
    """The file's bytes and its raw personal values (that no page may show)."""
    rng = random.Random(seed)
    rows, raw = [], {"fio": [], "snils": [], "phone": []}
    start = date(2026, 1, 9)
    for i in range(n):
        fio = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(NAMES)}ович"
        snils = make_snils(rng)
        digits = [
            rng.randint(10, 99),
            rng.randint(100, 999),
            rng.randint(10, 99),
            rng.randint(10, 99),
        ]
        phone = "+7 9{} {}-{}-{}".format(*digits)
        raw["fio"].append(fio)
        raw["snils"].append(snils)
        raw["phone"].append(phone)
        channel = rng.choices(["ЕПГУ", "МФЦ", "Приёмная", "Почта"], [70, 20, 8, 2])[0]
        category = rng.choices(
            ["Многодетная семья", "Малоимущая семья", "Инвалид", "Ветеран боевых действий"],
            [55, 35, 9, 1],
        )[0]
        base = {"ЕПГУ": 4.2, "МФЦ": 3.6, "Приёмная": 2.8, "Почта": 2.5}[channel]
        if rng.random() < 0.06:
            rating = "н/д"
        elif rng.random() < 0.4:
            rating = ""
        else:
            rating = str(max(1, min(5, round(rng.gauss(base, 0.9)))))
        when = (start + timedelta(days=rng.randint(0, 300))).strftime("%d.%m.%Y")
        rows.append(
            f"{fio};{snils};{phone};З-{100000 + i};{when};{channel};{category};"
            f"{rng.randint(18, 80)};{rating}"
        )
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    return text.encode("cp1251"), raw
