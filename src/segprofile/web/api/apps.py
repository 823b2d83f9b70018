from __future__ import annotations

import sys

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "segprofile.web.api"
    label = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A background worker that starts fails the runs a killed worker left «running»
        # (see segprofile.web.studies.tasks); the web process does it when a run is viewed.
        if "db_worker" in sys.argv[1:3]:
            from segprofile import pipeline
            from segprofile.web.studies.tasks import reap_dead_runs_soon

            # What a job uses, imported now rather than by the first job.
            pipeline.preload()
            reap_dead_runs_soon()
