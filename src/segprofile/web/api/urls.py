"""URLs of the API app: the JSON API (``api/``) and the tokens page (``account/api-tokens/``).

The API authenticates by token itself, so its views are exempt from the login redirect.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from segprofile.web.api import pages
from segprofile.web.api.api import api

app_name = "api_tokens"

urlpatterns = [
    path("", pages.tokens, name="list"),
    path("<int:token_pk>/revoke/", pages.revoke, name="revoke"),
]


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """``api.urls`` with every view marked ``login_required = False`` (token auth instead)."""
    patterns, app, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns, app, namespace
