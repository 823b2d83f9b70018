"""The Study document: exact YAML round-trip, validation errors with path and line."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from segprofile.errors import DocumentError
from segprofile.model.checks import Severity, check_study, is_complete
from segprofile.model.spec_yaml import dump_study, load_study_text, study_json_schema
from segprofile.model.study import (
    Binning,
    Feature,
    FeatureSource,
    Hypothesis,
    Journey,
    JourneyStep,
    Recommendation,
    Study,
)
from sp_factories import SMALL_STUDY


def test_yaml_round_trip_is_exact(small_study: Study) -> None:
    text = dump_study(small_study)
    again = load_study_text(text)
    assert again == small_study
    assert dump_study(again) == text


def test_round_trip_keeps_every_section(small_study: Study) -> None:
    study = small_study.model_copy(deep=True)
    study.hypotheses.append(
        Hypothesis(
            id="h1",
            kind="problem",
            statement="Заявителям трудно собрать справки",
            segments=["channel=office"],
            hunt_stage=3,
            aidas_stage="action",
            journey_step="cur.submit",
            status="confirmed",
            evidence=[{"kind": "survey", "summary": "62 % жалуются на справки", "value": 0.62}],
        )
    )
    study.journeys.append(
        Journey(
            id="cur",
            kind="current",
            title="Текущий путь",
            steps=[
                JourneyStep(
                    id="submit",
                    title="Подать заявление",
                    role="applicant",
                    channel="МФЦ",
                    service_level=1,
                    duration_days=0.5,
                    documents=["паспорт", "справка о доходах"],
                    pains=["h1"],
                    back_stage="проверка документов",
                )
            ],
        )
    )
    study.recommendations.append(
        Recommendation(
            id="r1", kind="optimisation", title="Межведомственный запрос", problems=["h1"]
        )
    )
    again = load_study_text(dump_study(study))
    assert again == study
    assert again.journeys[0].steps[0].documents == ["паспорт", "справка о доходах"]


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s != "")


@settings(max_examples=40, deadline=None)
@example(label="0", reference="\x85", thresholds=[0])  # NEL was mangled by the YAML emitter
@given(
    label=_text,
    reference=st.text(max_size=40),
    thresholds=st.lists(st.integers(-1000, 1000), min_size=1, max_size=5, unique=True),
)
def test_round_trip_any_text(label: str, reference: str, thresholds: list[int]) -> None:
    study = Study.model_validate(SMALL_STUDY)
    study.features.append(
        Feature(
            id="x",
            column="x col",
            label=label,
            type="numeric",
            source=FeatureSource(kind="other", reference=reference),
            binning=Binning(thresholds=sorted(float(t) for t in thresholds)),
        )
    )
    assert load_study_text(dump_study(study)) == study


def test_schema_violation_names_path_and_line() -> None:
    text = """id: s
title: T
scope:
  kind: service
  title: Услуга
  client_types: [citizen]
roles:
  - id: a
    kind: applicant
    title: Заявитель
  - id: b
    kind: intermediary
    title: МФЦ
  - id: c
    kind: wizard
    title: Кто-то
"""
    with pytest.raises(DocumentError) as info:
        load_study_text(text, source="study.yaml")
    (path, line, message), *_ = info.value.problems
    assert path == "roles[2].kind"
    assert line == 15
    assert "недопустимое значение" in message
    assert "applicant" in message
    assert "строка 15" in str(info.value)


def test_unknown_field_and_missing_field_are_reported_together() -> None:
    text = "id: s\ntitle: T\nscope:\n  kind: service\n  client_types: [citizen]\n  titel: X\n"
    with pytest.raises(DocumentError) as info:
        load_study_text(text)
    problems = {p: m for p, _, m in info.value.problems}
    assert "обязательное поле" in problems["scope.title"]
    assert "неизвестное поле" in problems["scope.titel"]


def test_broken_yaml_gives_line_not_traceback() -> None:
    with pytest.raises(DocumentError) as info:
        load_study_text("id: s\ntitle: [unclosed\nscope: {}\n")
    assert "не корректный YAML" in str(info.value)
    assert info.value.problems[0][1] is not None


def test_dangling_reference_is_reported(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    data["roles"][0]["audience"]["legal_basis"][0]["act"] = "nope"
    with pytest.raises(DocumentError) as info:
        load_study_text(json.dumps(data, ensure_ascii=False))
    assert info.value.problems[0][0] == "roles[0].audience.legal_basis[0].act"
    assert "«nope»" in info.value.problems[0][2]


def test_binning_thresholds_must_increase() -> None:
    with pytest.raises(ValueError, match="возрастать"):
        Binning(thresholds=[18, 18, 35])


def test_paths_cannot_escape_the_data_directory(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    data["data_sources"][0]["path"] = "../../etc/passwd"
    with pytest.raises(DocumentError, match="относительным"):
        load_study_text(json.dumps(data))


def test_json_schema_has_version_and_sections() -> None:
    schema = study_json_schema()
    for section in ("scope", "roles", "features", "hypotheses", "journeys", "recommendations"):
        assert section in schema["properties"]


def test_check_lists_missing_parts_with_m_codes(small_study: Study) -> None:
    study = small_study.model_copy(deep=True)
    study.features[0].source = None
    findings = check_study(study)
    texts = [str(f) for f in findings]
    label = study.features[0].label
    assert f"M-3: у признака «{label}» не указан источник" in texts
    assert any(t.startswith("M-12:") for t in texts)
    assert not is_complete(findings)
    assert all(f.severity in (Severity.missing, Severity.warning) for f in findings)


@pytest.mark.parametrize("text", ["\x85", "a\x85b", "\x85 ", "x\u2028y", "z\u2029"])
def test_round_trip_keeps_unicode_line_breaks(text: str) -> None:
    """NEL (and the Unicode line and paragraph separators) survive the YAML round trip."""
    study = Study.model_validate(SMALL_STUDY)
    study.title = text
    assert load_study_text(dump_study(study)).title == text


# --- Hostile documents: refused with a line and a reason, quickly --------------------------------


def test_an_alias_bomb_is_refused_at_its_first_alias() -> None:
    import time

    import hostile

    started = time.perf_counter()
    with pytest.raises(DocumentError, match="ссылки YAML") as info:
        load_study_text(hostile.yaml_alias_bomb(levels=12, width=12))
    assert time.perf_counter() - started < 1  # it took 17.9 s and 380 MB at nine levels
    assert info.value.problems[0][1] == 5  # the line of the first «*a0»
    with pytest.raises(DocumentError, match="ссылки YAML"):
        load_study_text("schema_version: 1\nid: x\ntitle: x\nscope: &s {kind: service}\nx: *s\n")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(lambda h: h.yaml_depth_bomb(20_000), id="flow-20000"),
        pytest.param(lambda h: h.yaml_depth_bomb(5_000), id="flow-5000"),
        pytest.param(lambda h: h.yaml_depth_bomb(20_000, flow=False), id="block-20000"),
        pytest.param(lambda h: h.yaml_depth_bomb(60), id="flow-60"),
    ],
)
def test_nesting_deeper_than_the_limit_is_refused(text: object) -> None:
    import hostile

    with pytest.raises(DocumentError, match="глубже 50 уровней") as info:
        load_study_text(text(hostile))  # type: ignore[operator]
    assert info.value.problems[0][1] is not None


def test_data_nested_deeper_than_the_limit_is_refused_without_recursion() -> None:
    from segprofile.model.spec_yaml import study_from_data

    deep: object = "x"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(DocumentError, match="глубже 50 уровней"):
        study_from_data({"id": "x", "title": "x", "roles": deep}, source="document")


def test_the_depth_limit_is_a_setting(small_study: Study, configure: Callable[..., Any]) -> None:
    text = dump_study(small_study)
    configure(yaml_max_depth=3)
    with pytest.raises(DocumentError, match="глубже 3 уровней"):
        load_study_text(text)
    configure(yaml_max_depth=50)
    assert load_study_text(text) == small_study


def test_the_dumper_never_writes_anchors(small_study: Study) -> None:
    study = small_study.model_copy(deep=True)
    # The same list object twice: a YAML dumper would write «&id001» and «*id001».
    shared = ["region"]
    study.hypotheses.append(
        Hypothesis(id="h1", kind="problem", statement="а", segments=shared, hunt_stage=1)
    )
    study.hypotheses.append(
        Hypothesis(id="h2", kind="problem", statement="б", segments=shared, hunt_stage=1)
    )
    text = dump_study(study)
    assert "&id" not in text
    assert "*id" not in text
    assert load_study_text(text) == study


# A flow value thousands of brackets deep costs ruamel's scanner about 1.5 s at most on an idle
# machine (it looks ahead for keys), whatever the depth up to the 2 MB a document may have. The
# deadline is a guard against a hang, not a timing goal: CI machines are shared and a loaded one
# took 6.4 s for that case.
@settings(max_examples=300, deadline=timedelta(seconds=60))
@given(
    st.text(max_size=300)
    | st.text(alphabet="[]{}-:&*!|>'\"\n #ab1", max_size=400)
    | st.builds(
        lambda d, s: "a: " + "[" * d + s + "]" * d, st.integers(0, 3000), st.text(max_size=5)
    )
)
@example("a: &x [1]\nb: *x")
@example("- " * 3000 + "x")
@example("\x00\ufeff")
def test_fuzz_any_text_loads_or_fails_with_a_document_error(text: str) -> None:
    """Whatever the text, a study or DocumentError (an InputError), in bounded time."""
    error: DocumentError | None = None
    try:
        load_study_text(text)
    except DocumentError as exc:
        error = exc
    if error is not None:
        assert error.problems
        assert "Traceback" not in str(error)


def test_every_uploaded_yaml_gets_the_same_limits() -> None:
    """load_yaml_data: plain data for other YAML uploads (e.g. a survey's question mapping)."""
    import hostile
    from segprofile.model.spec_yaml import load_yaml_data

    assert load_yaml_data("- question: q1\n  hypothesis: h1\n", source="m.yaml") == [
        {"question": "q1", "hypothesis": "h1"}
    ]
    with pytest.raises(DocumentError, match="ссылки YAML"):
        load_yaml_data(hostile.yaml_alias_bomb(), source="m.yaml")
    with pytest.raises(DocumentError, match="глубже 50 уровней"):
        load_yaml_data(hostile.yaml_depth_bomb(1000), source="m.yaml")


def test_a_surveys_answer_points_are_on_the_five_point_scale() -> None:
    """``answer_points``: a label's point is 1–5, or null for «no rating»; anything else is
    refused in Russian, naming the label."""
    from pydantic import ValidationError

    from segprofile.model.study import DataSource

    base = {"id": "survey", "kind": "survey", "path": "survey.csv"}
    source = DataSource.model_validate(
        base | {"answer_points": {"Отлично": 5, "Очень плохо": 1, "Не обращался": None}}
    )
    assert source.answer_points["Не обращался"] is None
    with pytest.raises(ValidationError, match="«Превосходно»"):
        DataSource.model_validate(base | {"answer_points": {"Превосходно": 10}})
    with pytest.raises(ValidationError, match="пустой ответ"):
        DataSource.model_validate(base | {"answer_points": {"  ": 3}})
