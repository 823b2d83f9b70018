"""Forms of the journey editor (M-12): a step's fields, a journey's kind, title and clients.

The forms check types and shapes (numbers, lines of text); whether a role, a problem or a service
level exists in the study is checked by :mod:`segprofile.model.journey_edit`, whose Russian
message names the unknown value — so the role and pains fields accept any value here and offer
the study's ones as choices.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from segprofile.model import journey_edit, labels
from segprofile.model.study import HypothesisKind, JourneyKind, JourneyStep
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.forms import NumberField


class _AnyChoiceField(forms.ChoiceField):
    """A select whose value is checked by the pipeline, which names an unknown value."""

    def valid_value(self, value: Any) -> bool:
        return True


class _AnyMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


class _LevelField(forms.TypedChoiceField):
    """The service level: a whole number; whether the ladder has it is the pipeline's check."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class _LinesField(forms.CharField):
    """A textarea: one item a line (documents, data obtained)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value


class StepForm(forms.Form):
    """One step of a journey: who, where, at which service level, how long, with what."""

    title = forms.CharField(label=_("Step"), max_length=300)
    role = _AnyChoiceField(label=_("Role (who acts)"), required=False)
    channel = forms.CharField(
        label=_("Channel"),
        max_length=300,
        required=False,
        help_text=_("EPGU, MFC, reception, phone… several separated by commas"),
    )
    service_level = _LevelField(
        label=_("Service level"), required=False, coerce=int, empty_value=None
    )
    duration_days = NumberField(label=_("Duration, days"), required=False, min_value=0)
    client_minutes = NumberField(label=_("Client time, min"), required=False, min_value=0)
    documents = _LinesField(
        label=_("Documents the client brings"), required=False, help_text=_("One a line")
    )
    data_obtained = _LinesField(
        label=_("Data the body obtains itself"), required=False, help_text=_("One a line")
    )
    pains = _AnyMultipleChoiceField(
        label=_("Problems (pains) of the step"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    physical_evidence = forms.CharField(label=_("Physical evidence"), required=False)
    front_stage = forms.CharField(label=_("Front stage (staff actions seen)"), required=False)
    back_stage = forms.CharField(label=_("Back stage (staff actions unseen)"), required=False)
    support_processes = forms.CharField(label=_("Support processes"), required=False)

    def __init__(self, *args: Any, document: StudyDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if document.scope.internal_only:  # examples of employees, not citizens
            self.fields["channel"].help_text = _(
                "Self-service portal, e-mail, in person at the unit, phone, 1C… several "
                "separated by commas"
            )
            self.fields["data_obtained"].label = _("Data the executing unit obtains itself")
        self.fields["role"].choices = [("", "—")] + [(r.id, r.title) for r in document.roles]
        self.fields["service_level"].choices = [("", "—")] + [
            (str(i), f"{i}. {name}") for i, name in enumerate(document.service_levels, start=1)
        ]
        problems = [h for h in document.hypotheses if h.kind is HypothesisKind.problem]
        needs = [h for h in document.hypotheses if h.kind is not HypothesisKind.problem]
        names = labels.hypothesis_names(document.hypotheses, width=None)  # «№ 2. …», never ids
        self.fields["pains"].choices = [(h.id, names[h.id]) for h in [*problems, *needs]]
        for name in ("physical_evidence", "front_stage", "back_stage", "support_processes"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 2})

    @classmethod
    def initial_from(cls, step: JourneyStep) -> dict[str, Any]:
        data = step.model_dump(exclude={"id"})
        data["role"] = step.role or ""
        data["service_level"] = "" if step.service_level is None else str(step.service_level)
        return data

    def step_values(self) -> dict[str, Any]:
        """The cleaned fields as the model's step fields (without the id)."""
        data = dict(self.cleaned_data)
        data["role"] = data.get("role") or None
        data["pains"] = list(dict.fromkeys(data.get("pains") or []))
        for name in ("channel", "physical_evidence", "front_stage", "back_stage"):
            data[name] = (data.get(name) or "").strip()
        data["support_processes"] = (data.get("support_processes") or "").strip()
        return data


JOURNEY_KINDS: list[tuple[str, Any]] = [
    (JourneyKind.current.value, _("current — as the service works now")),
    (JourneyKind.target.value, _("target — as it should work")),
]


class JourneyForm(forms.Form):
    """A journey's kind, title and clients (common, or for segments of the latest profile)."""

    kind = forms.ChoiceField(label=_("Kind of journey"), choices=JOURNEY_KINDS)
    title = forms.CharField(label=_("Title of the journey"), max_length=300)
    segments = _AnyMultipleChoiceField(
        label=_("Segments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen — the common journey for all clients"),
    )
    other_segments = forms.CharField(
        label=_("Other segment keys"),
        required=False,
        max_length=500,
        help_text=_("feature=value, separated by «;»"),
    )

    def __init__(
        self,
        *args: Any,
        segment_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segments"].choices = segment_choices

    def clean_other_segments(self) -> str:
        text: str = self.cleaned_data.get("other_segments") or ""
        try:  # the model's rule of a segment key, its message beside this field
            journey_edit.check_segment_keys(text.split(";"))
        except journey_edit.JourneyEditError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text

    def journey_kind(self) -> JourneyKind:
        return JourneyKind(self.cleaned_data["kind"])

    def segment_keys(self) -> list[str]:
        keys = list(self.cleaned_data.get("segments") or [])
        extra = self.cleaned_data.get("other_segments") or ""
        keys.extend(k.strip() for k in extra.split(";") if k.strip())
        return list(dict.fromkeys(keys))


class NewJourneyForm(JourneyForm):
    """A new journey: from nothing (no steps yet) or a copy of an existing journey's steps."""

    source = _AnyChoiceField(
        label=_("Start with"),
        required=False,
        help_text=_("An empty journey gets its steps one by one; a copy can then be changed."),
    )
    field_order: ClassVar[list[str]] = ["kind", "title", "source", "segments", "other_segments"]

    def __init__(self, *args: Any, document: StudyDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("an empty journey"))] + [
            (j.id, _("a copy of the steps of «%(title)s»") % {"title": j.title})
            for j in document.journeys
            if j.steps
        ]

    def source_id(self) -> str | None:
        return self.cleaned_data.get("source") or None
