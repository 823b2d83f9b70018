"""Two profiles compared (M-10): segments whose capacity or CSAT moved, with the amounts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.compare import ProfileComparison, compare_profiles
from segprofile.analysis.suppression import suppress
from segprofile.model.results import Profile
from segprofile.model.study import Study
from sp_factories import make_records


def _profile(study: Study, table: pa.Table, root: Path) -> Profile:
    data = root / "data"  # the workspace's default data folder
    data.mkdir(parents=True)
    pq.write_table(table, data / "records.parquet")
    return pipeline.profile_study(pipeline.Workspace.in_folder(root), study)


@pytest.fixture(scope="module")
def records() -> pa.Table:
    return make_records(3000, seed=7)


def test_the_same_profile_has_no_moves(
    small_study: Study, records: pa.Table, tmp_path: Path
) -> None:
    profile = _profile(small_study, records, tmp_path / "a")
    result = compare_profiles(profile, profile)
    assert result.moves == []
    assert result.unchanged == sum(len(fs.segments) for fs in profile.by_feature) + sum(
        len(c.segments) for c in profile.cross
    )


def test_dropped_segment_and_moved_capacity_and_csat(
    small_study: Study, records: pa.Table, tmp_path: Path
) -> None:
    old = _profile(small_study, records, tmp_path / "a")
    no_office = records.filter(
        pc.invert(pc.fill_null(pc.equal(records["channel"], "office"), False))
    )
    # Every rated MFC client now gives 5: the MFC segment's CSAT goes up.
    is_mfc = pc.fill_null(pc.equal(no_office["channel"], "mfc"), False)
    rated = pc.is_valid(no_office["satisfaction"])
    happier = pc.if_else(pc.and_(is_mfc, rated), 5, no_office["satisfaction"])
    changed = no_office.set_column(
        no_office.schema.get_field_index("satisfaction"),
        "satisfaction",
        happier.cast(no_office["satisfaction"].type),
    )
    new = _profile(small_study, changed, tmp_path / "b")
    result = compare_profiles(old, new)
    by_key = {m.key: m for m in result.moves}
    office = by_key["channel=office"]
    assert office.status == "gone"
    assert office.capacity_new is None
    assert office.capacity_old is not None
    assert office.capacity_old > 0
    mfc = by_key["channel=mfc"]
    assert mfc.status == "moved"
    assert mfc.capacity_change == 0
    assert mfc.csat_change is not None
    assert mfc.csat_change > 0.2
    assert mfc.csat_change_points == round(mfc.csat_change * 100, 1)
    assert mfc.csat_significant
    assert result.total_old - result.total_new == office.capacity_old
    # The gone segment comes first: largest changes first.
    assert result.moves[0].status in ("gone", "appeared")


# --- a change that would describe a small group (152-ФЗ) ----------------------------------------

#: Districts of the records: one dominant, one mid-sized, one of 12 clients and four rare ones
#: (4, 3, 2 and 1 clients: «Прочие значения (4 значения…)», 10 clients).
_RARE = ["Зеленоград"] * 4 + ["Троицк"] * 3 + ["Щербинка"] * 2 + ["Коммунарка"]
_TWELVE = ["Мосрентген"] * 12


def _districts(records: pa.Table) -> pa.Table:
    n = records.num_rows
    rest = ["Москва" if i % 5 else "Зеленоградский округ" for i in range(n - 22)]
    # The rare and the 12 of Мосрентген all rated, half 5, half 2 (CSAT 50 %): enough
    # ratings each for their CSAT to be shown.
    ratings = records["satisfaction"].to_pylist()
    ratings[:22] = [5, 2] * 11
    table = records.set_column(
        records.schema.get_field_index("region"), "region", pa.array(_RARE + _TWELVE + rest)
    )
    return table.set_column(
        table.schema.get_field_index("satisfaction"),
        "satisfaction",
        pa.array(ratings, table["satisfaction"].type),
    )


def _published(study: Study, table: pa.Table, root: Path) -> Profile:
    return suppress(_profile(study, table, root), study)


def _no_small_difference(result: ProfileComparison, min_cell: int) -> None:
    """Nothing in the comparison gives a difference of 1 to ``min_cell`` − 1 clients."""

    def told(a: int | None, b: int | None) -> bool:
        return a is not None and b is not None and 0 < abs(a - b) < min_cell

    assert not told(result.total_old, result.total_new)
    for move in result.moves:
        assert not told(move.capacity_old, move.capacity_new), move
        if move.change_hidden:
            assert (move.capacity_old, move.share_old, move.csat_old) == (None, None, None)
            assert move.capacity_change is None
            assert move.csat_change is None


def test_one_client_removed_is_not_told(
    small_study: Study, records: pa.Table, tmp_path: Path
) -> None:
    """Version 2 of the data lost the single client of Коммунарка and one of Мосрентген:
    «3 000 → 2 998», «12 → 11», «Прочие значения (4 значения…) 10 → (3 значения…) 9» each
    shown alone are above the threshold, but side by side they describe two people."""
    v1 = _districts(records)
    v2 = v1.filter(pa.array([i not in (9, 10) for i in range(v1.num_rows)]))
    old = _published(small_study, v1, tmp_path / "a")
    new = _published(small_study, v2, tmp_path / "b")
    min_cell = small_study.segmentation.min_cell
    result = compare_profiles(old, new)
    _no_small_difference(result, min_cell)

    assert (result.total_old, result.total_new) == (None, 2998)
    assert result.total_hidden == "изменение меньше 5 клиентов"
    by_key = {m.key: m for m in result.moves}
    twelve = by_key["region=Мосрентген"]
    assert (twelve.capacity_old, twelve.capacity_new) == (None, 11)
    assert twelve.change_hidden == "изменение меньше 5 клиентов"
    assert twelve.csat_old is None
    assert not twelve.csat_significant
    # The combined line lost a value: neither side is shown, nor its label's count.
    other = by_key["region=__other__"]
    assert (other.capacity_old, other.capacity_new, other.csat_new) == (None, None, None)
    assert other.label == "Прочие значения"
    assert other.change_hidden == "состав строки «Прочие значения» изменился: не сравнивается"
    assert result.changes_hidden
    assert result.min_cell == min_cell
    # The rest of the comparison still tells what moved by enough: the dominant district
    # is unchanged, and the same profile has no hidden change at all.
    assert "region=Москва" not in by_key
    same = compare_profiles(new, new)
    assert same.moves == []
    assert not same.total_hidden
    assert same.total_old == 2998


def test_a_value_named_again_does_not_tell_its_earlier_count(
    small_study: Study, records: pa.Table, tmp_path: Path
) -> None:
    """Five clients of Мосрентген move to Зеленоград, which grows from 4 to 9 and is named:
    «Прочие значения» 10 → 6 would say it had 4. That line is not compared; Мосрентген's
    12 → 7 (five clients) is."""
    v1 = _districts(records)
    moved = [*_RARE, *["Зеленоград"] * 5]
    v2 = v1.set_column(
        v1.schema.get_field_index("region"),
        "region",
        pa.array(moved + v1["region"].to_pylist()[len(moved) :]),
    )
    old = _published(small_study, v1, tmp_path / "a")
    new = _published(small_study, v2, tmp_path / "b")
    result = compare_profiles(old, new)
    _no_small_difference(result, small_study.segmentation.min_cell)
    by_key = {m.key: m for m in result.moves}
    named = by_key["region=Зеленоград"]
    assert named.status == "appeared"
    assert named.capacity_new == 9
    assert named.hidden_old.startswith("меньше 5 клиентов: не называется отдельно")
    other = by_key["region=__other__"]
    assert (other.capacity_old, other.capacity_new) == (None, None)
    assert other.change_hidden
    twelve = by_key["region=Мосрентген"]
    assert (twelve.capacity_old, twelve.capacity_new, twelve.capacity_change) == (12, 7, -5)
    assert (result.total_old, result.total_new) == (3000, 3000)


def test_a_changed_rating_is_not_told(
    small_study: Study, records: pa.Table, tmp_path: Path
) -> None:
    """One client of Мосрентген re-rated 2 → 5: its CSAT 50 % → 58 % would tell one person's
    rating. The capacity is the same; the earlier CSAT is not shown."""
    v1 = _districts(records)
    ratings = v1["satisfaction"].to_pylist()
    ratings[11] = 5  # a «2» of Мосрентген (odd rows: 2)
    v2 = v1.set_column(
        v1.schema.get_field_index("satisfaction"),
        "satisfaction",
        pa.array(ratings, v1["satisfaction"].type),
    )
    old = _published(small_study, v1, tmp_path / "a")
    new = _published(small_study, v2, tmp_path / "b")
    result = compare_profiles(old, new)
    twelve = next(m for m in result.moves if m.key == "region=Мосрентген")
    assert (twelve.capacity_old, twelve.capacity_new, twelve.change_hidden) == (12, 12, "")
    assert twelve.csat_hidden == "изменение меньше 5 оценок"
    assert twelve.csat_old is None
    assert twelve.csat_new == pytest.approx(7 / 12)
    assert twelve.csat_change is None
    assert result.csat_hidden == "изменение меньше 5 оценок"
    assert result.csat_old is None
    assert (result.total_old, result.total_new) == (3000, 3000)


def test_few_dissatisfied_among_many_removed_are_not_told(
    small_study: Study, records: pa.Table, tmp_path: Path
) -> None:
    """Twelve rated clients of Мосрентген leave, 10 satisfied and 2 not: the district's
    CSAT side by side would tell that 2 of those who left were dissatisfied."""
    v1 = _districts(records)
    ratings = v1["satisfaction"].to_pylist()
    extra = pa.table(
        {
            "channel": pa.array(["epgu"] * 12),
            "age": pa.array([30] * 12, v1["age"].type),
            "single_parent": pa.array([False] * 12),
            "region": pa.array(["Мосрентген"] * 12),
            "satisfaction": pa.array([5] * 10 + [1] * 2, v1["satisfaction"].type),
        }
    )
    assert ratings[10:22] == [5, 2] * 6
    v2 = pa.concat_tables([v1, extra.select(v1.column_names)])
    old = _published(small_study, v2, tmp_path / "a")
    new = _published(small_study, v1, tmp_path / "b")
    result = compare_profiles(old, new)
    twelve = next(m for m in result.moves if m.key == "region=Мосрентген")
    assert twelve.capacity_change == -12
    assert twelve.csat_hidden == "изменение меньше 5 оценок"
    assert twelve.csat_old is None
