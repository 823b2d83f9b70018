"""How research-backed a journey step is, and what it links to (M-12 with M-7, M-9, M-11)."""

from __future__ import annotations

import pytest

from segprofile.examples import EXAMPLES
from segprofile.model.journey_links import Backing, journey_links, researched, step_backing
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import (
    Evidence,
    EvidenceKind,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Journey,
    JourneyKind,
    JourneyStep,
    Recommendation,
    RecommendationKind,
    Study,
)


def _problem(pid: str, status: str, *evidence: bool) -> Hypothesis:
    """A problem with ``status`` and one piece of evidence per flag (``True``: only suggested)."""
    return Hypothesis(
        id=pid,
        kind=HypothesisKind.problem,
        statement=f"Проблема {pid}",
        status=HypothesisStatus(status),
        evidence=[
            Evidence(kind=EvidenceKind.survey, summary="Опрос: 62 % недовольны", suggested=s)
            for s in evidence
        ],
    )


CONFIRMED = _problem("p1", "confirmed", False)
REFUTED = _problem("p2", "refuted", False, True)
OPEN_WITH_EVIDENCE = _problem("p3", "open", False)
NOT_ENOUGH = _problem("p4", "not_enough_data")
VERDICT_WITHOUT_EVIDENCE = _problem("p5", "confirmed")
ONLY_SUGGESTED_QUOTE = _problem("p6", "confirmed", True)
SUGGESTED = _problem("p7", "suggested")


def test_a_verdict_counts_only_with_evidence_a_person_accepted() -> None:
    assert researched(CONFIRMED)
    assert researched(REFUTED)  # refuted by research is research-backed too
    assert not researched(OPEN_WITH_EVIDENCE)
    assert not researched(VERDICT_WITHOUT_EVIDENCE)
    assert not researched(ONLY_SUGGESTED_QUOTE)


@pytest.mark.parametrize(
    ("problems", "backing"),
    [
        ([], Backing.no_data),
        ([SUGGESTED], Backing.no_data),
        ([NOT_ENOUGH, VERDICT_WITHOUT_EVIDENCE, ONLY_SUGGESTED_QUOTE], Backing.no_data),
        ([OPEN_WITH_EVIDENCE], Backing.partial),
        ([CONFIRMED, SUGGESTED], Backing.partial),
        ([CONFIRMED, VERDICT_WITHOUT_EVIDENCE], Backing.partial),
        ([CONFIRMED], Backing.confirmed),
        ([CONFIRMED, REFUTED], Backing.confirmed),
    ],
)
def test_step_backing(problems: list[Hypothesis], backing: Backing) -> None:
    assert step_backing(problems) is backing


def _study() -> Study:
    base = load_study(EXAMPLES["child-benefit"].study_path)
    hypotheses = [
        CONFIRMED,
        REFUTED.model_copy(update={"journey_step": "now.b"}),
        SUGGESTED.model_copy(update={"journey_step": "now.b"}),
        OPEN_WITH_EVIDENCE.model_copy(update={"journey_step": "later.a"}),
    ]
    steps = [
        JourneyStep(id="a", title="Узнать", pains=["p1"]),
        JourneyStep(id="b", title="Подать", pains=["p1", "p2"]),
        JourneyStep(id="c", title="Получить"),
    ]
    return base.model_copy(
        update={
            "hypotheses": hypotheses,
            "journeys": [
                Journey(id="now", kind=JourneyKind.current, title="Сейчас", steps=steps),
                Journey(id="later", kind=JourneyKind.target, title="Цель", steps=steps[:1]),
            ],
            "recommendations": [
                Recommendation(
                    id="r1",
                    kind=RecommendationKind.optimisation,
                    title="Данные по СМЭВ",
                    problems=["p2"],
                    journey="later",
                ),
                Recommendation(
                    id="r2", kind=RecommendationKind.informing, title="Уведомить", problems=["p7"]
                ),
            ],
        }
    )


def test_journey_links_take_pains_and_hypotheses_naming_the_step() -> None:
    study = _study()
    now = journey_links(study, study.journeys[0])
    by_step = {s.step.id: s for s in now.steps}
    # Pains first, then hypotheses whose «journey step» names the step; each once.
    assert [h.id for h in by_step["a"].problems] == ["p1"]
    assert [h.id for h in by_step["b"].problems] == ["p1", "p2", "p7"]
    assert by_step["c"].problems == ()
    assert [r.id for r in by_step["b"].recommendations] == ["r1", "r2"]
    assert by_step["a"].recommendations == ()
    assert [s.backing for s in now.steps] == [Backing.confirmed, Backing.partial, Backing.no_data]
    assert now.recommendations == ()  # no recommendation changes the current journey
    later = journey_links(study, study.journeys[1])
    # «later.a» is named by p3 only there: the same step id in another journey is another step.
    assert [h.id for h in later.steps[0].problems] == ["p1", "p3"]
    assert [r.id for r in later.recommendations] == ["r1"]


def test_a_pain_naming_a_deleted_hypothesis_is_kept_as_missing() -> None:
    study = _study()
    journey = study.journeys[0].model_copy(deep=True)
    journey.steps[2].pains = ["gone"]
    links = journey_links(study, journey)
    assert links.steps[2].problems == ()
    assert links.steps[2].missing == ("gone",)
    assert links.steps[2].backing is Backing.no_data
