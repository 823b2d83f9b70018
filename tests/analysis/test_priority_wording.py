"""A threshold in the priority's reasons and rules (M-6) reads as Russian for any ``min_cell``:
«меньше 5 клиентов», «меньше 21 клиента», «меньше 21 записи» — never «меньше 21 чел.»."""

from __future__ import annotations

import pytest

from segprofile.analysis.priority import prioritise
from segprofile.model.format import fewer
from segprofile.model.labels import CountUnit
from segprofile.model.results import (
    BlindZone,
    FeatureSegmentation,
    SatisfactionStats,
    SegmentStats,
)
from segprofile.model.study import Study
from sp_census import STUDY


@pytest.mark.parametrize(
    ("n", "clients", "records"),
    [
        (1, "меньше 1 клиента", "меньше 1 записи"),
        (2, "меньше 2 клиентов", "меньше 2 записей"),
        (5, "меньше 5 клиентов", "меньше 5 записей"),
        (11, "меньше 11 клиентов", "меньше 11 записей"),
        (21, "меньше 21 клиента", "меньше 21 записи"),
        (22, "меньше 22 клиентов", "меньше 22 записей"),
        (111, "меньше 111 клиентов", "меньше 111 записей"),
        (1001, "меньше 1\u00a0001 клиента", "меньше 1\u00a0001 записи"),
    ],
)
def test_fewer_than_a_count_is_in_the_genitive(n: int, clients: str, records: str) -> None:
    assert CountUnit().fewer(n) == clients
    assert CountUnit(records=True).fewer(n) == records
    assert fewer(n, "оценки", "оценок") == records.replace("записи", "оценки").replace(
        "записей", "оценок"
    )


def _segment(code: str, capacity: int, happy: int, applicants: int, entitled: int) -> SegmentStats:
    return SegmentStats(
        key=f"district={code}",
        value=code,
        label=code,
        capacity=capacity,
        clients=capacity,
        share=None,
        satisfaction=SatisfactionStats(n=capacity, csat=happy / capacity),
        blind_zone=BlindZone(
            entitled=entitled,
            applicants=applicants,
            blind=max(0, entitled - applicants),
            share=max(0, entitled - applicants) / entitled,
        ),
    )


@pytest.mark.parametrize(
    ("min_cell", "applied", "few_applied", "few_left"),
    [
        (5, 3, "обратились меньше 5 клиентов", "не обратились меньше 5 имеющих право"),
        (21, 14, "обратились меньше 21 клиента", "не обратились меньше 21 имеющего право"),
    ],
)
def test_blind_zone_reasons_read_for_any_min_cell(
    min_cell: int, applied: int, few_applied: str, few_left: str
) -> None:
    """Skewed districts: the capital with most clients, a village where few of the entitled
    applied, a town where nearly everyone entitled did."""
    data = {**STUDY, "segmentation": {**STUDY["segmentation"], "min_cell": min_cell}}
    study = Study.model_validate(data)
    segments = [
        _segment("Тверь", 2400, 1900, 2350, 3100),
        _segment("Кимры", 300, 150, applied, 520),
        _segment("Бежецк", 210, 160, 205, 205 + min_cell - 2),
    ]
    total = sum(s.capacity or 0 for s in segments)
    for s in segments:
        s.share = (s.capacity or 0) / total
    feature = FeatureSegmentation(
        feature_id="district", label="Район", column="district", type="categorical",
        segments=segments,
    )  # fmt: skip
    happy = sum(round((s.satisfaction.csat or 0) * (s.capacity or 0)) for s in segments)
    summary = prioritise(study, [feature], SatisfactionStats(n=total, csat=happy / total))
    reasons = {s.label: " ".join(s.priority.reasons) for s in segments if s.priority}
    assert few_applied in reasons["Кимры"]
    assert few_left in reasons["Бежецк"]
    assert "слепая зона" in reasons["Тверь"]
    texts = " ".join([*reasons.values(), *summary.rules])
    assert "чел." not in texts
    assert CountUnit().fewer(min_cell) in " ".join(summary.rules)
