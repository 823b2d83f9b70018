"""A feature's chart: the CSAT axis labels never run into one another — flush with the axis's
end, «100%» touched «80%» («80%100%» in a new analyst's walk-through)."""

from __future__ import annotations

import itertools
import re

from segprofile.model.results import FeatureSegmentation, SegmentStats
from segprofile.report import charts

#: DejaVu Sans at the axis's 11 px: a digit's advance and the percent sign's.
DIGIT, PERCENT = 7.0, 10.4


def _segment(label: str, capacity: int, csat: float) -> SegmentStats:
    return SegmentStats.model_validate(
        {
            "key": f"dept={label}",
            "value": label,
            "label": label,
            "capacity": capacity,
            "share": capacity / 3000,
            "satisfaction": {
                "n": capacity,
                "csat": csat,
                "csat_interval": {"low": csat - 0.05, "high": min(csat + 0.05, 1.0)},
            },
        }
    )


def test_the_csat_axis_labels_keep_apart() -> None:
    feature = FeatureSegmentation(
        feature_id="dept",
        label="Подразделение",
        column="Подразделение",
        type="feature",
        segments=[
            _segment("Отдел социальных выплат", 2344, 0.73),
            _segment("Отдел опеки", 357, 0.68),
            _segment("Сектор ветеранов", 44, 0.97),
        ],
    )
    chart = charts.capacity_csat(feature, min_cell=5)
    assert chart is not None
    svg = charts.to_svg(chart, "Подразделение: ёмкость и CSAT")
    spans = []
    for anchor, x, text in re.findall(
        r'<text text-anchor="(\w+)" transform="translate\(([-\d.]+),[-\d.]+\)"[^>]*>(\d+%)</text>',
        svg,
    ):
        width = DIGIT * (len(text) - 1) + PERCENT
        left = {"start": 0.0, "middle": width / 2, "end": width}[anchor]
        spans.append((text, float(x) - left, float(x) - left + width))
    assert [text for text, _, _ in spans] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    for (one, _, end), (other, start, _) in itertools.pairwise(spans):
        assert start - end >= 6, (one, other, start - end)
