"""Editing journeys step by step (M-12): the operations behind the web journey editor.

Every function takes a study and returns a changed *copy*; the caller stores it as a new
revision, so nothing earlier is overwritten. A change that would leave the study inconsistent is
refused with :class:`JourneyEditError` in Russian, naming the field and the reason:

* a step's role or pain (problem hypothesis) that the study does not have, a service level
  outside the study's ladder;
* a journey may be empty (no steps) while it is built from nothing; the page, the export and the
  methodology check say so;
* a new order of steps that is not the journey's steps each exactly once. A journey is an
  ordered list, not a graph of «next step» links, so it cannot contain a cycle as such; the
  ways an order can go wrong are a step listed twice (the journey would come back to a step it
  has passed — the list's form of a cycle), a step left out, or a step the journey does not
  have (the page was out of date);
* deleting a step or a journey something still refers to (a hypothesis's ``journey_step``, a
  recommendation's target ``journey``);
* a second journey of the same kind for the same clients: one common current and one common
  target journey, and at most one own journey of each kind per segment, since
  :func:`~segprofile.analysis.journeys.journey_for_segment` must know which one applies;
* a target journey that recommendations change made a current one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from segprofile.errors import InputError, NotFound
from segprofile.model.spec_yaml import _russian as _russian_error
from segprofile.model.study import (
    Journey,
    JourneyKind,
    JourneyStep,
    Study,
    reference_problems,
)

__all__ = [
    "STEP_FIELDS",
    "JourneyEditError",
    "StaleOrderError",
    "add_step",
    "check_segment_keys",
    "check_step",
    "delete_journey",
    "delete_step",
    "find_journey",
    "move_step",
    "new_journey",
    "new_step_id",
    "reorder_steps",
    "update_journey",
    "update_step",
]

STEP_FIELDS: tuple[str, ...] = tuple(name for name in JourneyStep.model_fields if name != "id")
"""The fields of a step a person edits; the id is given by the program and never changes."""

_STEP_LABELS: dict[str, str] = {
    "title": "название шага",
    "role": "роль",
    "channel": "канал",
    "service_level": "уровень сервиса",
    "duration_days": "срок, дней",
    "client_minutes": "время клиента, минут",
    "documents": "документы от клиента",
    "data_obtained": "сведения, которые ведомство получает само",
    "pains": "проблемы",
}

_SEGMENT_RE = re.compile(r"^[^=&\s][^=&]*=[^&]+(?:&[^=&\s][^=&]*=[^&]+)*$")
_SLUG_RE = re.compile(r"[^A-Za-z0-9_.-]+")


class JourneyEditError(InputError):
    """A journey change that was refused; ``field`` is the step or journey field at fault."""

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class StaleOrderError(JourneyEditError):
    """The page showed another state of the journey (a step was added or deleted meanwhile)."""

    http_status = 409


def _listed(items: Iterable[str]) -> str:
    names = [f"«{x}»" for x in items]
    return ", ".join(names) if names else "нет ни одной"


def find_journey(study: Study, journey_id: str) -> Journey:
    """The study's journey ``journey_id``; :class:`NotFound` in Russian otherwise."""
    for journey in study.journeys:
        if journey.id == journey_id:
            return journey
    raise NotFound(
        f"Путь «{journey_id}» не найден в исследовании.",
        hint="обновите страницу: путь могли удалить в другой редакции.",
    )


def _step_index(journey: Journey, step_id: str) -> int:
    for i, step in enumerate(journey.steps):
        if step.id == step_id:
            return i
    raise NotFound(
        f"Шаг «{step_id}» не найден в пути «{journey.title}».",
        hint="обновите страницу: шаг могли удалить в другой редакции.",
    )


def check_step(study: Study, step: JourneyStep) -> None:
    """Refuse a step whose role, pains or service level the study does not have.

    Raises
    ------
    JourneyEditError
        Naming the unknown role or problem and listing the known ones.
    """
    roles = {r.id: r for r in study.roles}
    if step.role is not None and step.role not in roles:
        raise JourneyEditError(
            f"Роль «{step.role}» не найдена в исследовании; известные роли: {_listed(roles)}.",
            field="role",
            hint="выберите роль из списка или сначала добавьте её в раздел «Роли».",
        )
    hypotheses = {h.id for h in study.hypotheses}
    unknown = [p for p in step.pains if p not in hypotheses]
    if unknown:
        what = "Проблема (гипотеза)" if len(unknown) == 1 else "Проблемы (гипотезы)"
        verb = "не найдена" if len(unknown) == 1 else "не найдены"
        raise JourneyEditError(
            f"{what} {_listed(unknown)} {verb} в исследовании.",
            field="pains",
            hint="выберите проблемы из списка или сначала добавьте гипотезу на странице гипотез.",
        )
    repeated = sorted({p for p in step.pains if step.pains.count(p) > 1})
    if repeated:
        raise JourneyEditError(
            f"Проблема {_listed(repeated)} указана у шага дважды.", field="pains"
        )
    levels = len(study.service_levels)
    if step.service_level is not None and step.service_level > levels:
        raise JourneyEditError(
            f"Уровень сервиса {step.service_level} вне лестницы сервиса из {levels} уровней.",
            field="service_level",
        )


def _make_step(step_id: str, values: Mapping[str, Any]) -> JourneyStep:
    unknown = sorted(set(values) - set(STEP_FIELDS))
    if unknown:
        raise JourneyEditError(f"Неизвестные поля шага: {', '.join(unknown)}.")
    try:
        return JourneyStep.model_validate({"id": step_id, **values})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else None
        label = _STEP_LABELS.get(field or "", field)
        raise JourneyEditError(
            f"Поле шага «{label}» заполнено неверно: {_russian_error(error)}.", field=field
        ) from None


def _final(study: Study) -> Study:
    """The last guard: the changed study refers only to what exists."""
    problems = reference_problems(study)
    if problems:
        path, text = problems[0]
        where = ".".join(str(p) for p in path)
        raise JourneyEditError(f"Изменение не сохранено: {where}: {text}.")
    return study


def new_step_id(journey: Journey) -> str:
    """The first free id of the form ``s1``, ``s2``… in the journey."""
    taken = {s.id for s in journey.steps}
    n = len(journey.steps) + 1
    while f"s{n}" in taken:
        n += 1
    return f"s{n}"


def add_step(
    study: Study,
    journey_id: str,
    values: Mapping[str, Any],
    *,
    position: int | None = None,
) -> tuple[Study, str]:
    """A copy of ``study`` with a new step in the journey.

    Parameters
    ----------
    values
        The step's fields (:data:`STEP_FIELDS`); ``title`` is required.
    position
        0-based place of the new step; ``None`` — at the end.

    Returns
    -------
    tuple[Study, str]
        The changed copy and the new step's id.
    """
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    step = _make_step(new_step_id(journey), values)
    check_step(updated, step)
    steps = list(journey.steps)
    where = len(steps) if position is None else max(0, min(position, len(steps)))
    steps.insert(where, step)
    journey.steps = steps
    return _final(updated), step.id


def update_step(study: Study, journey_id: str, step_id: str, values: Mapping[str, Any]) -> Study:
    """A copy of ``study`` with the step's fields replaced by ``values`` (its id stays)."""
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    index = _step_index(journey, step_id)
    step = _make_step(step_id, values)
    check_step(updated, step)
    steps = list(journey.steps)
    steps[index] = step
    journey.steps = steps
    return _final(updated)


def _referring_hypotheses(study: Study, journey_id: str, step_id: str | None) -> list[str]:
    prefix = f"{journey_id}."
    return [
        h.id
        for h in study.hypotheses
        if h.journey_step is not None
        and (
            h.journey_step == f"{journey_id}.{step_id}"
            if step_id
            else h.journey_step.startswith(prefix)
        )
    ]


def delete_step(study: Study, journey_id: str, step_id: str) -> Study:
    """A copy of ``study`` without the step (the last one too: the journey is then empty)."""
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    index = _step_index(journey, step_id)
    title = journey.steps[index].title
    refs = _referring_hypotheses(updated, journey_id, step_id)
    if refs:
        raise JourneyEditError(
            f"Шаг «{title}» нельзя удалить: на него ссылаются гипотезы {_listed(refs)} "
            "(поле «шаг пути»).",
            hint="сначала измените у этих гипотез шаг пути.",
        )
    journey.steps = [s for s in journey.steps if s.id != step_id]
    return _final(updated)


def move_step(study: Study, journey_id: str, step_id: str, offset: int) -> tuple[Study, int]:
    """A copy of ``study`` with the step moved by ``offset`` places (−1 up, +1 down).

    Returns the copy and the step's new 0-based position. Moving past either end keeps the step
    at that end (the copy is then equal to the study).
    """
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    index = _step_index(journey, step_id)
    steps = list(journey.steps)
    step = steps.pop(index)
    where = max(0, min(index + offset, len(steps)))
    steps.insert(where, step)
    journey.steps = steps
    return _final(updated), where


def reorder_steps(study: Study, journey_id: str, order: Sequence[str]) -> Study:
    """A copy of ``study`` with the journey's steps in ``order`` (step ids, each exactly once).

    Raises
    ------
    JourneyEditError
        A step listed twice (the order would return to a step already passed: a cycle), an
        order without steps, or (with HTTP status 409: the page was out of date) a step the
        journey does not have or a step of the journey left out.
    """
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    if not order and journey.steps:
        raise JourneyEditError(
            f"Новый порядок шагов пути «{journey.title}» пуст: в нём нет ни одного шага пути."
        )
    by_id = {s.id: s for s in journey.steps}
    seen: set[str] = set()
    for step_id in order:
        if step_id in seen:
            title = by_id[step_id].title if step_id in by_id else step_id
            raise JourneyEditError(
                f"Шаг «{title}» стоит в новом порядке дважды: путь вернулся бы к уже пройденному "
                "шагу (цикл). У каждого шага одно место в пути.",
                hint="обновите страницу и расставьте шаги снова.",
            )
        seen.add(step_id)
    unknown = [s for s in order if s not in by_id]
    missing = [by_id[s].title for s in by_id if s not in seen]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"в пути нет шагов {_listed(unknown)}")
        if missing:
            parts.append(f"не указаны шаги {_listed(missing)}")
        raise StaleOrderError(
            f"Порядок шагов пути «{journey.title}» не сохранён: {'; '.join(parts)}.",
            hint="страница устарела — обновите её и повторите.",
        )
    journey.steps = [by_id[s] for s in order]
    return _final(updated)


_KIND_NAMES: dict[JourneyKind, str] = {
    JourneyKind.current: "текущий",
    JourneyKind.target: "целевой",
}


def _journey_id(study: Study, kind: JourneyKind, segments: Sequence[str]) -> str:
    base = kind.value
    if segments:
        slug = _SLUG_RE.sub("_", "_".join(segments)).strip("_.-") or "segment"
        base = f"{kind.value}_{slug}"[:56]
    taken = {j.id for j in study.journeys}
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    return candidate


def check_segment_keys(segments: Sequence[str]) -> list[str]:
    """The segment keys without blanks and repeats; a malformed key is refused by name."""
    clean: list[str] = []
    for key in segments:
        key = key.strip()
        if not key:
            continue
        if not _SEGMENT_RE.match(key):
            raise JourneyEditError(
                f"Ключ сегмента «{key}» записан неверно: нужен вид «признак=значение» "
                "(или «признак=значение&признак=значение» для пересечения).",
                field="segments",
            )
        if key not in clean:
            clean.append(key)
    return clean


def _check_clients(
    study: Study,
    kind: JourneyKind,
    keys: Sequence[str],
    labels: Mapping[str, str],
    *,
    other_than: str | None = None,
) -> None:
    """Refuse a second journey of ``kind`` for the same clients (common, or a segment's own)."""
    same = [j for j in study.journeys if j.kind is kind and j.id != other_than]
    name = _KIND_NAMES[kind]
    if not keys:
        common = next((j for j in same if not j.segments), None)
        if common is not None:
            raise JourneyEditError(
                f"Общий {name} путь уже есть: «{common.title}». Второй общий {name} путь "
                f"сделал бы неясным, какой из них {name}.",
                field="segments",
                hint="выберите сегменты для персонального пути или измените существующий.",
            )
    for key in keys:
        own = next((j for j in same if key in j.segments), None)
        if own is not None:
            raise JourneyEditError(
                f"У сегмента «{labels.get(key, key)}» уже есть свой {name} путь: «{own.title}».",
                field="segments",
                hint="измените существующий путь или уберите этот сегмент из списка.",
            )


def new_journey(
    study: Study,
    kind: JourneyKind,
    *,
    title: str,
    segments: Sequence[str] = (),
    source: str | None = None,
    segment_labels: Mapping[str, str] | None = None,
) -> tuple[Study, str]:
    """A copy of ``study`` with a new journey: empty (built from nothing) or a step-by-step
    copy of the journey ``source``.

    Parameters
    ----------
    kind
        Current (as the service works now) or target (as it should work).
    title
        The new journey's title.
    segments
        Segment keys the journey is for; empty — the common journey for all clients.
    source
        The journey whose steps the new one starts with (usually the current one for a target
        journey); ``None`` — no steps: the team adds them one by one.
    segment_labels
        Segment key → label, for the messages.

    Returns
    -------
    tuple[Study, str]
        The changed copy and the new journey's id (``current``, ``target_<segments>``…).

    Raises
    ------
    JourneyEditError
        An empty title, a malformed segment key, a source without steps, or clients who already
        have a journey of this kind (the one common, or a segment's own).
    """
    labels = dict(segment_labels or {})
    updated = study.model_copy(deep=True)
    copied = find_journey(updated, source) if source is not None else None
    if not title.strip():
        raise JourneyEditError("У нового пути должно быть название.", field="title")
    keys = check_segment_keys(segments)
    if copied is not None and not copied.steps:
        raise JourneyEditError(
            f"У пути «{copied.title}» нет шагов: копировать нечего.",
            field="source",
            hint="выберите «пустой путь» и добавьте шаги по одному.",
        )
    _check_clients(updated, kind, keys, labels)
    new_id = _journey_id(updated, kind, keys)
    updated.journeys.append(
        Journey(
            id=new_id,
            kind=kind,
            title=title.strip(),
            segments=keys,
            steps=[s.model_copy(deep=True) for s in copied.steps] if copied is not None else [],
        )
    )
    return _final(updated), new_id


def update_journey(
    study: Study,
    journey_id: str,
    *,
    kind: JourneyKind,
    title: str,
    segments: Sequence[str] = (),
    segment_labels: Mapping[str, str] | None = None,
) -> Study:
    """A copy of ``study`` with the journey's title, kind and segments changed (its id and
    steps stay).

    Raises
    ------
    JourneyEditError
        An empty title, a malformed segment key, clients who already have a journey of this
        kind, or a target journey that recommendations change made a current one.
    """
    labels = dict(segment_labels or {})
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    if not title.strip():
        raise JourneyEditError("У пути должно быть название.", field="title")
    keys = check_segment_keys(segments)
    _check_clients(updated, kind, keys, labels, other_than=journey_id)
    recs = [r.id for r in updated.recommendations if r.journey == journey_id]
    if kind is JourneyKind.current and journey.kind is JourneyKind.target and recs:
        raise JourneyEditError(
            f"Путь «{journey.title}» нельзя сделать текущим: в него как в целевой путь вносят "
            f"изменения рекомендации {_listed(recs)}.",
            field="kind",
            hint="сначала укажите этим рекомендациям другой целевой путь.",
        )
    journey.kind = kind
    journey.title = title.strip()
    journey.segments = keys
    return _final(updated)


def delete_journey(study: Study, journey_id: str) -> Study:
    """A copy of ``study`` without the journey, unless recommendations or hypotheses refer to it."""
    updated = study.model_copy(deep=True)
    journey = find_journey(updated, journey_id)
    recs = [r.id for r in updated.recommendations if r.journey == journey_id]
    if recs:
        raise JourneyEditError(
            f"Путь «{journey.title}» нельзя удалить: в него вносят изменения рекомендации "
            f"{_listed(recs)}.",
            hint="сначала укажите этим рекомендациям другой целевой путь.",
        )
    hyps = _referring_hypotheses(updated, journey_id, None)
    if hyps:
        raise JourneyEditError(
            f"Путь «{journey.title}» нельзя удалить: на его шаги ссылаются гипотезы "
            f"{_listed(hyps)} (поле «шаг пути»).",
            hint="сначала измените у этих гипотез шаг пути.",
        )
    updated.journeys = [j for j in updated.journeys if j.id != journey_id]
    return _final(updated)
