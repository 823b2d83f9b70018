"""KPrototypes against its peers on planted mixed data: kmodes' KPrototypes and scikit-learn's
KMeans on one-hot + standardised columns. ARIs and costs are measured, not assumed.

Measured on the data below (seeded; asserted as orderings; ``pytest -s`` prints them):

* 5,000 rows, 4 planted clusters, 6 categorical + 3 numeric columns, 3 % missing per column:
  ours (all defaults) ARI 0.81 vs KMeans (one-hot + z-scores, n_init=10) 0.43.
* 1,000 rows of the same kind, n_init=3: ours (defaults) ARI 0.80; init "cao" 0.55 vs kmodes
  "Cao" 0.36; init "huang" 0.74 vs kmodes "Huang" 0.36 (kmodes gets z-scored, mean-imputed
  numbers and a "missing" level: its best use).
* Best cost at kmodes' own gamma on z-scored data without missing values (1,500 rows, one
  shared cost function, n_init = 5, best of three random states): ours never above kmodes'
  best (Cao and Huang) — e.g. seed 3, k = 5: 4352.33 against 4352.50, where ours was 4378.0
  (+0.6 %) while every restart was seeded by Cao; on soybean (k-modes) k = 5: 176 mismatches
  against 177, k = 6: 160 against 162.
* Gamma: "balanced" ARI 0.83 / 0.83 vs Huang's rule 0.30 / 0.20 where categories carry the
  segments.
"""

from __future__ import annotations

import warnings
from pathlib import Path
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
kmodes_kmodes = pytest.importorskip("kmodes.kmodes")

SOYBEAN = Path(__file__).parents[1] / "data" / "soybean.csv"


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


def _kmodes(matrix: np.ndarray, cat_idx: list[int], seed: int = 0, **params: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kmodes_kprototypes.KPrototypes(n_jobs=1, random_state=seed, **params).fit(
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


def _best_of_three(fit_cost: Any) -> float:
    return min(fit_cost(random_state) for random_state in range(3))


@pytest.mark.parametrize(
    ("seed", "k"),
    # Two of the 24 data sets measured (below): the kmodes peer is slow pure Python, and
    # ``make test`` keeps to its time; (3, 5) is the one where Cao-only restarts lost.
    [(1, 2), (3, 5)],
)
def test_best_cost_not_above_kmodes_at_the_same_restarts(seed: int, k: int) -> None:
    """Same data, k, gamma (kmodes' own) and n_init (5); costs from one shared function.

    Our best over three random states against kmodes' best over its two inits ("Cao", "Huang")
    and three random states each. Measured on 24 such data sets (seeds 0-7, k = 4, 5, 7): ours
    was never above; without the random swaps, 29 % of them were (up to +0.6 %), and with
    every run seeded by Cao as before, restarts found nothing new (seed 3, k = 5: +0.6 %).
    """
    frame, _ = planted_mixed(1500, n_clusters=5, random_state=seed, missing_rate=0.0)
    num, cat, matrix, cat_idx = _peer_inputs(frame)
    inputs = pd.concat(
        [
            pd.DataFrame(num, columns=[f"x{j}" for j in range(num.shape[1])]),
            pd.DataFrame(cat, columns=[f"c{j}" for j in range(cat.shape[1])]),
        ],
        axis=1,
    )
    peers = [
        _kmodes(matrix, cat_idx, n_clusters=k, init=init, n_init=5, seed=rs)
        for init in ("Cao", "Huang")
        for rs in range(3)
    ]
    gamma = float(peers[0].gamma)
    peer_best = min(mixed_cost(num, cat, np.asarray(p.labels_), gamma) for p in peers)

    def ours(random_state: int) -> float:
        model = KPrototypes(
            k, init="cao", n_init=5, gamma=gamma, standardize=False, random_state=random_state
        ).fit(inputs)
        return mixed_cost(num, cat, model.labels_, gamma)

    best = _best_of_three(ours)
    print(f"seed {seed}, k = {k}: best cost ours {best:.2f}, kmodes {peer_best:.2f}")
    assert best <= peer_best * (1 + 1e-12)


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_soybean_best_cost_not_above_kmodes(k: int) -> None:
    """k-modes on the 35 categories of soybean: our best mismatch count over three random
    states is at most kmodes' best (Cao and Huang, three random states each), n_init = 5."""
    frame = pd.read_csv(SOYBEAN, header=None)
    rows = frame.iloc[:, :35].astype(str)
    cat = rows.to_numpy(dtype=object)
    none = np.empty((len(rows), 0))
    peers = [
        kmodes_kmodes.KModes(n_clusters=k, init=init, n_init=5, random_state=rs).fit(cat)
        for init in ("Cao", "Huang")
        for rs in range(3)
    ]
    peer_best = min(mixed_cost(none, cat, np.asarray(p.labels_), 1.0) for p in peers)

    def ours(random_state: int) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 14 of the 35 columns are constant
            model = KPrototypes(k, init="cao", n_init=5, random_state=random_state).fit(rows)
        return mixed_cost(none, cat, model.labels_, 1.0)

    best = _best_of_three(ours)
    print(f"soybean k = {k}: mismatches ours {best:.0f}, kmodes {peer_best:.0f}")
    assert best <= peer_best


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
