"""Numeric core of k-prototypes: the mixed distance, Lloyd iterations, seeding, gamma rules.

Everything here works on already validated, encoded arrays (see ``kprototypes.py``):

* ``num`` — float64 ``(n, p_num)``, Fortran order, in *working units* (standardised when the
  estimator standardises); a missing value holds the column's fill value (see :class:`Metric`);
* ``num_missing`` — bool ``(n, p_num)`` or ``None`` when no numeric value is missing;
* ``cat`` — int32 ``(n, p_cat)``, Fortran order; level ``v`` of column ``j`` is code ``v``, the
  missing level is code ``n_levels[j]`` and a level unseen at fit time is ``-1`` (never equal to
  a centroid code, so it mismatches every centroid).

The distance between a row and a centroid is accumulated column by column, in column order,
as ``num + gamma * cat`` with ``num = Σ w_j (z_j - c_j)²`` and ``cat = Σ w_j [x_j ≠ c_j]``.
The engine query (``assign_clusters``) writes the very same arithmetic in the very
same order, so labels computed here and in DuckDB agree bit for bit, ties included (ties break
to the lowest cluster index in both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from segprofile.analysis import _kproto_numba as nb

# Rows per block of the distance computation: (block × k) float64 work arrays stay in cache.
CHUNK_ROWS = 8192
# Width of the equal-width bins that give numeric columns a density in Cao's seeding,
# in standard deviations of the column.
CAO_BIN_WIDTH = 0.5
CAO_MAX_BINS = 81
# Upper bound on Hartigan's passes over the rows (full and partial) in one call.
HARTIGAN_PASSES = 100

# Use the compiled kernels when numba is installed (same results, several times faster). The
# tests switch this off to compare both paths.
USE_NUMBA: bool = nb.AVAILABLE

Floats = NDArray[np.float64]
Codes = NDArray[np.int32]
Labels = NDArray[np.int64]
Mask = NDArray[np.bool_]


def weighted_counts(codes: NDArray[np.integer[Any]], weights: Floats, length: int) -> Floats:
    """``np.bincount`` with weights (sums in row order), typed as the floats it returns."""
    return np.asarray(np.bincount(codes, weights=weights, minlength=length), dtype=np.float64)


def weighted_sum(weights: Floats, values: Floats) -> float:
    """``Σ weights × values`` without BLAS: a BLAS dot product wakes its own thread pool, which
    fights the compiled kernels' threads for the cores and costs more than the sum itself."""
    return float(np.multiply(weights, values).sum())


def array_order() -> Literal["C", "F"]:
    """Memory layout of encoded arrays: column-major, which both paths read column by column."""
    return "F"


@dataclass(frozen=True)
class Data:
    """Encoded rows: numeric block, its missing mask, categorical codes."""

    num: Floats
    num_missing: Mask | None
    cat: Codes

    @property
    def n_samples(self) -> int:
        return int(self.num.shape[0])

    def take(self, rows: NDArray[np.intp]) -> Data:
        """The same data restricted to ``rows`` (used for seeding candidates)."""
        miss = None if self.num_missing is None else self.num_missing[rows]
        return Data(self.num[rows], miss, self.cat[rows])


@dataclass(frozen=True)
class Metric:
    """The mixed distance: per-column weights (0 = column inactive), gamma, missing policy.

    ``num_fill[j]`` is the working-unit value a missing numeric value stands for in centroid
    updates under the ``"expected"`` policy (the column mean: 0 when standardised), and
    ``num_var[j]`` the column variance in working units (the expected extra squared distance
    of a missing value, added to the cost only: it is the same for every cluster).
    ``cat_modes`` are the columns' weighted modes (see :func:`global_modes`), used where a seed
    row's category is missing under the ``"mismatch"`` policy.
    """

    num_weights: Floats
    cat_weights: Floats
    gamma: float
    numeric_missing: str  # "ignore" | "expected"
    categorical_missing: str  # "level" | "mismatch"
    num_fill: Floats
    num_var: Floats
    n_levels: NDArray[np.int64]
    cat_modes: Codes

    @property
    def active_num(self) -> list[int]:
        return [j for j, w in enumerate(self.num_weights) if w > 0]

    @property
    def active_cat(self) -> list[int]:
        return [j for j, w in enumerate(self.cat_weights) if w > 0]


@dataclass
class Centroids:
    """Numeric part in working units ``(k, p_num)`` and categorical codes ``(k, p_cat)``."""

    num: Floats
    cat: Codes

    @property
    def k(self) -> int:
        return int(self.num.shape[0])

    def copy(self) -> Centroids:
        return Centroids(self.num.copy(), self.cat.copy())


# ---------------------------------------------------------------------------------------------
# Distances and assignment
# ---------------------------------------------------------------------------------------------


def _block_distances(
    num: Floats,
    miss: Mask | None,
    cat: Codes,
    cent: Centroids,
    metric: Metric,
    out: Floats,
    tmp: Floats,
) -> None:
    """Fill ``out`` (rows × k) with the mixed distance; see the module docstring for the order."""
    first = True
    ignore = metric.numeric_missing == "ignore"
    for j in metric.active_num:
        target = out if first else tmp
        np.subtract(num[:, j, None], cent.num[None, :, j], out=target)
        np.multiply(target, target, out=target)
        w = float(metric.num_weights[j])
        if w != 1.0:
            np.multiply(target, w, out=target)
        if ignore and miss is not None:
            col_miss = miss[:, j]
            if col_miss.any():
                np.copyto(target, 0.0, where=col_miss[:, None])
        if not first:
            np.add(out, tmp, out=out)
        first = False
    active_cat = metric.active_cat
    if not active_cat:
        if first:
            out.fill(0.0)
        return
    # The categorical sum needs its own accumulator when a numeric sum is already in ``out``.
    acc = out if first else np.empty_like(out)
    first_cat = True
    for j in active_cat:
        neq = np.not_equal(cat[:, j, None], cent.cat[None, :, j])
        w = float(metric.cat_weights[j])
        if first_cat:
            np.multiply(neq, w, out=acc)
            first_cat = False
        elif w == 1.0:
            np.add(acc, neq, out=acc)
        else:
            np.multiply(neq, w, out=tmp)
            np.add(acc, tmp, out=acc)
    np.multiply(acc, metric.gamma, out=acc)
    if acc is not out:
        np.add(out, acc, out=out)


def _kernel_args(data: Data, cent: Centroids, metric: Metric) -> tuple[Any, ...]:
    """Arguments of the compiled kernels (C-contiguous arrays, active columns only)."""
    num_idx = np.array(metric.active_num, dtype=np.int64)
    cat_idx = np.array(metric.active_cat, dtype=np.int64)
    miss = data.num_missing
    has_miss = miss is not None
    return (
        np.asfortranarray(data.num),
        np.asfortranarray(miss) if miss is not None else np.zeros((1, 1), dtype=np.bool_),
        np.asfortranarray(data.cat),
        np.ascontiguousarray(cent.num.T),
        np.ascontiguousarray(cent.cat.T),
        num_idx,
        np.ascontiguousarray(metric.num_weights[num_idx]),
        cat_idx,
        np.ascontiguousarray(metric.cat_weights[cat_idx]),
        float(metric.gamma),
        metric.numeric_missing == "ignore",
        has_miss,
    )


def distances(data: Data, cent: Centroids, metric: Metric) -> Floats:
    """All rows × all centroids, ``(n, k)``."""
    n, k = data.n_samples, cent.k
    out = np.empty((n, k), dtype=np.float64)
    if USE_NUMBA:
        unused_labels = np.empty(1, dtype=np.int64)
        unused_d = np.empty(1, dtype=np.float64)
        nb.nearest_kernel(*_kernel_args(data, cent, metric), True, out, unused_labels, unused_d)
        return out
    tmp = np.empty((min(n, CHUNK_ROWS), k), dtype=np.float64)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        miss = None if data.num_missing is None else data.num_missing[start:stop]
        _block_distances(
            data.num[start:stop],
            miss,
            data.cat[start:stop],
            cent,
            metric,
            out[start:stop],
            tmp[: stop - start],
        )
    return out


def assign(data: Data, cent: Centroids, metric: Metric) -> tuple[Labels, Floats]:
    """Nearest centroid of each row (lowest index on ties) and the distance to it."""
    n, k = data.n_samples, cent.k
    labels = np.empty(n, dtype=np.int64)
    dmin = np.empty(n, dtype=np.float64)
    if USE_NUMBA:
        unused = np.empty((1, 1), dtype=np.float64)
        nb.nearest_kernel(*_kernel_args(data, cent, metric), False, unused, labels, dmin)
        return labels, dmin
    block = np.empty((min(n, CHUNK_ROWS), k), dtype=np.float64)
    tmp = np.empty_like(block)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        rows = stop - start
        miss = None if data.num_missing is None else data.num_missing[start:stop]
        out = block[:rows]
        _block_distances(
            data.num[start:stop], miss, data.cat[start:stop], cent, metric, out, tmp[:rows]
        )
        best = np.argmin(out, axis=1)  # first minimum: ties go to the lowest index
        labels[start:stop] = best
        dmin[start:stop] = out[np.arange(rows), best]
    return labels, dmin


def missing_cost(data: Data, sample_weight: Floats, metric: Metric) -> float:
    """The part of the cost that missing numeric values add under ``"expected"`` (weighted)."""
    if metric.numeric_missing != "expected" or data.num_missing is None:
        return 0.0
    per_col = metric.num_weights * metric.num_var
    per_row = (data.num_missing * per_col[None, :]).sum(axis=1)
    return weighted_sum(sample_weight, per_row)


# ---------------------------------------------------------------------------------------------
# Centroid update
# ---------------------------------------------------------------------------------------------


def global_modes(
    cat: Codes, sample_weight: Floats, n_levels: NDArray[np.int64], categorical_missing: str
) -> Codes:
    """Weighted mode of each categorical column (the missing level only under ``"level"``)."""
    p_cat = cat.shape[1]
    modes = np.zeros(p_cat, dtype=np.int32)
    for j in range(p_cat):
        counts = weighted_counts(cat[:, j], sample_weight, int(n_levels[j]) + 1)
        if categorical_missing == "mismatch":
            counts[int(n_levels[j])] = 0.0
        modes[j] = int(np.argmax(counts))
    return modes


def _accumulate(
    data: Data, labels: Labels, sample_weight: Floats, k: int, metric: Metric
) -> tuple[Floats, Floats, Floats, list[Floats]]:
    """Per-cluster weight, numeric sums and their weights, and category counts.

    The sums run in row order (``np.bincount`` and the compiled kernel alike), so both paths
    give the same floating-point results.
    """
    p_num, p_cat = data.num.shape[1], data.cat.shape[1]
    widths = metric.n_levels + 1
    ignore = metric.numeric_missing == "ignore" and data.num_missing is not None
    if USE_NUMBA:
        offsets = np.concatenate([[0], np.cumsum(widths * k)]).astype(np.int64)
        sizes = np.zeros(k)
        sums = np.zeros((k, p_num))
        denom = np.zeros((k, p_num))
        flat = np.zeros(int(offsets[-1]))
        miss = data.num_missing if data.num_missing is not None else np.zeros((1, 1), bool)
        nb.update_kernel(
            np.asfortranarray(data.num),
            np.asfortranarray(miss),
            np.asfortranarray(data.cat),
            labels,
            sample_weight,
            ignore,
            data.num_missing is not None,
            offsets,
            widths.astype(np.int64),
            sizes,
            sums,
            denom,
            flat,
        )
        counts = [
            flat[offsets[j] : offsets[j + 1]].reshape(k, int(widths[j])) for j in range(p_cat)
        ]
        return sizes, sums, denom, counts
    sizes = weighted_counts(labels, sample_weight, k)
    sums = np.empty((k, p_num))
    denom = np.empty((k, p_num))
    for j in range(p_num):
        col = data.num[:, j]
        if ignore and data.num_missing is not None:
            w_obs = sample_weight * ~data.num_missing[:, j]
            denom[:, j] = weighted_counts(labels, w_obs, k)
            sums[:, j] = weighted_counts(labels, w_obs * col, k)
        else:
            denom[:, j] = sizes
            sums[:, j] = weighted_counts(labels, sample_weight * col, k)
    counts = []
    for j in range(p_cat):
        width = int(widths[j])
        counts.append(
            weighted_counts(labels * width + data.cat[:, j], sample_weight, k * width).reshape(
                k, width
            )
        )
    return sizes, sums, denom, counts


def update_centroids(
    data: Data,
    labels: Labels,
    sample_weight: Floats,
    k: int,
    metric: Metric,
    fallback: Centroids,
) -> tuple[Centroids, Floats]:
    """Weighted mean / weighted mode per cluster; ``fallback`` fills clusters with no weight.

    Returns the centroids and the total weight of each cluster.
    """
    sizes, sums, denom, counts = _accumulate(data, labels, sample_weight, k, metric)
    cnum = fallback.num.copy()
    ccat = fallback.cat.copy()
    for j in range(data.num.shape[1]):
        ok = denom[:, j] > 0
        cnum[ok, j] = sums[ok, j] / denom[ok, j]
        # A cluster that has members but none observed in this column takes the column mean.
        cnum[(sizes > 0) & ~ok, j] = metric.num_fill[j]
    for j, table in enumerate(counts):
        if metric.categorical_missing == "mismatch":
            table[:, -1] = 0.0
        has = table.max(axis=1) > 0
        ccat[has, j] = np.argmax(table[has], axis=1)
    return Centroids(cnum, ccat), sizes


# ---------------------------------------------------------------------------------------------
# Lloyd iterations
# ---------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """One run of the algorithm from one seeding."""

    centroids: Centroids
    labels: Labels
    cost: float
    n_iter: int
    converged: bool


def _noise_level(metric: Metric) -> float:
    """Distances below this are rounding noise: a tiny fraction of a typical distance."""
    typical = float(metric.num_weights @ metric.num_var) + metric.gamma * float(
        metric.cat_weights.sum()
    )
    return 1e-9 * max(typical, 1e-300)


def _reseed_empty(
    data: Data,
    cent: Centroids,
    labels: Labels,
    dmin: Floats,
    sample_weight: Floats,
    metric: Metric,
) -> bool:
    """Move each empty (zero-weight) cluster onto the farthest row; False when none is left.

    Rows already on their centroid (up to rounding noise) cannot found a new cluster: that only
    happens when there are fewer distinct rows than clusters.
    """
    k = cent.k
    sizes = weighted_counts(labels, sample_weight, k)
    empty = np.flatnonzero(sizes <= 0)
    if empty.size == 0:
        return True
    score = np.where(sample_weight > 0, dmin, -1.0)
    order = np.argsort(-score, kind="stable")
    noise = _noise_level(metric)
    for pos, e in enumerate(empty):
        if pos >= order.size or score[order[pos]] <= noise:
            return False
        row = int(order[pos])
        seed = seed_rows(data.take(np.array([row], dtype=np.intp)), metric)
        cent.num[e] = seed.num[0]
        cent.cat[e] = seed.cat[0]
        labels[row] = e
        dmin[row] = 0.0
    return True


def _lloyd_rounds(
    data: Data,
    sample_weight: Floats,
    cent: Centroids,
    labels: Labels,
    metric: Metric,
    max_iter: int,
    handoff: int = 0,
) -> tuple[Centroids, Labels, Floats, int, bool]:
    """Lloyd's batch rounds from ``labels``: recompute every centroid, reassign every row.

    Stops when at most ``handoff`` labels change (0: none); a round that changes labels without
    lowering the cost also ends it (only ties or rounding noise can do that, e.g. duplicate
    centroids on duplicate rows, and going on would cycle).
    """
    dmin = np.zeros(0)
    cost = np.inf
    n_iter = 0
    converged = False
    for _ in range(max_iter):
        n_iter += 1
        cent, _sizes = update_centroids(data, labels, sample_weight, cent.k, metric, cent)
        new_labels, dmin = assign(data, cent, metric)
        _reseed_empty(data, cent, new_labels, dmin, sample_weight, metric)
        new_cost = weighted_sum(sample_weight, dmin)
        changed = int(np.count_nonzero(new_labels != labels))
        stop = changed <= handoff or new_cost >= cost
        labels, cost = new_labels, new_cost
        if stop:
            converged = True
            break
    return cent, labels, dmin, n_iter, converged


def hartigan(
    data: Data,
    sample_weight: Floats,
    labels: Labels,
    k: int,
    metric: Metric,
    max_passes: int = HARTIGAN_PASSES,
) -> tuple[int, bool]:
    """Hartigan's single-row moves on ``labels`` (in place) until no row moves, in at most
    ``max_passes`` passes over all rows; the number of such passes and whether the last one
    moved nothing."""
    num_idx = np.array(metric.active_num, dtype=np.int64)
    cat_idx = np.array(metric.active_cat, dtype=np.int64)
    miss = data.num_missing
    skip = metric.numeric_missing == "ignore" and miss is not None
    if skip and miss is not None:
        miss_rows = np.ascontiguousarray(miss[:, num_idx])
    else:
        miss_rows = np.zeros((1, 1), np.bool_)
    stats = np.zeros(3, dtype=np.int64)
    nb.hartigan_kernel(
        np.ascontiguousarray(data.num[:, num_idx]),
        miss_rows,
        np.ascontiguousarray(data.cat[:, cat_idx]),
        labels,
        np.ascontiguousarray(sample_weight),
        k,
        np.ascontiguousarray(metric.num_weights[num_idx]),
        np.ascontiguousarray(metric.cat_weights[cat_idx] * metric.gamma),
        skip,
        metric.categorical_missing == "mismatch",
        metric.n_levels[cat_idx].astype(np.int64),
        (metric.n_levels[cat_idx] + 1).astype(np.int64),
        max_passes,
        _noise_level(metric),
        stats,
    )
    return int(stats[0]), bool(stats[2])


def lloyd(
    data: Data,
    sample_weight: Floats,
    init: Centroids,
    metric: Metric,
    max_iter: int,
) -> RunResult:
    """One run: every row to its nearest seed, Hartigan's single-row moves until no row
    moves (they lower the exact cost, centroid shifts included, and so leave local optima
    that Lloyd's batch step cannot), then Lloyd's rounds until no label changes — normally
    one round, which confirms the partition. The returned labels are the nearest-centroid
    labels of the returned centroids, so ``predict`` reproduces them."""
    cent = init.copy()
    labels, dmin = assign(data, cent, metric)
    _reseed_empty(data, cent, labels, dmin, sample_weight, metric)
    n_iter = 0
    converged = False
    while n_iter < max_iter:
        passes, settled = hartigan(data, sample_weight, labels, cent.k, metric, max_iter - n_iter)
        n_iter += passes
        if not settled or n_iter >= max_iter:
            break
        cent, labels, dmin, rounds, converged = _lloyd_rounds(
            data, sample_weight, cent, labels, metric, max_iter - n_iter
        )
        n_iter += rounds
        # One round that changes nothing confirms Hartigan's partition; rows that Lloyd's
        # rounds moved may open new single-row moves.
        if not converged or rounds == 1:
            break
        converged = False
    if not converged:
        # Labels must be those of the centroids we return (predict() gives the same answer).
        cent, _sizes = update_centroids(data, labels, sample_weight, cent.k, metric, cent)
        labels, dmin = assign(data, cent, metric)
    cost = weighted_sum(sample_weight, dmin) + missing_cost(data, sample_weight, metric)
    return RunResult(cent, labels, cost, n_iter, converged)


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


def seed_rows(rows: Data, metric: Metric) -> Centroids:
    """Centroids taken from data rows: a missing numeric value becomes the column's fill
    value; a missing category stays the missing level under ``"level"`` and becomes the
    column mode under ``"mismatch"`` (where missing never matches)."""
    num = rows.num.copy()
    if rows.num_missing is not None:
        fill = np.broadcast_to(metric.num_fill, num.shape)
        num[rows.num_missing] = fill[rows.num_missing]
    cat = rows.cat.copy()
    if metric.categorical_missing == "mismatch":
        missing = cat == metric.n_levels[None, :].astype(np.int32)
        if missing.any():
            cat[missing] = np.broadcast_to(metric.cat_modes, cat.shape)[missing]
    return Centroids(np.ascontiguousarray(num), np.ascontiguousarray(cat))


def _weighted_choice(rng: np.random.Generator, p: Floats, size: int) -> NDArray[np.intp]:
    """Indices drawn with probability proportional to ``p`` (searchsorted on the cumsum)."""
    cum = np.cumsum(p)
    total = cum[-1]
    draws = rng.random(size) * total
    idx = np.searchsorted(cum, draws, side="right")
    return np.asarray(np.minimum(idx, p.size - 1), dtype=np.intp)


def init_kmeanspp(
    data: Data,
    sample_weight: Floats,
    k: int,
    metric: Metric,
    rng: np.random.Generator,
) -> Centroids:
    """Greedy k-means++ (D² sampling) on the mixed distance, ``2 + ln k`` trials per step."""
    n_trials = 2 + int(math.log(k))
    first = int(_weighted_choice(rng, sample_weight, 1)[0])
    chosen = [first]
    seeds = seed_rows(data.take(np.array([first], dtype=np.intp)), metric)
    closest = distances(data, seeds, metric)[:, 0]
    for _ in range(1, k):
        pot = sample_weight * closest
        if pot.sum() <= 0:
            # Every row already sits on a seed: fewer distinct rows than clusters.
            cand = _weighted_choice(rng, sample_weight, 1)
        else:
            cand = _weighted_choice(rng, pot, n_trials)
        cand_cent = seed_rows(data.take(cand), metric)
        d_cand = distances(data, cand_cent, metric)
        np.minimum(d_cand, closest[:, None], out=d_cand)
        best = int(np.argmin((sample_weight[:, None] * d_cand).sum(axis=0)))
        chosen.append(int(cand[best]))
        closest = d_cand[:, best].copy()
    return seed_rows(data.take(np.array(chosen, dtype=np.intp)), metric)


def init_huang(
    data: Data,
    sample_weight: Floats,
    k: int,
    metric: Metric,
    rng: np.random.Generator,
) -> Centroids:
    """Huang (1998): draw each categorical attribute of a centroid from its frequencies, then
    take a row nearest to that vector (a random one among equally near rows, not used yet);
    the row's numeric values are the numeric part. Without categorical columns: random rows."""
    n = data.n_samples
    active = metric.active_cat
    chosen: list[int] = []
    if not active:
        order = rng.permutation(n)
        order = order[sample_weight[order] > 0]
        picks = order[:k] if order.size >= k else np.resize(order, k)
        return seed_rows(data.take(picks.astype(np.intp)), metric)
    target = np.zeros((k, data.cat.shape[1]), dtype=np.int32)
    for j in active:
        counts = weighted_counts(data.cat[:, j], sample_weight, int(metric.n_levels[j]) + 1)
        if metric.categorical_missing == "mismatch":
            counts[int(metric.n_levels[j])] = 0.0
        if counts.sum() <= 0:
            counts[int(metric.cat_modes[j])] = 1.0
        target[:, j] = _weighted_choice(rng, counts, k)
    mism = np.zeros((n, k), dtype=np.float64)
    for j in active:
        mism += np.not_equal(data.cat[:, j, None], target[None, :, j]) * metric.cat_weights[j]
    usable = sample_weight > 0
    for c in range(k):
        score = np.where(usable, mism[:, c], np.inf)
        if chosen:
            score[np.array(chosen)] = np.inf
        best = score.min()
        if not np.isfinite(best):  # fewer usable rows than clusters
            score = np.where(usable, mism[:, c], np.inf)
            best = score.min()
        ties = np.flatnonzero(score == best)
        chosen.append(int(ties[rng.integers(ties.size)]))
    return seed_rows(data.take(np.array(chosen, dtype=np.intp)), metric)


def swap_centroid(
    best: Centroids,
    data: Data,
    sample_weight: Floats,
    metric: Metric,
    rng: np.random.Generator,
) -> Centroids:
    """Random swap (Fränti 2018): one centroid, drawn at random, moved onto a random row.

    A run from the swapped centroids ends in a neighbouring local optimum, kept only when it
    costs less: the search leaves the basin in which every restart may have ended.
    """
    cent = best.copy()
    j = int(rng.integers(cent.k))
    row = int(_weighted_choice(rng, sample_weight, 1)[0])
    seed = seed_rows(data.take(np.array([row], dtype=np.intp)), metric)
    cent.num[j] = seed.num[0]
    cent.cat[j] = seed.cat[0]
    return cent


def cao_density(data: Data, sample_weight: Floats, metric: Metric) -> Floats:
    """Cao et al. (2009) density: the mean relative frequency of a row's values over columns.

    Categorical columns use their levels (the missing level counts as a level). Numeric columns,
    which Cao's method does not cover, use equal-width bins of ``CAO_BIN_WIDTH`` standard
    deviations (missing values share one bin), so an outlying number lowers a row's density
    just as a rare category does. Columns are averaged with their feature weights.
    """
    n = data.n_samples
    total_w = float(sample_weight.sum())
    dens = np.zeros(n, dtype=np.float64)
    weight_sum = 0.0
    for j in metric.active_cat:
        counts = weighted_counts(data.cat[:, j], sample_weight, int(metric.n_levels[j]) + 1)
        w = float(metric.cat_weights[j])
        dens += w * counts[data.cat[:, j]] / total_w
        weight_sum += w
    half = CAO_MAX_BINS // 2
    for j in metric.active_num:
        sd = math.sqrt(float(metric.num_var[j])) or 1.0
        z = (data.num[:, j] - metric.num_fill[j]) / (CAO_BIN_WIDTH * sd)
        bins = np.clip(np.floor(z), -half, half).astype(np.int64) + half
        if data.num_missing is not None:
            bins[data.num_missing[:, j]] = CAO_MAX_BINS
        counts = weighted_counts(bins, sample_weight, CAO_MAX_BINS + 1)
        w = float(metric.num_weights[j])
        dens += w * counts[bins] / total_w
        weight_sum += w
    if weight_sum > 0:
        dens /= weight_sum
    return dens


def init_cao(
    data: Data,
    sample_weight: Floats,
    k: int,
    metric: Metric,
) -> Centroids:
    """Cao et al. (2009): the densest row first, then each time the row maximising
    ``min over chosen seeds of density × distance`` (deterministic; lowest index on ties).

    With categorical columns, Cao's method as made for categories — densities and distances
    on the categorical columns alone (as kmodes does), which spreads the seeds over distinct
    category profiles; the numeric part of each seed is the weighted mean of the rows whose
    categories are nearest to the seed's (the seed row's own numbers where no row is).
    Without categorical columns: the mixed distance, numeric columns giving the density (see
    :func:`cao_density`); the seeds are rows.
    """
    # Categories only: zero numeric weights (gamma scales all distances alike).
    cat_only = Metric(**{**metric.__dict__, "num_weights": np.zeros_like(metric.num_weights)})
    by_categories = bool(metric.active_cat)
    pick = cat_only if by_categories else metric
    dens = cao_density(data, sample_weight, pick)
    dens = np.where(sample_weight > 0, dens, 0.0)
    first = int(np.argmax(dens))
    chosen = [first]
    seed = seed_rows(data.take(np.array([first], dtype=np.intp)), metric)
    closest = distances(data, seed, pick)[:, 0]
    for _ in range(1, k):
        score = dens * closest
        nxt = int(np.argmax(score))
        chosen.append(nxt)
        seed = seed_rows(data.take(np.array([nxt], dtype=np.intp)), metric)
        np.minimum(closest, distances(data, seed, pick)[:, 0], out=closest)
    seeds = seed_rows(data.take(np.array(chosen, dtype=np.intp)), metric)
    if not metric.active_num or not by_categories:
        return seeds
    nearest = np.argmin(distances(data, seeds, cat_only), axis=1)
    means, _sizes = update_centroids(data, nearest, sample_weight, k, metric, seeds)
    seeds.num[:] = means.num
    return seeds


# ---------------------------------------------------------------------------------------------
# Gamma
# ---------------------------------------------------------------------------------------------


def category_shares(data: Data, sample_weight: Floats, metric: Metric, j: int) -> Floats:
    """Weighted share of each level of categorical column ``j`` (last slot: missing)."""
    counts = weighted_counts(data.cat[:, j], sample_weight, int(metric.n_levels[j]) + 1)
    total = counts.sum()
    shares: Floats = counts / total if total > 0 else counts
    return shares


def estimate_gamma(rule: str, data: Data, sample_weight: Floats, metric: Metric) -> float:
    """Weight of one categorical mismatch relative to one squared numeric unit.

    * ``"huang"`` — Huang (1997): half the mean standard deviation of the numeric columns.
    * ``"balanced"`` — the mean numeric column's spread around its mean (weighted variance)
      divided by the mean categorical column's mismatch rate against its mode
      (``1 − p_mode``): with one cluster, an average numeric and an average categorical
      column then add the same amount to the cost.
    * ``"pairwise"`` — the same balance for two random rows: ``2·var`` against the Gini
      impurity ``1 − Σ p²``.

    With no active numeric or no active categorical column gamma does not change the labels;
    it is then 1.
    """
    num_cols, cat_cols = metric.active_num, metric.active_cat
    if not num_cols or not cat_cols:
        return 1.0
    if rule == "huang":
        return 0.5 * float(np.mean([math.sqrt(float(metric.num_var[j])) for j in num_cols]))
    mismatch = []
    for j in cat_cols:
        shares = category_shares(data, sample_weight, metric, j)
        if metric.categorical_missing == "mismatch":
            # A missing value never matches: it counts in the total but can be no mode.
            shares = shares[:-1]
        if rule == "pairwise":
            mismatch.append(float(metric.cat_weights[j]) * (1.0 - float(shares @ shares)))
        else:
            mismatch.append(float(metric.cat_weights[j]) * (1.0 - float(shares.max())))
    factor = 2.0 if rule == "pairwise" else 1.0
    spread = float(np.mean([factor * metric.num_weights[j] * metric.num_var[j] for j in num_cols]))
    mean_mismatch = float(np.mean(mismatch))
    if mean_mismatch <= 0:
        return 1.0
    return spread / mean_mismatch
