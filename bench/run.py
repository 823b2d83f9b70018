"""Benchmarks, printed as ratios against a peer measured in the same run (never asserted).

    make bench                 # 1,000,000 rows
    BENCH_ROWS=200000 make bench

1. Demo data: ``segprofile demo-data`` of the child-benefit example from the command line
   (goal: 1,000,000 rows in < 60 s).
2. Profile: `segprofile.pipeline.profile_study` (Ibis on DuckDB, aggregates only) against a
   pandas peer that loads the whole table and runs the same per-feature group-bys.
   Peak memory of each, measured in a child process (ru_maxrss).
3. Report end to end (issue #8): ``segprofile report`` of the child-benefit example from the
   command line, once per format (docx, xlsx, html, pdf), on the data of step 1; each run
   includes reading the study, the whole profile and writing the document. Goal: < 60 s each
   at 1,000,000 rows. Wall time, processor time (user + system) and peak memory of each child
   process (wait4); BENCH_REPORT_REPEAT runs per format (default 1), medians.

The per-feature profile against one DuckDB GROUPING SETS query (issue #4) is bench_profile.py.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
REPORT_REPEAT = int(os.environ.get("BENCH_REPORT_REPEAT", "1"))
REPORT_FORMATS = ("docx", "xlsx", "html", "pdf")
REPORT_GOAL_S = 60.0
EXAMPLE = "child-benefit"

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, data = sys.argv[1], Path(sys.argv[2])
from segprofile import pipeline
study = pipeline.example_study("child-benefit")
t0 = time.perf_counter()
if kind == "segprofile":
    ws = pipeline.Workspace.in_folder(data.parent / "workspace", data_dir=data)
    profile = pipeline.profile_study(ws, study)
    n_segments = sum(len(f.segments) for f in profile.by_feature)
else:
    import numpy as np
    import pandas as pd
    source = study.client_records()
    frame = pd.read_parquet(data / source.path)
    sat_col = study.segmentation.satisfaction.column
    n_segments = 0
    for feature in study.segmented_features():
        col = frame[feature.column]
        if feature.type.value == "numeric":
            edges = feature.binning.thresholds if feature.binning and feature.binning.thresholds \
                else list(col.quantile([0.25, 0.5, 0.75]).unique())
            codes = pd.cut(col, [-np.inf, *edges, np.inf], right=False).astype(str)
        else:
            codes = col.astype(str)
        sat = frame[sat_col]
        agg = pd.DataFrame({"seg": codes, "sat": sat, "happy": (sat >= 4).astype(float).where(sat.notna())})
        out = agg.groupby("seg", dropna=False).agg(capacity=("seg", "size"), n=("sat", "count"),
                                                    mean=("sat", "mean"), happy=("happy", "sum"))
        n_segments += len(out)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak, "segments": n_segments}))
"""


def _child(kind: str, data: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cli(args: list[str]) -> dict[str, float]:
    """Run ``segprofile ARGS`` as a child process: wall, processor time and peak memory."""
    script = Path(sys.executable).with_name("segprofile")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "segprofile.cli"]
    with tempfile.TemporaryFile("w+") as out:  # files, not pipes: wait4 reads nothing
        t0 = time.perf_counter()
        proc = subprocess.Popen([*command, *args], stdout=out, stderr=subprocess.STDOUT)
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


def report_end_to_end(data: Path, out_dir: Path) -> None:
    """Issue #8: ``segprofile report`` in every format, timed from the command line."""
    from segprofile import examples

    study = examples.EXAMPLES[EXAMPLE].study_path
    print(
        f"report end to end from the CLI, {EXAMPLE}, {ROWS:,} rows "
        f"(segprofile report: study, profile, document; {REPORT_REPEAT} run(s) per format):"
    )
    total = 0.0
    for fmt in REPORT_FORMATS:
        target = out_dir / f"report.{fmt}"
        args = ["report", str(study), "--data", str(data), "--format", fmt, "--out", str(target)]
        runs = [_cli(args) for _ in range(REPORT_REPEAT)]
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        total += wall
        verdict = "meets" if wall < REPORT_GOAL_S else "MISSES"
        print(
            f"  {fmt:<5} {wall:6.1f} s wall (cpu {cpu:6.1f} s), peak memory {peak:5.0f} MB, "
            f"{target.stat().st_size // 1024:,} KB — {verdict} the goal < {REPORT_GOAL_S:.0f} s"
        )
    print(f"  all four formats: {total:.1f} s wall in total")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        gen = _cli(["demo-data", EXAMPLE, "--rows", str(ROWS), "--seed", "42", "--out", tmp])
        print(
            f"segprofile demo-data {EXAMPLE}: {ROWS:,} rows in {gen['seconds']:.1f} s wall "
            f"(cpu {gen['cpu']:.1f} s), peak memory {gen['peak_mb']:.0f} MB "
            "(goal < 60 s for 1,000,000)"
        )
        ours = min((_child("segprofile", data) for _ in range(3)), key=lambda r: r["seconds"])
        peer = min((_child("pandas", data) for _ in range(3)), key=lambda r: r["seconds"])
        print(
            f"profile, {ROWS:,} rows (segprofile: segments of every feature, traits, blind zones, "
            f"survey baseline, priority; peer: pandas per-feature group-bys only): "
            f"segprofile {ours['seconds']:.2f} s, "
            f"peak {ours['peak_mb']:.0f} MB; pandas peer {peer['seconds']:.2f} s, "
            f"peak {peer['peak_mb']:.0f} MB"
        )
        print(f"ratio time segprofile/pandas = {ours['seconds'] / peer['seconds']:.2f}")
        print(f"ratio peak memory segprofile/pandas = {ours['peak_mb'] / peer['peak_mb']:.2f}")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bench process peak memory: {own:.0f} MB")
        report_end_to_end(data, data / "reports")


if __name__ == "__main__":
    main()
