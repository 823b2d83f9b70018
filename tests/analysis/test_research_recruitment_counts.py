"""Interview recruitment (M-8) counts people as the profile does: on messy, skewed records.

A real export lists applications, not people: a client who applied twice has two records, and
a feature such as the channel may differ between them. The profile counts a segment's clients
as the distinct people with at least one record in it; the recruitment must count (and draw)
them the same way, or a small segment is reported with no candidates although the profile
shows its people.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile.analysis.research import draw_candidates, recruit_respondents
from segprofile.data.engine import Engine, open_source
from segprofile.model.study import ResearchActivity, Study

RARE = 19  # clients whose only letter by post is a repeat application


def _records(seed: int = 11) -> pa.Table:
    """About 4 000 applications of 2 500 clients: a dominant channel, repeat applications, a
    rare channel (post) used only by 19 clients and only on a later application, a tiny region,
    missing values."""
    rng = random.Random(seed)
    ids, channels, regions, ages = [], [], [], []
    for i in range(2500):
        client = f"k{rng.getrandbits(48):012x}"
        region = rng.choices(["city", "town", "rural", None], [70, 20, 9, 1])[0]
        if i < 6:
            region = "closed_town"  # a tiny group, still a segment
        applications = rng.choices([1, 2, 3, 4], [60, 25, 10, 5])[0]
        if i >= 2500 - RARE:
            applications = max(2, applications)
        for n in range(applications):
            channel = rng.choices(["epgu", "mfc", "office", None], [70, 22, 6, 2])[0]
            if i >= 2500 - RARE and n == applications - 1:
                channel = "post"
            ids.append(client)
            channels.append(channel)
            regions.append(region)
            ages.append(None if rng.random() < 0.03 else rng.randint(18, 70))
    order = list(range(len(ids)))
    rng.shuffle(order)  # an export is not sorted by client
    return pa.table(
        {
            "client_id": pa.array([ids[i] for i in order], pa.string()),
            "channel": pa.array([channels[i] for i in order], pa.string()),
            "region": pa.array([regions[i] for i in order], pa.string()),
            "age": pa.array([ages[i] for i in order], pa.int64()),
        }
    )


STUDY = {
    "id": "repeat",
    "title": "Повторные заявления",
    "scope": {"kind": "service", "title": "Услуга", "client_types": ["citizen"]},
    "data_sources": [
        {
            "id": "records",
            "kind": "client_records",
            "path": "records.parquet",
            "id_column": "client_id",
        }
    ],
    "features": [
        {"id": "channel", "column": "channel", "label": "Канал подачи"},
        {"id": "region", "column": "region", "label": "Тип поселения"},
        {
            "id": "age",
            "column": "age",
            "label": "Возраст",
            "type": "numeric",
            "binning": {"thresholds": [30, 50]},
        },
    ],
}


@pytest.fixture
def records(tmp_path: Path) -> tuple[Study, Path, pa.Table]:
    table = _records()
    pq.write_table(table, tmp_path / "records.parquet", row_group_size=700)
    return Study.model_validate(STUDY), tmp_path, table


def _people(table: pa.Table) -> dict[str, int]:
    """Distinct clients with at least one record in each segment: the profile's count."""
    frame = table.to_pandas()
    out: dict[str, int] = {}
    for feature in ("channel", "region"):
        for value, group in frame.dropna(subset=[feature]).groupby(feature):
            out[f"{feature}={value}"] = group["client_id"].nunique()
    return out


def test_a_segment_of_repeat_applicants_is_counted_and_covered(
    records: tuple[Study, Path, pa.Table],
) -> None:
    study, data, table = records
    people = _people(table)
    assert people["channel=post"] == RARE
    engine = Engine.duckdb()
    try:
        source = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        pool = draw_candidates(study, source, id_column="client_id", seed=3)
    finally:
        engine.close()
    for key, n in people.items():
        assert pool.in_data.get(key) == n, key
    rec = recruit_respondents(pool, per_segment=2)
    assert not rec.uncovered, [(u.key, u.reason) for u in rec.uncovered]
    got = {key: sum(key in r.segments for r in rec.respondents) for key in people}
    assert got["channel=post"] >= 2
    assert got["region=closed_town"] >= 2
    # A respondent is listed with every segment they stand for, as the profile counts them.
    for r in rec.respondents:
        assert len(r.segments) == len(set(r.segments))


def test_an_uncovered_segment_says_how_many_people_it_has(
    records: tuple[Study, Path, pa.Table],
) -> None:
    """All 19 clients of the rare channel opted out: the segment is listed with its 19 people,
    none of whom may be asked, never as a segment without candidates in the data."""
    study, data, table = records
    rare = {
        c
        for c, ch in zip(table["client_id"].to_pylist(), table["channel"].to_pylist(), strict=True)
        if ch == "post"
    }
    engine = Engine.duckdb()
    try:
        source = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        pool = draw_candidates(study, source, id_column="client_id", exclude_ids=rare, seed=3)
    finally:
        engine.close()
    rec = recruit_respondents(pool)
    lost = {u.key: u for u in rec.uncovered}
    assert set(lost) == {"channel=post"}
    assert lost["channel=post"].available == 0
    assert f"все {RARE} человек" in lost["channel=post"].reason
    assert "H(" not in rec.explanation
    assert "просили больше не приглашать — 19" in rec.explanation


def test_the_teams_opt_outs_and_interviews_reach_the_next_plan(
    records: tuple[Study, Path, pa.Table], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Marked «просит больше не приглашать» or «интервью проведено» (the limit is one) in the
    study: the next plan proposes neither person again."""
    from segprofile import pipeline

    study, data, _ = records
    ws = pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data)
    first = pipeline.research_plan(ws, study)
    chosen = [r.respondent_id for r in first.recruitment.respondents]
    assert len(chosen) >= 2
    marked = study.model_copy(deep=True)
    marked.research.activities = [
        ResearchActivity.model_validate(
            {
                "id": "interviews",
                "method": "interview",
                "title": "Интервью",
                "respondents": [
                    {"id": chosen[0], "segment": "channel=epgu", "status": "opted_out"},
                    {"id": chosen[1], "segment": "channel=epgu", "status": "interviewed"},
                ],
            }
        )
    ]
    again = pipeline.research_plan(ws, marked)
    proposed = {r.respondent_id for r in again.recruitment.respondents}
    assert chosen[0] not in proposed
    assert chosen[1] not in proposed
    assert again.recruitment.excluded_opt_out == 1
    assert again.recruitment.excluded_limit == 1
