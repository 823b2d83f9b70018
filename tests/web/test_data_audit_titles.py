"""The data page's audit trail names each source by its title, as the page does above it; by its
id only for a source without a title or no longer in the study."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import workspace_for

EXAMPLE = "child-benefit"


def _source_cells(page: str) -> list[str]:
    """The «Источник» cell of every row of the audit trail, in the order of the page."""
    table = page[page.index('id="audit"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(
        r"<tr>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>(.*?)</td>", table
    )
    return [html_lib.unescape(r) for r in rows]


@pytest.mark.django_db
def test_the_audit_trail_names_sources_by_title(user: User, client_in: Client) -> None:
    document = pipeline.example_study(EXAMPLE)
    survey = next(s for s in document.data_sources if s.id == "survey")
    survey.title = ""  # a source without a title: named by its id
    study = Study.create_from_document(document, owner=user, comment="пример")
    ws = workspace_for(study)
    for source_id in ("records", "survey", "old_registry"):  # the last one was removed since
        pipeline.audit_original(
            ws,
            kept=True,
            user="anna",
            study_id=document.id,
            source_id=source_id,
            file=f"{source_id}.csv",
            version=1,
        )
    response = client_in.get(reverse("studies:data", kwargs={"pk": study.pk}))
    assert response.status_code == 200
    records = next(s for s in document.data_sources if s.id == "records")
    # Newest first, as the page lists them.
    assert _source_cells(response.content.decode()) == [
        "<code>old_registry</code>",
        "<code>survey</code>",
        records.title,
    ]
