"""A body's messy client export for the data gate's check page: Windows-1251, «;», decimal
commas, a header with stray spaces; ФИО, СНИЛС, phones and e-mails written in several ways,
birth dates in two formats with gaps, a comment that sometimes holds a phone or an e-mail,
skewed districts and channels with tiny groups, a rating with gaps.

Returns the file's bytes and the raw personal values, for tests to assert none is shown."""

from __future__ import annotations

import random

from sp_factories import make_snils

SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Зайцев"]
SURNAMES += ["Морозов", "Лебедев", "Соколов", "Новиков", "Козлов", "Орлов", "Павлов", "Фёдоров"]
NAMES = ["Иван", "Пётр", "Сергей", "Андрей", "Алексей", "Дмитрий", "Михаил", "Николай"]
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Николаевич", "Олегович"]
# Skewed, with groups of a few people (district «Лесной», channel «Лично»).
DISTRICTS = ["Центральный"] * 60 + ["Северный"] * 25 + ["Южный"] * 12 + ["Заречный"] * 2
DISTRICTS += ["Лесной"]
CHANNELS = ["ЕПГУ"] * 70 + ["МФЦ"] * 25 + ["Почта"] * 4 + ["Лично"]
REMARKS = [
    "Долго ждал в очереди, недоволен",
    "Всё быстро и понятно",
    "Не работала запись через портал",
    "Сотрудник вежливый, но документы потеряли",
]
HEADER = " ФИО ;СНИЛС;Телефон;E-mail;Дата рождения;Комментарий;Район;Канал;Оценка;Сумма выплаты"


def _phone(rng: random.Random) -> str:
    shape = rng.choice(
        [
            "+7 9{:02d} {:03d}-{:02d}-{:02d}",
            "8(9{:02d}){:03d}{:02d}{:02d}",
            "89{:02d}{:03d}{:02d}{:02d}",
        ]
    )
    return shape.format(
        *(rng.randint(0, 99), rng.randint(0, 999), rng.randint(0, 99), rng.randint(0, 99))
    )


def messy_export(rows: int = 20_000, *, seed: int = 7) -> tuple[bytes, dict[str, list[str]]]:
    rng = random.Random(seed)
    lines = [HEADER]
    raw: dict[str, list[str]] = {"fio": [], "snils": [], "phone": [], "email": [], "comment": []}
    for i in range(rows):
        fio = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}"
        snils, phone = make_snils(rng), _phone(rng)
        email = f"user{i}_{rng.randint(10, 99)}@{rng.choice(['mail.ru', 'yandex.ru', 'gmail.com'])}"
        year, month, day = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
        shape = rng.random()
        born = (
            f"{day:02d}.{month:02d}.{year}"
            if shape < 0.7
            else f"{year}-{month:02d}-{day:02d}"
            if shape < 0.9
            else ""
        )
        which = rng.random()
        if which < 0.15:
            comment = f"Просит перезвонить по номеру {phone}, ждёт ответа неделю"
        elif which < 0.2:
            comment = f"Ответ направить на {email} после проверки документов"
        elif which < 0.6:
            comment = rng.choice(REMARKS)
        else:
            comment = ""
        if which < 0.2:
            raw["comment"].append(comment)
        rating = str(rng.choice([5, 5, 5, 4, 4, 3, 2, 1])) if rng.random() > 0.1 else ""
        amount = f"{rng.randint(1, 40)} {rng.randint(0, 999):03d},{rng.randint(0, 99):02d}"
        cells = [fio, snils, phone, email, born, comment, rng.choice(DISTRICTS)]
        lines.append(";".join([*cells, rng.choice(CHANNELS), rating, amount]))
        for key, value in (("fio", fio), ("snils", snils), ("phone", phone), ("email", email)):
            raw[key].append(value)
    return ("\r\n".join(lines) + "\r\n").encode("cp1251"), raw


_COMMENTS = [
    "Заявитель просил перезвонить после 18:00",
    "Жалоба на ожидание в очереди",
    "Не пришло уведомление о статусе",
    "Ошибка при загрузке скана",
    "Уточнить сроки выплаты пособия",
]


def small_export(rows: int = 120) -> tuple[bytes, list[str]]:
    """A small export of applications (Windows-1251, «;», CRLF): ten-digit numbers of the body's
    system, phones, amounts with decimal commas (the first «37599,5»), operators' short comments
    with blanks, skewed districts, statuses, yes/no with blanks; and the numbers, to assert none
    is shown."""
    rng = random.Random(21)
    lines, numbers = [], []
    for i in range(rows):
        number = f"{rng.randint(1_000_000_000, 9_999_999_999)}"
        numbers.append(number)
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        amount = (
            "37599,5" if i == 0 else f"{rng.randint(500, 90_000)},{rng.choice(['5', '25', '0'])}"
        )
        comment = (
            ""
            if i % 6 == 1
            else f"{rng.choice(_COMMENTS)} {rng.randint(1, 28)}.{rng.randint(1, 12):02d}"
        )
        district = rng.choice(["Центральный"] * 10 + ["Ленинский"] * 4 + ["Заречный"])
        status = rng.choice(["Принято", "В работе", "Отказано"])
        lines.append(
            f"{number};{phone};{amount};{comment};{district};{status};"
            + rng.choice(["да", "нет", ""])
        )
    header = "Номер в системе;Телефон;Сумма выплаты;Комментарий оператора;Район;Статус;Согласие"
    return ("\r\n".join([header, *lines]) + "\r\n").encode("cp1251"), numbers
