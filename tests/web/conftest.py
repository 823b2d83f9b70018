"""Fixtures of the web tests: a temporary SEGPROFILE_HOME, users, stored studies.

Background jobs run synchronously here (django-tasks' immediate backend), so a test can start
«Построить профиль» and look at the result in the next request.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.test import Client

from example_runs import build_example
from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import runs
from segprofile.web.studies.models import Study

PASSWORD = "correct-horse-42"


@pytest.fixture(scope="session", autouse=True)
def parse_server() -> None:
    """The fork server of isolated parses, started once as a server process starts it
    (``segprofile.web.wsgi``), before any test points the temporary folder elsewhere."""
    pipeline.start_isolation()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and runs background tasks immediately."""
    root = tmp_path / "home"
    root.mkdir()
    settings.SEGPROFILE_HOME = root
    # The gate's private area, beside the data home as by default (never inside it); the data
    # layer's reads of raw files (staging.work_dir) find it by the same variable.
    settings.SEGPROFILE_STAGING = tmp_path / "home-staging"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "home-staging" / "incoming")
    monkeypatch.setenv("SEGPROFILE_STAGING", str(settings.SEGPROFILE_STAGING))
    settings.SEGPROFILE_KEYS = tmp_path / "home-keys"  # every study's key, apart from the home
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SEGPROFILE_DEMO_ROWS = 1000
    # Real password hashing costs ~0.3 s per user; these tests are not about it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


@pytest.fixture
def jobs_not_run(home: Path, settings: Any) -> None:
    """Background jobs are queued and never run (django-tasks' dummy backend): for a test of
    what a request stores and queues, not of what the job computes (a study created from an
    example queues its profile, seconds of work)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("anna", password=PASSWORD, first_name="Анна")


@pytest.fixture
def other_user(db: None) -> User:
    return User.objects.create_user("boris", password=PASSWORD)


@pytest.fixture
def client_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_client(other_user: User) -> Client:
    client = Client()
    client.force_login(other_user)
    return client


@pytest.fixture
def stored_study(user: User, small_study: StudyDocument, small_data: Path) -> Study:
    """The shared small study, stored for ``user`` with its records in the study's data dir."""
    study = Study.create_from_document(small_study, owner=user, comment="тест")
    shutil.copy(small_data / "records.parquet", study.data_dir() / "records.parquet")
    return study


@pytest.fixture
def rewrite_records() -> Callable[[Study, Callable[[pa.Table], pa.Table]], None]:
    """A function replacing a study's records with ``change(table)``: bad data on purpose."""

    def rewrite(study: Study, change: Callable[[pa.Table], pa.Table]) -> None:
        path = study.data_dir() / "records.parquet"
        pq.write_table(change(pq.read_table(path)), path)

    return rewrite


@pytest.fixture(scope="session")
def example_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Demo records of the child-benefit example (1,500 rows) and its profile (JSON), made once
    per test process for every file that needs real segments and suggestions
    (:func:`example_runs.store_example` stores them as a study with a finished run)."""
    return build_example(tmp_path_factory)


@pytest.fixture(scope="session")
def example_profile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The child-benefit example's profile of 1 000 demo rows (JSON, a string no test can
    change), built once per test process for every module that reads it."""
    data = tmp_path_factory.mktemp("child-benefit-data")
    pipeline.generate_demo_data("child-benefit", data, rows=1000, seed=4)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        pipeline.example_study("child-benefit"),
        revision=1,
    )
    assert profile.clusters is not None, profile.warnings
    return pipeline.profile_to_json(profile)


@pytest.fixture(scope="session")
def example_pages(example_profile: str) -> runs.RunPages:
    """The pages the worker stores with a run of ``example_profile`` (the published profile,
    labels, some 15 charts: seconds to draw), drawn once per test process."""
    return runs.prepare(
        pipeline.profile_from_json(example_profile), pipeline.example_study("child-benefit")
    )
