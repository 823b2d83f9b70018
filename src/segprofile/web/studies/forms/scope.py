"""Forms of the scope (M-1): what is profiled, for whom, by which legal acts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from segprofile.model.study import ClientType, ScopeKind, only_internal
from segprofile.web.studies.templatetags.studies_tags import kind_label

#: Who the clients are, as the guided start asks it (plural, with who they are).
CLIENT_TYPE_CHOICES = [
    (ClientType.citizen.value, _("External clients: citizens")),
    (ClientType.business.value, _("External clients: business representatives")),
    (ClientType.internal.value, _("Internal clients: employees of a body turning to another unit")),
]


class ScopeForm(forms.Form):
    """The scope's own fields; its legal acts are edited one at a time (:class:`LegalActForm`)."""

    kind = forms.ChoiceField(
        label=_("What is profiled"),
        choices=[(k.value, kind_label(k)) for k in ScopeKind],
        error_messages={"required": _("Choose what is profiled.")},
    )
    title = forms.CharField(
        label=_("Its title"),
        max_length=500,
        help_text=_("As the legal acts name it; example: the unified child benefit."),
        error_messages={"required": _("Write the title of the service, function or measure.")},
    )
    body = forms.CharField(
        label=_("Body"),
        max_length=500,
        required=False,
        help_text=_("Who provides it; example: a regional office of the SFR."),
    )
    client_types = forms.MultipleChoiceField(
        label=_("Who the clients are"),
        choices=CLIENT_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one type of clients.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For whom it is, how it is applied for and decided: a few sentences."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if only_internal(self["client_types"].value() or []):  # examples of employees (M-14)
            self.fields["title"].help_text = _(
                "As the legal acts or the body's orders name it; example: reimbursement of "
                "business trip expenses to employees."
            )
            self.fields["body"].help_text = _(
                "Who provides it; example: the accounting and reporting department of the body."
            )
            self.fields["description"].help_text = _(
                "Whose requests they are, how they reach the unit and how they are done: a few "
                "sentences."
            )

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data["title"]).split())
        if not title:
            raise forms.ValidationError(
                _("Write the title of the service, function or measure."), code="required"
            )
        return title

    def scope_fields(self) -> dict[str, Any]:
        """The cleaned fields as :func:`segprofile.pipeline.set_scope` takes them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "body": data["body"],
            "client_types": data["client_types"],
            "description": data["description"],
        }


class LegalActForm(forms.Form):
    """One legal act (НПА): its title and reference (number, date, link)."""

    title = forms.CharField(
        label=_("Legal act"),
        max_length=1000,
        help_text=_("Example: the federal law on state benefits to citizens with children."),
        error_messages={"required": _("Write the title of the legal act.")},
    )
    reference = forms.CharField(
        label=_("Number, date, link"),
        max_length=1000,
        required=False,
        help_text=_("Example: of 19.05.1995 No. 81-FZ."),
    )

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data["title"]).split())
        if not title:
            raise forms.ValidationError(_("Write the title of the legal act."), code="required")
        return title


class OptionalLegalActForm(LegalActForm):
    """A row of legal acts in the guided start: an empty row is skipped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = ""
        self.fields["reference"].help_text = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reference") and not data.get("title"):
            self.add_error("title", _("Write the title of the legal act or clear its reference."))
        return data


LegalActRows = forms.formset_factory(OptionalLegalActForm, extra=3, max_num=20, absolute_max=50)
"""The guided start's rows of legal acts (three empty ones; more are added on the study page)."""
