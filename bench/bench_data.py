"""Benchmark of the data door, printed as ratios measured in the same run (never asserted).

    .venv/bin/python bench/bench_data.py                   # 10,000,000 rows, 3 rounds
    BENCH_DATA_ROWS=2000000 BENCH_DATA_REPEAT=1 .venv/bin/python bench/bench_data.py
    BENCH_DATA_BIG_GB=2 .venv/bin/python bench/bench_data.py   # also: peak memory on a 2 GB CSV
    BENCH_DATA_CSV=/tmp/clients.csv …                      # reuse a generated file (kept)
    BENCH_DATA_KINDS=duckdb_cmd,cli …                      # only these kinds (a quick check)
    … bench/bench_data.py --write-docs                     # also record in docs/benchmarks.md

Every measurement is a child process, measured from outside (wall time, processor time of user
+ system, peak memory: wait4). The kinds run in turn, round after round, so that load from other
work on the machine falls on all of them alike; medians are printed with their spread.

Commands, as a user runs them (the goals):

1. DuckDB's ``read_csv`` of the file into Parquet as one command — the ``duckdb`` command-line
   program when it is installed, else ``python -c`` with the duckdb package (the same engine;
   the interpreter's start-up, about 0.2 s, is counted against the reference).
2. ``segprofile import`` of the file into a study's data source, the two identifier columns
   kept (``--keep`` with a reason): start-up, sniffing, typing, the PII scan, the Parquet
   version, its quality report, the SHA-256 of the file and of the version, the manifest, the
   audit record. Goal ≤ 1.3× the reference (1.), by wall time. Measured warm (numba's cache as
   the installation left it) every round, and at first use once: an empty ``NUMBA_CACHE_DIR``,
   as on a machine where nothing has run yet.
3. ``segprofile import`` with both identifiers pseudonymised (HMAC-SHA256 by the engine's own
   SHA-256, under the study's key, before anything is written). Goal ≤ 4× the plain import (2.).

Inside Python, for information (what the web's worker does, a process already started): DuckDB's
``read_csv`` → Parquet and ``segprofile.data.datasets.import_data``, each timed around the call;
pandas ``read_csv`` with the types our import finds and ``to_parquet`` (the same load with
pandas, without the quality report and the checksums), and ``read_csv`` alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _docs import stamp, write_section

ROWS = int(os.environ.get("BENCH_DATA_ROWS", "10000000"))
BIG_GB = float(os.environ.get("BENCH_DATA_BIG_GB", "0"))
REPEAT = max(1, int(os.environ.get("BENCH_DATA_REPEAT", "3")))
CSV = os.environ.get("BENCH_DATA_CSV")
KEEP = ("СНИЛС", "Телефон")  # the identifier columns of the generated file
# The client id is pseudonymised by default since it is personal data; the plain import keeps it
# as well (with a reason), so that it does the same work as ever and the pseudonymised one
# differs from it by the two identifiers alone.
CLIENT_ID = "Номер заявления"

# In-Python kinds: the child imports what it needs, then times the call itself.
_CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
kind, path, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if kind == "ours":
    from segprofile.data.datasets import adhoc_source, import_data
    from segprofile.model.study import ColumnOverride
elif kind.startswith("duckdb"):
    import duckdb
else:
    import pandas as pd
t0 = time.perf_counter()
_u = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = _u.ru_utime + _u.ru_stime
rows = None
if kind == "duckdb":
    con = duckdb.connect()
    out = work / "duckdb.parquet"
    con.execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{out}' (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
elif kind == "duckdb_table":
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
elif kind == "ours":
    kept = ("Номер заявления", "СНИЛС", "Телефон")
    keep = {c: ColumnOverride(pii="keep") for c in kept}
    reasons = {c: "бенчмарк" for c in kept}
    result = import_data(path, study_id="bench", source=adhoc_source(kind), author="bench",
                         home=work / "home", overrides=keep, keep_reasons=reasons)
    rows = result.manifest.rows
elif kind == "pandas":
    frame = pd.read_csv(path, sep=";")
    rows = len(frame)
elif kind == "pandas_parquet":
    types = {"Номер заявления": "int64", "СНИЛС": "str", "Телефон": "str", "Возраст": "int64",
             "Доход": "float64", "Канал": "str", "Тип поселения": "str", "Оценка": "Int64",
             "Многодетная семья": "boolean"}
    frame = pd.read_csv(path, sep=";", dtype=types)
    frame.to_parquet(work / "pandas.parquet", index=False)
    rows = len(frame)
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu0
print(json.dumps({"call": elapsed, "call_cpu": cpu, "rows": rows}))
"""

# The reference as a command: DuckDB's own program if installed, else the same engine from
# a Python one-liner.
_DUCKDB_COMMAND = (
    "import duckdb, sys; "
    "duckdb.execute('SET enable_progress_bar = false'); "
    "duckdb.execute(f\"COPY (SELECT * FROM read_csv('{sys.argv[1]}')) TO '{sys.argv[2]}' "
    '(FORMAT parquet)"); '
    "print(duckdb.execute(f\"SELECT count(*) FROM read_parquet('{sys.argv[2]}')\").fetchone()[0])"
)


def generate(path: Path, rows: int) -> None:
    """A client-records CSV as a body exports it: ';', identifiers, numbers, categories."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"""
        COPY (
          SELECT
            i AS "Номер заявления",
            printf('%03d-%03d-%03d %02d', (hash(i) % 1000)::BIGINT, (hash(i + 1) % 1000)::BIGINT,
                   (hash(i + 2) % 1000)::BIGINT, (hash(i + 3) % 100)::BIGINT) AS "СНИЛС",
            printf('+7 (9%02d) %03d-%02d-%02d', (hash(i + 4) % 100)::BIGINT, (hash(i + 5) % 1000)::BIGINT,
                   (hash(i + 6) % 100)::BIGINT, (hash(i + 7) % 100)::BIGINT) AS "Телефон",
            18 + (hash(i + 8) % 70)::BIGINT AS "Возраст",
            round(((hash(i + 9) % 30000000)::BIGINT) / 100.0, 2) AS "Доход",
            ['ЕПГУ', 'МФЦ', 'Приёмная'][1 + (hash(i + 10) % 3)::BIGINT] AS "Канал",
            ['город', 'посёлок', 'село'][1 + (hash(i + 11) % 3)::BIGINT] AS "Тип поселения",
            CASE WHEN (hash(i + 12) % 10)::BIGINT < 3 THEN 1 + (hash(i + 13) % 5)::BIGINT END AS "Оценка",
            (hash(i + 14) % 2)::BIGINT = 0 AS "Многодетная семья"
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT csv, DELIMITER ';', HEADER true)
        """  # noqa: S608 — our own generated file
    )


def study_document(csv: Path) -> dict[str, object]:
    """The smallest study with the CSV as its client records (for ``segprofile import``)."""
    return {
        "id": "bench",
        "title": "Бенчмарк загрузки",
        "scope": {
            "kind": "service",
            "title": "Пособие",
            "body": "Ведомство",
            "client_types": ["citizen"],
            "legal_acts": [{"id": "law", "title": "Закон", "reference": "№ 1-ФЗ"}],
        },
        "roles": [
            {
                "id": "applicant",
                "kind": "applicant",
                "title": "Заявитель",
                "audience": {
                    "description": "Заявители",
                    "legal_basis": [{"act": "law", "article": "ст. 1"}],
                },
            }
        ],
        "data_sources": [
            {
                "id": "records",
                "kind": "client_records",
                "path": csv.name,
                "id_column": "Номер заявления",
            }
        ],
        "features": [],
    }


def _process(args: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, float], str]:
    """Run a command to its end: wall, processor time (user + system), peak memory; output."""
    with tempfile.TemporaryFile("w+") as out:  # a file, not a pipe: wait4 reads nothing
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:3])} … failed:\n{text[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": wall, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024}, text


def _in_child(path: Path, rows: int) -> None:
    """Make the CSV in a child process: Linux carries a process's peak memory over into the
    children it starts, so the parent stays small for the peaks measured."""
    code = "import sys; sys.path.insert(0, sys.argv[1]); from bench_data import generate; "
    code += "from pathlib import Path; generate(Path(sys.argv[2]), int(sys.argv[3]))"
    here = str(Path(__file__).parent)
    subprocess.run([sys.executable, "-c", code, here, str(path), str(rows)], check=True)


def _rows(text: str) -> int:
    """The last number a command printed (its count of rows; spaces group the digits)."""
    numbers = re.findall(r"\d[\d\u00a0 ]*\d|\d", text)
    return int(re.sub(r"\D", "", numbers[-1])) if numbers else -1


def measure(kind: str, path: Path, work: Path, study: Path) -> dict[str, float]:
    """One kind in a new process (see the module's docstring)."""
    work.mkdir(parents=True, exist_ok=True)
    if kind == "duckdb_cmd":
        out = work / "duckdb.parquet"
        program = shutil.which("duckdb")
        if program:
            sql = f"COPY (SELECT * FROM read_csv('{path}')) TO '{out}' (FORMAT parquet)"  # noqa: S608
            count = f"SELECT count(*) FROM read_parquet('{out}')"  # noqa: S608
            result, text = _process([program, "-csv", "-noheader", "-c", f"{sql}; {count}"])
        else:
            result, text = _process([sys.executable, "-c", _DUCKDB_COMMAND, str(path), str(out)])
        return result | {"rows": _rows(text)}
    if kind.startswith("cli"):
        env = {
            **os.environ,
            "SEGPROFILE_HOME": str(work / "home"),
            "SEGPROFILE_KEYS": str(work / "keys"),
            "SEGPROFILE_STAGING": str(work / "staging"),
        }
        # As installed: Python's bytecode cached (an installation compiles it), not compiled
        # anew at every start because the shell that runs the benchmark says so.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if kind == "cli_first":  # nothing compiled yet: numba's cache is empty
            env["NUMBA_CACHE_DIR"] = str(work / "numba-cache")
        if kind == "cli_pseudo":
            decisions = [a for col in KEEP for a in ("--pseudonymise", col)]
            decisions += ["--keep", CLIENT_ID]
        else:
            decisions = [a for col in (CLIENT_ID, *KEEP) for a in ("--keep", col)]
        decisions += ["--keep-reason", "бенчмарк"]
        script = Path(sys.executable).with_name("segprofile")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "segprofile.cli"]
        args = ["import", str(path), "--source", "records", "--study", str(study), *decisions]
        result, text = _process([*command, *args, "--author", "bench"], env)
        found = re.search(r"строк ([\d\u00a0 ]+)", text)
        return result | {"rows": int(re.sub(r"\D", "", found.group(1))) if found else -1}
    result, text = _process([sys.executable, "-c", _CHILD, kind, str(path), str(work)])
    line = [x for x in text.splitlines() if x.startswith("{")][-1]
    child: dict[str, float] = json.loads(line)
    return result | child


#: (kind, ratio to, goal): the commands first, then the same inside Python, then pandas.
KINDS = ("duckdb_cmd", "cli", "cli_pseudo", "duckdb", "ours", "pandas_parquet", "pandas")
ONCE = ("cli_first", "duckdb_table")  # first round only
_ONLY = {k.strip() for k in os.environ.get("BENCH_DATA_KINDS", "").split(",") if k.strip()}
if _ONLY:
    KINDS = tuple(k for k in KINDS if k in _ONLY)
    ONCE = tuple(k for k in ONCE if k in _ONLY)
LOAD_GOAL = 1.3  # segprofile import ÷ DuckDB read_csv → Parquet as commands, by wall time
PSEUDO_GOAL = 4.0  # the import with two identifiers pseudonymised ÷ the plain import
NAMES = {
    "duckdb_cmd": "DuckDB `read_csv` → Parquet, команда (эталон)",
    "cli": "`segprofile import` (повторный запуск)",
    "cli_first": "`segprofile import`, первый запуск (пустой кэш numba)",
    "cli_pseudo": "`segprofile import` с псевдонимами двух идентификаторов",
    "duckdb": "DuckDB `read_csv` → Parquet, вызов в Python",
    "ours": "наш импорт, вызов в Python (`import_data`)",
    "duckdb_table": "DuckDB `read_csv` → таблица в памяти, вызов в Python",
    "pandas_parquet": "pandas `read_csv` с типами + `to_parquet`, вызов в Python",
    "pandas": "pandas `read_csv` (только чтение), вызов в Python",
}


def _time(r: dict[str, float]) -> float:
    """The figure compared: a command's wall time, or the call's inside Python."""
    return r.get("call", r["seconds"])


def _cpu(r: dict[str, float]) -> float:
    return r.get("call_cpu", r["cpu"])


def _verdict(ok: bool) -> str:
    return "достигнута" if ok else "НЕ ДОСТИГНУТА"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}" if len(values) > 1 else "—"


def _ru(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        root = Path(tmp)
        if CSV and Path(CSV).is_file():
            path = Path(CSV)
            print(f"CSV: {path} (готовый файл)")
        else:
            path = Path(CSV) if CSV else root / "clients.csv"
            t0 = time.perf_counter()
            _in_child(path, ROWS)
            print(f"CSV: {ROWS:,} строк, создан за {time.perf_counter() - t0:.1f} с")
        study = root / "study.json"
        study.write_text(json.dumps(study_document(path), ensure_ascii=False), encoding="utf-8")
        load_before = os.getloadavg()[0]
        print(
            f"размер {path.stat().st_size / 2**20:,.0f} МБ; раундов: {REPEAT}; средняя загрузка "
            f"машины {load_before:.1f} (ядер {os.cpu_count()}); программа duckdb: "
            f"{shutil.which('duckdb') or 'нет, вместо неё python -c с пакетом duckdb'}"
        )
        results: dict[str, list[dict[str, float]]] = {k: [] for k in (*KINDS, *ONCE)}
        for round_no in range(REPEAT):
            kinds = (*KINDS, *ONCE) if round_no == 0 else KINDS
            for kind in kinds:
                r = measure(kind, path, root / f"{kind}-{round_no}", study)
                shutil.rmtree(root / f"{kind}-{round_no}", ignore_errors=True)
                results[kind].append(r)
                inner = f" (вызов {r['call']:6.2f} с)" if "call" in r else ""
                print(
                    f"  [{round_no + 1}] {kind:<14} {r['seconds']:7.2f} с{inner}, процессор "
                    f"{r['cpu']:7.2f} с, пик памяти {r['peak_mb']:6.0f} МБ, строк {int(r['rows']):,}",
                    flush=True,
                )
        t = {k: [_time(r) for r in v] for k, v in results.items()}
        c = {k: [_cpu(r) for r in v] for k, v in results.items()}
        print("Медианы (разброс min–max): команды — весь процесс, в Python — вызов")
        for kind in results:
            print(
                f"  {kind:<14} время {_median(t[kind]):7.2f} с ({_spread(t[kind])})   "
                f"процессор {_median(c[kind]):7.2f} с ({_spread(c[kind])})"
            )

        def ratio(a: str, b: str) -> tuple[float, float]:
            """a ÷ b by wall time and by processor time, medians of the rounds' ratios."""
            n = min(len(t[a]), len(t[b]))
            return (
                _median([x / y for x, y in zip(t[a][:n], t[b][:n], strict=True)]),
                _median([x / y for x, y in zip(c[a][:n], c[b][:n], strict=True)]),
            )

        rows = [
            ("cli", "duckdb_cmd", f"≤ {_ru(LOAD_GOAL, 1)}×", LOAD_GOAL, "le"),
            ("cli_pseudo", "cli", f"≤ {PSEUDO_GOAL:g}×", PSEUDO_GOAL, "le"),
            ("cli_first", "cli", "для сведения (первый запуск ÷ повторный)", None, ""),
            ("ours", "duckdb", "для сведения (внутри Python)", None, ""),
            ("pandas_parquet", "ours", "для сведения", None, ""),
            ("pandas", "ours", "для сведения", None, ""),
        ]
        table = [
            "| отношение | по времени | по процессору | цель |",
            "|---|---:|---:|---|",
        ]
        print("Отношения (по времени | по процессору):")
        for a, b, goal, limit, _ in rows:
            if not (results.get(a) and results.get(b)):
                continue
            w, p = ratio(a, b)
            verdict = "" if limit is None else f" — {_verdict(w <= limit)}"
            print(f"  {a} / {b}: {w:5.2f}× | {p:5.2f}×   ({goal}{verdict})")
            table.append(f"| {NAMES[a]} ÷ {NAMES[b]} | {_ru(w)}× | {_ru(p)}× | {goal}{verdict} |")
        load_after = os.getloadavg()[0]
        print(f"средняя загрузка машины после замера: {load_after:.1f}")
        if "--write-docs" in sys.argv:
            lines = [
                "## Загрузка данных (`bench/bench_data.py`)",
                "",
                f"{stamp()} (в начале {_ru(load_before, 1)}). Команда: "
                f"`BENCH_DATA_ROWS={ROWS} BENCH_DATA_REPEAT={REPEAT} "
                ".venv/bin/python bench/bench_data.py --write-docs`.",
                "",
                "CSV: " + f"{ROWS:,}".replace(",", "\u00a0") + " строк, "
                f"{path.stat().st_size / 2**20:.0f} МБ, разделитель «;»; раундов: {REPEAT} "
                "(первый запуск и таблица в памяти — один раз), медианы. Команды измерены "
                "целиком, как их запускает пользователь (время процесса); «вызов в Python» — "
                "только вызов в уже запущенном процессе, как в фоновом обработчике. Программы "
                "`duckdb` на машине "
                + (
                    "есть."
                    if shutil.which("duckdb")
                    else "нет: эталон — `python -c` с пакетом duckdb."
                ),
                "",
                "| что | время, с | процессор, с | пик памяти, МБ |",
                "|---|---:|---:|---:|",
            ]
            for kind, runs in results.items():
                lines.append(
                    f"| {NAMES[kind]} | {_ru(_median(t[kind]))} | {_ru(_median(c[kind]))} "
                    f"| {_median([r['peak_mb'] for r in runs]):.0f} |"
                )
            write_section("bench_data", "\n".join([*lines, "", *table]))
        if BIG_GB > 0:
            big = root / "big.csv"
            per_row = path.stat().st_size / ROWS
            _in_child(big, int(BIG_GB * 2**30 / per_row))
            if not CSV:
                path.unlink()
            for kind in ("cli", "cli_pseudo"):
                r = measure(kind, big, root / f"big-{kind}", study)
                print(
                    f"CSV {big.stat().st_size / 2**30:.2f} ГБ, {kind}: {r['seconds']:.1f} с, "
                    f"пик памяти {r['peak_mb']:.0f} МБ (цель < 1536 МБ)"
                )


if __name__ == "__main__":
    main()
