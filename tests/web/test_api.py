"""The JSON API (/api/): tokens, roles, documents, revisions, datasets, jobs, profiles, reports."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.api.models import ApiToken, hash_token
from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study
from segprofile.web.studies.services import workspace_for

pytestmark = pytest.mark.django_db


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(user: User) -> str:
    return ApiToken.issue(user, "тесты")[1]


@pytest.fixture
def api() -> Client:
    return Client()


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


# --- tokens ------------------------------------------------------------------------------------


def test_the_token_page_shows_a_new_token_once_and_stores_only_its_hash(
    client_in: Client, user: User
) -> None:
    response = client_in.post(reverse("api_tokens:list"), {"name": "скрипт отчётов"})
    assert response.status_code == 200
    page = response.content.decode()
    token = ApiToken.objects.get(user=user)
    start = page.index('id="token-value">') + len('id="token-value">')
    text = page[start : page.index("</code>", start)]
    assert text.startswith("sp_")
    assert len(text) > 40
    assert token.key_hash == hash_token(text)
    assert text not in {token.key_hash, token.prefix, token.name}
    assert "Скопируйте его сейчас" in page
    # The list shows only the beginning, never the whole token again.
    again = client_in.get(reverse("api_tokens:list")).content.decode()
    assert text not in again
    assert token.prefix in again
    assert "скрипт отчётов" in again


def test_the_page_is_named_for_analysts_in_the_menu_its_title_and_the_401(
    client_in: Client, api: Client
) -> None:
    """«Доступ для программ (API)», not the jargon «API-токены»: the menu, the page's title and
    heading, and the 401 that sends a program's author there; the address stays."""
    assert reverse("api_tokens:list") == "/account/api-tokens/"
    page = client_in.get(reverse("studies:list")).content.decode()
    menu = page[page.index('class="topnav"') : page.index("</nav>")]
    assert '<a href="/account/api-tokens/">Доступ для программ (API)</a>' in menu
    tokens = client_in.get(reverse("api_tokens:list")).content.decode()
    assert "<title>Доступ для программ (API)" in tokens
    assert "<h1>Доступ для программ (API)</h1>" in tokens
    refused = _json(api.get("/api/studies"))
    assert "на странице «Доступ для программ (API)»" in refused["detail"]
    description = _json(api.get("/api/openapi.json"))["info"]["description"]
    for text in (page, tokens, refused["detail"], description):
        assert "API-токены" not in text


def test_a_revoked_token_no_longer_authenticates(
    client_in: Client, user: User, api: Client, token: str
) -> None:
    assert api.get("/api/studies", **_auth(token)).status_code == 200
    row = ApiToken.objects.get(user=user)
    response = client_in.post(reverse("api_tokens:revoke", kwargs={"token_pk": row.pk}))
    assert response.status_code == 302
    refused = api.get("/api/studies", **_auth(token))
    assert refused.status_code == 401
    body = _json(refused)
    assert body["code"] == "not_authenticated"
    assert "Authorization: Bearer" in body["detail"]
    assert "токен" in body["detail"]


def test_another_users_token_cannot_be_revoked(client_in: Client, other_user: User) -> None:
    row, _text = ApiToken.issue(other_user, "чужой")
    response = client_in.post(reverse("api_tokens:revoke", kwargs={"token_pk": row.pk}))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.is_active


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer sp_wrong", "Basic YW5uYTpwYXNz", "Token sp_x", "Bearer " + "x" * 500],
)
def test_requests_without_a_valid_token_are_401(api: Client, header: str) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = api.get("/api/studies", **extra)
    assert response.status_code == 401
    assert _json(response)["code"] == "not_authenticated"


def test_a_signed_in_session_does_not_authenticate_the_api(client_in: Client) -> None:
    """Only tokens count: a session cookie would make the API forgeable from another site."""
    assert client_in.get("/api/studies").status_code == 401
    assert client_in.post("/api/studies/1/runs").status_code == 401


def test_the_openapi_schema_is_public_json(api: Client) -> None:
    schema = _json(api.get("/api/openapi.json"))
    paths = schema["paths"]
    for path in (
        "/api/studies",
        "/api/studies/{study_id}",
        "/api/studies/{study_id}/document",
        "/api/studies/{study_id}/document.yaml",
        "/api/studies/{study_id}/revisions",
        "/api/studies/{study_id}/datasets",
        "/api/studies/{study_id}/runs",
        "/api/studies/{study_id}/runs/{run_id}",
        "/api/studies/{study_id}/runs/{run_id}/profile",
        "/api/studies/{study_id}/runs/{run_id}/report/{fmt}",
    ):
        assert path in paths, path
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


# --- studies and roles -------------------------------------------------------------------------


def test_lists_only_the_studies_the_user_is_a_member_of(
    api: Client, token: str, stored_study: Study, other_user: User, small_study: StudyDocument
) -> None:
    Study.create_from_document(small_study, owner=other_user, comment="чужое")
    body = _json(api.get("/api/studies", **_auth(token)))
    assert [s["id"] for s in body] == [stored_study.pk]
    assert body[0]["role"] == "owner"
    assert body[0]["revision"] == 1
    assert body[0]["title"] == stored_study.title


def test_a_study_of_someone_else_is_403_and_a_missing_one_404(
    api: Client, token: str, other_user: User, small_study: StudyDocument
) -> None:
    theirs = Study.create_from_document(small_study, owner=other_user, comment="чужое")
    forbidden = api.get(f"/api/studies/{theirs.pk}", **_auth(token))
    assert forbidden.status_code == 403
    assert _json(forbidden) == {
        "detail": "Доступ запрещён: ваша роль в этом исследовании этого не позволяет.",
        "code": "forbidden",
        "errors": [],
    }
    missing = api.get("/api/studies/999999", **_auth(token))
    assert missing.status_code == 404
    assert _json(missing)["code"] == "not_found"
    assert "Не найдено" in _json(missing)["detail"]
    invalid = api.get("/api/studies/abc", **_auth(token))
    assert invalid.status_code == 422
    assert _json(invalid)["code"] == "invalid_request"


def test_the_study_and_its_document(api: Client, token: str, stored_study: Study) -> None:
    body = _json(api.get(f"/api/studies/{stored_study.pk}", **_auth(token)))
    assert body["can_edit"]
    assert body["can_manage"]
    assert [s["id"] for s in body["data_sources"]] == ["records"]
    doc = _json(api.get(f"/api/studies/{stored_study.pk}/document", **_auth(token)))
    assert doc["revision"] == 1
    assert (
        pipeline.study_from_data(doc["document"]) == stored_study.current_revision().to_document()
    )
    yaml = api.get(f"/api/studies/{stored_study.pk}/document.yaml", **_auth(token))
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/yaml")
    assert (
        pipeline.parse_study(yaml.content.decode()) == stored_study.current_revision().to_document()
    )
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, study=stored_study).count() == 2
    )


def test_an_editor_saves_a_revision_and_a_viewer_cannot(
    api: Client, token: str, stored_study: Study, other_user: User
) -> None:
    document = stored_study.current_revision().to_document().model_dump(mode="json")
    document["title"] = "Новое название через API"
    url = f"/api/studies/{stored_study.pk}/revisions"
    created = api.post(
        url,
        {"document": document, "comment": "из скрипта", "base_revision": 1},
        "application/json",
        **_auth(token),
    )
    assert created.status_code == 201, created.content
    assert _json(created)["number"] == 2
    stored_study.refresh_from_db()
    assert stored_study.title == "Новое название через API"
    assert stored_study.current_revision().comment == "из скрипта"

    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    viewer_token = ApiToken.issue(other_user, "читатель")[1]
    refused = api.post(
        url, {"document": document, "base_revision": 2}, "application/json", **_auth(viewer_token)
    )
    assert refused.status_code == 403
    assert stored_study.revisions.count() == 2
    # A viewer may read, though.
    assert (
        api.get(f"/api/studies/{stored_study.pk}/revisions", **_auth(viewer_token)).status_code
        == 200
    )


def test_a_revision_from_yaml_text(api: Client, token: str, stored_study: Study) -> None:
    text = pipeline.dump_study(stored_study.current_revision().to_document())
    text = text.replace(stored_study.title, "Из YAML", 1)
    response = api.post(
        f"/api/studies/{stored_study.pk}/revisions",
        {"yaml": text, "base_revision": 1},
        "application/json",
        **_auth(token),
    )
    assert response.status_code == 201, response.content
    stored_study.refresh_from_db()
    assert stored_study.title == "Из YAML"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"yaml": "title: [unclosed", "base_revision": 1}, "invalid_document"),
        ({"yaml": "id: x\n", "base_revision": 1}, "invalid_document"),
        ({"document": {"id": "x"}, "base_revision": 1}, "invalid_document"),
        ({"base_revision": 1}, "invalid_request"),
        ({"yaml": "a: 1", "document": {"a": 1}, "base_revision": 1}, "invalid_request"),
        ({"document": "not an object", "base_revision": 1}, "invalid_request"),
        ({"yaml": "a", "base_revision": 0}, "invalid_base_revision"),
        ({"yaml": "a"}, "base_revision_required"),
        ({"yaml": "a", "base_revision": 2**63 + 1}, "invalid_base_revision"),
        ({"yaml": "a", "base_revision": "один"}, "invalid_base_revision"),
        ({"yaml": "a", "base_revision": 5}, "invalid_base_revision"),
        ({"yaml": "a: &x [1]\nb: *x\n", "base_revision": 1}, "invalid_document"),
    ],
)
def test_an_invalid_document_is_422_and_nothing_is_saved(
    api: Client, token: str, stored_study: Study, body: dict[str, Any], code: str
) -> None:
    response = api.post(
        f"/api/studies/{stored_study.pk}/revisions", body, "application/json", **_auth(token)
    )
    assert response.status_code == 422, response.content
    payload = _json(response)
    assert payload["code"] == code
    assert any("а" <= ch <= "я" for ch in payload["detail"].lower())
    assert stored_study.revisions.count() == 1


def test_a_body_that_is_not_json_is_400(api: Client, token: str, stored_study: Study) -> None:
    response = api.post(
        f"/api/studies/{stored_study.pk}/revisions",
        b"{not json",
        "application/json",
        **_auth(token),
    )
    assert response.status_code in (400, 422)
    assert _json(response)["code"] in ("bad_request", "invalid_request")
    assert stored_study.revisions.count() == 1


def test_a_conflicting_edit_is_409_with_both_versions(
    api: Client, token: str, stored_study: Study, user: User
) -> None:
    base = stored_study.current_revision().to_document()
    theirs = base.model_copy(update={"title": "Их название"})
    stored_study.add_revision(theirs, author=user, comment="их правка")
    mine = base.model_dump(mode="json") | {"title": "Моё название"}
    response = api.post(
        f"/api/studies/{stored_study.pk}/revisions",
        {"document": mine, "base_revision": 1},
        "application/json",
        **_auth(token),
    )
    assert response.status_code == 409
    body = _json(response)
    assert body["code"] == "conflict"
    assert (body["base_revision"], body["latest_revision"]) == (1, 2)
    [part] = body["conflicts"]
    assert (part["theirs"], part["mine"]) == ("Их название", "Моё название")
    assert part["base"] == base.title
    stored_study.refresh_from_db()
    assert stored_study.title == "Их название"
    assert stored_study.revisions.count() == 2


def test_two_clients_a_write_without_base_is_refused_and_a_stale_one_is_409(
    api: Client, token: str, stored_study: Study, other_user: User
) -> None:
    """Two programs edit the same study: neither can silently undo the other's edit."""
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    other_token = ApiToken.issue(other_user, "второй клиент")[1]
    url = f"/api/studies/{stored_study.pk}/revisions"

    def read(tok: str) -> tuple[int, dict[str, Any]]:
        got = _json(api.get(f"/api/studies/{stored_study.pk}/document", **_auth(tok)))
        return got["revision"], got["document"]

    # Both read revision 1.
    (first_base, first_doc), (second_base, second_doc) = read(token), read(other_token)
    assert first_base == second_base == 1
    # The first saves a new title from revision 1.
    first_doc["title"] = "Название первого клиента"
    saved = api.post(
        url,
        {"document": first_doc, "base_revision": first_base},
        "application/json",
        **_auth(token),
    )
    assert saved.status_code == 201, saved.content
    # The second, without a base, is refused: it would have overwritten the new title.
    second_doc["title"] = "Название второго клиента"
    blind = api.post(url, {"document": second_doc}, "application/json", **_auth(other_token))
    assert blind.status_code == 422
    assert _json(blind)["code"] == "base_revision_required"
    assert "base_revision" in _json(blind)["detail"]
    # With its (now stale) base it gets a conflict naming both titles, and nothing is saved.
    stale = api.post(
        url,
        {"document": second_doc, "base_revision": second_base},
        "application/json",
        **_auth(other_token),
    )
    assert stale.status_code == 409
    conflict = _json(stale)
    assert conflict["latest_revision"] == 2
    assert [(c["theirs"], c["mine"]) for c in conflict["conflicts"]] == [
        ("Название первого клиента", "Название второго клиента")
    ]
    # A change of another part from the stale base is merged, not refused.
    second_doc["title"] = first_doc["title"]
    second_doc["scope"] = second_doc["scope"] | {"title": "Другая область"}
    merged = api.post(
        url,
        {"document": second_doc, "base_revision": second_base},
        "application/json",
        **_auth(other_token),
    )
    assert merged.status_code == 201, merged.content
    stored_study.refresh_from_db()
    assert stored_study.title == "Название первого клиента"
    assert stored_study.revisions.count() == 3


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/no-such-thing", 404),
        ("delete", "/api/studies/{pk}/revisions", 405),
        ("put", "/api/studies/{pk}", 405),
        ("get", "/api/studies/99999999999999999999999", 404),
        ("get", "/api/studies/{pk}/document?revision=99999999999999999999999", 404),
    ],
)
def test_every_api_error_is_json_in_russian(
    api: Client, token: str, stored_study: Study, method: str, path: str, status: int
) -> None:
    response = getattr(api, method)(path.format(pk=stored_study.pk), **_auth(token))
    assert response.status_code == status
    body = _json(response)
    assert any("а" <= ch <= "я" for ch in body["detail"].lower()), body
    assert body["code"]


def test_a_body_over_the_limit_is_413_json(
    api: Client, token: str, stored_study: Study, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    api.raise_request_exception = False
    response = api.post(
        f"/api/studies/{stored_study.pk}/revisions",
        {"yaml": "x" * 20_000, "base_revision": 1},
        "application/json",
        **_auth(token),
    )
    assert response.status_code == 413
    assert _json(response)["code"] == "too_large"
    assert stored_study.revisions.count() == 1


def test_an_unexpected_error_is_json_and_logged(
    api: Client, token: str, stored_study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("/var/lib/segprofile/secret/path")

    monkeypatch.setattr(pipeline, "list_dataset_versions", broken)
    monkeypatch.setattr(Study, "current_revision", broken)
    api.raise_request_exception = False
    response = api.get(f"/api/studies/{stored_study.pk}/datasets", **_auth(token))
    assert response.status_code == 500
    body = _json(response)
    assert body["code"] == "internal_error"
    assert "/var/lib" not in body["detail"]


# --- datasets, jobs, profiles, reports ---------------------------------------------------------


def test_datasets_list_the_sources_and_their_versions(
    api: Client, token: str, stored_study: Study, small_data: Any
) -> None:
    document = stored_study.current_revision().to_document()
    pipeline.import_dataset(
        workspace_for(stored_study),
        small_data / "records.parquet",
        document,
        "records",
        author="anna",
    )
    body = _json(api.get(f"/api/studies/{stored_study.pk}/datasets", **_auth(token)))
    assert [d["source_id"] for d in body] == ["records"]
    assert [v["version"] for v in body[0]["versions"]] == [1]
    assert body[0]["versions"][0]["rows"] == 3000
    assert body[0]["versions"][0]["author"] == "anna"


def test_start_a_job_poll_it_and_download_the_profile_and_reports(
    api: Client, token: str, stored_study: Study
) -> None:
    started = api.post(f"/api/studies/{stored_study.pk}/runs", **_auth(token))
    assert started.status_code == 202, started.content
    run = _json(started)
    status = _json(api.get(f"/api/studies/{stored_study.pk}/runs/{run['id']}", **_auth(token)))
    assert status["status"] == "done"  # the immediate backend of the tests
    assert status["progress"] == 1.0
    listed = _json(api.get(f"/api/studies/{stored_study.pk}/runs", **_auth(token)))
    assert [r["id"] for r in listed] == [run["id"]]
    profile = _json(
        api.get(f"/api/studies/{stored_study.pk}/runs/{run['id']}/profile", **_auth(token))
    )
    assert profile["profile"]["total_clients"] == 3000
    assert profile["revision"] == 1
    expected = {
        "docx": (b"PK", "wordprocessingml"),
        "xlsx": (b"PK", "spreadsheetml"),
        "html": (b"<!DOCTYPE html", "text/html"),
        "pdf": (b"%PDF", "application/pdf"),
    }
    for fmt, (magic, content_type) in expected.items():
        response = api.get(
            f"/api/studies/{stored_study.pk}/runs/{run['id']}/report/{fmt}", **_auth(token)
        )
        assert response.status_code == 200, fmt
        assert response.content.startswith(magic), fmt
        assert content_type in response["Content-Type"]
        assert "attachment" in response["Content-Disposition"]
    unknown = api.get(f"/api/studies/{stored_study.pk}/runs/{run['id']}/report/odt", **_auth(token))
    assert unknown.status_code == 422


def test_a_viewer_cannot_start_a_job(api: Client, stored_study: Study, other_user: User) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    viewer_token = ApiToken.issue(other_user, "читатель")[1]
    response = api.post(f"/api/studies/{stored_study.pk}/runs", **_auth(viewer_token))
    assert response.status_code == 403
    assert not ProfileRun.objects.exists()


def test_an_unfinished_or_failed_run_has_no_profile(
    api: Client, token: str, stored_study: Study, user: User
) -> None:
    queued = ProfileRun.objects.create(
        study=stored_study, revision=stored_study.current_revision(), created_by=user
    )
    response = api.get(f"/api/studies/{stored_study.pk}/runs/{queued.pk}/profile", **_auth(token))
    assert response.status_code == 409
    assert _json(response)["code"] == "run_not_finished"
    queued.mark_failed("Нет файла")
    response = api.get(
        f"/api/studies/{stored_study.pk}/runs/{queued.pk}/report/pdf", **_auth(token)
    )
    assert response.status_code == 409
    body = _json(response)
    assert body["code"] == "run_failed"
    assert "Нет файла" in body["detail"]
    other = api.get(f"/api/studies/{stored_study.pk}/runs/{queued.pk + 1000}", **_auth(token))
    assert other.status_code == 404


def test_a_revision_comment_names_the_example_as_the_history_does(
    api: Client, token: str, stored_study: Study
) -> None:
    """A revision stored while the comment still took the example's internal name: the API
    says what the history says (the example's title), never the internal name."""
    from segprofile.examples import EXAMPLES

    revision = stored_study.current_revision()
    revision.comment = "Создано из примера «child-benefit»"
    revision.save(update_fields=["comment"])
    response = api.get(f"/api/studies/{stored_study.pk}/revisions", **_auth(token))
    assert response.status_code == 200
    (listed,) = _json(response)
    title = EXAMPLES["child-benefit"].title
    assert listed["comment"] == f"Создано из примера «{title}»" == revision.comment_shown
    assert "child-benefit" not in response.content.decode()
