"""Settings, the demo set-up command and ``python -m segprofile.web``."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from segprofile import pipeline
from segprofile.web.settings import database_from_url
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import workspace_for


def test_sqlite_is_the_default_database_in_wal_mode(tmp_path: Path) -> None:
    db = database_from_url(None, tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == tmp_path / "segprofile.sqlite3"
    assert db["OPTIONS"] == {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }


def test_database_url_switches_to_postgresql(tmp_path: Path) -> None:
    db = database_from_url("postgres://seg%40user:p%3Ass@db.local:6432/segprofile", tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("segprofile", "seg@user", "p:ss")
    assert (db["HOST"], db["PORT"]) == ("db.local", "6432")
    with_options = database_from_url("postgresql://u@h/n?sslmode=require", tmp_path)
    assert with_options["OPTIONS"] == {"sslmode": "require"}
    assert with_options["PORT"] == ""


def test_an_unknown_database_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://u@h/n", tmp_path)


@pytest.mark.django_db
def test_setup_demo_is_idempotent() -> None:
    out = StringIO()
    call_command("setup_demo", rows=500, stdout=out)
    call_command("setup_demo", rows=500, stdout=out)
    assert User.objects.filter(username="demo").count() == 1
    assert authenticate(username="demo", password="demo") is not None
    study = Study.objects.get()
    assert study.owner.username == "demo"
    assert study.revisions.count() == 1
    document = study.current_revision().to_document()
    assert document == pipeline.example_study("child-benefit")
    # Through the gate: every source imported as version 1, no raw file in the data directory
    # and nothing left in the staging area.
    for source in document.data_sources:
        [version] = pipeline.list_dataset_versions(workspace_for(study), document.id, source.id)
        assert (version.version, version.author, version.original_deleted) == (1, "demo", True)
    assert [p for p in study.data_dir().rglob("*") if p.is_file()] == []
    staged = Path(settings.SEGPROFILE_STAGING) / "uploads"
    assert [p for p in staged.rglob("*") if p.is_file()] == []
    assert "уже есть" in out.getvalue()


@pytest.mark.django_db
def test_setup_demo_restores_missing_demo_data() -> None:
    call_command("setup_demo", rows=500, stdout=StringIO())
    study = Study.objects.get()
    document = study.current_revision().to_document()
    pipeline.delete_dataset_version(workspace_for(study), document.id, "records", 1, user="demo")
    call_command("setup_demo", rows=500, stdout=StringIO())
    versions = pipeline.list_dataset_versions(workspace_for(study), document.id, "records")
    assert [v.version for v in versions] == [2]  # a deleted version's number is not reused
    assert Study.objects.count() == 1


def test_python_m_segprofile_web_runs_django_commands(tmp_path: Path) -> None:
    env = {**os.environ, "SEGPROFILE_HOME": str(tmp_path)}
    env.pop("SEGPROFILE_STAGING", None)  # the default: beside this home
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' process, not a server's
    result = subprocess.run(
        [sys.executable, "-m", "segprofile.web", "check", "--deploy", "--fail-level", "ERROR"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
