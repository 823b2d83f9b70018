"""A worker killed (SIGKILL) in the middle of a profile job: the run ends «failed» with a
Russian message, it can be built again, and nothing stored changed.

Everything runs for real on a temporary SEGPROFILE_HOME: ``migrate``, the ``db_worker``
command in its own process, the web views through Django's test client in a separate
process. Only the database file is read directly (SQLite), to watch the job's progress.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROWS = 30_000  # a build of several seconds (k-prototypes on a sample): time to kill it


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "SEGPROFILE_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "segprofile.web.settings",
        "PYTHONUNBUFFERED": "1",
        "SEGPROFILE_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SEGPROFILE_DEBUG", None)
    return env


def _django(home: Path, code: str) -> Any:
    """Run ``code`` in a fresh process with Django set up; it prints one JSON value."""
    script = "import django, json\ndjango.setup()\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _start_worker(home: Path, name: str) -> subprocess.Popen[bytes]:
    log = (home / f"{name}.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "segprofile.web",
            "db_worker",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--no-reload",
        ],
        env=_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _run_row(home: Path, run_id: int) -> tuple[str, float, str]:
    with sqlite3.connect(home / "segprofile.sqlite3", timeout=30) as db:
        row = db.execute(
            "SELECT status, progress, error FROM studies_profilerun WHERE id = ?", (run_id,)
        ).fetchone()
    return row[0], row[1], row[2]


def _wait(home: Path, run_id: int, done: Any, timeout: float) -> tuple[str, float, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = _run_row(home, run_id)
        if done(row):
            return row
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {_run_row(home, run_id)} after {timeout} s")


def _stored_state(home: Path, study_id: int) -> dict[str, str]:
    """SHA-256 of every file under the study's directory and of its revisions."""
    state = {}
    root = home / "studies" / str(study_id)
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and ".lock" not in path.name:
            state[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    with sqlite3.connect(home / "segprofile.sqlite3", timeout=30) as db:
        for number, document, comment in db.execute(
            "SELECT number, document, comment FROM studies_studyrevision WHERE study_id = ? "
            "ORDER BY number",
            (study_id,),
        ):
            state[f"revision {number}"] = hashlib.sha256(
                f"{document}\n{comment}".encode()
            ).hexdigest()
    return state


SETUP = f"""
from django.contrib.auth.models import User
from segprofile.web.studies import services
user = User.objects.create_user("crash", password="crash-test-pass-1")
study = services.create_study_from_example(user, "child-benefit", rows={ROWS}, seed=7)
run = services.start_profile_run(study, user)
print(json.dumps({{"study": study.pk, "run": run.pk}}))
"""

LOOK = """
from django.test import Client
from django.contrib.auth.models import User
from django.urls import reverse
from segprofile.web.api.models import ApiToken
from segprofile.web.studies.models import ProfileRun
run = ProfileRun.objects.get(pk=RUN)
client = Client()
client.force_login(User.objects.get(username="crash"))
page = client.get(reverse("studies:run", kwargs={"pk": run.study_id, "run_pk": run.pk}))
token = ApiToken.issue(User.objects.get(username="crash"), "crash")[1]
api = Client().get(
    f"/api/studies/{run.study_id}/runs/{run.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
)
print(json.dumps({"page": page.status_code, "html": page.content.decode(),
                  "api": api.status_code, "body": json.loads(api.content)}))
"""

RERUN = """
from django.contrib.auth.models import User
from segprofile.web.studies import services
from segprofile.web.studies.models import Study
run = services.start_profile_run(Study.objects.get(pk=STUDY), User.objects.get(username="crash"))
print(json.dumps(run.pk))
"""


@pytest.mark.slow
def test_a_killed_worker_fails_the_run_which_can_be_built_again(tmp_path: Path) -> None:
    home = tmp_path / "crash-home"
    home.mkdir()
    subprocess.run(
        [sys.executable, "-m", "segprofile.web", "migrate", "--noinput"],
        env=_env(home),
        check=True,
        capture_output=True,
        timeout=300,
    )
    ids = _django(home, SETUP)
    study_id, run_id = ids["study"], ids["run"]
    before = _stored_state(home, study_id)
    assert any(name.startswith("datasets/") for name in before)  # imported through the gate
    assert "revision 1" in before

    worker = _start_worker(home, "worker-1")
    try:
        # Kill the worker in the middle of the job: running, with progress made, not done.
        status, progress, _ = _wait(
            home, run_id, lambda row: row[0] != "queued" and row[1] >= 0.1, timeout=240
        )
        assert status == "running", (status, progress)
        heartbeat = home / "workers" / f"run-{run_id}.json"
        assert heartbeat.is_file()
        assert json.loads(heartbeat.read_text())["pid"] == worker.pid
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    assert _run_row(home, run_id)[0] == "running"  # nobody has looked yet

    # A new worker, at its start, finds the dead worker's run and fails it.
    worker = _start_worker(home, "worker-2")
    try:
        status, _, error = _wait(home, run_id, lambda row: row[0] != "running", timeout=60)
        assert status == "failed"
        assert "Фоновый обработчик остановился" in error
        assert "запустите построение заново" in error
        assert not heartbeat.exists()

        # The run page and the API say so, in Russian.
        seen = _django(home, LOOK.replace("RUN", str(run_id)))
        assert seen["page"] == 200
        assert "Фоновый обработчик остановился" in seen["html"]
        assert seen["api"] == 200
        assert seen["body"]["status"] == "failed"
        assert "Фоновый обработчик остановился" in seen["body"]["error"]

        # Nothing stored changed.
        assert _stored_state(home, study_id) == before

        # Built again, by the new worker, to the end.
        again = _django(home, RERUN.replace("STUDY", str(study_id)))
        status, progress, error = _wait(
            home, again, lambda row: row[0] in ("done", "failed"), timeout=400
        )
        assert (status, error) == ("done", "")
        assert progress == 1.0
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=30)
    assert _stored_state(home, study_id) == before
    assert _run_row(home, run_id)[0] == "failed"
