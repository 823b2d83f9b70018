"""Features against the imported data (M-3): the columns offered, their example values under the
disclosure rule, the live preview of segments, merged values, and references on deletion."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.by_feature import segment_by_feature
from segprofile.errors import DocumentError, InputError
from segprofile.model.study import Feature, Study
from sp_factories import SMALL_STUDY, make_records, make_snils

ROWS = 3000


def _records(tmp_path: Path) -> Path:
    """The small records with an e-mail (pseudonymised), a full name (dropped) and a region
    value only two people have (never shown)."""
    rng = random.Random(11)
    table = make_records(ROWS, seed=7)
    region = table.column("region").to_pylist()
    region[0] = region[1] = "tiny-village"
    table = table.set_column(
        table.schema.get_field_index("region"), "region", pa.array(region, pa.string())
    )
    table = table.append_column(
        "email", pa.array([f"user{rng.randint(0, 10**6)}@mail.ru" for _ in range(ROWS)])
    )
    table = table.append_column("СНИЛС", pa.array([make_snils(rng) for _ in range(ROWS)]))
    names = ["Иванов Иван Иванович", "Петрова Анна Сергеевна", "Сидоров Олег Петрович"]
    table = table.append_column("ФИО", pa.array([rng.choice(names) for _ in range(ROWS)]))
    path = tmp_path / "records.parquet"
    pq.write_table(table, path)
    return path


@pytest.fixture
def imported(tmp_path: Path) -> tuple[pipeline.Workspace, Study]:
    study = Study.model_validate(SMALL_STUDY)
    ws = pipeline.Workspace.in_folder(tmp_path)
    pipeline.import_dataset(ws, _records(tmp_path), study, "records", author="анна")
    return ws, study


@pytest.fixture
def rare(tmp_path: Path) -> tuple[pipeline.Workspace, Study]:
    """The records with rare values (min_cell is 5): «tiny-village», «hamlet-a», «hamlet-b» and
    «hamlet-c» (2 rows each) and one person aged 99 (the others 17 to 60)."""
    path = _records(tmp_path)
    table = pq.read_table(path)
    region = table.column("region").to_pylist()
    region[2:8] = ["hamlet-a", "hamlet-a", "hamlet-b", "hamlet-b", "hamlet-c", "hamlet-c"]
    age = table.column("age").to_pylist()
    age[10] = 99
    table = table.set_column(
        table.schema.get_field_index("region"), "region", pa.array(region, pa.string())
    )
    table = table.set_column(table.schema.get_field_index("age"), "age", pa.array(age))
    pq.write_table(table, path)
    study = Study.model_validate(SMALL_STUDY)
    ws = pipeline.Workspace.in_folder(tmp_path)
    pipeline.import_dataset(ws, path, study, "records", author="анна")
    return ws, study


def _named(study: Study, feature_id: str, labels: dict[str, str]) -> Feature:
    return study.feature(feature_id).model_copy(update={"value_labels": labels})


def test_columns_have_kinds_and_only_values_enough_people_share(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    columns = pipeline.feature_columns(ws, study)
    assert columns.version == 1
    assert columns.rows == ROWS
    by_name = {c.name: c for c in columns.columns}
    assert by_name["channel"].examples == ["epgu", "mfc", "office"]  # most frequent first
    assert by_name["age"].feature_type.value == "numeric"
    assert by_name["single_parent"].feature_type.value == "boolean"
    assert "tiny-village" not in by_name["region"].examples  # 2 rows < min_cell
    assert set(by_name["region"].examples) <= {"city", "town", "rural"}
    # Protected columns: offered without values, marked why.
    assert by_name["email"].examples == []
    assert "псевдоним" in by_name["email"].protected
    assert by_name["СНИЛС"].examples == []
    assert by_name["СНИЛС"].usable
    assert by_name["ФИО"].dropped
    assert not by_name["ФИО"].usable
    assert "удалён" in by_name["ФИО"].protected
    assert "ФИО" not in columns.names


def test_column_values_follow_the_disclosure_rule(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    values = [v.code for v in pipeline.column_values(ws, study, "region")]
    assert sorted(values) == ["city", "rural", "town"]
    assert pipeline.column_values(ws, study, "email") == []
    assert pipeline.column_values(ws, study, "no-such-column") == []
    strict = study.model_copy(
        update={"segmentation": study.segmentation.model_copy(update={"min_cell": ROWS})}
    )
    assert pipeline.column_values(ws, strict, "region") == []


def test_preview_of_round_bins_gives_segments_with_live_sizes(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    feature = Feature.model_validate(
        {
            "id": "age",
            "column": "age",
            "label": "Возраст",
            "type": "numeric",
            "binning": {"method": "round", "n_bins": 3},
        }
    )
    preview = pipeline.preview_feature(ws, study, feature)
    assert preview.total == ROWS
    assert preview.binning.startswith("округлённые квантили")
    present = [s for s in preview.segments if not s.missing_value]
    assert len(present) == 3
    assert all(s.size.startswith("около ") for s in present)  # rounded, never exact
    assert preview.segments[-1].missing_value  # about 2 % of ages are missing


def test_merged_values_are_one_segment_in_preview_and_profile(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    data = study.model_dump(mode="json")
    data["features"][0]["value_labels"] = {"epgu": "Портал", "mfc": "Очно", "office": "очно"}
    merged = pipeline.study_from_data(data, source="тест")
    preview = pipeline.preview_feature(ws, merged, merged.feature("channel"))
    labels = [s.label for s in preview.segments if not s.missing_value]
    assert labels == ["Портал", "Очно"]
    with ws.connect() as eng:
        records = pipeline.open_data_source(ws, eng, merged, merged.data_sources[0])
        result = segment_by_feature(merged, records)
        plain = segment_by_feature(study, records)
    channel = {s.value: s.capacity for s in result.features[0].segments}
    before = {s.value: s.capacity for s in plain.features[0].segments}
    assert set(channel) == {"epgu", "mfc", "NA"}
    assert channel["mfc"] == before["mfc"] + before["office"]


def test_a_name_merging_every_value_is_refused(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    feature = study.feature("single_parent").model_copy(
        update={"value_labels": {"true": "Все", "false": "все"}}
    )
    with pytest.raises(DocumentError) as caught:
        pipeline.check_value_labels(ws, study, feature, path="value_labels")
    path, _line, text = caught.value.problems[0]
    assert path == "value_labels"
    assert "«Все»" in text
    assert "один сегмент" in text
    with pytest.raises(InputError):
        pipeline.preview_feature(ws, study, feature)
    # Two of three merged: allowed.
    some = study.feature("region").model_copy(
        update={"value_labels": {"town": "Не город", "rural": "Не город"}}
    )
    pipeline.check_value_labels(ws, study, some)


@pytest.mark.parametrize("typed", ["tiny-village", "Курьер"])
def test_merging_every_common_value_is_refused_whatever_rare_value_is_typed(
    imported: tuple[pipeline.Workspace, Study], typed: str
) -> None:
    """Judged on the values at least min_cell rows have: a typed rare value («tiny-village», 2
    rows) and one not in the data («Курьер») get the same answer."""
    ws, study = imported
    every = {"city": "Все", "town": "Все", "rural": "Все", typed: "Все"}
    with pytest.raises(DocumentError) as caught:
        pipeline.check_value_labels(ws, study, _named(study, "region", every))
    assert "которые есть хотя бы у 5 клиентов" in caught.value.problems[0][2]


def test_a_preview_never_names_a_value_fewer_than_min_cell_have(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    preview = pipeline.preview_feature(ws, study, study.feature("region"))
    labels = [s.label.lower() for s in preview.segments]
    assert "tiny-village" not in labels
    assert len(labels) == 3
    assert preview.rare == 1
    assert preview.more == 0
    # An identifier as a feature: thousands of one-person segments, none of them listed.
    email = Feature(id="email", column="email", label="Почта")
    many = pipeline.preview_feature(ws, study, email)
    assert many.segments == []
    assert many.rare > 2000


@pytest.mark.parametrize(
    "labels",
    [
        {"{value}": "Деревня"},
        {"city": "Город", "{value}": "Город"},
        {"city": "Город", "town": "Посёлок", "rural": "Село", "{value}": "Село"},
        {"hamlet-a": "Хутор", "{value}": "Хутор"},
    ],
    ids=["alone", "with-a-common-value", "every-common-value-named", "with-a-rare-value"],
)
def test_a_typed_value_gets_one_answer_whether_the_data_have_it_or_not(
    rare: tuple[pipeline.Workspace, Study], labels: dict[str, str]
) -> None:
    """«tiny-village» is in 2 rows, «Курьер» in none: the preview must not tell them apart,
    or it would be a way to test whether a given rare value is in the data. (Rare values named
    alike that reach min_cell together are a group the profile shows: the next test.)"""
    ws, study = rare

    def preview(value: str) -> pipeline.FeaturePreview:
        typed = {value if code == "{value}" else code: label for code, label in labels.items()}
        return pipeline.preview_feature(ws, study, _named(study, "region", typed))

    present, absent = preview("tiny-village"), preview("Курьер")
    assert present == absent
    assert present.rare == 4  # the data's rare values, whatever was typed
    sizes = {s.label: s.size for s in present.segments}
    assert "tiny-village" not in {s.label.lower() for s in present.segments}
    label = labels["{value}"]
    if label in ("Деревня", "Хутор"):
        assert sizes[label].startswith("менее 5 из 3")


def test_rare_values_named_alike_are_counted_when_together_they_reach_min_cell(
    rare: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = rare
    hamlets = {"hamlet-a": "Хутора", "hamlet-b": "Хутора", "hamlet-c": "Хутора"}
    sizes = {
        s.label: s.size
        for s in pipeline.preview_feature(ws, study, _named(study, "region", hamlets)).segments
    }
    assert sizes["Хутора"].startswith("около 10 из 3")  # 6 rows, rounded
    # A rare value named together with a common one adds nothing to it, seen or not.
    alone = _named(study, "region", {"city": "Город"})
    merged = _named(study, "region", {"city": "Город", "tiny-village": "Город"})
    assert (
        pipeline.preview_feature(ws, study, alone).segments[0]
        == pipeline.preview_feature(ws, study, merged).segments[0]
    )


def test_thresholds_get_one_answer_whether_a_few_rows_or_none_fall_between(
    rare: tuple[pipeline.Workspace, Study],
) -> None:
    """One person is 99, nobody is 200: every interval is listed either way, sizes alike."""
    ws, study = rare

    def cut(thresholds: list[float]) -> pipeline.FeaturePreview:
        binning = {"method": "thresholds", "thresholds": thresholds}
        feature = Feature.model_validate(
            {
                "id": "age",
                "column": "age",
                "label": "Возраст",
                "type": "numeric",
                "binning": binning,
            }
        )
        return pipeline.preview_feature(ws, study, feature)

    somebody, nobody = cut([99, 100]), cut([200, 201])
    assert [s.label for s in somebody.segments] == ["Менее 99", "99", "100 и более", "Нет данных"]
    assert [s.label for s in nobody.segments] == ["Менее 200", "200", "201 и более", "Нет данных"]
    assert [s.size for s in somebody.segments] == [s.size for s in nobody.segments]
    assert somebody.segments[1].size.startswith("менее 5 из")
    assert somebody.rare == nobody.rare == 0


def test_missing_columns_and_a_preview_on_them(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    data = study.model_dump(mode="json")
    data["features"][3]["column"] = "settlement"
    old = pipeline.study_from_data(data, source="тест")
    assert pipeline.missing_columns(ws, old) == {"region": "settlement"}
    with pytest.raises(InputError, match="«settlement»"):
        pipeline.preview_feature(ws, old, old.feature("region"))


def test_without_imported_data_nothing_is_offered_or_judged(tmp_path: Path) -> None:
    study = Study.model_validate(SMALL_STUDY)
    ws = pipeline.Workspace.in_folder(tmp_path)
    columns = pipeline.feature_columns(ws, study)
    assert columns.version is None
    assert columns.columns == []
    assert pipeline.missing_columns(ws, study) == {}
    with pytest.raises(InputError, match="не загружены"):
        pipeline.preview_feature(ws, study, study.feature("age"))


def test_removing_a_feature_removes_what_names_it() -> None:
    data = Study.model_validate(SMALL_STUDY).model_dump(mode="json")
    data["segmentation"]["clustering"]["features"] = ["channel", "age"]
    data["segmentation"]["by_feature"]["pairs"] = [["channel", "age"], ["age", "region"]]
    study = pipeline.study_from_data(data, source="тест")
    assert pipeline.feature_references(study, "age") == [
        "признаки кластеризации",
        "пара «Канал подачи × Возраст»",
        "пара «Возраст × Тип поселения»",
    ]
    assert pipeline.feature_references(study, "single_parent") == []
    pipeline.remove_feature(data, "age")
    after = pipeline.study_from_data(data, source="тест")
    assert [f.id for f in after.features] == ["channel", "single_parent", "region"]
    assert after.segmentation.clustering.features == ["channel"]
    assert after.segmentation.by_feature.pairs == []


def test_names_and_merges_reach_the_profile_and_its_report(
    imported: tuple[pipeline.Workspace, Study],
) -> None:
    ws, study = imported
    data = study.model_dump(mode="json")
    data["features"][0]["value_labels"] = {"epgu": "Портал", "mfc": "Лично", "office": "Лично"}
    data["features"][3]["value_labels"] = {"city": "Город", "town": "Посёлок", "rural": "Село"}
    data["segmentation"]["clustering"]["enabled"] = False
    named = pipeline.study_from_data(data, source="тест")
    profile = pipeline.published_profile(pipeline.profile_study(ws, named), named)
    by_id = {fs.feature_id: fs for fs in profile.by_feature}
    assert [s.label for s in by_id["channel"].segments if not s.missing_value] == [
        "Портал",
        "Лично",
    ]
    labels = [s.label for s in by_id["region"].segments]
    assert labels[:3] == ["Город", "Посёлок", "Село"]
    html = pipeline.render_profile_html(profile, named, standalone=False)
    assert "Лично" in html
    assert "Посёлок" in html
    assert ">office<" not in html.lower()
    assert ">rural<" not in html.lower()
    assert ">town<" not in html.lower()
