"""Small statistics used across the analysis: intervals for proportions."""

from __future__ import annotations

import math
from statistics import NormalDist


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
