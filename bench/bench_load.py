"""Web load: 20 concurrent users browsing a study whose profile was built from 1,000,000 rows.

    .venv/bin/python bench/bench_load.py            # 1,000,000 rows, 20 users, 60 s
    BENCH_LOAD_ROWS=100000 BENCH_LOAD_SECONDS=20 .venv/bin/python bench/bench_load.py

Set-up, on a temporary SEGPROFILE_HOME: migrate, ``setup_demo --rows N`` (the child-benefit
example), one profile run built by the real background worker (``db_worker --batch``), then
the app served by gunicorn (the production WSGI server) on 127.0.0.1. Locust (as a library, in
a child process: it monkey-patches with gevent) signs 20 users in and has them browse the
study's pages: the list, the study, the profile, the priorities, segments, clusters,
hypotheses, research plan, journeys. Nothing is warmed up and no figure is reset: the first
visit of every page (charts drawn, the research plan read) counts like any other. Printed:
requests, failures, p50/p95/p99 and the worst time per page, against the goal (p95 under
300 ms for every page, no errors); ``--write-docs`` also records the figures in
docs/benchmarks.md. A benchmark, not a test: the machine is shared and timings are noisy.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _docs import stamp, write_section

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_LOAD_ROWS", "1000000"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "3"))
GOAL_P95_MS = 300
PY = sys.executable

_LOCUST = r"""
import json, sys
from gevent import monkey
monkey.patch_all()
import gevent
from locust import HttpUser, between, task
from locust.env import Environment

host, pk, run_pk, users, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
PAGES = {
    "список исследований": "/",
    "исследование": f"/studies/{pk}/",
    "профиль": f"/studies/{pk}/runs/{run_pk}/",
    "приоритеты": f"/studies/{pk}/runs/{run_pk}/priorities/",
    "гипотезы": f"/studies/{pk}/hypotheses/",
    "план исследования": f"/studies/{pk}/research/",
    "пути клиента": f"/studies/{pk}/journeys/",
    "сегменты": f"/studies/{pk}/runs/{run_pk}/segments/",
    "кластеры": f"/studies/{pk}/runs/{run_pk}/clusters/",
}


class Browser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.client.get("/accounts/login/", name="вход (форма)")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            {"username": "demo", "password": "demo", "csrfmiddlewaretoken": token},
            headers={"Referer": host + "/accounts/login/"},
            name="вход",
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure(f"вход не удался (HTTP {response.status_code})")

    def _page(self, name):
        with self.client.get(PAGES[name], name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "login" in response.url:
                response.failure("перенаправление на вход")

    @task(3)
    def study_list(self): self._page("список исследований")
    @task(3)
    def study(self): self._page("исследование")
    @task(4)
    def profile(self): self._page("профиль")
    @task(3)
    def priorities(self): self._page("приоритеты")
    @task(2)
    def hypotheses(self): self._page("гипотезы")
    @task(1)
    def research(self): self._page("план исследования")
    @task(2)
    def journeys(self): self._page("пути клиента")
    @task(2)
    def segments(self): self._page("сегменты")
    @task(2)
    def clusters(self): self._page("кластеры")


env = Environment(user_classes=[Browser], host=host)
runner = env.create_local_runner()
# Users arrive over a few seconds (4 a second, each signing in: Argon2 is slow on purpose) and
# browse at once: every request counts, the first visit of each page included (nothing is
# warmed up or reset before the figures).
runner.start(users, spawn_rate=4)
gevent.sleep(users / 4 + 3 + seconds)
runner.stop()
rows = {}
for (name, method), entry in sorted(env.stats.entries.items()):
    rows[name] = {
        "method": method,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "p50": entry.get_response_time_percentile(0.5),
        "p95": entry.get_response_time_percentile(0.95),
        "p99": entry.get_response_time_percentile(0.99),
        "max": entry.max_response_time,
    }
pages = [r for n, r in rows.items() if not n.startswith("вход")]
total = env.stats.total
errors = [f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in env.stats.errors.values()]
print(json.dumps({"rows": rows, "errors": errors, "rps": total.total_rps,
                  "requests": total.num_requests, "failures": total.num_failures}))
"""

_BUILD = r"""
from segprofile.web.studies.models import ProfileRun, Study
from segprofile.web.studies import services
study = Study.objects.get(owner__username="demo")
run = services.start_profile_run(study, study.owner)
print("IDS", study.pk, run.pk)
"""


def _manage(args: list[str], env: dict[str, str], **kw: object) -> str:
    done = subprocess.run(
        [PY, "-m", "segprofile.web", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        **kw,  # type: ignore[arg-type]
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Return once every worker has answered (the login page is warm), or fail."""
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline and answered < 2 * WORKERS:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10):
                answered += 1
        except OSError:
            time.sleep(0.5)
    if answered < 2 * WORKERS:
        raise SystemExit("gunicorn did not start")


def _table(result: dict[str, object]) -> list[str]:
    rows = result["rows"]
    assert isinstance(rows, dict)
    lines = [
        "| страница | запросов | ошибок | p50, мс | p95, мс | p99, мс | худший, мс |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        if not r["requests"]:
            continue
        lines.append(
            f"| {name} | {r['requests']} | {r['failures']} | {r['p50']:.0f} | {r['p95']:.0f} "
            f"| {r['p99']:.0f} | {r['max']:.0f} |"
        )
    return lines


def _write_docs(text: str) -> None:
    write_section("bench_load", text)


def _prepare(home: str, env: dict[str, str]) -> tuple[str, str]:
    """Migrate, create the demo study with ROWS rows and build its profile in the worker."""
    marker = Path(home) / "bench-load-ids.json"
    if marker.exists():  # BENCH_LOAD_HOME: reuse a prepared home
        ids = json.loads(marker.read_text())
        print(f"set-up reused from {home}")
        return str(ids["pk"]), str(ids["run_pk"])
    t0 = time.perf_counter()
    _manage(["migrate", "--noinput"], env)
    _manage(["collectstatic", "--noinput"], env)
    _manage(["setup_demo", "--rows", str(ROWS)], env)
    out = _manage(["shell", "-c", _BUILD], env)
    pk, run_pk = re.search(r"IDS (\d+) (\d+)", out).groups()  # type: ignore[union-attr]
    t1 = time.perf_counter()
    _manage(["db_worker", "--batch", "--no-startup-delay"], env, timeout=1800)
    build = time.perf_counter() - t1
    check = (
        "from segprofile.web.studies.models import ProfileRun as R; "
        f"print('STATUS', R.objects.get(pk={run_pk}).status)"
    )
    status = _manage(["shell", "-c", check], env)
    if "STATUS done" not in status:
        raise SystemExit(f"the profile run did not finish: {status}")
    print(
        f"set-up: {ROWS:,} rows, profile built by the worker in {build:.1f} s "
        f"(set-up total {time.perf_counter() - t0:.1f} s)"
    )
    marker.write_text(json.dumps({"pk": pk, "run_pk": run_pk}))
    return pk, run_pk


def main() -> None:
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} ({os.cpu_count()} cores)")
    keep = os.environ.get("BENCH_LOAD_HOME")
    with tempfile.TemporaryDirectory(prefix="segprofile-load-") as tmp:
        home = keep or tmp
        Path(home).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SEGPROFILE_HOME": home, "SEGPROFILE_DEBUG": ""}
        pk, run_pk = _prepare(home, env)
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "segprofile.web.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--threads",
                "4",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait(port, server)
            done = subprocess.run(
                [
                    PY,
                    "-c",
                    _LOCUST,
                    f"http://127.0.0.1:{port}",
                    pk,
                    run_pk,
                    str(USERS),
                    str(SECONDS),
                ],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if done.returncode != 0:
            raise SystemExit(f"locust failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
    rows = result["rows"]
    pages = {n: r for n, r in rows.items() if not n.startswith("вход")}
    if not pages:
        raise SystemExit(
            f"no page was requested: {json.dumps(result, ensure_ascii=False)}\n{done.stderr[-3000:]}"
        )
    worst = max(r["p95"] for r in pages.values())
    slowest = max(pages, key=lambda n: pages[n]["max"])
    failures = result["failures"]
    verdict = "цель достигнута" if worst < GOAL_P95_MS and failures == 0 else "ЦЕЛЬ НЕ ДОСТИГНУТА"
    rows_ru = f"{ROWS:,}".replace(",", "\u00a0")
    rps_ru = f"{result['rps']:.1f}".replace(".", ",")
    summary = (
        f"{USERS} пользователей, {SECONDS} с, профиль из {rows_ru} строк, gunicorn "
        f"{WORKERS}×4 потока, 2 ядра: {result['requests']} запросов ({rps_ru} в с), "
        f"ошибок {failures}; худший p95 страницы {worst:.0f} мс (цель < {GOAL_P95_MS} мс) — "
        f"{verdict}. Самый долгий запрос — {pages[slowest]['max']:.0f} мс (страница "
        f"«{slowest}»)."
    )
    lines = [summary, "", *_table(result)]
    if result["errors"]:
        lines += ["", "Ошибки:", *[f"- {e}" for e in result["errors"]]]
    text = "\n".join(lines)
    print(text)
    if "--write-docs" in sys.argv:
        load_ru = f"{load:.1f}".replace(".", ",")
        _write_docs(
            "## Нагрузка на веб-приложение (`bench/bench_load.py`)\n\n"
            f"{stamp()} (в начале {load_ru}). Команда: "
            "`.venv/bin/python bench/bench_load.py --write-docs`.\n\n" + text
        )


if __name__ == "__main__":
    main()
