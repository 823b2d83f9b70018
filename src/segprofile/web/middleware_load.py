"""Middleware that keeps every request cheap when many people use the app at once.

- :class:`SessionIdleRefreshMiddleware` — the idle timeout of a session without writing the
  session row on every request (SQLite lets one process write at a time);
- :class:`WarmUpMiddleware` — each server process loads the views and what the pipeline uses
  once at start and takes what it loaded out of Python's garbage collector, whose full passes
  over it stalled requests; it also starts the fork server that parses uploaded files
  (``pipeline.run_isolated``).
"""

from __future__ import annotations

import atexit
import gc
import logging
import threading
import time
from collections.abc import Callable

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver

from segprofile import pipeline

logger = logging.getLogger(__name__)

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


_warmed = threading.Lock()
_warm = {"done": False}


class WarmUpMiddleware:
    """At start, once per process: import every view and what the pipeline uses
    (:func:`~segprofile.pipeline.preload`), then freeze the collected objects.

    The app imports large libraries (DuckDB, Arrow, Altair, pandas…): some 300,000 objects that
    live as long as the process. Python's full garbage-collection pass walks all of them — about
    0.2 s, every few dozen requests, with every thread of the process stopped. ``gc.freeze()``
    moves what exists after start-up out of the collector's sight (it is never freed anyway),
    so the passes only walk what requests create. Removes itself from the chain afterwards.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        with _warmed:
            if not _warm["done"]:
                _warm["done"] = True
                started = time.perf_counter()
                get_resolver().url_patterns  # noqa: B018 — imports every view module
                # The pipeline imports the analysis and the report writers where they are
                # used (so that a command starts at once): here all at start, not by a request.
                pipeline.preload()
                # Uploaded files are parsed in children of a fork server that imports the
                # package (seconds): started now, beside the first requests, not by an upload.
                threading.Thread(
                    target=pipeline.start_isolation, name="start-isolation", daemon=True
                ).start()
                gc.collect()
                gc.freeze()
                # Back in the collector's sight at exit, so the interpreter frees them as usual
                # (native extensions report objects still alive at exit as leaks).
                atexit.register(gc.unfreeze)
                logger.debug(
                    "warm-up: views imported, %s objects frozen in %.2f s",
                    gc.get_freeze_count(),
                    time.perf_counter() - started,
                )
        raise MiddlewareNotUsed
