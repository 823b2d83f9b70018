"""Where a study stands in the methodology's three stages (``pipeline.study_stages``)."""

from __future__ import annotations

from segprofile import pipeline
from segprofile.model.checks import Finding, Severity
from segprofile.model.study import Study
from segprofile.pipeline.stages import StageState


def _states(stages: pipeline.StudyStages) -> list[str]:
    return [s.state.value for s in stages.stages]


def test_a_new_study_is_in_stage_one_and_its_next_step_is_the_data() -> None:
    study = pipeline.new_study(kind="service", title="Пособие", client_types=["citizen"])
    stages = pipeline.study_stages(pipeline.check(study), client_data=False, profile_built=False)
    assert _states(stages) == ["current", "ahead", "ahead"]
    assert stages.next_step is not None
    assert stages.next_step.fixed_in == "data"
    # The finding «no client records source» is said once, by the step that fixes it.
    assert sum(f.fixed_in == "data" for f in stages.stages[0].left) == 1
    places = [f.fixed_in for f in stages.stages[0].left]
    assert places.index("scope") < places.index("roles") < places.index("build")


def test_with_data_and_a_profile_stage_one_is_done_when_nothing_is_missing_in_it(
    small_study: Study,
) -> None:
    findings = [
        Finding("M-3", "признак без ссылки", Severity.warning),  # warnings do not hold a stage
        Finding("M-8", "нет плана исследований"),
        Finding("M-12", "нет целевого пути"),
    ]
    stages = pipeline.study_stages(findings, client_data=True, profile_built=True)
    assert _states(stages) == ["done", "current", "ahead"]
    assert stages.next_step == findings[1]
    assert stages.next_step.fixed_in == "research"
    without_profile = pipeline.study_stages(findings, client_data=True, profile_built=False)
    assert without_profile.stages[0].state is StageState.current
    assert without_profile.next_step is not None
    assert without_profile.next_step.fixed_in == "build"


def test_all_stages_done() -> None:
    stages = pipeline.study_stages([], client_data=True, profile_built=True)
    assert _states(stages) == ["done", "done", "done"]
    assert stages.current is None
    assert stages.next_step is None


def test_findings_name_the_place_that_fixes_them(small_study: Study) -> None:
    places = {f.message: f.fixed_in for f in pipeline.check(small_study)}
    assert places["нет плана исследований (интервью, опросы)"] == "research"
    assert places["нет текущего клиентского пути"] == "journeys"
    assert places["нет рекомендаций"] == "recommendations"
    assert all(places.values())


def test_a_source_without_data_keeps_stage_one_open() -> None:
    """A survey whose only version was deleted: the profile cannot read it — the study is
    not «complete», its next step is that source's data."""
    done = pipeline.study_stages([], client_data=True, profile_built=True)
    assert done.current is None
    stages = pipeline.study_stages(
        [], client_data=True, profile_built=True, without_data=["Опрос заявителей"]
    )
    assert stages.current is not None
    assert stages.current.number == 1
    assert stages.next_step is not None
    assert stages.next_step.message.startswith("загрузите данные источника «Опрос заявителей»")
    assert stages.next_step.fixed_in == "data"
