"""Seeded test data made by code: a small study document and client records."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

SMALL_STUDY = {
    "id": "small",
    "title": "Малое исследование",
    "scope": {
        "kind": "service",
        "title": "Пособие",
        "body": "Ведомство",
        "client_types": ["citizen"],
        "legal_acts": [{"id": "law", "title": "Закон о пособии", "reference": "№ 1-ФЗ"}],
    },
    "roles": [
        {
            "id": "applicant",
            "kind": "applicant",
            "title": "Заявитель",
            "audience": {
                "description": "Родители детей до 17 лет",
                "legal_basis": [{"act": "law", "article": "ст. 2"}],
            },
        }
    ],
    "data_sources": [{"id": "records", "kind": "client_records", "path": "records.parquet"}],
    "features": [
        {
            "id": "channel",
            "column": "channel",
            "label": "Канал подачи",
            "source": {"kind": "document_attribute", "reference": "заявление"},
            "value_labels": {"epgu": "ЕПГУ", "mfc": "МФЦ", "office": "Приёмная"},
        },
        {
            "id": "age",
            "column": "age",
            "label": "Возраст",
            "type": "numeric",
            "source": {"kind": "legal_act", "reference": "ст. 2"},
            "binning": {"thresholds": [25, 35, 45]},
        },
        {
            "id": "single_parent",
            "column": "single_parent",
            "label": "Одинокий родитель",
            "type": "boolean",
            "source": {"kind": "vulnerable_group", "reference": "ст. 3"},
        },
        {
            "id": "region",
            "column": "region",
            "label": "Тип поселения",
            "source": {"kind": "other", "reference": "дизайн-мышление"},
        },
    ],
    "segmentation": {"satisfaction": {"column": "satisfaction"}},
}


def make_records(n: int, seed: int) -> pa.Table:
    """Seeded client records with missing values in every feature and a rated subsample."""
    rng = random.Random(seed)
    channel, age, single, region, sat = [], [], [], [], []
    for _ in range(n):
        ch = rng.choices(["epgu", "mfc", "office", None], [60, 25, 12, 3])[0]
        channel.append(ch)
        age.append(None if rng.random() < 0.02 else rng.randint(17, 60))
        single.append(None if rng.random() < 0.01 else rng.random() < 0.2)
        region.append(rng.choice(["city", "town", "rural"]))
        if rng.random() < 0.3:
            base = {"epgu": 4.3, "mfc": 3.6, "office": 2.6, None: 3.5}[ch]
            sat.append(max(1, min(5, round(rng.gauss(base, 0.9)))))
        else:
            sat.append(None)
    return pa.table(
        {
            "channel": pa.array(channel, pa.string()),
            "age": pa.array(age, pa.int64()),
            "single_parent": pa.array(single, pa.bool_()),
            "region": pa.array(region, pa.string()),
            "satisfaction": pa.array(sat, pa.int64()),
        }
    )


def make_snils(rng: random.Random) -> str:
    """A random СНИЛС with a correct checksum, formatted ``XXX-XXX-XXX YY``."""
    while True:
        number = "".join(str(rng.randint(0, 9)) for _ in range(9))
        if int(number) > 1001998:
            break
    total = sum(int(x) * (9 - i) for i, x in enumerate(number))
    if total > 101:
        total %= 101
    check = 0 if total in (100, 101) else total
    return f"{number[:3]}-{number[3:6]}-{number[6:]} {check:02d}"


def planted_check_hypotheses() -> list[Any]:
    """Two problem hypotheses the child-benefit survey data decide: one refuted (city
    applicants do know the portal), one confirmed (families with a disability and documents)."""
    from segprofile.model.study import Hypothesis, HypothesisKind

    return [
        Hypothesis(
            id="p_city_unaware",
            kind=HypothesisKind.problem,
            statement="Городские заявители не знают о подаче через Госуслуги.",
            segments=["region_type=city"],
        ),
        Hypothesis(
            id="p_disability_docs",
            kind=HypothesisKind.problem,
            statement="Семьям с инвалидом трудно собрать документы.",
            segments=["disability_in_family=true"],
        ),
    ]


# Identifier-like text for the pseudonym tests: digits, separators, every kind of white space
# (ASCII, no-break, typographic, line separators), Cyrillic, an emoji and a zero-width space.
IDENTIFIER_ALPHABET = [*"0123456789 -()+./\t\n\r\x0b\x1d\x85\u00a0\u202f\u2007\u3000\u1680\u205f"]
IDENTIFIER_ALPHABET += [*"8аБвЁёЙ@x.Y_😀\u2028\u200b"]


def identifier_values(seed: int, count: int) -> list[str | None]:
    """Random identifier-like values with the edge cases of hashing them.

    Mostly one SHA-256 block after a short prefix; some longer than one 64-byte block (and than
    two), some right at the one-block edge (55 bytes with the prefix); NULLs, empty and
    blank values, phones of 10 and 11 digits, lone lead bytes of multi-byte spaces.
    """
    rng = random.Random(seed)
    out: list[str | None] = []
    for _ in range(count):
        if rng.random() < 0.03:
            out.append(None)
            continue
        size = rng.choice([rng.randint(0, 20), rng.randint(40, 60), rng.randint(100, 300)])
        out.append("".join(rng.choice(IDENTIFIER_ALPHABET) for _ in range(size)))
    edge = ["1" * n for n in range(40, 60)]
    phones = ["89161234567", "9161234567", "8 916 123-45-67", "+7 (916) 123-45-67", "8\u00a0916"]
    blank = ["", " ", "\u00a0", "\u202f", "\u00c2", "\u00e2\u0080", "\xc2\u2000"]
    return [*out, *edge, *phones, *blank, "x" * 55]


def fixed_provenance() -> Any:
    """The provenance of a profile made by hand in a test (fixed time, no files)."""
    from segprofile.model.results import Provenance

    return Provenance(
        study_id="t",
        study_hash="h",
        data_fingerprint="f",
        data_files=[],
        parameters={},
        seed=42,
        version="0",
        engine="duckdb",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def made_recruitment(respondents: list[Any], **fields: Any) -> Any:
    """A recruitment made by hand in a test: ``respondents`` and the plan's figures (three
    segments, all covered, from ten candidates unless ``fields`` say otherwise)."""
    from segprofile.model.results import Recruitment

    figures: dict[str, Any] = {
        "segments_total": 3,
        "segments_covered": 3,
        "candidates": 10,
        "lower_bound": 1,
        "bound_factor": 1.0,
        "explanation": "",
    }
    return Recruitment(respondents=respondents, **{**figures, **fields})


# --- an export as an accounting system writes it -------------------------------------------

DISTRICTS = ["Центральный"] * 60 + ["Ленинский"] * 25 + ["Заречный"] * 12 + ["Бор"] * 2 + ["Хутор"]


def _amount(rng: random.Random, currency: bool) -> str:
    text = f"{rng.lognormvariate(10.5, 0.6):,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} руб." if currency else text


def accounting_export(path: Path, rows: int, footer: list[str], *, seed: int = 5) -> Path:
    """An АИС export in cp1251: a title above the header, a row counter, a skewed district,
    amounts with spaced thousands (a tenth with «руб.»), dates with times, a comment column
    mostly empty; then ``footer`` lines."""
    rng = random.Random(seed)
    lines = ["Выгрузка из АИС «Соцзащита» за 2025 год", "Сформировано: 12.01.2026 10:15", ""]
    lines.append("№ п/п;Номер заявления;Район;Доход семьи, руб.;Дата подачи;Статус;Комментарий")
    for i in range(1, rows + 1):
        lines.append(
            f"{i};{100000 + i};{rng.choice(DISTRICTS)};{_amount(rng, rng.random() < 0.1)};"
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025 "
            f"{rng.randint(8, 18):02d}:15:00;"
            f"{rng.choice(['Назначено', 'Отказано', 'На рассмотрении', 'Всего выдано'])};"
            f"{rng.choice(['', '', '', 'Позвонить после 18:00', 'Документы неполные'])}"
        )
    path.write_bytes(("\r\n".join(lines + footer) + "\r\n").encode("cp1251"))
    return path
