"""Numbers and dates the Russian way: 12 345,6; 34 %; 22.11.2026.

The number format itself lives in :mod:`segprofile.model.format` (the analysis writes its
reasons with it too); dates are the reports' own.
"""

from __future__ import annotations

from datetime import date, datetime

from segprofile.model.format import (
    NBSP,
    NNBSP,
    number,
    p_value,
    percent,
    percents,
    points,
    share_percent,
)

__all__ = [
    "NBSP",
    "NNBSP",
    "number",
    "p_value",
    "percent",
    "percents",
    "points",
    "ru_date",
    "ru_datetime",
    "share_percent",
]


def ru_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d.%m.%Y")


def ru_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d.%m.%Y %H:%M")
