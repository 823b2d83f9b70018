"""M-8: a small set of interview respondents such that every segment of every feature (and
every cluster, given as one more column of codes) has at least one: greedy set cover on a numpy
matrix of segment indexes, with its approximation bound stated, excluding people who opted out
or reached the per-person interview limit; segments nobody can cover are listed with the reason.

Only the interview candidates (a bounded sample) come back to Python from the engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import ibis.selectors as s
import numpy as np
import pandas as pd

from segprofile.analysis.by_feature import MISSING_CODE, TableLike, code_table, segment_label
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.format import fewer, number, plural
from segprofile.model.results import (
    RecruitedRespondent,
    Recruitment,
    UncoveredSegment,
)
from segprofile.model.study import (
    Study,
)


def _people(n: int) -> str:
    """«человек» after a number (1 человек, 2 человека, 5 человек)."""
    return "человека" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "человек"


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
    #: Identifiers whose records carry different contacts (two people under one СНИЛС…).
    excluded_shared: int = 0


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
    contact_columns: Sequence[str] = (),
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
    contact_columns
        Other pseudonymised contacts of the records (phone, e-mail…). An id whose records
        carry more than one value of one of them may stand for several people (a СНИЛС typed
        twice): it is never proposed — its quotas would mix two people, and its contacts
        would name both.
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
    contacts = [c for c in contact_columns if c in table.columns and c != id_column]
    for i, column in enumerate(contacts):
        extra[f"contact_{i}"] = table[column].cast("string")
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
    cols = list(quota.values())
    flags: dict[str, Any] = {}
    if opt_out_column:
        flags["opt_out"] = t.opt_out.max()
    if previous_column:
        flags["prev"] = t.prev.max()
    for i in range(len(contacts)):
        flags[f"contacts_{i}"] = t[f"contact_{i}"].nunique()
    per = t.group_by("client").aggregate(**flags) if flags else t.select("client").distinct()
    shared = ibis.literal(False)
    for i in range(len(contacts)):
        shared = shared | (per[f"contacts_{i}"] > 1)
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
        shared=shared & ~opted,
        h=(per.client.cast("string") + f"#{seed}").hash(),
    )
    # A client belongs to every segment one of their records is in, as the profile counts a
    # segment's clients: an export lists applications, and a repeat application may come by
    # another channel. A missing value is no quota.
    long = t.select("client", *cols).pivot_longer(
        s.cols(*cols), names_to="quota", values_to="segment"
    )
    long = long.filter(long.segment.notnull() & (long.segment != MISSING_CODE)).distinct()
    members = long.join(per.select("client", "prev", "opt_out", "over", "shared", "h"), "client")
    usable = ~members.opt_out & ~members.over & ~members.shared
    counts = execute(
        members.group_by(["quota", "segment"]).aggregate(
            in_data=members.count(),
            eligible=usable.cast("int64").sum(),
        )
    )
    totals = execute(
        per.aggregate(
            opt_out=per.opt_out.cast("int64").sum(),
            over=per.over.cast("int64").sum(),
            shared=(per.shared & ~per.over).cast("int64").sum(),
            h_lo=per.h.min(),
            h_hi=per.h.max(),
        )
    ).to_dict("records")[0]
    by_column = {col: name for name, col in quota.items()}
    in_data: dict[str, int] = {}
    eligible: dict[str, int] = {}
    counts_rows = counts.to_dict("records")
    for row in counts_rows:
        key = f"{by_column[str(row['quota'])]}={row['segment']}"
        in_data[key] = int(row["in_data"])
        eligible[key] = int(row["eligible"] or 0)
    n_segments = max(1, sum(1 for v in eligible.values() if v > 0))
    per_segment = max(1, limit // n_segments)
    ok = members.filter(usable).select("client", "h", "prev", "quota", "segment")
    frame = _first_by_hash(
        ok,
        {(str(r["quota"]), str(r["segment"])): int(r["eligible"] or 0) for r in counts_rows},
        per_segment,
        (totals["h_lo"], totals["h_hi"]),
        limit,
    )
    # Named as the segments table names them, the feature first: «Район: Октябрьский».
    labels = {
        f"{f.id}={code}": f"{f.label}: {segment_label(f, code, coded.bins[f.id])}"
        for f in chosen
        for code in {k.split("=", 1)[1] for k in in_data if k.startswith(f"{f.id}=")}
    }
    pool = _pool(frame, quota, labels)
    for key in in_data:
        pool.labels.setdefault(key, labels.get(key, key))
    pool.in_data = in_data
    pool.eligible = eligible
    pool.excluded_opt_out = int(totals["opt_out"] or 0)
    pool.excluded_limit = int(totals["over"] or 0)
    pool.excluded_shared = int(totals["shared"] or 0)
    return pool


def _pool(
    frame: pd.DataFrame, quota: Mapping[str, str], labels: Mapping[str, str]
) -> CandidatePool:
    """A pool from the drawn memberships (``client, h, prev, quota, segment``, one row each):
    one row of segment indexes per client, as many as they have (``-1`` pads the rest)."""
    order = list(quota)
    position = {col: j for j, col in enumerate(quota.values())}
    keys = sorted(
        {(position[str(q)], str(g)) for q, g in zip(frame["quota"], frame["segment"], strict=True)}
    )
    segments = [f"{order[j]}={g}" for j, g in keys]
    index = {key: i for i, key in enumerate(segments)}
    people = (
        frame[["client", "h", "prev"]]
        .drop_duplicates("client")
        .sort_values(["h", "client"], kind="stable")
        .reset_index(drop=True)
    )
    row = {c: i for i, c in enumerate(people["client"])}
    rows = [row[c] for c in frame["client"]]
    cells = [
        index[f"{order[position[str(q)]]}={g}"]
        for q, g in zip(frame["quota"], frame["segment"], strict=True)
    ]
    width = max(1, int(pd.Series(rows, dtype="int64").value_counts().max())) if rows else 1
    codes = np.full((len(people), width), -1, dtype=np.int32)
    filled = np.zeros(len(people), dtype=np.int64)
    for r, cell in sorted(zip(rows, cells, strict=True)):
        codes[r, filled[r]] = cell
        filled[r] += 1
    return CandidatePool(
        ids=people["client"].astype("string").to_numpy(dtype=object),
        codes=codes,
        segments=segments,
        labels={key: labels.get(key, key) for key in segments},
        columns=order,
        previous=people["prev"].fillna(0).to_numpy(dtype=np.int64),
        opted_out=np.zeros(len(people), dtype=bool),
    )


CUT_FACTOR = 2.0  # a segment's first cut: this many times the clients it needs…
CUT_SLACK = 64  # …and this many more


def _first_by_hash(
    ok: ir.Table,
    eligible: dict[tuple[str, str], int],
    per_segment: int,
    span: tuple[Any, Any],
    limit: int,
) -> pd.DataFrame:
    """Per segment the ``per_segment`` clients first in the order of ``h``; of these the first
    ``limit`` by ``h``, with every segment each is in (``ok``: one row per client and segment,
    ``client, h, prev, quota, segment``; so is the result).

    The hash spreads evenly over its range, so the first clients of a segment of ``e`` lie
    below a cut a fraction about ``2·per_segment / e`` into the range. The engine returns only
    the clients below the cut of one of their segments (a prefix of each segment's order),
    about twice what is needed, and the ranking happens on that sample. A segment whose cut
    was too tight (fewer clients came back than it needs) is asked again with a cut twice as
    wide, up to its whole range, so the result is exactly that of ranking every client.
    """
    lo, hi = span
    out_cols = ["client", "h", "prev", "quota", "segment"]
    if lo is None or hi is None or not eligible:
        return pd.DataFrame(columns=out_cols)
    lo, hi = int(lo), int(hi)
    widen = {key: CUT_FACTOR for key, e in eligible.items() if e > 0}
    parts: list[pd.DataFrame] = []
    while widen:
        cuts = {}
        for key, factor in widen.items():
            share = (factor * per_segment + CUT_SLACK) / eligible[key]
            cuts[key] = hi if share >= 1 else lo + int(share * (hi - lo))
        table = ibis.memtable(
            pd.DataFrame(
                {
                    "cut_quota": [k[0] for k in cuts],
                    "cut_segment": [k[1] for k in cuts],
                    "cut": pd.array(list(cuts.values()), dtype="int64"),
                }
            )
        )
        joined = ok.join(table, (ok.quota == table.cut_quota) & (ok.segment == table.cut_segment))
        got = execute(joined.filter(joined.h <= joined.cut).select(*out_cols))
        got["segment"] = got["segment"].astype(str)
        parts.append(got)  # may be empty: cuts below every hash widen like any other
        sizes = got.groupby(["quota", "segment"]).size()
        widen = {
            key: widen[key] * 2
            for key in widen
            if cuts[key] < hi and int(sizes.get(key, 0)) < min(per_segment, eligible[key])
        }
    rows = pd.concat(parts, ignore_index=True).drop_duplicates(["client", "quota", "segment"])
    ranked = rows.sort_values(["quota", "segment", "h", "client"], kind="stable")
    picked = ranked.groupby(["quota", "segment"], sort=False).head(per_segment)
    chosen = (
        picked[["client", "h"]]
        .drop_duplicates("client")
        .sort_values(["h", "client"], kind="stable")
        .head(limit)
    )
    if chosen.empty:
        return pd.DataFrame(columns=out_cols)
    # Every segment of the chosen clients, not only those they were drawn for: the cover
    # counts each person in all the quotas they meet.
    ids = ibis.memtable(pd.DataFrame({"pick": chosen["client"].to_numpy()}))
    every = execute(ok.semi_join(ids, ok.client == ids.pick).select(*out_cols))
    every["segment"] = every["segment"].astype(str)
    return every.reset_index(drop=True)


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


def listed_quotas(member: np.ndarray, fills: Sequence[int], min_cell: int) -> list[int]:
    """The quotas one respondent is listed with: the first of ``fills`` (the quota they are
    recruited for, a segment of the plan), then each next one as long as at least ``min_cell``
    people of the pool (rows of ``member``, people × segments) are in every quota listed.

    The one rule of what a list of respondents may say about a person: the combination it
    names is shared by ``min_cell`` people or more, else it is a record about one of them.
    """
    quotas = [int(fills[0])]
    together = member[:, quotas[0]].copy()
    for seg in fills[1:]:
        both = together & member[:, seg]
        if int(both.sum()) >= min_cell:
            quotas.append(int(seg))
            together = both
    return quotas


def checked_recruitment(recruitment: Recruitment) -> Recruitment:
    """A recruitment as a reader may see it. One computed before each respondent's quotas were
    checked against ``min_cell`` (``min_cell`` unset: a plan stored by an older version) lists
    every segment a person is in; each keeps only the first, a segment of the plan."""
    if recruitment.min_cell is not None:
        return recruitment
    return recruitment.model_copy(
        update={
            "respondents": [
                r.model_copy(update={"segments": r.segments[:1], "labels": r.labels[:1]})
                for r in recruitment.respondents
            ]
        }
    )


def recruit_respondents(
    pool: CandidatePool,
    *,
    per_segment: int = 1,
    max_interviews_per_person: int = 1,
    required: Mapping[str, str] | None = None,
    min_cell: int = 1,
) -> Recruitment:
    """Choose a small set of respondents so every segment has ``per_segment`` of them (M-8).

    Each respondent is listed only with the quotas they fill, and with no combination of them
    that fewer than ``min_cell`` people share (:func:`listed_quotas`): a list every reader of
    the study sees must not describe a person by attributes that point at them. A quota left
    short by what is listed is filled by more people.

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
        (e.g. a never-applying group). Default: every segment found in the data. A
        conjunction fewer than ``min_cell`` people of the pool share gets nobody (it is listed
        as uncovered, with the reason).
    min_cell
        The study's ``segmentation.min_cell``: people a combination of quotas listed with one
        respondent must have in common, counted in the pool (a subset of the data, so the data
        has at least as many).

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
    member = np.zeros((pool.codes.shape[0], m), dtype=bool)
    for j in range(pool.codes.shape[1]):
        col = pool.codes[:, j]
        member[np.flatnonzero(col >= 0), col[col >= 0]] = True
    scarcity = member[rows].sum(axis=0)
    # The cover, then each person listed only with the quotas they fill as far as the rule
    # allows (:func:`listed_quotas`); quotas left short by what is listed are covered by
    # more people, until nobody eligible can help.
    short_of = demand.copy()
    chosen: list[int] = []
    listed: dict[int, list[int]] = {}
    free = eligible_mask.copy()
    while True:
        candidates = np.flatnonzero(free)
        picks = greedy_cover(pool.codes[candidates], short_of, priority=-pool.previous[candidates])
        if not picks:
            break
        for p in picks:
            r = int(candidates[p])
            fills = sorted(
                {int(i) for i in pool.codes[r] if i >= 0 and short_of[i] > 0},
                key=lambda i: (int(scarcity[i]), pool.segments[i]),
            )
            if not fills:
                continue
            quotas = listed_quotas(member, fills, min_cell)
            listed[r] = quotas
            chosen.append(r)
            free[r] = False
            short_of[quotas] -= 1
    shown = np.zeros_like(member)
    for r, quotas in listed.items():
        shown[r, quotas] = True

    def listed_with(key: str) -> np.ndarray:
        """Rows of the pool listed with every part of ``key``."""
        found = [index.get(part) for part in key.split("&")]
        if any(i is None for i in found):
            return np.zeros(shown.shape[0], dtype=bool)
        return np.asarray(shown[:, [i for i in found if i is not None]].all(axis=1))

    # Conjunctions (pairs, never-applying groups): add people who match every part, when
    # that many people share the parts that naming them with it points at nobody.
    for key in (k for k in wanted if "&" in k):
        cells = [index[part] for part in key.split("&") if part in index]
        if len(cells) != len(key.split("&")) or int(member[:, cells].all(axis=1).sum()) < max(
            min_cell, 1
        ):
            continue
        short = per_segment - int(listed_with(key).sum())
        extra = np.flatnonzero(members(key) & eligible_mask & ~shown.any(axis=1))
        for r in extra[: max(0, short)]:
            listed[int(r)] = cells
            chosen.append(int(r))
            shown[int(r), cells] = True

    uncovered = []
    for key in wanted:
        mask = members(key)
        got = int(listed_with(key).sum())
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
        elif eligible == 0 and in_data == 1:
            reason = (
                "единственный человек сегмента просил больше не приглашать его или уже прошёл "
                f"{max_interviews_per_person} интервью (предел на человека)"
            )
        elif "&" in key and int(mask.sum()) < min_cell:
            reason = (
                f"в сегменте {fewer(min_cell, 'человека', 'человек')}"
                ": назвать респондента по такому сочетанию "
                "признаков значит указать на конкретного человека"
            )
        elif eligible == 0:
            reason = (
                f"все {in_data} {_people(in_data)} сегмента просили больше не приглашать их "
                f"или уже прошли {max_interviews_per_person} интервью (предел на человека)"
            )
        else:
            reason = (
                f"нашлось только {got} из "
                f"{plural(per_segment, 'нужного респондента', 'нужных', 'нужных')}: больше в "
                "сегменте пригласить некого"
            )
        uncovered.append(UncoveredSegment(key=key, label=label, reason=reason, available=eligible))

    eligible_codes = pool.codes[rows]
    d = int((eligible_codes >= 0).sum(axis=1).max()) if rows.size else 0
    available = np.zeros(m, dtype=np.int64)
    for j in range(eligible_codes.shape[1]):
        col = eligible_codes[:, j]
        np.add.at(available, col[col >= 0], 1)
    # The fewest people any list can have: in each feature, the respondents its segments need,
    # divided by the most segments of that feature one person is in (one, unless a client's
    # records differ); the largest over the features.
    lower = 0
    quota_of = np.array([key.split("=", 1)[0] for key in pool.segments], dtype=object)
    for name in dict.fromkeys(quota_of.tolist()):
        in_quota = np.flatnonzero(quota_of == name)
        need = int(np.minimum(demand[in_quota], available[in_quota]).sum())
        if not need:
            continue
        hits = np.isin(eligible_codes, in_quota).sum(axis=1)
        most = max(1, int(hits.max())) if hits.size else 1
        lower = max(lower, -(-need // most))
    factor = harmonic(max(d, 1))
    respondents = [
        RecruitedRespondent(
            respondent_id=str(pool.ids[r]),
            segments=[pool.segments[i] for i in listed[r]],
            labels=[pool.labels.get(pool.segments[i], pool.segments[i]) for i in listed[r]],
            previous_interviews=int(pool.previous[r]),
        )
        for r in chosen
    ]
    n = len(respondents)
    opted = pool.excluded_opt_out + int(pool.opted_out.sum())
    limited = pool.excluded_limit + int(over.sum())
    covered = len(wanted) - len(uncovered)
    parts = [
        f"Для интервью подобрано {number(n)} {_people(n)}: они представляют {number(covered)} из "
        f"{plural(len(wanted), 'сегмента', 'сегментов', 'сегментов')}"
        f"{'' if any('&' in key for key in wanted) else ' по одному признаку'} "
        f"(нужно респондентов на сегмент: {per_segment})."
    ]
    if n:
        parts.append(
            "Программа выбирает тех, кто входит сразу в несколько сегментов: так людей нужно "
            "меньше."
        )
    if lower > 1:
        parts.append(
            f"Меньше {lower} человек не обойтись: столько нужно уже сегментам одного "
            "признака, а человек обычно входит только в один его сегмент."
        )
    excluded = []
    if opted:
        excluded.append(f"просили больше не приглашать — {opted}")
    if limited:
        excluded.append(f"уже прошли {max_interviews_per_person} интервью — {limited}")
    if pool.excluded_shared:
        excluded.append(
            "у одного идентификатора разные контакты (возможно, это разные люди) — "
            f"{number(pool.excluded_shared)}"
        )
    if excluded:
        parts.append("Не предлагались: " + "; ".join(excluded) + ".")
    explanation = " ".join(parts)
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
        min_cell=min_cell,
    )


def recruitment_frame(recruitment: Recruitment) -> pd.DataFrame:
    """The recruitment as a table to export (CSV / XLSX): one row per respondent, with the
    quotas they fill by name, as the page lists them (:func:`checked_recruitment`)."""
    respondents = checked_recruitment(recruitment).respondents
    return pd.DataFrame(
        {
            "Респондент": [r.respondent_id for r in respondents],
            "Закрываемые квоты": ["; ".join(r.labels) for r in respondents],
            "Прошёл интервью ранее": [r.previous_interviews for r in respondents],
        }
    )
