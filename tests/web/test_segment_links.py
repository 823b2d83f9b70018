"""Segments named on the pages link to their cards in the page's run (walk-through: «a segment on
the priorities or hypotheses page cannot be opened»); no link where there is no card to show."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.labels import segment_name
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import ProfileRun, Study

EXAMPLE = "child-benefit"


def _store(user: User, document: StudyDocument, result_json: str | None) -> tuple[Study, Any]:
    study = Study.create_from_document(document, owner=user, comment="тест")
    if result_json is None:
        return study, None
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json=result_json, html="<p>p</p>", fragment="<p>p</p>")
    return study, run


def _card_links(page: str, study: Study, run: ProfileRun) -> dict[str, str]:
    """Segment key → the text of the link to its card, of every card link on the page."""
    url = reverse("studies:run_segment", kwargs={"pk": study.pk, "run_pk": run.pk})
    found = re.findall(rf'<a href="{re.escape(url)}\?key=([^"]+)">([^<]+)</a>', page)
    return {unquote(html_lib.unescape(key)): html_lib.unescape(text) for key, text in found}


@pytest.mark.django_db
def test_every_ranked_segment_links_to_its_card(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    study, run = _store(user, document, example_profile)
    page = client_in.get(
        reverse("studies:run_priorities", kwargs={"pk": study.pk, "run_pk": run.pk})
    ).content.decode()
    published = pipeline.published_profile(pipeline.profile_from_json(example_profile), document)
    ranked = {
        s.key: s.label for fs in published.by_feature for s in fs.segments if s.priority is not None
    }
    assert len(ranked) > 5
    links = _card_links(page, study, run)
    assert links == ranked
    # The link opens the card of that very segment.
    key, label = next(iter(ranked.items()))
    card = client_in.get(
        reverse("studies:run_segment", kwargs={"pk": study.pk, "run_pk": run.pk}), {"key": key}
    )
    assert card.status_code == 200
    assert label in html_lib.unescape(card.content.decode())


@pytest.mark.django_db
def test_hypotheses_name_their_segments_with_links_to_the_latest_run(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    # A hypothesis about a region type the data never has: its segment has no card to open.
    orphan = document.hypotheses[1].model_copy(
        update={"id": "h_mountain", "segments": ["region_type=mountain"]}
    )
    document.hypotheses.append(orphan)
    study, run = _store(user, document, example_profile)
    # An older finished run: the page links to the latest one only.
    older = ProfileRun.objects.create(study=study, revision=study.current_revision())
    older.mark_done(result_json=example_profile, html="<p>p</p>", fragment="<p>p</p>")
    ProfileRun.objects.filter(pk=older.pk).update(created_at=run.created_at.replace(year=2000))

    page = client_in.get(reverse("studies:hypotheses", kwargs={"pk": study.pk})).content.decode()
    links = _card_links(page, study, run)
    named = {k for h in document.hypotheses for k in h.segments} - {"region_type=mountain"}
    assert named <= set(links), named - set(links)
    labels = pipeline.segment_labels(pipeline.profile_from_json(example_profile))
    assert links["region_type=rural"] == labels["region_type=rural"]
    assert not _card_links(page, study, older)
    assert "region_type=mountain" not in page
    assert "region_type%3Dmountain" not in page
    for key in named:
        card = client_in.get(
            reverse("studies:run_segment", kwargs={"pk": study.pk, "run_pk": run.pk}),
            {"key": key},
        )
        assert card.status_code == 200, key


@pytest.mark.django_db
def test_without_a_finished_run_hypotheses_name_segments_without_links(
    user: User, client_in: Client
) -> None:
    document = pipeline.example_study(EXAMPLE)
    study, _ = _store(user, document, None)
    # A run that failed gives no card either.
    ProfileRun.objects.create(
        study=study, revision=study.current_revision(), status=ProfileRun.Status.FAILED
    )
    response = client_in.get(reverse("studies:hypotheses", kwargs={"pk": study.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/segments/card/" not in page
    # The segments are still named, by the study's features.
    assert segment_name(document.features, "region_type=rural") in html_lib.unescape(page)


@pytest.mark.django_db
def test_a_hidden_segment_named_by_a_hypothesis_links_to_a_card_that_says_why(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    document.segmentation.min_cell = 60  # segments of fewer than 60 clients are hidden
    published = pipeline.published_profile(pipeline.profile_from_json(example_profile), document)
    hidden = [s for fs in published.by_feature for s in fs.segments if s.hidden == "small"]
    assert hidden
    about = document.hypotheses[1].model_copy(update={"id": "h_small", "segments": [hidden[0].key]})
    document.hypotheses.append(about)
    study, run = _store(user, document, example_profile)
    page = client_in.get(reverse("studies:hypotheses", kwargs={"pk": study.pk})).content.decode()
    assert hidden[0].key in _card_links(page, study, run)
    card = client_in.get(
        reverse("studies:run_segment", kwargs={"pk": study.pk, "run_pk": run.pk}),
        {"key": hidden[0].key},
    )
    assert card.status_code == 200
    assert 'id="segment-hidden"' in card.content.decode()
