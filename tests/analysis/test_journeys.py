"""Journey metrics, current → target comparisons and rule-based recommendation suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from segprofile.analysis.journeys import (
    MANY_VISITS,
    compare_journeys,
    held_document,
    is_in_person,
    is_proactive,
    journey_for_segment,
    journey_metrics,
    preferred_channels_from_profile,
    problems_without_recommendation,
    suggest_recommendations,
    suggestion_rule,
)
from segprofile.examples import EXAMPLES
from segprofile.model.results import (
    CrossSegmentation,
    FeatureSegmentation,
    Profile,
    SatisfactionStats,
    SegmentStats,
)
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import (
    JourneyKind,
    JourneyStep,
    Recommendation,
    RecommendationKind,
    Study,
    reference_problems,
)
from sp_factories import fixed_provenance


def _problem(pid: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "kind": "problem", "statement": f"Проблема {pid}", **extra}


def _study(**changes: Any) -> Study:
    """A small study: a current journey with two visits, a common and a personal target."""
    data: dict[str, Any] = {
        "id": "t",
        "title": "Тест",
        "scope": {"kind": "service", "title": "Услуга", "client_types": ["citizen"]},
        "roles": [
            {"id": "applicant", "kind": "applicant", "title": "Заявитель"},
            {"id": "staff", "kind": "internal_client", "title": "Специалист"},
        ],
        "hypotheses": [
            _problem("p_docs", status="confirmed", hunt_stage=4, journey_step="current.s3"),
            _problem("p_visits", status="confirmed", hunt_stage=4, segments=["age=old"]),
            _problem(
                "p_aware", status="confirmed", hunt_stage=2, segments=["age=young", "age=old"]
            ),
            _problem("p_open", status="open", hunt_stage=1),
            _problem("p_late", status="confirmed", hunt_stage=3),
        ],
        "journeys": [
            {
                "id": "current",
                "kind": "current",
                "title": "Текущий путь",
                "steps": [
                    {
                        "id": "s1",
                        "title": "Узнать об услуге",
                        "role": "applicant",
                        "channel": "сайт",
                        "service_level": 2,
                        "duration_days": 2,
                        "client_minutes": 30,
                        "pains": ["p_aware", "p_open"],
                    },
                    {
                        "id": "s2",
                        "title": "Подать заявление лично",
                        "role": "applicant",
                        "channel": "МФЦ",
                        "service_level": 1,
                        "duration_days": 1,
                        "client_minutes": 60,
                        "documents": ["Паспорт", "СНИЛС"],
                        "pains": ["p_visits", "p_open"],
                    },
                    {
                        "id": "s3",
                        "title": "Принести справку",
                        "role": "applicant",
                        "channel": "Приёмная ведомства",
                        "service_level": 2,
                        "duration_days": 0.5,
                        "client_minutes": 45,
                        "documents": ["Справка о доходах", "паспорт "],
                    },
                    {
                        "id": "s4",
                        "title": "Проверка сведений",
                        "role": "staff",
                        "channel": "СМЭВ",
                        "service_level": 3,
                        "duration_days": 5,
                        "client_minutes": 0,
                        "data_obtained": ["Сведения о составе семьи (ЕГР ЗАГС)"],
                        "pains": ["p_late"],
                    },
                    {"id": "s5", "title": "Решение", "role": "staff", "channel": "ЕПГУ, МФЦ"},
                ],
            },
            {
                "id": "target",
                "kind": "target",
                "title": "Целевой путь",
                "steps": [
                    {
                        "id": "t1",
                        "title": "Уведомление",
                        "service_level": 3,
                        "duration_days": 1,
                        "client_minutes": 5,
                    },
                    {
                        "id": "t2",
                        "title": "Согласие на ЕПГУ",
                        "channel": "ЕПГУ",
                        "service_level": 2,
                        "duration_days": 2,
                        "client_minutes": 10,
                        "documents": ["Паспорт"],
                    },
                ],
            },
            {
                "id": "target_young",
                "kind": "target",
                "title": "Целевой путь молодых",
                "segments": ["age=young"],
                "steps": [
                    {
                        "id": "y1",
                        "title": "Подать на ЕПГУ",
                        "channel": "ЕПГУ",
                        "service_level": 2,
                        "duration_days": 1,
                        "client_minutes": 20,
                    }
                ],
            },
        ],
    }
    data.update(changes)
    study = Study.model_validate(data)
    assert reference_problems(study) == []
    return study


@pytest.fixture
def study() -> Study:
    return _study()


@pytest.fixture(scope="module")
def child_benefit() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


# --- Steps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"service_level": 1, "channel": "ЕПГУ"}, True),
        ({"service_level": 2, "channel": "МФЦ"}, True),
        ({"service_level": 2, "channel": "Клиентская служба; приёмная"}, True),
        ({"service_level": 2, "channel": "ЕПГУ, МФЦ"}, False),
        ({"service_level": 2, "channel": "МФЦ или телефон"}, False),
        ({"service_level": 1, "channel": "МФЦ", "client_minutes": 0}, False),
        ({"service_level": 2, "channel": ""}, False),
        ({"channel": "мобильный офис МФЦ"}, True),
    ],
)
def test_in_person_steps(step: dict[str, Any], expected: bool) -> None:
    assert is_in_person(JourneyStep(id="s", title="Шаг", **step)) is expected


def test_proactive_is_the_top_of_the_configured_ladder() -> None:
    step = JourneyStep(id="s", title="Шаг", service_level=3)
    assert is_proactive(step)
    assert not is_proactive(step, ["a", "b", "c", "d"])
    assert not is_proactive(JourneyStep(id="s", title="Шаг"))


# --- Metrics -----------------------------------------------------------------------------------


def test_metrics_of_a_small_journey_by_hand(study: Study) -> None:
    m = journey_metrics(study.journeys[0], study.service_levels)
    assert m.steps == 5
    assert m.in_person_visits == 2
    assert m.in_person_steps == ["s2", "s3"]
    # «Паспорт», «паспорт » and «СНИЛС», «Справка о доходах»: three distinct documents.
    assert m.documents == 3
    assert m.duration_days == pytest.approx(8.5)
    assert m.client_minutes == pytest.approx(135)
    assert m.proactive_steps == 1
    assert m.proactive_share == pytest.approx(0.2)
    assert (m.steps_without_duration, m.steps_without_client_time, m.steps_without_level) == (
        1,
        1,
        1,
    )
    assert m.kind == "current"


def test_metrics_of_an_empty_journey_have_no_share(study: Study) -> None:
    empty = study.journeys[1].model_copy(update={"steps": []})
    m = journey_metrics(empty)
    assert (m.steps, m.in_person_visits, m.documents, m.duration_days) == (0, 0, 0, None)
    assert m.proactive_share is None


def test_times_never_entered_are_no_total_not_zero(study: Study) -> None:
    """A journey whose steps have no duration has no total (shown «—»), not «0 days»; nor is
    its change against another journey a number."""
    bare = study.journeys[0].model_copy(
        update={
            "steps": [
                s.model_copy(update={"duration_days": None, "client_minutes": None})
                for s in study.journeys[0].steps
            ]
        }
    )
    m = journey_metrics(bare)
    assert m.duration_days is None
    assert m.client_minutes is None
    assert m.steps_without_duration == m.steps == 5
    target = journey_metrics(study.journeys[1])
    assert target.duration_days is not None
    (overall,) = [
        c
        for c in compare_journeys(study.model_copy(update={"journeys": [bare, study.journeys[1]]}))
        if c.segment is None
    ]
    assert overall.duration_days_change is None
    assert overall.client_minutes_change is None


def test_overall_and_segment_comparisons(study: Study) -> None:
    overall, young = compare_journeys(study)
    assert overall.segment is None
    assert overall.target.journey_id == "target"
    assert not overall.personalised
    assert overall.steps_change == 2 - 5
    assert overall.in_person_visits_change == -2
    assert overall.documents_change == 1 - 3
    assert overall.duration_days_change == pytest.approx(3 - 8.5)
    assert overall.client_minutes_change == pytest.approx(15 - 135)
    assert overall.proactive_share_change == pytest.approx(0.5 - 0.2)

    assert young.segment == "age=young"
    assert young.current.journey_id == "current"
    assert young.target.journey_id == "target_young"
    assert young.personalised
    assert young.steps_change == -4
    assert young.documents_change == -3
    assert young.proactive_share_change == pytest.approx(0.0 - 0.2)


def test_a_segment_without_its_own_target_gets_the_common_one(study: Study) -> None:
    comparisons = compare_journeys(study, ["age=old", "age=old"])
    assert [c.segment for c in comparisons] == [None, "age=old"]
    assert comparisons[1].target.journey_id == "target"
    assert not comparisons[1].personalised


def test_no_target_no_comparison(study: Study) -> None:
    only_current = study.model_copy(update={"journeys": [study.journeys[0]]})
    assert compare_journeys(only_current) == []


def test_journey_for_segment_falls_back_to_the_first_when_none_is_common(study: Study) -> None:
    personal_only = study.model_copy(update={"journeys": [study.journeys[2]]})
    found = journey_for_segment(personal_only, JourneyKind.target, None)
    assert found is not None
    assert found.id == "target_young"
    assert journey_for_segment(personal_only, JourneyKind.current, None) is None


def test_child_benefit_target_state_is_better_for_everyone(child_benefit: Study) -> None:
    comparisons = compare_journeys(child_benefit)
    assert [c.segment for c in comparisons] == [
        None,
        "channel=office",
        "region_type=rural",
        "disability_in_family=true",
    ]
    overall = comparisons[0]
    assert (overall.current.steps, overall.target.steps) == (8, 5)
    assert overall.current.duration_days == 39
    assert overall.target.client_minutes == 17
    for comparison in comparisons:
        assert comparison.personalised is (comparison.segment is not None)
        assert comparison.steps_change < 0
        assert comparison.duration_days_change < 0
        assert comparison.client_minutes_change < 0
        assert comparison.proactive_share_change is not None
        assert comparison.proactive_share_change > 0


# --- Documents the state holds -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "obtained", "expected"),
    [
        ("Справка о составе семьи", ["Доходы, имущество, состав семьи"], "состав семьи"),
        ("Справка об инвалидности", ["Инвалидность (ФГИС ФРИ)"], "Инвалидность"),
        ("Копия СНИЛС", [], "СНИЛС (СФР)"),
        ("ИНН заявителя", [], "ИНН (ФНС России)"),
        ("Свидетельство о рождении ребёнка", [], "Свидетельство о рождении (ЕГР ЗАГС)"),
        ("Справка о доходах за 12 месяцев", [], "Справка о доходах (ФНС России, СФР)"),
        ("Паспорт заявителя", ["Доходы"], None),
        ("Сведения о доходах, не поступающие межведомственно", ["Доходы (ФНС)"], None),
        ("Справка об инвалидности, если сведений нет в ФГИС ФРИ", ["Инвалидность"], None),
        ("Справка о составе семьи (не обязательна)", ["состав семьи"], "состав семьи"),
        ("Заявление о регистрации брака", [], None),
    ],
)
def test_held_document(document: str, obtained: list[str], expected: str | None) -> None:
    assert held_document(document, obtained) == expected


# --- Suggestions ---------------------------------------------------------------------------------


def _made(recs: list[Recommendation]) -> set[tuple[str | None, str]]:
    return {(suggestion_rule(r), r.problems[0]) for r in recs}


def test_suggestions_fire_exactly_for_the_rule_conditions(study: Study) -> None:
    recs = suggest_recommendations(study, preferred_channels={"age=young": "СМС"})
    assert _made(recs) == {
        ("interagency", "p_docs"),  # «Справка о доходах» on s3 (journey_step)
        ("in_person", "p_docs"),  # s3 is a visit, the journey has two
        ("in_person", "p_visits"),  # s2 is a visit
        ("interagency", "p_visits"),  # s2 asks for «СНИЛС»
        ("informing", "p_aware"),  # hunt stage 2
    }
    # p_open is not confirmed; p_late is at stage 3, on a step without documents or a visit.
    assert all(r.suggested and len(r.problems) == 1 for r in recs)
    by_key = {(suggestion_rule(r), r.problems[0]): r for r in recs}

    docs = by_key[("interagency", "p_docs")]
    assert docs.kind is RecommendationKind.optimisation
    assert docs.id == "s_interagency_p_docs"
    assert "Справка о доходах" in docs.description
    assert "паспорт" not in docs.description.casefold()
    assert "СНИЛС" in by_key[("interagency", "p_visits")].description
    assert "межведомственн" in docs.description
    assert "Предложено автоматически по правилу" in docs.description
    assert docs.journey == "target"

    visits = by_key[("in_person", "p_visits")]
    assert visits.kind is RecommendationKind.personalisation
    assert visits.segments == ["age=old"]
    assert "Подать заявление лично" in visits.journey_change
    assert by_key[("in_person", "p_docs")].kind is RecommendationKind.optimisation

    aware = by_key[("informing", "p_aware")]
    assert aware.kind is RecommendationKind.informing
    assert "«СМС»" in aware.description
    assert "«ЕПГУ»" in aware.description
    assert aware.journey == "target_young"
    assert "Осознаёт потребность, не знает решения" in aware.description


def test_informing_uses_one_channel_when_all_segments_share_it(study: Study) -> None:
    recs = suggest_recommendations(
        study,
        preferred_channels={"age=young": "СМС", "age=old": "СМС"},
        segment_labels={"age=young": "Молодые"},
    )
    aware = next(r for r in recs if suggestion_rule(r) == "informing")
    assert aware.title.endswith("через канал «СМС»")
    assert "«Молодые»" in aware.description
    assert "age=old" in aware.description  # no label given: the key is shown


def test_no_visit_rule_below_the_threshold(study: Study) -> None:
    current = study.journeys[0]
    steps = [s.model_copy(update={"channel": "ЕПГУ"}) if s.id == "s3" else s for s in current.steps]
    fewer = study.model_copy(
        update={"journeys": [current.model_copy(update={"steps": steps}), *study.journeys[1:]]}
    )
    assert journey_metrics(fewer.journeys[0]).in_person_visits == MANY_VISITS - 1
    assert {rule for rule, _ in _made(suggest_recommendations(fewer))} == {
        "interagency",
        "informing",
    }


def test_refuted_or_open_problems_get_nothing(study: Study) -> None:
    hypotheses = [h.model_copy(update={"status": "refuted"}) for h in study.hypotheses]
    assert suggest_recommendations(study.model_copy(update={"hypotheses": hypotheses})) == []


def test_existing_recommendations_are_not_duplicated(study: Study) -> None:
    team = [
        Recommendation(
            id="r_info",
            kind=RecommendationKind.informing,
            title="Информировать",
            problems=["p_aware"],
        ),
        # An optimisation covers both optimisation rules of p_docs (interagency, in_person).
        Recommendation(
            id="r_opt",
            kind=RecommendationKind.optimisation,
            title="Оптимизировать",
            problems=["p_docs"],
        ),
    ]
    recs = suggest_recommendations(study.model_copy(update={"recommendations": team}))
    assert _made(recs) == {("in_person", "p_visits"), ("interagency", "p_visits")}

    # Accepted suggestions are not suggested again: the run is idempotent.
    first = suggest_recommendations(study)
    again = suggest_recommendations(study.model_copy(update={"recommendations": first}))
    assert again == []
    kept = Study.model_validate(study.model_dump() | {"recommendations": first})
    assert reference_problems(kept) == []


def test_long_problem_ids_give_valid_suggestion_ids(study: Study) -> None:
    long_id = "p_" + "x" * 62
    hypotheses = [
        h.model_copy(update={"id": long_id}) if h.id == "p_aware" else h for h in study.hypotheses
    ]
    journeys = [
        j.model_copy(
            update={
                "steps": [
                    s.model_copy(
                        update={"pains": [long_id if p == "p_aware" else p for p in s.pains]}
                    )
                    for s in j.steps
                ]
            }
        )
        for j in study.journeys
    ]
    changed = study.model_copy(update={"hypotheses": hypotheses, "journeys": journeys})
    rec = next(r for r in suggest_recommendations(changed) if r.problems == [long_id])
    assert len(rec.id) <= 64
    assert suggestion_rule(rec) == "informing"
    Recommendation.model_validate(rec.model_dump())


def test_child_benefit_suggestions(child_benefit: Study) -> None:
    # Every confirmed problem already has the team's recommendation by the same rule.
    assert suggest_recommendations(child_benefit) == []
    bare = child_benefit.model_copy(update={"recommendations": []})
    recs = suggest_recommendations(bare, preferred_channels={"region_type=rural": "СМС"})
    assert _made(recs) == {("interagency", "p_docs_burden"), ("informing", "p_no_proactive_info")}
    docs = next(r for r in recs if suggestion_rule(r) == "interagency")
    # The family-composition certificate is obtained inter-agency on the target journeys; the
    # income and disability papers say themselves they are not available, the passport is not held.
    assert "Справка о составе семьи" in docs.description
    assert "Паспорт" not in docs.description
    assert "алименты" not in docs.description


def test_problems_without_recommendation(study: Study, child_benefit: Study) -> None:
    assert [p.id for p in problems_without_recommendation(study)] == [
        "p_docs",
        "p_visits",
        "p_aware",
        "p_late",
    ]
    # p_docs and p_late concern everyone; p_aware and p_visits concern age=old.
    assert [p.id for p in problems_without_recommendation(study, ["age=young"])] == [
        "p_docs",
        "p_aware",
        "p_late",
    ]
    solved = study.model_copy(update={"recommendations": suggest_recommendations(study)})
    assert [p.id for p in problems_without_recommendation(solved)] == ["p_late"]
    assert problems_without_recommendation(child_benefit, ["region_type=rural"]) == []
    bare = child_benefit.model_copy(update={"recommendations": []})
    assert [p.id for p in problems_without_recommendation(bare, ["channel=office"])] == [
        "p_office_slow",
        "p_docs_burden",
    ]


# --- Preferred channels from a profile ---------------------------------------------------------


def _segment(key: str, label: str, capacity: int, *, missing: bool = False) -> SegmentStats:
    return SegmentStats(
        key=key,
        value=key.split("=", 1)[1],
        label=label,
        capacity=capacity,
        share=0.0,
        satisfaction=SatisfactionStats(n=0),
        missing_value=missing,
    )


def test_preferred_channels_from_cross_segments() -> None:
    channel = FeatureSegmentation(
        feature_id="channel",
        label="Канал",
        column="channel",
        type="categorical",
        segments=[
            _segment("channel=epgu", "ЕПГУ", 60),
            _segment("channel=mfc", "МФЦ", 40),
            _segment("channel=__missing__", "нет данных", 3, missing=True),
        ],
    )
    cross = CrossSegmentation(
        feature_ids=("region", "channel"),
        label="Тип поселения × Канал",
        segments=[
            _segment("region=rural&channel=epgu", "Село · ЕПГУ", 10),
            _segment("region=rural&channel=mfc", "Село · МФЦ", 30),
            _segment("region=urban&channel=epgu", "Город · ЕПГУ", 50),
            _segment("region=urban&channel=mfc", "Город · МФЦ", 10),
        ],
    )
    provenance = fixed_provenance()
    profile = Profile(
        study_id="t",
        study_title="Тест",
        provenance=provenance,
        total_clients=100,
        satisfaction=SatisfactionStats(n=0),
        by_feature=[channel],
        cross=[cross],
    )
    assert preferred_channels_from_profile(profile, "channel") == {
        "channel=epgu": "ЕПГУ",
        "channel=mfc": "МФЦ",
        "region=rural": "МФЦ",
        "region=urban": "ЕПГУ",
    }
