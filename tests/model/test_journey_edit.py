"""Editing journeys step by step (M-12): copies, refusals in Russian that name the cause."""

from __future__ import annotations

import pytest

from segprofile.errors import NotFound
from segprofile.examples import EXAMPLES
from segprofile.model.journey_edit import (
    JourneyEditError,
    StaleOrderError,
    add_step,
    delete_journey,
    delete_step,
    find_journey,
    move_step,
    new_journey,
    new_step_id,
    reorder_steps,
    update_journey,
    update_step,
)
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import JourneyKind, Study, reference_problems


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


def _ids(study: Study, journey_id: str) -> list[str]:
    return [s.id for s in find_journey(study, journey_id).steps]


def test_add_step_appends_a_new_id_and_leaves_the_original_alone(study: Study) -> None:
    before = _ids(study, "target_common")
    changed, step_id = add_step(
        study,
        "target_common",
        {
            "title": "Отзыв о получении",
            "role": "applicant",
            "channel": "ЕПГУ",
            "service_level": 2,
            "client_minutes": 3,
            "documents": ["Паспорт"],
            "pains": ["p_docs_burden"],
        },
    )
    assert step_id == "s6"
    assert _ids(changed, "target_common") == [*before, "s6"]
    added = find_journey(changed, "target_common").steps[-1]
    assert (added.role, added.service_level, added.pains) == ("applicant", 2, ["p_docs_burden"])
    assert _ids(study, "target_common") == before  # a copy, not a change in place
    assert reference_problems(changed) == []


def test_add_step_at_a_position(study: Study) -> None:
    changed, step_id = add_step(study, "target_common", {"title": "Первый"}, position=0)
    assert _ids(changed, "target_common")[0] == step_id


def test_new_step_ids_skip_taken_ones(study: Study) -> None:
    journey = find_journey(study, "target_common").model_copy(deep=True)
    journey.steps[0].id = "s6"
    assert new_step_id(journey) == "s7"


@pytest.mark.parametrize(
    ("values", "field", "named"),
    [
        ({"title": "Шаг", "role": "nobody"}, "role", "«nobody»"),
        ({"title": "Шаг", "pains": ["p_docs_burden", "p_ghost"]}, "pains", "«p_ghost»"),
        ({"title": "Шаг", "service_level": 4}, "service_level", "из 3 уровней"),
        ({"title": ""}, "title", "«название шага»"),
        ({"title": "Шаг", "duration_days": -1}, "duration_days", "≥ 0"),
    ],
)
def test_bad_steps_are_refused_naming_the_field(
    study: Study, values: dict[str, object], field: str, named: str
) -> None:
    with pytest.raises(JourneyEditError) as caught:
        add_step(study, "current", values)
    assert caught.value.field == field
    assert named in str(caught.value)


def test_unknown_role_lists_the_known_ones(study: Study) -> None:
    with pytest.raises(JourneyEditError) as caught:
        update_step(study, "current", "apply", {"title": "Подать", "role": "nobody"})
    message = str(caught.value)
    assert message.startswith("Роль «nobody» не найдена")
    assert "«applicant»" in message
    assert "Что сделать" in message


def test_update_step_keeps_the_id_and_position(study: Study) -> None:
    changed = update_step(
        study, "current", "apply", {"title": "Подать заявление", "channel": "ЕПГУ"}
    )
    assert _ids(changed, "current") == _ids(study, "current")
    step = find_journey(changed, "current").steps[2]
    assert (step.id, step.title, step.channel, step.documents) == (
        "apply",
        "Подать заявление",
        "ЕПГУ",
        [],
    )


def test_unknown_journey_or_step_is_not_found(study: Study) -> None:
    with pytest.raises(NotFound, match="Путь «nope»"):
        add_step(study, "nope", {"title": "Шаг"})
    with pytest.raises(NotFound, match="Шаг «nope»"):
        update_step(study, "current", "nope", {"title": "Шаг"})


def test_delete_step(study: Study) -> None:
    changed = delete_step(study, "target_common", "consent")
    assert "consent" not in _ids(changed, "target_common")


def test_the_last_step_can_be_deleted_and_the_journey_stays_empty(study: Study) -> None:
    # An empty journey may exist while it is built; the page and the check say it has no steps.
    journey = find_journey(study, "target_office")
    shrunk = study
    for step in journey.steps:
        shrunk = delete_step(shrunk, "target_office", step.id)
    assert find_journey(shrunk, "target_office").steps == []
    assert reorder_steps(shrunk, "target_office", []) == shrunk


def test_a_step_a_hypothesis_refers_to_is_not_deleted(study: Study) -> None:
    with pytest.raises(JourneyEditError) as caught:
        delete_step(study, "current", "apply")
    assert "p_office_slow" in str(caught.value)
    assert "шаг пути" in str(caught.value)


def test_move_step_up_and_down_stops_at_the_ends(study: Study) -> None:
    changed, where = move_step(study, "current", "collect", -1)
    assert where == 0
    assert _ids(changed, "current")[:2] == ["collect", "learn"]
    same, where = move_step(changed, "current", "collect", -1)
    assert where == 0
    assert _ids(same, "current") == _ids(changed, "current")
    down, where = move_step(study, "current", "payment", +1)
    assert where == 7
    assert _ids(down, "current") == _ids(study, "current")


def test_reorder_steps(study: Study) -> None:
    order = list(reversed(_ids(study, "target_common")))
    assert _ids(reorder_steps(study, "target_common", order), "target_common") == order


def test_a_step_twice_in_an_order_is_a_cycle(study: Study) -> None:
    order = _ids(study, "target_common")
    with pytest.raises(JourneyEditError, match=r"дважды.*цикл") as caught:
        reorder_steps(study, "target_common", [*order, order[0]])
    assert not isinstance(caught.value, StaleOrderError)


def test_an_out_of_date_order_is_a_conflict(study: Study) -> None:
    order = _ids(study, "target_common")
    with pytest.raises(StaleOrderError, match="не указаны шаги") as caught:
        reorder_steps(study, "target_common", order[:-1])
    assert caught.value.http_status == 409
    with pytest.raises(StaleOrderError, match="в пути нет шагов «ghost»"):
        reorder_steps(study, "target_common", [*order, "ghost"])
    with pytest.raises(JourneyEditError, match="пуст: в нём нет ни одного шага"):
        reorder_steps(study, "target_common", [])


def test_new_journey_copied_for_a_segment(study: Study) -> None:
    changed, new_id = new_journey(
        study,
        JourneyKind.target,
        source="current",
        title="Целевой путь самозанятых",
        segments=["employment=self_employed"],
    )
    assert new_id == "target_employment_self_employed"
    journey = find_journey(changed, new_id)
    assert journey.kind is JourneyKind.target
    assert journey.segments == ["employment=self_employed"]
    assert [s.id for s in journey.steps] == _ids(study, "current")
    # Steps are copies: editing the target leaves the current journey as it was.
    edited = update_step(changed, new_id, "apply", {"title": "Подать на ЕПГУ"})
    assert find_journey(edited, "current").steps[2].title != "Подать на ЕПГУ"


def test_new_journey_copied_refuses_clients_who_have_a_target(study: Study) -> None:
    with pytest.raises(JourneyEditError, match="Общий целевой путь уже есть") as caught:
        new_journey(study, JourneyKind.target, source="current", title="Ещё один")
    assert caught.value.field == "segments"
    with pytest.raises(JourneyEditError, match=r"«Канал: клиентская служба».*уже есть"):
        new_journey(
            study,
            JourneyKind.target,
            source="current",
            title="Ещё один",
            segments=["channel=office"],
            segment_labels={"channel=office": "Канал: клиентская служба"},
        )
    with pytest.raises(JourneyEditError, match="признак=значение"):
        new_journey(
            study, JourneyKind.target, source="current", title="Путь", segments=["просто текст"]
        )
    with pytest.raises(JourneyEditError, match="название"):
        new_journey(
            study, JourneyKind.target, source="current", title="  ", segments=["employment=student"]
        )


def test_a_common_target_is_made_when_there_is_none(study: Study) -> None:
    bare = study.model_copy(
        update={
            "journeys": [j for j in study.journeys if j.kind is JourneyKind.current],
            "recommendations": [],
        }
    )
    changed, new_id = new_journey(bare, JourneyKind.target, source="current", title="Целевой путь")
    assert new_id == "target"
    assert find_journey(changed, "target").segments == []


def test_delete_journey_only_when_nothing_refers_to_it(study: Study) -> None:
    with pytest.raises(JourneyEditError, match="r_office_digitise"):
        delete_journey(study, "target_office")
    with pytest.raises(JourneyEditError, match="гипотезы"):
        delete_journey(study, "current")
    changed, new_id = new_journey(
        study,
        JourneyKind.target,
        source="current",
        title="Временный",
        segments=["employment=student"],
    )
    assert [j.id for j in delete_journey(changed, new_id).journeys] == [
        j.id for j in study.journeys
    ]


def test_a_journey_from_nothing_is_empty_and_of_the_chosen_kind() -> None:
    example = load_study(EXAMPLES["child-benefit"].study_path)
    hypotheses = [h.model_copy(update={"journey_step": None}) for h in example.hypotheses]
    bare = example.model_copy(
        update={"journeys": [], "recommendations": [], "hypotheses": hypotheses}
    )
    changed, current = new_journey(bare, JourneyKind.current, title="  Как сейчас  ")
    assert current == "current"
    journey = find_journey(changed, "current")
    assert (journey.kind, journey.title, journey.segments, journey.steps) == (
        JourneyKind.current,
        "Как сейчас",
        [],
        [],
    )
    assert reference_problems(changed) == []
    # A second common current journey would be ambiguous; one for a segment is not.
    with pytest.raises(JourneyEditError, match="Общий текущий путь уже есть: «Как сейчас»"):
        new_journey(changed, JourneyKind.current, title="Ещё один")
    changed, own = new_journey(
        changed, JourneyKind.current, title="Сельские семьи", segments=["region_type=rural"]
    )
    assert own == "current_region_type_rural"
    with pytest.raises(JourneyEditError, match="уже есть свой текущий путь: «Сельские семьи»"):
        new_journey(changed, JourneyKind.current, title="Ещё", segments=["region_type=rural"])
    # An empty journey has nothing to copy: the message says how to start instead.
    with pytest.raises(JourneyEditError, match="нет шагов: копировать нечего") as caught:
        new_journey(changed, JourneyKind.target, title="Цель", source="current")
    assert caught.value.field == "source"
    # Steps are then added one by one to the empty journey.
    changed, step = add_step(changed, "current", {"title": "Узнать о пособии"})
    assert (step, _ids(changed, "current")) == ("s1", ["s1"])


def test_update_journey_changes_title_kind_and_segments_only(study: Study) -> None:
    before = find_journey(study, "target_rural")
    changed = update_journey(
        study,
        "target_rural",
        kind=JourneyKind.target,
        title="Сельские семьи: заявление на месте",
        segments=["region_type=rural", "employment=student"],
    )
    after = find_journey(changed, "target_rural")
    assert after.title == "Сельские семьи: заявление на месте"
    assert after.segments == ["region_type=rural", "employment=student"]
    assert after.steps == before.steps
    assert find_journey(study, "target_rural").title == before.title  # the original is untouched
    with pytest.raises(JourneyEditError, match="У пути должно быть название") as caught:
        update_journey(study, "target_rural", kind=JourneyKind.target, title=" ")
    assert caught.value.field == "title"
    # The segments of another target journey, or a second common one, are refused.
    with pytest.raises(JourneyEditError, match="уже есть свой целевой путь") as caught:
        update_journey(
            study, "target_rural", kind=JourneyKind.target, title="x", segments=["channel=office"]
        )
    assert caught.value.field == "segments"
    with pytest.raises(JourneyEditError, match="Общий целевой путь уже есть"):
        update_journey(study, "target_rural", kind=JourneyKind.target, title="x")
    # Recommendations change the target journey: it cannot become a current one.
    with pytest.raises(JourneyEditError, match="нельзя сделать текущим") as caught:
        update_journey(
            study, "target_office", kind=JourneyKind.current, title="x", segments=["channel=x"]
        )
    assert caught.value.field == "kind"
    # A journey keeps its own clients when only its title changes.
    renamed = update_journey(study, "current", kind=JourneyKind.current, title="Сейчас")
    assert find_journey(renamed, "current").title == "Сейчас"
