"""Interview recruitment (M-8) proposes only ids that stand for one client.

A СНИЛС typed for two people makes one pseudonym of two client rows with different contacts:
proposed, its quotas would mix two people, and the key holder's contacts file would return
both for one respondent. An id whose records carry different pseudonymised contacts is never
proposed (and said so); a client who simply applied twice, with the same phone, still is.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from segprofile.analysis.research import draw_candidates, recruit_respondents
from segprofile.data.engine import Engine, open_source
from segprofile.model.study import Study

STUDY = {
    "id": "shared",
    "title": "Общий СНИЛС",
    "scope": {"kind": "service", "title": "Услуга", "client_types": ["citizen"]},
    "data_sources": [
        {"id": "records", "kind": "client_records", "path": "r.parquet", "id_column": "snils"}
    ],
    "features": [
        {"id": "channel", "column": "channel", "label": "Канал подачи"},
        {"id": "region", "column": "region", "label": "Регион"},
    ],
}


def _records() -> pa.Table:
    """600 clients of one record each; «shared» — two people, two phones, one by post, the
    other by the portal; «repeat» — one client who applied twice by the office, same phone."""
    rng = random.Random(5)
    rows = [
        (
            f"id{i:04d}",
            f"ph{i:04d}",
            rng.choices(["epgu", "mfc"], [70, 30])[0],
            rng.choice(["tula", "kaluga"]),
        )
        for i in range(600)
    ]
    rows += [
        ("shared", "ph-a", "post", "tula"),
        ("shared", "ph-b", "epgu", "kaluga"),
        ("repeat", "ph-r", "office", "tula"),
        ("repeat", "ph-r", "office", "tula"),
    ]
    rng.shuffle(rows)
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            name: pa.array(list(col), pa.string())
            for name, col in zip(["snils", "phone", "channel", "region"], columns, strict=True)
        }
    )


def test_an_id_with_two_peoples_contacts_is_never_proposed(tmp_path: Path) -> None:
    pq.write_table(_records(), tmp_path / "r.parquet")
    study = Study.model_validate(STUDY)
    engine = Engine.duckdb()
    try:
        source = open_source(engine, study.client_records(), tmp_path)  # type: ignore[arg-type]
        pool = draw_candidates(study, source, id_column="snils", contact_columns=["phone"])
    finally:
        engine.close()
    assert pool.excluded_shared == 1
    rec = recruit_respondents(pool)
    chosen = {r.respondent_id for r in rec.respondents}
    assert "shared" not in chosen
    assert "repeat" in chosen  # the same person twice is still one client
    # The segment only the shared id was in has nobody, and says so.
    assert [u.key for u in rec.uncovered] == ["channel=post"]
    assert "у одного идентификатора разные контакты (возможно, это разные люди) — 1" in (
        rec.explanation
    )
