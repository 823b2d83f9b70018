"""What is typed in the browser is masked as what is imported (pipeline.mask_edit): one rule."""

from __future__ import annotations

from segprofile import pipeline
from segprofile.model.study import (
    PortraitEdit,
    Recommendation,
    RecommendationKind,
    SegmentNote,
)

PII = "звонила Петрова Анна Сергеевна, тел. 8-921-555-44-33"
MASKED = "звонила [имя], тел. [телефон]"


def test_every_typed_text_about_clients_is_masked_and_counted() -> None:
    before = pipeline.example_study("child-benefit")
    after = before.model_copy(deep=True)
    after.hypotheses[0] = after.hypotheses[0].model_copy(update={"statement": PII})
    after.journeys[0].steps[0] = (
        after.journeys[0]
        .steps[0]
        .model_copy(update={"back_stage": PII, "documents": ["Справка", PII]})
    )
    after.recommendations.append(
        Recommendation(
            id="r_call",
            kind=RecommendationKind.informing,
            title="Обзвон",
            description=PII,
            owner="Отдел выплат, Сидоров И.И.",  # staff, not a client: stays
        )
    )
    after.segment_notes.append(SegmentNote(segment="region_type=rural", notes=PII))
    after.segmentation.portraits.append(
        PortraitEdit(definition=["region_type=rural"], name=PII, persona={"quote": PII})
    )
    if after.research.activities:
        activity = after.research.activities[0]
        after.research.activities[0] = activity.model_copy(update={"notes": PII})
    edit = pipeline.mask_edit(before, after)
    study = edit.study
    assert study.hypotheses[0].statement == MASKED
    assert study.journeys[0].steps[0].back_stage == MASKED
    assert study.journeys[0].steps[0].documents == ["Справка", MASKED]
    rec = study.recommendations[-1]
    assert (rec.description, rec.owner) == (MASKED, "Отдел выплат, Сидоров И.И.")
    assert study.segment_notes[-1].notes == MASKED
    portrait = study.segmentation.portraits[-1]
    assert (portrait.name, portrait.persona) == (MASKED, {"quote": MASKED})
    if study.research.activities:
        assert study.research.activities[0].notes == MASKED
    texts = 7 + bool(study.research.activities)
    assert edit.masked["names"] == texts
    assert edit.masked["phones"] == texts
    assert "Петрова" not in study.model_dump_json()
    assert "555-44" not in study.model_dump_json()
    # Everything else as it was; items the edit did not touch are not masked again.
    assert study.hypotheses[1:] == before.hypotheses[1:]
    assert study.journeys[1:] == before.journeys[1:]


def test_an_edit_without_personal_data_changes_nothing() -> None:
    before = pipeline.example_study("child-benefit")
    after = before.model_copy(deep=True)
    after.hypotheses[0] = after.hypotheses[0].model_copy(
        update={"statement": "Семьи из сёл (по выгрузке из Камунды) не знают про ЕПГУ"}
    )
    edit = pipeline.mask_edit(before, after)
    assert edit.study == after
    assert edit.masked_list == ""
