"""An address opened in a way it does not take (405) answers a Russian page, as 403 and 404
do, for every view; the API keeps its own JSON answer."""

from __future__ import annotations

import pytest
from django.test import Client

from segprofile.web.studies.models import Study
from web_pages import page_text, study_url


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("journey_new", {}),  # the walk-through's address: a link to a form's POST
        ("recommendation_delete", {"recommendation_id": "r1"}),
        ("recommendation_suggestions", {}),
    ],
)
def test_a_post_only_address_opened_by_a_link_is_a_russian_page(
    client_in: Client, stored_study: Study, name: str, kwargs: dict[str, str]
) -> None:
    before = stored_study.revisions.count()
    response = client_in.get(study_url(name, stored_study, **kwargs))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"].startswith("text/html")
    page = page_text(response)
    assert "Эта страница так не открывается" in page
    assert "не открывается по ссылке или из адресной строки" in page
    assert stored_study.revisions.count() == before


def test_a_method_no_view_takes_is_said_in_general(client_in: Client, stored_study: Study) -> None:
    response = client_in.put(study_url("recommendations", stored_study))
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert "Этот адрес не принимает такой запрос." in page_text(response)


def test_the_api_answers_its_405_in_json(client_in: Client, stored_study: Study) -> None:
    response = client_in.put(f"/api/studies/{stored_study.pk}")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
