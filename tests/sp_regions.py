"""A seeded regional export for the audience and blind-zone tests (M-2, M-6).

Shaped like the walk-through that leaked: one region holds 72 % of the clients, four regions
have 1–4 clients each, the role's eligibility rule (age under 36) keeps about a fifth of them,
and the population table («численность имеющих право») has a count column by region and age
band. Of the tiny regions, «Еврейская АО» and «Ненецкий АО» are missing from the population
table, «Республика Тыва» has fewer entitled than applicants there, and «Чукотский АО» has many
entitled people; «Республика Алтай» has entitled people and no client at all.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 12_000
#: Regions with a handful of clients: name → clients. None may appear in any output.
TINY_REGIONS = {
    "Еврейская АО": 2,
    "Республика Тыва": 4,
    "Чукотский АО": 1,
    "Ненецкий АО": 3,
}
REGIONS = {
    "Москва": 0.72,
    "Московская область": 0.12,
    "Тульская область": 0.09,
    "Калужская область": 0.07,
}
#: The population table's ages: one representative age per band of the feature's thresholds.
AGES = {20: 0.2, 30: 0.2, 45: 0.3, 60: 0.3}
#: Entitled people (under 36) by region, as a statistics office would give them.
ENTITLED = {
    "Москва": 150_000,
    "Московская область": 40_000,
    "Тульская область": 15_000,
    "Калужская область": 11_000,
    "Республика Тыва": 1,
    "Чукотский АО": 900,
    "Республика Алтай": 800,
}

STUDY: dict[str, Any] = {
    "id": "regions",
    "title": "Пособие по регионам",
    "scope": {"kind": "service", "title": "Пособие", "client_types": ["citizen"]},
    "roles": [
        {
            "id": "applicant",
            "kind": "applicant",
            "title": "Заявитель",
            "audience": {
                "description": "Граждане моложе 36 лет",
                "eligibility_rule": "age < 36",
                "population_source": "population",
            },
        }
    ],
    "data_sources": [
        {
            "id": "records",
            "kind": "client_records",
            "path": "records.parquet",
            "id_column": "client_id",
        },
        {
            "id": "population",
            "kind": "population",
            "title": "Численность имеющих право",
            "path": "population.parquet",
            "count_column": "Численность",
        },
    ],
    "features": [
        {"id": "region", "column": "region", "label": "Регион"},
        {
            "id": "age",
            "column": "age",
            "label": "Возраст",
            "type": "numeric",
            "binning": {"thresholds": [25, 36, 50], "unit": "лет"},
        },
        {"id": "channel", "column": "channel", "label": "Канал подачи"},
    ],
    "segmentation": {"satisfaction": {"column": "rating"}, "clustering": {"enabled": False}},
}


def regional_records(rows: int = ROWS, seed: int = 11) -> pa.Table:
    rng = random.Random(seed)
    regions = [name for name, n in TINY_REGIONS.items() for _ in range(n)]
    names, weights = list(REGIONS), list(REGIONS.values())
    regions += rng.choices(names, weights, k=rows - len(regions))
    rng.shuffle(regions)
    # The tiny regions' clients are young: all of them in the role's audience.
    ages = [rng.randint(18, 35) if r in TINY_REGIONS else rng.randint(18, 75) for r in regions]
    channels = rng.choices(["ЕПГУ", "МФЦ", "Приёмная"], [0.6, 0.3, 0.1], k=len(regions))
    ratings = [
        rng.choice([1, 2, 3, 3, 4]) if channel == "МФЦ" else rng.choice([3, 4, 4, 5, 5])
        for channel in channels
    ]
    return pa.table(
        {
            "client_id": pa.array([f"c{i:06d}" for i in range(len(regions))]),
            "region": pa.array(regions),
            "age": pa.array(ages, pa.int64()),
            "channel": pa.array(channels),
            "rating": pa.array(ratings, pa.int64()),
        }
    )


def population_table() -> pa.Table:
    """The entitled by region and age band (ages under 36 only: the rest are not entitled)."""
    rows: dict[str, list[Any]] = {"region": [], "age": [], "Численность": []}
    for region, total in ENTITLED.items():
        young = {age: share for age, share in AGES.items() if age < 36}
        scale = sum(young.values())
        for age, share in young.items():
            rows["region"].append(region)
            rows["age"].append(age)
            rows["Численность"].append(max(1, round(total * share / scale)) if total > 1 else 1)
    return pa.table(
        {
            "region": pa.array(rows["region"]),
            "age": pa.array(rows["age"], pa.int64()),
            "Численность": pa.array(rows["Численность"], pa.int64()),
        }
    )


def write_regions(directory: Path, rows: int = ROWS, seed: int = 11) -> Path:
    """Write ``records.parquet`` and ``population.parquet`` to ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(regional_records(rows, seed), directory / "records.parquet")
    pq.write_table(population_table(), directory / "population.parquet")
    return directory
