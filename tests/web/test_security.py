"""Production settings: ``check --deploy`` is clean; HTTPS, HSTS and secure cookies are on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

HEADERS = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="segprofile.example.org")
plain = client.get("/accounts/login/")
print("PLAIN", plain.status_code, plain.get("Location"))
secure = client.get("/accounts/login/", secure=True)
print("SECURE", secure.status_code)
for name in ("Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options",
             "X-Content-Type-Options", "Referrer-Policy"):
    print(name, "=", secure.get(name))
from django.conf import settings
print("COOKIES", settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.DEBUG)
print("HASHER", settings.PASSWORD_HASHERS[0])
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "segprofile.web.settings_production",
        "SEGPROFILE_HOME": str(tmp_path),
        "SEGPROFILE_SECRET_KEY": secrets.token_urlsafe(64),
        "SEGPROFILE_ALLOWED_HOSTS": "segprofile.example.org",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SEGPROFILE_STAGING", None)  # the default: beside this home
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' process, not a server's
    env.update(extra)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_reports_no_issues(tmp_path: Path) -> None:
    result = _run(
        _env(tmp_path), "-m", "segprofile.web", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_redirects_to_https_and_sends_security_headers(tmp_path: Path) -> None:
    result = _run(_env(tmp_path), "-c", HEADERS)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "PLAIN 301 https://segprofile.example.org/accounts/login/" in out
    assert "SECURE 200" in out
    assert "Strict-Transport-Security = max-age=31536000; includeSubDomains; preload" in out
    assert "script-src 'self'" in out
    assert "X-Frame-Options = DENY" in out
    assert "X-Content-Type-Options = nosniff" in out
    assert "COOKIES True True False" in out
    assert "HASHER django.contrib.auth.hashers.Argon2PasswordHasher" in out


@pytest.mark.parametrize("missing", ["SEGPROFILE_SECRET_KEY", "SEGPROFILE_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_key_or_hosts(tmp_path: Path, missing: str) -> None:
    env = _env(tmp_path)
    env.pop(missing)
    result = _run(env, "-m", "segprofile.web", "check")
    assert result.returncode != 0
    assert f"{missing} не задан" in result.stderr
