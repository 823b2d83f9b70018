"""A seeded corpus of interview-like Russian texts with planted personal data, and controls.

Every planted item knows its kind (a key of ``segprofile.data.masking.KINDS``) and the
fragments that must not survive masking; every control knows the fragments that must stay
as they are (amounts, application numbers, ordinary dates, years, counts, hotlines, ordinary
capitalised words). :func:`corpus` mixes them; :func:`measure` scores a masking function.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sp_factories import make_snils


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES_M = _words(
    """Иванов Петров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров
Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев
Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин
Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев
Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов
Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов
Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Быков Маслов Родионов Коновалов
Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв
Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин
Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков
Горбунов Анисимов Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов
Шевченко Бондаренко Ткаченко Кравченко Коваленко Лысенко Гарипов Хабибуллин Сафин Ахметов
Вишневский Покровский Ковальчук"""
)
NAMES_M = _words(
    """Александр Сергей Андрей Дмитрий Алексей Максим Евгений Иван Михаил Николай Владимир
Олег Павел Юрий Игорь Роман Виктор Артём Денис Константин Тимур Руслан Рустам Пётр Григорий"""
)
NAMES_F = _words(
    """Елена Ольга Наталья Татьяна Ирина Светлана Анна Мария Екатерина Юлия Марина Галина
Людмила Оксана Алина Дарья Айгуль Гульнара Ксения Валентина Полина Зинаида Лариса"""
)
FATHERS = _words(
    """Александр Сергей Андрей Дмитрий Иван Михаил Николай Владимир Пётр Виктор Юрий Олег
Павел Игорь Василий"""
)
PATRONYMIC_STEMS = {
    "Александр": "Александров",
    "Сергей": "Сергеев",
    "Андрей": "Андреев",
    "Дмитрий": "Дмитриев",
    "Иван": "Иванов",
    "Михаил": "Михайлов",
    "Николай": "Николаев",
    "Владимир": "Владимиров",
    "Пётр": "Петров",
    "Виктор": "Викторов",
    "Юрий": "Юрьев",
    "Олег": "Олегов",
    "Павел": "Павлов",
    "Игорь": "Игорев",
    "Василий": "Васильев",
}
CITIES = _words(
    """Казань Уфа Самара Тула Пермь Омск Томск Киров Курск Орёл Чебоксары Тверь Липецк Пенза
Вологда Иваново Брянск Саратов Ярославль Сургут"""
)
STREETS = _words(
    """Ленина Гагарина Пушкина Баумана Мира Победы Советская Московская Октябрьская Заводская
Молодёжная Садовая Кирова Чкалова Лермонтова Горького Свердлова Комсомольская Центральная
Школьная"""
)
REGIONS = ["Московская", "Тульская", "Самарская", "Свердловская", "Нижегородская"]
MONTHS = _words(
    """января февраля марта апреля мая июня июля августа сентября октября ноября
декабря"""
)


@dataclass(frozen=True)
class Planted:
    kind: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Sample:
    text: str
    planted: tuple[Planted, ...] = ()
    keep: tuple[str, ...] = field(default=())

    @property
    def control(self) -> bool:
        return not self.planted


# --- Values ------------------------------------------------------------------------------------


def _surname(rng: random.Random, female: bool) -> str:
    s = rng.choice(SURNAMES_M)
    if not female:
        return s
    if s.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return s + "а"
    if s.endswith("ский"):
        return s[:-4] + "ская"
    return s


def _patronymic(rng: random.Random, female: bool) -> str:
    stem = PATRONYMIC_STEMS[rng.choice(FATHERS)]
    return stem + ("на" if female else "ич")


def person(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A name as people write it, and its words."""
    female = rng.random() < 0.6
    surname = _surname(rng, female)
    first = rng.choice(NAMES_F if female else NAMES_M)
    patronymic = _patronymic(rng, female)
    shape = rng.randrange(6)
    if shape == 0:
        return f"{surname} {first} {patronymic}", (surname, first, patronymic)
    if shape == 1:
        return f"{first} {patronymic} {surname}", (surname, first, patronymic)
    if shape == 2:
        return f"{surname} {first[0]}. {patronymic[0]}.", (surname,)
    if shape == 3:
        return f"{first[0]}.{patronymic[0]}. {surname}", (surname,)
    if shape == 4:
        return f"{first} {patronymic}", (first, patronymic)
    return f"{first} {surname}", (first, surname)


def phone(rng: random.Random) -> str:
    code = f"9{rng.randint(0, 99):02d}"
    a, b, c = rng.randint(100, 999), rng.randint(10, 99), rng.randint(10, 99)
    return rng.choice(
        [
            f"+7 ({code}) {a}-{b}-{c}",
            f"8 {code} {a} {b} {c}",
            f"8{code}{a}{b}{c}",
            f"+7{code}{a}{b}{c}",
            f"8-{code}-{a}-{b}-{c}",
            f"+7 {code} {a}{b}{c}",
            f"8({code}){a}{b}{c}",
            f"{code} {a}-{b}-{c}",
            f"+7-{code}-{a}-{b}-{c}",
            f"8 ({code}) {a} {b} {c}",
            f"8 {code} {a}{b}{c}",
            f"+7\u00a0{code}\u00a0{a}\u00a0{b}\u00a0{c}",
            f"+7 {code} {a} {b}{c}",
            f"8.{code}.{a}.{b}.{c}",
        ]
    )


def email(rng: random.Random) -> str:
    login = rng.choice(["ivanova.m85", "petrov_s", "m.p.ivanova", "user1234", "olga-k", "a.b.c"])
    login += str(rng.randint(1, 999))
    return f"{login}@{rng.choice(['mail.ru', 'yandex.ru', 'gmail.com', 'почта.рф', 'bk.ru'])}"


def snils_digits(rng: random.Random) -> str:
    return make_snils(rng).replace("-", "").replace(" ", "")


def spell_snils(rng: random.Random, d: str) -> str:
    return rng.choice(
        [
            f"{d[:3]}-{d[3:6]}-{d[6:9]} {d[9:]}",
            d,
            f"{d[:3]} {d[3:6]} {d[6:9]} {d[9:]}",
            f"{d[:3]}-{d[3:6]}-{d[6:9]}{d[9:]}",
            f"{d[:3]}-{d[3:6]}-{d[6:9]}-{d[9:]}",
            f"{d[:9]} {d[9:]}",
            f"{d[:3]}\u00a0{d[3:6]}\u00a0{d[6:9]}\u00a0{d[9:]}",
        ]
    )


def _check(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn10(rng: random.Random) -> str:
    d = f"{rng.randint(1, 99):02d}" + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return d + _check(d, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def inn12(rng: random.Random) -> str:
    d = f"{rng.randint(1, 99):02d}" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    d += _check(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return d + _check(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    length = rng.choice([16, 16, 16, 16, 18, 19])
    d = luhn_complete(rng.choice(["4276", "5469", "2202", "2200", "4279", "5536"]), length, rng)
    if rng.random() < 0.2:
        return d
    sep = rng.choice([" ", " ", "-"])
    return sep.join(d[i : i + 4] for i in range(0, len(d), 4))


def passport(rng: random.Random) -> tuple[str, str, str]:
    """(text, series digits, number digits)."""
    s = f"{rng.randint(1, 99):02d}{rng.randint(0, 24):02d}"
    n = f"{rng.randint(0, 999999):06d}"
    text = rng.choice(
        [
            f"{s[:2]} {s[2:]} {n}",
            f"{s} {n}",
            f"серия {s} № {n}",
            f"серия {s[:2]} {s[2:]} номер {n}",
            f"серия {s}, номер {n}",
            f"{s} №{n}",
            f"серии {s} номер {n}",
            f"{s}-{n}",
        ]
    )
    return text, s, n


def old_date(rng: random.Random, lo: int = 1945, hi: int = 2008) -> tuple[str, str]:
    """(text, the year) of a date of a birth in one of the usual spellings."""
    y, m, d = rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28)
    text = rng.choice(
        [
            f"{d:02d}.{m:02d}.{y}",
            f"{d}.{m:02d}.{y}",
            f"{d:02d}.{m:02d}.{str(y)[2:]}",
            f"{d} {MONTHS[m - 1]} {y} г.",
            f"{d} {MONTHS[m - 1]} {y} года",
            f"{y}-{m:02d}-{d:02d}",
            f"{d:02d}/{m:02d}/{y}",
            f"{d} {MONTHS[m - 1]} {y}",
            f"{d:02d}-{m:02d}-{y}",
        ]
    )
    return text, str(y)


def address(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    street, city = rng.choice(STREETS), rng.choice(CITIES)
    h, f, k = rng.randint(1, 150), rng.randint(1, 300), rng.randint(1, 5)
    shape = rng.randrange(12)
    if shape == 8:
        return f"г.{city}, ул.{street}, д.{h}, кв.{f}", (street, f"кв.{f}")
    if shape == 9:
        return f"{city}, {street} {h}-{f}", (street, f"{h}-{f}")
    if shape == 10:
        return f"ул {street} {h} кв {f}", (street, f"кв {f}")
    if shape == 11:
        return f"пос. Заречный, ул. {street}, {h}", (street,)
    if shape == 0:
        return f"ул. {street}, д. {h}, кв. {f}", (street, f"кв. {f}")
    if shape == 1:
        return f"г. {city}, пр-т {street} {h}-{f}", (street, f"{h}-{f}")
    if shape == 2:
        code = rng.randint(100000, 699999)
        return f"{code}, г. {city}, ул. {street}, д. {h}", (str(code), street)
    if shape == 3:
        region = rng.choice(REGIONS)
        return (
            f"{region} обл., г. {city}, ул. {street}, д. {h}, корп. {k}, кв. {f}",
            (street, f"кв. {f}"),
        )
    if shape == 4:
        return f"проспект {street} {h}", (street,)
    if shape == 5:
        return f"дом {h} квартира {f}", (f"квартира {f}",)
    if shape == 6:
        return f"улица {street}, дом {h}, квартира {f}", (street, f"квартира {f}")
    code = rng.randint(100000, 699999)
    return f"{code}, {city}", (str(code),)


# --- Samples -----------------------------------------------------------------------------------


def _oblique(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A name in the instrumental or dative case, as a sentence would put it."""
    female = rng.random() < 0.5
    surname = _surname(rng, female)
    first = rng.choice(NAMES_F if female else NAMES_M)
    if female:
        if surname.endswith("а") and surname[-3:-1] in ("ов", "ев", "ёв", "ин", "ын"):
            surname = surname[:-1] + "ой"
        if first.endswith("я"):
            first = first[:-1] + "ей"
        elif first.endswith("а"):
            first = first[:-1] + ("ей" if first[-2] in "жшчщц" else "ой")
        return f"{first} {surname}", (first, surname)
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        surname = surname + "ым"
    first = first[:-1] + "ем" if first.endswith(("й", "ь")) else first + "ом"
    return f"{first} {surname}", (first, surname)


def _names_sample(rng: random.Random) -> Sample:
    if rng.random() < 0.25:
        name, words = _oblique(rng)
        template = rng.choice(
            [
                "Я разговаривала с {} из соцзащиты.",
                "Договорились с {} о встрече.",
                "Спор вышел с {}.",
            ]
        )
        return Sample(template.format(name), (Planted("names", words),))
    name, words = person(rng)
    template = rng.choice(
        [
            "Меня зовут {}.",
            "Заявитель {} пришла в МФЦ в понедельник.",
            "Со мной говорила {}, она всё объяснила.",
            "Потом позвонил {} и попросил перезвонить.",
            "Интервьюер: как вас зовут? Респондент: {}.",
            "Запишите, пожалуйста: {}, многодетная мать.",
            "В приёмной сидела {} и не знала, что делать.",
        ]
    )
    return Sample(template.format(name), (Planted("names", words),))


def _phone_sample(rng: random.Random) -> Sample:
    value = phone(rng)
    template = rng.choice(
        [
            "Мой телефон {}, звоните после шести.",
            "Перезвоните мне по номеру {}, пожалуйста.",
            "Вот мой мобильный: {}.",
            "Записала на бумажке {} и потеряла.",
            "Тел. {}",
            "Контакт для связи {} (муж).",
        ]
    )
    digits = "".join(ch for ch in value if ch.isdigit())
    return Sample(template.format(value), (Planted("phones", (value, digits[-7:])),))


def _local_phone_sample(rng: random.Random) -> Sample:
    value = f"{rng.randint(200, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
    return Sample(
        f"Домашний телефон {value}, но там никто не отвечает.", (Planted("phones", (value,)),)
    )


def _email_sample(rng: random.Random) -> Sample:
    value = email(rng)
    template = rng.choice(
        ["Пишите на {}.", "Почта: {}", "e-mail {}, ответа нет", "Отправила с {} ещё в мае."]
    )
    return Sample(template.format(value), (Planted("emails", (value,)),))


def _snils_sample(rng: random.Random) -> Sample:
    d = snils_digits(rng)
    keyword = rng.random() < 0.7
    if rng.random() < 0.15:  # a wrong checksum: still СНИЛС next to the word
        d = d[:9] + f"{(int(d[9:]) + 1) % 100:02d}"
        keyword = True
    value = spell_snils(rng, d)
    if keyword:
        template = rng.choice(
            [
                "СНИЛС {}.",
                "Мой снилс {}, записали?",
                "Страховой номер {} указала в заявлении.",
                "СНИЛС: {}",
                "номер СНИЛС у мамы {}",
                "Снилс ребёнка - {}",
            ]
        )
    else:
        template = rng.choice(
            ["Продиктовала номер {} и ждала.", "Вот {} — это из зелёной карточки."]
        )
    return Sample(template.format(value), (Planted("snils", (value, d)),))


def _inn_sample(rng: random.Random) -> Sample:
    if rng.random() < 0.5:
        value = inn12(rng)
        template = rng.choice(
            [
                "ИНН {}.",
                "Мой ИНН {}, проверьте.",
                "Указала {} в графе.",
                "инн: {}",
                "ИНН:{}",
                "(ИНН {})",
            ]
        )
    else:
        value = inn10(rng)
        template = rng.choice(["ИНН организации {}.", "ИНН работодателя: {}", "ИП, ИНН {}"])
    return Sample(template.format(value), (Planted("inn", (value,)),))


def _passport_sample(rng: random.Random) -> Sample:
    value, _, number = passport(rng)
    if value.startswith("серия"):
        template = rng.choice(["Паспорт {}, выдан ОУФМС.", "паспорт: {}", "Данные паспорта — {}."])
    else:
        template = rng.choice(
            ["Паспорт {}, выдан ОУФМС.", "Данные паспорта {}.", "Продиктовала {}, это паспорт."]
        )
    return Sample(template.format(value), (Planted("passports", (number,)),))


def _passport_plain_sample(rng: random.Random) -> Sample:
    series = f"{rng.randint(1, 99):02d}{rng.randint(0, 24):02d}"
    number = f"{rng.randint(0, 999999):06d}"
    return Sample(
        f"Паспорт {series}{number}, выдан в 2015 году.", (Planted("passports", (series + number,)),)
    )


def _card_sample(rng: random.Random) -> Sample:
    value = card(rng)
    template = rng.choice(
        [
            "Пособие приходит на карту {}.",
            "Номер карты {}, Сбербанк.",
            "Перевели на {} в прошлом месяце.",
            "Реквизиты: карта МИР {}",
        ]
    )
    digits = value.replace(" ", "").replace("-", "")
    return Sample(template.format(value), (Planted("cards", (value, digits[-8:])),))


def _birth_sample(rng: random.Random) -> Sample:
    shape = rng.randrange(8)
    if shape < 6:
        value, _ = old_date(rng)
        template = rng.choice(
            [
                [
                    "Дата рождения: {}.",
                    "Родилась {} в деревне.",
                    "Ребёнок родился {}, сейчас ходит в сад.",
                    "д.р. {}",
                    "Сын (род. {}) учится в школе.",
                    "Дата рождения ребёнка — {}.",
                ][shape],
                "дата рожд. {}",
                "ДР {}",
                "{} г.р.",
                "Дочь {} года рождения.",
                "Муж родился {}, а я на год позже.",
            ]
        )
        return Sample(template.format(value), (Planted("birth_dates", (value,)),))
    if shape == 6:
        year = str(rng.randint(1940, 2006))
        template = rng.choice(
            [
                "{} г.р., пенсионер.",
                "Родился в {} году в Казани.",
                "Мать {} года рождения.",
                "Отец {} г. р.",
                "год рождения {}",
            ]
        )
        return Sample(template.format(year), (Planted("birth_dates", (year,)),))
    name, words = person(rng)
    value, _ = old_date(rng, 1950, 1995)
    return Sample(
        f"Заявитель: {name}, {value}.",
        (Planted("names", words), Planted("birth_dates", (value,))),
    )


def _address_sample(rng: random.Random) -> Sample:
    value, secrets = address(rng)
    template = rng.choice(
        [
            "Живу по адресу: {}.",
            "Прописана: {}, но живу у мамы.",
            "Адрес регистрации {}.",
            "Приходите на {}, я дома после шести.",
        ]
    )
    return Sample(template.format(value), (Planted("addresses", secrets),))


def _short_phone_sample(rng: random.Random) -> Sample:
    """A phone typed a digit short or long, or with a four-digit town code."""
    a, b, c = rng.randint(100, 999), rng.randint(10, 99), rng.randint(10, 99)
    code = f"9{rng.randint(0, 99):02d}"
    value = rng.choice(
        [
            f"+7{code}{rng.randint(0, 9)}-{b}-{c}",
            f"+7 {code} {a} {b} {rng.randint(0, 9)}",
            f"8-{code}-{a}-{b}-{c}{rng.randint(0, 9)}",
            f"8 ({rng.randint(4000, 4999)}) {b}-{c}-{rng.randint(10, 99)}",
            f"+7 ({rng.randint(3000, 4999)}) {a}-{b}-{c}",
            f"8{code}{a}{b}{rng.randint(0, 9)}",
        ]
    )
    template = rng.choice(
        [
            "Свяжитесь со мной: {}",
            "звонила {}, никто не взял трубку",
            "Мой номер {} — звоните.",
            "{}",
        ]
    )
    digits = "".join(ch for ch in value if ch.isdigit())
    return Sample(template.format(value), (Planted("phones", (value, digits[-6:])),))


def _personnel_sample(rng: random.Random) -> Sample:
    value = str(rng.randint(1, 99999)).zfill(rng.choice([1, 5, 6]))
    template = rng.choice(
        [
            "По жалобе сотрудника (таб. № {}) звонить при задержке выплаты.",
            "Табельный номер {}, отдел кадров.",
            "табельный номер: {} — командировка не оплачена",
            "Сотрудник т/н {} ждёт возмещения.",
            "Заявление от работника таб.ном.{}, бухгалтерия.",
            "Т/Н {}; суточные посчитали неверно.",
        ]
    )
    return Sample(template.format(value), (Planted("personnel", (value,)),))


def _account_sample(rng: random.Random) -> Sample:
    account = f"40817810{rng.randint(0, 10**12 - 1):012d}"
    if rng.random() < 0.3:
        return Sample(
            f"Перечислите на счёт {account} в Сбербанке.", (Planted("accounts", (account,)),)
        )
    value = rng.choice([f"{rng.randint(10**5, 10**9)}", account])
    template = rng.choice(
        ["Оплата по л/с {} не прошла.", "Лицевой счёт № {}, долг погашен.", "л/сч {}"]
    )
    return Sample(template.format(value), (Planted("accounts", (value,)),))


def _case_sample(rng: random.Random) -> Sample:
    value = rng.choice(
        [str(rng.randint(1, 9999)), f"2-{rng.randint(100, 9999)}/{rng.randint(2015, 2025)}"]
    )
    template = rng.choice(
        ["Личное дело № {} передано в архив.", "№ дела {} в суде.", "Номер дела: {}, решение есть."]
    )
    return Sample(template.format(value), (Planted("cases", (value,)),))


def _policy_sample(rng: random.Random) -> Sample:
    value = f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} "
    value += f"{rng.randint(1000, 9999)}"
    template = rng.choice(["Полис ОМС {} не нашли.", "полис {}, страховая «СОГАЗ»."])
    return Sample(template.format(value), (Planted("policies", (value, value[-9:])),))


PLANTERS: dict[str, Callable[[random.Random], Sample]] = {
    "names": _names_sample,
    "phones": _phone_sample,
    "phones_local": _local_phone_sample,
    "phones_short": _short_phone_sample,
    "emails": _email_sample,
    "snils": _snils_sample,
    "inn": _inn_sample,
    "passports": _passport_sample,
    "passports_plain": _passport_plain_sample,
    "cards": _card_sample,
    "birth_dates": _birth_sample,
    "addresses": _address_sample,
    "personnel": _personnel_sample,
    "accounts": _account_sample,
    "cases": _case_sample,
    "policies": _policy_sample,
}


def _amount(rng: random.Random) -> str:
    n = rng.choice([rng.randint(100, 99_999), rng.randint(100_000, 9_999_999)])
    text = f"{n:,}".replace(",", " ")
    return text + (f",{rng.randint(0, 99):02d}" if rng.random() < 0.5 else "")


def control(rng: random.Random) -> Sample:
    """A text with no personal data in it, and the fragments that must stay."""
    y = rng.randint(2015, 2025)
    recent = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{y}"
    shape = rng.randrange(27)
    if shape == 0:
        amount = _amount(rng)
        return Sample(f"Пособие составило {amount} руб. в месяц.", keep=(amount,))
    if shape == 1:
        day, month = rng.randint(1, 28), rng.choice(MONTHS)
        later = f"{day} {month} {y} г."
        return Sample(f"Подала заявление {recent}, решение пришло {later}", keep=(recent, later))
    if shape == 2:
        number = inn10(rng) if rng.random() < 0.5 else f"{rng.randint(10**9, 10**10 - 1)}"
        return Sample(f"Номер заявления {number}, статус «на рассмотрении».", keep=(number,))
    if shape == 3:
        number = f"{y}-{rng.randint(0, 999999):06d}"
        return Sample(f"Обращение № {number} закрыто без ответа.", keep=(number,))
    if shape == 4:
        count = f"{rng.randint(1, 9)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
        return Sample(f"В {y} году обратились {count} человек.", keep=(str(y), count))
    if shape == 5:
        k, m = rng.randint(2, 12), rng.randint(10, 180)
        return Sample(
            f"Звонила {k} раз, ждала на линии {m} минут.", keep=(f"{k} раз", f"{m} минут")
        )
    if shape == 6:
        hotline = f"8-800-{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        return Sample(f"Позвонила на горячую линию {hotline}, там долго ждать.", keep=(hotline,))
    if shape == 7:
        return Sample(
            "Федеральный закон от 19.05.1995 № 81-ФЗ об этом ничего не говорит.",
            keep=("19.05.1995", "81-ФЗ"),
        )
    if shape == 8:
        past = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1985, 2012)}"
        return Sample(f"С {past} работаю в школе учителем.", keep=(past,))
    if shape == 9:
        year = rng.randint(1990, 2024)
        return Sample(f"С {year} года мы живём в этом районе.", keep=(str(year),))
    if shape == 10:
        a, b = rng.randint(1, 300), rng.randint(1, 99)
        return Sample(f"Справку выдали {recent} за № {a}/{b}-к.", keep=(recent, f"{a}/{b}"))
    if shape == 11:
        k = rng.randint(3, 40)
        return Sample(
            f"Очередь — {k} человек, приём с 9:00 до 18:00.", keep=(f"{k} человек", "9:00", "18:00")
        )
    if shape == 12:
        a, b = rng.randint(1, 17), rng.randint(1, 17)
        return Sample(f"Старшему {a} лет, младшему {b}.", keep=(f"{a} лет", f"{b}."))
    if shape == 13:
        number = (
            luhn_complete("1", 13, rng)
            if rng.random() < 0.5
            else str(rng.randint(10**12, 10**13 - 1))
        )
        return Sample(f"Регистрационный номер {number} указан в расписке.", keep=(number,))
    if shape == 14:
        text = rng.choice(
            [
                "Роза цветёт в саду, а мы ждём ответа.",
                "Госуслуги работают, но не всегда.",
                "Социальный фонд принял заявление.",
                "Надежда была только на МФЦ.",
                "МФЦ на ул. Ленина работает до восьми.",
                "Вера в систему у меня пропала.",
                "Любовь к бумажкам у них безгранична.",
                "В Казани очередь меньше, чем в Уфе.",
                "Пришлось ехать в Пенсионный фонд на Баумана.",
            ]
        )
        return Sample(text, keep=(text,))
    if shape == 15:
        amount = _amount(rng)
        return Sample(f"Доплата {amount} рублей пришла {recent}.", keep=(amount, recent))
    if shape == 16:
        pay = f"{rng.randint(10, 99)} {rng.randint(100, 999)}"
        return Sample(f"За {y} год получили {pay} рублей пособий.", keep=(pay, str(y)))
    if shape == 17:
        number = f"{rng.randint(100, 999)}-{rng.randint(100, 999)}"
        return Sample(f"Код подразделения {number} указан в паспорте неверно.", keep=(number,))
    if shape == 18:
        t = f"{rng.randint(8, 20)}:{rng.choice(['00', '15', '30', '45'])}"
        return Sample(f"Пришла к {t}, талон {rng.randint(1, 99)}.", keep=(t,))
    if shape == 19:
        number = rng.randint(1000000, 9999999)
        return Sample(f"Номер очереди {number}, так и не вызвали.", keep=(str(number),))
    if shape == 20:
        return Sample(
            "ИНН организации и СНИЛС сотрудника не нужны для заявления.",
            keep=("ИНН организации и СНИЛС сотрудника",),
        )
    if shape == 21:
        a = rng.randint(1, 40)
        return Sample(f"Дом {a} по нашей улице сносят, квартиры дадут позже.", keep=(f"Дом {a}",))
    if shape == 22:
        return Sample(
            f"Приказ от {recent} № {rng.randint(1, 999)}-п вступил в силу.", keep=(recent,)
        )
    if shape == 24:
        # Amounts and counts that start with 8, as a phone does.
        amount = f"8 {rng.randint(0, 999):03d} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
        unit = rng.choice(["руб.", "рублей", "человек"])
        return Sample(f"На программу выделено {amount} {unit}", keep=(amount,))
    if shape == 25:
        days = rng.randint(2, 30)
        return Sample(
            f"Командировка 8 дней, суточные 15 000 руб., отчёт от {recent}; "
            f"возместили через {days} дней.",
            keep=("8 дней", "15 000 руб.", recent),
        )
    number = f"{rng.randint(10**9, 10**10 - 1)}"
    return Sample(f"Трек-номер {number} не отслеживается.", keep=(number,))


def corpus(seed: int, n: int, *, controls: float = 0.4) -> list[Sample]:
    """``n`` seeded samples: about ``controls`` of them without personal data."""
    rng = random.Random(seed)
    kinds = list(PLANTERS)
    out = []
    for _ in range(n):
        if rng.random() < controls:
            out.append(control(rng))
        else:
            out.append(PLANTERS[rng.choice(kinds)](rng))
    return out


def measure(samples: list[Sample], mask: Callable[[str], Any]) -> dict[str, Any]:
    """Recall (no secret left), right placeholder, and false positives of a masking function.

    ``mask(text)`` returns an object with ``.text`` and ``.counts`` (by kind).
    """
    found: dict[str, list[int]] = {}
    right: dict[str, list[int]] = {}
    changed_controls = 0
    control_masks = 0
    controls = 0
    misses: list[str] = []
    wrong: list[str] = []
    for sample in samples:
        result = mask(sample.text)
        if sample.control:
            controls += 1
            if any(k not in result.text for k in sample.keep):
                changed_controls += 1
                wrong.append(f"{sample.text} → {result.text}")
            control_masks += sum(result.counts.values())
            continue
        for planted in sample.planted:
            gone = all(s not in result.text for s in planted.secrets)
            found.setdefault(planted.kind, []).append(int(gone))
            right.setdefault(planted.kind, []).append(int(result.counts.get(planted.kind, 0) > 0))
            if not gone:
                misses.append(f"{planted.kind}: {sample.text} → {result.text}")
    return {
        "recall": {k: sum(v) / len(v) for k, v in sorted(found.items())},
        "placeholder": {k: sum(v) / len(v) for k, v in sorted(right.items())},
        "planted": {k: len(v) for k, v in sorted(found.items())},
        "controls": controls,
        "false_positive_share": changed_controls / controls if controls else 0.0,
        "false_positive_masks": control_masks,
        "misses": misses,
        "wrong": wrong,
    }
