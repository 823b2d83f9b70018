"""Schemathesis against the live schema of /api/: every operation, generated requests, a token.

The schema is the one the app serves at /api/openapi.json, with real ids of a stored study and
a finished run added as examples, so the generated requests reach the success paths as well as
the 401/403/404/409/422 ones. Every response must be no server error and match the schema
(status code, content type, body, headers). Examples per operation are limited to keep the
run within about a minute.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from segprofile.model.study import Study as StudyDocument
from segprofile.web.api.models import ApiToken
from segprofile.web.studies import services
from segprofile.web.studies.models import Membership, Study

MAX_EXAMPLES = 8

DOCUMENT_WRITES = {
    "POST /api/studies",
    "POST /api/studies/{study_id}/revisions",
    "PUT /api/studies/{study_id}/sections/{section}",
    "POST /api/studies/{study_id}/lists/{list_name}",
    "PUT /api/studies/{study_id}/lists/{list_name}/{item_id}",
    "DELETE /api/studies/{study_id}/lists/{list_name}/{item_id}",
}


@pytest.fixture
def api_setup(
    db: None, small_study: StudyDocument, small_data: Path, home: Path, settings: Any
) -> dict[str, Any]:
    """A user with a token, a study with data and a finished run, and a study of another user."""
    user = User.objects.create_user("api-user", password="x-api-pass-1")
    other = User.objects.create_user("api-other", password="x-api-pass-2")
    study = Study.create_from_document(small_study, owner=user, comment="тест")
    shutil.copy(small_data / "records.parquet", study.data_dir() / "records.parquet")
    run = services.start_profile_run(study, user)
    assert run.status == "done"
    theirs = Study.create_from_document(small_study, owner=other, comment="чужое")
    viewer_study = Study.create_from_document(small_study, owner=other, comment="для чтения")
    Membership.objects.create(study=viewer_study, user=user, role="viewer")
    token = ApiToken.issue(user, "schemathesis")[1]
    # From here on a started job is only queued: the generated requests start many.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return {"token": token, "study": study, "run": run, "theirs": theirs, "viewer": viewer_study}


def _with_examples(
    raw: dict[str, Any], ids: dict[str, list[int]], document: dict[str, Any]
) -> dict[str, Any]:
    """The served schema with real ids as examples of the path parameters, a real study
    document as the example of a new revision and real parts as examples of the part edits."""
    bodies = {
        ("/api/studies/{study_id}/revisions", "post"): {
            "document": document,
            "comment": "пример",
            "base_revision": 1,
        },
        ("/api/studies", "post"): {
            "kind": "service",
            "title": "Назначение ежемесячной выплаты",
            "client_types": ["citizen"],
            "legal_acts": [{"title": "Федеральный закон № 81-ФЗ"}],
        },
        ("/api/studies/{study_id}/sections/{section}", "put"): {
            "value": "Новое название",
            "base_revision": 1,
        },
        ("/api/studies/{study_id}/lists/{list_name}", "post"): {
            "item": {"id": "decree", "title": "Постановление № 5"},
            "base_revision": 1,
        },
        ("/api/studies/{study_id}/lists/{list_name}/{item_id}", "put"): {
            "item": {"title": "Закон о пособии (ред. 2025)"},
            "base_revision": 1,
        },
    }
    for (path, method), example in bodies.items():
        body = raw["paths"][path][method]["requestBody"]
        body["content"]["application/json"]["example"] = example
    for operations in raw["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in ids:
                    values = ids[parameter["name"]]
                    parameter["examples"] = {f"id{v}": {"value": v} for v in values}
    return raw


@pytest.fixture
def api_schema(api_setup: dict[str, Any]) -> Any:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    raw = _with_examples(
        json.loads(response.content),
        {
            "study_id": [
                api_setup["study"].pk,
                api_setup["theirs"].pk,
                api_setup["viewer"].pk,
            ],
            "run_id": [api_setup["run"].pk],
            # Items of the stored study: a role, a legal act, a feature.
            "item_id": ["law", "applicant", "region"],
            # The parts the body examples fit (every other one is generated too).
            "section": ["title"],
            "list_name": ["legal_acts"],
        },
        api_setup["study"].current_revision().document,
    )
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()
    schema.location = "/api/openapi.json"
    return schema


def _run(
    strategy: Any,
    label: str,
    headers: dict[str, str],
    calls: Counter[str],
    statuses: Counter[int],
    succeeded: set[str],
) -> str | None:
    """Run one strategy's cases through the app; the failure's text, if any."""
    # A study document is checked beyond its JSON shape (references between roles, features,
    # sources…), so a document or a part of one that fits the JSON schema may still be refused
    # with 422 and its problems: that one check does not apply to what writes the document.
    excluded = [positive_data_acceptance] if label in DOCUMENT_WRITES else []

    @given(case=strategy)
    @hypothesis_settings(
        # A report is really rendered (DOCX, XLSX, HTML, PDF: seconds each); test_api.py
        # downloads every format, so a few cases suffice here.
        max_examples=2 if label.endswith("/report/{fmt}") else MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        calls[label] += 1
        statuses[response.status_code] += 1
        if response.status_code < 300:
            succeeded.add(label)

    try:
        check()
    except Exception as exc:  # noqa: BLE001 — collected, reported together by the caller
        return f"{label}: {type(exc).__name__}: {str(exc)[:3000]}"
    return None


def test_every_api_operation_conforms(api_schema: Any, api_setup: dict[str, Any]) -> None:
    """Each operation: its explicit examples, then generated valid and invalid requests."""
    headers = {"Authorization": f"Bearer {api_setup['token']}"}
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    succeeded: set[str] = set()
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 20

    for operation in operations:
        label = operation.label
        strategies = [
            *operation.get_strategies_from_examples(),
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        ]
        started = time.monotonic()
        for strategy in strategies:
            failure = _run(strategy, label, headers, calls, statuses, succeeded)
            if failure:
                failures.append(failure)
        print(f"  {label}: {calls[label]} requests, {time.monotonic() - started:.1f} s")

    print(
        f"schemathesis: {sum(calls.values())} requests over {len(calls)} operations; "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n\n".join(failures)
    assert set(calls) == {op.label for op in operations}
    # The success paths were reached, not only the refusals.
    assert statuses[200]
    assert statuses[201]
    assert statuses[202]
    # Each edit of the document succeeded at least once (the deletions are tested in
    # test_api_sections.py: the example's legal act is still referred to, so it stays).
    assert DOCUMENT_WRITES - {"DELETE /api/studies/{study_id}/lists/{list_name}/{item_id}"} <= (
        succeeded
    )
