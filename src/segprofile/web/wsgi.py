"""WSGI entry point: ``segprofile.web.wsgi:application`` for gunicorn, uWSGI or mod_wsgi."""

from __future__ import annotations

import os
import threading

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from segprofile import pipeline

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segprofile.web.settings")

application = get_wsgi_application()

# At the start of each server process, not in its first request: the views are imported; the
# analysis and report modules, which the pipeline imports where they are used (so that a command
# starts at once), are imported here all at once (``pipeline.preload``); and the fork server that
# parses uploaded files (``pipeline.run_isolated``; it imports the package, seconds) starts
# beside the first requests.
get_resolver().url_patterns  # noqa: B018 — imports every view module
pipeline.preload()

threading.Thread(target=pipeline.start_isolation, name="start-isolation", daemon=True).start()
