"""BPMN 2.0 export: valid against the OMG schema, parsed by SpiffWorkflow, drawn, read back."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from segprofile.errors import InputError
from segprofile.examples import EXAMPLES
from segprofile.model.labels import hypothesis_names, segment_name
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import Journey, JourneyKind, JourneyStep, Study
from segprofile.report.bpmn import (
    BPMN_NS,
    BPMNDI_NS,
    DC_NS,
    DI_NS,
    journey_to_bpmn,
    journeys_from_bpmn,
    journeys_to_bpmn,
    task_type,
)

etree = pytest.importorskip("lxml.etree", reason="lxml comes with SpiffWorkflow (dev dependency)")
bpmn_parser = pytest.importorskip(
    "SpiffWorkflow.bpmn.parser.BpmnParser", reason="SpiffWorkflow validates and parses BPMN"
)
ValidationException = pytest.importorskip(
    "SpiffWorkflow.bpmn.parser.ValidationException"
).ValidationException

NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own export, made in the test


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


@pytest.fixture(scope="module")
def exported(study: Study) -> str:
    return journeys_to_bpmn(study.journeys, study)


@pytest.fixture(scope="module")
def validator() -> object:
    return bpmn_parser.BpmnValidator()


def test_export_is_valid_bpmn_20(exported: str, validator: object) -> None:
    validator.validate(etree.fromstring(exported.encode()))  # type: ignore[attr-defined]


def test_validator_would_catch_a_broken_document(exported: str, validator: object) -> None:
    broken = exported.replace("<bpmn:laneSet", "<bpmn:laneSetty", 1).replace(
        "</bpmn:laneSet>", "</bpmn:laneSetty>", 1
    )
    with pytest.raises(ValidationException):
        validator.validate(etree.fromstring(broken.encode()))  # type: ignore[attr-defined]


def test_spiffworkflow_parses_every_journey_in_flow_order(
    exported: str, study: Study, validator: object
) -> None:
    parser = bpmn_parser.BpmnParser(validator=validator)
    parser.add_bpmn_str(exported.encode())
    assert parser.get_process_ids() == [f"Process_{j.id}" for j in study.journeys]
    titles = {r.id: r.title for r in study.roles}
    for journey in study.journeys:
        spec = parser.get_spec(f"Process_{journey.id}")
        order = []
        task = spec.start
        while task.outputs:
            (task,) = task.outputs
            if task.bpmn_id is not None:
                order.append(task)
        assert [t.bpmn_id for t in order] == [
            f"Start_{journey.id}",
            *(f"Task_{journey.id}_{s.id}" for s in journey.steps),
            f"End_{journey.id}",
        ]
        steps = order[1:-1]
        assert [t.bpmn_name for t in steps] == [s.title for s in journey.steps]
        assert [t.lane for t in steps] == [titles[s.role or ""] for s in journey.steps]
        kinds = [type(t).__name__ for t in steps]
        assert kinds == [
            {"userTask": "UserTask", "manualTask": "ManualTask", "serviceTask": "ServiceTask"}[
                task_type(s, study.service_levels)
            ]
            for s in journey.steps
        ]


def test_task_types_follow_the_service_ladder(study: Study) -> None:
    current = {s.id: task_type(s, study.service_levels) for s in study.journeys[0].steps}
    assert current["learn"] == "userTask"  # self-service, remote
    assert current["collect"] == "manualTask"  # personal visit
    assert current["transfer"] == "manualTask"  # first level, manual (courier)
    assert current["check"] == "serviceTask"  # proactive, automatic
    assert current["decision"] == "userTask"


def test_process_structure(exported: str, study: Study) -> None:
    root = _parse(exported)
    collaboration = root.find("bpmn:collaboration", NS)
    assert collaboration is not None
    participants = collaboration.findall("bpmn:participant", NS)
    assert [p.get("name") for p in participants] == [j.title for j in study.journeys]
    process = root.find("bpmn:process[@id='Process_current']", NS)
    assert process is not None
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == [
        "Заявитель — родитель (усыновитель, опекун) ребёнка до 17 лет",
        "Многофункциональный центр (МФЦ)",
        "Специалист клиентской службы и отдела назначения СФР",
        "Оператор ЕПГУ (Минцифры России)",
    ]
    refs = [r.text for lane in lanes for r in lane.findall("bpmn:flowNodeRef", NS)]
    assert len(refs) == len(study.journeys[0].steps) + 2
    flows = process.findall("bpmn:sequenceFlow", NS)
    assert len(flows) == len(study.journeys[0].steps) + 1
    check = process.find("bpmn:serviceTask[@id='Task_current_check']", NS)
    assert check is not None
    doc = check.findtext("bpmn:documentation", namespaces=NS)
    assert doc is not None
    assert "Шаг: check" in doc
    assert "Канал: СМЭВ" in doc
    assert "Срок, дней: 7" in doc
    assert "Уровень сервиса: 3 — Проактивное, автоматическое предоставление" in doc
    assert "Сведения, которые ведомство получает само: Доходы (ФНС, СФР);" in doc
    # The step's problem as the pages name it («№ 5. …», whole), never by its id.
    name = hypothesis_names(study.hypotheses, None)["p_disability_refusals"]
    assert re.match(r"№ \d+\. \S", name)
    assert f"Проблемы: {name.replace(';', ',')}" in doc  # «;» separates the items
    assert "p_disability_refusals" not in doc


def _bounds(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for shape in root.iter(f"{{{BPMNDI_NS}}}BPMNShape"):
        b = shape.find("dc:Bounds", NS)
        assert b is not None
        out[shape.get("bpmnElement", "")] = tuple(
            float(b.get(k, "nan")) for k in ("x", "y", "width", "height")
        )
    return out  # type: ignore[return-value]


def test_diagram_has_a_shape_for_everything_and_lanes_stack(exported: str) -> None:
    root = _parse(exported)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane is not None
    assert plane.get("bpmnElement") == root.find("bpmn:collaboration", NS).get("id")  # type: ignore[union-attr]
    bounds = _bounds(root)
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge")}
    pools = [bounds[p.get("id", "")] for p in root.iter(f"{{{BPMN_NS}}}participant")]
    for upper, lower in itertools.pairwise(pools):
        assert upper[1] + upper[3] < lower[1]  # pools do not overlap
    for process in root.findall("bpmn:process", NS):
        lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
        boxes = [bounds[lane.get("id", "")] for lane in lanes]
        for upper, lower in itertools.pairwise(boxes):
            assert upper[1] + upper[3] == pytest.approx(lower[1])  # stacked, no gap
        previous_x = -1.0
        for lane, box in zip(lanes, boxes, strict=True):
            for ref in lane.findall("bpmn:flowNodeRef", NS):
                x, y, w, h = bounds[ref.text or ""]
                assert box[1] <= y  # inside its lane
                assert y + h <= box[1] + box[3]
                assert box[0] <= x
                assert x + w <= box[0] + box[2]
        # Left to right in flow order.
        for flow in process.findall("bpmn:sequenceFlow", NS):
            source, target = bounds[flow.get("sourceRef", "")], bounds[flow.get("targetRef", "")]
            assert source[0] + source[2] < target[0]
            assert source[0] > previous_x
            previous_x = source[0]
            waypoints = edges[flow.get("id")].findall("di:waypoint", NS)
            assert len(waypoints) >= 2
            assert float(waypoints[0].get("x", "0")) == pytest.approx(source[0] + source[2])
            assert float(waypoints[-1].get("x", "0")) == pytest.approx(target[0])


def test_own_importer_reads_the_journeys_back(exported: str, study: Study) -> None:
    back = journeys_from_bpmn(exported, study=study)  # segments by title: read by the study
    assert [j.id for j in back] == [j.id for j in study.journeys]
    for read, original in zip(back, study.journeys, strict=True):
        assert read.title == original.title
        assert read.kind is original.kind
        assert read.segments == original.segments
        assert [s.id for s in read.steps] == [s.id for s in original.steps]
        assert [s.title for s in read.steps] == [s.title for s in original.steps]
        assert [s.role for s in read.steps] == [s.role for s in original.steps]
        assert read == original  # the example has no «;» inside list items: everything survives


def test_one_journey_without_a_study_uses_role_ids_and_escapes_text(validator: object) -> None:
    journey = Journey(
        id="1st",
        kind=JourneyKind.target,
        title="Путь <с> & «кавычками»",
        steps=[
            JourneyStep(id="a", title="Шаг <один> & два", role="applicant", service_level=2),
            JourneyStep(id="b", title="Без роли", service_level=3, channel="СМЭВ"),
        ],
    )
    text = journey_to_bpmn(journey)
    validator.validate(etree.fromstring(text.encode()))  # type: ignore[attr-defined]
    root = _parse(text)
    assert [lane.get("name") for lane in root.iter(f"{{{BPMN_NS}}}lane")] == [
        "applicant",
        "Без роли",
    ]
    (back,) = journeys_from_bpmn(text)
    assert back == journey


def test_importer_refuses_loops_branches_and_empty_processes(exported: str, study: Study) -> None:
    start = exported.index('<bpmn:process id="Process_target_office"')
    end = exported.index("</bpmn:process>", start)
    office = exported[start:end]
    looped = office.replace(
        'sourceRef="Task_target_office_notify" targetRef="End_target_office"',
        'sourceRef="Task_target_office_notify" targetRef="Task_target_office_book"',
    )
    with pytest.raises(InputError, match="цикл"):
        journeys_from_bpmn(exported[:start] + looped + exported[end:], study=study)
    branched = office.replace(
        "</bpmn:laneSet>",
        '</bpmn:laneSet><bpmn:sequenceFlow id="Extra" sourceRef="Start_target_office" '
        'targetRef="End_target_office"/>',
    )
    with pytest.raises(InputError, match="несколько исходящих"):
        journeys_from_bpmn(exported[:start] + branched + exported[end:], study=study)
    with pytest.raises(InputError, match="XML"):
        journeys_from_bpmn("<bpmn:definitions")


def test_export_refuses_empty_input() -> None:
    with pytest.raises(InputError, match="нет шагов"):
        journeys_to_bpmn([Journey(id="e", kind=JourneyKind.current, title="Пустой")])
    with pytest.raises(InputError, match="нет путей"):
        journeys_to_bpmn([])


#: A journey drawn in another BPMN editor: lanes named in Russian, no documentation lines.
_DRAWN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
<bpmn:process id="Process_1" name="Путь заявителя (нарисован в другом редакторе)">
<bpmn:laneSet>
<bpmn:lane id="La" name="{first}"><bpmn:flowNodeRef>T1</bpmn:flowNodeRef></bpmn:lane>
<bpmn:lane id="Lb" name="{second}"><bpmn:flowNodeRef>T2</bpmn:flowNodeRef></bpmn:lane>
</bpmn:laneSet>
<bpmn:startEvent id="S"/><bpmn:task id="T1" name="Подать заявление"/>
<bpmn:userTask id="T2" name="Проверить документы"/><bpmn:endEvent id="E"/>
<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T1"/>
<bpmn:sequenceFlow id="f2" sourceRef="T1" targetRef="T2"/>
<bpmn:sequenceFlow id="f3" sourceRef="T2" targetRef="E"/>
</bpmn:process></bpmn:definitions>"""


def test_lanes_drawn_elsewhere_are_roles_by_title_or_refused_in_russian(study: Study) -> None:
    """A lane named like a role's title is that role; a lane naming no role is refused with the
    study's roles (it crashed the import with a pydantic error, reported as «out of memory»)."""
    applicant, mfc = study.roles[0], study.roles[2]
    drawn = _DRAWN.format(first=applicant.title.upper(), second=mfc.title)
    (journey,) = journeys_from_bpmn(drawn, study=study)
    assert [(s.title, s.role) for s in journey.steps] == [
        ("Подать заявление", applicant.id),
        ("Проверить документы", mfc.id),
    ]
    unknown = _DRAWN.format(first="Заявитель", second=mfc.title)
    with pytest.raises(InputError, match="дорожка «Заявитель» не называет ни одной роли") as err:
        journeys_from_bpmn(unknown, study=study, source="путь.bpmn")
    assert mfc.title in str(err.value)
    with pytest.raises(InputError, match="дорожка «Заявитель»") as err:
        journeys_from_bpmn(unknown)
    assert "Роль:" in str(err.value)


def test_a_bad_value_in_a_task_and_broken_xml_are_named_in_russian() -> None:
    bad_level = _DRAWN.format(first="applicant", second="mfc").replace(
        '<bpmn:task id="T1" name="Подать заявление"/>',
        '<bpmn:task id="T1" name="Подать заявление">'
        "<bpmn:documentation>Время клиента, минут: -5</bpmn:documentation></bpmn:task>",
    )
    with pytest.raises(InputError) as err:
        journeys_from_bpmn(bad_level)
    assert "задача «Подать заявление»: недопустимое значение: «Время клиента, минут»" in str(
        err.value
    )
    for broken in (
        "<bpmn:definitions><a>",
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d a="&x;"/>',
    ):
        with pytest.raises(InputError) as err:
            journeys_from_bpmn(broken, source="схема.bpmn")
        message = str(err.value)
        assert message.startswith(
            "схема.bpmn: файл не читается как XML (ошибка в строке 1, позиции"
        )
        words = message.split(":", 1)[1].replace("BPMN", "").replace("XML", "")
        assert not re.search(r"[A-Za-z]{4,}", words)  # no English parser message


def _segments_line(text: str, journey_id: str) -> str:
    process = _parse(text).find(f"bpmn:process[@id='Process_{journey_id}']", NS)
    assert process is not None
    doc = process.findtext("bpmn:documentation", namespaces=NS) or ""
    return next(line for line in doc.splitlines() if line.startswith("Сегменты пути: "))


def test_segments_are_written_by_their_titles_and_read_back_as_keys(
    study: Study, validator: object
) -> None:
    """The pages name segments «Признак: значение»; so does the file, where the title reads back
    as its key. A title that would not (two values labelled alike) stays a key."""
    document = study.model_copy(deep=True)
    channel = next(f for f in document.features if f.id == "channel")
    # Two codes sharing one label: «Способ подачи: МФЦ» would name either, so both stay keys.
    channel.value_labels["mfc_mobile"] = channel.value_labels["mfc"]
    target = next(j for j in document.journeys if j.segments)
    target.segments = ["region_type=rural", "channel=mfc", "disability_in_family=true"]
    text = journeys_to_bpmn(document.journeys, document)
    validator.validate(etree.fromstring(text.encode()))  # type: ignore[attr-defined]
    line = _segments_line(text, target.id)
    # As the journeys page names it without a profile: «Тип населённого пункта: Сельская местность».
    assert segment_name(document.features, "region_type=rural") in line
    assert "Тип населённого пункта: Сельская местность" in line
    assert "region_type=rural" not in line
    assert "disability_in_family=true" not in line
    assert "channel=mfc" in line  # its title is ambiguous: the key, so the round trip never guesses
    participant = _parse(text).find(f".//bpmn:participant[@processRef='Process_{target.id}']", NS)
    assert participant is not None
    assert line in (participant.findtext("bpmn:documentation", namespaces=NS) or "")
    back = journeys_from_bpmn(text, study=document)
    assert [j.segments for j in back] == [j.segments for j in document.journeys]


def test_without_a_study_segments_are_keys_and_a_title_the_study_lacks_is_refused(
    study: Study,
) -> None:
    journey = study.journeys[-1].model_copy(update={"segments": ["channel=office"]})
    assert _segments_line(journey_to_bpmn(journey), journey.id) == "Сегменты пути: channel=office"
    text = journey_to_bpmn(journey, study)
    assert "channel=office" not in _segments_line(text, journey.id)
    edited = text.replace(
        _segments_line(text, journey.id), "Сегменты пути: Способ подачи: голубиная почта"
    )
    with pytest.raises(
        InputError, match="сегмент «Способ подачи: голубиная почта» не найден"
    ) as err:
        journeys_from_bpmn(edited, study=study, source="пути.bpmn")
    assert "пути.bpmn" in str(err.value)
    assert "признак=значение" in str(err.value.hint)


def test_a_steps_problems_are_named_as_the_pages_name_them_and_read_back(study: Study) -> None:
    """«Проблемы: № 3. <statement>» (labels.hypothesis_names, whole), never «h3»; the import
    reads the names back as ids, and an older file written with ids still reads."""
    data = study.model_dump(mode="json")
    data["hypotheses"] = [
        {"id": "h1", "kind": "problem", "statement": "Справки о доходах просят   несколько раз"},
        {"id": "h2", "kind": "need", "statement": "Нужна запись в МФЦ на удобное время"},
        {"id": "h3", "kind": "problem", "statement": "Уведомление не объясняет; почему отказ"},
    ]
    for activity in data["research"]["activities"]:
        activity["hypotheses"] = []
    data["recommendations"] = []
    data["journeys"] = [
        {
            "id": "j",
            "kind": "current",
            "title": "Путь заявителя",
            "steps": [
                {"id": "apply", "title": "Подать заявление", "pains": ["h3", "h1"]},
                {"id": "wait", "title": "Ждать решения"},
            ],
        }
    ]
    small = Study.model_validate(data)
    text = journeys_to_bpmn(small.journeys, small)
    task = next(t for t in _parse(text).iter() if t.get("name") == "Подать заявление")
    doc = task.findtext("bpmn:documentation", namespaces=NS) or ""
    line = next(x for x in doc.splitlines() if x.startswith("Проблемы: "))
    assert line == (
        "Проблемы: № 3. Уведомление не объясняет, почему отказ; "
        "№ 1. Справки о доходах просят несколько раз"
    )
    assert not re.search(r"\bh\d\b", doc)
    (back,) = journeys_from_bpmn(text, study=small)
    assert back.steps[0].pains == ["h3", "h1"]
    # Retyped in another editor (capitals, spaces) or an older export with ids: the same ids.
    retyped = text.replace(line, "Проблемы: №  3. уведомление НЕ объясняет, почему отказ; h1")
    (again,) = journeys_from_bpmn(retyped, study=small)
    assert again.steps[0].pains == ["h3", "h1"]
    # A problem the study does not have is refused in Russian, naming the field.
    unknown = text.replace(line, "Проблемы: № 9. Такой гипотезы нет")
    with pytest.raises(InputError, match="Проблемы"):
        journeys_from_bpmn(unknown, study=small)
