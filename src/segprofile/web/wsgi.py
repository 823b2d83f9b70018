"""WSGI entry point: ``segprofile.web.wsgi:application`` for gunicorn, uWSGI or mod_wsgi."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segprofile.web.settings")

application = get_wsgi_application()
