"""Synthetic data for the child-benefit example (единое пособие, Социальный фонд России).

The generator plants a known structure — five applicant types, unhappy segments, blind zones —
so that the analysis can be checked against it. The parameters below are the single source of
truth; ``README.md`` restates them for users.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from segprofile.errors import InputError
from segprofile.examples._common import (
    choice_by_group,
    days_of_year,
    dictionary_column,
    nps_from_rating,
    nullable_int,
    prob_matrix,
    pseudonym_ids,
    ratings_from_satisfied,
    sigmoid,
    write_parquet,
)
from segprofile.examples.child_benefit import texts

__all__ = ["CLUSTERS", "FILES", "generate"]

FILES = (
    "records.parquet",
    "population.parquet",
    "survey.parquet",
    "interviews.parquet",
    "complaints.parquet",
)

YEAR = 2024

REGIONS = ("city", "town", "rural")
INCOMES = ("below_half_pm", "half_pm_to_pm", "above_pm")
ENTITLED_INCOMES = ("below_half_pm", "half_pm_to_pm")
EMPLOYMENT = ("employed", "unemployed", "self_employed", "parental_leave", "student")
CHANNELS = ("epgu", "mfc", "office")
CHILDREN = (1, 2, 3, 4, 5, 6, 7)


@dataclass(frozen=True)
class Cluster:
    """One planted applicant type: its share and the feature mix of its members."""

    code: str
    share: float
    region: dict[str, float]
    income: dict[str, float]
    employment: dict[str, float]
    channel: dict[str, float]
    children: dict[str, float]
    age_mean: float
    age_sd: float
    single_parent: float
    disability: float
    repeat: float


def _children(*probs: float) -> dict[str, float]:
    return {str(c): p for c, p in zip(CHILDREN, probs, strict=False)}


CLUSTERS: tuple[Cluster, ...] = (
    Cluster(
        code="urban_employed_family",
        share=0.34,
        region={"city": 0.80, "town": 0.17, "rural": 0.03},
        income={"below_half_pm": 0.15, "half_pm_to_pm": 0.60, "above_pm": 0.25},
        employment={
            "employed": 0.82,
            "self_employed": 0.08,
            "parental_leave": 0.08,
            "unemployed": 0.01,
            "student": 0.01,
        },
        channel={"epgu": 0.90, "mfc": 0.08, "office": 0.02},
        children=_children(0.45, 0.47, 0.08),
        age_mean=33,
        age_sd=5,
        single_parent=0.06,
        disability=0.03,
        repeat=0.45,
    ),
    Cluster(
        code="young_rural_single_mother",
        share=0.20,
        region={"city": 0.05, "town": 0.25, "rural": 0.70},
        income={"below_half_pm": 0.65, "half_pm_to_pm": 0.30, "above_pm": 0.05},
        employment={"unemployed": 0.45, "parental_leave": 0.30, "student": 0.15, "employed": 0.10},
        channel={"mfc": 0.72, "office": 0.13, "epgu": 0.15},
        children=_children(0.70, 0.25, 0.05),
        age_mean=23,
        age_sd=3.5,
        single_parent=0.85,
        disability=0.04,
        repeat=0.25,
    ),
    Cluster(
        code="large_family",
        share=0.16,
        region={"city": 0.30, "town": 0.40, "rural": 0.30},
        income={"below_half_pm": 0.55, "half_pm_to_pm": 0.40, "above_pm": 0.05},
        employment={
            "employed": 0.45,
            "self_employed": 0.15,
            "parental_leave": 0.20,
            "unemployed": 0.20,
        },
        channel={"epgu": 0.45, "mfc": 0.40, "office": 0.15},
        children=_children(0.0, 0.0, 0.50, 0.28, 0.12, 0.06, 0.04),
        age_mean=37,
        age_sd=5,
        single_parent=0.15,
        disability=0.06,
        repeat=0.55,
    ),
    Cluster(
        code="disability_family",
        share=0.12,
        region={"city": 0.45, "town": 0.35, "rural": 0.20},
        income={"below_half_pm": 0.40, "half_pm_to_pm": 0.50, "above_pm": 0.10},
        employment={
            "employed": 0.35,
            "unemployed": 0.45,
            "self_employed": 0.05,
            "parental_leave": 0.15,
        },
        channel={"office": 0.55, "mfc": 0.30, "epgu": 0.15},
        children=_children(0.45, 0.38, 0.10, 0.05, 0.02),
        age_mean=38,
        age_sd=7,
        single_parent=0.35,
        disability=1.0,
        repeat=0.40,
    ),
    Cluster(
        code="self_employed_near_threshold",
        share=0.18,
        region={"city": 0.60, "town": 0.30, "rural": 0.10},
        income={"below_half_pm": 0.05, "half_pm_to_pm": 0.35, "above_pm": 0.60},
        employment={"self_employed": 0.55, "employed": 0.25, "student": 0.10, "unemployed": 0.10},
        channel={"epgu": 0.80, "mfc": 0.15, "office": 0.05},
        children=_children(0.50, 0.40, 0.10),
        age_mean=30,
        age_sd=6,
        single_parent=0.20,
        disability=0.02,
        repeat=0.60,
    ),
)

# Share of rows that carry a satisfaction rating, by channel (the rest are null).
RATING_RESPONSE = {"epgu": 0.36, "mfc": 0.28, "office": 0.22}

# Log-odds of a satisfied client (rating 4–5); see README «Заложенная структура».
SAT_BASE = 2.4
SAT_CHANNEL = {"epgu": 0.0, "mfc": -0.8, "office": -1.9}
SAT_REFUSED = -2.1
SAT_DISABILITY = -1.1
SAT_RURAL_MFC = -0.7
SAT_PER_LATE_DAY = -0.06  # per working day beyond the 10-day norm

# Take-up (share of entitled people who apply) behind population.parquet.
TAKEUP_BASE = 0.80
TAKEUP_RURAL = 0.60
TAKEUP_DISABILITY_FACTOR = 0.75
TAKEUP_RURAL_DISABILITY = 0.25
TAKEUP_RURAL_LARGE = 0.35
# Entitled, but never among applicants: rural + disability in family + single parent.
NEVER_APPLY = {"region_type": "rural", "disability_in_family": True, "single_parent": True}

SURVEY_SHARE = 0.05
N_INTERVIEWS = 60


def _cluster_matrices() -> dict[str, np.ndarray]:
    names = [c.code for c in CLUSTERS]
    return {
        "share": np.array([c.share for c in CLUSTERS]),
        "region": prob_matrix({c.code: c.region for c in CLUSTERS}, names, REGIONS),
        "income": prob_matrix({c.code: c.income for c in CLUSTERS}, names, INCOMES),
        "employment": prob_matrix({c.code: c.employment for c in CLUSTERS}, names, EMPLOYMENT),
        "channel": prob_matrix({c.code: c.channel for c in CLUSTERS}, names, CHANNELS),
        "children": prob_matrix(
            {c.code: c.children for c in CLUSTERS}, names, [str(k) for k in CHILDREN]
        ),
        "age_mean": np.array([c.age_mean for c in CLUSTERS], dtype=float),
        "age_sd": np.array([c.age_sd for c in CLUSTERS], dtype=float),
        "single": np.array([c.single_parent for c in CLUSTERS]),
        "disability": np.array([c.disability for c in CLUSTERS]),
        "repeat": np.array([c.repeat for c in CLUSTERS]),
    }


def _records(rng: np.random.Generator, rows: int) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """The applications table and the internals the other files are derived from."""
    m = _cluster_matrices()
    cluster = choice_by_group(rng, np.zeros(rows, dtype=np.int64), m["share"][None, :])
    region = choice_by_group(rng, cluster, m["region"])
    income = choice_by_group(rng, cluster, m["income"])
    employment = choice_by_group(rng, cluster, m["employment"])
    channel = choice_by_group(rng, cluster, m["channel"])
    children = choice_by_group(rng, cluster, m["children"]) + 1
    single = rng.random(rows) < m["single"][cluster]
    disability = rng.random(rows) < m["disability"][cluster]
    repeat = rng.random(rows) < m["repeat"][cluster]
    age = np.rint(rng.normal(m["age_mean"][cluster], m["age_sd"][cluster]))
    age = np.clip(age, 16, 60).astype(np.int64)

    # The planted never-applying group: such families exist (population.parquet), but whoever
    # would fall into it in the mixture is recorded as living in a town instead.
    rural, town = REGIONS.index("rural"), REGIONS.index("town")
    region = np.where((region == rural) & disability & single, town, region)

    days, workday = days_of_year(YEAR)
    all_days, work_days = np.arange(days.size), np.flatnonzero(workday)
    online = channel == CHANNELS.index("epgu")
    day_index = np.where(
        online,
        rng.choice(all_days, size=rows),
        rng.choice(work_days, size=rows),
    )
    application_date = days[day_index]

    is_mfc = channel == CHANNELS.index("mfc")
    is_office = channel == CHANNELS.index("office")
    is_rural = region == rural
    processing = (
        1
        + rng.poisson(3.0, rows)
        + is_mfc * (2 + rng.poisson(3.0, rows))
        + (is_mfc & is_rural) * (3 + rng.poisson(4.0, rows))
        + is_office * (5 + rng.poisson(6.0, rows))
    )
    # Inter-agency requests about disability often suspend the term (up to +20 working days).
    suspended = disability & (rng.random(rows) < 0.45)
    processing = processing + suspended * (5 + rng.poisson(7.0, rows))
    processing = np.clip(processing, 1, 30).astype(np.int64)

    above_pm = income == INCOMES.index("above_pm")
    p_refused = (
        np.where(above_pm, 0.80, 0.05)
        + disability * 0.20
        + is_office * 0.04
        + (employment == EMPLOYMENT.index("self_employed")) * 0.04
    )
    refused = rng.random(rows) < np.clip(p_refused, 0, 0.97)

    z = (
        SAT_BASE
        + np.array([SAT_CHANNEL[c] for c in CHANNELS])[channel]
        + refused * SAT_REFUSED
        + disability * SAT_DISABILITY
        + (is_mfc & is_rural) * SAT_RURAL_MFC
        + np.maximum(processing - 10, 0) * SAT_PER_LATE_DAY
    )
    satisfied = rng.random(rows) < sigmoid(z)
    rating = ratings_from_satisfied(rng, satisfied)
    responded = rng.random(rows) < np.array([RATING_RESPONSE[c] for c in CHANNELS])[channel]

    client_id = pseudonym_ids(rng, rows)
    table = pa.table(
        {
            "client_id": client_id,
            "application_date": pa.array(application_date, type=pa.date32()),
            "region_type": dictionary_column(REGIONS, region),
            "applicant_age": pa.array(age, type=pa.int64()),
            "children": pa.array(children.astype(np.int64), type=pa.int64()),
            "single_parent": pa.array(single, type=pa.bool_()),
            "disability_in_family": pa.array(disability, type=pa.bool_()),
            "income_band": dictionary_column(INCOMES, income),
            "employment": dictionary_column(EMPLOYMENT, employment),
            "channel": dictionary_column(CHANNELS, channel),
            "repeat_application": pa.array(repeat, type=pa.bool_()),
            "processing_days": pa.array(processing, type=pa.int64()),
            "refused": pa.array(refused, type=pa.bool_()),
            "satisfaction": nullable_int(rating, responded),
        }
    )
    internals = {
        "cluster": cluster,
        "region": region,
        "income": income,
        "employment": employment,
        "channel": channel,
        "children": children,
        "single": single,
        "disability": disability,
        "repeat": repeat,
        "age": age,
        "processing": processing,
        "refused": refused,
        "rating": rating,
        "day_index": day_index,
        "client_id": np.asarray(client_id.to_numpy(zero_copy_only=False)),
    }
    return table, internals


def _takeup(region: str, disability: bool, children: int) -> float:
    if region == "rural" and disability:
        return TAKEUP_RURAL_DISABILITY
    rate = TAKEUP_RURAL if region == "rural" else TAKEUP_BASE
    if disability:
        rate *= TAKEUP_DISABILITY_FACTOR
    if region == "rural" and children >= 3:
        rate = min(rate, TAKEUP_RURAL_LARGE)
    return rate


def _population(rng: np.random.Generator, rows: int) -> pa.Table:
    """Entitled people by segment: expected applicants of each cell divided by its take-up."""
    m = _cluster_matrices()
    out: dict[str, list[object]] = {
        "region_type": [],
        "income_band": [],
        "single_parent": [],
        "disability_in_family": [],
        "children": [],
        "entitled": [],
    }
    for r, region in enumerate(REGIONS):
        for income in ENTITLED_INCOMES:
            i = INCOMES.index(income)
            for single in (False, True):
                p_single = m["single"] if single else 1 - m["single"]
                for disability in (False, True):
                    p_dis = m["disability"] if disability else 1 - m["disability"]
                    for c, children in enumerate(CHILDREN):
                        p_region = m["region"][:, r]
                        if region == "town" and single and disability:
                            # Applicants of the never-applying group are recorded as town ones.
                            p_region = p_region + m["region"][:, REGIONS.index("rural")]
                        p = m["share"] * p_region * m["income"][:, i] * p_single
                        p = p * p_dis * m["children"][:, c]
                        expected = rows * float(p.sum())
                        entitled = expected / _takeup(region, disability, children)
                        count = int(np.rint(entitled * rng.uniform(0.97, 1.03)))
                        if count <= 0:
                            continue
                        out["region_type"].append(region)
                        out["income_band"].append(income)
                        out["single_parent"].append(single)
                        out["disability_in_family"].append(disability)
                        out["children"].append(children)
                        out["entitled"].append(count)
    return pa.table(
        {
            "region_type": pa.array(out["region_type"], pa.string()),
            "income_band": pa.array(out["income_band"], pa.string()),
            "single_parent": pa.array(out["single_parent"], pa.bool_()),
            "disability_in_family": pa.array(out["disability_in_family"], pa.bool_()),
            "children": pa.array(out["children"], pa.int64()),
            "entitled": pa.array(out["entitled"], pa.int64()),
        }
    )


def _survey(rng: np.random.Generator, rec: dict[str, np.ndarray]) -> pa.Table:
    """About 5 % of applicants answer a follow-up survey; answers follow the planted problems."""
    rows = rec["channel"].shape[0]
    pick = np.flatnonzero(rng.random(rows) < SURVEY_SHARE)
    n = pick.size
    channel, region = rec["channel"][pick], rec["region"][pick]
    disability, refused = rec["disability"][pick], rec["refused"][pick]
    rating = rec["rating"][pick].copy()
    # Survey answers mostly agree with the rating left after the service, with some drift.
    drift = rng.random(n)
    rating = np.clip(rating + (drift < 0.1) * -1 + (drift > 0.92) * 1, 1, 5)
    nps = nps_from_rating(rng, rating)

    is_epgu = channel == CHANNELS.index("epgu")
    is_office = channel == CHANNELS.index("office")
    knew_by_region = np.array([0.60, 0.45, 0.25])[region]
    knew = np.where(is_epgu, True, rng.random(n) < knew_by_region)
    p_docs = np.array([0.15, 0.35, 0.55])[channel] + disability * 0.20
    docs_difficult = rng.random(n) < p_docs
    informed = rng.random(n) < 0.10 + rec["repeat"][pick] * 0.15

    problems = ("none", "waiting", "refusal", "documents", "queue", "information")
    weights = np.zeros((n, len(problems)))
    weights[:, 0] = np.where(rating >= 4, 3.0, 0.3)
    weights[:, 1] = 0.3 + (rec["processing"][pick] > 10) * 2.0
    weights[:, 2] = 0.1 + refused * 3.0
    weights[:, 3] = 0.2 + docs_difficult * 1.2 + is_office * 0.5
    weights[:, 4] = 0.1 + (channel == CHANNELS.index("mfc")) * 0.8 + is_office * 1.0
    weights[:, 5] = 0.2 + ~knew * 1.0
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(n) * cumulative[:, -1]
    main_problem = (u[:, None] >= cumulative).sum(axis=1)

    return pa.table(
        {
            "client_id": pa.array(rec["client_id"][pick], pa.string()),
            "q_satisfaction": pa.array(rating.astype(np.int64), pa.int64()),
            "q_nps": pa.array(nps, pa.int64()),
            "q_knew_about_epgu": pa.array(knew, pa.bool_()),
            "q_docs_difficult": pa.array(docs_difficult, pa.bool_()),
            "q_informed_proactively": pa.array(informed, pa.bool_()),
            "q_main_problem": dictionary_column(problems, main_problem),
        }
    )


def _interviews(rng: np.random.Generator, rec: dict[str, np.ndarray]) -> pa.Table:
    """In-depth interview notes; respondents drawn from the matching applicants (when any)."""
    ids: list[str] = []
    respondent: list[str | None] = []
    hints: list[str] = []
    notes: list[str] = []
    number = 0
    for group in texts.INTERVIEW_GROUPS:
        candidates = np.flatnonzero(group.selector(rec)) if group.selector else np.array([])
        chosen = (
            rng.choice(candidates, size=min(group.count, candidates.size), replace=False)
            if candidates.size
            else np.array([], dtype=np.int64)
        )
        for k in range(group.count):
            number += 1
            ids.append(f"R{number:03d}")
            if k < chosen.size:
                row = int(chosen[k])
                respondent.append(str(rec["client_id"][row]))
                age = int(rec["age"][row])
            else:
                respondent.append(None)
                age = int(rng.integers(22, 45))
            hints.append(group.hint)
            notes.append(texts.interview_text(rng, group, age))
    return pa.table(
        {
            "respondent_id": pa.array(ids, pa.string()),
            "client_id": pa.array(respondent, pa.string()),
            "segment_hint": pa.array(hints, pa.string()),
            "text": pa.array(notes, pa.string()),
        }
    )


def _complaints(rng: np.random.Generator, rec: dict[str, np.ndarray]) -> pa.Table:
    """Complaints from unhappy applicants: more from office, refusals, disability, long waits."""
    rows = rec["channel"].shape[0]
    n = int(min(600, max(30, rows // 50)))
    weight = (
        0.2
        + (rec["channel"] == CHANNELS.index("office")) * 1.5
        + rec["refused"] * 1.5
        + rec["disability"] * 1.5
        + (rec["processing"] > 10) * 1.5
        + ((rec["channel"] == CHANNELS.index("mfc")) & (rec["region"] == REGIONS.index("rural")))
        * 1.0
    )
    pick = rng.choice(rows, size=min(n, rows), replace=False, p=weight / weight.sum())
    pick.sort()
    days, _ = days_of_year(YEAR)
    topics: list[str] = []
    bodies: list[str] = []
    dates = []
    filed: list[str] = []
    for row in pick:
        topic, body = texts.complaint_text(rng, texts.row_view(rec, int(row), CHANNELS, REGIONS))
        topics.append(topic)
        bodies.append(body)
        offset = int(rec["processing"][row] * 1.4) + int(rng.integers(1, 30))
        dates.append(days[0] + int(rec["day_index"][row]) + offset)
        filed.append(str(rng.choice(texts.COMPLAINT_CHANNELS, p=texts.COMPLAINT_CHANNEL_P)))
    return pa.table(
        {
            "complaint_id": pa.array([f"C{i + 1:05d}" for i in range(len(pick))], pa.string()),
            "client_id": pa.array(rec["client_id"][pick], pa.string()),
            "date": pa.array(np.array(dates, dtype="datetime64[D]"), pa.date32()),
            "channel": pa.array(filed, pa.string()),
            "topic": pa.array(topics, pa.string()),
            "text": pa.array(bodies, pa.string()),
        }
    )


def generate(*, rows: int, seed: int, out_dir: Path) -> list[Path]:
    """Write the example's five Parquet files into ``out_dir``; same seed → identical files.

    Parameters
    ----------
    rows
        Number of applications in ``records.parquet``.
    seed
        Seed of ``numpy.random.default_rng``.
    out_dir
        Existing or new directory; files are overwritten.
    """
    if rows < 1:
        raise InputError(f"Слишком мало строк: {rows}.", hint="задайте число строк не меньше 1.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    records, internals = _records(rng, rows)
    tables = {
        "records.parquet": records,
        "population.parquet": _population(rng, rows),
        "survey.parquet": _survey(rng, internals),
        "interviews.parquet": _interviews(rng, internals),
        "complaints.parquet": _complaints(rng, internals),
    }
    return [write_parquet(tables[name], out / name) for name in FILES]
