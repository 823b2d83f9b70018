"""Helpers shared by the example generators: seeded ids, vectorised sampling, Parquet output.

Everything is driven by one ``numpy.random.Generator`` per call, used in a fixed order, so the
same seed gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_U64 = np.uint64


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection of uint64, so distinct inputs give distinct ids."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64, copy=True)
        z ^= z >> _U64(30)
        z *= _U64(0xBF58476D1CE4E5B9)
        z ^= z >> _U64(27)
        z *= _U64(0x94D049BB133111EB)
        z ^= z >> _U64(31)
    return z


def pseudonym_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` distinct 16-character hex pseudonyms derived from the generator (not real ids)."""
    salt = rng.integers(0, 2**63, dtype=np.uint64)
    with np.errstate(over="ignore"):
        keys = _splitmix64(np.arange(n, dtype=np.uint64) + salt)
    raw = keys.astype(">u8").view(np.uint8).reshape(n, 8)
    chars = np.empty((n, 16), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int32)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes())
    )


def choice_by_group(rng: np.random.Generator, group: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row from ``probs[group[row]]`` (rows of ``probs`` sum to 1)."""
    cumulative = np.cumsum(probs, axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random(int(group.shape[0]))
    return np.asarray((u[:, None] >= cumulative[group]).sum(axis=1), dtype=np.int64)


def prob_matrix(
    table: Mapping[str, Mapping[str, float]], groups: Sequence[str], codes: Sequence[str]
) -> np.ndarray:
    """Rows of category probabilities per group, normalised; missing codes get 0."""
    out = np.array([[table[g].get(c, 0.0) for c in codes] for g in groups], dtype=float)
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=float)


def dictionary_column(codes: Sequence[str], index: np.ndarray) -> pa.Array:
    """A string column from category indexes (decoded, plain strings in the file)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(index.astype(np.int32)), pa.array(list(codes), pa.string())
    ).cast(pa.string())


def nullable_int(values: np.ndarray, present: np.ndarray) -> pa.Array:
    """An int64 column that is null where ``present`` is false."""
    return pa.array(values.astype(np.int64), type=pa.int64(), mask=~present)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=float)


def ratings_from_satisfied(rng: np.random.Generator, satisfied: np.ndarray) -> np.ndarray:
    """A 1–5 rating: 4–5 for satisfied clients, 1–3 otherwise (CSAT = share of 4–5)."""
    u = rng.random(int(satisfied.shape[0]))
    high = np.where(u < 0.55, 5, 4)
    low = np.select([u < 0.25, u < 0.6], [1, 2], default=3)
    return np.where(satisfied, high, low).astype(np.int64)


def nps_from_rating(rng: np.random.Generator, rating: np.ndarray) -> np.ndarray:
    """A 0–10 recommendation score consistent with a 1–5 rating."""
    base = np.array([0, 2, 4, 6, 8, 9], dtype=float)[rating]
    noise = rng.normal(0.0, 1.0, int(rating.shape[0]))
    return np.asarray(np.clip(np.rint(base + noise), 0, 10), dtype=np.int64)


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write without pandas metadata or timestamps, so equal tables give equal bytes."""
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", write_statistics=True)
    return path


def days_of_year(year: int) -> tuple[np.ndarray, np.ndarray]:
    """All dates of ``year`` and a mask of working days (Monday–Friday)."""
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    weekday = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was Thursday
    return days, weekday < 5


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """One of ``options``, uniformly (one ``rng.integers`` draw)."""
    return options[int(rng.integers(len(options)))]


def compose_complaint(
    rng: np.random.Generator,
    weights: dict[str, float],
    topics: dict[str, Callable[[np.random.Generator, dict[str, Any]], str]],
    facts: dict[str, Any],
    openings: Sequence[str],
    closings: Sequence[str],
) -> tuple[str, str]:
    """A topic drawn by ``weights`` and its complaint text: opening, topic body, closing."""
    names = list(weights)
    p = np.array([weights[k] for k in names], dtype=float)
    topic = names[int(rng.choice(len(names), p=p / p.sum()))]
    parts = [pick(rng, openings), topics[topic](rng, facts), pick(rng, closings)]
    return topic, " ".join(part for part in parts if part)
