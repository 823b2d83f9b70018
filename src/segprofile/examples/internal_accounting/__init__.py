"""Synthetic data for the internal-accounting example: employees turning to the accounting unit.

An internal-client profile (M-14; FAQ 4 and 6). A staff list of employees of six planted types
makes requests to the accounting unit; the parameters below are the single source of truth and
``README.md`` restates them.
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
from segprofile.examples.internal_accounting import texts

__all__ = ["EMPLOYEE_TYPES", "FILES", "generate"]

FILES = (
    "records.parquet",
    "population.parquet",
    "survey.parquet",
    "interviews.parquet",
    "complaints.parquet",
)

YEAR = 2024

DEPARTMENTS = ("admin", "legal", "economy", "hr", "it", "control", "regions")
POSITIONS = ("specialist", "lead_specialist", "head_of_unit", "director", "support_staff")
REQUEST_TYPES = (
    "ndfl_certificate",
    "salary_certificate",
    "trip_advance",
    "trip_report",
    "reimbursement",
    "vacation_pay",
    "sick_leave",
    "payslip_question",
    "tax_deduction",
)
CHANNELS = ("in_person", "email", "portal", "phone")

# Working days the accounting unit needs for each request type when nothing goes wrong.
NORM_DAYS = {
    "ndfl_certificate": 3,
    "salary_certificate": 3,
    "trip_advance": 3,
    "trip_report": 5,
    "reimbursement": 10,
    "vacation_pay": 3,
    "sick_leave": 10,
    "payslip_question": 3,
    "tax_deduction": 5,
}


@dataclass(frozen=True)
class EmployeeType:
    """One planted type of internal client: its share of staff and its habits."""

    code: str
    share: float
    requests_per_year: float
    department: dict[str, float]
    position: dict[str, float]
    request: dict[str, float]
    channel: dict[str, float]
    remote: float
    newcomer: bool = False
    tenure_mean: float = 8.0


EMPLOYEE_TYPES: tuple[EmployeeType, ...] = (
    EmployeeType(
        code="travelling_inspector",
        share=0.18,
        requests_per_year=5.0,
        department={"control": 0.75, "regions": 0.25},
        position={"specialist": 0.65, "lead_specialist": 0.35},
        request={
            "trip_advance": 0.30,
            "trip_report": 0.35,
            "reimbursement": 0.10,
            "ndfl_certificate": 0.07,
            "vacation_pay": 0.10,
            "sick_leave": 0.05,
            "payslip_question": 0.03,
        },
        channel={"in_person": 0.45, "email": 0.35, "portal": 0.10, "phone": 0.10},
        remote=0.05,
        tenure_mean=6.0,
    ),
    EmployeeType(
        code="newcomer",
        share=0.14,
        requests_per_year=3.0,
        department={
            "admin": 0.10,
            "legal": 0.10,
            "economy": 0.15,
            "hr": 0.10,
            "it": 0.20,
            "control": 0.15,
            "regions": 0.20,
        },
        position={"specialist": 0.90, "lead_specialist": 0.10},
        request={
            "salary_certificate": 0.20,
            "payslip_question": 0.25,
            "tax_deduction": 0.20,
            "ndfl_certificate": 0.10,
            "vacation_pay": 0.05,
            "sick_leave": 0.10,
            "reimbursement": 0.10,
        },
        channel={"phone": 0.35, "in_person": 0.35, "email": 0.20, "portal": 0.10},
        remote=0.15,
        newcomer=True,
    ),
    EmployeeType(
        code="remote_regional",
        share=0.20,
        requests_per_year=1.2,
        department={"regions": 0.85, "it": 0.15},
        position={"specialist": 0.60, "lead_specialist": 0.35, "head_of_unit": 0.05},
        request={
            "ndfl_certificate": 0.25,
            "salary_certificate": 0.15,
            "sick_leave": 0.15,
            "vacation_pay": 0.20,
            "payslip_question": 0.10,
            "reimbursement": 0.10,
            "tax_deduction": 0.05,
        },
        channel={"in_person": 0.35, "email": 0.35, "portal": 0.15, "phone": 0.15},
        remote=0.90,
        tenure_mean=7.0,
    ),
    EmployeeType(
        code="experienced_headquarters",
        share=0.28,
        requests_per_year=3.5,
        department={
            "admin": 0.15,
            "legal": 0.20,
            "economy": 0.25,
            "hr": 0.15,
            "it": 0.15,
            "control": 0.10,
        },
        position={"specialist": 0.50, "lead_specialist": 0.50},
        request={
            "vacation_pay": 0.30,
            "ndfl_certificate": 0.25,
            "salary_certificate": 0.15,
            "tax_deduction": 0.10,
            "sick_leave": 0.10,
            "payslip_question": 0.05,
            "reimbursement": 0.05,
        },
        channel={"portal": 0.60, "email": 0.20, "in_person": 0.10, "phone": 0.10},
        remote=0.10,
        tenure_mean=12.0,
    ),
    EmployeeType(
        code="manager",
        share=0.10,
        requests_per_year=4.0,
        department={
            "admin": 0.12,
            "legal": 0.12,
            "economy": 0.16,
            "hr": 0.10,
            "it": 0.12,
            "control": 0.18,
            "regions": 0.20,
        },
        position={"head_of_unit": 0.70, "director": 0.30},
        request={
            "trip_advance": 0.20,
            "trip_report": 0.20,
            "vacation_pay": 0.25,
            "ndfl_certificate": 0.10,
            "salary_certificate": 0.10,
            "reimbursement": 0.15,
        },
        channel={"email": 0.45, "phone": 0.25, "portal": 0.15, "in_person": 0.15},
        remote=0.02,
        tenure_mean=15.0,
    ),
    EmployeeType(
        code="support_staff",
        share=0.10,
        requests_per_year=1.5,
        department={"admin": 0.60, "regions": 0.40},
        position={"support_staff": 1.0},
        request={
            "payslip_question": 0.30,
            "ndfl_certificate": 0.20,
            "sick_leave": 0.20,
            "vacation_pay": 0.30,
        },
        channel={"in_person": 0.70, "phone": 0.30},
        remote=0.0,
        tenure_mean=8.0,
    ),
)

# Employees who never turn to the accounting unit although they are on the staff list.
NEVER_REQUEST = {"department": "regions", "position_level": "support_staff"}

RATING_RESPONSE = 0.30

# Log-odds of a satisfied employee (rating 4–5); see README «Заложенная структура».
SAT_BASE = 1.7
SAT_CHANNEL = {"in_person": -0.2, "email": 0.0, "portal": 0.8, "phone": -0.3}
SAT_REMOTE_IN_PERSON = -1.8
SAT_REWORK = -1.8
SAT_NEWCOMER = -1.5
SAT_TRIP_REPORT = -1.4
SAT_PER_LATE_DAY = -0.15

SURVEY_SHARE = 0.12


def _type_matrices() -> dict[str, np.ndarray]:
    names = [t.code for t in EMPLOYEE_TYPES]
    return {
        "share": np.array([t.share for t in EMPLOYEE_TYPES]),
        "rate": np.array([t.requests_per_year for t in EMPLOYEE_TYPES]),
        "department": prob_matrix(
            {t.code: t.department for t in EMPLOYEE_TYPES}, names, DEPARTMENTS
        ),
        "position": prob_matrix({t.code: t.position for t in EMPLOYEE_TYPES}, names, POSITIONS),
        "request": prob_matrix({t.code: t.request for t in EMPLOYEE_TYPES}, names, REQUEST_TYPES),
        "channel": prob_matrix({t.code: t.channel for t in EMPLOYEE_TYPES}, names, CHANNELS),
        "remote": np.array([t.remote for t in EMPLOYEE_TYPES]),
        "newcomer": np.array([t.newcomer for t in EMPLOYEE_TYPES]),
        "tenure_mean": np.array([t.tenure_mean for t in EMPLOYEE_TYPES]),
    }


def _staff(rng: np.random.Generator, rows: int) -> dict[str, np.ndarray]:
    """The staff list: enough employees for ``rows`` requests a year at the planted rates."""
    m = _type_matrices()
    mean_rate = float((m["share"] * m["rate"]).sum())
    size = max(20, int(np.ceil(rows / mean_rate)))
    kind = choice_by_group(rng, np.zeros(size, dtype=np.int64), m["share"][None, :])
    department = choice_by_group(rng, kind, m["department"])
    position = choice_by_group(rng, kind, m["position"])
    remote = rng.random(size) < m["remote"][kind]
    newcomer = m["newcomer"][kind]
    tenure = np.where(
        newcomer,
        rng.uniform(0.05, 1.0, size),
        1.0 + rng.gamma(2.0, (m["tenure_mean"][kind] - 1.0) / 2.0, size),
    )
    tenure = np.round(np.clip(tenure, 0.1, 40.0), 1)
    rate = m["rate"][kind].copy()
    never = (department == DEPARTMENTS.index("regions")) & (
        position == POSITIONS.index("support_staff")
    )
    rate[never] = 0.0
    return {
        "kind": kind,
        "department": department,
        "position": position,
        "remote": remote,
        "tenure": tenure,
        "rate": rate,
        "id": np.asarray(pseudonym_ids(rng, size).to_numpy(zero_copy_only=False)),
    }


def _records(
    rng: np.random.Generator, rows: int, staff: dict[str, np.ndarray]
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    m = _type_matrices()
    weight = staff["rate"] / staff["rate"].sum()
    who = rng.choice(staff["kind"].size, size=rows, p=weight)
    kind = staff["kind"][who]
    remote = staff["remote"][who]
    tenure = staff["tenure"][who]
    request = choice_by_group(rng, kind, m["request"])
    channel = choice_by_group(rng, kind, m["channel"])

    norm = np.array([NORM_DAYS[r] for r in REQUEST_TYPES])[request]
    is_portal = channel == CHANNELS.index("portal")
    in_person = channel == CHANNELS.index("in_person")
    newcomer = tenure < 1.0
    trip_report = request == REQUEST_TYPES.index("trip_report")
    p_rework = (
        np.where(trip_report, 0.45, 0.05)
        + (request == REQUEST_TYPES.index("reimbursement")) * 0.20
        + newcomer * 0.12
        - is_portal * 0.03
    )
    rework = rng.random(rows) < np.clip(p_rework, 0.0, 0.95)
    processing = (
        np.maximum(1, norm - 2 + rng.poisson(1.5, rows))
        - is_portal * 1
        + rework * (3 + rng.poisson(3.0, rows))
        + (remote & in_person) * (2 + rng.poisson(2.0, rows))
    )
    processing = np.clip(processing, 1, 45).astype(np.int64)

    z = (
        SAT_BASE
        + np.array([SAT_CHANNEL[c] for c in CHANNELS])[channel]
        + (remote & in_person) * SAT_REMOTE_IN_PERSON
        + rework * SAT_REWORK
        + newcomer * SAT_NEWCOMER
        + trip_report * SAT_TRIP_REPORT
        + np.maximum(processing - norm, 0) * SAT_PER_LATE_DAY
    )
    satisfied = rng.random(rows) < sigmoid(z)
    rating = ratings_from_satisfied(rng, satisfied)
    responded = rng.random(rows) < RATING_RESPONSE

    days, workday = days_of_year(YEAR)
    day_index = rng.choice(np.flatnonzero(workday), size=rows)
    request_id = np.char.add("Z", np.char.zfill(np.arange(1, rows + 1).astype(str), 7))

    table = pa.table(
        {
            "request_id": pa.array(request_id, pa.string()),
            "employee_id": pa.array(staff["id"][who], pa.string()),
            "request_date": pa.array(days[day_index], pa.date32()),
            "department": dictionary_column(DEPARTMENTS, staff["department"][who]),
            "position_level": dictionary_column(POSITIONS, staff["position"][who]),
            "tenure_years": pa.array(tenure, pa.float64()),
            "request_type": dictionary_column(REQUEST_TYPES, request),
            "channel": dictionary_column(CHANNELS, channel),
            "remote_worker": pa.array(remote, pa.bool_()),
            "processing_days": pa.array(processing, pa.int64()),
            "returned_for_rework": pa.array(rework, pa.bool_()),
            "satisfaction": nullable_int(rating, responded),
        }
    )
    internals = {
        "who": who,
        "kind": kind,
        "request": request,
        "channel": channel,
        "remote": remote,
        "tenure": tenure,
        "rework": rework,
        "processing": processing,
        "norm": norm,
        "rating": rating,
        "day_index": day_index,
    }
    return table, internals


def _population(staff: dict[str, np.ndarray]) -> pa.Table:
    """Headcount by department, position level and remote work: the whole staff list."""
    cells = (staff["department"] * len(POSITIONS) + staff["position"]) * 2 + staff["remote"]
    counts = np.bincount(cells, minlength=len(DEPARTMENTS) * len(POSITIONS) * 2)
    present = np.flatnonzero(counts)
    dept, rest = np.divmod(present, len(POSITIONS) * 2)
    pos, remote = np.divmod(rest, 2)
    return pa.table(
        {
            "department": dictionary_column(DEPARTMENTS, dept),
            "position_level": dictionary_column(POSITIONS, pos),
            "remote_worker": pa.array(remote.astype(bool), pa.bool_()),
            "headcount": pa.array(counts[present].astype(np.int64), pa.int64()),
        }
    )


def _survey(
    rng: np.random.Generator, staff: dict[str, np.ndarray], rec: dict[str, np.ndarray]
) -> pa.Table:
    """An annual staff survey about the accounting unit (12 % of employees who made requests)."""
    size = staff["kind"].size
    requests = np.bincount(rec["who"], minlength=size)
    last_rating = np.zeros(size, dtype=np.int64)
    last_rating[rec["who"]] = rec["rating"]  # the rating of one of the employee's requests
    reworked = np.zeros(size, dtype=bool)
    reworked[rec["who"][rec["rework"]]] = True
    person_channel = np.zeros(size, dtype=np.int64)
    person_channel[rec["who"]] = rec["channel"]

    pick = np.flatnonzero((requests > 0) & (rng.random(size) < SURVEY_SHARE))
    n = pick.size
    drift = rng.random(n)
    rating = np.clip(last_rating[pick] - (drift < 0.1) + (drift > 0.92), 1, 5).astype(np.int64)
    nps = nps_from_rating(rng, rating)
    newcomer = staff["tenure"][pick] < 1.0
    remote = staff["remote"][pick]
    knew_portal = (
        rng.random(n)
        < np.where(newcomer, 0.25, 0.55) + (person_channel[pick] == CHANNELS.index("portal")) * 0.45
    )
    rules_clear = rng.random(n) < np.where(reworked[pick], 0.2, 0.7) - newcomer * 0.15
    preferred = choice_by_group(
        rng,
        remote.astype(np.int64),
        np.array([[0.25, 0.30, 0.35, 0.10], [0.03, 0.32, 0.60, 0.05]]),
    )
    problems = ("none", "rework", "in_person_only", "unclear_rules", "waiting", "no_answer")
    weights = np.zeros((n, len(problems)))
    weights[:, 0] = np.where(rating >= 4, 3.0, 0.3)
    weights[:, 1] = 0.1 + reworked[pick] * 2.5
    weights[:, 2] = 0.1 + remote * 1.5
    weights[:, 3] = 0.2 + newcomer * 1.5 + ~rules_clear * 0.5
    weights[:, 4] = 0.4
    weights[:, 5] = 0.2 + (person_channel[pick] == CHANNELS.index("phone")) * 1.0
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(n) * cumulative[:, -1]
    main_problem = (u[:, None] >= cumulative).sum(axis=1)
    return pa.table(
        {
            "employee_id": pa.array(staff["id"][pick], pa.string()),
            "q_satisfaction": pa.array(rating, pa.int64()),
            "q_nps": pa.array(nps, pa.int64()),
            "q_knew_about_portal": pa.array(knew_portal, pa.bool_()),
            "q_rules_clear": pa.array(rules_clear, pa.bool_()),
            "q_preferred_channel": dictionary_column(CHANNELS, preferred),
            "q_main_problem": dictionary_column(problems, main_problem),
        }
    )


def _interviews(
    rng: np.random.Generator, staff: dict[str, np.ndarray], rec: dict[str, np.ndarray]
) -> pa.Table:
    """In-depth interviews with employees, by planted type; includes the never-requesting group."""
    ids: list[str] = []
    respondents: list[str] = []
    hints: list[str] = []
    notes: list[str] = []
    number = 0
    for group in texts.INTERVIEW_GROUPS:
        candidates = np.flatnonzero(group.selector(staff, rec))
        if candidates.size == 0:
            continue
        chosen = rng.choice(candidates, size=min(group.count, candidates.size), replace=False)
        for person in chosen:
            number += 1
            ids.append(f"R{number:03d}")
            respondents.append(str(staff["id"][int(person)]))
            hints.append(group.hint)
            notes.append(texts.interview_text(rng, group))
    return pa.table(
        {
            "respondent_id": pa.array(ids, pa.string()),
            "employee_id": pa.array(respondents, pa.string()),
            "segment_hint": pa.array(hints, pa.string()),
            "text": pa.array(notes, pa.string()),
        }
    )


def _complaints(
    rng: np.random.Generator, staff: dict[str, np.ndarray], rec: dict[str, np.ndarray]
) -> pa.Table:
    """Internal complaints (служебные записки, обращения на портале) from unhappy requests."""
    rows = rec["request"].shape[0]
    n = int(min(400, max(20, rows // 80)))
    weight = (
        0.2
        + rec["rework"] * 2.0
        + (rec["remote"] & (rec["channel"] == CHANNELS.index("in_person"))) * 2.0
        + (rec["tenure"] < 1.0) * 1.0
        + (rec["processing"] > rec["norm"]) * 1.0
    )
    pick = np.sort(rng.choice(rows, size=min(n, rows), replace=False, p=weight / weight.sum()))
    days, _ = days_of_year(YEAR)
    topics: list[str] = []
    bodies: list[str] = []
    dates = []
    filed: list[str] = []
    for row in pick:
        facts = {
            "request": REQUEST_TYPES[int(rec["request"][row])],
            "channel": CHANNELS[int(rec["channel"][row])],
            "remote": bool(rec["remote"][row]),
            "rework": bool(rec["rework"][row]),
            "newcomer": bool(rec["tenure"][row] < 1.0),
            "processing": int(rec["processing"][row]),
            "late": bool(rec["processing"][row] > rec["norm"][row]),
        }
        topic, body = texts.complaint_text(rng, facts)
        topics.append(topic)
        bodies.append(body)
        dates.append(days[int(rec["day_index"][row])] + int(rec["processing"][row]) + 1)
        filed.append(str(rng.choice(texts.COMPLAINT_CHANNELS, p=texts.COMPLAINT_CHANNEL_P)))
    return pa.table(
        {
            "complaint_id": pa.array([f"S{i + 1:05d}" for i in range(len(pick))], pa.string()),
            "employee_id": pa.array(staff["id"][rec["who"][pick]], pa.string()),
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
        Number of requests in ``records.parquet``.
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
    staff = _staff(rng, rows)
    records, internals = _records(rng, rows, staff)
    tables = {
        "records.parquet": records,
        "population.parquet": _population(staff),
        "survey.parquet": _survey(rng, staff, internals),
        "interviews.parquet": _interviews(rng, staff, internals),
        "complaints.parquet": _complaints(rng, staff, internals),
    }
    return [write_parquet(tables[name], out / name) for name in FILES]
