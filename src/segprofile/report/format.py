"""Numbers and dates the Russian way: 12 345,6; 34 %; 22.11.2026."""

from __future__ import annotations

import math
from datetime import date, datetime

NBSP = "\u00a0"
NNBSP = "\u202f"


def number(value: float | int | None, digits: int = 0) -> str:
    """``12345.6`` → ``12 345,6`` (a no-break space between thousands, a decimal comma)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", NBSP).replace(".", ",")


def percent(share: float | None, digits: int = 0) -> str:
    """``0.341`` → ``34 %``."""
    if share is None or math.isnan(share):
        return "—"
    return f"{number(share * 100, digits)}{NBSP}%"


def ru_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d.%m.%Y")


def ru_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d.%m.%Y %H:%M")
