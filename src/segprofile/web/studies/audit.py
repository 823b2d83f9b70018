"""The audit log (issue #9): who signed in, imported, exported, changed permissions, deleted.

Call :func:`audit` from a view after the action succeeded::

    from segprofile.web.studies.audit import audit
    from segprofile.web.studies.models import AuditEvent

    audit(request, AuditEvent.Action.IMPORT, study, {"source": source.id, "file": upload.name})

Actions: ``IMPORT`` (a data file, a study document, journeys…), ``EXPORT`` (any download of
study content: YAML, CSV, profile, reports), ``MEMBER_ADDED`` / ``MEMBER_CHANGED`` /
``MEMBER_REMOVED``, ``RESTORED``, ``DELETED`` (a study, a dataset version…). Sign-ins, failed
sign-ins, sign-outs and lockouts are recorded here by signal receivers, not by views.

``details`` is a small JSON-compatible dict of *descriptions*: file names, formats, source and
role identifiers, revision and run numbers, row or byte counts, user names of members. **Never
client values**: no cell values, no client names or identifiers from the data, no rule
texts that quote them. The log is shown to every owner of the study.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from segprofile.web.studies.models import AuditEvent, Study

logger = logging.getLogger(__name__)

_MAX_DETAIL = 300


def _clean(details: dict[str, Any] | None) -> dict[str, Any]:
    """Plain, short values only: a long text in details is a sign of content leaking in."""
    out: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if isinstance(value, str):
            value = value[:_MAX_DETAIL]
        elif isinstance(value, list | tuple):
            value = [str(v)[:_MAX_DETAIL] for v in value][:50]
        elif not isinstance(value, int | float | bool) and value is not None:
            value = str(value)[:_MAX_DETAIL]
        out[str(key)[:50]] = value
    return out


def _address(text: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(text, str):
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return mapped or address


def client_address(request: HttpRequest) -> str | None:
    """The address of the person behind a request, for the audit log and the sign-in lockout.

    ``REMOTE_ADDR``, unless it is one of ``settings.SEGPROFILE_TRUSTED_PROXIES`` (addresses or
    networks of our own reverse proxies): then ``X-Forwarded-For`` is read from the right, each
    trusted proxy's hop skipped, and the first address not ours is the client's. Whatever a
    client writes into the header itself stands to the left of that and is never believed; a
    request from an address not trusted is taken at its ``REMOTE_ADDR`` whatever it sends.
    (django-axes asks this function: ``AXES_CLIENT_IP_CALLABLE``.)
    """
    remote = _address(request.META.get("REMOTE_ADDR"))
    trusted = [
        ipaddress.ip_network(item, strict=False)
        for item in getattr(settings, "SEGPROFILE_TRUSTED_PROXIES", ())
    ]

    def ours(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address.version == net.version and address in net for net in trusted)

    if remote is None or not ours(remote):
        return str(remote) if remote is not None else None
    client = remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            break  # a proxy of ours never writes this: stop at the last hop we can believe
        client = address
        if not ours(address):
            break
    return str(client)


def _ip(request: HttpRequest | None) -> str | None:
    return client_address(request) if request is not None else None


def audit(
    request: HttpRequest | None,
    action: str,
    study: Study | None = None,
    details: dict[str, Any] | None = None,
    *,
    user: Any = None,
    username: str = "",
) -> AuditEvent:
    """Record ``action`` by the request's user (or ``user``) on ``study`` with ``details``.

    See the module docstring for the actions and what ``details`` may hold (never client
    values). Returns the stored event.
    """
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not username:
        username = user.get_username()
    event = AuditEvent.objects.create(
        action=action,
        user=user,
        username=username[:150],
        study=study,
        study_title=study.title[:500] if study is not None else "",
        details=_clean(details),
        ip_address=_ip(request),
    )
    logger.info("audit: %s by %s on study %s", action, username or "?", study.pk if study else "-")
    return event


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit(request, AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit(request, AuditEvent.Action.LOGOUT, user=user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django masks the password in ``credentials``; only the user name typed is kept.
    typed = str(credentials.get("username", ""))[:150]
    audit(request, AuditEvent.Action.LOGIN_FAILED, username=typed)


def _locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    audit(request, AuditEvent.Action.LOCKED_OUT, username=(username or "")[:150])


try:
    from axes.signals import user_locked_out
except ImportError:  # pragma: no cover — django-axes is a dependency
    pass
else:
    user_locked_out.connect(_locked_out, dispatch_uid="segprofile-audit-locked-out")
