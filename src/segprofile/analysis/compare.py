"""Two profiles of one study compared (M-10): the segments whose capacity or satisfaction moved.

Segments are matched by their key («признак=значение»), in the one-feature segmentations and
the cross tables. A segment counts as moved when its capacity changed by at least
``min_capacity_change`` of the larger of the two (default 5 %) or its CSAT by at least
``min_csat_change`` (default 2 percentage points); segments only one profile has are listed
as appeared or gone. A CSAT change is *significant* when the two Wilson intervals do not
overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

from segprofile.model.results import Interval, Profile, SegmentStats


@dataclass(frozen=True)
class SegmentMove:
    """One segment in the old and the new profile (``None`` where it is absent)."""

    key: str
    group: str
    label: str
    status: str  # "moved" | "appeared" | "gone"
    capacity_old: int | None
    capacity_new: int | None
    share_old: float | None
    share_new: float | None
    csat_old: float | None
    csat_new: float | None
    csat_significant: bool

    @property
    def capacity_change(self) -> int | None:
        if self.capacity_old is None or self.capacity_new is None:
            return None
        return self.capacity_new - self.capacity_old

    @property
    def csat_change(self) -> float | None:
        if self.csat_old is None or self.csat_new is None:
            return None
        return self.csat_new - self.csat_old

    @property
    def csat_change_points(self) -> float | None:
        """The CSAT change in percentage points, to one decimal."""
        change = self.csat_change
        return None if change is None else round(change * 100, 1)


@dataclass(frozen=True)
class ProfileComparison:
    total_old: int
    total_new: int
    csat_old: float | None
    csat_new: float | None
    moves: list[SegmentMove]
    unchanged: int


def _segments(profile: Profile) -> dict[str, tuple[str, SegmentStats]]:
    found: dict[str, tuple[str, SegmentStats]] = {}
    for fs in profile.by_feature:
        for seg in fs.segments:
            found[seg.key] = (fs.label, seg)
    for cross in profile.cross:
        for seg in cross.segments:
            found.setdefault(seg.key, (cross.label, seg))
    return found


def _apart(a: Interval | None, b: Interval | None) -> bool:
    return a is not None and b is not None and (a.high < b.low or b.high < a.low)


def _magnitude(move: SegmentMove) -> float:
    if move.status != "moved":
        return 2.0 + max(move.share_old or 0.0, move.share_new or 0.0)
    cap_old, cap_new = move.capacity_old or 0, move.capacity_new or 0
    capacity = abs(cap_new - cap_old) / max(cap_old, cap_new, 1)
    return max(capacity, abs(move.csat_change or 0.0))


def compare_profiles(
    old: Profile,
    new: Profile,
    *,
    min_capacity_change: float = 0.05,
    min_csat_change: float = 0.02,
) -> ProfileComparison:
    """The segments of ``new`` whose capacity or CSAT moved against ``old``, largest first.

    Pages compare published profiles: a segment hidden in one of them is listed as moved with
    its hidden side empty; one hidden in both counts as unchanged.
    """
    before, after = _segments(old), _segments(new)
    moves: list[SegmentMove] = []
    unchanged = 0
    for key in [*before, *(k for k in after if k not in before)]:
        group_old, seg_old = before.get(key, ("", None))
        group_new, seg_new = after.get(key, ("", None))
        if seg_old is None and seg_new is not None:
            moves.append(_move(key, group_new, seg_new.label, "appeared", None, seg_new, False))
            continue
        if seg_new is None or seg_old is None:
            if seg_old is not None:
                moves.append(_move(key, group_old, seg_old.label, "gone", seg_old, None, False))
            continue
        if seg_old.capacity is None or seg_new.capacity is None:  # hidden (published profiles)
            if seg_old.capacity is None and seg_new.capacity is None:
                unchanged += 1
            else:
                moves.append(_move(key, group_new, seg_new.label, "moved", seg_old, seg_new, False))
            continue
        old_capacity, new_capacity = seg_old.capacity, seg_new.capacity
        biggest = max(old_capacity, new_capacity, 1)
        capacity_moved = abs(new_capacity - old_capacity) / biggest >= min_capacity_change
        c_old, c_new = seg_old.satisfaction.csat, seg_new.satisfaction.csat
        csat_moved = (c_old is None) != (c_new is None) or (
            c_old is not None and c_new is not None and abs(c_new - c_old) >= min_csat_change
        )
        if not (capacity_moved or csat_moved):
            unchanged += 1
            continue
        significant = _apart(seg_old.satisfaction.csat_interval, seg_new.satisfaction.csat_interval)
        moves.append(_move(key, group_new, seg_new.label, "moved", seg_old, seg_new, significant))
    moves.sort(key=_magnitude, reverse=True)
    return ProfileComparison(
        total_old=old.total_clients,
        total_new=new.total_clients,
        csat_old=old.satisfaction.csat,
        csat_new=new.satisfaction.csat,
        moves=moves,
        unchanged=unchanged,
    )


def _move(
    key: str,
    group: str,
    label: str,
    status: str,
    old: SegmentStats | None,
    new: SegmentStats | None,
    significant: bool,
) -> SegmentMove:
    return SegmentMove(
        key=key,
        group=group,
        label=label,
        status=status,
        capacity_old=old.capacity if old else None,
        capacity_new=new.capacity if new else None,
        share_old=old.share if old else None,
        share_new=new.share if new else None,
        csat_old=old.satisfaction.csat if old else None,
        csat_new=new.satisfaction.csat if new else None,
        csat_significant=significant,
    )
