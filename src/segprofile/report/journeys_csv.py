"""Journeys as CSV (M-12 exchange): one row per step, the way Excel opens and saves it.

The file is UTF-8 with a byte-order mark and ``;`` between columns, so Excel in a Russian locale
opens it as a table. Every row carries its journey's id, kind, title and segments, so the rows
can be sorted and filtered without losing which journey they belong to. List fields (documents,
data obtained, pains, segments) are joined with ``"; "``; a ``;`` or ``\\`` inside an item is
escaped with ``\\``. Numbers use a decimal comma. Export → import gives the same journeys.

With the study at hand the export names a journey's segments, a step's role and its problems by
their titles («Канал подачи: МФЦ», «Заявитель», the problem's statement) rather than their keys
and ids, so the file reads in Excel; the import takes a key, an id or a title (ids first, then
titles, case and spacing aside). A title two segments, roles or problems share (or one that
would read back as another) is written as the key or id, so that the round trip never guesses.
A segment the study cannot read is refused with the file, the row and the value named.

Import accepts the Russian headers of :data:`COLUMNS` or the model's field names, ``;``, ``,``
or tab as the delimiter, UTF-8 (with or without BOM) or Windows-1251, and reports every problem
at once, each naming the row (as Excel numbers it: the header is row 1) and the column.

The order of a journey's steps is the order of its rows, unless the optional column «№ шага»
(written on export) numbers them: then the steps are sorted by it, so rows sorted by another
column in Excel come back in their order. A journey is an ordered list, not a graph of «next
step» links, so a file cannot describe a cycle as such; what would make the order ambiguous or
circular is refused with the rows named: a step id repeated within a journey, a step number
repeated, a number missing on some steps of a journey that numbers the others. A row with a
journey but no step is refused too: a journey without steps is empty, and empty journeys are
not imported.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from segprofile.data.readers import refuse_binary
from segprofile.errors import InputError
from segprofile.model import labels
from segprofile.model.format import restore
from segprofile.model.study import Journey, JourneyKind, JourneyStep, Study
from segprofile.report.format import csv_bytes

__all__ = [
    "COLUMNS",
    "HEADER",
    "JourneyCsvError",
    "journeys_from_csv",
    "journeys_to_csv",
    "segment_keys",
    "segment_titles",
]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("journey", "Путь"),
    ("journey_kind", "Вид пути"),
    ("journey_title", "Название пути"),
    ("journey_segments", "Сегменты пути"),
    ("order", "№ шага"),
    ("id", "Шаг"),
    ("title", "Название шага"),
    ("role", "Роль"),
    ("channel", "Канал"),
    ("service_level", "Уровень сервиса"),
    ("duration_days", "Срок, дней"),
    ("client_minutes", "Время клиента, минут"),
    ("documents", "Документы от клиента"),
    ("data_obtained", "Сведения, которые ведомство получает само"),
    ("pains", "Проблемы"),
    ("physical_evidence", "Физическое окружение"),
    ("front_stage", "Видимые действия сотрудников"),
    ("back_stage", "Невидимые действия сотрудников"),
    ("support_processes", "Поддерживающие процессы"),
)
"""(field, Russian header) of every column, in file order."""

HEADER = {name: header for name, header in COLUMNS}
"""Field → Russian header."""
_REQUIRED = ("journey", "journey_kind", "journey_title", "id", "title")
_JOURNEY_FIELDS = ("journey_kind", "journey_title", "journey_segments")
_LISTS = ("documents", "data_obtained", "pains")
_STEP_FIELDS = tuple(
    name for name, _ in COLUMNS if name not in ("journey", *_JOURNEY_FIELDS, "order")
)
_KINDS = {
    "current": JourneyKind.current,
    "текущий": JourneyKind.current,
    "target": JourneyKind.target,
    "целевой": JourneyKind.target,
}
_KIND_OUT = {JourneyKind.current: "текущий", JourneyKind.target: "целевой"}
_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
# A segment's key as the document stores it: «признак=значение», «…&…» for an intersection.
_SEGMENT_KEY_RE = re.compile(r"^[^=&\s][^=&]*=[^&]+(?:&[^=&\s][^=&]*=[^&]+)*$")
_MAX_LISTED = 50


class JourneyCsvError(InputError):
    """A journeys CSV that cannot be imported; ``problems`` lists ``(row, column, message)``.

    ``row`` is the file's row number (the header is 1) or ``None`` for the file as a whole;
    ``column`` is the column's header as the file has it, or ``None``.
    """

    def __init__(self, source: str, problems: list[tuple[int | None, str | None, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = []
        for row, column, text in problems[:_MAX_LISTED]:
            where = []
            if row is not None:
                where.append(f"строка {row}")
            if column is not None:
                where.append(f"столбец «{column}»")
            lines.append(f"{', '.join(where)}: {text}" if where else text)
        if len(problems) > _MAX_LISTED:
            lines.append(f"… и ещё {len(problems) - _MAX_LISTED}")
        super().__init__(
            f"Файл {source} не удалось загрузить:\n" + "\n".join(f"  • {x}" for x in lines),
            hint="исправьте перечисленные ячейки и загрузите файл снова.",
        )


# --- Export ------------------------------------------------------------------------------------


def _join(items: Iterable[str]) -> str:
    return "; ".join(i.replace("\\", "\\\\").replace(";", "\\;") for i in items)


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", ",")


@dataclass(frozen=True)
class _Names:
    """Ids ↔ readable titles of a study's roles and problems (hypotheses) for one file, and
    the titles of the segments the file names."""

    roles: dict[str, str]  # id → title
    problems: dict[str, str]
    segments: dict[str, str]  # key → title

    @classmethod
    def of(cls, study: Study | None, journeys: Iterable[Journey] = ()) -> _Names:
        if study is None:
            return cls({}, {}, {})
        return cls(
            _unique_titles({r.id: r.title for r in study.roles}),
            _unique_titles({h.id: h.statement for h in study.hypotheses}),
            segment_titles(study, journeys),
        )


def segment_titles(study: Study, journeys: Iterable[Journey]) -> dict[str, str]:
    """``key → title`` («Канал подачи: МФЦ») of the journeys' segments whose title reads back
    as that very key and nothing else (the round trip); the others are written as keys."""
    titles = {}
    for journey in journeys:
        for key in journey.segments:
            title = labels.segment_name(study.features, key)
            if segment_keys(study, title) == {key}:
                titles[key] = title
    return titles


def segment_keys(study: Study, text: str) -> set[str]:
    """The segment keys a cell's item stands for: the key itself, or the keys a title names
    (none: unknown; several: ambiguous)."""
    if _SEGMENT_KEY_RE.match(text):
        return {text}
    return labels.segment_keys_named(study.features, text, labels.study_segment_keys(study))


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _unique_titles(titles: dict[str, str]) -> dict[str, str]:
    """``id → title`` for the titles no other item shares and no id spells (each reads back as
    its own id); the others are written as ids."""
    count: dict[str, int] = {}
    for title in titles.values():
        count[_key(title)] = count.get(_key(title), 0) + 1
    ids = {_key(i) for i in titles}
    return {
        i: " ".join(t.split())
        for i, t in titles.items()
        if count[_key(t)] == 1 and _key(t) not in ids
    }


def _step_row(journey: Journey, step: JourneyStep, number: int, names: _Names) -> list[str]:
    values = {
        "order": str(number),
        "journey": journey.id,
        "journey_kind": _KIND_OUT[journey.kind],
        "journey_title": journey.title,
        "journey_segments": _join(names.segments.get(s, s) for s in journey.segments),
        "id": step.id,
        "title": step.title,
        "role": names.roles.get(step.role, step.role) if step.role else "",
        "channel": step.channel,
        "service_level": _number(step.service_level),
        "duration_days": _number(step.duration_days),
        "client_minutes": _number(step.client_minutes),
        "documents": _join(step.documents),
        "data_obtained": _join(step.data_obtained),
        "pains": _join(names.problems.get(p, p) for p in step.pains),
        "physical_evidence": step.physical_evidence,
        "front_stage": step.front_stage,
        "back_stage": step.back_stage,
        "support_processes": step.support_processes,
    }
    return [values[name] for name, _ in COLUMNS]


def journeys_to_csv(journeys: Iterable[Journey], study: Study | None = None) -> bytes:
    """Write journeys as CSV: one row per step, UTF-8 with BOM, ``;`` between columns.

    Parameters
    ----------
    journeys
        The journeys to write (e.g. ``study.journeys``). A journey without steps cannot be
        written (a row is a step) and raises :class:`~segprofile.errors.InputError`.
    study
        When given, segments, roles and problems are written by their titles (see the module's
        note).

    Returns
    -------
    bytes
        The file's content, ready to save as ``journeys.csv``.
    """
    rows = []
    journeys = list(journeys)
    names = _Names.of(study, journeys)
    for journey in journeys:
        if not journey.steps:
            raise InputError(
                f"у пути «{journey.title}» нет шагов: в CSV строка — это шаг",
                hint="добавьте шаги или не выгружайте пустой путь.",
            )
        rows += [
            _step_row(journey, step, n, names) for n, step in enumerate(journey.steps, start=1)
        ]
    return csv_bytes([header for _, header in COLUMNS], rows)


# --- Import ------------------------------------------------------------------------------------


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    # A workbook, a PDF or a picture chosen by mistake: said as such, not a server error.
    refuse_binary(data[:65536], source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel in a Russian locale saves «CSV (разделители — запятые)» in Windows-1251.
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise InputError(
            f"Файл {source} — не текст в UTF-8 или Windows-1251.",
            hint="сохраните пути в Excel как «CSV UTF-8» и загрузите снова.",
        ) from None


def _split(text: str) -> list[str]:
    """Split a list cell on unescaped ``;``; ``\\;`` and ``\\\\`` are a literal ``;`` and ``\\``."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [i.strip() for i in items if i.strip()]


def _field_of(header: str) -> str | None:
    wanted = " ".join(header.split()).casefold()
    for name, russian in COLUMNS:
        if wanted in (name, russian.casefold()):
            return name
    return None


@dataclass
class _Reader:
    """Collects the problems of one file while it builds the journeys."""

    source: str
    headers: dict[str, str]
    roles: set[str] | None
    hypotheses: set[str] | None
    levels: int | None
    study: Study | None = None
    # A role or problem written by its title (as the export writes them) → its id.
    role_titles: dict[str, str] = field(default_factory=dict)
    problem_titles: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[int | None, str | None, str]] = field(default_factory=list)

    def error(self, row: int | None, name: str | None, text: str) -> None:
        column = self.headers.get(name, HEADER.get(name, name)) if name is not None else None
        self.problems.append((row, column, text))

    def identifier(self, row: int, name: str, value: str) -> str | None:
        if not value:
            self.error(row, name, "значение не может быть пустым")
            return None
        if not _ID_RE.match(value):
            self.error(
                row,
                name,
                "идентификатор может содержать только латиницу, цифры, «_», «-» и «.» "
                "(до 64 символов)",
            )
            return None
        return value

    def number(self, row: int, name: str, value: str, *, integer: bool) -> float | None:
        if not value:
            return None
        text = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            self.error(row, name, "ожидалось целое число" if integer else "ожидалось число")
            return None
        if not math.isfinite(number):
            self.error(row, name, "ожидалось конечное число")
            return None
        if integer and not number.is_integer():
            self.error(row, name, "ожидалось целое число, а не дробное")
            return None
        if integer and number < 1:
            self.error(row, name, "уровень сервиса начинается с 1")
            return None
        if integer and self.levels is not None and number > self.levels:
            self.error(row, name, f"уровень вне лестницы сервиса из {self.levels} уровней")
            return None
        if number < 0:
            self.error(row, name, "значение не может быть отрицательным")
            return None
        return number

    def segments(self, row: int, value: str) -> list[str]:
        """The keys of a journey's segments, each written as its key or its title."""
        keys: list[str] = []
        for item in _split(value):
            study = self.study
            found = {item} if study is None else segment_keys(study, item)
            if study is not None and found == {item}:
                found = found if self._known_key(study, item) else set()
            if len(found) == 1:
                keys += [k for k in found if k not in keys]  # by title and by key: once
            elif not found and _SEGMENT_KEY_RE.match(item):
                feature = next(
                    p.partition("=")[0]
                    for p in item.split("&")
                    if p.partition("=")[0] not in self._features()
                )
                self.error(
                    row,
                    "journey_segments",
                    f"сегмент «{item}» не найден: признака «{feature}» нет в исследовании",
                )
            elif not found:
                self.error(
                    row,
                    "journey_segments",
                    f"сегмент «{item}» не найден в исследовании: укажите его название, как в "
                    "выгрузке («Признак: значение»), или ключ «признак=значение»",
                )
            else:
                listed = ", ".join(f"«{k}»" for k in sorted(found))
                self.error(
                    row,
                    "journey_segments",
                    f"название сегмента «{item}» подходит к нескольким сегментам ({listed}): "
                    "укажите ключ",
                )
        return keys

    def _features(self) -> set[str]:
        return {"cluster"} | ({f.id for f in self.study.features} if self.study else set())

    def _known_key(self, study: Study, key: str) -> bool:
        """A key of the study's features, or one the study already names (of a feature
        deleted since, say)."""
        if all(p.partition("=")[0] in self._features() for p in key.split("&")):
            return True
        return key in labels.study_segment_keys(study)

    def order(self, row: int, value: str) -> int | None:
        """The step's number from «№ шага»: a whole number from 1, or ``None`` when empty."""
        if not value:
            return None
        text = value.replace("\u00a0", "").replace(" ", "")
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            self.error(row, "order", "номер шага должен быть целым числом от 1")
            return None
        return int(text)

    def step(self, row: int, cells: dict[str, str]) -> JourneyStep | None:
        before = len(self.problems)
        step_id = self.identifier(row, "id", cells.get("id", ""))
        if not cells.get("title"):
            self.error(row, "title", "у шага должно быть название")
        role = cells.get("role") or None
        if role is not None and self.roles is not None and role not in self.roles:
            role = self.role_titles.get(_key(role), role)
        if role is not None and self.roles is not None and role not in self.roles:
            listed = ", ".join(sorted(self.roles)) or "нет ни одной"
            self.error(row, "role", f"роль «{role}» не найдена; известные: {listed}")
        elif role is not None:
            self.identifier(row, "role", role)
        level = self.number(row, "service_level", cells.get("service_level", ""), integer=True)
        duration = self.number(row, "duration_days", cells.get("duration_days", ""), integer=False)
        minutes = self.number(row, "client_minutes", cells.get("client_minutes", ""), integer=False)
        lists = {name: _split(cells.get(name, "")) for name in _LISTS}
        lists["pains"] = [
            pain
            if self.hypotheses is None or pain in self.hypotheses
            # Written by its statement, as the export writes it.
            else self.problem_titles.get(_key(pain), pain)
            for pain in lists["pains"]
        ]
        for pain in lists["pains"]:
            if self.hypotheses is not None and pain not in self.hypotheses:
                self.error(row, "pains", f"проблема (гипотеза) «{pain}» не найдена")
            elif self.hypotheses is None:
                self.identifier(row, "pains", pain)
        if len(self.problems) > before or step_id is None:
            return None
        try:
            return JourneyStep(
                id=step_id,
                title=cells["title"],
                role=role,
                channel=cells.get("channel", ""),
                service_level=None if level is None else int(level),
                duration_days=duration,
                client_minutes=minutes,
                documents=lists["documents"],
                data_obtained=lists["data_obtained"],
                pains=lists["pains"],
                physical_evidence=cells.get("physical_evidence", ""),
                front_stage=cells.get("front_stage", ""),
                back_stage=cells.get("back_stage", ""),
                support_processes=cells.get("support_processes", ""),
            )
        except ValidationError as exc:
            for problem in exc.errors():
                name = str(problem["loc"][0]) if problem["loc"] else None
                self.error(row, name, str(problem["msg"]))
            return None


@dataclass
class _Draft:
    """A journey being read: its first row, its own fields and its steps."""

    row: int
    kind: JourneyKind | None
    title: str
    segments: list[str]
    cells: dict[str, str]
    steps: list[JourneyStep] = field(default_factory=list)
    step_rows: dict[str, int] = field(default_factory=dict)
    numbers: list[tuple[int | None, int]] = field(default_factory=list)
    """(step number or None, row) of each step read, in row order."""

    def ordered_steps(self, reader: _Reader) -> list[JourneyStep]:
        """The steps in the order of «№ шага» when the journey numbers them, else of rows."""
        given = [(n, row) for n, row in self.numbers if n is not None]
        if not given:
            return self.steps
        first_row: dict[int, int] = {}
        for number, row in given:
            if number in first_row:
                reader.error(
                    row,
                    "order",
                    f"номер шага {number} уже стоит в строке {first_row[number]}: порядок шагов "
                    "неоднозначен — у каждого шага пути свой номер",
                )
            else:
                first_row[number] = row
        for maybe, row in self.numbers:
            if maybe is None:
                reader.error(
                    row,
                    "order",
                    f"номер шага не указан, а у других шагов этого пути (строка {given[0][1]}) "
                    "он есть: укажите номера у всех шагов пути или ни у одного",
                )
        keyed = sorted(zip(self.numbers, self.steps, strict=True), key=lambda p: p[0][0] or 0)
        return [step for _, step in keyed]


def _read_rows(text: str, source: str) -> tuple[list[str], list[list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise JourneyCsvError(source, [(None, None, f"файл не читается как CSV: {exc}")]) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise JourneyCsvError(source, [(None, None, "файл пуст: нет ни заголовка, ни строк")])
    return rows[0], rows[1:]


def journeys_from_csv(
    data: bytes | str, *, study: Study | None = None, source: str = "journeys.csv"
) -> list[Journey]:
    """Read journeys from CSV written by :func:`journeys_to_csv` or edited in Excel.

    Parameters
    ----------
    data
        The file's content (bytes in UTF-8 or Windows-1251, or text).
    study
        When given, roles, pains (hypotheses) and service levels are checked against it.
    source
        The file's name for the messages.

    Returns
    -------
    list[Journey]
        The journeys in the order their first rows appear; steps in row order.

    Raises
    ------
    JourneyCsvError
        With every problem found, each naming the row and the column: a missing or unknown
        column, an empty or malformed identifier, a number that is not one, a role or problem
        the study does not have, a repeated step, a journey whose rows disagree on its kind,
        title or segments, or a file without steps.
    """
    header, body = _read_rows(_decode(data, source), source)
    if all(_field_of(cell) is None for cell in header):
        # No header at all (a client's row, say): its cells are never quoted as names.
        known = ", ".join(f"«{h}»" for _, h in COLUMNS)
        raise JourneyCsvError(
            source,
            [(1, None, f"в первой строке нет ни одного столбца путей клиента; известные: {known}")],
        )
    problems: list[tuple[int | None, str | None, str]] = []
    names: list[str | None] = []
    headers: dict[str, str] = {}
    for cell in header:
        name = _field_of(cell)
        names.append(name)
        if name is None:
            if cell.strip():
                known = ", ".join(f"«{h}»" for _, h in COLUMNS)
                problems.append((1, cell.strip(), f"неизвестный столбец; известные: {known}"))
        elif name in headers:
            problems.append((1, cell.strip(), "столбец повторяется"))
        else:
            headers[name] = cell.strip()
    for name in _REQUIRED:
        if name not in headers:
            problems.append((1, HEADER[name], "нет обязательного столбца"))
    if problems:
        raise JourneyCsvError(source, problems)

    titles = _Names.of(study)
    reader = _Reader(
        source=source,
        headers=headers,
        roles={r.id for r in study.roles} if study is not None else None,
        hypotheses={h.id for h in study.hypotheses} if study is not None else None,
        levels=len(study.service_levels) if study is not None else None,
        study=study,
        role_titles={_key(t): i for i, t in titles.roles.items()},
        problem_titles={_key(t): i for i, t in titles.problems.items()},
    )
    drafts: dict[str, _Draft] = {}
    for offset, raw in enumerate(body):
        row = offset + 2
        if len(raw) > len(names) and any(c.strip() for c in raw[len(names) :]):
            reader.error(row, None, "в строке больше значений, чем столбцов в заголовке")
        cells = {
            name: restore(value.strip())
            for name, value in zip(names, raw, strict=False)
            if name is not None
        }
        journey_id = reader.identifier(row, "journey", cells.get("journey", ""))
        if journey_id is None:
            continue
        draft = drafts.get(journey_id)
        if draft is None:
            draft = _new_draft(reader, row, cells)
            drafts[journey_id] = draft
        else:
            _same_journey(reader, row, cells, draft)
        step_id = cells.get("id", "")
        if step_id in draft.step_rows:
            first = draft.step_rows[step_id]
            reader.error(
                row, "id", f"шаг «{step_id}» пути «{journey_id}» уже есть в строке {first}"
            )
            continue
        if step_id:
            draft.step_rows[step_id] = row
        if not any(cells.get(name) for name in _STEP_FIELDS):
            reader.error(
                row,
                "id",
                f"в строке путь «{journey_id}», но нет шага: строка файла — это шаг, а пустой "
                "путь без шагов не загружается",
            )
            continue
        number = reader.order(row, cells.get("order", ""))
        step = reader.step(row, cells)
        if step is not None:
            draft.steps.append(step)
            draft.numbers.append((number, row))
    if not drafts and not reader.problems:
        reader.error(None, None, "в файле нет ни одного шага")
    ordered = {journey_id: draft.ordered_steps(reader) for journey_id, draft in drafts.items()}
    if reader.problems:
        raise JourneyCsvError(source, reader.problems)
    return [
        Journey(
            id=journey_id,
            kind=draft.kind or JourneyKind.current,
            title=draft.title,
            segments=draft.segments,
            steps=ordered[journey_id],
        )
        for journey_id, draft in drafts.items()
    ]


def _new_draft(reader: _Reader, row: int, cells: dict[str, str]) -> _Draft:
    kind_text = cells.get("journey_kind", "")
    kind = _KINDS.get(kind_text.casefold())
    if kind is None:
        reader.error(
            row,
            "journey_kind",
            "вид пути должен быть «текущий» или «целевой»" if kind_text else "вид пути не указан",
        )
    title = cells.get("journey_title", "")
    if not title:
        reader.error(row, "journey_title", "у пути должно быть название")
    return _Draft(
        row=row,
        kind=kind,
        title=title,
        segments=reader.segments(row, cells.get("journey_segments", "")),
        cells={name: cells.get(name, "") for name in _JOURNEY_FIELDS},
    )


def _same_journey(reader: _Reader, row: int, cells: dict[str, str], draft: _Draft) -> None:
    """Later rows of a journey may leave its fields empty, but must not contradict the first."""
    for name in _JOURNEY_FIELDS:
        value = cells.get(name, "")
        first = draft.cells[name]
        if not value:
            continue
        same = (
            _KINDS.get(value.casefold()) is _KINDS.get(first.casefold())
            if name == "journey_kind"
            # Written as in the first row, or naming the same segments another way.
            else (
                _split(value) == _split(first) or reader.segments(row, value) == draft.segments
                if name == "journey_segments"
                else value == first
            )
        )
        if not same:
            reader.error(row, name, f"отличается от первой строки этого пути (строка {draft.row})")
