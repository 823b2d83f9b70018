"""The data page's audit trail and the study's audit log name each source by its title, as the
data page does above it; by its id only for a source without a title or no longer in the study."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import AuditEvent, Study
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


def _detail_tags(page: str) -> list[list[str]]:
    """The details of every row of the study's audit log, in the order of the page."""
    table = page[page.index('id="audit"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]  # the head row aside
    return [
        [html_lib.unescape(t) for t in re.findall(r'<span class="tag">([^<]*)</span>', row)]
        for row in rows
    ]


@pytest.mark.django_db
def test_the_study_audit_log_names_sources_by_title_as_the_data_page(
    user: User, client_in: Client
) -> None:
    """One rule (labels.source_titles): the study's audit log, the admin's log of every study
    and the data page's trail name a source alike — by its title, by its id only without one."""
    from segprofile.web.studies.audit import audit

    document = pipeline.example_study(EXAMPLE)
    survey = next(s for s in document.data_sources if s.id == "survey")
    survey.title = "   "  # a title of spaces only: no title
    records = next(s for s in document.data_sources if s.id == "records")
    study = Study.create_from_document(document, owner=user, comment="пример")
    for source_id, version in (("records", 3), ("survey", 1), ("old_registry", 2)):
        audit(
            None,
            AuditEvent.Action.DELETED,
            study,
            {"what": "dataset version", "source": source_id, "version": version},
            user=user,
        )
    response = client_in.get(reverse("studies:audit", kwargs={"pk": study.pk}))
    assert response.status_code == 200
    rows = _detail_tags(response.content.decode())
    sources = [[t for t in row if t.startswith("источник данных: ")] for row in rows][:3]
    assert sources == [
        ["источник данных: old_registry"],  # removed since: its id is all there is
        ["источник данных: survey"],
        [f"источник данных: {records.title}"],
    ]
    assert records.title
    assert records.title != "records"
    # The admin's log of every study says the same.
    user.is_superuser = True
    user.save()
    everything = client_in.get(reverse("studies:audit_all"))
    assert f"источник данных: {records.title}" in html_lib.unescape(everything.content.decode())
