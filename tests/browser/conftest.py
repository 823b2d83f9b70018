"""A real server and a real background worker on a temporary SEGPROFILE_HOME, and Chromium.

The server and the worker are the same commands ``make run`` starts. They are always stopped
when the tests end, whatever happened.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
#: Rows of the demo data of a study created from the example on the live server (the site's
#: default is 20,000): its settings module is ``live_settings.py`` beside this file.
DEMO_ROWS = 2_000
USERNAME = "tester"
PASSWORD = "browser-test-pass-42"


@dataclass(frozen=True)
class LiveApp:
    url: str
    home: Path
    username: str
    password: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "segprofile.web", *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once the server accepts connections; fail if it exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not listen on port {port} within {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    home = tmp_path_factory.mktemp("segprofile-home")
    env = {
        **os.environ,
        "SEGPROFILE_HOME": str(home),
        "SEGPROFILE_KEYS": str(tmp_path_factory.mktemp("segprofile-keys")),
        "DJANGO_SETTINGS_MODULE": "live_settings",
        "SEGPROFILE_TEST_DEMO_ROWS": str(DEMO_ROWS),
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SEGPROFILE_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the live server keeps Django's check
    env.pop("DATABASE_URL", None)
    _manage(["migrate", "--noinput"], env)
    _manage(
        ["createsuperuser", "--noinput", "--username", USERNAME, "--email", "t@example.org"], env
    )
    port = _free_port()
    logs: list[IO[Any]] = []
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, args in (
            ("server", ["runserver", f"127.0.0.1:{port}", "--noreload"]),
            ("worker", ["db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"]),
        ):
            log = (home / f"{name}.log").open("wb")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "segprofile.web", *args],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_for_port(port, processes[0], timeout=60)
        yield LiveApp(f"http://127.0.0.1:{port}", home, USERNAME, PASSWORD)
    finally:
        for process in processes:
            _stop(process)
        for log in logs:
            log.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # The sync API keeps an event loop in this process for the rest of the session; Django's
    # database tests that run later in the same test process would take it for async code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any, live_app: LiveApp) -> Iterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(
        viewport={"width": 1360, "height": 900}, locale="en-US", base_url=live_app.url
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()
