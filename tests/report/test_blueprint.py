"""Service blueprint SVG: valid, self-contained XML with the lanes, lines, steps and pains."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from segprofile.errors import NotFound
from segprofile.examples import EXAMPLES
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import Journey, JourneyKind, JourneyStep, Study
from segprofile.report.blueprint import (
    FONT,
    LANES,
    blueprint_svg,
    journey_blueprint_svg,
    level_colour,
    text_width,
    wrap,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own output, made in the test


def _texts(root: ET.Element) -> str:
    """All text of the drawing, lines joined with spaces (wrapped titles read back whole)."""
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


@pytest.mark.parametrize("journey_id", ["current", "target_common", "target_disability"])
def test_blueprint_of_the_example_is_valid_and_complete(study: Study, journey_id: str) -> None:
    journey = next(j for j in study.journeys if j.id == journey_id)
    root = _parse(blueprint_svg(study, journey_id))
    assert root.tag == f"{SVG}svg"
    assert root.get("font-family") == FONT
    text = _texts(root)
    for step in journey.steps:
        assert step.title in text
    for _, label in LANES:
        assert label in text
    for line in ("Линия взаимодействия", "Линия видимости", "Линия внутреннего взаимодействия"):
        assert line in text
    for level in study.service_levels:
        assert level in text  # the legend
    assert journey.title in (root.findtext(f"{SVG}title") or "")


def test_blueprint_is_self_contained(study: Study) -> None:
    text = blueprint_svg(study, "current")
    root = _parse(text)
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert not tags & {"script", "style", "image", "foreignObject", "a"}
    for el in root.iter():
        assert "style" not in el.attrib  # presentation attributes only (strict CSP)
        assert not any(k.endswith("href") for k in el.attrib)
        assert not any(v.startswith("on") for k, v in el.attrib.items() if k.startswith("on"))
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_pains_are_marked_with_their_statements(study: Study) -> None:
    text = _texts(_parse(blueprint_svg(study, "current")))
    number = [h.id for h in study.hypotheses].index("p_docs_burden") + 1
    assert f"№ {number}. У заявителей просят справки" in text  # by number, never by id
    assert not any(p in text for p in ("p_docs_burden", "p_rural_mfc_wait"))
    refuted = [h.id for h in study.hypotheses].index("p_epgu_form_complex") + 1
    assert f"№ {refuted}." not in text  # refuted by research: not a pain
    # Without statements the ids alone are shown.
    bare = _texts(_parse(journey_blueprint_svg(study.journeys[0])))
    assert "p_docs_burden" in bare
    assert "У заявителей просят справки" not in bare


def test_cards_are_coloured_by_service_level(study: Study) -> None:
    root = _parse(blueprint_svg(study, "current"))
    strokes = [r.get("stroke") for r in root.iter(f"{SVG}rect") if r.get("stroke-width") == "1.5"]
    levels = len(study.service_levels)
    assert strokes == [level_colour(s.service_level, levels) for s in study.journeys[0].steps]
    assert level_colour(1, 3) != level_colour(2, 3) != level_colour(3, 3)
    assert level_colour(None, 3) == level_colour(None, 5)  # unknown is grey
    assert level_colour(2, 3, tint=1.0) == "#ffffff"


def test_steps_without_the_client_are_dashed_and_visits_are_named(study: Study) -> None:
    root = _parse(blueprint_svg(study, "current"))
    cards = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-width") == "1.5"]
    dashed = [bool(r.get("stroke-dasharray")) for r in cards]
    # transfer, check, decision and payment happen without the applicant.
    assert dashed == [False, False, False, True, True, True, False, True]
    text = _texts(root)
    assert text.count("Без участия клиента") == 4
    assert text.count("Клиент приходит лично") == 1  # only «collect» is a visit


def _journey(n: int, **step: object) -> Journey:
    return Journey(
        id="j",
        kind=JourneyKind.target,
        title="Путь",
        segments=["a=1"],
        steps=[JourneyStep(id=f"s{i}", title=f"Шаг {i}", **step) for i in range(n)],  # type: ignore[arg-type]
    )


def test_width_grows_with_the_number_of_steps() -> None:
    widths = [
        float(_parse(journey_blueprint_svg(_journey(n))).get("width", "0")) for n in (4, 6, 9)
    ]
    assert widths[0] < widths[1] < widths[2]
    assert widths[2] - widths[1] == pytest.approx(3 * (widths[1] - widths[0]) / 2)
    root = _parse(journey_blueprint_svg(_journey(6)))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


def test_awkward_text_is_escaped_and_wrapped() -> None:
    journey = Journey(
        id="j",
        kind=JourneyKind.current,
        title='Путь <script>alert("x")</script> & «кавычки»',
        steps=[
            JourneyStep(
                id="s",
                title="Сверхдлинноесловобезпробеловкотороенепомещаетсявкарточкуникак & <b>",
                back_stage="Текст " * 60,
                pains=["p"],
            )
        ],
    )
    root = _parse(journey_blueprint_svg(journey, segment_labels={"a=1": "Сегмент А"}))
    assert not any(el.tag.endswith("script") for el in root.iter())
    text = _texts(root)
    assert '<script>alert("x")</script>' in text  # as text, not markup
    assert "Уровень сервиса" in text  # the unknown level is said so
    assert "Текущий путь · для всех клиентов" in text


@pytest.mark.parametrize(
    "text",
    [
        "Межведомственные запросы, проверка доходов и имущества",
        "Заявитель — родитель (усыновитель, опекун) ребёнка до 17 лет",
        "Сверхдлинноесловобезпробеловкотороенепомещаетсяникуда",
        "",
    ],
)
@pytest.mark.parametrize("width", [60.0, 120.0, 210.0])
def test_wrap_keeps_every_line_within_the_width(text: str, width: float) -> None:
    lines = wrap(text, width, 12)
    assert all(text_width(line, 12) <= width for line in lines)
    assert "".join(line.removesuffix("-") for line in lines).replace(" ", "") == text.replace(
        " ", ""
    )


def test_unknown_journey_is_not_found(study: Study) -> None:
    with pytest.raises(NotFound, match="target_common"):
        blueprint_svg(study, "nope")


def test_lanes_and_times_read_in_russian_without_zeros_for_missing_times(study: Study) -> None:
    journey = study.journeys[0]
    bare = journey.model_copy(
        update={"steps": [s.model_copy(update={"duration_days": None}) for s in journey.steps]}
    )
    text = _texts(_parse(journey_blueprint_svg(bare)))
    assert "front stage" not in text
    assert "back stage" not in text
    assert "Действия сотрудников, видимые клиенту" in text
    assert "срок: не указан" in text
    assert "срок 0" not in text
    one_missing = journey.model_copy(
        update={
            "steps": [
                s.model_copy(update={"duration_days": None if i == 0 else 2.0})
                for i, s in enumerate(journey.steps)
            ]
        }
    )
    n = len(journey.steps) - 1
    assert f"срок: {n * 2} дн. (не указан у 1 шага)" in _texts(
        _parse(journey_blueprint_svg(one_missing))
    )
    # «время» is neuter: «время клиента: не указано», never «не указан» (walk-through).
    no_times = journey.model_copy(
        update={"steps": [s.model_copy(update={"client_minutes": None}) for s in journey.steps]}
    )
    timeless = _texts(_parse(journey_blueprint_svg(no_times)))
    assert "время клиента: не указано" in timeless
    assert "время клиента: не указан " not in timeless + " "
