"""Benchmarks of the command line, printed against their goals (never asserted).

    make bench                 # 1,000,000 rows
    BENCH_ROWS=200000 make bench
    .venv/bin/python bench/run.py --write-docs      # also record in docs/benchmarks.md

Every figure is a whole ``segprofile`` process, as a user runs it, measured from outside: wall
time, processor time (user + system) and peak memory (wait4).

1. Demo data: ``segprofile demo-data`` of the child-benefit example (goal: 1,000,000 rows in
   < 60 s).
2. Start-up: ``segprofile --help`` (goal < 1 s) and ``segprofile import --help`` /
   ``segprofile profile --help`` — what a command costs before it touches data (goal < 1 s and
   < 150 MB each). Medians of BENCH_STARTUP_REPEAT runs (default 3).
3. ``segprofile profile`` of the example on the data of step 1 (segments, clusters, blind
   zones, survey baseline, priorities, HTML and JSON): at first use — an empty
   ``NUMBA_CACHE_DIR``, as on a machine where nothing has been compiled — and then twice with
   numba's cache as the installation left it (goal: the first of these as fast as the second).
4. Report end to end: ``segprofile report`` once per format (docx, xlsx, html, pdf), each run
   including reading the study, the whole profile and writing the document. Goal: < 60 s each at
   1,000,000 rows. BENCH_REPORT_REPEAT runs per format (default 1), medians.

The per-feature profile against DuckDB, pandas and polars is bench_profile.py; the import
against DuckDB's ``read_csv`` is bench_data.py.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _docs import stamp, write_section

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
REPORT_REPEAT = int(os.environ.get("BENCH_REPORT_REPEAT", "1"))
STARTUP_REPEAT = int(os.environ.get("BENCH_STARTUP_REPEAT", "3"))
REPORT_FORMATS = ("docx", "xlsx", "html", "pdf")
REPORT_GOAL_S = 60.0
STARTUP_GOAL_S = 1.0
STARTUP_GOAL_MB = 150.0
FIRST_USE_GOAL = 1.1  # the first profile ÷ the second, at most (noise on a shared machine)
EXAMPLE = "child-benefit"


def _cli(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``segprofile ARGS`` as a child process: wall, processor time and peak memory."""
    script = Path(sys.executable).with_name("segprofile")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "segprofile.cli"]
    with tempfile.TemporaryFile("w+") as out:  # files, not pipes: wait4 reads nothing
        t0 = time.perf_counter()
        proc = subprocess.Popen([*command, *args], stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            raise SystemExit(f"segprofile {' '.join(args)} failed:\n{out.read()[-3000:]}")
    return {
        "seconds": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def _ru(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _verdict(ok: bool) -> str:
    return "достигнута" if ok else "НЕ ДОСТИГНУТА"


def startup(lines: list[str]) -> None:
    """What a command costs before it touches data."""
    print(f"start-up, {STARTUP_REPEAT} run(s) each, medians:")
    lines += [
        "Запуск команды до работы с данными (медианы из "
        f"{STARTUP_REPEAT}; цель — менее 1 с, для `import` и `profile` ещё менее 150 МБ):",
        "",
        "| команда | время, с | процессор, с | пик памяти, МБ | цель |",
        "|---|---:|---:|---:|---|",
    ]
    for args in (["--help"], ["import", "--help"], ["profile", "--help"]):
        runs = [_cli(args) for _ in range(STARTUP_REPEAT)]
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        ok = wall < STARTUP_GOAL_S and (args == ["--help"] or peak < STARTUP_GOAL_MB)
        print(
            f"  segprofile {' '.join(args):<16} {wall:5.2f} s (cpu {cpu:5.2f} s), peak "
            f"{peak:4.0f} MB — goal {'met' if ok else 'NOT MET'}"
        )
        lines.append(
            f"| `segprofile {' '.join(args)}` | {_ru(wall, 2)} | {_ru(cpu, 2)} | {peak:.0f} "
            f"| {_verdict(ok)} |"
        )
    lines.append("")


def profile_first_use(data: Path, out_dir: Path, lines: list[str]) -> None:
    """``segprofile profile`` at first use (empty numba cache) and twice as installed."""
    from segprofile import examples

    study = examples.EXAMPLES[EXAMPLE].study_path
    args = ["profile", str(study), "--data", str(data), "--out", str(out_dir)]
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
        first_use = _cli(args, {**os.environ, "NUMBA_CACHE_DIR": empty})
    first, second = _cli(args), _cli(args)
    ratio = first["seconds"] / second["seconds"]
    ok = ratio <= FIRST_USE_GOAL
    print(f"segprofile profile {EXAMPLE}, {ROWS:,} rows (whole process):")
    for name, r in (
        ("empty numba cache", first_use),
        ("first, as installed", first),
        ("second", second),
    ):
        print(
            f"  {name:<20} {r['seconds']:6.1f} s (cpu {r['cpu']:6.1f} s), "
            f"peak {r['peak_mb']:5.0f} MB"
        )
    print(
        f"  first / second = {ratio:.2f}× (goal ≤ {FIRST_USE_GOAL:g}× — "
        f"{'met' if ok else 'NOT MET'}); empty cache / second = "
        f"{first_use['seconds'] / second['seconds']:.2f}×"
    )
    lines += [
        f"`segprofile profile` примера «{EXAMPLE}» (весь процесс: сегменты, кластеры, слепые "
        "зоны, нулевой замер, приоритеты, HTML и JSON):",
        "",
        "| запуск | время, с | процессор, с | пик памяти, МБ |",
        "|---|---:|---:|---:|",
    ]
    for name, r in (
        ("с пустым кэшем numba (ничего не скомпилировано)", first_use),
        ("первый с кэшем numba, как его оставила установка", first),
        ("второй", second),
    ):
        lines.append(f"| {name} | {_ru(r['seconds'])} | {_ru(r['cpu'])} | {r['peak_mb']:.0f} |")
    lines += [
        "",
        f"Первый ÷ второй: {_ru(ratio, 2)}× (цель ≤ {_ru(FIRST_USE_GOAL)}× — {_verdict(ok)}); "
        f"с пустым кэшем ÷ второй: {_ru(first_use['seconds'] / second['seconds'], 2)}×.",
        "",
    ]


def report_end_to_end(data: Path, out_dir: Path, lines: list[str]) -> None:
    """``segprofile report`` in every format, timed from the command line."""
    from segprofile import examples

    study = examples.EXAMPLES[EXAMPLE].study_path
    print(
        f"report end to end from the CLI, {EXAMPLE}, {ROWS:,} rows "
        f"(segprofile report: study, profile, document; {REPORT_REPEAT} run(s) per format):"
    )
    lines += [
        f"`segprofile report` в каждом формате (весь процесс: документ, профиль, отчёт; "
        f"запусков на формат: {REPORT_REPEAT}, медианы):",
        "",
        "| формат | время, с | процессор, с | пик памяти, МБ | цель < 60 с |",
        "|---|---:|---:|---:|---|",
    ]
    total = 0.0
    for fmt in REPORT_FORMATS:
        target = out_dir / f"report.{fmt}"
        args = ["report", str(study), "--data", str(data), "--format", fmt, "--out", str(target)]
        runs = [_cli(args) for _ in range(REPORT_REPEAT)]
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        total += wall
        ok = wall < REPORT_GOAL_S
        # --out is the document today; a folder of documents named by the study works too.
        files = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files) // 1024
        print(
            f"  {fmt:<5} {wall:6.1f} s wall (cpu {cpu:6.1f} s), peak memory {peak:5.0f} MB, "
            f"{size:,} KB — {'meets' if ok else 'MISSES'} the goal "
            f"< {REPORT_GOAL_S:.0f} s"
        )
        lines.append(f"| {fmt.upper()} | {_ru(wall)} | {_ru(cpu)} | {peak:.0f} | {_verdict(ok)} |")
    print(f"  all four formats: {total:.1f} s wall in total")


def main() -> None:
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} ({os.cpu_count()} cores)")
    rows_ru = f"{ROWS:,}".replace(",", "\u00a0")
    lines = [
        "## Командная строка (`bench/run.py`)",
        "",
        f"{stamp()} (в начале {_ru(load)}). Команда: `BENCH_ROWS={ROWS} "
        ".venv/bin/python bench/run.py --write-docs`. Каждая строка — весь процесс "
        "`segprofile`, как его запускает пользователь.",
        "",
    ]
    startup(lines)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        gen = _cli(["demo-data", EXAMPLE, "--rows", str(ROWS), "--seed", "42", "--out", tmp])
        print(
            f"segprofile demo-data {EXAMPLE}: {ROWS:,} rows in {gen['seconds']:.1f} s wall "
            f"(cpu {gen['cpu']:.1f} s), peak memory {gen['peak_mb']:.0f} MB "
            "(goal < 60 s for 1,000,000)"
        )
        lines += [
            f"Демо-данные: `segprofile demo-data {EXAMPLE} --rows {ROWS}` — {_ru(gen['seconds'])} с "
            f"(цель для 1\u00a0000\u00a0000 строк — менее 60 с), данные ниже — эти {rows_ru} строк.",
            "",
        ]
        profile_first_use(data, data / "profile", lines)
        report_end_to_end(data, data / "reports", lines)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench process peak memory: {own:.0f} MB; load average after {os.getloadavg()[0]:.1f}")
    if "--write-docs" in sys.argv:
        write_section("bench_run", "\n".join(lines))


if __name__ == "__main__":
    main()
