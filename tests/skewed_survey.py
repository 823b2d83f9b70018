"""A regional survey of benefit recipients as an analyst uploads it: one row a question block,
some respondents answering for two services (two rows); a dominant region and age group beside
regions and ages of one to four respondents at the head of the file (inside every preview).
For the tests of the survey's previews: an answer of a few respondents must not be shown."""

from __future__ import annotations

import random

DOMINANT = "Тульская область"
FREQUENT_AGE = "30–44"
# Rare at the head of the file: (region, age, respondents, rows each).
HEAD = [
    ("Чукотский автономный округ", "80 и старше", 1, 1),  # the one respondent from Chukotka
    ("Ненецкий автономный округ", FREQUENT_AGE, 2, 3),  # 6 rows, but 2 people
    ("Республика Тыва", "18–29", 4, 1),
]
RARE_REGIONS = [region for region, _, _, _ in HEAD]
RARE_AGE = "80 и старше"


def survey_csv(
    respondents: int = 400, *, ids: str | None = "ID респондента", seed: int = 21
) -> bytes:
    """The export as UTF-8 CSV with «;». Each respondent's id in the column ``ids``: «ID
    респондента» (R5000…), «СНИЛС» (pseudonymised by the import), or none."""
    rng = random.Random(seed)
    header = ["Регион", "Возрастная группа", "Услуга", "Доволен", "Оценка"]
    lines = [";".join([ids, *header] if ids else header)]
    number = 5000

    def row(region: str, age: str) -> str:
        service = rng.choice(["Пособие на ребёнка", "Пособие на ребёнка", "Выплата на школу"])
        pleased = rng.choices(["да", "нет"], [80, 20])[0]
        answers = f"{region};{age};{service};{pleased};{rng.randint(1, 5)}"
        return f"{respondent};{answers}" if ids else answers

    for region, age, people, rows in HEAD:
        for _ in range(people):
            respondent = _id(ids, number, rng)
            lines += [row(region, age) for _ in range(rows)]
            number += 1
    while number < 5000 + respondents:
        respondent = _id(ids, number, rng)
        region = (
            DOMINANT
            if rng.random() < 0.75
            else rng.choice(["Орловская область", "Калужская область"])
        )
        age = rng.choices([FREQUENT_AGE, "18–29", "45–59", "60–79"], [40, 20, 25, 15])[0]
        lines += [row(region, age) for _ in range(rng.choice([1, 1, 2]))]
        number += 1
    return ("\n".join(lines) + "\n").encode()


def _id(ids: str | None, number: int, rng: random.Random) -> str:
    if ids == "СНИЛС":
        return (
            f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)} "
            f"{rng.randint(10, 99)}"
        )
    return f"R{number}"
