"""Pseudonyms stay the same value's pseudonyms when the detection of kinds improves: a column
the study already pseudonymised keeps the kind it was pseudonymised with (the HMAC is of
«kind:value»), in a new version of its source and in another source joined by it."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest
from fake_clients import write_csv

from segprofile.data import datasets, privacy
from segprofile.data.privacy import PiiKind

ID = "Номер заявления"


def _export(path: Path, ids: list[str], seed: int) -> Path:
    rng = random.Random(seed)
    rows = [
        {
            ID: i,
            "Район": rng.choice(["Центральный"] * 8 + ["Бор"]),
            "Оценка": str(rng.randint(1, 5)),
        }
        for i in ids
    ]
    return write_csv(path, rows)


def _pseudonyms(result: datasets.ImportResult) -> list[str]:
    query = 'SELECT "Номер заявления" FROM read_parquet(?) ORDER BY 1'
    return [r[0] for r in duckdb.execute(query, [str(result.path)]).fetchall()]


def test_a_column_keeps_the_kind_it_was_first_pseudonymised_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(9)
    ids = sorted({str(rng.randint(10**9, 10**10 - 1)) for _ in range(400)})
    home = tmp_path / "home"
    source = datasets.adhoc_source().model_copy(update={"id_column": ID})
    common = {"study_id": "s", "author": "a", "home": home, "staging_root": tmp_path / "st"}

    # The detector of an earlier release: ten digits in a row read «паспорт».
    detect = privacy.detect_column

    def old_detect(column: str, values: list[object], **kw: object) -> privacy.PiiFinding | None:
        found = detect(column, values, **kw)
        if column == ID:
            return privacy.PiiFinding(
                column=ID,
                kind=PiiKind.passport,
                by_name=False,
                by_content=True,
                share=1.0,
                action=privacy.PiiAction.pseudonymise,
            )
        return found

    monkeypatch.setattr(privacy, "detect_column", old_detect)
    first = datasets.import_data(_export(tmp_path / "v1.csv", ids, 1), source=source, **common)
    assert [f.kind for f in first.pii if f.column == ID] == [PiiKind.passport]
    monkeypatch.setattr(privacy, "detect_column", detect)

    # Today's detector calls the column a client id; the pseudonyms stay those of version 1.
    found = datasets.inspect(_export(tmp_path / "v2.csv", ids, 2), staging_root=tmp_path / "st")
    assert [f.kind for f in found.pii if f.column == ID] != [PiiKind.passport]
    second = datasets.import_data(_export(tmp_path / "v2.csv", ids, 2), source=source, **common)
    assert second.manifest.version == 2
    assert _pseudonyms(second) == _pseudonyms(first)
    # …and so does another source joined by the same column.
    survey = source.model_copy(update={"id": "survey"})
    third = datasets.import_data(_export(tmp_path / "s.csv", ids[:50], 3), source=survey, **common)
    assert set(_pseudonyms(third)) <= set(_pseudonyms(first))
