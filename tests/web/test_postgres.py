"""The web app on PostgreSQL (``DATABASE_URL``), with the real background worker.

Runs when ``SEGPROFILE_TEST_PG_URL`` points at a throwaway server (``scripts/test-services.sh``
starts one for ``make test``); the app's tables go into a schema of their own, dropped after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

PG_URL = os.environ.get("SEGPROFILE_TEST_PG_URL")
SCHEMA = "segprofile_web_test"

pytestmark = [
    pytest.mark.slow,  # about a minute: commands in subprocesses and a nested test run
    pytest.mark.skipif(
        not PG_URL,
        reason="SEGPROFILE_TEST_PG_URL не задан: запустите тесты через scripts/test-services.sh",
    ),
]

# setup_demo queues the demo study's profile (it opens with its profile built): one run.
CHECK_RUN = """
from segprofile.web.studies.models import Study
study = Study.objects.get(owner__username="demo")
run = study.runs.get()
print("RUN", run.pk, run.status)
"""

SHOW_RUN = """
from segprofile.web.studies.models import ProfileRun
run = ProfileRun.objects.get()
print("STATUS", run.status, len(run.result_json) > 0, run.revision.number)
"""


@pytest.fixture
def pg_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    import psycopg

    assert PG_URL is not None
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.execute(f"CREATE SCHEMA {SCHEMA}")
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options={quote(f'-csearch_path={SCHEMA}')}"
    env = {**os.environ, "SEGPROFILE_HOME": str(tmp_path), "DATABASE_URL": url}
    env.pop("SEGPROFILE_STAGING", None)  # the default: beside this home
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        yield env
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def _web(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "segprofile.web", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_demo_and_a_profile_run_on_postgresql(pg_env: dict[str, str]) -> None:
    _web(pg_env, "migrate", "--noinput")
    _web(pg_env, "setup_demo", "--rows", "300")
    assert "уже есть" in _web(pg_env, "setup_demo", "--rows", "300")

    queued = _web(pg_env, "shell", "-c", CHECK_RUN)
    assert "RUN 1 queued" in queued
    _web(pg_env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")
    shown = _web(pg_env, "shell", "-c", SHOW_RUN)
    assert "STATUS done True 1" in shown


# The shared-workspace flows whose queries differ by database (revisions and their history,
# concurrent edits with row locks and the part-by-part merge, the roles' subqueries, the audit
# log, sign-in lockout) run again with PostgreSQL as the database: pytest-django creates and
# drops its own test database on the server. The role × URL table (test_roles.py, a few hundred
# requests through the same access rule) runs once, on SQLite.
KEY_FLOWS = (
    "tests/web/test_team.py",
    "tests/web/test_access.py",
    "tests/web/test_studies.py",
    "tests/web/test_sections.py",
)


def test_roles_revisions_locking_and_audit_on_postgresql(tmp_path: Path) -> None:
    assert PG_URL is not None
    env = {**os.environ, "DATABASE_URL": PG_URL, "SEGPROFILE_HOME": str(tmp_path)}
    env.pop("SEGPROFILE_STAGING", None)  # the default: beside this home
    env.pop("SEGPROFILE_TEST_PG_URL", None)  # no recursion into this file
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--create-db",
            "-o",
            "addopts=-ra",
            *KEY_FLOWS,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    tail = result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout
    # The row-lock test is skipped on SQLite and must really run here.
    assert "row locks are tested on PostgreSQL" not in result.stdout, tail
