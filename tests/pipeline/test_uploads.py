"""What an upload changes in the study document (issue 19): the check page's settings and
the sections of an uploaded document taken by choice."""

from __future__ import annotations

import pytest

from segprofile import pipeline
from segprofile.errors import DocumentError, NotFound
from segprofile.model.ids import identifier_from
from segprofile.model.study import Study


def test_settings_are_written_without_duplicating_features(small_study: Study) -> None:
    chosen = pipeline.UploadSettings(
        source_id="records",
        rating_column="Оценка",
        id_column="Номер заявления",
        date_column="Дата обращения",
        features=[
            ("channel", "categorical"),
            ("Категория заявителя", "categorical"),
            ("Стаж", "numeric"),
        ],
    )
    updated = pipeline.with_upload_settings(small_study, chosen)
    assert updated.segmentation.satisfaction.column == "Оценка"
    source = updated.data_source("records")
    assert (source.id_column, source.date_column) == ("Номер заявления", "Дата обращения")
    added = updated.features[len(small_study.features) :]
    assert [(f.id, f.label, f.type.value) for f in added] == [
        ("kategoriia-zaiavitelia", "Категория заявителя", "categorical"),
        ("stazh", "Стаж", "numeric"),
    ]
    assert all(f.data_source is None for f in added)  # the study's first client records
    assert small_study.segmentation.satisfaction.column == "satisfaction"  # a copy


def test_nothing_chosen_changes_nothing(small_study: Study) -> None:
    same = pipeline.with_upload_settings(small_study, pipeline.UploadSettings("records"))
    assert same == small_study
    with pytest.raises(NotFound):
        pipeline.with_upload_settings(small_study, pipeline.UploadSettings("nowhere"))


def test_only_the_studys_client_records_take_settings(small_study: Study) -> None:
    assert pipeline.takes_settings(small_study, "records")
    assert not pipeline.takes_settings(small_study, "survey", "survey")
    assert not pipeline.takes_settings(small_study, "more", "client_records")  # not the first
    bare = small_study.model_copy(update={"data_sources": [], "features": []})
    assert pipeline.takes_settings(bare, "records", "client_records")


def test_feature_ids_are_latin_and_unique() -> None:
    assert identifier_from("Категория заявителя", set()) == "kategoriia-zaiavitelia"
    assert identifier_from("Категория", {"kategoriia"}) == "kategoriia-2"
    assert identifier_from("2024", set()) == "2024"
    assert identifier_from("«—»", set(), fallback="feature") == "feature"


def test_sections_are_described_and_taken_by_choice(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    data["scope"]["title"] = "Пособие на ребёнка"
    data["features"] = data["features"][:1]
    uploaded = Study.model_validate(data)
    changes = pipeline.section_changes(small_study, uploaded)
    assert [(c.key, c.name) for c in changes] == [
        ("scope", "Объект профилирования"),
        ("features", "Признаки"),
    ]
    assert changes[0].sentences == ["Изменено название: «Пособие» → «Пособие на ребёнка»"]
    assert "Удалён признак «Возраст»" in changes[1].sentences
    taken = pipeline.take_sections(small_study, uploaded, ["scope"])
    assert taken.scope.title == "Пособие на ребёнка"
    assert taken.features == small_study.features
    assert pipeline.section_changes(small_study, small_study) == []


def test_a_mix_with_broken_references_is_refused(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    data["segmentation"]["by_feature"]["features"] = ["age"]
    current = Study.model_validate(data)
    uploaded = small_study.model_copy(update={"features": small_study.features[:1]})
    with pytest.raises(DocumentError) as error:
        pipeline.take_sections(current, uploaded, ["features"])
    assert "признак «age» не найден" in str(error.value.problems)
