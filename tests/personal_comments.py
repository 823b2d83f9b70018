"""A body's export whose comments hold personal data in a few stock phrasings (Windows-1251,
«;»): «Перезвоните мне по номеру …», «Меня зовут …, прошу связаться» repeated over and over
beside ordinary remarks and blanks; skewed districts (one of 1 %), statuses, yes/no, ages."""

from __future__ import annotations

import random

COMMENTS = [
    ("Всё устроило", 20),
    ("Долго ждал ответа", 12),
    ("Не смог записаться через Госуслуги", 8),
    ("", 25),
    ("Спасибо сотрудникам МФЦ", 6),
    ("Перезвоните мне по номеру +7 916 123-45-67", 9),
    ("Меня зовут Петров Сергей Иванович, прошу связаться", 7),
    ("Сайт не работает", 5),
    ("Непонятно какие документы нужны", 5),
    ("пишите на ivan.petrov@mail.ru", 3),
]
DISTRICTS = [
    ("Центральный район", 55),
    ("Советский район", 20),
    ("Пролетарский район", 15),
    ("Привокзальный район", 9),
    ("Зареченский район", 1),
]
STATUSES = [
    ("Исполнено", 50),
    ("В работе", 20),
    ("Отказ", 10),
    ("Передано в МФЦ", 8),
    ("Ожидает документов", 7),
    ("Приостановлено", 5),
]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def comments_export(n: int = 3000, seed: int = 7) -> bytes:
    """The export as its bytes (Windows-1251, «;», CRLF)."""
    rng = random.Random(seed)
    lines = ["Номер обращения;Район;Статус;Согласие на рассылку;Возраст;Комментарий"]
    for i in range(n):
        age = max(18, min(90, int(rng.gauss(44, 15))))
        lines.append(
            f"{700000 + i};{_pick(rng, DISTRICTS)};{_pick(rng, STATUSES)};"
            f"{rng.choice(['да', 'нет', 'нет'])};{age};{_pick(rng, COMMENTS)}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")
