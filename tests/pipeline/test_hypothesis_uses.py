"""What names a hypothesis (M-7 → M-8, M-11, M-12), grouped by what deleting it does to each,
and that the deletion does exactly that."""

from __future__ import annotations

import pytest

from segprofile import pipeline
from segprofile.errors import InputError
from segprofile.model.study import Study
from segprofile.pipeline import decisions


def _example() -> Study:
    return pipeline.example_study("child-benefit")


def test_what_names_a_problem_and_what_its_deletion_does_to_each() -> None:
    study = _example()
    # A target journey's step naming it as a pain is unlinked like a current one's.
    target = next(j for j in study.journeys if j.id == "target_office")
    target.steps[1].pains.append("p_office_slow")
    uses = decisions.hypothesis_uses(study, "p_office_slow")
    assert uses.blocking == []
    assert uses.unlinked == [
        "шаг «Подать заявление» пути «Текущий путь заявителя»",
        "шаг «Принятие решения о назначении или отказе» пути «Текущий путь заявителя»",
        f"шаг «{target.steps[1].title}» пути «{target.title}»",
        "исследование «Глубинные интервью с заявителями приоритетных сегментов»",
        "исследование «Анализ жалоб на платформе обратной связи и в интернет-приёмной СФР»",
    ]
    assert uses.kept == ["рекомендация «Заявление за 15 минут в клиентской службе»"]

    after = decisions.delete_hypothesis(study, "p_office_slow")
    assert not [s for j in after.journeys for s in j.steps if "p_office_slow" in s.pains]
    assert not [a for a in after.research.activities if "p_office_slow" in a.hypotheses]
    kept = [r for r in after.recommendations if "p_office_slow" in r.problems]
    assert [r.title for r in kept] == ["Заявление за 15 минут в клиентской службе"]


def test_the_own_step_counts_once_and_nothing_else_is_invented() -> None:
    study = _example()
    # Its own step only (no step names it as a pain, no activity, no recommendation).
    uses = decisions.hypothesis_uses(study, "n_income_check")
    assert uses == decisions.HypothesisUses(
        unlinked=["шаг «Узнать о пособии и проверить право на него» пути «Текущий путь заявителя»"]
    )


def test_a_need_problems_depend_on_is_refused_by_names_not_ids() -> None:
    study = _example()
    uses = decisions.hypothesis_uses(study, "n_fast_decision")
    # The problems whose unmet need it is, in one item, each by its number and statement.
    assert uses.blocking == [
        "проблемы «№ 7. При личной подаче в клиентской службе…», "
        "«№ 9. Сельские заявители, подающие через…», "
        "«№ 14. Форма заявления на ЕПГУ слишком сложна…» (это их неудовлетворённая потребность)"
    ]
    one = decisions.hypothesis_uses(study, "n_remote_access").blocking
    assert one == [
        "проблема «№ 10. Сельские заявители не знают о подаче…» "
        "(это её неудовлетворённая потребность)"
    ]
    with pytest.raises(InputError) as refused:
        decisions.delete_hypothesis(study, "n_fast_decision")
    message = refused.value.message
    assert message.startswith("Гипотезу «№ 1. ")
    assert "нельзя удалить" in message
    assert "n_fast_decision" not in message
    assert "p_office_slow" not in message
