"""Django settings of the segprofile web app.

Everything that differs between machines is a setting of :mod:`segprofile.config` (read once
from the environment, documented in ``docs/deploy.md``); this module only turns them into
Django's names. Without ``SEGPROFILE_SECRET_KEY`` a development key is generated once into
``SEGPROFILE_HOME/secret_key`` (owner-only).

Production: ``DJANGO_SETTINGS_MODULE=segprofile.web.settings_production`` (HTTPS, secure
cookies, HSTS, required secret key and host names; ``manage.py check --deploy`` is clean).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from segprofile import config
from segprofile.errors import SegprofileError

WEB_DIR = Path(__file__).resolve().parent

try:
    CONFIG = config.current()
    """The settings in force (:mod:`segprofile.config`), read once."""
    SEGPROFILE_STAGING = CONFIG.staging_root
    """The gate's private folder: raw uploads wait here (owner-only) until imported or
    discarded; apart from the data home on purpose (original and depersonalised data are never
    stored together), and never under STATIC_ROOT or a media folder."""
except SegprofileError as exc:
    raise ImproperlyConfigured(str(exc)) from None

SEGPROFILE_HOME = CONFIG.home
"""Root of everything the app stores on disk."""

SEGPROFILE_KEYS = CONFIG.key_store
"""The pseudonym key store, apart from the data home (each web study's key is named by it)."""

SEGPROFILE_ENGINE = CONFIG.engine
"""The engine that computes profiles (``duckdb://``, ``pyspark://…``)."""

DEBUG = CONFIG.debug


def _secret_key(home: Path) -> str:
    """The secret key from the settings, or a development one generated once into ``home``.

    If ``home`` cannot be written (a read-only checkout running only the tests), the key lives
    for this process only: sessions then do not survive a restart, nothing else breaks.
    """
    if CONFIG.secret_key:
        return CONFIG.secret_key
    path = home / "secret_key"
    try:
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        home.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # Owner-only permissions: the key signs sessions and CSRF tokens.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key)
        return key
    except OSError:
        return secrets.token_urlsafe(50)


def database_from_url(url: str | None, home: Path) -> dict[str, Any]:
    """Django's ``DATABASES["default"]``: SQLite under ``home`` or PostgreSQL from ``url``."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": home / "segprofile.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL: unsupported scheme {parts.scheme!r}; use postgres://"
        )
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
    }


SECRET_KEY = _secret_key(SEGPROFILE_HOME)
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(CONFIG.csrf_trusted_origins)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "segprofile.web.studies",
    "segprofile.web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "segprofile.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "segprofile.web.middleware_load.SessionIdleRefreshMiddleware",  # the idle timeout
    "segprofile.web.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "segprofile.web.studies.htmx.RevisionMarkMiddleware",  # the study page's header after a save
    "segprofile.web.middleware.SegprofileErrorMiddleware",
    "segprofile.web.middleware.MethodNotAllowedPageMiddleware",  # 405 as a page, as 403/404
    # Errors under /api/ that Django, not the API, answers (404, 405, 413, 500) as JSON.
    "segprofile.web.api.middleware.ApiJsonErrorsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "segprofile.web.urls"
WSGI_APPLICATION = "segprofile.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(CONFIG.database_url, SEGPROFILE_HOME)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The one cache (studies/drawings.py: journey blueprints of the current document), on disk under
# SEGPROFILE_HOME, shared by every server process; its keys are digests of what was drawn.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": SEGPROFILE_HOME / "cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first: new and changed passwords are hashed with it; older PBKDF2 hashes still work
# and are re-hashed with Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes first: it refuses a locked-out user name before the password is checked.
AUTHENTICATION_BACKENDS = [
    "segprofile.web.auth.WebSignInThrottle",  # django-axes, for web requests
    "django.contrib.auth.backends.ModelBackend",
]


def _trusted_proxies(items: list[str]) -> list[str]:
    """Addresses or networks of our reverse proxies, checked here so a typo stops the start."""
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"SEGPROFILE_TRUSTED_PROXIES: «{item}» — не адрес и не сеть (пример: 127.0.0.1, "
                "10.0.0.0/8, ::1)."
            ) from None
    return items


SEGPROFILE_TRUSTED_PROXIES = _trusted_proxies(list(CONFIG.trusted_proxies))
"""Reverse proxies whose X-Forwarded-For is believed; empty: the client is REMOTE_ADDR."""

# The sign-in lockout and the audit log see the same address: the client's, behind our proxies.
AXES_CLIENT_IP_CALLABLE = "segprofile.web.studies.audit.client_address"
AXES_FAILURE_LIMIT = CONFIG.login_attempts
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.lockout_minutes)
# A user name is locked from the address the failures came from: a colleague mistyping
# elsewhere does not lock anybody else out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in our own audit log (studies.AuditEvent)
AXES_VERBOSE = False

SESSION_COOKIE_AGE = int(CONFIG.session_hours * 3600)
# The age counts from the last request (an idle timeout): SessionIdleRefreshMiddleware moves the
# expiry forward at most once a minute instead of writing the session row on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studies:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
# The main catalogue first; work in progress may bring its own part (merged into the main one
# with msgcat before a release), e.g. locale_parts/<feature>/ru/LC_MESSAGES/django.po.
LOCALE_PATHS = [
    WEB_DIR / "locale",
    *sorted(p for p in (WEB_DIR / "locale_parts").glob("*") if p.is_dir()),
]
TIME_ZONE = CONFIG.time_zone
# Times shown with the zone's name, «06.12.2026 13:27 (МСК)», as the reports show them.
FORMAT_MODULE_PATH = "segprofile.web.formats"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STATIC_ROOT = SEGPROFILE_HOME / "static"
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the package, so the app works with DEBUG off and without
# running collectstatic first (collectstatic into STATIC_ROOT still works for deployments).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if CONFIG.https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

SEGPROFILE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""Content-Security-Policy of every page: no inline scripts or styles, nothing from other hosts.

The profile fragment brings no ``<style>``: its stylesheet is served at ``/report.css``.
"""

SEGPROFILE_MAX_UPLOAD_BYTES = CONFIG.max_upload_mb * 1024 * 1024
"""Largest data file accepted through the web form."""

SEGPROFILE_STAGING_HOURS = CONFIG.staging_hours
"""Uploads not imported within this many hours are deleted (at start, on a schedule, by
``manage.py clean_staging``)."""

# Uploads up to 2.5 MB are held in memory; larger ones are written to the staging area (not the
# system temp folder), owner-only and locked while their request lives (see storage.py).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = str(SEGPROFILE_STAGING / "incoming")
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "segprofile.web.studies.storage.StagingUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

SEGPROFILE_MAX_STUDY_BYTES = 2 * 1024 * 1024
"""Largest study document (YAML) accepted through the web form."""

SEGPROFILE_DEMO_ROWS = 20_000
"""Rows of synthetic data generated for a study created from an example."""

SEGPROFILE_DEMO_SEED = 42
"""Seed of that synthetic data."""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"refusal": {"()": "segprofile.web.log_filters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "segprofile": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO"},
        # A 403 is one line, without the traceback (web.log_filters).
        "django.request": {"level": "INFO", "filters": ["refusal"]},
    },
}
