"""Research plan and survey verdicts (M-8, M-9) on hand-computed values and the example."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from segprofile import pipeline
from segprofile.analysis.hypotheses import known_segments
from segprofile.analysis.research import (
    LinkedSurvey,
    QuestionLink,
    VerdictRules,
    analyse_survey,
    benjamini_hochberg,
    candidate_pool,
    compare_shares,
    draw_candidates,
    greedy_cover,
    harmonic,
    interview_guide,
    interview_guides,
    link_survey,
    question_problems,
    recruit_respondents,
    recruitment_frame,
    survey_sample_sizes,
)
from segprofile.data.engine import Engine, open_source
from segprofile.errors import InputError
from segprofile.model.results import Profile
from segprofile.model.study import (
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Study,
)
from sp_factories import planted_check_hypotheses


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path, Profile]:
    data = tmp_path_factory.mktemp("child-benefit-research")
    pipeline.generate_demo_data("child-benefit", data, rows=20000, seed=42)
    study = pipeline.example_study("child-benefit")
    return (
        study,
        data,
        pipeline.profile_study(
            pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
        ),
    )


# --- Sample sizes ---------------------------------------------------------------------------


def test_sample_sizes_match_hand_computed_fpc(example: tuple[Study, Path, Profile]) -> None:
    study, _data, profile = example
    rows = survey_sample_sizes(study, profile, margin=0.1, confidence=0.95)
    n0 = 1.959963984540054**2 * 0.25 / 0.1**2  # 96.04
    assert rows
    for row in rows:
        expected = math.ceil(n0 / (1 + (n0 - 1) / row.population) - 1e-9)
        assert row.needed == expected
        assert row.needed <= 97
    by_key = {r.key: r for r in rows}
    office = by_key["channel=office"]
    assert office.have is not None
    assert office.short == max(0, office.needed - office.have)
    extra = survey_sample_sizes(study, profile, extra={"cluster=1": ("Кластер 1", 50)})
    assert extra[-1].needed == 34  # 96.04 / (1 + 95.04 / 50) = 33.3
    small = survey_sample_sizes(study, profile, extra={"cluster=2": ("Кластер 2", 1000)})
    assert small[-1].needed == 88  # 96.04 / (1 + 95.04 / 1000) = 87.7


# --- Set cover --------------------------------------------------------------------------------


def _random_instance(rng: random.Random) -> tuple[np.ndarray, int]:
    n, levels = rng.randint(4, 9), [rng.randint(2, 4) for _ in range(rng.randint(2, 4))]
    codes = np.full((n, len(levels)), -1, dtype=np.int32)
    offset = 0
    for j, k in enumerate(levels):
        for i in range(n):
            if rng.random() > 0.1:
                codes[i, j] = offset + rng.randrange(k)
        offset += k
    return codes, offset


def _optimum(codes: np.ndarray, coverable: set[int]) -> int:
    for size in range(len(codes) + 1):
        for subset in itertools.combinations(range(len(codes)), size):
            covered = {int(c) for r in subset for c in codes[r] if c >= 0}
            if coverable <= covered:
                return size
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(25))
def test_greedy_cover_within_bound_of_brute_force(seed: int) -> None:
    codes, m = _random_instance(random.Random(seed))
    coverable = {int(c) for c in codes.ravel() if c >= 0}
    picks = greedy_cover(codes, np.ones(m, dtype=np.int64))
    covered = {int(c) for r in picks for c in codes[r] if c >= 0}
    assert covered == coverable
    d = int((codes >= 0).sum(axis=1).max())
    optimum = _optimum(codes, coverable)
    assert len(picks) <= harmonic(d) * optimum + 1e-9
    assert harmonic(d) <= math.log(d) + 1 + 1e-12
    # The recruitment's lower bound never exceeds the optimum.
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(len(codes))]})
    for j in range(codes.shape[1]):
        frame[f"f{j}"] = [str(c) if c >= 0 else None for c in codes[:, j]]
    pool = candidate_pool(
        frame, id_column="id", quota_columns={f"f{j}": f"f{j}" for j in range(codes.shape[1])}
    )
    rec = recruit_respondents(pool)
    assert rec.lower_bound <= optimum <= len(rec.respondents)
    assert not rec.uncovered


def test_multicover_meets_every_demand() -> None:
    rng = np.random.default_rng(3)
    codes = np.stack([rng.integers(0, 3, 60), 3 + rng.integers(0, 4, 60)], axis=1).astype(np.int32)
    picks = greedy_cover(codes, np.full(7, 3))
    counts = np.bincount(codes[picks].ravel(), minlength=7)
    assert (counts >= 3).all()
    assert len(set(picks)) == len(picks)


def test_recruitment_respects_opt_outs_and_limits() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "region": ["city", "city", "rural", "town", "town"],
            "channel": ["epgu", "mfc", "office", "mfc", "epgu"],
            "declined": [False, False, True, False, False],
            "had": [0, 0, 0, 2, 0],
        }
    )
    pool = candidate_pool(
        frame,
        id_column="id",
        quota_columns={"region": "region", "channel": "channel"},
        opt_out_column="declined",
        previous_column="had",
    )
    rec = recruit_respondents(pool, max_interviews_per_person=2)
    chosen = {r.respondent_id for r in rec.respondents}
    assert "c" not in chosen  # opted out
    assert "d" not in chosen  # already had two interviews
    uncovered = {u.key: u.reason for u in rec.uncovered}
    assert set(uncovered) == {"region=rural", "channel=office"}
    assert all("просил больше не приглашать" in reason for reason in uncovered.values())
    assert rec.excluded_opt_out == 1
    assert rec.excluded_limit == 1
    # Every coverable segment is covered.
    covered = {s for r in rec.respondents for s in r.segments}
    assert {"region=city", "region=town", "channel=epgu", "channel=mfc"} <= covered
    assert "Не предлагались: просили больше не приглашать — 1; уже прошли 2 интервью — 1." in (
        rec.explanation
    )
    table = recruitment_frame(rec)
    assert list(table["Респондент"]) == [r.respondent_id for r in rec.respondents]


def test_recruitment_from_the_engine_covers_every_segment(
    example: tuple[Study, Path, Profile],
) -> None:
    study, data, profile = example
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        excluded = ["0" * 16]
        pool = draw_candidates(
            study, records, id_column="client_id", exclude_ids=excluded, limit=600, seed=1
        )
        assert len(pool.ids) <= 600
        assert "0" * 16 not in set(pool.ids)
        required = {k: v for k, v in known_segments(profile).items() if "=NA" not in k}
        rec = recruit_respondents(pool, required=required)
        again = recruit_respondents(
            draw_candidates(
                study, records, id_column="client_id", exclude_ids=excluded, limit=600, seed=1
            ),
            required=required,
        )
    finally:
        engine.close()
    assert [r.respondent_id for r in rec.respondents] == [
        r.respondent_id for r in again.respondents
    ]
    uncovered = {u.key for u in rec.uncovered}
    # Only the planted never-applying group has nobody in the client records: listed loudly.
    assert uncovered == {"region_type=rural&single_parent=true&disability_in_family=true"}
    assert "нет ни одного" in rec.uncovered[0].reason
    covered = {s for r in rec.respondents for s in r.segments}
    singles = {k for k in required if "&" not in k}
    assert singles <= covered
    assert len(rec.respondents) <= rec.bound_factor * rec.lower_bound * 3
    assert rec.lower_bound >= 5  # applicant age has five segments


# --- Interview guide --------------------------------------------------------------------------


def test_question_problems_flags_leading_and_closed_questions() -> None:
    assert question_problems("Расскажите, как вы подавали заявление.") == []
    assert question_problems("Как вы узнали о пособии?") == []
    assert question_problems("Не правда ли, что очередь в МФЦ слишком длинная?")
    assert any("ли" in p for p in question_problems("Удобно ли вам было подать заявление?"))
    assert question_problems("Вам понравилось на портале?")


def test_interview_guide_is_open_and_grouped_by_journey_step(
    example: tuple[Study, Path, Profile],
) -> None:
    study = example[0]
    guide = interview_guide(study, "channel=office")
    assert guide.warnings == []
    assert "p_office_slow" in guide.hypotheses
    assert "p_epgu_form_complex" not in guide.hypotheses  # other segment
    steps = [s.journey_step for s in guide.sections if s.journey_step]
    order = [f"current.{s.id}" for s in study.journeys[0].steps]
    assert steps == sorted(steps, key=order.index)
    assert "current.apply" in steps
    for section in guide.sections:
        for q in section.questions:
            assert question_problems(q.text) == []
            assert "клиентск" not in q.text.lower()  # never states the hypothesis
    tagged = {h for s in guide.sections for q in s.questions for h in q.hypotheses}
    assert "p_office_slow" in tagged
    # The interviewer's note names the hypothesis by its number, never by its id.
    number = [h.id for h in study.hypotheses].index("p_office_slow") + 1
    notes = " ".join(q.note for s in guide.sections for q in s.questions)
    assert f"гипотеза № {number}: " in notes
    assert "[p_office_slow]" not in notes
    assert len(interview_guides(study)) == len({k for h in study.hypotheses for k in h.segments})


# --- Statistics -------------------------------------------------------------------------------


def test_chi_square_matches_hand_computed_value() -> None:
    a, b, c, d = 30, 70, 50, 50
    name, statistic, p = compare_shares(a, a + b, c, c + d)
    n = a + b + c + d
    chi2 = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert name == "chi2"
    assert statistic == pytest.approx(chi2, abs=1e-9)
    assert p == pytest.approx(math.erfc(math.sqrt(chi2 / 2)), abs=1e-12)


def test_fisher_when_an_expected_count_is_below_five() -> None:
    name, _odds, p = compare_shares(4, 6, 2, 20)
    assert name == "fisher"
    assert p == pytest.approx(sps.fisher_exact([[4, 2], [2, 18]])[1], abs=1e-12)
    assert compare_shares(40, 60, 20, 200)[0] == "chi2"


def test_benjamini_hochberg_by_hand_and_against_statsmodels() -> None:
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    # Sorted: 0.005, 0.01, 0.03, 0.04, 0.2 → ×5/rank: 0.025, 0.025, 0.05, 0.05, 0.2.
    assert benjamini_hochberg(p) == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.2], abs=1e-12)
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(5)
    values = rng.random(40) ** 3
    expected = multitest.multipletests(values, method="fdr_bh")[1]
    assert benjamini_hochberg(list(values)) == pytest.approx(list(expected), abs=1e-12)


# --- Survey verdicts on the example ------------------------------------------------------------


def _extra_hypotheses(study: Study) -> Study:
    study = study.model_copy(deep=True)
    study.hypotheses += [
        *planted_check_hypotheses(),
        Hypothesis(
            id="p_orphan",
            kind=HypothesisKind.problem,
            statement="Жителям северного района трудно собрать документы.",
            segments=["district=north"],
        ),
    ]
    return study


LINKS = [
    QuestionLink(
        "q_knew_about_epgu", "p_unaware_epgu", support="no", among=("channel=mfc", "channel=office")
    ),
    QuestionLink(
        "q_knew_about_epgu", "p_city_unaware", support="no", among=("channel=mfc", "channel=office")
    ),
    QuestionLink("q_docs_difficult", "p_docs_burden"),
    QuestionLink("q_docs_difficult", "p_epgu_form_complex"),
    QuestionLink("q_docs_difficult", "p_disability_docs", threshold=0.4),
    QuestionLink("q_informed_proactively", "p_no_proactive_info", support="no"),
    QuestionLink("q_docs_difficult", "p_orphan"),
]


def test_verdicts_match_the_planted_structure(example: tuple[Study, Path, Profile]) -> None:
    study, data, profile = example
    study = _extra_hypotheses(study)
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        survey = open_source(engine, study.data_source("survey"), data)
        linked = link_survey(study, records, survey, survey_id="client_id", records_id="client_id")
        analysis = analyse_survey(study, linked, LINKS, universe=known_segments(profile))
    finally:
        engine.close()
    verdict = {v.hypothesis: v for v in analysis.verdicts}
    status = {h: v.status for h, v in verdict.items()}
    # Planted problems: rural non-ЕПГУ applicants know less of ЕПГУ; in-person applicants and
    # families with a disability find documents difficult.
    assert status["p_unaware_epgu"] is HypothesisStatus.confirmed
    assert status["p_docs_burden"] is HypothesisStatus.confirmed
    assert status["p_disability_docs"] is HypothesisStatus.confirmed
    # Planted non-problems: ЕПГУ applicants do not find documents difficult; city applicants
    # mostly know about ЕПГУ.
    assert status["p_epgu_form_complex"] is HypothesisStatus.refuted
    assert status["p_city_unaware"] is HypothesisStatus.refuted
    # Proactive informing is rare for everyone: the segments do not differ.
    assert status["p_no_proactive_info"] is HypothesisStatus.not_enough_data
    # A segment of a deleted feature: kept, explained, never dropped.
    assert status["p_orphan"] is HypothesisStatus.not_enough_data
    assert "не найден" in verdict["p_orphan"].reason
    tests = {(t.hypothesis, t.segment): t for t in analysis.tests}
    office = tests[("p_docs_burden", "channel=office")]
    assert office.status is HypothesisStatus.confirmed
    assert office.test == "chi2"
    assert office.p_adjusted is not None
    assert office.p_value is not None
    assert office.p_adjusted >= office.p_value
    mfc = tests[("p_docs_burden", "channel=mfc")]
    assert mfc.status is HypothesisStatus.refuted  # a third, not a majority
    assert "МФЦ" in verdict["p_docs_burden"].reason
    evidence = verdict["p_unaware_epgu"].evidence[0]
    assert evidence.kind.value == "survey"
    assert evidence.value == pytest.approx(tests[("p_unaware_epgu", "region_type=rural")].share)
    assert "q_knew_about_epgu" in evidence.source
    # Coverage: the never-applying group has no respondent, listed loudly.
    missing = {m.key for m in analysis.missing_segments}
    assert "region_type=rural&single_parent=true&disability_in_family=true" in missing
    assert any("Нет ни одного респондента" in w for w in analysis.warnings)
    assert len(analysis.rules) >= 4


def test_survey_shares_match_pandas(example: tuple[Study, Path, Profile]) -> None:
    study, data, _profile = example
    records = pd.read_parquet(data / "records.parquet")
    survey = pd.read_parquet(data / "survey.parquet")
    joined = survey.merge(records[["client_id", "channel"]], on="client_id")
    linked = LinkedSurvey.from_frame(joined, {"channel": "channel"})
    link = QuestionLink("q_docs_difficult", "p_docs_burden")
    analysis = analyse_survey(study, linked, [link], rules=VerdictRules(min_answers=5))
    for t in analysis.tests:
        part = joined[joined["channel"] == t.segment.split("=")[1]]
        rest = joined[joined["channel"] != t.segment.split("=")[1]]
        assert t.n == len(part)
        assert t.yes == int(part["q_docs_difficult"].sum())
        assert t.rest_share == pytest.approx(rest["q_docs_difficult"].mean())


def test_bad_survey_inputs_say_how_to_fix(
    example: tuple[Study, Path, Profile], tmp_path: Path
) -> None:
    study, data, _profile = example
    survey = pd.read_parquet(data / "survey.parquet")
    survey["client_id"] = [f"x{i}" for i in range(len(survey))]
    survey["q_free"] = "очень долго ждала"
    survey.to_parquet(tmp_path / "survey.parquet")
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        bad = open_source(engine, study.data_source("survey"), tmp_path)
        with pytest.raises(InputError, match="совпало 0") as info:
            link_survey(study, records, bad, survey_id="client_id", records_id="client_id")
        assert "признак" in str(info.value)
        good = open_source(engine, study.data_source("survey"), data)
        linked = link_survey(study, records, good, survey_id="client_id", records_id="client_id")
        free = LinkedSurvey.from_frame(survey.assign(channel="epgu"), {"channel": "channel"})
        # One wording everyone gave: a label on no known scale (points, or analyse as text).
        with pytest.raises(InputError, match="не на известной шкале") as text_info:
            analyse_survey(study, free, [QuestionLink("q_free", "p_docs_burden")])
        assert "«очень долго ждала»" in str(text_info.value)
        assert "открытые ответы анализируйте как тексты" in (text_info.value.hint or "")
        with pytest.raises(InputError, match="шкала"):
            analyse_survey(study, linked, [QuestionLink("q_satisfaction", "p_docs_burden")])
    finally:
        engine.close()


@pytest.mark.parametrize(("factor", "slack"), [(2.0, 64), (0.05, 0), (1e-12, 0)])
def test_candidates_are_exactly_the_first_by_hash_of_every_segment(
    example: tuple[Study, Path, Profile], monkeypatch: pytest.MonkeyPatch, factor: float, slack: int
) -> None:
    """The engine returns only clients below each segment's cut; with cuts far too tight the
    segments are asked again until the draw equals ranking every client by its hash."""
    import ibis
    import ibis.selectors as s

    from segprofile.analysis.research import recruitment

    monkeypatch.setattr(recruitment, "CUT_FACTOR", factor)
    monkeypatch.setattr(recruitment, "CUT_SLACK", slack)
    study, data, _ = example
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        pool = draw_candidates(study, records, id_column="client_id", limit=300, seed=5)
        # The oracle: every client ranked in its segments by a window in the engine.
        coded = recruitment.code_table(
            study,
            study.segmented_features(),
            records.table,
            id_column="client_id",
            with_satisfaction=False,
        )
        t = coded.table
        cols = list(coded.columns.values())
        per = t.group_by("client").aggregate(**{c: t[c].first() for c in cols})
        per = per.mutate(h=(per.client.cast("string") + "#5").hash())
        long = per.pivot_longer(s.cols(*cols), names_to="quota", values_to="segment")
        ranked = long.mutate(
            r=ibis.row_number().over(group_by=[long.quota, long.segment], order_by=long.h)
        )
        segments = sum(1 for v in pool.eligible.values() if v > 0)
        picked = ranked.filter(ranked.r < max(1, 300 // segments)).select("client").distinct()
        expected = per.semi_join(picked, "client").order_by(["h", "client"]).limit(300)
        oracle = expected.select("client").execute()["client"].astype(str).tolist()
    finally:
        engine.close()
    assert list(pool.ids) == oracle
    assert len(oracle) > 30


def test_a_segment_the_answers_cannot_reach_says_which_column_and_where(
    example: tuple[Study, Path, Profile], tmp_path: Path
) -> None:
    """Walk-through: «признак сегмента не связан с ответами опроса» told the analyst nothing.
    Answers without a client id, joined by the one feature column they carry (the type of
    settlement), name the missing column of every other feature and where to choose the id."""
    study, data, profile = example
    records = pd.read_parquet(data / "records.parquet")
    survey = pd.read_parquet(data / "survey.parquet")
    own = survey.merge(records[["client_id", "region_type"]], on="client_id")
    own = own.drop(columns=["client_id"])
    own.to_parquet(tmp_path / "survey.parquet")
    engine = Engine.duckdb()
    try:
        clients = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        answers = open_source(engine, study.data_source("survey"), tmp_path)
        linked = link_survey(study, clients, answers, survey_id=None, records_id=None)
        assert linked.joined_by == "features"
        analysis = analyse_survey(
            study,
            linked,
            [QuestionLink("q_docs_difficult", "p_docs_burden")],
            universe=known_segments(profile),
        )
    finally:
        engine.close()
    reasons = {m.key: m.reason for m in analysis.missing_segments}
    # The settlement types are linked by their column (a group with other features is not).
    assert not [k for k in reasons if k.startswith("region_type=") and "&" not in k]
    children = next(f for f in study.features if f.id == "children")
    reason = next(r for key, r in reasons.items() if key.startswith("children="))
    assert f"столбца «{children.column}» (признак «{children.label}») в опросе нет" in reason
    assert "«Связать ответы с клиентами»" in reason
    assert "столбец псевдонима клиента" in reason
    assert "не связан с ответами" not in " ".join(reasons.values())


def test_likert_answers_in_words_are_points_and_the_neutral_is_on_neither_side(
    example: tuple[Study, Path, Profile],
) -> None:
    """Walk-through: «Полностью согласен … Полностью не согласен» (what survey tools export)
    was refused as free text, and «согласие с балла 4» counted the neutral «Затрудняюсь
    ответить» as «нет». Words are read as points 1–5 (either gender, any case, stray spaces
    and dots); the midpoint is on neither side; the evidence says «ниже 4 из 5». The same
    answers recoded to 1–5 give the same counts."""
    from segprofile.data.surveys import answer_kind, scale_point

    study, data, _profile = example
    records = pd.read_parquet(data / "records.parquet")
    survey = pd.read_parquet(data / "survey.parquet")
    joined = survey.merge(records[["client_id", "channel"]], on="client_id")
    labels = [
        "Полностью не согласна",
        "скорее не согласен",
        "Затрудняюсь ответить",
        " Скорее согласна ",
        "ПОЛНОСТЬЮ  СОГЛАСЕН.",
    ]
    rng = np.random.default_rng(8)
    points = pd.Series(rng.choice(5, size=len(joined), p=[0.1, 0.15, 0.3, 0.25, 0.2]) + 1)
    points[::17] = 0  # no answer
    joined["q_words"] = [labels[p - 1] if p else None for p in points]
    joined["q_points"] = points.where(points > 0).astype("Float64")
    assert answer_kind("VARCHAR", joined["q_words"].head(200).tolist()) == "scale"
    assert [scale_point(x) for x in ("Очень недовольна", "Ни доволен, ни недоволен")] == [1, 3]
    assert [scale_point(x) for x in ("Да", "Скорее нет", "5 — Полностью согласен")] == [5, 2, 5]
    linked = LinkedSurvey.from_frame(joined, {"channel": "channel"})
    rules = VerdictRules(min_answers=5)
    in_words = analyse_survey(
        study, linked, [QuestionLink("q_words", "p_docs_burden", support="no")], rules=rules
    )
    numbers = analyse_survey(
        study,
        linked,
        [QuestionLink("q_points", "p_docs_burden", support="no", agree_from=4)],
        rules=rules,
    )
    assert in_words.tests
    for words, nums in zip(in_words.tests, numbers.tests, strict=True):
        part = points[(joined["channel"] == words.segment.split("=")[1]).to_numpy()]
        assert words.n == nums.n == int(part.isin([1, 2, 4, 5]).sum())
        assert words.yes == nums.yes == int(part.isin([1, 2]).sum())
    (verdict,) = in_words.verdicts
    summary = verdict.evidence[0].summary
    assert "оценили ниже 4 из 5 вопрос «q_words»" in summary
    assert "«затрудняюсь ответить») не учтены" in summary
    assert "ответили «нет»" not in summary
    # Agreeing from 3 leaves no neutral answer: everyone who answered is in the base.
    from3 = analyse_survey(
        study, linked, [QuestionLink("q_words", "p_docs_burden", agree_from=3)], rules=rules
    )
    for x in from3.tests:
        part = points[(joined["channel"] == x.segment.split("=")[1]).to_numpy()]
        assert (x.n, x.yes) == (int((part > 0).sum()), int((part >= 3).sum()))
    assert "не учтены" not in from3.verdicts[0].evidence[0].summary


def test_answers_without_feature_columns_say_what_to_do_in_the_browser(
    example: tuple[Study, Path, Profile], tmp_path: Path
) -> None:
    """Walk-through: linking «по признакам сегментов в опросе» said «(в командной строке —
    --id-column)» on a web page, and nothing of the survey's own «Канал подачи» or «Регион
    проживания», which can never form segments. The advice names the pseudonym column to
    choose, the survey columns to rename as the client records name them, and why a column
    only the survey has is no segment."""
    study, data, _profile = example
    records = pd.read_parquet(data / "records.parquet")
    survey = pd.read_parquet(data / "survey.parquet")
    own = survey.merge(records[["client_id", "channel", "region_type"]], on="client_id")
    own = own.rename(
        columns={
            "client_id": "СНИЛС",
            "channel": "Способ подачи (со слов респондента)",
            "region_type": "Тип населённого пункта проживания",
        }
    )
    own["Канал связи для уведомлений"] = "смс"
    own.to_parquet(tmp_path / "survey.parquet")
    engine = Engine.duckdb()
    try:
        clients = open_source(engine, study.client_records(), data)  # type: ignore[arg-type]
        answers = open_source(engine, study.data_source("survey"), tmp_path)
        with pytest.raises(InputError) as info:
            link_survey(
                study, clients, answers, survey_id=None, records_id=None, id_columns=["СНИЛС"]
            )
    finally:
        engine.close()
    text = str(info.value)
    assert "--" not in text
    assert "командной строке" not in text
    assert "«Связать ответы с клиентами» столбец псевдонима клиента («СНИЛС»)" in text
    assert "«Способ подачи (со слов респондента)» → «channel»" in text
    assert "«Тип населённого пункта проживания» → «region_type»" in text
    assert "Канал связи" not in text
    assert "сегментом профиля не станет" in text


def test_answers_on_the_surveys_own_scale_are_read_by_the_points_it_was_given(
    example: tuple[Study, Path, Profile],
) -> None:
    """Walk-through: «Отлично / Хорошо / Удовлетворительно / Плохо / Очень плохо» and a scale
    numbered only at its ends («1 — совсем не доволен», «2», «3», «4», «5 — очень доволен») are
    on no known scale: the analysis said «свободный текст» with no way out. Without points the
    error names the column and the labels (a rare misspelling counted, never named); with the
    survey's points (any case, stray spaces) they read as the same answers recoded to 1–5;
    «Не обращался» given «не оценка» is no answer; a rare misspelling is left out, and said."""
    from segprofile.data.surveys import answer_kind

    study, data, _profile = example
    records = pd.read_parquet(data / "records.parquet")
    survey = pd.read_parquet(data / "survey.parquet")
    joined = survey.merge(records[["client_id", "channel"]], on="client_id")
    grades = ["Очень плохо", "Плохо", "Удовлетворительно", "Хорошо", "Отлично"]
    rng = np.random.default_rng(21)
    # Skewed to the good end; a tenth never applied; one in 17 gave no answer.
    points = pd.Series(rng.choice(6, size=len(joined), p=[0.1, 0.04, 0.06, 0.15, 0.35, 0.3]))
    points[::17] = -1
    spelled = {4: [" хорошо ", "ХОРОШО", "Хорошо"], 5: ["Отлично", "отлично."]}
    words = []
    for i, p in enumerate(points):
        if p < 0:
            words.append(None)
        elif p == 0:
            words.append("Не обращался")
        else:
            forms = spelled.get(int(p), [grades[p - 1]])
            words.append(forms[i % len(forms)])
    words[5] = "Отлчно"  # one misspelling: fewer than min_cell gave it
    joined["q_grade"] = words
    ends = {1: "1 — совсем не доволен", 5: "5 — очень доволен"}
    joined["q_ends"] = [None if p <= 0 else ends.get(int(p), str(int(p))) for p in points]
    linked = LinkedSurvey.from_frame(joined, {"channel": "channel"})
    rules = VerdictRules(min_answers=5)
    link = QuestionLink("q_grade", "p_docs_burden", support="no")
    with pytest.raises(InputError) as refused:
        analyse_survey(study, linked, [link], rules=rules)
    message = str(refused.value)
    assert "Вопрос «q_grade»: ответы не на известной шкале и не сопоставлены с баллами" in message
    for label in ("«отлично»", "«хорошо»", "«удовлетворительно»", "«плохо»", "«не обращался»"):
        assert label in message.lower()
    assert message.lower().count("«хорошо»") == 1  # one label however it is spelled
    assert "Отлчно" not in message  # a wording fewer than min_cell gave is never named
    assert "1 ответ с вариантом, который дали меньше 5 респондентов (не показан)" in message
    assert "«Баллы ответов»" in refused.value.hint
    own = {
        "Очень плохо": 1,
        "Плохо": 2,
        "Удовлетворительно": 3,
        "хорошо": 4,
        "ОТЛИЧНО": 5,
        "Не обращался": None,
    }
    assert answer_kind("VARCHAR", ["Плохо", " хорошо ", None], own=own) == "scale"
    assert answer_kind("VARCHAR", ["Плохо", " хорошо ", None]) == "text"
    graded = analyse_survey(study, linked, [link], rules=rules, answer_points=own)
    joined["q_points"] = points.where(points > 0).astype("Float64")
    joined.loc[5, "q_points"] = pd.NA  # the misspelling is left out
    numbers = analyse_survey(
        study,
        LinkedSurvey.from_frame(joined, {"channel": "channel"}),
        [QuestionLink("q_points", "p_docs_burden", support="no", agree_from=4)],
        rules=rules,
    )
    assert graded.tests
    for x, y in zip(graded.tests, numbers.tests, strict=True):
        assert (x.n, x.yes) == (y.n, y.yes)
    summary = graded.verdicts[0].evidence[0].summary
    assert "оценили ниже 4 из 5 вопрос «q_grade»" in summary
    assert "1 ответ с редким вариантом вне шкалы не учтён" in summary
    # The ends numbered, the middle bare numbers: the points the page proposes, then given.
    with pytest.raises(InputError) as bare:
        analyse_survey(study, linked, [QuestionLink("q_ends", "p_docs_burden")], rules=rules)
    assert "«2», «3», «4»" in str(bare.value) or all(f"«{n}»" in str(bare.value) for n in "234")
    ends_read = analyse_survey(
        study,
        linked,
        [QuestionLink("q_ends", "p_docs_burden")],
        rules=rules,
        answer_points={"2": 2, "3": 3, "4": 4},
    )
    for x, y in zip(ends_read.tests, numbers.tests, strict=True):
        part = points[(joined["channel"] == x.segment.split("=")[1]).to_numpy()]
        assert x.n == int(part.isin([1, 2, 4, 5]).sum())
        assert x.yes == int(part.isin([4, 5]).sum())
        assert y.n >= 0


@pytest.mark.parametrize(
    ("typos", "said"),
    [
        (["Отлчно", "Отлчно"], "2 ответа с редкими вариантами вне шкалы не учтены"),
        (
            ["Отлчно", "Отлчно", "Хрошо", "Хрошо", "Хрошо"],
            "5 ответов с редкими вариантами вне шкалы не учтены",
        ),
    ],
)
def test_rare_answers_left_out_are_counted_in_words_that_agree(
    example: tuple[Study, Path, Profile], typos: list[str], said: str
) -> None:
    """«1 ответ … не учтён», «2 ответа … не учтены», «5 ответов … не учтены»: the note of the
    rare wordings left out of a scale agrees with their count (each wording fewer than
    ``min_cell`` gave: none is named)."""
    study, data, _profile = example
    records = pd.read_parquet(data / "records.parquet")
    survey = pd.read_parquet(data / "survey.parquet")
    joined = survey.merge(records[["client_id", "channel"]], on="client_id")
    grades = ["Очень плохо", "Плохо", "Удовлетворительно", "Хорошо", "Отлично"]
    rng = np.random.default_rng(5)
    words = [grades[int(p)] for p in rng.choice(5, size=len(joined), p=[0.1, 0.1, 0.2, 0.3, 0.3])]
    words[: len(typos)] = typos
    joined["q_grade"] = words
    points = {g: i + 1 for i, g in enumerate(grades)}
    result = analyse_survey(
        study,
        LinkedSurvey.from_frame(joined, {"channel": "channel"}),
        [QuestionLink("q_grade", "p_docs_burden", support="no")],
        rules=VerdictRules(min_answers=5),
        answer_points=points,
    )
    summary = result.verdicts[0].evidence[0].summary
    assert said in summary
    assert "Отлчно" not in summary
    assert "Хрошо" not in summary


def test_the_survey_page_offers_points_only_for_closed_answers_named_by_min_cell() -> None:
    """The labels the page asks points for: answers in words off the known scales, of a
    closed question only (free text is never listed), each given by at least min_cell
    respondents (rarer ones counted); a label with a leading number is proposed that point."""
    import pyarrow as pa

    from segprofile.data.surveys import scale_columns

    rng = random.Random(4)
    n = 400
    grades = rng.choices(
        ["Отлично", "Хорошо", "Плохо", " хорошо", "2", "Ужасно!!"], [50, 30, 8, 6, 5, 1], k=n
    )
    grades[0] = "Отлчно"
    table = pa.table(
        {
            "grade": grades,
            "agree": rng.choices(["Скорее согласен", "Полностью согласен", None], k=n),
            "comment": [f"Ответ номер {i}, всё долго" for i in range(n)],
            "score": [rng.randint(1, 5) for _ in range(n)],
        }
    )
    columns = scale_columns(
        table, ["grade", "agree", "comment", "score", "missing"], {"плохо": 2}, min_cell=5
    )
    assert [c.name for c in columns] == ["grade"]
    (grade,) = columns
    offered = {x.label: x for x in grade.labels}
    assert set(offered) == {"Отлично", "Хорошо", "Плохо", "2"} | (
        {"Ужасно!!"} if grades.count("Ужасно!!") >= 5 else set()
    )
    assert offered["Плохо"].stored
    assert offered["Плохо"].point == 2
    assert offered["2"].suggested == 2
    assert not offered["Отлично"].stored
    assert grade.rare == 1 + (grades.count("Ужасно!!") if grades.count("Ужасно!!") < 5 else 0)
    assert grade.unmapped == len(offered) - 1
