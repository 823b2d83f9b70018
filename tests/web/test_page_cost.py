"""What keeps the study pages cheap per request (issues #9 and #18, load) without a cache.

- The journeys page does not render a new-step form for every journey: «Add a step» fetches it
  (HTMX) when opened, and without JavaScript a link opens the page with the form in place.
- What pages show of a finished run (the published profile, segment labels, charts) is computed
  once by the worker and stored with the run; the pages read it, never the computed profile.
- The web keeps no cache of its own: the one cache (journey blueprints) is ``drawings``.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
from datetime import timedelta
from pathlib import Path
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
from segprofile.analysis.hypotheses import known_segments
from segprofile.model.study import Study as StudyDocument
from segprofile.web import middleware_load
from segprofile.web.studies import access, runs
from segprofile.web.studies.models import Membership, ProfileRun, Study
from segprofile.web.studies.tasks import build_profile

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


# --- what pages show of a run: stored with it ------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Demo records of the example and its profile (JSON), made once."""
    data = tmp_path_factory.mktemp("child-benefit-cost")
    pipeline.generate_demo_data("child-benefit", data, rows=1500, seed=4)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        pipeline.example_study("child-benefit"),
    )
    return data, pipeline.profile_to_json(profile)


@pytest.fixture
def profiled(user: User, built: tuple[Path, str]) -> Study:
    """The example with a finished run whose pages' data the worker stored."""
    data, result_json = built
    study = Study.create_from_document(
        pipeline.example_study("child-benefit"), owner=user, comment="пример"
    )
    for path in data.iterdir():
        shutil.copy(path, study.data_dir() / path.name)
    run = ProfileRun.objects.create(
        study=study,
        revision=study.current_revision(),
        status=ProfileRun.Status.DONE,
        progress=1.0,
        result_json=result_json,
        finished_at=timezone.now(),
    )
    runs.store(run, runs.prepare(pipeline.profile_from_json(result_json), _document(study)))
    return study


def _document(study: Study) -> StudyDocument:
    return study.current_revision().to_document()


def test_a_built_run_stores_what_its_pages_show(stored_study: Study, user: User) -> None:
    run = ProfileRun.objects.create(
        study=stored_study, revision=stored_study.current_revision(), created_by=user
    )
    assert build_profile.call(run.pk) == "done"
    run.refresh_from_db()
    document = _document(stored_study)
    profile = pipeline.profile_from_json(run.result_json)
    # What suppression on every read used to give, once.
    assert run.published_json == pipeline.published_profile_json(run.result_json, document)
    assert run.labels == known_segments(profile)
    assert run.pages_version == runs.PAGES_VERSION
    names = set(run.charts.values_list("name", flat=True))
    assert runs.PRIORITY_QUADRANT in names
    for group in runs.segment_groups(profile):
        assert runs.capacity_csat(group.id) in names
    assert any(svg.startswith("<svg") for svg in run.charts.values_list("svg", flat=True))
    # And its research plan is queued (here: computed at once) on the same run and revision.
    plan = stored_study.plans.get()
    assert (plan.run_id, plan.revision_id) == (run.pk, run.revision_id)


def test_a_run_stored_by_an_earlier_release_is_prepared_on_its_first_read(
    profiled: Study, built: tuple[Path, str], client_in: Client
) -> None:
    _, result_json = built
    old = ProfileRun.objects.create(
        study=profiled,
        revision=profiled.current_revision(),
        status=ProfileRun.Status.DONE,
        progress=1.0,
        result_json=result_json,
        finished_at=timezone.now(),
    )
    assert old.pages_version == 0
    url = _url("run_priorities", profiled, run_pk=old.pk)
    assert client_in.get(url).status_code == 200
    old.refresh_from_db()
    assert old.pages_version == runs.PAGES_VERSION
    assert old.published_json == profiled.runs.exclude(pk=old.pk).get().published_json
    with CaptureQueriesContext(connection) as queries:
        assert client_in.get(url).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert not writes


def test_a_run_prepared_meanwhile_is_not_prepared_again(profiled: Study) -> None:
    """Two first reads of an old run at once: the second store keeps what the first wrote."""
    run = profiled.runs.get()
    charts = sorted(run.charts.values_list("pk", flat=True))
    stale = ProfileRun.objects.get(pk=run.pk)
    runs.store(stale, runs.RunPages(published_json="{}", labels={}), replace=False)
    assert sorted(run.charts.values_list("pk", flat=True)) == charts
    assert stale.published_json == ProfileRun.objects.get(pk=run.pk).published_json != "{}"


def test_pages_read_what_the_run_stored_not_the_computed_profile(
    profiled: Study, client_in: Client
) -> None:
    """The run's pages read its published profile and charts; the study pages read neither the
    profile, nor the report, nor a published profile."""
    run = profiled.runs.get()
    for name, columns in (
        ("run_priorities", ("result_json", "html", "fragment")),
        ("run_segments", ("result_json", "html", "fragment")),
        ("run_clusters", ("result_json", "html", "fragment")),
        ("run", ("result_json", "published_json", "html")),
    ):
        url = _url(name, profiled, run_pk=run.pk)
        with CaptureQueriesContext(connection) as queries:
            assert client_in.get(url).status_code == 200
        for query in queries.captured_queries:
            for column in columns:
                assert f'"studies_profilerun"."{column}"' not in query["sql"], (url, column)
    for name in ("detail", "journeys", "research"):
        url = _url(name, profiled)
        with CaptureQueriesContext(connection) as queries:
            assert client_in.get(url).status_code == 200
        for query in queries.captured_queries:
            for column in access.RUN_TEXTS:
                assert f'"studies_profilerun"."{column}"' not in query["sql"], (url, column)


def test_a_new_revision_or_run_is_shown_at_once(profiled: Study, client_in: Client) -> None:
    page = _text(client_in.get(_url("hypotheses", profiled)))
    first = re.findall(r'name="id" value="(sug-[^"]+)"', page)
    assert first, "the example's profile suggests hypotheses"
    response = client_in.post(
        _url("hypothesis_suggestions", profiled), {"id": [first[0]], "action": "accept"}
    )
    assert response.status_code == 302
    page = _text(client_in.get(_url("hypotheses", profiled)))
    assert first[0] not in re.findall(r'name="id" value="(sug-[^"]+)"', page)
    # A newer run with other segment labels: the pages use its labels.
    run = profiled.runs.get()
    profile = pipeline.profile_from_json(run.result_json)
    feature = profile.by_feature[0]
    feature.segments[0].label = "Новая подпись сегмента"
    newer = ProfileRun.objects.create(
        study=profiled,
        revision=profiled.current_revision(),
        status=ProfileRun.Status.DONE,
        progress=1.0,
        result_json=pipeline.profile_to_json(profile),
        finished_at=timezone.now(),
    )
    runs.store(newer, runs.prepare(profile, _document(profiled)))
    assert runs.labels(newer)[feature.segments[0].key].endswith("Новая подпись сегмента")


def test_the_web_keeps_no_cache_of_its_own() -> None:
    """No per-process caches, no pre-rendered pages, no garbage-collector tricks in the web:
    the one cache is ``studies/drawings.py``, on Django's cache framework."""
    web = Path(runs.__file__).resolve().parents[1]
    banned = ("lru_cache", "OrderedDict", "gc.freeze", "csrf-slot", "cached_fragment")
    for path in web.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in banned:
            assert word not in text, f"{path.relative_to(web)}: {word}"
        if path.name != "drawings.py":
            assert "from django.core.cache import" not in text, path.relative_to(web)
    for path in web.rglob("*.html"):
        assert "{{ body }}" not in path.read_text(encoding="utf-8"), path.relative_to(web)


def test_the_status_history_follows_new_revisions_and_the_language(
    profiled: Study, client_in: Client
) -> None:
    url = _url("hypotheses", profiled)
    document = profiled.current_revision().to_document()
    hypothesis = next(h for h in document.hypotheses if h.status.value == "open")
    assert "редакция 2," not in _text(client_in.get(url))
    response = client_in.post(
        _url("hypothesis_status", profiled, hypothesis_id=hypothesis.id),
        {"status": "confirmed", "reason": "опрос 2025: 64 % за"},
    )
    assert response.status_code == 302
    text = _text(client_in.get(url))
    assert "редакция 2, " in text
    assert "Анна: открыта → подтверждена" in text  # the author by name (studies.people)
    # The history names the statuses in each request's language.
    client_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _text(client_in.get(url))
    assert "revision 2, " in english
    assert "Анна: open → confirmed" in english


# --- parts of pages: each request its own (tokens, rights, language) ---------------------------


def _section(text: str, journey_id: str) -> str:
    start = text.index(f'<section class="card journey" id="j-{journey_id}"')
    return text[start : text.index("</section>", start)]


def _member_client(study: Study, username: str, role: str) -> Client:
    member = User.objects.create_user(username, password=PASSWORD)
    Membership.objects.create(study=study, user=member, role=role)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    return client


def test_journey_parts_carry_each_requests_csrf_token(study: Study) -> None:
    clients = [_member_client(study, name, Membership.Role.EDITOR) for name in ("vera", "gleb")]
    for number, client in enumerate(clients, start=1):
        section = _section(_text(client.get(_url("journeys", study))), "current")
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', section))
        assert len(tokens) == 1
        step = study.current_revision().to_document().journeys[0].steps[1].id
        response = client.post(
            _url("journey_step_move", study, journey_id="current", step_id=step),
            {"csrfmiddlewaretoken": tokens.pop(), "direction": "up", "revision": str(number)},
        )
        assert response.status_code == 302  # accepted: a new revision
        assert study.revisions.count() == number + 1
        # The next page shows the new revision in its forms.
        section = _section(_text(client.get(_url("journeys", study))), "current")
        assert f'name="revision" value="{number + 1}"' in section
        assert f'name="revision" value="{number}"' not in section


def test_journey_parts_follow_the_users_rights(study: Study, client_in: Client) -> None:
    viewer = _member_client(study, "vera", Membership.Role.VIEWER)
    seen = _text(viewer.get(_url("journeys", study)))
    assert "jstep__actions" not in _section(seen, "current")
    assert 'id="journey-new"' not in seen
    edited = _text(client_in.get(_url("journeys", study)))
    assert "jstep__actions" in _section(edited, "current")
    assert 'id="journey-new"' in edited
    assert "jstep__actions" not in _section(_text(viewer.get(_url("journeys", study))), "current")


def test_journey_parts_are_in_the_requests_language(study: Study, client_in: Client) -> None:
    assert "Удалить путь" in _text(client_in.get(_url("journeys", study)))
    client_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _text(client_in.get(_url("journeys", study)))
    assert "Delete the journey" in english
    assert "Удалить путь" not in english


def test_the_hypotheses_page_follows_rights_and_takes_its_forms(profiled: Study) -> None:
    viewer = _member_client(profiled, "vera", Membership.Role.VIEWER)
    editor = _member_client(profiled, "gleb", Membership.Role.EDITOR)
    url = _url("hypotheses", profiled)
    assert "Сменить статус" not in _text(viewer.get(url))
    page = _text(editor.get(url))
    assert "Сменить статус" in page
    assert "Сменить статус" not in _text(viewer.get(url))
    document = profiled.current_revision().to_document()
    hypothesis = next(h for h in document.hypotheses if h.status.value == "open")
    start = page.index(f'id="h-{hypothesis.id}"')
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[start:])
    assert token is not None
    response = editor.post(
        _url("hypothesis_status", profiled, hypothesis_id=hypothesis.id),
        {"csrfmiddlewaretoken": token.group(1), "status": "confirmed", "reason": "опрос"},
    )
    assert response.status_code == 302
    assert profiled.revisions.count() == 2
    page = _text(editor.get(url))
    assert 'name="base_revision" value="2"' in page
    assert "gleb: открыта → подтверждена" in page


def test_the_study_page_follows_data_files_runs_and_rights(study: Study) -> None:
    viewer = _member_client(study, "vera", Membership.Role.VIEWER)
    editor = _member_client(study, "gleb", Membership.Role.EDITOR)
    url = _url("detail", study)
    assert 'id="build-profile"' not in _text(viewer.get(url))
    page = _text(editor.get(url))
    assert 'id="build-profile"' in page
    assert 'id="build-profile"' not in _text(viewer.get(url))
    source = study.current_revision().to_document().data_sources[0]
    assert page.count("данных пока нет") >= 1
    path = study.data_dir() / source.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 2048)
    # A file appeared (a study set up by hand): the page shows it.
    assert f"файл {source.path} (загружен без проверки)" in _text(viewer.get(url))
    ProfileRun.objects.create(study=study, revision=study.current_revision())
    assert "в очереди" in _text(viewer.get(url))


def test_the_priorities_page_follows_order_rights_and_revisions(profiled: Study) -> None:
    viewer = _member_client(profiled, "vera", Membership.Role.VIEWER)
    editor = _member_client(profiled, "gleb", Membership.Role.EDITOR)
    run = profiled.runs.get()
    url = _url("run_priorities", profiled, run_pk=run.pk)
    assert "note-form" not in _text(viewer.get(url))
    page = _text(editor.get(url))
    assert "note-form" in page
    assert f'name="next" value="{url}"' in page
    by_capacity = _text(editor.get(url + "?sort=capacity"))
    assert f'name="next" value="{url}?sort=capacity"' in by_capacity
    ranks = [int(r) for r in re.findall(r'<td class="num">(\d+)</td>\s*<td>', page)]
    assert ranks == sorted(ranks)
    assert [int(r) for r in re.findall(r'<td class="num">(\d+)</td>\s*<td>', by_capacity)] != ranks
    key = re.search(r'name="segment" value="([^"]+)"', page)
    assert key is not None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = editor.post(
        _url("segment_note", profiled),
        {
            "csrfmiddlewaretoken": token.group(1),
            "segment": key.group(1),
            "sponsor_focus": "on",
            "reason": "жалобы",
            "base_revision": "1",
            "next": url,
        },
    )
    assert response.status_code == 302
    assert 'name="base_revision" value="2"' in _text(editor.get(url))


def test_a_warm_study_page_is_a_handful_of_reads(profiled: Study, client_in: Client) -> None:
    """No N+1 queries and no writes: the session, the user, the study with the user's role,
    the revision and/or the run, what the page reads of them (the stored profile, a chart, the
    revisions' history, the profiles a run tells about a few together with) — whatever the
    study holds."""
    for number, status in enumerate(("confirmed", "refuted", "open"), start=2):
        # More revisions, runs and members must not mean more queries.
        client_in.post(
            _url("hypothesis_status", profiled, hypothesis_id="n_no_paper"),
            {"status": status, "reason": f"проверка {number}"},
        )
        assert profiled.revisions.count() == number
    User.objects.create_user("vera", password=PASSWORD)
    Membership.objects.create(
        study=profiled, user=User.objects.get(username="vera"), role=Membership.Role.VIEWER
    )
    run = profiled.runs.get()
    urls = [reverse("studies:list")] + [
        _url(name, profiled, **kwargs)
        for name, kwargs in (
            ("detail", {}),
            ("run", {"run_pk": run.pk}),
            ("run_priorities", {"run_pk": run.pk}),
            ("run_segments", {"run_pk": run.pk}),
            ("run_clusters", {"run_pk": run.pk}),
            ("hypotheses", {}),
            ("research", {}),
            ("journeys", {}),
        )
    ]
    for url in urls:
        client_in.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client_in.get(url)
        assert response.status_code in (200, 400), url  # 400: the plan's reason, shown
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) <= 8, (url, sql)
        assert not [s for s in sql if not s.lstrip().upper().startswith("SELECT")], (url, sql)
