"""Cells of a pair of features (``analysis.suppression``): one decision, told nowhere else.

Planted as on a real export (channel of application × district, ``min_cell`` 10): a dominant
channel (МФЦ) and a dominant district, a rare channel used by 1–3 people in a few districts
only (combined into «Прочие значения»), a small village whose МФЦ cell is shown in size but
hidden to protect its small neighbours, and empty combinations. A hidden cell must read the
same whether it holds nobody or a few people; the overlaps of the top segments and the
proposed cross segments must give a group the cross table's size and hide what it hides.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from typing import Any

import pytest

from segprofile.analysis.suppression import OTHER_CODE, suppress
from segprofile.model.results import (
    CrossProposal,
    CrossSegmentation,
    FeatureSegmentation,
    Priority,
    PrioritySummary,
    Profile,
    SatisfactionStats,
    SegmentOverlap,
    SegmentStats,
)
from segprofile.model.study import Study
from segprofile.report.build import build_report
from sp_factories import SMALL_STUDY, fixed_provenance

MIN_CELL = 10
DISTRICTS = {
    "Центральный": 0.34,
    "Ленинский": 0.26,
    "Советский": 0.18,
    "Заречный": 0.12,
    "пос. Сосновка": 0.07,
    "с. Ключи": 0.03,
}
CHANNELS = {"МФЦ": 0.62, "ЕПГУ": 0.27, "Почта": 0.11}
# A rare channel: 1–3 people in three districts, nobody anywhere else.
RARE = {("Телефон", "Ленинский"): 3, ("Телефон", "Советский"): 1, ("Телефон", "Заречный"): 2}


def _records(seed: int = 15, rows: int = 9000) -> list[tuple[str, str, int]]:
    """(channel, district, rating 1–5) per application; the village has no post office."""
    rng = random.Random(seed)
    out = []
    for _ in range(rows):
        district = rng.choices(list(DISTRICTS), weights=list(DISTRICTS.values()))[0]
        channels = {
            c: w for c, w in CHANNELS.items() if not (c == "Почта" and district == "с. Ключи")
        }
        channel = rng.choices(list(channels), weights=list(channels.values()))[0]
        if district == "с. Ключи" and channel == "ЕПГУ" and rng.random() < 0.985:
            channel = "МФЦ"  # few apply online in the village: a small cell beside a large one
        out.append((channel, district, rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 6])[0]))
    for (channel, district), n in RARE.items():
        out += [(channel, district, 3)] * n
    return out


def _sat(ratings: list[int]) -> SatisfactionStats:
    if not ratings:
        return SatisfactionStats(n=0)
    happy = sum(r >= 4 for r in ratings)
    return SatisfactionStats(
        n=len(ratings), mean=sum(ratings) / len(ratings), csat=happy / len(ratings)
    )


def _segment(key: str, value: str, label: str, ratings: list[int], total: int) -> SegmentStats:
    return SegmentStats(
        key=key,
        value=value,
        label=label,
        capacity=len(ratings),
        share=len(ratings) / total,
        satisfaction=_sat(ratings),
    )


def computed_profile() -> tuple[Profile, Counter[tuple[str, str]]]:
    """The computed (unpublished) profile of the planted records, and its cell counts; the
    priority lists every pair of shown segments as an overlap and a proposal (both counted
    from the same rows, as the pipeline does)."""
    rows = _records()
    total = len(rows)
    by: dict[str, dict[str, list[int]]] = {"channel": {}, "district": {}}
    pairs: dict[tuple[str, str], list[int]] = {}
    for channel, district, rating in rows:
        by["channel"].setdefault(channel, []).append(rating)
        by["district"].setdefault(district, []).append(rating)
        pairs.setdefault((channel, district), []).append(rating)
    features = [
        FeatureSegmentation(
            feature_id=fid,
            label={"channel": "Канал обращения", "district": "Район"}[fid],
            column=fid,
            type="categorical",
            segments=[
                _segment(f"{fid}={v}", v, v[:1].upper() + v[1:], r, total)
                for v, r in sorted(by[fid].items(), key=lambda kv: -len(kv[1]))
            ],
        )
        for fid in ("channel", "district")
    ]
    # МФЦ is ranked first (a report shows overlaps of the segments it ranks).
    mfc = next(s for s in features[0].segments if s.key == "channel=МФЦ")
    mfc.priority = Priority(score=0.5, rank=1, parts={}, reasons=["большой сегмент"])
    cross = CrossSegmentation(
        feature_ids=("channel", "district"),
        label="Канал обращения × Район",
        segments=[
            _segment(
                f"channel={c}&district={d}",
                f"{c}&{d}",
                f"{c} · {d[:1].upper() + d[1:]}",
                r,
                total,
            )
            for (c, d), r in sorted(pairs.items())
        ],
    )
    overlaps, proposals = [], []
    for (c, d), r in sorted(pairs.items()):
        a, b = f"channel={c}", f"district={d}"
        overlaps.append(
            SegmentOverlap(
                a=a,
                b=b,
                both=len(r),
                share_of_a=len(r) / len(by["channel"][c]),
                share_of_b=len(r) / len(by["district"][d]),
            )
        )
        sat = _sat(r)
        proposals.append(
            CrossProposal(
                key=f"{a}&{b}",
                label=f"Канал обращения: {c} · Район: {d}",
                capacity=len(r),
                satisfaction=sat,
                a_only_csat=0.7,
                b_only_csat=0.7,
                q_a=0.01,
                q_b=0.01,
                reason="",
            )
        )
    priority = PrioritySummary(
        mode="low",
        overall_csat=0.7,
        weights={},
        explanation="",
        top=["channel=МФЦ", "district=с. Ключи"],
        overlaps=overlaps,
        proposals=proposals,
    )
    profile = Profile(
        study_id="t",
        study_title="Ежемесячная выплата",
        provenance=fixed_provenance(),
        total_clients=total,
        satisfaction=_sat([r for _, _, r in rows]),
        by_feature=features,
        cross=[cross],
        priority=priority,
    )
    return profile, Counter({k: len(v) for k, v in pairs.items()})


def study() -> Study:
    data: dict[str, Any] = copy.deepcopy(SMALL_STUDY)
    data.setdefault("segmentation", {})["min_cell"] = MIN_CELL
    return Study.model_validate(data)


@pytest.fixture(scope="module")
def planted() -> tuple[Profile, Profile, Counter[tuple[str, str]]]:
    computed, counts = computed_profile()
    return computed, suppress(computed, study()), counts


def _neutral(seg: SegmentStats, district: str) -> dict[str, Any]:
    """A published cell with its district named «X»: what is left may differ by nothing."""
    text = seg.model_dump_json()
    for name in (district, district[:1].upper() + district[1:]):
        text = text.replace(name, "X")
    out: dict[str, Any] = json.loads(text)
    return out


def test_a_hidden_empty_cell_reads_as_a_hidden_cell_of_a_few(planted) -> None:  # type: ignore[no-untyped-def]
    _, published, counts = planted
    other = {d: n for (c, d), n in counts.items() if c == "Телефон"}
    cells = {s.key: s for s in published.cross[0].segments}
    combined = {d: cells[f"channel={OTHER_CODE}&district={d}"] for d in DISTRICTS}
    assert all(s.hidden for s in combined.values())
    empty = [d for d in DISTRICTS if other.get(d, 0) == 0]
    few = [d for d in DISTRICTS if 0 < other.get(d, 0) < MIN_CELL]
    assert empty
    assert few
    forms = {json.dumps(_neutral(combined[d], d), sort_keys=True) for d in DISTRICTS}
    assert len(forms) == 1, forms
    assert combined[few[0]].value == f"{OTHER_CODE}&{few[0]}"
    # A named channel too: the village's post (nobody) and its online applications (a few).
    post, online = cells["channel=Почта&district=с. Ключи"], cells["channel=ЕПГУ&district=с. Ключи"]
    assert counts[("Почта", "с. Ключи")] == 0
    assert 0 < counts[("ЕПГУ", "с. Ключи")] < MIN_CELL
    assert post.hidden
    assert online.hidden
    a = _neutral(post, "Почта") | {"key": "", "value": "", "label": ""}
    b = _neutral(online, "ЕПГУ") | {"key": "", "value": "", "label": ""}
    assert a == b
    assert post.value == "Почта&с. Ключи"
    assert post.label == "Почта · С. Ключи"


def test_the_order_of_cells_does_not_follow_their_size(planted) -> None:  # type: ignore[no-untyped-def]
    _, published, _ = planted
    keys = [tuple(s.key.split("&")) for s in published.cross[0].segments]
    assert keys == sorted(keys)


def test_the_report_shows_hidden_empty_and_small_cells_alike(planted) -> None:  # type: ignore[no-untyped-def]
    computed, _, _ = planted
    report = build_report(computed, study(), figures=False)
    table = next(
        t
        for sec in report.sections
        for t in sec.blocks
        if getattr(t, "name", "") == "cross_channel_district"
    )
    rows = {str(r[0]): r[1:] for r in table.rows}
    assert rows["Почта · С. Ключи"] == rows["ЕПГУ · С. Ключи"]
    others = [v for label, v in rows.items() if label.startswith("Прочие значения")]
    assert len(others) == len(DISTRICTS)
    assert all(v == others[0] for v in others)


def test_overlaps_and_proposals_follow_the_cross_table(planted) -> None:  # type: ignore[no-untyped-def]
    _, published, counts = planted
    cells = {s.key: s for s in published.cross[0].segments}
    assert published.priority is not None
    overlaps = {f"{o.a}&{o.b}": o for o in published.priority.overlaps}
    proposals = {p.key for p in published.priority.proposals}
    # The village's МФЦ cell is large, yet hidden to protect its small neighbours.
    protected = [
        k
        for k, s in cells.items()
        if s.hidden and counts[tuple(p.split("=", 1)[1] for p in k.split("&"))] >= MIN_CELL
    ]
    assert "channel=МФЦ&district=с. Ключи" in protected
    assert "channel=МФЦ&district=с. Ключи" in overlaps
    for key, o in overlaps.items():
        cell = cells[key]
        if cell.hidden:
            assert (o.both, o.share_of_a, o.share_of_b) == (None, None, None), key
            assert key not in proposals, key
        else:
            assert o.both == cell.capacity, key  # one group, one size
    assert proposals  # shown cells are still proposed
    for p in published.priority.proposals:
        assert not cells[p.key].hidden
        assert p.capacity == cells[p.key].capacity


def test_the_report_hides_the_overlap_the_cross_table_hides(planted) -> None:  # type: ignore[no-untyped-def]
    computed, _, _ = planted
    report = build_report(computed, study(), figures=False)
    tables = {getattr(t, "name", ""): t for sec in report.sections for t in sec.blocks}
    text = json.dumps(
        [list(map(str, r)) for r in tables["priority_overlap"].rows], ensure_ascii=False
    )
    village = next(r for r in tables["priority_overlap"].rows if "Ключи" in str(r[1]))
    assert getattr(village[2], "text", village[2]) == "скрыто", text
    cross = [str(r[0]) for r in tables.get("priority_cross", tables["priority_overlap"]).rows]
    assert not any("Ключи" in label and "МФЦ" in label for label in cross)


def test_a_run_that_counted_distinct_clients_is_published_with_one_size() -> None:
    # Runs made before overlaps counted rows told distinct clients: 594 «in both» beside the
    # cross segment's 617. The published overlap tells the cross segment's size; a proposal
    # whose reason states another size is left out.
    computed, counts = computed_profile()
    assert computed.priority is not None
    key = "channel=МФЦ&district=Ленинский"
    fewer = counts[("МФЦ", "Ленинский")] - 23
    overlaps = [
        o.model_copy(update={"both": fewer}) if f"{o.a}&{o.b}" == key else o
        for o in computed.priority.overlaps
    ]
    proposals = [
        p.model_copy(update={"capacity": fewer}) if p.key == key else p
        for p in computed.priority.proposals
    ]
    old = computed.model_copy(
        update={
            "priority": computed.priority.model_copy(
                update={"overlaps": overlaps, "proposals": proposals}
            )
        }
    )
    published = suppress(old, study())
    assert published.priority is not None
    cell = next(s for s in published.cross[0].segments if s.key == key)
    overlap = next(o for o in published.priority.overlaps if f"{o.a}&{o.b}" == key)
    assert overlap.both == cell.capacity == counts[("МФЦ", "Ленинский")]
    mfc = next(s for s in published.by_feature[0].segments if s.key == "channel=МФЦ")
    assert overlap.share_of_a == pytest.approx(overlap.both / mfc.capacity)  # type: ignore[operator]
    assert key not in {p.key for p in published.priority.proposals}


def test_hidden_cluster_cells_keep_the_table_order_whether_empty_or_small() -> None:
    # The analysis lists no empty cluster × segment cell; suppression adds the hidden empty
    # ones. Appended at the end they told which hidden cells held nobody.
    from tests.analysis.test_suppression import CROSS, planted_profile
    from tests.analysis.test_suppression import study as small_study

    published = suppress(planted_profile(), small_study())
    assert published.clusters is not None
    table = published.clusters.crosstabs[0]
    order = [(cl, seg) for cl in CROSS for seg in table.segments]
    listed = [(c.cluster, c.segment) for c in table.cells]
    assert listed == [rc for rc in order if rc in listed]
    empty = next(c for c in table.cells if CROSS[c.cluster][c.segment.split("=")[1]] == 0)
    few = next(c for c in table.cells if 0 < CROSS[c.cluster][c.segment.split("=")[1]] < 5)
    assert empty.hidden == few.hidden == "cell"
    fields = {"cluster", "segment"}
    assert empty.model_dump(exclude=fields) == few.model_dump(exclude=fields)
