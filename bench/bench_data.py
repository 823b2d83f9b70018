"""Benchmark of the data door, printed as ratios measured in the same run (never asserted).

    .venv/bin/python bench/bench_data.py                   # 10,000,000 rows, 3 rounds
    BENCH_DATA_ROWS=2000000 BENCH_DATA_REPEAT=1 .venv/bin/python bench/bench_data.py
    BENCH_DATA_BIG_GB=2 .venv/bin/python bench/bench_data.py   # also: peak memory on a 2 GB CSV
    BENCH_DATA_CSV=/tmp/clients.csv …                      # reuse a generated file (kept)
    … bench/bench_data.py --write-docs                     # also record in docs/benchmarks.md

Each measurement runs in its own child process (peak memory = its ru_maxrss). The kinds are
measured in turn, round after round, so that load from other work on the machine falls on all of
them alike; medians are printed with their spread (min–max). Ratios use the processor time of
the children (user + system), which other load disturbs less than wall time; both are printed,
and the ratios by wall time too.

1. DuckDB's own ``read_csv`` of the file into Parquet — the reference (and, for information,
   into an in-memory DuckDB table, first round only).
2. Our import (``segprofile.data.datasets.import_data``) with the two identifier columns kept
   (with a stated reason, as the import requires): sniffing, typing, the PII scan, the Parquet
   version, its quality report, the SHA-256 of the file and of the version, the manifest.
   Goal ≤ 1.3× the reference.
3. The same with both identifiers pseudonymised (HMAC-SHA256 by the engine's own SHA-256, under
   the study's key, before anything is written). Goal ≤ 4× the plain import (2.).
4. For information, without a goal: pandas ``read_csv`` with the types our import finds and
   ``to_parquet`` of the frame — the same load with pandas, without the quality report and the
   checksums our import adds; and ``read_csv`` alone (types inferred, nothing written). The old
   goal «ours ≥ 3× faster than pandas read_csv» cannot be met with pandas 3 (its Arrow strings
   read this file faster than DuckDB's own read_csv); no new goal has been set.
"""

from __future__ import annotations

import json
import os
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

_CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
kind, path, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t0 = time.perf_counter()
_u = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = _u.ru_utime + _u.ru_stime
rows = None
if kind == "duckdb":
    import duckdb
    con = duckdb.connect()
    out = work / "duckdb.parquet"
    con.execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{out}' (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
elif kind == "duckdb_table":
    import duckdb
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
elif kind in ("ours", "ours_pseudo"):
    from segprofile.data.datasets import adhoc_source, import_data
    from segprofile.model.study import ColumnOverride
    keep = {"СНИЛС": ColumnOverride(pii="keep"), "Телефон": ColumnOverride(pii="keep")}
    reasons = {"СНИЛС": "бенчмарк", "Телефон": "бенчмарк"}
    result = import_data(path, study_id="bench", source=adhoc_source(kind), author="bench",
                         home=work / "home", overrides=keep if kind == "ours" else None,
                         keep_reasons=reasons if kind == "ours" else None)
    rows = result.manifest.rows
elif kind == "pandas":
    import pandas as pd
    frame = pd.read_csv(path, sep=";")
    rows = len(frame)
elif kind == "pandas_parquet":
    import pandas as pd
    types = {"Номер заявления": "int64", "СНИЛС": "str", "Телефон": "str", "Возраст": "int64",
             "Доход": "float64", "Канал": "str", "Тип поселения": "str", "Оценка": "Int64",
             "Многодетная семья": "boolean"}
    frame = pd.read_csv(path, sep=";", dtype=types)
    frame.to_parquet(work / "pandas.parquet", index=False)
    rows = len(frame)
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu0
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024,
                  "rows": rows}))
"""


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


def measure(kind: str, path: Path, work: Path) -> dict[str, float]:
    work.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path), str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")][-1]
    result: dict[str, float] = json.loads(line)
    return result


KINDS = ("duckdb", "ours", "ours_pseudo", "pandas_parquet", "pandas")
LOAD_GOAL = 1.3  # our import ÷ DuckDB read_csv → Parquet, by wall time
PSEUDO_GOAL = 4.0  # the import with two identifiers pseudonymised ÷ the plain import


def _verdict(ok: bool) -> str:
    return "достигнута" if ok else "НЕ ДОСТИГНУТА"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}" if len(values) > 1 else "—"


def _ru(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _write_docs(
    results: dict[str, list[dict[str, float]]],
    path: Path,
    load: tuple[list[float], list[float]],
    pandas_full: tuple[list[float], list[float]],
    pandas_read: tuple[list[float], list[float]],
    pseudo: tuple[list[float], list[float]],
) -> None:
    names = {
        "duckdb": "DuckDB `read_csv` → Parquet (эталон)",
        "duckdb_table": "DuckDB `read_csv` → таблица в памяти (для сведения)",
        "ours": "наш импорт (типы, поиск ПДн, Parquet, отчёт о качестве, SHA-256)",
        "ours_pseudo": "наш импорт с псевдонимами двух идентификаторов",
        "pandas_parquet": "pandas `read_csv` с типами + `to_parquet`",
        "pandas": "pandas `read_csv` (только чтение)",
    }
    lines = [
        "## Загрузка данных (`bench/bench_data.py`)",
        "",
        f"{stamp()}. Команда: `BENCH_DATA_ROWS={ROWS} BENCH_DATA_REPEAT={REPEAT} "
        ".venv/bin/python bench/bench_data.py --write-docs`.",
        "",
        "CSV: " + f"{ROWS:,}".replace(",", "\u00a0") + " строк, "
        f"{path.stat().st_size / 2**20:.0f} МБ, разделитель «;»; раундов: {REPEAT}, медианы. "
        "Цели — по времени (на двух ядрах DuckDB работает в два потока, pandas читает в один).",
        "",
        "| что | время, с | процессор, с | пик памяти, МБ |",
        "|---|---:|---:|---:|",
    ]
    for kind, rows in results.items():
        lines.append(
            f"| {names.get(kind, kind)} | {_ru(_median([r['seconds'] for r in rows]))} "
            f"| {_ru(_median([r['cpu'] for r in rows]))} "
            f"| {_median([r['peak_mb'] for r in rows]):.0f} |"
        )

    (lc, lw), (fc, fw), (rc, rw), (pc, pw) = load, pandas_full, pandas_read, pseudo
    lines += [
        "",
        "| отношение | по процессору | по времени | цель |",
        "|---|---:|---:|---|",
        f"| наш импорт ÷ DuckDB `read_csv` → Parquet | {_ru(_median(lc))}× | {_ru(_median(lw))}× "
        f"| ≤ 1,3× — {_verdict(_median(lw) <= LOAD_GOAL)} |",
        f"| импорт с псевдонимами двух столбцов ÷ наш импорт | {_ru(_median(pc))}× "
        f"| {_ru(_median(pw))}× | ≤ 4× — {_verdict(_median(pw) <= PSEUDO_GOAL)} |",
        f"| pandas `read_csv` ÷ наш импорт | {_ru(_median(rc))}× | {_ru(_median(rw))}× "
        "| для сведения, без цели |",
        f"| pandas `read_csv` + `to_parquet` ÷ наш импорт | {_ru(_median(fc))}× "
        f"| {_ru(_median(fw))}× | для сведения: та же работа средствами pandas |",
    ]
    write_section("bench_data", "\n".join(lines))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        root = Path(tmp)
        if CSV and Path(CSV).is_file():
            path = Path(CSV)
            print(f"CSV: {path} (готовый файл, {ROWS:,} строк)")
        else:
            path = Path(CSV) if CSV else root / "clients.csv"
            t0 = time.perf_counter()
            generate(path, ROWS)
            print(f"CSV: {ROWS:,} строк, создан за {time.perf_counter() - t0:.1f} с")
        print(
            f"размер {path.stat().st_size / 2**20:,.0f} МБ; раундов: {REPEAT}; средняя загрузка "
            f"машины {os.getloadavg()[0]:.1f} (ядер {os.cpu_count()})"
        )
        results: dict[str, list[dict[str, float]]] = {k: [] for k in KINDS}
        for round_no in range(REPEAT):
            kinds = (*KINDS, "duckdb_table") if round_no == 0 else KINDS
            for kind in kinds:
                r = measure(kind, path, root / f"{kind}-{round_no}")
                results.setdefault(kind, []).append(r)
                print(
                    f"  [{round_no + 1}] {kind:<14} {r['seconds']:7.2f} с "
                    f"(процессор {r['cpu']:7.2f} с)   пик памяти {r['peak_mb']:6.0f} МБ   "
                    f"строк {int(r['rows']):,}",
                    flush=True,
                )
        print("Медианы (разброс min–max):")
        cpu = {k: [r["cpu"] for r in v] for k, v in results.items()}
        wall = {k: [r["seconds"] for r in v] for k, v in results.items()}
        for kind in results:
            print(
                f"  {kind:<14} процессор {_median(cpu[kind]):7.2f} с ({_spread(cpu[kind])})   "
                f"время {_median(wall[kind]):7.2f} с ({_spread(wall[kind])})"
            )

        def ratios(a: str, b: str) -> tuple[list[float], list[float]]:
            """Per-round ratios a / b by processor time and by wall time."""
            by_cpu = [x / y for x, y in zip(cpu[a], cpu[b], strict=False)]
            by_wall = [x / y for x, y in zip(wall[a], wall[b], strict=False)]
            return by_cpu, by_wall

        print("Отношения (медиана по раундам, разброс; по процессорному времени | по времени):")
        load_c, load_w = ratios("ours", "duckdb")
        print(
            f"наш импорт / read_csv DuckDB → Parquet:    {_median(load_c):5.2f}× "
            f"({_spread(load_c)}) | {_median(load_w):5.2f}×   (цель ≤ 1,3× по времени — "
            f"{_verdict(_median(load_w) <= LOAD_GOAL)})"
        )
        ps_c, ps_w = ratios("ours_pseudo", "ours")
        print(
            f"с псевдонимами двух столбцов / без них:  {_median(ps_c):5.2f}× "
            f"({_spread(ps_c)}) | {_median(ps_w):5.2f}×   (цель ≤ 4× по времени — "
            f"{_verdict(_median(ps_w) <= PSEUDO_GOAL)})"
        )
        pd_c, pd_w = ratios("pandas_parquet", "ours")
        print(
            f"pandas read_csv+to_parquet / наш импорт: {_median(pd_c):5.2f}× "
            f"({_spread(pd_c)}) | {_median(pd_w):5.2f}×   (для сведения, без цели)"
        )
        ro_c, ro_w = ratios("pandas", "ours")
        print(
            f"pandas read_csv (только чтение) / наш:    {_median(ro_c):5.2f}× "
            f"({_spread(ro_c)}) | {_median(ro_w):5.2f}×   (для сведения, без цели)"
        )
        print(f"средняя загрузка машины после замера: {os.getloadavg()[0]:.1f}")
        if "--write-docs" in sys.argv:
            _write_docs(results, path, (load_c, load_w), (pd_c, pd_w), (ro_c, ro_w), (ps_c, ps_w))
        if BIG_GB > 0:
            big = root / "big.csv"
            per_row = path.stat().st_size / ROWS
            generate(big, int(BIG_GB * 2**30 / per_row))
            if not CSV:
                path.unlink()
            for kind in ("ours", "ours_pseudo"):
                r = measure(kind, big, root / f"big-{kind}")
                print(
                    f"CSV {big.stat().st_size / 2**30:.2f} ГБ, {kind}: {r['seconds']:.1f} с, "
                    f"пик памяти {r['peak_mb']:.0f} МБ (цель < 1536 МБ)"
                )


if __name__ == "__main__":
    main()
