"""A ministry's requests export as a new analyst uploads it, for the tests that the figures of
the check page are those the import stores: «;», cp1251, CRLF, cells of spaces only, values
with spaces and no-break spaces around them, sums with no-break-spaced thousands and a
decimal comma, dates as dd.mm.yyyy with a space after them; one dominant unit beside a unit
of two requests."""

from __future__ import annotations

NBSP = "\u00a0"
DOMINANT = "Отдел кадров"
RARE = "Пресс-служба"  # 2 requests: fewer than min_cell


def requests_export(rows: int = 600) -> bytes:
    """The export as cp1251 «;» CSV with CRLF: number, unit, channel, sum, date."""
    lines = ["Номер;Подразделение;Канал;Сумма;Дата обращения"]
    for i in range(rows):
        if i < 2:
            unit = f" {RARE} "
        elif i % 5 == 0:
            unit = "   "  # blank: missing once imported
        elif i % 5 == 1:
            unit = f"  {DOMINANT} "
        elif i % 5 == 2:
            unit = f"{DOMINANT}{NBSP}"
        else:
            unit = DOMINANT
        channel = ["МФЦ", " Портал ", "   ", "Почта"][i % 4]
        # «12 345,50» with a no-break space between the thousands, as accounting exports write.
        amount = "  " if i % 10 == 3 else f"{1000 + i * 37.5:,.2f}".replace(",", NBSP)
        amount = amount.replace(".", ",")
        day = " " if i % 9 == 4 else f"{1 + i % 28:02d}.{1 + i % 12:02d}.2025 "
        lines.append(f"{i + 1};{unit};{channel};{amount};{day}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")
