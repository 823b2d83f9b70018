"""Journeys as BPMN 2.0 XML (M-12 exchange) for bpmn.io, Camunda Modeler and other editors.

Each journey is a process in a pool (a collaboration participant); each role taking part is a
lane, stacked top to bottom in the order the roles first appear; the steps are tasks laid out
left to right in their role's lane, between a start event («возникла потребность») and an end
event («потребность удовлетворена»), joined by sequence flows. The task type follows the
service ladder: a proactive / automatic step (top level) is a ``serviceTask``, an in-person or
first-level (personal, manual) step a ``manualTask``, any other a ``userTask``. Every task's
``documentation`` carries the step as «Поле: значение» lines (id, channel, level, duration,
documents, data obtained, pains, the blueprint lanes), so :func:`journeys_from_bpmn` can read
the journeys back. A journey's own documentation names its segments (line «Сегменты пути») by
their titles as the pages show them («Канал подачи: МФЦ»), a segment whose title would not read
back as its key by the key; the import takes either. A step's problems (line «Боли») are named
as the pages name hypotheses («№ 3. Заявителям трудно собрать справки…», whole), by their ids
without a study; the import takes either. The BPMNDI part gives every shape and edge
coordinates, so the diagram opens as drawn.

The XML is written with the standard library only; ``isExecutable="true"`` lets BPMN engines
(SpiffWorkflow, Camunda) parse the process, though nothing in it is meant to run.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from segprofile import __version__
from segprofile.analysis.journeys import is_in_person, is_proactive
from segprofile.errors import InputError
from segprofile.model import labels
from segprofile.model.study import (
    DEFAULT_SERVICE_LEVELS,
    Journey,
    JourneyKind,
    JourneyStep,
    Study,
)
from segprofile.report.journeys_csv import HEADER, segment_keys, segment_titles

__all__ = ["journey_to_bpmn", "journeys_from_bpmn", "journeys_to_bpmn", "task_type"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"

# Layout, in BPMNDI units (pixels at 100 %).
POOL_LABEL = 30  # the pool's name band on the left
LANE_LABEL = 30  # each lane's name band
LANE_HEIGHT = 170
COLUMN = 200  # distance between the left edges of neighbouring tasks
TASK_W, TASK_H = 160, 100
EVENT = 36
MARGIN = 40  # from the lane label to the start event, and after the end event
POOL_GAP = 60

_KIND_RU = {JourneyKind.current: "текущий", JourneyKind.target: "целевой"}
_KIND_OF = {"текущий": JourneyKind.current, "целевой": JourneyKind.target}
_NO_ROLE = "Без роли"
_START_NAME = "Возникла потребность"
_END_NAME = "Потребность удовлетворена"
_STEP_KEY = "Шаг"
_ROLE_KEY = "Роль"
_JOURNEY_KEY = "Путь"
_KIND_KEY = "Вид пути"
_SEGMENTS_KEY = "Сегменты пути"
_TEXT_FIELDS = ("channel", "physical_evidence", "front_stage", "back_stage", "support_processes")
_LIST_FIELDS = ("documents", "data_obtained", "pains")
_NUMBER_FIELDS = ("duration_days", "client_minutes")


def task_type(step: JourneyStep, service_levels: Sequence[str] = DEFAULT_SERVICE_LEVELS) -> str:
    """The BPMN task element for a step: ``serviceTask``, ``manualTask`` or ``userTask``."""
    if is_proactive(step, service_levels):
        return "serviceTask"
    if step.service_level == 1 or is_in_person(step):
        return "manualTask"
    return "userTask"


# --- Export ------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _number(value: float | int) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", ",")


def _segment_out(title: str, key: str) -> str:
    """A segment as the line «Сегменты пути» writes it: its title, unless the title would not
    read back (a «;» splits the line, a line break ends it) — then its key."""
    return key if ";" in title or "\n" in title else _one_line(title)


def _list_item(text: str) -> str:
    """An item of a list line: one line, without the «;» that separates the items."""
    return _one_line(text).replace(";", ",")


def _problem_names(study: Study | None) -> dict[str, str]:
    """id → a step's problem as the line «Боли» writes it: the hypothesis as the pages name it
    («№ 3. …», whole: :func:`segprofile.model.labels.hypothesis_names`); ``{}`` without a study."""
    if study is None:
        return {}
    return {i: _list_item(n) for i, n in labels.hypothesis_names(study.hypotheses, None).items()}


def _step_doc(
    step: JourneyStep, service_levels: Sequence[str], problems: dict[str, str] | None = None
) -> str:
    lines = [f"{_STEP_KEY}: {step.id}"]
    if step.service_level is not None:
        level = f"{step.service_level}"
        if step.service_level <= len(service_levels):
            level += f" — {service_levels[step.service_level - 1]}"
        lines.append(f"{HEADER['service_level']}: {level}")
    for name in _NUMBER_FIELDS:
        value = getattr(step, name)
        if value is not None:
            lines.append(f"{HEADER[name]}: {_number(value)}")
    for name in _LIST_FIELDS:
        items = [_list_item(i) for i in getattr(step, name)]
        if name == "pains":
            items = [(problems or {}).get(i, i) for i in step.pains]
        if items:
            lines.append(f"{HEADER[name]}: {'; '.join(items)}")
    for name in _TEXT_FIELDS:
        value = _one_line(getattr(step, name))
        if value:
            lines.append(f"{HEADER[name]}: {value}")
    return "\n".join(lines)


class _Ids:
    """Unique, XML-valid element ids (``xsd:ID`` must be an NCName and unique per document)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, *parts: str) -> str:
        base = "_".join(re.sub(r"[^A-Za-z0-9_.-]", "_", p) for p in parts)
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}_{n}"
        self.used.add(ident)
        return ident


def _sub(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, tag, attrib or {})


def _doc(parent: ET.Element, text: str) -> None:
    _sub(parent, "bpmn:documentation").text = text


def _bounds(shape: ET.Element, x: float, y: float, w: float, h: float) -> None:
    _sub(shape, "dc:Bounds", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{w:g}", "height": f"{h:g}"})


@dataclass
class _Node:
    ident: str
    lane: int
    column: int
    width: float
    height: float
    x: float = 0.0
    y: float = 0.0
    element: ET.Element = field(default_factory=lambda: ET.Element("x"))


def _add_journey(
    root: ET.Element,
    collaboration: ET.Element,
    plane: ET.Element,
    journey: Journey,
    study: Study | None,
    ids: _Ids,
    top: float,
) -> float:
    """Write one journey's process, participant and diagram; return the pool's bottom edge."""
    levels = study.service_levels if study is not None else DEFAULT_SERVICE_LEVELS
    role_titles = {r.id: r.title for r in study.roles} if study is not None else {}
    problems = _problem_names(study)
    roles = list(dict.fromkeys(s.role for s in journey.steps)) or [None]

    process_id = ids("Process", journey.id)
    participant_id = ids("Participant", journey.id)
    participant = _sub(
        collaboration,
        "bpmn:participant",
        {"id": participant_id, "name": journey.title, "processRef": process_id},
    )
    process = _sub(
        root,
        "bpmn:process",
        {"id": process_id, "name": journey.title, "isExecutable": "true"},
    )
    doc = [f"{_JOURNEY_KEY}: {journey.id}", f"{_KIND_KEY}: {_KIND_RU[journey.kind]}"]
    if journey.segments:
        titles = segment_titles(study, [journey]) if study is not None else {}
        named = [_segment_out(titles.get(key, key), key) for key in journey.segments]
        doc.append(f"{_SEGMENTS_KEY}: {'; '.join(named)}")
    _doc(process, "\n".join(doc))
    _doc(participant, "\n".join(doc))
    lane_set = _sub(process, "bpmn:laneSet", {"id": ids("LaneSet", journey.id)})
    lanes: list[ET.Element] = []
    for role in roles:
        name = role_titles.get(role, role) if role is not None else _NO_ROLE
        lane = _sub(lane_set, "bpmn:lane", {"id": ids("Lane", journey.id, role or "none")})
        lane.set("name", name)
        if role is not None:
            _doc(lane, f"{_ROLE_KEY}: {role}")
        lanes.append(lane)

    lane_of = {role: i for i, role in enumerate(roles)}
    steps = journey.steps
    nodes: list[_Node] = []
    start = _Node(ids("Start", journey.id), lane_of[steps[0].role] if steps else 0, 0, EVENT, EVENT)
    start.element = _sub(process, "bpmn:startEvent", {"id": start.ident, "name": _START_NAME})
    nodes.append(start)
    for column, step in enumerate(steps, start=1):
        node = _Node(ids("Task", journey.id, step.id), lane_of[step.role], column, TASK_W, TASK_H)
        node.element = _sub(
            process, f"bpmn:{task_type(step, levels)}", {"id": node.ident, "name": step.title}
        )
        _doc(node.element, _step_doc(step, levels, problems))
        nodes.append(node)
    end = _Node(
        ids("End", journey.id),
        lane_of[steps[-1].role] if steps else 0,
        len(steps) + 1,
        EVENT,
        EVENT,
    )
    end.element = _sub(process, "bpmn:endEvent", {"id": end.ident, "name": _END_NAME})
    nodes.append(end)
    for node in nodes:
        _sub(lanes[node.lane], "bpmn:flowNodeRef").text = node.ident

    # Coordinates: columns left to right, each node centred in its lane and column.
    left = POOL_LABEL + LANE_LABEL + MARGIN
    for node in nodes:
        centre_x = left + node.column * COLUMN + TASK_W / 2
        centre_y = top + node.lane * LANE_HEIGHT + LANE_HEIGHT / 2
        node.x, node.y = centre_x - node.width / 2, centre_y - node.height / 2
    width = left + (len(nodes) - 1) * COLUMN + TASK_W + MARGIN
    height = LANE_HEIGHT * len(lanes)

    flows: list[tuple[str, _Node, _Node]] = []
    for source, target in itertools.pairwise(nodes):
        flow_id = ids("Flow", journey.id, source.ident, target.ident)
        _sub(source.element, "bpmn:outgoing").text = flow_id
        _sub(target.element, "bpmn:incoming").text = flow_id
        flows.append((flow_id, source, target))
    for flow_id, source, target in flows:
        _sub(
            process,
            "bpmn:sequenceFlow",
            {"id": flow_id, "sourceRef": source.ident, "targetRef": target.ident},
        )

    shape = _sub(
        plane,
        "bpmndi:BPMNShape",
        {"id": f"{participant_id}_di", "bpmnElement": participant_id, "isHorizontal": "true"},
    )
    _bounds(shape, 0, top, width, height)
    for i, lane in enumerate(lanes):
        lane_id = lane.get("id", "")
        shape = _sub(
            plane,
            "bpmndi:BPMNShape",
            {"id": f"{lane_id}_di", "bpmnElement": lane_id, "isHorizontal": "true"},
        )
        _bounds(shape, POOL_LABEL, top + i * LANE_HEIGHT, width - POOL_LABEL, LANE_HEIGHT)
    for node in nodes:
        shape = _sub(
            plane, "bpmndi:BPMNShape", {"id": f"{node.ident}_di", "bpmnElement": node.ident}
        )
        _bounds(shape, node.x, node.y, node.width, node.height)
        if node.width == EVENT:
            label = _sub(shape, "bpmndi:BPMNLabel")
            _bounds(label, node.x - 32, node.y + EVENT + 6, EVENT + 64, 28)
    for flow_id, source, target in flows:
        edge = _sub(plane, "bpmndi:BPMNEdge", {"id": f"{flow_id}_di", "bpmnElement": flow_id})
        for x, y in _route(source, target):
            _sub(edge, "di:waypoint", {"x": f"{x:g}", "y": f"{y:g}"})
    return top + height


def _route(source: _Node, target: _Node) -> list[tuple[float, float]]:
    """Right side of the source to the left side of the target; a dog-leg between lanes."""
    sx, sy = source.x + source.width, source.y + source.height / 2
    tx, ty = target.x, target.y + target.height / 2
    if sy == ty:
        return [(sx, sy), (tx, ty)]
    middle = (sx + tx) / 2
    return [(sx, sy), (middle, sy), (middle, ty), (tx, ty)]


def journeys_to_bpmn(journeys: Iterable[Journey], study: Study | None = None) -> str:
    """Write journeys as one BPMN 2.0 document: a pool per journey, stacked top to bottom.

    Parameters
    ----------
    journeys
        The journeys (e.g. ``study.journeys``); each needs at least one step.
    study
        Gives the lanes the roles' titles and the tasks the service ladder; without it lanes are
        named by role id and the default ladder is used.

    Returns
    -------
    str
        The XML document (UTF-8 declared), valid against the OMG BPMN 2.0 schema.
    """
    chosen = list(journeys)
    if not chosen:
        raise InputError("нет путей для выгрузки в BPMN", hint="добавьте хотя бы один путь.")
    for journey in chosen:
        if not journey.steps:
            raise InputError(
                f"у пути «{journey.title}» нет шагов: выгружать в BPMN нечего",
                hint="добавьте шаги или не выгружайте пустой путь.",
            )
    ids = _Ids()
    name = study.id if study is not None else chosen[0].id
    root = ET.Element(
        "bpmn:definitions",
        {
            "xmlns:bpmn": BPMN_NS,
            "xmlns:bpmndi": BPMNDI_NS,
            "xmlns:dc": DC_NS,
            "xmlns:di": DI_NS,
            "id": ids("Definitions", name),
            "targetNamespace": f"urn:segprofile:{name}",
            "exporter": "segprofile",
            "exporterVersion": __version__,
        },
    )
    collaboration = _sub(root, "bpmn:collaboration", {"id": ids("Collaboration", name)})
    diagram = ET.Element("bpmndi:BPMNDiagram", {"id": ids("Diagram", name)})
    plane = _sub(
        diagram,
        "bpmndi:BPMNPlane",
        {"id": ids("Plane", name), "bpmnElement": collaboration.get("id", "")},
    )
    top = 0.0
    for journey in chosen:
        top = _add_journey(root, collaboration, plane, journey, study, ids, top) + POOL_GAP
    root.append(diagram)  # the schema wants the diagram after every root element
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def journey_to_bpmn(journey: Journey, study: Study | None = None) -> str:
    """Write one journey as a BPMN 2.0 document (see :func:`journeys_to_bpmn`)."""
    return journeys_to_bpmn([journey], study)


# --- Import (our own export, edited or not) ----------------------------------------------------

_NS = {"bpmn": BPMN_NS}
_TASKS = ("task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask")
_FIELD_OF = {header: name for name, header in HEADER.items()}


def _lines(element: ET.Element) -> dict[str, str]:
    doc = element.find("bpmn:documentation", _NS)
    out: dict[str, str] = {}
    if doc is None or not doc.text:
        return out
    for line in doc.text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out.setdefault(key.strip(), value.strip())
    return out


def _parse_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _step_from(
    task: ET.Element, role: str | None, position: int, known: _StudyNames
) -> JourneyStep:
    doc = _lines(task)
    values: dict[str, object] = {
        "id": doc.get(_STEP_KEY) or re.sub(r"[^A-Za-z0-9_.-]", "_", task.get("id", f"s{position}")),
        "title": task.get("name") or doc.get(_STEP_KEY) or f"Шаг {position}",
        "role": role,
    }
    for key, value in doc.items():
        name = _FIELD_OF.get(key)
        if name == "service_level":
            level = re.match(r"\d+", value)
            values[name] = int(level.group()) if level else None
        elif name in _NUMBER_FIELDS:
            values[name] = _parse_number(value)
        elif name in _LIST_FIELDS:
            items = [i.strip() for i in value.split(";") if i.strip()]
            values[name] = [known.problem(i) for i in items] if name == "pains" else items
        elif name in _TEXT_FIELDS:
            values[name] = value
    try:
        return JourneyStep.model_validate(values)
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        named = ", ".join(f"«{HEADER.get(f, f)}»" for f in fields)
        raise InputError(
            f"задача «{task.get('name') or task.get('id')}»: недопустимое значение: {named}"
        ) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def journeys_from_bpmn(
    text: str | bytes, *, study: Study | None = None, source: str = "journeys.bpmn"
) -> list[Journey]:
    """Read journeys back from BPMN written by :func:`journeys_to_bpmn` (titles, order, roles).

    The steps of a process are its tasks in sequence-flow order from the start event; a task's
    role is its lane's (the «Роль» line of the lane's documentation, else the lane's name), the
    other fields come from the task's documentation lines. Only straight journeys are
    supported: a gateway, a branch or a loop is refused with the reason. With ``study``, a
    lane named by a role's title (a file drawn in another BPMN editor) is that role; a lane
    that names no role of the study is refused with the roles it could be.

    Raises
    ------
    InputError
        The XML does not parse, has no process, or a process is not a straight line of tasks.
    """
    try:
        root = ET.fromstring(text)  # noqa: S314 - stdlib parser: no external entities are resolved
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            f"{source}: файл не читается как XML (ошибка в строке {line}, позиции {column + 1})",
            hint="выберите файл BPMN 2.0, сохранённый редактором схем или выгруженный здесь.",
        ) from None
    names = {
        p.get("processRef"): p.get("name")
        for p in root.iter(f"{{{BPMN_NS}}}participant")
        if p.get("processRef")
    }
    processes = root.findall("bpmn:process", _NS)
    if not processes:
        raise InputError(f"{source}: в файле нет ни одного процесса (bpmn:process)")
    known = _StudyNames(study)
    return [_journey_from(process, names, known, source) for process in processes]


@dataclass(frozen=True)
class _StudyNames:
    """The study's roles and segments by key and by title, for the lanes and the journeys of an
    imported BPMN."""

    study: Study | None

    def role(self, lane: ET.Element, where: str) -> str | None:
        """The role of ``lane``: its «Роль» line, else its name (a role id or title)."""
        name = lane.get("name")
        given = _lines(lane).get(_ROLE_KEY) or (None if name in (None, "", _NO_ROLE) else name)
        if given is None:
            return None
        if self.study is None:
            if _ID.match(given):
                return given
            hint = "впишите в описание дорожки строку «Роль: <идентификатор роли>»."
        else:
            by_title = {r.title.strip().casefold(): r.id for r in self.study.roles}
            if given in {r.id for r in self.study.roles}:
                return given
            if given.strip().casefold() in by_title:
                return by_title[given.strip().casefold()]
            known = "; ".join(f"«{r.title}»" for r in self.study.roles) or "ролей пока нет"
            hint = f"назовите дорожку, как роль в исследовании ({known}), и загрузите файл снова."
        raise InputError(
            f"{where}: дорожка «{name or given}» не называет ни одной роли исследования",
            hint=hint,
        )

    def problem(self, item: str) -> str:
        """The hypothesis id of an item of the «Боли» line: written as the export writes it
        («№ 3. …») or as its id (an older file); anything else as written (the study's check
        then names it)."""
        if self.study is None:
            return item
        wanted = _folded(item)
        for hypothesis_id, name in _problem_names(self.study).items():
            if wanted in (_folded(name), _folded(hypothesis_id)):
                return hypothesis_id
        return item

    def segment(self, item: str, where: str) -> str:
        """The key of a segment of the «Сегменты пути» line, written as its key or its title."""
        if self.study is None:
            return item  # as written: the export without a study writes keys
        found = segment_keys(self.study, item)
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            listed = ", ".join(f"«{k}»" for k in sorted(found))
            raise InputError(
                f"{where}: название сегмента «{item}» подходит к нескольким сегментам ({listed})",
                hint="укажите в строке «Сегменты пути» ключ сегмента («признак=значение»).",
            )
        raise InputError(
            f"{where}: сегмент «{item}» не найден в исследовании",
            hint="укажите в строке «Сегменты пути» его название, как в выгрузке («Признак: "
            "значение»), или ключ «признак=значение».",
        )


_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def _folded(text: str) -> str:
    """A name compared as people retype it: spaces and capital letters aside."""
    return " ".join(text.split()).casefold()


def _journey_from(
    process: ET.Element, names: dict[str | None, str | None], known: _StudyNames, source: str
) -> Journey:
    process_id = process.get("id", "process")
    doc = _lines(process)
    where = f"{source}: процесс «{process_id}»"
    role_of: dict[str, str | None] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        role = known.role(lane, where)
        for ref in lane.findall("bpmn:flowNodeRef", _NS):
            if ref.text:
                role_of[ref.text.strip()] = role
    nodes = {el.get("id"): el for el in process if el.get("id")}
    outgoing: dict[str, list[str]] = {}
    for flow in process.findall("bpmn:sequenceFlow", _NS):
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
    starts = process.findall("bpmn:startEvent", _NS)
    if len(starts) != 1:
        raise InputError(f"{where}: нужно ровно одно начальное событие, найдено {len(starts)}")
    steps: list[JourneyStep] = []
    seen: set[str] = set()
    current = starts[0].get("id", "")
    while True:
        seen.add(current)
        targets = outgoing.get(current, [])
        if not targets:
            break
        if len(targets) > 1:
            raise InputError(f"{where}: у элемента «{current}» несколько исходящих потоков")
        current = targets[0]
        if current in seen:
            raise InputError(f"{where}: поток возвращается к «{current}» — путь с циклом")
        element = nodes.get(current)
        if element is None:
            raise InputError(f"{where}: поток ведёт к несуществующему элементу «{current}»")
        tag = _local(element.tag)
        if tag == "endEvent":
            break
        if tag not in _TASKS:
            raise InputError(f"{where}: элемент «{current}» ({tag}) — поддерживаются только задачи")
        try:
            steps.append(_step_from(element, role_of.get(current), len(steps) + 1, known))
        except InputError as exc:
            raise InputError(f"{where}: {exc.message}", hint=exc.hint) from None
    if not steps:
        raise InputError(f"{where}: в процессе нет ни одной задачи — путь пуст")
    journey_id = doc.get(_JOURNEY_KEY) or re.sub(r"^Process_", "", process_id)
    segments = [s.strip() for s in doc.get(_SEGMENTS_KEY, "").split(";") if s.strip()]
    return Journey(
        id=re.sub(r"[^A-Za-z0-9_.-]", "_", journey_id)[:64],
        kind=_KIND_OF.get(doc.get(_KIND_KEY, ""), JourneyKind.current),
        title=names.get(process_id) or process.get("name") or journey_id,
        segments=list(dict.fromkeys(known.segment(item, where) for item in segments)),
        steps=steps,
    )
