"""Every answer of the JSON API is JSON, errors included.

django-ninja answers its endpoints' errors through the handlers in :mod:`.api`; what happens
around them is Django's: an unknown address under ``/api/`` (404), a method an address does not
take (405), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (400) or an error outside any handler
(500) come back as HTML pages. This middleware turns those into the API's
``{"detail": "<по-русски>", "code": "<english_code>", "errors": []}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

API_PREFIX = "/api/"


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", gettext("The request is not valid.")),
        403: (
            "forbidden",
            gettext(
                "Refused: the request did not pass the access or the forgery (CSRF) check. The "
                "API takes requests with the header «Authorization: Bearer <token>»."
            ),
        ),
        404: (
            "not_found",
            gettext("Not found: there is no such address in the API (see /api/openapi.json)."),
        ),
        405: (
            "method_not_allowed",
            gettext("This address does not take the method %(method)s; it takes: %(allowed)s."),
        ),
        413: (
            "too_large",
            gettext(
                "The request body is larger than the server accepts. Send a smaller document "
                "(the administrator sets the limit)."
            ),
        ),
    }


def _json_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    status = response.status_code
    if status >= 500:
        code, detail = (
            "internal_error",
            gettext(
                "Internal error of the server; nothing was changed by this request. The "
                "administrator finds the details in the server log."
            ),
        )
    else:
        code, detail = _messages().get(
            status,
            ("error", gettext("The request was refused (HTTP %(status)s).") % {"status": status}),
        )
    allowed = response.get("Allow", "")
    if status == 405:
        detail = detail % {"method": request.method, "allowed": allowed or "—"}
    body = json.dumps({"detail": detail, "code": code, "errors": []}, ensure_ascii=False)
    out = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    if allowed:
        out["Allow"] = allowed
    return out


class ApiJsonErrorsMiddleware:
    """Error answers under ``/api/`` that are not JSON become the API's JSON errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _json_error(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A body over the limit, read before an endpoint's handler could answer: 413.

        Every other exception is left to Django, whose page ``__call__`` then turns into JSON.
        """
        from django.core.exceptions import RequestDataTooBig

        if request.path.startswith(API_PREFIX) and isinstance(exception, RequestDataTooBig):
            return _json_error(request, HttpResponse(status=413))
        return None
