"""Date and time formats of the pages (``FORMAT_MODULE_PATH``): every time is shown in the
installation's zone (``SEGPROFILE_TIME_ZONE``, Django's ``TIME_ZONE``) with its name, as the
reports show it (``report.format.ru_datetime``): «06.12.2026 13:27 (МСК)» everywhere."""

from __future__ import annotations

from django.conf import settings

from segprofile.model.format import zone_label


def zone_suffix() -> str:
    """`` (МСК)`` escaped for a Django date format (each character literal)."""
    label = zone_label(str(settings.TIME_ZONE))
    return " " + "".join(f"\\{ch}" for ch in f"({label})")
