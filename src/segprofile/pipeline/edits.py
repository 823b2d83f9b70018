"""What the team types in the browser is masked as what is imported: one rule for every edit.

A journey typed in the editor, a hypothesis, a recommendation, a note on a segment, a portrait,
a research activity, a role and its audience, the scope's title and description, a feature's
name, a topic's name or a data source's title may carry a client's name or number as easily as
a CSV file does. :func:`mask_edit` takes the document before an edit and after it and masks,
with the same :func:`~segprofile.data.masking.mask_personal_data` as every import, the free
texts of the items the edit changed (masking a masked text changes nothing, so only changed
items are masked again, for speed); with no document before (a study's first revision: a
document uploaded whole, a new study) every item is new and masked. The web calls it where
every edit is stored.

Some texts stay as typed, each for its reason:

* texts about staff and the body are not the clients' data: a recommendation's owner, the
  requisites of the document (the body, its unit, the signatories' names, positions and
  contacts), the scope's body, and the study's own title (the document's name, a requisite);
* official references are not free texts about people, and masking would break them: the
  scope's legal acts and a feature's reason (an act's «от 16.12.2022 № 2330» would read as a
  birth date);
* a feature's value labels and interval labels name categories of a column, not a person, and
  they are the study's rules: two values labelled alike are merged, so a label masked into
  another («[дата рождения]») would merge values silently.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from segprofile.data import masking
from segprofile.model.study import Study
from segprofile.pipeline.journeys import mask_journeys

__all__ = ["MaskedEdit", "mask_comment", "mask_edit", "mask_text"]

M = TypeVar("M", bound=BaseModel)

# The free texts about clients of each part a person edits: field names whose values are a
# text, a list of texts or a mapping of texts (a portrait's persona card).
_HYPOTHESIS = ("statement", "source", "verdict_reason")
_EVIDENCE = ("summary", "quote", "source")
_RECOMMENDATION = ("title", "description", "journey_change")
_SEGMENT_NOTE = ("reason", "notes")
_PORTRAIT = ("name", "persona", "empathy_map")
_ACTIVITY = ("title", "notes")
_ROLE = ("title", "description")
_AUDIENCE = ("description",)
_SCOPE = ("title", "description")
_FEATURE = ("label",)
_TOPIC = ("name",)
_SOURCE = ("title",)


@dataclass(frozen=True)
class MaskedEdit:
    """The document after an edit with its typed texts masked, and what was masked."""

    study: Study
    masked: dict[str, int]  # masking.KINDS → how many were masked

    @property
    def masked_list(self) -> str:
        """«1 телефон, 1 имя», or ``""`` when the edit had no personal data."""
        return masking.list_masked(self.masked)


def masked_by_section(before: Study, after: Study) -> dict[str, dict[str, int]]:
    """What :func:`mask_edit` masks in ``after``, section by section (a top-level part of the
    document → :data:`masking.KINDS` counts), for the sections where it masks anything: an
    uploaded document whose sections are taken one by one tells what each one replaced."""
    out = {}
    for key in type(after).model_fields:
        if getattr(before, key) == getattr(after, key):
            continue
        alone = before.model_copy(update={key: getattr(after, key)})
        counts = mask_edit(before, alone).masked
        if any(counts.values()):
            out[key] = {kind: n for kind, n in counts.items() if n}
    return out


def masked_list(counts: Sequence[dict[str, int]]) -> str:
    """Several :func:`masked_by_section` counts said together: «1 имя, 2 телефона», or ``""``."""
    return masking.list_masked(masking.add_counts(*counts))


def mask_comment(text: str) -> str:
    """A revision's comment that quotes what was typed («Добавлен шаг «…»»), personal data
    masked as in the study itself."""
    return mask_text(text)[0]


def mask_file_name(name: str) -> str:
    """An uploaded file's name as it may be shown and recorded (often a person's name)."""
    return masking.mask_file_name(name)


def mask_text(text: str) -> tuple[str, str]:
    """One typed text masked as the study's texts are, before anything is made of it (a new
    data source's title, of which its id is made), and what was masked («1 имя», or ``""``)."""
    masked = masking.mask_personal_data(text)
    return masked.text, masking.list_masked(masked.counts)


def _mask_value(value: Any, total: dict[str, int]) -> Any:
    if isinstance(value, str):
        masked = masking.mask_personal_data(value)
        total.update(masking.add_counts(total, masked.counts))
        return masked.text
    if isinstance(value, list):
        return [_mask_value(v, total) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(v, total) for k, v in value.items()}
    return value  # None: nothing typed


def _mask_fields(item: M, fields: Sequence[str], total: dict[str, int]) -> M:
    return item.model_copy(update={f: _mask_value(getattr(item, f), total) for f in fields})


def _mask_changed(
    before: Sequence[M],
    after: Sequence[M],
    key: Callable[[M], Hashable],
    mask: Callable[[M], M],
) -> list[M]:
    old = {key(item): item for item in before}
    return [item if old.get(key(item)) == item else mask(item) for item in after]


def mask_edit(before: Study | None, after: Study) -> MaskedEdit:
    """``after`` with the free texts of the items that differ from ``before`` masked (every
    item when ``before`` is ``None``: a first revision).

    Journeys (titles and every text of their steps, as an import masks them), hypotheses
    (statement, source, verdict and evidence), recommendations (title, description, change of
    the journey), notes on segments, portraits (name, persona card, empathy map), research
    activities (title, notes), roles (title, description, the audience's description), the
    scope (title, description), features (name), topics (name) and data sources (title). What
    stays as typed, and why, is in the module's note.
    """
    total = masking.add_counts()
    if before is None:  # nothing before: every item is new, the scope too
        before = after.model_copy(
            update={
                "journeys": [],
                "hypotheses": [],
                "recommendations": [],
                "segment_notes": [],
                "research": after.research.model_copy(update={"activities": []}),
                "segmentation": after.segmentation.model_copy(update={"portraits": []}),
                "roles": [],
                "features": [],
                "topic_labels": [],
                "data_sources": [],
            }
        )
        scope = _mask_fields(after.scope, _SCOPE, total)
    else:
        scope = (
            after.scope if after.scope == before.scope else _mask_fields(after.scope, _SCOPE, total)
        )

    def hypothesis(h: Any) -> Any:
        masked = _mask_fields(h, _HYPOTHESIS, total)
        evidence = [_mask_fields(e, _EVIDENCE, total) for e in h.evidence]
        return masked.model_copy(update={"evidence": evidence})

    def role(r: Any) -> Any:
        masked = _mask_fields(r, _ROLE, total)
        if r.audience is None:
            return masked
        return masked.model_copy(update={"audience": _mask_fields(r.audience, _AUDIENCE, total)})

    changed = [j for j in after.journeys if j not in before.journeys]
    masked_journeys, counts = mask_journeys(changed)
    total.update(masking.add_counts(total, counts))
    by_id = {j.id: j for j in masked_journeys}
    research = after.research.model_copy(
        update={
            "activities": _mask_changed(
                before.research.activities,
                after.research.activities,
                lambda a: a.id,
                lambda a: _mask_fields(a, _ACTIVITY, total),
            )
        }
    )
    segmentation = after.segmentation.model_copy(
        update={
            "portraits": _mask_changed(
                before.segmentation.portraits,
                after.segmentation.portraits,
                lambda p: tuple(p.definition),
                lambda p: _mask_fields(p, _PORTRAIT, total),
            )
        }
    )
    study = after.model_copy(
        update={
            "journeys": [by_id.get(j.id, j) for j in after.journeys],
            "hypotheses": _mask_changed(
                before.hypotheses, after.hypotheses, lambda h: h.id, hypothesis
            ),
            "recommendations": _mask_changed(
                before.recommendations,
                after.recommendations,
                lambda r: r.id,
                lambda r: _mask_fields(r, _RECOMMENDATION, total),
            ),
            "segment_notes": _mask_changed(
                before.segment_notes,
                after.segment_notes,
                lambda n: n.segment,
                lambda n: _mask_fields(n, _SEGMENT_NOTE, total),
            ),
            "research": research,
            "segmentation": segmentation,
            "scope": scope,
            "roles": _mask_changed(before.roles, after.roles, lambda r: r.id, role),
            "features": _mask_changed(
                before.features,
                after.features,
                lambda f: f.id,
                lambda f: _mask_fields(f, _FEATURE, total),
            ),
            "topic_labels": _mask_changed(
                before.topic_labels,
                after.topic_labels,
                lambda t: t.id,
                lambda t: _mask_fields(t, _TOPIC, total),
            ),
            "data_sources": _mask_changed(
                before.data_sources,
                after.data_sources,
                lambda s: s.id,
                lambda s: _mask_fields(s, _SOURCE, total),
            ),
        }
    )
    return MaskedEdit(study=study, masked=total)
