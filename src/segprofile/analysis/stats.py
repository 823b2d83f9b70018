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
