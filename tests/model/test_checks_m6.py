"""M-6 findings of ``segprofile check``: what the priority needs and the study lacks."""

from __future__ import annotations

from segprofile import pipeline
from segprofile.model.checks import Severity, check_study
from segprofile.model.study import DataSourceKind, HypothesisStatus

UNIQUENESS = (
    "M-6: нет ни подтверждённых проблем, ни жалоб: уникальность проблем сегментов не оценить"
)
FROM_HYPOTHESES = (
    "M-6: нет ни подтверждённых проблем, ни жалоб: уникальность проблем сегментов оценена "
    "по гипотезам, ещё не проверенным исследованием"
)


def _texts(study) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(f) for f in check_study(study)]


def test_uniqueness_needs_confirmed_problems_or_complaints() -> None:
    study = pipeline.example_study("child-benefit")
    assert UNIQUENESS not in _texts(study)  # confirmed problems exist

    for hypothesis in study.hypotheses:
        if hypothesis.status is HypothesisStatus.confirmed:
            hypothesis.status = HypothesisStatus.open
    assert UNIQUENESS not in _texts(study)  # complaints will be mined

    study.data_sources = [s for s in study.data_sources if s.kind is not DataSourceKind.complaints]
    # Open problem hypotheses with segments: the priorities count them, and the check says so
    # (it does not claim uniqueness is not estimated while a score rests on it).
    findings = [f for f in check_study(study) if str(f) == FROM_HYPOTHESES]
    assert len(findings) == 1
    assert findings[0].severity is Severity.warning
    assert UNIQUENESS not in _texts(study)

    study.hypotheses = [h for h in study.hypotheses if h.kind.value != "problem"]
    findings = [f for f in check_study(study) if str(f) == UNIQUENESS]
    assert len(findings) == 1
