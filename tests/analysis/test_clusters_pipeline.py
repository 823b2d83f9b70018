"""Clusters in the profile (M-4) through the pipeline: counts, portraits, edits, bad input."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.sp_factories import SMALL_STUDY, make_records

from segprofile import pipeline
from segprofile.analysis._kproto_synthetic import planted_clients, planted_clients_features
from segprofile.analysis.choose_k import FitSettings, encoding, fit, for_encoding
from segprofile.analysis.clusters import fit_clusters
from segprofile.analysis.portraits import SHARED, head_noun, how_many, portrait_name
from segprofile.data.engine import connect, execute, open_source
from segprofile.errors import InputError
from segprofile.model.study import Study

FEATURES = ["channel", "age", "single_parent", "region"]


def _study(**clustering: Any) -> Study:
    data = {
        **SMALL_STUDY,
        "segmentation": {
            **SMALL_STUDY["segmentation"],  # type: ignore[dict-item]
            "clustering": {"features": FEATURES, "k_range": [2, 4], "n_init": 2, **clustering},
        },
    }
    return pipeline.study_from_data(data)


def _write(tmp_path: Path, table: pa.Table, name: str = "records.parquet") -> Path:
    pq.write_table(table, tmp_path / name)
    return tmp_path


def planted_records(n: int, seed: int) -> pa.Table:
    """Three planted client types (with noise and missing values) in random order."""
    rng = random.Random(seed)
    types = [
        ("epgu", 30, 0.1, "city", 4.5),
        ("mfc", 24, 0.7, "rural", 3.2),
        ("office", 52, 0.2, "town", 2.4),
    ]
    rows: dict[str, list[Any]] = {k: [] for k in ("channel", "age", "single_parent", "region")}
    rows["satisfaction"] = []
    for _ in range(n):
        channel, age, single, region, sat = types[rng.choices([0, 1, 2], [50, 30, 20])[0]]
        rows["channel"].append(channel if rng.random() < 0.85 else rng.choice(["epgu", "mfc"]))
        rows["age"].append(None if rng.random() < 0.02 else round(rng.gauss(age, 4)))
        rows["single_parent"].append(rng.random() < single)
        rows["region"].append(region if rng.random() < 0.85 else rng.choice(["city", "town"]))
        rated = rng.random() < 0.4
        rows["satisfaction"].append(max(1, min(5, round(rng.gauss(sat, 0.8)))) if rated else None)
    return pa.table(
        {
            "channel": pa.array(rows["channel"], pa.string()),
            "age": pa.array(rows["age"], pa.int64()),
            "single_parent": pa.array(rows["single_parent"], pa.bool_()),
            "region": pa.array(rows["region"], pa.string()),
            "satisfaction": pa.array(rows["satisfaction"], pa.int64()),
        }
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path, Any]:
    path = _write(tmp_path_factory.mktemp("small"), planted_records(600, seed=5))
    study = _study()
    return (
        study,
        path,
        pipeline.profile_study(
            pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=path), study
        ),
    )


def test_clusters_partition_the_table(small: tuple[Study, Path, Any]) -> None:
    _, _, profile = small
    result = profile.clusters
    assert result is not None
    assert result.features == FEATURES
    assert result.k == len(result.clusters) == result.choice.chosen_k
    assert 2 <= result.k <= 4
    assert [c.key for c in result.clusters] == [f"cluster={i + 1}" for i in range(result.k)]
    assert sum(c.capacity for c in result.clusters) == profile.total_clients == 600
    assert sum(c.share for c in result.clusters) == pytest.approx(1.0)
    # Numbered by size, largest first.
    sizes = [c.capacity for c in result.clusters]
    assert sizes == sorted(sizes, reverse=True)
    assert result.sample_size == 600
    assert result.total_rows == 600
    # Satisfaction with Wilson intervals, as the one-feature segments have it.
    rated = sum(c.satisfaction.n for c in result.clusters)
    assert rated == profile.satisfaction.n
    for c in result.clusters:
        assert c.satisfaction.csat_interval is not None
        assert (
            c.satisfaction.csat_interval.low
            <= c.satisfaction.csat
            <= c.satisfaction.csat_interval.high
        )  # type: ignore[operator]
        assert c.portrait.segment == c.key
        assert c.portrait.name
        assert set(c.prototype) == set(FEATURES)
        assert not c.small
    assert len(result.choice.diagnostics) == 3


def test_crosstab_links_clusters_to_feature_segments(small: tuple[Study, Path, Any]) -> None:
    _, _, profile = small
    result = profile.clusters
    by_feature = {fs.feature_id: fs for fs in profile.by_feature}
    assert {ct.feature_id for ct in result.crosstabs} == set(by_feature)
    for ct in result.crosstabs:
        segments = {s.key: s for s in by_feature[ct.feature_id].segments}
        assert ct.segments == list(segments)
        for key, seg in segments.items():
            cells = [c for c in ct.cells if c.segment == key]
            assert sum(c.count for c in cells) == seg.capacity
            assert sum(c.share_of_segment for c in cells) == pytest.approx(1.0)
        for cluster in result.clusters:
            cells = [c for c in ct.cells if c.cluster == cluster.key]
            assert sum(c.count for c in cells) == cluster.capacity


def test_vulnerable_group_is_shown_across_every_cluster(small: tuple[Study, Path, Any]) -> None:
    _, _, profile = small
    result = profile.clusters
    rows = {r.segment: r for r in result.vulnerable}
    # single_parent is the study's vulnerable-group feature: every value, every cluster.
    assert set(rows) == {"single_parent=true", "single_parent=false"}
    seg = {s.key: s for fs in profile.by_feature for s in fs.segments}
    for key, row in rows.items():
        assert row.total == seg[key].capacity
        assert [c.cluster for c in row.cells] == [c.key for c in result.clusters]
        assert sum(c.count for c in row.cells) == row.total
        assert sum(c.share_of_group for c in row.cells) == pytest.approx(1.0)


def test_same_data_and_seed_give_the_same_clusters(
    small: tuple[Study, Path, Any], tmp_path: Path
) -> None:
    study, path, profile = small
    again = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=path), study)
    assert again.clusters is not None
    first = [(c.capacity, c.definition, c.label) for c in profile.clusters.clusters]
    second = [(c.capacity, c.definition, c.label) for c in again.clusters.clusters]
    assert first == second


def test_team_edits_survive_a_rerun_on_reordered_data(
    small: tuple[Study, Path, Any], tmp_path: Path
) -> None:
    study, path, profile = small
    target = profile.clusters.clusters[1]
    edited = pipeline.save_portrait_edit(
        study,
        target.portrait,
        name="Наши молодые мамы",
        persona={"goals": "Получить пособие без визита"},
        empathy_map={"hears": "«Через портал быстрее»"},
    )
    assert len(edited.segmentation.portraits) == 1
    assert study.segmentation.portraits == []  # the input is not changed
    stored = edited.segmentation.portraits[0]
    assert stored.definition == sorted(target.definition)
    assert stored.segment == target.key
    # Round trip through YAML (the study is saved as a revision by the caller).
    edited = pipeline.parse_study(pipeline.dump_study(edited))
    # A second save of the same portrait updates the edit, keeping the other fields.
    edited = pipeline.save_portrait_edit(edited, target.portrait, persona={"quote": "«Долго»"})
    assert len(edited.segmentation.portraits) == 1
    assert edited.segmentation.portraits[0].persona == {
        "goals": "Получить пособие без визита",
        "quote": "«Долго»",
    }
    # The same clients in another order: numbers may change, the edit follows the definition.
    table = pq.read_table(path / "records.parquet")
    order = list(range(table.num_rows))
    random.Random(1).shuffle(order)
    shuffled = _write(tmp_path, table.take(order))
    rerun = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=shuffled), edited
    )
    named = [c for c in rerun.clusters.clusters if c.portrait.name_origin == "team"]
    assert len(named) == 1
    hit = named[0]
    assert hit.label == "Наши молодые мамы"
    assert hit.portrait.edit_similarity is not None
    assert hit.portrait.edit_similarity >= 0.5
    fields = {f.key: f for f in hit.portrait.persona}
    assert fields["goals"].origin == "team"
    assert fields["quote"].value == "«Долго»"
    assert next(f for f in hit.portrait.empathy_map if f.key == "hears").origin == "team"
    assert rerun.clusters.unmatched_edits == []


def test_an_edit_without_a_matching_cluster_is_kept_and_reported(
    small: tuple[Study, Path, Any],
    tmp_path: Path,
) -> None:
    study, path, profile = small
    stale = profile.clusters.clusters[0].portrait.model_copy(
        update={"definition": ["region=moon", "channel=pigeon"]}
    )
    edited = pipeline.save_portrait_edit(study, stale, name="Старый портрет")
    rerun = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=path), edited)
    assert [u.name for u in rerun.clusters.unmatched_edits] == ["Старый портрет"]
    assert all(c.portrait.name_origin == "data" for c in rerun.clusters.clusters)
    assert edited.segmentation.portraits[0].name == "Старый портрет"  # still in the study


def test_portrait_of_a_one_feature_segment_on_request(
    small: tuple[Study, Path, Any], tmp_path: Path
) -> None:
    study, path, _ = small
    portrait = pipeline.segment_portrait(
        pipeline.Workspace.in_folder(tmp_path, data_dir=path), study, "channel=mfc"
    )
    assert portrait.segment == "channel=mfc"
    assert portrait.definition == ["channel=mfc"]
    assert "МФЦ" in portrait.name
    assert all(t.feature_id != "channel" for t in portrait.traits)
    assert next(f.key for f in portrait.persona) == "age"
    with pytest.raises(InputError, match="не найден"):
        pipeline.segment_portrait(
            pipeline.Workspace.in_folder(tmp_path, data_dir=path), study, "nope=1"
        )
    with pytest.raises(InputError, match="нет ни одного клиента"):
        pipeline.segment_portrait(
            pipeline.Workspace.in_folder(tmp_path, data_dir=path), study, "channel=telegraph"
        )
    with pytest.raises(InputError, match="задан неверно"):
        pipeline.segment_portrait(
            pipeline.Workspace.in_folder(tmp_path, data_dir=path), study, "channel"
        )
    # A team edit of a segment portrait is matched by its key.
    edited = pipeline.save_portrait_edit(study, portrait, name="Клиенты МФЦ")
    assert (
        pipeline.segment_portrait(
            pipeline.Workspace.in_folder(tmp_path, data_dir=path), edited, "channel=mfc"
        ).name
        == "Клиенты МФЦ"
    )


# --- bad input: a clear warning or error, never a crash ---------------------------------------


def _profile(tmp_path: Path, table: pa.Table, **clustering: Any) -> Any:
    return pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=_write(tmp_path, table)),
        _study(**clustering),
    )


def test_k_larger_than_the_distinct_rows(tmp_path: Path) -> None:
    n = 60
    table = pa.table(
        {
            "channel": ["epgu", "mfc", "office"] * (n // 3),
            "age": [30, 40, 50] * (n // 3),
            "single_parent": [True, False, False] * (n // 3),
            "region": ["city", "town", "rural"] * (n // 3),
            "satisfaction": [5, 3, 1] * (n // 3),
        }
    )
    profile = _profile(tmp_path, table, n_clusters=5)
    assert profile.clusters is not None
    assert profile.clusters.k == 3
    assert any("число кластеров 5" in w and "только 3" in w for w in profile.warnings)
    assert sorted(c.capacity for c in profile.clusters.clusters) == [20, 20, 20]
    # Without a fixed k the range is cut to the distinct rows.
    ranged = _profile(tmp_path, table, k_range=[2, 8])
    assert max(d.k for d in ranged.clusters.choice.diagnostics) == 3
    assert any("диапазон k сокращён" in w for w in ranged.warnings)


def test_an_all_missing_column(tmp_path: Path) -> None:
    table = make_records(200, seed=2)
    table = table.set_column(
        table.schema.get_field_index("region"), "region", pa.array([None] * 200, pa.string())
    )
    profile = _profile(tmp_path, table)
    assert profile.clusters is not None
    assert "region" not in profile.clusters.features
    warning = next(w for w in profile.warnings if "«region»" in w)
    assert "пуст во всех строках" in warning
    assert "не включайте признак в кластеризацию" in warning


def test_a_constant_column(tmp_path: Path) -> None:
    table = make_records(200, seed=3)
    table = table.set_column(
        table.schema.get_field_index("region"), "region", pa.array(["city"] * 200)
    )
    profile = _profile(tmp_path, table)
    assert profile.clusters is not None
    assert "region" not in profile.clusters.features
    assert any("одно значение" in w and "Тип поселения" in w for w in profile.warnings)


def test_a_one_row_table(tmp_path: Path) -> None:
    table = make_records(1, seed=4)
    profile = _profile(tmp_path, table)
    assert profile.total_clients == 1
    assert profile.clusters is None
    assert any("Кластеризация не выполнена" in w and "1 строк" in w for w in profile.warnings)


def test_a_feature_with_ten_thousand_levels(tmp_path: Path) -> None:
    n = 10_000
    table = make_records(n, seed=6)
    table = table.set_column(
        table.schema.get_field_index("region"), "region", pa.array([f"r{i:05d}" for i in range(n)])
    )
    profile = _profile(tmp_path, table)
    assert profile.clusters is not None
    assert "region" not in profile.clusters.features
    warning = next(w for w in profile.warnings if "10\u00a0000 различных значений" in w)
    assert "Укрупните значения" in warning
    # Its 10,000 one-feature segments are not a crosstab of 10,000 columns.
    assert "region" not in {ct.feature_id for ct in profile.clusters.crosstabs}
    assert sum(c.capacity for c in profile.clusters.clusters) == n


def test_every_clustering_column_unusable(tmp_path: Path) -> None:
    table = pa.table(
        {
            "channel": ["epgu"] * 20,
            "age": pa.array([None] * 20, pa.int64()),
            "single_parent": [True] * 20,
            "region": ["city"] * 20,
            "satisfaction": [5] * 20,
        }
    )
    profile = _profile(tmp_path, table)
    assert profile.clusters is None
    assert any("ни один из признаков не пригоден" in w for w in profile.warnings)


def test_clustering_without_features_says_what_to_do(tmp_path: Path) -> None:
    profile = _profile(tmp_path, make_records(50, seed=1), features=[])
    assert profile.clusters is None
    assert any("признаки для неё не выбраны" in w for w in profile.warnings)
    off = _profile(tmp_path, make_records(50, seed=1), enabled=False)
    assert off.clusters is None
    assert not any("Кластеризац" in w for w in off.warnings)


def test_a_clustering_column_missing_from_the_data(tmp_path: Path) -> None:
    data = {
        **SMALL_STUDY,
        "features": [
            *SMALL_STUDY["features"],  # type: ignore[list-item]
            {"id": "income", "column": "income", "label": "Доход", "type": "numeric"},
        ],
        "segmentation": {
            **SMALL_STUDY["segmentation"],  # type: ignore[dict-item]
            "by_feature": {"features": ["channel"]},
            "clustering": {"features": ["channel", "income"]},
        },
    }
    study = pipeline.study_from_data(data)
    with pytest.raises(InputError, match="нет столбцов для кластеризации") as err:
        pipeline.profile_study(
            pipeline.Workspace.in_folder(
                tmp_path, data_dir=_write(tmp_path, make_records(50, seed=1))
            ),
            study,
        )
    assert "«income»" in str(err.value)


@pytest.mark.parametrize("method", ["kprototypes", "onehot"])
def test_engine_labels_every_row_as_the_model_did(tmp_path: Path, method: str) -> None:
    """Under either encoding the engine's expression gives each row its sample label (the
    sample is the whole table here), indicators computed in the same projection."""
    path = _write(tmp_path, planted_records(500, seed=8))
    study = _study(n_clusters=3)
    engine = connect()
    try:
        source = open_source(engine, study.client_records(), path)  # type: ignore[arg-type]
        fitted, _ = fit_clusters(study, source)
        assert fitted is not None
        prepared = fitted.prepared
        enc = encoding(prepared.frame, prepared.categorical, method)
        assert enc is not None
        settings = for_encoding(
            FitSettings(categorical=prepared.categorical, n_init=2, random_state=1), enc
        )
        model = fit(settings, enc.apply(prepared.frame), 3).model
        forced = replace(fitted, model=model, encoding=enc)
        labels = execute(forced.assign(source.table, "cluster").select("cluster"))["cluster"]
    finally:
        engine.close()
    assert len(labels) == 500
    assert labels.to_numpy().tolist() == np.asarray(model.labels_).tolist()


# --- bad input: a warning that says what to do, never a crash or a misleading name ---------------


def _column(table: pa.Table, name: str, values: list[Any], kind: pa.DataType) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, kind))


def test_every_rating_identical(tmp_path: Path) -> None:
    table = planted_records(600, seed=21)
    table = _column(table, "satisfaction", [5] * 600, pa.int64())
    profile = _profile(tmp_path, table)
    assert profile.clusters is not None
    warning = next(w for w in profile.warnings if "оценок удовлетворённости не ниже" in w)
    assert "Проверьте столбец «satisfaction»" in warning
    for cluster in profile.clusters.clusters:
        notes = [n for f in cluster.portrait.persona for n in f.notes]
        assert not any(n.basis == "satisfaction" for n in notes)


def test_one_segment_holds_everyone(tmp_path: Path) -> None:
    table = _column(planted_records(600, seed=22), "region", ["city"] * 600, pa.string())
    profile = _profile(tmp_path, table)
    assert profile.clusters is not None
    assert "region" not in profile.clusters.features
    warning = next(w for w in profile.warnings if "одно значение" in w and "Тип поселения" in w)
    assert "исключён из кластеризации" in warning
    # Everyone is in the city: no cluster is named by it.
    assert not any("город" in c.portrait.name for c in profile.clusters.clusters)


def test_a_feature_with_sixty_values(tmp_path: Path) -> None:
    rng = random.Random(23)
    districts = [f"d{i:02d}" for i in range(60)]
    values = [
        rng.choice(districts[:5]) if rng.random() < 0.6 else rng.choice(districts)
        for _ in range(1200)
    ]
    table = _column(planted_records(1200, seed=23), "region", values, pa.string())
    profile = _profile(tmp_path, table)
    assert profile.clusters is not None
    assert "region" in profile.clusters.features  # kept, with advice
    warning = next(w for w in profile.warnings if "60 различных значений" in w)
    assert "Укрупните значения" in warning
    for cluster in profile.clusters.clusters:
        assert cluster.portrait.name
        # A district held by few members never names a cluster as if all lived there.
        for trait in cluster.portrait.traits:
            if trait.feature_id == "region" and trait.label in cluster.portrait.name:
                assert (trait.share_in_segment or 0) >= 0.5 or "каждый" in cluster.portrait.name


def test_a_cluster_all_missing_in_one_feature(tmp_path: Path) -> None:
    """Applicants at the office have no age in the export (a field the office does not fill):
    their cluster is named and warned about as a gap in the data, not as a client type."""
    table = planted_records(900, seed=24)
    channel = table.column("channel").to_pylist()
    ages = [
        None if ch == "office" else a
        for ch, a in zip(channel, table.column("age").to_pylist(), strict=True)
    ]
    table = _column(table, "age", ages, pa.int64())
    profile = _profile(tmp_path, table, n_clusters=3)
    assert profile.clusters is not None
    gap = [
        c for c in profile.clusters.clusters if "без данных о признаке «Возраст»" in c.portrait.name
    ]
    assert gap
    cluster = gap[0]
    assert cluster.portrait.name.startswith("Заявители")
    warning = next(
        w
        for w in profile.warnings
        if w.startswith(f"Кластер {cluster.number}: значение признака «Возраст»")
    )
    assert "пропускам" in warning
    assert "не включайте признак в кластеризацию" in warning
    # Nothing is said of its age as if it were known.
    age = next(f for f in cluster.portrait.persona if f.key == "age")
    assert age.value == ""


def test_a_k_range_wider_than_the_data_allows(tmp_path: Path) -> None:
    table = planted_records(40, seed=25)
    profile = _profile(tmp_path, table, k_range=[2, 20])
    assert profile.clusters is not None
    warning = next(w for w in profile.warnings if "диапазон k сокращён до 2–8" in w)
    assert "минимальный размер сегмента" in warning
    assert "min_cell" not in warning  # the setting as the analyst sees it, not its YAML key
    assert max(d.k for d in profile.clusters.choice.diagnostics) <= 8
    fixed = _profile(tmp_path, table, n_clusters=15)
    assert fixed.clusters is not None
    assert fixed.clusters.k <= 8
    assert any("число кластеров 15" in w for w in fixed.warnings)


def test_names_agree_with_the_shares_they_state(tmp_path: Path) -> None:
    """On a realistic export: a trait held by fewer than half of a cluster never names it
    plainly; when none reaches half, the name says how many hold the one it names."""
    frame, _ = planted_clients(3000, n_segments=5, separation=1.8, random_state=4)
    frame.insert(0, "client_id", [f"c{i:05d}" for i in range(len(frame))])
    frame.to_parquet(tmp_path / "records.parquet", index=False)
    features = planted_clients_features()
    study = pipeline.study_from_data(
        {
            "id": "names",
            "title": "Имена кластеров",
            "scope": {
                "kind": "service",
                "title": "Услуга",
                "body": "Ведомство",
                "client_types": ["citizen"],
            },
            "roles": [{"id": "applicant", "kind": "applicant", "title": "Заявитель"}],
            "data_sources": [
                {
                    "id": "records",
                    "kind": "client_records",
                    "path": "records.parquet",
                    "id_column": "client_id",
                    "columns": {"client_id": {"pii": "keep"}},
                }
            ],
            "features": features,
            "segmentation": {
                "satisfaction": {"column": "satisfaction"},
                "clustering": {"features": [f["id"] for f in features], "n_clusters": 5},
            },
        }
    )
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=tmp_path), study
    )
    assert profile.clusters is not None
    by_id = {f.id: f for f in study.features}
    head = head_noun(study)
    quantified = 0
    for cluster in profile.clusters.clusters:
        name = cluster.portrait.name
        traits = [t for t in cluster.portrait.traits if t.kind == "categorical"]
        assert traits, name
        shared = [t for t in traits if (t.share_in_segment or 0) >= SHARED]
        if "среди которых" in name:
            quantified += 1
            assert not shared, name
            words = {w for t in traits for w in how_many(t.share_in_segment or 0)[:3]}
            assert any(w in name for w in words), name
            continue
        assert shared, name
        for trait in traits:
            if (trait.share_in_segment or 0) >= SHARED:
                continue
            alone = trait.model_copy(update={"share_in_segment": 1.0})
            phrase = portrait_name(study, [alone], by_id).removeprefix(head).strip(" ,()")
            assert phrase.lower() not in name.lower(), (name, trait.text)
    print(f"\n{quantified} of {len(profile.clusters.clusters)} names say how many")
    for cluster in profile.clusters.clusters:
        print(cluster.portrait.name)
