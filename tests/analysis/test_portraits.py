"""Portraits: traits, Russian names with agreement, persona and empathy drafts, team edits."""

from __future__ import annotations

from typing import Any

import pytest

from segprofile import pipeline
from segprofile.analysis.personas import satisfaction_pains
from segprofile.analysis.portraits import (
    DATA,
    INTERVIEWS,
    MATCH_THRESHOLD,
    TEAM,
    GroupCounts,
    apply_edits,
    build_portrait,
    definition,
    find_traits,
    head_noun,
    jaccard,
    portrait_name,
)
from segprofile.model.results import (
    Interval,
    Portrait,
    PortraitTrait,
    SatisfactionStats,
)
from segprofile.model.study import EMPATHY_FIELDS, PERSONA_FIELDS, PortraitEdit, Study


@pytest.fixture(scope="module")
def child() -> Study:
    return pipeline.example_study("child-benefit")


@pytest.fixture(scope="module")
def accounting() -> Study:
    return pipeline.example_study("internal-accounting")


def _trait(study: Study, fid: str, code: str, label: str | None = None) -> PortraitTrait:
    feature = study.feature(fid)
    return PortraitTrait(
        kind="categorical",
        feature_id=fid,
        feature_label=feature.label,
        value=code,
        label=label or feature.value_labels.get(code, code),
    )


def _name(study: Study, *traits: tuple[str, str] | tuple[str, str, str]) -> str:
    features = {f.id: f for f in study.features}
    return portrait_name(study, [_trait(study, *t) for t in traits], features)


@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        (
            [
                ("children", "≥3", "3 и более детей (многодетная семья)"),
                ("region_type", "rural"),
                ("channel", "mfc"),
            ],
            "Заявители из многодетных семей в сельской местности, подающие через МФЦ",
        ),
        (
            [("single_parent", "true"), ("region_type", "town"), ("employment", "unemployed")],
            "Неработающие заявители из неполных семей в малом городе",
        ),
        (
            [("disability_in_family", "true"), ("channel", "office")],
            "Заявители с инвалидностью в семье, подающие через клиентскую службу СФР",
        ),
        (
            [("employment", "employed"), ("channel", "epgu"), ("region_type", "city")],
            "Заявители в городе, работающие по найму, подающие через портал Госуслуг",
        ),
        (
            [("employment", "self_employed"), ("repeat_application", "true")],
            "Самозанятые заявители с повторным обращением",
        ),
        (
            [
                ("employment", "student"),
                ("children", "<2", "1 ребёнок"),
                ("applicant_age", "18–25", "18–24 года"),
            ],
            "Заявители с 1 ребёнком в возрасте 18–24 года, учащиеся очно",
        ),
        (
            [("disability_in_family", "false"), ("children", "2–3", "2 детей")],
            "Заявители без инвалидности с 2 детьми",
        ),
        (
            [("channel", "epgu"), ("income_band", "half_pm_to_pm"), ("region_type", "city")],
            "Заявители со среднедушевым доходом от 50 до 100 % ПМ в городе, подающие через "
            "портал Госуслуг",
        ),
        ([("income_band", "above_pm")], "Заявители со среднедушевым доходом выше ПМ"),
    ],
)
def test_names_agree_in_russian(child: Study, traits: list[tuple[str, ...]], expected: str) -> None:
    assert _name(child, *traits) == expected  # type: ignore[arg-type]


def _shared(study: Study, fid: str, code: str, share: float, label: str | None = None):  # type: ignore[no-untyped-def]
    trait = _trait(study, fid, code, label)
    trait.share_in_segment = share
    return trait


@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        # Held by three in four or more: as it is; by half or more: «в основном»; the channel
        # held by 30 % distinguishes the cluster but does not name it.
        (
            [
                ("region_type", "rural", 0.9),
                ("single_parent", "true", 0.6),
                ("channel", "mfc", 0.3),
            ],
            "Заявители в сельской местности, в основном из неполных семей",
        ),
        # The cases: no trait held by half → the name says how many hold the first.
        (
            [("income_band", "above_pm", 0.34)],
            "Заявители, среди которых каждый третий — со среднедушевым доходом выше ПМ",
        ),
        (
            [("applicant_age", "≥36", 0.486, "36 лет и старше")],
            "Заявители, среди которых почти половина — в возрасте 36 лет и старше",
        ),
        (
            [("region_type", "rural", 0.26)],
            "Заявители, среди которых каждый четвёртый — из сельской местности",
        ),
        (
            [("employment", "self_employed", 0.45)],
            "Заявители, среди которых почти половина — самозанятые",
        ),
        (
            [("employment", "self_employed", 0.3)],
            "Заявители, среди которых каждый третий — самозанятый",
        ),
        (
            [("employment", "employed", 0.2)],
            "Заявители, среди которых каждый пятый работает по найму",
        ),
        (
            [("channel", "mfc", 0.24)],
            "Заявители, среди которых каждый четвёртый подаёт через МФЦ",
        ),
        ([("employment", "unemployed", 0.6)], "Заявители, в основном неработающие"),
        ([], "Заявители без выраженных отличий"),
    ],
)
def test_a_name_holds_only_what_half_of_the_members_share(
    child: Study, traits: list[tuple[Any, ...]], expected: str
) -> None:
    features = {f.id: f for f in child.features}
    made = [_shared(child, t[0], t[1], t[2], *t[3:]) for t in traits]
    assert portrait_name(child, made, features) == expected


def _adult_like() -> Study:
    """A study as an analyst makes it from a census-like export: codes without labels."""
    return pipeline.study_from_data(
        {
            "id": "adult",
            "title": "Перепись",
            "scope": {
                "kind": "service",
                "title": "Услуга",
                "body": "Ведомство",
                "client_types": ["citizen"],
            },
            "roles": [{"id": "applicant", "kind": "applicant", "title": "Заявитель"}],
            "features": [
                {
                    "id": "sex",
                    "column": "sex",
                    "label": "Пол",
                    "value_labels": {"Female": "Женский", "Male": "Мужской"},
                },
                {"id": "education", "column": "education", "label": "Образование"},
                {"id": "country", "column": "native_country", "label": "Страна рождения"},
                {"id": "district", "column": "district", "label": "Район"},
                {
                    "id": "hours",
                    "column": "hours",
                    "label": "Часов работы в неделю",
                    "type": "numeric",
                },
                {"id": "age", "column": "age", "label": "Возраст", "type": "numeric"},
                {
                    "id": "single",
                    "column": "single",
                    "label": "Одинокий родитель",
                    "type": "boolean",
                },
            ],
        }
    )


@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        ([("sex", "Female", 0.9, "Женский")], "Женщины"),
        ([("sex", "Female", 0.6, "Женский")], "Заявители, в основном женщины"),
        ([("sex", "Female", 0.34, "Женский")], "Заявители, среди которых каждая третья — женщина"),
        # A code without a value label keeps its case: never «hS-grad».
        ([("education", "HS-grad", 0.8, "HS-grad")], "Заявители (образование: HS-grad)"),
        (
            [("education", "HS-grad", 0.3, "HS-grad")],
            "Заявители, среди которых у каждого третьего образование — HS-grad",
        ),
        ([("country", "Россия", 0.9, "Россия")], "Заявители из России"),
        # A district named by its adjective is a place: never «с центральным районом».
        ([("district", "Центральный", 0.9, "Центральный")], "Заявители из центрального района"),
        (
            [("hours", "≥51", 0.326, "51 и более")],
            "Заявители, среди которых каждый третий — с числом часов работы в неделю 51 и более",
        ),
        ([("age", "<25", 0.8, "Менее 25 лет")], "Заявители моложе 25 лет"),
        ([("single", "true", 0.9, "Да")], "Одинокие родители"),
        (
            [("single", "true", 0.3, "Да")],
            "Заявители, среди которых каждый третий — одинокий родитель",
        ),
        ([("age", "≥60", 0.8, "60 и более лет")], "Заявители в возрасте 60 и более лет"),
    ],
)
def test_names_never_misstate_a_census_like_export(
    traits: list[tuple[Any, ...]], expected: str
) -> None:
    study = _adult_like()
    features = {f.id: f for f in study.features}
    made = [_shared(study, *t[:3], t[3]) for t in traits]
    name = portrait_name(study, made, features)
    assert name == expected
    assert "Женские" not in name
    assert "с возрастом" not in name
    assert "с часами" not in name


@pytest.mark.parametrize(
    ("trait", "expected"),
    [
        (("department", "admin"), "Сотрудники из административного департамента"),
        (("department", "economy"), "Сотрудники из департамента экономики и финансов"),
        (("department", "regions"), "Сотрудники из территориальных отделов"),
        (("channel", "phone"), "Сотрудники, обращающиеся по телефону"),
        (("channel", "email"), "Сотрудники, обращающиеся через электронную почту"),
        (("channel", "in_person"), "Сотрудники, обращающиеся лично в бухгалтерии"),
        (("remote_worker", "false"), "Сотрудники, работающие в офисе"),
        (("request_type", "tax_deduction"), "Сотрудники со стандартным налоговым вычетом"),
        (("position_level", "specialist"), "Сотрудники (уровень должности: специалист)"),
        (("tenure_years", "<1", "менее 1 года"), "Сотрудники со стажем менее 1 года"),
        (("tenure_years", "3–10", "3–10 лет"), "Сотрудники со стажем 3–10 лет"),
    ],
)
def test_names_for_internal_clients(
    accounting: Study, trait: tuple[str, ...], expected: str
) -> None:
    assert head_noun(accounting) == "Сотрудники"
    assert _name(accounting, trait) == expected  # type: ignore[arg-type]


def test_head_noun_falls_back_to_the_client_type(child: Study) -> None:
    assert head_noun(child) == "Заявители"
    no_roles = child.model_copy(update={"roles": []})
    assert head_noun(no_roles) == "Клиенты"


def _groups() -> tuple[GroupCounts, GroupCounts]:
    everyone = GroupCounts(
        key="all",
        capacity=1000,
        satisfaction=SatisfactionStats(
            n=400, mean=4.0, csat=0.7, csat_interval=Interval(low=0.65, high=0.74)
        ),
        values={
            "region_type": {"city": 500, "town": 300, "rural": 200},
            "channel": {"epgu": 600, "mfc": 300, "office": 100},
            "single_parent": {"true": 300, "false": 690, "NA": 10},
        },
        means={"applicant_age": 32.0},
        sds={"applicant_age": 6.0},
    )
    group = GroupCounts(
        key="cluster=2",
        capacity=200,
        satisfaction=SatisfactionStats(
            n=80, mean=3.5, csat=0.5, csat_interval=Interval(low=0.39, high=0.61)
        ),
        values={
            "region_type": {"city": 20, "town": 40, "rural": 140},
            "channel": {"epgu": 30, "mfc": 150, "office": 20},
            "single_parent": {"true": 170, "false": 27, "NA": 3},
        },
        means={"applicant_age": 24.0},
    )
    return group, everyone


def _label(study: Study):  # type: ignore[no-untyped-def]
    def label(feature, code):  # type: ignore[no-untyped-def]
        return feature.value_labels.get(code, code)

    return label


def test_traits_lift_and_numeric_shift(child: Study) -> None:
    group, everyone = _groups()
    features = [
        child.feature(f) for f in ("region_type", "channel", "single_parent", "applicant_age")
    ]
    traits = find_traits(child, group, everyone, features, _label(child), min_count=5)
    by_value = {(t.feature_id, t.value): t for t in traits if t.kind == "categorical"}
    rural = by_value[("region_type", "rural")]
    assert rural.share_in_segment == pytest.approx(0.7)
    assert rural.share_overall == pytest.approx(0.2)
    assert rural.lift == pytest.approx(3.5)
    assert "в 3,5 раза чаще" in rural.text
    assert ("region_type", "city") not in by_value  # under-represented
    assert ("single_parent", "NA") not in by_value  # «нет данных» is never a trait
    age = next(t for t in traits if t.kind == "numeric")
    assert age.difference_sd == pytest.approx((24 - 32) / 6)
    assert "−1,3\u00a0σ" in age.text
    # Ranked by share × ln(lift): single parents (0.85, lift 2.8) before rural (0.7, lift 3.5).
    assert traits[0].feature_id == "single_parent"
    assert definition(traits, "cluster=2") == [
        "channel=mfc",
        "region_type=rural",
        "single_parent=true",
    ]


def test_small_cells_are_not_traits(child: Study) -> None:
    group, everyone = _groups()
    features = [child.feature("channel")]
    traits = find_traits(child, group, everyone, features, _label(child), min_count=200)
    assert traits == []
    assert definition(traits, "cluster=2") == ["cluster=2"]


def test_portrait_fields_say_where_they_come_from(child: Study) -> None:
    group, everyone = _groups()
    features = [
        child.feature(f) for f in ("region_type", "channel", "single_parent", "applicant_age")
    ]
    pains = satisfaction_pains(child, {"cluster=2": group.satisfaction}, everyone.satisfaction)
    portrait = build_portrait(
        child,
        group,
        everyone,
        features,
        _label(child),
        min_count=5,
        findings=pains.findings["cluster=2"],
    )
    assert [f.key for f in portrait.persona] == list(PERSONA_FIELDS)
    assert [f.key for f in portrait.empathy_map] == list(EMPATHY_FIELDS)
    persona = {f.key: f for f in portrait.persona}
    assert persona["age"].origin == DATA
    assert "24,0" in persona["age"].value
    assert persona["channels"].origin == DATA
    assert persona["channels"].value.startswith("МФЦ — 75")
    assert persona["channels"].sources == ["данные о клиентах"]
    # CSAT 50 % of 80 ratings against 75 % of the other 320: lower beyond chance, a pain.
    assert persona["pains"].origin == DATA
    assert "CSAT 50\u00a0% против 75\u00a0%" in persona["pains"].value
    assert persona["pains"].sources == ["оценки удовлетворённости в данных о клиентах"]
    # Every statement of a drafted field keeps its source; the value is made of them.
    for item in portrait.persona + portrait.empathy_map:
        assert item.value == "; ".join(n.text for n in item.notes)
        assert (item.origin == DATA) == bool(item.notes)
    assert persona["goals"].origin == INTERVIEWS
    assert persona["goals"].value == ""
    assert persona["quote"].origin == INTERVIEWS
    empathy = {f.key: f for f in portrait.empathy_map}
    assert empathy["says_does"].origin == DATA
    assert {empathy[k].origin for k in ("thinks_feels", "sees", "hears", "gains")} == {INTERVIEWS}
    assert portrait.name.startswith("Заявители из неполных семей")
    assert portrait.name_origin == DATA


def _portrait(segment: str, definition_: list[str]) -> Portrait:
    return Portrait(
        segment=segment,
        definition=definition_,
        name=f"черновик {segment}",
        persona=[],
        empathy_map=[],
    )


def test_edits_follow_the_definition_not_the_number() -> None:
    # Re-run: the clusters come back renumbered and one definition changed a little.
    portraits = [
        _portrait("cluster=1", ["channel=epgu", "region_type=city"]),
        _portrait("cluster=2", ["channel=mfc", "region_type=rural", "single_parent=true"]),
        _portrait("cluster=3", ["children=≥3", "income_band=below_half_pm"]),
    ]
    edits = [
        PortraitEdit(
            definition=["single_parent=true", "region_type=rural", "applicant_age=18–25"],
            segment="cluster=4",
            name="Молодые мамы из села",
        ),
        PortraitEdit(definition=["channel=epgu", "region_type=city"], name="Городские онлайн"),
        PortraitEdit(definition=["employment=student"], name="Студенты"),  # gone from the data
    ]
    unmatched = apply_edits(portraits, edits)
    assert portraits[1].name == "Молодые мамы из села"
    assert portraits[1].name_origin == TEAM
    assert portraits[1].edit_similarity == pytest.approx(0.5)  # 2 shared of 4
    assert portraits[0].name == "Городские онлайн"
    assert portraits[0].edit_similarity == 1.0
    assert portraits[2].name == "черновик cluster=3"
    assert portraits[2].edit_similarity is None
    assert [u.name for u in unmatched] == ["Студенты"]
    assert unmatched[0].best_similarity == 0.0


def test_an_edit_below_the_threshold_is_kept_and_reported() -> None:
    portraits = [_portrait("cluster=1", ["a=1", "b=1", "c=1"])]
    edit = PortraitEdit(definition=["a=1", "x=1", "y=1"], name="Команда")
    assert jaccard(edit.definition, portraits[0].definition) < MATCH_THRESHOLD
    unmatched = apply_edits(portraits, [edit])
    assert portraits[0].name_origin == "data"
    assert unmatched[0].best_segment == "cluster=1"
    assert unmatched[0].best_similarity == pytest.approx(0.2)


def test_one_edit_per_portrait_best_pair_first() -> None:
    portraits = [_portrait("cluster=1", ["a=1", "b=1"]), _portrait("cluster=2", ["a=1", "c=1"])]
    edits = [
        PortraitEdit(definition=["a=1", "b=1", "c=1"], name="first"),  # 2/3 with both
        PortraitEdit(definition=["a=1", "c=1"], name="second"),  # 1.0 with cluster=2
    ]
    unmatched = apply_edits(portraits, edits)
    assert portraits[1].name == "second"
    assert portraits[0].name == "first"
    assert unmatched == []


def test_persona_and_empathy_edits_mark_fields_as_team(child: Study) -> None:
    group, everyone = _groups()
    features = [child.feature(f) for f in ("region_type", "channel", "single_parent")]
    portrait = build_portrait(child, group, everyone, features, _label(child), min_count=5)
    edit = PortraitEdit(
        definition=portrait.definition,
        persona={"goals": "Быстро получить пособие", "quote": "«Ехать в МФЦ далеко»"},
        empathy_map={"hears": "Соседи говорят, что откажут"},
    )
    apply_edits([portrait], [edit])
    persona = {f.key: f for f in portrait.persona}
    assert persona["goals"].value == "Быстро получить пособие"
    assert persona["goals"].origin == TEAM
    assert persona["quote"].origin == TEAM
    assert persona["age"].origin != TEAM  # untouched fields keep their origin
    hears = next(f for f in portrait.empathy_map if f.key == "hears")
    assert hears.origin == TEAM
    assert hears.value.startswith("Соседи")


def test_portrait_edit_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="неизвестные поля персоны"):
        PortraitEdit(definition=["a=1"], persona={"hobby": "рыбалка"})
    with pytest.raises(ValueError, match="неизвестные поля карты эмпатии"):
        PortraitEdit(definition=["a=1"], empathy_map={"smells": "…"})
    assert PortraitEdit(definition=["b=1", "a=1", "b=1"]).definition == ["a=1", "b=1"]
