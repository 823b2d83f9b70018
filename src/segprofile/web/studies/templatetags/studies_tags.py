"""Template filters: human names of the document's codes, dictionary lookups."""

from __future__ import annotations

from enum import Enum
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from segprofile.model import labels
from segprofile.model.format import number, percent, size_text

register = template.Library()

# Names of the study document's enumerations, by enum class name and value. Unknown values
# are shown as they are, so a new schema value never breaks a page.
_LABELS: dict[str, dict[str, Any]] = {
    "ScopeKind": {
        "service": _("Service"),
        "function": _("Function"),
        "support_measure": _("Support measure"),
        "life_situation": _("Life situation"),
        "process_group": _("Internal process group"),
    },
    "ClientType": {
        "internal": _("Internal client"),
        "citizen": _("Citizen"),
        "business": _("Business"),
    },
    "RoleKind": {
        "applicant": _("Applicant / recipient"),
        "internal_client": _("Internal client"),
        "intermediary": _("Intermediary"),
        "is_operator": _("IS operator"),
        "other": _("Other role"),
    },
    "DataSourceKind": {
        "client_records": _("Client records"),
        "population": _("Population figures"),
        "survey": _("Survey"),
        "interviews": _("Interviews"),
        "complaints": _("Complaints"),
        "other": _("Other data"),
    },
    "FeatureType": {
        "categorical": _("categorical"),
        "numeric": _("numeric"),
        "boolean": _("yes / no"),
    },
    "FeatureSourceKind": {
        "legal_act": _("Legal act"),
        "document_attribute": _("Attribute of documents or data"),
        "vulnerable_group": _("Socially vulnerable group"),
        "other": _("Other (design thinking, CustDev)"),
    },
    "Severity": {
        "missing": _("missing"),
        "warning": _("worth a look"),
    },
}


@register.filter
def kind_label(value: Any) -> Any:
    """The human name of an enum value of the study document (``scope.kind`` → «Услуга»)."""
    if isinstance(value, Enum):
        return _LABELS.get(type(value).__name__, {}).get(value.value, value.value)
    return value


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` or ``None``: dictionary lookup with a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def number_list(values: Any) -> str:
    """Thresholds as a readable list: ``[18.0, 35.5]`` → ``18; 35,5`` (the decimal comma of
    :func:`segprofile.model.format.number`, so the list separator is «;»)."""
    return "; ".join(num(v, 2) for v in values or [])


@register.filter
def size(value: Any) -> str:
    """A file's size as every page writes it: «512 байт», «3,4 КБ», «512 МБ»."""
    return "—" if value is None or value == "" else size_text(int(value))


@register.filter
def num(value: Any, digits: int = 0) -> str:
    """A figure the way every page and report writes it (:func:`model.format.number`):
    ``1500`` → «1 500», ``0.45`` with ``2`` → «0,45», no value → «—»; trailing decimal zeros
    are dropped («12», not «12,00»)."""
    if value is None or value == "":
        return "—"
    text = number(float(value), int(digits))
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


@register.filter
def pct(value: Any, digits: int = 0) -> str:
    """A share the way every page and report writes it (:func:`model.format.percent`):
    ``0.651`` → «65 %», no value → «—»."""
    return percent(None if value is None or value == "" else float(value), int(digits))


# issue 19: where a finding of the methodology check is fixed (model.checks.FIX_PLACES).
# Sections of the study page by anchor; pages by URL name.
_SECTIONS = {"scope", "roles", "features", "settings"}
_PAGES = {
    "data": "studies:data",
    "hypotheses": "studies:hypotheses",
    "research": "studies:research",
    "survey": "studies:survey",
    "recommendations": "studies:recommendations",
    "journeys": "studies:journeys",
}


@register.simple_tag
def fix_url(study: Any, place: str) -> str:
    """The address where what a finding says is fixed (``""`` for an unknown place): a section
    of the study page (``#scope``…), the page's profile builds (``build``) or a page."""
    detail = reverse("studies:detail", kwargs={"pk": study.pk})
    if place in _SECTIONS:
        return f"{detail}#{place}"
    if place == "build":
        return f"{detail}#runs"
    if place in _PAGES:
        return reverse(_PAGES[place], kwargs={"pk": study.pk})
    return ""


@register.simple_tag(takes_context=True)
def hypothesis_name(
    context: template.Context, hypothesis_id: str, limit: int = 70, document: Any = None
) -> str:
    """«№ 2. Сельские заявители не знают…» — a hypothesis as the report numbers it, by the
    ``document`` given or the page's context; never its id."""
    return labels.hypothesis_name(document or context["document"], str(hypothesis_id), limit)


@register.simple_tag(takes_context=True)
def hypothesis_number(context: template.Context, hypothesis_id: str) -> str:
    """«№ 2»: the hypothesis' number as the report gives it."""
    n = labels.hypothesis_number(context["document"], str(hypothesis_id))
    return f"№ {n}" if n is not None else ""


@register.simple_tag(takes_context=True)
def activity_title(context: template.Context, activity_id: str) -> str:
    """A research activity by its title (its id only if it has gone)."""
    for activity in context["document"].research.activities:
        if activity.id == activity_id:
            return str(activity.title)
    return str(activity_id)
