"""Prioritisation (M-6): a transparent score that follows the methodology's switch.

If the service's overall satisfaction is low, the most numerous segments lead — read as the
segments where a gap in satisfaction touches the most clients; if it is high, blind zones and
specific problems lead. A segment's satisfaction is judged against the rest of its audience
(the clients of the same feature's other segments), never on its point estimate alone:

- the two CSATs are compared by Pearson's chi-square (Fisher's exact test for small expected
  counts), with the Benjamini–Hochberg adjustment across every segment compared; the
  difference is significant when q < 1 − ``segmentation.confidence``; its Newcombe interval is
  kept for the report;
- a segment with fewer ratings than the research plan's margin needs (``research.margin`` at
  ``research.confidence``) is «мало данных»: its satisfaction does not enter the score;
  segments below ``segmentation.min_cell`` are never ranked.

The score of a segment is a weighted sum of parts in [0, 1]:

- ``capacity`` — the clients affected by the gap: ``capacity × (CSAT of the rest − CSAT of
  the segment)``, the dissatisfied clients a segment has beyond what it would have at the
  satisfaction of the rest, counted only when the segment is significantly less satisfied;
  divided by the largest such number (the leader gets 1). Without any ratings, the segment's
  share of its feature (the methodology's «most numerous»);
- ``dissatisfaction`` — the gap itself (CSAT of the rest − CSAT of the segment) when
  significantly below, else 0;
- ``blind_zone`` — the share of entitled people of the segment who did not apply;
- ``uniqueness`` — the share of the segment's problems that no other segment has: confirmed
  problems once research exists; before that complaint topics per segment when complaints
  are available (:mod:`segprofile.analysis.complaints`); else every open problem hypothesis;
- ``sponsor`` — 1 when the team marked the segment as the sponsor's focus.

Every rank comes with its reasons in Russian, stating the numbers they rest on; a
sensitivity table shows how the top segments change when each weight moves by ±20 %; for the
top segments, :func:`add_overlaps` says how many clients they share and proposes a cross
segment where a pair explains the gap better than either feature alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

from segprofile.analysis.stats import (
    benjamini_hochberg,
    compare_shares,
    newcombe_interval,
    required_sample,
    wilson_interval,
)
from segprofile.analysis.suppression import blind_zone_told, hidden_blind_zone_reason
from segprofile.model.format import (
    fewer,
    number,
    p_value,
    percent,
    percents,
    plural,
    points,
    share_percent,
)
from segprofile.model.labels import PRIORITY_PARTS as PART_NAMES
from segprofile.model.labels import CountUnit, count_unit, inline_label
from segprofile.model.results import (
    CrossProposal,
    FeatureSegmentation,
    Interval,
    Priority,
    PrioritySummary,
    SatisfactionGap,
    SatisfactionStats,
    SegmentOverlap,
    SegmentStats,
    SensitivityRow,
    known,
)
from segprofile.model.study import HypothesisKind, HypothesisStatus, PriorityWeights, Study


class Uniqueness(Protocol):
    """Problem uniqueness per segment from complaint topics
    (:class:`~segprofile.analysis.complaints.ComplaintUniqueness`, or the scores a stored
    profile kept when its priority is worked out again)."""

    @property
    def rule(self) -> str: ...

    def scores(self) -> dict[str, float]: ...

    def reason(self, key: str) -> str | None: ...


PARTS = ("capacity", "dissatisfaction", "blind_zone", "uniqueness", "sponsor")
#: A feature with at least this many segments, most of them too small to compare, is warned.
MANY_SEGMENTS = 20
#: At most this many cross segments are proposed.
MAX_PROPOSALS = 3
#: The blind zone counts people (different client ids), whatever the capacity counts.
CLIENTS = CountUnit()


def _weights(weights: PriorityWeights) -> dict[str, float]:
    raw = {part: float(getattr(weights, part)) for part in PARTS}
    total = sum(raw.values())
    return {part: value / total for part, value in raw.items()}


def has_confirmed_problems(study: Study) -> bool:
    """Whether research has confirmed any problem of a segment yet."""
    return any(
        h.kind is HypothesisKind.problem and h.segments and h.status is HypothesisStatus.confirmed
        for h in study.hypotheses
    )


def problem_uniqueness(study: Study) -> dict[str, float]:
    """Per segment key: the share of its problems that no other segment has."""
    problems = [h for h in study.hypotheses if h.kind is HypothesisKind.problem and h.segments]
    confirmed = [h for h in problems if h.status is HypothesisStatus.confirmed]
    pool = confirmed or [h for h in problems if h.status is not HypothesisStatus.refuted]
    per_segment: dict[str, list[bool]] = {}
    for hyp in pool:
        unique = len(set(hyp.segments)) == 1
        for key in set(hyp.segments):
            per_segment.setdefault(key, []).append(unique)
    return {key: sum(flags) / len(flags) for key, flags in per_segment.items()}


def _no_note(key: str) -> str | None:
    return None


def _unchecked_notes(uniqueness: Mapping[str, float]) -> Callable[[str], str | None]:
    """Before research confirms a problem, uniqueness rests on hypotheses: the reason of a
    segment with problem hypotheses says so; a segment without any has no such factor."""

    def note(key: str) -> str | None:
        return "по гипотезам, ещё не проверенным исследованием" if key in uniqueness else None

    return note


def _happy(stats: SatisfactionStats) -> int:
    """Ratings at or above the threshold (CSAT × ratings is a whole number up to rounding)."""
    return round((stats.csat or 0.0) * known(stats.n))


def min_ratings(study: Study) -> int:
    """Ratings a segment needs for its CSAT to be judged: the research plan's margin."""
    return required_sample(study.research.margin, study.research.confidence)


def _alpha(study: Study) -> float:
    return round(1 - study.segmentation.confidence, 10)


@dataclass(frozen=True)
class _Totals:
    capacity: int
    ratings: int
    happy: int


def _feature_totals(features: Iterable[FeatureSegmentation]) -> dict[str, _Totals]:
    return {
        fs.feature_id: _Totals(
            capacity=sum(known(s.capacity) for s in fs.segments),
            ratings=sum(known(s.satisfaction.n) for s in fs.segments),
            happy=sum(_happy(s.satisfaction) for s in fs.segments),
        )
        for fs in features
    }


def _feature_of(seg: SegmentStats) -> str:
    return seg.key.split("=", 1)[0]


def _candidates(
    features: list[FeatureSegmentation], min_cell: int, warnings: list[str]
) -> list[SegmentStats]:
    """Segments that may be ranked: known value, at least ``min_cell``, not everyone."""
    out = []
    for fs in features:
        total = sum(known(s.capacity) for s in fs.segments)
        present = [s for s in fs.segments if not s.missing_value]
        whole = [s for s in present if total and s.capacity == total]
        if whole:
            warnings.append(
                f"Признак «{fs.label}» не делит клиентов: все "
                f"{count_unit([fs]).count(total)} в одном сегменте «{whole[0].label}», "
                "сравнивать его не с кем, и в приоритетах он не "
                f"участвует. Проверьте столбец «{fs.column}» или уберите признак из "
                "сегментации."
            )
            continue
        out += [s for s in present if known(s.capacity) >= min_cell]
    return out


def satisfaction_gaps(
    study: Study, features: list[FeatureSegmentation], candidates: list[SegmentStats]
) -> dict[str, SatisfactionGap]:
    """Each candidate's CSAT against the rest of its feature's clients, BH-adjusted together."""
    totals = _feature_totals(features)
    needed = min_ratings(study)
    alpha = _alpha(study)
    confidence = study.segmentation.confidence
    gaps: dict[str, SatisfactionGap] = {}
    tested: list[str] = []
    for seg in candidates:
        total = totals[_feature_of(seg)]
        n, happy = known(seg.satisfaction.n), _happy(seg.satisfaction)
        rest_n, rest_happy = total.ratings - n, total.happy - happy
        min_cell = study.segmentation.min_cell
        if total.capacity - known(seg.capacity) < min_cell or rest_n < min_cell:
            # the rest is too few people (or ratings) to state anything about
            rest_n = rest_happy = 0
        gap = SatisfactionGap(
            verdict="no_ratings",
            n=n,
            needed=needed,
            csat=seg.satisfaction.csat,
            rest_n=rest_n,
            rest_csat=rest_happy / rest_n if rest_n else None,
        )
        gaps[seg.key] = gap
        if n == 0:
            continue
        if n < needed or rest_n == 0:
            gap.verdict = "too_few"
            continue
        test, _statistic, p = compare_shares(happy, n, rest_happy, rest_n)
        low, high = newcombe_interval(happy, n, rest_happy, rest_n, confidence)
        gap.test = test
        gap.p_value = p
        gap.difference = happy / n - rest_happy / rest_n
        gap.difference_interval = Interval(low=low, high=high)
        tested.append(seg.key)
    adjusted = benjamini_hochberg([gaps[k].p_value or 0.0 for k in tested])
    by_key = {s.key: s for s in candidates}
    for key, q in zip(tested, adjusted, strict=True):
        gap = gaps[key]
        gap.q_value = q
        diff = gap.difference or 0.0
        if q < alpha and diff < 0:
            gap.verdict = "lower"
            gap.affected = known(by_key[key].capacity) * -diff
        elif q < alpha and diff > 0:
            gap.verdict = "higher"
        else:
            gap.verdict = "same"
    return gaps


def _parts(
    seg: SegmentStats,
    gap: SatisfactionGap,
    rated: bool,
    max_affected: float,
    uniqueness: dict[str, float],
    sponsors: dict[str, str],
    feature_totals: dict[str, _Totals],
    min_cell: int,
    hidden_blind_zones: frozenset[str],
) -> dict[str, float]:
    if rated:
        capacity = gap.affected / max_affected if max_affected > 0 else 0.0
        dissatisfaction = -(gap.difference or 0.0) if gap.verdict == "lower" else 0.0
    else:
        total = feature_totals[_feature_of(seg)].capacity or 1
        capacity, dissatisfaction = known(seg.capacity) / total, 0.0
    return {
        "capacity": capacity,
        "dissatisfaction": dissatisfaction,
        "blind_zone": (seg.blind_zone.share or 0.0)
        if seg.blind_zone and blind_zone_told(seg, min_cell) and seg.key not in hidden_blind_zones
        else 0.0,
        "uniqueness": uniqueness.get(seg.key, 0.0),
        "sponsor": 1.0 if seg.key in sponsors else 0.0,
    }


def satisfaction_reason(gap: SatisfactionGap, study: Study) -> str:
    """The satisfaction reason of a segment, in Russian, with the numbers it rests on."""
    if gap.verdict == "no_ratings":
        return "оценок удовлетворённости нет — удовлетворённость в оценку не входит"
    if gap.verdict == "too_few":
        margin = points(study.research.margin)
        if gap.rest_n == 0:
            return (
                f"мало данных: остальных клиентов признака с оценками слишком мало, сравнить "
                f"CSAT сегмента ({percent(gap.csat)}, оценок {number(gap.n)}) не с чем — "
                "удовлетворённость в оценку не входит"
            )
        return (
            f"мало данных: оценок {number(gap.n)}, а для погрешности ±{margin} нужно не менее "
            f"{number(gap.needed)} — CSAT {percent(gap.csat)} в оценку не входит"
        )
    own, rest = percents(gap.csat or 0.0, gap.rest_csat or 0.0)
    q = p_value(gap.q_value if gap.q_value is not None else 1.0, "q")
    versus = f"CSAT {own} против {rest} у остальных"
    if gap.verdict == "lower":
        return f"низкая удовлетворённость: {versus}, разница значима ({q})"
    if gap.verdict == "higher":
        return f"удовлетворённость выше, чем у остальных: {versus}, разница значима ({q})"
    return f"{versus} — разница в пределах случайной ({q}), в оценку не входит"


def _capacity_reason(
    seg: SegmentStats, gap: SatisfactionGap, rated: bool, study: Study, unit: CountUnit
) -> str:
    share = known(seg.share)
    text = f"ёмкость {share_percent(share)} ({unit.count(known(seg.capacity))})"
    if not rated:
        settings = study.priority
        level = (
            "высокая"
            if share >= settings.high_capacity_share
            else "низкая"
            if share < settings.high_capacity_share / 4
            else "средняя"
        )
        return f"{text} — {level}"
    if gap.verdict == "lower":
        return (
            f"{text}: недовольных на {number(gap.affected)} больше, чем было бы при "
            "удовлетворённости остальных"
        )
    why = {
        "higher": "сегмент доволен больше остальных",
        "same": "значимого разрыва в удовлетворённости нет",
        # Not «мало оценок» — that is what a statistic of fewer than min_cell ratings reads.
        "too_few": "оценок меньше, чем нужно для сравнения с заданной погрешностью",
        "no_ratings": "нет оценок",
    }[gap.verdict]
    return f"{text} — не учитывается: {why}"


def _blind_zone_reason(
    seg: SegmentStats, study: Study, hidden_blind_zones: frozenset[str]
) -> str | None:
    """The blind zone as the tables publish it (:func:`blind_zone_told`, not hidden to protect
    the audience line), or why it is not counted; nothing when the segment has none (no
    population table, or not its feature)."""
    bz, min_cell = seg.blind_zone, study.segmentation.min_cell
    if bz is None:
        return None
    if bz.applicants < min_cell:
        return (
            f"из целевой аудитории обратились {CLIENTS.fewer(min_cell)} — слепая зона "
            "не показывается и не учитывается"
        )
    if 0 < bz.blind < min_cell:
        return (
            f"не обратились {fewer(min_cell, 'имеющего право', 'имеющих право')} — слепая зона не "
            "показывается и не учитывается"
        )
    if not blind_zone_told(seg, min_cell):
        return (
            f"вне целевой аудитории {CLIENTS.fewer(min_cell)} сегмента — слепая зона "
            "не показывается и не учитывается"
        )
    if seg.key in hidden_blind_zones:
        return hidden_blind_zone_reason(min_cell)
    if bz.share is None:
        return (
            "слепая зона не оценена: обратившихся больше, чем имеющих право по таблице численности"
        )
    threshold = study.priority.large_blind_zone_share
    size = "большая" if bz.share >= threshold else "небольшая"
    return (
        f"слепая зона {share_percent(bz.share)} имеющих право — {size} (порог {percent(threshold)})"
    )


def _reasons(
    study: Study,
    seg: SegmentStats,
    gap: SatisfactionGap,
    rated: bool,
    parts: dict[str, float],
    weights: dict[str, float],
    sponsors: dict[str, str],
    uniqueness_note: Callable[[str], str | None],
    hidden_blind_zones: frozenset[str],
    unit: CountUnit,
) -> list[str]:
    out = [_capacity_reason(seg, gap, rated, study, unit)]
    if rated:
        out.append(satisfaction_reason(gap, study))
    blind = _blind_zone_reason(seg, study, hidden_blind_zones)
    if blind:
        out.append(blind)
    note = uniqueness_note(seg.key)
    if parts["uniqueness"] > 0 or note:
        out.append(
            f"уникальных проблем {percent(parts['uniqueness'])}" + (f" ({note})" if note else "")
        )
    if seg.key in sponsors:
        reason = sponsors[seg.key]
        out.append("позиция заказчика" + (f": {reason.rstrip('.')}" if reason else ""))
    contributions = {p: weights[p] * parts[p] for p in PARTS}
    lead = max(PARTS, key=lambda p: contributions[p])
    if contributions[lead] > 0:
        out.append(f"больше всего в оценку вносит {PART_NAMES[lead]}")
    else:
        out.append("оснований для приоритета нет: все части оценки равны нулю")
    return out


def _rank(
    scored: list[tuple[SegmentStats, dict[str, float]]], weights: dict[str, float]
) -> list[tuple[SegmentStats, float]]:
    totals = [(seg, sum(weights[p] * parts[p] for p in PARTS)) for seg, parts in scored]
    # Ties: the larger segment first, then the key, so the order is stable.
    return sorted(totals, key=lambda item: (-item[1], -known(item[0].capacity), item[0].key))


def _top(ranked: list[tuple[SegmentStats, float]], n: int) -> list[str]:
    """The first ``n`` keys with a score above zero: a segment with no reason never leads."""
    return [seg.key for seg, score in ranked if score > 0][:n]


def _comparisons(n: int) -> str:
    """«на все 23 сравнения», «на одно сравнение»."""
    if n == 0:
        return "(сравнивать пока нечего)"
    if n == 1:
        return "на одно сравнение"
    return "на все " + plural(n, "сравнение", "сравнения", "сравнений")


def _rules(study: Study, rated: bool, compared: int, unit: CountUnit) -> list[str]:
    alpha = number(_alpha(study), 2)
    needed = number(min_ratings(study))
    margin = points(study.research.margin)
    confidence = percent(study.research.confidence)
    too_small = unit.fewer(study.segmentation.min_cell)  # a segment's capacity
    too_few = fewer(min_ratings(study), "оценки", "оценок")
    if not rated:
        return [
            "Оценок удовлетворённости нет: ёмкость — доля сегмента среди клиентов его признака; "
            f"сегменты {too_small} не ранжируются."
        ]
    return [
        "Удовлетворённость сегмента сравнивается с остальными клиентами того же признака "
        "(все, кто не входит в сегмент): хи-квадрат Пирсона, точный тест Фишера, если ожидаемое "
        "число оценок в какой-либо клетке меньше 5; поправка Бенджамини — Хохберга "
        f"{_comparisons(compared)}. Разница значима, если q < {alpha}; только тогда "
        "удовлетворённость сегмента называется низкой или высокой.",
        f"Сегмент, где {too_few} (столько нужно для погрешности ±{margin} при "
        f"доверии {confidence} без поправки на численность сегмента), помечен «мало данных»: "
        "его удовлетворённость в оценку не входит. Объём выборки опроса в плане исследования "
        "считается по той же формуле с поправкой на численность сегмента, поэтому для "
        f"сегмента в несколько тысяч клиентов он чуть меньше {needed}. Сегменты "
        f"{too_small} не ранжируются.",
        "Ёмкость — сколько клиентов затрагивает разрыв: ёмкость сегмента × (CSAT остальных − "
        "CSAT сегмента), то есть недовольные сверх того, что было бы при удовлетворённости "
        "остальных; учитывается только при значимо более низкой удовлетворённости и делится "
        "на наибольшее такое число (у лидера — 1). Сегмент из всех клиентов или средний по "
        "удовлетворённости ёмкостью не выделяется.",
        "Неудовлетворённость — разница CSAT остальных и сегмента, тоже только при значимо "
        "более низкой удовлетворённости.",
        f"Оценка — взвешенная сумма частей; место получают и в число первых "
        f"{number(study.priority.top)} попадают только сегменты с оценкой больше нуля.",
    ]


def _warnings(
    study: Study,
    features: list[FeatureSegmentation],
    overall: SatisfactionStats,
    gaps: Mapping[str, SatisfactionGap],
) -> list[str]:
    out = []
    column = study.segmentation.satisfaction.column
    if known(overall.n) > 0 and overall.csat in (0.0, 1.0):
        side = "не ниже" if overall.csat == 1.0 else "ниже"
        out.append(
            f"Все {number(known(overall.n))} оценок удовлетворённости {side} порога «доволен» "
            f"({study.segmentation.satisfaction.csat_threshold}): CSAT {percent(overall.csat)} "
            "у всех сегментов, различий по удовлетворённости нет, и приоритеты строятся только "
            f"по слепым зонам, уникальности проблем и позиции заказчика. Проверьте столбец "
            f"«{column}» и порог csat_threshold."
        )
    min_cell = study.segmentation.min_cell
    for fs in features:
        present = [s for s in fs.segments if not s.missing_value]
        if len(present) < MANY_SEGMENTS:
            continue
        weak = [
            s
            for s in present
            if known(s.capacity) < min_cell or (s.key in gaps and gaps[s.key].verdict == "too_few")
        ]
        if len(weak) * 2 >= len(present):
            out.append(
                f"Признак «{fs.label}» делит клиентов на "
                f"{plural(len(present), 'сегмент', 'сегмента', 'сегментов')}, и "
                f"{number(len(weak))} из них слишком малы, чтобы сравнивать удовлетворённость. "
                "Объедините редкие значения (например, пороги binning для числового признака "
                "или одну подпись в value_labels для нескольких значений) или уберите признак "
                "из сегментации."
            )
    return out


def prioritise(
    study: Study,
    features: list[FeatureSegmentation],
    overall: SatisfactionStats,
    *,
    complaints: Uniqueness | None = None,
    hidden_blind_zones: frozenset[str] = frozenset(),
) -> PrioritySummary:
    """Score and rank every segment (in place: ``segment.priority``); the summary for the report.

    ``complaints`` (problem uniqueness from complaint topics) is used for the uniqueness part
    until research has confirmed problems; after that confirmed problems count.
    ``hidden_blind_zones``: segments whose blind zone the published profile hides to protect
    the audience line (:func:`~segprofile.analysis.suppression.blind_zones_hidden_by_audience`);
    like any blind zone not shown, it is not counted.
    """
    settings = study.priority
    low = overall.csat is None or overall.csat < settings.low_satisfaction_csat
    weights = _weights(settings.when_low if low else settings.when_high)
    from_complaints = complaints is not None and not has_confirmed_problems(study)
    if from_complaints and complaints is not None:
        uniqueness = complaints.scores()
        uniqueness_note: Callable[[str], str | None] = complaints.reason
    else:
        uniqueness = problem_uniqueness(study)
        uniqueness_note = (
            _no_note if has_confirmed_problems(study) else _unchecked_notes(uniqueness)
        )
    sponsors = {n.segment: n.reason for n in study.segment_notes if n.sponsor_focus}
    feature_totals = _feature_totals(features)
    warnings: list[str] = []
    candidates = _candidates(features, study.segmentation.min_cell, warnings)
    gaps = satisfaction_gaps(study, features, candidates)
    rated = known(overall.n) > 0
    max_affected = max((g.affected for g in gaps.values()), default=0.0)
    scored = [
        (
            seg,
            _parts(
                seg,
                gaps[seg.key],
                rated,
                max_affected,
                uniqueness,
                sponsors,
                feature_totals,
                study.segmentation.min_cell,
                hidden_blind_zones,
            ),
        )
        for seg in candidates
    ]
    ranked = _rank(scored, weights)
    parts_of = {seg.key: parts for seg, parts in scored}
    unit = count_unit(features)  # «клиентов», or «записей» with several rows a client
    for rank, (seg, score) in enumerate(ranked, start=1):
        parts = parts_of[seg.key]
        gap = gaps[seg.key]
        seg.priority = Priority(
            score=score,
            rank=rank if score > 0 else None,
            parts={p: weights[p] * parts[p] for p in PARTS},
            reasons=_reasons(
                study,
                seg,
                gap,
                rated,
                parts,
                weights,
                sponsors,
                uniqueness_note,
                hidden_blind_zones,
                unit,
            ),
            gap=gap,
        )
    top_keys = _top(ranked, settings.top)
    sensitivity = []
    for part in PARTS:
        for change in (-0.2, 0.2):
            moved = dict(weights)
            moved[part] = weights[part] * (1 + change)
            total = sum(moved.values())
            moved = {p: v / total for p, v in moved.items()}
            top = _top(_rank(scored, moved), settings.top)
            sensitivity.append(
                SensitivityRow(
                    weight=part,
                    change=change,
                    top=top,
                    entered=[k for k in top if k not in top_keys],
                    left=[k for k in top_keys if k not in top],
                )
            )
    compared = sum(1 for g in gaps.values() if g.q_value is not None)
    return PrioritySummary(
        mode="low" if low else "high",
        overall_csat=overall.csat,
        weights=weights,
        explanation=_explanation(
            study, overall, low, top_keys, from_complaints, complaints, bool(uniqueness)
        ),
        top=top_keys,
        sensitivity=sensitivity,
        rules=_rules(study, rated, compared, unit),
        alpha=_alpha(study) if rated else None,
        min_ratings=min_ratings(study) if rated else None,
        warnings=warnings + _warnings(study, features, overall, gaps),
    )


def _explanation(
    study: Study,
    overall: SatisfactionStats,
    low: bool,
    top: list[str],
    from_complaints: bool,
    complaints: Uniqueness | None,
    any_uniqueness: bool = True,
) -> str:
    settings = study.priority
    if overall.csat is None:
        text = (
            "Оценок удовлетворённости нет: по правилу методики ориентируемся на самые "
            "многочисленные сегменты."
        )
    else:
        csat, threshold = percents(overall.csat, settings.low_satisfaction_csat)
        if low:
            text = (
                f"Общая удовлетворённость низкая (CSAT {csat} < {threshold}): по правилу "
                "методики в приоритете самые многочисленные сегменты — те, где разрыв в "
                "удовлетворённости с остальными затрагивает больше всего клиентов."
            )
        else:
            text = (
                f"Общая удовлетворённость высокая (CSAT {csat} ≥ {threshold}): по правилу "
                "методики в приоритете слепые зоны и специфические проблемы сегментов."
            )
    if not top:
        text += (
            " Ни один сегмент не выделяется: ни удовлетворённость, ни слепые зоны, ни "
            "проблемы, ни позиция заказчика не дают оснований для приоритета."
        )
    if from_complaints and complaints is not None:
        text += (
            " Уникальность проблем оценена по темам жалоб, пока исследование не подтвердило "
            f"проблем: {complaints.rule}."
        )
    elif not any_uniqueness:
        text += (
            " Уникальность проблем в оценку не входит: гипотез о проблемах сегментов пока нет "
            "(раздел «Гипотезы»)."
        )
    return text


# --- Overlap of the top segments, and cross segments worth proposing ----------------------------


@dataclass(frozen=True)
class PairCount:
    """Rows in both segments of a pair, with their ratings (counted in the engine)."""

    both: int
    ratings: int = 0
    happy: int = 0


def overlap_pairs(summary: PrioritySummary) -> list[tuple[str, str]]:
    """Pairs of top segments of different features, in the order of the top."""
    return [(a, b) for a, b in combinations(summary.top, 2) if a.split("=")[0] != b.split("=")[0]]


def add_overlaps(
    study: Study,
    summary: PrioritySummary,
    features: list[FeatureSegmentation],
    counts: Mapping[tuple[str, str], PairCount],
) -> None:
    """Fill ``summary.overlaps`` and ``summary.proposals`` from the pairs' counts (in place).

    A pair's size is counted as a segment's capacity and a cross segment's are (rows), so that
    the same group has one size in every table. A cross segment of two top segments A and B is
    proposed when its CSAT is significantly lower both than that of A's other clients and than
    that of B's other clients (BH across every such comparison): then the pair explains the gap
    better than either feature alone. What of it is hidden is decided with the rest of the
    profile (``analysis.suppression``); no group of fewer than ``min_cell`` is tested.
    """
    by_key = {s.key: s for fs in features for s in fs.segments}
    label_of = {fs.feature_id: fs.label for fs in features}
    min_cell = study.segmentation.min_cell
    needed = min_ratings(study)
    alpha = _alpha(study)
    tests: list[tuple[tuple[str, str], float, float]] = []
    for (a, b), count in counts.items():
        sa, sb = by_key.get(a), by_key.get(b)
        if sa is None or sb is None:
            continue
        people, of_a, of_b = count.both, known(sa.capacity), known(sb.capacity)
        summary.overlaps.append(
            SegmentOverlap(
                a=a,
                b=b,
                both=people,
                share_of_a=people / of_a if of_a else None,
                share_of_b=people / of_b if of_b else None,
            )
        )
        a_n = known(sa.satisfaction.n) - count.ratings
        b_n = known(sb.satisfaction.n) - count.ratings
        # Each group compared — both, A without B, B without A — has at least min_cell people.
        if min(people, of_a - people, of_b - people) < min_cell:
            continue
        if count.ratings < needed or a_n <= 0 or b_n <= 0:
            continue
        a_happy = _happy(sa.satisfaction) - count.happy
        b_happy = _happy(sb.satisfaction) - count.happy
        _, _, p_a = compare_shares(count.happy, count.ratings, a_happy, a_n)
        _, _, p_b = compare_shares(count.happy, count.ratings, b_happy, b_n)
        tests.append(((a, b), p_a, p_b))
    adjusted = benjamini_hochberg([p for _, p_a, p_b in tests for p in (p_a, p_b)])
    proposals: list[CrossProposal] = []
    for i, ((a, b), _, _) in enumerate(tests):
        q_a, q_b = adjusted[2 * i], adjusted[2 * i + 1]
        sa, sb, count = by_key[a], by_key[b], counts[(a, b)]
        people = count.both
        csat = count.happy / count.ratings
        a_n = known(sa.satisfaction.n) - count.ratings
        b_n = known(sb.satisfaction.n) - count.ratings
        a_only = (_happy(sa.satisfaction) - count.happy) / a_n
        b_only = (_happy(sb.satisfaction) - count.happy) / b_n
        if not (q_a < alpha and q_b < alpha and csat < a_only and csat < b_only):
            continue
        fa, fb = a.split("=", 1)[0], b.split("=", 1)[0]
        label = f"{label_of[fa]}: {sa.label} · {label_of[fb]}: {sb.label}"
        own, versus_a = percents(csat, a_only)
        _, versus_b = percents(csat, b_only)
        reason = (
            f"{count_unit(features).count(people)}, CSAT {own} — ниже, чем у остальных из "
            f"«{inline_label(sa.label)}» ({versus_a}, {p_value(q_a, 'q')}) и у остальных из "
            f"«{inline_label(sb.label)}» ({versus_b}, {p_value(q_b, 'q')}): сочетание двух "
            "признаков объясняет разрыв лучше, чем каждый по отдельности."
        )
        if {fa, fb} not in [set(pair) for pair in study.segmentation.by_feature.pairs]:
            reason += (
                f" Чтобы видеть такие сегменты в профиле, добавьте пару признаков "
                f"«{label_of[fa]}» и «{label_of[fb]}» в перекрёстные сегменты "
                "(раздел «Признаки сегментации», пары для перекрёстных сегментов)."
            )
        low, high = wilson_interval(count.happy, count.ratings, study.segmentation.confidence)
        proposals.append(
            CrossProposal(
                key=f"{a}&{b}",
                label=label,
                capacity=people,
                satisfaction=SatisfactionStats(
                    n=count.ratings, csat=csat, csat_interval=Interval(low=low, high=high)
                ),
                a_only_csat=a_only,
                b_only_csat=b_only,
                q_a=q_a,
                q_b=q_b,
                reason=reason,
            )
        )
    # The pairs where the most clients are affected first: those below the better of the two.
    proposals.sort(
        key=lambda x: -x.capacity * (min(x.a_only_csat, x.b_only_csat) - (x.satisfaction.csat or 0))
    )
    summary.proposals = proposals[:MAX_PROPOSALS]
