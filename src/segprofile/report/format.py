"""Numbers and dates the Russian way: 12 345,6; 34 %; 22.11.2026.

The number format itself lives in :mod:`segprofile.model.format` (the analysis writes its
reasons with it too); dates are the reports' own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from segprofile.model.format import (
    NBSP,
    NNBSP,
    interval_percent,
    neutralise,
    number,
    p_value,
    percent,
    percents,
    plural,
    points,
    restore,
    share_percent,
    zone_label,
)

__all__ = [
    "NBSP",
    "NNBSP",
    "csv_bytes",
    "interval_percent",
    "local_today",
    "neutralise",
    "number",
    "p_value",
    "percent",
    "percents",
    "plural",
    "points",
    "restore",
    "ru_date",
    "ru_datetime",
    "share_percent",
]


def ru_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d.%m.%Y")


def local_today() -> date:
    """Today where the installation works (``SEGPROFILE_TIME_ZONE``, as the web pages see it):
    what a recommendation's due date is compared with."""
    from zoneinfo import ZoneInfo

    from segprofile import config

    return datetime.now(ZoneInfo(config.current().time_zone)).date()


def ru_datetime(value: datetime | None) -> str:
    """``06.12.2026 13:27 (МСК)``: a moment in the installation's time zone
    (``SEGPROFILE_TIME_ZONE``, as the web pages show it), named; a naive value is UTC."""
    if value is None:
        return "—"
    from zoneinfo import ZoneInfo

    from segprofile import config

    name = config.current().time_zone
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ZoneInfo(name))
    zone = zone_label(name, local)
    return f"{local:%d.%m.%Y %H:%M} ({zone})"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV for Excel in a Russian locale: UTF-8 with BOM, «;», CRLF; no cell can be a formula.

    Every CSV the product writes goes through here, so a label such as ``=HYPERLINK(…)`` that
    came with the client data stays a label in Excel and LibreOffice, as in the XLSX report.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        writer.writerow(
            ["" if v is None else neutralise(v) if isinstance(v, str) else str(v) for v in row]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
