"""A data source renamed (the web's data page; the same action for every face): the title
checked once, and a survey's evidence on the hypotheses following its name."""

from __future__ import annotations

import pytest

from segprofile import pipeline
from segprofile.errors import InputError, NotFound
from segprofile.model.study import Evidence, EvidenceKind


def test_a_survey_renamed_takes_its_evidence_along() -> None:
    study = pipeline.example_study("child-benefit")
    old = study.data_source("survey").title
    burden = next(h for h in study.hypotheses if h.id == "p_docs_burden")
    burden.evidence.append(
        Evidence(kind=EvidenceKind.survey, summary="43 % из 120", source=f"{old}, q_docs")
    )
    burden.evidence.append(  # another survey's, whose title begins alike: left as it is
        Evidence(kind=EvidenceKind.survey, summary="12 %", source=f"{old} 2023, q_docs")
    )
    burden.verdict_reason = f"Опрос «{old}»: Подтверждена для: МФЦ."
    renamed = pipeline.rename_data_source(study, "survey", "  Опрос\tв МФЦ,  май 2025 ")
    assert renamed.data_source("survey").title == "Опрос в МФЦ, май 2025"
    after = next(h for h in renamed.hypotheses if h.id == "p_docs_burden")
    sources = [e.source for e in after.evidence if e.kind is EvidenceKind.survey]
    assert "Опрос в МФЦ, май 2025, q_docs" in sources
    assert f"{old} 2023, q_docs" in sources
    assert "опрос заявителей, вопрос о трудности сбора документов" in sources  # typed by hand
    assert after.verdict_reason == "Опрос «Опрос в МФЦ, май 2025»: Подтверждена для: МФЦ."
    assert study.data_source("survey").title == old  # the study given is not changed


@pytest.mark.parametrize(
    ("source_id", "title", "error", "message"),
    [
        ("survey", " \n ", InputError, "не может быть пустым"),
        ("survey", "жалобы НА платформе", InputError, "уже у другого источника"),
        ("nope", "Опрос", NotFound, "нет источника данных «nope»"),
    ],
)
def test_a_title_that_cannot_be_is_refused(
    source_id: str, title: str, error: type[Exception], message: str
) -> None:
    study = pipeline.example_study("child-benefit")
    study.data_source("complaints").title = "Жалобы на  платформе"
    with pytest.raises(error, match=message):
        pipeline.rename_data_source(study, source_id, title)
