"""KPrototypes against its peers on planted mixed data: kmodes' KPrototypes and scikit-learn's
KMeans on one-hot + standardised columns. ARIs and costs are measured, not assumed.

Measured on the data below (seeded; asserted as orderings; ``pytest -s`` prints them):

* 5,000 rows, 4 planted clusters, 6 categorical + 3 numeric columns, 3 % missing per column:
  ours (all defaults) ARI 0.81 vs KMeans (one-hot + z-scores, n_init=10) 0.43.
* 1,000 rows of the same kind, n_init=3: ours (defaults) ARI 0.80; init "cao" 0.55 vs kmodes
  "Cao" 0.36; init "huang" 0.74 vs kmodes "Huang" 0.36 (kmodes gets z-scored, mean-imputed
  numbers and a "missing" level: its best use).
* Cost at kmodes' own gamma on z-scored data without missing values (400 rows, one shared cost
  function, same init and n_init): ours/kmodes 1.000, 0.999, 1.000 (Cao) and 1.000, 1.000,
  0.997 (Huang) on the three data sets — parity, see the test's docstring.
* Gamma: "balanced" ARI 0.83 / 0.83 vs Huang's rule 0.30 / 0.20 where categories carry the
  segments.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from segprofile.analysis._kproto_synthetic import planted_mixed
from segprofile.analysis.kprototypes import KPrototypes

kmodes_kprototypes = pytest.importorskip("kmodes.kprototypes")


def mixed_cost(num: np.ndarray, cat: np.ndarray, labels: np.ndarray, gamma: float) -> float:
    """Cost of a partition, the same definition for every estimator: squared Euclidean
    distance of the numbers to their cluster mean plus ``gamma`` × mismatches of the
    categories with their cluster mode."""
    total = 0.0
    for c in np.unique(labels):
        rows = labels == c
        block = num[rows]
        total += float(((block - block.mean(axis=0)) ** 2).sum())
        for j in range(cat.shape[1]):
            _levels, counts = np.unique(cat[rows, j], return_counts=True)
            total += gamma * float(rows.sum() - counts.max())
    return total


def test_mixed_cost_hand_computed() -> None:
    num = np.array([[0.0], [2.0], [10.0]])
    cat = np.array([["a"], ["b"], ["b"]], dtype=object)
    # Cluster {0, 1}: 1 + 1 squared, one mismatch; cluster {2}: nothing.
    assert mixed_cost(num, cat, np.array([0, 0, 1]), gamma=3.0) == 2.0 + 3.0


def _peer_inputs(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """What kmodes needs: numbers z-scored with the mean imputed (it refuses NaN), categories
    with a "missing" level; its object matrix and the categorical indices."""
    num_cols = [c for c in frame if c.startswith("x")]
    cat_cols = [c for c in frame if c.startswith("c")]
    num = frame[num_cols].to_numpy(dtype=np.float64)
    num = np.where(np.isnan(num), np.nanmean(num, axis=0), num)
    num = (num - num.mean(axis=0)) / num.std(axis=0)
    cat = frame[cat_cols].fillna("<missing>").to_numpy(dtype=object)
    matrix = np.hstack([num.astype(object), cat])
    return num, cat, matrix, list(range(len(num_cols), len(num_cols) + len(cat_cols)))


def _kmodes(matrix: np.ndarray, cat_idx: list[int], **params: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kmodes_kprototypes.KPrototypes(n_jobs=1, random_state=0, **params).fit(
            matrix, categorical=cat_idx
        )


def test_default_beats_kmeans_on_one_hot_standardised_data() -> None:
    frame, truth = planted_mixed(5000, random_state=0)
    ours = KPrototypes(4, random_state=0).fit(frame)
    cat = frame[[c for c in frame if c.startswith("c")]].fillna("<missing>")
    num = frame[[c for c in frame if c.startswith("x")]]
    num = num.fillna(num.mean())
    onehot = np.hstack(
        [
            OneHotEncoder(sparse_output=False).fit_transform(cat),
            StandardScaler().fit_transform(num),
        ]
    )
    kmeans = KMeans(4, n_init=10, random_state=0).fit(onehot)
    ari_ours = adjusted_rand_score(truth, ours.labels_)
    ari_kmeans = adjusted_rand_score(truth, kmeans.labels_)
    print(f"ARI ours {ari_ours:.3f}, KMeans one-hot {ari_kmeans:.3f}")
    assert ari_ours >= ari_kmeans
    assert ari_ours > 0.6


@pytest.fixture(scope="module")
def small_planted() -> tuple[pd.DataFrame, np.ndarray]:
    return planted_mixed(1000, random_state=0)


@pytest.fixture(scope="module")
def kmodes_fits(small_planted: tuple[pd.DataFrame, np.ndarray]) -> dict[str, Any]:
    frame, _ = small_planted
    _num, _cat, matrix, cat_idx = _peer_inputs(frame)
    return {
        init: _kmodes(matrix, cat_idx, n_clusters=4, init=init, n_init=3)
        for init in ("Cao", "Huang")
    }


def test_default_beats_kmodes(
    small_planted: tuple[pd.DataFrame, np.ndarray], kmodes_fits: dict[str, Any]
) -> None:
    frame, truth = small_planted
    ours = adjusted_rand_score(truth, KPrototypes(4, random_state=0).fit(frame).labels_)
    peers = {k: adjusted_rand_score(truth, m.labels_) for k, m in kmodes_fits.items()}
    print(f"ARI ours (defaults) {ours:.3f}, kmodes {peers}")
    assert ours >= max(peers.values())


@pytest.mark.parametrize(("ours_init", "peer_init"), [("cao", "Cao"), ("huang", "Huang")])
def test_same_init_and_n_init_as_kmodes_scores_at_least_as_well(
    small_planted: tuple[pd.DataFrame, np.ndarray],
    kmodes_fits: dict[str, Any],
    ours_init: str,
    peer_init: str,
) -> None:
    frame, truth = small_planted
    ours = KPrototypes(4, init=ours_init, n_init=3, random_state=0).fit(frame)
    ari_ours = adjusted_rand_score(truth, ours.labels_)
    ari_peer = adjusted_rand_score(truth, kmodes_fits[peer_init].labels_)
    print(f"init {ours_init}: ARI ours {ari_ours:.3f}, kmodes {ari_peer:.3f}")
    assert ari_ours >= ari_peer


def _same_objective(
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], pd.DataFrame]:
    """z-scored numbers without missing values: both estimators minimise the same cost."""
    frame, _ = planted_mixed(400, random_state=seed, missing_rate=0.0)
    num, cat, matrix, cat_idx = _peer_inputs(frame)
    inputs = pd.concat(
        [
            pd.DataFrame(num, columns=[f"x{j}" for j in range(num.shape[1])]),
            pd.DataFrame(cat, columns=[f"c{j}" for j in range(cat.shape[1])]),
        ],
        axis=1,
    )
    return num, cat, matrix, cat_idx, inputs


@pytest.mark.parametrize(("ours_init", "peer_init"), [("cao", "Cao"), ("huang", "Huang")])
def test_cost_no_worse_than_kmodes_at_the_same_gamma(ours_init: str, peer_init: str) -> None:
    """Same k, init, n_init (3) and gamma (kmodes' own), costs from one shared function.

    Each run of either estimator ends in some local optimum, so on a single data set either may
    win by a fraction of a percent. Measured over 8 data sets (400 rows, seeds 0-7, n_init=3):
    ours/kmodes from 0.997 to 1.001 (mean 0.999) with Cao and from 0.997 to 1.004 (mean 1.0004)
    with Huang; per single run, the mean excess over the best cost found was the same for both
    (1.004-1.02, 500 rows). So at equal restarts the two are at parity, not one ahead: the mean
    over the first three data sets must be within 0.5 %. With more restarts, which cost us
    milliseconds, ours must be within 0.5 % on each.
    """
    same_runs, more_runs = [], []
    for seed in (0, 1, 2):
        num, cat, matrix, cat_idx, inputs = _same_objective(seed)
        peer = _kmodes(matrix, cat_idx, n_clusters=4, init=peer_init, n_init=3)
        gamma = float(peer.gamma)
        cost_peer = mixed_cost(num, cat, np.asarray(peer.labels_), gamma)
        kw: dict[str, Any] = {"gamma": gamma, "standardize": False, "random_state": 0}
        same = KPrototypes(4, init=ours_init, n_init=3, **kw).fit(inputs)
        more = KPrototypes(4, init=ours_init, n_init=10, **kw).fit(inputs)
        same_runs.append(mixed_cost(num, cat, same.labels_, gamma) / cost_peer)
        more_runs.append(mixed_cost(num, cat, more.labels_, gamma) / cost_peer)
        # Our own cost_ is the same quantity: its centroids are the cluster means and modes.
        assert same.cost_ == pytest.approx(mixed_cost(num, cat, same.labels_, gamma), rel=1e-6)
    print(
        f"init {ours_init}: cost ours/kmodes at n_init=3 {np.round(same_runs, 4)}, "
        f"ours at n_init=10 {np.round(more_runs, 4)}"
    )
    assert np.mean(same_runs) <= 1.005
    assert max(more_runs) <= 1.005


def test_balanced_gamma_beats_huangs_rule() -> None:
    """The gamma study in one assertion (bench/bench_kprototypes.py --gamma-study has the
    table): on standardised data Huang's 0.5·σ rule gives categories too little weight."""
    scores: dict[str, list[float]] = {"balanced": [], "huang": []}
    for seed in (0, 1):
        frame, truth = planted_mixed(
            2000, random_state=seed, categorical_separation=0.6, numeric_separation=0.6
        )
        for rule in scores:
            model = KPrototypes(4, gamma=rule, n_init=4, random_state=0).fit(frame)
            scores[rule].append(adjusted_rand_score(truth, model.labels_))
    print({rule: np.round(v, 3).tolist() for rule, v in scores.items()})
    assert np.mean(scores["balanced"]) > np.mean(scores["huang"]) + 0.2
