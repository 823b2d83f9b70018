"""The segments page shows the clients a published profile carries, and nothing else: beside
the records of a feature's segments, never beside the cells of a pair of features (whose people
``analysis.suppression`` does not publish). The trips of a ministry's employees, several a
person, with the pair «Подразделение × Вид командировки»."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from tests.report.test_record_units import STUDY, trips

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import ProfileRun, Study


def _header(text: str) -> list[str]:
    table = re.search(r'<table[^>]*id="segments-table".*?</thead>', text, re.S)
    assert table is not None
    return [re.sub(r"<[^>]+>", "", th).strip() for th in re.findall(r"<th.*?</th>", table[0])]


@pytest.mark.django_db
def test_pair_cells_show_records_only_as_published(
    user: User, client_in: Client, tmp_path: Path
) -> None:
    cache.clear()
    document = StudyDocument.model_validate(json.loads(json.dumps(STUDY)))
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(trips(), data / "trips.parquet")
    computed = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=data), document
    )
    # Were a pair's people counted, only the published profile would leave them out.
    assert computed.cross
    for cs in computed.cross:
        for seg in cs.segments:
            seg.clients = (seg.capacity or 0) // 3  # several trips a person
    study = Study.create_from_document(document, owner=user, comment="тест")
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(
        result_json=pipeline.profile_to_json(computed), html="<p>p</p>", fragment="<p>p</p>"
    )
    url = reverse("studies:run_segments", kwargs={"pk": study.pk, "run_pk": run.pk})

    feature = html_lib.unescape(client_in.get(url + "?feature=dept").content.decode())
    assert _header(feature)[:3] == ["Сегмент", "Записей", "Клиентов"]
    pair = client_in.get(url + "?feature=dept%26trip")
    assert pair.status_code == 200
    text = html_lib.unescape(pair.content.decode())
    assert "Перекрёстные сегменты" in text
    header = _header(text)
    assert header[:2] == ["Сегмент", "Записей"]
    assert "Клиентов" not in header
    # Every row has as many cells as the header: no column of people left in a row either.
    body = text.split('id="segments-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr data-segment=.*?</tr>", body, re.S)
    assert rows
    assert all(len(re.findall(r"<td", r)) == len(header) for r in rows)
