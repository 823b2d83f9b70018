"""The form of a recommendation (M-11): its kind, what it says, for which segments, which problems
it solves, the target journey it changes and how, who answers for it, its status and due date.

A problem the recommendation lists that the study no longer has stays offered, marked, so saving
the form keeps the link unless the team unticks it. Whether a problem is a problem and a journey
a target one is the pipeline's rule (``pipeline.decisions.save_recommendation``).

A past due date is accepted (a plan may be written down afterwards); while the recommendation
is still to be done the form says beside the date that it has passed (``past_due_note``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile.model import labels
from segprofile.model.study import (
    HypothesisKind,
    JourneyKind,
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
    past_due,
)
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.forms import LimitedTextField
from segprofile.web.studies.forms.hypotheses import segment_choices


class RecommendationForm(forms.Form):
    """A recommendation traced to the problems it solves (M-11)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, labels.ru(k)) for k in RecommendationKind]
    )
    title = LimitedTextField(
        label=_("Recommendation"),
        limit=300,
        widget=forms.TextInput,
        help_text=_("What to do, in one line, e.g. «Заявление за 15 минут в клиентской службе»."),
    )
    description = LimitedTextField(
        label=_("Description"),
        required=False,
        limit=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    problems = forms.MultipleChoiceField(
        label=_("Problems it solves"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    segments = forms.MultipleChoiceField(
        label=_("Segments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: for every client (journey optimisation)."),
    )
    journey = forms.ChoiceField(label=_("Target journey it changes"), required=False)
    journey_change = LimitedTextField(
        label=_("Change of the journey"),
        required=False,
        limit=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. «Шаг „Собрать документы“ исключается из пути»."),
    )
    owner = forms.CharField(
        label=_("Responsible"),
        required=False,
        max_length=200,
        help_text=_("A unit or a person."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[(s.value, labels.ru(s)) for s in RecommendationStatus]
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Enter a real date as DD.MM.YYYY, e.g. 31.03.2027.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        document: StudyDocument,
        segment_names: Mapping[str, str],
        recommendation: Recommendation | None = None,
        **kwargs: Any,
    ) -> None:
        if recommendation is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **recommendation.model_dump(mode="json", include=set(self.base_fields)),
                "journey": recommendation.journey or "",
                "due_date": recommendation.due_date,
            }
        super().__init__(*args, **kwargs)
        self.document = document
        if document.scope.internal_only:  # examples of employees, not citizens
            self.fields["title"].help_text = _(
                "What to do, in one line, e.g. «Авансовый отчёт через портал самообслуживания»."
            )
        kept = recommendation.segments if recommendation is not None else []
        self.fields["segments"].choices = segment_choices(document, segment_names, kept)
        problems = [
            (h.id, labels.hypothesis_name(document, h.id, 90))
            for h in document.hypotheses
            if h.kind is HypothesisKind.problem
        ]
        known = {h.id for h in document.hypotheses}
        gone = [
            (pid, labels.DELETED_HYPOTHESIS)
            for pid in (recommendation.problems if recommendation is not None else [])
            if pid not in known
        ]
        self.fields["problems"].choices = gone + problems
        journeys = [
            (j.id, j.title)
            for j in document.journeys
            if j.kind is JourneyKind.target
            or (recommendation is not None and j.id == recommendation.journey)
        ]
        self.fields["journey"].choices = [("", "—"), *journeys]
        self.past_due_note = ""
        if recommendation is not None and not self.is_bound:
            self._note_past_due(recommendation.due_date, recommendation.status)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status"):
            self._note_past_due(cleaned.get("due_date"), RecommendationStatus(cleaned["status"]))
        return cleaned

    def _note_past_due(self, due: date | None, status: RecommendationStatus) -> None:
        """The note beside the date that it has passed, when the recommendation is still to do."""
        if due is None or not past_due(due, status, timezone.localdate()):
            return
        self.past_due_note = gettext(
            "The due date %(date)s has passed: the recommendation is marked «overdue» until it "
            "is done or declined."
        ) % {"date": due.strftime("%d.%m.%Y")}

    def changes(self) -> dict[str, Any]:
        """The cleaned fields as the document holds them (an empty journey is ``None``)."""
        data = dict(self.cleaned_data)
        data["journey"] = data.get("journey") or None
        return data
