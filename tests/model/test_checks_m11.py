"""M-11 in ``segprofile check``: confirmed problems of priority segments without a remedy."""

from __future__ import annotations

import pytest

from segprofile.examples import EXAMPLES
from segprofile.model.checks import Severity, check_study, priority_segments
from segprofile.model.format import shorten
from segprofile.model.labels import segment_name
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import SegmentNote, Study


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


def _m11(study: Study) -> list[tuple[str, Severity]]:
    return [(f.message, f.severity) for f in check_study(study) if f.code == "M-11"]


def _named(study: Study, hid: str) -> str:
    """How a finding names the hypothesis: its statement, shortened — never its id."""
    statement = next(h.statement for h in study.hypotheses if h.id == hid)
    return "«" + shorten(statement, 60) + "»"


def _segment(study: Study, key: str) -> str:
    return segment_name(study.features, key)


def _without(study: Study, *problem_ids: str) -> Study:
    """The study with the given problems taken out of every recommendation."""
    recs = [
        r.model_copy(update={"problems": [p for p in r.problems if p not in problem_ids]})
        for r in study.recommendations
    ]
    return study.model_copy(update={"recommendations": recs})


def test_the_example_has_a_recommendation_for_every_confirmed_problem(study: Study) -> None:
    assert _m11(study) == []
    assert priority_segments(study) == ["channel=office", "disability_in_family=true"]


def test_a_priority_segments_problem_without_recommendation_is_missing(study: Study) -> None:
    # p_office_slow concerns channel=office, which the sponsor focuses on.
    findings = _m11(_without(study, "p_office_slow"))
    assert findings == [
        (
            f"подтверждённая проблема {_named(study, 'p_office_slow')} приоритетного сегмента "
            f"«{_segment(study, 'channel=office')}» без рекомендации",
            Severity.missing,
        )
    ]
    line = next(str(f) for f in check_study(_without(study, "p_office_slow")) if f.code == "M-11")
    assert line.startswith(f"M-11: подтверждённая проблема {_named(study, 'p_office_slow')}")


def test_a_problem_of_other_segments_is_a_warning(study: Study) -> None:
    # p_rural_mfc_wait concerns rural and MFC clients: not marked as priority.
    findings = _m11(_without(study, "p_rural_mfc_wait"))
    assert len(findings) == 1
    message, severity = findings[0]
    assert severity is Severity.warning
    assert _named(study, "p_rural_mfc_wait") in message
    assert "не отмечены как приоритетные" in message


def test_every_unsolved_priority_problem_is_reported(study: Study) -> None:
    # p_no_proactive_info concerns disability_in_family=true among others.
    bare = _without(study, "p_office_slow", "p_docs_burden", "p_no_proactive_info")
    findings = _m11(bare)
    missing = [m for m, s in findings if s is Severity.missing]
    assert len(missing) == 3
    assert any(
        f"{_named(study, 'p_docs_burden')} приоритетного сегмента "
        f"«{_segment(study, 'channel=office')}»" in m
        for m in missing
    )
    assert any(
        f"{_named(study, 'p_no_proactive_info')} приоритетного сегмента "
        f"«{_segment(study, 'disability_in_family=true')}»" in m
        for m in missing
    )


def test_a_problem_of_everyone_concerns_the_priority_segments(study: Study) -> None:
    hyp = next(h for h in study.hypotheses if h.id == "p_office_slow")
    everyone = _without(study, "p_office_slow")
    everyone.hypotheses[everyone.hypotheses.index(hyp)] = hyp.model_copy(update={"segments": []})
    ((message, severity),) = _m11(everyone)
    assert severity is Severity.missing
    assert "всех клиентов, в том числе приоритетных сегментов" in message


def test_without_a_recorded_choice_every_segment_counts_and_the_finding_says_so(
    study: Study,
) -> None:
    notes = [n.model_copy(update={"sponsor_focus": False}) for n in study.segment_notes]
    plain = _without(study, "p_rural_mfc_wait").model_copy(update={"segment_notes": notes})
    assert priority_segments(plain) == []
    ((message, severity),) = _m11(plain)
    assert severity is Severity.missing
    assert _named(study, "p_rural_mfc_wait") in message
    assert "приоритетные сегменты в исследовании не отмечены" in message
    assert "проверены все сегменты с подтверждёнными проблемами" in message


def test_open_and_refuted_problems_are_not_reported(study: Study) -> None:
    # p_large_family_repeat_entry is open, p_epgu_form_complex refuted: no recommendation needed.
    assert _m11(study) == []
    notes = [*study.segment_notes, SegmentNote(segment="channel=epgu", sponsor_focus=True)]
    assert _m11(study.model_copy(update={"segment_notes": notes})) == []


def test_no_recommendations_at_all(study: Study) -> None:
    bare = study.model_copy(update={"recommendations": []})
    findings = _m11(bare)
    assert findings[0] == ("нет рекомендаций", Severity.missing)
    confirmed = [
        h.id
        for h in study.hypotheses
        if h.kind.value == "problem" and h.status.value == "confirmed"
    ]
    assert len(findings) == 1 + len(confirmed)
