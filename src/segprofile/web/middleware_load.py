"""Middleware that keeps every request cheap when many people use the app at once:
:class:`SessionIdleRefreshMiddleware`, the idle timeout of a session without writing the session
row on every request (SQLite lets one process write at a time).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REFRESH_KEY = "_segprofile_refreshed"
"""Session key: when (Unix seconds) the session's expiry was last moved forward."""

REFRESH_EVERY_SECONDS = 60
"""The expiry is moved forward at most this often, so a session ends between
``SESSION_COOKIE_AGE`` minus this many seconds and ``SESSION_COOKIE_AGE`` after the last
request: one idle for ``SESSION_COOKIE_AGE`` seconds has always ended."""


def _now() -> int:
    return int(time.time())


class SessionIdleRefreshMiddleware:
    """A signed-in session ends ``SESSION_COOKIE_AGE`` seconds after the last request.

    Django does that with ``SESSION_SAVE_EVERY_REQUEST``, which writes the session row on every
    request; with three server processes on SQLite those writes queue for the database's single
    write lock. Here the row is written only when its expiry is more than
    :data:`REFRESH_EVERY_SECONDS` old (and whenever the session changes anyway), so a session
    idle for ``SESSION_COOKIE_AGE`` has ended, at most a minute earlier than before.

    Goes after ``SessionMiddleware`` (which saves the session on the way out).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only live sessions: a visitor without one (or whose cookie names an ended one) does
        # not get one here.
        if session is None or session.session_key is None:
            return response
        last = session.get(REFRESH_KEY)  # loads the session if the request has not
        if session.session_key is None:
            return response
        now = _now()
        if not isinstance(last, int) or not 0 <= now - last < REFRESH_EVERY_SECONDS:
            session[REFRESH_KEY] = now  # marks it modified: saved with a new expiry
        return response
