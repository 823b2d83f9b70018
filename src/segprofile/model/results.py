"""Result types: the computed Profile, with provenance. Pure data, JSON round-trip."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from segprofile.model.study import Evidence, HypothesisStatus

PROFILE_SCHEMA_VERSION = "1.0"


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


_T = TypeVar("_T")


def known(value: _T | None) -> _T:
    """A number of a computed profile; a published one (hidden numbers are ``None``) is refused.

    Analysis works on computed profiles only; this fails loudly if a published profile, whose
    hidden numbers are ``None``, reaches it.
    """
    if value is None:
        raise ValueError("a published (suppressed) profile cannot be analysed again")
    return value


Hidden = Literal["small", "complement", "few_ratings", "share", "cell"]
"""Why a published number is hidden (disclosure control, ``analysis.suppression``):
``small`` — fewer than ``min_cell`` people; ``complement`` — hidden so that a small neighbour
cannot be worked out from totals; ``few_ratings`` — a statistic of fewer than ``min_cell``
people or answers; ``share`` — a CSAT whose satisfied (or other) ratings are fewer than
``min_cell`` (14 of 17 says that 3 rated low); ``cell`` — a cell of a two-way table (small or
protecting one: not said which, since that would place people)."""


class Interval(_Result):
    low: float
    high: float


class SatisfactionStats(_Result):
    """Baseline satisfaction of a group: ratings on the study's scale."""

    n: int | None = Field(description="Число клиентов с оценкой (скрыто — None)")
    mean: float | None = None
    csat: float | None = Field(None, description="Доля оценок не ниже порога (4–5)")
    csat_interval: Interval | None = Field(None, description="Интервал Уилсона")
    hidden: Hidden | None = Field(None, description="Почему показатели скрыты")


class NpsStats(_Result):
    """NPS of a group from the client records' 0–10 question (``satisfaction.nps_column``):
    the share of promoters (9–10) minus the share of detractors (0–6), on the −1…1 scale."""

    n: int | None = Field(description="Ответов от 0 до 10 (скрыто — None)")
    nps: float | None = Field(None, description="NPS на шкале −1…1")
    hidden: Hidden | None = Field(None, description="Почему показатель скрыт")


class SurveyStats(_Result):
    """Baseline from survey answers (нулевой замер): satisfaction and NPS with intervals."""

    n: int | None
    mean: float | None = None
    csat: float | None = None
    csat_interval: Interval | None = None
    nps: float | None = Field(None, description="NPS на шкале −1…1")
    nps_interval: Interval | None = None
    needed: int | None = Field(None, description="Нужно ответов для заданной погрешности")
    too_small: bool = Field(False, description="Выборка меньше нужной")
    hidden: Hidden | None = Field(None, description="Почему показатели скрыты")


class Trait(_Result):
    """A value over-represented in a segment compared with everyone (what distinguishes it)."""

    feature_id: str
    feature_label: str
    value: str
    label: str
    share_in_segment: float
    share_overall: float
    lift: float


class BlindZone(_Result):
    """Entitled people of a segment who do not apply (M-6)."""

    entitled: float = Field(description="Имеют право (по данным о численности)")
    entitled_interval: Interval | None = Field(None, description="Если численность — оценка")
    applicants: int = Field(description="Обратившиеся клиенты, имеющие право")
    blind: float = Field(description="Не обратились")
    share: float | None = Field(None, description="Доля не обратившихся среди имеющих право")


class SatisfactionGap(_Result):
    """A segment's CSAT against the rest of its feature's clients (M-6), tested for chance.

    ``verdict``: ``lower`` / ``higher`` — the difference is significant (BH-adjusted
    ``q_value`` below ``1 − confidence``); ``same`` — within chance; ``too_few`` — fewer
    ratings than the study's margin needs (not judged on its point estimate); ``no_ratings``.
    """

    verdict: str = Field(description="lower | higher | same | too_few | no_ratings")
    n: int = Field(description="Оценок в сегменте")
    needed: int = Field(description="Оценок нужно для заданной погрешности")
    csat: float | None = None
    rest_n: int = Field(0, description="Оценок у остальных клиентов признака")
    rest_csat: float | None = None
    difference: float | None = Field(None, description="CSAT сегмента − CSAT остальных")
    difference_interval: Interval | None = Field(None, description="Интервал Ньюкомба")
    test: str = Field("none", description="chi2 | fisher | none")
    p_value: float | None = None
    q_value: float | None = Field(None, description="С поправкой Бенджамини — Хохберга")
    affected: float = Field(
        0.0, description="Недовольных сверх того, что было бы при CSAT остальных (при lower)"
    )


class Priority(_Result):
    """A segment's priority score with its parts and the reasons in Russian (M-6)."""

    score: float
    rank: int | None = Field(
        description="Место по убыванию оценки; пусто — оснований для приоритета нет (оценка 0)"
    )
    parts: dict[str, float] = Field(description="Вклад каждой части в оценку")
    reasons: list[str]
    gap: SatisfactionGap | None = Field(None, description="Удовлетворённость против остальных")


class SegmentStats(_Result):
    key: str = Field(description="«признак=значение»")
    value: str = Field(description="Значение или интервал (код)")
    label: str = Field(description="Подпись сегмента")
    capacity: int | None = Field(description="Клиентов в сегменте (скрыто — None)")
    share: float | None
    satisfaction: SatisfactionStats
    missing_value: bool = Field(False, description="Сегмент «нет данных»")
    hidden: Hidden | None = Field(None, description="Почему сегмент скрыт")
    distinctive: list[Trait] = Field(
        default_factory=list, description="Чем сегмент отличается по другим признакам"
    )
    clients: int | None = Field(None, description="Разных клиентов (если известен их id)")
    blind_zone: BlindZone | None = None
    survey: SurveyStats | None = None
    nps: NpsStats | None = Field(None, description="NPS по данным о клиентах, если задан вопрос")
    priority: Priority | None = None


class FeatureSegmentation(_Result):
    feature_id: str
    label: str
    column: str
    type: str
    binning: str = Field("", description="Как разбит числовой признак")
    source_kind: str | None = None
    source_reference: str = ""
    segments: list[SegmentStats]
    other_clients: int | None = Field(
        None,
        description="Разных клиентов во всех редких значениях вместе (в каждом меньше "
        "other_min_cell клиентов): у одного клиента могут быть записи в нескольких из них",
    )
    other_min_cell: int | None = Field(
        None, description="Порог малой группы, для которого посчитано other_clients"
    )


class CrossSegmentation(_Result):
    """Cross segments of a pair of features (``a=x&b=y``)."""

    feature_ids: tuple[str, str]
    label: str
    segments: list[SegmentStats]


class NeverApplyingGroup(_Result):
    """An entitled group present in the population but absent among applicants."""

    values: dict[str, str] = Field(description="признак → код значения")
    label: str
    entitled: float


class AudienceSummary(_Result):
    """The role's audience as a whole. Published (``analysis.suppression``), a figure that
    would tell a group of fewer than ``min_cell`` people is ``None`` and its ``…_text`` says
    how it reads instead («почти все — более 11 995 из 12 000 клиентов …»)."""

    role_id: str
    population_source: str
    eligibility_rule: str | None = None
    entitled: float | None = Field(description="Имеют право (скрыто — None)")
    applicants: int | None = Field(
        description="Обратившиеся клиенты, имеющие право (скрыто — None)"
    )
    clients: int | None = Field(
        None, description="Всех клиентов, из которых правило отбора выбирает обратившихся"
    )
    entitled_text: str = Field("", description="Как читается скрытое число имеющих право")
    applicants_text: str = Field("", description="Как читается скрытое число обратившихся")
    coverage: float | None = Field(
        None,
        description="Доля обратившихся среди имеющих право (при скрытом числе — приблизительно)",
    )
    never_applying: list[NeverApplyingGroup] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list,
        description="Откуда слепая зона и по каким клиентам посчитаны сегменты (по строке)",
    )


class SensitivityRow(_Result):
    """How the top segments change when one weight moves by ±20 %."""

    weight: str
    change: float
    top: list[str]
    entered: list[str]
    left: list[str]


class SegmentOverlap(_Result):
    """How many clients two top segments of different features share (M-6)."""

    a: str = Field(description="Ключ первого сегмента")
    b: str = Field(description="Ключ второго сегмента")
    both: int | None = Field(
        None, description="В обоих сегментах (как ёмкость); пусто — скрыто для защиты малых групп"
    )
    share_of_a: float | None = Field(None, description="Доля первого сегмента, входящая во второй")
    share_of_b: float | None = Field(None, description="Доля второго сегмента, входящая в первый")


class CrossProposal(_Result):
    """A cross segment of two top segments that explains the gap better than either alone."""

    key: str = Field(description="«a=x&b=y»")
    label: str
    capacity: int
    satisfaction: SatisfactionStats
    a_only_csat: float = Field(description="CSAT первого сегмента без второго")
    b_only_csat: float = Field(description="CSAT второго сегмента без первого")
    q_a: float = Field(description="q сравнения с первым сегментом без второго")
    q_b: float = Field(description="q сравнения со вторым сегментом без первого")
    reason: str


class PrioritySummary(_Result):
    mode: str = Field(description="low | high: какая ветка правила методики применена")
    overall_csat: float | None
    weights: dict[str, float]
    explanation: str
    top: list[str] = Field(description="Ключи сегментов по убыванию приоритета")
    sensitivity: list[SensitivityRow] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list, description="Правило и пороги по-русски")
    alpha: float | None = Field(None, description="Порог значимости для q")
    min_ratings: int | None = Field(None, description="Меньше оценок — «мало данных»")
    overlaps: list[SegmentOverlap] = Field(default_factory=list)
    proposals: list[CrossProposal] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class DataFile(_Result):
    source_id: str
    path: str = Field(description="Файл, из которого загружены данные (как его назвал аналитик)")
    rows: int
    sha256: str
    version: int | None = Field(None, description="Версия набора данных (при импорте)")


class Provenance(_Result):
    study_id: str
    study_hash: str
    study_revision: int | None = None
    data_fingerprint: str
    data_files: list[DataFile]
    parameters: dict[str, object]
    seed: int
    version: str
    engine: str
    created_at: datetime


class Profile(_Result):
    schema_version: str = PROFILE_SCHEMA_VERSION
    study_id: str
    study_title: str
    provenance: Provenance
    total_clients: int = Field(description="Записей (строк) в данных о клиентах")
    distinct_clients: int | None = Field(
        None,
        description="Разных клиентов (идентификаторов); пусто — нет столбца идентификатора "
        "(или скрыто для защиты малых групп)",
    )
    satisfaction: SatisfactionStats
    nps: NpsStats | None = Field(None, description="NPS по данным о клиентах, если задан вопрос")
    by_feature: list[FeatureSegmentation]
    cross: list[CrossSegmentation] = Field(default_factory=list)
    audience: AudienceSummary | None = None
    survey: SurveyStats | None = None
    survey_source: str | None = None
    priority: PrioritySummary | None = None
    journeys: list[JourneyComparison] = Field(
        default_factory=list, description="Текущий путь против целевого: в целом и по сегментам"
    )
    topics: list[SourceTopics] = Field(
        default_factory=list,
        description="Темы свободных текстов источников, темы которых команда называла (M-9)",
    )
    clusters: ClusterResult | None = Field(
        None, description="Подход 1 (M-4): кластеры похожих клиентов с портретами"
    )
    warnings: list[str] = Field(default_factory=list)
    disclosure: Disclosure | None = Field(
        None, description="Как защищены малые группы; пусто — профиль ещё не защищён"
    )


class Disclosure(_Result):
    """How a published profile was protected (``analysis.suppression.suppress``)."""

    min_cell: int
    suppressed: bool = Field(True, description="False — выгрузка без защиты малых групп")
    hidden_segments: int = Field(0, description="Скрыто сегментов и кластеров")


class JourneyMetrics(_Result):
    """M-12: what one journey costs the client, counted from its steps.

    Steps without a duration, client time or service level count as zero (duration, time) or
    as not proactive; how many there were is kept so a report can say the figure is a floor.
    """

    journey_id: str
    kind: str = Field(description="current | target")
    title: str
    segments: list[str] = Field(default_factory=list, description="Пусто — общий путь")
    steps: int = Field(description="Шагов")
    in_person_visits: int = Field(description="Личных посещений")
    in_person_steps: list[str] = Field(
        default_factory=list, description="Идентификаторы шагов с личным посещением"
    )
    documents: int = Field(description="Разных документов, запрашиваемых у клиента")
    duration_days: float | None = Field(
        None, description="Общий срок, дней: по шагам, где он указан; пусто — ни у одного шага"
    )
    client_minutes: float | None = Field(
        None, description="Время клиента, минут: по шагам, где оно указано; пусто — ни у одного"
    )
    proactive_steps: int = Field(description="Шагов на верхней ступени лестницы сервиса")
    proactive_share: float | None = Field(None, description="Доля проактивных шагов")
    steps_without_duration: int = 0
    steps_without_client_time: int = 0
    steps_without_level: int = 0


class JourneyComparison(_Result):
    """M-12: the current journey against the target one, overall or for one segment.

    Each ``*_change`` is target − current: a negative change in steps, visits, documents and
    time is an improvement, a positive change in the proactive share is one.
    """

    segment: str | None = Field(None, description="Ключ сегмента; пусто — все клиенты")
    current: JourneyMetrics
    target: JourneyMetrics
    personalised: bool = Field(description="Целевой путь задан именно для этого сегмента")
    steps_change: int
    in_person_visits_change: int
    documents_change: int
    duration_days_change: float | None = None
    client_minutes_change: float | None = None
    proactive_share_change: float | None = None


# --- M-7 … M-9: hypotheses suggested from the data, research plan, survey verdicts, texts -------


class SegmentOutcome(_Result):
    """Refusal share and mean processing time of a segment (for suggested hypotheses, M-7)."""

    key: str
    n: int = Field(description="Заявлений в сегменте")
    refusal_share: float | None = None
    refusal_interval: Interval | None = None
    mean_duration: float | None = Field(None, description="Средний срок рассмотрения")


class SampleSize(_Result):
    """M-8: survey respondents a segment needs for the chosen margin (with FPC)."""

    key: str
    label: str
    population: int = Field(description="Клиентов в сегменте")
    needed: int = Field(description="Нужно ответов для заданной погрешности")
    have: int | None = Field(None, description="Уже есть ответов в опросе")
    short: int | None = Field(None, description="Не хватает ответов")


class RecruitedRespondent(_Result):
    """One respondent proposed for an in-depth interview and the quotas (segments) they fill,
    never a combination of them fewer than ``min_cell`` people share."""

    respondent_id: str = Field(description="Псевдоним клиента или добровольца")
    segments: list[str]
    labels: list[str]
    previous_interviews: int = 0


class UncoveredSegment(_Result):
    """A segment without a respondent, and why."""

    key: str
    label: str
    reason: str
    available: int = Field(0, description="Сколько людей сегмента было среди кандидатов")


class Recruitment(_Result):
    """M-8: interview recruitment by greedy set cover, with its approximation bound."""

    respondents: list[RecruitedRespondent]
    uncovered: list[UncoveredSegment] = Field(default_factory=list)
    segments_total: int
    segments_covered: int
    per_segment: int = Field(1, description="Сколько респондентов нужно на сегмент")
    candidates: int = Field(description="Кандидатов рассмотрено")
    excluded_opt_out: int = 0
    excluded_limit: int = 0
    lower_bound: int = Field(description="Нижняя граница оптимума (число респондентов)")
    bound_factor: float = Field(
        description="Во сколько раз, самое большее, список длиннее самого короткого возможного "
        "(H(d), d — квот на человека)"
    )
    explanation: str
    min_cell: int | None = Field(
        None,
        description="Сколько людей должно быть в сочетании квот, с которым назван респондент "
        "(не задано в планах, рассчитанных раньше этой проверки)",
    )


class GuideQuestion(_Result):
    text: str
    hypotheses: list[str] = Field(default_factory=list)
    note: str = Field("", description="Для интервьюера: что проверяем (не зачитывать)")


class GuideSection(_Result):
    journey_step: str | None = None
    title: str
    questions: list[GuideQuestion]


class InterviewGuide(_Result):
    """M-8: a draft interview guide for one segment, grouped by journey step."""

    segment: str
    label: str
    hypotheses: list[str]
    sections: list[GuideSection]
    warnings: list[str] = Field(default_factory=list)


class SurveyTest(_Result):
    """M-9: one question × one segment of one hypothesis: share, interval, test, verdict."""

    hypothesis: str
    question: str
    segment: str
    label: str
    support: str = Field(description="Какой ответ подтверждает гипотезу: yes | no")
    n: int | None = Field(description="Ответов в сегменте (скрыто — None)")
    yes: int | None = Field(description="Ответов, подтверждающих гипотезу (скрыто — None)")
    share: float | None = None
    interval: Interval | None = None
    rest_n: int = 0
    rest_yes: int | None = 0
    rest_share: float | None = None
    test: str = Field("none", description="chi2 | fisher | none")
    statistic: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = Field(None, description="С поправкой Бенджамини — Хохберга")
    status: HypothesisStatus = HypothesisStatus.not_enough_data
    reason: str = ""


class HypothesisVerdict(_Result):
    """M-9: the verdict on a hypothesis with its reason and evidence."""

    hypothesis: str
    status: HypothesisStatus
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)


class SurveyAnalysis(_Result):
    respondents: int = Field(description="Ответов в опросе")
    matched: int = Field(description="Ответов, связанных с сегментами")
    tests: list[SurveyTest]
    verdicts: list[HypothesisVerdict]
    missing_segments: list[UncoveredSegment] = Field(
        default_factory=list, description="Сегменты без единого респондента"
    )
    rules: list[str] = Field(description="Правила вердиктов, как их видит пользователь")
    warnings: list[str] = Field(default_factory=list)


class InterviewNote(_Result):
    """An imported interview note or transcript, masked, split into quotes."""

    source: str
    text: str
    quotes: list[str]
    masked: dict[str, int] = Field(
        default_factory=dict,
        description="Сколько замаскировано по видам: names, phones, emails, snils, inn, "
        "passports, cards, birth_dates, addresses",
    )


class QuoteSuggestion(_Result):
    """A quote suggested as evidence for a hypothesis (lemma overlap); a person confirms it."""

    quote: str
    hypothesis: str
    score: float
    lemmas: list[str] = Field(description="Общие леммы цитаты и гипотезы")


class Topic(_Result):
    index: int
    name: str = Field("", description="Короткое название темы")
    name_origin: str = Field("data", description="data — из текстов; team — задано командой")
    label_id: str | None = Field(None, description="Название команды, которое применено")
    words: list[str] = Field(description="Главные леммы темы")
    signatures: list[list[str]] = Field(
        default_factory=list,
        description="Главные леммы каждой найденной темы, объединённой в эту (ключ правок)",
    )
    documents: int = Field(description="Текстов, где тема главная")
    share: float
    examples: list[str] = Field(
        default_factory=list, description="Разные предложения из самых типичных текстов"
    )


class TopicSegmentShare(_Result):
    segment: str
    topic: int
    documents: int
    share: float = Field(description="Доля текстов сегмента с этой главной темой")
    texts: int = Field(0, description="Текстов сегмента (с какой-либо темой)")
    interval: Interval | None = Field(None, description="Интервал Уилсона для доли")


class TopicModel(_Result):
    """Topics of complaints or open answers (lemmas → TF-IDF → NMF)."""

    n_documents: int
    n_topics: int
    topics: list[Topic]
    by_segment: list[TopicSegmentShare] = Field(default_factory=list)
    chosen_by: str = Field("", description="Как выбрано число тем")
    unmatched_labels: list[str] = Field(
        default_factory=list, description="Названия команды, не нашедшие темы в этом запуске"
    )


class SourceTopics(_Result):
    """The topics of one source's free texts, with the team's names (for the report)."""

    source: str
    title: str = Field("", description="Источник, как его назвала команда")
    text_column: str
    model: TopicModel


# --- M-4: clusters (approach 1) with portraits -------------------------------------------------


class KDiagnostic(_Result):
    """Quality of a clustering with ``k`` clusters: cost, silhouette, bootstrap stability."""

    k: int
    method: str = Field("kprototypes", description="kprototypes | onehot: как вошли категории")
    cost: float = Field(description="Стоимость k-прототипов на выборке (рабочие единицы)")
    cost_drop: float | None = Field(
        None, description="Относительное снижение стоимости против k − 1 (для «локтя»)"
    )
    silhouette: float | None = Field(None, description="Силуэт по расстоянию Гауэра на выборке")
    stability: float | None = Field(
        None, description="Средний ARI меток на общих точках бутстреп-выборок"
    )
    stability_sd: float | None = Field(None, description="Разброс ARI (стандартное отклонение)")
    stability_runs: int = Field(0, description="Сколько пар выборок сравнено")
    smallest_share: float | None = Field(None, description="Доля самого малого кластера")


class KChoice(_Result):
    """How the number of clusters was chosen, with the rule and the reason in Russian."""

    k_range: tuple[int, int]
    diagnostics: list[KDiagnostic] = Field(description="Показатели по k выбранного метода")
    compared: list[KDiagnostic] = Field(
        default_factory=list, description="Показатели по k других методов, с которыми сравнивали"
    )
    method: str = Field("kprototypes", description="Выбранный метод: kprototypes | onehot")
    method_label: str = Field("", description="Выбранный метод по-русски")
    recommended_k: int | None = Field(None, description="Рекомендованное по правилу число k")
    chosen_k: int = Field(description="Использованное число кластеров")
    fixed: bool = Field(False, description="Число кластеров задано в исследовании")
    rule: str = Field(description="Правило выбора k, как его видит пользователь")
    reason: str = Field(description="Почему рекомендовано именно это k")
    weak: bool = Field(False, description="Структура кластеров слабая (неустойчива или размыта)")
    weak_reason: str = Field("", description="Почему структура слабая")
    silhouette_sample: int = Field(0, description="Строк в выборке для силуэта")
    stability_resamples: int = Field(0, description="Бутстреп-выборок для устойчивости")


class PortraitNote(_Result):
    """One statement of a drafted portrait field, with where it came from."""

    text: str
    source: str = Field(
        description="Откуда: данные о клиентах, опрос «…», жалобы «…», интервью (гипотеза «…»)"
    )
    basis: str = Field(
        "",
        description="На чём основано (для защиты малых групп): satisfaction — оценки кластера; "
        "trait:<признак>=<значение> — черта; survey, complaints, interviews, records",
    )


class PortraitField(_Result):
    """One field of a persona card or an empathy map, with where its text came from."""

    key: str = Field(description="age, situation, goals, pains, channels, quote; thinks_feels…")
    title: str = Field(description="Название поля по-русски")
    value: str = ""
    origin: str = Field(
        description="data — из данных; interviews — ждёт интервью; team — правка команды"
    )
    notes: list[PortraitNote] = Field(
        default_factory=list, description="Из чего составлен черновик поля, с источником каждого"
    )

    @property
    def sources(self) -> list[str]:
        """Where the drafted text came from, each source once, in order."""
        return list(dict.fromkeys(n.source for n in self.notes))

    def drafted(self, notes: list[PortraitNote]) -> PortraitField:
        """A copy drafted from ``notes`` (their texts joined); with none it waits for
        interviews. A team's text is kept as it is."""
        if self.origin == "team":
            return self
        return self.model_copy(
            update={
                "notes": notes,
                "value": "; ".join(n.text for n in notes),
                "origin": "data" if notes else "interviews",
            }
        )


class PortraitTrait(_Result):
    """A distinctive trait: a categorical value's lift, or a numeric mean's shift in SDs."""

    kind: str = Field(description="categorical | numeric")
    feature_id: str
    feature_label: str
    value: str = Field("", description="Код значения (для категориального признака)")
    label: str = Field(description="Подпись: значение или «старше в среднем» и т. п.")
    share_in_segment: float | None = None
    share_overall: float | None = None
    lift: float | None = None
    mean_in_segment: float | None = None
    mean_overall: float | None = None
    difference_sd: float | None = Field(None, description="(среднее в сегменте − общее) / σ")
    text: str = Field("", description="Черта одной фразой по-русски")


class Portrait(_Result):
    """M-4: a cluster's (or segment's) portrait — traits, name, persona and empathy map drafts."""

    segment: str = Field(description="Ключ: «cluster=N» или ключ сегмента")
    definition: list[str] = Field(
        description="Определяющие черты «признак=значение» (по ним переносятся правки)"
    )
    traits: list[PortraitTrait] = Field(default_factory=list)
    name: str
    name_origin: str = Field("data", description="data | team")
    persona: list[PortraitField] = Field(default_factory=list)
    empathy_map: list[PortraitField] = Field(default_factory=list)
    edit_similarity: float | None = Field(
        None, description="Сходство определений (Жаккар) с перенесённой правкой команды"
    )


class ClusterStats(_Result):
    key: str = Field(description="«cluster=N»")
    number: int = Field(description="Номер кластера (с 1)")
    label: str = Field(description="Название кластера (из портрета)")
    capacity: int | None = Field(description="Клиентов в кластере (скрыто — None)")
    share: float | None
    hidden: Hidden | None = Field(None, description="Почему кластер скрыт")
    satisfaction: SatisfactionStats
    clients: int | None = Field(None, description="Разных клиентов (если известен их id)")
    small: bool = Field(False, description="Меньше порога min_cell: скрывается в отчётах")
    sample_rows: int = Field(0, description="Строк кластера в обучающей выборке")
    prototype: dict[str, str | float | None] = Field(
        default_factory=dict, description="Центр кластера: признак → значение"
    )
    definition: list[str] = Field(default_factory=list)
    portrait: Portrait


class ClusterCrossCell(_Result):
    cluster: str
    segment: str
    count: int | None
    share_of_cluster: float | None = Field(description="Доля кластера, попавшая в сегмент")
    share_of_segment: float | None = Field(description="Доля сегмента, попавшая в кластер")
    hidden: Hidden | None = None


class ClusterCrosstab(_Result):
    """Clusters × the one-feature segments of one feature (counts and shares)."""

    feature_id: str
    feature_label: str
    segments: list[str] = Field(description="Ключи сегментов по порядку")
    segment_labels: list[str]
    cells: list[ClusterCrossCell]


class VulnerableCell(_Result):
    cluster: str
    count: int | None
    share_of_group: float | None = Field(description="Доля группы, попавшая в этот кластер")
    share_of_cluster: float | None = Field(description="Доля группы внутри кластера")
    hidden: Hidden | None = None


class VulnerableGroupRow(_Result):
    """A vulnerable-group value spread across the clusters (never lost inside one of them)."""

    feature_id: str
    feature_label: str
    segment: str = Field(description="«признак=значение»")
    value: str
    label: str
    total: int | None
    cells: list[VulnerableCell]
    hidden: Hidden | None = None


class UnmatchedPortraitEdit(_Result):
    """A team edit that matched no cluster of this run: kept in the study and reported."""

    definition: list[str]
    name: str | None = None
    best_segment: str | None = None
    best_similarity: float | None = None


class ClusterResult(_Result):
    """M-4 approach 1: k-prototypes clusters over the whole table, with portraits."""

    features: list[str]
    feature_labels: list[str] = Field(default_factory=list)
    k: int
    gamma: float
    init: str
    n_init: int
    sample_size: int = Field(description="Строк в обучающей выборке")
    total_rows: int
    random_state: int
    choice: KChoice
    clusters: list[ClusterStats]
    crosstabs: list[ClusterCrosstab] = Field(default_factory=list)
    vulnerable: list[VulnerableGroupRow] = Field(default_factory=list)
    unmatched_edits: list[UnmatchedPortraitEdit] = Field(default_factory=list)
    match_threshold: float = Field(0.5, description="Порог Жаккара для переноса правок")
    warnings: list[str] = Field(default_factory=list)


Profile.model_rebuild()
