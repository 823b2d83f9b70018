"""Forms: they validate the request and call the pipeline to validate documents."""

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
from segprofile.model.study import Study as StudyDocument

# The first bytes of binary formats: a file that lacks them is not what its name says, and is
# refused before it can replace a good data file.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".parquet": (b"PAR1",),
    ".xlsx": (b"PK\x03\x04",),
}


def _example_choices() -> list[tuple[str, str]]:
    return [(e.name, e.title) for e in pipeline.list_examples()]


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
            self.study_document = pipeline.parse_study(text, source=source)
        except DocumentError as exc:
            self.document_error = exc
            raise forms.ValidationError(exc.message, code="document") from None
        except SegprofileError as exc:
            raise forms.ValidationError(str(exc), code="document") from None
        return uploaded


class DataUploadForm(forms.Form):
    """A data file for one of the study's data sources, stored at the source's ``path``."""

    source = forms.ChoiceField(label=_("Data source"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, document: StudyDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        self.fields["source"].choices = [
            (s.id, f"{s.id} — {s.path}") for s in document.data_sources
        ]

    def clean_file(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["file"]
        name = uploaded.name or ""
        # Django already reduces the client's file name to its last component; refuse anything
        # that still looks like a path instead of trusting that.
        if (
            not name
            or "/" in name
            or "\\" in name
            or name in (".", "..")
            or ".." in name
            or not name.isprintable()
            or len(name) > 255
        ):
            raise forms.ValidationError(
                gettext("The file name must be a plain name without folders."), code="name"
            )
        limit = settings.SEGPROFILE_MAX_UPLOAD_BYTES
        if uploaded.size is not None and uploaded.size > limit:
            raise forms.ValidationError(
                gettext("The file is too large (over %(limit)s)."),
                params={"limit": filesizeformat(limit)},
                code="too_large",
            )
        return uploaded

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        source_id = cleaned.get("source")
        uploaded: UploadedFile | None = cleaned.get("file")
        if not source_id or uploaded is None:
            return cleaned
        source = self.document.data_source(source_id)
        expected = PurePosixPath(source.path).suffix.lower()
        got = PurePosixPath(uploaded.name or "").suffix.lower()
        if expected and got != expected:
            self.add_error(
                "file",
                forms.ValidationError(
                    gettext(
                        "The source «%(source)s» expects a %(expected)s file; this one is %(got)s."
                    ),
                    params={"source": source.id, "expected": expected, "got": got or "—"},
                    code="extension",
                ),
            )
            return cleaned
        magic = _MAGIC.get(expected)
        if magic:
            uploaded.seek(0)
            head = uploaded.read(8)
            uploaded.seek(0)
            if not head.startswith(magic):
                self.add_error(
                    "file",
                    forms.ValidationError(
                        gettext("The file is not a valid %(expected)s file."),
                        params={"expected": expected},
                        code="format",
                    ),
                )
        cleaned["data_source"] = source
        return cleaned
