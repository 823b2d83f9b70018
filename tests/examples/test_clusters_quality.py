"""Quality, measured: the child-benefit example's planted applicant types are recovered (M-4).

The generator plants five applicant types (README «Заложенная структура»: 34 / 20 / 16 / 12 /
18 %) whose feature mixes overlap a good deal (every type has city dwellers, EPGU users,
families with one or two children…), so even the true k cannot reach ARI 1. The clusters are
fitted by the pipeline's own step (:func:`segprofile.analysis.clusters.fit_clusters`) and every
application is labelled in the engine by the assignment expression, then compared with the
planted type of the same application (joined by ``client_id``).

Measured (20,000 rows, seed 42, on 2026-11-22): with k fixed at the planted 5, ARI 0.547;
with the k the rule recommends, k = 6 and ARI 0.540. Since the method (categories as modes or
as one-hot indicators) is chosen with k by the same silhouette (2026-12-06): k fixed at 5,
ARI 0.514; the rule recommends k = 3 (one-hot: silhouette 0.36 against at most 0.27 for any
other pair, bootstrap ARI 0.98), ARI 0.399. The recommended k moves between 3 and 6 with the
sample and the method (the large-family and disability types share most of their traits and
are not stable on resamples). The thresholds leave a margin below the measured values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from segprofile import pipeline
from segprofile.analysis._kproto_synthetic import (
    CLIENT_LEVELS,
    CLIENT_NUMERIC,
    planted_clients,
    planted_clients_features,
)
from segprofile.analysis.clusters import fit_clusters
from segprofile.data.engine import connect, execute, open_source
from segprofile.examples import child_benefit
from segprofile.model.study import Study

ROWS = 20_000
SEED = 42


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.Series]:
    out = tmp_path_factory.mktemp("child_benefit")
    pipeline.generate_demo_data("child-benefit", out, rows=ROWS, seed=SEED)
    # The generator's first draw is the records table: the same seed gives its planted types.
    _, internals = child_benefit._records(np.random.default_rng(SEED), ROWS)
    truth = pd.Series(internals["cluster"], index=internals["client_id"], name="truth")
    return out, truth


def _ari(data_dir: Path, truth: pd.Series, n_clusters: int | None) -> tuple[float, int]:
    study = pipeline.example_study("child-benefit")
    study.segmentation.clustering.n_clusters = n_clusters
    engine = connect()
    try:
        source = open_source(engine, study.client_records(), data_dir)  # type: ignore[arg-type]
        fitted, _ = fit_clusters(study, source, sample_key="client_id")
        assert fitted is not None
        table = source.table
        labels = execute(table.select("client_id", cluster=fitted.assignment(table)))
    finally:
        engine.close()
    joined = labels.set_index("client_id").join(truth)
    assert len(joined) == ROWS
    assert joined["truth"].notna().all()
    return float(adjusted_rand_score(joined["truth"], joined["cluster"])), fitted.choice.chosen_k


def test_planted_types_recovered_with_the_planted_k(example: tuple[Path, pd.Series]) -> None:
    data_dir, truth = example
    ari, k = _ari(data_dir, truth, n_clusters=5)
    print(f"\nchild-benefit, k fixed at 5: ARI {ari:.3f}")
    assert k == 5
    assert ari >= 0.45


def test_planted_types_recovered_with_the_recommended_k(example: tuple[Path, pd.Series]) -> None:
    data_dir, truth = example
    ari, k = _ari(data_dir, truth, n_clusters=None)
    print(f"\nchild-benefit, recommended k = {k}: ARI {ari:.3f}")
    assert 3 <= k <= 7
    assert ari >= 0.3


# --- planted segments in a realistic export: the profile's clusters against KMeans ----------------

CLIENT_ROWS = 10_000
#: KMeans is fitted with this many random states per export and its ARIs averaged: one fit
#: is a lottery between basins of nearly the same cost (on one export a single k-means++ run
#: reached the best of them one time in six, for scikit-learn's KMeans and ours alike).
PEER_STATES = 3
#: Exports compared. On a single export either side may be far ahead (±0.2 ARI: the lowest
#: cost is not always the planted partition, and KMeans' ten runs do not always reach it), so
#: the bar is on the mean over a dozen.
SEEDS = range(12)


def _clients_study(n_clusters: int | None) -> Study:
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
                    "k_range": [2, 8],
                    "n_clusters": n_clusters,
                },
            },
        }
    )


def _kmeans_one_hot(frame: pd.DataFrame, k: int, random_state: int) -> np.ndarray:
    """scikit-learn's KMeans on one-hot encoded categories (missing = own level) and numbers
    (missing = the mean), every column standardised; n_init = 10."""
    categorical = [c for c in frame if c in CLIENT_LEVELS]
    numeric = [c for c in frame if c in CLIENT_NUMERIC]
    hot = OneHotEncoder(sparse_output=False).fit_transform(
        frame[categorical].astype(object).where(frame[categorical].notna(), "<NA>")
    )
    numbers = frame[numeric].fillna(frame[numeric].mean()).to_numpy()
    x = StandardScaler().fit_transform(np.hstack([hot, numbers]))
    return np.asarray(KMeans(k, n_init=10, random_state=random_state).fit(x).labels_)


def _profile_ari(tmp: Path, seed: int, *, fixed: bool) -> tuple[float, float, str]:
    n_segments = 4 + seed % 3
    frame, truth = planted_clients(
        CLIENT_ROWS, n_segments=n_segments, separation=1.8, random_state=seed
    )
    frame.insert(0, "client_id", [f"c{i:06d}" for i in range(len(frame))])
    frame.to_parquet(tmp / "records.parquet", index=False)
    study = _clients_study(n_segments if fixed else None)
    engine = connect()
    try:
        source = open_source(engine, study.client_records(), tmp)  # type: ignore[arg-type]
        fitted, _ = fit_clusters(study, source, sample_key="client_id")
        assert fitted is not None
        table = source.table
        labels = execute(table.select("client_id", cluster=fitted.assignment(table)))
    finally:
        engine.close()
    cluster = labels.set_index("client_id")["cluster"].reindex(frame["client_id"]).to_numpy()
    ours = float(adjusted_rand_score(truth, cluster))
    peer = float(
        np.mean(
            [
                adjusted_rand_score(truth, _kmeans_one_hot(frame, n_segments, random_state))
                for random_state in range(PEER_STATES)
            ]
        )
    )
    return ours, peer, f"{fitted.choice.method} k={fitted.choice.chosen_k}"


@pytest.mark.slow
def test_planted_segments_recovered_as_well_as_kmeans_on_one_hot(tmp_path: Path) -> None:
    """With k fixed at the planted number, the profile's clusters (the method chosen by the
    Gower silhouette at that k, every row labelled in the engine) recover the planted segments
    at least as well as KMeans on standardised one-hot data: the mean ARI over twelve exports
    no more than 0.02 below. Measured: 0.778 against 0.747; k-prototypes alone (categories by
    their mode) was far behind on such data (ARI 0.57 against 0.78 at 20,000 rows, nine
    exports)."""
    ours, peers = [], []
    for seed in SEEDS:
        a, b, how = _profile_ari(tmp_path, seed, fixed=True)
        print(f"\nseed {seed}: ARI ours {a:.3f} ({how}), KMeans one-hot {b:.3f}")
        ours.append(a)
        peers.append(b)
    print(f"mean ARI ours {np.mean(ours):.3f}, KMeans {np.mean(peers):.3f}")
    assert np.mean(ours) >= np.mean(peers) - 0.02


@pytest.mark.slow
def test_planted_segments_recovered_with_the_recommended_k(tmp_path: Path) -> None:
    """The same exports with k chosen by the rule: the profile's clusters still recover the
    planted segments as well as KMeans given the planted k (mean ARI no more than 0.02
    below), though the rule may choose a coarser or finer k on a single export. Measured:
    0.769 against 0.747 (one-hot chosen on nine exports, k-prototypes on three)."""
    ours, peers = [], []
    for seed in SEEDS:
        a, b, how = _profile_ari(tmp_path, seed, fixed=False)
        print(f"\nseed {seed}: ARI ours {a:.3f} ({how}), KMeans one-hot at the planted k {b:.3f}")
        ours.append(a)
        peers.append(b)
    print(f"mean ARI ours {np.mean(ours):.3f}, KMeans {np.mean(peers):.3f}")
    assert np.mean(ours) >= np.mean(peers) - 0.02
