"""The priorities page names the capacity of its proposed cross segments as its ranking does:
«Записей» for trips of employees (several rows a client), as the report does."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from tests.report.test_cross_proposal_units import BUDGET, pair_trips
from tests.web.test_disclosure_web import _run_url, _text, html_rows

from segprofile import pipeline
from segprofile.web.studies.models import ProfileRun, Study
from sp_trips import STUDY


@pytest.mark.django_db
def test_proposed_cross_segments_count_records(user: User, client_in: Client) -> None:
    cache.clear()
    document = pipeline.study_from_data(json.loads(json.dumps(STUDY)))
    study = Study.create_from_document(document, owner=user, comment="тест")
    pq.write_table(pair_trips(), study.data_dir() / "trips.parquet")
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    page = _text(client_in.get(_run_url("run_priorities", study, run)))
    proposals = html_rows(page[page.index('id="priority-proposals"') :])
    assert proposals[0] == ["Сегмент", "Записей", "CSAT", "Почему"]
    assert BUDGET in proposals[1][0]
    assert re.search(r"^\d[\d\xa0 ]* запис(ь|и|ей),", proposals[1][3]), proposals[1][3]
    cache.clear()
