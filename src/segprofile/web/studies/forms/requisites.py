"""The form of the filed document's details (M-13, ГОСТ Р 7.0.97-2016): who issues the
profile, its number and date, who approves it and who prepared it."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile.model.study import Requisites


def _text(label: Any, max_length: int, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, help_text=help_text)


class RequisitesForm(forms.Form):
    """Every field may stay empty: the title page then leaves a line to fill by hand."""

    organisation = _text(
        _("Organisation"),
        1000,
        _("Its full name as on its letterhead; empty: the body of the scope."),
    )
    unit = _text(_("Structural unit"), 1000, _("Example: the department of client service."))
    document_title = _text(_("Document title"), 1000, _("Empty: the title of the study."))
    document_number = _text(_("Registration number"), 100)
    document_date = forms.DateField(
        label=_("Document date"),
        required=False,
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Enter a real date as DD.MM.YYYY, e.g. 31.03.2027.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = _text(_("Place"), 200, _("The city where the document is drawn up."))
    approver_position = _text(
        _("Approver's position"), 500, _("Example: Head of the regional office of the SFR.")
    )
    approver_name = _text(_("Approver's initials and surname"), 200, _("Example: I. I. Ivanov."))
    executor_name = _text(_("Executor's name"), 200)
    executor_position = _text(_("Executor's position"), 500)
    executor_contacts = _text(_("Executor's phone and e-mail"), 500)

    @classmethod
    def of(cls, requisites: Requisites) -> RequisitesForm:
        """The form filled with the document's details."""
        return cls(
            initial={
                **requisites.model_dump(exclude={"approver", "executor"}),
                **{f"approver_{k}": v for k, v in requisites.approver.model_dump().items()},
                **{f"executor_{k}": v for k, v in requisites.executor.model_dump().items()},
            }
        )

    def requisites(self) -> dict[str, Any]:
        """The cleaned fields as the document's ``requisites`` section (plain data)."""
        data = {
            k: " ".join(str(v).split())
            for k, v in self.cleaned_data.items()
            if k != "document_date"
        }
        date = self.cleaned_data["document_date"]
        return {
            "organisation": data["organisation"],
            "unit": data["unit"],
            "document_title": data["document_title"],
            "document_number": data["document_number"],
            "document_date": date.isoformat() if date else None,
            "place": data["place"],
            "approver": {"name": data["approver_name"], "position": data["approver_position"]},
            "executor": {
                "name": data["executor_name"],
                "position": data["executor_position"],
                "contacts": data["executor_contacts"],
            },
        }


class ReportTemplateForm(forms.Form):
    """A body's own report template (.docx); the view checks it before it is stored, and a
    mistake in a placeholder is shown beside the field with the placeholder and its paragraph."""

    MAX_BYTES = 20 * 1024 * 1024  # a template with the body's emblem and fonts

    template = forms.FileField(
        label=_("The body's report template (DOCX)"),
        help_text=_(
            "A Word document with placeholders such as {{ название }}; start from the sample "
            "template below."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content = b""
        self.file_name = ""
        self.fields["template"].widget.attrs["accept"] = ".docx"

    def clean_template(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["template"]
        if uploaded.size is not None and uploaded.size > self.MAX_BYTES:
            raise forms.ValidationError(
                gettext("The template is too large (over %(limit)s)."),
                params={"limit": filesizeformat(self.MAX_BYTES)},
                code="too_large",
            )
        self.file_name = PurePosixPath((uploaded.name or "").replace("\\", "/")).name
        self.content = b"".join(uploaded.chunks())
        return uploaded
