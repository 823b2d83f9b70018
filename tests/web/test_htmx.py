"""The one HTMX helper: after any save in place on the study page, the page header's revision
comes along out of band (``#study-revision``), whichever section was saved; a refused save, a
save asked from another page and an answer that sends the browser elsewhere bring nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh
from django_htmx.middleware import HtmxDetails
from tests.web_pages import HX, page_text, study_url

from segprofile.web.studies import htmx
from segprofile.web.studies.models import Study

pytestmark = pytest.mark.django_db

REQUISITES = {
    "organisation": "Отделение СФР по Тверской области",
    "document_number": "15-П",
    "document_date": "01.12.2026",
}
SCOPE = {
    "kind": "support_measure",
    "title": "Единое пособие на ребёнка",
    "body": "Отделение СФР по Н-ской области",
    "client_types": ["citizen"],
}
ROLE = {"kind": "intermediary", "title": "Законный представитель"}

#: Each in-place form of the study page: its URL name and good data.
SAVES: list[tuple[str, dict[str, Any]]] = [
    ("requisites_edit", REQUISITES),
    ("scope_edit", SCOPE),
    ("role_new", ROLE),
]


def _from_page(study: Study) -> dict[str, str]:
    """HTMX's headers of a request from the study page."""
    return {**HX, "HTTP_HX_CURRENT_URL": "http://testserver" + study_url("detail", study)}


def _marks(html: str) -> list[str]:
    """The out-of-band revision marks of an answer, as text."""
    found = re.findall(r'<span id="study-revision" hx-swap-oob="true">(.*?)</span>', html, re.S)
    return [" ".join(m.split()) for m in found]


def test_the_study_page_header_shows_the_revision_in_its_own_element(
    client_in: Client, stored_study: Study
) -> None:
    page = page_text(client_in.get(study_url("detail", stored_study)))
    mark = re.search(r'<span id="study-revision">(.*?)</span>', page, re.S)
    assert mark is not None
    assert mark.group(1).startswith("редакция 1 · Анна · ")
    assert "hx-swap-oob" not in mark.group(0)


@pytest.mark.parametrize(("name", "data"), SAVES, ids=[name for name, _ in SAVES])
def test_an_in_place_save_brings_the_header_s_new_revision(
    client_in: Client, stored_study: Study, name: str, data: dict[str, Any]
) -> None:
    response = client_in.post(
        study_url(name, stored_study), {**data, "base_revision": "1"}, **_from_page(stored_study)
    )
    assert response.status_code == 200
    assert stored_study.current_revision().number == 2
    marks = _marks(page_text(response))
    assert len(marks) == 1
    assert marks[0].startswith("редакция 2 · Анна · ")


def test_a_feature_deleted_in_place_brings_the_header_s_new_revision(
    client_in: Client, stored_study: Study
) -> None:
    """The features section answers through its own view: the revision comes along too."""
    feature = stored_study.current_revision().to_document().features[0].id
    response = client_in.post(
        study_url("feature_delete", stored_study, feature_id=feature),
        {"base_revision": "1"},
        **_from_page(stored_study),
    )
    assert response.status_code == 200
    assert 'id="features"' in response.content.decode()
    assert [m.split(" · ")[0] for m in _marks(page_text(response))] == ["редакция 2"]


def test_a_refused_save_brings_no_revision(client_in: Client, stored_study: Study) -> None:
    response = client_in.post(
        study_url("requisites_edit", stored_study),
        {**REQUISITES, "document_date": "31.02.2026", "base_revision": "1"},
        **_from_page(stored_study),
    )
    assert response.status_code == 400
    assert stored_study.current_revision().number == 1
    assert "study-revision" not in response.content.decode()


def test_a_save_from_another_page_brings_no_revision(
    client_in: Client, stored_study: Study
) -> None:
    """Another page has no such header: HTMX would log an error for a part it cannot place."""
    elsewhere = {**HX, "HTTP_HX_CURRENT_URL": "http://testserver/studies/"}
    response = client_in.post(
        study_url("requisites_edit", stored_study),
        {**REQUISITES, "base_revision": "1"},
        **elsewhere,
    )
    assert response.status_code == 200
    assert stored_study.current_revision().number == 2
    assert "study-revision" not in response.content.decode()


@pytest.mark.parametrize(
    "answer",
    [
        lambda: HttpResponseClientRedirect("/studies/"),
        lambda: HttpResponseClientRefresh(),
        lambda: HttpResponse(b"{}", content_type="application/json"),
        lambda: HttpResponse(status=204),
    ],
    ids=["redirect", "refresh", "json", "no content"],
)
def test_an_answer_that_is_no_part_is_left_alone(
    stored_study: Study, rf: RequestFactory, answer: Callable[[], HttpResponse]
) -> None:
    """A save that sends the browser elsewhere (the page is loaded whole) or answers no HTML."""
    request = rf.post("/", **_from_page(stored_study))
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    htmx.saved(request, stored_study.current_revision())
    response = htmx.RevisionMarkMiddleware(lambda _request: answer())(request)
    assert b"study-revision" not in response.content
    part = htmx.RevisionMarkMiddleware(lambda _request: HttpResponse(b"<p>part</p>"))(request)
    assert b'<span id="study-revision" hx-swap-oob="true">' in part.content
