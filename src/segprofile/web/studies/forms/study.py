"""Forms of a study: one started from nothing (its scope), one made from an example, a study
document uploaded as a study or a revision."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile import pipeline
from segprofile.errors import DocumentError, SegprofileError
from segprofile.model.study import ScopeKind
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.forms.scope import LegalActRows, ScopeForm


def _example_choices() -> list[tuple[str, str]]:
    return [(e.name, e.title) for e in pipeline.list_examples()]


class NewStudyForm(ScopeForm):
    """The guided start of a study from nothing: its scope (M-1); the legal acts come in rows
    beside it (:func:`legal_act_rows`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"kind": ScopeKind.service.value})
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)


def legal_act_rows(data: Any = None) -> Any:
    """The guided start's rows of legal acts (empty rows are skipped)."""
    return LegalActRows(data, prefix="acts")


def filled_acts(rows: Any) -> list[tuple[str, str]]:
    """``(title, reference)`` of the filled rows of a valid :func:`legal_act_rows`."""
    return [(r["title"], r.get("reference", "")) for r in rows.cleaned_data if r.get("title")]


class ExampleForm(forms.Form):
    """Create a study from one of the bundled examples."""

    example = forms.ChoiceField(label=_("Example"), choices=_example_choices)


class StudyUploadForm(forms.Form):
    """A study document (YAML) to store as a new study or as a new revision."""

    document = forms.FileField(
        label=_("Study document (YAML)"),
        help_text=_("A study.yaml file, for example one downloaded from this site or the CLI."),
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study_document: StudyDocument | None = None
        self.document_error: DocumentError | None = None
        self.fields["document"].widget.attrs["accept"] = ".yaml,.yml,.json"

    def clean_document(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["document"]
        limit = settings.SEGPROFILE_MAX_STUDY_BYTES
        if uploaded.size is not None and uploaded.size > limit:
            raise forms.ValidationError(
                gettext("The document is too large (over %(limit)s)."),
                params={"limit": filesizeformat(limit)},
                code="too_large",
            )
        raw = b"".join(uploaded.chunks())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                gettext("The document is not UTF-8 text. Save it in UTF-8 and upload it again."),
                code="encoding",
            ) from None
        source = PurePosixPath((uploaded.name or "study.yaml").replace("\\", "/")).name
        try:
            # Parsed in a child process with memory and time limits, like every uploaded file.
            self.study_document = pipeline.run_isolated(
                pipeline.parse_study, text, source=source, file=source
            )
        except DocumentError as exc:
            self.document_error = exc
            raise forms.ValidationError(exc.message, code="document") from None
        except SegprofileError as exc:
            raise forms.ValidationError(str(exc), code="document") from None
        return uploaded
