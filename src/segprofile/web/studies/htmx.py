"""The one HTMX helper of the views: is this an HTMX request, for which part, where its answer
goes, and the answer to a background job's progress poll.

A page that HTMX may ask for a part answers with the part (a template whose name starts with
``_``, included by the page's own template) and the browser with the whole page; :func:`vary`
keeps caches from mixing them up.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseClientRefresh,
    reswap,
    retarget,
)


def is_htmx(request: HttpRequest) -> bool:
    """Whether HTMX sent the request (it asks for a part of a page)."""
    return bool(getattr(request, "htmx", False))


def target(request: HttpRequest) -> str:
    """The id of the element an HTMX request will swap ("" for a browser's request)."""
    htmx = getattr(request, "htmx", None)
    return str(htmx.target or "") if htmx else ""


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
    details = getattr(request, "htmx", None)
    current = str(details.current_url or "") if details else ""
    if urlsplit(current).path == urlsplit(url).path:
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
