"""The run page, the segments page and the priorities page name a capacity of several rows a
client as records, with the different clients beside it (M-14 walk-through, finding 4): trips
of employees with the табельный номер as the client id, built by the worker as a user would."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from tests.report.test_record_units import STUDY, trips
from tests.web.test_disclosure_web import _run_url, _text, html_rows

from segprofile import pipeline
from segprofile.web.studies.models import ProfileRun, Study


@pytest.fixture
def built(user: User, client_in: Client) -> Iterator[tuple[Study, ProfileRun]]:
    cache.clear()
    document = pipeline.study_from_data(json.loads(json.dumps(STUDY)))
    study = Study.create_from_document(document, owner=user, comment="тест")
    pq.write_table(trips(), study.data_dir() / "trips.parquet")
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    yield study, run
    cache.clear()


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.mark.django_db
def test_pages_name_records_and_clients(built: tuple[Study, ProfileRun], client_in: Client) -> None:
    study, run = built
    table = trips()
    rows, people = table.num_rows, len(set(table.column("tab_no").to_pylist()))

    page = _text(client_in.get(_run_url("run", study, run)))
    summary = {r[0]: r[1] for r in html_rows(page) if len(r) == 2}
    assert _digits(summary["Записей в данных"]) == rows
    assert _digits(summary["Клиентов (разных идентификаторов)"]) == people
    assert "Клиентов в данных" not in page
    assert not re.search(r"\(\d[\d\xa0]* (клиент|чел\.)", page)  # no capacity in people
    assert "Ёмкость, записей" in page

    segments = _text(client_in.get(_run_url("run_segments", study, run) + "?feature=dept"))
    flat = re.sub(r"\s+", " ", segments)  # no-break spaces too
    assert f"Записей в данных: {rows:,}".replace(",", " ") in flat
    assert f"клиентов (разных идентификаторов): {people}" in flat
    table_rows = [r for r in html_rows(segments) if r]
    header = next(r for r in table_rows if r[:1] == ["Сегмент"])
    assert header[1:3] == ["Записей", "Клиентов"]
    budget = next(r for r in table_rows if r[0] == "Отдел бюджетного планирования")
    assert 5 <= _digits(budget[2]) < _digits(budget[1])
    hidden = [r for r in table_rows if r[1].startswith("скрыто")]
    assert hidden, table_rows
    for r in hidden:
        assert not any(c.isdigit() for c in r[2]), r  # the people hidden with the records
    assert "Столбцы — ёмкость (записей)" in segments

    card = _text(
        client_in.get(
            _run_url("run_segment", study, run),
            {"key": "dept=Отдел бюджетного планирования"},
        )
    )
    facts = re.sub(r"\s+", " ", card[card.index('id="segment-figures"') :])
    assert re.search(r"<dt>Записей</dt><dd>[\d ]+ <span", facts), facts[:600]
    assert f"<dt>Клиентов</dt><dd>{budget[2]}</dd>" in facts

    priorities = _text(client_in.get(_run_url("run_priorities", study, run)))
    ranking = html_rows(priorities[priorities.index('id="priorities"') :])
    assert ranking[0][2] == "Записей"
    assert any("записей)" in " ".join(r) or "записи)" in " ".join(r) for r in ranking[1:])
    assert not re.search(r"\(\d[\d\xa0]* (клиент|чел\.)", priorities)
