"""The team's decisions (M-2, M-4, M-6, M-7, M-9, M-11). Each returns a changed copy of the
study that the caller stores as a new revision, whose author and time are the record of the
decision (M-10)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segprofile.analysis.journeys import confirmed_problems as confirmed_problems
from segprofile.analysis.journeys import suggest_recommendations
from segprofile.errors import DocumentError, InputError, NotFound
from segprofile.model import labels
from segprofile.model.format import shorten
from segprofile.model.results import (
    Portrait,
    Profile,
)
from segprofile.model.study import (
    DataSource,
    DataSourceKind,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Journey,
    JourneyKind,
    JourneyStep,
    PortraitEdit,
    Recommendation,
    SegmentNote,
    Study,
    TopicLabel,
    hypothesis_wording,
    recommendation_wording,
    same_wording,
    wording_key,
)
from segprofile.pipeline.documents import find_source
from segprofile.pipeline.research import text_sources


def set_eligibility_rule(
    study: Study, role_id: str, rule: str, columns: Sequence[str] | None = None
) -> Study:
    """A copy of ``study`` with the role's eligibility rule replaced (validated first by
    :func:`check_eligibility_rule`, against ``columns`` when given)."""
    text = check_eligibility_rule(rule, columns) or ""
    updated = study.model_copy(deep=True)
    for role in updated.roles:
        if role.id == role_id:
            if role.audience is None:
                raise InputError(
                    f"У роли «{role_id}» не описана целевая аудитория.",
                    hint="сначала опишите аудиторию роли в документе исследования.",
                )
            role.audience.eligibility_rule = text or None
            return updated
    raise NotFound(f"Роль «{role_id}» не найдена в исследовании.")


def rename_data_source(study: Study, source_id: str, title: str) -> Study:
    """A copy of ``study`` with the data source ``source_id`` named ``title`` (spaces tidied).

    An empty title, or one another source of the study has (letter case aside), is an
    :class:`InputError`; an unknown source is :class:`NotFound`. A survey's evidence and verdict
    reasons on the hypotheses follow its new name.
    """
    from segprofile.analysis.research.survey import rename_survey_evidence

    source = find_source(study, source_id)
    new = " ".join(title.split())
    if not new:
        raise InputError(
            f"Название источника «{source.title or source.id}» не может быть пустым.",
            hint="введите название, по которому команда узнает источник, например «Опрос "
            "заявителей, май 2025».",
        )
    twin = next(
        (
            s
            for s in study.data_sources
            if s.id != source_id and " ".join(s.title.split()).casefold() == new.casefold()
        ),
        None,
    )
    if twin is not None:
        raise InputError(
            f"Название «{new}» уже у другого источника данных исследования "
            f"(«{labels.ru(twin.kind)}», идентификатор {twin.id}).",
            hint="дайте источнику другое название: по нему источники различают на страницах "
            "и в отчётах.",
        )
    old = source.title
    updated = study.model_copy(deep=True)
    find_source(updated, source_id).title = new
    if source.kind is DataSourceKind.survey and old and old != new:
        updated = rename_survey_evidence(updated, old, new)
    return updated


def set_segment_note(study: Study, segment: str, *, sponsor_focus: bool, reason: str = "") -> Study:
    """A copy of ``study`` with the team's sponsor focus on a segment set (M-6)."""
    key = segment.strip()
    if "=" not in key:
        raise InputError(
            f"Ключ сегмента «{key}» не похож на «признак=значение».",
            hint="выберите сегмент из таблицы приоритетов.",
        )
    feature_id = key.split("=", 1)[0]
    if feature_id not in {f.id for f in study.features}:
        raise NotFound(f"Признак «{feature_id}» не найден в исследовании.")
    updated = study.model_copy(deep=True)
    for note in updated.segment_notes:
        if note.segment == key:
            note.sponsor_focus = sponsor_focus
            note.reason = reason.strip()
            return updated
    updated.segment_notes.append(
        SegmentNote(segment=key, sponsor_focus=sponsor_focus, reason=reason.strip())
    )
    return updated


def _hypothesis_status(status: str) -> HypothesisStatus:
    try:
        return HypothesisStatus(status)
    except ValueError:
        known = ", ".join(s.value for s in HypothesisStatus if s is not HypothesisStatus.suggested)
        raise InputError(
            f"Неизвестный статус гипотезы «{status}».", hint=f"выберите один из: {known}."
        ) from None


def set_hypothesis_status(study: Study, hypothesis_id: str, status: str, reason: str) -> Study:
    """A copy of ``study`` with a hypothesis's status and verdict reason set (M-9).

    A verdict (confirmed, refuted, not enough data) needs a reason; «suggested» is not a status
    a person sets.
    """
    new_status = _hypothesis_status(status)
    if new_status is HypothesisStatus.suggested:
        raise InputError(
            "Статус «предложена» ставит только программа.",
            hint="выберите «открыта», «подтверждена», «опровергнута» или «недостаточно данных».",
        )
    text = reason.strip()
    if new_status is not HypothesisStatus.open and not text:
        raise InputError(
            "Для вердикта по гипотезе нужна причина.",
            hint="напишите, на каких данных основан вердикт.",
        )
    updated = study.model_copy(deep=True)
    for hyp in updated.hypotheses:
        if hyp.id == hypothesis_id:
            hyp.status = new_status
            hyp.verdict_reason = text
            return updated
    raise NotFound(f"Гипотеза «{hypothesis_id}» не найдена в исследовании.")


def _pick(suggestions: list[Hypothesis], ids: Collection[str]) -> list[Hypothesis]:
    by_id = {h.id: h for h in suggestions}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise NotFound(
            f"Среди предложенных гипотез нет: {', '.join(unknown)}.",
            hint="обновите страницу: предложения пересчитываются по последнему профилю.",
        )
    return [by_id[i] for i in dict.fromkeys(ids)]


def suggested_hypotheses(study: Study, profile: Profile | None) -> list[Hypothesis]:
    """Hypotheses suggested from the profile (M-7) for the team to accept or reject, made from
    the profile as computed and published by the study's current rules; none without one."""
    from segprofile.analysis.hypotheses import suggest_hypotheses

    return suggest_hypotheses(study, profile) if profile is not None else []


def orphaned_hypotheses(study: Study, profile: Profile | None = None) -> dict[str, list[str]]:
    """Hypothesis id → the segments it names that no longer exist: not in ``profile`` (when
    given), or of a feature the study no longer has (a feature removed or renamed)."""
    from segprofile.analysis.hypotheses import orphaned_hypotheses as not_in_profile
    from segprofile.analysis.hypotheses import segments_without_feature

    orphans = not_in_profile(study, profile) if profile is not None else {}
    for hid, keys in segments_without_feature(study).items():
        orphans[hid] = list(dict.fromkeys([*orphans.get(hid, []), *keys]))
    return orphans


@dataclass(frozen=True)
class Accepted:
    """The study with the suggestions accepted in bulk, which of them were added, and how many
    were not: worded as an item the study has, or as one chosen before them, of the same kind
    and segments (:func:`~segprofile.model.study.hypothesis_wording`, the rule a form's save
    refuses by)."""

    study: Study
    ids: list[str]
    skipped: int


def _unlike(texts: Sequence[str], chosen: Sequence[tuple[str, str]]) -> list[str]:
    """The ids of ``chosen`` (id, wording) worded unlike ``texts`` and unlike each other (the
    first of a repeated wording kept)."""
    seen = list(texts)
    kept = []
    for item_id, text in chosen:
        if same_wording(seen, text) is None:
            kept.append(item_id)
            seen.append(text)
    return kept


def accept_suggested_hypotheses(study: Study, profile: Profile, ids: Collection[str]) -> Accepted:
    """A copy of ``study`` with the chosen suggestions (M-7) added as ``open`` hypotheses; one
    worded as a hypothesis already there (or as one chosen before it) is skipped."""
    from segprofile.analysis.hypotheses import suggest_hypotheses

    chosen = _pick(suggest_hypotheses(study, profile), ids)
    kept = _unlike(
        [hypothesis_wording(h) for h in study.hypotheses],
        [(h.id, hypothesis_wording(h)) for h in chosen],
    )
    updated = study.model_copy(deep=True)
    updated.hypotheses.extend(
        h.model_copy(update={"status": HypothesisStatus.open}) for h in chosen if h.id in kept
    )
    return Accepted(updated, kept, len(chosen) - len(kept))


def reject_suggested_hypotheses(
    study: Study, profile: Profile, ids: Collection[str], reason: str = ""
) -> Study:
    """A copy of ``study`` keeping the chosen suggestions as refuted by the team.

    The study has no separate list of rejections, so a rejected suggestion is kept as a refuted
    hypothesis with the reason: it is never suggested again and the decision stays visible.
    """
    from segprofile.analysis.hypotheses import suggest_hypotheses

    chosen = _pick(suggest_hypotheses(study, profile), ids)
    why = "Отклонена командой при разборе предложений" + (
        f": {reason.strip()}" if reason.strip() else "."
    )
    updated = study.model_copy(deep=True)
    updated.hypotheses.extend(
        h.model_copy(update={"status": HypothesisStatus.refuted, "verdict_reason": why})
        for h in chosen
    )
    return updated


def suggested_recommendations(
    study: Study,
    profile: Profile | None = None,
    *,
    segment_labels: Mapping[str, str] | None = None,
) -> list[Recommendation]:
    """Recommendations suggested for the confirmed problems (M-11), labelled by the profile's
    segments (or by ``segment_labels``, a run's stored labels)."""
    from segprofile.analysis.hypotheses import known_segments

    if segment_labels is None and profile is not None:
        segment_labels = known_segments(profile)
    return suggest_recommendations(study, segment_labels=segment_labels)


def accept_recommendations(
    study: Study, ids: Collection[str], profile: Profile | None = None
) -> Accepted:
    """A copy of ``study`` with the chosen suggested recommendations (M-11) added; one worded as
    a recommendation already there (or as one chosen before it) is skipped."""
    by_id = {r.id: r for r in suggested_recommendations(study, profile)}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise NotFound(
            f"Среди предложенных рекомендаций нет: {', '.join(unknown)}.",
            hint="обновите страницу: предложения пересчитываются по текущей редакции.",
        )
    chosen = [by_id[i] for i in dict.fromkeys(ids)]
    kept = _unlike(
        [recommendation_wording(r) for r in study.recommendations],
        [(r.id, recommendation_wording(r)) for r in chosen],
    )
    updated = study.model_copy(deep=True)
    updated.recommendations.extend(by_id[i] for i in kept)
    return Accepted(updated, kept, len(chosen) - len(kept))


def confirm_quote(
    study: Study, hypothesis_id: str, index: int, quote: str, *, who: str, when: str
) -> Study:
    """A copy of ``study`` with a suggested quote confirmed as evidence (who and when noted)."""
    from segprofile.analysis.texts import confirm_quote as confirm

    return confirm(study, hypothesis_id, index, quote, who=who, when=when)


def reject_quote(study: Study, hypothesis_id: str, index: int, quote: str) -> Study:
    """A copy of ``study`` without a suggested quote."""
    from segprofile.analysis.texts import reject_quote as reject

    return reject(study, hypothesis_id, index, quote)


def _topic_source(study: Study, source_id: str) -> DataSource:
    source = find_source(study, source_id)
    if source not in text_sources(study):
        raise InputError(
            f"Источник «{source_id}» не содержит текстов (жалоб, ответов опроса, интервью).",
            hint="выберите источник с текстами.",
        )
    return source


def _new_topic_label_id(study: Study) -> str:
    taken = {t.id for t in study.topic_labels}
    return next(f"topic{i}" for i in range(1, len(taken) + 2) if f"topic{i}" not in taken)


def _labels_of(study: Study, source_id: str, topics: list[list[str]]) -> list[TopicLabel]:
    """The saved names of ``source_id`` that any of ``topics`` (lemma lists) matches."""
    from segprofile.analysis.texts import TOPIC_MATCH

    def overlap(a: list[str], b: list[str]) -> float:
        return len(set(a) & set(b)) / len(set(a) | set(b)) if set(a) | set(b) else 0.0

    return [
        label
        for label in study.topic_labels
        if label.source == source_id
        and any(overlap(t, s) >= TOPIC_MATCH for t in topics for s in label.topics)
    ]


def set_topic_name(study: Study, source_id: str, topic: list[list[str]], name: str) -> Study:
    """A copy of ``study`` with a topic of ``source_id`` named by the team (caller saves it).

    ``topic`` is the topic as the page shows it: the main lemmas of each topic it is made of
    (``Topic.signatures``). A name already saved for it is replaced; an empty name removes the
    team's name (and so undoes a merge): the topic is named from its texts again.
    """
    _topic_source(study, source_id)
    topic = [list(words) for words in topic if words]
    if not topic:
        raise InputError("Не указана тема: нет её главных слов.", hint="обновите страницу.")
    updated = study.model_copy(deep=True)
    old = _labels_of(updated, source_id, topic)
    updated.topic_labels = [t for t in updated.topic_labels if t not in old]
    name = " ".join(name.split())
    if name:
        signatures = list(topic)
        for label in old:
            signatures += [s for s in label.topics if s not in signatures]
        updated.topic_labels.append(
            TopicLabel(
                id=old[0].id if old else _new_topic_label_id(updated),
                source=source_id,
                name=name,
                topics=signatures,
            )
        )
    return updated


def merge_topics(study: Study, source_id: str, topics: list[list[list[str]]], name: str) -> Study:
    """A copy of ``study`` where the team merged topics of ``source_id`` into one, named ``name``.

    ``topics``: each merged topic as its lemma lists (``Topic.signatures``), at least two. On
    every re-run the topics matching them are shown as one topic with this name.
    """
    if len(topics) < 2:
        raise InputError(
            "Для объединения отметьте хотя бы две темы.", hint="отметьте темы и повторите."
        )
    if not " ".join(name.split()):
        raise InputError(
            "Укажите название объединённой темы.", hint="впишите название и повторите."
        )
    return set_topic_name(study, source_id, [s for topic in topics for s in topic], name)


def portrait_edit(study: Study, portrait: Portrait) -> PortraitEdit | None:
    """The team's edit stored in ``study`` for exactly this portrait's definition (the one
    :func:`save_portrait_edit` updates)."""
    definition = sorted(set(portrait.definition))
    return next((e for e in study.segmentation.portraits if e.definition == definition), None)


def portrait_with_edit(portrait: Portrait, study: Study) -> Portrait:
    """The portrait with the team's edit stored in ``study`` laid over it (a copy), or the
    portrait itself when there is none."""
    from segprofile.analysis.portraits import apply_edit

    edit = portrait_edit(study, portrait)
    if edit is None:
        return portrait
    shown = portrait.model_copy(deep=True)
    apply_edit(shown, edit, portrait.edit_similarity or 1.0)
    return shown


def save_portrait_edit(
    study: Study,
    portrait: Portrait,
    *,
    name: str | None = None,
    persona: dict[str, str] | None = None,
    empathy_map: dict[str, str] | None = None,
) -> Study:
    """A copy of ``study`` with the team's edit of ``portrait`` stored (caller saves a revision).

    The edit is stored by the portrait's definition (its defining traits), so it survives a
    re-run that renumbers the clusters. An edit of the same definition is updated: the fields
    given replace the stored ones, the others are kept; empty texts clear a field.
    """
    from segprofile.analysis.portraits import edit_from_portrait

    edit = edit_from_portrait(portrait, name=name, persona=persona, empathy_map=empathy_map)
    updated = study.model_copy(deep=True)
    for stored in updated.segmentation.portraits:
        if stored.definition == edit.definition:
            stored.segment = edit.segment
            if name is not None:
                stored.name = name.strip() or None
            stored.persona = _merge_texts(stored.persona, persona)
            stored.empathy_map = _merge_texts(stored.empathy_map, empathy_map)
            return updated
    edit.name = (name.strip() or None) if name is not None else None
    edit.persona = _merge_texts({}, persona)
    edit.empathy_map = _merge_texts({}, empathy_map)
    updated.segmentation.portraits.append(edit)
    return updated


def _merge_texts(stored: dict[str, str], changes: dict[str, str] | None) -> dict[str, str]:
    merged = dict(stored)
    for key, text in (changes or {}).items():
        if text.strip():
            merged[key] = text.strip()
        else:
            merged.pop(key, None)
    return merged


# --- issue 19: roles and their audiences (M-2) ---------------------------------------------------


def check_eligibility_rule(rule: str, columns: Sequence[str] | None = None) -> str | None:
    """The rule as it will be stored (trimmed; ``None`` when empty), or
    :class:`~segprofile.analysis.rules.RuleSyntaxError` saying where it is wrong: its syntax,
    a condition naming no column, and — with the data's ``columns``
    (:func:`~segprofile.pipeline.documents.rule_columns_of`) — a name the data lacks."""
    from segprofile.analysis.rules import check_rule

    text = rule.strip()
    if not text:
        return None
    check_rule(text, columns)
    return text


def new_role_id(taken: Collection[str], kind: str) -> str:
    """An identifier for a new role: its kind (``applicant``), numbered when ``taken``."""
    if kind not in taken:
        return kind
    number = 2
    while f"{kind}-{number}" in taken:
        number += 1
    return f"{kind}-{number}"


def journey_steps_of_role(study: Study, role_id: str) -> list[str]:
    """The journey steps the role performs, as «путь «…», шаг «…»»."""
    return [
        f"путь «{journey.title}», шаг «{step.title}»"
        for journey in study.journeys
        for step in journey.steps
        if step.role == role_id
    ]


def delete_role(study: Study, role_id: str) -> Study:
    """A copy of ``study`` without the role; refused while a journey step names it (a step's
    role must exist in the document, so the step would be left pointing at nothing)."""
    if not any(role.id == role_id for role in study.roles):
        raise NotFound(f"Роль «{role_id}» не найдена в исследовании.")
    steps = journey_steps_of_role(study, role_id)
    if steps:
        raise InputError(
            f"Роль «{role_id}» не удалена: её выполняют шаги путей клиента — {'; '.join(steps)}.",
            hint="сначала назначьте этим шагам другую роль или уберите у них роль в редакторе "
            "путей, затем удалите роль.",
        )
    updated = study.model_copy(deep=True)
    updated.roles = [role for role in updated.roles if role.id != role_id]
    return updated


# --- M-7, M-11: hypotheses and recommendations written by the team -------------------------------

#: The fields of a hypothesis the team writes; status, evidence and verdict come from research.
HYPOTHESIS_FIELDS = (
    "kind",
    "statement",
    "segments",
    "need",
    "hunt_stage",
    "aidas_stage",
    "journey_step",
    "source",
)
#: The fields of a recommendation the team writes.
RECOMMENDATION_FIELDS = (
    "kind",
    "title",
    "description",
    "segments",
    "problems",
    "journey",
    "journey_change",
    "owner",
    "status",
    "due_date",
)
FORM = "форма"
"""The source named by the errors of a document changed from a form."""


def _new_id(prefix: str, taken: Collection[str]) -> str:
    return next(f"{prefix}{i}" for i in range(1, len(taken) + 2) if f"{prefix}{i}" not in taken)


def _refuse(path: str, text: str) -> DocumentError:
    return DocumentError(FORM, [(path, None, text)])


def _index(ids: Sequence[str], item_id: str | None) -> int:
    """Where the item is (or will be, when new) in its list of ``ids``."""
    found = next((i for i, known in enumerate(ids) if known == item_id), None)
    if item_id is not None and found is None:
        raise NotFound(
            f"«{item_id}» не найдена в исследовании.",
            hint="обновите страницу: её могли удалить.",
        )
    return len(ids) if found is None else found


def hypothesis_index(study: Study, hypothesis_id: str | None) -> int:
    """The index of a hypothesis in ``study.hypotheses`` (a new one's: the end): its form's
    errors are those of ``hypotheses[index]``."""
    return _index([h.id for h in study.hypotheses], hypothesis_id)


def recommendation_index(study: Study, recommendation_id: str | None) -> int:
    """The index of a recommendation in ``study.recommendations`` (a new one's: the end)."""
    return _index([r.id for r in study.recommendations], recommendation_id)


def recommendation_draft(study: Study, problems: Sequence[str]) -> dict[str, list[str]]:
    """What a recommendation written from problems starts with: those of ``problems`` that are
    problems of the study, and the segments they are about (in their order, each once), so the
    analyst does not tick again the segments the problem already names."""
    found = [
        h for h in study.hypotheses if h.id in set(problems) and h.kind is HypothesisKind.problem
    ]
    segments = [key for h in found for key in h.segments]
    return {"problems": [h.id for h in found], "segments": list(dict.fromkeys(segments))}


def _validated(study: Study, section: str, index: int, item: dict[str, Any]) -> Study:
    """``study`` with ``item`` at ``section[index]`` (appended at the end), validated by the
    model: its problems name the field (``hypotheses[3].hunt_stage``)."""
    from segprofile.model.spec_yaml import study_from_data

    data = study.model_dump(mode="json")
    data[section][index : index + 1] = [item]
    return study_from_data(data, source=FORM)


def save_hypothesis(
    study: Study,
    hypothesis_id: str | None,
    fields: Mapping[str, Any],
    *,
    suggestion: Hypothesis | None = None,
) -> Study:
    """A copy of ``study`` with a hypothesis written by the team (M-7).

    ``hypothesis_id`` ``None`` adds a new one (from ``suggestion``, a suggested hypothesis the
    team edited before accepting it: it keeps the suggestion's id, so it is not suggested
    again); otherwise the hypothesis is changed. Only :data:`HYPOTHESIS_FIELDS` are taken from
    ``fields``; the status, the evidence and the verdict stay. A need has no unmet need of its
    own; a problem's need must be a need; a statement worded as another hypothesis's
    (:func:`~segprofile.model.study.wording_key`) is refused, unless the hypothesis already had
    that wording. Raises :class:`DocumentError` naming the field.
    """
    index = hypothesis_index(study, hypothesis_id)
    path = f"hypotheses[{index}]"
    changes = {k: v for k, v in fields.items() if k in HYPOTHESIS_FIELDS}
    if "statement" in changes:
        changes["statement"] = " ".join(str(changes["statement"] or "").split())
    if "segments" in changes:
        changes["segments"] = list(dict.fromkeys(changes["segments"] or []))
    taken = {h.id for h in study.hypotheses}
    base: dict[str, Any]
    if hypothesis_id is not None:
        base = study.hypotheses[index].model_dump(mode="json")
    elif suggestion is not None:
        if suggestion.id in taken:
            raise InputError(
                f"Предложенная гипотеза «{suggestion.id}» уже есть в реестре.",
                hint="обновите страницу: предложение уже приняли или отклонили.",
            )
        base = suggestion.model_dump(mode="json") | {"status": HypothesisStatus.open.value}
    else:
        prefix = "p" if str(changes.get("kind") or "") == HypothesisKind.problem.value else "n"
        base = {"id": _new_id(prefix, taken)}
    updated = _validated(study, "hypotheses", index, {**base, **changes})
    hypothesis = updated.hypotheses[index]
    old = study.hypotheses[index] if hypothesis_id is not None else None
    wording = hypothesis_wording(hypothesis)
    if old is None or wording_key(hypothesis_wording(old)) != wording_key(wording):
        same = same_wording([hypothesis_wording(h) for h in study.hypotheses], wording, skip=index)
        if same is not None:
            statement = study.hypotheses[same].statement
            raise _refuse(
                f"{path}.statement",
                f"Такая гипотеза уже есть: № {same + 1} «{shorten(statement.rstrip('.'), 80)}». "
                "Измените формулировку или откройте её.",
            )
    dependants = [h.id for h in study.hypotheses if h.need == hypothesis.id]
    if hypothesis.kind is HypothesisKind.need and hypothesis.need is not None:
        raise _refuse(
            f"{path}.need",
            "неудовлетворённая потребность указывается только у проблемы: уберите её или "
            "выберите вид «проблема»",
        )
    if hypothesis.kind is HypothesisKind.problem and dependants:
        raise _refuse(
            f"{path}.kind",
            f"на эту гипотезу как на потребность ссылаются проблемы {', '.join(dependants)}: "
            "сначала выберите у них другую потребность",
        )
    need = next((h for h in study.hypotheses if h.id == hypothesis.need), None)
    if hypothesis.need == hypothesis.id or (
        need is not None and need.kind is not HypothesisKind.need
    ):
        raise _refuse(f"{path}.need", "выберите гипотезу вида «потребность»")
    return updated


@dataclass(frozen=True)
class HypothesisUses:
    """What in a study names a hypothesis, in Russian, grouped by what deleting it does to them.

    ``blocking``: problems whose unmet need it is, survey questions that check it — the deletion
    is refused while they do (their verdicts would lose their subject). ``unlinked``: journey
    steps it is a problem of (a step's pains or its own ``journey_step``) and research
    activities that plan to check it — they no longer name it. ``kept``: recommendations that
    solve it — they keep it among their problems, marked «проблема удалена» on their page.
    """

    blocking: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def hypothesis_uses(study: Study, hypothesis_id: str) -> HypothesisUses:
    """What in ``study`` names the hypothesis (see :class:`HypothesisUses`), never by an id."""
    names = labels.hypothesis_names(study.hypotheses, 40)
    hyp = next((h for h in study.hypotheses if h.id == hypothesis_id), None)
    own_step = hyp.journey_step if hyp is not None else None
    needing = [f"«{names[h.id]}»" for h in study.hypotheses if h.need == hypothesis_id]
    blocking = []
    if len(needing) == 1:
        blocking.append(f"проблема {needing[0]} (это её неудовлетворённая потребность)")
    elif needing:
        blocking.append(f"проблемы {', '.join(needing)} (это их неудовлетворённая потребность)")
    blocking += [
        f"вопрос «{q.question}» опроса «{s.title or s.id}»"
        for s in study.data_sources
        for q in s.questions
        if q.hypothesis == hypothesis_id
    ]
    unlinked = [
        f"шаг «{step.title}» пути «{journey.title}»"
        for journey in study.journeys
        for step in journey.steps
        if hypothesis_id in step.pains or own_step == f"{journey.id}.{step.id}"
    ]
    unlinked += [
        f"исследование «{a.title}»"
        for a in study.research.activities
        if hypothesis_id in a.hypotheses
    ]
    kept = [
        f"рекомендация «{r.title}»" for r in study.recommendations if hypothesis_id in r.problems
    ]
    return HypothesisUses(blocking, unlinked, kept)


def delete_hypothesis(study: Study, hypothesis_id: str) -> Study:
    """A copy of ``study`` without the hypothesis (M-7).

    Refused while a problem names it as its unmet need or a survey question checks it (the
    message lists them). Journey steps and research activities that name it no longer do;
    recommendations that solve it keep it in their problems, marked as deleted on their page,
    so that link is not lost (:func:`hypothesis_uses` says which, before and after).
    """
    index = hypothesis_index(study, hypothesis_id)
    blocking = hypothesis_uses(study, hypothesis_id).blocking
    if blocking:
        name = labels.hypothesis_name(study, hypothesis_id, 60)
        raise InputError(
            f"Гипотезу «{name}» нельзя удалить: на неё ссылаются {'; '.join(blocking)}.",
            hint="сначала уберите эти ссылки, затем удалите гипотезу.",
        )
    updated = study.model_copy(deep=True)
    del updated.hypotheses[index]
    for journey in updated.journeys:
        for step in journey.steps:
            step.pains = [p for p in step.pains if p != hypothesis_id]
    for activity in updated.research.activities:
        activity.hypotheses = [h for h in activity.hypotheses if h != hypothesis_id]
    return updated


def orphaned_recommendations(study: Study) -> dict[str, list[str]]:
    """Recommendation id → the problems it lists that the study no longer has (kept, marked)."""
    known = {h.id for h in study.hypotheses}
    out: dict[str, list[str]] = {}
    for rec in study.recommendations:
        missing = [pid for pid in rec.problems if pid not in known]
        if missing:
            out[rec.id] = missing
    return out


def save_recommendation(
    study: Study, recommendation_id: str | None, fields: Mapping[str, Any]
) -> Study:
    """A copy of ``study`` with a recommendation written by the team (M-11): a new one
    (``recommendation_id`` ``None``) or a change of one. Only :data:`RECOMMENDATION_FIELDS` are
    taken from ``fields``. A problem it solves must be a problem hypothesis of the study, and
    the journey it changes a target journey; a link kept from before (a problem deleted since)
    may stay; a title worded as another recommendation's is refused, as a hypothesis's
    statement is. Raises :class:`DocumentError` naming the field.
    """
    index = recommendation_index(study, recommendation_id)
    path = f"recommendations[{index}]"
    old = study.recommendations[index] if recommendation_id is not None else None
    changes = {k: v for k, v in fields.items() if k in RECOMMENDATION_FIELDS}
    for key in ("title", "owner"):
        if key in changes:
            changes[key] = " ".join(str(changes[key] or "").split())
    for key in ("segments", "problems"):
        if key in changes:
            changes[key] = list(dict.fromkeys(changes[key] or []))
    kinds = {h.id: h.kind for h in study.hypotheses}
    kept = set(old.problems) if old is not None else set()
    for pid in changes.get("problems", []):
        if pid in kept and pid not in kinds:
            continue
        if pid not in kinds:
            raise _refuse(f"{path}.problems", f"проблема «{pid}» не найдена в исследовании")
        if kinds[pid] is not HypothesisKind.problem:
            raise _refuse(
                f"{path}.problems",
                f"«{pid}» — потребность, а рекомендация решает проблемы; выберите проблему",
            )
    journey_id = changes.get("journey")
    if journey_id and (old is None or journey_id != old.journey):
        journey = next((j for j in study.journeys if j.id == journey_id), None)
        if journey is not None and journey.kind is not JourneyKind.target:
            raise _refuse(
                f"{path}.journey",
                f"«{journey.title}» — текущий путь; рекомендация вносится в целевой путь",
            )
    base = (
        old.model_dump(mode="json")
        if old is not None
        else {"id": _new_id("r", {r.id for r in study.recommendations})}
    )
    updated = _validated(study, "recommendations", index, {**base, **changes})
    wording = recommendation_wording(updated.recommendations[index])
    if old is None or wording_key(recommendation_wording(old)) != wording_key(wording):
        words = [recommendation_wording(r) for r in study.recommendations]
        same = same_wording(words, wording, skip=index)
        if same is not None:
            title = study.recommendations[same].title.rstrip(".")
            raise _refuse(
                f"{path}.title",
                f"Такая рекомендация уже есть: «{shorten(title, 80)}». "
                "Измените формулировку или откройте её.",
            )
    return updated


def delete_recommendation(study: Study, recommendation_id: str) -> Study:
    """A copy of ``study`` without the recommendation (M-11)."""
    index = recommendation_index(study, recommendation_id)
    updated = study.model_copy(deep=True)
    del updated.recommendations[index]
    return updated


@dataclass(frozen=True)
class HypothesisLinks:
    """M-7 → M-11, M-12: where a hypothesis leads — the journey steps it is about and the
    recommendations that answer it (with the target journey each changes)."""

    steps: list[tuple[Journey, JourneyStep]] = field(default_factory=list)
    recommendations: list[tuple[Recommendation, Journey | None]] = field(default_factory=list)


def hypothesis_links(study: Study) -> dict[str, HypothesisLinks]:
    """Hypothesis id → its :class:`HypothesisLinks`: the steps naming it (its own ``journey_step``
    or a step's ``pains``), the recommendations listing it among their problems."""
    journeys = {j.id: j for j in study.journeys}
    out: dict[str, HypothesisLinks] = {}
    for hyp in study.hypotheses:
        steps = [
            (journey, step)
            for journey in study.journeys
            for step in journey.steps
            if hyp.id in step.pains or hyp.journey_step == f"{journey.id}.{step.id}"
        ]
        recs = [
            (rec, journeys.get(rec.journey) if rec.journey else None)
            for rec in study.recommendations
            if hyp.id in rec.problems
        ]
        out[hyp.id] = HypothesisLinks(steps, recs)
    return out
