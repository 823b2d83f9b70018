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

Differences are disclosure-controlled too (:func:`_small_change`): two profiles that each hide
every group of fewer than ``min_cell`` clients still describe one person side by side, when
data version 2 lost the single client of a small region («10 → 9», «120 000 → 119 999»). So:

* A count whose change is between 1 and ``min_cell`` − 1 (a segment's capacity, the number
  of clients in all) is not shown as a number, nor are both its sides: the later figure alone
  is shown, with «изменение меньше N клиентов» (``change_hidden``; ``None`` in the earlier
  figures). Its earlier share and CSAT go with it: they would give the count back.
* A CSAT whose ratings, satisfied or dissatisfied clients changed by 1 to ``min_cell`` − 1
  (a client's rating added, removed or changed; 3 satisfied among 40 clients removed) is
  shown for the later profile alone, with «изменение меньше N оценок» (``csat_hidden``).
  The same holds for the study as a whole.
* «Прочие значения» stands for the rare values of a feature, each of fewer than ``min_cell``
  clients. When that set of values differs between the profiles — the line's number of values
  differs, one profile has the line and the other has not, or a value is named in one and
  combined in the other — its change is the count of a small group that left or joined (a
  region whose one client was removed; a value of 3 that grew to 6 and is named now, minus the
  3 it took away). Such a line's counts and CSAT are shown on neither side, only
  «состав строки «Прочие значения» изменился: не сравнивается». A line with as many values on
  both sides, none of them named on the other side, is compared like any other segment under
  the rules above (one rare value swapped for another changes it by fewer than ``min_cell``).

A reader who opens the two profiles each on its own page can still subtract their figures:
that is for the published profiles themselves (the later one protected against the earlier),
not for this comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from segprofile.model.format import fewer
from segprofile.model.labels import OTHER_CODE, OTHER_NAME
from segprofile.model.results import Interval, Profile, SatisfactionStats, SegmentStats


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
    # Why the change is not shown (the earlier figures are None): «изменение меньше 5 клиентов»
    # or «состав строки «Прочие значения» изменился: не сравнивается»; "" when it is shown.
    change_hidden: str = ""
    # Why the earlier CSAT is not shown («изменение меньше 5 оценок»); "" when it is.
    csat_hidden: str = ""

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
    total_old: int | None  # None: the change is small (``total_hidden`` says so)
    total_new: int
    csat_old: float | None
    csat_new: float | None
    moves: list[SegmentMove]
    unchanged: int
    total_hidden: str = ""
    csat_hidden: str = ""
    min_cell: int = 0  # the threshold the comparison was protected with (0: not protected)

    @property
    def hidden(self) -> bool:
        """Whether a move has a side hidden to protect a small group (the page says why)."""
        return any(m.hidden_old or m.hidden_new for m in self.moves)

    @property
    def changes_hidden(self) -> bool:
        """Whether a change is not shown, being too small (the page says why)."""
        return any(m.change_hidden or m.csat_hidden for m in self.moves)


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
    if move.change_hidden:  # last, in the order of their keys: their size is not told
        return 0.0
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
    its hidden side empty; one hidden in both counts as unchanged. A change too small to be
    shown (the module's rules) is said in words.
    """
    before, after = _segments(old), _segments(new)
    cells = (_min_cell(old), _min_cell(new))
    regrouped = _regrouped(old, new)
    moves: list[SegmentMove] = []
    unchanged = 0
    for key in [*before, *(k for k in after if k not in before)]:
        group_old, seg_old = before.get(key, ("", None))
        group_new, seg_new = after.get(key, ("", None))
        shown = [
            (g, s)
            for g, s in ((group_new, seg_new), (group_old, seg_old))
            if s and s.capacity is not None
        ]
        if shown and _other_feature(key) & regrouped:
            moves.append(_regrouped_move(key, *shown[0]))
            continue
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
    min_cell = max(cells)
    total_hidden = _small_change(old.total_clients, new.total_clients, min_cell)
    csat_hidden = total_hidden or _small_rating_change(old.satisfaction, new.satisfaction, min_cell)
    return ProfileComparison(
        total_old=None if total_hidden else old.total_clients,
        total_new=new.total_clients,
        csat_old=None if csat_hidden else old.satisfaction.csat,
        csat_new=new.satisfaction.csat,
        moves=moves,
        unchanged=unchanged,
        total_hidden=total_hidden,
        csat_hidden=csat_hidden,
        min_cell=min_cell,
    )


def tell_few_together(old: Profile, new: Profile) -> bool:
    """Whether two published profiles, read side by side, tell about fewer than ``min_cell``
    clients: their data differ by a few clients only — every count of people they both show
    differs by fewer than ``min_cell``, and some differs. Each profile hides its own small
    groups, but subtracting one from the other describes the few clients added, removed or
    changed between the data versions (the client who asked to be deleted). The counts of
    people are the different clients (in all and by segment) where the data has several rows a
    client — one employee's 18 trips removed are one person —, else the records, the
    applicants and the ratings. Data that differ more (a month's new clients) describe no one
    by the difference; its small changes are hidden on the comparison page all the same
    (:func:`compare_profiles`)."""
    min_cell = max(_min_cell(old), _min_cell(new))
    if min_cell == 0:
        return False
    before = _segments(old)
    both = [(before[key][1], seg) for key, (_, seg) in _segments(new).items() if key in before]
    pairs: list[tuple[int | None, int | None]]
    repeated = any(
        p.distinct_clients is not None and p.distinct_clients != p.total_clients for p in (old, new)
    )
    if repeated and old.distinct_clients is not None and new.distinct_clients is not None:
        pairs = [(old.distinct_clients, new.distinct_clients)]
        pairs += [(was.clients, seg.clients) for was, seg in both]
    else:
        pairs = [(old.total_clients, new.total_clients)]
        pairs += list(zip(_rated(old.satisfaction), _rated(new.satisfaction), strict=True))
        if old.audience is not None and new.audience is not None:
            pairs.append((old.audience.applicants, new.audience.applicants))
        for was, seg in both:
            pairs.append((was.capacity, seg.capacity))
            pairs += list(zip(_rated(was.satisfaction), _rated(seg.satisfaction), strict=True))
    changes = [abs(b - a) for a, b in pairs if a is not None and b is not None]
    return 0 < max(changes, default=0) < min_cell


def _small_change(old: int | None, new: int | None, min_cell: int) -> str:
    """Why two counts of one group may not be shown side by side: they differ by 1 to
    ``min_cell`` − 1 people, a group too small to show (as :mod:`suppression` hides a count
    under ``min_cell``); "" when they may (no change, a change of ``min_cell`` or more, a side
    unknown, or profiles not protected)."""
    if old is None or new is None or not 0 < abs(new - old) < min_cell:
        return ""
    return f"изменение {fewer(min_cell, 'клиента', 'клиентов')}"


def _small_rating_change(old: SatisfactionStats, new: SatisfactionStats, min_cell: int) -> str:
    """Why two CSATs of one group may not be shown side by side: its ratings, its satisfied or
    its dissatisfied clients changed by 1 to ``min_cell`` − 1 (someone's rating came, went or
    changed); "" when they may."""
    if any(_small_change(a, b, min_cell) for a, b in zip(_rated(old), _rated(new), strict=True)):
        return f"изменение {fewer(min_cell, 'оценки', 'оценок')}"
    return ""


def _rated(sat: SatisfactionStats) -> tuple[int | None, int | None, int | None]:
    """Ratings, satisfied and dissatisfied clients (``None`` where hidden): like a share
    (:func:`~segprofile.analysis.suppression.small_share`), a change of CSAT tells both its
    part and the rest."""
    if sat.n is None or sat.csat is None:
        return sat.n, None, None
    satisfied = round(sat.csat * sat.n)
    return sat.n, satisfied, sat.n - satisfied


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

    min_cell = max(cells)
    change_hidden = csat_hidden = ""
    if old is not None and new is not None:
        change_hidden = _small_change(old.capacity, new.capacity, min_cell)
        csat_hidden = change_hidden or _small_rating_change(
            old.satisfaction, new.satisfaction, min_cell
        )
    return SegmentMove(
        key=key,
        group=group,
        label=label,
        status=status,
        capacity_old=old.capacity if old and not change_hidden else None,
        capacity_new=new.capacity if new else None,
        share_old=old.share if old and not change_hidden else None,
        share_new=new.share if new else None,
        csat_old=old.satisfaction.csat if old and not csat_hidden else None,
        csat_new=new.satisfaction.csat if new else None,
        csat_significant=significant and not csat_hidden,
        hidden_old=hidden_text(old.hidden, cells[0]) if old else "",
        hidden_new=hidden_text(new.hidden, cells[1]) if new else "",
        change_hidden=change_hidden,
        csat_hidden=csat_hidden,
    )


def _regrouped_move(key: str, group: str, seg: SegmentStats) -> SegmentMove:
    """A line of «Прочие значения» whose values differ between the profiles: no figure of it
    on either side (its change would be the count of a small group that left or joined)."""
    text = f"состав строки «{OTHER_NAME}» изменился: не сравнивается"
    return SegmentMove(
        key=key,
        group=group,
        label=OTHER_NAME if "&" not in key else seg.label,
        status="moved",
        capacity_old=None,
        capacity_new=None,
        share_old=None,
        share_new=None,
        csat_old=None,
        csat_new=None,
        csat_significant=False,
        change_hidden=text,
        csat_hidden=text,
    )


def _other_feature(key: str) -> set[str]:
    """The features whose «Прочие значения» a key is (or pairs with)."""
    return {
        feature
        for feature, _, value in (part.partition("=") for part in key.split("&"))
        if value == OTHER_CODE
    }


def _regrouped(old: Profile, new: Profile) -> set[str]:
    """The features whose «Прочие значения» stand for different values in the two profiles:
    its number of values differs (it is in the label), one profile has the line and the other
    has not, or a value is named in one profile while the other has the line and not it
    (it may be in the line, or gone)."""

    def lines(profile: Profile) -> tuple[dict[str, str], set[str]]:
        others, named = {}, set()
        for fs in profile.by_feature:
            for seg in fs.segments:
                if seg.value == OTHER_CODE:
                    others[fs.feature_id] = seg.label
                else:
                    named.add(seg.key)
        return others, named

    (others_old, named_old), (others_new, named_new) = lines(old), lines(new)
    out = {
        f for f in others_old.keys() | others_new.keys() if others_old.get(f) != others_new.get(f)
    }
    for key in named_old ^ named_new:
        feature = key.partition("=")[0]
        if feature in others_old or feature in others_new:
            out.add(feature)
    return out


def _unnamed(
    move: SegmentMove, other: dict[str, tuple[str, SegmentStats]], min_cell: int, *, old: bool
) -> SegmentMove:
    """A value one profile names and the other does not, while the other has the combined line
    of its feature's rare values: said as such (it may have fewer than ``min_cell`` clients
    there, or none), not as a segment gone or new."""
    parts = move.key.split("&")  # a pair of features: either value may be the rare one
    combined = [
        "&".join([*parts[:i], f"{part.partition('=')[0]}={OTHER_CODE}", *parts[i + 1 :]])
        for i, part in enumerate(parts)
    ]
    if not min_cell or not any(key in other for key in combined):
        return move
    text = f"{fewer(min_cell, 'клиента', 'клиентов')}: не называется отдельно (см. «{OTHER_NAME}»)"
    return replace(move, hidden_old=text) if old else replace(move, hidden_new=text)


def _min_cell(profile: Profile) -> int:
    """The threshold a published profile was protected with (0 when it was not)."""
    return profile.disclosure.min_cell if profile.disclosure is not None else 0
