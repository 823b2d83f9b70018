"""Production settings: ``DJANGO_SETTINGS_MODULE=segprofile.web.settings_production``.

Everything of :mod:`segprofile.web.settings`, plus what a server on the network needs:

- served over HTTPS behind a reverse proxy that sets ``X-Forwarded-Proto`` (plain HTTP is
  redirected), HSTS for a year (``SEGPROFILE_HSTS_SECONDS``; ``SEGPROFILE_HSTS_PRELOAD=0`` leaves
  the site out of the browsers' preload lists), cookies only over HTTPS;
- ``SEGPROFILE_SECRET_KEY`` and ``SEGPROFILE_ALLOWED_HOSTS`` are required (no defaults);
- debug mode is always off.

``python -m segprofile.web check --deploy`` reports no issues with these settings.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from segprofile.errors import ConfigError
from segprofile.web.settings import *  # noqa: F403 — the base settings, refined below
from segprofile.web.settings import CONFIG

try:
    CONFIG.require("secret_key")
    CONFIG.require("allowed_hosts")
except ConfigError as exc:
    raise ImproperlyConfigured(exc.message) from None

DEBUG = False
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = CONFIG.hsts_preload
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"  # only over HTTPS, only this host, path /
CSRF_COOKIE_NAME = "__Host-csrftoken"
WHITENOISE_AUTOREFRESH = False
