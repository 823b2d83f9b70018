"""A ministry's export of business trips as a new analyst uploads it (one row a trip; 586
employees; departments of one to four employees beside a dominant one; messy spaces), for the
tests of the upload review's preview: a value of a few rows must not be shown there."""

from __future__ import annotations

import random

DOMINANT = "Департамент бюджетной политики"
FREQUENT = "Отдел кадров"  # frequent, some of its rows with a trailing space
# Departments of a few employees, each at the head of the file (inside the 20-row preview).
RARE = {
    "Пресс-служба": 1,  # the one press officer
    "Отдел протокола": 3,
    "Мобилизационный отдел": 4,
}
SPACED = "Секретариат"  # 2 rows «Секретариат», 2 rows « Секретариат  »: 4 rows, still rare
RARE_POSITION = "Пресс-секретарь"
TYPES = ["по России", "по России", "по России", "зарубежная", "служебная поездка в регион"]


def trips_csv(rows: int = 8000, employees: int = 586, *, seed: int = 14) -> bytes:
    """The export as UTF-8 CSV with «;»: табельный номер, department, position, trip type,
    days, departure date (ISO, 2025-01-01 … 2025-12-28)."""
    rng = random.Random(seed)
    head: list[tuple[str, str]] = [("Пресс-служба", RARE_POSITION)]
    head += [("Отдел протокола", "Консультант")] * 3
    head += [("Мобилизационный отдел", "Советник")] * 4
    head += [(SPACED, "Референт"), (f" {SPACED}  ", "Референт")] * 2
    head += [(f"{FREQUENT} ", "Специалист")] * 3
    lines = ["Табельный номер;Подразделение;Должность;Вид командировки;Дней;Дата выезда"]
    for i in range(rows):
        if i < len(head):
            dept, position = head[i]
        elif i % 7 == 0:
            dept, position = FREQUENT, "Специалист"
        else:
            dept, position = DOMINANT, rng.choice(["Консультант", "Главный специалист"])
        tab_no = 10000 + (i if i < len(head) else rng.randrange(len(head), employees))
        day = 1 + (i * 37) % 362 if 0 < i < rows - 1 else (1 if i == 0 else 362)
        month, mday = _date(day)
        lines.append(
            f"{tab_no};{dept};{position};{rng.choice(TYPES)};{rng.randint(1, 14)};"
            f"2025-{month:02d}-{mday:02d}"
        )
    return ("\n".join(lines) + "\n").encode()


def _date(day: int) -> tuple[int, int]:
    """The month and day of the ``day``-th day of 2025."""
    lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for month, length in enumerate(lengths, start=1):
        if day <= length:
            return month, day
        day -= length
    return 12, 31
