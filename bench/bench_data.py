"""Benchmark of the data door, printed as ratios measured in the same run (never asserted).

    .venv/bin/python bench/bench_data.py                   # 10,000,000 rows
    BENCH_DATA_ROWS=2000000 .venv/bin/python bench/bench_data.py
    BENCH_DATA_BIG_GB=2 .venv/bin/python bench/bench_data.py   # also: peak memory on a 2 GB CSV

Each measurement runs in its own child process (peak memory = its ru_maxrss). Ratios use the
processor time of the children (user + system), which other load on the machine disturbs less
than wall time; both are printed.

1. DuckDB's own ``read_csv`` of the file into Parquet — the reference (and, for information,
   into an in-memory DuckDB table).
2. Our import (``segprofile.data.datasets.import_data``) with the two identifier columns kept:
   sniffing, typing, the Parquet version, its quality report and manifest. Goal ≤ 1.3×.
3. The same with both identifiers pseudonymised (HMAC-SHA256 in the engine). Goal ≤ +30 %.
4. ``pandas.read_csv`` of the same file (only the read). Goal: ours ≥ 3× faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_DATA_ROWS", "10000000"))
BIG_GB = float(os.environ.get("BENCH_DATA_BIG_GB", "0"))

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
    result = import_data(path, study_id="bench", source=adhoc_source(kind), author="bench",
                         home=work / "home", overrides=keep if kind == "ours" else None,
                         keep_original=True)
    rows = result.manifest.rows
elif kind == "pandas":
    import pandas as pd
    frame = pd.read_csv(path, sep=";")
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


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        root = Path(tmp)
        path = root / "clients.csv"
        t0 = time.perf_counter()
        generate(path, ROWS)
        size_mb = path.stat().st_size / 2**20
        print(f"CSV: {ROWS:,} строк, {size_mb:,.0f} МБ, создан за {time.perf_counter() - t0:.1f} с")
        results = {}
        for kind in ("duckdb", "duckdb_table", "ours", "ours_pseudo", "pandas"):
            results[kind] = measure(kind, path, root / kind)
            r = results[kind]
            print(
                f"  {kind:<12} {r['seconds']:7.2f} с (процессор {r['cpu']:7.2f} с)   "
                f"пик памяти {r['peak_mb']:6.0f} МБ   строк {int(r['rows']):,}"
            )
        # Ratios of processor time: robust when other work shares the machine.
        duck, ours, pseudo, pandas = (
            results[k]["cpu"] for k in ("duckdb", "ours", "ours_pseudo", "pandas")
        )
        print("Отношения по процессорному времени:")
        print(
            f"наш импорт / read_csv DuckDB:        {ours / duck:5.2f}×  (цель ≤ 1,3×; оба пишут Parquet)"
        )
        print(
            f"pandas.read_csv / наш импорт:        {pandas / ours:5.2f}×  (цель ≥ 3×; pandas только читает)"
        )
        print(
            f"псевдонимизация двух столбцов:      +{(pseudo / ours - 1) * 100:4.0f} %  (цель ≤ 30 %)"
        )
        if BIG_GB > 0:
            big = root / "big.csv"
            per_row = path.stat().st_size / ROWS
            generate(big, int(BIG_GB * 2**30 / per_row))
            path.unlink()
            for kind in ("ours", "ours_pseudo"):
                r = measure(kind, big, root / f"big-{kind}")
                print(
                    f"CSV {big.stat().st_size / 2**30:.2f} ГБ, {kind}: {r['seconds']:.1f} с, "
                    f"пик памяти {r['peak_mb']:.0f} МБ (цель < 1536 МБ)"
                )


if __name__ == "__main__":
    main()
