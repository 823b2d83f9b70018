"""Per-feature profile benchmark (issue #4), printed as ratios measured in the same run.

    .venv/bin/python bench/bench_profile.py                       # 10,000,000 rows, 12 features
    BENCH_PROFILE_ROWS=1000000 .venv/bin/python bench/bench_profile.py
    BENCH_PROFILE_REPEAT=3 …                                       # runs per side (median)

One Parquet file: a client id (one row a client), 12 features — 6 categorical (3 to 40 levels),
2 booleans, 4 numeric (2 binned by thresholds, 2 by quartiles) — with missing values in every
feature, and a 1–5 satisfaction rating given by about 30 % of the rows.

Every side computes the same thing, and their results are checked to agree: for each of the 12
features and each of its segments (missing values are a segment of their own; numeric features
are cut at the thresholds or at the quartiles, computed in the same run) the capacity, the
number of ratings, their sum (the mean) and the number of ratings ≥ 4 (CSAT).

* ours — ``segprofile.analysis.by_feature.feature_segments`` on DuckDB: quartiles, segment codes,
  the aggregates, the segment objects with share, mean, CSAT and its Wilson interval;
* DuckDB — one hand-written SQL query: exact quartiles in a CTE, ``GROUP BY GROUPING SETS`` over the 12
  features (goal: ours within 1.5× of it);
* pandas — read the same 13 columns, its (exact) quartiles, ``pd.cut`` and one ``groupby`` per feature
  (goal: ours at least 5× faster).

Also printed, not compared: the full per-feature step (``segment_by_feature``: plus the traits
of every segment and the cross segments) on the same file. (The whole ``profile_study`` adds
clusters, timed by bench_kprototypes.py, and the report end to end is in run.py.)

Each run is a child process: its peak memory is its own ``ru_maxrss``. The machine may be shared,
so every side runs BENCH_PROFILE_REPEAT times and the median is printed — wall time, and the
processor time (user + system) of the child, which other load disturbs less.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROWS = int(os.environ.get("BENCH_PROFILE_ROWS", "10000000"))
REPEAT = int(os.environ.get("BENCH_PROFILE_REPEAT", "3"))

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


# --- the three sides, each run in a child process ----------------------------------------------

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
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024,
                  "result": result}))
"""

Result = dict[str, dict[str, list[float]]]  # feature → segment code → [capacity, n, sum, happy]


def warm(kind: str) -> None:
    """Import what a side needs before its clock starts."""
    import importlib

    modules = {
        "duckdb": ["duckdb", "segprofile.analysis.by_feature"],
        "pandas": ["pandas", "pyarrow.parquet", "segprofile.analysis.by_feature"],
    }.get(kind, ["segprofile.pipeline", "ibis.backends.duckdb"])
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


def _sql_code(col: str) -> str:
    """The hand-written segment code of one feature (the same codes as ours, for the check)."""
    if col in CATEGORICAL:
        return f"coalesce({col}, 'NA')"
    if col in BOOLEAN:
        return f"CASE WHEN {col} IS NULL THEN 'NA' WHEN {col} THEN 'true' ELSE 'false' END"
    edges = NUMERIC[col]
    if edges is None:
        return f"CASE WHEN {col} IS NULL THEN 'NA' ELSE 'q' || (1 + (({col} >= q_{col}[1])::INT \
+ ({col} >= q_{col}[2])::INT + ({col} >= q_{col}[3])::INT))::VARCHAR END"
    return (
        f"CASE WHEN {col} IS NULL THEN 'NA' WHEN {col} < {edges[0]} THEN '<{edges[0]:g}' "
        + " ".join(f"WHEN {col} < {b} THEN '{a:g}–{b:g}'" for a, b in itertools.pairwise(edges))
        + f" ELSE '≥{edges[-1]:g}' END"
    )


def side_duckdb(data: Path, study_file: Path) -> Result:
    """One hand-written DuckDB query: exact quartiles in a CTE, GROUPING SETS over the 12 features."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    path = data / "records.parquet"
    quart = [c for c, e in NUMERIC.items() if e is None]
    names = [*CATEGORICAL, *BOOLEAN, *NUMERIC]
    q = ", ".join(f"quantile_cont({c}, [0.25, 0.5, 0.75]) AS q_{c}" for c in quart)
    codes = ", ".join(f"{_sql_code(c)} AS {c}" for c in names)
    sets = ", ".join(f"({c})" for c in names)
    sql = f"""
        WITH q AS (SELECT {q} FROM read_parquet('{path}')),
        coded AS (SELECT {codes}, satisfaction::DOUBLE AS sat FROM read_parquet('{path}'), q)
        SELECT {", ".join(names)}, count(*) AS capacity, count(sat) AS n, sum(sat) AS total,
               count_if(sat >= 4) AS happy
        FROM coded GROUP BY GROUPING SETS ({sets})
    """  # noqa: S608 — our own generated file
    rows = con.execute(sql).fetchall()
    qs = con.execute(f"SELECT {q} FROM read_parquet('{path}')").fetchone()  # noqa: S608
    edges = dict(zip(quart, qs or (), strict=True))
    out: Result = {c: {} for c in names}
    for row in rows:
        k = next(i for i, v in enumerate(row[: len(names)]) if v is not None)
        col, code = names[k], str(row[k])
        if col in edges and code != "NA":
            code = _quartile_code(edges[col], int(code[1:]))
        out[col][code] = [row[-4], row[-3], row[-2] or 0.0, row[-1]]
    return out


def _quartile_code(edges: list[float], index: int) -> str:
    """The code ours gives to interval ``index`` (1-based) of the quartile edges."""
    from segprofile.analysis.by_feature import make_bins

    unique = sorted(set(edges))
    bins = make_bins(unique, integer=False, labels=None, unit="")
    return bins.codes[max(0, index - 1 - (len(edges) - len(unique)))]


def side_pandas(data: Path, study_file: Path) -> Result:
    """pandas: read the 13 columns, quartiles, pd.cut and one groupby per feature."""
    import numpy as np
    import pandas as pd

    names = [*CATEGORICAL, *BOOLEAN, *NUMERIC]
    frame = pd.read_parquet(data / "records.parquet", columns=[*names, "satisfaction"])
    sat = frame["satisfaction"].astype("float64")
    happy = (sat >= 4).astype("float64").where(sat.notna())
    out: Result = {}
    for col in names:
        values = frame[col]
        if col in NUMERIC:
            edges = NUMERIC[col] or sorted(set(values.quantile([0.25, 0.5, 0.75]).tolist()))
            bins = _codes_for(edges, integer=NUMERIC[col] is not None)
            codes = pd.cut(values, [-np.inf, *edges, np.inf], right=False, labels=bins)
            codes = codes.astype(object).fillna("NA")
        elif col in BOOLEAN:
            codes = values.map({True: "true", False: "false"}).astype(object).fillna("NA")
        else:
            codes = values.astype(object).fillna("NA")
        agg = (
            pd.DataFrame({"seg": codes, "sat": sat, "happy": happy})
            .groupby("seg")
            .agg(
                capacity=("seg", "size"),
                n=("sat", "count"),
                total=("sat", "sum"),
                happy=("happy", "sum"),
            )
        )
        out[col] = {
            str(code): [int(r.capacity), int(r.n), float(r.total), int(r.happy)]
            for code, r in agg.iterrows()
        }
    return out


def _codes_for(edges: list[float], *, integer: bool) -> list[str]:
    from segprofile.analysis.by_feature import make_bins

    return make_bins(list(edges), integer=integer, labels=None, unit="").codes


# --- the run -----------------------------------------------------------------------------------


def measure(kind: str, data: Path, study_file: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            kind,
            str(data),
            str(study_file),
            str(Path(__file__).parent),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")][-1]
    result: dict[str, Any] = json.loads(line)
    return result


def _agree(a: Result, b: Result) -> list[str]:
    """Differences between two sides' results (all use exact quartiles, as pandas does)."""
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


def main() -> None:
    sides = ("ours", "duckdb", "pandas", "ours_full")
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        data = Path(tmp)
        study_file = data / "study.json"
        study_file.write_text(json.dumps(study_document(), ensure_ascii=False), encoding="utf-8")
        t0 = time.perf_counter()
        generate(data / "records.parquet", ROWS)
        size = (data / "records.parquet").stat().st_size / 2**20
        print(
            f"profile of {ROWS:,} rows × 12 features (Parquet, {size:,.0f} MB, "
            f"made in {time.perf_counter() - t0:.1f} s); {REPEAT} runs per side, medians"
        )
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in sides}
        for _ in range(REPEAT):  # interleaved: a burst of other load hits every side alike
            for kind in sides:
                runs[kind].append(measure(kind, data, study_file))
        med = {
            kind: {
                key: statistics.median(r[key] for r in rs) for key in ("seconds", "cpu", "peak_mb")
            }
            for kind, rs in runs.items()
        }
        titles = {
            "ours": "ours: feature_segments (like for like)",
            "duckdb": "DuckDB: one GROUPING SETS query",
            "pandas": "pandas: read + groupby per feature",
            "ours_full": "ours: segment_by_feature (+ traits, cross)",
        }
        for kind in sides:
            m = med[kind]
            print(
                f"  {titles[kind]:<45} {m['seconds']:7.2f} s  (cpu {m['cpu']:7.2f} s)  "
                f"peak memory {m['peak_mb']:6.0f} MB"
            )
        results = {kind: runs[kind][0]["result"] for kind in sides}
        for kind in ("duckdb", "pandas", "ours_full"):
            diffs = _agree(results["ours"], results[kind])
            verdict = "agree" if not diffs else f"DIFFER ({len(diffs)}): " + "; ".join(diffs[:3])
            print(f"  results ours vs {kind}: {verdict}")
        ours, duck, pandas = med["ours"], med["duckdb"], med["pandas"]
        print(
            f"ours / DuckDB GROUPING SETS: {ours['seconds'] / duck['seconds']:.2f}× wall, "
            f"{ours['cpu'] / duck['cpu']:.2f}× cpu  (goal ≤ 1.5×)"
        )
        print(
            f"pandas / ours:               {pandas['seconds'] / ours['seconds']:.2f}× wall, "
            f"{pandas['cpu'] / ours['cpu']:.2f}× cpu  (goal ≥ 5×)"
        )
        print(
            f"peak memory ours / DuckDB / pandas: {ours['peak_mb']:.0f} / {duck['peak_mb']:.0f} / "
            f"{pandas['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
