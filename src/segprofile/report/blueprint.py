"""The service blueprint of a journey (M-12) as one self-contained SVG.

Columns are the journey's steps, left to right; the lanes, top to bottom, are the physical
evidence, the client's actions (a card per step: title, channel, role, service level by colour,
duration and client time, pains), the front stage, the back stage and the support processes.
Three lines cross the blueprint: the line of interaction (client ↔ front stage), the line of
visibility (what the client sees ↔ what they do not) and the line of internal interaction
(back stage ↔ support processes).

The SVG has no scripts, no external fonts or images and no ``style`` attributes (only
presentation attributes, so it can be inlined under a strict Content-Security-Policy); text is
wrapped here, by approximate glyph widths of DejaVu Sans, so it reads at 100 % in a browser, in
WeasyPrint and in a DOCX image.

Printed (DOCX, PDF), a blueprint is :func:`blueprint_parts`: drawings of a few consecutive steps,
each with the width it is placed at so that its smallest text is 8 pt on paper.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from segprofile.analysis.journeys import is_in_person, journey_metrics
from segprofile.errors import NotFound
from segprofile.model.labels import hypothesis_name, segment_name
from segprofile.model.study import (
    DEFAULT_SERVICE_LEVELS,
    HypothesisStatus,
    Journey,
    JourneyKind,
    JourneyStep,
    Role,
    RoleKind,
    Study,
)
from segprofile.report.format import number, percent, plural

__all__ = [
    "LANES",
    "PRINT_AREA_MM",
    "BlueprintPart",
    "blueprint_parts",
    "blueprint_svg",
    "journey_blueprint_svg",
    "level_colour",
    "printed_points",
    "wrap",
]

FONT = "DejaVu Sans, Arial, sans-serif"

LANES: tuple[tuple[str, str], ...] = (
    ("physical_evidence", "Физическое окружение"),
    ("client", "Действия клиента"),
    ("front_stage", "Действия сотрудников, видимые клиенту"),
    ("back_stage", "Действия сотрудников, не видимые клиенту"),
    ("support_processes", "Поддерживающие процессы"),
)
"""(key, Russian label) of the blueprint's lanes, top to bottom."""

LINES: tuple[tuple[int, str, str], ...] = (
    (2, "Линия взаимодействия", ""),
    (3, "Линия видимости", "8 5"),
    (4, "Линия внутреннего взаимодействия", "2 4"),
)
"""(index of the lane below the line, label, dash pattern) of the three lines."""

# Colours (the report's palette).
INK = "#1d2633"
MUTED = "#5b6778"
LINE = "#c9d1dc"
ACCENT = "#1f5fbf"
BAD = "#b3261e"
BAD_BG = "#fbeceb"
LANE_BG = ("#f6f8fb", "#ffffff")
_LEVEL_STOPS = ((0.0, (0xC8, 0x3C, 0x32)), (0.5, (0xE0, 0x9A, 0x1F)), (1.0, (0x2E, 0x8B, 0x45)))
_UNKNOWN_LEVEL = (0x8A, 0x94, 0xA3)

# Geometry, in pixels at 100 %.
MARGIN = 24
LABEL_W = 170
COL_W = 230
GAP = 26
PAD = 10
LANE_PAD = 12
MIN_LANE = 84
SIZE = 12  # body text
SMALL = 11
TITLE = 13
LINE_H = 1.32  # line height in em
SMALLEST = SMALL  # no text of the blueprint is smaller: the printed size is reckoned from it

# Print: the smallest text at 8 pt (1 pt = 0.3528 mm) at least. At that scale a blueprint is taller
# than a landscape A4 page can hold (five lanes, a heading and the legend: 190–250 mm), so it is
# printed on portrait pages, a part of a few consecutive steps on each.
PT_MM = 0.3528
MIN_PRINT_PT = 8.0
PRINT_AREA_MM = (186.0, 245.0)
"""(width, height) in mm a printed blueprint part may take: portrait A4 less 12 mm side margins
and the top and bottom margins, the part's heading and its list of steps (PDF and DOCX alike)."""
_PRINT_MARGIN = 12  # the drawing's own white margin in a printed part (the page has one)
_PRINT_LIMITS = (None, 10, 6, 4, 3, 2, 1)  # most lines of one text, tried in turn until a part fits


# --- Text --------------------------------------------------------------------------------------

_NARROW = set("ilj.,:;!|'’`ії()[]{}")
_WIDE_CYR = set("жшщыюфмЖШЩЫЮФМ")
_WIDE_LAT = set("mwMW@%")


def _char_width(char: str) -> float:
    """Approximate advance of a DejaVu Sans glyph, in em."""
    if char == " ":
        return 0.32
    if char in _NARROW:
        return 0.3
    if char in "ft":
        return 0.4
    if char in "—":
        return 1.0
    if char in "«»–-":
        return 0.56
    if char in _WIDE_CYR:
        return 0.95 if char.isupper() else 0.86
    if char in _WIDE_LAT:
        return 0.95
    if char.isdigit():
        return 0.64
    if char.isupper():
        return 0.72
    return 0.62


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Approximate rendered width of ``text`` in pixels."""
    width = sum(_char_width(c) for c in text) * size
    return width * 1.1 if bold else width


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word longer than a line is cut with a hyphen."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_width(word, size, bold=bold) > width:
            cut = 1
            while text_width(word[: cut + 1] + "-", size, bold=bold) <= width:
                cut += 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _clip(lines: list[str], limit: int, width: float, size: float) -> list[str]:
    """Keep ``limit`` lines, ending the last kept one with an ellipsis."""
    if len(lines) <= limit:
        return lines
    kept = lines[:limit]
    last = kept[-1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return kept


def _line_height(size: float) -> float:
    return round(size * LINE_H, 1)


# --- Colours -----------------------------------------------------------------------------------


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def _mix(rgb: tuple[float, float, float], white: float) -> tuple[float, float, float]:
    r, g, b = rgb
    return (r + (255 - r) * white, g + (255 - g) * white, b + (255 - b) * white)


def _level_rgb(level: int | None, levels: int) -> tuple[float, float, float]:
    if level is None or levels < 2:
        return _UNKNOWN_LEVEL
    t = min(max((level - 1) / (levels - 1), 0.0), 1.0)
    for (t0, c0), (t1, c1) in itertools.pairwise(_LEVEL_STOPS):
        if t <= t1:
            k = (t - t0) / (t1 - t0)
            r, g, b = (a + (z - a) * k for a, z in zip(c0, c1, strict=True))
            return (r, g, b)
    return _LEVEL_STOPS[-1][1]


def level_colour(level: int | None, levels: int, *, tint: float = 0.0) -> str:
    """The colour of a service level: red (personal visit) → amber → green (proactive).

    ``tint`` mixes it with white (0 — the colour itself, 1 — white); an unknown level is grey.
    """
    return _hex(_mix(_level_rgb(level, levels), tint))


# --- SVG building ------------------------------------------------------------------------------


@dataclass
class _Svg:
    parts: list[str] = field(default_factory=list)

    def add(self, tag: str, text: str | None = None, /, **attrs: str | float) -> None:
        rendered = " ".join(
            f"{k.rstrip('_').replace('_', '-')}={quoteattr(_fmt(v))}" for k, v in attrs.items()
        )
        if text is None:
            self.parts.append(f"<{tag} {rendered}/>")
        else:
            self.parts.append(f"<{tag} {rendered}>{escape(text)}</{tag}>")

    def text_lines(
        self,
        lines: Sequence[str],
        x: float,
        y: float,
        size: float,
        *,
        fill: str = INK,
        bold: bool = False,
        anchor: str = "start",
        italic: bool = False,
    ) -> float:
        """Write lines with their first baseline at ``y + size``; return the height used."""
        step = _line_height(size)
        for i, line in enumerate(lines):
            attrs: dict[str, str | float] = {"x": x, "y": y + size + i * step, "font_size": size}
            attrs["fill"] = fill
            if bold:
                attrs["font_weight"] = "bold"
            if italic:
                attrs["font_style"] = "italic"
            if anchor != "start":
                attrs["text_anchor"] = anchor
            self.add("text", line, **attrs)
        return len(lines) * step


def _fmt(value: str | float) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


@dataclass
class _Card:
    """A step's card in the client lane, measured before it is drawn."""

    step: JourneyStep
    number: int
    badge: list[str]
    title: list[str]
    meta: list[tuple[list[str], str]]
    pains: list[list[str]]
    with_client: bool
    height: float = 0.0


def _minutes(value: float) -> str:
    """«45 мин», «2 ч», «5 ч 40 мин»: hours from two hours on, when they read easier."""
    if value >= 120 and float(value).is_integer():
        hours, minutes = divmod(int(value), 60)
        return f"{number(hours)} ч" + (f" {minutes} мин" if minutes else "")
    return f"{number(value, 0 if float(value).is_integer() else 1)} мин"


def _days(value: float) -> str:
    return f"{number(value, 0 if float(value).is_integer() else 1)} дн."


def _total(
    value: float | None, missing: int, unit: Callable[[float], str], unset: str = "не указан"
) -> str:
    """A journey's total time: «не указан» when no step has one (never «0»), and how many steps it
    leaves out when some have none: «12 дн. (не указан у 2 шагов)». ``unset`` agrees with the
    noun it follows: «срок: не указан», «время клиента: не указано»."""
    if value is None:
        return unset
    if not missing:
        return unit(value)
    return f"{unit(value)} ({unset} у {plural(missing, 'шага', 'шагов', 'шагов')})"


def _with_client(step: JourneyStep, roles: Mapping[str, Role]) -> bool:
    role = roles.get(step.role) if step.role is not None else None
    if role is not None and role.kind is RoleKind.applicant:
        return True
    return step.client_minutes != 0


def _fit(
    text: str, width: float, size: float, limit: int | None, *, bold: bool = False
) -> list[str]:
    """``text`` wrapped to ``width``, at most ``limit`` lines (the last cut with «…»)."""
    lines = wrap(text, width, size, bold=bold)
    return lines if limit is None else _clip(lines, limit, width, size)


@dataclass(frozen=True)
class _Limits:
    """The most lines each text of a card or a lane may take (None — as many as it needs)."""

    badge: int | None = 3
    role: int | None = 2
    pain: int | None = 3
    other: int | None = None

    @classmethod
    def all(cls, limit: int | None) -> _Limits:
        return cls(limit, limit, limit, limit)


def _measure_card(
    step: JourneyStep,
    number_: int,
    levels: Sequence[str],
    roles: Mapping[str, Role],
    problems: Mapping[str, str],
    limits: _Limits,
) -> _Card:
    inner = COL_W - 2 * PAD
    badge_w = inner - 40
    if step.service_level is None:
        badge = ["Уровень сервиса", "не указан"]
    else:
        name = levels[step.service_level - 1] if step.service_level <= len(levels) else ""
        badge = [f"Уровень {step.service_level} из {len(levels)}"]
        badge += _fit(name, badge_w, SMALL, limits.badge)
    title = _fit(step.title, inner, TITLE, limits.other, bold=True)
    meta: list[tuple[list[str], str]] = []
    if step.channel:
        meta.append((_fit(f"Канал: {step.channel}", inner, SMALL, limits.other), MUTED))
    if step.role is not None:
        who = roles[step.role].title if step.role in roles else step.role
        meta.append((_fit(f"Исполнитель: {who}", inner, SMALL, limits.role), MUTED))
    timing = []
    if step.duration_days is not None:
        timing.append(f"срок {_days(step.duration_days)}")
    if step.client_minutes is not None:
        timing.append(f"время клиента {_minutes(step.client_minutes)}")
    if timing:
        text = "; ".join(timing)
        meta.append((wrap(text[0].upper() + text[1:], inner, SMALL), INK))
    if step.documents:
        meta.append((wrap(f"Документов от клиента: {len(step.documents)}", inner, SMALL), INK))
    with_client = _with_client(step, roles)
    if not with_client:
        meta.append((["Без участия клиента"], MUTED))
    elif is_in_person(step):
        meta.append((["Клиент приходит лично"], BAD))
    pains = []
    for pain in step.pains:
        text = problems.get(pain, pain)  # a problem by its number and statement, never its id
        pains.append(_fit(text, inner - 26, SMALL, limits.pain))
    card = _Card(step, number_, badge, title, meta, pains, with_client)
    card.height = _card_height(card)
    return card


def _card_height(card: _Card) -> float:
    small, title = _line_height(SMALL), _line_height(TITLE)
    height = PAD + max(len(card.badge) * small + 8, 26) + 8
    height += len(card.title) * title + 6
    height += sum(len(lines) * small + 3 for lines, _ in card.meta)
    for pain in card.pains:
        height += len(pain) * small + 10 + 4
    return height + PAD


def _draw_card(svg: _Svg, card: _Card, x: float, y: float, levels: int) -> None:
    step = card.step
    colour = level_colour(step.service_level, levels)
    svg.add(
        "rect",
        x=x,
        y=y,
        width=COL_W,
        height=card.height,
        rx=8,
        fill=level_colour(step.service_level, levels, tint=0.9),
        stroke=colour,
        stroke_width=1.5,
        **({"stroke_dasharray": "6 4"} if not card.with_client else {}),
    )
    svg.add("rect", x=x, y=y + 8, width=5, height=card.height - 16, rx=2, fill=colour)
    inner = COL_W - 2 * PAD
    cy = y + PAD
    small = _line_height(SMALL)
    badge_h = max(len(card.badge) * small + 8, 26)
    # The step number in a circle, then the level badge beside it.
    svg.add("circle", cx=x + PAD + 11, cy=cy + 13, r=11, fill=colour)
    svg.add(
        "text",
        str(card.number),
        x=x + PAD + 11,
        y=cy + 17.5,
        font_size=SMALL + 1,
        font_weight="bold",
        fill="#ffffff",
        text_anchor="middle",
    )
    svg.add(
        "rect",
        x=x + PAD + 28,
        y=cy,
        width=inner - 28,
        height=badge_h,
        rx=5,
        fill=level_colour(step.service_level, levels, tint=0.7),
    )
    svg.text_lines(card.badge, x + PAD + 34, cy + 3, SMALL)
    cy += badge_h + 8
    cy += svg.text_lines(card.title, x + PAD, cy, TITLE, bold=True) + 6
    for lines, fill in card.meta:
        cy += svg.text_lines(lines, x + PAD, cy, SMALL, fill=fill) + 3
    for pain in card.pains:
        height = len(pain) * small + 10
        svg.add("rect", x=x + PAD, y=cy, width=inner, height=height, rx=5, fill=BAD_BG)
        svg.add("rect", x=x + PAD, y=cy, width=3, height=height, fill=BAD)
        svg.add("circle", cx=x + PAD + 13, cy=cy + 5 + SMALL * 0.65, r=7, fill=BAD)
        svg.add(
            "text",
            "!",
            x=x + PAD + 13,
            y=cy + 5 + SMALL * 0.65 + 4,
            font_size=SMALL,
            font_weight="bold",
            fill="#ffffff",
            text_anchor="middle",
        )
        svg.text_lines(pain, x + PAD + 26, cy + 3, SMALL, fill=BAD)
        cy += height + 4


def _cell_text(step: JourneyStep, lane: str) -> str:
    text: str = getattr(step, lane)
    return "" if text.strip() in ("", "—", "-", "–") else " ".join(text.split())


def journey_blueprint_svg(
    journey: Journey,
    *,
    service_levels: Sequence[str] = DEFAULT_SERVICE_LEVELS,
    roles: Sequence[Role] = (),
    problems: Mapping[str, str] | None = None,
    segment_labels: Mapping[str, str] | None = None,
) -> str:
    """Draw a journey's service blueprint as SVG.

    Parameters
    ----------
    journey
        The journey; each step becomes a column.
    service_levels
        The study's service ladder: names the levels and colours them red → green.
    roles
        The study's roles: their titles name the performer; a step of a role that is not the
        applicant with zero client time is drawn dashed, «без участия клиента».
    problems
        Problem id → how the card names it (ids alone otherwise).
    segment_labels
        Segment key → label for the heading of a personalised journey.

    Returns
    -------
    str
        A standalone ``<svg>`` document; its width grows with the number of steps.
    """
    return _draw(
        journey,
        service_levels,
        roles,
        problems or {},
        segment_labels or {},
        _Steps(0, len(journey.steps)),
        [_Limits()] * len(journey.steps),
    )


@dataclass(frozen=True)
class _Steps:
    """The steps a drawing shows: ``journey.steps[start:stop]``."""

    start: int
    stop: int


def _width(steps: int, margin: float, min_width: float) -> float:
    n = max(steps, 1)
    return max(2 * margin + LABEL_W + 2 * LANE_PAD + n * COL_W + (n - 1) * GAP, min_width)


def _draw(
    journey: Journey,
    service_levels: Sequence[str],
    roles: Sequence[Role],
    problems: Mapping[str, str],
    labels: Mapping[str, str],
    shown: _Steps,
    limits: Sequence[_Limits],
    *,
    margin: float = MARGIN,
    min_width: float = 900.0,
) -> str:
    role_of = {r.id: r for r in roles}
    steps = journey.steps[shown.start : shown.stop]
    levels = len(service_levels)
    grid_x = float(margin + LABEL_W + LANE_PAD)
    width = _width(len(steps), margin, min_width)
    svg = _Svg()

    # Heading: title, kind and segments, metrics.
    y = float(margin)
    heading = wrap(journey.title, width - 2 * margin, 18, bold=True)
    for line in heading:
        svg.add("text", line, x=margin, y=y + 18, font_size=18, font_weight="bold", fill=INK)
        y += _line_height(18)
    kind = "Текущий путь" if journey.kind is JourneyKind.current else "Целевой путь"
    whom = (
        "сегменты: " + ", ".join(labels.get(s, s) for s in journey.segments)
        if journey.segments
        else "для всех клиентов"
    )
    m = journey_metrics(journey, service_levels)
    part = ""
    if (shown.start, shown.stop) != (0, len(journey.steps)):
        part = " · " + _steps_label(shown.start + 1, shown.stop, len(journey.steps))
    facts = [
        f"{kind} · {whom}{part}",
        f"Шагов: {m.steps} · личных посещений: {m.in_person_visits} · документов от клиента: "
        f"{m.documents} · срок: {_total(m.duration_days, m.steps_without_duration, _days)} · "
        f"время клиента: "
        f"{_total(m.client_minutes, m.steps_without_client_time, _minutes, 'не указано')} · "
        f"проактивных шагов: {percent(m.proactive_share)}",
    ]
    for fact in facts:
        lines = wrap(fact, width - 2 * margin, SIZE)
        y += svg.text_lines(lines, margin, y + 4, SIZE, fill=MUTED) + 2
    y += 14

    # Measure the lanes.
    cards = [
        _measure_card(s, i, service_levels, role_of, problems, lim)
        for i, (s, lim) in enumerate(zip(steps, limits, strict=True), shown.start + 1)
    ]
    cells: dict[str, list[list[str]]] = {}
    for key, _ in LANES:
        if key != "client":
            cells[key] = [
                _fit(_cell_text(s, key), COL_W - 2 * PAD, SIZE, lim.other)
                for s, lim in zip(steps, limits, strict=True)
            ]
    label_lines = {key: wrap(label, LABEL_W - 2 * PAD, SIZE, bold=True) for key, label in LANES}
    heights: dict[str, float] = {}
    for key, _ in LANES:
        if key == "client":
            content = max((c.height for c in cards), default=0.0)
        else:
            content = max(
                (len(lines) * _line_height(SIZE) + 2 * PAD for lines in cells[key] if lines),
                default=0.0,
            )
        label_h = len(label_lines[key]) * _line_height(SIZE)
        heights[key] = max(MIN_LANE, content + 2 * LANE_PAD, label_h + 2 * LANE_PAD + 16)

    # Lanes: background, label, contents.
    tops: dict[str, float] = {}
    top = y
    for index, (key, _) in enumerate(LANES):
        tops[key] = top
        h = heights[key]
        svg.add(
            "rect", x=margin, y=top, width=width - 2 * margin, height=h, fill=LANE_BG[index % 2]
        )
        svg.add("rect", x=margin, y=top, width=LABEL_W, height=h, fill="#e9eef5")
        text_h = len(label_lines[key]) * _line_height(SIZE)
        svg.text_lines(label_lines[key], margin + PAD, top + (h - text_h) / 2 - 2, SIZE, bold=True)
        for i in range(len(steps)):
            x = grid_x + i * (COL_W + GAP)
            if key == "client":
                _draw_card(svg, cards[i], x, top + LANE_PAD, levels)
                if i + 1 < len(steps):
                    ay = top + LANE_PAD + 22
                    svg.add(
                        "line",
                        x1=x + COL_W + 3,
                        y1=ay,
                        x2=x + COL_W + GAP - 5,
                        y2=ay,
                        stroke=ACCENT,
                        stroke_width=2,
                        marker_end="url(#sp-arrow)",
                    )
                continue
            lines = cells[key][i]
            if not lines:
                continue
            box_h = len(lines) * _line_height(SIZE) + 2 * PAD
            svg.add(
                "rect",
                x=x,
                y=top + LANE_PAD,
                width=COL_W,
                height=box_h,
                rx=6,
                fill="#ffffff",
                stroke=LINE,
            )
            svg.text_lines(lines, x + PAD, top + LANE_PAD + PAD - 2, SIZE)
        top += h
    bottom = top
    svg.add(
        "rect",
        x=margin,
        y=y,
        width=width - 2 * margin,
        height=bottom - y,
        fill="none",
        stroke=LINE,
    )

    # The three lines, each labelled on a pill in the label column.
    for lane_index, label, dash in LINES:
        line_y = tops[LANES[lane_index][0]]
        attrs: dict[str, str | float] = {"stroke": ACCENT, "stroke_width": 2}
        if dash:
            attrs["stroke_dasharray"] = dash
        svg.add("line", x1=margin, y1=line_y, x2=width - margin, y2=line_y, **attrs)
        pill_w = text_width(label, SMALLEST) + 14
        svg.add(
            "rect",
            x=margin + 6,
            y=line_y - 9,
            width=pill_w,
            height=18,
            rx=9,
            fill="#ffffff",
            stroke=ACCENT,
        )
        svg.add(
            "text",
            label,
            x=margin + 13,
            y=line_y + 4,
            font_size=SMALLEST,
            font_style="italic",
            fill=ACCENT,
        )

    # Legend: the service ladder's colours, pains, steps without the client.
    y = bottom + 18
    x = float(margin)
    for level, name in enumerate(service_levels, start=1):
        item = f"{level} — {name}"
        item_w = 22 + text_width(item, SMALL) + 18
        if x + item_w > width - margin:
            x, y = float(margin), y + 22
        svg.add("rect", x=x, y=y, width=16, height=16, rx=3, fill=level_colour(level, levels))
        svg.add("text", item, x=x + 22, y=y + 12.5, font_size=SMALL, fill=INK)
        x += item_w
    y += 24
    x = float(margin)
    svg.add("rect", x=x, y=y, width=16, height=16, rx=3, fill=BAD_BG, stroke=BAD)
    svg.add("text", "проблема клиента на шаге", x=x + 22, y=y + 12.5, font_size=SMALL, fill=INK)
    x += 22 + text_width("проблема клиента на шаге", SMALL) + 24
    svg.add(
        "rect",
        x=x,
        y=y,
        width=16,
        height=16,
        rx=3,
        fill="#ffffff",
        stroke=MUTED,
        stroke_dasharray="4 3",
    )
    svg.add("text", "шаг без участия клиента", x=x + 22, y=y + 12.5, font_size=SMALL, fill=INK)
    height = y + 16 + margin

    title = f"Схема обслуживания: {journey.title}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(float(width))}" '
        f'height="{_fmt(float(height))}" viewBox="0 0 {_fmt(float(width))} {_fmt(float(height))}" '
        f'role="img" aria-labelledby="sp-blueprint-title" font-family={quoteattr(FONT)}>'
        f'<title id="sp-blueprint-title">{escape(title)}</title>'
        '<defs><marker id="sp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ACCENT}"/></marker>'
        "</defs>"
        f'<rect x="0" y="0" width="{_fmt(float(width))}" height="{_fmt(float(height))}" '
        'fill="#ffffff"/>'
    )
    return "\n".join([head, *svg.parts, "</svg>"]) + "\n"


def _steps_label(first: int, last: int, steps: int) -> str:
    """«шаги 3–4 из 9», «шаг 5 из 5»: the steps ``first`` to ``last`` (from 1) of ``steps``."""
    if first == last:
        return f"шаг {first} из {steps}"
    return f"шаги {first}–{last} из {steps}"


def _segment_labels(study: Study, journey: Journey) -> dict[str, str]:
    """The journey's segments by the study's labels («Канал подачи: Офис», not «channel=office»)."""
    return {key: segment_name(study.features, key) for key in journey.segments}


def _study_journey(study: Study, journey_id: str) -> tuple[Journey, dict[str, str]]:
    """The study's journey without the pains research refuted, and problem id → statement."""
    refuted = {h.id for h in study.hypotheses if h.status is HypothesisStatus.refuted}
    for journey in study.journeys:
        if journey.id == journey_id:
            steps = [
                s.model_copy(update={"pains": [p for p in s.pains if p not in refuted]})
                for s in journey.steps
            ]
            problems = {h.id: hypothesis_name(study, h.id, 10_000) for h in study.hypotheses}
            return journey.model_copy(update={"steps": steps}), problems
    known = ", ".join(j.id for j in study.journeys) or "нет ни одного"
    raise NotFound(f"путь «{journey_id}» не найден; известные пути: {known}")


def blueprint_svg(
    study: Study, journey_id: str, *, segment_labels: Mapping[str, str] | None = None
) -> str:
    """The service blueprint of one of the study's journeys (see :func:`journey_blueprint_svg`).

    Pains are shown with their problem statements numbered as the report numbers hypotheses
    («№ 7. …»), except problems research refuted; roles and the service ladder are the study's;
    segments are named by their labels unless ``segment_labels`` names them.

    Raises
    ------
    NotFound
        The study has no journey with this id.
    """
    journey, problems = _study_journey(study, journey_id)
    return journey_blueprint_svg(
        journey,
        service_levels=study.service_levels,
        roles=study.roles,
        problems=problems,
        segment_labels=segment_labels or _segment_labels(study, journey),
    )


_SVG_SIZE = re.compile(r'<svg[^>]*?\swidth="(?P<w>[\d.]+)"\s+height="(?P<h>[\d.]+)"')


def printed_points(svg: str, width_mm: float) -> float:
    """The size in points of the smallest text of a blueprint ``svg`` printed ``width_mm`` wide."""
    size = _SVG_SIZE.search(svg)
    if size is None:
        raise ValueError("not a blueprint drawing: the svg has no width")
    return SMALLEST * width_mm / float(size["w"]) / PT_MM


@dataclass(frozen=True)
class BlueprintPart:
    """A printed part of a blueprint: the drawing of consecutive steps and its printed size."""

    svg: str
    first: int  # the number of its first step, from 1
    last: int
    steps: int  # of the whole journey
    width_mm: float

    @property
    def label(self) -> str:
        """«шаги 3–4 из 9», «шаг 5 из 5»; empty when the part is the whole journey."""
        if (self.first, self.last) == (1, self.steps):
            return ""
        return _steps_label(self.first, self.last, self.steps)


def blueprint_parts(
    study: Study, journey_id: str, *, segment_labels: Mapping[str, str] | None = None
) -> list[BlueprintPart]:
    """The blueprint for print: parts of as many consecutive steps as a page of
    :data:`PRINT_AREA_MM` holds with no text under :data:`MIN_PRINT_PT`, each with the width it
    is printed at (the DOCX and the PDF place them so).

    Texts are wrapped in full where the part then fits its page; a part too tall for it keeps
    fewer lines of each text (the journey's step table in the report has them whole). Only a
    step with more texts than a page holds even so is printed smaller than 8 pt.
    """
    journey, problems = _study_journey(study, journey_id)
    area_w, area_h = PRINT_AREA_MM
    scale = MIN_PRINT_PT * PT_MM / SMALLEST  # mm per drawing unit at the smallest print
    per_part = 1
    while _width(per_part + 1, _PRINT_MARGIN, 0.0) * scale <= area_w:
        per_part += 1
    total = len(journey.steps)
    parts = []
    for start in range(0, max(total, 1), per_part):
        shown = _Steps(start, min(start + per_part, total))

        def draw(limits: list[_Limits], shown: _Steps = shown) -> tuple[str, float, bool]:
            svg = _draw(
                journey,
                study.service_levels,
                study.roles,
                problems,
                segment_labels or _segment_labels(study, journey),
                shown,
                limits,
                margin=_PRINT_MARGIN,
                min_width=0.0,
            )
            size = _SVG_SIZE.search(svg)
            if size is None:  # our own drawing always has its size: a bug, said plainly
                raise RuntimeError("blueprint drawing without a width and height")
            w, h = float(size["w"]), float(size["h"])
            width_mm = min(area_w, area_h * w / h)
            return svg, width_mm, printed_points(svg, width_mm) >= MIN_PRINT_PT

        # The fewest lines to cut for all the part's steps; then each step gets back as many
        # as the page leaves room for (a short step need not be cut beside a long one).
        n = shown.stop - shown.start
        for limit in _PRINT_LIMITS:
            limits = [_Limits.all(limit)] * n
            svg, width_mm, fits = draw(limits)
            if fits:
                break
        if fits and limit is not None:
            for i in range(n):
                for more in _PRINT_LIMITS[: _PRINT_LIMITS.index(limit)]:
                    trial = [*limits[:i], _Limits.all(more), *limits[i + 1 :]]
                    drawn = draw(trial)
                    if drawn[2]:
                        limits, (svg, width_mm, fits) = trial, drawn
                        break
        parts.append(BlueprintPart(svg, shown.start + 1, shown.stop, total, width_mm))
    return parts
