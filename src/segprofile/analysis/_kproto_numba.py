"""Optional compiled kernels for k-prototypes (used when numba is installed).

They compute exactly what the NumPy code in ``_kproto_core`` computes, in the same order of
floating-point operations (row-wise sums in column order, centroid sums in row order, first
minimum / first maximum on ties), so the labels, centroids and costs are bit-for-bit the same
with and without numba; the tests check it. numba is not given ``fastmath``: reassociating or
fusing the sums would break that equality (and the equality with the engine expression).
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


def _top_of(
    counts: Any,
    base: int,
    width: int,
    mismatch: bool,
    missing: int,
    best_count: Any,
    n_top: Any,
    c: int,
    t: int,
) -> None:
    """Top count of one cluster's level counts in one column, and how many levels reach it."""
    top = 0.0
    many = 0
    for v in range(width):
        if mismatch and v == missing:
            continue
        value = counts[base + v]
        if value > top:
            top = value
            many = 1
        elif value == top:
            many += 1
    best_count[c, t] = top
    n_top[c, t] = many


def _hartigan(
    num: Any,
    miss: Any,
    cat: Any,
    labels: Any,
    sw: Any,
    k: int,
    num_idx: Any,
    num_w: Any,
    cat_idx: Any,
    cat_w: Any,
    gamma: float,
    ignore: bool,
    has_miss: bool,
    mismatch: bool,
    missing_code: Any,
    offsets: Any,
    widths: Any,
    max_passes: int,
    tol: float,
) -> int:
    """Hartigan's single-row moves for k-prototypes; returns the number of moves made.

    A row moves from its cluster ``a`` to the cluster ``b`` that lowers the *exact* cost the
    most, centroid shifts included: for a numeric column, adding ``x`` (weight ``w``) to ``b``
    costs ``w·D_b/(D_b+w)·(x−μ_b)²`` and removing it from ``a`` saves ``w·D_a/(D_a−w)·(x−μ_a)²``
    (``D``: weight observed in the column); for a categorical column the cost is the weight
    not on the mode, ``W − max count``, recomputed from the counts. Rows are visited in order,
    the cluster sums and counts follow every move, and a cluster is never emptied. Lloyd's
    nearest-centroid step, which this follows, cannot see these moves; kmodes' row-by-row
    updates see part of them.
    """
    n = num.shape[0]
    n_num = num_idx.shape[0]
    n_cat = cat_idx.shape[0]
    size = np.zeros(k)
    obs = np.zeros((k, max(n_num, 1)))
    sums = np.zeros((k, max(n_num, 1)))
    counts = np.zeros(offsets[-1])
    best_count = np.zeros((k, max(n_cat, 1)))
    # How many levels share the top count: while more than one does, taking a row off a top
    # level leaves the top unchanged, so high-cardinality columns (where many levels tie at
    # one or two rows) need no scan of their levels.
    n_top = np.zeros((k, max(n_cat, 1)), dtype=np.int64)
    for i in range(n):
        c = labels[i]
        w = sw[i]
        size[c] += w
        for t in range(n_num):
            j = num_idx[t]
            if ignore and has_miss and miss[i, j]:
                continue
            obs[c, t] += w
            sums[c, t] += w * num[i, j]
        for t in range(n_cat):
            j = cat_idx[t]
            counts[offsets[t] + c * widths[t] + cat[i, j]] += w
    for c in range(k):
        for t in range(n_cat):
            top_of(counts, offsets[t] + c * widths[t], widths[t], mismatch, missing_code[t],
                    best_count, n_top, c, t)  # fmt: skip
    delta = np.zeros(k)
    moves = 0
    for _ in range(max_passes):
        moved = 0
        for i in range(n):
            w = sw[i]
            a = labels[i]
            if w <= 0.0 or size[a] - w <= 0.0:
                continue
            for b in range(k):
                delta[b] = 0.0
            # Numeric columns: saving from leaving a, cost of joining each b.
            for t in range(n_num):
                j = num_idx[t]
                if ignore and has_miss and miss[i, j]:
                    continue
                x = num[i, j]
                if obs[a, t] - w > 0.0:
                    diff = x - sums[a, t] / obs[a, t]
                    save = num_w[t] * w * obs[a, t] / (obs[a, t] - w) * diff * diff
                else:
                    save = 0.0
                for b in range(k):
                    if b == a:
                        continue
                    if obs[b, t] > 0.0:
                        diff = x - sums[b, t] / obs[b, t]
                        add = num_w[t] * w * obs[b, t] / (obs[b, t] + w) * diff * diff
                    else:
                        add = 0.0
                    delta[b] += add - save
            # Categorical columns: the weight off the mode, before and after.
            for t in range(n_cat):
                j = cat_idx[t]
                v = cat[i, j]
                if mismatch and v == missing_code[t]:
                    continue  # a missing value mismatches wherever it goes
                base_a = offsets[t] + a * widths[t]
                top_a = best_count[a, t]
                if counts[base_a + v] < top_a or n_top[a, t] > 1:
                    new_top_a = top_a
                else:
                    new_top_a = counts[base_a + v] - w
                    for u in range(widths[t]):
                        if u == v or (mismatch and u == missing_code[t]):
                            continue
                        new_top_a = max(new_top_a, counts[base_a + u])
                save = cat_w[t] * gamma * (w - (top_a - new_top_a))
                for b in range(k):
                    if b == a:
                        continue
                    after_b = max(best_count[b, t], counts[offsets[t] + b * widths[t] + v] + w)
                    add = cat_w[t] * gamma * (w - (after_b - best_count[b, t]))
                    delta[b] += add - save
            best = a
            best_delta = -tol
            for b in range(k):
                if b != a and delta[b] < best_delta:
                    best_delta = delta[b]
                    best = b
            if best == a:
                continue
            b = best
            labels[i] = b
            size[a] -= w
            size[b] += w
            for t in range(n_num):
                j = num_idx[t]
                if ignore and has_miss and miss[i, j]:
                    continue
                obs[a, t] -= w
                obs[b, t] += w
                sums[a, t] -= w * num[i, j]
                sums[b, t] += w * num[i, j]
            for t in range(n_cat):
                j = cat_idx[t]
                v = cat[i, j]
                base_a = offsets[t] + a * widths[t]
                base_b = offsets[t] + b * widths[t]
                was_top_a = counts[base_a + v] == best_count[a, t]
                counts[base_a + v] -= w
                counts[base_b + v] += w
                if mismatch and v == missing_code[t]:
                    continue
                if counts[base_b + v] > best_count[b, t]:
                    best_count[b, t] = counts[base_b + v]
                    n_top[b, t] = 1
                elif counts[base_b + v] == best_count[b, t]:
                    n_top[b, t] += 1
                if was_top_a:
                    if n_top[a, t] > 1:
                        n_top[a, t] -= 1
                    else:
                        top_of(counts, base_a, widths[t], mismatch, missing_code[t],
                                best_count, n_top, a, t)  # fmt: skip
            moved += 1
        moves += moved
        if moved == 0:
            break
    return moves


# Typed as Any: numba's Dispatcher and the plain function are called the same way.
nearest_kernel: Any
update_kernel: Any
hartigan_kernel: Any
top_of: Any
if AVAILABLE:
    nearest_kernel = njit(cache=True, nogil=True, parallel=True)(_nearest)
    update_kernel = njit(cache=True, nogil=True)(_update)
    top_of = njit(cache=True, nogil=True)(_top_of)
    hartigan_kernel = njit(cache=True, nogil=True)(_hartigan)
else:  # pragma: no cover - exercised where numba is absent
    nearest_kernel = _nearest
    update_kernel = _update
    top_of = _top_of
    hartigan_kernel = _hartigan
