from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "segprofile.web.studies"
    label = "studies"
    verbose_name = _("Studies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Sign-in, sign-out and lockout signals write the audit log.
        from segprofile.web.studies import audit  # noqa: F401
        from segprofile.web.studies.services import clean_at_start

        # Every process start (runserver, each gunicorn worker, the task worker, a command):
        # what a killed process left in the staging area goes; uploads in use stay.
        clean_at_start()
