"""What a journey step is linked to (M-12 with M-7, M-9, M-11), and how research-backed it is.

A step's problems are the hypotheses it names as pains and those whose ``journey_step`` names
the step (the two ways the document links them, read as ``analysis.journeys.problem_steps``
reads them). The recommendations on a step are those solving one of its problems; the
recommendations on a journey are those that change it (``Recommendation.journey``).

How research-backed a step is — the one rule, :func:`step_backing`:

* **confirmed** («подтверждено исследованием»): the step has problems and research gave every one
  of them a verdict (confirmed or refuted) with evidence a person accepted;
* **partial** («частично»): some problems have such a verdict, or some evidence so far;
* **no data** («нет данных»): no problems on the step, or none has any accepted evidence yet.

Evidence the program only suggested (a quote awaiting a researcher, ``Evidence.suggested``)
does not count, nor does a verdict without evidence (the methodology check flags it, M-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from segprofile.model.study import (
    Hypothesis,
    HypothesisStatus,
    Journey,
    JourneyStep,
    Recommendation,
    Study,
)

__all__ = ["Backing", "JourneyLinks", "StepLinks", "journey_links", "researched", "step_backing"]


class Backing(StrEnum):
    """How research-backed a journey step is."""

    no_data = "no_data"
    partial = "partial"
    confirmed = "confirmed"


_VERDICTS = (HypothesisStatus.confirmed, HypothesisStatus.refuted)


def _accepted_evidence(hypothesis: Hypothesis) -> bool:
    return any(not e.suggested for e in hypothesis.evidence)


def researched(hypothesis: Hypothesis) -> bool:
    """Research gave the hypothesis a verdict (confirmed or refuted) with accepted evidence."""
    return hypothesis.status in _VERDICTS and _accepted_evidence(hypothesis)


def step_backing(problems: Sequence[Hypothesis]) -> Backing:
    """How research-backed a step with these problems is (see the module's docstring)."""
    if problems and all(researched(h) for h in problems):
        return Backing.confirmed
    if any(researched(h) or _accepted_evidence(h) for h in problems):
        return Backing.partial
    return Backing.no_data


@dataclass(frozen=True)
class StepLinks:
    """One step's problems, the recommendations solving them and its backing."""

    step: JourneyStep
    problems: tuple[Hypothesis, ...]
    missing: tuple[str, ...]
    """Pains naming a hypothesis the study no longer has: kept on the step, shown as missing."""
    recommendations: tuple[Recommendation, ...]
    backing: Backing


@dataclass(frozen=True)
class JourneyLinks:
    """A journey's steps with their links, and the recommendations that change the journey."""

    journey: Journey
    steps: tuple[StepLinks, ...]
    recommendations: tuple[Recommendation, ...]


def journey_links(study: Study, journey: Journey) -> JourneyLinks:
    """The links of every step of ``journey`` (a journey of ``study``), in step order."""
    by_id = {h.id: h for h in study.hypotheses}
    pointing: dict[str, list[str]] = {}
    prefix = f"{journey.id}."
    for hyp in study.hypotheses:
        if hyp.journey_step is not None and hyp.journey_step.startswith(prefix):
            pointing.setdefault(hyp.journey_step[len(prefix) :], []).append(hyp.id)
    steps = []
    for step in journey.steps:
        ids = list(dict.fromkeys([*step.pains, *pointing.get(step.id, [])]))
        problems = tuple(by_id[i] for i in ids if i in by_id)
        wanted = set(ids)
        steps.append(
            StepLinks(
                step=step,
                problems=problems,
                missing=tuple(i for i in ids if i not in by_id),
                recommendations=tuple(
                    r for r in study.recommendations if wanted.intersection(r.problems)
                ),
                backing=step_backing(problems),
            )
        )
    return JourneyLinks(
        journey=journey,
        steps=tuple(steps),
        recommendations=tuple(r for r in study.recommendations if r.journey == journey.id),
    )
