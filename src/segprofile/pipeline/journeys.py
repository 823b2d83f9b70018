"""Journeys (M-12) in and out: CSV (one row a step) or BPMN 2.0, personal data masked in the
steps' free texts on the way in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from segprofile.data import masking
from segprofile.errors import InputError
from segprofile.model import labels, spec_yaml
from segprofile.model.study import (
    Journey,
    Study,
)
from segprofile.report.bpmn import journeys_from_bpmn, journeys_to_bpmn
from segprofile.report.journeys_csv import journeys_from_csv, journeys_to_csv

JOURNEY_FORMATS = ("csv", "bpmn")


def segment_key_label(study: Study, key: str) -> str:
    """A readable name of a segment key from the study's features and value labels («Канал
    подачи: МФЦ»), for segments no profile has named yet."""
    return labels.segment_name(study.features, key)


def export_journeys(study: Study, fmt: str) -> bytes:
    """The study's journeys as CSV (one row a step) or BPMN 2.0 XML (M-12 exchange)."""
    if fmt == "csv":
        return journeys_to_csv(study.journeys, study)
    if fmt == "bpmn":
        return journeys_to_bpmn(study.journeys, study).encode("utf-8")
    raise InputError(
        f"Неизвестный формат путей «{fmt}».",
        hint=f"выберите один из: {', '.join(JOURNEY_FORMATS)}.",
    )


@dataclass(frozen=True)
class JourneyImport:
    """Journeys read from a file, their texts masked, and the study with them."""

    study: Study  # a copy with the journeys (not stored by this function)
    journeys: int
    masked: dict[str, int]  # masking.KINDS → how many were masked in the step texts

    @property
    def masked_summary(self) -> str:
        """«замаскировано: 1 телефон» or «персональных данных не найдено»."""
        return masking.describe_masked(self.masked)


# The free texts of a step (names of steps, channels, documents, what staff do…): a file may carry
# a client's name or number in any of them. Ids, roles, problem ids and numbers are no texts.
_STEP_TEXTS = (
    "title",
    "channel",
    "physical_evidence",
    "front_stage",
    "back_stage",
    "support_processes",
)


_STEP_LISTS = ("documents", "data_obtained")


def mask_journeys(journeys: list[Journey]) -> tuple[list[Journey], dict[str, int]]:
    """The journeys with personal data masked in every free text, and what was masked."""
    total = masking.add_counts()
    out = []
    for journey in journeys:
        title = masking.mask_personal_data(journey.title)
        total = masking.add_counts(total, title.counts)
        steps = []
        for step in journey.steps:
            changes: dict[str, Any] = {}
            for name in _STEP_TEXTS:
                masked = masking.mask_personal_data(getattr(step, name))
                total = masking.add_counts(total, masked.counts)
                changes[name] = masked.text
            for name in _STEP_LISTS:
                items, counts = masking.mask_texts(getattr(step, name))
                total = masking.add_counts(total, counts)
                changes[name] = items
            steps.append(step.model_copy(update=changes))
        out.append(journey.model_copy(update={"title": title.text, "steps": steps}))
    return out, total


def import_journeys(study: Study, data: bytes, fmt: str, *, source: str) -> JourneyImport:
    """A copy of ``study`` with journeys from CSV or BPMN: same ids replaced, new ones added.

    Personal data in the steps' free texts is masked before the journeys join the study.
    """
    if fmt == "csv":
        incoming = journeys_from_csv(data, study=study, source=source)
    elif fmt == "bpmn":
        incoming = journeys_from_bpmn(data, study=study, source=source)
    else:
        raise InputError(
            f"Неизвестный формат путей «{fmt}».",
            hint=f"выберите один из: {', '.join(JOURNEY_FORMATS)}.",
        )
    incoming, masked = mask_journeys(incoming)
    updated = study.model_copy(deep=True)
    by_id = {j.id: i for i, j in enumerate(updated.journeys)}
    for journey in incoming:
        if journey.id in by_id:
            updated.journeys[by_id[journey.id]] = journey
        else:
            updated.journeys.append(journey)
    return JourneyImport(
        study=spec_yaml.study_from_data(spec_yaml.study_to_data(updated), source=source),
        journeys=len(incoming),
        masked=masked,
    )
