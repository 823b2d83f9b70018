"""M-8: a draft interview guide per segment from its hypotheses: open, non-leading Russian
questions grouped by journey step (:func:`question_problems` checks a question)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from segprofile.analysis.research._common import key_label, key_parts
from segprofile.model.results import (
    GuideQuestion,
    GuideSection,
    InterviewGuide,
)
from segprofile.model.study import (
    AidasStage,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    JourneyKind,
    Study,
)

_OPENERS = (
    "расскажите",
    "опишите",
    "вспомните",
    "как",
    "что",
    "чем",
    "почему",
    "зачем",
    "где",
    "когда",
    "откуда",
    "куда",
    "какие",
    "какой",
    "какая",
    "какое",
    "каким",
    "сколько",
    "кто",
    "кому",
    "с кем",
)
_LEADING = re.compile(
    r"не\s+правда\s+ли|правда\s+ли|не\s+так\s+ли|\bведь\b|\bразве\b|согласитесь|"
    r"\bнаверняка\b|\bнаверное\b|\bконечно\b|\bне\s+кажется\s+ли\b",
    re.IGNORECASE,
)
_PARTICLE_LI = re.compile(r"\bли\b", re.IGNORECASE)


def question_problems(text: str) -> list[str]:
    """Why a guide question is leading or closed (empty list: the question is fine).

    Checks for suggestive words («не правда ли», «ведь», «разве», «наверняка»…), the yes/no
    particle «ли», and an opening that invites a story («Расскажите…», «Как…», «Что…»).
    """
    problems: list[str] = []
    clean = text.strip()
    if _LEADING.search(clean):
        problems.append("наводящий вопрос: подсказывает ожидаемый ответ")
    if _PARTICLE_LI.search(clean):
        problems.append("закрытый вопрос с частицей «ли»: на него отвечают «да» или «нет»")
    lower = clean.lower()
    if not lower.startswith(_OPENERS):
        problems.append(
            "вопрос не приглашает к рассказу: начните с «Расскажите…», «Как…», «Что…», «Почему…»"
        )
    return problems


# Probes by what a hypothesis is about (stems in its statement) — open and neutral.
_TOPIC_PROBES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"документ|справк|сведени|копи", re.IGNORECASE),
        "Какие документы и сведения вам понадобились? Расскажите, как вы их собирали.",
    ),
    (
        re.compile(r"срок|ждут|ждать|дольше|долго|задерж|ожидан", re.IGNORECASE),
        "Сколько времени прошло от подачи до результата? Как вы узнавали, что происходит "
        "с заявлением?",
    ),
    (
        re.compile(r"отказ", re.IGNORECASE),
        "Что было, когда пришло решение? Как вы поняли, на чём оно основано?",
    ),
    (
        re.compile(r"госуслуг|епгу|портал|онлайн|интернет|дистанцион", re.IGNORECASE),
        "Какими способами можно было подать заявление? Как вы выбирали, каким воспользоваться?",
    ),
    (
        re.compile(r"мфц|очеред|поездк|ехать|едут|добира|клиентск", re.IGNORECASE),
        "Расскажите, где и как вы подавали заявление и сколько времени это заняло.",
    ),
    (
        re.compile(r"зна|информ|уведомл|праве|право", re.IGNORECASE),
        "Откуда вы обычно узнаёте о выплатах и услугах, которые вам положены?",
    ),
    (
        re.compile(r"форм|заполн|ввод|вводят", re.IGNORECASE),
        "Расскажите, как вы заполняли заявление. Что было понятно сразу, а в чём пришлось "
        "разбираться?",
    ),
)

_AIDAS_PROBES: dict[AidasStage, str] = {
    AidasStage.attention: "Расскажите, как вы впервые услышали об этой услуге.",
    AidasStage.interest: "Как вы разбирались в условиях получения услуги? Что вам помогало?",
    AidasStage.desire: "Каким был бы для вас самый удобный способ получить эту услугу?",
    AidasStage.action: "Расскажите по шагам, как вы действовали на этом этапе.",
    AidasStage.satisfaction: "Как вы узнали о результате? Что вы сделали после этого?",
}

_INTRO = (
    "Расскажите, пожалуйста, немного о себе и своей семье.",
    "Расскажите, как у вас возникла необходимость в этой услуге.",
)
_CLOSING = (
    "Что бы вы изменили в том, как устроена эта услуга, если бы могли?",
    "Что ещё важно рассказать о вашем опыте, о чём мы не спросили?",
)


def _applies(hyp: Hypothesis, key: str) -> bool:
    """A hypothesis concerns a segment: named in it, a part of it, or about everyone."""
    if not hyp.segments:
        return True
    if key in hyp.segments:
        return True
    parts = {f"{f}={c}" for f, c in key_parts(key)}
    for seg in hyp.segments:
        seg_parts = {f"{f}={c}" for f, c in key_parts(seg)}
        if seg_parts and (seg_parts <= parts or parts <= seg_parts):
            return True
    return False


def interview_guide(
    study: Study,
    segment: str,
    *,
    label: str | None = None,
    hypotheses: Sequence[Hypothesis] | None = None,
    known: Mapping[str, str] | None = None,
) -> InterviewGuide:
    """A draft in-depth interview guide for one segment from its hypotheses (M-8).

    Questions are open and non-leading: they invite a story («Расскажите…», «Как…»,
    «Что…») and never state the hypothesis; what the interviewer listens for is kept in a
    note beside each question, not read aloud. Sections follow the steps of the current
    journey; hypotheses without a step go to «Общие вопросы».

    Parameters
    ----------
    study
        Hypotheses (all but refuted ones that concern the segment, or everyone) and journeys.
    segment
        Segment key (``feature=code``, ``a=x&b=y`` or ``cluster=N``).
    label
        Readable name; default from the study's features and ``known``.
    hypotheses
        Use these instead of the study's.
    known
        Names of one-feature segments from a built profile
        (:func:`~segprofile.pipeline.profile.segment_labels`): «Доход, руб.: Менее 28 523».
    """
    pool = list(hypotheses) if hypotheses is not None else list(study.hypotheses)
    chosen = [h for h in pool if h.status is not HypothesisStatus.refuted and _applies(h, segment)]
    steps: dict[str, tuple[int, str]] = {}
    current = [j for j in study.journeys if j.kind is JourneyKind.current]
    order = 0
    for journey in current:
        for step in journey.steps:
            steps[f"{journey.id}.{step.id}"] = (order, step.title)
            order += 1
    sections: dict[str | None, list[GuideQuestion]] = {}
    numbers = {h.id: n for n, h in enumerate(study.hypotheses, start=1)}

    def _note(hyp: Hypothesis) -> str:
        """What the interviewer listens for: the hypothesis by its number, as pages name it."""
        number = numbers.get(hyp.id)
        return f"гипотеза № {number}: {hyp.statement}" if number else hyp.statement

    def ask(ref: str | None, text: str, hyp: Hypothesis | None) -> None:
        questions = sections.setdefault(ref, [])
        for q in questions:
            if q.text == text:
                if hyp is not None and hyp.id not in q.hypotheses:
                    q.hypotheses.append(hyp.id)
                    q.note = f"{q.note} {_note(hyp)}".strip()
                return
        questions.append(
            GuideQuestion(
                text=text,
                hypotheses=[hyp.id] if hyp is not None else [],
                note=_note(hyp) if hyp is not None else "",
            )
        )

    for hyp in chosen:
        ref = hyp.journey_step if hyp.journey_step in steps else None
        if ref is not None:
            ask(ref, f"Расскажите, как у вас проходил этап «{steps[ref][1]}».", None)
        for pattern, probe in _TOPIC_PROBES:
            if pattern.search(hyp.statement):
                ask(ref, probe, hyp)
                break
        else:
            if hyp.aidas_stage is not None:
                ask(ref, _AIDAS_PROBES[hyp.aidas_stage], hyp)
        if hyp.kind is HypothesisKind.problem:
            ask(ref, "Что на этом этапе получилось легко, а что — с трудом? Почему?", hyp)
        else:
            ask(ref, "Что для вас важно на этом этапе? Почему именно это?", hyp)

    ordered: list[GuideSection] = [
        GuideSection(
            title="Знакомство",
            questions=[GuideQuestion(text=t) for t in _INTRO],
        )
    ]
    for ref in sorted((r for r in sections if r is not None), key=lambda r: steps[r][0]):
        ordered.append(GuideSection(journey_step=ref, title=steps[ref][1], questions=sections[ref]))
    if None in sections:
        general = [q for q in sections[None] if not q.text.startswith("Что на этом этапе")]
        general += [
            GuideQuestion(text=q.text.replace("на этом этапе", "в этой истории"), **_rest(q))
            for q in sections[None]
            if q.text.startswith("Что на этом этапе")
        ]
        ordered.append(GuideSection(title="Общие вопросы", questions=general))
    ordered.append(
        GuideSection(title="Завершение", questions=[GuideQuestion(text=t) for t in _CLOSING])
    )
    warnings = []
    if not chosen:
        warnings.append(
            "Для сегмента нет гипотез: руководство содержит только общие вопросы. Добавьте "
            "гипотезы о потребностях и проблемах сегмента."
        )
    for section in ordered:
        for q in section.questions:
            for problem in question_problems(q.text):
                warnings.append(f"Вопрос «{q.text}»: {problem}.")
    return InterviewGuide(
        segment=segment,
        label=label or key_label(study, segment, known),
        hypotheses=[h.id for h in chosen],
        sections=ordered,
        warnings=warnings,
    )


def _rest(q: GuideQuestion) -> dict[str, Any]:
    return {"hypotheses": q.hypotheses, "note": q.note}


def interview_guides(
    study: Study,
    segments: Mapping[str, str] | Sequence[str] | None = None,
    *,
    known: Mapping[str, str] | None = None,
) -> list[InterviewGuide]:
    """Guides for several segments (default: every segment named by a hypothesis); ``known``
    names one-feature segments as a built profile does (see :func:`interview_guide`)."""
    if segments is None:
        keys = list(dict.fromkeys(k for h in study.hypotheses for k in h.segments))
        labels: Mapping[str, str] = {}
    elif isinstance(segments, Mapping):
        keys, labels = list(segments), segments
    else:
        keys, labels = list(segments), {}
    return [interview_guide(study, key, label=labels.get(key), known=known) for key in keys]
