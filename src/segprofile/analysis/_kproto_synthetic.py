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


#: The client-export columns of :func:`planted_clients`: categorical ones with their levels.
CLIENT_LEVELS: dict[str, tuple[str, ...]] = {
    "country": ("RU", "KZ", "BY", "UZ", "TJ", "AM", "KG"),
    "sex": ("female", "male"),
    "education": ("basic", "secondary", "vocational", "some_college", "bachelor", "master", "phd"),
    "channel": ("epgu", "mfc", "office", "post"),
    "region": ("city", "town", "rural"),
    "marital": ("married", "single", "divorced", "widowed", "separated"),
    "employment": ("employed", "self_employed", "unemployed", "student", "retired"),
}
#: The numeric columns of :func:`planted_clients`.
CLIENT_NUMERIC: tuple[str, ...] = ("age", "income", "hours", "visits")


def planted_clients(
    n_samples: int,
    *,
    n_segments: int = 5,
    separation: float = 1.0,
    missing_rate: float = 0.03,
    random_state: int = 0,
) -> tuple[pd.DataFrame, NDArray[np.int64]]:
    """A client export with ``n_segments`` planted segments, as real exports look.

    * segments of unequal sizes (the largest several times the smallest, none under 4 %);
    * ``country`` has a dominant level (about 90 % everywhere) and says nothing about the
      segment; ``sex`` barely does; the other categories are informative for some segments
      only (each segment has a favourite level in a random half of them, which two segments
      may share);
    * numbers on real scales and skewed: an age (18–90), a log-normal income with a long tail,
      weekly hours bunched at 40, a count of visits (negative binomial); each segment shifts
      some of them by ``separation`` standard deviations (on the log scale for the income);
    * each cell is missing with probability ``missing_rate`` (income twice as often);
    * a satisfaction rating 1–5 for about 40 % of the rows; the last segment is unhappy (mean
      about 2.4 against 4.2), so its CSAT is clearly below the rest.

    Returns the frame (categories as strings, numbers as floats, ``satisfaction`` as a float
    with NaN where there is no rating) and the planted segment of every row.
    """
    params = np.random.default_rng([random_state, 7])
    rng = np.random.default_rng([random_state, 8])
    while True:
        shares = params.dirichlet(np.full(n_segments, 2.0))
        if shares.min() >= 0.04:
            break
    truth = rng.choice(n_segments, size=n_samples, p=shares).astype(np.int64)
    columns: dict[str, object] = {}
    for name, levels in CLIENT_LEVELS.items():
        n_lev = len(levels)
        if name == "country":
            base = np.array([0.9, *params.dirichlet(np.ones(n_lev - 1)) * 0.1])
            probs = np.tile(base, (n_segments, 1))
        else:
            base = params.dirichlet(np.full(n_lev, 1.5))
            probs = np.tile(base, (n_segments, 1))
            strength = 0.15 if name == "sex" else 0.55 * separation
            for c in range(n_segments):
                if name == "sex" or params.random() < 0.6:
                    peak = np.zeros(n_lev)
                    peak[params.integers(n_lev)] = 1.0
                    weight = min(strength, 0.9)
                    probs[c] = (1 - weight) * base + weight * peak
        cum = np.cumsum(probs, axis=1)
        u = rng.random(n_samples)
        codes = np.minimum((u[:, None] > cum[truth]).sum(axis=1), n_lev - 1)
        values = np.array(levels, dtype=object)[codes]
        values[rng.random(n_samples) < missing_rate] = None
        columns[name] = values
    for name in CLIENT_NUMERIC:
        shift = params.normal(0.0, separation, size=n_segments)
        shift[params.random(n_segments) < 0.35] = 0.0  # not every segment differs in it
        z = shift[truth] + rng.normal(size=n_samples)
        x: NDArray[np.float64]
        if name == "age":
            x = np.clip(np.round(44.0 + 14.0 * z), 18.0, 90.0).astype(np.float64)
        elif name == "income":
            x = np.round(np.exp(10.6 + 0.55 * z), -2).astype(np.float64)
        elif name == "hours":
            x = np.clip(np.round(40.0 + 9.0 * z), 1.0, 99.0).astype(np.float64)
            x[rng.random(n_samples) < 0.45] = 40.0  # the standard week
        else:
            mean = 2.0 * np.exp(0.5 * z)
            x = rng.negative_binomial(2, 2.0 / (2.0 + mean)).astype(np.float64)
        rate = 2 * missing_rate if name == "income" else missing_rate
        x[rng.random(n_samples) < rate] = np.nan
        columns[name] = x
    mean = np.where(truth == n_segments - 1, 2.4, 4.2)
    rating = np.clip(np.round(mean + rng.normal(0.0, 0.9, n_samples)), 1, 5).astype(np.float64)
    rating[rng.random(n_samples) >= 0.4] = np.nan
    columns["satisfaction"] = rating
    return pd.DataFrame(columns), truth


def planted_clients_features() -> list[dict[str, object]]:
    """The features of :func:`planted_clients` as a study document lists them, with Russian
    labels for every value (as a careful analyst would write them)."""
    labels: dict[str, tuple[str, dict[str, str]]] = {
        "country": (
            "Страна рождения",
            {
                "RU": "Россия",
                "KZ": "Казахстан",
                "BY": "Беларусь",
                "UZ": "Узбекистан",
                "TJ": "Таджикистан",
                "AM": "Армения",
                "KG": "Киргизия",
            },
        ),
        "sex": ("Пол", {"female": "Женский", "male": "Мужской"}),
        "education": (
            "Образование",
            {
                "basic": "Основное общее",
                "secondary": "Среднее общее",
                "vocational": "Среднее профессиональное",
                "some_college": "Неоконченное высшее",
                "bachelor": "Бакалавриат",
                "master": "Магистратура",
                "phd": "Учёная степень",
            },
        ),
        "channel": (
            "Канал подачи",
            {
                "epgu": "Портал Госуслуг (ЕПГУ)",
                "mfc": "МФЦ",
                "office": "Клиентская служба",
                "post": "Почта",
            },
        ),
        "region": (
            "Тип поселения",
            {"city": "Город", "town": "Малый город", "rural": "Сельская местность"},
        ),
        "marital": (
            "Семейное положение",
            {
                "married": "В браке",
                "single": "Не в браке",
                "divorced": "В разводе",
                "widowed": "Вдовец или вдова",
                "separated": "Живут раздельно",
            },
        ),
        "employment": (
            "Занятость",
            {
                "employed": "Работает по найму",
                "self_employed": "Самозанятый",
                "unemployed": "Не работает",
                "student": "Учится",
                "retired": "На пенсии",
            },
        ),
    }
    features: list[dict[str, object]] = [
        {
            "id": name,
            "column": name,
            "label": label,
            "source": {"kind": "other", "reference": "выгрузка"},
            "value_labels": values,
        }
        for name, (label, values) in labels.items()
    ]
    numeric = {
        "age": ("Возраст", [25, 35, 45, 60], "лет"),
        "income": ("Среднемесячный доход", [20_000, 40_000, 80_000], "руб."),
        "hours": ("Часов работы в неделю", [35, 41, 51], ""),
        "visits": ("Обращений за год", [1, 3, 6], ""),
    }
    for name, (label, thresholds, unit) in numeric.items():
        features.append(
            {
                "id": name,
                "column": name,
                "label": label,
                "type": "numeric",
                "source": {"kind": "other", "reference": "выгрузка"},
                "binning": {"thresholds": thresholds, "unit": unit},
            }
        )
    return features
