"""The first interval of a whole-valued feature binned by quantiles is named by its values
(«0», «0–2 детей») when the data's smallest value is 0 held by at least min_cell clients; its
code (the segment's key) never changes."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis import by_feature
from segprofile.analysis.by_feature import make_bins, quantile_cuts
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY

ROWS = 3000


def _children(rng: random.Random) -> int | None:
    """Most families have 1–2 children, zeros are common, a few have 5 and more."""
    return rng.choices([0, 1, 2, 3, 4, 5, 6, 9, None], [15, 35, 30, 11, 4, 2, 1, 0.3, 1.7])[0]


def _records(n: int, seed: int, *, zeros: int | None = None) -> pa.Table:
    """Client records with the number of children and of visits (a few clients have several
    rows); ``zeros``: exactly that many rows with no children (0 → none)."""
    rng = random.Random(seed)
    children = [_children(rng) for _ in range(n)]
    if zeros is not None:
        children = [1 + rng.randint(0, 2) if c == 0 else c for c in children]
        for i in rng.sample(range(n), zeros):
            children[i] = 0
    visits = [rng.choices([0, 1, 2, 3, 4, 6, 11], [12, 18, 15, 20, 15, 13, 7])[0] for _ in range(n)]
    return pa.table(
        {
            "client_id": pa.array([f"c{i // 2 if i % 7 == 0 else i}" for i in range(n)]),
            "channel": pa.array([rng.choice(["epgu", "mfc", None]) for _ in range(n)]),
            "children": pa.array(children, pa.int64()),
            "visits": pa.array(visits, pa.int32()),
            "debt": pa.array([rng.randint(-3, 40) for _ in range(n)], pa.int64()),
            "income": pa.array([round(rng.lognormvariate(10, 0.5), 2) for _ in range(n)]),
            "satisfaction": pa.array(
                [rng.choice([1, 2, 3, 4, 5, None]) for _ in range(n)], pa.int64()
            ),
        }
    )


def _study(**binnings: dict[str, Any]) -> Study:
    doc = copy.deepcopy(SMALL_STUDY)
    doc["features"] = [doc["features"][0]]
    columns = {"children": "Кол-во детей", "visits": "Обращений", "debt": "Долг", "income": "Доход"}
    for column, binning in binnings.items():
        doc["features"].append(
            {
                "id": column,
                "column": column,
                "label": columns[column],
                "type": "numeric",
                "source": {"kind": "other", "reference": "анкета"},
                "binning": binning,
            }
        )
    doc["segmentation"]["min_cell"] = 10
    return Study.model_validate(doc)


def _labels(study: Study, records: pa.Table, tmp_path: Path) -> dict[str, list[tuple[str, str]]]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    pq.write_table(records, data / "records.parquet")
    profile = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    return {
        fs.feature_id: [(s.value, s.label) for s in fs.segments if not s.missing_value]
        for fs in profile.by_feature
    }


def test_make_bins_first_interval_from_its_smallest_value() -> None:
    one = make_bins([1, 2, 3], integer=True, labels=None, unit="детей", low=0)
    assert one.labels == ["0 детей", "1 ребёнок", "2 ребёнка", "3 и более детей"]
    assert one.codes == ["<1", "1–2", "2–3", "≥3"]  # the keys stay
    several = make_bins([3, 5], integer=True, labels=None, unit="детей", low=0)
    assert several.labels == ["0–2 ребёнка", "3–4 ребёнка", "5 и более детей"]
    assert several.codes == ["<3", "3–5", "≥5"]
    assert make_bins([3, 5], integer=True, labels=None, unit="", low=0).labels[0] == "0–2"
    # A quantile between whole values: the whole values under it.
    assert make_bins([1.5, 4], integer=True, labels=None, unit="", low=0).labels[0] == "0–1"
    # Fractions, or an empty first interval: «менее», as without a known start.
    assert make_bins([2.5], integer=False, labels=None, unit="", low=0).labels[0] == "Менее 2,5"
    assert make_bins([0, 2], integer=True, labels=None, unit="", low=0).labels[0] == "Менее 0"
    # The analyst's own labels are kept.
    assert make_bins([1], integer=True, labels=["Нет детей", "Есть"], unit="", low=0).labels == [
        "Нет детей",
        "Есть",
    ]


def test_profile_names_the_first_interval_by_its_values(tmp_path: Path) -> None:
    study = _study(
        children={"method": "quantiles", "n_bins": 4, "unit": "детей"},
        visits={"method": "quantiles", "n_bins": 2},
        debt={"method": "quantiles", "n_bins": 3},
        income={"method": "quantiles", "n_bins": 3, "unit": "руб."},
    )
    got = _labels(study, _records(ROWS, seed=5), tmp_path)
    assert got["children"] == [
        ("<1", "0 детей"),
        ("1–2", "1 ребёнок"),
        ("≥2", "2 и более детей"),
    ]
    assert got["visits"][0] == ("<3", "0–2")
    assert got["visits"][-1] == ("≥3", "3 и более")
    # A smallest value below 0 is not a floor other data keep: «менее».
    assert got["debt"][0][1].startswith("Менее ")
    assert got["income"][0][1].startswith("Менее ")


def test_few_clients_at_zero_keep_less_than(tmp_path: Path) -> None:
    """Nine rows with no children (min_cell 10): the smallest value is not named."""
    study = _study(children={"method": "quantiles", "n_bins": 4, "unit": "детей"})
    got = _labels(study, _records(ROWS, seed=5, zeros=9), tmp_path)
    assert got["children"][0] == ("<1", "Менее 1 ребёнка")


def test_zeros_are_counted_in_clients(tmp_path: Path) -> None:
    """Twelve rows with no children, of fewer than ten clients: not named either."""
    records = _records(ROWS, seed=5, zeros=0)
    children = records["children"].to_pylist()
    ids = records["client_id"].to_pylist()
    for i in range(12):  # three rows each of four clients
        children[i], ids[i] = 0, f"z{i % 4}"
    records = records.set_column(2, "children", pa.array(children, pa.int64()))
    records = records.set_column(0, "client_id", pa.array(ids))
    table = ibis.duckdb.connect().create_table("t", records)
    study = _study(children={"method": "quantiles", "n_bins": 4})
    feature = study.feature("children")
    assert quantile_cuts([feature], table, min_cell=10)[1] == {"children": 0.0}  # rows
    assert quantile_cuts([feature], table, min_cell=10, id_column="client_id")[1] == {}


def test_thresholds_given_keep_less_than(tmp_path: Path) -> None:
    study = _study(children={"thresholds": [1, 3], "unit": "детей"})
    got = _labels(study, _records(ROWS, seed=5), tmp_path)
    assert got["children"][0] == ("<1", "Менее 1 ребёнка")


def test_approximate_quantiles_find_the_start_in_the_same_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engines without exact quantiles (Spark): approximate ones, the same start."""
    table = ibis.duckdb.connect().create_table("t", _records(ROWS, seed=5))
    study = _study(
        children={"method": "quantiles", "n_bins": 4}, debt={"method": "quantiles", "n_bins": 3}
    )
    features = [study.feature("children"), study.feature("debt")]
    exact = quantile_cuts(features, table, min_cell=10, id_column="client_id")
    queries: list[Any] = []
    execute = by_feature.execute
    monkeypatch.setattr(by_feature, "_engine_name", lambda _t: "pyspark")
    monkeypatch.setattr(by_feature, "execute", lambda e: queries.append(e) or execute(e))
    edges, lows = quantile_cuts(features, table, min_cell=10, id_column="client_id")
    assert len(queries) == 1
    assert lows == exact[1] == {"children": 0.0}
    # Approximate quantiles may land between whole values (t-digest); the first is 1 on both.
    assert edges["children"][0] == exact[0]["children"][0] == 1.0


def test_the_feature_form_preview_names_intervals_as_the_profile(tmp_path: Path) -> None:
    from segprofile.pipeline.features import _preview_counts

    study = _study(children={"method": "quantiles", "n_bins": 4, "unit": "детей"})
    records = _records(ROWS, seed=5)
    profile = _labels(study, records, tmp_path)["children"]
    table = ibis.duckdb.connect().create_table("t", records)
    counts, _, _, bins = _preview_counts(table, study.feature("children"), 10)
    assert bins is not None
    assert list(zip(bins.codes, bins.labels, strict=True)) == profile
    assert counts["<1"] == records["children"].to_pylist().count(0)
    few = _records(ROWS, seed=5, zeros=9)
    _, _, _, bins = _preview_counts(
        ibis.duckdb.connect().create_table("t", few), study.feature("children"), 10
    )
    assert bins is not None
    assert bins.labels[0] == "Менее 1 ребёнка"


def test_spark_finds_the_same_start_as_duckdb(spark_engine: Any, tmp_path: Path) -> None:
    """On Spark itself (approximate quantiles, the distinct clients at 0 in the same query)."""
    records = _records(ROWS, seed=5)
    study = _study(children={"method": "quantiles", "n_bins": 4})
    features = [study.feature("children")]
    duck = quantile_cuts(
        features,
        ibis.duckdb.connect().create_table("t", records),
        min_cell=10,
        id_column="client_id",
    )
    pq.write_table(records, tmp_path / "records.parquet")
    table = spark_engine.con.read_parquet(str(tmp_path / "records.parquet"))
    edges, lows = quantile_cuts(features, table, min_cell=10, id_column="client_id")
    assert lows == duck[1] == {"children": 0.0}
    assert edges["children"][0] == duck[0]["children"][0] == 1.0
