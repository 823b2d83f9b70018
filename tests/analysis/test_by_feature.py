"""Approach 2 numbers against an independent computation (pandas on the same generated data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis import by_feature
from segprofile.analysis.by_feature import make_bins
from segprofile.analysis.stats import wilson_interval
from segprofile.errors import InputError, NotFound
from segprofile.model.study import Study


def _expected(frame: pd.DataFrame, codes: pd.Series) -> dict[str, dict[str, float]]:
    out = {}
    for code, group in frame.groupby(codes, dropna=False):
        rated = group["satisfaction"].dropna()
        happy = int((rated >= 4).sum())
        out[str(code)] = {
            "capacity": len(group),
            "n": len(rated),
            "mean": float(rated.mean()) if len(rated) else None,
            "csat": happy / len(rated) if len(rated) else None,
            "ci": wilson_interval(happy, len(rated)) if len(rated) else None,
        }
    return out


def _codes(frame: pd.DataFrame, feature: str) -> pd.Series:
    col = frame[feature]
    if feature == "age":
        bins = [-np.inf, 25, 35, 45, np.inf]
        names = ["<25", "25–35", "35–45", "≥45"]
        return pd.cut(col, bins, right=False, labels=names).astype(object).fillna("NA")
    if feature == "single_parent":
        return col.map({True: "true", False: "false"}).fillna("NA")
    return col.fillna("NA")


@pytest.mark.parametrize("feature", ["channel", "age", "single_parent", "region"])
def test_segments_match_independent_pandas(
    small_study: Study, small_data: Path, feature: str, tmp_path: Path
) -> None:
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), small_study
    )
    frame = pq.read_table(small_data / "records.parquet").to_pandas()
    expected = _expected(frame, _codes(frame, feature))
    result = next(f for f in profile.by_feature if f.feature_id == feature)
    got = {s.value: s for s in result.segments}
    assert set(got) == set(expected)
    for code, exp in expected.items():
        seg = got[code]
        assert seg.capacity == exp["capacity"], code
        assert seg.share == pytest.approx(exp["capacity"] / len(frame))
        assert seg.satisfaction.n == exp["n"]
        assert seg.satisfaction.mean == pytest.approx(exp["mean"])
        assert seg.satisfaction.csat == pytest.approx(exp["csat"])
        assert seg.satisfaction.csat_interval is not None
        assert seg.satisfaction.csat_interval.low == pytest.approx(exp["ci"][0])
        assert seg.satisfaction.csat_interval.high == pytest.approx(exp["ci"][1])
    assert sum(s.capacity for s in result.segments) == len(frame)


def test_profile_records_provenance(small_study: Study, small_data: Path, tmp_path: Path) -> None:
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), small_study, revision=3
    )
    prov = profile.provenance
    assert prov.study_hash == pipeline.study_hash(small_study)
    assert prov.study_revision == 3
    assert prov.data_files[0].rows == 3000
    assert len(prov.data_fingerprint) == 64
    assert prov.seed == small_study.segmentation.random_state
    assert prov.engine == "duckdb"
    again = pipeline.profile_from_json(pipeline.profile_to_json(profile))
    assert again == profile


def test_overall_satisfaction(small_study: Study, small_data: Path, tmp_path: Path) -> None:
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), small_study
    )
    rated = pq.read_table(small_data / "records.parquet").to_pandas()["satisfaction"].dropna()
    assert profile.satisfaction.n == len(rated)
    assert profile.satisfaction.csat == pytest.approx((rated >= 4).mean())


def test_labels_order_and_missing(small_study: Study, small_data: Path, tmp_path: Path) -> None:
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), small_study
    )
    channel = profile.by_feature[0]
    assert [s.label for s in channel.segments] == ["ЕПГУ", "МФЦ", "Приёмная", "Нет данных"]
    age = profile.by_feature[1]
    assert [s.label for s in age.segments] == [
        "Менее 25",
        "25–34",
        "35–44",
        "45 и более",
        "Нет данных",
    ]


def test_progress_is_reported_in_order(
    small_study: Study, small_data: Path, tmp_path: Path
) -> None:
    seen: list[float] = []
    pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data),
        small_study,
        progress=lambda f, _m: seen.append(f),
    )
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_quantile_binning_without_thresholds(
    small_study: Study, small_data: Path, tmp_path: Path
) -> None:
    study = small_study.model_copy(deep=True)
    study.features[1].binning = None
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), study
    )
    age = profile.by_feature[1]
    assert 4 <= len(age.segments) <= 5
    assert age.binning.startswith("квантили")


def test_make_bins_labels() -> None:
    bins = make_bins([2, 3], integer=True, labels=None, unit="")
    assert bins.labels == ["Менее 2", "2", "3 и более"]
    assert bins.codes == ["<2", "2–3", "≥3"]


def test_make_bins_unit_agrees_with_the_number() -> None:
    """The analyst's unit agrees with the number it follows, as a Russian writer puts it."""
    ages = make_bins([18, 21, 22, 25, 35, 45, 61], integer=True, labels=None, unit="лет")
    assert ages.labels == [
        "Менее 18 лет",
        "18–20 лет",
        "21 год",
        "22–24 года",
        "25–34 года",
        "35–44 года",
        "45–60 лет",
        "61 и более лет",
    ]
    assert make_bins([1, 2, 3], integer=True, labels=None, unit="лет").labels == [
        "Менее 1 года",
        "1 год",
        "2 года",
        "3 и более лет",
    ]
    # The unit may be written in any form of the noun: «года», «человек», «детей».
    assert make_bins([21, 25], integer=True, labels=None, unit="года").labels[1] == "21–24 года"
    assert make_bins([1, 5], integer=True, labels=None, unit="детей").labels == [
        "Менее 1 ребёнка",
        "1–4 ребёнка",
        "5 и более детей",
    ]
    assert make_bins([21, 25], integer=True, labels=None, unit="человек").labels[1] == (
        "21–24 человека"
    )
    # Fractions: the genitive singular.
    assert make_bins([2.5, 3.5], integer=False, labels=None, unit="лет").labels == [
        "Менее 2,5 года",
        "От 2,5 до 3,5 года",
        "3,5 и более лет",
    ]


@pytest.mark.parametrize(
    ("unit", "last"),
    [
        ("тыс. руб.", "25 тыс. руб. и более"),  # an abbreviation stays with its number
        ("км", "25 км и более"),
        ("часов в неделю", "25 и более часов в неделю"),  # words: «и более» before them
        ("%", "25 % и более"),
        ("kg", "25 kg и более"),
    ],
)
def test_make_bins_other_units_unchanged(unit: str, last: str) -> None:
    labels = make_bins([21, 25], integer=True, labels=None, unit=unit).labels
    assert labels == [f"Менее 21 {unit}", f"21–24 {unit}", last]


# --- bad input ---------------------------------------------------------------------------------


def test_missing_data_file(small_study: Study, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as info:
        pipeline.profile_study(
            pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), small_study
        )
    assert "нет загруженной версии данных" in str(info.value)
    assert "Что сделать" in str(info.value)


def test_feature_column_absent(small_study: Study, small_data: Path, tmp_path: Path) -> None:
    study = small_study.model_copy(deep=True)
    study.features[3].column = "settlement"
    with pytest.raises(InputError) as info:
        pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), study)
    text = str(info.value)
    assert "«settlement»" in text
    assert "признак «region»" in text
    assert "records.parquet" in text


def test_satisfaction_outside_scale(small_study: Study, tmp_path: Path) -> None:
    table = pa.table(
        {
            "channel": ["epgu", "mfc", "mfc", "office"],
            "age": [20, 30, 40, 50],
            "single_parent": [True, False, False, True],
            "region": ["city"] * 4,
            "satisfaction": [5, None, 9, 0],
        }
    )
    pq.write_table(table, tmp_path / "records.parquet")
    with pytest.raises(InputError) as info:
        pipeline.profile_study(
            pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), small_study
        )
    text = str(info.value)
    assert "«satisfaction»" in text
    assert "2 значений вне шкалы 1–5" in text
    assert "строка 3" in text
    assert "9" not in text.replace("1–5", "")  # no client value in the message


def test_satisfaction_column_must_be_numeric(small_study: Study, tmp_path: Path) -> None:
    table = pa.table(
        {
            "channel": ["epgu"],
            "age": [20],
            "single_parent": [True],
            "region": ["city"],
            "satisfaction": ["отлично"],
        }
    )
    pq.write_table(table, tmp_path / "records.parquet")
    with pytest.raises(InputError, match="должен быть числовым"):
        pipeline.profile_study(
            pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), small_study
        )


def test_traits_match_independent_lift(
    small_study: Study, small_data: Path, tmp_path: Path
) -> None:
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), small_study
    )
    frame = pq.read_table(small_data / "records.parquet").to_pandas()
    office = next(s for s in profile.by_feature[0].segments if s.key == "channel=office")
    codes = _codes(frame, "age")
    in_office = frame["channel"] == "office"
    for trait in office.distinctive:
        assert trait.lift >= 1.25
        assert trait.share_in_segment >= 0.10
        if trait.feature_id == "age":
            share_in = (codes[in_office] == trait.value).mean()
            share_all = (codes == trait.value).mean()
            assert trait.share_in_segment == pytest.approx(share_in)
            assert trait.lift == pytest.approx(share_in / share_all)


def test_planted_trait_is_found(small_study: Study, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 4000
    rural = rng.random(n) < 0.3
    # Rural applicants mostly come in person: the office segment must show "rural" as a trait.
    channel = np.where(rural & (rng.random(n) < 0.7), "office", "epgu")
    table = pa.table(
        {
            "channel": channel,
            "age": rng.integers(18, 60, n),
            "single_parent": rng.random(n) < 0.2,
            "region": np.where(rural, "rural", "city"),
            "satisfaction": rng.integers(1, 6, n),
        }
    )
    pq.write_table(table, tmp_path / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), small_study
    )
    office = next(s for s in profile.by_feature[0].segments if s.value == "office")
    top = office.distinctive[0]
    assert (top.feature_id, top.value) == ("region", "rural")
    assert top.share_in_segment == pytest.approx(1.0)
    assert top.lift > 3


def test_cross_segments_of_a_pair(small_study: Study, small_data: Path, tmp_path: Path) -> None:
    study = small_study.model_copy(deep=True)
    study.segmentation.by_feature.pairs = [("channel", "single_parent")]
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), study
    )
    (cross,) = profile.cross
    frame = pq.read_table(small_data / "records.parquet").to_pandas()
    expected = frame.groupby([frame["channel"].fillna("NA"), _codes(frame, "single_parent")]).size()
    got = {s.value: s.capacity for s in cross.segments}
    assert got == {f"{a}&{b}": int(n) for (a, b), n in expected.items()}
    assert cross.segments[0].label == "ЕПГУ · Да"
    assert sum(got.values()) == len(frame)


# --- one GROUPING SETS query, and the unpivoting path of other engines ---------------------------


def _segments(profile) -> dict[str, list[tuple[str, int, int, float | None, int | None]]]:  # type: ignore[no-untyped-def]
    return {
        f.feature_id: [
            (s.value, s.capacity, s.satisfaction.n, s.satisfaction.csat, s.clients)
            for s in f.segments
        ]
        for f in profile.by_feature
    }


def test_grouping_sets_and_unpivoting_agree(
    small_study: Study, small_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    study = small_study.model_copy(deep=True)
    study.segmentation.by_feature.pairs = [("channel", "age")]
    grouped = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), study
    )
    monkeypatch.setattr(by_feature, "_GROUPING_SETS_ENGINES", ())
    unpivoted = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=small_data), study
    )
    assert _segments(grouped) == _segments(unpivoted)
    assert grouped.cross == unpivoted.cross
    assert [s.distinctive for f in grouped.by_feature for s in f.segments] == [
        s.distinctive for f in unpivoted.by_feature for s in f.segments
    ]


def test_grouping_sets_pack_keys_of_few_known_values() -> None:
    levels = {"b": 3, "c": 5, "d": 5, "e": 3}
    sets = by_feature._grouping_sets(["a", "b", "c", "d", "e", "f"], levels)
    assert sets == [["a"], ["f"], ["b", "c", "d", "e"]]
    assert by_feature._grouping_sets(["b", "c", "d"], {"b": 30, "c": 300, "d": 2}) == [
        ["b", "c"],
        ["d"],
    ]


def test_packed_keys_give_what_one_set_per_key_gives(
    small_study: Study, small_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    workspace = pipeline.Workspace.in_folder(tmp_path, data_dir=small_data)
    packed = pipeline.profile_study(workspace, small_study)
    monkeypatch.setattr(by_feature, "PACK_MAX_CELLS", 1)  # every key in a set of its own
    apart = pipeline.profile_study(workspace, small_study)
    assert _segments(packed) == _segments(apart)
    means = [(s.key, s.satisfaction.mean) for f in packed.by_feature for s in f.segments]
    assert means == [(s.key, s.satisfaction.mean) for f in apart.by_feature for s in f.segments]


@pytest.mark.parametrize("engines", [by_feature._GROUPING_SETS_ENGINES, ()])
@pytest.mark.parametrize("with_ids", [False, True])
def test_keys_of_every_type_become_the_same_codes(
    small_study: Study,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engines: tuple[str, ...],
    with_ids: bool,
) -> None:
    """Integers, floats, booleans and texts (a text "NA" joins the missing values)."""
    monkeypatch.setattr(by_feature, "_GROUPING_SETS_ENGINES", engines)
    n = 12
    table = pa.table(
        {
            "client_id": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10],  # client 1 and 9 twice
            "channel": [
                "epgu",
                "NA",
                None,
                "mfc",
                "mfc",
                None,
                "epgu",
                "NA",
                "mfc",
                "x",
                "x",
                None,
            ],
            "age": pa.array([3, 3, None, 1, 2, 2, 3, None, 1, 1, 1, 2], pa.int64()),
            "single_parent": [
                True,
                None,
                False,
                True,
                True,
                None,
                False,
                True,
                False,
                None,
                None,
                True,
            ],
            "region": [1.0, 1.5, None, 2.0, 2.0, 1.0, 1.5, 1.0, None, 2.0, 2.0, 1.0],
            "satisfaction": [5, 4, None, 1, 2, None, 3, 5, 4, None, 5, 1],
        }
    )
    pq.write_table(table, tmp_path / "records.parquet")
    document = small_study.model_dump(mode="json")
    document["features"][1] |= {"type": "categorical", "binning": None}  # integers as they are
    if with_ids:
        document["data_sources"][0]["id_column"] = "client_id"
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path),
        Study.model_validate(document),
    )
    got = {
        f.feature_id: {s.value: (s.capacity, s.clients) for s in f.segments}
        for f in profile.by_feature
    }
    frame = table.to_pandas()

    def expected(codes: pd.Series) -> dict[str, tuple[int, int | None]]:
        out = {}
        for code, group in frame.groupby(codes, dropna=False):
            clients = int(group["client_id"].nunique()) if with_ids else None
            out[str(code)] = (len(group), clients)
        return out

    assert got["channel"] == expected(frame["channel"].fillna("NA"))
    assert got["age"] == expected(frame["age"].map(lambda v: "NA" if pd.isna(v) else str(int(v))))
    assert got["single_parent"] == expected(
        frame["single_parent"].map({True: "true", False: "false"}).fillna("NA")
    )
    region = frame["region"].map(lambda v: "NA" if pd.isna(v) else f"{v:g}".replace(",", "."))
    assert got["region"] == expected(region)
    assert sum(c for c, _ in got["channel"].values()) == n


def test_fractional_thresholds_are_written_as_every_page_writes_numbers() -> None:
    """Quantile thresholds of an income («7551.58», «13413.7»): thousands spaced, one number of
    decimals for the whole feature; the codes (segment keys) stay as they were."""
    bins = make_bins([7551.58, 13413.7], integer=False, labels=None, unit="руб.")
    assert bins.labels == [
        "Менее 7 551,58 руб.",
        "От 7 551,58 до 13 413,70 руб.",
        "13 413,70 руб. и более",
    ]
    assert bins.codes == ["<7551,58", "7551,58–13413,7", "≥13413,7"]
    assert make_bins([0.25, 1.5], integer=False, labels=None, unit="").labels == [
        "Менее 0,25",
        "От 0,25 до 1,50",
        "1,50 и более",
    ]
