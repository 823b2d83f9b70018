"""KPrototypes: the scikit-learn contract, hand-computed values, missing values, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from segprofile.analysis import _kproto_core as core
from segprofile.analysis import _kproto_numba, kprototypes
from segprofile.analysis._kproto_synthetic import planted_mixed
from segprofile.analysis.kprototypes import KPrototypes

SOYBEAN = Path(__file__).parents[1] / "data" / "soybean.csv"
BACKENDS = ["numpy", "numba"] if _kproto_numba.AVAILABLE else ["numpy"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the NumPy code and, where numba is installed, the compiled kernels."""
    monkeypatch.setattr(core, "USE_NUMBA", request.param == "numba")
    return str(request.param)


def _mixed(n: int = 600, seed: int = 0, **kw: Any) -> tuple[pd.DataFrame, np.ndarray]:
    return planted_mixed(n, random_state=seed, **kw)


# -- the scikit-learn contract -------------------------------------------------------------------


@parametrize_with_checks([KPrototypes(n_init=2, random_state=0)])
def test_sklearn_estimator_checks(estimator: KPrototypes, check: Any) -> None:
    # Every applicable check passes: no expected failures are declared.
    check(estimator)


def test_init_stores_parameters_only() -> None:
    model = KPrototypes(3, init="bogus", gamma=-1)  # validated in fit, not in __init__
    assert model.get_params()["init"] == "bogus"
    with pytest.raises(ValueError, match="init='bogus' should be one of"):
        model.fit(np.zeros((5, 2)))


def test_keyword_only_after_n_clusters() -> None:
    with pytest.raises(TypeError):
        KPrototypes(3, "cao")  # type: ignore[misc]


# -- hand-computed values ------------------------------------------------------------------------


def test_two_obvious_clusters_hand_computed(backend: str) -> None:
    rows = pd.DataFrame({"x": [0.0, 2.0, 10.0, 12.0], "c": ["a", "a", "b", "b"]})
    model = KPrototypes(2, init="cao", standardize=False, gamma=1.0).fit(rows)
    labels = model.labels_
    assert labels[0] == labels[1] != labels[2] == labels[3]
    first, second = labels[0], labels[2]
    assert model.numeric_centroids_[first, 0] == 1.0
    assert model.numeric_centroids_[second, 0] == 11.0
    assert model.categorical_centroids_[first, 0] == "a"
    assert model.categorical_centroids_[second, 0] == "b"
    # Each row is 1 away from its mean: 4 × 1² and no mismatch.
    assert model.cost_ == 4.0
    assert model.gamma_ == 1.0
    assert list(model.numeric_features_) == [0]
    assert list(model.categorical_features_) == [1]
    assert list(model.feature_names_in_) == ["x", "c"]
    assert model.n_features_in_ == 2


def test_gamma_rules_hand_computed() -> None:
    # One numeric column, population variance 1.25 (values 0..3); one categorical column whose
    # mode covers 3 of 4 rows (mismatch rate 0.25) and Gini impurity 1 - (9 + 1) / 16 = 0.375.
    rows = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "a", "a", "b"]})
    kw: dict[str, Any] = {"standardize": False, "init": "cao"}
    assert KPrototypes(2, gamma="balanced", **kw).fit(rows).gamma_ == pytest.approx(1.25 / 0.25)
    assert KPrototypes(2, gamma="pairwise", **kw).fit(rows).gamma_ == pytest.approx(2.5 / 0.375)
    assert KPrototypes(2, gamma="huang", **kw).fit(rows).gamma_ == pytest.approx(0.5 * 1.25**0.5)
    # Standardised, the numeric variance is 1 whatever the units.
    assert KPrototypes(2, init="cao").fit(rows).gamma_ == pytest.approx(1 / 0.25)


def test_centroids_reported_in_original_units(backend: str) -> None:
    rows, _ = _mixed(800, missing_rate=0.0)
    model = KPrototypes(4, random_state=0).fit(rows)
    for c in range(4):
        members = model.labels_ == c
        expected = rows.loc[members, ["x0", "x1", "x2"]].mean().to_numpy()
        np.testing.assert_allclose(model.numeric_centroids_[c], expected, rtol=1e-9)
    # Standardisation constants are the column means and population standard deviations.
    np.testing.assert_allclose(model.numeric_mean_, rows[["x0", "x1", "x2"]].mean().to_numpy())
    np.testing.assert_allclose(
        model.numeric_scale_, rows[["x0", "x1", "x2"]].std(ddof=0).to_numpy()
    )


def test_labels_equal_predict_on_training_rows(backend: str) -> None:
    rows, _ = _mixed(1000, missing_rate=0.05)
    model = KPrototypes(4, random_state=1).fit(rows)
    np.testing.assert_array_equal(model.predict(rows), model.labels_)
    assert model.labels_.dtype == np.int64
    assert model.n_iter_ >= 1


def test_cost_is_weighted_sum_of_distances_to_own_centroid(backend: str) -> None:
    rows, _ = _mixed(500, missing_rate=0.05)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=len(rows))
    model = KPrototypes(3, random_state=0).fit(rows, sample_weight=sw)
    data = model._encode_predict(rows)
    dist = core.distances(data, model._centroids, model._metric)
    assert model.cost_ == pytest.approx(float(sw @ dist[np.arange(len(rows)), model.labels_]))


@pytest.mark.skipif(not _kproto_numba.AVAILABLE, reason="numba is not installed")
def test_numba_and_numpy_give_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    rows, _ = _mixed(3000, seed=4, missing_rate=0.06)
    sw = np.random.default_rng(1).integers(0, 4, size=len(rows)).astype(float)
    fits = {}
    for flag in (True, False):
        monkeypatch.setattr(core, "USE_NUMBA", flag)
        for policy in ("ignore", "expected"):
            model = KPrototypes(
                5,
                random_state=3,
                numeric_missing=policy,
                feature_weights={"c1": 2.0, "x0": 0.5},
            ).fit(rows, sample_weight=sw)
            fits[(flag, policy)] = model
    for policy in ("ignore", "expected"):
        a, b = fits[(True, policy)], fits[(False, policy)]
        np.testing.assert_array_equal(a.labels_, b.labels_)
        np.testing.assert_array_equal(a.numeric_centroids_, b.numeric_centroids_)
        np.testing.assert_array_equal(a.categorical_centroids_, b.categorical_centroids_)
        assert a.cost_ == b.cost_


def _partition_cost(
    num: np.ndarray, cat: np.ndarray, sw: np.ndarray, labels: np.ndarray, k: int, gamma: float
) -> float:
    """The exact k-prototypes cost of a partition, by brute force: weighted squared distances
    to the weighted means plus gamma × the weight off each cluster's modal level."""
    total = 0.0
    for c in range(k):
        rows = labels == c
        w = sw[rows]
        if w.sum() <= 0:
            continue
        mean = (w[:, None] * num[rows]).sum(axis=0) / w.sum()
        total += float((w[:, None] * (num[rows] - mean) ** 2).sum())
        for j in range(cat.shape[1]):
            counts = np.bincount(cat[rows, j], weights=w, minlength=cat[:, j].max() + 1)
            total += gamma * float(w.sum() - counts.max())
    return total


@pytest.mark.parametrize("weighted", [False, True])
def test_hartigan_ends_where_no_single_row_move_lowers_the_cost(weighted: bool) -> None:
    """Unit weights take the kernel's move tables, other weights the general formulas: either
    way no row may leave its cluster for another at a lower exact cost when it stops."""
    rng = np.random.default_rng(5)
    n, k, gamma = 150, 4, 0.7
    num = rng.normal(size=(n, 2))
    cat = rng.integers(0, 3, size=(n, 3)).astype(np.int32)
    sw = rng.integers(1, 4, size=n).astype(float) if weighted else np.ones(n)
    labels = rng.integers(0, k, size=n).astype(np.int64)
    metric = core.Metric(
        num_weights=np.ones(2),
        cat_weights=np.ones(3),
        gamma=gamma,
        numeric_missing="ignore",
        categorical_missing="level",
        num_fill=np.zeros(2),
        num_var=np.ones(2),
        n_levels=np.full(3, 2, dtype=np.int64),  # levels 0-1, code 2 is the "missing" level
        cat_modes=np.zeros(3, dtype=np.int32),
    )
    data = core.Data(np.asfortranarray(num), None, np.asfortranarray(cat))
    start = _partition_cost(num, cat, sw, labels, k, gamma)
    _passes, settled = core.hartigan(data, sw, labels, k, metric)
    assert settled
    cost = _partition_cost(num, cat, sw, labels, k, gamma)
    assert cost < start
    for i in range(n):
        for b in range(k):
            if b == labels[i] or (sw[labels == labels[i]].sum() - sw[i]) <= 0:
                continue
            moved = labels.copy()
            moved[i] = b
            assert _partition_cost(num, cat, sw, moved, k, gamma) >= cost - 1e-9


# -- soybean: the kmodes project's own expectation -------------------------------------------------


def test_soybean_cao_recovers_the_four_classes_exactly(backend: str) -> None:
    frame = pd.read_csv(SOYBEAN, header=None)
    rows = frame.iloc[:, :35].astype(str)
    truth = frame.iloc[:, 35].to_numpy()
    with pytest.warns(UserWarning, match="single value"):  # 14 of the 35 columns are constant
        model = KPrototypes(n_clusters=4, init="cao").fit(rows)
    assert model.numeric_features_.size == 0
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    # Exactly one cluster per class: a perfect permutation of the labels.
    pairs = set(zip(truth.tolist(), model.labels_.tolist(), strict=True))
    assert len(pairs) == 4


# -- inputs --------------------------------------------------------------------------------------


def test_categorical_columns_inferred_from_dtypes() -> None:
    n = 40
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50, 10, n),
            "channel": rng.choice(["web", "mfc"], n).astype(object),
            "region": pd.Categorical(rng.choice(["n", "s", "e"], n)),
            "single": rng.random(n) < 0.3,
            "status": pd.array(rng.choice(["a", "b"], n), dtype="string"),
            "children": pd.array(rng.integers(0, 3, n), dtype="Int64"),
        }
    )
    model = KPrototypes(2, random_state=0).fit(rows)
    assert list(model.numeric_features_) == [0, 1, 6]
    assert list(model.categorical_features_) == [2, 3, 4, 5]
    assert model.categories_[2].tolist() == [False, True]


def test_categorical_by_name_or_index_overrides_dtypes() -> None:
    rows = pd.DataFrame({"code": [1, 2, 1, 2, 3, 3], "x": [0.1, 0.2, 0.1, 0.3, 5.0, 5.1]})
    by_name = KPrototypes(2, init="cao").fit(rows, categorical=["code"])
    by_index = KPrototypes(2, init="cao").fit(rows, categorical=0)
    assert list(by_name.categorical_features_) == [0]
    np.testing.assert_array_equal(by_name.labels_, by_index.labels_)
    assert by_name.categories_[0].tolist() == [1, 2, 3]


def test_numpy_object_array_columns_inferred() -> None:
    rows = np.empty((4, 3), dtype=object)
    rows[:, 0] = [1.5, 2.5, 9.0, 9.5]
    rows[:, 1] = ["a", "b", "a", None]
    rows[:, 2] = [True, False, True, False]
    model = KPrototypes(2, init="cao").fit(rows)
    assert list(model.numeric_features_) == [0]
    assert list(model.categorical_features_) == [1, 2]
    assert not hasattr(model, "feature_names_in_")


def test_non_numeric_column_not_listed_as_categorical_is_refused() -> None:
    rows = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    with pytest.raises(
        ValueError, match=r"Column 'c' holds values that are not numbers.*categorical="
    ):
        KPrototypes(2).fit(rows, categorical=[])


def test_unknown_categorical_column_is_refused() -> None:
    rows = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="no column named 'colour'"):
        KPrototypes(2).fit(rows, categorical=["colour"])
    with pytest.raises(ValueError, match="column index 5 is out of range for 2"):
        KPrototypes(2).fit(rows, categorical=[5])


def test_predict_with_wrong_columns_is_refused() -> None:
    rows, _ = _mixed(100)
    model = KPrototypes(2, random_state=0).fit(rows)
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(rows[list(reversed(rows.columns))])
    with pytest.raises(ValueError, match="X has 8 features, but KPrototypes is expecting 9"):
        model.predict(rows.iloc[:, :8].to_numpy())


# -- missing values: explicit policies -------------------------------------------------------------


def test_rows_with_missing_values_are_never_dropped() -> None:
    rows, _ = _mixed(700, missing_rate=0.2)
    assert rows.isna().any(axis=1).mean() > 0.5
    model = KPrototypes(3, random_state=0).fit(rows)
    assert model.labels_.shape == (700,)
    assert model.predict(rows).shape == (700,)


def test_missing_category_is_a_level_by_default() -> None:
    rows = pd.DataFrame(
        {"c": ["a", "a", "a", None, None, None], "x": [0.0, 0.1, 0.2, 0.0, 0.1, 0.2]}
    )
    model = KPrototypes(2, init="cao", gamma=10.0).fit(rows)
    assert set(model.categorical_centroids_[:, 0]) == {"a", None}
    assert len(set(model.labels_[:3])) == 1
    assert len(set(model.labels_[3:])) == 1
    assert model.labels_[0] != model.labels_[3]
    missing_cluster = model.labels_[3]
    assert model.predict(pd.DataFrame({"c": [None], "x": [0.1]}))[0] == missing_cluster


def test_missing_category_as_fixed_mismatch() -> None:
    rows = pd.DataFrame(
        {"c": ["a", "a", "a", None, "b", "b", "b", None], "x": [0, 0.1, 0.2, 0.1, 5, 5.1, 5.2, 5]}
    )
    model = KPrototypes(2, init="cao", categorical_missing="mismatch").fit(rows)
    # Missing is never a mode, and the missing rows go where their number puts them.
    assert set(model.categorical_centroids_[:, 0]) == {"a", "b"}
    assert model.labels_[3] == model.labels_[0]
    assert model.labels_[7] == model.labels_[4]


def test_missing_number_ignored_by_default() -> None:
    rows = pd.DataFrame(
        {"x": [0.0, 1.0, np.nan, 10.0, 11.0, np.nan], "c": ["a", "a", "a", "b", "b", "b"]}
    )
    model = KPrototypes(2, init="cao", standardize=False, gamma=100.0).fit(rows)
    assert model.labels_[2] == model.labels_[0]
    assert model.labels_[5] == model.labels_[3]
    # Means over the observed values only.
    assert sorted(model.numeric_centroids_[:, 0]) == [0.5, 10.5]
    # Each observed row is 0.5 away from its mean; missing numbers add nothing.
    assert model.cost_ == pytest.approx(4 * 0.25)


def test_missing_number_counts_its_expected_distance() -> None:
    rows = pd.DataFrame(
        {"x": [0.0, 1.0, np.nan, 10.0, 11.0, np.nan], "c": ["a", "a", "a", "b", "b", "b"]}
    )
    model = KPrototypes(
        2, init="cao", standardize=False, gamma=100.0, numeric_missing="expected"
    ).fit(rows)
    mean, var = 5.5, float(np.var([0.0, 1.0, 10.0, 11.0]))
    # The missing value stands for the column mean in the centroid update …
    assert sorted(model.numeric_centroids_[:, 0]) == pytest.approx([(1.0 + mean) / 3, 26.5 / 3])
    # … and its distance is the expected one: variance + squared gap between mean and centroid.
    lo, hi = sorted(model.numeric_centroids_[:, 0])
    expected = (
        (0 - lo) ** 2 + (1 - lo) ** 2 + var + (mean - lo) ** 2
        + (10 - hi) ** 2 + (11 - hi) ** 2 + var + (mean - hi) ** 2
    )  # fmt: skip
    assert model.cost_ == pytest.approx(expected)


def test_unseen_category_at_predict_mismatches_every_centroid() -> None:
    rows = pd.DataFrame({"x": [0.0, 0.2, 10.0, 10.2], "c": ["a", "a", "b", "b"]})
    model = KPrototypes(2, init="cao").fit(rows)
    new = pd.DataFrame({"x": [0.1, 10.1], "c": ["zzz", "zzz"]})
    np.testing.assert_array_equal(model.predict(new), model.labels_[[0, 2]])


# -- weights -------------------------------------------------------------------------------------


def test_integer_sample_weights_act_as_repeated_rows(backend: str) -> None:
    rows, _ = _mixed(300, seed=2)
    counts = np.random.default_rng(0).integers(0, 4, size=len(rows))
    repeated = rows.loc[rows.index.repeat(counts)].reset_index(drop=True)
    weighted = KPrototypes(4, init="cao", n_init=1).fit(rows, sample_weight=counts)
    plain = KPrototypes(4, init="cao", n_init=1).fit(repeated)
    # What is learnt from the data (scaling, levels, gamma) is that of the repeated rows …
    np.testing.assert_allclose(weighted.numeric_mean_, plain.numeric_mean_)
    np.testing.assert_allclose(weighted.numeric_scale_, plain.numeric_scale_)
    assert weighted.gamma_ == pytest.approx(plain.gamma_)
    # … the weighted cost is the cost over the repeated rows …
    data = weighted._encode_predict(repeated)
    dist = core.distances(data, weighted._centroids, weighted._metric)
    labels = weighted.predict(repeated)
    assert weighted.cost_ == pytest.approx(float(dist[np.arange(len(repeated)), labels].sum()))
    # … and both fits reach the same quality. (Not always the same partition: Hartigan's
    # single-row moves move a weighted row as one, its copies one at a time.)
    assert weighted.cost_ == pytest.approx(plain.cost_, rel=0.01)


def test_zero_weight_column_is_ignored() -> None:
    rows, _ = _mixed(400, seed=3)
    zeroed = KPrototypes(3, random_state=0, feature_weights={"c0": 0.0}).fit(rows)
    dropped = KPrototypes(3, random_state=0).fit(rows.drop(columns="c0"))
    np.testing.assert_array_equal(zeroed.labels_, dropped.labels_)
    assert zeroed.feature_weights_[0] == 0.0


def test_feature_weights_validated() -> None:
    rows, _ = _mixed(50)
    with pytest.raises(ValueError, match="one weight per column"):
        KPrototypes(2, feature_weights=[1.0, 2.0]).fit(rows)
    with pytest.raises(ValueError, match=r"column\(s\) 'x0' should be finite and >= 0"):
        KPrototypes(2, feature_weights={"x0": -1}).fit(rows)


def test_sample_weight_validated() -> None:
    rows, _ = _mixed(50)
    with pytest.raises(ValueError, match="negative"):
        KPrototypes(2).fit(rows, sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match="sums to zero"):
        KPrototypes(2).fit(rows, sample_weight=np.zeros(50))
    with pytest.raises(ValueError, match=r"shape \(50,\)"):
        KPrototypes(2).fit(rows, sample_weight=np.ones(49))


# -- seeding and runs ----------------------------------------------------------------------------


@pytest.mark.parametrize("init", ["auto", "k-means++", "cao", "huang", "Cao", "Huang"])
def test_every_init_gives_a_sane_clustering(init: str, backend: str) -> None:
    rows, truth = _mixed(1500, seed=1)
    model = KPrototypes(4, init=init, n_init=3, random_state=0).fit(rows)
    assert set(model.labels_.tolist()) == {0, 1, 2, 3}
    assert adjusted_rand_score(truth, model.labels_) > 0.3


def test_cao_is_deterministic_and_random_state_reproducible() -> None:
    rows, _ = _mixed(800, seed=5)
    # One Cao run is the same whatever the random state.
    a = KPrototypes(4, init="cao", n_init=1, random_state=1).fit(rows)
    b = KPrototypes(4, init="cao", n_init=1, random_state=2).fit(rows)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    # Random seedings are reproduced by the same random state.
    c = KPrototypes(4, init="k-means++", n_init=3, random_state=7).fit(rows)
    d = KPrototypes(4, init="k-means++", n_init=3, random_state=7).fit(rows)
    np.testing.assert_array_equal(c.labels_, d.labels_)
    assert c.cost_ == d.cost_


@pytest.mark.parametrize("init", ["k-means++", "huang"])
def test_more_runs_never_cost_more(init: str) -> None:
    # Run 1 of n_init=6 is the single run of n_init=1 (same random_state): the kept run of
    # six costs at most as much.
    rows, _ = _mixed(1000, seed=6)
    one = KPrototypes(4, init=init, n_init=1, random_state=3).fit(rows)
    six = KPrototypes(4, init=init, n_init=6, random_state=3).fit(rows)
    assert six.cost_ <= one.cost_


def test_restarts_start_from_different_seedings() -> None:
    """Run 0 of "cao" is Cao's; the others are random seedings (k-means++ and Huang's in
    turn), each from its own generator: no two runs start alike."""
    rows, _ = _mixed(800, seed=5)
    model = KPrototypes(4, init="cao", n_init=2, random_state=0).fit(rows)
    data, _parts, _ = model._encode_fit(
        kprototypes._read_columns(rows), np.ones(len(rows)), np.ones(rows.shape[1])
    )
    metric, sw = model._metric, np.ones(len(rows))
    starts = [
        kprototypes._seeding(i, "cao", data, sw, 4, metric, np.random.default_rng(i))
        for i in range(5)
    ]
    keys = {(s.num.round(9).tobytes(), s.cat.tobytes()) for s in starts}
    assert len(keys) == 5
    cao = core.init_cao(data, sw, 4, metric)
    np.testing.assert_array_equal(starts[0].cat, cao.cat)


def test_restarts_find_what_the_first_run_misses() -> None:
    """On planted data where Cao's run ends in a poor local optimum, the further runs and the
    random swaps find a cheaper partition; the same random state gives the same one."""
    rows, _ = planted_mixed(1500, n_clusters=5, random_state=3, missing_rate=0.0)
    one = KPrototypes(5, init="cao", n_init=1).fit(rows)
    five = KPrototypes(5, init="cao", n_init=5, random_state=0).fit(rows)
    again = KPrototypes(5, init="cao", n_init=5, random_state=0).fit(rows)
    assert five.cost_ < one.cost_ * 0.999
    assert again.cost_ == five.cost_
    np.testing.assert_array_equal(again.labels_, five.labels_)


def test_swaps_never_raise_the_cost() -> None:
    rows, _ = _mixed(1000, seed=6)
    plain = KPrototypes(4, n_init=3, n_swaps=0, random_state=3).fit(rows)
    swapped = KPrototypes(4, n_init=3, random_state=3).fit(rows)
    assert swapped.cost_ <= plain.cost_
    with pytest.raises(ValueError, match="n_swaps=-1 should be 'auto' or an integer >= 0"):
        KPrototypes(2, n_swaps=-1).fit(rows)


def test_init_sample_size_runs_on_a_sample_then_refines_on_all_rows() -> None:
    rows, _ = _mixed(6000, seed=7)
    sampled = KPrototypes(4, random_state=0, init_sample_size=1000).fit(rows)
    full = KPrototypes(4, random_state=0, init_sample_size=None).fit(rows)
    assert sampled.labels_.shape == (6000,)
    # The refinement on all rows leaves labels consistent with the centroids.
    np.testing.assert_array_equal(sampled.predict(rows), sampled.labels_)
    assert sampled.cost_ <= full.cost_ * 1.02


def test_empty_cluster_is_reseeded_from_the_farthest_row(backend: str) -> None:
    rows, _ = _mixed(400, seed=8, missing_rate=0.0)
    model = KPrototypes(3, init="cao").fit(rows)
    data = model._encode_predict(rows)
    sw = np.ones(len(rows))
    start = model._centroids.copy()
    start.num[2] = start.num[1]  # two identical centroids: the second gets no row at first
    start.cat[2] = start.cat[1]
    run = core.lloyd(data, sw, start, model._metric, max_iter=100)
    assert set(run.labels.tolist()) == {0, 1, 2}


def test_convergence_warning_when_max_iter_is_reached() -> None:
    rows, _ = _mixed(2000, seed=9)
    with pytest.warns(ConvergenceWarning, match="raise max_iter"):
        model = KPrototypes(4, init="huang", n_init=1, max_iter=1, random_state=0).fit(rows)
    np.testing.assert_array_equal(model.predict(rows), model.labels_)


# -- bad input -----------------------------------------------------------------------------------


def test_more_clusters_than_rows_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"n_samples=2 should be >= n_clusters=3\."):
        KPrototypes(3).fit(np.array([[1.0], [2.0]]))


def test_more_clusters_than_distinct_rows_warns_and_uses_fewer() -> None:
    base = pd.DataFrame({"x": [1.0, 5.0, 9.0], "c": ["a", "b", "c"]})
    rows = pd.concat([base] * 10, ignore_index=True)
    with pytest.warns(ConvergenceWarning, match=r"distinct clusters \(3\).*n_clusters \(5\)"):
        model = KPrototypes(5, random_state=0).fit(rows)
    assert set(model.labels_.tolist()) == {0, 1, 2}
    assert model.numeric_centroids_.shape == (5, 1)
    np.testing.assert_array_equal(model.predict(rows), model.labels_)


def test_all_missing_column_is_named() -> None:
    rows = pd.DataFrame({"x": [1.0, 2.0, 3.0], "income": [np.nan] * 3, "c": ["a", "b", "a"]})
    with pytest.raises(ValueError, match=r"Column 'income' has no values \(all missing\); drop"):
        KPrototypes(2).fit(rows)
    rows = pd.DataFrame({"x": [1.0, 2.0, 3.0], "region": [None] * 3})
    with pytest.raises(ValueError, match=r"Column 'region' has no values"):
        KPrototypes(2).fit(rows, categorical=["region"])


def test_constant_column_warns_and_contributes_nothing() -> None:
    rows, _ = _mixed(300, seed=10)
    with_const = rows.assign(country="RU", flat=7.0)
    with pytest.warns(UserWarning, match=r"'country', 'flat' have a single value"):
        model = KPrototypes(3, random_state=0).fit(with_const)
    plain = KPrototypes(3, random_state=0).fit(rows)
    np.testing.assert_array_equal(model.labels_, plain.labels_)
    assert model.feature_weights_[-2:].tolist() == [0.0, 0.0]


def test_one_row_table() -> None:
    rows = pd.DataFrame({"x": [3.0], "c": ["a"]})
    with pytest.warns(UserWarning, match="single value"):
        model = KPrototypes(1).fit(rows)
    assert model.labels_.tolist() == [0]
    assert model.numeric_centroids_.tolist() == [[3.0]]
    with pytest.raises(ValueError, match=r"n_samples=1 should be >= n_clusters=2"):
        KPrototypes(2).fit(rows)


def test_ten_thousand_levels_work() -> None:
    rng = np.random.default_rng(0)
    rows, _ = _mixed(20_000, seed=11)
    rows["street"] = np.array([f"s{v}" for v in range(10_000)], dtype=object)[
        rng.permutation(np.arange(len(rows)) % 10_000)
    ]
    # Speed is measured in bench/bench_kprototypes.py, never asserted in tests.
    with pytest.warns(UserWarning, match="'street' has 10000 levels"):
        model = KPrototypes(4, random_state=0).fit(rows)
    assert model.categories_[-1].size == 10_000
    assert set(model.labels_.tolist()) == {0, 1, 2, 3}


def test_infinity_is_refused_with_the_column_name() -> None:
    rows = pd.DataFrame({"x": [1.0, np.inf, 3.0], "c": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="Column 'x' contains infinity"):
        KPrototypes(2).fit(rows)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_clusters": 0}, "n_clusters=0 should be an integer >= 1"),
        ({"n_init": 0}, "n_init=0 should be an integer >= 1"),
        ({"max_iter": 1.5}, "max_iter=1.5 should be an integer >= 1"),
        ({"gamma": 0.0}, "gamma=0.0 should be a positive number or one of balanced"),
        ({"gamma": "auto"}, "gamma='auto' should be a positive number or one of"),
        ({"categorical_missing": "drop"}, "categorical_missing='drop' should be one of"),
        ({"numeric_missing": "drop"}, "numeric_missing='drop' should be one of"),
        ({"init_sample_size": 1}, "init_sample_size=1 should be None or an integer >="),
    ],
)
def test_bad_parameters_say_what_was_expected(params: dict[str, Any], message: str) -> None:
    rows, _ = _mixed(50)
    params = {"n_clusters": 2, **params}
    with pytest.raises(ValueError, match=message):
        KPrototypes(**params).fit(rows)
