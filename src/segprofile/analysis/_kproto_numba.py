"""Optional compiled kernels for k-prototypes (used when numba is installed).

They compute exactly what the NumPy code in ``_kproto_core`` computes, in the same order of
floating-point operations (row-wise sums in column order, centroid sums in row order, first
minimum / first maximum on ties), so the labels, centroids and costs are bit-for-bit the same
with and without numba; the tests check it. numba is not given ``fastmath``: reassociating or
fusing the sums would break that equality (and the equality with the engine expression).

``hartigan_kernel`` has no NumPy twin: both paths call it (as plain Python without numba). Its
helpers are inlined into it (a call between compiled functions costs reference counting on
every array argument) and use NumPy's error model (no zero-division checks: every division is
guarded).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # numba is an optional accelerator: without it the NumPy code runs
    from numba import njit, prange  # type: ignore[import-untyped,import-not-found,unused-ignore]

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised where numba is absent
    AVAILABLE = False

__all__ = ["AVAILABLE", "hartigan_kernel", "nearest_kernel", "update_kernel"]

# Rows per parallel task: its (k × BLOCK) work arrays stay in the first-level cache.
BLOCK = 512


def _nearest(
    num: Any,
    miss: Any,
    cat: Any,
    cnum_t: Any,
    ccat_t: Any,
    num_idx: Any,
    num_w: Any,
    cat_idx: Any,
    cat_w: Any,
    gamma: float,
    ignore: bool,
    has_miss: bool,
    full: bool,
    out: Any,
    labels: Any,
    dmin: Any,
) -> None:
    """Distances of every row to every centroid: into ``out`` when ``full``, else only the
    nearest centroid (first minimum, like ``np.argmin``) into ``labels`` and ``dmin``.

    Rows are taken in blocks; within a block the innermost loop runs over rows of one column
    (contiguous in the column-major arrays, so it vectorises), while each (row, cluster) sum
    still runs over the columns in order, as in the NumPy code. A missing value under
    ``"ignore"`` adds 0.0, which leaves the sum exactly as skipping it would.
    """
    n = num.shape[0]
    k = cnum_t.shape[1]
    n_num = num_idx.shape[0]
    n_cat = cat_idx.shape[0]
    n_blocks = (n + BLOCK - 1) // BLOCK
    for b in prange(n_blocks):
        start = b * BLOCK
        m = min(n, start + BLOCK) - start
        acc = np.zeros((k, BLOCK))
        cacc = np.zeros((k, BLOCK))
        for t in range(n_num):
            j = num_idx[t]
            w = num_w[t]
            skip = ignore and has_miss
            for c in range(k):
                centre = cnum_t[j, c]
                row = acc[c]
                for r in range(m):
                    diff = num[start + r, j] - centre
                    term = diff * diff
                    if w != 1.0:
                        term = term * w
                    if skip and miss[start + r, j]:
                        term = 0.0
                    row[r] = row[r] + term
        for t in range(n_cat):
            j = cat_idx[t]
            w = cat_w[t]
            for c in range(k):
                level = ccat_t[j, c]
                row = cacc[c]
                for r in range(m):
                    # w × 1.0 or w × 0.0: the same addends as NumPy's ``neq * w``.
                    row[r] = row[r] + w * (cat[start + r, j] != level)
        if n_cat > 0:
            for c in range(k):
                for r in range(m):
                    if n_num == 0:
                        acc[c, r] = cacc[c, r] * gamma
                    else:
                        acc[c, r] = acc[c, r] + cacc[c, r] * gamma
        if full:
            for r in range(m):
                for c in range(k):
                    out[start + r, c] = acc[c, r]
        else:
            for r in range(m):
                best = 0
                best_d = acc[0, r]
                for c in range(1, k):
                    if acc[c, r] < best_d:  # strict: the first minimum wins, like np.argmin
                        best_d = acc[c, r]
                        best = c
                labels[start + r] = best
                dmin[start + r] = best_d


def _update(
    num: Any,
    miss: Any,
    cat: Any,
    labels: Any,
    sw: Any,
    ignore: bool,
    has_miss: bool,
    offsets: Any,
    widths: Any,
    sizes: Any,
    sums: Any,
    denom: Any,
    counts: Any,
) -> None:
    # One pass in row order: the same summation order as np.bincount in the NumPy code.
    n, p_num = num.shape
    p_cat = cat.shape[1]
    for i in range(n):
        c = labels[i]
        w = sw[i]
        sizes[c] += w
        for j in range(p_num):
            if ignore and has_miss and miss[i, j]:
                # Matches np.bincount(labels, weights=w_obs * col): adds 0.0 * value.
                sums[c, j] += 0.0 * num[i, j]
            else:
                sums[c, j] += w * num[i, j]
                denom[c, j] += w
        for j in range(p_cat):
            counts[offsets[j] + c * widths[j] + cat[i, j]] += w


# Clusters are handled in lanes of this many (the cluster loops have a constant trip count,
# which the compiler unrolls and vectorises); k is padded up to a multiple of it.
LANES = 8
# Partial passes in a row before a full pass looks at every row again.
MAX_PARTIAL = 50


def _rescan(
    cnt: Any, off: int, width: int, kp: int, c: int, excl: int, top1: Any, slack: Any, ntop: Any,
    t: int,
) -> None:  # fmt: skip
    """Top count of cluster ``c`` in categorical column ``t``, how many levels reach it, and
    its lead over the next level (0 on a tie); level ``excl`` (missing under "mismatch") is
    never a mode."""
    best = 0.0
    second = 0.0
    many = 0
    for v in range(width):
        if v == excl:
            continue
        x = cnt[off + v * kp + c]
        if x > best:
            second = best
            best = x
            many = 1
        elif x == best:
            many += 1
        elif x > second:
            second = x
    top1[t, c] = best
    ntop[t, c] = many
    slack[t, c] = best - second if many == 1 else 0.0


def _factors(t: int, c: int, nw: Any, obs: Any, fadd: Any, fsave: Any) -> None:
    """Unit-weight move factors of cluster ``c`` in numeric column ``t``: joining costs
    ``w·D/(D+1)·d²``, leaving saves ``w·D/(D−1)·d²`` (``D``: weight observed in the column)."""
    o = obs[t, c]
    fadd[t, c] = nw[t] * o / (o + 1.0) if o > 0.0 else 0.0
    fsave[t, c] = nw[t] * o / (o - 1.0) if o - 1.0 > 0.0 else 0.0


def _deltas(
    i: int, num: Any, miss: Any, cat: Any, w: float, a: int, kp: int, nw: Any, cwg: Any,
    skip: bool, mismatch: bool, miss_code: Any, offs: Any, obs: Any, mean: Any, cnt: Any,
    top1: Any, slack: Any, fadd: Any, fsave: Any, delta: Any,
) -> None:  # fmt: skip
    """Change of the exact cost if row ``i`` (weight ``w``) left cluster ``a`` for each ``b``."""
    for b in range(kp):
        delta[b] = 0.0
    n_lanes = kp // LANES
    if w == 1.0 and not skip:
        for t in range(num.shape[1]):
            x = num[i, t]
            d = x - mean[t, a]
            save = fsave[t, a] * d * d
            for q in range(n_lanes):
                for u in range(LANES):
                    b = q * LANES + u
                    d = x - mean[t, b]
                    delta[b] += fadd[t, b] * d * d - save
    else:
        for t in range(num.shape[1]):
            if skip and miss[i, t]:
                continue
            x = num[i, t]
            oa = obs[t, a]
            save = 0.0
            if oa - w > 0.0:
                d = x - mean[t, a]
                save = nw[t] * w * oa / (oa - w) * d * d
            for b in range(kp):
                ob = obs[t, b]
                add = 0.0
                if ob > 0.0:
                    d = x - mean[t, b]
                    add = nw[t] * w * ob / (ob + w) * d * d
                delta[b] += add - save
    for t in range(cat.shape[1]):
        v = cat[i, t]
        if mismatch and v == miss_code[t]:
            continue  # a missing value mismatches wherever it goes
        base = offs[t] + v * kp
        # Leaving a: the row's weight stops mismatching, unless its level was the sole mode,
        # whose count then drops (by at most the lead over the next level).
        save = w if top1[t, a] - cnt[base + a] > 0.0 else w - min(w, slack[t, a])
        g = cwg[t]
        for q in range(n_lanes):
            for u in range(LANES):
                b = q * LANES + u
                # Joining b: mismatches unless the level is within w of b's mode.
                delta[b] += g * (min(w, top1[t, b] - cnt[base + b]) - save)


def _same_modes(
    old: float, new: float, top: float, lead: float, many: int, top_after: float,
    lead_after: float, many_after: int,
) -> bool:  # fmt: skip
    """Whether a level's count going from ``old`` to ``new`` left the set of modes and their
    tie as they were (the level itself is sole mode before and after, or mode neither time
    with the top count unchanged)."""
    if many != many_after or (lead > 0.0) != (lead_after > 0.0):
        return False
    if top == top_after:
        return True
    return many == 1 and old == top and new == top_after


def _move(
    i: int, a: int, b: int, num: Any, miss: Any, cat: Any, w: float, kp: int, nw: Any,
    cwg: Any, skip: bool, mismatch: bool, miss_code: Any, offs: Any, widths: Any, size: Any,
    obs: Any, sums: Any, mean: Any, cnt: Any, top1: Any, slack: Any, ntop: Any, fadd: Any,
    fsave: Any, tables: bool, add_t: Any, save_t: Any,
) -> None:  # fmt: skip
    """Move row ``i`` from ``a`` to ``b``; keep sums, means, level counts and modes current,
    and with ``tables`` the move tables of the fast path (see :func:`_refresh`)."""
    size[a] -= w
    size[b] += w
    if not skip:
        # Every row observed in every column: one set of factors per cluster.
        sa = size[a]
        sb = size[b]
        ra = 1.0 / sa if sa > 0.0 else 0.0
        rb = 1.0 / sb if sb > 0.0 else 0.0
        add_a = sa / (sa + 1.0) if sa > 0.0 else 0.0
        add_b = sb / (sb + 1.0)
        save_a = sa / (sa - 1.0) if sa - 1.0 > 0.0 else 0.0
        save_b = sb / (sb - 1.0) if sb - 1.0 > 0.0 else 0.0
        for t in range(num.shape[1]):
            x = num[i, t]
            obs[t, a] = sa
            obs[t, b] = sb
            sums[t, a] -= w * x
            sums[t, b] += w * x
            mean[t, a] = sums[t, a] * ra
            mean[t, b] = sums[t, b] * rb
            fadd[t, a] = nw[t] * add_a
            fadd[t, b] = nw[t] * add_b
            fsave[t, a] = nw[t] * save_a
            fsave[t, b] = nw[t] * save_b
    for t in range(num.shape[1]):
        if not skip:
            break
        if miss[i, t]:
            continue
        x = num[i, t]
        obs[t, a] -= w
        obs[t, b] += w
        sums[t, a] -= w * x
        sums[t, b] += w * x
        mean[t, a] = sums[t, a] / obs[t, a] if obs[t, a] > 0.0 else 0.0
        mean[t, b] = sums[t, b] / obs[t, b] if obs[t, b] > 0.0 else 0.0
        factors(t, a, nw, obs, fadd, fsave)
        factors(t, b, nw, obs, fadd, fsave)
    for t in range(cat.shape[1]):
        v = cat[i, t]
        base = offs[t] + v * kp
        old_a = cnt[base + a]
        old_b = cnt[base + b]
        new_a = old_a - w
        new_b = old_b + w
        cnt[base + a] = new_a
        cnt[base + b] = new_b
        if mismatch and v == miss_code[t]:
            continue
        excl = miss_code[t] if mismatch else -1
        top_a, slack_a, many_a = top1[t, a], slack[t, a], ntop[t, a]
        top_b, slack_b, many_b = top1[t, b], slack[t, b], ntop[t, b]
        # Leaving a: the mode's count, tie count and lead follow, or a rescan of the levels.
        if old_a == top1[t, a]:
            if ntop[t, a] == 1 and new_a > top1[t, a] - slack[t, a]:
                slack[t, a] = new_a - (top1[t, a] - slack[t, a])
                top1[t, a] = new_a
            elif ntop[t, a] >= 3:
                ntop[t, a] -= 1
            else:
                rescan(cnt, offs[t], widths[t], kp, a, excl, top1, slack, ntop, t)
        elif slack[t, a] > 0.0 and old_a == top1[t, a] - slack[t, a]:
            rescan(cnt, offs[t], widths[t], kp, a, excl, top1, slack, ntop, t)
        # Joining b.
        if old_b == top1[t, b]:
            slack[t, b] = slack[t, b] + w if ntop[t, b] == 1 else w
            top1[t, b] = new_b
            ntop[t, b] = 1
        elif new_b > top1[t, b]:
            slack[t, b] = new_b - top1[t, b]
            top1[t, b] = new_b
            ntop[t, b] = 1
        elif new_b == top1[t, b]:
            ntop[t, b] += 1
            slack[t, b] = 0.0
        elif ntop[t, b] == 1:
            slack[t, b] = min(slack[t, b], top1[t, b] - new_b)
        if tables:
            # Unit weights: an entry only depends on whether its level is a mode and whether
            # the mode is tied, so only level v's entries change unless the set of modes or
            # the tie does.
            same_a = same_modes(old_a, new_a, top_a, slack_a, many_a, top1[t, a],
                                slack[t, a], ntop[t, a])  # fmt: skip
            same_b = same_modes(old_b, new_b, top_b, slack_b, many_b, top1[t, b],
                                slack[t, b], ntop[t, b])  # fmt: skip
            refresh(t, a, v if same_a else -1, cnt, offs, widths, kp, cwg, mismatch, miss_code,
                    top1, slack, add_t, save_t)  # fmt: skip
            refresh(t, b, v if same_b else -1, cnt, offs, widths, kp, cwg, mismatch, miss_code,
                    top1, slack, add_t, save_t)  # fmt: skip


def _best8(
    i: int, num: Any, cat: Any, a: int, k: int, offs: Any, mean: Any, fadd: Any, fsave: Any,
    add_t: Any, save_t: Any, tol: float,
) -> tuple[int, float]:  # fmt: skip
    """:func:`_deltas` for unit weights and at most 8 clusters, from the move tables: the
    best cluster to move to (``a`` if none pays) and the smallest change of cost. The eight
    lanes are written out so that they stay in registers."""
    d0 = d1 = d2 = d3 = d4 = d5 = d6 = d7 = 0.0
    sv = 0.0
    for t in range(num.shape[1]):
        x = num[i, t]
        e = x - mean[t, a]
        sv += fsave[t, a] * e * e
        e = x - mean[t, 0]
        d0 += fadd[t, 0] * e * e
        e = x - mean[t, 1]
        d1 += fadd[t, 1] * e * e
        e = x - mean[t, 2]
        d2 += fadd[t, 2] * e * e
        e = x - mean[t, 3]
        d3 += fadd[t, 3] * e * e
        e = x - mean[t, 4]
        d4 += fadd[t, 4] * e * e
        e = x - mean[t, 5]
        d5 += fadd[t, 5] * e * e
        e = x - mean[t, 6]
        d6 += fadd[t, 6] * e * e
        e = x - mean[t, 7]
        d7 += fadd[t, 7] * e * e
    for t in range(cat.shape[1]):
        base = offs[t] + cat[i, t] * LANES
        sv += save_t[base + a]
        d0 += add_t[base]
        d1 += add_t[base + 1]
        d2 += add_t[base + 2]
        d3 += add_t[base + 3]
        d4 += add_t[base + 4]
        d5 += add_t[base + 5]
        d6 += add_t[base + 6]
        d7 += add_t[base + 7]
    best = a
    best_delta = -tol
    low = np.inf
    for b in range(k):
        if b == a:
            continue
        if b == 0:
            dv = d0
        elif b == 1:
            dv = d1
        elif b == 2:
            dv = d2
        elif b == 3:
            dv = d3
        elif b == 4:
            dv = d4
        elif b == 5:
            dv = d5
        elif b == 6:
            dv = d6
        else:
            dv = d7
        dv -= sv
        low = min(low, dv)
        if dv < best_delta:
            best_delta = dv
            best = b
    return best, low


def _refresh(
    t: int, c: int, v: int, cnt: Any, offs: Any, widths: Any, kp: int, cwg: Any,
    mismatch: bool, miss_code: Any, top1: Any, slack: Any, add_t: Any, save_t: Any,
) -> None:  # fmt: skip
    """Move tables of cluster ``c`` in column ``t`` for level ``v`` (all levels if ``v < 0``):
    the cost of a unit-weight row at that level joining ``c`` and the saving of it leaving."""
    lo = 0 if v < 0 else v
    hi = widths[t] if v < 0 else v + 1
    g = cwg[t]
    for u in range(lo, hi):
        pos = offs[t] + u * kp + c
        if mismatch and u == miss_code[t]:
            add_t[pos] = 0.0
            save_t[pos] = 0.0
            continue
        gap = top1[t, c] - cnt[pos]
        add_t[pos] = g * min(1.0, gap)
        save_t[pos] = g if gap > 0.0 else g * (1.0 - min(1.0, slack[t, c]))


def _hartigan(
    num: Any, miss: Any, cat: Any, labels: Any, sw: Any, k: int, nw: Any, cwg: Any,
    skip: bool, mismatch: bool, miss_code: Any, widths: Any, max_passes: int, tol: float,
    stats: Any,
) -> int:  # fmt: skip
    """Hartigan's single-row moves for k-prototypes, until no row moves; the rows moved.

    A row moves from its cluster ``a`` to the cluster ``b`` that lowers the *exact* cost the
    most, centroid shifts included: for a numeric column, adding ``x`` (weight ``w``) to ``b``
    costs ``w·D_b/(D_b+w)·(x−μ_b)²`` and removing it from ``a`` saves ``w·D_a/(D_a−w)·(x−μ_a)²``
    (``D``: weight observed in the column); for a categorical column the cost is the weight
    not on the mode, ``W − top count``, kept up to date with each cluster's top count and its
    lead over the next level. Rows are visited in order, every move updates the sums and
    counts at once, and a cluster is never emptied.

    The first passes visit every row. Once few rows move, the passes visit only the rows whose
    best move was within a margin of paying off at their last visit (the rows near a border,
    where the remaining moves are), until none of them moves; then a full pass checks every
    row again. The run ends with a full pass that moves nothing: every row is then exactly at
    a Hartigan optimum. At most ``max_passes`` full passes are made; ``stats`` receives the
    number of full and of partial passes and 1 if the last full pass moved nothing.

    ``num``/``miss``/``cat`` hold the active columns only, row-major; ``cwg`` is gamma times
    the categorical weights; ``skip`` is True when missing numbers are skipped (``"ignore"``
    with missing values present).
    """
    n = num.shape[0]
    n_num = num.shape[1]
    n_cat = cat.shape[1]
    kp = ((k + LANES - 1) // LANES) * LANES
    offs = np.zeros(n_cat + 1, dtype=np.int64)
    for t in range(n_cat):
        offs[t + 1] = offs[t] + widths[t] * kp
    size = np.zeros(kp)
    obs = np.zeros((n_num, kp))
    sums = np.zeros((n_num, kp))
    mean = np.zeros((n_num, kp))
    fadd = np.zeros((n_num, kp))
    fsave = np.zeros((n_num, kp))
    cnt = np.zeros(max(offs[n_cat], 1))
    top1 = np.zeros((max(n_cat, 1), kp))
    slack = np.zeros((max(n_cat, 1), kp))
    ntop = np.zeros((max(n_cat, 1), kp), dtype=np.int64)
    for i in range(n):
        c = labels[i]
        w = sw[i]
        size[c] += w
        for t in range(n_num):
            if skip and miss[i, t]:
                continue
            obs[t, c] += w
            sums[t, c] += w * num[i, t]
        for t in range(n_cat):
            cnt[offs[t] + cat[i, t] * kp + c] += w
    for t in range(n_num):
        for c in range(k):
            mean[t, c] = sums[t, c] / obs[t, c] if obs[t, c] > 0.0 else 0.0
            factors(t, c, nw, obs, fadd, fsave)
    for t in range(n_cat):
        excl = miss_code[t] if mismatch else -1
        for c in range(k):
            rescan(cnt, offs[t], widths[t], kp, c, excl, top1, slack, ntop, t)
    # Unit weights, at most 8 clusters and no skipped numbers: the move tables path.
    fast = kp == LANES and not skip
    for i in range(n):
        if sw[i] != 1.0:
            fast = False
            break
    add_t = np.zeros(cnt.size if fast else 1)
    save_t = np.zeros(cnt.size if fast else 1)
    if fast:
        for t in range(n_cat):
            for c in range(k):
                refresh(t, c, -1, cnt, offs, widths, kp, cwg, mismatch, miss_code, top1, slack,
                        add_t, save_t)  # fmt: skip
    delta = np.zeros(kp)
    margin = np.zeros(n)
    near = np.zeros(n, dtype=np.int64)
    moves = 0
    full_passes = 0
    partial_passes = 0
    theta = 0.0
    full = True
    n_near = 0
    converged = False
    partial_in_row = 0
    while full_passes < max_passes:
        moved = 0
        count = n if full else n_near
        for pos in range(count):
            i = pos if full else near[pos]
            w = sw[i]
            a = labels[i]
            if w <= 0.0 or size[a] - w <= 0.0:
                margin[i] = np.inf
                continue
            if fast:
                best, low = best8(i, num, cat, a, k, offs, mean, fadd, fsave, add_t, save_t, tol)
            else:
                deltas(i, num, miss, cat, w, a, kp, nw, cwg, skip, mismatch, miss_code, offs,
                       obs, mean, cnt, top1, slack, fadd, fsave, delta)  # fmt: skip
                best = a
                best_delta = -tol
                low = np.inf
                for b in range(k):
                    if b != a:
                        low = min(low, delta[b])
                        if delta[b] < best_delta:
                            best_delta = delta[b]
                            best = b
            if best == a:
                margin[i] = low
                continue
            margin[i] = 0.0
            labels[i] = best
            move(i, a, best, num, miss, cat, w, kp, nw, cwg, skip, mismatch, miss_code, offs,
                 widths, size, obs, sums, mean, cnt, top1, slack, ntop, fadd, fsave, fast,
                 add_t, save_t)  # fmt: skip
            moved += 1
        moves += moved
        if full:
            full_passes += 1
            if moved == 0:
                converged = True
                break
            if moved * 100 > n:
                continue  # many rows still move: another full pass
            # Few rows move: the next passes visit the rows nearest to a move, the 5 % with
            # the smallest margins (and at least every row that moved).
            step = n // 4096 + 1
            theta = max(np.quantile(margin[::step], 0.05), 0.0)
            n_near = 0
            for i in range(n):
                if margin[i] <= theta:
                    near[n_near] = i
                    n_near += 1
            full = False
            partial_in_row = 0
        else:
            partial_passes += 1
            partial_in_row += 1
            if moved == 0 or partial_in_row >= MAX_PARTIAL:
                full = True
    stats[0] = full_passes
    stats[1] = partial_passes
    stats[2] = 1 if converged else 0
    return moves


# Typed as Any: numba's Dispatcher and the plain function are called the same way.
nearest_kernel: Any
update_kernel: Any
hartigan_kernel: Any
rescan: Any
factors: Any
deltas: Any
move: Any
best8: Any
refresh: Any
same_modes: Any
if AVAILABLE:
    nearest_kernel = njit(cache=True, nogil=True, parallel=True)(_nearest)
    update_kernel = njit(cache=True, nogil=True)(_update)
    rescan = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_rescan)
    factors = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_factors)
    deltas = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_deltas)
    move = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_move)
    best8 = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_best8)
    refresh = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_refresh)
    same_modes = njit(cache=True, nogil=True, inline="always", error_model="numpy")(_same_modes)
    hartigan_kernel = njit(cache=True, nogil=True, error_model="numpy")(_hartigan)
else:  # pragma: no cover - exercised where numba is absent
    nearest_kernel = _nearest
    update_kernel = _update
    rescan = _rescan
    factors = _factors
    deltas = _deltas
    move = _move
    best8 = _best8
    refresh = _refresh
    same_modes = _same_modes
    hartigan_kernel = _hartigan
