"""Test helper: follow a staged upload through the gate's inspect page with the defaults."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from segprofile.pipeline import staging
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import staging_area, staging_root


def token_of(response: Any) -> str:
    """The upload token a staging response redirects to (its inspect page)."""
    assert response.status_code == 302, response.content.decode()[:3000]
    return str(response["Location"].rstrip("/").rsplit("/", 1)[-1])


def default_decisions(
    study: Study, token: str, *, keep_reason: str = "", **changes: str
) -> dict[str, str]:
    """The inspect form as shown (every default accepted), with ``changes`` by field name;
    ``keep_reason`` for each column kept as it is (the examples' demo ids: a reason is given
    for each file)."""
    summary = staging.get(staging_root(), staging_area(study), token).meta["summary"]
    pii = {f["column"]: f for f in summary["pii"]}
    data = {}
    for i, col in enumerate(summary["columns"]):
        data[f"type_{i}"] = col["type"]
        data[f"use_{i}"] = col["use"]
        if col["name"] in pii:
            data[f"pii_{i}"] = pii[col["name"]]["action"]
            data[f"reason_{i}"] = keep_reason if pii[col["name"]]["action"] == "keep" else ""
    data.update(changes)
    return data


def confirm_import(
    client: Client, study: Study, staged: Any, *, keep_reason: str = "", **changes: str
) -> Any:
    """Import the upload ``staged`` (the response of the upload) with the defaults confirmed.

    The import is a background job (run at once by the tests' immediate backend); the answer
    is its page's: a redirect to where the user goes on (done), or the error (failed).
    """
    token = token_of(staged)
    data = default_decisions(
        study, token, keep_reason=keep_reason, confirm_pii="on", action="import", **changes
    )
    url = reverse("studies:data_inspect", kwargs={"pk": study.pk, "token": token})
    return follow_import(client, client.post(url, data))


def follow_import(client: Client, response: Any) -> Any:
    """The import page a queued import redirects to, once the job ran; other answers as they
    are."""
    if response.status_code == 302 and "/data/imports/" in response["Location"]:
        return client.get(response["Location"])
    return response
