"""Priorities (M-6) that hold up on census-like data: gaps tested against the rest, not size.

The data (``sp_census``) plant what misled the ranking on a real export: a country holding 90 %
of the clients with an average CSAT, a balanced sex feature with equal CSATs, tiny groups (1,
3 and 13 people) and one really unhappy segment — more than 50 hours a week.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from segprofile import pipeline
from segprofile.analysis.priority import min_ratings, prioritise
from segprofile.model.format import p_value, percents, plural, share_percent
from segprofile.model.results import (
    FeatureSegmentation,
    Profile,
    SatisfactionStats,
    SegmentStats,
    known,
)
from segprofile.model.study import Study
from sp_census import STUDY, census_records, write_census

PLANTED = "hours=≥51"


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path, pd.DataFrame]:
    data = write_census(tmp_path_factory.mktemp("census"))
    records = pq.read_table(data / "records.parquet").to_pandas()
    return Study.model_validate(STUDY), data, records


@pytest.fixture(scope="module")
def profile(
    census: tuple[Study, Path, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Profile:
    study, data, _ = census
    return pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )


def _segments(profile: Profile) -> dict[str, SegmentStats]:
    return {s.key: s for fs in profile.by_feature for s in fs.segments}


def _rank(profile: Profile, key: str) -> int | None:
    seg = _segments(profile)[key]
    return seg.priority.rank if seg.priority else None


def test_the_planted_unhappy_segment_leads(profile: Profile) -> None:
    assert profile.priority is not None
    assert profile.priority.mode == "low"
    assert profile.priority.top[0] == PLANTED
    planted = _segments(profile)[PLANTED]
    assert planted.priority is not None
    assert planted.priority.gap is not None
    assert planted.priority.gap.verdict == "lower"
    assert "низкая удовлетворённость" in planted.priority.reasons[1]


def test_everyone_and_the_average_do_not_lead(profile: Profile) -> None:
    assert profile.priority is not None
    top3 = profile.priority.top[:3]
    for key in ("country=United-States", "sex=Male", "sex=Female", "marital=Married-civ-spouse"):
        assert key not in top3
        # Not significantly different from the rest: no reason to rank at all.
        assert _rank(profile, key) is None, key
        seg = _segments(profile)[key]
        assert seg.priority is not None
        assert seg.priority.gap is not None
        assert seg.priority.gap.verdict == "same"
        assert "в пределах случайной" in seg.priority.reasons[1]


def test_tiny_groups_are_never_ranked_on_their_point_estimate(profile: Profile) -> None:
    segments = _segments(profile)
    # 1 and 3 people: below min_cell, never ranked.
    assert segments["country=Holand-Netherlands"].priority is None
    assert segments["country=Honduras"].priority is None
    # 13 people with CSAT 15 %: «мало данных», not ranked above a real problem.
    scotland = segments["country=Scotland"]
    assert scotland.capacity == 13
    assert scotland.satisfaction.csat == pytest.approx(2 / 13)
    assert scotland.priority is not None
    assert scotland.priority.gap is not None
    assert scotland.priority.gap.verdict == "too_few"
    assert scotland.priority.rank is None
    assert any(r.startswith("мало данных: оценок 13") for r in scotland.priority.reasons)
    assert not any("низкая" in r for r in scotland.priority.reasons)


def test_a_large_segment_that_really_is_less_satisfied_still_ranks(profile: Profile) -> None:
    # 40–60-year-olds overlap the planted segment: a third of all clients, really less happy.
    assert profile.priority is not None
    assert profile.priority.top[:2] == [PLANTED, "age=40–61"]


def test_gaps_match_an_independent_computation(
    census: tuple[Study, Path, pd.DataFrame], profile: Profile
) -> None:
    _, _, records = census
    rated = records[records["satisfaction"].notna()]
    happy = rated["satisfaction"] >= 4
    checks = {
        PLANTED: rated["hours_per_week"] >= 51,
        "country=United-States": rated["native_country"] == "United-States",
        "sex=Male": rated["sex"] == "Male",
    }
    for key, inside in checks.items():
        gap = _segments(profile)[key].priority.gap  # type: ignore[union-attr]
        assert gap is not None
        table = [
            [happy[inside].sum(), (~happy[inside]).sum()],
            [happy[~inside].sum(), (~happy[~inside]).sum()],
        ]
        _, p, _, _ = sps.chi2_contingency(table, correction=False)
        assert gap.test == "chi2"
        assert gap.p_value == pytest.approx(p, rel=1e-9)
        assert gap.csat == pytest.approx(happy[inside].mean())
        assert gap.rest_csat == pytest.approx(happy[~inside].mean())
        assert gap.difference_interval is not None
        assert gap.difference_interval.low < gap.difference < gap.difference_interval.high  # type: ignore[operator]
    # Benjamini–Hochberg over every segment compared, as statsmodels does it.
    gaps = [
        s.priority.gap
        for s in _segments(profile).values()
        if s.priority and s.priority.gap and s.priority.gap.q_value is not None
    ]
    expected = multipletests([g.p_value for g in gaps], method="fdr_bh")[1]  # type: ignore[union-attr]
    assert [g.q_value for g in gaps] == pytest.approx(list(expected), rel=1e-9)  # type: ignore[union-attr]
    planted = _segments(profile)[PLANTED]
    capacity = int((records["hours_per_week"] >= 51).sum())
    assert planted.capacity == capacity
    gap = planted.priority.gap  # type: ignore[union-attr]
    assert gap is not None
    assert gap.affected == pytest.approx(capacity * (gap.rest_csat - gap.csat))  # type: ignore[operator]


def test_overlap_and_the_proposed_cross_segment(
    census: tuple[Study, Path, pd.DataFrame], profile: Profile
) -> None:
    _, _, records = census
    assert profile.priority is not None
    long_hours = records["hours_per_week"] >= 51
    middle = records["age"].between(40, 60)
    overlap = next(o for o in profile.priority.overlaps if {o.a, o.b} == {PLANTED, "age=40–61"})
    assert overlap.both == int((long_hours & middle).sum())
    assert overlap.share_of_a == pytest.approx((long_hours & middle).sum() / long_hours.sum())
    proposal = next(p for p in profile.priority.proposals if p.key == f"{PLANTED}&age=40–61")
    rated = records["satisfaction"].notna()
    happy = records["satisfaction"] >= 4
    both = long_hours & middle & rated
    assert proposal.satisfaction.n == int(both.sum())
    assert proposal.satisfaction.csat == pytest.approx(happy[both].mean())
    only = long_hours & ~middle & rated
    assert proposal.a_only_csat == pytest.approx(happy[only].mean())
    assert proposal.label == "Часов в неделю: Более 50 часов · Возраст: 40–60 лет"
    csat, versus = percents(proposal.satisfaction.csat, proposal.a_only_csat)  # type: ignore[arg-type]
    assert f"CSAT {csat} — ниже, чем у остальных из «более 50 часов» ({versus}" in proposal.reason
    assert "пары для перекрёстных сегментов" in proposal.reason
    assert "segmentation." not in proposal.reason  # named as the page names it


def test_sensitivity_and_rules_are_kept(profile: Profile) -> None:
    assert profile.priority is not None
    assert len(profile.priority.sensitivity) == 10
    for row in profile.priority.sensitivity:
        assert row.top[0] == PLANTED
    rules = " ".join(profile.priority.rules)
    assert "q < 0,05" in rules
    assert f"меньше {min_ratings(Study.model_validate(STUDY))} оценок" in rules
    assert min_ratings(Study.model_validate(STUDY)) == 97
    assert "Бенджамини — Хохберга" in rules


# --- Every explanation against the numbers it explains (point 5 of the issue) -------------------

_PERCENT = re.compile(r"\d+(?:,\d+)?\u00a0%")


def _check_reasons(profile: Profile, study: Study) -> int:
    """Each reason agrees with the gap it states; returns how many segments were checked."""
    assert profile.priority is not None
    alpha = profile.priority.alpha
    checked = 0
    for seg in _segments(profile).values():
        if seg.priority is None:
            continue
        checked += 1
        text = "; ".join(seg.priority.reasons)
        gap = seg.priority.gap
        assert gap is not None
        assert not re.search(r"\d\.\d", text), text  # a decimal comma, never a point
        assert not re.search(r"\d \d", text), text  # thousands with a no-break space only
        low = "низкая удовлетворённость" in text
        high = "удовлетворённость выше" in text
        assert low == (gap.verdict == "lower"), text
        assert high == (gap.verdict == "higher"), text
        assert ("мало данных" in text) == (gap.verdict == "too_few"), text
        expected_too_few = gap.n > 0 and (gap.n < min_ratings(study) or gap.rest_n == 0)
        assert (gap.verdict == "too_few") == expected_too_few
        if gap.verdict in ("lower", "higher", "same"):
            assert gap.q_value is not None
            assert alpha is not None
            assert (gap.q_value < alpha) == (gap.verdict != "same")
            own, rest = percents(gap.csat, gap.rest_csat)  # type: ignore[arg-type]
            assert f"CSAT {own} против {rest} у остальных" in text
            assert p_value(gap.q_value, "q") in text
            if gap.verdict == "lower":
                assert gap.csat < gap.rest_csat  # type: ignore[operator]
            if gap.verdict == "higher":
                assert gap.csat > gap.rest_csat  # type: ignore[operator]
        people = plural(seg.capacity, "клиент", "клиента", "клиентов")
        assert f"ёмкость {share_percent(seg.share)} ({people})" in text
        assert (seg.priority.rank is None) == (seg.priority.score == 0)
        assert all(m for m in _PERCENT.findall(text))
    return checked


def test_every_reason_agrees_with_its_numbers(
    census: tuple[Study, Path, pd.DataFrame], profile: Profile
) -> None:
    study, _, _ = census
    assert _check_reasons(profile, study) > 30
    assert profile.priority is not None
    assert profile.satisfaction.csat is not None
    csat, threshold = percents(profile.satisfaction.csat, study.priority.low_satisfaction_csat)
    assert f"Общая удовлетворённость низкая (CSAT {csat} < {threshold})" in (
        profile.priority.explanation
    )


def test_child_benefit_reasons_agree_with_their_numbers(tmp_path: Path) -> None:
    pipeline.generate_demo_data("child-benefit", tmp_path, rows=6000, seed=11)
    study = pipeline.example_study("child-benefit")
    result = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path), study
    )
    assert _check_reasons(result, study) > 10


# --- Bad input: a warning with what to do, never a crash or a misleading rank --------------------


def _profile_of(table: pa.Table, tmp_path: Path, study: dict | None = None) -> Profile:  # type: ignore[type-arg]
    pq.write_table(table, tmp_path / "records.parquet")
    return pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path / "ws", data_dir=tmp_path),
        Study.model_validate(study or STUDY),
    )


def test_every_rating_identical(tmp_path: Path) -> None:
    table = census_records(rows=4000, seed=3)
    ratings = [None if v is None else 5 for v in table.column("satisfaction").to_pylist()]
    table = table.set_column(
        table.schema.get_field_index("satisfaction"), "satisfaction", pa.array(ratings, pa.int64())
    )
    result = _profile_of(table, tmp_path)
    assert result.priority is not None
    assert result.priority.top == []
    assert "Ни один сегмент не выделяется" in result.priority.explanation
    warning = next(w for w in result.warnings if "оценок удовлетворённости не ниже" in w)
    assert "CSAT 100\u00a0%" in warning
    assert "Проверьте столбец «satisfaction»" in warning
    assert all(s.priority is None or s.priority.rank is None for s in _segments(result).values())


def test_one_segment_holds_everyone(tmp_path: Path) -> None:
    table = census_records(rows=4000, seed=4)
    table = table.set_column(
        table.schema.get_field_index("sex"), "sex", pa.array(["Female"] * table.num_rows)
    )
    result = _profile_of(table, tmp_path)
    assert _segments(result)["sex=Female"].priority is None
    warning = next(w for w in result.warnings if "Признак «Пол» не делит клиентов" in w)
    assert "все 4\u00a0000 клиентов в одном сегменте «Женщины»" in warning
    assert result.priority is not None
    assert result.priority.top[0] == PLANTED


def test_a_rest_below_min_cell_is_never_described(tmp_path: Path) -> None:
    table = census_records(rows=4000, seed=7)
    sexes = ["Female"] * (table.num_rows - 3) + ["Male"] * 3
    table = table.set_column(table.schema.get_field_index("sex"), "sex", pa.array(sexes))
    result = _profile_of(table, tmp_path)
    female = _segments(result)["sex=Female"]
    assert female.priority is not None
    gap = female.priority.gap
    assert gap is not None
    assert gap.verdict == "too_few"
    assert gap.rest_n == 0
    assert gap.rest_csat is None
    assert "остальных клиентов признака с оценками слишком мало" in female.priority.reasons[1]
    assert _segments(result)["sex=Male"].priority is None  # 3 people: never ranked


def test_a_rest_with_few_ratings_is_never_described(tmp_path: Path) -> None:
    """The rest has people enough but only 3 ratings: their CSAT is never published."""
    table = census_records(rows=4000, seed=8)
    sexes = table.column("sex").to_pylist()
    ratings = table.column("satisfaction").to_pylist()
    males = [i for i, s in enumerate(sexes) if s == "Male"]
    kept = set(males[:3])
    ratings = [
        None if s == "Male" and i not in kept else r
        for i, (s, r) in enumerate(zip(sexes, ratings, strict=True))
    ]
    table = table.set_column(
        table.schema.get_field_index("satisfaction"), "satisfaction", pa.array(ratings, pa.int64())
    )
    result = _profile_of(table, tmp_path)
    female = _segments(result)["sex=Female"]
    assert female.priority is not None
    assert female.priority.gap is not None
    gap = female.priority.gap
    assert (gap.verdict, gap.rest_n, gap.rest_csat, gap.difference) == ("too_few", 0, None, None)
    assert "остальных клиентов признака с оценками слишком мало" in female.priority.reasons[1]


def test_a_feature_with_sixty_values(tmp_path: Path) -> None:
    table = census_records(rows=6000, seed=5)
    codes = [f"R{i % 60:02d}" for i in range(table.num_rows)]
    table = table.append_column("region", pa.array(codes))
    study = {
        **STUDY,
        "features": [*STUDY["features"], {"id": "region", "column": "region", "label": "Регион"}],
    }
    result = _profile_of(table, tmp_path, study)
    warning = next(w for w in result.warnings if "Признак «Регион» делит клиентов на 60" in w)
    assert "Объедините редкие значения" in warning
    region = [s for s in _segments(result).values() if s.key.startswith("region=")]
    assert len(region) == 60
    # 100 clients each, ~85 ratings: too few to judge, so none of them ranks on its CSAT.
    assert all(
        s.priority and s.priority.gap and s.priority.gap.verdict == "too_few" for s in region
    )
    assert result.priority is not None
    assert result.priority.top[0] == PLANTED


# --- The summary against the numbers it states ---------------------------------------------------


def _feature(segments: dict[str, tuple[int, int]]) -> FeatureSegmentation:
    """A feature «f» whose segments have (ratings, happy); capacity = ratings."""
    total = sum(n for n, _ in segments.values())
    return FeatureSegmentation(
        feature_id="f",
        label="Признак",
        column="f",
        type="categorical",
        segments=[
            SegmentStats(
                key=f"f={code}",
                value=code,
                label=code,
                capacity=n,
                share=n / total,
                satisfaction=SatisfactionStats(n=n, csat=happy / n),
            )
            for code, (n, happy) in segments.items()
        ],
    )


@pytest.mark.parametrize(
    ("threshold", "mode", "word", "sign"),
    [(0.8, "low", "низкая", "<"), (0.5, "high", "высокая", "≥"), (0.7996, "high", "высокая", "≥")],
)
def test_the_summary_states_the_switch_with_its_numbers(
    threshold: float, mode: str, word: str, sign: str
) -> None:
    study = Study.model_validate(STUDY)
    study.priority.low_satisfaction_csat = threshold
    feature = _feature({"a": (6000, 4798), "b": (4000, 3198)})
    overall = SatisfactionStats(n=10_000, csat=7996 / 10_000)
    summary = prioritise(study, [feature], overall)
    assert summary.mode == mode
    csat, limit = percents(overall.csat, threshold)  # type: ignore[arg-type]
    assert f"Общая удовлетворённость {word} (CSAT {csat} {sign} {limit})" in summary.explanation
    # Never «80 % < 80 %»: equal-looking figures get the decimals that tell them apart.
    assert csat != limit or overall.csat == threshold
    assert (overall.csat < threshold) == (mode == "low")  # type: ignore[operator]


def test_rounding_never_makes_a_difference_look_like_none() -> None:
    study = Study.model_validate(STUDY)
    feature = _feature({"a": (20_000, 12_240), "b": (20_000, 12_280)})
    summary = prioritise(study, [feature], SatisfactionStats(n=40_000, csat=24_520 / 40_000))
    assert summary.top == []  # 61,2 % against 61,4 %: within chance, no segment leads
    gap = feature.segments[0].priority.gap  # type: ignore[union-attr]
    assert gap is not None
    assert gap.verdict == "same"
    reason = feature.segments[0].priority.reasons[1]  # type: ignore[union-attr]
    assert reason.startswith("CSAT 61,2\u00a0% против 61,4\u00a0% у остальных — разница в пределах")


def test_the_quadrant_marks_segments_with_too_few_ratings(profile: Profile) -> None:
    from segprofile.report.charts import priority_quadrant

    chart = priority_quadrant(profile, min_cell=5)
    assert chart is not None
    datasets = chart.to_dict()["datasets"].values()
    values = next(rows for rows in datasets if rows and "Сегмент" in rows[0])
    status = {r["Сегмент"]: r["В приоритете"] for r in values}
    assert status["Страна рождения: Scotland"] == "мало данных"
    assert status["Часов в неделю: Более 50 часов"] == "да"
    assert status["Страна рождения: United-States"] == "нет"


def test_overlap_counts_as_the_capacity_when_clients_apply_more_than_once(
    tmp_path: Path,
) -> None:
    # One group, one size: the overlap counts rows, as a segment's capacity and a cross
    # segment's do (it counted distinct clients and told another size for the same group).
    table = census_records(rows=8000, seed=6)
    table = pa.concat_tables([table, table.slice(0, 3000)])  # 3 000 second applications
    result = _profile_of(table, tmp_path)
    assert result.priority is not None
    overlap = next(o for o in result.priority.overlaps if {o.a, o.b} == {PLANTED, "age=40–61"})
    frame = table.to_pandas()
    both = frame[(frame["hours_per_week"] >= 51) & frame["age"].between(40, 60)]
    assert both["id"].nunique() < len(both)
    assert overlap.both == len(both)
    planted = _segments(result)[PLANTED]
    share = overlap.share_of_a if overlap.a == PLANTED else overlap.share_of_b
    assert share == pytest.approx(len(both) / known(planted.capacity))
