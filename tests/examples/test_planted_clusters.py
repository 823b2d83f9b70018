"""Quality, measured: planted segments in realistic mixed exports are recovered by the
profile's clusters as well as by scikit-learn's KMeans on one-hot encoded, standardised data (M-4).

One test over twelve exports at the planted k (seconds each); with the k the rule recommends
the comparison is a benchmark (``bench/bench_clusters.py``, minutes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from segprofile import pipeline
from segprofile.analysis._kproto_synthetic import (
    CLIENT_LEVELS,
    CLIENT_NUMERIC,
    planted_clients,
    planted_clients_features,
)
from segprofile.analysis.clusters import fit_clusters
from segprofile.data.engine import connect, execute, open_source
from segprofile.model.study import Study

# --- planted segments in a realistic export: the profile's clusters against KMeans ----------------

#: Rows per export: 5,000 recover the planted segments as well as 10,000 (mean ARI 0.773 against
#: 0.778 for ours, 0.758 against 0.747 for KMeans) in half the time.
CLIENT_ROWS = 5_000
#: KMeans is fitted with this many random states per export and its ARIs averaged: one fit
#: is a lottery between basins of nearly the same cost (on one export a single k-means++ run
#: reached the best of them one time in six, for scikit-learn's KMeans and ours alike).
PEER_STATES = 3
#: Exports compared. On a single export either side may be far ahead (±0.2 ARI: the lowest
#: cost is not always the planted partition, and KMeans' ten runs do not always reach it), so
#: the bar is on the mean over a dozen.
SEEDS = range(12)


def _clients_study(n_clusters: int | None, k_range: tuple[int, int] = (2, 8)) -> Study:
    features = planted_clients_features()
    return pipeline.study_from_data(
        {
            "id": "planted",
            "title": "Заложенные сегменты",
            "scope": {
                "kind": "service",
                "title": "Услуга",
                "body": "Ведомство",
                "client_types": ["citizen"],
            },
            "roles": [{"id": "applicant", "kind": "applicant", "title": "Заявитель"}],
            "data_sources": [
                {
                    "id": "records",
                    "kind": "client_records",
                    "path": "records.parquet",
                    "id_column": "client_id",
                }
            ],
            "features": features,
            "segmentation": {
                "satisfaction": {"column": "satisfaction"},
                "clustering": {
                    "features": [f["id"] for f in features],
                    "k_range": list(k_range),
                    "n_clusters": n_clusters,
                },
            },
        }
    )


def _kmeans_one_hot(frame: pd.DataFrame, k: int, random_state: int) -> np.ndarray:
    """scikit-learn's KMeans on one-hot encoded categories (missing = own level) and numbers
    (missing = the mean), every column standardised; n_init = 10.

    On one thread: the labels are the same as with more (the same ARIs on the exports measured),
    and a test run's other process keeps the other core. With OpenMP threads on every core of a
    busy 2-core machine, five fits took up to 95 s (0.6 s on an idle one; one thread: 0.3 s of
    CPU for three)."""
    categorical = [c for c in frame if c in CLIENT_LEVELS]
    numeric = [c for c in frame if c in CLIENT_NUMERIC]
    hot = OneHotEncoder(sparse_output=False).fit_transform(
        frame[categorical].astype(object).where(frame[categorical].notna(), "<NA>")
    )
    numbers = frame[numeric].fillna(frame[numeric].mean()).to_numpy()
    x = StandardScaler().fit_transform(np.hstack([hot, numbers]))
    with threadpool_limits(limits=1):
        return np.asarray(KMeans(k, n_init=10, random_state=random_state).fit(x).labels_)


def planted_ari(tmp: Path, seed: int, *, recommended: bool) -> dict[str, float | str]:
    """ARI of the profile's clusters on one planted export: at the planted k (the range cut to
    it: the other k are fitted only to explain the choice), with the k the rule recommends if
    ``recommended`` (the whole range 2–8, seconds more), and of KMeans on one-hot data at the
    planted k (mean over ``PEER_STATES`` random states)."""
    n_segments = 4 + seed % 3
    frame, truth = planted_clients(
        CLIENT_ROWS, n_segments=n_segments, separation=1.8, random_state=seed
    )
    frame.insert(0, "client_id", [f"c{i:06d}" for i in range(len(frame))])
    frame.to_parquet(tmp / "records.parquet", index=False)
    studies = {"fixed": _clients_study(n_segments, (n_segments, n_segments))}
    if recommended:
        studies["recommended"] = _clients_study(None)
    out: dict[str, float | str] = {}
    for name, study in studies.items():
        engine = connect()
        try:
            source = open_source(engine, study.client_records(), tmp)  # type: ignore[arg-type]
            fitted, _ = fit_clusters(study, source, sample_key="client_id")
            assert fitted is not None
            table = source.table
            labels = execute(fitted.assign(table, "cluster").select("client_id", "cluster"))
        finally:
            engine.close()
        cluster = labels.set_index("client_id")["cluster"].reindex(frame["client_id"]).to_numpy()
        out[name] = float(adjusted_rand_score(truth, cluster))
        out[f"{name}_how"] = f"{fitted.choice.method} k={fitted.choice.chosen_k}"
    out["kmeans"] = float(
        np.mean(
            [
                adjusted_rand_score(truth, _kmeans_one_hot(frame, n_segments, random_state))
                for random_state in range(PEER_STATES)
            ]
        )
    )
    return out


@pytest.mark.slow
def test_planted_segments_recovered_as_well_as_kmeans_on_one_hot(tmp_path: Path) -> None:
    """With k fixed at the planted number, the profile's clusters (the method chosen by the
    Gower silhouette at that k, every row labelled in the engine) recover the planted segments
    at least as well as KMeans on standardised one-hot data: the mean ARI over twelve exports
    no more than 0.02 below. Measured (2026-12-06, 5,000 rows per export): 0.773 against
    0.758 (10,000 rows: 0.778 against 0.747); k-prototypes alone
    (categories by their mode) was far behind on such data (ARI 0.57 against 0.78 at 20,000
    rows, nine exports).

    The same comparison with the k the rule recommends (the whole range fitted on every
    export, minutes) is ``bench/bench_clusters.py``: 0.769 against 0.747."""
    ours, peers = [], []
    for seed in SEEDS:
        found = planted_ari(tmp_path, seed, recommended=False)
        print(
            f"\nseed {seed}: ARI ours {found['fixed']:.3f} ({found['fixed_how']}), "
            f"KMeans one-hot {found['kmeans']:.3f}"
        )
        ours.append(float(found["fixed"]))
        peers.append(float(found["kmeans"]))
    print(f"mean ARI ours {np.mean(ours):.3f}, KMeans {np.mean(peers):.3f}")
    assert np.mean(ours) >= np.mean(peers) - 0.02
