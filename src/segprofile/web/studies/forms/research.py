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
from segprofile.web.studies.forms import NumberField
from segprofile.web.studies.forms.data import NEW_SOURCE

SURVEY_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")


class SurveyUploadForm(forms.Form):
    """A file of survey answers (CSV, XLSX, Parquet), one row per respondent, for one of the
    study's survey sources (or a new one); it goes through the data import's checks."""

    source = forms.ChoiceField(label=_("Survey source"))
    title = forms.CharField(
        label=_("Title of the new survey"),
        max_length=300,
        required=False,
        help_text=_(
            "The hypotheses' evidence names the survey by it: «72 % (title, question)». "
            "Empty: the file's name."
        ),
    )
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
            *((s.id, s.title or s.path) for s in sources),
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
    threshold = NumberField(label=_("Threshold"), required=False, min_value=0.01, max_value=0.99)
    agree_from = NumberField(label=_("Agree from (scale)"), required=False)

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
    threshold = NumberField(
        label=_("Threshold share"), required=False, min_value=0.01, max_value=0.99
    )
    min_answers = forms.IntegerField(label=_("Minimum answers"), required=False, min_value=1)
    alpha = NumberField(
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
    # Any name is taken: the analysis says which columns of the texts chosen hold texts.
    column = forms.CharField(
        label=_("Text column"), required=False, max_length=200, widget=forms.Select
    )
    feature = forms.ChoiceField(label=_("Shares by feature"), required=False)
    n_topics = forms.IntegerField(
        label=_("Number of topics"), required=False, min_value=1, max_value=20
    )

    def __init__(
        self, *args: Any, document: StudyDocument, columns: list[str], **kwargs: Any
    ) -> None:
        """``columns``: the text columns of the source chosen (or of the default one)."""
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            (s.id, s.title or s.path) for s in pipeline.text_sources(document)
        ]
        self.fields["column"].widget.choices = [
            ("", gettext("the column with the longest texts")),
            *((c, c) for c in columns),
        ]
        self.fields["feature"].choices = [("", "—")] + [(f.id, f.label) for f in document.features]


# --- M-8: the research plan the team keeps: survey margin, activities, respondents -------------

METHOD_LABELS: dict[str, Any] = {
    "interview": _("In-depth interview"),
    "survey": _("Survey"),
    "focus_group": _("Focus group"),
    "desk": _("Desk research"),
}
ACTIVITY_STATUS_LABELS: dict[str, Any] = {
    "planned": _("Planned"),
    "in_progress": _("In progress"),
    "done": _("Done"),
}
RESPONDENT_STATUS_LABELS: dict[str, Any] = {
    "invited": _("Invited"),
    "interviewed": _("Interviewed"),
    "refused": _("Refused this interview"),
    "opted_out": _("Asked not to be invited again"),
}


class SurveySettingsForm(forms.Form):
    """The survey's margin of error and confidence, and the interviews one person may give."""

    margin = NumberField(
        label=_("Margin of error, ± percentage points"),
        min_value=0.5,
        max_value=30,
        help_text=_("5 means a share of 40 % in the survey is 35–45 % among all clients."),
    )
    confidence = forms.TypedChoiceField(
        label=_("Confidence"),
        coerce=float,
        choices=[("90", "90 %"), ("95", "95 %"), ("99", "99 %")],
        help_text=_("How sure one may be that the true share lies within the margin."),
    )
    max_interviews_per_person = forms.IntegerField(
        label=_("Interviews one person may give"), min_value=1, max_value=20
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("confidence")
        if current is not None:
            # An older document may hold another confidence: it stays a choice.
            value = f"{float(current):g}"
            self.initial["confidence"] = value
            field = self.fields["confidence"]
            choices = list(field.choices)  # type: ignore[attr-defined]
            if all(c != value for c, _l in choices):
                choices.append((value, f"{value} %".replace(".", ",")))
                field.choices = choices  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    """One research activity: method, title, the hypotheses it checks, respondents per segment."""

    method = forms.ChoiceField(label=_("Method"), choices=list(METHOD_LABELS.items()))
    title = forms.CharField(label=_("Title"), max_length=300)
    status = forms.ChoiceField(label=_("Status"), choices=list(ACTIVITY_STATUS_LABELS.items()))
    hypotheses = forms.MultipleChoiceField(
        label=_("Hypotheses it checks"), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        hypotheses: list[tuple[str, str]],
        segments: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hypotheses"].choices = hypotheses
        self.segments = list(segments.items())
        targets = self.initial.get("targets", {})
        for i, (key, label) in enumerate(self.segments):
            self.fields[f"target_{i}"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=10_000
            )
            if key in targets:
                self.initial[f"target_{i}"] = targets[key]

    def target_fields(self) -> list[forms.BoundField]:
        return [self[f"target_{i}"] for i in range(len(self.segments))]

    def targets(self) -> list[dict[str, Any]]:
        """The respondents needed per segment, as the document holds them (zero: none)."""
        out = []
        for i, (key, _label) in enumerate(self.segments):
            n = self.cleaned_data.get(f"target_{i}")
            if n:
                out.append({"segment": key, "respondents": n})
        return out


class RespondentsAddForm(forms.Form):
    """People of the computed plan's list added to an activity (by pseudonym, never typed)."""

    respondents = forms.MultipleChoiceField(
        label=_("Respondents from the plan"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["respondents"].choices = choices


class RespondentForm(forms.Form):
    """Where one respondent stands, and a note (personal data in it is masked)."""

    status = forms.ChoiceField(label=_("Status"), choices=list(RESPONDENT_STATUS_LABELS.items()))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names, phone numbers and other personal data are masked when saved."),
    )
