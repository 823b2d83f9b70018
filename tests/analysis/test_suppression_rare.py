"""Rare category values: never named, combined into one line (``analysis.suppression``).

The planted profile of ``test_suppression`` (channels of 1, 2 and 4 clients beside a dominant
one, a 1-client settlement type beside a 12-client one), its features categorical, plus a
value of exactly ``min_cell`` clients and a pair of features."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tests.analysis.test_suppression import (
    CROSS,
    MIN_CELL,
    TOTAL,
    _sat,
    check_table,
    planted_profile,
    study,
)

from segprofile.analysis.suppression import (
    OTHER_CODE,
    combine_rare,
    other_label,
    rare_codes,
    rare_values,
    shown_keys,
    suppress,
)
from segprofile.analysis.texts import texts_with_segments
from segprofile.data.engine import Engine, open_source
from segprofile.model.results import CrossSegmentation, PrioritySummary, Profile, SegmentStats
from segprofile.model.study import Study
from sp_factories import SMALL_STUDY

RARE_NAMES = {"channel=office": "Office", "channel=post": "Post", "channel=phone": "Phone"}


def categorical_profile() -> Profile:
    """The planted profile with categorical features, a value of exactly min_cell clients
    (taken from «mail»), a pair of features and a priority ranking naming a rare value."""
    p = planted_profile()
    channel, region = p.by_feature
    segments = [s for s in channel.segments if s.value != "mail"]
    segments += [
        SegmentStats(
            key=f"channel={v}",
            value=v,
            label=v.capitalize(),
            capacity=n,
            share=n / TOTAL,
            satisfaction=_sat(n),
        )
        for v, n in (("mail", 7), ("courier", MIN_CELL))
    ]
    cells = {
        ("epgu", "city"): 500,
        ("mfc", "town"): 206,
        ("mfc", "city"): 94,
        ("office", "city"): 1,
    }
    cells |= {("post", "town"): 2, ("phone", "rural"): 4, ("mail", "rural"): 7}
    cells |= {("courier", "island"): 1, ("courier", "city"): 4}
    cross = CrossSegmentation(
        feature_ids=("channel", "region"),
        label="Канал × район",
        segments=[
            SegmentStats(
                key=f"channel={a}&region={b}",
                value=f"{a}&{b}",
                label=f"{a.capitalize()} · {b.capitalize()}",
                capacity=n,
                share=n / TOTAL,
                satisfaction=_sat(n),
            )
            for (a, b), n in cells.items()
        ],
    )
    priority = PrioritySummary(
        mode="low",
        overall_csat=0.75,
        weights={},
        explanation="",
        top=["channel=office", "channel=epgu"],
    )
    return p.model_copy(
        update={
            "by_feature": [
                channel.model_copy(update={"type": "categorical", "segments": segments}),
                region.model_copy(update={"type": "categorical"}),
            ],
            "cross": [cross],
            "priority": priority,
        }
    )


def test_rare_values_are_combined_into_one_unnamed_line() -> None:
    computed = categorical_profile()
    assert set(rare_values(computed, MIN_CELL)) == {*RARE_NAMES, "region=island"}
    published = suppress(computed, study())
    text = published.model_dump_json()
    for key, name in RARE_NAMES.items():
        assert key not in text, key
        assert f'"{name}' not in text, key
    assert "island" not in text.lower()
    channel = {s.key: s for s in published.by_feature[0].segments}
    other = channel[f"channel={OTHER_CODE}"]
    assert other.label == "Прочие значения (3 значения, в каждом меньше 5 клиентов)"
    assert other.capacity == 7  # 1 + 2 + 4: enough to be shown
    assert other.hidden is None
    # Its ratings are added up (7, CSAT 75 %), then protected as any segment's: about 2 of 7
    # rated low, a small count, so its CSAT is hidden.
    combined = {s.key: s for s in combine_rare(computed, MIN_CELL)[0].by_feature[0].segments}
    assert combined[other.key].satisfaction.n == 7
    assert combined[other.key].satisfaction.mean == 3.5
    assert other.satisfaction.hidden == "share"
    # Exactly min_cell: shown by name; nothing else of the feature needs hiding.
    assert channel["channel=courier"].capacity == MIN_CELL
    assert not any(s.hidden for s in channel.values())
    # A lone rare value: its combined line is small itself, and a neighbour is hidden with it.
    region = {s.key: s for s in published.by_feature[1].segments}
    assert region[f"region={OTHER_CODE}"].label == "Прочие значения (1 значение, меньше 5 клиентов)"
    assert region[f"region={OTHER_CODE}"].hidden == "small"
    assert region["region=rural"].hidden == "complement"
    # The ranking never names one; the published keys are the combined ones.
    assert published.priority is not None
    assert "channel=office" not in published.priority.top
    assert not set(RARE_NAMES) & shown_keys(published)
    assert suppress(published, study()) is published  # idempotent


def test_pairs_and_cluster_tables_combine_the_rare_values_too() -> None:
    computed = categorical_profile()
    published = suppress(computed, study())
    pair = {s.key: s for s in published.cross[0].segments}
    assert not any(k.startswith(tuple(f"{r}&" for r in RARE_NAMES)) for k in pair)
    assert not any(k.endswith("&region=island") for k in pair)
    # office (1) in the city: its own cell once, now in the combined column (hidden: small).
    other_city = pair[f"channel={OTHER_CODE}&region=city"]
    assert other_city.label == "Прочие значения · City"
    assert other_city.capacity is None
    # Clusters × channels: the three rare columns are one, and no cell is recoverable.
    assert published.clusters is not None
    crosstab = published.clusters.crosstabs[0]
    assert "channel=office" not in crosstab.segments
    assert crosstab.segment_labels[-1] == "Прочие значения"
    truth: dict[tuple[str, str], int] = {}
    for cl, row in CROSS.items():
        for v, n in row.items():
            key = f"channel={OTHER_CODE}" if f"channel={v}" in RARE_NAMES else f"channel={v}"
            truth[(cl, key)] = truth.get((cl, key), 0) + n
    assert truth[("cluster=2", f"channel={OTHER_CODE}")] == 1  # still a tiny cell inside
    listed = {(c.cluster, c.segment): c.count for c in crosstab.cells}
    shown = {cell: listed.get(cell, 0) for cell in truth}
    assert shown[("cluster=2", f"channel={OTHER_CODE}")] is None
    rows = {c.key: c.capacity for c in published.clusters.clusters}
    cols = {s.key: s.capacity for s in published.by_feature[0].segments}
    cols = {k: v for k, v in cols.items() if k in crosstab.segments}
    cols["channel=mail"] = 12  # the planted crosstab's «mail» column (its segment was changed)
    assert check_table(truth, shown, rows, cols, sum(truth.values())) == []


def test_a_rare_value_has_fewer_than_min_cell_clients_and_no_data_is_none() -> None:
    # «Нет данных» (NA) names nobody: a line of its own, hidden by the partition rules.
    assert rare_codes({"NA": 2, "tiny": 4, "five": 5, "big": 900}, MIN_CELL) == {"tiny"}


def test_the_combined_line_reads_in_russian() -> None:
    assert other_label(1, 5) == "Прочие значения (1 значение, меньше 5 клиентов)"
    assert other_label(2, 10) == "Прочие значения (2 значения, в каждом меньше 10 клиентов)"
    assert other_label(21, 5) == "Прочие значения (21 значение, в каждом меньше 5 клиентов)"
    assert other_label(11, 5) == "Прочие значения (11 значений, в каждом меньше 5 клиентов)"


def test_numeric_and_boolean_segments_are_not_combined() -> None:
    """Their segments are the analyst's intervals or yes / no, not values from the data: a
    small one is hidden by the partition rules, under its own name."""
    p = planted_profile()
    numeric = p.model_copy(
        update={"by_feature": [fs.model_copy(update={"type": "numeric"}) for fs in p.by_feature]}
    )
    assert rare_values(numeric, MIN_CELL) == {}
    assert combine_rare(numeric, MIN_CELL)[0] is numeric
    published = suppress(numeric, study())
    assert json.loads(published.model_dump_json())["by_feature"][0]["segments"][2]["key"] == (
        "channel=office"
    )


def test_complaints_of_a_rare_value_are_shared_under_the_combined_line(tmp_path: Path) -> None:
    """Texts are counted by their authors' segments: a village of 2 clients who wrote 8
    complaints is still never named («Прочие значения»), one of exactly min_cell is."""
    rng = random.Random(29)
    regions = ["city"] * 300 + ["town"] * 80 + ["Tiny-village"] * 2 + ["Zarechye-Five"] * 5
    ids = [f"c{i:04d}" for i in range(len(regions))]
    pq.write_table(pa.table({"client_id": ids, "region": regions}), tmp_path / "records.parquet")
    authors = [i for i, r in zip(ids, regions, strict=True) if r != "city" or rng.random() < 0.1]
    authors += [i for i, r in zip(ids, regions, strict=True) if r == "Tiny-village"] * 3
    texts = [f"долго ждали в очереди, {rng.choice(['снова', 'опять'])}" for _ in authors]
    pq.write_table(pa.table({"client_id": authors, "text": texts}), tmp_path / "texts.parquet")
    data = json.loads(json.dumps(SMALL_STUDY))
    data["data_sources"][0] |= {"path": "records.parquet", "id_column": "client_id"}
    data["data_sources"].append({"id": "texts", "kind": "complaints", "path": "texts.parquet"})
    study_ = Study.model_validate(data)
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study_.data_sources[0], tmp_path)
        complaints = open_source(engine, study_.data_sources[1], tmp_path)
        _texts, labels = texts_with_segments(
            study_,
            records,
            complaints.table,
            text_column="text",
            id_column="client_id",
            records_id="client_id",
            feature_id="region",
        )
    finally:
        engine.close()
    assert labels.count("Прочие значения") == 8  # 2 authors, 4 texts each
    assert "Zarechye-Five" in labels
    assert not any("tiny" in label.casefold() for label in labels)
