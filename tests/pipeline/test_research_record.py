"""The team's record of the research (M-8): coverage per segment and hypothesis, respondents
only from the computed plan, notes masked, what makes a computed plan out of date."""

from __future__ import annotations

from typing import Any

import pytest

from segprofile import pipeline
from segprofile.errors import InputError
from segprofile.model.results import RecruitedRespondent
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY, made_recruitment


def _study(**research: Any) -> Study:
    data = dict(SMALL_STUDY)
    data["hypotheses"] = [
        {"id": "p_rural", "kind": "problem", "statement": "Далеко", "segments": ["region=rural"]},
        {"id": "p_all", "kind": "problem", "statement": "Сложно"},
        {"id": "n_none", "kind": "need", "statement": "Быстро"},
        {"id": "p_survey", "kind": "problem", "statement": "Не знают"},
    ]
    data["research"] = research
    return Study.model_validate(data)


def test_coverage_per_segment_and_per_hypothesis() -> None:
    study = _study(
        activities=[
            {
                "id": "interviews",
                "method": "interview",
                "title": "Интервью",
                "hypotheses": ["p_rural", "p_all"],
                "targets": [
                    {"segment": "region=rural", "respondents": 2},
                    {"segment": "channel=office", "respondents": 1},
                ],
                "respondents": [
                    {"id": "a1", "segment": "region=rural", "status": "interviewed"},
                    {"id": "a2", "segment": "region=rural", "status": "refused"},
                    {"id": "a3", "segment": "channel=office", "status": "opted_out"},
                    {"id": "a4", "segment": "channel=office", "status": "invited"},
                ],
            },
            {
                "id": "survey",
                "method": "survey",
                "title": "Опрос",
                "hypotheses": ["p_survey"],
                "segments": ["channel=epgu"],
                "target_respondents": 400,
                "status": "done",
            },
        ]
    )
    coverage = pipeline.research_coverage(study, {"region=rural": "Тип поселения: село"})
    rows = {s.key: s for s in coverage.activities[0].segments}
    rural, office = rows["region=rural"], rows["channel=office"]
    assert (rural.label, rural.target, rural.interviewed, rural.short) == (
        "Тип поселения: село",
        2,
        1,
        1,
    )
    assert rural.counts == {"interviewed": 1, "refused": 1}
    assert (office.target, office.interviewed, office.short) == (1, 0, 1)
    assert office.counts == {"opted_out": 1, "invited": 1}
    assert coverage.activities[0].target == 3
    assert coverage.activities[0].interviewed == 1
    assert coverage.activities[0].segments_met == 0
    # An older activity: its segments without targets, its total as the target.
    survey = coverage.activities[1]
    assert [(s.key, s.target) for s in survey.segments] == [("channel=epgu", 0)]
    assert survey.target == 400
    states = {h.hypothesis.id: h.state for h in coverage.hypotheses}
    assert states == {
        "p_rural": "covered",  # a rural respondent interviewed
        "p_all": "covered",  # about every client: anyone interviewed
        "n_none": "not_planned",
        "p_survey": "covered",  # its survey is done
    }
    assert coverage.covered == 3


def test_a_respondent_of_another_segment_does_not_cover_a_hypothesis() -> None:
    study = _study(
        activities=[
            {
                "id": "interviews",
                "method": "interview",
                "title": "Интервью",
                "hypotheses": ["p_rural"],
                "respondents": [{"id": "a1", "segment": "region=city", "status": "interviewed"}],
            }
        ]
    )
    states = {h.hypothesis.id: h.state for h in pipeline.research_coverage(study).hypotheses}
    assert states["p_rural"] == "planned"


def test_a_target_or_a_respondent_twice_is_refused_in_russian() -> None:
    with pytest.raises(ValueError, match="цель по сегменту задана дважды"):
        _study(
            activities=[
                {
                    "id": "i",
                    "method": "interview",
                    "title": "И",
                    "targets": [{"segment": "region=rural"}, {"segment": "region=rural"}],
                }
            ]
        )
    with pytest.raises(ValueError, match="респондент указан дважды"):
        _study(
            activities=[
                {
                    "id": "i",
                    "method": "interview",
                    "title": "И",
                    "respondents": [{"id": "a", "segment": "x=1"}, {"id": "a", "segment": "x=2"}],
                }
            ]
        )


def test_only_the_plans_pseudonyms_become_respondents() -> None:
    recruitment = made_recruitment(
        [
            RecruitedRespondent(
                respondent_id="p1", segments=["channel=epgu", "region=rural"], labels=["", ""]
            ),
            RecruitedRespondent(respondent_id="p2", segments=["channel=office"], labels=[""]),
        ],
    )
    people = pipeline.plan_respondents(recruitment, ["p1", "p2"], targets=["region=rural"])
    assert [(p.id, p.segment, p.status.value) for p in people] == [
        ("p1", "region=rural", "invited"),
        ("p2", "channel=office", "invited"),
    ]
    with pytest.raises(InputError) as error:
        pipeline.plan_respondents(recruitment, ["p1", "Иванов Иван Иванович"])
    assert "Иванов" not in str(error.value)  # the message names no value typed in


def test_a_note_is_stored_with_personal_data_masked() -> None:
    note = pipeline.mask_note("  Перезвонить по +7 912 345-67-89, СНИЛС 112-233-445 95.  ")
    assert "345-67-89" not in note
    assert "112-233-445" not in note
    assert note.startswith("Перезвонить")
    assert pipeline.mask_note("   ") == ""


def test_the_teams_record_does_not_make_a_computed_plan_out_of_date() -> None:
    planned = _study()
    marked = _study(
        margin=0.05,
        activities=[{"id": "i", "method": "interview", "title": "И"}],
    )
    assert not pipeline.plan_inputs_changed(planned, marked)
    assert pipeline.plan_inputs_changed(planned, _study(max_interviews_per_person=2))
    changed = planned.model_copy(deep=True)
    changed.features = changed.features[:1]
    assert pipeline.plan_inputs_changed(planned, changed)


def test_survey_sizes_follow_the_margin_from_the_plans_segments() -> None:
    from segprofile.model.results import SampleSize

    planned = [
        SampleSize(key="channel=epgu", label="ЕПГУ", population=12_000, needed=96, have=150),
        SampleSize(key="channel=office", label="Приёмная", population=40, needed=29, have=None),
    ]
    wide = pipeline.survey_sizes(_study(margin=0.1, confidence=0.95), planned)
    narrow = pipeline.survey_sizes(_study(margin=0.05, confidence=0.99), planned)
    assert [s.needed for s in wide] == [96, 29]  # 1.96² · 0.25 / 0.1² with the FPC
    assert narrow[0].needed > wide[0].needed
    assert narrow[1].needed <= 40  # never more than the segment has
    assert (wide[0].short, narrow[0].short) == (0, narrow[0].needed - 150)
    assert narrow[1].short is None  # no answers known: nothing short is claimed
