"""A seeded census-like export for the priority tests (M-6): what misled the ranking on real data.

About 30 000 client records shaped like a public census extract: English codes with uneven
casing, one country holding 90 % of the clients, a balanced sex feature whose satisfaction is
the same for both, tiny groups (1, 3 and 13 people, the 13 with an extreme CSAT), and one
planted unhappy segment — people working more than 50 hours a week (≈ 10 % of the rows, CSAT
≈ 18 % against ≈ 61 % overall). Long hours are more common at 40–60 years, so the age group
overlaps the planted segment; within it, the 40–60-year-olds are unhappier still.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 30_000
#: Tiny countries: name → (people, happy among them). The 13 people have an extreme CSAT.
TINY_COUNTRIES = {"Holand-Netherlands": (1, 0), "Honduras": (3, 2), "Scotland": (13, 2)}
COUNTRIES = {"Mexico": 0.035, "Philippines": 0.02, "Germany": 0.015, "Canada": 0.015}
EDUCATION = {
    "HS-grad": 0.32,
    "Some-college": 0.22,
    "Bachelors": 0.16,
    "Masters": 0.05,
    "Assoc-voc": 0.04,
    "11th": 0.04,
    "Assoc-acdm": 0.03,
    "10th": 0.03,
    "7th-8th": 0.02,
    "Prof-school": 0.02,
    "9th": 0.02,
    "12th": 0.015,
    "Doctorate": 0.015,
    "5th-6th": 0.01,
    "1st-4th": 0.005,
}
MARITAL = {
    "Married-civ-spouse": 0.46,
    "Never-married": 0.33,
    "Divorced": 0.14,
    "Separated": 0.03,
    "Widowed": 0.03,
    "Married-spouse-absent": 0.01,
}
#: CSAT planted per group: long hours at 40–60 years, long hours otherwise, everyone else.
CSAT_LONG_MIDDLE = 0.12
CSAT_LONG_OTHER = 0.29
CSAT_REST = 0.66

STUDY: dict[str, Any] = {
    "id": "census",
    "title": "Перепись (проверка приоритетов)",
    "scope": {"kind": "service", "title": "Услуга", "client_types": ["citizen"]},
    "data_sources": [
        {"id": "records", "kind": "client_records", "path": "records.parquet", "id_column": "id"}
    ],
    "features": [
        {
            "id": "age",
            "column": "age",
            "label": "Возраст",
            "type": "numeric",
            "binning": {"thresholds": [25, 40, 61], "unit": "лет"},
        },
        {
            "id": "hours",
            "column": "hours_per_week",
            "label": "Часов в неделю",
            "type": "numeric",
            "binning": {
                "thresholds": [35, 41, 51],
                "labels": ["менее 35 часов", "35–40 часов", "41–50 часов", "более 50 часов"],
            },
        },
        {"id": "education", "column": "education", "label": "Образование"},
        {
            "id": "marital",
            "column": "marital_status",
            "label": "Семейное положение",
            "value_labels": {
                "Married-civ-spouse": "в браке",
                "Never-married": "Никогда не состоял(а) в браке",
            },
        },
        {"id": "country", "column": "native_country", "label": "Страна рождения"},
        {
            "id": "sex",
            "column": "sex",
            "label": "Пол",
            "value_labels": {"Male": "Мужчины", "Female": "Женщины"},
        },
        {"id": "income", "column": "income", "label": "Доход"},
    ],
    "segmentation": {
        "satisfaction": {"column": "satisfaction"},
        "clustering": {"enabled": False},
    },
}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _rating(rng: random.Random, happy: bool) -> int:
    return rng.choice([4, 5, 5]) if happy else rng.choice([1, 2, 2, 3, 3, 3])


def census_records(rows: int = ROWS, seed: int = 17) -> pa.Table:
    """The census-like records (see the module's docstring); deterministic for a seed."""
    rng = random.Random(seed)
    tiny = [c for c, (n, _) in TINY_COUNTRIES.items() for _ in range(n)]
    tiny_happy = {c: h for c, (_, h) in TINY_COUNTRIES.items()}
    data: dict[str, list[Any]] = {
        k: []
        for k in (
            "id",
            "age",
            "hours_per_week",
            "education",
            "marital_status",
            "native_country",
            "sex",
            "income",
            "satisfaction",
        )
    }
    for i in range(rows):
        age = min(90, 17 + int(rng.gammavariate(3.0, 7.5)))
        middle = 40 <= age <= 60
        long_hours = rng.random() < (0.18 if middle else 0.055)
        hours = rng.randint(51, 80) if long_hours else rng.choice([20, 30, 38, 40, 40, 40, 45])
        if i < len(tiny):
            country = tiny[i]
            happy = tiny_happy[country] > 0
            tiny_happy[country] -= 1
        else:
            other = rng.random() < 0.1
            country = _pick(rng, COUNTRIES) if other else "United-States"
            csat = (CSAT_LONG_MIDDLE if middle else CSAT_LONG_OTHER) if long_hours else CSAT_REST
            happy = rng.random() < csat
        marital = _pick(rng, MARITAL)
        if rng.random() < 0.01:
            marital = marital.lower()  # messy casing in a real export
        data["id"].append(f"c{i:06d}")
        data["age"].append(age)
        data["hours_per_week"].append(hours)
        data["education"].append(_pick(rng, EDUCATION))
        data["marital_status"].append(marital)
        data["native_country"].append(country)
        data["sex"].append("Male" if rng.random() < 0.5 else "Female")
        data["income"].append(">50K" if rng.random() < 0.24 else "<=50K")
        rated = i < len(tiny) or rng.random() < 0.85
        data["satisfaction"].append(_rating(rng, happy) if rated else None)
    return pa.table(
        {
            name: pa.array(
                values,
                pa.int64() if name in ("age", "hours_per_week", "satisfaction") else pa.string(),
            )
            for name, values in data.items()
        }
    )


def write_census(directory: Path, rows: int = ROWS, seed: int = 17) -> Path:
    """Write the records to ``directory/records.parquet``; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(census_records(rows, seed), directory / "records.parquet")
    return directory
