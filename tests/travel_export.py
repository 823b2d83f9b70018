"""A 1С export of travel expense reports as an accountant saves it: Windows-1251, «;», CR LF line
ends, a title line above the header («Выгрузка из 1С: …;;;;;;;», typed in another editor, so it
ends with a bare LF), skewed departments with a press office of two people, some departments
typed with spaces around them («Отдел кадров ») and some in lower case («отдел кадров»), a
totals row at the end on request.

Returns the file's bytes; :data:`ROWS` records, :data:`DEPARTMENTS` their departments (as
meant, without the spaces or the lower case)."""

from __future__ import annotations

import random

HEADER = (
    "ФИО сотрудника;Табельный номер;Подразделение;Должность;Вид командировки;"
    "Дней до возмещения;Оценка (1-5);Дата авансового отчёта"
)
TITLE = "Выгрузка из 1С: авансовые отчёты по командировкам за 2025 год;;;;;;;"
WIDTH = HEADER.count(";") + 1
ROWS = 300
SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Морозов", "Волков", "Лебедев", "Попов"]
NAMES = ["Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Андрей"]
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Алексеевич"]
POSITIONS = ["Главный специалист", "Ведущий специалист", "Консультант", "Начальник отдела"]
TRIPS = ["По России (поезд)", "По России (самолёт)", "По области (служебный автомобиль)"]


def departments() -> list[str]:
    """The department of each record, as meant: skewed, the press office two people."""
    out = ["Отдел бюджетного планирования"] * 180 + ["Правовое управление"] * 70
    out += ["Отдел кадров"] * 48 + ["Пресс-служба"] * 2
    random.Random(7).shuffle(out)
    return out


DEPARTMENTS = departments()


def _typed(department: str, i: int) -> str:
    """The department as someone typed it: spaces around it now and then; «Отдел кадров» also
    in lower case (with a trailing space, as the walk-through's file had it)."""
    if department == "Отдел кадров" and i % 4 == 0:
        return "отдел кадров "
    if i % 7 == 0:
        return department + " "
    if i % 11 == 0:
        return "  " + department + "\u00a0"
    return department


def travel_export(
    *,
    title: tuple[str, ...] = (TITLE,),
    title_end: str = "\n",
    totals: bool = False,
    encoding: str = "cp1251",
) -> bytes:
    """The export's bytes: ``title`` lines (``""``: an empty line) ended with ``title_end``, the
    header and the records with CR LF, a totals row if ``totals``."""
    rng = random.Random(75)
    lines = [HEADER]
    for i, department in enumerate(DEPARTMENTS):
        fio = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}"
        rating = str(rng.randint(1, 5)) if i % 3 else ""
        day = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025"
        lines.append(
            f"{fio};{10_000 + i};{_typed(department, i)};{rng.choice(POSITIONS)};"
            f"{rng.choice(TRIPS)};{rng.randint(1, 60)};{rating};{day}"
        )
    if totals:
        lines.append("Итого" + ";" * (WIDTH - 1))
    head = "".join(line + title_end for line in title)
    return (head + "\r\n".join(lines) + "\r\n").encode(encoding)
