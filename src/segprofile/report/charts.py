"""Charts as Altair (Vega-Lite) specs, rendered offline to SVG with vl-convert.

No CDN: the SVG is embedded in the HTML report and the web pages; PNG can be made from the same
specs for DOCX and PDF.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import quoteattr

import altair as alt
import pandas as pd
import vl_convert as vlc

from segprofile.model.labels import CountUnit, count_unit, profile_unit
from segprofile.model.results import FeatureSegmentation, KChoice, Profile

FONT = "DejaVu Sans"
_RU_LOCALE = {
    "decimal": ",",
    "thousands": "\u00a0",
    "grouping": [3],
    "currency": ["", "\u00a0₽"],
}


#: Vega's ARIA attributes (values never hold a raw «"»: the SVG escapes it).
_ARIA = re.compile(r'\s(?:aria-[a-z]+|role)="[^"]*"')


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12, gridColor="#e6eaf0")
    )


def to_svg(chart: alt.TopLevelMixin, label: str) -> str:
    """Render a chart to an SVG string (offline; numbers in the Russian format).

    Without Vega's ARIA roles and descriptions: they are English («X-axis titled … for a linear
    scale», «group mark container»). The picture is named by ``label`` instead (``role="img"``
    and ``aria-label``), so a screen reader reads the chart's Russian name."""
    spec: dict[str, Any] = chart.to_dict()
    spec.setdefault("config", {})["aria"] = False
    svg: str = _ARIA.sub("", vlc.vegalite_to_svg(spec, format_locale=_RU_LOCALE))
    return svg.replace("<svg", f'<svg role="img" aria-label={quoteattr(label)}', 1)


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """Render a chart to PNG bytes (for DOCX and PDF)."""
    png: bytes = vlc.vegalite_to_png(chart.to_dict(), scale=scale, format_locale=_RU_LOCALE)
    return png


def priority_quadrant(
    profile: Profile, *, min_cell: int, unit: CountUnit | None = None
) -> alt.TopLevelMixin | None:
    """Importance × performance: capacity share against CSAT.

    The priority segments carry their rank (the «№» of the ranking) inside their point and are
    named in a numbered list beside the chart: names written next to the points fell on top of
    one another wherever segments are alike (several small ones near the overall CSAT).
    """
    top = set(profile.priority.top) if profile.priority else set()
    rows = []
    for fs in profile.by_feature:
        for seg in fs.segments:
            hidden = seg.capacity is None or seg.capacity < min_cell  # a published profile
            if seg.missing_value or hidden or seg.satisfaction.csat is None:
                continue
            gap = seg.priority.gap if seg.priority else None
            rank = seg.priority.rank if seg.priority and seg.key in top else None
            status = (
                "да"
                if seg.key in top
                else "мало данных"
                if gap is not None and gap.verdict == "too_few"
                else "нет"
            )
            rows.append(
                {
                    "Сегмент": f"{fs.label}: {seg.label}",
                    "Номер": "" if rank is None else str(rank),
                    "Место": rank if rank is not None else 10_000 + len(rows),
                    "Доля клиентов": seg.share,
                    "CSAT": seg.satisfaction.csat,
                    "В приоритете": status,
                }
            )
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    overall = profile.satisfaction.csat
    base = alt.Chart(frame)
    x = alt.X(
        "Доля клиентов:Q",
        axis=alt.Axis(format="%"),
        title=(unit or profile_unit(profile)).share_axis,
    )
    y = alt.Y("CSAT:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]), title="CSAT")
    points = base.mark_circle(opacity=0.85).encode(
        x=x,
        y=y,
        size=alt.condition("datum['Номер'] != ''", alt.value(260), alt.value(80)),
        color=alt.Color(
            "В приоритете:N",
            scale=alt.Scale(
                domain=["да", "нет", "мало данных"], range=["#c0392b", "#7aa7e6", "#c8ccd2"]
            ),
            legend=alt.Legend(title="В приоритете"),
        ),
        tooltip=[
            "Сегмент",
            alt.Tooltip("Доля клиентов:Q", format=".0%"),
            alt.Tooltip("CSAT:Q", format=".0%"),
        ],
    )
    numbers = base.mark_text(fontSize=10, fontWeight="bold", color="white").encode(
        x="Доля клиентов:Q", y="CSAT:Q", text="Номер:N"
    )
    layers: list[Any] = [points, numbers]
    if overall is not None:
        rule = (
            alt.Chart(pd.DataFrame({"y": [overall]}))
            .mark_rule(strokeDash=[4, 4], color="#5b6778")
            .encode(y=alt.Y("y:Q", title="CSAT"))
        )
        layers.insert(0, rule)
    quadrant = alt.layer(*layers).properties(width=560, height=300)
    named = frame[frame["Номер"] != ""].sort_values("Место")
    if named.empty:
        chart: Any = quadrant
    else:
        named = pd.DataFrame(
            {
                "Место": named["Место"],
                "Строка": named["Номер"] + ". " + named["Сегмент"],
            }
        )
        listing = (
            alt.Chart(named)
            .mark_text(align="left", baseline="middle", fontSize=11, color="#1d2633", limit=560)
            .encode(x=alt.value(0), y=alt.Y("Место:O", axis=None), text="Строка:N")
            .properties(
                width=560,
                height=alt.Step(17),
                title=alt.TitleParams(
                    "Номера на графике — места в рейтинге", anchor="start", fontSize=12
                ),
            )
        )
        chart = alt.vconcat(quadrant, listing, spacing=16)
    chart = chart.properties(title="Ёмкость и удовлетворённость сегментов (пунктир — CSAT в целом)")
    return _config(chart)


def capacity_csat(
    feature: FeatureSegmentation, *, min_cell: int, unit: CountUnit | None = None
) -> alt.TopLevelMixin | None:
    """One feature: capacity bars and CSAT with its interval, segment by segment; ``unit``: the
    profile's (records with several rows a client), else as the feature's segments tell."""
    unit = unit or count_unit([feature])
    rows = [
        {
            "Сегмент": seg.label,
            "Порядок": i,
            "Клиентов": seg.capacity,
            "CSAT": seg.satisfaction.csat,
            "Нижняя": seg.satisfaction.csat_interval.low
            if seg.satisfaction.csat_interval
            else None,
            "Верхняя": seg.satisfaction.csat_interval.high
            if seg.satisfaction.csat_interval
            else None,
        }
        for i, seg in enumerate(feature.segments)
        if seg.capacity is not None and seg.capacity >= min_cell
    ]
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    order = alt.SortField("Порядок")
    y = alt.Y("Сегмент:N", sort=order, title=None)
    bars = (
        alt.Chart(frame)
        .mark_bar(color="#7aa7e6")
        .encode(x=alt.X("Клиентов:Q", title=unit.axis), y=y)
        .properties(width=260, height=alt.Step(22))
    )
    rated = frame.dropna(subset=["CSAT"])
    csat_base = alt.Chart(rated)
    interval = csat_base.mark_rule(color="#5b6778").encode(
        # Labels centred on their ticks: flush with the ends, «100%» ran into «80%».
        x=alt.X(
            "Нижняя:Q",
            axis=alt.Axis(format="%", labelFlush=False),
            scale=alt.Scale(domain=[0, 1]),
            title="CSAT",
        ),
        x2="Верхняя:Q",
        y=y,
    )
    point = csat_base.mark_point(filled=True, color="#c0392b", size=50).encode(x="CSAT:Q", y=y)
    right = alt.layer(interval, point).properties(width=220, height=alt.Step(22))
    chart = alt.hconcat(bars, right).properties(title=feature.label)
    return _config(chart)


def k_diagnostics(choice: KChoice) -> alt.TopLevelMixin | None:
    """Choosing k: cost, silhouette and stability against k; the recommended (chosen) k marked.

    Three small panels side by side sharing the k axis; stability is drawn with its spread
    (± one standard deviation over the resample pairs).
    """
    rows = [
        {
            "k": d.k,
            "Стоимость": d.cost,
            "Чёткость разделения": d.silhouette,
            "Устойчивость": d.stability,
            "Нижняя": None if d.stability is None else d.stability - (d.stability_sd or 0.0),
            "Верхняя": None if d.stability is None else d.stability + (d.stability_sd or 0.0),
        }
        for d in choice.diagnostics
    ]
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    ks = [int(k) for k in frame["k"]]
    x = alt.X("k:O", title="Число кластеров k", sort=ks, axis=alt.Axis(labelAngle=0))
    mark_k = choice.recommended_k if choice.recommended_k is not None else choice.chosen_k
    marks = pd.DataFrame({"k": [mark_k]})

    def panel(field: str, title: str, fmt: str, extra: list[Any] | None = None) -> Any:
        data = frame.dropna(subset=[field])
        base = alt.Chart(data)
        line = base.mark_line(point=True, color="#1f5fbf").encode(
            x=x,
            y=alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=fmt)),
            tooltip=["k:O", alt.Tooltip(f"{field}:Q", format=fmt)],
        )
        rule = alt.Chart(marks).mark_rule(color="#c0392b", strokeDash=[4, 3]).encode(x=x)
        return alt.layer(rule, *(extra or []), line).properties(width=190, height=170)

    band = (
        alt.Chart(frame.dropna(subset=["Устойчивость"]))
        .mark_errorband(color="#7aa7e6", opacity=0.35)
        .encode(
            x=x,
            y=alt.Y("Нижняя:Q", title="Устойчивость при повторных запусках (ARI)"),
            y2="Верхняя:Q",
        )
    )
    chart = alt.hconcat(
        panel("Стоимость", "Стоимость", ",.0f"),
        panel("Чёткость разделения", "Чёткость разделения групп (силуэт)", ".2f"),
        panel("Устойчивость", "Устойчивость при повторных запусках (ARI)", ".2f", [band]),
    ).properties(
        title=(
            f"Выбор числа кластеров (красный пунктир — рекомендуемое k = {mark_k})"
            if choice.recommended_k is not None
            else f"Выбор числа кластеров (k = {mark_k})"
        )
    )
    return _config(chart)
