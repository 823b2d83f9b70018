"""The profile page of a run (issue 20): the report model's sections in the DOCX's order —
needs and problems, the research plan, the recommendations and the journeys' step tables
included — written by the report's own HTML writer; the stored HTML file is that report whole."""

from __future__ import annotations

import html as html_lib
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from docx import Document

from example_runs import store_example
from segprofile import pipeline
from segprofile.report.build import build_report
from segprofile.report.docx import section_heading
from segprofile.web.studies.models import ProfileRun


def _headings(html: str) -> list[str]:
    """The sections' headings of an HTML profile, without their methodology codes."""
    found = re.findall(r"<h2>(.*?)</h2>", html.split('<div class="sp-profile">', 1)[1])
    return [html_lib.unescape(re.sub(r'\s*<span class="mcode">.*?</span>', "", h)) for h in found]


@pytest.mark.django_db
def test_profile_page_shows_the_sections_of_the_docx_in_its_order(
    client_in: Client, user: User, example_built: tuple[Path, str]
) -> None:
    study = store_example(user, example_built, with_run=False)
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    kwargs = {"pk": study.pk, "run_pk": run.pk}
    response = client_in.get(reverse("studies:run", kwargs=kwargs))
    assert response.status_code == 200
    page = response.content.decode()

    document = run.revision.to_document()
    report = build_report(pipeline.profile_from_json(run.result_json), document, figures=False)
    ids = [s.id for s in report.sections]
    assert ids.index("hypotheses") < ids.index("research") < ids.index("recommendations")
    assert ids.index("recommendations") < ids.index("journeys")
    titles = [f"{n}. {s.title}" for n, s in enumerate(report.sections, start=1)]
    assert _headings(page) == titles
    # The DOCX of the same run: the same sections in the same order.
    docx = Document(
        io.BytesIO(
            client_in.get(reverse("studies:run_report", kwargs=kwargs | {"fmt": "docx"})).content
        )
    )
    docx_headings = [
        p.text for p in docx.paragraphs if p.style.name == "Heading 1" and p.text[:1].isdigit()
    ]
    assert docx_headings == [section_heading(n, s) for n, s in enumerate(report.sections, start=1)]
    # Each section has its anchor in the contents; the tables of the sections the old page
    # left out are there, a step table per journey with steps among them.
    for section_id in ids:
        assert f'<section id="sp-{section_id}">' in page
        assert f'<a href="#sp-{section_id}">' in page
    for name in ("hypotheses", "research", "recommendations"):
        assert f'data-table="{name}"' in page
    journeys = [j for j in document.journeys if j.steps]
    assert journeys
    for journey in journeys:
        assert f'data-table="journey-{journey.id}"' in page
    assert "<svg" in page  # the charts, inline
    # The page is no filed paper: no title page, no approval block; and no inline style, which
    # the site's Content-Security-Policy would block.
    fragment = page.split('<div class="sp-profile">', 1)[1]
    assert "УТВЕРЖДАЮ" not in page
    assert " style=" not in fragment
    assert "<style" not in fragment
    assert "style-src 'self';" in response["Content-Security-Policy"]
    # The stored file is the report's HTML: its title page, then the same sections.
    stored = client_in.get(reverse("studies:run_html", kwargs=kwargs)).content.decode()
    assert stored.startswith("<!DOCTYPE html>")
    assert "УТВЕРЖДАЮ" in stored
    assert _headings(stored) == titles
