"""``clean_staging``: delete expired and interrupted uploads from the staging area (for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from segprofile.web.studies import services


class Command(BaseCommand):
    help = (
        "Delete uploads not imported within SEGPROFILE_STAGING_HOURS, uploads interrupted by a "
        "crash and orphaned temporary upload files from SEGPROFILE_STAGING (files in use stay)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cleaned = services.clean_staging()
        self.stdout.write(
            f"Удалено загрузок: устаревших {cleaned.expired}, прерванных {cleaned.interrupted}; "
            f"временных файлов {cleaned.incoming}."
        )
