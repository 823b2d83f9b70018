"""The form of a hypothesis the team writes (M-7): a need or a problem, its segments, its stages
on Hunt's ladder and in AIDAS, its journey step and source.

Choices come from the study and the latest profile: segments by their names (the keys are
stored), the study's own Hunt's ladder, the steps of its journeys, its needs. A segment the
hypothesis names that the latest profile no longer has stays offered, marked, so saving the form
never drops it unasked. Whether the whole is consistent (a need's need, a problem's need) is the
pipeline's rule (``pipeline.decisions.save_hypothesis``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile.model import labels
from segprofile.model.format import shorten
from segprofile.model.study import AidasStage, Hypothesis, HypothesisKind
from segprofile.model.study import Study as StudyDocument

Choices = list[tuple[str, Any]]


def segment_choices(
    document: StudyDocument, names: Mapping[str, str], kept: Iterable[str] = ()
) -> Choices:
    """The latest profile's segments grouped by feature (pairs and clusters apart), by their
    names; ``kept`` keys that the profile no longer has come first, marked."""
    features = {f.id: f.label for f in document.features}
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, name in names.items():
        heads = {part.partition("=")[0] for part in key.split("&")}
        if not heads <= {*features, "cluster"}:
            continue  # of a feature deleted since the profile was built: offered no more
        head = key.partition("=")[0]
        if "&" in key:
            group = gettext("Cross segments")
        elif head == "cluster":
            group = gettext("Clusters")
        else:
            group = features[head]
        short = name[len(group) + 2 :] if name.startswith(f"{group}: ") else name
        groups.setdefault(group, []).append((key, short))
    offered = {key for items in groups.values() for key, _ in items}
    gone = [
        (key, gettext("%(key)s — the segment no longer exists") % {"key": name})
        for key in dict.fromkeys(kept)
        if key not in offered
        for name in [names.get(key) or labels.segment_name(document.features, key)]
    ]
    out: Choices = [(gettext("No longer in the profile"), gone)] if gone else []
    return out + [(group, items) for group, items in groups.items()]


def journey_step_choices(document: StudyDocument, current: str | None = None) -> Choices:
    """Steps of the study's journeys as «путь.шаг», current journeys first."""
    out: Choices = [("", "—")]
    ordered = sorted(document.journeys, key=lambda j: j.kind.value != "current")
    for journey in ordered:
        items = [(f"{journey.id}.{s.id}", s.title) for s in journey.steps]
        if items:
            out.append((journey.title, items))
    keys = {f"{j.id}.{s.id}" for j in document.journeys for s in j.steps}
    if current and current not in keys:
        out.insert(1, (current, labels.STEP_GONE))
    return out


class HypothesisForm(forms.Form):
    """A need or a problem of segments, as the methodology asks (M-7)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, labels.ru(k)) for k in HypothesisKind],
        help_text=_("A problem is a need the current journey does not meet."),
    )
    statement = forms.CharField(
        label=_("Statement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "From the client's side, e.g. «Подать заявление без справок, которые уже есть у "
            "ведомств»."
        ),
    )
    segments = forms.MultipleChoiceField(
        label=_("Segments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the hypothesis is about every client."),
    )
    need = forms.ChoiceField(
        label=_("Unmet need (for a problem)"),
        required=False,
    )
    hunt_stage = forms.TypedChoiceField(
        label=_("Hunt's ladder"), required=False, coerce=int, empty_value=None
    )
    aidas_stage = forms.ChoiceField(
        label="AIDAS",
        required=False,
        # The names the hypotheses page, the profile and the reports show (model.labels).
        choices=[("", "—"), *((stage.value, labels.ru(stage)) for stage in AidasStage)],
    )
    journey_step = forms.ChoiceField(label=_("Journey step"), required=False)
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        required=False,
        help_text=_("Where the hypothesis comes from: interviews, complaints, statistics…"),
    )

    def __init__(
        self,
        *args: Any,
        document: StudyDocument,
        segment_names: Mapping[str, str],
        hypothesis: Hypothesis | None = None,
        **kwargs: Any,
    ) -> None:
        if hypothesis is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": hypothesis.kind.value,
                "statement": hypothesis.statement,
                "segments": list(hypothesis.segments),
                "need": hypothesis.need or "",
                "hunt_stage": hypothesis.hunt_stage,
                "aidas_stage": hypothesis.aidas_stage.value if hypothesis.aidas_stage else "",
                "journey_step": hypothesis.journey_step or "",
                "source": hypothesis.source,
            }
        super().__init__(*args, **kwargs)
        self.document = document
        if document.scope.internal_only:  # examples of employees, not citizens
            self.fields["statement"].help_text = _(
                "From the client's side, e.g. «Получить справку о доходах, не приходя в "
                "бухгалтерию»."
            )
        kept = hypothesis.segments if hypothesis is not None else []
        self.fields["segments"].choices = segment_choices(document, segment_names, kept)
        self.fields["hunt_stage"].choices = [
            ("", "—"),
            *((str(i), f"{i}. {name}") for i, name in enumerate(document.hunt_ladder, start=1)),
        ]
        self.fields["journey_step"].choices = journey_step_choices(
            document, hypothesis.journey_step if hypothesis is not None else None
        )
        self.fields["need"].choices = [
            ("", "—"),
            *(
                (h.id, shorten(h.statement, 90))
                for h in document.hypotheses
                if h.kind is HypothesisKind.need and (hypothesis is None or h.id != hypothesis.id)
            ),
        ]

    def changes(self) -> dict[str, Any]:
        """The cleaned fields as the document holds them (empty choices are ``None``)."""
        data = dict(self.cleaned_data)
        for key in ("need", "aidas_stage", "journey_step"):
            data[key] = data.get(key) or None
        return data
