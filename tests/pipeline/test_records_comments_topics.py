"""The client records' comment column is a source of texts for topics (M-9; walk-through: the
upload marked «Комментарий» as «текст для анализа», and the topics page said the study had no
source of texts). A department of fewer than 5 employees is never named in the shares."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tests.analysis.test_rare_people import TINY, trips

from segprofile import pipeline
from segprofile.model.study import Study
from sp_trips import STUDY

PHRASES = [
    "долго возмещали расходы на проживание в гостинице",
    "авансовый отчёт вернули из-за чека без подписи",
    "бухгалтерия потеряла посадочный талон, пришлось запрашивать заново",
    "всё быстро, спасибо бухгалтерии",
    "не понятно, какие документы нужны для суточных за границей",
]


def test_topics_of_the_records_comment_column(tmp_path: Path) -> None:
    rng = random.Random(3)
    table = trips()
    comments = [
        rng.choice(PHRASES) + rng.choice(["", ", снова", ", как обычно", " в этот раз"])
        if rng.random() < 0.6
        else None
        for _ in range(table.num_rows)
    ]
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(table.append_column("comment", pa.array(comments)), data / "trips.parquet")
    study = Study.model_validate(json.loads(json.dumps(STUDY)))
    ws = pipeline.Workspace.in_folder(tmp_path, data_dir=data)

    assert [s.id for s in pipeline.text_sources(study)] == ["trips"]
    assert pipeline.topic_columns(ws, study) == ["comment"]
    result = pipeline.text_topics(ws, study, feature_id="dept")
    assert result.source == "trips"
    assert result.model.n_topics >= 2
    named = {share.segment for share in result.model.by_segment}
    assert "Отдел бюджетного планирования" in named
    for name in TINY:
        assert name not in named
