"""The report model (M-13): sections of headings, paragraphs, tables and figures.

Built once from a Study and its Profile, with small-cell suppression already applied, and then
written out as DOCX, XLSX, HTML or PDF by the sibling modules. Writers never look at the Profile
themselves, so no format can show a number the model has hidden.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import altair as alt
import pandas as pd
import vl_convert as vlc

from segprofile.analysis.rules import rule_in_words
from segprofile.analysis.suppression import (
    UNSUPPRESSED_BANNER,
    hidden_keys,
    hidden_text,
    suppress,
    unsuppressed,
)
from segprofile.model.checks import SEVERITY_LABELS, check_study
from segprofile.model.format import fewer
from segprofile.model.journey_links import journey_links
from segprofile.model.labels import (
    CLIENTS,
    DELETED_HYPOTHESIS,
    PRIORITY_PARTS,
    hypothesis_names,
    profile_unit,
    ru,
    segment_name,
)
from segprofile.model.results import (
    ClusterCrosstab,
    ClusterResult,
    ClusterStats,
    Hidden,
    NpsStats,
    PortraitField,
    PrioritySummary,
    Profile,
    SatisfactionStats,
    SegmentStats,
    SourceTopics,
    SurveyStats,
    VulnerableGroupRow,
    known,
)
from segprofile.model.study import (
    ClientType,
    EvidenceKind,
    Hypothesis,
    Journey,
    Requisites,
    RespondentStatus,
    RoleKind,
    Study,
)
from segprofile.report import charts
from segprofile.report.blueprint import BlueprintPart, blueprint_parts, blueprint_svg
from segprofile.report.format import (
    NBSP,
    interval_percent,
    local_today,
    number,
    percent,
    ru_date,
    ru_datetime,
    share_percent,
)

log = logging.getLogger(__name__)

ColumnKind = Literal["text", "int", "num1", "num2", "pct", "pct1"]


@dataclass(frozen=True)
class Suppressed:
    """A cell hidden to protect small groups; ``text`` says why («скрыто: меньше 5»…)."""

    text: str = "скрыто"

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = Suppressed()
SUPPRESSED_TEXT = "скрыто"
NO_SURVEY_RATINGS = "не считается: в опросе нет оценок удовлетворённости"
"""What the reports say for the survey's CSAT when its answers hold no rating (a survey of
yes/no questions checking hypotheses, M-9): in words, not a dash that reads as a figure lost."""

CellValue = str | int | float | None | Suppressed


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind = "text"
    width: int = 14  # characters, for XLSX


@dataclass
class Paragraph:
    text: str
    style: Literal["", "note", "warn", "item"] = ""


@dataclass
class Heading:
    text: str
    level: int = 3


@dataclass
class Table:
    """A table: raw values by column kind; writers format them (or keep numbers numeric)."""

    name: str
    caption: str
    columns: list[Column]
    rows: list[list[CellValue]] = field(default_factory=list)
    # «profile» tables are the wide segment table meant for XLSX; the other writers skip them.
    formats: frozenset[str] = frozenset({"docx", "xlsx", "html"})


@dataclass
class Figure:
    title: str
    svg: str
    kind: Literal["chart", "blueprint"] = "chart"
    note: str = ""
    # A blueprint as printed (DOCX, PDF): parts of consecutive steps, each on a page of its own
    # at a width its smallest text reads at 8 pt; the screen shows ``svg`` whole.
    parts: list[BlueprintPart] = field(default_factory=list)

    def png(self, scale: float = 2.0) -> bytes:
        """The figure as PNG (vl-convert's own SVG renderer: offline, no browser)."""
        data: bytes = vlc.svg_to_png(self.svg, scale=scale)
        return data


Block = Paragraph | Heading | Table | Figure

#: The most columns a table printed on A4 landscape keeps readable (DOCX, PDF).
PAGE_COLUMNS = 12


def page_parts(table: Table, most: int = PAGE_COLUMNS) -> list[Table]:
    """A table too wide for a printed page as parts of at most ``most`` columns, each repeating
    the first (the row's name) and saying which part it is; a narrow table as itself. The XLSX
    keeps the whole table."""
    if len(table.columns) <= most:
        return [table]
    step = most - 1
    starts = range(1, len(table.columns), step)
    parts = []
    for n, start in enumerate(starts, start=1):
        keep = [0, *range(start, min(start + step, len(table.columns)))]
        parts.append(
            Table(
                f"{table.name}-{n}",
                f"{table.caption} (часть {n} из {len(starts)})",
                [table.columns[i] for i in keep],
                [[row[i] for i in keep] for row in table.rows],
                table.formats,
            )
        )
    return parts


@dataclass
class Section:
    id: str
    title: str
    mcodes: tuple[str, ...] = ()
    blocks: list[Block] = field(default_factory=list)
    short: str = ""  # a sheet name (at most 31 characters in XLSX)
    #: On the web page the section's body is folded under this line (an auditor's details, not
    #: an analyst's reading); empty: shown open. Printed and filed outputs show it whole.
    folded: str = ""

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


_BLANK = "_" * 24  # a line to write on by hand
_SIGN = "_" * 16  # the signature's place


@dataclass(frozen=True)
class TitlePage:
    """The filed document's title page and executor's mark (ГОСТ Р 7.0.97-2016), as lines of text:
    an empty requisite is a line to write on by hand."""

    organisation: list[str]  # the organisation, then its unit
    approval: list[str]  # «УТВЕРЖДАЮ», position, signature and name, date
    kind: str  # the document's kind, in capitals
    title: str
    date_number: str  # «01.12.2026 № 15-П»
    place: str  # the place and the year at the foot of the page, as ГОСТ 7.32: «Тверь 2026»
    executor: list[str]  # the executor's mark on the last page; empty when nobody is named
    # The same requisites one by one, for a body's own template (``report.template``).
    number: str = ""  # the registration number, or a line to write it on
    date: str = ""  # the document's date, or a line
    year: str = ""
    approver_position: str = ""
    approver_name: str = ""
    requisites: Requisites = field(default_factory=Requisites)


def title_page(study: Study, kind: str, year: int) -> TitlePage:
    """The title page of ``study``'s report from its requisites (M-13)."""
    req = study.requisites
    organisation = [req.organisation or study.scope.body or _BLANK]
    if req.unit:
        organisation.append(req.unit)
    approver_position = req.approver.position or _BLANK
    approver_name = req.approver.name or _BLANK
    approval = [
        "УТВЕРЖДАЮ",
        approver_position,
        f"{_SIGN} {approver_name}",
        f"«___» {'_' * 12} {year} г.",
    ]
    date = ru_date(req.document_date) if req.document_date else _BLANK
    number = req.document_number or "_" * 8
    year_text = str(req.document_date.year if req.document_date else year)
    executor = [
        line for line in (req.executor.name, req.executor.position, req.executor.contacts) if line
    ]
    if executor:
        executor.insert(0, "Исполнитель:")
    return TitlePage(
        organisation=organisation,
        approval=approval,
        kind=kind.upper(),
        title=req.document_title or study.title,
        date_number=f"{date} № {number}",
        place=f"{req.place} {year_text}" if req.place else year_text,
        executor=executor,
        number=number,
        date=date,
        year=year_text,
        approver_position=approver_position,
        approver_name=approver_name,
        requisites=req,
    )


@dataclass
class Report:
    title: str
    kicker: str
    meta: list[tuple[str, str]]
    sections: list[Section]
    suppression_rule: str
    suppressed: frozenset[str]
    internal: bool = False
    banner: str = ""  # on every page of an unsuppressed output (an owner's explicit request)
    title_page: TitlePage | None = None

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


def format_cell(value: CellValue, kind: ColumnKind) -> str:
    """A cell as Russian text: 12 345,6; 34 %; «—» for no value; «скрыто» for a hidden one."""
    if isinstance(value, Suppressed):
        return value.text
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if kind == "int":
        return number(value)
    if kind == "num1":
        return number(value, 1)
    if kind == "num2":
        return number(value, 2)
    if kind == "pct":
        return percent(value)
    if kind == "pct1":
        return share_percent(value, 1)
    return number(value, 2) if isinstance(value, float) else str(value)


# --- Printed tables (DOCX, PDF) ---------------------------------------------------------------

#: How many characters a table's line holds printed on A4 landscape (DOCX: 26,5 cm, PDF: 27,3 cm
#: of text at 8,5 pt DejaVu Sans, about 0,6 em a character), a cell's padding included.
PRINT_LINE = 147
_CELL_PADDING = 2.5  # characters: a cell's left and right padding (DOCX 2 × 0,19 cm, PDF 2 × 8px)
#: A word is hyphenated (Russian rules) rather than cut anywhere: a column is at least this
#: many characters wide, so «Запланирована» breaks as «Заплани-рована», not a letter a line.
_WORD = 9
_NUMBER = 16  # characters: a longer «number» (a code, a list of figures) may break
#: A number, a date, «12,5 %», «210‑ФЗ»: printed on one line, never broken inside.
_WHOLE = re.compile(r"\d[\d.,:/%\u2011\u00a0\u202f]*")
# The ways a line could break inside a number, and their no-break forms: a hyphen next to a
# digit («210-ФЗ», «2026-12-01») the non-breaking hyphen U+2011; a space after a digit («5
# рабочих дней», «10 000») or after «№» a no-break space.
_NO_BREAK = (
    (re.compile(r"(?<=\d)-(?=\w)|(?<=\w)-(?=\d)"), "\u2011"),
    (re.compile(r"(?<=\d) (?=[\w%])|(?<=№) (?=\d)"), NBSP),
)


def print_text(text: str) -> str:
    """A cell's text as printed: no line break inside a number or a date, nor between a number
    and its unit or «№» and its number (the XLSX and the CSVs keep the text as written)."""
    for pattern, replacement in _NO_BREAK:
        text = pattern.sub(replacement, text)
    return text


def _least_chars(text: str, wide: float = 1.0) -> float:
    """The narrowest a cell can be printed, in characters: its longest number or date on one
    line, its words at least :data:`_WORD` letters wide (a word's letters are a tenth wider than
    the average character of a line, its spaces counted); ``wide``: bold letters' width."""
    least = 0.0
    for word in re.split(r"[ \t\r\n]+", text):  # a no-break space joins
        longest = max(map(len, _WHOLE.findall(word)), default=0)
        least = max(least, min(len(word), _WORD), min(longest, _NUMBER))
    return least * 1.1 * wide + _CELL_PADDING


def print_widths(table: Table) -> list[float]:
    """The columns' shares of a printed table's width (DOCX, PDF): as their :attr:`Column.width`
    shares, except that none is narrower than its widest number or date on one line (a «Срок»
    of 12 characters in a table of 266 would print «12.0 / 3.20 / 27») — the others give way."""
    least = [
        max(
            [
                _least_chars(print_text(c.title), wide=1.2),  # the header is bold
                *(_least_chars(print_text(format_cell(row[i], c.kind))) for row in table.rows),
            ]
        )
        for i, c in enumerate(table.columns)
    ]
    fixed: set[int] = set()
    while True:
        free = [i for i in range(len(least)) if i not in fixed]
        room = PRINT_LINE - sum(least[i] for i in fixed)
        weight = sum(table.columns[i].width for i in free)
        if room <= 0 or not free or weight <= 0:
            widths = least
            break
        scale = room / weight
        narrow = {i for i in free if table.columns[i].width * scale < least[i]}
        if not narrow:
            widths = [
                least[i] if i in fixed else table.columns[i].width * scale
                for i in range(len(least))
            ]
            break
        fixed |= narrow
    total = sum(widths)
    return [w / total for w in widths]


# --- Suppression (the rules live in analysis.suppression; this only shows them) ---------------


def masked_profile(profile: Profile, hidden: frozenset[str]) -> Profile:
    """The published profile without hidden segments (charts draw every segment they get)."""
    return profile.model_copy(
        update={
            "by_feature": [
                fs.model_copy(update={"segments": [s for s in fs.segments if s.key not in hidden]})
                for fs in profile.by_feature
            ],
            "cross": [
                cs.model_copy(update={"segments": [s for s in cs.segments if s.key not in hidden]})
                for cs in profile.cross
            ],
        }
    )


# --- Building ------------------------------------------------------------------------------------


def _svg_figure(title: str, make: Callable[[], alt.TopLevelMixin | None]) -> Figure | None:
    """A chart figure; a chart that cannot be drawn is left out, never fatal."""
    try:
        chart = make()
        return None if chart is None else Figure(title, charts.to_svg(chart, title))
    except (ValueError, RuntimeError) as exc:
        log.warning("chart skipped: %s", type(exc).__name__)
        return None


def _svg_figures(
    items: Sequence[tuple[str, Callable[[], alt.TopLevelMixin | None]]],
) -> list[Figure | None]:
    """Several charts at once: vl-convert renders in Rust outside the GIL, so threads help."""
    workers = max(1, min(4, os.cpu_count() or 1, len(items)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda item: _svg_figure(*item), items))


def _interval(low: float | None, high: float | None, scale: float = 1.0, pct: bool = True) -> str:
    if low is None or high is None:
        return "—"
    if pct:
        return interval_percent(low, high)
    return f"{number(low * scale)}…{number(high * scale)}"


def _traits(seg: SegmentStats, limit: int = 3) -> str:
    return "; ".join(
        f"{t.feature_label}: {t.label} ({percent(t.share_in_segment)} против "
        f"{percent(t.share_overall)})"
        for t in seg.distinctive[:limit]
    )


#: How the cluster centres were first placed (``ClusteringSettings.init``): «начальные центры …».
INIT_TEXT = {
    "cao": "по методу Цао",
    "huang": "по методу Хуана",
    "k-means++": "по методу k-средних++",
}
#: The engines that computed the profile, by their own names.
ENGINES = {"duckdb": "DuckDB", "pyspark": "Spark"}

ORIGIN_TEXT = {"data": "из данных", "interviews": "ждёт интервью", "team": "правка команды"}


def origin_text(field: PortraitField) -> str:
    """Where a persona or empathy-map field's text came from, in Russian (with its sources)."""
    text = ORIGIN_TEXT.get(field.origin, field.origin)
    if field.origin == "data" and field.notes:
        return f"{text}: {'; '.join(field.sources)}"
    return text


def evidence_text(h: Hypothesis) -> str:
    """What backs a hypothesis, as the report lists it: a quote only once the team confirmed it,
    with its (masked) words — a quote the program only proposed is no evidence yet; a survey's
    figures once, in the verdict's reason, not again as the survey's evidence."""
    reason = h.verdict_reason
    survey = re.match(r"Опрос «(.+?)»: ", reason)
    parts = []
    for e in h.evidence:
        if e.suggested:
            continue
        if survey and e.kind is EvidenceKind.survey and e.source.startswith(survey[1] + ", "):
            continue  # the verdict's reason states these figures
        text = f"{ru(e.kind)}: «{e.quote}»" if e.quote else f"{ru(e.kind)}: {e.summary}"
        parts.append(text + (f" ({e.source})" if e.source else ""))
    return "; ".join([*parts, reason] if reason else parts)


class _Builder:
    def __init__(self, profile: Profile, study: Study, *, figures: bool, raw: bool = False) -> None:
        # Every number below comes from the published profile: hidden ones are None.
        profile = unsuppressed(profile, study) if raw else suppress(profile, study)
        self.raw = raw
        self.profile = profile
        self.study = study
        self.figures = figures
        self.seg = study.segmentation
        self.hidden = hidden_keys(profile)
        self.visible = masked_profile(profile, self.hidden)
        # Clients or records (several rows a client): what every capacity is called.
        self.unit = profile_unit(profile)
        self.confidence = percent(self.seg.confidence)
        self.by_key = {s.key: s for fs in profile.by_feature for s in fs.segments}
        self.by_key |= {s.key: s for cs in profile.cross for s in cs.segments}
        self.feature_of = {s.key: fs.label for fs in profile.by_feature for s in fs.segments}
        self.acts = {a.id: a.title for a in study.scope.legal_acts}
        self.today = local_today()

    def name(self, key: str) -> str:
        seg = self.by_key.get(key)
        feature_id = key.partition("=")[0]
        shown = {fs.feature_id: fs.label for fs in self.profile.by_feature}
        if seg is None and "&" not in key and feature_id in shown:
            # A value of a feature in this run that the run does not show: among «Прочие
            # значения» (fewer than min_cell clients) or not in the data. Not named: a rare
            # value is never named (``analysis.suppression``).
            return (
                f"{shown[feature_id]}: значение не показывается (меньше "
                f"{number(self.seg.min_cell)} клиентов или нет в данных)"
            )
        if seg is None:  # not in this run: by the study's labels
            return segment_name(self.study.features, key)
        feature = self.feature_of.get(key)
        return f"{feature}: {seg.label}" if feature else seg.label

    def is_hidden(self, key: str) -> bool:
        return key in self.hidden

    def hide(self, reason: Hidden | None) -> Suppressed:
        """A hidden cell saying why."""
        return Suppressed(hidden_text(reason, self.seg.min_cell) or SUPPRESSED_TEXT)

    def rated(self, value: CellValue, sat: SatisfactionStats | SurveyStats | NpsStats) -> CellValue:
        """A statistic of ratings (or answers), or why it is hidden."""
        return self.hide(sat.hidden) if sat.hidden else value

    # sections ---------------------------------------------------------------------------------

    def scope(self) -> Section:
        study = self.study
        sec = Section(
            "scope",
            "Область, нормативные акты и источники данных",
            ("M-1",),
            short="Область и данные",
        )
        sec.add(
            Paragraph(
                f"{ru(study.scope.kind)}: {study.scope.title}."
                + (f" Орган: {study.scope.body}." if study.scope.body else "")
                + " Клиенты: "
                + ", ".join(CLIENTS[c] for c in study.scope.client_types)
                + "."
            )
        )
        if study.scope.description:
            sec.add(Paragraph(study.scope.description))
        acts = Table(
            "acts",
            "Нормативные правовые акты",
            [Column("НПА", width=50), Column("Реквизиты", width=40)],
            [[a.title, a.reference or "—"] for a in study.scope.legal_acts],
        )
        if acts.rows:
            sec.add(acts)
        else:
            sec.add(Paragraph("НПА не указаны.", "note"))
        rows_of = {f.source_id: f for f in self.profile.provenance.data_files}
        sources = Table(
            "data_sources",
            "Источники данных",
            [
                Column("Источник", width=30),
                Column("Вид", width=24),
                Column("Строк", "int", 12),
                Column("Версия", "int", 10),
            ],
        )
        for ds in study.data_sources:
            df = rows_of.get(ds.id)
            sources.rows.append(
                [
                    ds.title or ru(ds.kind),
                    ru(ds.kind),
                    df.rows if df else None,
                    df.version if df else None,
                ]
            )
        sec.add(sources)
        return sec

    def roles(self) -> Section:
        sec = Section("roles", "Роли и целевые аудитории", ("M-2",), short="Роли и аудитории")
        internal = [r for r in self.study.roles if r.kind is RoleKind.internal_client]
        if internal and ClientType.internal in self.study.scope.client_types:
            sec.add(
                Paragraph(
                    (
                        "Роль внутреннего клиента: "
                        if len(internal) == 1
                        else "Роли внутренних клиентов: "
                    )
                    + ", ".join(f"«{r.title}»" for r in internal)
                    + ". Клиенты — сотрудники и подразделения самой организации (M-14)."
                )
            )
        table = Table(
            "roles",
            "Роли и аудитории",
            [
                Column("Роль", width=28),
                Column("Тип", width=22),
                Column("Целевая аудитория", width=40),
                Column("Правовое основание", width=30),
                Column("Правило отбора", width=30),
            ],
        )
        for role in self.study.roles:
            aud = role.audience
            basis = (
                "; ".join(
                    self.acts.get(b.act, b.act) + (f", {b.article}" if b.article else "")
                    for b in aud.legal_basis
                )
                if aud
                else ""
            )
            table.rows.append(
                [
                    role.title + (f" — {role.description}" if role.description else ""),
                    ru(role.kind),
                    aud.description if aud else "—",
                    basis or "—",
                    self.rule_words(aud.eligibility_rule if aud else None),
                ]
            )
        if table.rows:
            sec.add(table)
        else:
            sec.add(Paragraph("Роли не описаны.", "note"))
        return sec

    def features(self) -> Section:
        sec = Section("features", "Признаки сегментации и их источники", ("M-3",), short="Признаки")
        table = Table(
            "features",
            "Признаки",
            [
                Column("Признак", width=30),
                Column("Тип", width=16),
                Column("Источник", width=22),
                Column("Обоснование", width=50),
            ],
        )
        for f in self.study.features:
            table.rows.append(
                [
                    f.label,
                    ru(f.type),
                    ru(f.source.kind) if f.source else "не указан",
                    f.source.reference if f.source and f.source.reference else "—",
                ]
            )
        return sec.add(table)

    def summary(self) -> Section:
        p, sat = self.profile, self.profile.satisfaction
        scale = self.seg.satisfaction
        sec = Section("summary", "Сводка", ("M-6",), short="Сводка")
        table = Table(
            "summary",
            "Сводка",
            [Column("Показатель", width=50), Column("Значение", width=24)],
            [
                *self._total_rows(),
                ["Оценок удовлетворённости", self.rated(number(sat.n), sat)],
                [
                    f"Средняя оценка (шкала {scale.scale_min}–{scale.scale_max})",
                    self.rated(number(sat.mean, 2), sat),
                ],
                [
                    f"CSAT — доля оценок {scale.csat_threshold} и выше",
                    self.rated(percent(sat.csat), sat),
                ],
                [
                    f"Интервал CSAT ({self.confidence})",
                    self.rated(
                        _interval(
                            sat.csat_interval.low if sat.csat_interval else None,
                            sat.csat_interval.high if sat.csat_interval else None,
                        ),
                        sat,
                    ),
                ],
            ],
        )
        if p.survey is not None:
            table.rows.append(
                ["Ответов в опросе (нулевой замер)", self.rated(number(p.survey.n), p.survey)]
            )
            csat = percent(p.survey.csat) if p.survey.csat is not None else NO_SURVEY_RATINGS
            table.rows.append(["CSAT по опросу", self.rated(csat, p.survey)])
            if p.survey.nps is not None:
                table.rows.append(["NPS по опросу", number(p.survey.nps * 100)])
        if p.nps is not None:
            nps = p.nps
            table.rows.append(["Ответов на вопрос NPS (0–10)", self.rated(number(nps.n), nps)])
            table.rows.append(
                [
                    "NPS — доля сторонников (9–10) минус доля критиков (0–6)",
                    self.rated(number(nps.nps * 100) if nps.nps is not None else "—", nps),
                ]
            )
        return sec.add(table)

    def _total_rows(self) -> list[list[CellValue]]:
        """The summary's size of the data: clients, or records and the clients behind them."""
        p = self.profile
        if not self.unit.records:
            return [["Клиентов в данных", number(p.total_clients)]]
        return [
            ["Записей в данных", number(p.total_clients)],
            [
                "Клиентов (разных идентификаторов)",
                number(p.distinct_clients)
                if p.distinct_clients is not None
                else self.hide("small"),
            ],
        ]

    def _clients_cell(
        self, group: SegmentStats | ClusterStats, clients: bool = True
    ) -> list[CellValue]:
        """The clients beside a capacity of records (none with one row a client); a group's
        clients are hidden with it (``analysis.suppression``). ``clients=False``: a table whose
        groups publish no clients (the cells of a pair of features)."""
        if not self.unit.records or not clients:
            return []
        return [SUPPRESSED if group.hidden else group.clients]

    def _size_text(self, group: SegmentStats | ClusterStats) -> str:
        """A shown group's size in a sentence: «36 клиентов» or «469 записей, 36 клиентов»."""
        clients = group.clients if self.unit.records else None
        return self.unit.count(known(group.capacity)) + (
            f", {self.unit.clients(clients)}" if clients else ""
        )

    def _capacity_columns(self, width: int, clients: bool = True) -> list[Column]:
        """The capacity column, with the clients beside it when it counts records."""
        return [
            Column(self.unit.column, "int", width),
            *(
                [Column(self.unit.clients_column, "int", width)]
                if self.unit.records and clients
                else []
            ),
        ]

    def _nps_cell(self, nps: NpsStats | None) -> CellValue:
        """A segment's NPS on −100…100, or why it is hidden (``None`` without answers)."""
        if nps is None:
            return None
        if nps.hidden:
            return self.hide(nps.hidden)
        return round(nps.nps * 100) if nps.nps is not None else None

    def _segment_columns(self, nps: bool = False, clients: bool = True) -> list[Column]:
        return [
            Column("Сегмент", width=36),
            *self._capacity_columns(12, clients),
            Column("Доля", "pct1", 10),
            Column("Оценок", "int", 10),
            Column("CSAT", "pct", 10),
            Column(f"ДИ CSAT ({self.confidence})", width=16),
            *([Column("NPS", "int", 8)] if nps else []),
            Column("Приоритет", "int", 10),
            Column("Чем отличается", width=60),
        ]

    def _segment_row(
        self, seg: SegmentStats, nps: bool = False, clients: bool = True
    ) -> list[CellValue]:
        if seg.hidden:
            return [
                seg.label,
                self.hide(seg.hidden),
                *self._clients_cell(seg, clients),
                *[SUPPRESSED] * (6 if nps else 5),
                "",
            ]
        s = seg.satisfaction
        return [
            seg.label,
            seg.capacity,
            *self._clients_cell(seg, clients),
            seg.share,
            self.rated(s.n, s),
            self.rated(s.csat, s),
            self.rated(
                _interval(
                    s.csat_interval.low if s.csat_interval else None,
                    s.csat_interval.high if s.csat_interval else None,
                ),
                s,
            ),
            *([self._nps_cell(seg.nps)] if nps else []),
            seg.priority.rank if seg.priority else None,
            _traits(seg),
        ]

    def segments(self) -> Section:
        sec = Section(
            "segments", "Сегменты по отдельным признакам", ("M-5", "M-6"), short="Сегменты"
        )
        size = (
            "Записей — число записей (строк данных) в сегменте: по ним считаются доля, CSAT и "
            "приоритет; клиентов — разных идентификаторов клиента в сегменте (у одного клиента "
            "бывает несколько записей)"
            if self.unit.records
            else "Ёмкость — число клиентов в сегменте"
        )
        sec.add(
            Paragraph(
                f"{size}; CSAT — доля оценок не ниже "
                f"{self.seg.satisfaction.csat_threshold} с интервалом Уилсона ({self.confidence})."
            ),
            Paragraph(self.rule_text(), "note"),
        )
        if self.profile.nps is not None:
            sec.add(
                Paragraph(
                    "NPS — ответы на вопрос «Насколько вероятно, что вы порекомендуете…» по шкале "
                    "от 0 до 10: доля сторонников (9–10) минус доля критиков (0–6), от −100 до 100."
                )
            )
        figures: list[Figure | None] = [None] * len(self.profile.by_feature)
        if self.figures:
            min_cell = self.seg.min_cell
            figures = _svg_figures(
                [
                    (
                        f"{fs.label}: ёмкость и CSAT",
                        partial(charts.capacity_csat, fs, min_cell=min_cell, unit=self.unit),
                    )
                    for fs in self.visible.by_feature
                ]
            )
        with_nps = self.profile.nps is not None
        for fs, fig in zip(self.profile.by_feature, figures, strict=True):
            sec.add(Heading(fs.label + (f" ({fs.binning})" if fs.binning else "")))
            sec.add(
                Table(
                    f"segments_{fs.feature_id}",
                    "",
                    self._segment_columns(nps=with_nps),
                    [self._segment_row(s, nps=with_nps) for s in fs.segments],
                )
            )
            if fig:
                sec.add(fig)
        for cs in self.profile.cross:
            sec.add(Heading(f"Перекрёстные сегменты: {cs.label}"))
            # The clients as published: none for the cells of a pair (``analysis.suppression``).
            people = any(s.clients is not None for s in cs.segments)
            sec.add(
                Table(
                    "cross_" + "_".join(cs.feature_ids),
                    "",
                    self._segment_columns(clients=people),
                    [self._segment_row(s, clients=people) for s in cs.segments],
                )
            )
        sec.add(self.profile_table())
        return sec

    # clusters (M-4) ----------------------------------------------------------------------------

    def clusters(self) -> Section | None:
        result = self.profile.clusters
        if result is None:
            return None
        sec = Section(
            "clusters", "Кластеры похожих клиентов и их портреты", ("M-4",), short="Кластеры"
        )
        choice = result.choice
        sec.add(
            Paragraph(
                f"Клиенты разбиты на группы похожих по признакам: "
                f"{', '.join(result.feature_labels)}. Модель обучена на выборке "
                f"{number(result.sample_size)} из {number(result.total_rows)} строк; затем "
                "каждая строка данных отнесена к ближайшей группе. Для специалистов: метод "
                f"k-прототипов, начальное значение генератора {result.random_state}, "
                f"начальные центры {INIT_TEXT.get(result.init, result.init)}, запусков "
                f"{result.n_init}, вес категориальных "
                f"признаков γ = {number(result.gamma, 2)}."
            ),
            Paragraph(choice.reason),
            Paragraph(choice.rule, "note"),
        )
        if self.figures:
            fig = _svg_figure("Выбор числа кластеров", partial(charts.k_diagnostics, choice))
            if fig:
                sec.add(fig)
        sec.add(
            Table(
                "k_diagnostics",
                "Показатели качества по k",
                [
                    Column("k", "int", 6),
                    Column("Стоимость", "num1", 14),
                    Column("Снижение от k − 1", "pct1", 14),
                    Column("Чёткость разделения групп (силуэт)", "num2", 14),
                    Column("Устойчивость при повторных запусках (ARI)", "num2", 14),
                    Column("Разброс устойчивости (σ)", "num2", 12),
                    Column("Самый малый кластер", "pct1", 14),
                ],
                [
                    [
                        d.k,
                        d.cost,
                        d.cost_drop,
                        d.silhouette,
                        d.stability,
                        d.stability_sd,
                        d.smallest_share,
                    ]
                    for d in choice.diagnostics
                ],
            )
        )
        sec.add(Paragraph(self.cluster_rule_text(), "note"))
        sec.add(
            Table(
                "clusters",
                "Кластеры",
                [
                    Column("Кластер", width=10),
                    Column("Портрет", width=50),
                    *self._capacity_columns(12),
                    Column("Доля", "pct1", 10),
                    Column("Оценок", "int", 10),
                    Column("CSAT", "pct", 10),
                    Column(f"ДИ CSAT ({self.confidence})", width=16),
                    Column("Определяющие черты", width=50),
                ],
                [self._cluster_row(c) for c in result.clusters],
            )
        )
        for cluster in result.clusters:
            self._cluster_card(sec, cluster)
        if result.unmatched_edits:
            sec.add(Heading("Правки портретов без пары в этом расчёте"))
            sec.add(
                Paragraph(
                    "Эти правки команды сохранены в исследовании, но ни один кластер этого "
                    "расчёта не похож на них достаточно (индекс Жаккара определяющих черт ниже "
                    f"{number(result.match_threshold, 2)}): проверьте их и перенесите вручную.",
                    "warn",
                )
            )
            for edit in result.unmatched_edits:
                best = (
                    f"; ближе всего {edit.best_segment} ({number(edit.best_similarity or 0, 2)})"
                    if edit.best_segment
                    else ""
                )
                sec.add(
                    Paragraph(
                        f"«{edit.name or 'без названия'}»: {', '.join(edit.definition)}{best}",
                        "item",
                    )
                )
        for crosstab in result.crosstabs:
            sec.add(self._crosstab_table(crosstab, result))
        vulnerable = self._vulnerable_tables(result)
        if vulnerable:
            sec.add(
                Heading("Социально незащищённые группы по кластерам"),
                Paragraph(
                    "Каждая социально незащищённая группа показана по всем кластерам, чтобы "
                    "малая группа не терялась внутри большого кластера: сколько людей группы в "
                    "кластере, какая это доля группы и какая доля кластера."
                ),
                *vulnerable,
            )
        return sec

    def cluster_rule_text(self) -> str:
        if self.raw:
            return UNSUPPRESSED_BANNER + "."
        return (
            f"Кластеры {fewer(self.seg.min_cell, 'клиента', 'клиентов')}"
            " скрыты (вместе со следующим по "
            "величине, чтобы их нельзя было вычислить по итогу); в таблицах кластеров по "
            f"сегментам и социально незащищённым группам скрыты клетки меньше {self.seg.min_cell}, "
            "дополняющие их клетки той же строки и столбца и нули рядом со скрытыми клетками."
        )

    def _cluster_row(self, c: ClusterStats) -> list[CellValue]:
        title = f"{c.number}"
        if c.hidden:
            return [title, self.hide(c.hidden), *self._clients_cell(c), *[SUPPRESSED] * 5, ""]
        sat = c.satisfaction
        return [
            title,
            c.label,
            c.capacity,
            *self._clients_cell(c),
            c.share,
            self.rated(sat.n, sat),
            self.rated(sat.csat, sat),
            self.rated(
                _interval(
                    sat.csat_interval.low if sat.csat_interval else None,
                    sat.csat_interval.high if sat.csat_interval else None,
                ),
                sat,
            ),
            "; ".join(self._definition_text(c.definition)),
        ]

    def _definition_text(self, definition: list[str]) -> list[str]:
        return [self.name(key) if key in self.by_key else key for key in definition]

    def _cluster_card(self, sec: Section, c: ClusterStats) -> None:
        if c.hidden:
            sec.add(
                Heading(f"Кластер {c.number}"),
                Paragraph(
                    "Портрет скрыт: "
                    + (
                        f"в кластере {fewer(self.seg.min_cell, 'клиента', 'клиентов')}."
                        if c.hidden == "small"
                        else "скрыт вместе с малым кластером, чтобы тот нельзя было вычислить."
                    ),
                    "note",
                ),
            )
            return
        portrait = c.portrait
        mark = " (название — правка команды)" if portrait.name_origin == "team" else ""
        sec.add(Heading(f"Кластер {c.number}. {portrait.name}{mark}"))
        sec.add(
            Paragraph(
                f"{self._size_text(c)} "
                f"({share_percent(c.share, 1)})"
                + (
                    f"; CSAT {percent(c.satisfaction.csat)} по {number(c.satisfaction.n)} оценкам"
                    if c.satisfaction.csat is not None and not c.satisfaction.hidden
                    else ""
                )
                + "."
            )
        )
        if portrait.traits:
            sec.add(Paragraph("Чем отличается от всех клиентов:"))
            sec.add(*(Paragraph(t.text, "item") for t in portrait.traits))
        origin_column = Column("Откуда", width=18)
        sec.add(
            Table(
                f"persona_{c.number}",
                "Карточка персоны (черновик)",
                [Column("Поле", width=20), Column("Текст", width=70), origin_column],
                [[f.title, f.value or "—", origin_text(f)] for f in portrait.persona],
            ),
            Table(
                f"empathy_{c.number}",
                "Карта эмпатии (черновик)",
                [Column("Поле", width=20), Column("Текст", width=70), origin_column],
                [[f.title, f.value or "—", origin_text(f)] for f in portrait.empathy_map],
            ),
        )

    def _crosstab_table(self, crosstab: ClusterCrosstab, result: ClusterResult) -> Table:
        cells = {(c.cluster, c.segment): c for c in crosstab.cells}
        columns = [Column("Кластер", width=10)] + [
            Column(label, width=16) for label in crosstab.segment_labels
        ]
        table = Table(
            f"clusters_by_{crosstab.feature_id}",
            f"Кластеры и сегменты по признаку «{crosstab.feature_label}»: клиентов (доля кластера)",
            columns,
        )
        for cl in result.clusters:
            row: list[CellValue] = [str(cl.number)]
            for seg in crosstab.segments:
                cell = cells.get((cl.key, seg))
                if cell is None:
                    row.append(None)
                elif cell.hidden or cell.count is None:
                    row.append(self.hide(cell.hidden))
                else:
                    row.append(f"{number(cell.count)} ({percent(cell.share_of_cluster)})")
            table.rows.append(row)
        return table

    def _vulnerable_tables(self, result: ClusterResult) -> list[Table]:
        tables: list[Table] = []
        by_feature: dict[str, list[VulnerableGroupRow]] = {}
        for row in result.vulnerable:
            by_feature.setdefault(row.feature_id, []).append(row)
        for feature_id, rows in by_feature.items():
            table = Table(
                f"vulnerable_{feature_id}",
                f"{rows[0].feature_label}: клиентов в кластере (доля группы; доля кластера)",
                [Column("Группа", width=30), Column("Всего", "int", 10)]
                + [Column(f"Кластер {c.number}", width=18) for c in result.clusters],
            )
            for row in rows:
                values: list[CellValue] = [
                    row.label,
                    self.hide(row.hidden) if row.total is None else row.total,
                ]
                for cell in row.cells:
                    if cell.hidden or cell.count is None:
                        values.append(self.hide(cell.hidden))
                    else:
                        values.append(
                            f"{number(cell.count)} ({percent(cell.share_of_group)}; "
                            f"{percent(cell.share_of_cluster)})"
                        )
                table.rows.append(values)
            tables.append(table)
        return tables

    def profile_table(self) -> Table:
        """Every segment on one row with every measure: the profile table (XLSX)."""
        with_nps = self.profile.nps is not None
        # The survey's columns as far as it has them: no empty «CSAT по опросу» of a survey
        # without ratings.
        survey = self.profile.survey
        survey_rated = survey is not None and (survey.csat is not None or bool(survey.hidden))
        survey_nps = survey is not None and (survey.nps is not None or bool(survey.hidden))
        cols = [
            Column("Признак", width=26),
            Column("Сегмент", width=30),
            *self._capacity_columns(11),
            Column("Доля", "pct1", 9),
            Column("Оценок", "int", 9),
            Column("Средняя", "num2", 9),
            Column("CSAT", "pct", 9),
            Column("CSAT, нижняя граница", "pct", 11),
            Column("CSAT, верхняя граница", "pct", 11),
            *([Column("Ответов NPS", "int", 10), Column("NPS", "int", 8)] if with_nps else []),
            *([Column("Ответов в опросе", "int", 10)] if survey is not None else []),
            *([Column("CSAT по опросу", "pct", 10)] if survey_rated else []),
            *([Column("NPS по опросу", "int", 10)] if survey_nps else []),
            Column("Имеют право", "int", 12),
            Column("Не обратились", "int", 12),
            Column("Слепая зона", "pct", 10),
            Column("Ранг приоритета", "int", 10),
            Column("Оценка приоритета", "num2", 10),
            Column("Почему", width=60),
            Column("Чем отличается", width=60),
        ]
        table = Table(
            "profile",
            "Профиль: все сегменты",
            cols,
            formats=frozenset({"xlsx"}),
        )
        for fs in self.profile.by_feature:
            for seg in fs.segments:
                if seg.hidden:
                    why = self.hide(seg.hidden)
                    hidden: list[CellValue] = [why, *([SUPPRESSED] * (len(cols) - 4))]
                    table.rows.append([fs.label, seg.label, *hidden, ""])
                    continue
                s, sv, bz, pr = seg.satisfaction, seg.survey, seg.blind_zone, seg.priority
                survey_hidden = sv is not None and sv.hidden is not None
                table.rows.append(
                    [
                        fs.label,
                        seg.label,
                        seg.capacity,
                        *self._clients_cell(seg),
                        seg.share,
                        self.rated(s.n, s),
                        self.rated(s.mean, s),
                        self.rated(s.csat, s),
                        self.rated(s.csat_interval.low if s.csat_interval else None, s),
                        self.rated(s.csat_interval.high if s.csat_interval else None, s),
                        *(
                            [
                                self.rated(seg.nps.n, seg.nps) if seg.nps else None,
                                self._nps_cell(seg.nps),
                            ]
                            if with_nps
                            else []
                        ),
                        *([self.rated(sv.n, sv) if sv else None] if survey is not None else []),
                        *([self.rated(sv.csat, sv) if sv else None] if survey_rated else []),
                        *(
                            [
                                self.hide(sv.hidden)
                                if sv and survey_hidden
                                else round(sv.nps * 100)
                                if sv and sv.nps is not None
                                else None
                            ]
                            if survey_nps
                            else []
                        ),
                        round(bz.entitled) if bz else None,
                        round(bz.blind) if bz else None,
                        bz.share if bz else None,
                        pr.rank if pr else None,
                        pr.score if pr else None,
                        "; ".join(pr.reasons) if pr else "",
                        _traits(seg, limit=5),
                    ]
                )
        return table

    def survey(self) -> Section | None:
        p = self.profile
        if p.survey is None:
            return None
        sv = p.survey
        sec = Section("survey", "Нулевой замер по опросу", ("M-6", "M-8"), short="Опрос")
        if sv.hidden:
            return sec.add(
                Paragraph(f"Ответов в опросе {hidden_text(sv.hidden, self.seg.min_cell)}.", "note")
            )
        text = f"Ответов: {number(sv.n)}"
        if sv.csat is not None and sv.csat_interval:
            ci = _interval(sv.csat_interval.low, sv.csat_interval.high)
            text += f"; CSAT {percent(sv.csat)} ({ci})"
        else:
            text += f"; CSAT по опросу {NO_SURVEY_RATINGS}"
        if sv.nps is not None and sv.nps_interval:
            ci = _interval(sv.nps_interval.low, sv.nps_interval.high, 100, pct=False)
            text += f"; NPS {number(sv.nps * 100)} ({ci})"
        sec.add(Paragraph(text + "."))
        if sv.needed:
            sec.add(
                Paragraph(
                    f"Для погрешности ±{number(self.study.research.margin * 100)} п.{NBSP}п. "
                    f"в сегменте нужно около {number(sv.needed)} ответов.",
                    "note",
                )
            )
        # A survey without ratings (or NPS answers) has no such columns: an empty one reads
        # as a figure missing.
        rated, with_nps = sv.csat is not None, sv.nps is not None
        table = Table(
            "survey",
            "Опрос по сегментам",
            [
                Column("Сегмент", width=40),
                Column("Ответов", "int", 10),
                *([Column("CSAT", "pct", 10), Column("ДИ CSAT", width=14)] if rated else []),
                *([Column("NPS", "int", 8)] if with_nps else []),
                Column("Выборка", width=20),
            ],
        )
        for fs in p.by_feature:
            for seg in fs.segments:
                if seg.survey is None or seg.hidden:
                    continue
                s = seg.survey
                csat: list[CellValue] = [
                    self.rated(s.csat, s),
                    self.rated(
                        _interval(
                            s.csat_interval.low if s.csat_interval else None,
                            s.csat_interval.high if s.csat_interval else None,
                        ),
                        s,
                    ),
                ]
                nps = self.rated(round(s.nps * 100) if s.nps is not None else None, s)
                table.rows.append(
                    [
                        f"{fs.label}: {seg.label}",
                        self.rated(s.n, s),
                        *(csat if rated else []),
                        *([nps] if with_nps else []),
                        f"мала: нужно {number(s.needed)}" if s.too_small else "достаточна",
                    ]
                )
        return sec.add(table)

    def audience(self) -> Section | None:
        aud = self.profile.audience
        if aud is None:
            return None
        sec = Section(
            "audience",
            "Целевая аудитория и слепые зоны",
            ("M-2", "M-6"),
            short="Аудитория и слепые зоны",
        )
        # A figure that would tell a small group reads as the published profile words it.
        entitled = aud.entitled_text or number(aud.entitled)
        text = (
            f"Имеют право: {entitled}; обратились: {aud.applicants_text or number(aud.applicants)}"
        )
        if aud.coverage is not None:
            about = "около " if aud.entitled_text or aud.applicants_text else ""
            text += (
                f"; охват {about}{percent(aud.coverage)}, "
                f"слепая зона {about}{percent(1 - aud.coverage)}"
            )
        elif aud.entitled is None or aud.applicants is None or aud.applicants > aud.entitled:
            text += "; охват и слепая зона не оценены: обратившихся больше, чем имеющих право"
        if aud.eligibility_rule:
            text += f". Правило отбора: {self.rule_words(aud.eligibility_rule)}"
        sec.add(Paragraph(text + "."))
        sec.add(*(Paragraph(n, "note") for n in aud.notes))
        for w in aud.warnings:
            sec.add(Paragraph(w, "warn"))
        if aud.never_applying:
            sec.add(
                Table(
                    "never_applying",
                    "Группы, которые имеют право, но не обращаются совсем",
                    [Column("Группа", width=60), Column("Имеют право", "int", 14)],
                    [[g.label, round(g.entitled)] for g in aud.never_applying],
                )
            )
        table = Table(
            "blind_zones",
            "Слепая зона по сегментам",
            [
                Column("Сегмент", width=40),
                Column("Имеют право", "int", 12),
                Column("Обратились", "int", 12),
                Column("Не обратились", "int", 12),
                Column("Доля слепой зоны", "pct", 12),
            ],
        )
        for fs in self.profile.by_feature:
            for seg in fs.segments:
                bz = seg.blind_zone
                if bz is None or seg.hidden:
                    continue
                table.rows.append(
                    [
                        f"{fs.label}: {seg.label}",
                        round(bz.entitled),
                        bz.applicants,
                        round(bz.blind),
                        bz.share,
                    ]
                )
        if table.rows:
            sec.add(table)
        return sec

    def priority(self) -> Section | None:
        pr = self.profile.priority
        if pr is None:
            return None
        sec = Section("priority", "Приоритет сегментов", ("M-6",), short="Приоритет")
        sec.add(Paragraph(pr.explanation))
        sec.add(*(Paragraph(rule, "item") for rule in pr.rules))
        sec.add(
            Paragraph(
                "Веса: "
                + ", ".join(
                    f"{PRIORITY_PARTS.get(k, k)} {percent(w)}" for k, w in pr.weights.items()
                )
                + ".",
                "note",
            )
        )
        if self.figures:
            fig = _svg_figure(
                "Ёмкость и удовлетворённость сегментов",
                lambda: charts.priority_quadrant(
                    self.visible, min_cell=self.seg.min_cell, unit=self.unit
                ),
            )
            if fig:
                sec.add(fig)
        table = Table(
            "priority",
            "Приоритетные сегменты",
            [
                Column("№", "int", 5),
                Column("Сегмент", width=40),
                Column("Оценка", "num2", 10),
                Column("Почему", width=80),
            ],
        )
        for key in pr.top:
            seg = self.by_key.get(key)
            if seg is None or seg.priority is None:
                continue
            if seg.hidden:
                continue
            table.rows.append(
                [
                    seg.priority.rank,
                    self.name(key),
                    seg.priority.score,
                    "; ".join(seg.priority.reasons),
                ]
            )
        if not pr.top:
            # Nothing prioritised: no empty table, nor the steadiness of nothing.
            sec.add(
                Paragraph(
                    "Приоритетных сегментов нет: ни один сегмент не получил оценку больше нуля, "
                    "поэтому таблицы приоритета и его устойчивости не приводятся.",
                    "note",
                )
            )
            return sec
        sec.add(table)
        self._priority_overlaps(sec, pr)
        if pr.sensitivity and not any(row.entered or row.left for row in pr.sensitivity):
            sec.add(
                Paragraph(
                    f"Состав приоритетных сегментов ({number(len(pr.top))}) не меняется при "
                    "изменении любого веса на ±20 %.",
                    "note",
                )
            )
        elif pr.sensitivity:
            sens = Table(
                "sensitivity",
                f"Устойчивость первых {len(pr.top)} при изменении веса на ±20 %",
                [
                    Column("Вес", width=26),
                    Column("Изменение", width=12),
                    Column("Вошли", width=50),
                    Column("Выбыли", width=50),
                ],
            )
            for row in pr.sensitivity:
                sens.rows.append(
                    [
                        PRIORITY_PARTS.get(row.weight, row.weight),
                        ("+" if row.change > 0 else "−") + percent(abs(row.change)),
                        "; ".join(self.name(k) for k in row.entered) or "—",
                        "; ".join(self.name(k) for k in row.left) or "—",
                    ]
                )
            sec.add(sens)
        return sec

    def _priority_overlaps(self, sec: Section, pr: PrioritySummary) -> None:
        """How many clients the top segments share, and the cross segments worth adding."""
        overlaps = [o for o in pr.overlaps if not (self.is_hidden(o.a) or self.is_hidden(o.b))]
        if overlaps:
            table = Table(
                "priority_overlap",
                "Пересечение приоритетных сегментов: одни и те же клиенты",
                [
                    Column("Сегмент А", width=40),
                    Column("Сегмент Б", width=40),
                    Column("В обоих", "int", 12),
                    Column("Доля А", "pct", 10),
                    Column("Доля Б", "pct", 10),
                ],
            )
            for o in overlaps:
                # Hidden as the cross segments hide the same cell: whether it is small or
                # hides a small neighbour is not told (``analysis.suppression``).
                small = o.both is None
                table.rows.append(
                    [
                        self.name(o.a),
                        self.name(o.b),
                        self.hide("cell") if small else o.both,
                        SUPPRESSED if small else o.share_of_a,
                        SUPPRESSED if small else o.share_of_b,
                    ]
                )
            sec.add(table)
        proposals = [
            p for p in pr.proposals if not any(self.is_hidden(k) for k in p.key.split("&"))
        ]
        if proposals:
            table = Table(
                "priority_cross",
                "Предлагаемые перекрёстные сегменты",
                [
                    Column("Сегмент", width=50),
                    Column(self.unit.column, "int", 10),
                    Column("CSAT", "pct", 10),
                    Column("Почему", width=80),
                ],
            )
            for p in proposals:
                table.rows.append([p.label, p.capacity, p.satisfaction.csat, p.reason])
            sec.add(table)

    def hypotheses_named(self, ids: Sequence[str]) -> str:
        """Hypotheses as the report numbers them, with their whole statements (a filed document
        cuts no substance short): «№ 2. Сельские заявители не знают о выплате»; one deleted
        since is said to be."""
        names = hypothesis_names(self.study.hypotheses, None)
        return "\n".join(names.get(hid, DELETED_HYPOTHESIS) for hid in ids) or "—"

    def hypotheses(self) -> Section:
        sec = Section(
            "hypotheses",
            "Потребности и проблемы: гипотезы, статус, доказательства",
            ("M-7", "M-9"),
            short="Гипотезы",
        )
        table = Table(
            "hypotheses",
            "Гипотезы",
            [
                Column("№", "int", 5),
                Column("Вид", width=14),
                Column("Формулировка", width=60),
                Column("Сегменты", width=30),
                Column("Ступень лестницы Ханта", width=20),
                Column("Этап AIDAS", width=16),
                Column("Статус", width=18),
                Column("Доказательства", width=60),
            ],
        )
        ladder = self.study.hunt_ladder
        for place, h in enumerate(self.study.hypotheses, start=1):
            evidence = evidence_text(h)
            table.rows.append(
                [
                    place,
                    ru(h.kind),
                    h.statement,
                    ", ".join(self.name(k) for k in h.segments) or "все",
                    (
                        f"{h.hunt_stage}. {ladder[h.hunt_stage - 1]}"
                        if h.hunt_stage and h.hunt_stage <= len(ladder)
                        else "—"
                    ),
                    ru(h.aidas_stage) if h.aidas_stage else "—",
                    ru(h.status),
                    evidence or "—",
                ]
            )
        if table.rows:
            sec.add(table)
        else:
            sec.add(Paragraph("Гипотезы не сформулированы.", "note"))
        return sec

    def research(self) -> Section:
        plan = self.study.research
        sec = Section("research", "План исследования", ("M-8",), short="План исследования")
        sec.add(
            Paragraph(
                f"Погрешность опроса ±{number(plan.margin * 100)} п.{NBSP}п. при доверительной "
                f"вероятности {percent(plan.confidence)}; "
                f"не более {plan.max_interviews_per_person} "
                "интервью на человека.",
                "note",
            )
        )
        table = Table(
            "research",
            "Исследовательские активности",
            [
                Column("Активность", width=40),
                Column("Метод", width=20),
                Column("Сегменты", width=30),
                Column("Гипотезы", width=40),
                Column("Респондентов", "int", 12),
                Column("Статус", width=14),
            ],
        )
        for a in plan.activities:
            table.rows.append(
                [
                    a.title,
                    ru(a.method),
                    ", ".join(self.name(k) for k in a.segments) or "все",
                    self.hypotheses_named(a.hypotheses),
                    a.target_respondents,
                    ru(a.status),
                ]
            )
        if table.rows:
            sec.add(table)
        else:
            sec.add(Paragraph("Активности не запланированы.", "note"))
        targets = self.research_targets()
        if targets.rows:
            sec.add(targets)
        for found in self.profile.topics:
            self.research_topics(sec, found)
        return sec

    def research_topics(self, sec: Section, found: SourceTopics) -> None:
        """M-9: the topics of a source's free texts, named as the team named and merged them,
        with their counts; typical texts (masked) only of a topic of at least min_cell texts."""
        model = found.model
        min_cell = self.seg.min_cell
        source = found.title or found.source
        title = f"Темы свободных ответов: «{source}», столбец «{found.text_column}»"
        table = Table(
            "topics",
            title,
            [
                Column("Тема", width=30),
                Column("Текстов", "int", 10),
                Column("Доля", "pct", 8),
                Column("Главные слова", width=30),
                Column("Типичные тексты", width=60),
            ],
        )
        for topic in model.topics:
            table.rows.append(
                [
                    topic.name or ", ".join(topic.words[:3]),
                    topic.documents,
                    topic.share,
                    ", ".join(topic.words) or "—",
                    "\n".join(f"«{e}»" for e in topic.examples)
                    if topic.documents >= min_cell and topic.examples
                    else "—",
                ]
            )
        shown = sum(t.documents for t in model.topics)
        note = (
            f"Текстов с содержательным ответом: {number(model.n_documents)} (ответы вроде «нет», "
            "«не знаю» и пустые не считаются). Имена тем — как их назвала и объединила команда; "
            "персональные данные в текстах замаскированы."
        )
        if shown < model.n_documents:
            note += (
                f" Темы, где {fewer(min_cell, 'текста', 'текстов')}"
                ", и следующие по величине скрыты, "
                f"чтобы их нельзя было вычислить: в них {number(model.n_documents - shown)} "
                "текстов."
            )
        if table.rows:
            sec.add(table, Paragraph(note, "note"))

    def research_targets(self) -> Table:
        """M-8: how many respondents each activity needs from each segment, and how many of
        them have been interviewed (the team's record, not client data)."""
        table = Table(
            "research_targets",
            "Цели по сегментам",
            [
                Column("Активность", width=40),
                Column("Сегмент", width=36),
                Column("Нужно респондентов", "int", 14),
                Column("Проведено интервью", "int", 14),
            ],
        )
        for a in self.study.research.activities:
            for t in a.targets:
                interviewed = sum(
                    1
                    for r in a.respondents
                    if r.belongs_to(t.segment) and r.status is RespondentStatus.interviewed
                )
                table.rows.append([a.title, self.name(t.segment), t.respondents, interviewed])
        return table

    def recommendations(self) -> Section:
        sec = Section("recommendations", "Рекомендации", ("M-11",), short="Рекомендации")
        table = Table(
            "recommendations",
            "Рекомендации",
            [
                Column("Рекомендация", width=40),
                Column("Вид", width=22),
                Column("Что сделать", width=60),
                Column("Сегменты", width=30),
                Column("Решаемые проблемы", width=40),
                Column("Изменение пути", width=40),
                Column("Ответственный", width=24),
                Column("Статус", width=14),
                Column("Срок", width=12),
            ],
        )
        for r in self.study.recommendations:
            table.rows.append(
                [
                    r.title,
                    ru(r.kind),
                    r.description or "—",
                    ", ".join(self.name(k) for k in r.segments) or "все",
                    self.hypotheses_named(r.problems),
                    r.journey_change or "—",
                    r.owner or "—",
                    # Not by colour alone: the word, in every format (DOCX, HTML, XLSX).
                    ru(r.status) + (", просрочена" if r.overdue(self.today) else ""),
                    ru_date(r.due_date),
                ]
            )
        if table.rows:
            sec.add(table)
        else:
            sec.add(Paragraph("Рекомендации не сформулированы.", "note"))
        return sec

    def journeys(self) -> Section | None:
        if not self.profile.journeys and not self.study.journeys:
            return None
        sec = Section("journeys", "Клиентские пути: текущий и целевой", ("M-12",), short="Пути")
        if self.profile.journeys:
            table = Table(
                "journeys",
                "Текущий путь → целевой",
                [
                    Column("Для кого", width=36),
                    Column("Шагов", width=10),
                    Column("Личных посещений", width=12),
                    Column("Документов", width=12),
                    Column("Срок, дней", width=14),
                    Column("Время клиента, мин", width=14),
                    Column("Проактивных шагов", width=14),
                ],
            )
            for c in self.profile.journeys:
                who = "Все клиенты" if c.segment is None else self.name(c.segment)
                if c.personalised:
                    who += " (свой целевой путь)"
                cur, tgt = c.current, c.target
                table.rows.append(
                    [
                        who,
                        f"{cur.steps} → {tgt.steps}",
                        f"{cur.in_person_visits} → {tgt.in_person_visits}",
                        f"{cur.documents} → {tgt.documents}",
                        f"{number(cur.duration_days, 1)} → {number(tgt.duration_days, 1)}",
                        f"{number(cur.client_minutes)} → {number(tgt.client_minutes)}",
                        f"{percent(cur.proactive_share)} → {percent(tgt.proactive_share)}",
                    ]
                )
            sec.add(table)
            if self.figures:
                fig = _svg_figure("Текущий и целевой путь: все клиенты", self._journey_chart)
                if fig:
                    sec.add(fig)
        for j in self.study.journeys:
            title = f"{j.title} ({ru(j.kind).lower()} путь)"
            if not j.steps:
                sec.add(Heading(title), Paragraph("Шаги пути ещё не описаны.", "note"))
                continue
            sec.add(Heading(title), *self._journey_tables(j))
            if self.figures:
                # The figure carries its heading and step list so writers keep them together.
                steps = " → ".join(s.title for s in j.steps)
                svg = blueprint_svg(self.study, j.id)
                parts = blueprint_parts(self.study, j.id)
                sec.add(Figure(f"Схема обслуживания: {title}", svg, "blueprint", steps, parts))
        return sec

    def _journey_tables(self, journey: Journey) -> list[Block]:
        """M-12: a journey's steps as a table a person can edit (with the problems and the
        recommendations on each), and its blueprint lanes as a second table when described."""
        roles = {r.id: r.title for r in self.study.roles}
        levels = self.study.service_levels
        links = journey_links(self.study, journey)

        def level(value: int | None) -> str:
            if value is None:
                return "—"
            name = levels[value - 1] if value <= len(levels) else ""
            return f"{value}. {name}" if name else str(value)

        steps = Table(
            f"journey-{journey.id}",
            f"Шаги пути «{journey.title}»",
            [
                Column("№", "int", 3),
                Column("Шаг", width=20),
                Column("Роль", width=14),
                Column("Канал", width=13),
                Column("Уровень сервиса", width=13),
                Column("Срок, дней", "num1", 10),
                Column("Время клиента, мин", "int", 10),
                Column("Документы клиента", width=20),
                Column("Проблемы", width=32),
                Column("Рекомендации", width=26),
                Column("Данные исследований", width=14),
            ],
        )
        for place, link in enumerate(links.steps, start=1):
            step = link.step
            pains = [p.statement for p in link.problems]
            pains += ["(проблема удалена из исследования)" for _ in link.missing]
            steps.rows.append(
                [
                    place,
                    step.title,
                    roles.get(step.role, "—") if step.role else "—",
                    step.channel or "—",
                    level(step.service_level),
                    step.duration_days,
                    step.client_minutes,
                    "\n".join(step.documents) or "—",
                    "\n".join(pains) or "—",
                    "\n".join(r.title for r in link.recommendations) or "—",
                    ru(link.backing),
                ]
            )
        blocks: list[Block] = [steps]
        lanes = (
            ("Материальные свидетельства", "physical_evidence"),
            ("Действия, видимые клиенту", "front_stage"),
            ("Действия, скрытые от клиента", "back_stage"),
            ("Поддерживающие процессы", "support_processes"),
        )
        if any(getattr(s, attr) for s in journey.steps for _, attr in lanes):
            blocks.append(
                Table(
                    f"journey-{journey.id}-lanes",
                    f"Схема обслуживания пути «{journey.title}» по слоям",
                    [Column("Шаг", width=26), *(Column(name, width=30) for name, _ in lanes)],
                    [
                        [s.title, *(getattr(s, attr) or "—" for _, attr in lanes)]
                        for s in journey.steps
                    ],
                )
            )
        return blocks

    def _journey_chart(self) -> alt.TopLevelMixin | None:
        """M-12: the overall current and target journey side by side, metric by metric."""
        overall = next((c for c in self.profile.journeys if c.segment is None), None)
        if overall is None:
            return None
        metrics = (
            ("Шагов", "steps"),
            ("Личных посещений", "in_person_visits"),
            ("Документов", "documents"),
            ("Срок, дней", "duration_days"),
            ("Время клиента, мин", "client_minutes"),
        )
        rows = [
            {"Показатель": name, "Путь": kind, "Значение": float(value)}
            for name, attr in metrics
            for kind, journey in (("текущий", overall.current), ("целевой", overall.target))
            if (value := getattr(journey, attr)) is not None  # a duration nobody entered
        ]
        chart = (
            alt.Chart(pd.DataFrame(rows))
            .mark_bar()
            .encode(
                x=alt.X(
                    "Путь:N", title=None, sort=["текущий", "целевой"], axis=alt.Axis(labelAngle=0)
                ),
                y=alt.Y("Значение:Q", title=None, axis=alt.Axis(tickMinStep=1)),
                color=alt.Color(
                    "Путь:N",
                    scale=alt.Scale(domain=["текущий", "целевой"], range=["#b3261e", "#1e7b34"]),
                    legend=None,
                ),
                column=alt.Column("Показатель:N", title=None, sort=[m[0] for m in metrics]),
            )
            .properties(width=120, height=160)
            .resolve_scale(y="independent")
        )
        configured: alt.TopLevelMixin = chart.configure(font=charts.FONT).configure_view(
            stroke=None
        )
        return configured

    def checks(self) -> Section:
        sec = Section("check", "Чего не хватает профилю", (), short="Проверка по методике")
        findings = check_study(self.study)
        if not findings:
            return sec.add(Paragraph("Все разделы методики заполнены."))
        table = Table(
            "check",
            "Проверка по методике",
            [Column("Код", width=8), Column("Важность", width=14), Column("Что не так", width=90)],
            [[f.code, SEVERITY_LABELS[f.severity], f.message] for f in findings],
        )
        return sec.add(table)

    def provenance(self) -> Section:
        pv = self.profile.provenance
        sec = Section(
            "provenance",
            "Происхождение результата",
            (),
            short="Происхождение",
            folded="Сведения о расчёте: исследование, данные, параметры, программа",
        )
        study_text = self.study.title
        if pv.study_revision is not None:
            study_text += f", редакция {pv.study_revision}"
        rows: list[list[CellValue]] = [
            ["Исследование", study_text],
            ["Хеш документа исследования", pv.study_hash],
            ["Отпечаток данных", pv.data_fingerprint],
            ["Доверительная вероятность", self.confidence],
            ["Порог малых сегментов", str(self.seg.min_cell)],
            [
                "Скрытие малых групп",
                "ОТКЛЮЧЕНО для этой выгрузки по запросу владельца исследования"
                if self.raw
                else "включено (с дополнительным скрытием)",
            ],
            ["Зерно генератора случайных чисел", str(pv.seed)],
            ["Программа", f"segprofile {pv.version}, движок {ENGINES.get(pv.engine, pv.engine)}"],
            ["Построен", ru_datetime(pv.created_at)],
        ]
        sec.add(
            Table(
                "provenance",
                "Происхождение",
                [Column("Что", width=34), Column("Значение", width=80)],
                rows,
            )
        )
        files = Table(
            "data_files",
            "Файлы данных",
            [
                Column("Источник", width=40),
                Column("Строк", "int", 12),
                Column("Версия", "int", 9),
                Column("Отпечаток SHA-256", width=70),
            ],
            [[self.source_title(f.source_id), f.rows, f.version, f.sha256] for f in pv.data_files],
        )
        return sec.add(files)

    def rule_words(self, rule: str | None) -> str:
        """An eligibility rule as a person reads it (features and values by their labels)."""
        return rule_in_words(rule, self.study.features) if rule else "—"

    def source_title(self, source_id: str) -> str:
        """A data source as the team named it (its kind when it has no title)."""
        titles = {ds.id: ds.title or ru(ds.kind) for ds in self.study.data_sources}
        return titles.get(source_id, "источник удалён из исследования")

    def warnings(self) -> Section | None:
        if not self.profile.warnings:
            return None
        sec = Section("warnings", "Предупреждения", (), short="Предупреждения")
        return sec.add(*(Paragraph(w, "warn") for w in self.profile.warnings))

    def rule_text(self) -> str:
        if self.raw:
            return (
                UNSUPPRESSED_BANNER + ": малые группы в этой выгрузке не скрыты по явному "
                "запросу владельца исследования; запрос записан в журнал."
            )
        m = self.seg.min_cell
        return (
            "Защита персональных данных: значения признака, у которых "
            f"{fewer(m, 'клиента', 'клиентов')}"
            ", "
            "не называются — они объединены в одну строку «Прочие значения». Сегменты "
            f"{fewer(m, 'клиента', 'клиентов')} скрыты («скрыто: меньше {m}»); чтобы их нельзя "
            "было вычислить по "
            "итогу и остальным сегментам, вместе с ними скрыты следующие по величине сегменты "
            "того же признака («скрыто, чтобы нельзя было вычислить соседние»), пока скрытых "
            f"не станет не меньше двух и в сумме не {fewer(m, 'клиента', 'клиентов')}"
            ". Средние, CSAT, NPS и "
            f"интервалы по менее чем {m} оценкам не показаны («мало оценок»)."
        )

    def build(self) -> Report:
        study = self.study
        parts: Iterable[Section | None] = (
            self.scope(),
            self.roles(),
            self.features(),
            self.clusters(),
            self.segments(),
            self.summary(),
            self.survey(),
            self.audience(),
            self.priority(),
            self.hypotheses(),
            self.research(),
            self.recommendations(),
            self.journeys(),
            self.warnings(),
            self.checks(),
            self.provenance(),
        )
        sections = [s for s in parts if s is not None]
        internal = ClientType.internal in study.scope.client_types
        meta = [
            ("Объект", f"{ru(study.scope.kind)}: {study.scope.title}"),
            ("Клиенты", ", ".join(CLIENTS[c] for c in study.scope.client_types)),
            ("Построен", ru_datetime(self.profile.provenance.created_at)),
        ]
        if study.scope.body:
            meta.insert(1, ("Орган", study.scope.body))
        kicker = "Профиль внутреннего клиента" if internal else "Профиль клиентского сегмента"
        return Report(
            title=study.title,
            kicker=kicker,
            meta=meta,
            sections=sections,
            suppression_rule=self.rule_text(),
            suppressed=self.hidden,
            internal=internal,
            banner=UNSUPPRESSED_BANNER if self.raw else "",
            title_page=title_page(study, kicker, self.profile.provenance.created_at.year),
        )


def build_report(
    profile: Profile, study: Study, *, figures: bool = True, unsuppressed: bool = False
) -> Report:
    """The report model of a profile; ``figures=False`` skips charts and blueprints (XLSX).

    Small groups are hidden (:func:`~segprofile.analysis.suppression.suppress`) unless
    ``unsuppressed`` — an owner's explicit request for one output, which every page then says.
    """
    return _Builder(profile, study, figures=figures, raw=unsuppressed).build()
