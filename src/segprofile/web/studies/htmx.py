"""The one HTMX helper of the views: is this an HTMX request, for which part, where its answer
goes, and the answer to a background job's progress poll.

A page that HTMX may ask for a part answers with the part (a template whose name starts with
``_``, included by the page's own template) and the browser with the whole page; :func:`vary`
keeps caches from mixing them up. A part saved in place on the study page brings the page
header's new revision along (:class:`RevisionMarkMiddleware`), whichever section it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseClientRefresh,
    reswap,
    retarget,
)

if TYPE_CHECKING:
    from segprofile.web.studies.models import StudyRevision

REVISION_MARK = "studies/study/_revision_mark.html"


def is_htmx(request: HttpRequest) -> bool:
    """Whether HTMX sent the request (it asks for a part of a page)."""
    return bool(getattr(request, "htmx", False))


def target(request: HttpRequest) -> str:
    """The id of the element an HTMX request will swap ("" for a browser's request)."""
    htmx = getattr(request, "htmx", None)
    return str(htmx.target or "") if htmx else ""


def asked_from(request: HttpRequest, url: str) -> bool:
    """Whether HTMX asked from the page ``url`` (its path; a browser's request: never)."""
    details = getattr(request, "htmx", None)
    if not details:
        return False
    return urlsplit(str(details.current_url or "")).path == urlsplit(url).path


def vary(response: HttpResponse) -> HttpResponse:
    """Mark a response that differs for HTMX requests and their targets."""
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def replace(response: HttpResponse, selector: str) -> HttpResponse:
    """Have HTMX put ``response`` in place of the element ``selector`` (not of the one that
    asked), e.g. a form shown again with its errors."""
    return retarget(reswap(response, "outerHTML"), selector)


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to the page ``url`` (an anchor included): HTMX loads it whole, a
    browser's request is redirected — after a save that changes more than the form's part."""
    if not is_htmx(request):
        return redirect(url)
    response = HttpResponseClientRedirect(url)
    if asked_from(request, url):
        # Only the anchor differs: the browser would just scroll; have HTMX reload the page.
        response["HX-Refresh"] = "true"
    return response


def job_progress(
    request: HttpRequest,
    *,
    finished: bool,
    page: str,
    job: Any,
    poll: str,
    oob: bool = False,
) -> HttpResponse:
    """The progress part of a background job, which HTMX polls at ``poll``; once the job has
    ended the whole page reloads (HTMX) or the browser is sent to the job's ``page``. ``oob``:
    the page shows the job's status badge (``job-status-<pk>``), refreshed with the progress."""
    if finished:
        return HttpResponseClientRefresh() if is_htmx(request) else redirect(page)
    context = {"job": job, "poll": poll, "oob": oob}
    return render(request, "studies/_job_progress.html", context)


def item_form(
    request: HttpRequest, part: str, page: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """An item's form (hypothesis, recommendation…): for HTMX the ``part`` — a refused one
    (400) in place of the form ``context["form_id"]`` —, for a browser the whole ``page``."""
    if not is_htmx(request):
        return render(request, page, context, status=status)
    response = render(request, part, context, status=status)
    # An attribute selector: an identifier may hold a dot.
    return replace(response, f'[id="{context["form_id"]}"]') if status == 400 else response


def saved(request: HttpRequest, revision: StudyRevision) -> None:
    """Note that this request stored ``revision`` (``sections.save_part`` does, for every
    section): :class:`RevisionMarkMiddleware` then updates the study page's header."""
    request.saved_revision = revision  # type: ignore[attr-defined]


class RevisionMarkMiddleware:
    """After a save in place on the study page, the header's revision (``#study-revision``)
    and the save's messages (``#messages``) come along with the saved part, out of band: the
    header never shows an older revision than the one just stored, and what the save replaced
    is said at once. Only for the study page that asked — another page has no such header
    (HTMX would log an error for an out-of-band part it cannot place) — and only with a part,
    not when the answer sends the browser elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        revision = getattr(request, "saved_revision", None)
        if (
            revision is not None
            and response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not any(h in response for h in ("HX-Redirect", "HX-Refresh", "HX-Location"))
            and asked_from(request, reverse("studies:detail", kwargs={"pk": revision.study_id}))
        ):
            mark = render_to_string(REVISION_MARK, {"revision": revision, "oob": True}, request)
            # The save's message («Сохранена редакция 5. В тексте заменены персональные данные:
            # 1 имя.») now, above the page, rather than on the next page the user opens.
            mark += render_to_string("_messages.html", {"oob": True}, request)
            response.content += mark.encode()
        return response
