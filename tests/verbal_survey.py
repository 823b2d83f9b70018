"""A survey export as a form service writes it (Windows-1251, «;»): a respondent number, СНИЛС,
the region (one dominant, four with one to four respondents), the channel (60/30/8/2 %), three
statements answered on a five-point verbal scale («Полностью согласен … Полностью не
согласен»), a 1–5 rating and an open answer, blank for a third, some with a name, a phone or an
e-mail inside."""

from __future__ import annotations

import random

AGREEMENT = [
    "Полностью не согласен",
    "Скорее не согласен",
    "Затрудняюсь ответить",
    "Скорее согласен",
    "Полностью согласен",
]
STATEMENTS = [
    "Подать заявление было легко",
    "Мне не пришлось повторно приносить справки",
    "Я знаю, на каком этапе моё заявление",
]
OPEN = [
    "Долго ждать решения, больше месяца",
    "Сайт постоянно зависает при загрузке документов",
    "Хотелось бы узнавать статус заявления в личном кабинете",
    "Требуют справку о доходах, хотя она есть в налоговой",
    "Всё хорошо, спасибо",
    "В МФЦ очередь, записаться невозможно",
    "Нет",
    "Позвоните мне, мой телефон 8-905-111-22-33, расскажу подробнее",
    "Я Смирнова Анна Викторовна, у меня трое детей, отказали без объяснения",
    "Непонятно, какие документы нужны для многодетных",
    "Удобно подавать через Госуслуги",
    "Пишите мне anna.smirnova@yandex.ru",
]
TINY = [("Чукотский автономный округ", 1), ("Ненецкий автономный округ", 2), ("Республика Тыва", 3)]
OTHERS = ["Калужская область", "Рязанская область", "Орловская область", "Брянская область"]
HEADER = [
    "ID респондента",
    "СНИЛС",
    "Регион проживания",
    "Канал подачи",
    *STATEMENTS,
    "Общая оценка (1-5)",
    "Что бы вы улучшили в услуге?",
]


def survey_export(n: int = 600, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    regions = [r for r, k in TINY for _ in range(k)]
    regions += [
        "Тульская область" if rng.random() < 0.7 else rng.choice(OTHERS)
        for _ in range(n - len(regions))
    ]
    rng.shuffle(regions)
    lines = [";".join(HEADER)]
    for i, region in enumerate(regions):
        snils = (
            f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)} "
            f"{rng.randint(10, 99)}"
        )
        channel = rng.choices(
            ["Госуслуги", "МФЦ", "Приёмная министерства", "Почта"], [60, 30, 8, 2]
        )
        answers = [rng.choices(AGREEMENT, [5, 10, 15, 35, 35])[0] for _ in STATEMENTS]
        score = rng.choices(["1", "2", "3", "4", "5"], [4, 6, 12, 38, 40])[0]
        text = rng.choice(OPEN) if rng.random() < 0.7 else ""
        lines.append(";".join([f"R{1000 + i}", snils, region, channel[0], *answers, score, text]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")
