"""Sign-in throttling for the web only.

django-axes refuses to authenticate without a request; sign-ins through the web always have
one. Scripts, management commands and tests that call ``authenticate()`` without a request are
not sign-in attempts from the network: they skip the throttle and go on to the password check.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class WebSignInThrottle(AxesStandaloneBackend):
    """django-axes' lockout check for requests; nothing for request-less calls."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
