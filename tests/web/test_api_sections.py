"""The API's edits of the study document part by part: a new study, sections, list items.

The same operations as the browser's section forms: the model validates (Russian problems by
path, nothing stored), every write is a revision by the token's user merged with edits saved
since its base revision (409 for the same part), viewers read and cannot write.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from segprofile import pipeline
from segprofile.model import parts
from segprofile.web.api.models import ApiToken
from segprofile.web.studies.models import AuditEvent, Membership, Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(user: User) -> str:
    return ApiToken.issue(user, "скрипт")[1]


@pytest.fixture
def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _send(client: Client, method: str, url: str, body: Any = None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def _russian(text: str) -> bool:
    return any("а" <= ch <= "я" for ch in text.lower())


def _document(study: Study) -> dict[str, Any]:
    study.refresh_from_db()
    return study.current_revision().document  # type: ignore[no-any-return]


# --- a new study from nothing ------------------------------------------------------------------


def test_a_new_study_from_its_scope_alone(api: Client, user: User) -> None:
    body = {
        "kind": "support_measure",
        "title": "Ежемесячная выплата на ребёнка от 3 до 7 лет",
        "body": "Министерство социальной защиты Н-ской области",
        "client_types": ["citizen"],
        "legal_acts": [
            {"title": "Указ Президента РФ № 199", "reference": "20.03.2020"},
            {"id": "pp384", "title": "Постановление Правительства РФ № 384"},
        ],
    }
    response = _send(api, "post", "/api/studies", body)
    assert response.status_code == 201, response.content
    out = _json(response)
    assert (out["role"], out["revision"], out["can_edit"]) == ("owner", 1, True)
    assert out["title"] == f"Профиль клиентских сегментов меры поддержки «{body['title']}»"
    study = Study.objects.get(pk=out["id"])
    document = pipeline.study_from_data(_document(study))
    assert document.id == "ezhemesiachnaia-vyplata-na-rebenka-ot-3"
    assert document.scope.kind.value == "support_measure"
    assert document.scope.body == body["body"]
    assert [a.id for a in document.scope.legal_acts] == ["ukaz-prezidenta-rf-no", "pp384"]
    assert study.current_revision().author == user
    assert study.current_revision().comment == "Создано через API"
    assert AuditEvent.objects.filter(study=study, action=AuditEvent.Action.IMPORT).count() == 1


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"kind": "pension"}, "scope.kind"),
        ({"title": "   "}, "scope.title"),
        ({"client_types": []}, "scope.client_types"),
        ({"client_types": ["citizen", "tourist"]}, "scope.client_types[1]"),
        ({"legal_acts": [{"title": ""}]}, "scope.legal_acts[0].title"),
        ({"legal_acts": [{"id": "закон", "title": "Закон"}]}, "scope.legal_acts[0].id"),
        (
            {"legal_acts": [{"id": "a", "title": "A"}, {"id": "a", "title": "Б"}]},
            "scope.legal_acts[1].id",
        ),
    ],
)
def test_a_new_study_with_a_bad_value_is_refused_by_path(
    api: Client, change: dict[str, Any], path: str
) -> None:
    body = {"kind": "service", "title": "Услуга", "client_types": ["business"], **change}
    response = _send(api, "post", "/api/studies", body)
    assert response.status_code == 422, response.content
    out = _json(response)
    assert out["code"] == "invalid_document"
    problems = {p["loc"]: p["msg"] for p in out["errors"]}
    assert path in problems, problems
    assert _russian(problems[path])
    assert not Study.objects.exists()


# --- sections ----------------------------------------------------------------------------------


def _set_min_cell(value: dict[str, Any]) -> None:
    value["min_cell"] = 10


def _set_scope_body(value: dict[str, Any]) -> None:
    value["body"] = "Социальный фонд России"


def _add_role(value: list[Any]) -> None:
    value.append({"id": "guardian", "kind": "other", "title": "Опекун"})


def _relabel(value: list[Any]) -> None:
    value[0]["value_labels"]["epgu"] = "Госуслуги"


def _set_weights(value: dict[str, Any]) -> None:
    value["low_satisfaction_csat"] = 0.7
    value["when_low"]["capacity"] = 0.6


def _set_margin(value: dict[str, Any]) -> None:
    value["margin"] = 0.05


@pytest.mark.parametrize(
    ("section", "edit", "check"),
    [
        ("scope", _set_scope_body, lambda d: d["scope"]["body"] == "Социальный фонд России"),
        ("roles", _add_role, lambda d: [r["id"] for r in d["roles"]] == ["applicant", "guardian"]),
        ("features", _relabel, lambda d: d["features"][0]["value_labels"]["epgu"] == "Госуслуги"),
        ("segmentation", _set_min_cell, lambda d: d["segmentation"]["min_cell"] == 10),
        ("priority", _set_weights, lambda d: d["priority"]["when_low"]["capacity"] == 0.6),
        ("research", _set_margin, lambda d: d["research"]["margin"] == 0.05),
    ],
)
def test_a_section_is_read_and_replaced(
    api: Client, stored_study: Study, user: User, section: str, edit: Any, check: Any
) -> None:
    url = f"/api/studies/{stored_study.pk}/sections/{section}"
    got = _json(_send(api, "get", url))
    assert (got["revision"], got["section"], got["id"]) == (1, section, None)
    assert got["value"] == _document(stored_study)[section]
    value = got["value"]
    edit(value)
    response = _send(api, "put", url, {"value": value, "base_revision": got["revision"]})
    assert response.status_code == 200, response.content
    out = _json(response)
    assert out["revision"]["number"] == 2
    assert out["revision"]["author"] == user.get_username()
    assert out["revision"]["comment"].startswith("Через API: ")
    assert check(_document(stored_study))
    assert out["value"] == _document(stored_study)[section]  # as stored, defaults filled in
    # The read and the write are in the audit log, without the values.
    actions = list(
        AuditEvent.objects.filter(study=stored_study).values_list("action", "details__part")
    )
    assert ("export", section) in actions
    assert ("import", section) in actions


def test_a_whole_text_section_and_a_comment(api: Client, stored_study: Study) -> None:
    url = f"/api/studies/{stored_study.pk}/sections/title"
    body = {"value": "Профиль получателей пособия", "base_revision": 1, "comment": "Новое имя"}
    assert _send(api, "put", url, body).status_code == 200
    stored_study.refresh_from_db()
    assert stored_study.title == "Профиль получателей пособия"
    assert stored_study.current_revision().comment == "Новое имя"


@pytest.mark.parametrize(
    ("section", "edit", "path"),
    [
        ("scope", lambda v: v.update(kind="pension"), "scope.kind"),
        ("scope", lambda v: v.update(client_types=[]), "scope.client_types"),
        ("segmentation", lambda v: v.update(min_cell=0), "segmentation.min_cell"),
        (
            "segmentation",
            lambda v: v["clustering"].update(k_range=[6, 3]),
            "segmentation.clustering.k_range",
        ),
        ("priority", lambda v: v.update(low_satisfaction_csat=2), "priority.low_satisfaction_csat"),
        (
            "features",
            lambda v: v[1]["binning"].update(thresholds=[25, 20, 45]),
            "features[1].binning",
        ),
        ("research", lambda v: v.update(margin="пять"), "research.margin"),
        ("roles", lambda v: v[0].update(unknown=1), "roles[0].unknown"),
    ],
)
def test_a_bad_section_value_is_422_with_its_path_and_nothing_is_stored(
    api: Client, stored_study: Study, section: str, edit: Any, path: str
) -> None:
    url = f"/api/studies/{stored_study.pk}/sections/{section}"
    value = _json(_send(api, "get", url))["value"]
    edit(value)
    response = _send(api, "put", url, {"value": value, "base_revision": 1})
    assert response.status_code == 422, response.content
    out = _json(response)
    assert out["code"] == "invalid_document"
    problems = {p["loc"]: p["msg"] for p in out["errors"]}
    assert path in problems, problems
    assert _russian(problems[path])
    assert _russian(out["detail"])
    assert stored_study.revisions.count() == 1


def test_an_unknown_section_is_refused(api: Client, stored_study: Study) -> None:
    response = _send(api, "get", f"/api/studies/{stored_study.pk}/sections/id")
    assert response.status_code == 422
    assert _json(response)["code"] == "invalid_request"


# --- items of the identified lists ---------------------------------------------------------------

NEW_ITEMS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # list: (a new item, a change of it)
    "legal_acts": (
        {"id": "decree", "title": "Постановление № 5", "reference": "от 01.02.2024"},
        {"reference": "от 01.02.2024, ред. от 10.06.2025"},
    ),
    "roles": (
        {"id": "guardian", "kind": "other", "title": "Опекун"},
        {"description": "Опекун или попечитель ребёнка"},
    ),
    "features": (
        {"id": "income", "column": "income", "label": "Доход", "type": "numeric"},
        {"binning": {"thresholds": [15000, 30000]}},
    ),
    "hypotheses": (
        {
            "id": "long_wait",
            "kind": "problem",
            "statement": "Заявители МФЦ долго ждут решения",
            "segments": ["channel=mfc"],
            "hunt_stage": 4,
            "aidas_stage": "action",
        },
        {"statement": "Заявители МФЦ ждут решения дольше 10 дней", "status": "confirmed"},
    ),
    "recommendations": (
        {"id": "sms", "kind": "informing", "title": "Сообщать о решении по SMS"},
        {"segments": ["channel=mfc"], "description": "Сообщение в день решения"},
    ),
    "journeys": (
        {
            "id": "current",
            "kind": "current",
            "title": "Путь заявителя сегодня",
            "steps": [{"id": "s1", "title": "Подача заявления", "channel": "МФЦ"}],
        },
        {"title": "Путь заявителя в 2025 году"},
    ),
    "activities": (
        {
            "id": "interviews_mfc",
            "method": "interview",
            "title": "Интервью с заявителями в МФЦ",
            "segments": ["channel=mfc"],
            "target_respondents": 8,
        },
        {"status": "in_progress", "notes": "Приглашены 8 человек"},
    ),
}


@pytest.mark.parametrize("name", list(NEW_ITEMS))
def test_an_item_is_added_read_changed_and_deleted(
    api: Client, stored_study: Study, user: User, name: str
) -> None:
    new, change = NEW_ITEMS[name]
    url = f"/api/studies/{stored_study.pk}/lists/{name}"
    before = _json(_send(api, "get", url))["value"]

    added = _send(api, "post", url, {"item": new, "base_revision": 1})
    assert added.status_code == 201, added.content
    out = _json(added)
    assert (out["revision"]["number"], out["id"]) == (2, new["id"])
    assert out["revision"]["author"] == user.get_username()
    assert out["value"]["id"] == new["id"]
    assert [i["id"] for i in parts.items(_document(stored_study), name)] == [
        *(i["id"] for i in before),
        new["id"],
    ]

    got = _json(_send(api, "get", f"{url}/{new['id']}"))
    assert (got["revision"], got["id"]) == (2, new["id"])
    item = got["value"] | change
    del item["id"]  # the id comes from the address
    replaced = _send(api, "put", f"{url}/{new['id']}", {"item": item, "base_revision": 2})
    assert replaced.status_code == 200, replaced.content
    stored = parts.item(_document(stored_study), name, new["id"])
    assert all(stored[k] == v for k, v in change.items() if k != "binning")

    deleted = _send(api, "delete", f"{url}/{new['id']}?base_revision=3")
    assert deleted.status_code == 200, deleted.content
    assert _json(deleted)["value"] is None
    assert parts.items(_document(stored_study), name) == before
    assert stored_study.revisions.count() == 4
    comments = list(stored_study.revisions.order_by("number").values_list("comment", flat=True))
    assert all(c.startswith("Через API: ") for c in comments[1:]), comments
    assert "Добавлен" in comments[1]
    assert "Удал" in comments[3]


@pytest.mark.parametrize(
    ("method", "name", "item_id", "item", "path"),
    [
        (
            "post",
            "roles",
            None,
            {"id": "applicant", "kind": "other", "title": "Ещё"},
            "roles[1].id",
        ),
        ("post", "roles", None, {"id": "новая", "kind": "other", "title": "Роль"}, "roles[1].id"),
        ("post", "roles", None, {"id": "x", "kind": "boss", "title": "Роль"}, "roles[1].kind"),
        ("post", "features", None, {"id": "x", "label": "Без столбца"}, "features[4].column"),
        (
            "post",
            "hypotheses",
            None,
            {"id": "h", "kind": "need", "statement": "Быстрее", "hunt_stage": 9},
            "hypotheses[0].hunt_stage",
        ),
        (
            "post",
            "recommendations",
            None,
            {"id": "r", "kind": "slogan", "title": "SMS"},
            "recommendations[0].kind",
        ),
        (
            "post",
            "activities",
            None,
            {"id": "a", "method": "interview", "title": "Интервью", "target_respondents": -1},
            "research.activities[0].target_respondents",
        ),
        (
            "put",
            "roles",
            "applicant",
            {"id": "renamed", "kind": "other", "title": "Р"},
            "roles[0].id",
        ),
        (
            "put",
            "features",
            "age",
            {
                "column": "age",
                "label": "Возраст",
                "type": "numeric",
                "binning": {"thresholds": [30, 20]},
            },
            "features[1].binning",
        ),
        ("put", "legal_acts", "law", {"title": ""}, "scope.legal_acts[0].title"),
        # Deleting what something still refers to: the role's legal basis names the act.
        ("delete", "legal_acts", "law", None, "roles[0].audience.legal_basis[0].act"),
    ],
)
def test_a_bad_item_is_422_with_its_path_and_nothing_is_stored(
    api: Client,
    stored_study: Study,
    method: str,
    name: str,
    item_id: str | None,
    item: dict[str, Any] | None,
    path: str,
) -> None:
    url = f"/api/studies/{stored_study.pk}/lists/{name}"
    if item_id is not None:
        url += f"/{item_id}"
    if method == "delete":
        response = _send(api, "delete", url + "?base_revision=1")
    else:
        response = _send(api, method, url, {"item": item, "base_revision": 1})
    assert response.status_code == 422, response.content
    out = _json(response)
    problems = {p["loc"]: p["msg"] for p in out["errors"]}
    assert path in problems, problems
    assert _russian(problems[path])
    assert stored_study.revisions.count() == 1


def test_an_item_that_is_not_there_is_404_in_russian(api: Client, stored_study: Study) -> None:
    url = f"/api/studies/{stored_study.pk}/lists/roles/nobody"
    for response in (
        _send(api, "get", url),
        _send(api, "put", url, {"item": {"kind": "other", "title": "Х"}, "base_revision": 1}),
        _send(api, "delete", url + "?base_revision=1"),
    ):
        assert response.status_code == 404, response.content
        out = _json(response)
        assert "nobody" in out["detail"]
        assert "applicant" in out["detail"]  # the ids there are
        assert _russian(out["detail"])
    assert stored_study.revisions.count() == 1


def test_a_write_needs_its_base_revision(api: Client, stored_study: Study) -> None:
    url = f"/api/studies/{stored_study.pk}/lists/roles/applicant"
    without = _send(api, "delete", url)
    assert without.status_code == 422
    assert _json(without)["code"] == "base_revision_required"
    future = _send(api, "delete", url + "?base_revision=7")
    assert future.status_code == 422
    assert _json(future)["code"] == "invalid_base_revision"
    section = f"/api/studies/{stored_study.pk}/sections/priority"
    assert _send(api, "put", section, {"value": {}}).status_code == 422
    assert stored_study.revisions.count() == 1


# --- access ------------------------------------------------------------------------------------


def test_a_viewer_reads_but_every_write_is_403(
    stored_study: Study, other_user: User, small_study: Any
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    viewer = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(other_user, 'чтение')[1]}")
    base = f"/api/studies/{stored_study.pk}"
    assert _send(viewer, "get", f"{base}/sections/scope").status_code == 200
    assert _send(viewer, "get", f"{base}/lists/roles/applicant").status_code == 200
    scope = _document(stored_study)["scope"] | {"body": "Чужая правка"}
    role = {"kind": "other", "title": "Чужая"}
    writes = [
        ("put", f"{base}/sections/scope", {"value": scope, "base_revision": 1}),
        ("post", f"{base}/lists/roles", {"item": role | {"id": "x"}, "base_revision": 1}),
        ("put", f"{base}/lists/roles/applicant", {"item": role, "base_revision": 1}),
        ("delete", f"{base}/lists/features/region?base_revision=1", None),
    ]
    for method, url, body in writes:
        response = _send(viewer, method, url, body)
        assert response.status_code == 403, (method, url, response.content)
        assert _json(response)["code"] == "forbidden"
    assert stored_study.revisions.count() == 1
    # Someone else's study is closed to both reading and writing.
    theirs = Study.create_from_document(small_study, owner=other_user, comment="чужое")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(stored_study.owner, 'я')[1]}")
    assert _send(api, "get", f"/api/studies/{theirs.pk}/sections/scope").status_code == 403


# --- two people at once ------------------------------------------------------------------------


def test_two_edits_of_different_items_both_succeed(
    api: Client, stored_study: Study, other_user: User
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(other_user, 'второй')[1]}")
    url = f"/api/studies/{stored_study.pk}/lists/features"
    age = _json(_send(api, "get", f"{url}/age"))["value"] | {"label": "Возраст родителя"}
    region = _json(_send(other, "get", f"{url}/region"))["value"] | {"label": "Поселение"}
    first = _send(api, "put", f"{url}/age", {"item": age, "base_revision": 1})
    second = _send(other, "put", f"{url}/region", {"item": region, "base_revision": 1})
    assert (first.status_code, second.status_code) == (200, 200), second.content
    # The second answer shows the merged state: its own edit on top of the first.
    assert _json(second)["value"]["label"] == "Поселение"
    labels = {f["id"]: f["label"] for f in _document(stored_study)["features"]}
    assert (labels["age"], labels["region"]) == ("Возраст родителя", "Поселение")
    assert "слит" in stored_study.current_revision().comment
    # A section and an item of another section from the same base: both kept too.
    scope = _json(_send(other, "get", f"/api/studies/{stored_study.pk}/sections/scope"))
    body = {"value": scope["value"] | {"body": "Новый орган"}, "base_revision": 1}
    put = _send(other, "put", f"/api/studies/{stored_study.pk}/sections/scope", body)
    assert put.status_code == 200, put.content
    assert _document(stored_study)["scope"]["body"] == "Новый орган"
    assert _document(stored_study)["features"][1]["label"] == "Возраст родителя"


def test_the_same_item_edited_twice_is_409_with_both_versions(
    api: Client, stored_study: Study, other_user: User
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(other_user, 'второй')[1]}")
    url = f"/api/studies/{stored_study.pk}/lists/roles/applicant"
    role = _json(_send(api, "get", url))["value"]
    mine = {**role, "title": "Заявитель (родитель)"}
    theirs = {**role, "title": "Получатель пособия"}
    assert _send(api, "put", url, {"item": mine, "base_revision": 1}).status_code == 200
    response = _send(other, "put", url, {"item": theirs, "base_revision": 1})
    assert response.status_code == 409, response.content
    out = _json(response)
    assert out["code"] == "conflict"
    assert (out["base_revision"], out["latest_revision"]) == (1, 2)
    [part] = out["conflicts"]
    assert part["part"] == "roles.#item.applicant"
    assert (part["theirs"]["title"], part["mine"]["title"]) == (
        "Заявитель (родитель)",
        "Получатель пособия",
    )
    assert part["base"]["title"] == "Заявитель"
    assert _russian(out["detail"])
    assert stored_study.revisions.count() == 2
    assert _document(stored_study)["roles"][0]["title"] == "Заявитель (родитель)"
    # The deletion of an item someone changed since is a conflict too, not a silent loss.
    gone = _send(other, "delete", url + "?base_revision=1")
    assert gone.status_code == 409, gone.content
    assert stored_study.revisions.count() == 2


def test_the_openapi_schema_lists_the_sections_and_lists(token: str) -> None:
    schema = _json(Client().get("/api/openapi.json"))
    paths = schema["paths"]
    assert set(paths["/api/studies"]) == {"get", "post"}
    assert set(paths["/api/studies/{study_id}/sections/{section}"]) == {"get", "put"}
    assert set(paths["/api/studies/{study_id}/lists/{list_name}"]) == {"get", "post"}
    item = paths["/api/studies/{study_id}/lists/{list_name}/{item_id}"]
    assert set(item) == {"get", "put", "delete"}
    section = paths["/api/studies/{study_id}/sections/{section}"]["get"]["parameters"][1]
    assert section["schema"]["enum"] == list(parts.SECTIONS)
    assert item["delete"]["parameters"][1]["schema"]["enum"] == list(parts.LISTS)
    assert {"scope", "roles", "features", "segmentation", "priority", "research"} <= set(
        parts.SECTIONS
    )
    assert 409 in {int(code) for code in item["put"]["responses"]}
