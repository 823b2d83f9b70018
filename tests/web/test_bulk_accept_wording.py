"""Suggestions accepted in bulk («Принять отмеченные») follow the rule a form's save follows
(M-7, M-11): one worded as a hypothesis or a recommendation already there, or as one chosen
before it in the same batch, is not added, and the success message says how many were skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from example_runs import store_example
from segprofile import pipeline
from segprofile.model.study import Hypothesis, HypothesisStatus, Recommendation
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Study
from web_pages import current_document, page_text, study_url


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return store_example(user, example_built)


def _messages(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<li class="message message--[a-z]+">(.*?)</li>', page, re.S)
    ]


def _suggested_hypotheses(study: Study) -> list[Hypothesis]:
    profile = pipeline.profile_from_json(study.runs.get().result_json)
    return pipeline.suggested_hypotheses(current_document(study), profile)


def test_a_hypothesis_about_all_clients_does_not_stop_a_segments_suggestion(
    study: Study, client_in: Client, user: User
) -> None:
    first, second, *_ = _suggested_hypotheses(study)
    # A colleague typed the first suggestion's finding about all clients (no segment ticked),
    # in capitals and without the dot: another hypothesis (its scope differs), so the segment's
    # suggestion is still added.
    document = current_document(study)
    typed = first.model_copy(
        update={
            "id": "p_typed",
            "statement": first.statement.rstrip(".").upper(),
            "segments": [],
            "status": HypothesisStatus.open,
        }
    )
    document.hypotheses.append(typed)
    study.add_revision(document, author=user, comment="записана вручную")
    before = study.current_revision().number
    response = client_in.post(
        study_url("hypothesis_suggestions", study),
        {"id": [first.id, second.id], "action": "accept"},
        follow=True,
    )
    assert response.status_code == 200
    revision = study.current_revision()
    assert revision.number == before + 1
    ids = [h.id for h in revision.to_document().hypotheses]
    assert first.id in ids
    assert second.id in ids
    assert not [m for m in _messages(page_text(response)) if "пропущен" in m]


def _unaware(document: StudyDocument, hid: str, statement: str) -> Hypothesis:
    """A confirmed problem low on Hunt's ladder: the informing suggestion's title is the same
    for every such problem of the same segments («Проактивно информировать … через канал …»)."""
    base = next(h for h in document.hypotheses if h.id == "p_unaware_epgu")
    return base.model_copy(
        update={
            "id": hid,
            "statement": statement,
            "hunt_stage": 2,
            "status": HypothesisStatus.confirmed,
            "evidence": base.evidence,
        }
    )


@pytest.mark.parametrize("page", ["recommendations", "journeys"])
def test_recommendations_worded_the_same_are_added_once(
    study: Study, client_in: Client, user: User, page: str
) -> None:
    document = current_document(study)
    document.hypotheses += [
        _unaware(document, "p_large_unaware", "Многодетные семьи не знают, что имеют право"),
        _unaware(document, "p_young_unaware", "Молодые родители не знают о пособии до года"),
    ]
    interagency = next(r for r in document.recommendations if r.id == "r_docs_interagency")
    # Its problem's recommendation replaced by one typed as the suggestion will word it.
    retyped = Recommendation.model_validate(
        interagency.model_dump()
        | {"id": "r_typed", "problems": [], "title": "получать межведомственно сведения, "
           "которые уже есть у государства"}
    )  # fmt: skip
    document.recommendations = [
        r for r in document.recommendations if r.id != "r_docs_interagency"
    ] + [retyped]
    study.add_revision(document, author=user, comment="новые проблемы")
    profile = pipeline.profile_from_json(study.runs.get().result_json)
    suggested = pipeline.suggested_recommendations(current_document(study), profile)
    titles = {r.id: r.title for r in suggested}
    informing = [i for i in titles if i.startswith("s_informing_p_") and "unaware" in i]
    assert len(informing) == 2
    assert titles[informing[0]] == titles[informing[1]]
    interagency_id = "s_interagency_p_docs_burden"
    assert titles[interagency_id].casefold() == retyped.title.casefold()
    chosen = [interagency_id, *informing]
    before = study.current_revision().number
    if page == "recommendations":
        response = client_in.post(
            study_url("recommendation_suggestions", study),
            {"id": chosen, "base_revision": before},
            follow=True,
        )
    else:
        response = client_in.post(
            study_url("recommendations_accept", study), {"id": chosen}, follow=True
        )
    assert response.status_code == 200
    revision = study.current_revision()
    assert revision.number == before + 1
    recs = revision.to_document().recommendations
    assert [r.id for r in recs if r.suggested] == [informing[0]]
    assert [r.title.casefold() for r in recs].count(retyped.title.casefold()) == 1
    # (What of the accepted texts was masked, if anything, is said between.)
    [message] = _messages(page_text(response))
    assert message.startswith(f"Редакция {revision.number} сохранена."), message
    assert message.endswith(" 2 предложения пропущены: такие формулировки уже есть."), message
