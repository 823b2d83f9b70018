"""The API says what it masked when it stores a document, as the site's pages say it.

Every write through the API is masked like a browser edit (``Study.add_revision``); the answer
carries what was replaced in the site's words: ``message`` («Редакция 2 сохранена. В тексте
заменены персональные данные: 1 имя, 1 телефон.», one rule: ``sections.saved_message``) and
``masked`` («1 имя, 1 телефон») for programs; both empty when nothing was, and on a read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from canary import canary_rows, needles, scan_text
from segprofile import pipeline
from segprofile.web.api.models import ApiToken
from segprofile.web.studies.models import Study

pytestmark = pytest.mark.django_db

CLIENT = canary_rows(4, seed=73)[2]  # a client's raw values, pasted from a complaint
RAW = needles([CLIENT])


@pytest.fixture
def api(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, 'скрипт')[1]}")


def _post(client: Client, method: str, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, json.loads(response.content)


def _no_raw(value: Any, where: str) -> None:
    """No raw value in ``value``; the failure says where and how many, never the value."""
    hits = scan_text(json.dumps(value, ensure_ascii=False), RAW, where)
    assert not hits, f"{len(hits)} raw value(s) of the client in {where}"


def test_a_whole_revision_says_what_was_masked(api: Client, stored_study: Study) -> None:
    data = stored_study.current_revision().document
    data["scope"]["description"] = f"Жалоба {CLIENT.fio}, телефон {CLIENT.phone}"
    data["hypotheses"] = [
        {
            "id": "h1",
            "kind": "problem",
            "statement": f"Ответ не приходит на {CLIENT.email}",
        }
    ]
    assert scan_text(json.dumps(data, ensure_ascii=False), RAW)  # the positive control
    url = f"/api/studies/{stored_study.pk}/revisions"
    status, out = _post(api, "post", url, {"document": data, "base_revision": 1})
    assert status == 201, out
    assert out["masked"] == "1 имя, 1 телефон, 1 e-mail"
    assert out["message"] == (
        "Редакция 2 сохранена. В тексте заменены персональные данные: 1 имя, 1 телефон, 1 e-mail."
    )
    _no_raw(out, "the answer")
    _no_raw(stored_study.current_revision().document, "the stored revision")
    # As YAML text too; a read says nothing of a save.
    text = pipeline.dump_study(stored_study.current_revision().to_document())
    text = text.replace("Ответ не приходит", f"Звонила {CLIENT.fio}. Ответ не приходит", 1)
    status, out = _post(api, "post", url, {"yaml": text, "base_revision": 2})
    assert status == 201, out
    assert (out["number"], out["masked"]) == (3, "1 имя")
    listed = json.loads(api.get(url).content)
    assert {(r["message"], r["masked"]) for r in listed} == {("", "")}


def test_nothing_masked_is_said_as_nothing(api: Client, stored_study: Study) -> None:
    data = stored_study.current_revision().document
    data["scope"]["description"] = "Пособие на ребёнка до 17 лет, 1 200 заявлений в месяц"
    url = f"/api/studies/{stored_study.pk}/revisions"
    status, out = _post(api, "post", url, {"document": data, "base_revision": 1})
    assert status == 201, out
    assert (out["message"], out["masked"]) == ("Редакция 2 сохранена.", "")


def test_a_section_and_an_item_say_what_was_masked(api: Client, stored_study: Study) -> None:
    """Part by part (``/sections``, ``/lists``): masked before the change is described, and
    still said (the revision's own masking finds nothing left)."""
    base = f"/api/studies/{stored_study.pk}"
    scope = json.loads(api.get(f"{base}/sections/scope").content)["value"]
    scope["description"] = f"Со слов {CLIENT.fio}: СНИЛС {CLIENT.snils}"
    status, out = _post(api, "put", f"{base}/sections/scope", {"value": scope, "base_revision": 1})
    assert status == 200, out
    assert out["revision"]["masked"] == "1 имя, 1 СНИЛС"
    assert out["revision"]["message"] == (
        "Редакция 2 сохранена. В тексте заменены персональные данные: 1 имя, 1 СНИЛС."
    )
    _no_raw(out, "the answer")
    item = {
        "id": "h_mail",
        "kind": "problem",
        "statement": f"Уведомления уходят не туда: {CLIENT.email}, {CLIENT.phone}",
    }
    status, out = _post(api, "post", f"{base}/lists/hypotheses", {"item": item, "base_revision": 2})
    assert status == 201, out
    assert out["revision"]["masked"] == "1 телефон, 1 e-mail"
    assert out["value"]["statement"] == "Уведомления уходят не туда: [e-mail], [телефон]"
    _no_raw(out, "the answer")
    _no_raw(stored_study.current_revision().document, "the stored revision")
    _no_raw(list(stored_study.revisions.values_list("comment", flat=True)), "the comments")


def test_a_new_study_says_what_was_masked(api: Client) -> None:
    body = {
        "kind": "service",
        "title": "Пособие",
        "body": "Соцфонд",
        "client_types": ["citizen"],
        "description": f"По обращению {CLIENT.fio}, тел. {CLIENT.phone}",
    }
    status, out = _post(api, "post", "/api/studies", body)
    assert status == 201, out
    assert out["masked"] == "1 имя, 1 телефон"
    assert out["message"] == (
        "Исследование создано. В тексте заменены персональные данные: 1 имя, 1 телефон."
    )
    _no_raw(out, "the answer")
    read = json.loads(api.get(f"/api/studies/{out['id']}").content)
    assert (read["message"], read["masked"]) == ("", "")


def test_the_schema_describes_the_notes(api: Client) -> None:
    schema = json.loads(api.get("/api/openapi.json").content)["components"]["schemas"]
    for name in ("RevisionOut", "StudyDetailOut"):
        assert {"message", "masked"} <= set(schema[name]["properties"]), name


def test_a_refused_document_is_quoted_masked(api: Client, stored_study: Study) -> None:
    """A document the model refuses for what it quotes (an unknown key with an e-mail, a value
    with a phone): the 422 names the problems, masked."""
    text = pipeline.dump_study(stored_study.current_revision().to_document())
    text += f"{CLIENT.email}: {CLIENT.phone}\n"
    url = f"/api/studies/{stored_study.pk}/revisions"
    status, out = _post(api, "post", url, {"yaml": text, "base_revision": 1})
    assert status == 422, out
    assert out["code"] == "invalid_document"
    assert any("[e-mail]" in e["loc"] for e in out["errors"])
    _no_raw(out, "the 422")
