"""Journeys (M-12) and recommendations (M-11): metrics, current → target, suggestions by rules.

The current journey and the target journeys are the team's; this module counts what they cost
the client and what the target state saves, and turns *confirmed* problems into suggested
recommendations by three stated rules:

``interagency``
    A step linked to the problem asks the client for a document the state already holds — it
    matches something a step obtains itself (``data_obtained``) or a document that is available
    by inter-agency request (:data:`INTERAGENCY_DOCUMENTS`) → replace it with an inter-agency
    request (journey optimisation).
``informing``
    The problem sits low on Hunt's ladder (``hunt_stage`` ≤ :data:`LOW_AWARENESS_STAGE`: the
    client does not know of the need or of a solution) → proactive informing in the segment's
    preferred channel (informing).
``in_person``
    The problem is a pain of an in-person step, and the current journey for one of its segments
    makes the client come in person at least :data:`MANY_VISITS` times → a self-service or a
    proactive step instead (optimisation for everyone, personalisation for segments).

A suggestion is a :class:`~segprofile.model.study.Recommendation` with ``suggested=True``; its
``id`` is ``s_<rule>_<problem>`` (see :func:`suggestion_rule`) and its description names the
rule. A suggestion is not made when a recommendation already covers the same problem by the
same rule: a suggestion with the same id, or a recommendation of the team with the rule's kind
that lists the problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from segprofile.model.results import (
    CrossSegmentation,
    FeatureSegmentation,
    JourneyComparison,
    JourneyMetrics,
    Profile,
)
from segprofile.model.results import known as known_number
from segprofile.model.study import (
    DEFAULT_SERVICE_LEVELS,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Journey,
    JourneyKind,
    JourneyStep,
    Recommendation,
    RecommendationKind,
    Study,
)

__all__ = [
    "DEFAULT_INFORMING_CHANNEL",
    "INTERAGENCY_DOCUMENTS",
    "IN_PERSON_CHANNELS",
    "LOW_AWARENESS_STAGE",
    "MANY_VISITS",
    "RULES",
    "InteragencyDocument",
    "compare_journeys",
    "confirmed_problems",
    "held_document",
    "is_in_person",
    "is_proactive",
    "journey_for_segment",
    "journey_metrics",
    "preferred_channels_from_profile",
    "problem_steps",
    "problems_without_recommendation",
    "suggest_recommendations",
    "suggestion_rule",
]

LOW_AWARENESS_STAGE = 2
"""Hunt's ladder stages up to this one mean low awareness (does not know the need or a way)."""

MANY_VISITS = 2
"""So many in-person steps on a current journey are «many visits in person»."""

DEFAULT_INFORMING_CHANNEL = "ЕПГУ"

IN_PERSON_CHANNELS: tuple[str, ...] = (
    "мфц",
    "приёмн",
    "приемн",
    "клиентск",
    "офис",
    "отделени",
    "личн",
    "окно приёма",
    "окно приема",
    "касс",
)
"""Stems of channel names where the client comes in person (lower case, substring match)."""

RULES: dict[str, str] = {
    "interagency": (
        "документ, который уже есть у государства, — межведомственный запрос вместо справки"
    ),
    "informing": (
        "низкая осведомлённость по лестнице Ханта — проактивное информирование "
        "в предпочитаемом канале сегмента"
    ),
    "in_person": (
        f"не менее {MANY_VISITS} личных посещений на текущем пути — "
        "самостоятельный или проактивный шаг"
    ),
}
"""Rule id → the rule in Russian, as the suggestions name it."""

_RULE_KIND: dict[str, tuple[RecommendationKind, ...]] = {
    "interagency": (RecommendationKind.optimisation,),
    "informing": (RecommendationKind.informing,),
    "in_person": (RecommendationKind.optimisation, RecommendationKind.personalisation),
}


@dataclass(frozen=True)
class InteragencyDocument:
    """A document the client need not bring: the body requests it from its holder."""

    title: str
    holder: str
    keywords: tuple[str, ...]


INTERAGENCY_DOCUMENTS: tuple[InteragencyDocument, ...] = (
    InteragencyDocument("СНИЛС", "СФР", ("снилс",)),
    InteragencyDocument("ИНН", "ФНС России", ("инн",)),
    InteragencyDocument("Свидетельство о рождении", "ЕГР ЗАГС", ("свидетельство рождении",)),
    InteragencyDocument("Свидетельство о браке", "ЕГР ЗАГС", ("свидетельство браке",)),
    InteragencyDocument(
        "Свидетельство о расторжении брака", "ЕГР ЗАГС", ("свидетельство расторжении",)
    ),
    InteragencyDocument("Свидетельство о смерти", "ЕГР ЗАГС", ("свидетельство смерти",)),
    InteragencyDocument("Справка о доходах", "ФНС России, СФР", ("доходах", "2-НДФЛ")),
    InteragencyDocument("Сведения об инвалидности", "ФГИС ФРИ", ("инвалидности",)),
    InteragencyDocument("Выписка из ЕГРН о недвижимости", "Росреестр", ("егрн",)),
    InteragencyDocument(
        "Сведения о регистрации по месту жительства",
        "МВД России",
        ("регистрации месту жительства",),
    ),
    InteragencyDocument("Сведения о транспортных средствах", "МВД России", ("транспортных",)),
    InteragencyDocument(
        "Справка о пособии по безработице", "ЕЦП «Работа в России»", ("безработице",)
    ),
    InteragencyDocument("Сведения о пенсии", "СФР", ("пенсии",)),
    InteragencyDocument("Выписка из ЕГРЮЛ / ЕГРИП", "ФНС России", ("егрюл", "егрип")),
    InteragencyDocument("Справка о несудимости", "МВД России", ("несудимости",)),
)
"""Documents commonly available by inter-agency request (ФЗ № 210-ФЗ, ст. 7; СМЭВ)."""


# --- Steps -------------------------------------------------------------------------------------


def _channels(channel: str) -> list[str]:
    """Split «ЕПГУ, МФЦ или клиентская служба» into its alternatives (lower case)."""
    parts = re.split(r"[,;/]|\s+или\s+", channel.casefold())
    return [p.strip() for p in parts if p.strip()]


def _in_person_channel(name: str) -> bool:
    return any(stem in name for stem in IN_PERSON_CHANNELS)


def is_in_person(step: JourneyStep) -> bool:
    """Whether the step makes the client come in person (a visit).

    A step is a visit when the client takes part in it (``client_minutes`` is not 0) and it
    is on the first level of the service ladder (personal visit), or every channel it lists is
    an in-person one (:data:`IN_PERSON_CHANNELS`): a step offering a remote alternative
    («ЕПГУ, МФЦ») is not counted, since the client may choose it.
    """
    if step.client_minutes == 0:
        return False
    if step.service_level == 1:
        return True
    channels = _channels(step.channel)
    return bool(channels) and all(_in_person_channel(c) for c in channels)


def is_proactive(step: JourneyStep, service_levels: Sequence[str] = DEFAULT_SERVICE_LEVELS) -> bool:
    """Whether the step is on the top of the service ladder (proactive, automatic)."""
    return step.service_level is not None and step.service_level >= len(service_levels)


def _normal(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


# --- Metrics -----------------------------------------------------------------------------------


def _total(values: Iterable[float | None]) -> float | None:
    """The sum of the values entered; ``None`` when none was."""
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None


def _change(then: float | None, now: float | None) -> float | None:
    return then - now if then is not None and now is not None else None


def journey_metrics(
    journey: Journey, service_levels: Sequence[str] = DEFAULT_SERVICE_LEVELS
) -> JourneyMetrics:
    """Count what the journey costs the client.

    Parameters
    ----------
    journey
        A current or target journey.
    service_levels
        The study's service ladder (``Study.service_levels``); its top level is «proactive».

    Returns
    -------
    JourneyMetrics
        Steps; in-person visits (:func:`is_in_person`); distinct documents requested from the
        client (compared ignoring case and spacing); total duration in days and client time in
        minutes over the steps that have them (``None`` when no step has one: a time never
        entered is not zero), the steps without them counted separately; proactive
        steps and their share of all steps.
    """
    steps = journey.steps
    visits = [s.id for s in steps if is_in_person(s)]
    documents = {_normal(d) for s in steps for d in s.documents if d.strip()}
    proactive = sum(1 for s in steps if is_proactive(s, service_levels))
    return JourneyMetrics(
        journey_id=journey.id,
        kind=journey.kind.value,
        title=journey.title,
        segments=list(journey.segments),
        steps=len(steps),
        in_person_visits=len(visits),
        in_person_steps=visits,
        documents=len(documents),
        duration_days=_total(s.duration_days for s in steps),
        client_minutes=_total(s.client_minutes for s in steps),
        proactive_steps=proactive,
        proactive_share=proactive / len(steps) if steps else None,
        steps_without_duration=sum(1 for s in steps if s.duration_days is None),
        steps_without_client_time=sum(1 for s in steps if s.client_minutes is None),
        steps_without_level=sum(1 for s in steps if s.service_level is None),
    )


def journey_for_segment(study: Study, kind: JourneyKind, segment: str | None) -> Journey | None:
    """The journey of ``kind`` for a segment: the segment's own, else the common one.

    A journey is the segment's own when the segment is in its ``segments``; a common journey has
    no segments. With ``segment=None`` only the common journey is looked for. When the study
    has journeys of that kind but none is common, the first one stands in for everyone.
    """
    of_kind = [j for j in study.journeys if j.kind is kind]
    if segment is not None:
        for journey in of_kind:
            if segment in journey.segments:
                return journey
    for journey in of_kind:
        if not journey.segments:
            return journey
    return of_kind[0] if of_kind else None


def _compare(
    segment: str | None, current: Journey, target: Journey, service_levels: Sequence[str]
) -> JourneyComparison:
    now = journey_metrics(current, service_levels)
    then = journey_metrics(target, service_levels)
    share_change = (
        then.proactive_share - now.proactive_share
        if then.proactive_share is not None and now.proactive_share is not None
        else None
    )
    return JourneyComparison(
        segment=segment,
        current=now,
        target=then,
        personalised=segment is not None and segment in target.segments,
        steps_change=then.steps - now.steps,
        in_person_visits_change=then.in_person_visits - now.in_person_visits,
        documents_change=then.documents - now.documents,
        duration_days_change=_change(then.duration_days, now.duration_days),
        client_minutes_change=_change(then.client_minutes, now.client_minutes),
        proactive_share_change=share_change,
    )


def compare_journeys(
    study: Study, segments: Iterable[str] | None = None
) -> list[JourneyComparison]:
    """Current → target for everyone and for each segment.

    Parameters
    ----------
    study
        The study with its journeys.
    segments
        Segment keys to compare for (e.g. the priority segments). ``None`` — every segment that
        some journey is personalised for, in the order the journeys name them.

    Returns
    -------
    list[JourneyComparison]
        First the comparison for everyone (common current → common target), then one per
        segment: the segment's current journey (its own or the common one) against the
        segment's target journey if there is one, else the common target. Segments (and
        everyone) without a current or a target journey are left out.
    """
    if segments is None:
        keys: list[str] = []
        for journey in study.journeys:
            keys.extend(s for s in journey.segments if s not in keys)
    else:
        keys = list(dict.fromkeys(segments))
    out: list[JourneyComparison] = []
    for segment in [None, *keys]:
        current = journey_for_segment(study, JourneyKind.current, segment)
        target = journey_for_segment(study, JourneyKind.target, segment)
        if current is not None and target is not None:
            out.append(_compare(segment, current, target, study.service_levels))
    return out


# --- Problems and the steps they are pains of ----------------------------------------------------


def confirmed_problems(study: Study) -> list[Hypothesis]:
    """Problem hypotheses that research confirmed (M-9), in document order."""
    return [
        h
        for h in study.hypotheses
        if h.kind is HypothesisKind.problem and h.status is HypothesisStatus.confirmed
    ]


def problem_steps(study: Study, problem: Hypothesis) -> list[tuple[Journey, JourneyStep]]:
    """Steps of the current journeys the problem is a pain of (``pains`` or ``journey_step``)."""
    out: list[tuple[Journey, JourneyStep]] = []
    for journey in study.journeys:
        if journey.kind is not JourneyKind.current:
            continue
        for step in journey.steps:
            if problem.id in step.pains or problem.journey_step == f"{journey.id}.{step.id}":
                out.append((journey, step))
    return out


def problems_without_recommendation(
    study: Study, segments: Collection[str] | None = None
) -> list[Hypothesis]:
    """Confirmed problems that no recommendation lists (M-11, for ``segprofile check``).

    Parameters
    ----------
    study
        The study; every recommendation in it counts, suggested ones included.
    segments
        Priority segment keys. A problem is kept when it concerns one of them or names no
        segment (it concerns everyone). ``None`` — every confirmed problem.
    """
    solved = {pid for rec in study.recommendations for pid in rec.problems}
    out = []
    for problem in confirmed_problems(study):
        if problem.id in solved:
            continue
        if segments is not None and problem.segments and not set(problem.segments) & set(segments):
            continue
        out.append(problem)
    return out


# --- Documents the state already holds ---------------------------------------------------------

_NEGATION = re.compile(r"(^|\s)(не|нет|кроме)(\s|$)")
_PARENTHESES = re.compile(r"\([^()]*\)")
_WORD = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")
_FUNCTION_WORDS = frozenset(
    ("для", "при", "или", "без", "его", "ее", "они", "как", "что", "это", "если", "хотя", "также")
)
# Words that name a kind of paper, not what it is about: «справка о доходах» is about income.
_GENERIC_STEMS = frozenset(("свед", "спра", "доку", "копи", "выпи", "данн", "инфо", "заяв"))


def _stems(text: str) -> frozenset[str]:
    """Rough stems of the significant words: four first letters are enough for documents."""
    words = _WORD.findall(_normal(_PARENTHESES.sub(" ", text)))
    stems = (w[:4] for w in words if len(w) >= 3 and w not in _FUNCTION_WORDS)
    return frozenset(s for s in stems if s not in _GENERIC_STEMS)


def held_document(document: str, obtained: Iterable[str]) -> str | None:
    """What the state already holds of a document the client is asked for, if anything.

    Parameters
    ----------
    document
        A document from a step's ``documents``.
    obtained
        Everything the body obtains itself (``data_obtained`` of the study's steps); each item is
        split on commas and «и» into parts.

    Returns
    -------
    str | None
        The matching ``data_obtained`` part, or the title and holder of a document from
        :data:`INTERAGENCY_DOCUMENTS`; ``None`` when nothing matches. A document whose own text
        says it is *not* available («не поступающие межведомственно», «если сведений нет»)
        never matches: the team has already judged it. Words in parentheses are ignored.
    """
    plain = _normal(_PARENTHESES.sub(" ", document))
    if _NEGATION.search(plain):
        return None
    have = _stems(document)
    if not have:
        return None
    for item in obtained:
        for part in re.split(r",|;|\s+и\s+", _PARENTHESES.sub(" ", item)):
            need = _stems(part)
            if need and need <= have:
                return part.strip()
    for known in INTERAGENCY_DOCUMENTS:
        for keyword in known.keywords:
            need = _stems(keyword)
            if need and need <= have:
                return f"{known.title} ({known.holder})"
    return None


# --- Suggestions -------------------------------------------------------------------------------


def suggestion_rule(recommendation: Recommendation) -> str | None:
    """The rule a suggested recommendation came from (``None`` for the team's own)."""
    if not recommendation.suggested:
        return None
    for rule in RULES:
        if recommendation.id.startswith(f"s_{rule}_"):
            return rule
    return None


def _suggestion_id(rule: str, problem_id: str) -> str:
    ident = f"s_{rule}_{problem_id}"
    if len(ident) <= 64:
        return ident
    digest = hashlib.sha256(problem_id.encode()).hexdigest()[:8]
    return f"{ident[:55]}_{digest}"


def _covered(study: Study, rule: str, problem_id: str) -> bool:
    ident = _suggestion_id(rule, problem_id)
    for rec in study.recommendations:
        if rec.id == ident:
            return True
        if problem_id in rec.problems and (
            suggestion_rule(rec) == rule or (not rec.suggested and rec.kind in _RULE_KIND[rule])
        ):
            return True
    return False


def _target_for(study: Study, segments: Sequence[str]) -> Journey | None:
    for segment in segments:
        journey = journey_for_segment(study, JourneyKind.target, segment)
        if journey is not None and segment in journey.segments:
            return journey
    return journey_for_segment(study, JourneyKind.target, None)


def _quote(items: Iterable[str]) -> str:
    return ", ".join(f"«{x}»" for x in items)


def _rule_note(rule: str) -> str:
    return f"Предложено автоматически по правилу «{RULES[rule]}»; проверьте и уточните."


@dataclass(frozen=True)
class _Context:
    """What the rules read besides the problem."""

    study: Study
    channels: Mapping[str, str]
    default_channel: str
    labels: Mapping[str, str]

    def segments(self, keys: Iterable[str]) -> str:
        return ", ".join(f"«{self.labels.get(k, k)}»" for k in keys)


def _interagency(ctx: _Context, problem: Hypothesis) -> Recommendation | None:
    study = ctx.study
    obtained = [d for j in study.journeys for s in j.steps for d in s.data_obtained]
    found: dict[str, str] = {}
    steps: list[str] = []
    for _journey, step in problem_steps(study, problem):
        for document in step.documents:
            held = held_document(document, obtained)
            if held is not None:
                found.setdefault(document, held)
                if step.title not in steps:
                    steps.append(step.title)
    if not found:
        return None
    listed = "; ".join(f"«{doc}» (у государства есть: {held})" for doc, held in found.items())
    target = _target_for(study, problem.segments)
    return Recommendation(
        id=_suggestion_id("interagency", problem.id),
        kind=RecommendationKind.optimisation,
        title="Получать межведомственно сведения, которые уже есть у государства",
        description=(
            f"Не запрашивать у клиента документы, сведения из которых уже есть у государства: "
            f"{listed}. Ведомство получает их само межведомственным запросом (ФЗ № 210-ФЗ, "
            f"ст. 7). {_rule_note('interagency')}"
        ),
        segments=list(problem.segments),
        problems=[problem.id],
        journey=target.id if target is not None else None,
        journey_change=(
            f"Шаг {_quote(steps)}: убрать документы {_quote(found)}; "
            "на шаге проверки — межведомственный запрос."
        ),
        suggested=True,
    )


def _informing(ctx: _Context, problem: Hypothesis) -> Recommendation | None:
    study = ctx.study
    if problem.hunt_stage is None or problem.hunt_stage > LOW_AWARENESS_STAGE:
        return None
    stage = (
        f"«{study.hunt_ladder[problem.hunt_stage - 1]}» ({problem.hunt_stage})"
        if problem.hunt_stage <= len(study.hunt_ladder)
        else str(problem.hunt_stage)
    )
    per_segment = {s: ctx.channels.get(s, ctx.default_channel) for s in problem.segments}
    distinct = list(dict.fromkeys(per_segment.values())) or [ctx.default_channel]
    who = f"сегментам {ctx.segments(problem.segments)}" if problem.segments else "всем клиентам"
    if len(distinct) == 1:
        title = f"Проактивно информировать о праве на услугу через канал «{distinct[0]}»"
        how = f"Направлять {who} персональное уведомление через канал «{distinct[0]}»"
    else:
        title = "Проактивно информировать сегменты в их предпочитаемых каналах"
        channels = "; ".join(f"«{ctx.labels.get(s, s)}» — «{c}»" for s, c in per_segment.items())
        how = f"Направлять {who} персональное уведомление в предпочитаемом канале: {channels}"
    target = _target_for(study, problem.segments)
    return Recommendation(
        id=_suggestion_id("informing", problem.id),
        kind=RecommendationKind.informing,
        title=title,
        description=(
            f"Клиенты на ступени лестницы Ханта {stage} не знают о своём праве или о том, как "
            f"получить услугу. {how}: о праве, сроках и самом простом способе подачи; тон — "
            f"простой, без ссылок на пункты НПА без пояснения. {_rule_note('informing')}"
        ),
        segments=list(problem.segments),
        problems=[problem.id],
        journey=target.id if target is not None else None,
        journey_change=(
            "Первый шаг целевого пути — проактивное уведомление (верхний уровень лестницы сервиса)."
        ),
        suggested=True,
    )


def _in_person(ctx: _Context, problem: Hypothesis) -> Recommendation | None:
    study = ctx.study
    linked = {(j.id, s.id) for j, s in problem_steps(study, problem)}
    segments: list[str | None] = [*problem.segments] or [None]
    for segment in segments:
        current = journey_for_segment(study, JourneyKind.current, segment)
        if current is None:
            continue
        visits = [s for s in current.steps if is_in_person(s)]
        if len(visits) < MANY_VISITS:
            continue
        pains = [s for s in visits if (current.id, s.id) in linked]
        if not pains:
            continue
        personal = bool(problem.segments)
        target = _target_for(study, problem.segments)
        who = f"для сегментов {ctx.segments(problem.segments)}" if personal else "для всех"
        return Recommendation(
            id=_suggestion_id("in_person", problem.id),
            kind=(
                RecommendationKind.personalisation if personal else RecommendationKind.optimisation
            ),
            title="Заменить личные посещения самостоятельным или проактивным шагом",
            description=(
                f"На текущем пути «{current.title}» личных посещений — {len(visits)}: "
                f"{_quote(s.title for s in visits)}. Перевести {who} шаги "
                f"{_quote(s.title for s in pains)} в самостоятельную подачу (ЕПГУ, предзаполненная "
                f"форма) или в проактивное предоставление без визита. {_rule_note('in_person')}"
            ),
            segments=list(problem.segments),
            problems=[problem.id],
            journey=target.id if target is not None else None,
            journey_change=(
                f"Шаги {_quote(s.title for s in pains)}: уровень сервиса «личное посещение» → "
                "«самостоятельное заполнение» или «проактивное предоставление»."
            ),
            suggested=True,
        )
    return None


def suggest_recommendations(
    study: Study,
    *,
    preferred_channels: Mapping[str, str] | None = None,
    default_channel: str = DEFAULT_INFORMING_CHANNEL,
    segment_labels: Mapping[str, str] | None = None,
) -> list[Recommendation]:
    """Suggest recommendations for confirmed problems by the module's three rules (M-11).

    Parameters
    ----------
    study
        The study: confirmed problems, journeys, recommendations already made.
    preferred_channels
        Segment key → the channel the segment uses most (e.g. from
        :func:`preferred_channels_from_profile`); the informing rule uses it.
    default_channel
        The channel for segments not in ``preferred_channels`` and for problems of everyone.
    segment_labels
        Segment key → its label (``SegmentStats.label``) for the texts; keys are shown otherwise.

    Returns
    -------
    list[Recommendation]
        New suggestions (``suggested=True``), by problem in document order, then by rule
        (``interagency``, ``informing``, ``in_person``). None duplicates a recommendation that
        already covers the same problem by the same rule. Add them to
        ``study.recommendations`` to keep them.
    """
    ctx = _Context(
        study=study,
        channels=dict(preferred_channels or {}),
        default_channel=default_channel,
        labels=dict(segment_labels or {}),
    )
    rules = (("interagency", _interagency), ("informing", _informing), ("in_person", _in_person))
    out: list[Recommendation] = []
    for problem in confirmed_problems(study):
        for rule, make in rules:
            if _covered(study, rule, problem.id):
                continue
            rec = make(ctx, problem)
            if rec is not None:
                out.append(rec)
    return out


def preferred_channels_from_profile(profile: Profile, channel_feature: str) -> dict[str, str]:
    """Segment key → the label of the channel most used by the segment, from a profile.

    Parameters
    ----------
    profile
        A computed profile with cross segments of the channel feature and other features (the
        study's ``segmentation.by_feature.pairs``).
    channel_feature
        The id of the feature that records the channel (e.g. ``channel``).

    Returns
    -------
    dict[str, str]
        For every segment ``f=v`` crossed with the channel feature, the channel with the largest
        capacity in that segment; the channel feature's own segments map to themselves.
    """
    labels = _channel_labels(profile.by_feature, channel_feature)
    out = dict(labels)
    for cross in profile.cross:
        if channel_feature not in cross.feature_ids:
            continue
        for key, channel_key in _top_channels(cross, channel_feature).items():
            if channel_key in labels:
                out.setdefault(key, labels[channel_key])
    return out


def _channel_labels(
    features: Sequence[FeatureSegmentation], channel_feature: str
) -> dict[str, str]:
    return {
        seg.key: seg.label
        for fs in features
        if fs.feature_id == channel_feature
        for seg in fs.segments
        if not seg.missing_value
    }


def _top_channels(cross: CrossSegmentation, channel_feature: str) -> dict[str, str]:
    best: dict[str, tuple[int, str]] = {}
    for seg in cross.segments:
        if seg.missing_value:
            continue
        parts = seg.key.split("&")
        if len(parts) != 2:
            continue
        channel_key = next((p for p in parts if p.split("=", 1)[0] == channel_feature), None)
        other = next((p for p in parts if p.split("=", 1)[0] != channel_feature), None)
        if channel_key is None or other is None:
            continue
        if other not in best or known_number(seg.capacity) > best[other][0]:
            best[other] = (known_number(seg.capacity), channel_key)
    return {key: channel for key, (_, channel) in best.items()}
