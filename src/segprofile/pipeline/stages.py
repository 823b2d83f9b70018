"""Where a study stands in the three stages of the methodology (Этап 1 → 2 → 3).

Stage 1 — hypotheses: primary segmentation and profiling (M-1 … M-7), which needs the client
data imported and a profile built; stage 2 — final profiling on feedback data (M-8, M-9);
stage 3 — recommendations and target journeys (M-11, M-12). A stage is done when the
methodology check finds nothing missing in it; the current stage is the first one not done,
and its first missing item is the next step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from segprofile.model.checks import Finding, Severity


class StageState(StrEnum):
    done = "done"
    current = "current"
    ahead = "ahead"


@dataclass(frozen=True)
class Stage:
    number: int
    title: str
    codes: tuple[str, ...]
    state: StageState
    left: tuple[Finding, ...]
    """What is missing in the stage, in the order it is best done."""


@dataclass(frozen=True)
class StudyStages:
    stages: tuple[Stage, ...]

    @property
    def current(self) -> Stage | None:
        """The first stage not done (``None``: all three are)."""
        return next((s for s in self.stages if s.state is StageState.current), None)

    @property
    def next_step(self) -> Finding | None:
        """The first thing missing in the current stage."""
        current = self.current
        return current.left[0] if current is not None and current.left else None


_STAGES: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "Гипотезы: первичная сегментация и профилирование", ("M-1", "M-2", "M-3", "M-4", "M-5",
                                                            "M-6", "M-7")),
    (2, "Итоговое профилирование по обратной связи", ("M-8", "M-9", "M-10")),
    (3, "Рекомендации и целевые пути", ("M-11", "M-12", "M-13")),
)  # fmt: skip

NO_CLIENT_DATA = Finding(
    "M-2", "загрузите данные о клиентах: по ним строятся сегменты", place="data"
)
NO_PROFILE = Finding(
    "M-6", "постройте профиль: он покажет сегменты, их ёмкость и удовлетворённость", place="build"
)

# Within stage 1 the data come first (roles, features and settings choose from their columns);
# the hypotheses (M-7) are written on the built profile.
_ORDER = {"data": 0, "scope": 1, "roles": 2, "features": 3, "settings": 4, "build": 5}


def no_source_data(title: str) -> Finding:
    """A data source (other than the client records) with no loaded version and no file: the
    profile that reads it cannot be built."""
    return Finding(
        "M-2", f"загрузите данные источника «{title}»: у него нет загруженной версии", place="data"
    )


def study_stages(
    findings: Sequence[Finding],
    *,
    client_data: bool,
    profile_built: bool,
    without_data: Sequence[str] = (),
) -> StudyStages:
    """The three stages from the methodology check (``findings``, see
    :func:`segprofile.pipeline.check_with_data`), whether the client data are imported,
    whether a profile has been built, and the titles of the other sources with no data
    (``without_data``: a version deleted, never loaded)."""
    extra = []
    if not client_data:  # says more than a finding that no source of client records is named
        findings = [f for f in findings if f.fixed_in != "data"]
        extra.append(NO_CLIENT_DATA)
    extra += [no_source_data(title) for title in without_data]
    if not profile_built:
        extra.append(NO_PROFILE)
    missing = [f for f in findings if f.severity is Severity.missing] + extra
    stages: list[Stage] = []
    current_found = False
    for number, title, codes in _STAGES:
        left = [f for f in missing if f.code in codes]
        if number == 1:
            left.sort(key=lambda f: _ORDER.get(f.fixed_in, len(_ORDER)))
        if not left:
            state = StageState.done
        elif not current_found:
            state, current_found = StageState.current, True
        else:
            state = StageState.ahead
        stages.append(Stage(number, title, codes, state, tuple(left)))
    return StudyStages(tuple(stages))
