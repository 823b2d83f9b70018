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


def test_roles_scope_features_and_topics_are_masked_requisites_and_acts_stay() -> None:
    before = pipeline.example_study("child-benefit")
    after = before.model_copy(deep=True)
    role = after.roles[0]
    assert role.audience is not None
    after.roles[0] = role.model_copy(
        update={
            "title": "Заявитель (Петрова Анна Сергеевна)",
            "description": PII,
            "audience": role.audience.model_copy(update={"description": PII}),
        }
    )
    act = after.scope.legal_acts[0]
    after.scope = after.scope.model_copy(
        update={
            "description": PII,
            "body": "Отделение СФР по Псковской области",
            "legal_acts": [act.model_copy(update={"reference": "от 16.12.2022 № 2330"})],
        }
    )
    feature = after.features[0]
    after.features[0] = feature.model_copy(
        update={"label": "Тип пункта (со слов Петровой Анны Сергеевны)"}
    )
    after.requisites = after.requisites.model_copy(
        update={
            "executor": after.requisites.executor.model_copy(
                update={"name": "Сидоров И.И.", "contacts": "8-921-555-00-11"}
            )
        }
    )
    edit = pipeline.mask_edit(before, after)
    study = edit.study
    assert study.roles[0].title == "Заявитель ([имя])"
    assert study.roles[0].description == MASKED
    assert study.roles[0].audience is not None
    assert study.roles[0].audience.description == MASKED
    assert study.scope.description == MASKED
    assert study.features[0].label == "Тип пункта (со слов [имя])"
    assert edit.masked == {**edit.masked, "names": 5, "phones": 3}
    assert "Петров" not in study.model_dump_json()
    # Requisites are the staff's and the body's, an act's date is no birth date: as typed.
    assert study.scope.body == "Отделение СФР по Псковской области"
    assert study.scope.legal_acts[0].reference == "от 16.12.2022 № 2330"
    assert study.requisites.executor.name == "Сидоров И.И."
    assert study.requisites.executor.contacts == "8-921-555-00-11"
    # Value labels are the study's rules (alike labels merge values): never rewritten.
    assert study.features[0].value_labels == before.features[0].value_labels


def test_a_topic_name_is_masked() -> None:
    from segprofile.model.study import TopicLabel

    before = pipeline.example_study("child-benefit")
    after = before.model_copy(deep=True)
    after.topic_labels.append(
        TopicLabel(id="t1", source="complaints", name="Жалоба Петровой А.А.", topics=[["очередь"]])
    )
    edit = pipeline.mask_edit(before, after)
    assert edit.study.topic_labels[-1].name == "Жалоба [имя]"
    assert edit.masked_list == "1 имя"


def test_a_new_data_source_title_is_masked_and_a_first_revision_whole() -> None:
    before = pipeline.example_study("child-benefit")
    after = before.model_copy(deep=True)
    new = after.data_sources[0].model_copy(
        update={"id": "calls", "title": "Звонки Петровой Анны Сергеевны, 8-921-555-44-33"}
    )
    after.data_sources.append(new)
    edit = pipeline.mask_edit(before, after)
    assert edit.study.data_sources[-1].title == "Звонки [имя], [телефон]"
    assert edit.study.data_sources[:-1] == before.data_sources  # untouched: not masked again
    assert edit.masked_list == "1 имя, 1 телефон"
    # A first revision (nothing before): every typed text is new and masked; the examples'
    # own texts have nothing to mask.
    first = pipeline.mask_edit(None, after)
    assert first.study.data_sources[-1].title == "Звонки [имя], [телефон]"
    assert first.masked_list == "1 имя, 1 телефон"
    assert pipeline.mask_edit(None, before).study == before
