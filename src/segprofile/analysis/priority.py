"""Prioritisation (M-6): a transparent score that follows the methodology's switch.

If the service's overall satisfaction is low, the most numerous (and least satisfied)
segments lead; if it is high, blind zones and specific problems lead. The score of a segment is
a weighted sum of parts in [0, 1]:

- ``capacity`` — the segment's share of its feature's clients, counted for segments that are
  not more satisfied than the clients overall (a large but happy segment — often the
  complement of a small unhappy one — is not where the methodology says to look);
- ``dissatisfaction`` — 1 − CSAT (the overall CSAT when the segment has no ratings);
- ``blind_zone`` — the share of entitled people of the segment who did not apply;
- ``uniqueness`` — the share of the segment's problems that no other segment has: confirmed
  problems once research exists; before that complaint topics per segment when complaints
  are available (:mod:`segprofile.analysis.complaints`); else every open problem hypothesis;
- ``sponsor`` — 1 when the team marked the segment as the sponsor's focus.

Every rank comes with its reasons in Russian, and a sensitivity table shows how the top
segments change when each weight moves by ±20 %.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from segprofile.model.labels import PRIORITY_PARTS as PART_NAMES
from segprofile.model.results import (
    FeatureSegmentation,
    Priority,
    PrioritySummary,
    SatisfactionStats,
    SegmentStats,
    SensitivityRow,
    known,
)
from segprofile.model.study import HypothesisKind, HypothesisStatus, PriorityWeights, Study

if TYPE_CHECKING:
    from segprofile.analysis.complaints import ComplaintUniqueness

PARTS = ("capacity", "dissatisfaction", "blind_zone", "uniqueness", "sponsor")


def _pct(value: float) -> str:
    return f"{round(value * 100):d}\u00a0%"


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


def _candidates(features: Iterable[FeatureSegmentation], min_cell: int) -> list[SegmentStats]:
    return [
        seg
        for fs in features
        for seg in fs.segments
        if not seg.missing_value and known(seg.capacity) >= min_cell
    ]


def _parts(
    study: Study,
    seg: SegmentStats,
    overall: SatisfactionStats,
    uniqueness: dict[str, float],
    sponsors: dict[str, str],
    feature_totals: dict[str, int],
) -> dict[str, float]:
    feature_id = seg.key.split("=", 1)[0]
    total = feature_totals.get(feature_id) or 1
    csat = seg.satisfaction.csat if seg.satisfaction.csat is not None else overall.csat
    happier = csat is not None and overall.csat is not None and csat > overall.csat
    return {
        "capacity": 0.0 if happier else known(seg.capacity) / total,
        "dissatisfaction": 1 - csat if csat is not None else 0.0,
        "blind_zone": (seg.blind_zone.share or 0.0) if seg.blind_zone else 0.0,
        "uniqueness": uniqueness.get(seg.key, 0.0),
        "sponsor": 1.0 if seg.key in sponsors else 0.0,
    }


def _reasons(
    study: Study,
    seg: SegmentStats,
    parts: dict[str, float],
    weights: dict[str, float],
    sponsors: dict[str, str],
    uniqueness_note: Callable[[str], str | None],
) -> list[str]:
    settings = study.priority
    out = []
    share = known(seg.share)
    level = (
        "высокая"
        if share >= settings.high_capacity_share
        else "низкая"
        if share < settings.high_capacity_share / 4
        else "средняя"
    )
    text = f"ёмкость {_pct(share)} ({seg.capacity:,} чел.) — ".replace(",", "\u00a0")
    if parts["capacity"] == 0 and share > 0:
        text += "не учитывается: сегмент доволен больше, чем клиенты в целом"
    else:
        text += level
    out.append(text)
    sat = seg.satisfaction
    if sat.csat is not None and sat.csat_interval is not None:
        half = (sat.csat_interval.high - sat.csat_interval.low) / 2
        level = (
            "низкая"
            if sat.csat < settings.low_satisfaction_csat
            else "высокая"
            if sat.csat >= 0.85
            else "средняя"
        )
        out.append(f"CSAT {_pct(sat.csat)} ± {round(half * 100):d} — {level}")
    else:
        out.append("оценок удовлетворённости нет — взята общая по услуге")
    if seg.blind_zone is not None and seg.blind_zone.share is not None:
        bz = seg.blind_zone.share
        level = "большая" if bz >= settings.large_blind_zone_share else "небольшая"
        out.append(f"слепая зона {_pct(bz)} имеющих право — {level}")
    note = uniqueness_note(seg.key)
    if parts["uniqueness"] > 0 or note:
        out.append(
            f"уникальных проблем {_pct(parts['uniqueness'])}" + (f" ({note})" if note else "")
        )
    if seg.key in sponsors:
        reason = sponsors[seg.key]
        out.append("позиция заказчика" + (f": {reason.rstrip('.')}" if reason else ""))
    lead = max(PARTS, key=lambda p: weights[p] * parts[p])
    out.append(f"больше всего в оценку вносит {PART_NAMES[lead]}")
    return out


def _rank(
    scored: list[tuple[SegmentStats, dict[str, float]]], weights: dict[str, float]
) -> list[tuple[SegmentStats, float]]:
    totals = [(seg, sum(weights[p] * parts[p] for p in PARTS)) for seg, parts in scored]
    # Ties: the larger segment first, then the key, so the order is stable.
    return sorted(totals, key=lambda item: (-item[1], -known(item[0].capacity), item[0].key))


def prioritise(
    study: Study,
    features: list[FeatureSegmentation],
    overall: SatisfactionStats,
    *,
    complaints: ComplaintUniqueness | None = None,
) -> PrioritySummary:
    """Score and rank every segment (in place: ``segment.priority``); the summary for the report.

    ``complaints`` (problem uniqueness from complaint topics) is used for the uniqueness part
    until research has confirmed problems; after that confirmed problems count.
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
        uniqueness_note = _no_note
    sponsors = {n.segment: n.reason for n in study.segment_notes if n.sponsor_focus}
    feature_totals = {fs.feature_id: sum(known(s.capacity) for s in fs.segments) for fs in features}
    scored = [
        (seg, _parts(study, seg, overall, uniqueness, sponsors, feature_totals))
        for seg in _candidates(features, study.segmentation.min_cell)
    ]
    ranked = _rank(scored, weights)
    parts_of = {seg.key: parts for seg, parts in scored}
    for rank, (seg, score) in enumerate(ranked, start=1):
        parts = parts_of[seg.key]
        seg.priority = Priority(
            score=score,
            rank=rank,
            parts={p: weights[p] * parts[p] for p in PARTS},
            reasons=_reasons(study, seg, parts, weights, sponsors, uniqueness_note),
        )
    top_keys = [seg.key for seg, _ in ranked[: settings.top]]
    sensitivity = []
    for part in PARTS:
        for change in (-0.2, 0.2):
            moved = dict(weights)
            moved[part] = weights[part] * (1 + change)
            total = sum(moved.values())
            moved = {p: v / total for p, v in moved.items()}
            top = [seg.key for seg, _ in _rank(scored, moved)[: settings.top]]
            sensitivity.append(
                SensitivityRow(
                    weight=part,
                    change=change,
                    top=top,
                    entered=[k for k in top if k not in top_keys],
                    left=[k for k in top_keys if k not in top],
                )
            )
    if overall.csat is None:
        explanation = (
            "Оценок удовлетворённости нет: по правилу методики ориентируемся на самые "
            "многочисленные сегменты."
        )
    elif low:
        explanation = (
            f"Общая удовлетворённость низкая (CSAT {_pct(overall.csat)} < "
            f"{_pct(settings.low_satisfaction_csat)}): по правилу методики в приоритете самые "
            "многочисленные и наименее довольные сегменты."
        )
    else:
        explanation = (
            f"Общая удовлетворённость высокая (CSAT {_pct(overall.csat)} ≥ "
            f"{_pct(settings.low_satisfaction_csat)}): по правилу методики в приоритете слепые "
            "зоны и специфические проблемы сегментов."
        )
    if from_complaints and complaints is not None:
        explanation += (
            " Уникальность проблем оценена по темам жалоб, пока исследование не подтвердило "
            f"проблем: {complaints.rule}."
        )
    return PrioritySummary(
        mode="low" if low else "high",
        overall_csat=overall.csat,
        weights=weights,
        explanation=explanation,
        top=top_keys,
        sensitivity=sensitivity,
    )
