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
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from segprofile.analysis.journeys import is_in_person, journey_metrics
from segprofile.errors import NotFound
from segprofile.model.labels import segment_name
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

__all__ = ["LANES", "blueprint_svg", "journey_blueprint_svg", "level_colour", "wrap"]

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


def _total(value: float | None, missing: int, unit: Callable[[float], str]) -> str:
    """A journey's total time: «не указан» when no step has one (never «0»), and how many steps it
    leaves out when some have none: «12 дн. (не указан у 2 шагов)»."""
    if value is None:
        return "не указан"
    if not missing:
        return unit(value)
    return f"{unit(value)} (не указан у {plural(missing, 'шага', 'шагов', 'шагов')})"


def _with_client(step: JourneyStep, roles: Mapping[str, Role]) -> bool:
    role = roles.get(step.role) if step.role is not None else None
    if role is not None and role.kind is RoleKind.applicant:
        return True
    return step.client_minutes != 0


def _measure_card(
    step: JourneyStep,
    number_: int,
    levels: Sequence[str],
    roles: Mapping[str, Role],
    problems: Mapping[str, str],
) -> _Card:
    inner = COL_W - 2 * PAD
    badge_w = inner - 40
    if step.service_level is None:
        badge = ["Уровень сервиса", "не указан"]
    else:
        name = levels[step.service_level - 1] if step.service_level <= len(levels) else ""
        badge = [f"Уровень {step.service_level} из {len(levels)}"]
        badge += _clip(wrap(name, badge_w, SMALL), 3, badge_w, SMALL)
    title = wrap(step.title, inner, TITLE, bold=True)
    meta: list[tuple[list[str], str]] = []
    if step.channel:
        meta.append((wrap(f"Канал: {step.channel}", inner, SMALL), MUTED))
    if step.role is not None:
        who = roles[step.role].title if step.role in roles else step.role
        meta.append((_clip(wrap(f"Исполнитель: {who}", inner, SMALL), 2, inner, SMALL), MUTED))
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
        statement = problems.get(pain, "")
        text = statement or pain
        pains.append(_clip(wrap(text, inner - 26, SMALL), 3, inner - 26, SMALL))
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
    problems = problems or {}
    labels = segment_labels or {}
    role_of = {r.id: r for r in roles}
    steps = journey.steps
    n = max(len(steps), 1)
    levels = len(service_levels)
    grid_x = float(MARGIN + LABEL_W + LANE_PAD)
    width = max(grid_x + n * COL_W + (n - 1) * GAP + LANE_PAD + MARGIN, 900.0)
    svg = _Svg()

    # Heading: title, kind and segments, metrics.
    y = float(MARGIN)
    heading = wrap(journey.title, width - 2 * MARGIN, 18, bold=True)
    for line in heading:
        svg.add("text", line, x=MARGIN, y=y + 18, font_size=18, font_weight="bold", fill=INK)
        y += _line_height(18)
    kind = "Текущий путь" if journey.kind is JourneyKind.current else "Целевой путь"
    whom = (
        "сегменты: " + ", ".join(labels.get(s, s) for s in journey.segments)
        if journey.segments
        else "для всех клиентов"
    )
    m = journey_metrics(journey, service_levels)
    facts = [
        f"{kind} · {whom}",
        f"Шагов: {m.steps} · личных посещений: {m.in_person_visits} · документов от клиента: "
        f"{m.documents} · срок: {_total(m.duration_days, m.steps_without_duration, _days)} · "
        f"время клиента: {_total(m.client_minutes, m.steps_without_client_time, _minutes)} · "
        f"проактивных шагов: {percent(m.proactive_share)}",
    ]
    for fact in facts:
        lines = wrap(fact, width - 2 * MARGIN, SIZE)
        y += svg.text_lines(lines, MARGIN, y + 4, SIZE, fill=MUTED) + 2
    y += 14

    # Measure the lanes.
    cards = [_measure_card(s, i, service_levels, role_of, problems) for i, s in enumerate(steps, 1)]
    cells: dict[str, list[list[str]]] = {}
    for key, _ in LANES:
        if key != "client":
            cells[key] = [wrap(_cell_text(s, key), COL_W - 2 * PAD, SIZE) for s in steps]
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
            "rect", x=MARGIN, y=top, width=width - 2 * MARGIN, height=h, fill=LANE_BG[index % 2]
        )
        svg.add("rect", x=MARGIN, y=top, width=LABEL_W, height=h, fill="#e9eef5")
        text_h = len(label_lines[key]) * _line_height(SIZE)
        svg.text_lines(label_lines[key], MARGIN + PAD, top + (h - text_h) / 2 - 2, SIZE, bold=True)
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
        x=MARGIN,
        y=y,
        width=width - 2 * MARGIN,
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
        svg.add("line", x1=MARGIN, y1=line_y, x2=width - MARGIN, y2=line_y, **attrs)
        pill_w = text_width(label, 10) + 14
        svg.add(
            "rect",
            x=MARGIN + 6,
            y=line_y - 8,
            width=pill_w,
            height=16,
            rx=8,
            fill="#ffffff",
            stroke=ACCENT,
        )
        svg.add(
            "text",
            label,
            x=MARGIN + 13,
            y=line_y + 3.5,
            font_size=10,
            font_style="italic",
            fill=ACCENT,
        )

    # Legend: the service ladder's colours, pains, steps without the client.
    y = bottom + 18
    x = float(MARGIN)
    for level, name in enumerate(service_levels, start=1):
        item = f"{level} — {name}"
        item_w = 22 + text_width(item, SMALL) + 18
        if x + item_w > width - MARGIN:
            x, y = float(MARGIN), y + 22
        svg.add("rect", x=x, y=y, width=16, height=16, rx=3, fill=level_colour(level, levels))
        svg.add("text", item, x=x + 22, y=y + 12.5, font_size=SMALL, fill=INK)
        x += item_w
    y += 24
    x = float(MARGIN)
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
    height = y + 16 + MARGIN

    title = f"Сервисный чертёж: {journey.title}"
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
    refuted = {h.id for h in study.hypotheses if h.status is HypothesisStatus.refuted}
    for journey in study.journeys:
        if journey.id == journey_id:
            steps = [
                s.model_copy(update={"pains": [p for p in s.pains if p not in refuted]})
                for s in journey.steps
            ]
            return journey_blueprint_svg(
                journey.model_copy(update={"steps": steps}),
                service_levels=study.service_levels,
                roles=study.roles,
                problems={
                    h.id: f"№ {n}. {h.statement}" for n, h in enumerate(study.hypotheses, start=1)
                },
                segment_labels=segment_labels
                or {key: segment_name(study.features, key) for key in journey.segments},
            )
    known = ", ".join(j.id for j in study.journeys) or "нет ни одного"
    raise NotFound(f"путь «{journey_id}» не найден; известные пути: {known}")
