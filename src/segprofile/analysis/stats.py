"""Small statistics used across the analysis: intervals and tests for proportions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
from scipy import stats as sps  # type: ignore[import-untyped]


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 0.95 → 1.959964…"""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence} should be in (0, 1).")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``successes / n``.

    Good at small ``n`` and near 0 or 1, where the normal approximation fails.
    """
    if n <= 0:
        raise ValueError(f"n={n} should be > 0.")
    if not 0 <= successes <= n:
        raise ValueError(f"successes={successes} should be within [0, n={n}].")
    z = z_value(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def required_sample(
    margin: float, confidence: float = 0.95, population: int | None = None, p: float = 0.5
) -> int:
    """Respondents needed to estimate a share within ``±margin``, with finite-population correction.

    ``n0 = z² p (1 − p) / margin²``; with a population of ``N``: ``n = n0 / (1 + (n0 − 1) / N)``.
    """
    if not 0 < margin < 1:
        raise ValueError(f"margin={margin} should be in (0, 1).")
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is not None and population > 0:
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)


def nps_interval(
    promoters: int, detractors: int, n: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Net Promoter Score (share of 9–10 minus share of 0–6) and its normal-approximation interval.

    Returns ``(nps, low, high)`` on the −1…1 scale.
    """
    if n <= 0:
        raise ValueError(f"n={n} should be > 0.")
    pp, pd_ = promoters / n, detractors / n
    nps = pp - pd_
    variance = (pp + pd_ - nps * nps) / n
    half = z_value(confidence) * math.sqrt(max(variance, 0.0))
    return nps, max(-1.0, nps - half), min(1.0, nps + half)


def newcombe_interval(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for the difference of two shares ``p_a − p_b``.

    Built from the two Wilson intervals (Newcombe 1998, method 10): good at small counts and
    near 0 or 1, where the Wald interval fails.
    """
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_interval(successes_a, n_a, confidence)
    low_b, high_b = wilson_interval(successes_b, n_b, confidence)
    diff = p_a - p_b
    low = diff - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = diff + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return max(-1.0, low), min(1.0, high)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the input order.

    ``p_adj(i) = min over j ≥ i of p(j) · m / j`` for p sorted ascending, capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    if np.any((p < 0) | (p > 1) | np.isnan(p)):
        raise ValueError("p-values should be within [0, 1].")
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in out]


def compare_shares(
    yes_in: int, n_in: int, yes_rest: int, n_rest: int
) -> tuple[str, float | None, float]:
    """Difference of a segment's share against the rest: ``(test, statistic, p-value)``.

    Pearson's chi-square on the 2×2 table without continuity correction; Fisher's exact test
    (two-sided; the statistic is the odds ratio) when any expected count is below 5.
    """
    if n_in <= 0 or n_rest <= 0:
        raise ValueError("both groups need answers.")
    table = np.array([[yes_in, n_in - yes_in], [yes_rest, n_rest - yes_rest]], dtype=float)
    total = table.sum()
    expected = table.sum(axis=1)[:, None] * table.sum(axis=0)[None, :] / total
    if expected.min() < 5:
        odds, p = sps.fisher_exact(table.astype(np.int64), alternative="two-sided")
        return "fisher", float(odds) if math.isfinite(odds) else None, float(p)
    chi2, p, _dof, _exp = sps.chi2_contingency(table, correction=False)
    return "chi2", float(chi2), float(p)
