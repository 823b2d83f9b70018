"""NPS of the client records (issue 19): numbers checked by hand, unusable answers counted and
never quoted, small groups hidden by the profile's disclosure rule."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from segprofile import pipeline
from segprofile.analysis.suppression import suppress
from segprofile.model.results import Profile
from segprofile.model.study import SatisfactionSettings, Study
from sp_factories import SMALL_STUDY, make_records


def _study(nps_column: str | None, min_cell: int = 5) -> Study:
    data = copy.deepcopy(SMALL_STUDY)
    data["features"] = [f for f in data["features"] if f["id"] == "channel"]
    data["segmentation"] = {
        "min_cell": min_cell,
        "satisfaction": {"column": "satisfaction", "nps_column": nps_column},
    }
    return Study.model_validate(data)


def _profile(tmp_path: Path, study: Study, table: pa.Table) -> Profile:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    pq.write_table(table, data / "records.parquet")
    ws = pipeline.Workspace.in_folder(tmp_path, data_dir=data)
    return pipeline.profile_study(ws, study)


# epgu: 10 usable answers (5 promoters, 3 detractors), two blanks; mfc: 6 usable (2 and 2)
# and two unusable; office: 3 usable answers only.
_EPGU = ["10", "10", "9", "9", "9", "8", "7", "6", "3", "0", None, "  "] + [None] * 18
_MFC = ["10", "9", "8", "8", "6", "5", "11", "девять"] + [None] * 12
_OFFICE = ["10", "10", "2"] + [None] * 7


def _hand_table() -> pa.Table:
    channel = ["epgu"] * len(_EPGU) + ["mfc"] * len(_MFC) + ["office"] * len(_OFFICE)
    return pa.table(
        {
            "channel": pa.array(channel, pa.string()),
            "satisfaction": pa.array([4] * len(channel), pa.int64()),
            "q_recommend": pa.array(_EPGU + _MFC + _OFFICE, pa.string()),
        }
    )


def test_nps_by_hand_with_unusable_answers(tmp_path: Path) -> None:
    profile = _profile(tmp_path, _study("q_recommend"), _hand_table())
    assert profile.nps is not None
    assert profile.nps.n == 19
    assert profile.nps.nps == pytest.approx((9 - 6) / 19)
    segs = {s.value: s.nps for s in profile.by_feature[0].segments}
    assert segs["epgu"] is not None
    assert segs["epgu"].n == 10
    assert segs["epgu"].nps == pytest.approx(0.2)
    assert segs["mfc"] is not None
    assert segs["mfc"].n == 6
    assert segs["mfc"].nps == pytest.approx(0.0)
    assert segs["office"] is not None
    assert segs["office"].n == 3
    note = next(w for w in profile.warnings if "NPS" in w)
    # Two unusable answers: fewer than min_cell, told as a bound; no value quoted.
    assert "менее 5" in note
    assert "q_recommend" in note
    assert "11" not in note
    assert "девять" not in note


def test_nps_hidden_for_few_answers_with_complement(tmp_path: Path) -> None:
    published = suppress(
        profile := _profile(tmp_path, _study("q_recommend"), _hand_table()), _study("q_recommend")
    )
    assert profile.disclosure is None
    segs = {s.value: s for s in published.by_feature[0].segments}
    assert all(s.hidden is None for s in segs.values())  # the segments are large enough
    assert segs["office"].nps is not None
    assert segs["office"].nps.nps is None
    assert segs["office"].nps.hidden == "few_ratings"
    # One hidden NPS would be worked out from the overall one: the smallest other goes too.
    assert segs["mfc"].nps is not None
    assert segs["mfc"].nps.hidden == "complement"
    assert segs["epgu"].nps is not None
    assert segs["epgu"].nps.nps == pytest.approx(0.2)
    assert published.nps is not None
    assert published.nps.n == 19


def test_nps_telling_a_small_group_is_hidden(tmp_path: Path) -> None:
    # 30 answers, 28 promoters and 2 passives: an NPS of 93 tells that 2 did not recommend.
    answers = ["10"] * 28 + ["8", "7"]
    table = pa.table(
        {
            "channel": pa.array(["epgu"] * 30, pa.string()),
            "satisfaction": pa.array([5] * 30, pa.int64()),
            "q_recommend": pa.array(answers, pa.string()),
        }
    )
    profile = _profile(tmp_path, _study("q_recommend"), table)
    assert profile.nps is not None
    assert profile.nps.nps == pytest.approx(28 / 30)
    published = suppress(profile, _study("q_recommend"))
    assert published.nps is not None
    assert published.nps.hidden == "share"
    assert published.nps.nps is None
    assert published.nps.n is None


def test_nps_on_generated_skewed_data_matches_direct_count(tmp_path: Path) -> None:
    records = make_records(3000, seed=11)
    rng = random.Random(5)
    channels = records.column("channel").to_pylist()
    base = {"epgu": 9.0, "mfc": 7.0, "office": 4.0, None: 6.0}
    answers: list[int | None] = []
    for ch in channels:
        if rng.random() < 0.4:
            answers.append(None)
        elif rng.random() < 0.01:
            answers.append(rng.choice([-1, 12, 99]))  # outside the scale
        else:
            answers.append(max(0, min(10, round(rng.gauss(base[ch], 2.0)))))
    table = records.append_column("q_nps", pa.array(answers, pa.int64()))
    profile = _profile(tmp_path, _study("q_nps"), table)
    for seg in profile.by_feature[0].segments:
        code = None if seg.missing_value else seg.value
        mine = [a for c, a in zip(channels, answers, strict=True) if c == code]
        usable = [a for a in mine if a is not None and 0 <= a <= 10]
        pro = sum(a >= 9 for a in usable)
        det = sum(a <= 6 for a in usable)
        assert seg.nps is not None, seg.key
        assert seg.nps.n == len(usable), seg.key
        assert seg.nps.nps == pytest.approx((pro - det) / len(usable)), seg.key
    # Skewed: the online channel recommends, the office does not.
    by_code = {s.value: s.nps.nps for s in profile.by_feature[0].segments if s.nps}
    assert by_code["epgu"] is not None
    assert by_code["office"] is not None
    assert by_code["epgu"] > 0.3 > by_code["office"]
    assert any("не учтены в NPS" in w for w in profile.warnings)


def test_no_nps_column_no_nps(tmp_path: Path) -> None:
    profile = _profile(tmp_path, _study(None), _hand_table())
    assert profile.nps is None
    assert all(s.nps is None for s in profile.by_feature[0].segments)


def test_nps_column_missing_from_data_is_named(tmp_path: Path) -> None:
    from segprofile.errors import InputError

    with pytest.raises(InputError, match="столбец вопроса NPS"):
        _profile(tmp_path, _study("q_absent"), _hand_table())


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"column": "sat", "nps_column": "  "}, "назовите столбец вопроса NPS"),
        ({"column": "sat", "nps_column": "sat"}, "отдельный столбец"),
    ],
)
def test_nps_settings_validation(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SatisfactionSettings.model_validate(settings)
    assert (
        SatisfactionSettings.model_validate({"column": "sat", "nps_column": "q"}).nps_column == "q"
    )


def test_an_nps_column_missing_from_the_imported_data_is_a_finding() -> None:
    from segprofile.model.checks import check_data_columns

    found = check_data_columns(_study("q_absent"), {"records": {"channel", "satisfaction"}})
    texts = [f.message for f in found if "NPS" in f.message]
    assert len(texts) == 1
    assert "«q_absent»" in texts[0]
    assert not [
        f for f in check_data_columns(_study(None), {"records": {"channel"}}) if "NPS" in f.message
    ]
