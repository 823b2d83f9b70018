"""Template tags of the shared workspace: the user's capabilities, the edit's base revision.

{% load team_tags %}
{% study_caps study as can %}
{% if can.edit %}<form method="post" …>{% csrf_token %}{% base_revision_field study %}…{% endif %}
{{ revision.author|person }} · <span class="muted">{{ member.user|person_note }}</span>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from segprofile.web.studies import people
from segprofile.web.studies.models import Study

register = template.Library()


@dataclass(frozen=True)
class Caps:
    """What the current user may do in a study (for showing or hiding buttons)."""

    role: str | None
    view: bool
    edit: bool
    manage: bool


@register.simple_tag(takes_context=True)
def study_caps(context: template.Context, study: Study) -> Caps:
    """The current user's role and capabilities in ``study``."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or study is None:
        return Caps(None, False, False, False)
    return Caps(
        study.role_for(user),
        study.can(user, "view"),
        study.can(user, "edit"),
        study.can(user, "manage"),
    )


def _current_number(study: Study) -> int:
    cached: Any = study.__dict__.get("_current_number")
    if cached is None:
        cached = study.revisions.order_by("-number").values_list("number", flat=True).first() or 0
        study.__dict__["_current_number"] = cached
    return int(cached)


@register.simple_tag
def base_revision_field(study: Study, number: int | None = None) -> SafeString:
    """The hidden ``base_revision`` input of a form that changes the study: the revision the
    page shows (``number``, or the current one), so a save can detect edits made meanwhile."""
    value = number if number is not None else _current_number(study)
    return format_html('<input type="hidden" name="base_revision" value="{}">', value)


@register.filter
def can_edit_study(study: Study, user: Any) -> bool:
    """``{% if study|can_edit_study:user %}``: whether ``user`` may change ``study``."""
    return bool(study is not None and user is not None and study.can(user, "edit"))


@register.filter
def person(user: Any) -> str:
    """``{{ user|person }}``: the full name, else the user name once (:mod:`people`)."""
    return people.person(user)


@register.filter
def person_note(user: Any) -> str:
    """``{{ user|person_note }}``: the user name beside a full name, else the e-mail."""
    return people.person_note(user)
