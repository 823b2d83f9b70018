"""Benchmarks, printed as ratios against a peer measured in the same run (never asserted).

    make bench                 # 1,000,000 rows
    BENCH_ROWS=200000 make bench

1. Demo data: time to generate the child-benefit example (goal: 1,000,000 rows in < 60 s).
2. Profile: `segprofile.pipeline.profile_study` (Ibis on DuckDB, aggregates only) against a
   pandas peer that loads the whole table and runs the same per-feature group-bys.
   Peak memory of each, measured in a child process (ru_maxrss).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
EXAMPLE = "child-benefit"

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, data = sys.argv[1], Path(sys.argv[2])
from segprofile import pipeline
study = pipeline.example_study("child-benefit")
t0 = time.perf_counter()
if kind == "segprofile":
    profile = pipeline.profile_study(study, data)
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


def main() -> None:
    from segprofile import pipeline

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        t0 = time.perf_counter()
        pipeline.generate_demo_data(EXAMPLE, data, rows=ROWS, seed=42)
        gen = time.perf_counter() - t0
        print(f"demo-data {EXAMPLE}: {ROWS:,} rows in {gen:.1f} s (goal < 60 s for 1,000,000)")
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
        print(f"generator process peak memory: {own:.0f} MB")


if __name__ == "__main__":
    main()
