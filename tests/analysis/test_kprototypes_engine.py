"""In-engine assignment: the Ibis expression labels rows exactly as ``KPrototypes.predict``.

The expression writes the model's distance with the same arithmetic in the same order, so the
labels agree row for row, ties included (both take the lowest cluster index).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile.analysis import _kproto_core as core
from segprofile.analysis._kproto_synthetic import planted_mixed
from segprofile.analysis.kprototypes import KPrototypes, assign_clusters

SOYBEAN = Path(__file__).parents[1] / "data" / "soybean.csv"


@pytest.fixture(scope="module")
def con() -> Any:
    return ibis.duckdb.connect()


def _engine_labels(con: Any, model: KPrototypes, frame: pd.DataFrame, **kw: Any) -> np.ndarray:
    table = ibis.memtable(frame)
    labelled = assign_clusters(model, table, **kw)
    return np.asarray(con.execute(labelled)["cluster"], dtype=np.int64)


def _client_frame(n: int, seed: int) -> pd.DataFrame:
    """Planted mixed data plus the awkward types: booleans, integer codes, nullable ints."""
    frame, _ = planted_mixed(n, random_state=seed, missing_rate=0.05)
    rng = np.random.default_rng(seed)
    frame["single_parent"] = pd.array(
        np.where(rng.random(n) < 0.05, None, rng.random(n) < 0.3), dtype="boolean"
    )
    frame["district"] = rng.integers(1, 6, n)  # integer codes, declared categorical
    frame["children"] = pd.array(
        np.where(rng.random(n) < 0.04, None, rng.integers(0, 4, n)), dtype="Int64"
    )
    return frame


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"categorical_missing": "mismatch", "numeric_missing": "expected", "gamma": "pairwise"},
        {"standardize": False, "gamma": 3.7, "feature_weights": {"c0": 2.5, "x1": 0.3}},
    ],
)
def test_engine_labels_equal_predict(con: Any, params: dict[str, Any]) -> None:
    train = _client_frame(2000, seed=1)
    categorical = [c for c in train if c.startswith("c")] + ["single_parent", "district"]
    model = KPrototypes(4, random_state=0, **params).fit(train, categorical=categorical)
    fresh = _client_frame(3000, seed=2)  # other rows, same columns
    fresh.loc[:10, "c1"] = "never-seen-level"
    both = pd.concat([train, fresh], ignore_index=True)
    got = _engine_labels(con, model, both)
    np.testing.assert_array_equal(got, model.predict(both))
    np.testing.assert_array_equal(got[: len(train)], model.labels_)


def test_engine_breaks_ties_like_predict(con: Any) -> None:
    # All-categorical soybean data: distances are gamma × integer counts, so ties abound.
    frame = pd.read_csv(SOYBEAN, header=None).iloc[:, :35].astype(str)
    frame.columns = [f"a{j}" for j in range(35)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KPrototypes(6, init="huang", n_init=2, random_state=0).fit(frame)
    rng = np.random.default_rng(0)
    probe = frame.apply(lambda col: rng.permutation(col.to_numpy()))  # new mixtures of levels
    data = model._encode_predict(probe)
    dist = np.sort(core.distances(data, model._centroids, model._metric), axis=1)
    assert (dist[:, 0] == dist[:, 1]).sum() > 5  # the probe really has ties
    np.testing.assert_array_equal(_engine_labels(con, model, probe), model.predict(probe))


def test_engine_on_parquet_with_nulls_and_nan(con: Any, tmp_path: Path) -> None:
    train = _client_frame(2000, seed=3)
    cats = [c for c in train if c.startswith("c")] + ["single_parent", "district"]
    model = KPrototypes(4, random_state=0).fit(train, categorical=cats)
    rows = _client_frame(5000, seed=4)
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), path)
    table = con.read_parquet(str(path))
    labelled = assign_clusters(model, table)
    got = np.asarray(con.execute(labelled)["cluster"], dtype=np.int64)
    np.testing.assert_array_equal(got, model.predict(rows))


def test_columns_map_a_numpy_fitted_model_to_table_columns(con: Any) -> None:
    frame, _ = planted_mixed(1500, random_state=5)
    renamed = frame.rename(columns=lambda c: f"col_{c}")
    model = KPrototypes(3, random_state=0).fit(frame.to_numpy(dtype=object))
    assert not hasattr(model, "feature_names_in_")
    got = _engine_labels(con, model, renamed, columns=list(renamed.columns))
    np.testing.assert_array_equal(got, model.predict(frame.to_numpy(dtype=object)))


def test_expression_errors_name_what_to_do() -> None:
    frame, _ = planted_mixed(200, random_state=6)
    table = ibis.memtable(frame)
    model = KPrototypes(2, random_state=0).fit(frame.to_numpy(dtype=object))
    with pytest.raises(ValueError, match="pass columns="):
        assign_clusters(model, table)
    with pytest.raises(ValueError, match="one table column per model input column"):
        assign_clusters(model, table, columns=["c0"])
    fitted = KPrototypes(2, random_state=0).fit(frame)
    with pytest.raises(ValueError, match=r"no column\(s\) 'c0'"):
        assign_clusters(fitted, table.drop("c0"))
    with pytest.raises(ValueError, match="already has a column 'c1'"):
        assign_clusters(fitted, table, name="c1")


def test_each_input_is_written_once_in_the_query() -> None:
    """40 one-hot-like indicators and 5 clusters: the query is not the inputs × centroids."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"i{j}": (rng.random(800) < 0.3).astype(float) for j in range(40)})
    frame["income"] = rng.lognormal(10, 1, 800)
    table = ibis.memtable(frame)
    mentions = {}
    for k in (2, 5):
        model = KPrototypes(k, random_state=0, n_init=1).fit(frame)
        sql = ibis.to_sql(assign_clusters(model, table))
        mentions[k] = sql.count('"i7"'), sql.count('"income"')
    # Named in the three projections' lists and once in a computation, whatever k is.
    assert mentions[2] == mentions[5] == (4, 4)
    assert list(ibis.duckdb.connect().execute(assign_clusters(model, table)).columns) == [
        *frame.columns,
        "cluster",
    ]


def test_single_cluster_is_label_zero(con: Any) -> None:
    frame, _ = planted_mixed(100, random_state=7)
    model = KPrototypes(1).fit(frame)
    assert set(_engine_labels(con, model, frame).tolist()) == {0}
