"""Per-feature profile benchmark, printed as ratios against peers measured in the same run.

    .venv/bin/python bench/bench_profile.py                       # 10,000,000 rows, 12 features
    BENCH_PROFILE_ROWS=1000000 .venv/bin/python bench/bench_profile.py
    BENCH_PROFILE_REPEAT=3 …                                       # runs per side (median)
    … bench/bench_profile.py --write-docs                          # also record in docs/benchmarks.md

One Parquet file: a client id (one row a client), 12 features — 6 categorical (3 to 40 levels),
2 booleans, 4 numeric (2 binned by thresholds, 2 by quartiles) — with missing values in every
feature, and a 1–5 satisfaction rating given by about 30 % of the rows.

Every side computes the same thing, and their results are checked to agree: for each of the 12
features and each of its segments (missing values are a segment of their own; numeric features
are cut at the thresholds or at the quartiles, computed once in the same run) the capacity, the
number of ratings, their sum (the mean) and the number of ratings ≥ 4 (CSAT). Each peer is
written as a practitioner would write it with that tool:

* ours — ``segprofile.analysis.by_feature.feature_segments`` on DuckDB: quartiles, the
  aggregates, the segment objects with codes, labels, share, mean, CSAT and its Wilson interval;
* DuckDB, two plain queries, each side timed as a whole: the quartiles (one aggregate), then
  either one ``GROUP BY GROUPING SETS`` over the 12 features, or 12 ``GROUP BY`` queries joined
  by ``UNION ALL`` — keys as stored (text, boolean), numeric features by the interval's number;
  the better of the two is the reference (goal: ours ≤ 1.0× it);
* pandas — ``read_parquet`` of the 13 columns with the text columns as categoricals, its
  quartiles, ``pd.cut`` and one ``groupby(observed=True, dropna=False)`` per feature (goal:
  ours at least 5× faster);
* polars, lazy — its quartiles, then one ``group_by`` per feature over ``scan_parquet``, all 12
  collected together (``collect_all`` shares the scan); for information, without a goal.

Also printed, not compared: the full per-feature step (``segment_by_feature``: plus the traits
of every segment and the cross segments) on the same file. (The whole ``profile_study`` adds
clusters, timed by bench_kprototypes.py; the report end to end from the command line is in
run.py.)

Each run is a new child process that imports what its side needs, then times one call: that is
what the web's worker does (a long-lived process that computes a profile when asked). The whole
child process is also measured from outside (wall, processor time, peak memory by wait4), for
information. The machine may be shared, so the sides run in turn, BENCH_PROFILE_REPEAT rounds,
and medians are printed — wall time (the goals) and processor time (user + system), which other
load disturbs less.
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
from typing import Any

from _docs import stamp, write_section

ROWS = int(os.environ.get("BENCH_PROFILE_ROWS", "10000000"))
REPEAT = max(1, int(os.environ.get("BENCH_PROFILE_REPEAT", "3")))
DUCKDB_GOAL = 1.0  # ours ÷ the better DuckDB query, by wall time: at most
PANDAS_GOAL = 5.0  # pandas ÷ ours, by wall time: at least

#: The 12 features: (column, type, thresholds or None for quartiles).
CATEGORICAL = {
    "channel": ["epgu", "mfc", "office"],
    "region": ["city", "town", "rural"],
    "employment": ["employed", "unemployed", "self_employed", "parental_leave", "student"],
    "income_band": ["below_half_pm", "half_pm_to_pm", "above_pm"],
    "education": ["basic", "secondary", "vocational", "bachelor", "master", "phd"],
    "district": [f"d{i:02d}" for i in range(40)],
}
BOOLEAN = ["single_parent", "disability"]
NUMERIC: dict[str, list[float] | None] = {
    "age": [25, 35, 45],
    "children": [2, 3, 4],
    "income": None,
    "waiting_days": None,
}
NAMES = [*CATEGORICAL, *BOOLEAN, *NUMERIC]
QUARTILES = [c for c, e in NUMERIC.items() if e is None]
PROBS = [0.25, 0.5, 0.75]
HAPPY = 4  # a rating ≥ 4 counts as satisfied (CSAT)


def study_document() -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    src = {"kind": "other", "reference": "бенчмарк"}
    for col in CATEGORICAL:
        features.append({"id": col, "column": col, "label": col, "source": src})
    for col in BOOLEAN:
        features.append({"id": col, "column": col, "label": col, "type": "boolean", "source": src})
    for col, thresholds in NUMERIC.items():
        binning = {"thresholds": thresholds} if thresholds else {"method": "quantiles", "n_bins": 4}
        features.append(
            {
                "id": col,
                "column": col,
                "label": col,
                "type": "numeric",
                "source": src,
                "binning": binning,
            }
        )
    return {
        "id": "bench",
        "title": "Бенчмарк профиля",
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
                "path": "records.parquet",
                "id_column": "client_id",
            }
        ],
        "features": features,
        "segmentation": {"satisfaction": {"column": "satisfaction"}},
    }


def generate(path: Path, rows: int) -> None:
    """The records file, made by DuckDB from hashes of the row number (same file every time)."""
    import duckdb

    def h(k: int, mod: int) -> str:
        return f"(hash(i * 31 + {k}) % {mod})::BIGINT"

    cols = ["i AS client_id"]
    for k, (col, levels) in enumerate(CATEGORICAL.items()):
        values = ", ".join(f"'{v}'" for v in levels)
        # about 2 % missing; uneven level sizes (the square of a uniform index)
        pick = f"1 + ({h(k, 1000)} * {h(k, 1000)} * {len(levels)}) // 1000000"
        cols.append(
            f"CASE WHEN {h(100 + k, 50)} = 0 THEN NULL ELSE [{values}][{pick}] END AS {col}"
        )
    for k, col in enumerate(BOOLEAN):
        cols.append(
            f"CASE WHEN {h(200 + k, 40)} = 0 THEN NULL ELSE {h(210 + k, 5)} = 0 END AS {col}"
        )
    cols.append(f"CASE WHEN {h(300, 60)} = 0 THEN NULL ELSE 18 + {h(301, 50)} END AS age")
    cols.append(f"CASE WHEN {h(302, 60)} = 0 THEN NULL ELSE 1 + {h(303, 6)} END AS children")
    cols.append(
        f"CASE WHEN {h(304, 30)} = 0 THEN NULL "
        f"ELSE round(exp(9 + {h(305, 10000)} / 4000.0), 2) END AS income"
    )
    cols.append(
        f"CASE WHEN {h(306, 80)} = 0 THEN NULL ELSE {h(307, 45)}::INTEGER END AS waiting_days"
    )
    cols.append(f"CASE WHEN {h(400, 10)} < 3 THEN 1 + {h(401, 5)}::INTEGER END AS satisfaction")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"COPY (SELECT {', '.join(cols)} FROM range({rows}) t(i)) TO '{path}' "  # noqa: S608
        "(FORMAT parquet, ROW_GROUP_SIZE 1000000)"
    )


# --- the sides, each run in a child process ----------------------------------------------------

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, data, study_file = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
sys.path.insert(0, str(Path(sys.argv[4])))
import bench_profile as B
B.warm(kind)  # imports are not timed
t0 = time.perf_counter()
_u = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = _u.ru_utime + _u.ru_stime
result = getattr(B, "side_" + kind)(data, study_file)
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu0
print(json.dumps({"seconds": elapsed, "cpu": cpu, "result": result}))
"""

Result = dict[str, dict[str, list[float]]]  # feature → segment code → [capacity, n, sum, happy]
#: A peer's answer: the thresholds, and [feature, key, capacity, n, sum, happy] per segment.
Raw = dict[str, Any]


def warm(kind: str) -> None:
    """Import what a side needs before its clock starts."""
    import importlib

    modules = {
        "duckdb_sets": ["duckdb"],
        "duckdb_union": ["duckdb"],
        "pandas": ["pandas", "pyarrow.parquet"],
        "polars": ["polars"],
    }.get(
        kind, ["segprofile.analysis.by_feature", "segprofile.data.engine", "ibis.backends.duckdb"]
    )
    for name in modules:
        importlib.import_module(name)


def _load_study(study_file: Path):  # type: ignore[no-untyped-def]
    from segprofile.model.study import Study

    return Study.model_validate(json.loads(study_file.read_text(encoding="utf-8")))


def _from_profile(features) -> Result:  # type: ignore[no-untyped-def]
    out: Result = {}
    for fs in features:
        out[fs.feature_id] = {}
        for seg in fs.segments:
            sat = seg.satisfaction
            total = (sat.mean or 0.0) * sat.n
            happy = round((sat.csat or 0.0) * sat.n)
            out[fs.feature_id][seg.value] = [seg.capacity, sat.n, total, happy]
    return out


def side_ours(data: Path, study_file: Path) -> Result:
    """Like for like: the per-feature segments with their aggregates, on DuckDB."""
    from segprofile.analysis.by_feature import feature_segments
    from segprofile.data.engine import connect, open_source

    study = _load_study(study_file)
    source = study.client_records()
    assert source is not None
    table = open_source(connect("duckdb://"), source, data)
    features, _coded = feature_segments(study, table, study.segmented_features())
    return _from_profile(features)


def side_ours_full(data: Path, study_file: Path) -> Result:
    """Plus the traits of every segment and the cross segments (the whole approach 2)."""
    from segprofile.analysis.by_feature import segment_by_feature
    from segprofile.data.engine import connect, open_source

    study = _load_study(study_file)
    source = study.client_records()
    assert source is not None
    table = open_source(connect("duckdb://"), source, data)
    return _from_profile(segment_by_feature(study, table).features)


# The peers' keys: text and booleans as stored, numeric features by the interval's number
# (0 below the first threshold); missing stays missing. Codes are made from the few keys.


def _edges(quartiles: dict[str, list[float]]) -> dict[str, list[float]]:
    """Every numeric feature's thresholds: given, or its (distinct) quartiles."""
    return {c: list(e) if e else sorted(set(quartiles[c])) for c, e in NUMERIC.items()}


def _decode(raw: Raw) -> Result:
    """A peer's keys as the segment codes ours gives (for the check that the results agree)."""
    from segprofile.analysis.by_feature import make_bins

    codes = {
        c: make_bins(e, integer=False, labels=None, unit="").codes for c, e in raw["edges"].items()
    }
    out: Result = {c: {} for c in NAMES}
    for col, key, *values in raw["rows"]:
        if key is None:
            code = "NA"
        elif col in NUMERIC:
            code = codes[col][int(key)]
        elif col in BOOLEAN:
            code = "true" if key in (True, "true") else "false"
        else:
            code = str(key)
        out[col][code] = values
    return out


def _duckdb_edges(con: Any, path: Path) -> dict[str, list[float]]:
    """The quartiles, computed once, in one aggregate query."""
    q = ", ".join(f"quantile_cont({c}, {PROBS})" for c in QUARTILES)
    row = con.execute(f"SELECT {q} FROM read_parquet('{path}')").fetchone()  # noqa: S608
    return _edges(dict(zip(QUARTILES, row, strict=True)))


def _sql_key(col: str, edges: dict[str, list[float]]) -> str:
    if col not in NUMERIC:
        return col
    cuts = " ".join(f"WHEN {col} < {e!r} THEN {i}" for i, e in enumerate(edges[col]))
    return f"CASE WHEN {col} IS NULL THEN NULL {cuts} ELSE {len(edges[col])} END"


_SQL_AGGREGATES = (
    f"count(*), count(satisfaction), sum(satisfaction), count_if(satisfaction >= {HAPPY})"
)


def side_duckdb_sets(data: Path, study_file: Path) -> Raw:
    """DuckDB: the quartiles, then one GROUP BY GROUPING SETS over the 12 features."""
    import duckdb

    path = data / "records.parquet"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    edges = _duckdb_edges(con, path)
    keys = ", ".join(f"{_sql_key(c, edges)} AS {c}" for c in NAMES)
    grouping = ", ".join(f"GROUPING({c})" for c in NAMES)
    sets = ", ".join(f"({c})" for c in NAMES)
    rows = con.execute(
        f"SELECT {', '.join(NAMES)}, {grouping}, {_SQL_AGGREGATES} "  # noqa: S608
        f"FROM (SELECT {keys}, satisfaction FROM read_parquet('{path}')) "
        f"GROUP BY GROUPING SETS ({sets})"
    ).fetchall()
    n = len(NAMES)
    out = []
    for row in rows:
        k = row[n : 2 * n].index(0)  # the one feature this row is grouped by
        out.append([NAMES[k], row[k], *row[2 * n : -2], row[-2] or 0, row[-1]])
    return {"edges": edges, "rows": out}


def side_duckdb_union(data: Path, study_file: Path) -> Raw:
    """DuckDB: the quartiles, then 12 GROUP BY queries joined by UNION ALL."""
    import duckdb

    path = data / "records.parquet"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    edges = _duckdb_edges(con, path)
    parts = [
        f"SELECT '{c}', key::VARCHAR, {_SQL_AGGREGATES} "  # noqa: S608
        f"FROM (SELECT {_sql_key(c, edges)} AS key, satisfaction FROM read_parquet('{path}')) "
        "GROUP BY key"
        for c in NAMES
    ]
    rows = con.execute(" UNION ALL ".join(parts)).fetchall()
    return {"edges": edges, "rows": [[*r[:4], r[4] or 0, r[5]] for r in rows]}


def side_pandas(data: Path, study_file: Path) -> Raw:
    """pandas: the 13 columns, text as categoricals; quartiles; pd.cut; a groupby per feature."""
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(
        data / "records.parquet", columns=[*NAMES, "satisfaction"], read_dictionary=[*CATEGORICAL]
    )
    frame[BOOLEAN] = frame[BOOLEAN].astype("category")
    edges = _edges({c: frame[c].quantile(PROBS).tolist() for c in QUARTILES})
    frame["happy"] = frame["satisfaction"] >= HAPPY
    out = []
    for col in NAMES:
        key = frame[col]
        if col in NUMERIC:
            key = pd.cut(key, [-np.inf, *edges[col], np.inf], right=False, labels=False)
        agg = frame.groupby(key, observed=True, dropna=False).agg(
            capacity=("satisfaction", "size"),
            n=("satisfaction", "count"),
            total=("satisfaction", "sum"),
            happy=("happy", "sum"),
        )
        for k, r in zip(agg.index.tolist(), agg.itertuples(), strict=True):
            key = None if pd.isna(k) else k
            out.append([col, key, int(r.capacity), int(r.n), float(r.total), int(r.happy)])
    return {"edges": edges, "rows": out}


def side_polars(data: Path, study_file: Path) -> Raw:
    """polars, lazy: the quartiles, then a group_by per feature, collected together."""
    import polars as pl

    scan = pl.scan_parquet(data / "records.parquet")
    q = scan.select([pl.col(c).quantile(PROBS, "linear").alias(c) for c in QUARTILES]).collect()
    edges = _edges({c: q[c][0].to_list() for c in QUARTILES})
    sat = pl.col("satisfaction")
    aggs = [
        pl.len().alias("capacity"),
        sat.count().alias("n"),
        sat.sum().alias("total"),
        (sat >= HAPPY).sum().alias("happy"),
    ]
    queries = [
        scan.group_by(
            pl.col(c).bin_intervals(edges[c], labels=False) if c in NUMERIC else pl.col(c)
        ).agg(aggs)
        for c in NAMES
    ]
    out = []
    for col, frame in zip(NAMES, pl.collect_all(queries), strict=True):
        out += [
            [col, key, cap, n, total or 0, happy] for key, cap, n, total, happy in frame.iter_rows()
        ]
    return {"edges": edges, "rows": out}


# --- the run -----------------------------------------------------------------------------------

SIDES = ("ours", "duckdb_sets", "duckdb_union", "pandas", "polars", "ours_full")
TITLES = {
    "ours": "ours: feature_segments (like for like)",
    "duckdb_sets": "DuckDB: quartiles + GROUPING SETS",
    "duckdb_union": "DuckDB: quartiles + 12 GROUP BY, UNION ALL",
    "pandas": "pandas: categoricals, groupby per feature",
    "polars": "polars lazy: group_by per feature, collect_all",
    "ours_full": "ours: segment_by_feature (+ traits, cross)",
}
TITLES_RU = {
    "ours": "наш профиль по признакам (`feature_segments`)",
    "duckdb_sets": "DuckDB: квартили, затем `GROUP BY GROUPING SETS`",
    "duckdb_union": "DuckDB: квартили, затем 12 `GROUP BY` через `UNION ALL`",
    "pandas": "pandas: категориальные столбцы, `groupby` по каждому признаку",
    "polars": "polars (ленивый): `group_by` по каждому признаку, `collect_all`",
    "ours_full": "наш шаг целиком (`segment_by_feature`: + черты, пересечения)",
}


def measure(kind: str, data: Path, study_file: Path) -> dict[str, Any]:
    """One side in a new process: its call (from the child) and the whole process (wait4)."""
    args = [
        sys.executable,
        "-c",
        _CHILD,
        kind,
        str(data),
        str(study_file),
        str(Path(__file__).parent),
    ]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{kind} failed:\n{err.read()[-3000:]}")
        text = out.read()
    result: dict[str, Any] = json.loads(text[text.rindex('{"seconds"') :])
    result |= {
        "process": wall,
        "process_cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }
    return result


def _in_child(module: str, path: Path, rows: int) -> None:
    """Make the data in a child process: Linux carries a process's peak memory over into the
    children it starts, so the parent stays small for the peaks measured."""
    code = f"import sys; sys.path.insert(0, sys.argv[1]); from {module} import generate; "
    code += "from pathlib import Path; generate(Path(sys.argv[2]), int(sys.argv[3]))"
    here = str(Path(__file__).parent)
    subprocess.run([sys.executable, "-c", code, here, str(path), str(rows)], check=True)


def _agree(a: Result, b: Result) -> list[str]:
    """Differences between two sides' results (all use exact quartiles)."""
    diffs = []
    for feature in sorted(set(a) | set(b)):
        sa, sb = a.get(feature, {}), b.get(feature, {})
        if set(sa) != set(sb):
            diffs.append(f"{feature}: segments {sorted(sa)} ≠ {sorted(sb)}")
            continue
        for code in sa:
            x, y = sa[code], sb[code]
            if (
                x[0] != y[0]
                or x[1] != y[1]
                or x[3] != y[3]
                or abs(x[2] - y[2]) > 1e-6 * max(1, x[2])
            ):
                diffs.append(f"{feature}={code}: {x} ≠ {y}")
    return diffs


def _ru(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _verdict(ok: bool) -> str:
    return "достигнута" if ok else "НЕ ДОСТИГНУТА"


def main() -> None:
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        data = Path(tmp)
        study_file = data / "study.json"
        study_file.write_text(json.dumps(study_document(), ensure_ascii=False), encoding="utf-8")
        t0 = time.perf_counter()
        _in_child("bench_profile", data / "records.parquet", ROWS)
        size = (data / "records.parquet").stat().st_size / 2**20
        print(
            f"profile of {ROWS:,} rows × 12 features (Parquet, {size:,.0f} MB, "
            f"made in {time.perf_counter() - t0:.1f} s); {REPEAT} round(s), medians"
        )
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in SIDES}
        for round_no in range(REPEAT):  # in turn: a burst of other load hits every side alike
            for kind in SIDES:
                r = measure(kind, data, study_file)
                runs[kind].append(r)
                print(
                    f"  [{round_no + 1}] {kind:<12} call {r['seconds']:6.2f} s "
                    f"(cpu {r['cpu']:6.2f} s); process {r['process']:6.2f} s, "
                    f"peak {r['peak_mb']:5.0f} MB",
                    flush=True,
                )
        keys = ("seconds", "cpu", "process", "process_cpu", "peak_mb")
        med = {
            kind: {key: statistics.median(r[key] for r in rs) for key in keys}
            for kind, rs in runs.items()
        }
        print("medians: call wall (cpu) | whole process wall (cpu) | peak memory")
        for kind in SIDES:
            m = med[kind]
            print(
                f"  {TITLES[kind]:<48} {m['seconds']:6.2f} s ({m['cpu']:6.2f} s) | "
                f"{m['process']:6.2f} s ({m['process_cpu']:6.2f} s) | {m['peak_mb']:5.0f} MB"
            )
        results = {
            kind: runs[kind][0]["result"]
            if kind.startswith("ours")
            else _decode(runs[kind][0]["result"])
            for kind in SIDES
        }
        agree = {}
        for kind in SIDES[1:]:
            diffs = _agree(results["ours"], results[kind])
            agree[kind] = not diffs
            verdict = "agree" if not diffs else f"DIFFER ({len(diffs)}): " + "; ".join(diffs[:3])
            print(f"  results ours vs {kind}: {verdict}")
        ours = med["ours"]
        best = min(("duckdb_sets", "duckdb_union"), key=lambda k: med[k]["seconds"])
        duck_w = ours["seconds"] / med[best]["seconds"]
        duck_c = ours["cpu"] / med[best]["cpu"]
        pandas_w = med["pandas"]["seconds"] / ours["seconds"]
        pandas_c = med["pandas"]["cpu"] / ours["cpu"]
        polars_w = med["polars"]["seconds"] / ours["seconds"]
        polars_c = med["polars"]["cpu"] / ours["cpu"]
        duck_ok, pandas_ok = duck_w <= DUCKDB_GOAL, pandas_w >= PANDAS_GOAL
        print(
            f"ours / best DuckDB query ({best}): {duck_w:.2f}× wall, {duck_c:.2f}× cpu "
            f"(goal ≤ {DUCKDB_GOAL:g}× wall — {'met' if duck_ok else 'NOT MET'})"
        )
        print(
            f"pandas / ours: {pandas_w:.2f}× wall, {pandas_c:.2f}× cpu "
            f"(goal ≥ {PANDAS_GOAL:g}× wall — {'met' if pandas_ok else 'NOT MET'})"
        )
        print(f"polars / ours: {polars_w:.2f}× wall, {polars_c:.2f}× cpu (no goal)")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        if "--write-docs" in sys.argv:
            rows_ru = f"{ROWS:,}".replace(",", "\u00a0")
            lines = [
                "## Профиль по признакам (`bench/bench_profile.py`)",
                "",
                f"{stamp()} (в начале {_ru(load, 1)}). Команда: "
                f"`BENCH_PROFILE_ROWS={ROWS} BENCH_PROFILE_REPEAT={REPEAT} "
                ".venv/bin/python bench/bench_profile.py --write-docs`.",
                "",
                f"Parquet: {rows_ru} строк, 12 признаков ({size:.0f} МБ); раундов: {REPEAT}, "
                "медианы. «Вызов» — одно вычисление в новом процессе после импорта (так считает "
                "фоновый обработчик); «процесс» — весь дочерний процесс с импортами, для "
                "сведения. Результаты всех сторон сверены: "
                + ("совпадают." if all(agree.values()) else "ЕСТЬ РАСХОЖДЕНИЯ (см. вывод)."),
                "",
                "| что | вызов, с | процессор, с | процесс, с | пик памяти, МБ |",
                "|---|---:|---:|---:|---:|",
            ]
            for kind in SIDES:
                m = med[kind]
                lines.append(
                    f"| {TITLES_RU[kind]} | {_ru(m['seconds'])} | {_ru(m['cpu'])} "
                    f"| {_ru(m['process'])} | {m['peak_mb']:.0f} |"
                )
            lines += [
                "",
                "| отношение | по времени | по процессору | цель |",
                "|---|---:|---:|---|",
                f"| наш ÷ лучший запрос DuckDB ({TITLES_RU[best].split(': ')[1]}) "
                f"| {_ru(duck_w)}× | {_ru(duck_c)}× | ≤ 1,0× — {_verdict(duck_ok)} |",
                f"| pandas ÷ наш | {_ru(pandas_w)}× | {_ru(pandas_c)}× "
                f"| ≥ 5× — {_verdict(pandas_ok)} |",
                f"| polars ÷ наш | {_ru(polars_w)}× | {_ru(polars_c)}× | для сведения, без цели |",
            ]
            write_section("bench_profile", "\n".join(lines))


if __name__ == "__main__":
    main()
