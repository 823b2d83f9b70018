"""What keeps the study pages cheap per request (issue #9, load) without losing anything.

- The journeys page does not render a new-step form for every journey: «Add a step» fetches it
  (HTMX) when opened, and without JavaScript a link opens the page with the form in place.
- Values derived from a profile (segment labels, suggestions) are cached per run and revision;
  every request gets its own copy, so a change made in one request never reaches the next.
"""

from __future__ import annotations

import html as html_lib
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from segprofile import pipeline
from segprofile.web import middleware_load
from segprofile.web.studies.models import Membership, Study

HX = {"HTTP_HX_REQUEST": "true"}
PASSWORD = "correct-horse-42"  # the web tests' users (tests/web/conftest.py)


@pytest.fixture
def study(user: User) -> Study:
    return Study.create_from_document(
        pipeline.example_study("child-benefit"), owner=user, comment="пример"
    )


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


# --- the journeys page: new-step forms on demand ------------------------------------------------


def test_the_journeys_page_fetches_new_step_forms_on_demand(
    study: Study, client_in: Client
) -> None:
    text = _text(client_in.get(_url("journeys", study)))
    document = study.current_revision().to_document()
    for journey in document.journeys:
        url = _url("journey_step_add_form", study, journey_id=journey.id)
        # «Add a step» is there, the form is not: opening the list fetches it.
        assert f'id="addstep-{journey.id}"' in text
        assert f'hx-get="{url}" hx-trigger="toggle once from:closest details"' in text
        assert f'href="{url}#addstep-{journey.id}"' in text
        assert f'id="addform-{journey.id}"' not in text
    assert "Открыть форму нового шага" in text


def test_the_new_step_form_fragment(study: Study, client_in: Client) -> None:
    response = client_in.get(_url("journey_step_add_form", study, journey_id="target_common"), **HX)
    assert response.status_code == 200
    text = _text(response)
    assert text.lstrip().startswith("<form")
    assert 'id="addform-target_common"' in text
    assert f'action="{_url("journey_step_add", study, journey_id="target_common")}"' in text
    assert 'name="revision" value="1"' in text
    assert 'id="add-target_common-title"' in text
    assert "Сохранить новый шаг" in text
    assert "csrfmiddlewaretoken" in text
    # The study's roles, service levels and problems are offered.
    assert 'value="applicant"' in text
    assert "2. Самостоятельное заполнение" in text
    assert 'name="pains" value="p_refusal_unclear"' in text
    assert "<html" not in text


def test_without_javascript_the_link_opens_the_page_with_the_form(
    study: Study, client_in: Client
) -> None:
    text = _text(client_in.get(_url("journey_step_add_form", study, journey_id="target_common")))
    assert "<h1" in text
    assert '<details class="jadd" id="addstep-target_common" open>' in text
    assert 'id="addform-target_common"' in text
    # Only that journey's form; the others are fetched on demand as usual.
    assert 'id="addform-current"' not in text
    url = _url("journey_step_add_form", study, journey_id="current")
    assert f'hx-get="{url}"' in text


def test_the_fetched_form_adds_a_step(study: Study, client_in: Client) -> None:
    form = _text(
        client_in.get(_url("journey_step_add_form", study, journey_id="target_common"), **HX)
    )
    assert 'name="title"' in form
    response = client_in.post(
        _url("journey_step_add", study, journey_id="target_common"),
        {"title": "Оценить услугу", "role": "applicant", "service_level": "2", "revision": "1"},
        **HX,
    )
    assert response.status_code == 200
    journey = next(
        j for j in study.current_revision().to_document().journeys if j.id == "target_common"
    )
    assert journey.steps[-1].title == "Оценить услугу"


def test_a_refused_new_step_keeps_its_form_open(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_step_add", study, journey_id="target_common"),
        {"title": "", "duration_days": "-1", "revision": "1"},
        **HX,
    )
    assert response.status_code == 422
    text = _text(response)
    assert '<details class="jadd" id="addstep-target_common" open>' in text
    assert 'id="addform-target_common"' in text
    assert "Шаг не сохранён: исправьте отмеченные поля." in text


def test_the_new_step_form_is_for_editors_only(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    url = _url("journey_step_add_form", study, journey_id="target_common")
    assert other_client.get(url, **HX).status_code == 403
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.VIEWER)
    assert other_client.get(url, **HX).status_code == 403
    page = _text(other_client.get(_url("journeys", study)))
    assert url not in page
    assert (
        client_in.get(_url("journey_step_add_form", study, journey_id="nope"), **HX).status_code
        == 404
    )


def test_step_controls_link_to_their_own_step(study: Study, client_in: Client) -> None:
    text = _text(client_in.get(_url("journeys", study)))
    document = study.current_revision().to_document()
    for journey in document.journeys:
        for step in journey.steps:
            ids = {"journey_id": journey.id, "step_id": step.id}
            for name in ("journey_step_move", "journey_step_delete"):
                assert f'action="{_url(name, study, **ids)}"' in text
            assert f'hx-get="{_url("journey_step_edit", study, **ids)}"' in text


# --- sessions: the idle timeout without a write on every request --------------------------------


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _session_writes(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_a_session_is_written_at_most_once_a_minute(
    client_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"now": 1_900_000_000}
    monkeypatch.setattr(middleware_load, "_now", lambda: clock["now"])
    url = reverse("studies:list")
    assert _session_writes(client_in, url) == 1  # the first request marks the refresh
    first = _session_row(client_in).expire_date
    # Within the minute: requests read the session and write nothing.
    for seconds in (1, 30, 59):
        clock["now"] += seconds - (clock["now"] - 1_900_000_000)
        assert _session_writes(client_in, url) == 0
    assert _session_row(client_in).expire_date == first
    # A minute after the last refresh the expiry moves forward: SESSION_COOKIE_AGE from now.
    clock["now"] = 1_900_000_000 + 60
    assert _session_writes(client_in, url) == 1
    moved = _session_row(client_in).expire_date
    assert moved > first
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((moved - expected).total_seconds()) < 5
    assert _session_writes(client_in, url) == 0


def test_an_idle_session_still_ends(client_in: Client) -> None:
    url = reverse("studies:list")
    assert client_in.get(url).status_code == 200
    row = _session_row(client_in)
    # SESSION_COOKIE_AGE without a request: the stored expiry has passed.
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client_in.get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_visitors_without_a_live_session_get_none(client: Client, db: None) -> None:
    assert client.get(reverse("login")).status_code == 200
    assert Session.objects.count() == 0
    client.cookies["sessionid"] = "x" * 32  # a cookie naming a session that ended
    assert client.get(reverse("login")).status_code == 200
    assert Session.objects.count() == 0


def test_changes_to_a_session_are_still_saved(user: User) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("studies:list")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("studies:list")).status_code == 302
