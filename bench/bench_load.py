"""Web load: 20 concurrent users browsing a study whose profile was built from 1,000,000 rows,
without and then with a hostile upload every few seconds.

    .venv/bin/python bench/bench_load.py            # 1,000,000 rows, 20 users, 2 × 60 s
    BENCH_LOAD_ROWS=100000 BENCH_LOAD_SECONDS=20 .venv/bin/python bench/bench_load.py

Set-up, on a temporary SEGPROFILE_HOME: migrate, ``setup_demo --rows N`` (the child-benefit
example), one profile run built by the real background worker (``db_worker --batch``), then
the app served by gunicorn (the production WSGI server) on 127.0.0.1. Locust (as a library, in
a child process: it monkey-patches with gevent) signs 20 users in and has them browse the
study's pages: the list, the study, the profile, the priorities, segments, clusters,
hypotheses, research plan, journeys. Nothing is opened before the figures start (every user
signs in, then all browse): each page's first visit, on a server just started, is counted. The
same browsing is measured twice: alone, then with
one more user who uploads a file of the hostile corpus (``tests/hostile.py``: far-cell and
zip-bomb workbooks, a CSV of 100,000 columns or with a 10 MB cell, binaries named .csv…)
through the data page every ``BENCH_LOAD_HOSTILE_SECONDS`` (3) seconds; each is parsed in a
child process with limits and refused (issue 16), and the pages must not stall meanwhile.
Printed: requests, failures, p50/p95/p99 per page in both runs and the hostile uploads' own
timings, against the goal (p95 under 300 ms for every page, no errors); ``--write-docs`` also
records the figures in docs/benchmarks.md. A benchmark, not a test: the machine is shared and
timings are noisy (the load average is printed with them).
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
from typing import Any

from _docs import write_section

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_LOAD_ROWS", "1000000"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "3"))
HOSTILE_SECONDS = float(os.environ.get("BENCH_LOAD_HOSTILE_SECONDS", "3"))
HOSTILE = "враждебная загрузка"
GOAL_P95_MS = 300
PY = sys.executable

_LOCUST = r"""
import itertools, json, sys
from pathlib import Path
from gevent import monkey
monkey.patch_all()
import gevent
from locust import HttpUser, between, constant_pacing, task
from locust.env import Environment

host, pk, run_pk, users, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
hostile_dir, hostile_every = sys.argv[6], float(sys.argv[7])
HOSTILE = "враждебная загрузка"
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


signed_in = [0]


def sign_in(user):
    user.client.get("/accounts/login/", name="вход (форма)")
    token = user.client.cookies.get("csrftoken", "")
    with user.client.post(
        "/accounts/login/",
        {"username": "demo", "password": "demo", "csrfmiddlewaretoken": token},
        headers={"Referer": host + "/accounts/login/"},
        name="вход",
        catch_response=True,
    ) as response:
        if "sessionid" not in user.client.cookies:
            response.failure(f"вход не удался (HTTP {response.status_code})")
    signed_in[0] += 1


class Browser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        sign_in(self)

    def _page(self, name):
        with self.client.get(PAGES[name], name=name, catch_response=True) as response:
            if response.status_code != 200:
                why = f" ({str(response.error)[:120]})" if response.error else ""
                response.failure(f"HTTP {response.status_code}{why}")
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


FILES = sorted(Path(hostile_dir).iterdir()) if hostile_dir else []
ACCEPTED = {"headerless.csv"}  # read without a header row (generated names): staged, not refused


class HostileUploader(HttpUser):
    # One user who uploads a hostile file through the data page every few seconds.

    fixed_count = 1
    wait_time = constant_pacing(hostile_every)

    def on_start(self):
        sign_in(self)
        self.files = itertools.cycle(FILES)

    @task
    def upload(self):
        path = next(self.files)
        url = f"/studies/{pk}/data/sources/upload/"
        with self.client.post(
            url,
            data={"source": "records", "csrfmiddlewaretoken": self.client.cookies["csrftoken"]},
            files={"file": (path.name, path.read_bytes())},
            headers={"Referer": host + f"/studies/{pk}/data/sources/"},
            name=HOSTILE,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            expected = 302 if path.name in ACCEPTED else 400
            if response.status_code == expected:
                response.success()
            else:
                response.failure(f"{path.name}: HTTP {response.status_code}, ожидался {expected}")


classes = [Browser, HostileUploader] if FILES else [Browser]
env = Environment(user_classes=classes, host=host)
runner = env.create_local_runner()
# Users arrive over a few seconds (4 a second, each signing in: Argon2 is slow on purpose) and
# browse at once: every request counts, the first visit of each page included (nothing is
# warmed up or reset before the figures); the run lasts `seconds` after the last one is in.
everyone = users + (1 if FILES else 0)
runner.start(everyone, spawn_rate=4)
for _ in range(600):
    if signed_in[0] >= everyone:
        break
    gevent.sleep(0.5)
gevent.sleep(3)
gevent.sleep(seconds)
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


def _table(calm: dict[str, Any], hostile: dict[str, Any]) -> list[str]:
    """Every page's requests and timings in both runs, side by side; then the hostile uploads."""
    lines = [
        "| страница | запросов | ошибок | p50, мс | p95, мс | p99, мс "
        "| запросов | ошибок | p50, мс | p95, мс | p99, мс |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    empty = {"requests": 0, "failures": 0, "p50": 0, "p95": 0, "p99": 0}

    def cells(r: dict[str, Any]) -> str:
        if not r["requests"]:
            return "— | — | — | — | —"
        return (
            f"{r['requests']} | {r['failures']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f}"
        )

    for name in sorted(set(calm["rows"]) | set(hostile["rows"])):
        a, b = calm["rows"].get(name, empty), hostile["rows"].get(name, empty)
        if not a["requests"] and not b["requests"]:
            continue
        lines.append(f"| {name} | {cells(a)} | {cells(b)} |")
    return lines


def _pages(result: dict[str, Any]) -> dict[str, Any]:
    return {
        n: r
        for n, r in result["rows"].items()
        if not n.startswith("вход") and n != HOSTILE and r["requests"]
    }


def _hostile_files(folder: Path) -> Path:
    """The hostile corpus's data files (CSV, XLSX), written into ``folder``."""
    sys.path.insert(0, str(ROOT / "tests"))
    import hostile

    folder.mkdir(parents=True, exist_ok=True)
    for name, item in hostile.corpus().items():
        if name.endswith((".csv", ".xlsx")):
            (folder / name).write_bytes(item.data)
    return folder


def _parse_servers_ready(master: int, timeout: float = 300) -> float:
    """Wait until every gunicorn worker's parse fork server has loaded the package (seconds of
    processor time at start: its time stops growing); returns how long that took from now."""
    t0 = time.monotonic()
    before: dict[int, int] = {}
    while time.monotonic() - t0 < timeout:
        parents: dict[int, int] = {}
        cpu: dict[int, int] = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            parents[int(proc.name)] = int(fields[1])
            if b"multiprocessing.forkserver" in cmdline:
                cpu[int(proc.name)] = int(fields[11]) + int(fields[12])  # utime + stime
        workers = {pid for pid, parent in parents.items() if parent == master}
        servers = {pid: t for pid, t in cpu.items() if parents.get(pid) in workers}
        if len(servers) >= WORKERS and all(before.get(p) == t for p, t in servers.items()):
            return time.monotonic() - t0
        before = servers
        time.sleep(2)
    raise SystemExit("the gunicorn workers did not start their parse fork servers")


def _locust(port: int, pk: str, run_pk: str, hostile: Path | None) -> dict[str, Any]:
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
            str(hostile or ""),
            str(HOSTILE_SECONDS),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"locust failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not _pages(result):
        raise SystemExit(
            f"no page was requested: {json.dumps(result, ensure_ascii=False)}\n"
            f"{done.stderr[-3000:]}"
        )
    return result


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}".replace(".", ",")


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
    keep = os.environ.get("BENCH_LOAD_HOME")
    with tempfile.TemporaryDirectory(prefix="segprofile-load-") as tmp:
        home = keep or tmp
        Path(home).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SEGPROFILE_HOME": home, "SEGPROFILE_DEBUG": ""}
        pk, run_pk = _prepare(home, env)
        files = _hostile_files(Path(tmp) / "hostile")
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
                # Longer than a user's pause between pages (up to 2 s): otherwise the server
                # closes an idle connection just as the next request is sent on it.
                "--keep-alive",
                "5",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait(port, server)
            ready = _parse_servers_ready(server.pid)
            print(f"parse fork servers of {WORKERS} workers up ({ready:.1f} s after the start)")
            loads = [_load()]
            calm = _locust(port, pk, run_pk, None)
            loads.append(_load())
            hostile = _locust(port, pk, run_pk, files)
            loads.append(_load())
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    summaries = []
    verdicts = []
    for title, result in (("без враждебных загрузок", calm), ("с ними", hostile)):
        pages = _pages(result)
        worst = max(r["p95"] for r in pages.values())
        failures = result["failures"]
        slowest = max(pages, key=lambda n: pages[n]["max"])
        met = worst < GOAL_P95_MS and failures == 0
        verdicts.append(met)
        rps_ru = f"{result['rps']:.1f}".replace(".", ",")
        summaries.append(
            f"{title}: {result['requests']} запросов ({rps_ru} в с), ошибок {failures}, "
            f"худший p95 страницы {worst:.0f} мс, самый долгий запрос {pages[slowest]['max']:.0f} "
            f"мс («{slowest}»)"
        )
    uploads = hostile["rows"].get(HOSTILE, {"requests": 0, "failures": 0, "p50": 0, "p95": 0})
    rows_ru = f"{ROWS:,}".replace(",", "\u00a0")
    every = f"{HOSTILE_SECONDS:g}".replace(".", ",")
    verdict = "цель достигнута" if all(verdicts) else "ЦЕЛЬ НЕ ДОСТИГНУТА"
    summary = (
        f"{USERS} пользователей, по {SECONDS} с, профиль из {rows_ru} строк, gunicorn "
        f"{WORKERS}×4 потока, 2 ядра; средняя загрузка машины {' → '.join(loads)}. "
        + "; ".join(summaries)
        + f" (цель < {GOAL_P95_MS} мс) — {verdict}. Враждебная загрузка — файл из набора "
        f"`tests/hostile.py` через страницу данных каждые {every} с, разбор в дочернем процессе "
        f"с пределами: {uploads['requests']} загрузок, неожиданных ответов {uploads['failures']} "
        f"(ожидается отказ 400 с сообщением, для CSV без заголовка — проверка файла); p50 "
        f"{uploads['p50']:.0f} мс, p95 {uploads['p95']:.0f} мс."
    )
    lines = [
        summary,
        "",
        "Слева — без враждебных загрузок, справа — с ними.",
        "",
        *_table(calm, hostile),
    ]
    errors = calm["errors"] + hostile["errors"]
    if errors:
        lines += ["", "Ошибки:", *[f"- {e}" for e in errors]]
    text = "\n".join(lines)
    print(text)
    if "--write-docs" in sys.argv:
        _write_docs(
            "## Нагрузка на веб-приложение (`bench/bench_load.py`)\n\n"
            f"Замер {time.strftime('%d.%m.%Y')}. Команда: "
            "`.venv/bin/python bench/bench_load.py --write-docs`.\n\n" + text
        )


if __name__ == "__main__":
    main()
