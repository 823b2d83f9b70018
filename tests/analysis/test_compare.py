"""Two profiles compared (M-10): segments whose capacity or CSAT moved, with the amounts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.compare import compare_profiles
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
