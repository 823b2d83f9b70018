"""Forms of the keys area: what the key holder uploads to find the respondents' contacts."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile.model import labels
from segprofile.model.study import DataSourceKind
from segprofile.model.study import Study as StudyDocument


class ReidentifyForm(forms.Form):
    """The source, the body's original file and the respondents chosen by pseudonym."""

    source = forms.ChoiceField(label=_("Client records source"))
    original = forms.FileField(label=_("The body's original file (the one that was imported)"))
    respondents = forms.FileField(
        label=_("The list of respondents downloaded from the research plan (CSV)")
    )

    def __init__(self, *args: object, document: StudyDocument, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        titles = labels.source_titles(document)  # as every page names a source
        self.fields["source"].choices = [
            (s.id, titles[s.id])
            for s in document.data_sources
            if s.kind is DataSourceKind.client_records and s.id_column
        ]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        for name in ("original", "respondents"):
            upload = cleaned.get(name)
            size = upload.size if isinstance(upload, UploadedFile) else None
            if size is not None and size > settings.SEGPROFILE_MAX_UPLOAD_BYTES:
                self.add_error(name, gettext("The file is larger than the web accepts."))
        return cleaned
