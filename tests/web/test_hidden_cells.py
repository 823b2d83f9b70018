"""Hidden cells of two-way tables (clusters × segments, vulnerable groups × clusters, the top
segments' overlaps) say why they are hidden, with the study's threshold — the same words for
every hidden cell, since telling a small cell from its complement would place people."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import ProfileRun, Study

EXAMPLE = "child-benefit"
HIDDEN_CELL = re.compile(r'<span class="sg-hidden"( title="[^"]*")?>скрыто</span>')


def _store(user: User, document: StudyDocument, result_json: str) -> tuple[Study, ProfileRun]:
    study = Study.create_from_document(document, owner=user, comment="тест")
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json=result_json, html="<p>p</p>", fragment="<p>p</p>")
    return study, run


def _part(page: str, start: str, end: str) -> str:
    part = page[page.index(start) :]
    return part[: part.index(end)]


def _reasons(part: str) -> set[str]:
    """The reason (title) of every hidden cell of a part of the page; ``""`` for a bare one."""
    return {html_lib.unescape(m.group(1) or "") for m in HIDDEN_CELL.finditer(part)}


def _title(min_cell: int) -> str:
    return (
        f' title="Скрыто для защиты персональных данных: меньше {min_cell} клиентов или клетка '
        'скрыта вместе с такой, чтобы ту нельзя было вычислить по итогам."'
    )


def _note(min_cell: int) -> str:
    return f"«Скрыто»: в клетке меньше {min_cell} клиентов или клетка скрыта вместе с такой"


@pytest.mark.django_db
def test_hidden_crosstab_and_vulnerable_cells_say_why(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    document.segmentation.min_cell = 40  # a stricter threshold: vulnerable groups are hidden too
    study, run = _store(user, document, example_profile)
    published = pipeline.published_profile(pipeline.profile_from_json(example_profile), document)
    assert published.clusters is not None
    feature = next(
        c.feature_id for c in published.clusters.crosstabs if any(x.count is None for x in c.cells)
    )
    url = reverse("studies:run_clusters", kwargs={"pk": study.pk, "run_pk": run.pk})
    page = html_lib.unescape(client_in.get(url, {"crosstab": feature}).content.decode())
    crosstab = _part(page, 'id="crosstab-table"', "</section>")
    assert _reasons(crosstab) == {html_lib.unescape(_title(40))}
    assert _note(40) in crosstab
    vulnerable = _part(page, 'id="vulnerable"', "</section>")
    assert _reasons(vulnerable) == {html_lib.unescape(_title(40))}
    assert _note(40) in vulnerable
    # The part HTMX swaps in for another feature says it too.
    swapped = client_in.get(
        url, {"crosstab": feature}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="crosstab"
    )
    assert _note(40) in html_lib.unescape(swapped.content.decode())


@pytest.mark.django_db
def test_a_crosstab_without_hidden_cells_has_no_note(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    study, run = _store(user, document, example_profile)
    published = pipeline.published_profile(pipeline.profile_from_json(example_profile), document)
    assert published.clusters is not None
    feature = next(
        c.feature_id
        for c in published.clusters.crosstabs
        if all(x.count is not None for x in c.cells)
    )
    url = reverse("studies:run_clusters", kwargs={"pk": study.pk, "run_pk": run.pk})
    page = html_lib.unescape(client_in.get(url, {"crosstab": feature}).content.decode())
    crosstab = _part(page, 'id="crosstab-table"', "</section>")
    assert not _reasons(crosstab)
    assert "«Скрыто»" not in crosstab


@pytest.mark.django_db
def test_a_hidden_overlap_of_top_segments_says_why(
    user: User, client_in: Client, example_profile: str
) -> None:
    data = json.loads(example_profile)
    overlaps = data["priority"]["overlaps"]
    # Three rural families with a disability who share both top segments: too few to show.
    small = next(
        o
        for o in overlaps
        if {o["a"], o["b"]} == {"disability_in_family=true", "region_type=rural"}
    )
    small["both"] = 3
    document = pipeline.example_study(EXAMPLE)
    study, run = _store(user, document, json.dumps(data, ensure_ascii=False))
    url = reverse("studies:run_priorities", kwargs={"pk": study.pk, "run_pk": run.pk})
    page = html_lib.unescape(client_in.get(url).content.decode())
    table = _part(page, 'id="priority-overlaps"', "</section>")
    assert _reasons(table) == {html_lib.unescape(_title(5))}
    assert len(HIDDEN_CELL.findall(table)) >= 1
    assert _note(5) in table
    assert ">3<" not in table

    # The same profile as computed: no overlap hidden, no note.
    clean_study, clean_run = _store(user, pipeline.example_study(EXAMPLE), example_profile)
    url = reverse("studies:run_priorities", kwargs={"pk": clean_study.pk, "run_pk": clean_run.pk})
    page = html_lib.unescape(client_in.get(url).content.decode())
    table = _part(page, 'id="priority-overlaps"', "</section>")
    assert not _reasons(table)
    assert "«Скрыто»" not in table
