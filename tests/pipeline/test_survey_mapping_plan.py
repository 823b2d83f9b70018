"""The survey mapping an editor analyses is kept as a revision (M-9): it is no input of the
research plan (M-8), so it does not make a computed plan out of date."""

from __future__ import annotations

from segprofile import pipeline
from segprofile.model.study import SurveyQuestion


def test_a_survey_mapping_does_not_make_the_plan_out_of_date() -> None:
    planned = pipeline.example_study("child-benefit")
    mapped = planned.model_copy(deep=True)
    survey = next(d for d in mapped.data_sources if d.id == "survey")
    survey.questions = [SurveyQuestion(question="q_docs_difficult", hypothesis="p_docs_burden")]
    assert not pipeline.plan_inputs_changed(planned, mapped)
    # Nor do the points given to its answers in words (the analysis reads them, the plan not).
    survey.answer_points = {"Отлично": 5, "Хорошо": 4, "Не обращался": None}
    assert not pipeline.plan_inputs_changed(planned, mapped)
    survey.id_column = None  # how answers are linked is still the data's
    assert pipeline.plan_inputs_changed(planned, mapped)
