"""Filters of the server log."""

from __future__ import annotations

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (403: a reader opening an owner's page) is one line of the log, not a
    traceback: Django's ``django.request`` logs it as a warning with the exception attached,
    which says nothing the line does not (the path and the status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
