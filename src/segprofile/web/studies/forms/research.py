"""Forms of the research area (M-9): survey answers uploaded, questions mapped to hypotheses,
the verdict rules' numbers, the texts mined for topics."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.forms.data import NEW_SOURCE

SURVEY_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")


class SurveyUploadForm(forms.Form):
    """A file of survey answers (CSV, XLSX, Parquet), one row per respondent, for one of the
    study's survey sources (or a new one); it goes through the data import's checks."""

    source = forms.ChoiceField(label=_("Survey source"))
    file = forms.FileField(
        label=_("Survey answers"),
        help_text=_(
            "CSV, XLSX or Parquet, one row per respondent: the client's identifier (or the "
            "segment features) and one column per question."
        ),
    )

    def __init__(self, *args: Any, sources: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(SURVEY_SUFFIXES)
        self.fields["source"].choices = [
            *((s.id, f"{s.id} — {s.title or s.path}") for s in sources),
            (NEW_SOURCE, gettext("a new survey source")),
        ]
        if sources:
            self.fields["source"].initial = sources[0].id

    def clean_file(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["file"]
        name = uploaded.name or ""
        if PurePosixPath(name).suffix.lower() not in SURVEY_SUFFIXES:
            raise forms.ValidationError(
                gettext("A survey file must be CSV, XLSX or Parquet."), code="extension"
            )
        return uploaded


class SurveyQuestionForm(forms.Form):
    """One survey question mapped to the hypothesis it checks (M-9)."""

    question = forms.ChoiceField(label=_("Question (column)"), required=False)
    hypothesis = forms.ChoiceField(label=_("Hypothesis"), required=False)
    support = forms.ChoiceField(
        label=_("Supporting answer"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        initial="yes",
        required=False,
    )
    among = forms.CharField(
        label=_("Only respondents of"),
        required=False,
        help_text=_("Segment keys separated by commas, e.g. channel=mfc, channel=office"),
    )
    threshold = forms.FloatField(
        label=_("Threshold"), required=False, min_value=0.01, max_value=0.99
    )
    agree_from = forms.FloatField(label=_("Agree from (scale)"), required=False)

    def __init__(
        self,
        *args: Any,
        columns: list[str],
        hypotheses: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [("", "—"), *((c, c) for c in columns)]
        self.fields["hypothesis"].choices = hypotheses

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if bool(cleaned.get("question")) != bool(cleaned.get("hypothesis")):
            raise forms.ValidationError(
                gettext("Choose both the question and the hypothesis, or neither."),
                code="pair",
            )
        return cleaned


SurveyMappingFormSet = forms.formset_factory(SurveyQuestionForm, extra=3, max_num=60)


class SurveyOptionsForm(forms.Form):
    """How answers are joined to segments, and the verdict rules' numbers."""

    BY_FEATURES = "__features__"

    id_column = forms.ChoiceField(label=_("Join answers to clients by"), required=False)
    threshold = forms.FloatField(
        label=_("Threshold share"), required=False, min_value=0.01, max_value=0.99
    )
    min_answers = forms.IntegerField(label=_("Minimum answers"), required=False, min_value=1)
    alpha = forms.FloatField(
        label=_("Significance (after BH)"), required=False, min_value=0.001, max_value=0.5
    )

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_column"].choices = [
            ("", gettext("the client id column (automatic)")),
            *((c, gettext("id column «%(c)s»") % {"c": c}) for c in columns),
            (self.BY_FEATURES, gettext("the segment features in the survey")),
        ]


class TopicsForm(forms.Form):
    """Which texts to mine for topics and by which feature to split them."""

    source = forms.ChoiceField(label=_("Texts"), required=False)
    column = forms.CharField(label=_("Text column"), required=False, max_length=200)
    feature = forms.ChoiceField(label=_("Shares by feature"), required=False)
    n_topics = forms.IntegerField(
        label=_("Number of topics"), required=False, min_value=1, max_value=20
    )

    def __init__(self, *args: Any, document: StudyDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            (s.id, f"{s.id} — {s.title or s.path}") for s in pipeline.text_sources(document)
        ]
        self.fields["feature"].choices = [("", "—")] + [(f.id, f.label) for f in document.features]
