"""Research on the profiles (M-8) and the evidence it brings (M-9).

Plan:

- :func:`survey_sample_sizes` — survey respondents each segment needs for the chosen margin
  and confidence, with the finite-population correction (:func:`~.stats.required_sample`);
- :func:`draw_candidates` / :func:`candidate_pool` and :func:`recruit_respondents` — a small
  set of interview respondents such that every segment of every feature (and every cluster,
  given as one more column of codes) has at least one: greedy set cover on a numpy matrix of
  segment indexes, with its approximation bound stated, excluding people who opted out or
  reached the per-person interview limit; segments nobody can cover are listed with the reason;
- :func:`interview_guide` — a draft guide per segment from its hypotheses: open, non-leading
  Russian questions grouped by journey step (:func:`question_problems` checks a question).

Evidence:

- :func:`link_survey` joins survey answers to the segments of the client records in the engine
  (by pseudonymised id, or by feature columns present in the survey);
- :func:`analyse_survey` — for each question mapped to a hypothesis (:class:`QuestionLink`):
  per segment share of answers that support it, with a Wilson interval; the difference against
  the rest of the answers by Pearson's chi-square, or Fisher's exact test when an expected
  count is below 5; Benjamini–Hochberg across all tests; a verdict per segment and per
  hypothesis by the explicit rules of :class:`VerdictRules` (:func:`verdict_rules_text` says
  them in Russian), each with its reason and :class:`~segprofile.model.study.Evidence`.

Aggregates run in the engine; only counts and the interview candidates (a bounded sample)
come back to Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import ibis.selectors as s
import numpy as np
import pandas as pd

from segprofile.analysis.by_feature import MISSING_CODE, TableLike, code_table, segment_label
from segprofile.analysis.stats import (
    benjamini_hochberg,
    compare_shares,
    required_sample,
    wilson_interval,
)
from segprofile.analysis.suppression import protect_survey_tests
from segprofile.data.engine import execute
from segprofile.data.surveys import NO_WORDS, YES_WORDS
from segprofile.errors import InputError
from segprofile.model.results import (
    GuideQuestion,
    GuideSection,
    HypothesisVerdict,
    Interval,
    InterviewGuide,
    Profile,
    RecruitedRespondent,
    Recruitment,
    SampleSize,
    SurveyAnalysis,
    SurveyTest,
    UncoveredSegment,
    known,
)
from segprofile.model.study import (
    AidasStage,
    Evidence,
    EvidenceKind,
    Feature,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    JourneyKind,
    Study,
    SurveyQuestion,
    SurveySupport,
)

__all__ = [
    "CandidatePool",
    "LinkedSurvey",
    "QuestionLink",
    "VerdictRules",
    "analyse_survey",
    "apply_survey_verdicts",
    "benjamini_hochberg",
    "candidate_pool",
    "compare_shares",
    "draw_candidates",
    "greedy_cover",
    "harmonic",
    "interview_guide",
    "interview_guides",
    "link_questions",
    "link_survey",
    "question_links",
    "question_problems",
    "recruit_respondents",
    "recruitment_frame",
    "segment_verdict",
    "survey_sample_sizes",
    "verdict_rules_text",
]


def _pct(value: float) -> str:
    return f"{round(value * 100):d}\u00a0%"


def _parts(key: str) -> list[tuple[str, str]]:
    """``"a=x&b=y"`` → ``[("a", "x"), ("b", "y")]``."""
    out = []
    for part in key.split("&"):
        fid, sep, code = part.partition("=")
        if sep:
            out.append((fid, code))
    return out


def _study_label(study: Study, key: str) -> str:
    """A readable label of a segment key from the study's features (value labels)."""
    labels = []
    for fid, code in _parts(key):
        try:
            feature = study.feature(fid)
        except KeyError:
            labels.append(f"{fid}: {code}")
            continue
        labels.append(f"{feature.label}: {segment_label(feature, code, None)}")
    return " · ".join(labels) or key


# --- M-8: survey sample sizes --------------------------------------------------------------------


def survey_sample_sizes(
    study: Study,
    profile: Profile,
    *,
    margin: float | None = None,
    confidence: float | None = None,
    extra: Mapping[str, tuple[str, int]] | None = None,
) -> list[SampleSize]:
    """Survey respondents each segment needs to estimate a share within ``±margin`` (M-8).

    ``n0 = z² · 0.25 / margin²`` corrected for the segment's size ``N`` (finite population):
    ``n = n0 / (1 + (n0 − 1) / N)``.

    Parameters
    ----------
    study
        Margin and confidence default to ``study.research``.
    profile
        Segments by feature and pairs; the population of a segment is its distinct clients
        (or its records when clients are not known).
    margin, confidence
        Override the study's research plan.
    extra
        More segments, e.g. clusters: ``{key: (label, population)}``.

    Returns
    -------
    list of SampleSize
        One row per non-empty segment, with the answers already in the survey (``have``) and
        the shortfall (``short``) when the profile has a survey baseline.
    """
    margin = margin if margin is not None else study.research.margin
    confidence = confidence if confidence is not None else study.research.confidence
    rows: list[SampleSize] = []
    groups = [(fs.label, fs.segments) for fs in profile.by_feature]
    groups += [("", cross.segments) for cross in profile.cross]
    for feature_label, segments in groups:
        for seg in segments:
            population = seg.clients if seg.clients is not None else known(seg.capacity)
            if seg.missing_value or population <= 0:
                continue
            needed = required_sample(margin, confidence, population)
            have = seg.survey.n if seg.survey is not None else None
            rows.append(
                SampleSize(
                    key=seg.key,
                    label=f"{feature_label}: {seg.label}" if feature_label else seg.label,
                    population=population,
                    needed=needed,
                    have=have,
                    short=max(0, needed - have) if have is not None else None,
                )
            )
    for key, (label, population) in (extra or {}).items():
        if population > 0:
            rows.append(
                SampleSize(
                    key=key,
                    label=label,
                    population=population,
                    needed=required_sample(margin, confidence, population),
                )
            )
    return rows


# --- M-8: interview recruitment by greedy set cover ----------------------------------------------


def harmonic(d: int) -> float:
    """``H(d) = 1 + 1/2 + … + 1/d`` (≤ ln d + 1): the greedy set cover's guarantee."""
    return float(sum(1.0 / i for i in range(1, d + 1)))


@dataclass
class CandidatePool:
    """People who may be interviewed, as a matrix of segment indexes (one column per feature).

    ``codes[i, j]`` is the index in ``segments`` of person ``i``'s segment of quota column
    ``j`` (a feature or the clusters), ``-1`` when the value is missing (no quota).
    """

    ids: np.ndarray  # (n,) identifiers (pseudonyms), str
    codes: np.ndarray  # (n, q) int32
    segments: list[str]  # segment keys: quotas
    labels: dict[str, str]
    columns: list[str]  # quota column names (feature ids, "cluster"…)
    previous: np.ndarray  # (n,) interviews each person already had
    opted_out: np.ndarray  # (n,) bool
    #: People of each segment in the whole data (before exclusions); for the reasons.
    in_data: dict[str, int] = field(default_factory=dict)
    #: Eligible people of each segment in the whole data (after the engine's exclusions);
    #: empty when the pool is all there is (counted from the pool then).
    eligible: dict[str, int] = field(default_factory=dict)
    excluded_opt_out: int = 0
    excluded_limit: int = 0


def candidate_pool(
    frame: pd.DataFrame,
    *,
    id_column: str,
    quota_columns: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    previous_column: str | None = None,
    opt_out_column: str | None = None,
) -> CandidatePool:
    """A pool from a table already in memory: coded client rows or a list of volunteers.

    Parameters
    ----------
    frame
        One row per person: an identifier and one column of segment codes per quota.
    id_column
        The identifier (a pseudonym; it is returned in the list, never logged).
    quota_columns
        ``{quota name: column}``, e.g. ``{"channel": "channel", "cluster": "cluster"}``; the
        segment keys are ``name=code``. Missing values and ``"NA"`` are not quotas.
    labels
        Readable labels of segment keys.
    previous_column, opt_out_column
        Interviews already had; ``True`` for people who declined to take part.
    """
    missing = [c for c in [id_column, *quota_columns.values()] if c not in frame.columns]
    if missing:
        raise InputError(
            "В списке кандидатов нет столбцов: " + ", ".join(f"«{c}»" for c in missing) + ".",
            hint="нужны столбец идентификатора и по столбцу кодов сегментов на каждый признак.",
        )
    n = len(frame)
    segments: list[str] = []
    index: dict[str, int] = {}
    codes = np.full((n, len(quota_columns)), -1, dtype=np.int32)
    for j, (name, column) in enumerate(quota_columns.items()):
        values = frame[column].astype("string").fillna(MISSING_CODE).to_numpy(dtype=object)
        uniques, inverse = np.unique(values, return_inverse=True)
        mapping = np.full(len(uniques), -1, dtype=np.int32)
        for u, value in enumerate(uniques):
            if value == MISSING_CODE or value == "":
                continue
            key = f"{name}={value}"
            if key not in index:
                index[key] = len(segments)
                segments.append(key)
            mapping[u] = index[key]
        codes[:, j] = mapping[inverse]
    previous = (
        pd.to_numeric(frame[previous_column], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        if previous_column
        else np.zeros(n, dtype=np.int64)
    )
    opted = (
        frame[opt_out_column].fillna(False).astype(bool).to_numpy()
        if opt_out_column
        else np.zeros(n, dtype=bool)
    )
    counts = {key: int((codes == i).any(axis=1).sum()) for i, key in enumerate(segments)}
    return CandidatePool(
        ids=frame[id_column].astype("string").to_numpy(dtype=object),
        codes=codes,
        segments=segments,
        labels={key: (labels or {}).get(key, key) for key in segments},
        columns=list(quota_columns),
        previous=previous,
        opted_out=opted,
        in_data=counts,
    )


def draw_candidates(
    study: Study,
    source: TableLike,
    *,
    id_column: str,
    features: Sequence[str] | None = None,
    extra_columns: Mapping[str, str] | None = None,
    opt_out_column: str | None = None,
    previous_column: str | None = None,
    exclude_ids: Iterable[str] = (),
    previous: Mapping[str, int] | None = None,
    max_interviews_per_person: int | None = None,
    edges: dict[str, list[float]] | None = None,
    limit: int = 50_000,
    seed: int | None = None,
) -> CandidatePool:
    """Draw interview candidates from the client records in the engine (M-8).

    One row per client (its first record). People who opted out, who are listed in
    ``exclude_ids`` or who reached the interview limit are excluded in the engine. Then, for
    every segment, up to ``limit / segments`` eligible clients are taken in a seeded
    pseudo-random order (a hash of the id), so that rare segments are always represented and
    at most ``limit`` rows come back.

    Parameters
    ----------
    study
        Features (``features``: ids, default the segmented ones), numeric cut points, seed.
    source
        The client records opened in the engine (or any table with the same columns).
    id_column
        The pseudonymised client id.
    extra_columns
        More quota columns of codes, e.g. ``{"cluster": "cluster"}`` for clusters.
    opt_out_column, previous_column
        Columns of the table: declined to take part (bool); interviews already had (int).
    exclude_ids, previous
        The same from outside the table: a registry of opt-outs; ``{id: interviews had}``.
    max_interviews_per_person
        Default ``study.research.max_interviews_per_person``.
    edges
        Numeric cut points of the profile (``ByFeatureResult.edges``).
    limit, seed
        Upper bound on candidates returned; seed of the order (default the study's).
    """
    if limit < 1:
        raise InputError(f"limit={limit}: нужно не меньше 1 кандидата.")
    table = source.table
    cap = max_interviews_per_person or study.research.max_interviews_per_person
    seed = study.segmentation.random_state if seed is None else seed
    chosen = (
        [study.feature(f) for f in features] if features is not None else study.segmented_features()
    )
    needed = [id_column, *(extra_columns or {}).values()]
    needed += [c for c in (opt_out_column, previous_column) if c]
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise InputError(
            "В данных о клиентах нет столбцов: " + ", ".join(f"«{c}»" for c in absent) + ".",
            hint="укажите существующие столбцы идентификатора, отказа от участия и числа "
            "прошедших интервью.",
        )
    extra: dict[str, ir.Value] = {}
    for name, column in (extra_columns or {}).items():
        extra[f"q_{name}"] = table[column].cast("string").fill_null(MISSING_CODE)
    if opt_out_column:
        extra["opt_out"] = table[opt_out_column].cast("boolean").fill_null(False)
    if previous_column:
        extra["prev"] = table[previous_column].cast("int64").fill_null(0)
    coded = code_table(
        study,
        chosen,
        table,
        edges=edges,
        id_column=id_column,
        with_satisfaction=False,
        extra=extra,
    )
    quota = {f.id: coded.columns[f.id] for f in chosen}
    quota |= {name: f"q_{name}" for name in (extra_columns or {})}
    t = coded.table
    aggs: dict[str, Any] = {col: t[col].first() for col in quota.values()}
    if opt_out_column:
        aggs["opt_out"] = t.opt_out.max()
    if previous_column:
        aggs["prev"] = t.prev.max()
    per = t.group_by("client").aggregate(**aggs)
    if not previous_column:
        per = per.mutate(prev=ibis.literal(0, type="int64"))
    if not opt_out_column:
        per = per.mutate(opt_out=ibis.literal(False))
    if previous:
        outside = ibis.memtable(
            pd.DataFrame(
                {"pid": [str(k) for k in previous], "pcount": [int(v) for v in previous.values()]}
            )
        )
        per = per.left_join(outside, per.client.cast("string") == outside.pid)
        per = per.mutate(prev=per.prev + per.pcount.fill_null(0)).drop("pid", "pcount")
    excluded = [str(x) for x in exclude_ids]
    opted = per.opt_out
    if excluded:
        opted = opted | per.client.cast("string").isin(excluded)
    per = per.mutate(
        opt_out=opted,
        over=(per.prev >= cap) & ~opted,
        h=(per.client.cast("string") + f"#{seed}").hash(),
    )
    cols = list(quota.values())
    long = per.pivot_longer(s.cols(*cols), names_to="quota", values_to="segment")
    counts = execute(
        long.group_by(["quota", "segment"]).aggregate(
            in_data=long.count(),
            eligible=(~long.opt_out & ~long.over).cast("int64").sum(),
        )
    )
    totals = execute(
        per.aggregate(
            opt_out=per.opt_out.cast("int64").sum(),
            over=per.over.cast("int64").sum(),
            h_lo=per.h.min(),
            h_hi=per.h.max(),
        )
    ).to_dict("records")[0]
    by_column = {col: name for name, col in quota.items()}
    in_data: dict[str, int] = {}
    eligible: dict[str, int] = {}
    counts_rows = counts.to_dict("records")
    for row in counts_rows:
        if str(row["segment"]) == MISSING_CODE:
            continue
        key = f"{by_column[str(row['quota'])]}={row['segment']}"
        in_data[key] = int(row["in_data"])
        eligible[key] = int(row["eligible"] or 0)
    n_segments = max(1, sum(1 for v in eligible.values() if v > 0))
    per_segment = max(1, limit // n_segments)
    ok = per.filter(~per.opt_out & ~per.over)
    frame = _first_by_hash(
        ok,
        cols,
        {(str(r["quota"]), str(r["segment"])): int(r["eligible"] or 0) for r in counts_rows},
        per_segment,
        (totals["h_lo"], totals["h_hi"]),
        limit,
    )
    labels = {
        f"{f.id}={code}": segment_label(f, code, coded.bins[f.id])
        for f in chosen
        for code in {k.split("=", 1)[1] for k in in_data if k.startswith(f"{f.id}=")}
    }
    pool = candidate_pool(
        frame,
        id_column="client",
        quota_columns=quota,
        labels=labels,
        previous_column="prev",
    )
    for key in in_data:
        pool.labels.setdefault(key, labels.get(key, key))
    pool.in_data = in_data
    pool.eligible = eligible
    pool.excluded_opt_out = int(totals["opt_out"] or 0)
    pool.excluded_limit = int(totals["over"] or 0)
    return pool


CUT_FACTOR = 2.0  # a segment's first cut: this many times the clients it needs…
CUT_SLACK = 64  # …and this many more


def _first_by_hash(
    ok: ir.Table,
    cols: list[str],
    eligible: dict[tuple[str, str], int],
    per_segment: int,
    span: tuple[Any, Any],
    limit: int,
) -> pd.DataFrame:
    """Per segment the ``per_segment`` clients first in the order of ``h``; of these the first
    ``limit`` by ``h`` (one row each: ``client``, ``prev`` and the quota columns).

    The hash spreads evenly over its range, so the first clients of a segment of ``e`` lie
    below a cut a fraction about ``2·per_segment / e`` into the range. The engine returns only
    the clients below the cut of one of their segments (a prefix of each segment's order),
    about twice what is needed, and the ranking happens on that sample. A segment whose cut
    was too tight (fewer clients came back than it needs) is asked again with a cut twice as
    wide, up to its whole range, so the result is exactly that of ranking every client.
    """
    lo, hi = span
    out_cols = ["client", "prev", *cols]
    if lo is None or hi is None or not eligible:
        return pd.DataFrame(columns=out_cols)
    lo, hi = int(lo), int(hi)
    # The segment columns are kept on each row; their copies are turned into rows.
    keyed = ok.mutate(**{f"k_{c}": ok[c] for c in cols})
    long_ok = keyed.pivot_longer(
        s.cols(*(f"k_{c}" for c in cols)), names_to="quota", values_to="segment"
    )
    widen = {key: CUT_FACTOR for key, e in eligible.items() if e > 0}
    seen: dict[tuple[str, str], int] = {}
    parts: list[pd.DataFrame] = []
    while widen:
        cuts = {}
        for key, factor in widen.items():
            share = (factor * per_segment + CUT_SLACK) / eligible[key]
            cuts[key] = hi if share >= 1 else lo + int(share * (hi - lo))
        table = ibis.memtable(
            pd.DataFrame(
                {
                    "cut_quota": [f"k_{k[0]}" for k in cuts],
                    "cut_segment": [k[1] for k in cuts],
                    "cut": pd.array(list(cuts.values()), dtype="int64"),
                }
            )
        )
        joined = long_ok.join(
            table,
            (long_ok.quota == table.cut_quota) & (long_ok.segment == table.cut_segment),
        )
        got = execute(joined.filter(joined.h <= joined.cut).select("h", *out_cols).distinct())
        parts.append(got)  # may be empty: cuts below every hash widen like any other
        long = got.melt(
            id_vars=["client", "h"], value_vars=cols, var_name="quota", value_name="segment"
        )
        long["segment"] = long["segment"].astype(str)
        below = [
            cuts.get((q, g)) is not None and h <= cuts[(q, g)]
            for q, g, h in zip(long.quota, long.segment, long.h, strict=True)
        ]
        long = long.loc[np.array(below, dtype=bool)]
        sizes = long.groupby(["quota", "segment"]).size()
        for key in widen:
            seen[key] = int(sizes.get(key, 0))
        widen = {
            key: widen[key] * 2
            for key in widen
            if cuts[key] < hi and seen[key] < min(per_segment, eligible[key])
        }
    if not parts:
        return pd.DataFrame(columns=out_cols)
    rows = pd.concat(parts, ignore_index=True).drop_duplicates("client")
    long = rows.melt(
        id_vars=["client", "h"], value_vars=cols, var_name="quota", value_name="segment"
    )
    long["segment"] = long["segment"].astype(str)
    ranked = long.sort_values(["quota", "segment", "h", "client"], kind="stable")
    picked = set(ranked.groupby(["quota", "segment"], sort=False).head(per_segment)["client"])
    chosen = rows[rows["client"].isin(picked)].sort_values(["h", "client"], kind="stable")
    return chosen.head(limit)[out_cols].reset_index(drop=True)


def greedy_cover(
    codes: np.ndarray, demand: np.ndarray, *, priority: np.ndarray | None = None
) -> list[int]:
    """Greedy (multi)set cover: rows chosen until no row meets any remaining demand.

    Parameters
    ----------
    codes
        ``(n, q)`` segment indexes per row (``-1`` = none); a row covers the segments it lists.
    demand
        ``(m,)`` respondents still needed per segment.
    priority
        ``(n,)`` tie-breaker: among rows of equal gain the highest priority wins, then the
        first row.

    Returns
    -------
    list of int
        Chosen rows in the order chosen. Every segment that some row lists ends with its
        demand met or with every row listing it chosen. Greedy is within ``H(d)`` of the
        fewest rows, ``d`` the most segments one row lists (Johnson 1974, Lovász 1975,
        Chvátal 1979; for demands above one, Dobson 1982).
    """
    need = np.asarray(demand, dtype=np.int64).copy()
    valid = codes >= 0
    safe = np.where(valid, codes, 0)
    active = np.arange(codes.shape[0])
    tie = np.zeros(codes.shape[0]) if priority is None else np.asarray(priority, dtype=float)
    # Gains only fall, so a row with no gain never comes back: drop it from the active set.
    span = float(np.ptp(tie)) + 1.0 if tie.size else 1.0
    picks: list[int] = []
    while active.size:
        gain = (valid[active] & (need[safe[active]] > 0)).sum(axis=1)
        keep = gain > 0
        active, gain = active[keep], gain[keep]
        if not active.size:
            break
        score = gain + (tie[active] - tie.min()) / (span + 1.0)
        best = int(np.argmax(score))
        row = int(active[best])
        picks.append(row)
        need[codes[row][valid[row]]] -= 1
        active = np.delete(active, best)
    return picks


def recruit_respondents(
    pool: CandidatePool,
    *,
    per_segment: int = 1,
    max_interviews_per_person: int = 1,
    required: Mapping[str, str] | None = None,
) -> Recruitment:
    """Choose a small set of respondents so every segment has ``per_segment`` of them (M-8).

    Parameters
    ----------
    pool
        Candidates (:func:`draw_candidates` or :func:`candidate_pool`).
    per_segment
        Respondents needed per segment (quota).
    max_interviews_per_person
        A person who already had this many interviews is not chosen
        (``ResearchPlan.max_interviews_per_person``); people who opted out never are.
    required
        Segments that must be covered, ``{key: label}``; conjunctions ``a=x&b=y`` are allowed
        (e.g. a never-applying group). Default: every segment found in the data.

    Returns
    -------
    Recruitment
        The chosen people with the quotas each meets, the segments left uncovered with the
        reason (listed, never dropped), and the guarantee: greedy is within ``H(d) ≤ ln d + 1``
        of the optimum, ``d`` the number of quotas one person can meet; a lower bound on the
        optimum is the largest number of segments one quota column must cover.
    """
    if per_segment < 1:
        raise InputError(f"per_segment={per_segment}: нужен хотя бы 1 респондент на сегмент.")
    if max_interviews_per_person < 1:
        raise InputError(
            f"max_interviews_per_person={max_interviews_per_person}: предел должен быть ≥ 1."
        )
    m = len(pool.segments)
    over = ~pool.opted_out & (pool.previous >= max_interviews_per_person)
    rows = np.flatnonzero(~pool.opted_out & ~over)
    index = {key: i for i, key in enumerate(pool.segments)}
    required = dict(required or {})
    wanted = list(required) or list(pool.in_data) or list(pool.segments)

    def members(key: str) -> np.ndarray:
        """Rows of the pool (all of them) that belong to every part of ``key``."""
        mask = np.ones(pool.codes.shape[0], dtype=bool)
        for part in key.split("&"):
            i = index.get(part)
            if i is None:
                return np.zeros_like(mask)
            mask &= (pool.codes == i).any(axis=1)
        return mask

    eligible_mask = np.zeros(pool.codes.shape[0], dtype=bool)
    eligible_mask[rows] = True
    demand = np.zeros(m, dtype=np.int64)
    for key in wanted:
        if "&" not in key and key in index:
            demand[index[key]] = per_segment
    picks = greedy_cover(pool.codes[rows], demand, priority=-pool.previous[rows])
    chosen = [int(rows[p]) for p in picks]
    in_chosen = np.zeros(pool.codes.shape[0], dtype=bool)
    in_chosen[chosen] = True
    # Conjunctions (pairs, never-applying groups): add people who match every part.
    for key in (k for k in wanted if "&" in k):
        mask = members(key)
        short = per_segment - int((mask & in_chosen).sum())
        extra = np.flatnonzero(mask & eligible_mask & ~in_chosen)[: max(0, short)]
        chosen.extend(int(r) for r in extra)
        in_chosen[extra] = True

    uncovered = []
    for key in wanted:
        mask = members(key)
        got = int((mask & in_chosen).sum())
        if got >= per_segment:
            continue
        label = required.get(key) or pool.labels.get(key) or key
        in_data = pool.in_data.get(key, int(mask.sum()))
        eligible = pool.eligible.get(key, int((mask & eligible_mask).sum()))
        if in_data == 0:
            reason = (
                "в данных нет ни одного человека из этого сегмента: ищите респондентов среди "
                "добровольцев, через органы соцзащиты или местную администрацию"
            )
        elif eligible == 0:
            reason = (
                f"все {in_data} человек сегмента отказались от участия или уже прошли "
                f"{max_interviews_per_person} интервью (предел на человека)"
            )
        else:
            reason = f"нашлось только {got} из {per_segment} нужных респондентов"
        uncovered.append(UncoveredSegment(key=key, label=label, reason=reason, available=got))

    eligible_codes = pool.codes[rows]
    d = int((eligible_codes >= 0).sum(axis=1).max()) if rows.size else 0
    available = np.zeros(m, dtype=np.int64)
    for j in range(eligible_codes.shape[1]):
        col = eligible_codes[:, j]
        np.add.at(available, col[col >= 0], 1)
    lower = 0
    for j in range(eligible_codes.shape[1]):
        in_col = np.unique(eligible_codes[:, j])
        in_col = in_col[in_col >= 0]
        lower = max(lower, int(np.minimum(demand[in_col], available[in_col]).sum()))
    factor = harmonic(max(d, 1))
    respondents = [
        RecruitedRespondent(
            respondent_id=str(pool.ids[r]),
            segments=[pool.segments[i] for i in pool.codes[r] if i >= 0],
            labels=[
                pool.labels.get(pool.segments[i], pool.segments[i]) for i in pool.codes[r] if i >= 0
            ],
            previous_interviews=int(pool.previous[r]),
        )
        for r in chosen
    ]
    n = len(respondents)
    opted = pool.excluded_opt_out + int(pool.opted_out.sum())
    limited = pool.excluded_limit + int(over.sum())
    ratio = f"{n / lower:.2f}".replace(".", ",") if lower else "—"
    explanation = (
        f"Подобрано респондентов: {n}; покрыто сегментов: {len(wanted) - len(uncovered)} из "
        f"{len(wanted)} (по {per_segment} на сегмент). Жадный алгоритм покрытия множеств: на "
        "каждом шаге выбирается человек, закрывающий больше всего ещё не закрытых квот. "
        f"Гарантия: список не более чем в H({d}) = {factor:.2f} ≤ ln {d} + 1 раз длиннее "
        f"оптимального ({d} — сколько квот может закрыть один человек). Нижняя граница "
        f"оптимума — {lower} (столько респондентов нужно сегментам одного признака, и один "
        f"человек закрывает в признаке только одну квоту), так что список длиннее "
        f"оптимального не более чем в {ratio} раза. Исключены: отказались от участия — "
        f"{opted}, достигли предела интервью ({max_interviews_per_person}) — {limited}."
    ).replace(f"{factor:.2f}", f"{factor:.2f}".replace(".", ","))
    return Recruitment(
        respondents=respondents,
        uncovered=uncovered,
        segments_total=len(wanted),
        segments_covered=len(wanted) - len(uncovered),
        per_segment=per_segment,
        candidates=int(pool.codes.shape[0]),
        excluded_opt_out=opted,
        excluded_limit=limited,
        lower_bound=lower,
        bound_factor=factor,
        explanation=explanation,
    )


def recruitment_frame(recruitment: Recruitment) -> pd.DataFrame:
    """The recruitment as a table to export (CSV / XLSX): one row per respondent."""
    return pd.DataFrame(
        {
            "Респондент": [r.respondent_id for r in recruitment.respondents],
            "Квоты (сегменты)": ["; ".join(r.labels) for r in recruitment.respondents],
            "Ключи сегментов": ["; ".join(r.segments) for r in recruitment.respondents],
            "Прошёл интервью ранее": [r.previous_interviews for r in recruitment.respondents],
        }
    )


# --- M-8: interview guide drafts ----------------------------------------------------------------

_OPENERS = (
    "расскажите",
    "опишите",
    "вспомните",
    "как",
    "что",
    "чем",
    "почему",
    "зачем",
    "где",
    "когда",
    "откуда",
    "куда",
    "какие",
    "какой",
    "какая",
    "какое",
    "каким",
    "сколько",
    "кто",
    "кому",
    "с кем",
)
_LEADING = re.compile(
    r"не\s+правда\s+ли|правда\s+ли|не\s+так\s+ли|\bведь\b|\bразве\b|согласитесь|"
    r"\bнаверняка\b|\bнаверное\b|\bконечно\b|\bне\s+кажется\s+ли\b",
    re.IGNORECASE,
)
_PARTICLE_LI = re.compile(r"\bли\b", re.IGNORECASE)


def question_problems(text: str) -> list[str]:
    """Why a guide question is leading or closed (empty list: the question is fine).

    Checks for suggestive words («не правда ли», «ведь», «разве», «наверняка»…), the yes/no
    particle «ли», and an opening that invites a story («Расскажите…», «Как…», «Что…»).
    """
    problems: list[str] = []
    clean = text.strip()
    if _LEADING.search(clean):
        problems.append("наводящий вопрос: подсказывает ожидаемый ответ")
    if _PARTICLE_LI.search(clean):
        problems.append("закрытый вопрос с частицей «ли»: на него отвечают «да» или «нет»")
    lower = clean.lower()
    if not lower.startswith(_OPENERS):
        problems.append(
            "вопрос не приглашает к рассказу: начните с «Расскажите…», «Как…», «Что…», «Почему…»"
        )
    return problems


# Probes by what a hypothesis is about (stems in its statement) — open and neutral.
_TOPIC_PROBES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"документ|справк|сведени|копи", re.IGNORECASE),
        "Какие документы и сведения вам понадобились? Расскажите, как вы их собирали.",
    ),
    (
        re.compile(r"срок|ждут|ждать|дольше|долго|задерж|ожидан", re.IGNORECASE),
        "Сколько времени прошло от подачи до результата? Как вы узнавали, что происходит "
        "с заявлением?",
    ),
    (
        re.compile(r"отказ", re.IGNORECASE),
        "Что было, когда пришло решение? Как вы поняли, на чём оно основано?",
    ),
    (
        re.compile(r"госуслуг|епгу|портал|онлайн|интернет|дистанцион", re.IGNORECASE),
        "Какими способами можно было подать заявление? Как вы выбирали, каким воспользоваться?",
    ),
    (
        re.compile(r"мфц|очеред|поездк|ехать|едут|добира|клиентск", re.IGNORECASE),
        "Расскажите, где и как вы подавали заявление и сколько времени это заняло.",
    ),
    (
        re.compile(r"зна|информ|уведомл|праве|право", re.IGNORECASE),
        "Откуда вы обычно узнаёте о выплатах и услугах, которые вам положены?",
    ),
    (
        re.compile(r"форм|заполн|ввод|вводят", re.IGNORECASE),
        "Расскажите, как вы заполняли заявление. Что было понятно сразу, а в чём пришлось "
        "разбираться?",
    ),
)

_AIDAS_PROBES: dict[AidasStage, str] = {
    AidasStage.attention: "Расскажите, как вы впервые услышали об этой услуге.",
    AidasStage.interest: "Как вы разбирались в условиях получения услуги? Что вам помогало?",
    AidasStage.desire: "Каким был бы для вас самый удобный способ получить эту услугу?",
    AidasStage.action: "Расскажите по шагам, как вы действовали на этом этапе.",
    AidasStage.satisfaction: "Как вы узнали о результате? Что вы сделали после этого?",
}

_INTRO = (
    "Расскажите, пожалуйста, немного о себе и своей семье.",
    "Расскажите, как у вас возникла необходимость в этой услуге.",
)
_CLOSING = (
    "Что бы вы изменили в том, как устроена эта услуга, если бы могли?",
    "Что ещё важно рассказать о вашем опыте, о чём мы не спросили?",
)


def _applies(hyp: Hypothesis, key: str) -> bool:
    """A hypothesis concerns a segment: named in it, a part of it, or about everyone."""
    if not hyp.segments:
        return True
    if key in hyp.segments:
        return True
    parts = {f"{f}={c}" for f, c in _parts(key)}
    for seg in hyp.segments:
        seg_parts = {f"{f}={c}" for f, c in _parts(seg)}
        if seg_parts and (seg_parts <= parts or parts <= seg_parts):
            return True
    return False


def interview_guide(
    study: Study,
    segment: str,
    *,
    label: str | None = None,
    hypotheses: Sequence[Hypothesis] | None = None,
) -> InterviewGuide:
    """A draft in-depth interview guide for one segment from its hypotheses (M-8).

    Questions are open and non-leading: they invite a story («Расскажите…», «Как…»,
    «Что…») and never state the hypothesis; what the interviewer listens for is kept in a
    note beside each question, not read aloud. Sections follow the steps of the current
    journey; hypotheses without a step go to «Общие вопросы».

    Parameters
    ----------
    study
        Hypotheses (all but refuted ones that concern the segment, or everyone) and journeys.
    segment
        Segment key (``feature=code``, ``a=x&b=y`` or ``cluster=N``).
    label
        Readable name; default from the study's features.
    hypotheses
        Use these instead of the study's.
    """
    pool = list(hypotheses) if hypotheses is not None else list(study.hypotheses)
    chosen = [h for h in pool if h.status is not HypothesisStatus.refuted and _applies(h, segment)]
    steps: dict[str, tuple[int, str]] = {}
    current = [j for j in study.journeys if j.kind is JourneyKind.current]
    order = 0
    for journey in current:
        for step in journey.steps:
            steps[f"{journey.id}.{step.id}"] = (order, step.title)
            order += 1
    sections: dict[str | None, list[GuideQuestion]] = {}

    def ask(ref: str | None, text: str, hyp: Hypothesis | None) -> None:
        questions = sections.setdefault(ref, [])
        for q in questions:
            if q.text == text:
                if hyp is not None and hyp.id not in q.hypotheses:
                    q.hypotheses.append(hyp.id)
                    q.note = f"{q.note} {_note(hyp)}".strip()
                return
        questions.append(
            GuideQuestion(
                text=text,
                hypotheses=[hyp.id] if hyp is not None else [],
                note=_note(hyp) if hyp is not None else "",
            )
        )

    for hyp in chosen:
        ref = hyp.journey_step if hyp.journey_step in steps else None
        if ref is not None:
            ask(ref, f"Расскажите, как у вас проходил этап «{steps[ref][1]}».", None)
        for pattern, probe in _TOPIC_PROBES:
            if pattern.search(hyp.statement):
                ask(ref, probe, hyp)
                break
        else:
            if hyp.aidas_stage is not None:
                ask(ref, _AIDAS_PROBES[hyp.aidas_stage], hyp)
        if hyp.kind is HypothesisKind.problem:
            ask(ref, "Что на этом этапе получилось легко, а что — с трудом? Почему?", hyp)
        else:
            ask(ref, "Что для вас важно на этом этапе? Почему именно это?", hyp)

    ordered: list[GuideSection] = [
        GuideSection(
            title="Знакомство",
            questions=[GuideQuestion(text=t) for t in _INTRO],
        )
    ]
    for ref in sorted((r for r in sections if r is not None), key=lambda r: steps[r][0]):
        ordered.append(GuideSection(journey_step=ref, title=steps[ref][1], questions=sections[ref]))
    if None in sections:
        general = [q for q in sections[None] if not q.text.startswith("Что на этом этапе")]
        general += [
            GuideQuestion(text=q.text.replace("на этом этапе", "в этой истории"), **_rest(q))
            for q in sections[None]
            if q.text.startswith("Что на этом этапе")
        ]
        ordered.append(GuideSection(title="Общие вопросы", questions=general))
    ordered.append(
        GuideSection(title="Завершение", questions=[GuideQuestion(text=t) for t in _CLOSING])
    )
    warnings = []
    if not chosen:
        warnings.append(
            "Для сегмента нет гипотез: руководство содержит только общие вопросы. Добавьте "
            "гипотезы о потребностях и проблемах сегмента."
        )
    for section in ordered:
        for q in section.questions:
            for problem in question_problems(q.text):
                warnings.append(f"Вопрос «{q.text}»: {problem}.")
    return InterviewGuide(
        segment=segment,
        label=label or _study_label(study, segment),
        hypotheses=[h.id for h in chosen],
        sections=ordered,
        warnings=warnings,
    )


def _note(hyp: Hypothesis) -> str:
    return f"[{hyp.id}] {hyp.statement}"


def _rest(q: GuideQuestion) -> dict[str, Any]:
    return {"hypotheses": q.hypotheses, "note": q.note}


def interview_guides(
    study: Study, segments: Mapping[str, str] | Sequence[str] | None = None
) -> list[InterviewGuide]:
    """Guides for several segments (default: every segment named by a hypothesis)."""
    if segments is None:
        keys = list(dict.fromkeys(k for h in study.hypotheses for k in h.segments))
        labels: Mapping[str, str] = {}
    elif isinstance(segments, Mapping):
        keys, labels = list(segments), segments
    else:
        keys, labels = list(segments), {}
    return [interview_guide(study, key, label=labels.get(key)) for key in keys]


# --- M-9: survey answers → verdicts ---------------------------------------------------------------


@dataclass(frozen=True)
class QuestionLink:
    """A survey question mapped to a hypothesis (M-9).

    Parameters
    ----------
    question
        The survey column: yes/no (bool, 0/1, «да»/«нет») or an agreement scale with
        ``agree_from``.
    hypothesis
        The hypothesis id.
    support
        Which answer supports the hypothesis: ``"yes"`` (the share answering yes) or ``"no"``
        (e.g. «did you know about the portal?» for a hypothesis that a segment does not know).
    segments
        Segments tested; default the hypothesis's segments (everyone when it has none).
    among
        Only respondents in these segments form the base, e.g. ``("channel=mfc",
        "channel=office")``: keys of one feature are alternatives, of different features all
        required.
    threshold
        Share of supporting answers from which the problem is counted as the segment's; default
        :attr:`VerdictRules.threshold`.
    agree_from
        For a numeric scale: answers at or above this value count as «yes».
    """

    question: str
    hypothesis: str
    support: Literal["yes", "no"] = "yes"
    segments: tuple[str, ...] | None = None
    among: tuple[str, ...] = ()
    threshold: float | None = None
    agree_from: float | None = None


@dataclass(frozen=True)
class VerdictRules:
    """The explicit rules of a verdict for one question × segment (shown to users in Russian).

    - **confirmed**: at least ``min_answers`` answers, the share of supporting answers is at
      least ``threshold``, and it is higher than in the rest of the answers with a
      Benjamini–Hochberg-adjusted p below ``alpha`` (for a hypothesis about everyone, with no
      rest to compare: the lower end of the interval is at least ``threshold``);
    - **refuted**: at least ``min_answers`` answers and the whole interval lies below
      ``threshold``;
    - otherwise **not enough data**, with the reason.

    A hypothesis is confirmed when it is confirmed for at least one of its segments (the
    reason names the others), refuted when it is refuted for every segment tested, and has
    not enough data otherwise.
    """

    threshold: float = 0.5
    alpha: float = 0.05
    min_answers: int = 10
    confidence: float = 0.95


def verdict_rules_text(rules: VerdictRules | None = None) -> list[str]:
    """The verdict rules in Russian, as the web and the report show them."""
    r = rules or VerdictRules()
    conf = _pct(r.confidence)
    return [
        f"«Подтверждена» для сегмента: не меньше {r.min_answers} ответов, доля ответов в "
        f"пользу гипотезы не ниже порога {_pct(r.threshold)} и выше, чем у остальных "
        f"респондентов, а разница значима: p с поправкой Бенджамини — Хохберга меньше "
        f"{str(r.alpha).replace('.', ',')} (хи-квадрат Пирсона; точный тест Фишера, если "
        "ожидаемое число ответов в какой-либо клетке меньше 5).",
        f"Если гипотеза касается всех клиентов (сравнивать не с кем): нижняя граница "
        f"{conf}-го интервала Уилсона не ниже порога {_pct(r.threshold)}.",
        f"«Опровергнута» для сегмента: не меньше {r.min_answers} ответов и весь "
        f"{conf}-й интервал Уилсона ниже порога {_pct(r.threshold)}.",
        "Иначе — «недостаточно данных», с указанием, какого условия не хватило.",
        "Гипотеза подтверждена, если подтверждена хотя бы для одного своего сегмента; "
        "опровергнута, если опровергнута для всех проверенных сегментов; иначе — "
        "недостаточно данных.",
        "Поправка Бенджамини — Хохберга применяется ко всем проверкам опроса сразу.",
    ]


def segment_verdict(test: SurveyTest, rules: VerdictRules) -> tuple[HypothesisStatus, str]:
    """The verdict for one question × segment by :class:`VerdictRules`, with its reason."""
    threshold = rules.threshold
    if known(test.n) < rules.min_answers or test.share is None or test.interval is None:
        return (
            HypothesisStatus.not_enough_data,
            f"мало ответов: {test.n} при минимуме {rules.min_answers}",
        )
    share, low, high = test.share, test.interval.low, test.interval.high
    described = f"доля {_pct(share)} (интервал {_pct(low)}–{_pct(high)}, ответов {test.n})"
    if high < threshold:
        return (
            HypothesisStatus.refuted,
            f"{described}: весь интервал ниже порога {_pct(threshold)}",
        )
    if test.p_adjusted is None or test.rest_share is None:
        if low >= threshold:
            return (
                HypothesisStatus.confirmed,
                f"{described}: весь интервал не ниже порога {_pct(threshold)}",
            )
        return (
            HypothesisStatus.not_enough_data,
            f"{described}: интервал захватывает порог {_pct(threshold)}",
        )
    p_text = f"p с поправкой {_p(test.p_adjusted)}"
    versus = f"у остальных {_pct(test.rest_share)}"
    if share < threshold:
        return (
            HypothesisStatus.not_enough_data,
            f"{described} ниже порога {_pct(threshold)}, но интервал его захватывает; {versus}",
        )
    if share <= test.rest_share:
        return (
            HypothesisStatus.not_enough_data,
            f"{described} не выше, чем {versus}: проблема не отличает сегмент от остальных",
        )
    if test.p_adjusted >= rules.alpha:
        return (
            HypothesisStatus.not_enough_data,
            f"{described} выше, чем {versus}, но разница незначима ({p_text})",
        )
    return (
        HypothesisStatus.confirmed,
        f"{described} не ниже порога {_pct(threshold)} и значимо выше, чем {versus} ({p_text})",
    )


def _p(value: float) -> str:
    """``"= 0,042"`` or ``"< 0,001"``: ready to follow «p»."""
    if value < 0.001:
        return "< 0,001"
    return "= " + f"{value:.3f}".replace(".", ",")


@dataclass
class LinkedSurvey:
    """Survey answers with one column of segment codes per feature (``seg__<feature id>``)."""

    table: ir.Table
    columns: dict[str, str]  # feature or quota id → column of codes
    respondents: int
    matched: int
    warnings: list[str] = field(default_factory=list)
    #: How answers found their segments: ``id`` (the client's pseudonym), ``features`` (the
    #: survey's own feature columns) or ``frame`` (given already joined).
    joined_by: str = "id"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: Mapping[str, str]) -> LinkedSurvey:
        """Answers already joined to segment codes (a small table in memory)."""
        renamed = frame.rename(columns={col: f"seg__{fid}" for fid, col in columns.items()})
        for fid in columns:
            renamed[f"seg__{fid}"] = renamed[f"seg__{fid}"].astype("string").fillna(MISSING_CODE)
        return cls(
            table=ibis.memtable(renamed),
            columns={fid: f"seg__{fid}" for fid in columns},
            respondents=len(frame),
            matched=len(frame),
            joined_by="frame",
        )


def link_survey(
    study: Study,
    records: TableLike,
    survey: TableLike,
    *,
    survey_id: str | None,
    records_id: str | None,
    edges: dict[str, list[float]] | None = None,
    extra_columns: Mapping[str, str] | None = None,
    fallback_to_features: bool = False,
) -> LinkedSurvey:
    """Join survey answers to the segments of the client records, in the engine (M-9).

    By the pseudonymised id when both tables have one (the same salted pseudonym), otherwise
    by the feature columns present in the survey itself.

    Parameters
    ----------
    study
        Segmented features.
    records, survey
        Opened tables.
    survey_id, records_id
        Identifier columns; ``None`` to join by features.
    edges
        Numeric cut points of the profile, so segments match the profile's.
    extra_columns
        More code columns of the records (e.g. ``{"cluster": "cluster"}``).
    fallback_to_features
        When no answer matches a client by id but the survey has feature columns, link by
        them instead (with a warning saying so) rather than fail.

    Raises
    ------
    InputError
        No answer matches a client (how many matched, and how to join by features instead),
        or neither an id nor any feature column is available.
    """
    features = study.segmented_features()
    st = survey.table
    n_answers = int(execute(st.count()))
    extra_codes = {
        f"seg__{name}": records.table[col].cast("string").fill_null(MISSING_CODE)
        for name, col in (extra_columns or {}).items()
    }
    if survey_id is not None and records_id is not None:
        if survey_id not in st.columns:
            raise InputError(
                f"В опросе нет столбца идентификатора «{survey_id}».",
                hint="укажите id_column опроса или свяжите ответы по признакам.",
            )
        coded = code_table(
            study,
            features,
            records.table,
            edges=edges,
            id_column=records_id,
            with_satisfaction=False,
            extra=extra_codes,
        )
        names = {fid: f"seg__{fid}" for fid in coded.columns}
        t = coded.table.rename({names[fid]: col for fid, col in coded.columns.items()})
        code_cols = [*names.values(), *extra_codes]
        per_client = t.group_by("client").aggregate(**{c: t[c].first() for c in code_cols})
        linked = st.join(per_client, st[survey_id] == per_client.client)
        columns = {fid: f"seg__{fid}" for fid in coded.columns}
        columns |= {name: f"seg__{name}" for name in (extra_columns or {})}
        matched = int(execute(linked.count()))
        own_features = [f for f in features if f.column in st.columns]
        if matched == 0 and fallback_to_features and own_features:
            by_features = _link_by_features(study, own_features, st, edges, n_answers)
            by_features.warnings.append(
                f"Ни один из {n_answers} ответов опроса не связан с данными о клиентах по "
                f"идентификатору «{survey_id}» (совпало 0): ответы связаны с сегментами по "
                "столбцам признаков в самом опросе ("
                + ", ".join(f.column for f in own_features)
                + ")."
            )
            return by_features
        if matched == 0:
            own = [f.column for f in own_features]
            how = (
                f"в опросе есть столбцы признаков ({', '.join(own)}): свяжите ответы по ним, "
                "не указывая идентификатор"
                if own
                else "добавьте в опрос столбцы признаков (например, способ подачи, тип "
                "населённого пункта) и свяжите ответы по ним"
            )
            raise InputError(
                f"Ни один из {n_answers} ответов опроса не связан с данными о клиентах по "
                f"идентификатору «{survey_id}» (совпало 0).",
                hint="проверьте, что идентификаторы опроса псевдонимизированы тем же ключом, "
                f"что и данные о клиентах, или {how}.",
            )
        warnings = []
        if matched < n_answers:
            warnings.append(
                f"С данными о клиентах связано {matched} из {n_answers} ответов опроса; "
                "остальные не учтены в разрезе сегментов."
            )
        return LinkedSurvey(linked, columns, n_answers, matched, warnings)
    own_features = [f for f in features if f.column in st.columns]
    if not own_features:
        raise InputError(
            "Опрос нельзя связать с сегментами: нет ни идентификатора клиента, ни столбцов "
            "признаков.",
            hint="укажите id_column опроса (тот же псевдоним, что в данных о клиентах) или "
            "добавьте в опрос столбцы признаков.",
        )
    return _link_by_features(study, own_features, st, edges, n_answers)


def _link_by_features(
    study: Study,
    own_features: list[Feature],
    st: ir.Table,
    edges: dict[str, list[float]] | None,
    n_answers: int,
) -> LinkedSurvey:
    """Segment codes from the feature columns of the survey itself."""
    coded = code_table(
        study,
        own_features,
        st,
        edges=edges,
        with_satisfaction=False,
        extra={c: st[c] for c in st.columns},
    )
    linked = coded.table.rename({f"seg__{fid}": col for fid, col in coded.columns.items()})
    columns = {fid: f"seg__{fid}" for fid in coded.columns}
    warnings = []
    missing = [f.label for f in study.segmented_features() if f.id not in coded.columns]
    if missing:
        warnings.append(
            "Ответы связаны с сегментами по столбцам признаков опроса; признаков "
            + ", ".join(f"«{m}»" for m in missing)
            + " в опросе нет — их сегменты не проверяются."
        )
    return LinkedSurvey(linked, columns, n_answers, n_answers, warnings, joined_by="features")


def _member(linked: LinkedSurvey, key: str) -> ir.BooleanValue | None:
    """Rows of the segment ``key`` (all parts); ``None`` when a feature is not linked."""
    cond: ir.BooleanValue | None = None
    for fid, code in _parts(key):
        col = linked.columns.get(fid)
        if col is None:
            return None
        part = linked.table[col] == code
        cond = part if cond is None else cond & part
    return cond


def _among(linked: LinkedSurvey, keys: Sequence[str]) -> ir.BooleanValue | None:
    by_feature: dict[str, list[str]] = {}
    for key in keys:
        for fid, code in _parts(key):
            by_feature.setdefault(fid, []).append(code)
    cond: ir.BooleanValue | None = None
    for fid, codes in by_feature.items():
        col = linked.columns.get(fid)
        if col is None:
            raise InputError(
                f"Условие отбора респондентов ссылается на признак «{fid}», которого нет в "
                "связанных ответах.",
                hint="проверьте ключи сегментов в поле among.",
            )
        part = linked.table[col].isin(codes)
        cond = part if cond is None else cond & part
    return cond


#: The survey file's row numbers (as a spreadsheet shows them), when the answers came from a
#: file: errors name example rows instead of quoting answers.
ROW_COLUMN = "__row"


def _example_rows(t: ir.Table, wrong: ir.BooleanValue, n: int = 3) -> str:
    """« (строки 4, 9, 12)» — the first rows of the file where ``wrong`` holds, if known."""
    if ROW_COLUMN not in t.columns:
        return ""
    frame = execute(t.filter(wrong).select(r=t[ROW_COLUMN]).order_by("r").limit(n))
    rows = [str(int(r)) for r in frame["r"]]
    if not rows:
        return ""
    word = "строка" if len(rows) == 1 else "строки"
    return f"; например, {word} файла {', '.join(rows)}"


def _answers(linked: LinkedSurvey, link: QuestionLink) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """``(answered, supports)`` expressions of a question; checks the answers are yes/no."""
    t = linked.table
    if link.question not in t.columns:
        raise InputError(
            f"В опросе нет вопроса (столбца) «{link.question}» для гипотезы «{link.hypothesis}».",
            hint="исправьте имя столбца в сопоставлении вопросов и гипотез.",
        )
    col = t[link.question]
    dtype = col.type()
    if dtype.is_boolean():
        answered, yes = col.notnull(), col.fill_null(False)
    elif dtype.is_numeric():
        if link.agree_from is not None:
            answered, yes = col.notnull(), (col >= link.agree_from).fill_null(False)
        else:
            wrong = col.notnull() & ~col.isin([0, 1])
            bad = int(execute(wrong.cast("int64").sum()) or 0)
            if bad:
                raise InputError(
                    f"Вопрос «{link.question}»: {bad} ответов — не 0/1, а шкала"
                    f"{_example_rows(t, wrong)}.",
                    hint="укажите agree_from — с какого балла ответ считается согласием.",
                )
            answered, yes = col.notnull(), (col == 1).fill_null(False)
    elif dtype.is_string():
        norm = col.strip().lower()
        known = norm.isin(sorted(YES_WORDS | NO_WORDS))
        wrong = col.notnull() & (norm != "") & ~known
        bad = int(execute(wrong.cast("int64").sum()) or 0)
        if bad:
            raise InputError(
                f"Вопрос «{link.question}»: {bad} ответов — свободный текст, а ожидались "
                f"«да» / «нет» или шкала согласия{_example_rows(t, wrong)}.",
                hint="выберите закрытый вопрос или приведите ответы к «да» / «нет»; открытые "
                "ответы анализируйте как тексты (темы).",
            )
        answered = known.fill_null(False)
        yes = norm.isin(sorted(YES_WORDS)).fill_null(False)
    else:
        raise InputError(
            f"Вопрос «{link.question}» имеет тип {dtype}: ожидались «да» / «нет» или шкала.",
            hint="выберите другой столбец опроса.",
        )
    supports = yes if link.support == "yes" else (answered & ~yes)
    return answered, supports


def analyse_survey(
    study: Study,
    linked: LinkedSurvey,
    links: Sequence[QuestionLink],
    *,
    rules: VerdictRules | None = None,
    universe: Mapping[str, str] | None = None,
    source: str = "опрос",
) -> SurveyAnalysis:
    """Check hypotheses against survey answers: shares, tests, BH, verdicts, coverage (M-9).

    Parameters
    ----------
    study
        Hypotheses (by id) and their segments.
    linked
        Answers with segment codes (:func:`link_survey` or :meth:`LinkedSurvey.from_frame`).
    links
        Questions mapped to hypotheses.
    rules
        Verdict rules; the confidence defaults to ``study.research.confidence``.
    universe
        Segments that should have respondents, ``{key: label}`` (e.g.
        :func:`~segprofile.analysis.hypotheses.known_segments`); those with none are listed.
    source
        Name of the survey in evidence texts.

    Returns
    -------
    SurveyAnalysis
        One :class:`~segprofile.model.results.SurveyTest` per question × segment, a
        :class:`~segprofile.model.results.HypothesisVerdict` per hypothesis (status, reason,
        evidence to store in ``Hypothesis.evidence`` / ``verdict_reason``), the segments without
        respondents and the rules in Russian.
    """
    rules = rules or VerdictRules(confidence=study.research.confidence)
    by_id = {h.id: h for h in study.hypotheses}
    warnings = list(linked.warnings)
    tests: list[SurveyTest] = []
    t = linked.table
    for link in links:
        hyp = by_id.get(link.hypothesis)
        if hyp is None:
            raise InputError(
                f"Вопрос «{link.question}» сопоставлен с гипотезой «{link.hypothesis}», "
                "которой нет в исследовании.",
                hint="выберите существующую гипотезу или удалите сопоставление.",
            )
        answered, supports = _answers(linked, link)
        base = _among(linked, link.among)
        if base is not None:
            answered, supports = answered & base, supports & base
        keys = list(link.segments if link.segments is not None else hyp.segments) or [""]
        aggs: dict[str, Any] = {
            "n_all": answered.cast("int64").sum(),
            "yes_all": supports.cast("int64").sum(),
        }
        members: dict[str, ir.BooleanValue | None] = {}
        for i, key in enumerate(keys):
            if not key:
                continue
            members[key] = _member(linked, key)
            member = members[key]
            if member is not None:
                aggs[f"n_{i}"] = (answered & member).cast("int64").sum()
                aggs[f"yes_{i}"] = (supports & member).cast("int64").sum()
        row = execute(t.aggregate(**aggs)).to_dict("records")[0]
        n_all, yes_all = int(row["n_all"] or 0), int(row["yes_all"] or 0)
        for i, key in enumerate(keys):
            label = (universe or {}).get(key) or (_study_label(study, key) if key else "Все")
            common: dict[str, Any] = {
                "hypothesis": hyp.id,
                "question": link.question,
                "segment": key,
                "label": label,
                "support": link.support,
            }
            if key and members.get(key) is None:
                tests.append(
                    SurveyTest(
                        **common,
                        n=0,
                        yes=0,
                        reason=f"сегмент «{key}» не найден в связанных ответах: признак удалён "
                        "или не связан с опросом (гипотеза сохранена, проверьте её сегменты)",
                    )
                )
                continue
            n = int(row[f"n_{i}"] or 0) if key else n_all
            yes = int(row[f"yes_{i}"] or 0) if key else yes_all
            test = SurveyTest(**common, n=n, yes=yes)
            if n > 0:
                low, high = wilson_interval(yes, n, rules.confidence)
                test.share, test.interval = yes / n, Interval(low=low, high=high)
            rest_n, rest_yes = n_all - n, yes_all - yes
            if key and n > 0 and rest_n > 0:
                name, statistic, p = compare_shares(yes, n, rest_yes, rest_n)
                test.rest_n, test.rest_yes, test.rest_share = rest_n, rest_yes, rest_yes / rest_n
                test.test, test.statistic, test.p_value = name, statistic, p
            tests.append(test)
    tested = [i for i, x in enumerate(tests) if x.p_value is not None]
    adjusted = benjamini_hochberg([tests[i].p_value or 0.0 for i in tested])
    for i, p_adj in zip(tested, adjusted, strict=True):
        tests[i].p_adjusted = p_adj
    thresholds = {(ln.hypothesis, ln.question): ln.threshold for ln in links}
    for x in tests:
        if x.reason:  # an orphaned segment: already explained
            continue
        own = thresholds.get((x.hypothesis, x.question))
        r = (
            rules
            if own is None
            else VerdictRules(own, rules.alpha, rules.min_answers, rules.confidence)
        )
        x.status, x.reason = segment_verdict(x, r)
    # Verdicts and evidence are written into the study and shown everywhere: they are built
    # from the tests as they may be shown (no figure of fewer than min_cell answers).
    tests = protect_survey_tests(tests, study.segmentation.min_cell)
    verdicts = [
        _hypothesis_verdict(
            h, [x for x in tests if x.hypothesis == h], source, study.segmentation.min_cell
        )
        for h in dict.fromkeys(x.hypothesis for x in tests)
    ]
    missing = _missing_segments(linked, universe or {})
    if missing:
        warnings.append(
            "Нет ни одного респондента в сегментах: " + "; ".join(m.label for m in missing) + "."
        )
    return SurveyAnalysis(
        respondents=linked.respondents,
        matched=linked.matched,
        tests=tests,
        verdicts=verdicts,
        missing_segments=missing,
        rules=verdict_rules_text(rules),
        warnings=warnings,
    )


def _test_evidence(x: SurveyTest, source: str) -> Evidence:
    answer = "«да»" if x.support == "yes" else "«нет»"
    parts = [f"{x.label}: ответили {answer} на вопрос «{x.question}» {x.yes} из {x.n}"]
    if x.share is not None and x.interval is not None:
        parts.append(f"{_pct(x.share)} (интервал {_pct(x.interval.low)}–{_pct(x.interval.high)})")
    if x.rest_share is not None:
        parts.append(f"у остальных {_pct(x.rest_share)} (из {x.rest_n})")
    if x.p_value is not None and x.p_adjusted is not None:
        test = "хи-квадрат" if x.test == "chi2" else "точный тест Фишера"
        parts.append(f"{test}: p {_p(x.p_value)}, с поправкой БХ {_p(x.p_adjusted)}")
    return Evidence(
        kind=EvidenceKind.survey,
        summary="; ".join(parts) + ".",
        source=f"{source}, {x.question}",
        value=x.share,
    )


def _hypothesis_verdict(
    hid: str, tests: list[SurveyTest], source: str, min_cell: int = 1
) -> HypothesisVerdict:
    """One verdict per hypothesis from its question × segment tests."""
    confirmed = [x for x in tests if x.status is HypothesisStatus.confirmed]
    refuted = [x for x in tests if x.status is HypothesisStatus.refuted]
    unclear = [x for x in tests if x.status is HypothesisStatus.not_enough_data]

    def listed(group: list[SurveyTest]) -> str:
        return "; ".join(f"{x.label} («{x.question}»): {x.reason}" for x in group)

    if confirmed:
        status = HypothesisStatus.confirmed
        reason = "Подтверждена для: " + listed(confirmed) + "."
        if refuted:
            reason += " Опровергнута для: " + listed(refuted) + "."
        if unclear:
            reason += " Недостаточно данных для: " + listed(unclear) + "."
    elif refuted and not unclear:
        status = HypothesisStatus.refuted
        reason = "Опровергнута для всех проверенных сегментов: " + listed(refuted) + "."
    else:
        status = HypothesisStatus.not_enough_data
        reason = "Недостаточно данных: " + listed(unclear) + "."
        if refuted:
            reason += " Опровергнута для: " + listed(refuted) + "."
    # Evidence is written into the study and its reports: never from fewer than min_cell answers.
    evidence = [
        _test_evidence(x, source)
        for x in tests
        if x.n is not None and x.n >= max(1, min_cell) and x.yes is not None
    ]
    return HypothesisVerdict(hypothesis=hid, status=status, reason=reason, evidence=evidence)


def _missing_segments(linked: LinkedSurvey, universe: Mapping[str, str]) -> list[UncoveredSegment]:
    """Segments of ``universe`` without a single linked respondent."""
    aggs: dict[str, Any] = {}
    keys: dict[str, str] = {}
    unlinked: list[str] = []
    for i, key in enumerate(universe):
        member = _member(linked, key)
        if member is None:
            unlinked.append(key)
            continue
        keys[f"k{i}"] = key
        aggs[f"k{i}"] = member.cast("int64").sum()
    counts = execute(linked.table.aggregate(**aggs)).to_dict("records")[0] if aggs else {}
    out = [
        UncoveredSegment(
            key=key,
            label=universe[key],
            reason="в опросе нет ни одного респондента из этого сегмента",
        )
        for name, key in keys.items()
        if int(counts.get(name) or 0) == 0
    ]
    out += [
        UncoveredSegment(
            key=key,
            label=universe[key],
            reason="признак сегмента не связан с ответами опроса",
        )
        for key in unlinked
    ]
    return out


def question_links(questions: Iterable[SurveyQuestion]) -> list[QuestionLink]:
    """The study's question → hypothesis mapping (``DataSource.questions``) as links."""
    return [
        QuestionLink(
            question=q.question,
            hypothesis=q.hypothesis,
            support="no" if q.support is SurveySupport.no else "yes",
            segments=tuple(q.segments) if q.segments is not None else None,
            among=tuple(q.among),
            threshold=q.threshold,
            agree_from=q.agree_from,
        )
        for q in questions
    ]


def link_questions(links: Iterable[QuestionLink]) -> list[SurveyQuestion]:
    """Links as the study stores them (``DataSource.questions``)."""
    return [
        SurveyQuestion(
            question=x.question,
            hypothesis=x.hypothesis,
            support=SurveySupport(x.support),
            segments=list(x.segments) if x.segments is not None else None,
            among=list(x.among),
            threshold=x.threshold,
            agree_from=x.agree_from,
        )
        for x in links
    ]


def apply_survey_verdicts(
    study: Study,
    analysis: SurveyAnalysis,
    *,
    source: str,
    hypotheses: Iterable[str] | None = None,
) -> Study:
    """A copy of ``study`` with the survey's verdicts on its hypotheses (M-9).

    Each analysed hypothesis gets the verdict's status and reason (prefixed with the survey's
    name) and the survey's evidence; evidence of an earlier import of the same survey (same
    ``source``) is replaced, other evidence is kept. A hypothesis is never removed, and one
    whose segments are gone keeps its place with the reason saying so.

    Parameters
    ----------
    source
        The survey's name, as :func:`analyse_survey` wrote it into the evidence.
    hypotheses
        Apply only these verdicts (default all).
    """
    chosen = set(hypotheses) if hypotheses is not None else None
    updated = study.model_copy(deep=True)
    by_id = {h.id: h for h in updated.hypotheses}
    prefix = f"{source}, "
    for verdict in analysis.verdicts:
        if chosen is not None and verdict.hypothesis not in chosen:
            continue
        hyp = by_id.get(verdict.hypothesis)
        if hyp is None:
            continue
        hyp.evidence = [
            e
            for e in hyp.evidence
            if not (e.kind is EvidenceKind.survey and e.source.startswith(prefix))
        ] + [e.model_copy() for e in verdict.evidence]
        hyp.status = verdict.status
        hyp.verdict_reason = f"Опрос «{source}»: {verdict.reason}"
    return updated
