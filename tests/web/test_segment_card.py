"""A segment's card (walk-through: «a segment row cannot be clicked to see that segment's
figures, hypotheses, recommendations and journeys together»): linked from the segments table;
a hidden segment says why and shows no figure of its clients."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.format import number
from segprofile.web.studies.models import Membership, ProfileRun, Study

EXAMPLE = "child-benefit"


def _text(response: Any) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(text).replace("\xa0", " ").split())


@pytest.mark.django_db
def test_a_segment_card_gathers_its_figures_and_the_teams_work(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    study = Study.create_from_document(document, owner=user, comment="тест")
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json=example_profile, html="<p>p</p>", fragment="<p>p</p>")
    profile = pipeline.profile_from_json(example_profile)
    shown = [s for fs in profile.by_feature for s in fs.segments if not s.hidden]
    # The segment the study's hypotheses name most, as a team would open it.
    named = [k for h in document.hypotheses for k in h.segments]
    seg = max(shown, key=lambda s: (named.count(s.key), s.capacity or 0))
    kwargs = {"pk": study.pk, "run_pk": run.pk}
    table = client_in.get(reverse("studies:run_segments", kwargs=kwargs)).content.decode()
    card_url = reverse("studies:run_segment", kwargs=kwargs)
    assert f'href="{card_url}?key=' in table

    viewer = User.objects.create_user("viewer-card", password="x")
    Membership.objects.create(study=study, user=viewer, role="viewer")
    reader = Client()
    reader.force_login(viewer)
    response = reader.get(card_url, {"key": seg.key})
    assert response.status_code == 200
    text = _text(response)
    assert seg.label in text
    assert number(seg.capacity).replace("\xa0", " ") in text
    about = [(n, h) for n, h in enumerate(document.hypotheses, start=1) if seg.key in h.segments]
    assert about, "the example names segments in its hypotheses"
    for n, h in about:
        assert f"№ {n}. {h.statement}" in text
    for rec in document.recommendations:
        assert (rec.title in text) == (seg.key in rec.segments)
    assert seg.key not in text  # segments are named, never shown by their keys

    assert reader.get(card_url, {"key": "no-such=segment"}).status_code == 404
    outsider = Client()
    outsider.force_login(User.objects.create_user("outsider-card", password="x"))
    assert outsider.get(card_url, {"key": seg.key}).status_code == 403


@pytest.mark.django_db
def test_a_hidden_segment_card_shows_no_figure(
    user: User, client_in: Client, example_profile: str
) -> None:
    document = pipeline.example_study(EXAMPLE)
    # A stricter threshold than the example's: segments of fewer than 60 clients are hidden.
    document.segmentation.min_cell = 60
    study = Study.create_from_document(document, owner=user, comment="тест")
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json=example_profile, html="<p>p</p>", fragment="<p>p</p>")
    published = pipeline.published_profile(pipeline.profile_from_json(example_profile), document)
    hidden = [s for fs in published.by_feature for s in fs.segments if s.hidden == "small"]
    assert hidden
    seg = hidden[0]
    raw = pipeline.profile_from_json(example_profile)
    truth = next(s for fs in raw.by_feature for s in fs.segments if s.key == seg.key)
    response = client_in.get(
        reverse("studies:run_segment", kwargs={"pk": study.pk, "run_pk": run.pk}),
        {"key": seg.key},
    )
    text = _text(response)
    assert response.status_code == 200
    assert "скрыт" in text
    assert 'id="segment-hidden"' in response.content.decode()
    assert f"{number(truth.capacity)} ".replace("\xa0", " ") not in text.split("Цифры профиля")[1]
