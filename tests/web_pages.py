"""Helpers of the web tests that post the study page's forms and read what comes back: a study's
URL, a page's text, the study's current document, the errors beside a field, a form's data."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Membership, Study

#: The header HTMX sends: the views answer with the part of the page, not the page.
HX = {"HTTP_HX_REQUEST": "true"}


def study_url(name: str, study: Study, **kwargs: Any) -> str:
    """The URL of the study's view ``studies:<name>``."""
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def page_text(response: Any) -> str:
    """The answer's HTML with its entities decoded (as the person reads it)."""
    return html_lib.unescape(response.content.decode())


def current_document(study: Study) -> StudyDocument:
    """The study's document at its current revision."""
    return study.current_revision().to_document()


def form_data(study: Study, defaults: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A form's data: ``defaults`` with ``changes`` over the study's current revision as the
    base; a value ``None`` leaves its field out."""
    data = {"base_revision": study.current_revision().number, **defaults, **changes}
    return {k: v for k, v in data.items() if v is not None}


def field_errors(page: str, field: str) -> list[str]:
    """The errors shown beside ``field`` in a form part (fails if it shows none or no such
    field)."""
    starts = [m.start() for m in re.finditer(r'<div class="field[ "]', page)]
    for i, at in enumerate(starts):
        block = page[at : starts[i + 1] if i + 1 < len(starts) else len(page)]
        if re.search(rf'(?:for|id)="id_{field}(?:_label)?"', block[:400]):
            assert "field--error" in block[:60], f"no error beside {field}"
            return re.findall(r'<span class="field__error[^"]*"[^>]*>(.*?)</span>', block, re.S)
    raise AssertionError(f"no field {field}")


def editor_client(study: Study, name: str) -> Client:
    """A client signed in as a new member ``name`` who may edit ``study``."""
    user = User.objects.create_user(name, password="x")
    Membership.objects.create(study=study, user=user, role="editor")
    client = Client()
    client.force_login(user)
    return client
