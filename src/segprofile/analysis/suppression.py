"""Disclosure control: the one place that decides which published numbers are hidden.

Every output (web pages, ``profile.json`` and the API, the HTML, DOCX, XLSX and PDF reports,
the CSV exports) shows a *published* profile made by :func:`suppress`: the computed
:class:`~segprofile.model.results.Profile` with every number that concerns fewer than
``segmentation.min_cell`` people set to ``None`` and a reason (``hidden``) beside it.

Rules
-----
* A categorical feature's values with fewer than ``min_cell`` clients are never named nor
  shown one by one (a village of two applicants names them): they are combined first into one
  line, «Прочие значения (3 значения, в каждом меньше 5 клиентов)» (:func:`combine_rare`), in
  every table of that feature (its segments, pairs of features, clusters × segments,
  vulnerable groups), and their keys are left out of everything else (traits, priorities,
  journeys, cluster prototypes). The combined line is a part like any other below.
* Counts under ``min_cell`` are hidden (primary suppression). In a partition (the segments of
  one feature, the clusters) more is hidden until no hidden count can be worked out from the
  total: at least two hidden, and together at least ``min_cell`` (complementary suppression).
* Two-way tables (pairs of features, clusters × segments, vulnerable groups × clusters) are
  protected line by line, rows and columns in turn, until nothing changes. A line whose margin
  is hidden is hidden whole. In a line with a hidden cell, zeros are hidden too: a shown zero
  beside one hidden cell would tell in which row the hidden people are. Every hidden cell of a
  two-way table has the same label («скрыто»), since telling a small cell from its complement
  would place people as well. Last, each table is audited by a small linear program: while a
  reader could narrow a hidden small cell (tell that someone is there, or that fewer than
  ``min_cell`` are) beyond what the published totals alone say, one more neighbouring cell —
  the smallest shown one of its row or column — is hidden.
* Statistics (mean, CSAT, NPS, intervals, shares, tests) of fewer than ``min_cell`` ratings or
  answers are hidden («мало оценок»), with the same complementary rule over the rating counts.
  An NPS of the client records that tells fewer than ``min_cell`` answers outside its larger
  group (96 of 50 answers: at most 2 did not recommend) is hidden too, with its complements.
* A share of a shown whole that tells a count of fewer than ``min_cell`` — the part or the
  rest (:func:`small_share`) — is hidden: survey shares with their intervals and tests,
  traits of segments and clusters, topic shares (topics × segments as a two-way table).
* Ranks of the shown segments are renumbered without gaps; a segment whose ratings are hidden
  is not ranked (its score carries them).
* People of a hidden segment are never listed with that membership (interview recruitment).
* A hidden cell reads the same whatever it holds: made of its key alone, listed in the table's
  own order, never by its size (a hidden empty cell is not told from a hidden small one).
* The overlaps of the top segments and the proposed cross segments are cells of a pair of
  features: one in a published pair of features is hidden exactly when the cross table hides
  it, and is told with that table's size; any other is protected as a two-by-two table.
* Live counts under ``min_cell``, or leaving fewer than ``min_cell`` outside, are given as a
  bound («меньше 5»), never exactly.
* The audience line (applicants of the role's audience, entitled) is a bound, in the words of
  the live counts, when it and the clients in the data would tell 1 … ``min_cell`` − 1 people
  outside the audience or not applying; the segments' blind zones of one feature are protected
  as a partition of that line (:func:`protect_audience`).

Only an owner may ask for one unsuppressed output (:func:`unsuppressed`); it is marked so on
every page by the writers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scipy.optimize import linprog  # type: ignore[import-untyped]

from segprofile.model.format import fewer, number, percent, plural
from segprofile.model.labels import MISSING_CODE

# The combined line of rare values, as the model names it (re-exported: one rule, one place).
from segprofile.model.labels import OTHER_CODE as OTHER_CODE
from segprofile.model.labels import OTHER_NAME as OTHER_NAME
from segprofile.model.labels import is_combined as is_combined
from segprofile.model.results import (
    AudienceSummary,
    ClusterCrossCell,
    ClusterCrosstab,
    ClusterResult,
    ClusterStats,
    CrossProposal,
    CrossSegmentation,
    Disclosure,
    FeatureSegmentation,
    Hidden,
    NpsStats,
    Portrait,
    PortraitField,
    PortraitNote,
    PortraitTrait,
    PrioritySummary,
    Profile,
    Recruitment,
    SampleSize,
    SatisfactionStats,
    SegmentOverlap,
    SegmentStats,
    SurveyStats,
    SurveyTest,
    TopicModel,
    TopicSegmentShare,
    Trait,
    VulnerableCell,
    VulnerableGroupRow,
    known,
)
from segprofile.model.study import HypothesisStatus, Study

K = TypeVar("K", bound=Hashable)
T = TypeVar("T", Trait, PortraitTrait)


UNSUPPRESSED_BANNER = "Без защиты малых групп — только для служебного пользования"


def hidden_text(reason: Hidden | None, min_cell: int) -> str:
    """What a hidden number reads as, in Russian (``""`` for a shown one)."""
    if reason is None:
        return ""
    return {
        "small": f"скрыто: меньше {min_cell}",
        "complement": "скрыто, чтобы нельзя было вычислить соседние",
        "few_ratings": "мало оценок",
        "share": f"скрыто: довольных или недовольных меньше {min_cell}",
        "cell": "скрыто",
    }[reason]


# --- the rules over plain counts -----------------------------------------------------------------


def small_share(part: int, whole: int, min_cell: int) -> bool:
    """Whether a share ``part / whole`` of a shown ``whole`` tells a count of fewer than
    ``min_cell`` people: the part, or the rest (a share of 95 % of 40 says that 2 did not).
    Nobody (0) and everybody are not small counts."""
    return 0 < part < min_cell or 0 < whole - part < min_cell


def protect_partition(
    counts: Mapping[K, int], min_cell: int, hidden: Iterable[K] = ()
) -> dict[K, Hidden]:
    """Hidden parts of one partition (its total is known): the small and their complements.

    ``counts``: part → count; ``hidden``: parts hidden already for another reason. Primary:
    every part under ``min_cell``. Complementary: while exactly one part is hidden (it would
    be the total minus the rest) or the hidden ones together are under ``min_cell``, the
    smallest shown part is hidden too.
    """
    out: dict[K, Hidden] = {k: "small" for k, c in counts.items() if c < min_cell}
    for k in hidden:
        if k in counts:
            out.setdefault(k, "complement")
    for k in _complement(counts, set(out), min_cell) - set(out):
        out[k] = "complement"
    return out


def _complement(counts: Mapping[K, int], hidden: set[K], min_cell: int) -> set[K]:
    """``hidden`` grown by the smallest shown parts until it cannot be told from the total."""
    here = {k for k in counts if k in hidden}
    if not here:
        return set()
    shown = sorted((k for k in counts if k not in here), key=lambda k: (counts[k], str(k)))
    while shown and (len(here) == 1 or sum(counts[k] for k in here) < min_cell):
        here.add(shown.pop(0))
    return here


def protect_table(
    cells: Mapping[tuple[K, K], int],
    min_cell: int,
    *,
    hidden_rows: Iterable[K] = (),
    hidden_columns: Iterable[K] = (),
    hidden_cells: Iterable[tuple[K, K]] = (),
) -> set[tuple[K, K]]:
    """Hidden cells of a two-way table whose row and column totals may be known.

    ``cells`` must hold every cell of the grid, zeros included; a row's total is published
    unless the row is in ``hidden_rows`` (columns alike), the grand total always. A cell under
    ``min_cell`` (but not zero) is hidden; a hidden row or column is hidden whole. Then, line by
    line: zeros beside a hidden cell are hidden, and the line is completed as a partition
    (:func:`protect_partition`), until nothing changes. Last, the table is audited (see
    :func:`_exposed`): while a hidden cell can be narrowed by a reader beyond what the published
    totals alone say, the smallest shown cell of its row or column is hidden too.
    """
    rows, cols = set(hidden_rows), set(hidden_columns)
    hidden = {rc for rc, c in cells.items() if 0 < c < min_cell or rc[0] in rows or rc[1] in cols}
    hidden |= {rc for rc in hidden_cells if rc in cells}
    lines: list[list[tuple[K, K]]] = []
    for axis in (0, 1):
        by_line: dict[K, list[tuple[K, K]]] = {}
        for rc in cells:
            by_line.setdefault(rc[axis], []).append(rc)
        lines.extend(by_line.values())
    audit = _Audit(cells, rows, cols, min_cell)
    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                if not any(rc in hidden for rc in line):
                    continue
                more = {rc for rc in line if cells[rc] == 0}
                more |= _complement({rc: cells[rc] for rc in line}, hidden | more, min_cell)
                if more - hidden:
                    hidden |= more
                    changed = True
        exposed = audit.exposed(hidden)
        if exposed is None:
            return hidden
        hidden.add(audit.neighbour(exposed, hidden))


class _Audit(Generic[K]):
    """Can a reader of a published two-way table narrow a hidden cell?

    A linear program over the published table: the unknowns are its hidden cells (every one
    ≥ 0), the constraints the published row and column totals and the grand total. For a
    hidden cell its smallest and largest possible value are solved for. A small cell
    (0 < v < ``min_cell``) is exposed when its smallest value is above what the totals alone
    allow (a reader knows someone is there, so in which row and column) or its largest is
    under ``min_cell`` (a reader knows the group is small); a hidden zero is exposed when it
    cannot be anything but zero. Totals alone already bound a cell (row r and column c known:
    at least r + c − N); a table need only tell no more than its totals. Two-way tables are
    totally unimodular, so the linear bounds are those of whole numbers too.
    """

    def __init__(
        self, cells: Mapping[tuple[K, K], int], rows: set[K], cols: set[K], min_cell: int
    ) -> None:
        self.cells = cells
        self.min_cell = min_cell
        self.order = sorted(cells, key=str)
        self.row_total: dict[K, int] = {}
        self.col_total: dict[K, int] = {}
        for (r, c), v in cells.items():
            self.row_total[r] = self.row_total.get(r, 0) + v
            self.col_total[c] = self.col_total.get(c, 0) + v
        self.hidden_rows, self.hidden_cols = rows, cols
        self.known_rows = [r for r in self.row_total if r not in rows]
        self.known_cols = [c for c in self.col_total if c not in cols]
        self.baseline: dict[tuple[K, K], tuple[float, float]] = {}
        # Hiding more only widens what a reader can say of a cell: a safe cell stays safe.
        self.safe: set[tuple[K, K]] = set()

    def bounds(
        self, hidden: Sequence[tuple[K, K]], cell: tuple[K, K], *, low: bool = True
    ) -> tuple[float, float]:
        """Smallest and largest value of ``cell`` given everything but ``hidden`` is shown
        (the smallest is 0 without solving when ``low`` is false)."""
        index = {rc: i for i, rc in enumerate(hidden)}
        a_eq: list[list[float]] = []
        b_eq: list[float] = []
        lines: list[tuple[int, K | None, int]] = [
            (0, r, self.row_total[r]) for r in self.known_rows
        ]
        lines += [(1, c, self.col_total[c]) for c in self.known_cols]
        lines.append((2, None, sum(self.row_total.values())))
        for axis, key, total in lines:
            coef = [0.0] * len(hidden)
            rest = float(total)
            for rc in self.cells:
                if axis < 2 and rc[axis] != key:
                    continue
                if rc in index:
                    coef[index[rc]] = 1.0
                else:
                    rest -= self.cells[rc]
            if any(coef):
                a_eq.append(coef)
                b_eq.append(rest)
        goal = [0.0] * len(hidden)
        goal[index[cell]] = 1.0
        top = linprog([-g for g in goal], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = -float(top.fun) if top.status == 0 else float("inf")
        if not low:
            return 0.0, high
        bottom = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        return (float(bottom.fun) if bottom.status == 0 else 0.0), high

    def swappable(self, cell: tuple[K, K], hidden: set[tuple[K, K]]) -> bool:
        """A quick sufficient test that ``cell`` is safe: its value can be moved to other
        hidden cells and back without changing a published total, far enough that a reader
        can tell it neither from 0 nor from ``min_cell`` (a hidden zero: from 1). Either along
        a rectangle of hidden cells (the opposite corner holds at least its value, the two
        others at least what it lacks), or along its line to a cell whose cross line has an
        unpublished total, as its own does."""
        r, c = cell
        v = self.cells[cell]
        lack = self.min_cell - v if v else 1
        rows, cols = self.hidden_rows, self.hidden_cols
        for r2, c2 in hidden:
            if r2 == r and c2 != c:  # along the row, both columns' totals unpublished
                if c in cols and c2 in cols and self.cells[(r, c2)] >= lack:
                    return True
            elif c2 == c and r2 != r:  # along the column, both rows' totals unpublished
                if r in rows and r2 in rows and self.cells[(r2, c)] >= lack:
                    return True
            elif r2 != r and self.cells[(r2, c2)] >= v:  # the opposite corner of a rectangle
                sides = ((r, c2), (r2, c))
                if all(s in hidden and self.cells[s] >= lack for s in sides):
                    return True
        return False

    def exposed(self, hidden: set[tuple[K, K]]) -> tuple[K, K] | None:
        """The first hidden cell (in a fixed order) a reader can narrow, or ``None``."""
        unknown = [rc for rc in self.order if rc in hidden]
        for rc in unknown:
            v = self.cells[rc]
            if v >= self.min_cell or rc in self.safe:
                continue
            if self.swappable(rc, hidden):
                self.safe.add(rc)
                continue
            low, high = self.bounds(unknown, rc, low=v > 0)
            enough = float(self.min_cell if v else 1)
            if low > _EPS or high < enough - _EPS:
                # Narrower than «anything from 0 to min_cell»: no more than the totals say?
                if rc not in self.baseline:
                    self.baseline[rc] = self.bounds(self.order, rc, low=v > 0)
                base_low, base_high = self.baseline[rc]
                if low > base_low + _EPS or high < min(enough, base_high) - _EPS:
                    return rc
            self.safe.add(rc)
        return None

    def neighbour(self, cell: tuple[K, K], hidden: set[tuple[K, K]]) -> tuple[K, K]:
        """The shown cell to hide next for ``cell``: the smallest of its row or column (least
        lost), else the smallest in any line with a hidden cell, else the smallest at all."""
        shown = [rc for rc in self.order if rc not in hidden]
        hidden_lines = {(0, rc[0]) for rc in hidden} | {(1, rc[1]) for rc in hidden}
        for pool in (
            [rc for rc in shown if rc[0] == cell[0] or rc[1] == cell[1]],
            [rc for rc in shown if (0, rc[0]) in hidden_lines or (1, rc[1]) in hidden_lines],
            shown,
        ):
            if pool:
                return min(pool, key=lambda rc: self.cells[rc])
        raise AssertionError("an exposed cell in a table with nothing shown")


_EPS = 1e-6


def protect_audience(
    audience: AudienceSummary,
    computed: Sequence[FeatureSegmentation],
    published: Sequence[FeatureSegmentation],
    min_cell: int,
    total: int,
) -> tuple[AudienceSummary, list[FeatureSegmentation]]:
    """The audience line («имеют право: N; обратились: M») and the segments' blind zones as
    published (``computed``: the segments as computed; ``published``: as shown so far, each
    blind zone already told by :func:`blind_zone_told`; ``total``: the clients in the data).

    The line's applicants are exact when they and the clients outside the role's audience
    (all clients − applicants) are each nobody or at least ``min_cell`` (:func:`small_share`),
    else they read as a bound, as :func:`live_count` gives a count: «менее 5 из 12 000
    клиентов», «почти все — более 11 995 из 12 000 клиентов (вне целевой аудитории меньше 5
    клиентов)».
    The entitled are exact unless, beside exact applicants, they tell that 1 … ``min_cell`` − 1
    did not apply: «почти столько же, сколько обратились (не обратились меньше 5 человек)».

    The blind zones of one feature's segments split the audience: a reader subtracts the
    shown ones from the line and gets the rest (hidden segments, «Прочие значения», «Нет
    данных»). Its applicants, its clients outside the audience (also without the segments of
    no applicant, which the rule or the never applying groups may tell) and its entitled who
    did not apply must each be nobody or at least ``min_cell``. While they are not, the shown
    blind zone of the fewest applicants that makes the rest safe is hidden too (else the one of
    the fewest: as :func:`protect_partition`); when none is left, the line's figure is rounded
    («около 3 690 из 12 000 клиентов»). A hidden line figure needs a rest of some applicants
    in every feature, or the segments would add up to it.

    A coverage with a hidden figure is that of its bound's middle (the report writes «около»).
    """
    if audience.applicants is None or audience.entitled is None:
        return audience, list(published)  # published already
    m = min_cell
    at, et = audience.applicants, round(audience.entitled)
    clients = audience.clients if audience.clients is not None else total
    by_id = {fs.feature_id: fs.segments for fs in computed}
    at_exact = not small_share(at, clients, m)
    et_failed = False
    while True:
        et_exact = not (at_exact and (0 < et - at < m or et_failed))
        told: dict[str, set[str]] = {}
        failed = ""
        for fs in published:
            keys = {seg.key for seg in fs.segments if seg.blind_zone is not None}
            segments = by_id.get(fs.feature_id, [])
            if not any(seg.blind_zone is not None for seg in segments):
                continue  # not a feature of the population table: no blind zone to add up

            figures = (at, et, clients, at_exact, et_exact, m)
            while (fail := _rest_tells_few(segments, keys, *figures)) and keys:
                # The fewest applicants that make the rest safe alone, else the fewest.
                order = sorted(keys, key=lambda k: (_applicants(segments, k), k))
                keys.remove(
                    next(
                        (k for k in order if not _rest_tells_few(segments, keys - {k}, *figures)),
                        order[0],
                    )
                )
            told[fs.feature_id] = keys
            failed = failed or fail
        if failed == "applicants" and at_exact:
            at_exact = False
        elif failed == "entitled" and et_exact:
            et_failed = True
        else:
            break
    features = [
        fs.model_copy(
            update={
                "segments": [
                    seg
                    if seg.blind_zone is None or seg.key in told.get(fs.feature_id, {seg.key})
                    else seg.model_copy(update={"blind_zone": None})
                    for seg in fs.segments
                ]
            }
        )
        for fs in published
    ]
    step = live_count_step(m)
    a_text, a_mid = "", float(at)
    if not at_exact:
        if 0 < at < m:
            a_text, a_mid = f"менее {number(m)} из {number(clients)} клиентов", m / 2
        elif 0 < clients - at < m:
            a_text = (
                f"почти все — более {number(clients - m)} из {number(clients)} клиентов (вне "
                f"целевой аудитории {fewer(m, 'клиента', 'клиентов')})"
            )
            a_mid = clients - m / 2
        else:
            a_mid = min(clients, max(step, round(at / step) * step))
            a_text = f"около {number(a_mid)} из {number(clients)} клиентов"
    e_text, e_mid = "", audience.entitled
    if not et_exact:
        if 0 < et - at < m:
            e_text = (
                "почти столько же, сколько обратились "
                f"(не обратились {fewer(m, 'человека', 'человек')})"
            )
            e_mid = at + m / 2
        else:
            e_mid = max(step, round(et / step) * step)
            e_text = f"около {number(e_mid)}"
    return audience.model_copy(
        update={
            "applicants": at if at_exact else None,
            "applicants_text": a_text,
            "entitled": audience.entitled if et_exact else None,
            "entitled_text": e_text,
            "coverage": a_mid / e_mid if e_mid > 0 and a_mid <= e_mid else None,
        }
    ), features


def _applicants(segments: Sequence[SegmentStats], key: str) -> int:
    return next(s.blind_zone.applicants for s in segments if s.key == key and s.blind_zone)


def _rest_tells_few(
    segments: Sequence[SegmentStats],
    keys: set[str],
    applicants: int,
    entitled: int,
    clients: int,
    applicants_exact: bool,
    entitled_exact: bool,
    min_cell: int,
) -> str:
    """What the rest of a feature's audience (its segments without a shown blind zone, of
    ``keys`` shown) tells of fewer than ``min_cell`` people: ``"applicants"`` (its applicants
    or its clients outside the audience), ``"entitled"`` (its entitled who did not apply), or
    ``""``. With a hidden line figure: ``"applicants"`` when the shown ones add up to it."""

    def few(n: float) -> bool:
        return 0 < n < min_cell

    def people(seg: SegmentStats) -> int:
        return seg.clients if seg.clients is not None else (seg.capacity or 0)

    shown = [s for s in segments if s.key in keys and s.blind_zone is not None]
    nobody = [
        s
        for s in segments
        if s.key not in keys
        and not s.missing_value
        and (s.blind_zone is None or s.blind_zone.applicants == 0)
    ]
    rest = applicants - sum(s.blind_zone.applicants for s in shown if s.blind_zone)
    outside = clients - sum(people(s) for s in shown) - rest
    blind = entitled - sum(round(s.blind_zone.entitled) for s in shown if s.blind_zone) - rest
    if applicants_exact and entitled_exact:
        known = sum(round(s.blind_zone.entitled) for s in nobody if s.blind_zone)
        if few(blind) or few(blind - known):
            return "entitled"
    if applicants_exact and (
        few(rest) or few(outside) or few(outside - sum(people(s) for s in nobody))
    ):
        return "applicants"
    if not (applicants_exact and entitled_exact) and rest <= 0 and shown:
        return "applicants"  # the shown segments would add up to the hidden figure
    return ""


@dataclass(frozen=True)
class LiveCount:
    """A count shown while editing (the rule preview): exact only when it is safe."""

    matched: int | None
    total: int
    text: str


def blind_zone_told(seg: SegmentStats, min_cell: int) -> bool:
    """Whether a segment's blind zone is published: its applicants (the clients of the role's
    audience), the segment's clients outside that audience, and the entitled who did not apply
    are each nobody or at least ``min_cell`` (applicants are never nobody here): a segment of
    1 000 clients with 997 applicants would tell that three of them are outside the rule."""
    bz = seg.blind_zone
    if bz is None:
        return False
    clients = seg.clients if seg.clients is not None else (seg.capacity or 0)
    return (
        bz.applicants >= min_cell
        and not 0 < bz.blind < min_cell
        and not 0 < clients - bz.applicants < min_cell
    )


def hidden_blind_zone_reason(min_cell: int) -> str:
    """The priority's reason for a blind zone hidden to protect the audience line."""
    return (
        "слепая зона не показывается: вместе со слепыми зонами других сегментов она "
        f"позволила бы вычислить группу {fewer(min_cell, 'клиента', 'клиентов')} — не учитывается"
    )


def blind_zones_hidden_by_audience(profile: Profile, min_cell: int) -> frozenset[str]:
    """Keys of the segments whose blind zone :func:`blind_zone_told` would publish but the
    published profile hides to protect the audience line (:func:`protect_audience`): the
    priority must not count them, or its score and reasons would tell the hidden figure."""
    published = {
        s.key: s for fs in _Suppressor(profile, min_cell).run().by_feature for s in fs.segments
    }
    return frozenset(
        s.key
        for fs in profile.by_feature
        for s in fs.segments
        if blind_zone_told(s, min_cell)
        and (shown := published.get(s.key)) is not None
        and not shown.hidden
        and shown.blind_zone is None
    )


def live_count(matched: int, total: int, min_cell: int) -> LiveCount:
    """How many of ``total`` records a condition selects, as the viewer may see it.

    Never exact: two conditions that differ by one person («пол = Ж» and «пол = Ж и канал ≠
    X») would tell that person's traits by the difference of their counts. The count is rounded
    to a multiple of :func:`live_count_step`; under ``min_cell`` it reads «менее 5 из 1 500
    записей», and when fewer than ``min_cell`` are left outside it is a bound too (the outside
    would be total − matched): «почти все — более 1 490 из 1 500 записей».
    """
    if matched < min_cell:
        text = f"менее {number(min_cell)} из {number(total)} записей"
        return LiveCount(None, total, text)
    if total - matched < min_cell:
        text = f"почти все — более {number(total - min_cell)} из {number(total)} записей"
        return LiveCount(None, total, text)
    step = live_count_step(min_cell)
    rounded = min(total, max(step, round(matched / step) * step))
    share = percent(rounded / total, 1) if total else ""
    text = f"около {number(rounded)} из {number(total)} записей ({share})"
    return LiveCount(None, total, text)


def live_count_step(min_cell: int) -> int:
    """The rounding of live counts: 10, or ``min_cell`` when that is larger."""
    return max(10, min_cell)


# --- the published profile -----------------------------------------------------------------------


def other_label(values: int, min_cell: int) -> str:
    """The combined line of ``values`` rare values, e.g. «Прочие значения (3 значения, в каждом
    меньше 5 клиентов)»."""
    each = "" if values == 1 else "в каждом "
    count = plural(values, "значение", "значения", "значений")
    return f"{OTHER_NAME} ({count}, {each}{fewer(min_cell, 'клиента', 'клиентов')})"


def few_people(segments: Iterable[SegmentStats | ClusterStats], min_cell: int) -> list[str]:
    """Keys of groups with enough rows but fewer than ``min_cell`` different people (several
    applications of one client): hidden as small, whatever their number of rows."""
    return [s.key for s in segments if s.clients is not None and s.clients < min_cell]


def _small_people(
    hidden: dict[str, Hidden], segments: Iterable[SegmentStats | ClusterStats], min_cell: int
) -> dict[str, Hidden]:
    """``protect_partition``'s result with the groups of few people said to be small."""
    return {**hidden, **{k: "small" for k in few_people(segments, min_cell)}}


def _protect_people(
    segments: Sequence[SegmentStats] | Sequence[ClusterStats],
    hidden: dict[str, Hidden],
    min_cell: int,
) -> dict[str, Hidden]:
    """``hidden`` (the partition protected by rows) grown so that the people hidden are not told
    either: with several rows a client, each shown group shows its clients, and the different
    clients of the data less those shown tell the people of the hidden ones — two hidden groups
    of 40 rows may be 3 people. The people are protected as one more partition (nothing more
    is hidden when every group has as many clients as rows)."""
    people = {s.key: s.clients for s in segments if s.clients is not None}
    if len(people) < len(segments) or all(people[s.key] == s.capacity for s in segments):
        return hidden
    more = protect_partition(people, min_cell, hidden)
    return {**hidden, **{k: "complement" for k in more if k not in hidden}}


def rare_codes(counts: Mapping[str, int], min_cell: int) -> set[str]:
    """The values of a categorical feature too rare to be named (code → clients): fewer than
    ``min_cell``. «Нет данных» names nobody: it stays a line of its own (hidden when small)."""
    return {code for code, n in counts.items() if n < min_cell and code != MISSING_CODE}


def rare_values(profile: Profile, min_cell: int) -> dict[str, str]:
    """Keys of the rare values (a categorical feature's values with fewer than ``min_cell``
    clients — different people where the data has several rows a client —, after the
    analyst's value labels merged them; «Нет данных» is no value) → the key of their combined
    line.
    Vulnerable groups of a feature that is not segmented are counted by their totals."""
    out: dict[str, str] = {}
    segmented = set()
    for fs in profile.by_feature:
        segmented.add(fs.feature_id)
        if fs.type != "categorical":
            continue
        # People, not rows: 18 applications of one employee are one person to name.
        counts = {
            s.value: s.clients if s.clients is not None else s.capacity
            for s in fs.segments
            if s.capacity is not None
        }
        for s in fs.segments:
            if s.value in rare_codes(counts, min_cell):
                out[s.key] = f"{fs.feature_id}={OTHER_CODE}"
    if profile.clusters is not None:
        for row in profile.clusters.vulnerable:
            if row.feature_id not in segmented and row.total is not None and row.total < min_cell:
                out[row.segment] = f"{row.feature_id}={OTHER_CODE}"
    return out


def _combined_satisfaction(parts: Sequence[SatisfactionStats]) -> SatisfactionStats:
    """The satisfaction of a combined group: ratings added, mean and CSAT weighted by them."""
    n = sum(s.n or 0 for s in parts)
    rated = [s for s in parts if s.n]
    mean = csat = None
    if n and all(s.mean is not None for s in rated):
        mean = sum((s.mean or 0.0) * (s.n or 0) for s in rated) / n
    if n and all(s.csat is not None for s in rated):
        csat = sum((s.csat or 0.0) * (s.n or 0) for s in rated) / n
    return SatisfactionStats(n=n, mean=mean, csat=csat)


def _combined_people(
    profile: Profile, parts: Sequence[SegmentStats], counted: int | None = None
) -> int | None:
    """The different clients of rare values together. Added up only where each client has one
    row (no one can be under two values); else ``counted`` (the worker's count of these very
    values, see ``FeatureSegmentation.other_clients``), or — none counted: a profile computed
    before it, another ``min_cell``, a pair's cell — the largest of them: a lower bound, so the
    line is protected as a small group rather than shown as more people than it has."""
    people = [s.clients for s in parts if s.clients is not None]
    if not people:
        return None
    if profile.distinct_clients is not None and profile.distinct_clients == profile.total_clients:
        return sum(people)
    return counted if counted is not None else max(people)


def _combined_segment(
    key: str, value: str, label: str, parts: Sequence[SegmentStats], clients: int | None
) -> SegmentStats:
    return SegmentStats(
        key=key,
        value=value,
        label=label,
        capacity=sum(s.capacity or 0 for s in parts),
        clients=clients,
        share=sum(s.share or 0.0 for s in parts),
        satisfaction=_combined_satisfaction([s.satisfaction for s in parts]),
        missing_value=any(s.missing_value for s in parts),
    )


def combine_rare(profile: Profile, min_cell: int) -> tuple[Profile, dict[str, str]]:
    """The computed profile with each feature's rare values (:func:`rare_values`) combined into
    one line, and the keys combined (rare key → the combined line's key).

    The combined line replaces them in the feature's segments, in pairs of features (cells
    added up), in clusters × segments and in vulnerable groups × clusters; counts and
    ratings are added, shares recomputed, nothing else of them is kept. Their keys are left in
    traits, priorities and the rest: :class:`_Suppressor` leaves those out.
    """
    rare = rare_values(profile, min_cell)
    if not rare:
        return profile, rare
    features = []
    for fs in profile.by_feature:
        small = [s for s in fs.segments if s.key in rare]
        if not small:
            features.append(fs)
            continue
        other = _combined_segment(
            rare[small[0].key],
            OTHER_CODE,
            other_label(len(small), min_cell),
            small,
            _combined_people(
                profile, small, fs.other_clients if fs.other_min_cell == min_cell else None
            ),
        )
        kept = [s for s in fs.segments if s.key not in rare]
        features.append(fs.model_copy(update={"segments": [*kept, other]}))
    cross = [_combine_cross(profile, cs, rare) for cs in profile.cross]
    clusters = profile.clusters
    if clusters is not None:
        clusters = clusters.model_copy(
            update={
                "crosstabs": [_combine_crosstab(ct, rare) for ct in clusters.crosstabs],
                "vulnerable": _combine_vulnerable(clusters.vulnerable, rare, min_cell),
            }
        )
    combined = profile.model_copy(
        update={"by_feature": features, "cross": cross, "clusters": clusters}
    )
    return combined, rare


def _combine_cross(
    profile: Profile, cs: CrossSegmentation, rare: Mapping[str, str]
) -> CrossSegmentation:
    groups: dict[str, list[SegmentStats]] = {}
    for s in cs.segments:
        a, _, b = s.key.partition("&")
        groups.setdefault(f"{rare.get(a, a)}&{rare.get(b, b)}", []).append(s)
    segments = []
    for key, parts in groups.items():
        if len(parts) == 1 and parts[0].key == key:
            segments.append(parts[0])
            continue
        a, _, b = key.partition("&")
        la, _, lb = parts[0].label.partition(" · ")
        others = set(rare.values())
        label = " · ".join(OTHER_NAME if k in others else lab for k, lab in ((a, la), (b, lb)))
        value = "&".join(k.partition("=")[2] for k in (a, b))
        segments.append(
            _combined_segment(key, value, label, parts, _combined_people(profile, parts))
        )
    return cs.model_copy(update={"segments": segments})


def _combine_crosstab(ct: ClusterCrosstab, rare: Mapping[str, str]) -> ClusterCrosstab:
    if not any(k in rare for k in ct.segments):
        return ct
    keys: list[str] = []
    labels: list[str] = []
    for key, label in zip(ct.segments, ct.segment_labels, strict=True):
        if key not in rare:
            keys.append(key)
            labels.append(label)
    others = list(dict.fromkeys(rare[k] for k in ct.segments if k in rare))
    keys += others
    labels += [OTHER_NAME] * len(others)
    counts: dict[tuple[str, str], int] = {}
    of_cluster: dict[tuple[str, str], float] = {}
    for cell in ct.cells:
        at = (cell.cluster, rare.get(cell.segment, cell.segment))
        counts[at] = counts.get(at, 0) + (cell.count or 0)
        of_cluster[at] = of_cluster.get(at, 0.0) + (cell.share_of_cluster or 0.0)
    totals: dict[str, int] = {}
    for (_cl, seg), c in counts.items():
        totals[seg] = totals.get(seg, 0) + c
    cells = [
        ClusterCrossCell(
            cluster=cl,
            segment=seg,
            count=c,
            share_of_cluster=of_cluster[(cl, seg)],
            share_of_segment=c / totals[seg] if totals[seg] else None,
        )
        for (cl, seg), c in counts.items()
    ]
    return ct.model_copy(update={"segments": keys, "segment_labels": labels, "cells": cells})


def _combine_vulnerable(
    rows: Sequence[VulnerableGroupRow], rare: Mapping[str, str], min_cell: int
) -> list[VulnerableGroupRow]:
    out: list[VulnerableGroupRow] = []
    combined: dict[str, list[VulnerableGroupRow]] = {}
    for row in rows:
        if row.segment in rare:
            combined.setdefault(rare[row.segment], []).append(row)
        else:
            out.append(row)
    for key, parts in combined.items():
        total = sum(r.total or 0 for r in parts)
        counts: dict[str, int] = {}
        of_cluster: dict[str, float] = {}
        for r in parts:
            for vc in r.cells:
                counts[vc.cluster] = counts.get(vc.cluster, 0) + (vc.count or 0)
                of_cluster[vc.cluster] = of_cluster.get(vc.cluster, 0.0) + (
                    vc.share_of_cluster or 0.0
                )
        out.append(
            VulnerableGroupRow(
                feature_id=parts[0].feature_id,
                feature_label=parts[0].feature_label,
                segment=key,
                value=OTHER_CODE,
                label=other_label(len(parts), min_cell),
                total=total,
                cells=[
                    VulnerableCell(
                        cluster=cl,
                        count=c,
                        share_of_group=c / total if total else None,
                        share_of_cluster=of_cluster[cl],
                    )
                    for cl, c in counts.items()
                ],
            )
        )
    return out


def suppress(profile: Profile, study: Study) -> Profile:
    """The published form of a computed profile (idempotent: a published one is returned).

    Every count under the study's ``segmentation.min_cell`` and every statistic of fewer
    ratings is ``None`` with its reason in ``hidden``; segments, clusters and cells hidden to
    protect them are too. ``profile.disclosure`` records that this was done.
    """
    if profile.disclosure is not None:
        return profile
    return _Suppressor(profile, study.segmentation.min_cell).run()


def unsuppressed(profile: Profile, study: Study) -> Profile:
    """The computed profile marked as an unsuppressed output (an owner's explicit request)."""
    if profile.disclosure is not None and profile.disclosure.suppressed:
        raise ValueError("a published profile has no hidden numbers left to show")
    return profile.model_copy(
        update={"disclosure": Disclosure(min_cell=study.segmentation.min_cell, suppressed=False)}
    )


def hidden_keys(profile: Profile) -> frozenset[str]:
    """Keys of the segments and clusters a published profile hides."""
    keys = {s.key for fs in profile.by_feature for s in fs.segments if s.hidden}
    keys |= {s.key for cs in profile.cross for s in cs.segments if s.hidden}
    if profile.clusters is not None:
        keys |= {c.key for c in profile.clusters.clusters if c.hidden}
    return frozenset(keys)


def shown_keys(profile: Profile) -> frozenset[str]:
    """Keys of the segments and clusters a published profile shows."""
    keys = {s.key for fs in profile.by_feature for s in fs.segments if not s.hidden}
    keys |= {s.key for cs in profile.cross for s in cs.segments if not s.hidden}
    if profile.clusters is not None:
        keys |= {c.key for c in profile.clusters.clusters if not c.hidden}
    return frozenset(keys)


def _hidden_satisfaction(sat: SatisfactionStats, reason: Hidden) -> SatisfactionStats:
    return SatisfactionStats(n=None, hidden=reason)


def _hidden_survey(sv: SurveyStats | None, reason: Hidden) -> SurveyStats | None:
    if sv is None:
        return None
    return SurveyStats(n=None, needed=sv.needed, hidden=reason)


def _nps_tells_few(nps: NpsStats, min_cell: int) -> bool:
    """Whether an NPS tells that fewer than ``min_cell`` answers were not promoters (or not
    detractors): with ``n`` answers, promoters − detractors = ``nps × n``, and the answers
    outside the larger group are at most ``n − |nps × n|`` (an NPS of 96 of 50 answers says
    that 2 at most did not recommend). As :func:`small_share` for its rest: everybody is no
    small count."""
    if nps.n is None or nps.nps is None:
        return False
    return 0 < nps.n - abs(round(nps.nps * nps.n)) < min_cell


def _satisfied(sat: SatisfactionStats) -> int | None:
    """The ratings at or above the CSAT threshold (``csat × n``), when both are known; no
    ratings are none of either."""
    if sat.n == 0:
        return 0
    if sat.csat is None or sat.n is None:
        return None
    return round(sat.csat * sat.n)


def _dissatisfied(sat: SatisfactionStats) -> int | None:
    happy = _satisfied(sat)
    return None if happy is None else (sat.n or 0) - happy


def _hidden_cell(row: str, col: str, names: Mapping[str, str]) -> SegmentStats:
    """A hidden cell of a pair of features, made of its key alone: nothing in it depends on
    how many people it holds (none, a few or many), or on whether the data had the pair."""
    (_, _, vr), (_, _, vc) = row.partition("="), col.partition("=")
    return SegmentStats(
        key=f"{row}&{col}",
        value=f"{vr}&{vc}",
        label=f"{names.get(row, vr)} · {names.get(col, vc)}",
        capacity=None,
        share=None,
        satisfaction=SatisfactionStats(n=None, hidden="cell"),
        missing_value=MISSING_CODE in (vr, vc),
        hidden="cell",
    )


class _Suppressor:
    def __init__(self, profile: Profile, min_cell: int) -> None:
        self.profile = profile
        self.min_cell = min_cell
        self.published_features: list[FeatureSegmentation] = []
        self.hidden_by_feature: dict[str, dict[str, Hidden]] = {}
        self.hidden_one: set[str] = set()
        self.rare: frozenset[str] = frozenset()

    def run(self) -> Profile:
        p, rare = combine_rare(self.profile, self.min_cell)
        self.rare = frozenset(rare)
        self.hidden_by_feature = {
            fs.feature_id: _small_people(
                _protect_people(
                    fs.segments,
                    protect_partition(
                        {s.key: s.capacity or 0 for s in fs.segments},
                        self.min_cell,
                        few_people(fs.segments, self.min_cell),
                    ),
                    self.min_cell,
                ),
                fs.segments,
                self.min_cell,
            )
            for fs in p.by_feature
        }
        self.hidden_one = {k for h in self.hidden_by_feature.values() for k in h} | self.rare
        features = [self.feature(fs) for fs in p.by_feature]
        audience = p.audience
        if audience is not None:
            audience, features = protect_audience(
                audience, self.profile.by_feature, features, self.min_cell, p.total_clients
            )
        hidden_one = {s.key for fs in features for s in fs.segments if s.hidden}
        labels = {
            s.key: OTHER_NAME if s.value == OTHER_CODE else s.label
            for fs in p.by_feature
            for s in fs.segments
        }
        cross = [self.cross(cs, hidden_one, labels) for cs in p.cross]
        clusters = self.clusters(p.clusters, hidden_one) if p.clusters is not None else None
        published = p.model_copy(
            update={
                "satisfaction": self.overall(p.satisfaction),
                "nps": self.overall_nps(p.nps),
                "survey": self.survey_stats(p.survey),
                "by_feature": features,
                "audience": audience,
                "cross": cross,
                "clusters": clusters,
                # The different clients of the data: a total of 1 … min_cell − 1 people is not told.
                "distinct_clients": None
                if p.distinct_clients is not None and 0 < p.distinct_clients < self.min_cell
                else p.distinct_clients,
            }
        )
        hidden = hidden_keys(published) | self.rare
        unranked = self.unrank_hidden_blind_zones(features)  # before the ranks are renumbered
        unranked |= self.rerank(published.by_feature)
        self.published_features = published.by_feature
        published.priority = self.priority(
            p.priority, hidden | unranked, published.cross, p.total_clients
        )
        published.journeys = [j for j in p.journeys if j.segment is None or j.segment not in hidden]
        published.disclosure = Disclosure(min_cell=self.min_cell, hidden_segments=len(hidden))
        return published

    # -- statistics of ratings and answers --------------------------------------------------

    def overall(self, sat: SatisfactionStats) -> SatisfactionStats:
        if sat.n is not None and sat.n < self.min_cell:
            return _hidden_satisfaction(sat, "few_ratings")
        happy = _satisfied(sat)
        if happy is not None and small_share(happy, sat.n or 0, self.min_cell):
            return _hidden_satisfaction(sat, "share")
        return sat

    def overall_nps(self, nps: NpsStats | None) -> NpsStats | None:
        if nps is None or nps.n is None:
            return nps
        if nps.n < self.min_cell:
            return NpsStats(n=None, hidden="few_ratings")
        if _nps_tells_few(nps, self.min_cell):
            return NpsStats(n=None, hidden="share")
        return nps

    def _rated_nps(
        self, segments: Sequence[SegmentStats], hidden: Iterable[str]
    ) -> dict[str, Hidden]:
        """Segments of one feature whose NPS is hidden: the answers counted as any other
        (:meth:`_rated`), an NPS telling a small group hidden («share») with its complements
        (the promoters − detractors of the feature add up to the overall one)."""
        hidden = set(hidden)
        telling = {
            s.key for s in segments if s.nps is not None and _nps_tells_few(s.nps, self.min_cell)
        }
        out = self._rated(segments, lambda s: s.nps.n if s.nps else None, hidden | telling)
        out |= {k: "share" for k in telling if out.get(k) != "few_ratings"}
        return {k: r for k, r in out.items() if k not in hidden}

    def survey_stats(self, sv: SurveyStats | None) -> SurveyStats | None:
        if sv is not None and sv.n is not None and sv.n < self.min_cell:
            return _hidden_survey(sv, "few_ratings")
        return sv

    def _rated(
        self,
        segments: Sequence[SegmentStats] | Sequence[ClusterStats],
        numbers: Callable[[Any], int | None],
        hidden: Iterable[str] = (),
    ) -> dict[str, Hidden]:
        """Segments whose rating (or answer) counts are hidden, over one partition whose
        ``hidden`` segments are hidden whole already."""
        counts = {s.key: numbers(s) or 0 for s in segments if numbers(s) is not None}
        protected = protect_partition(counts, self.min_cell, hidden)
        return {k: ("few_ratings" if r == "small" else r) for k, r in protected.items()}

    def _rated_satisfaction(
        self, groups: Sequence[SegmentStats] | Sequence[ClusterStats], hidden: Iterable[str] = ()
    ) -> dict[str, Hidden]:
        """Groups of one partition (segments of a feature, cells of a cross, clusters) whose
        satisfaction is hidden: too few ratings, and a CSAT that tells a small count. A group's
        satisfied ratings and its other ratings are two more partitions of the same ratings
        (their totals follow from the overall CSAT): a CSAT of 14 of 17 says that 3 rated low,
        so such a group is hidden («share») and its complements with it. ``groups`` are the
        computed ones, ``hidden`` already hidden whole (they count towards the totals)."""
        hidden = set(hidden)
        out = self._rated(groups, lambda g: g.satisfaction.n, hidden)
        for part in (_satisfied, _dissatisfied):
            counts = {g.key: count for g in groups if (count := part(g.satisfaction)) is not None}
            shown_zero = {k for k, c in counts.items() if c == 0 and k not in hidden}
            protected = protect_partition(
                {k: c for k, c in counts.items() if k not in shown_zero},  # nobody is no count
                self.min_cell,
                hidden | set(out),
            )
            for k, reason in protected.items():
                out.setdefault(k, "share" if reason == "small" else reason)
        return {k: r for k, r in out.items() if k not in hidden}

    # -- one-feature segments -----------------------------------------------------------------

    def feature(self, fs: FeatureSegmentation) -> FeatureSegmentation:
        hidden = self.hidden_by_feature[fs.feature_id]
        rated = self._rated_satisfaction(fs.segments, hidden)
        answered = self._rated(fs.segments, lambda s: s.survey.n if s.survey else None, hidden)
        recommended = self._rated_nps(fs.segments, hidden)
        segments = [
            self.hidden_segment(s, hidden[s.key])
            if s.key in hidden
            else self.shown_segment(
                s, rated.get(s.key), answered.get(s.key), recommended.get(s.key)
            )
            for s in fs.segments
        ]
        return fs.model_copy(update={"segments": segments})

    def hidden_segment(self, seg: SegmentStats, reason: Hidden) -> SegmentStats:
        return SegmentStats(
            key=seg.key,
            value=seg.value,
            label=seg.label,
            capacity=None,
            share=None,
            satisfaction=_hidden_satisfaction(seg.satisfaction, reason),
            missing_value=seg.missing_value,
            hidden=reason,
        )

    def shown_segment(
        self,
        seg: SegmentStats,
        rated: Hidden | None,
        answered: Hidden | None,
        recommended: Hidden | None = None,
    ) -> SegmentStats:
        traits = self.traits(seg.distinctive, seg.capacity or 0)
        bz = seg.blind_zone if blind_zone_told(seg, self.min_cell) else None
        return seg.model_copy(
            update={
                "satisfaction": _hidden_satisfaction(seg.satisfaction, rated)
                if rated
                else seg.satisfaction,
                "survey": _hidden_survey(seg.survey, answered) if answered else seg.survey,
                "nps": NpsStats(n=None, hidden=recommended)
                if recommended and seg.nps is not None
                else seg.nps,
                "distinctive": traits,
                "blind_zone": bz,
            }
        )

    def traits(self, traits: Sequence[T], capacity: int) -> list[T]:
        """The traits of a shown group (segment or cluster) that tell no small count.

        A trait's share is a count (share × size): it is left out when that count, or the
        rest of the group, is under ``min_cell`` (:func:`small_share`), and when its value is a
        hidden segment (its overall share would give that segment's size). The traits of one
        feature are counts of one partition of the group: while what they leave over is a
        small count, the smallest of them is left out too. Numeric traits (a mean) stay.
        """
        counts: dict[int, int] = {}
        for i, t in enumerate(traits):
            if t.share_in_segment is None:
                continue
            count = round(t.share_in_segment * capacity)
            hidden = f"{t.feature_id}={t.value}" in self.hidden_one
            if (
                not hidden
                and count >= self.min_cell
                and not small_share(count, capacity, self.min_cell)
            ):
                counts[i] = count
        by_feature: dict[str, list[int]] = {}
        for i in counts:
            by_feature.setdefault(traits[i].feature_id, []).append(i)
        for shown in by_feature.values():
            shown.sort(key=lambda i: counts[i])
            while shown and small_share(sum(counts[i] for i in shown), capacity, self.min_cell):
                counts.pop(shown.pop(0))
        return [t for i, t in enumerate(traits) if t.share_in_segment is None or i in counts]

    # -- pairs of features --------------------------------------------------------------------

    def cross(
        self, cs: CrossSegmentation, hidden_one: set[str], labels: Mapping[str, str]
    ) -> CrossSegmentation:
        by_key = {s.key: s for s in cs.segments}
        grid = {tuple(s.key.split("&", 1)): s.capacity or 0 for s in cs.segments}
        rows = sorted({r for r, _ in grid})
        cols = sorted({c for _, c in grid})
        cells: dict[tuple[str, str], int] = {
            (r, c): grid.get((r, c), 0) for r in rows for c in cols
        }
        hidden = protect_table(
            cells,
            self.min_cell,
            hidden_rows=[r for r in rows if r in hidden_one],
            hidden_columns=[c for c in cols if c in hidden_one],
            hidden_cells=[
                (k.partition("&")[0], k.partition("&")[2])
                for k in few_people(cs.segments, self.min_cell)
            ],
        )
        rated = self._rated_satisfaction(
            cs.segments,
            [s.key for s in cs.segments if tuple(s.key.split("&", 1)) in hidden],
        )
        # The label of each value, from the feature's own segments, else from a pair's label.
        names = dict(labels)
        for s in cs.segments:
            (r, c), (lr, _, lc) = s.key.split("&", 1), s.label.partition(" · ")
            names.setdefault(r, lr)
            names.setdefault(c, lc)
        segments: list[SegmentStats] = []
        for r, c in cells:
            key = f"{r}&{c}"
            seg = by_key.get(key)
            if (r, c) in hidden:
                segments.append(_hidden_cell(r, c, names))
            elif seg is not None:
                # A cell's people are protected by its rows only (a feature's people minus
                # its cells' could tell a few): its count of people is not published. The one
                # place of this rule: pages and reports show the clients a profile publishes.
                shown = self.shown_segment(seg, rated.get(key), None)
                segments.append(shown.model_copy(update={"clients": None}))
        return cs.model_copy(update={"segments": segments})

    # -- clusters ---------------------------------------------------------------------------

    def clusters(self, result: ClusterResult, hidden_one: set[str]) -> ClusterResult:
        capacity = {c.key: c.capacity or 0 for c in result.clusters}
        hidden = _small_people(
            _protect_people(
                result.clusters,
                protect_partition(
                    capacity, self.min_cell, few_people(result.clusters, self.min_cell)
                ),
                self.min_cell,
            ),
            result.clusters,
            self.min_cell,
        )
        rated = self._rated_satisfaction(result.clusters, hidden)
        clusters = [
            self.hidden_cluster(c, hidden[c.key])
            if c.key in hidden
            else self.shown_cluster(c, rated.get(c.key))
            for c in result.clusters
        ]
        crosstabs, vulnerable = self.cluster_tables(result, set(hidden), hidden_one)
        choice = result.choice.model_copy(
            update={
                "diagnostics": [
                    d.model_copy(update={"smallest_share": None})
                    if d.smallest_share is not None
                    and d.smallest_share * result.sample_size < self.min_cell
                    else d
                    for d in result.choice.diagnostics
                ]
            }
        )
        return result.model_copy(
            update={
                "clusters": clusters,
                "crosstabs": crosstabs,
                "vulnerable": vulnerable,
                "choice": choice,
            }
        )

    def hidden_cluster(self, c: ClusterStats, reason: Hidden) -> ClusterStats:
        return ClusterStats(
            key=c.key,
            number=c.number,
            label=f"Кластер {c.number}",
            capacity=None,
            share=None,
            satisfaction=_hidden_satisfaction(c.satisfaction, reason),
            small=reason == "small",
            hidden=reason,
            portrait=Portrait(segment=c.key, definition=[], name=f"Кластер {c.number}"),
        )

    def shown_cluster(self, c: ClusterStats, rated: Hidden | None) -> ClusterStats:
        traits = self.traits(c.portrait.traits, c.capacity or 0)
        return c.model_copy(
            update={
                "satisfaction": _hidden_satisfaction(c.satisfaction, rated)
                if rated
                else c.satisfaction,
                "sample_rows": c.sample_rows if c.sample_rows >= self.min_cell else 0,
                # A cluster's centre names no rare value (its mode in a small cluster may be one).
                "prototype": {
                    f: None if f"{f}={v}" in self.rare else v for f, v in c.prototype.items()
                },
                "definition": [d for d in c.definition if d not in self.rare],
                "portrait": self.portrait(c.portrait, traits, ratings_hidden=rated is not None),
            }
        )

    def portrait(
        self, portrait: Portrait, traits: list[PortraitTrait], *, ratings_hidden: bool
    ) -> Portrait:
        """The portrait with its shown traits, and persona and empathy-map statements that rest
        on nothing hidden: a trait left out, a hidden segment's share, hidden ratings."""
        kept = {f"{t.feature_id}={t.value}" for t in traits}

        def shown(note: PortraitNote) -> bool:
            kind, _, what = note.basis.partition(":")
            if kind == "satisfaction":
                return not ratings_hidden
            if kind == "trait":
                return what in kept
            if kind == "segments":
                return not set(what.split("|")) & self.hidden_one
            return True

        def fields(items: list[PortraitField]) -> list[PortraitField]:
            out = []
            for item in items:
                notes = [n for n in item.notes if shown(n)]
                out.append(item if len(notes) == len(item.notes) else item.drafted(notes))
            return out

        return portrait.model_copy(
            update={
                "traits": traits,
                "definition": [d for d in portrait.definition if d not in self.rare],
                "persona": fields(portrait.persona),
                "empathy_map": fields(portrait.empathy_map),
            }
        )

    def cluster_tables(
        self, result: ClusterResult, hidden_clusters: set[str], hidden_one: set[str]
    ) -> tuple[list[ClusterCrosstab], list[VulnerableGroupRow]]:
        """Clusters × segments and vulnerable groups × clusters, one table per feature.

        Both tables of a feature count the same people (cluster ∩ segment), so their cells
        are protected together and hidden alike in both.
        """
        cluster_keys = [c.key for c in result.clusters]
        grids: dict[str, dict[tuple[str, str], int]] = {}
        for ct in result.crosstabs:
            grid = grids.setdefault(ct.feature_id, {})
            for key in ct.segments:
                for cl in cluster_keys:
                    grid.setdefault((cl, key), 0)
            for cell in ct.cells:
                grid[(cell.cluster, cell.segment)] = cell.count or 0
        for row in result.vulnerable:
            grid = grids.setdefault(row.feature_id, {})
            for cl in cluster_keys:
                grid.setdefault((cl, row.segment), 0)
            for vc in row.cells:
                grid[(vc.cluster, row.segment)] = vc.count or 0
        hidden: dict[str, set[tuple[str, str]]] = {
            fid: protect_table(
                grid,
                self.min_cell,
                hidden_rows=hidden_clusters,
                hidden_columns=hidden_one,
            )
            for fid, grid in grids.items()
        }

        def cross_cell(fid: str, cell: ClusterCrossCell) -> ClusterCrossCell:
            if (cell.cluster, cell.segment) not in hidden[fid]:
                return cell
            return ClusterCrossCell(
                cluster=cell.cluster,
                segment=cell.segment,
                count=None,
                share_of_cluster=None,
                share_of_segment=None,
                hidden="cell",
            )

        crosstabs = []
        for ct in result.crosstabs:
            present = {(c.cluster, c.segment) for c in ct.cells}
            cells = [cross_cell(ct.feature_id, c) for c in ct.cells]
            # A missing cell is a zero: where zeros are hidden, it is listed as hidden too.
            cells += [
                ClusterCrossCell(
                    cluster=cl,
                    segment=seg,
                    count=None,
                    share_of_cluster=None,
                    share_of_segment=None,
                    hidden="cell",
                )
                for cl in cluster_keys
                for seg in ct.segments
                if (cl, seg) not in present and (cl, seg) in hidden[ct.feature_id]
            ]
            # In the table's own order: a hidden empty cell is not told by its place either.
            place = {
                (cl, seg): i
                for i, (cl, seg) in enumerate(
                    (cl, seg) for cl in cluster_keys for seg in ct.segments
                )
            }
            cells.sort(key=lambda c: place.get((c.cluster, c.segment), len(place)))
            crosstabs.append(ct.model_copy(update={"cells": cells}))

        vulnerable = []
        for row in result.vulnerable:
            cells_v = [
                VulnerableCell(
                    cluster=vc.cluster,
                    count=None,
                    share_of_group=None,
                    share_of_cluster=None,
                    hidden="cell",
                )
                if (vc.cluster, row.segment) in hidden[row.feature_id]
                else vc
                for vc in row.cells
            ]
            row_hidden: Hidden | None = "cell" if row.segment in hidden_one else None
            vulnerable.append(
                row.model_copy(
                    update={
                        "cells": cells_v,
                        "total": None if row_hidden else row.total,
                        "hidden": row_hidden,
                    }
                )
            )
        return crosstabs, vulnerable

    # -- priorities -------------------------------------------------------------------------

    def unrank_hidden_blind_zones(self, features: Sequence[FeatureSegmentation]) -> frozenset[str]:
        """A shown segment whose blind zone :func:`protect_audience` hid must not have it told
        by its priority: a profile computed before that rule (a stored run) counted it in the
        score — the segment loses its rank, as with hidden ratings — or cited it in a reason,
        which now reads as hidden. Keys of the unranked are returned."""
        told = {
            s.key
            for fs in self.profile.by_feature
            for s in fs.segments
            if blind_zone_told(s, self.min_cell)
        }
        unranked = set()
        for fs in features:
            for seg in fs.segments:
                if seg.priority is None or seg.blind_zone is not None or seg.key not in told:
                    continue
                if seg.priority.parts.get("blind_zone", 0.0) > 0:
                    seg.priority = None
                    unranked.add(seg.key)
                    continue
                reason = hidden_blind_zone_reason(self.min_cell)
                seg.priority = seg.priority.model_copy(
                    update={
                        "reasons": [
                            reason if r.startswith("слепая зона ") else r
                            for r in seg.priority.reasons
                        ]
                    }
                )
        return frozenset(unranked)

    @staticmethod
    def rerank(features: Sequence[FeatureSegmentation]) -> frozenset[str]:
        """Ranks of the shown segments renumbered 1, 2, 3… (in place, on the published copies):
        a gap would tell that a hidden segment ranks there. A shown segment whose ratings are
        hidden loses its rank (its score carries that satisfaction); its key is returned."""
        unranked = set()
        ranked = []
        for fs in features:
            for seg in fs.segments:
                if seg.priority is None:
                    continue
                if seg.satisfaction.hidden:
                    seg.priority = None
                    unranked.add(seg.key)
                elif seg.priority.rank is not None:
                    ranked.append(seg)
        ranked.sort(key=lambda seg: (seg.priority.rank or 0) if seg.priority else 0)
        for rank, seg in enumerate(ranked, start=1):
            if seg.priority is not None and seg.priority.rank != rank:
                seg.priority = seg.priority.model_copy(update={"rank": rank})
        return frozenset(unranked)

    def priority(
        self,
        summary: PrioritySummary | None,
        hidden: frozenset[str],
        cross: Sequence[CrossSegmentation],
        total: int,
    ) -> PrioritySummary | None:
        """Hidden and unranked segments leave the ranking shown (their own ``priority`` is
        already gone); the top is refilled, the sensitivity rows only lose them. The overlaps
        of the top segments and the proposed cross segments are cells of a pair of features:
        hidden as the published cross segments hide them (:meth:`overlaps`)."""
        if summary is None:
            return None
        # The top is refilled from the shown ranking (the same order, hidden ones left out),
        # so that its length does not tell that a hidden segment was in it.
        ranked = [
            seg
            for fs in self.published_features
            for seg in fs.segments
            if seg.priority is not None and seg.priority.rank is not None
        ]
        ranked.sort(key=lambda seg: (seg.priority.rank or 0) if seg.priority else 0)
        top = [seg.key for seg in ranked][: len(summary.top)]

        def shown(key: str) -> bool:
            return not any(part in hidden for part in key.split("&"))

        overlaps, proposals = self.overlaps(
            [o for o in summary.overlaps if shown(o.a) and shown(o.b)],
            [p for p in summary.proposals if shown(p.key)],
            cross,
            total,
        )
        return summary.model_copy(
            update={
                "top": top,
                "overlaps": overlaps,
                "proposals": proposals,
                "sensitivity": [
                    row.model_copy(
                        update={
                            "top": [k for k in row.top if k not in hidden],
                            "entered": [k for k in row.entered if k not in hidden and k not in top],
                            "left": [k for k in row.left if k not in hidden],
                        }
                    )
                    for row in summary.sensitivity
                ],
            }
        )

    def overlaps(
        self,
        overlaps: Sequence[SegmentOverlap],
        proposals: Sequence[CrossProposal],
        cross: Sequence[CrossSegmentation],
        total: int,
    ) -> tuple[list[SegmentOverlap], list[CrossProposal]]:
        """The people two top segments share, and the proposed cross segments, under the
        decisions already taken for the published cross segments.

        A pair that is a cell of a published pair of features is hidden exactly when that cell
        is (small, or hidden to protect a small neighbour); its proposal is left out then, or
        when the cell's ratings are hidden. Any other pair is a two-by-two table of its own
        (both, A without B, B without A, neither; every total published) protected by
        :func:`protect_table`; its proposal is left out when a group it compares has fewer
        than ``min_cell`` ratings or tells a small group of the (dis)satisfied.
        """
        cells = {frozenset(s.key.split("&", 1)): s for cs in cross for s in cs.segments}
        capacity = {s.key: s.capacity or 0 for fs in self.published_features for s in fs.segments}
        rated = {s.key: s.satisfaction for fs in self.published_features for s in fs.segments}
        kept: list[SegmentOverlap] = []
        hidden_pairs: set[str] = set()
        for o in overlaps:
            cell = cells.get(frozenset((o.a, o.b)))
            if cell is not None:
                hide = cell.hidden is not None
            else:
                a, b, both = capacity.get(o.a, 0), capacity.get(o.b, 0), o.both or 0
                grid = {
                    ("a", "b"): both,
                    ("a", "-"): a - both,
                    ("-", "b"): b - both,
                    ("-", "-"): total - a - b + both,
                }
                hide = o.both is None or bool(protect_table(grid, self.min_cell))
            if hide:
                hidden_pairs.add(f"{o.a}&{o.b}")
                kept.append(
                    o.model_copy(update={"both": None, "share_of_a": None, "share_of_b": None})
                )
            elif cell is not None and cell.capacity != o.both:
                # One group, one size: the cross segment's (a run made before overlaps were
                # counted as capacities counted distinct clients).
                size = known(cell.capacity)
                of_a, of_b = capacity.get(o.a, 0), capacity.get(o.b, 0)
                kept.append(
                    o.model_copy(
                        update={
                            "both": size,
                            "share_of_a": size / of_a if of_a else None,
                            "share_of_b": size / of_b if of_b else None,
                        }
                    )
                )
            else:
                kept.append(o)
        pairs = {f"{o.a}&{o.b}": (o.a, o.b) for o in overlaps}

        def told(p: CrossProposal) -> bool:
            if p.key in hidden_pairs or p.key not in pairs:
                return False
            a, b = pairs[p.key]
            cell = cells.get(frozenset((a, b)))
            if cell is not None:  # its size told as the cross segment tells it, or not at all
                return not cell.satisfaction.hidden and p.capacity == cell.capacity
            n, happy = p.satisfaction.n or 0, _satisfied(p.satisfaction) or 0
            for seg in (a, b):
                sat = rated.get(seg)
                if sat is None or sat.hidden or sat.n is None:
                    return False
                rest, rest_happy = sat.n - n, (_satisfied(sat) or 0) - happy
                if rest < self.min_cell or small_share(rest_happy, rest, self.min_cell):
                    return False
            return n >= self.min_cell and not small_share(happy, n, self.min_cell)

        return kept, [p for p in proposals if told(p)]


# --- research outputs ----------------------------------------------------------------------------


def protect_recruitment(recruitment: Recruitment, shown: frozenset[str]) -> Recruitment:
    """Interview recruitment without any membership in a segment the profile does not show.

    Quotas of hidden segments are dropped; a respondent keeps only the shown segments they
    meet, and one left with none is not listed (they were chosen for a hidden quota only).
    """

    def visible(key: str) -> bool:
        return all(part in shown for part in key.split("&"))

    respondents = []
    for r in recruitment.respondents:
        pairs = [(k, lab) for k, lab in zip(r.segments, r.labels, strict=True) if visible(k)]
        if pairs:
            respondents.append(
                r.model_copy(
                    update={"segments": [k for k, _ in pairs], "labels": [lab for _, lab in pairs]}
                )
            )
    uncovered = [u for u in recruitment.uncovered if visible(u.key)]
    dropped_quotas = len(recruitment.uncovered) - len(uncovered)
    total = max(0, recruitment.segments_total - dropped_quotas)
    return recruitment.model_copy(
        update={
            "respondents": respondents,
            "uncovered": uncovered,
            "segments_total": total,
            "segments_covered": min(recruitment.segments_covered, total - len(uncovered)),
        }
    )


def protect_sample_sizes(
    sizes: Sequence[SampleSize], shown: frozenset[str], min_cell: int
) -> list[SampleSize]:
    """Survey sample sizes of shown segments only; answer counts under ``min_cell`` hidden."""
    out = []
    for s in sizes:
        if not all(part in shown for part in s.key.split("&")):
            continue
        if s.have is not None and s.have < min_cell:
            s = s.model_copy(update={"have": None, "short": None})
        out.append(s)
    return out


def protect_survey_tests(tests: Sequence[SurveyTest], min_cell: int) -> list[SurveyTest]:
    """Survey tests as they may be shown and used as evidence.

    Fewer than ``min_cell`` answers in the segment (or in the rest it is compared with): no
    share, interval, test or verdict («мало ответов»). A share telling that fewer than
    ``min_cell`` answered «да» or «нет» (:func:`small_share`) is hidden with its interval and
    the test (the test would give it back); the verdict stays, its reason without numbers.
    Idempotent.
    """
    out = []
    for t in tests:
        n = t.n if t.n is not None else 0
        if n < min_cell or 0 < t.rest_n < min_cell:
            t = t.model_copy(
                update={
                    "n": None if n < min_cell else n,
                    "yes": None,
                    "share": None,
                    "interval": None,
                    "rest_yes": None,
                    "rest_share": None,
                    "test": "none",
                    "statistic": None,
                    "p_value": None,
                    "p_adjusted": None,
                    "status": HypothesisStatus.not_enough_data,
                    # No answers at all tells of nobody; its reason (e.g. an orphaned
                    # segment) stays.
                    "reason": t.reason if n == 0 and t.reason else "мало ответов",
                }
            )
            out.append(t)
            continue
        own = t.yes is not None and small_share(t.yes, n, min_cell)
        rest = t.rest_yes is not None and small_share(t.rest_yes, t.rest_n, min_cell)
        if own or rest:
            update: dict[str, object] = {
                "test": "none",
                "statistic": None,
                "p_value": None,
                "p_adjusted": None,
                "reason": (
                    f"доля скрыта: «да» или «нет» ответили {fewer(min_cell, 'человека', 'человек')}"
                ),
            }
            if own:
                update |= {"yes": None, "share": None, "interval": None}
            if rest:
                update |= {"rest_yes": None, "rest_share": None}
            t = t.model_copy(update=update)
        out.append(t)
    return out


def protect_topics(model: TopicModel, min_cell: int) -> TopicModel:
    """Topics and their shares per segment as they may be shown.

    The topics partition the texts: a topic of fewer than ``min_cell`` texts is left out with
    its complement (:func:`protect_partition`). ``by_segment`` (the segments of one feature)
    is a two-way table, segments × topics, whose margins the shares give away: it is protected
    as any other (:func:`protect_table`), a segment of fewer than ``min_cell`` texts hidden
    whole; a hidden cell is left out.
    """
    topic_docs = {str(t.index): t.documents for t in model.topics}
    hidden_topics = protect_partition(topic_docs, min_cell)
    grid = {(row.segment, str(row.topic)): row.documents for row in model.by_segment}
    segments = sorted({seg for seg, _ in grid})
    cells = {(seg, t): grid.get((seg, t), 0) for seg in segments for t in topic_docs}
    texts = {seg: sum(cells[(seg, t)] for t in topic_docs) for seg in segments}
    hidden_cells = protect_table(
        cells,
        min_cell,
        hidden_rows=protect_partition(texts, min_cell),
        hidden_columns=hidden_topics,
    )
    rows: list[TopicSegmentShare] = [
        row
        for row in model.by_segment
        if (row.segment, str(row.topic)) not in hidden_cells and str(row.topic) not in hidden_topics
    ]
    topics = [t for t in model.topics if str(t.index) not in hidden_topics]
    return model.model_copy(update={"by_segment": rows, "topics": topics})
