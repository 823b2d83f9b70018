"""Disclosure control: each rule, and no hidden cell recoverable from a published table.

The recoverability check is a linear program over each published table: the unknowns are its
hidden cells and hidden margins, the constraints the shown cells, the shown margins and the
sums (rows and columns add up to their margins, margins to the total), every count ≥ 0. For
each hidden cell we ask the smallest and largest value it can take. A hidden cell of a small
group (0 < v < min_cell) is protected when its smallest possible value is 0 — a reader cannot
tell that anyone is there, so cannot place a person in its row or column — and its largest is
at least min_cell — a reader cannot tell that the group is small. A hidden zero is protected
when it could be non-zero.

Published margins alone can already bound a cell (with row r and column c known, the cell is
at least r + c − N: the Fréchet bound). That is what publishing two partitions of the same
people says, whatever the table shows; so each bound is required only as far as the margins
alone allow it: the table must not tell more than its margins. (Two-way tables with these
margins are totally unimodular: the linear bounds are those of the integer program.)
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from segprofile.analysis.suppression import (
    hidden_keys,
    hidden_text,
    live_count,
    protect_partition,
    protect_recruitment,
    protect_survey_tests,
    protect_table,
    protect_topics,
    small_share,
    suppress,
    unsuppressed,
)
from segprofile.model.results import (
    ClusterCrossCell,
    ClusterCrosstab,
    ClusterResult,
    ClusterStats,
    FeatureSegmentation,
    Interval,
    KChoice,
    Portrait,
    Profile,
    RecruitedRespondent,
    SatisfactionStats,
    SegmentStats,
    SurveyTest,
    Topic,
    TopicModel,
    TopicSegmentShare,
    Trait,
)
from segprofile.model.study import HypothesisStatus, Study
from sp_factories import SMALL_STUDY, fixed_provenance, made_recruitment

MIN_CELL = 5

# Planted: tiny segments of 1, 2 and 4 people; a large segment (300) with 3 ratings; a 12-person
# segment hidden only to protect a 1-person one; a 3-person group inside a cluster × segment cell.
CHANNEL = {"epgu": 500, "mfc": 300, "office": 1, "post": 2, "phone": 4, "mail": 12}
REGION = {"city": 600, "town": 206, "rural": 12, "island": 1}
RATINGS = {"epgu": 400, "mfc": 3, "office": 1, "post": 2, "phone": 4, "mail": 10}
TOTAL = sum(CHANNEL.values())
# cluster × channel (rows add up to the clusters, columns to the channel segments)
CROSS = {
    "cluster=1": {"epgu": 300, "mfc": 3, "office": 0, "post": 2, "phone": 4, "mail": 6},
    "cluster=2": {"epgu": 200, "mfc": 297, "office": 1, "post": 0, "phone": 0, "mail": 6},
}


def _sat(n: int) -> SatisfactionStats:
    return SatisfactionStats(n=n, mean=3.5 if n else None, csat=0.75 if n else None)


def _segment(feature: str, value: str, capacity: int, ratings: int) -> SegmentStats:
    return SegmentStats(
        key=f"{feature}={value}",
        value=value,
        label=value.capitalize(),
        capacity=capacity,
        share=capacity / TOTAL,
        satisfaction=_sat(ratings),
    )


def _cluster(number: int, capacity: int) -> ClusterStats:
    key = f"cluster={number}"
    return ClusterStats(
        key=key,
        number=number,
        label=f"Портрет {number}",
        capacity=capacity,
        share=capacity / TOTAL,
        satisfaction=_sat(capacity // 2),
        portrait=Portrait(segment=key, definition=[], name=f"Портрет {number}"),
    )


def planted_profile() -> Profile:
    channel = [_segment("channel", v, n, RATINGS[v]) for v, n in CHANNEL.items()]
    region = [_segment("region", v, n, n // 2) for v, n in REGION.items()]
    clusters = [_cluster(1, sum(CROSS["cluster=1"].values())), _cluster(2, 0)]
    clusters[1] = _cluster(2, sum(CROSS["cluster=2"].values()))
    crosstab = ClusterCrosstab(
        feature_id="channel",
        feature_label="Канал",
        segments=[f"channel={v}" for v in CHANNEL],
        segment_labels=list(CHANNEL),
        cells=[
            ClusterCrossCell(
                cluster=cl,
                segment=f"channel={v}",
                count=n,
                share_of_cluster=0.0,
                share_of_segment=0.0,
            )
            for cl, row in CROSS.items()
            for v, n in row.items()
            if n  # the analysis lists no empty cell
        ],
    )
    result = ClusterResult(
        features=["channel"],
        k=2,
        gamma=1.0,
        init="huang",
        n_init=1,
        sample_size=TOTAL,
        total_rows=TOTAL,
        random_state=42,
        choice=KChoice(k_range=(2, 2), diagnostics=[], chosen_k=2, rule="", reason=""),
        clusters=clusters,
        crosstabs=[crosstab],
    )
    return Profile(
        study_id="t",
        study_title="Тест",
        provenance=fixed_provenance(),
        total_clients=TOTAL,
        satisfaction=_sat(sum(RATINGS.values())),
        by_feature=[
            FeatureSegmentation(
                feature_id="channel", label="Канал", column="c", type="cat", segments=channel
            ),
            FeatureSegmentation(
                feature_id="region", label="Район", column="r", type="cat", segments=region
            ),
        ],
        clusters=result,
    )


def study() -> Study:
    return Study.model_validate(SMALL_STUDY)


# --- the linear-program check ------------------------------------------------------------------


def check_table(
    truth: Mapping[tuple[str, str], int],
    shown: Mapping[tuple[str, str], int | None],
    row_margins: Mapping[str, int | None],
    col_margins: Mapping[str, int | None],
    total: int,
    min_cell: int = MIN_CELL,
    baseline: tuple[str, str] | None = None,
) -> Any:
    """Hidden cells a reader could pin down (see the module docstring); [] when none.

    ``baseline``: a cell whose bounds from the margins alone are asked (every cell unknown).
    """
    unknown = [k for k, v in shown.items() if v is None]
    unknown_rows = [r for r, v in row_margins.items() if v is None]
    unknown_cols = [c for c, v in col_margins.items() if v is None]
    names = [("cell", k) for k in unknown] + [("row", r) for r in unknown_rows]
    names += [("col", c) for c in unknown_cols]
    index = {name: i for i, name in enumerate(names)}
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []

    def line(cells: list[tuple[str, str]], margin: tuple[str, str], known: int | None) -> None:
        coef = np.zeros(len(names))
        rhs = 0.0
        for k in cells:
            if shown[k] is None:
                coef[index[("cell", k)]] += 1
            else:
                rhs -= shown[k]  # type: ignore[operator]
        if known is None:
            coef[index[margin]] -= 1
        else:
            rhs += known
        a_eq.append(coef)
        b_eq.append(rhs)

    rows = {r for r, _ in shown}
    cols = {c for _, c in shown}
    for r in rows:
        line([k for k in shown if k[0] == r], ("row", r), row_margins[r])
    for c in cols:
        line([k for k in shown if k[1] == c], ("col", c), col_margins[c])
    coef = np.zeros(len(names))
    rhs = float(total)
    for r in rows:
        if row_margins[r] is None:
            coef[index[("row", r)]] += 1
        else:
            rhs -= row_margins[r]  # type: ignore[operator]
    a_eq.append(coef)
    b_eq.append(rhs)

    def bounds(k: tuple[str, str]) -> tuple[int, int]:
        goal = np.zeros(len(names))
        goal[index[("cell", k)]] = 1
        lo = linprog(goal, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None))
        hi = linprog(-goal, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None))
        assert lo.status == 0, "the published table must be consistent"
        assert hi.status == 0, "the published table must be consistent"
        return round(lo.fun), round(-hi.fun)

    pinned = []
    for k in unknown:
        v = truth[k]
        if v >= min_cell:
            continue
        low, high = bounds(k)
        assert low <= v <= high, "the true value must be feasible"
        if baseline is not None:
            if k == baseline:
                return low, high
            continue
        if low == 0 and high >= (min_cell if v else 1):
            continue  # anything from nobody to min_cell: safe whatever the margins say
        margins_only: dict[tuple[str, str], int | None] = dict.fromkeys(shown)
        base_low, base_high = check_table(
            truth, margins_only, row_margins, col_margins, total, min_cell, k
        )
        if v > 0 and (low > base_low or high < min(min_cell, base_high)):
            pinned.append(f"{k}={v} in [{low}, {high}], margins alone [{base_low}, {base_high}]")
        if v == 0 and high < min(1, base_high):
            pinned.append(f"{k}=0 pinned")
    return pinned


def one_way(counts: Mapping[str, int], shown: Mapping[str, int | None], total: int) -> list[str]:
    """A partition as a one-row table."""
    return check_table(
        {("all", k): v for k, v in counts.items()},
        {("all", k): v for k, v in shown.items()},
        {"all": total},
        {k: v for k, v in shown.items()},
        total,
    )


# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ({"a": 100, "b": 50, "c": 3}, {"c", "b"}),  # one small: its smallest neighbour too
        ({"a": 100, "b": 50, "c": 30}, set()),  # nothing small
        ({"a": 100, "b": 1, "c": 2, "d": 40}, {"b", "c", "d"}),  # 1 + 2 < 5: add one more
        ({"a": 100, "b": 3, "c": 4}, {"b", "c"}),  # two small, 7 together: enough
        ({"a": 3}, {"a"}),  # nothing left to hide with
    ],
)
def test_complementary_suppression_of_a_partition(sizes: dict[str, int], hidden: set[str]) -> None:
    assert set(protect_partition(sizes, MIN_CELL)) == hidden


def test_labels_tell_why() -> None:
    got = protect_partition({"a": 100, "b": 12, "c": 1}, MIN_CELL)
    assert got == {"c": "small", "b": "complement"}
    assert hidden_text("small", 5) == "скрыто: меньше 5"
    assert "соседние" in hidden_text("complement", 5)
    assert hidden_text("few_ratings", 5) == "мало оценок"


def test_zeros_beside_a_hidden_cell_are_hidden() -> None:
    # The one person of column s1 is in row c1; shown zeros in c2, c3 would say so.
    cells = {
        ("c1", "s1"): 1,
        ("c1", "s2"): 30,
        ("c1", "s3"): 20,
        ("c2", "s1"): 0,
        ("c2", "s2"): 40,
        ("c2", "s3"): 25,
        ("c3", "s1"): 0,
        ("c3", "s2"): 50,
        ("c3", "s3"): 9,
    }
    # Column s1 (1 person) is hidden with its complement s3 (54) as one partition.
    hidden = protect_table(cells, MIN_CELL, hidden_columns=["s1", "s3"])
    assert {("c2", "s1"), ("c3", "s1")} <= hidden
    shown = {k: (None if k in hidden else v) for k, v in cells.items()}
    rows = {r: sum(v for (rr, _), v in cells.items() if rr == r) for r in ("c1", "c2", "c3")}
    cols: dict[str, int | None] = {"s1": None, "s2": 120, "s3": None}
    assert check_table(cells, shown, rows, cols, sum(cells.values())) == []


def test_a_line_with_one_small_cell_cannot_be_solved() -> None:
    cells = {("x", "p"): 97, ("x", "q"): 3, ("y", "p"): 30, ("y", "q"): 30}
    hidden = protect_table(cells, MIN_CELL)
    shown = {k: (None if k in hidden else v) for k, v in cells.items()}
    assert check_table(cells, shown, {"x": 100, "y": 60}, {"p": 127, "q": 33}, 160) == []


def random_cell(rng: random.Random, tiny: float) -> int:
    """A skewed count: with probability ``tiny`` a zero or a small group, else a large one."""
    if rng.random() < tiny:
        return rng.choice([0, 0, 1, 2, 3, 4])
    return rng.choice([rng.randint(5, 40), rng.randint(40, 400), rng.randint(400, 5000)])


@pytest.mark.parametrize("seed", range(5))
def test_random_tables_are_never_recoverable(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        rows = [f"r{i}" for i in range(rng.randint(2, 6))]
        cols = [f"c{j}" for j in range(rng.randint(2, 8))]
        tiny = rng.choice([0.1, 0.3, 0.6])  # a few tiny cells, many, most
        cells = {(r, c): random_cell(rng, tiny) for r in rows for c in cols}
        if sum(cells.values()) == 0:
            continue
        total = sum(cells.values())
        row_tot = {r: sum(v for (rr, _), v in cells.items() if rr == r) for r in rows}
        col_tot = {c: sum(v for (_, cc), v in cells.items() if cc == c) for c in cols}
        hidden_rows = protect_partition(row_tot, MIN_CELL)
        hidden_cols = protect_partition(col_tot, MIN_CELL)
        hidden = protect_table(
            cells, MIN_CELL, hidden_rows=list(hidden_rows), hidden_columns=list(hidden_cols)
        )
        shown = {k: (None if k in hidden else v) for k, v in cells.items()}
        rm: dict[str, int | None] = {r: None if r in hidden_rows else row_tot[r] for r in rows}
        cm: dict[str, int | None] = {c: None if c in hidden_cols else col_tot[c] for c in cols}
        assert check_table(cells, shown, rm, cm, total) == [], cells


def test_live_counts_are_bounds_under_min_cell() -> None:
    assert live_count(3, 20_000, 5).matched is None
    assert live_count(3, 20_000, 5).text == "менее 5 из 20\u00a0000 записей"
    assert live_count(19_998, 20_000, 5).matched is None  # 2 left outside
    # True and plain: more than 19 995 of the 20 000 records match (not «больше 19 995 из»).
    assert (
        live_count(19_998, 20_000, 5).text == "почти все — более 19\u00a0995 из 20\u00a0000 записей"
    )
    assert live_count(500, 20_000, 5).text == "около 500 из 20\u00a0000 записей (2,5\u00a0%)"


def test_live_counts_are_rounded_so_that_two_rules_cannot_be_differenced() -> None:
    """«Пол = Ж» and «пол = Ж и канал ≠ X» differ by the one person of channel X: the two
    counts read the same, so the difference does not tell her sex."""
    one, other = live_count(12_219, 20_000, 5), live_count(12_218, 20_000, 5)
    assert one.matched is None
    assert other.matched is None
    assert one.text == other.text == "около 12\u00a0220 из 20\u00a0000 записей (61,1\u00a0%)"
    assert live_count(1_234, 20_000, 25).text.startswith("около 1\u00a0225 ")  # min_cell steps


# --- the published profile ---------------------------------------------------------------------


def test_published_profile_hides_every_small_number() -> None:
    published = suppress(planted_profile(), study())
    channel = {s.value: s for s in published.by_feature[0].segments}
    region = {s.value: s for s in published.by_feature[1].segments}
    for value in ("office", "post", "phone"):
        assert channel[value].capacity is None
        assert channel[value].hidden == "small"
        assert channel[value].satisfaction.n is None
    # 1 + 2 + 4 = 7 ≥ 5 and three hidden: nothing more needed in this feature.
    assert channel["mail"].capacity == 12
    # A large segment with 3 ratings: its size shown, its statistics not.
    assert channel["mfc"].capacity == 300
    assert channel["mfc"].satisfaction.mean is None
    assert channel["mfc"].satisfaction.csat is None
    assert channel["mfc"].satisfaction.n is None
    assert channel["mfc"].satisfaction.hidden == "few_ratings"
    # The 12-person region is hidden to protect the 1-person one, and says so.
    assert region["island"].hidden == "small"
    assert region["rural"].hidden == "complement"
    assert region["rural"].capacity is None
    assert suppress(published, study()) is published  # idempotent
    assert published.disclosure is not None
    assert published.disclosure.suppressed
    for fs in published.by_feature:
        counts = {s.key: CHANNEL.get(s.value) or REGION[s.value] for s in fs.segments}
        assert one_way(counts, {s.key: s.capacity for s in fs.segments}, TOTAL) == []


def test_a_group_of_few_people_is_hidden_whatever_its_number_of_rows() -> None:
    """12 applications from 3 clients: a group of 3 people, hidden as small (and the region
    beside it hidden too, so the total cannot give it away); a cluster of few people alike."""
    profile = planted_profile()
    channel = profile.by_feature[0].segments
    mail = next(s for s in channel if s.value == "mail")
    mail.clients = 3  # repeat applicants: 12 rows, 3 people
    for s in channel:
        if s.value in ("epgu", "mfc"):
            s.clients = s.capacity
    profile.clusters.clusters[1].clients = 4  # type: ignore[union-attr]
    published = suppress(profile, study())
    shown = {s.value: s for s in published.by_feature[0].segments}
    assert shown["mail"].hidden == "small"
    assert shown["mail"].capacity is None
    assert shown["mail"].clients is None
    assert shown["epgu"].capacity == 500  # many people: shown
    cluster = published.clusters.clusters  # type: ignore[union-attr]
    assert [c.hidden for c in cluster if c.key == "cluster=2"] == ["small"]
    assert all(c.capacity is None for c in cluster)  # the other is its complement


def test_rating_counts_cannot_be_recovered() -> None:
    published = suppress(planted_profile(), study())
    segments = published.by_feature[0].segments
    truth = {s.key: RATINGS[s.value] for s in segments}
    shown = {s.key: s.satisfaction.n for s in segments}
    assert one_way(truth, shown, sum(RATINGS.values())) == []


def test_cluster_by_segment_table_places_no_one() -> None:
    published = suppress(planted_profile(), study())
    assert published.clusters is not None
    crosstab = published.clusters.crosstabs[0]
    cells = {(c.cluster, c.segment): c for c in crosstab.cells}
    truth = {(cl, f"channel={v}"): n for cl, row in CROSS.items() for v, n in row.items()}
    shown: dict[tuple[str, str], int | None] = {}
    for key, _v in truth.items():
        cell = cells.get(key)
        shown[key] = 0 if cell is None else cell.count  # a missing cell reads as zero
    # The office person is in cluster 2: neither zero of that column is shown.
    assert shown[("cluster=1", "channel=office")] is None
    assert shown[("cluster=2", "channel=office")] is None
    # Every hidden cell reads the same, so the label does not point at the small one.
    assert {c.hidden for c in crosstab.cells if c.count is None} == {"cell"}
    rows = {c.key: c.capacity for c in published.clusters.clusters}
    cols = {s.key: s.capacity for s in published.by_feature[0].segments}
    assert check_table(truth, shown, rows, cols, TOTAL) == []


def test_unsuppressed_is_marked_and_published_cannot_be_unsuppressed() -> None:
    raw = unsuppressed(planted_profile(), study())
    assert raw.disclosure is not None
    assert not raw.disclosure.suppressed
    assert raw.by_feature[0].segments[2].capacity == 1
    with pytest.raises(ValueError, match="published"):
        unsuppressed(suppress(planted_profile(), study()), study())


def test_priorities_leave_out_hidden_segments_and_ranks_have_no_gaps() -> None:
    from segprofile.model.results import Priority, PrioritySummary

    profile = planted_profile()
    # Ranked: the 12-person region hidden as a complement (1), a large segment (2), the one
    # with 3 ratings — its score carries their satisfaction (3), two more large ones (4, 5).
    order = ["region=rural", "channel=epgu", "channel=mfc", "region=city", "region=town"]
    for fs in profile.by_feature:
        for seg in fs.segments:
            if seg.key in order:
                rank = order.index(seg.key) + 1
                seg.priority = Priority(score=1 / rank, rank=rank, parts={}, reasons=["CSAT 75 %"])
    profile.priority = PrioritySummary(
        mode="low", overall_csat=0.7, weights={}, explanation="", top=order[:3]
    )
    published = suppress(profile, study())
    ranks = {
        s.key: s.priority.rank for fs in published.by_feature for s in fs.segments if s.priority
    }
    # «epgu» and «town» lose their CSAT as complements: the hidden channels together have 4
    # dissatisfied ratings, «rural» and «island» together 4 satisfied ones (CSAT 75 % of 6).
    assert ranks == {"region=city": 1}
    assert published.priority is not None
    assert published.priority.top == ["region=city"]
    assert {"region=rural", "channel=office"} <= hidden_keys(published)
    # The computed profile is left as it was.
    assert [s.priority.rank for s in profile.by_feature[1].segments if s.priority] == [4, 5, 1]


def test_respondents_of_hidden_segments_are_not_listed() -> None:
    recruitment = made_recruitment(
        [
            RecruitedRespondent(
                respondent_id="p1", segments=["channel=office"], labels=["Приёмная"]
            ),
            RecruitedRespondent(
                respondent_id="p2",
                segments=["channel=epgu", "region=rural"],
                labels=["ЕПГУ", "Село"],
            ),
        ],
    )
    shown = frozenset({"channel=epgu", "region=city"})
    got = protect_recruitment(recruitment, shown)
    assert [r.respondent_id for r in got.respondents] == ["p2"]
    assert got.respondents[0].segments == ["channel=epgu"]
    assert got.respondents[0].labels == ["ЕПГУ"]


def test_survey_shares_of_few_answers_are_hidden() -> None:
    test = SurveyTest(
        hypothesis="H1",
        question="q",
        segment="channel=office",
        label="Приёмная",
        support="yes",
        n=4,
        yes=3,
        share=0.75,
        rest_n=400,
        rest_yes=100,
        rest_share=0.25,
        test="fisher",
        p_value=0.04,
    )
    (hidden,) = protect_survey_tests([test], MIN_CELL)
    assert hidden.n is None
    assert hidden.yes is None
    assert hidden.share is None
    assert hidden.p_value is None
    assert hidden.interval is None
    big = test.model_copy(update={"n": 40, "yes": 30})
    assert protect_survey_tests([big], MIN_CELL)[0].share == 0.75


# --- shares that tell a small count ------------------------------------------------------------


def test_a_share_is_small_when_its_part_or_its_rest_is() -> None:
    assert small_share(3, 400, MIN_CELL)  # 3 people
    assert small_share(38, 40, MIN_CELL)  # 2 did not
    assert not small_share(0, 40, MIN_CELL)  # nobody: no group
    assert not small_share(40, 40, MIN_CELL)  # everybody
    assert not small_share(20, 40, MIN_CELL)


def _survey_test(n: int, yes: int, rest_n: int = 400, rest_yes: int = 100) -> SurveyTest:
    return SurveyTest(
        hypothesis="H1",
        question="q",
        segment="channel=mfc",
        label="МФЦ",
        support="yes",
        n=n,
        yes=yes,
        share=yes / n,
        interval=Interval(low=0.8, high=0.99),
        rest_n=rest_n,
        rest_yes=rest_yes,
        rest_share=rest_yes / rest_n,
        test="fisher",
        statistic=3.0,
        p_value=0.01,
        p_adjusted=0.02,
        status=HypothesisStatus.confirmed,
        reason="доля 95 % (интервал 83–99 %, ответов 40)",
    )


def test_a_survey_share_telling_a_few_answers_is_hidden_with_its_test() -> None:
    (got,) = protect_survey_tests([_survey_test(40, 38)], MIN_CELL)
    assert got.n == 40  # the segment answered enough
    assert got.yes is None
    assert got.share is None
    assert got.interval is None
    assert got.p_value is None  # the test would give the share back
    assert got.status is HypothesisStatus.confirmed  # the verdict stays
    assert not any(ch.isdigit() for ch in got.reason.replace("меньше 5", ""))
    assert protect_survey_tests([got], MIN_CELL) == [got]  # idempotent
    # The rest it is compared with: 2 of 400 said «да».
    (rest,) = protect_survey_tests([_survey_test(40, 20, 400, 2)], MIN_CELL)
    assert rest.share == 0.5
    assert rest.rest_yes is None
    assert rest.rest_share is None
    assert rest.p_value is None
    (fine,) = protect_survey_tests([_survey_test(40, 20)], MIN_CELL)
    assert fine.p_value == 0.01
    assert fine.rest_share == 0.25


def test_topic_shares_tell_no_small_count() -> None:
    topics = [
        Topic(index=i, words=["w"], documents=d, share=d / 200) for i, d in enumerate([150, 47, 3])
    ]
    grid = {("a", 0): 100, ("a", 1): 40, ("a", 2): 2, ("b", 0): 50, ("b", 1): 7, ("b", 2): 1}
    model = TopicModel(
        n_documents=200,
        n_topics=3,
        topics=topics,
        by_segment=[
            TopicSegmentShare(segment=s, topic=t, documents=d, share=0.0)
            for (s, t), d in grid.items()
        ],
    )
    got = protect_topics(model, MIN_CELL)
    # The topic of 3 texts, and the next smallest with it (or 200 − 150 − 47 gives 3).
    assert [t.index for t in got.topics] == [0]
    assert {(r.segment, r.topic) for r in got.by_segment} <= {("a", 0), ("b", 0)}
    shown = {(r.segment, r.topic): r.documents for r in got.by_segment}
    truth = {(s, str(t)): d for (s, t), d in grid.items()}
    published = {(s, str(t)): shown.get((s, t)) for (s, t) in grid}
    rows = {"a": 142, "b": 58}  # the shares give each segment's texts away
    cols: dict[str, int | None] = {"0": 150, "1": None, "2": None}
    assert check_table(truth, published, rows, cols, 200) == []


def test_traits_tell_no_small_count() -> None:
    def trait(value: str, share: float) -> Trait:
        return Trait(
            feature_id="region",
            feature_label="Район",
            value=value,
            label=value,
            share_in_segment=share,
            share_overall=0.1,
            lift=2.0,
        )

    profile = planted_profile()
    epgu = profile.by_feature[0].segments[0]  # 500 people
    mfc = profile.by_feature[0].segments[1]  # 300 people
    # city 496 of 500 leaves 4 outside: a small count; rural is a hidden segment.
    epgu.distinctive = [trait("city", 496 / 500), trait("rural", 10 / 500)]
    # town 290 and city 8 leave 2 of 300: the smaller one goes, then 10 are left over.
    mfc.distinctive = [trait("town", 290 / 300), trait("city", 8 / 300)]
    published = suppress(profile, study())
    shown = {s.key: [t.value for t in s.distinctive] for s in published.by_feature[0].segments}
    assert shown["channel=epgu"] == []
    assert shown["channel=mfc"] == ["town"]


def test_suggested_hypotheses_quote_no_hidden_figure() -> None:
    from segprofile.analysis.hypotheses import suggest_hypotheses

    profile = planted_profile()
    profile.satisfaction = SatisfactionStats(
        n=420, mean=4.5, csat=0.9, csat_interval=Interval(low=0.87, high=0.93)
    )
    channel = profile.by_feature[0].segments
    # ЕПГУ: 400 ratings, far below everyone; МФЦ: 300 people but 3 ratings, all bad.
    channel[0].satisfaction = SatisfactionStats(
        n=400, mean=2.0, csat=0.3, csat_interval=Interval(low=0.25, high=0.35)
    )
    channel[1].satisfaction = SatisfactionStats(
        n=3, mean=1.0, csat=0.0, csat_interval=Interval(low=0.0, high=0.56)
    )
    suggested = suggest_hypotheses(study(), profile)
    keys = {key for h in suggested for key in h.segments}
    assert "channel=epgu" in keys
    assert "channel=mfc" not in keys  # its CSAT rests on 3 ratings
    assert not keys & hidden_keys(suppress(profile, study()))


def test_a_csat_that_tells_a_few_dissatisfied_is_hidden_with_its_complement() -> None:
    """14 of 17 satisfied says that 3 rated low (the walk-through's «Киргизия»): that CSAT is
    hidden, and — the overall CSAT being shown — so is the smallest other one that would give
    it back by subtraction."""

    def seg(value: str, n: int, happy: int) -> SegmentStats:
        return SegmentStats(
            key=f"country={value}",
            value=value,
            label=value,
            capacity=n + 10,
            share=None,
            satisfaction=SatisfactionStats(n=n, mean=4.0, csat=happy / n),
        )

    segments = [seg("ru", 600, 400), seg("kg", 17, 14), seg("am", 81, 60), seg("uz", 40, 40)]
    profile = planted_profile()
    profile.by_feature.append(
        profile.by_feature[0].model_copy(update={"feature_id": "country", "segments": segments})
    )
    published = suppress(profile, study())
    shown = {s.key: s.satisfaction for s in published.by_feature[-1].segments}
    assert shown["country=kg"].hidden == "share"
    assert shown["country=kg"].csat is None
    assert hidden_text("share", 5) == "скрыто: довольных или недовольных меньше 5"
    assert shown["country=am"].hidden == "complement"  # 21 dissatisfied, the smallest shown
    assert shown["country=ru"].csat == pytest.approx(400 / 600)
    assert shown["country=uz"].csat == 1.0  # nobody dissatisfied is no count


def test_the_overall_csat_that_tells_a_few_dissatisfied_is_hidden() -> None:
    profile = planted_profile()
    profile.satisfaction = SatisfactionStats(n=400, mean=4.9, csat=398 / 400)
    published = suppress(profile, study())
    assert published.satisfaction.hidden == "share"
    assert published.satisfaction.csat is None
