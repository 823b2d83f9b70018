"""Russian names of the document's enumerations: each member keeps its own name."""

from __future__ import annotations

from segprofile.model import labels
from segprofile.model.journey_links import Backing
from segprofile.model.study import (
    HypothesisStatus,
    RecommendationStatus,
    ResearchStatus,
    RoleKind,
)


def test_members_of_different_enumerations_with_one_value_keep_their_own_names() -> None:
    # «confirmed», «planned», «other»: the same string in several enumerations. Keyed by the
    # string alone, the last one listed named them all (a confirmed hypothesis read
    # «подтверждено исследованием», a planned recommendation «Запланировано»).
    assert labels.ru(HypothesisStatus.confirmed) == "Подтверждена"
    assert labels.ru(Backing.confirmed) == "подтверждено исследованием"
    assert labels.ru(RecommendationStatus.planned) == "Запланирована"
    assert labels.ru(ResearchStatus.planned) != labels.ru(RecommendationStatus.planned)
    assert labels.ru(RoleKind.other) == "Другая роль"
    for member, text in labels._RU_NAMES:
        assert labels.ru(member) == text, member
