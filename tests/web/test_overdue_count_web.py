"""The recommendations page's counts line totals the overdue ones («просрочено: N»): still to
do (planned or in progress) past their due date; a done or declined one past its date, one due
today or later, or one with no date is not counted, and with none overdue nothing is said."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from example_runs import store_example
from segprofile.model.study import RecommendationStatus
from segprofile.web.studies.models import Study
from web_pages import current_document, page_text, study_url


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return store_example(user, example_built, with_run=False)


def _counts(study: Study, client: Client) -> list[str]:
    page = page_text(client.get(study_url("recommendations", study)))
    line = re.search(r'<p class="hyp-counts">(.*?)</p>', page, re.S)
    assert line is not None
    return [re.sub(r"\s+", " ", t) for t in re.findall(r"<span[^>]*>(.*?)</span>", line.group(1))]


def test_overdue_recommendations_are_totalled(study: Study, client_in: Client, user: User) -> None:
    assert not any(c.startswith("просрочено") for c in _counts(study, client_in))
    today = timezone.localdate()
    dates = {
        "r_proactive_info": (today - timedelta(days=1), RecommendationStatus.planned),
        "r_office_digitise": (today - timedelta(days=400), RecommendationStatus.in_progress),
        "r_docs_interagency": (today - timedelta(days=30), RecommendationStatus.planned),
        "r_mfc_electronic": (today - timedelta(days=90), RecommendationStatus.done),
        "r_rural_outreach": (today - timedelta(days=10), RecommendationStatus.declined),
        "r_disability_curator": (today, RecommendationStatus.planned),
    }
    document = current_document(study)
    for rec in document.recommendations:
        if rec.id in dates:
            rec.due_date, rec.status = dates[rec.id]
    study.add_revision(document, author=user, comment="сроки")
    counts = _counts(study, client_in)
    assert counts[-1] == "просрочено: 3"
    assert "Выполнена: 1" in counts
    assert "Отклонена: 1" in counts
    # One done: two left.
    document = current_document(study)
    next(
        r for r in document.recommendations if r.id == "r_proactive_info"
    ).status = RecommendationStatus.done
    study.add_revision(document, author=user, comment="выполнена")
    assert _counts(study, client_in)[-1] == "просрочено: 2"
