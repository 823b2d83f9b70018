"""Two profiles of one study compared (M-10): the segments whose capacity or satisfaction moved.

Segments are matched by their key («признак=значение»), in the one-feature segmentations and
the cross tables. A segment counts as moved when its capacity changed by at least
``min_capacity_change`` of the larger of the two (default 5 %) or its CSAT by at least
``min_csat_change`` (default 2 percentage points); segments only one profile has are listed
as appeared or gone. A CSAT change is *significant* when the two Wilson intervals do not
overlap.

A segment whose figures a published profile hides (disclosure control: fewer than ``min_cell``
clients, or hidden so that a small neighbour cannot be worked out) is still there: its move
says why its side is empty (``hidden_old`` / ``hidden_new``), so that «438 → —» never reads as
clients who vanished. So does a rare value that one profile names and the other does not while
it has a line of «Прочие значения» for that feature (values of fewer than ``min_cell`` clients
are not named).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from segprofile.model.format import number
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
    # Why a side's figures are hidden to protect a small group («скрыто: меньше 5»), or "".
    hidden_old: str = ""
    hidden_new: str = ""

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

    @property
    def hidden(self) -> bool:
        """Whether a move has a side hidden to protect a small group (the page says why)."""
        return any(m.hidden_old or m.hidden_new for m in self.moves)


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
    cells = (_min_cell(old), _min_cell(new))
    moves: list[SegmentMove] = []
    unchanged = 0
    for key in [*before, *(k for k in after if k not in before)]:
        group_old, seg_old = before.get(key, ("", None))
        group_new, seg_new = after.get(key, ("", None))
        if seg_old is None and seg_new is not None:
            move = _move(key, group_new, seg_new.label, "appeared", None, seg_new, False, cells)
            moves.append(_unnamed(move, before, cells[0], old=True))
            continue
        if seg_new is None or seg_old is None:
            if seg_old is not None:
                move = _move(key, group_old, seg_old.label, "gone", seg_old, None, False, cells)
                moves.append(_unnamed(move, after, cells[1], old=False))
            continue
        if seg_old.capacity is None or seg_new.capacity is None:  # hidden (published profiles)
            if seg_old.capacity is None and seg_new.capacity is None:
                unchanged += 1
            else:
                moves.append(
                    _move(key, group_new, seg_new.label, "moved", seg_old, seg_new, False, cells)
                )
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
        moves.append(
            _move(key, group_new, seg_new.label, "moved", seg_old, seg_new, significant, cells)
        )
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
    cells: tuple[int, int],
) -> SegmentMove:
    # Imported here: suppression needs SciPy, which importing the pipeline must not load.
    from segprofile.analysis.suppression import hidden_text

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
        hidden_old=hidden_text(old.hidden, cells[0]) if old else "",
        hidden_new=hidden_text(new.hidden, cells[1]) if new else "",
    )


def _unnamed(
    move: SegmentMove, other: dict[str, tuple[str, SegmentStats]], min_cell: int, *, old: bool
) -> SegmentMove:
    """A value one profile names and the other does not, while the other has the combined line
    of its feature's rare values: said as such (it may have fewer than ``min_cell`` clients
    there, or none), not as a segment gone or new."""
    from segprofile.analysis.suppression import OTHER_CODE, OTHER_NAME

    parts = move.key.split("&")  # a pair of features: either value may be the rare one
    combined = [
        "&".join([*parts[:i], f"{part.partition('=')[0]}={OTHER_CODE}", *parts[i + 1 :]])
        for i, part in enumerate(parts)
    ]
    if not min_cell or not any(key in other for key in combined):
        return move
    text = f"меньше {number(min_cell)} клиентов: не называется отдельно (см. «{OTHER_NAME}»)"
    return replace(move, hidden_old=text) if old else replace(move, hidden_new=text)


def _min_cell(profile: Profile) -> int:
    """The threshold a published profile was protected with (0 when it was not)."""
    return profile.disclosure.min_cell if profile.disclosure is not None else 0
