"""Small middleware of our own."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from segprofile.errors import SegprofileError

if TYPE_CHECKING:
    from segprofile.web.studies.models import EditConflictError

logger = logging.getLogger(__name__)


class SiteLanguageMiddleware(LocaleMiddleware):
    """Russian unless the user chose another language with the switch in the footer.

    Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``; most browsers on
    the users' machines say English, while the product is Russian first. So only the
    language cookie that ``set_language`` writes counts; otherwise ``LANGUAGE_CODE``.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]


class ContentSecurityPolicyMiddleware:
    """Send ``settings.SEGPROFILE_CSP`` with every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "SEGPROFILE_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class MethodNotAllowedPageMiddleware:
    """A 405 (an address opened by a link that takes only a form's POST, say) as a page in the
    user's language, as 403 and 404 are, instead of Django's empty answer; the ``Allow``
    header is kept. The API answers its own 405 in JSON (``ApiJsonErrorsMiddleware``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        allowed = response.get("Allow", "")
        methods = {m.strip() for m in allowed.split(",")}
        page = render(request, "405.html", {"form_only": "GET" not in methods}, status=405)
        if allowed:
            page["Allow"] = allowed
        return page


class SegprofileErrorMiddleware:
    """Translate a :class:`SegprofileError` that escaped a view into a page with its status.

    Views handle the errors they expect; this is the net under them, so the user sees the
    core's Russian message instead of a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SegprofileError):
            return None
        logger.info("%s at %s", type(exception).__name__, request.path)
        from segprofile.web.studies.models import EditConflictError

        if isinstance(exception, EditConflictError):
            return _conflict_page(request, exception)
        return render(
            request,
            "error.html",
            {"error": exception},
            status=exception.http_status,
        )


def _yaml_text(value: object) -> str:
    """A part of a study document as YAML, the way the study's YAML file shows it."""
    if value is None:
        return "— (удалено)"
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    buffer = io.StringIO()
    yaml.dump(value, buffer)
    return buffer.getvalue()


def _conflict_page(request: HttpRequest, error: EditConflictError) -> HttpResponse:
    """409: the refused edit with both versions of every conflicting part, side by side."""
    from segprofile.model.diff import describe_conflict

    conflicts = []
    latest = error.study.current_revision() if error.study is not None else None
    context = latest.document if latest is not None else None  # names the items parts refer to
    for conflict in error.conflicts:
        theirs, mine = describe_conflict(conflict, context)
        conflicts.append(
            {
                "title": conflict.title,
                "theirs_text": _yaml_text(conflict.theirs),
                "mine_text": _yaml_text(conflict.mine),
                "theirs_changes": theirs,
                "mine_changes": mine,
            }
        )
    saved = (
        error.study.revisions.select_related("author").filter(number=error.changed_in).first()
        if error.study is not None
        else None
    )
    context = {"error": error, "conflicts": conflicts, "study": error.study, "saved": saved}
    return render(request, "studies/team/conflict.html", context, status=error.http_status)
