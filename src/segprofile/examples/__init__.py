"""Worked examples: a study document, a Russian README and a seeded synthetic data generator each.

``child-benefit`` is a public service to citizens (единое пособие, Социальный фонд России);
``internal-accounting`` is an internal-client profile (M-14): employees turning to the
accounting unit. Each generator writes Parquet files that its ``study.yaml`` refers to by
relative path, with a planted structure documented in the example's ``README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from segprofile.examples import child_benefit, internal_accounting

__all__ = ["EXAMPLES", "Example"]

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Example:
    """One worked example: its study document and its data generator."""

    name: str
    title: str
    description: str
    study_path: Path
    generate: Callable[..., list[Path]]

    @property
    def readme_path(self) -> Path:
        return self.study_path.with_name("README.md")


EXAMPLES: dict[str, Example] = {
    "child-benefit": Example(
        name="child-benefit",
        title="Единое пособие на ребёнка (Социальный фонд России)",
        description=(
            "Государственная услуга для граждан: ежемесячное пособие в связи с рождением и "
            "воспитанием ребёнка. Синтетические заявления, численность имеющих право, опрос, "
            "интервью и жалобы с заложенными сегментами и слепыми зонами."
        ),
        study_path=_HERE / "child_benefit" / "study.yaml",
        generate=child_benefit.generate,
    ),
    "internal-accounting": Example(
        name="internal-accounting",
        title="Обращения сотрудников в бухгалтерию (внутренний клиент)",
        description=(
            "Профиль внутреннего клиента: сотрудники органа власти обращаются в бухгалтерию за "
            "справками, авансами на командировки, расчётом отпускных и оплатой больничных."
        ),
        study_path=_HERE / "internal_accounting" / "study.yaml",
        generate=internal_accounting.generate,
    ),
}
