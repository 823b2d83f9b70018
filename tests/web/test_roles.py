"""Every URL of the app against every role (issue #9): the allowed status for each.

The URL patterns are read from the resolver, so a view added later without an entry in
``ACCESS`` fails :func:`test_every_url_has_an_access_rule`, naming what to add. For each URL
and method the table says which capability is needed and what status an allowed user gets
(with an empty form); an anonymous visitor is sent to the login page, an authenticated user
without the capability gets 403 («Доступ запрещён»).

Roles: anonymous, outsider (signed in, not a member), viewer, editor, owner, admin (superuser
of the instance, not a member).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import access
from segprofile.web.studies.models import Membership, ProfileRun, Study
from sp_factories import make_records
from url_values import KWARGS

ROLES = ("anonymous", "outsider", "viewer", "editor", "owner", "admin")

# What each capability lets in. "public": no login needed; "login": any signed-in user.
ALLOWED = {
    "public": set(ROLES),
    "login": {"outsider", "viewer", "editor", "owner", "admin"},
    "view": {"viewer", "editor", "owner", "admin"},
    "edit": {"editor", "owner", "admin"},
    "manage": {"owner", "admin"},
    "admin": {"admin"},
}

# URL name → {method: (capability, status for an allowed user with an empty form)}.
# A status may be a dict {role: status} where roles differ (e.g. the login page).
ACCESS: dict[str, dict[str, tuple[str, Any]]] = {
    "studies:list": {"GET": ("login", 200)},
    "studies:new": {"GET": ("login", 200)},
    "studies:create_example": {"POST": ("login", 400)},
    "studies:create_upload": {"POST": ("login", 400)},
    "studies:detail": {"GET": ("view", 200)},
    "studies:yaml": {"GET": ("view", 200)},
    "studies:upload_revision": {"POST": ("edit", 400)},
    "studies:rule_preview": {"POST": ("view", 200)},
    "studies:rule_save": {"POST": ("edit", 302)},
    "studies:run_start": {"POST": ("edit", 302)},
    "studies:run": {"GET": ("view", 200)},
    "studies:run_progress": {"GET": ("view", 302)},
    "studies:run_delete": {"GET": ("manage", 200), "POST": ("manage", 400)},  # not ticked
    "studies:run_html": {"GET": ("view", 200)},
    "studies:run_priorities": {"GET": ("view", 200)},
    "studies:segment_note": {"POST": ("edit", 302)},
    "studies:run_json": {"GET": ("view", 200)},
    # issue 19: roles and audiences, segmentation settings, priority threshold and weights
    "studies:roles_section": {"GET": ("view", 200)},
    "studies:role_new": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:role_edit": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:role_delete": {"POST": ("edit", {"editor": 302, "*": 404})},
    "studies:settings_section": {"GET": ("view", 200)},
    "studies:settings_edit": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:priority_preview": {"POST": ("view", 200)},
    "studies:priority_save": {"POST": ("edit", 400)},
    # Segments and clusters of a run (the small study has no clusters: back to the page).
    "studies:run_segments": {"GET": ("view", 200)},
    "studies:run_segment": {"GET": ("view", 404)},  # no ?key=: no such segment (to a member)
    "studies:run_clusters": {"GET": ("view", 200)},
    "studies:run_cluster": {"GET": ("view", 302)},
    "studies:run_cluster_edit": {"GET": ("edit", 302), "POST": ("edit", 302)},
    "studies:hypotheses": {"GET": ("view", 200)},
    "studies:hypothesis_suggestions": {"POST": ("edit", 302)},
    "studies:hypothesis_status": {"POST": ("edit", 302)},
    # Hypotheses and recommendations written in the browser (the small study has none: 404).
    "studies:hypothesis_new": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:hypothesis_edit": {"GET": ("edit", 404), "POST": ("edit", 404)},
    "studies:hypothesis_delete": {"POST": ("edit", 404)},
    "studies:recommendations": {"GET": ("view", 200)},
    "studies:recommendation_new": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:recommendation_edit": {"GET": ("edit", 404), "POST": ("edit", 404)},
    "studies:recommendation_delete": {"POST": ("edit", 404)},
    "studies:recommendation_suggestions": {"POST": ("edit", 302)},
    # The research plan is a background job: the page shows it (none yet here), the CSV of a
    # plan not computed sends back to the page, so does its progress once nothing is running.
    "studies:research": {"GET": ("view", 200)},
    "studies:research_plan_start": {"POST": ("edit", 302)},
    "studies:research_progress": {"GET": ("view", 302)},
    "studies:research_respondents": {"GET": ("edit", 302)},
    # issue 19: the team's research record (the small study has no activities: 404).
    "studies:research_settings": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:research_activity_new": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:research_activity": {"GET": ("edit", 404), "POST": ("edit", 404)},
    "studies:research_activity_delete": {"POST": ("edit", 404)},
    "studies:research_respondents_add": {"GET": ("edit", 404), "POST": ("edit", 404)},
    "studies:research_respondent": {"GET": ("edit", 404), "POST": ("edit", 404)},
    "studies:research_respondent_delete": {"POST": ("edit", 404)},
    "studies:reidentify": {"GET": ("manage", 200), "POST": ("manage", 400)},
    "studies:journeys": {"GET": ("view", 200)},
    "studies:journeys_export": {"GET": ("view", 200)},
    "studies:journeys_import": {"POST": ("edit", 400)},
    "studies:recommendations_accept": {"POST": ("edit", 302)},
    "studies:run_report": {"GET": ("view", 200)},
    "studies:survey": {"GET": ("view", 200), "POST": ("edit", 400)},
    "studies:survey_map": {"GET": ("view", 404), "POST": ("view", 404)},  # applying: edit
    "studies:interviews": {"GET": ("view", 200), "POST": ("edit", 400)},
    "studies:quote_decision": {"POST": ("edit", 302)},
    "studies:topics": {"GET": ("view", 200)},
    "studies:topic_names": {"POST": ("edit", 302)},
    # The journey editor (the small study has no journeys: 404, or back to the page).
    "studies:journey_new": {"POST": ("edit", 400)},
    "studies:journey_fragment": {"GET": ("view", 302)},
    "studies:journey_delete": {"POST": ("edit", 404)},
    "studies:journey_edit": {"GET": ("edit", 404)},
    "studies:journey_save": {"POST": ("edit", 404)},
    "studies:journey_step_add": {"POST": ("edit", 404)},
    "studies:journey_step_add_form": {"GET": ("edit", 404)},
    "studies:journey_steps_order": {"POST": ("edit", 302)},
    "studies:journey_step_save": {"POST": ("edit", 404)},
    "studies:journey_step_edit": {"GET": ("edit", 404)},
    "studies:journey_step_move": {"POST": ("edit", 302)},
    "studies:journey_step_delete": {"POST": ("edit", 302)},
    "studies:data": {"GET": ("view", 200)},
    "studies:data_upload": {"POST": ("edit", 400)},
    "studies:data_source_title": {"POST": ("edit", 400)},  # an empty title is refused
    "studies:data_inspect": {"GET": ("view", 404), "POST": ("edit", 404)},
    "studies:data_discard": {"POST": ("edit", 404)},
    "studies:data_import": {"GET": ("view", 404)},
    "studies:data_import_progress": {"GET": ("view", 404)},
    "studies:data_original_delete": {"POST": ("manage", 404)},
    "studies:data_version_delete": {"GET": ("manage", 404), "POST": ("manage", 404)},
    "studies:members": {"GET": ("manage", 200)},
    "studies:member_add": {"POST": ("manage", 400)},
    "studies:member_change": {"POST": ("manage", 302)},
    "studies:history": {"GET": ("view", 200)},
    "studies:compare": {"GET": ("view", 200)},
    "studies:restore": {"POST": ("edit", 302)},
    "studies:runs_compare": {"GET": ("view", 200)},
    "studies:audit": {"GET": ("manage", 200)},
    "studies:delete": {"GET": ("manage", 200), "POST": ("manage", 400)},
    "studies:audit_all": {"GET": ("admin", 200)},
    # issue 19: a new study from nothing; the scope and its legal acts edited in place (the
    # small study's only act is cited by a role: deleting it is refused).
    "studies:create_blank": {"POST": ("login", 400)},
    "studies:scope": {"GET": ("view", 200)},
    "studies:scope_edit": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:legal_act_add": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:legal_act_edit": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:legal_act_delete": {"POST": ("edit", 400)},
    "login": {"GET": ("public", {"anonymous": 200, "*": 302})},
    "logout": {"POST": ("public", 302)},
    "set_language": {"POST": ("public", 302)},
    "report_css": {"GET": ("public", 200)},
    # API tokens (any signed-in user, own tokens only) and the JSON API: it authenticates by
    # token only, so a session — anyone's — gets 401 (tests/web/test_api*.py test the tokens).
    "api_tokens:list": {"GET": ("login", 200), "POST": ("login", 400)},
    "api_tokens:revoke": {"POST": ("login", 404)},
    "api:api-root": {"GET": ("public", 404)},
    "api:openapi-json": {"GET": ("public", 200)},
    "api:list_studies": {"GET": ("public", 401)},
    "api:get_study": {"GET": ("public", 401)},
    "api:get_document": {"GET": ("public", 401)},
    "api:get_document_yaml": {"GET": ("public", 401)},
    "api:list_revisions": {"GET": ("public", 401)},
    "api:create_revision": {"POST": ("public", 401)},
    "api:list_datasets": {"GET": ("public", 401)},
    "api:list_runs": {"GET": ("public", 401)},
    "api:start_run": {"POST": ("public", 401)},
    "api:get_run": {"GET": ("public", 401)},
    "api:get_profile": {"GET": ("public", 401)},
    "api:get_report": {"GET": ("public", 401)},
    # issue 19: the API's new study and its document's parts (roles: test_api_sections.py).
    # A PUT or DELETE shares its address with a GET: the address is what is checked here.
    "api:create_study": {"POST": ("public", 401)},
    "api:get_section": {"GET": ("public", 401)},
    "api:put_section": {"GET": ("public", 401)},
    "api:get_list": {"GET": ("public", 401)},
    "api:add_item": {"POST": ("public", 401)},
    "api:get_item": {"GET": ("public", 401)},
    "api:put_item": {"GET": ("public", 401)},
    "api:delete_item": {"GET": ("public", 401)},
    # issue 19: features (M-3). A browser's GET of the section goes to the study page; the
    # first editor deletes the feature, whoever comes after finds it gone.
    "studies:features": {"GET": ("view", 302)},
    "studies:feature_add": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:feature_edit": {"GET": ("edit", 200), "POST": ("edit", 400)},
    "studies:feature_preview": {"POST": ("edit", 200)},
    "studies:feature_preview_edit": {"POST": ("edit", 200)},
    "studies:feature_delete": {"POST": ("edit", {"editor": 302, "*": 404})},
    "studies:feature_pair_add": {"POST": ("edit", 302)},
    "studies:feature_pair_delete": {"POST": ("edit", 302)},
    # issue 20: the filed document's details (M-13), edited in place; every field may be empty.
    "studies:requisites": {"GET": ("view", 200)},
    "studies:requisites_edit": {"GET": ("edit", 200), "POST": ("edit", 302)},
    # issue 20: report template — members download (404 while none is stored); only the owner
    # uploads (an empty form is a 400) or deletes.
    "studies:run_report_template": {"GET": ("view", 404)},
    "studies:report_template": {"GET": ("view", 200), "POST": ("manage", 400)},
    "studies:report_template_delete": {"POST": ("manage", 302)},
    "studies:report_template_file": {"GET": ("view", 404)},
    "studies:report_template_sample": {"GET": ("view", 200)},
    "studies:report_template_guide": {"GET": ("view", 200)},
}

# Values of the URL parameters; a new parameter name needs an entry here.
# URL-specific parameters.
URL_KWARGS: dict[str, dict[str, Any]] = {
    "studies:journeys_export": {"fmt": "csv"},
    "studies:run_report": {"fmt": "xlsx"},
}


def _patterns(
    patterns: list[Any], namespace: str | None = None
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner == "admin":  # Django's admin has its own staff check (tested below)
                continue
            yield from _patterns(entry.url_patterns, inner)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def _url_names() -> list[str]:
    return sorted({name for name, _ in _patterns(get_resolver().url_patterns)})


def test_every_url_has_an_access_rule() -> None:
    names = set(_url_names())
    missing = sorted(names - set(ACCESS))
    assert not missing, (
        "These URLs have no access rule in tests/web/test_roles.py ACCESS: "
        + ", ".join(missing)
        + ". Add each with the capability its view asks access.study_for for "
        "(view / edit / manage) and the status an allowed user gets with an empty form."
    )
    gone = sorted(set(ACCESS) - names)
    assert not gone, f"ACCESS lists URLs that no longer exist: {', '.join(gone)}"


@pytest.fixture(scope="module")
def built_profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """One real profile of the small study (JSON, HTML, fragment), built once."""
    from sp_factories import SMALL_STUDY

    data = tmp_path_factory.mktemp("roles-data")
    import pyarrow.parquet as pq

    pq.write_table(make_records(600, seed=3), data / "records.parquet")
    document = StudyDocument.model_validate(SMALL_STUDY)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        document,
        revision=1,
    )
    return (
        pipeline.profile_to_json(profile),
        *pipeline.render_profile_pages(profile, document),
    )


@pytest.fixture
def team(user: User, stored_study: Study, built_profile: tuple[str, str, str]) -> dict[str, Any]:
    """The study with a member of each role, and a finished profile run."""
    people: dict[str, User | None] = {"anonymous": None, "owner": user}
    for role in ("outsider", "viewer", "editor"):
        people[role] = User.objects.create_user(role, password="x")
    people["admin"] = User.objects.create_superuser("root", password="x")
    Membership.objects.create(study=stored_study, user=people["viewer"], role="viewer")
    editor = Membership.objects.create(study=stored_study, user=people["editor"], role="editor")
    result_json, html, fragment = built_profile
    run = ProfileRun.objects.create(study=stored_study, revision=stored_study.current_revision())
    run.mark_done(result_json=result_json, html=html, fragment=fragment)
    return {"people": people, "study": stored_study, "run": run, "member": editor}


def _reverse(name: str, pattern_kwargs: list[str], team: dict[str, Any]) -> str:
    values = {
        "pk": team["study"].pk,
        "run_pk": team["run"].pk,
        "member_pk": team["member"].pk,
        **KWARGS,
        **URL_KWARGS.get(name, {}),
    }
    unknown = [k for k in pattern_kwargs if k not in values]
    assert not unknown, f"{name}: add a value for the URL parameter(s) {unknown} to KWARGS"
    return reverse(name, kwargs={k: values[k] for k in pattern_kwargs})


def _client(team: dict[str, Any], role: str) -> Client:
    client = Client()
    person = team["people"][role]
    if person is not None:
        client.force_login(person)
    return client


CASES = [(name, method) for name, methods in ACCESS.items() for method in methods]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_url_answers_each_role_as_its_rule_says(
    name: str, method: str, team: dict[str, Any]
) -> None:
    patterns = dict(_patterns(get_resolver().url_patterns))
    if name not in patterns:
        pytest.skip(f"{name} is not in this build")
    pattern_kwargs = list(patterns[name].pattern.converters)
    url = _reverse(name, pattern_kwargs, team)
    capability, allowed_status = ACCESS[name][method]
    wrong = []
    for role in ROLES:
        client = _client(team, role)
        client.raise_request_exception = False
        response = client.get(url) if method == "GET" else client.post(url, {})
        if role in ALLOWED[capability]:
            if isinstance(allowed_status, dict):
                expected = allowed_status.get(role, allowed_status["*"])
            else:
                expected = allowed_status
        elif role == "anonymous":
            expected = 302
        else:
            expected = 403
        got = response.status_code
        if got != expected:
            wrong.append(f"{role}: {got} (expected {expected})")
            continue
        if role == "anonymous" and capability != "public":
            assert response["Location"].startswith("/accounts/login/"), (role, url)
        if expected == 403:
            assert "Доступ запрещён" in response.content.decode(), (role, url)
    assert not wrong, f"{method} {url}: " + "; ".join(wrong)


@pytest.mark.django_db
def test_admin_site_is_for_staff_only(team: dict[str, Any]) -> None:
    assert _client(team, "anonymous").get("/admin/").status_code == 302
    assert _client(team, "owner").get("/admin/").status_code == 302  # not staff
    assert _client(team, "admin").get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_viewer_sees_no_edit_buttons_and_an_editor_does(team: dict[str, Any]) -> None:
    study = team["study"]
    url = reverse("studies:detail", kwargs={"pk": study.pk})
    viewer = _client(team, "viewer").get(url).content.decode()
    editor = _client(team, "editor").get(url).content.decode()
    owner = _client(team, "owner").get(url).content.decode()
    for marker in ('id="build-profile"', f"studies/{study.pk}/roles/", 'name="document"'):
        assert marker not in viewer, marker
        assert marker in editor, marker
    assert reverse("studies:members", kwargs={"pk": study.pk}) not in editor
    assert reverse("studies:members", kwargs={"pk": study.pk}) in owner
    assert reverse("studies:history", kwargs={"pk": study.pk}) in viewer


@pytest.mark.django_db
def test_the_list_shows_the_studies_where_one_is_a_member(team: dict[str, Any]) -> None:
    title = team["study"].title
    for role in ("viewer", "editor", "owner", "admin"):
        assert title in _client(team, role).get(reverse("studies:list")).content.decode(), role
    assert title not in _client(team, "outsider").get(reverse("studies:list")).content.decode()


@pytest.mark.django_db
def test_lists_of_studies_follow_the_same_rule(team: dict[str, Any]) -> None:
    """``access.studies_for`` (the list page, the API's list) lets in whom ``study_for`` does."""
    for role in ROLES:
        user = team["people"][role] or AnonymousUser()
        for need in ("view", "edit", "manage"):
            listed = access.studies_for(user, need).filter(pk=team["study"].pk).exists()
            assert listed == (role in ALLOWED[need]), (role, need)
            assert listed == team["study"].can(user, need), (role, need)
