"""Seeded mixed data with planted segments, for the k-prototypes tests, study and benchmark.

Each planted cluster has, per categorical column, a favourite level drawn at random (two
clusters may share it, as real segments do) that it picks with extra probability
``categorical_separation`` on top of a base distribution shared by all clusters; and, per
numeric column, a mean drawn from ``N(0, numeric_separation²)`` around which its rows scatter with
unit variance before the column is mapped to a realistic scale (an age, a skewed income, a count).
Cluster sizes are unequal. Each cell is missing with probability ``missing_rate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray


def planted_mixed(
    n_samples: int,
    *,
    n_clusters: int = 4,
    n_categorical: int = 6,
    n_numeric: int = 3,
    categorical_separation: float = 0.45,
    numeric_separation: float = 1.0,
    missing_rate: float = 0.03,
    levels: tuple[int, int] = (3, 8),
    random_state: int = 0,
    sample: int = 0,
) -> tuple[pd.DataFrame, NDArray[np.int64]]:
    """A DataFrame (categoricals ``c0…`` as strings, numerics ``x0…`` as floats) and the truth.

    ``random_state`` fixes the planted structure; ``sample`` the rows drawn from it, so several
    samples (e.g. chunks of a large file) come from the same segments.
    """
    params = np.random.default_rng([random_state, 0])
    rng = np.random.default_rng([random_state, 1 + sample])
    sizes = params.dirichlet(np.full(n_clusters, 4.0))
    truth = rng.choice(n_clusters, size=n_samples, p=sizes).astype(np.int64)
    columns: dict[str, object] = {}
    for j in range(n_categorical):
        n_lev = int(params.integers(levels[0], levels[1] + 1))
        base = params.dirichlet(np.ones(n_lev))
        probs = np.empty((n_clusters, n_lev))
        for c in range(n_clusters):
            peak = np.zeros(n_lev)
            peak[params.integers(n_lev)] = 1.0
            probs[c] = (1 - categorical_separation) * base + categorical_separation * peak
        cum = np.cumsum(probs, axis=1)
        u = rng.random(n_samples)
        codes = (u[:, None] > cum[truth]).sum(axis=1)
        codes = np.minimum(codes, n_lev - 1)
        values = np.array([f"c{j}_{v}" for v in range(n_lev)], dtype=object)[codes]
        values[rng.random(n_samples) < missing_rate] = None
        columns[f"c{j}"] = values
    for j in range(n_numeric):
        means = params.normal(0.0, numeric_separation, size=n_clusters)
        z = means[truth] + rng.normal(size=n_samples)
        kind = j % 3
        if kind == 0:
            x = 42.0 + 12.0 * z  # an age-like column
        elif kind == 1:
            x = np.exp(10.5 + 0.35 * z)  # a skewed income-like column
        else:
            x = np.round(4.0 * np.exp(0.3 * z), 1)  # a small positive count-like column
        x[rng.random(n_samples) < missing_rate] = np.nan
        columns[f"x{j}"] = x
    return pd.DataFrame(columns), truth
